"""``medcoder code``: JSONL and table output, a batch with an unreadable file, bad ``--model`` files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

APPENDICITIS = (
    "EMERGENCY DEPARTMENT NOTE\n"
    "HISTORY OF PRESENT ILLNESS: 24-year-old man with periumbilical abdominal pain moving to the right lower "
    "quadrant since last night, with nausea.\n"
    "ASSESSMENT:\n"
    "1. Acute appendicitis. Surgery consulted.\n"
    "2. Essential hypertension.\n"
)
DIABETES_CRLF = (
    "PROGRESS NOTE\r\nASSESSMENT AND PLAN:\r\n1. Type 2 diabetes mellitus. A1c 7.4%.\r\n"
    "2. Chronic kidney disease stage 3a.\r\n"
)
FIELDS = {"code", "description", "confidence", "sequence", "evidence", "rationale"}


run = run_cli


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))  # bytes: CRLF stays CRLF
    return path


def _check_object(obj: dict, text: str, stem: str) -> None:
    assert obj["id"] == stem
    diagnoses = obj["diagnoses"]
    assert diagnoses
    assert [d["sequence"] for d in diagnoses] == list(range(1, len(diagnoses) + 1))
    for d in diagnoses:
        assert set(d) >= FIELDS, set(d)
        assert 0.0 <= d["confidence"] <= 1.0 and d["description"] and d["rationale"]
        for e in d["evidence"]:
            assert e["document_id"] == stem
            assert text[e["start"] : e["end"]] == e["text"]


def test_cli_code_jsonl_one_object_per_encounter(bundled, capsys, tmp_path):
    note = _write(tmp_path / "ed-visit-0417.txt", APPENDICITIS)
    status, out, err = run(capsys, "code", str(note), "--format", "jsonl")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 1
    obj = json.loads(lines[0])
    _check_object(obj, APPENDICITIS, "ed-visit-0417")
    found = [d["code"] for d in obj["diagnoses"]]
    assert found[0] == "K35.80" and "I10" in found  # the definitive diagnosis first-listed (OCG IV)
    assert not any(c.startswith(("R10", "R11", "R52")) for c in found)  # integral symptoms (OCG I.B.4-5)


def test_cli_code_jsonl_two_files_in_order_crlf_offsets(bundled, capsys, tmp_path):
    first = _write(tmp_path / "a-appendicitis.txt", APPENDICITIS)
    second = _write(tmp_path / "b-diabetes.txt", DIABETES_CRLF)
    status, out, _ = run(capsys, "code", str(first), str(second), "--format", "jsonl")
    assert status == 0
    objects = [json.loads(line) for line in out.splitlines()]
    assert [o["id"] for o in objects] == ["a-appendicitis", "b-diabetes"]
    _check_object(objects[0], APPENDICITIS, "a-appendicitis")
    _check_object(objects[1], DIABETES_CRLF, "b-diabetes")
    assert [d["code"] for d in objects[1]["diagnoses"]] == ["E11.22", "N18.31"]


def test_cli_code_table_shows_code_description_confidence_and_words(bundled, capsys, tmp_path):
    note = _write(tmp_path / "visit.txt", APPENDICITIS)
    status, out, _ = run(capsys, "code", str(note))
    assert status == 0
    header = next(line for line in out.splitlines() if "code" in line and "description" in line)
    for column in ("code", "description", "conf", "supporting words"):
        assert column in header
    row = next(line for line in out.splitlines() if "K35.80" in line)
    assert "appendicitis" in row.lower()  # the description and the supporting words
    assert "Acute appendicitis" in row
    confidence = [part for part in row.split() if part.replace(".", "", 1).isdigit() and "." in part]
    assert confidence and 0.0 <= float(confidence[0]) <= 1.0
    assert "encounter visit" in out


DISCHARGE_SUMMARY = (
    "DISCHARGE SUMMARY\n"
    "ADMISSION DIAGNOSIS: Right lower quadrant abdominal pain.\n"
    "DISCHARGE DIAGNOSES:\n"
    "1. Acute appendicitis.\n"
    "2. Essential hypertension.\n"
    "HOSPITAL COURSE: The patient underwent laparoscopic appendectomy without complication and was "
    "discharged home on postoperative day 1.\n"
)


def test_cli_code_text_note_has_no_errors_for_what_a_text_file_cannot_say(bundled, capsys, tmp_path):
    # A transcribed note has no signature, dates or demographics: the edits say what to check (info),
    # they do not call the coding wrong (issue 9 part 7).
    note = _write(tmp_path / "ds-2291.txt", DISCHARGE_SUMMARY)
    status, out, _ = run(capsys, "code", str(note), "--setting", "inpatient", "--format", "json")
    assert status == 0
    edits = json.loads(out)["edits"]
    assert [e for e in edits if e["severity"] == "error"] == []
    by_rule = {e["rule_id"]: e for e in edits}
    assert by_rule["documentation.unsigned.v1"]["severity"] == "info"
    assert by_rule["documentation.required-fields.v1"]["severity"] == "info"
    assert "admission date" in by_rule["documentation.required-fields.v1"]["message"]


def test_cli_code_folder_with_an_unreadable_file_codes_the_others(bundled, capsys, tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    _write(folder / "01-appendicitis.txt", APPENDICITIS)
    (folder / "02-scan.txt").write_bytes(b"%PDF-1.4\x00\x01\x02\xff binary scan of a fax\x00")
    _write(folder / "03-diabetes.txt", DIABETES_CRLF)
    status, out, err = run(capsys, "code", str(folder), "--format", "jsonl")
    assert status == 1
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["01-appendicitis", "03-diabetes"]
    errors = err.strip().splitlines()
    assert len(errors) == 1, err
    assert errors[0].startswith("error E151") and "02-scan.txt" in errors[0]
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (None, "no site model"),
        (b"PK\x03\x04 this is a zip, not a model", "not a medcoder site model"),
        (gzip.compress(b'{"format": "medcoder-site-model", "format_version": 1}'), "damaged"),
    ],
    ids=["missing", "not-gzip", "damaged-json"],
)
def test_cli_code_bad_model_file_is_error_e160(bundled, capsys, tmp_path, content, why):
    note = _write(tmp_path / "visit.txt", APPENDICITIS)
    model = tmp_path / "site.model.gz"
    if content is not None:
        model.write_bytes(content)
    status, out, err = run(capsys, "code", str(note), "--model", str(model), "--format", "jsonl")
    assert status == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error E160") and why in lines[0], err


def test_cli_code_bad_pcs_calibration_file_is_error_e150(bundled, capsys, tmp_path):
    note = _write(tmp_path / "visit.txt", APPENDICITIS)
    profile = tmp_path / "site_pcs_calibration.json"
    profile.write_text('{"about": "site history", "version": 1, "prefixes": {"0DTJ": [3]}}', encoding="utf-8")
    status, out, err = run(capsys, "code", str(note), "--pcs-calibration", str(profile), "--format", "jsonl")
    assert status == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error E150") and "site_pcs_calibration.json" in lines[0], err
    assert "prefixes" in lines[0] and "Traceback" not in err


def test_cli_code_pcs_calibration_profile_accepted(bundled, capsys, tmp_path):
    # no PCS tables in a bundled-only install: the profile is read, the diagnoses still coded
    note = _write(tmp_path / "visit.txt", APPENDICITIS)
    profile = Path(__file__).resolve().parents[2] / "bench" / "profiles" / "codiesp_pcs_calibration.json"
    status, out, _ = run(capsys, "code", str(note), "--pcs-calibration", str(profile), "--format", "jsonl")
    assert status == 0 and json.loads(out)["diagnoses"]
