"""Batch readers: files by type, NDJSON, folders; one bad input never stops the others."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest

from medcoder.errors import InputFileError, ReadError
from medcoder.ingest import read_path, read_paths
from medcoder.models import Encounter, Setting

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"


def _ids(results: list[Encounter | ReadError]) -> list[str]:
    return [r.id for r in results if isinstance(r, Encounter)]


def _errors(results: list[Encounter | ReadError]) -> list[ReadError]:
    return [r for r in results if isinstance(r, ReadError)]


def test_read_path_text_file():
    [encounter] = read_path(FIXTURES / "notes" / "progress-note-1.txt")
    assert isinstance(encounter, Encounter) and encounter.id == "progress-note-1"


def test_read_path_fhir_bundle_json():
    results = list(read_path(FIXTURES / "bundle-two-visits-r4.json"))
    assert _ids(results) == ["amb-1", "emer-1"]


def test_read_path_medcoder_encounter_json_with_setting_override():
    [encounter] = read_path(FIXTURES / "encounter.json", setting=Setting.professional)
    assert isinstance(encounter, Encounter)
    assert encounter.id == "json-enc-1"
    assert encounter.setting == Setting.professional
    assert encounter.documents[0].text.startswith("Fictional patient with migraine")


def test_read_path_medcoder_encounter_json_signature_known_unknown_and_bad(tmp_path: Path):
    def read_signed(value: Any) -> Encounter | ReadError:
        document: dict[str, Any] = {"id": "d1", "type": "op_note", "text": "Fictional note: inguinal hernia."}
        if value != "absent":
            document["signed"] = value
        path = tmp_path / "encounter.json"
        path.write_text(json.dumps({"id": "e1", "documents": [document]}), encoding="utf-8")
        [result] = read_path(path)
        return result

    assert read_signed(False).documents[0].signed is False  # the sender says: not signed
    assert read_signed("absent").documents[0].signed is None  # the sender does not say
    assert read_signed({"by": "Dr. A"}).documents[0].signed.by == "Dr. A"
    assert read_signed("absent").has_registration  # a structured encounter: its gaps are real
    bad = read_signed(True)
    assert isinstance(bad, ReadError) and "documents[0].signed" in str(bad) and "who signed" in str(bad)


def test_read_path_ndjson_encounters_and_bundles():
    results = list(read_path(FIXTURES / "encounters.ndjson"))
    assert _ids(results) == ["ndjson-enc-1", "ndjson-bundle-2", "ndjson-enc-3"]
    assert results[2].setting == Setting.inpatient


def test_read_path_ndjson_bad_line_in_the_middle(tmp_path: Path):
    lines = (FIXTURES / "encounters.ndjson").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join([lines[0], '{"id": "broken", "documents": [', lines[1], "", lines[2]]) + "\n")
    results = list(read_path(path))
    assert _ids(results) == ["ndjson-enc-1", "ndjson-bundle-2", "ndjson-enc-3"]
    [error] = _errors(results)
    assert error.source == str(path)
    assert error.line == 2
    assert "malformed JSON" in error.reason
    assert f"{path}, line 2" in str(error)


def test_read_path_ndjson_invalid_records_carry_line_numbers(tmp_path: Path):
    records = [
        {"id": "ok", "documents": [{"id": "n", "text": "Fictional note: asthma."}]},
        {"id": "no-text", "documents": [{"id": "n"}]},
        {"id": "blank", "documents": [{"id": "n", "text": "   "}]},
        {"resourceType": "Encounter", "id": "alone", "status": "finished", "class": {"code": "AMB"}},
        ["not", "an", "object"],
        {"something": "else"},
    ]
    path = tmp_path / "mixed.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    results = list(read_path(path))
    assert _ids(results) == ["ok"]
    errors = {e.line: e.reason for e in _errors(results)}
    assert set(errors) == {2, 3, 4, 5, 6}
    assert "documents[0].text" in errors[2]
    assert "empty document" in errors[3]
    assert "FHIR Encounter resource on its own" in errors[4]
    assert "JSON array" in errors[5]
    assert "neither a FHIR Bundle" in errors[6]


def test_read_path_ndjson_cp1252_line_accepted_with_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    record = {"id": "fr", "documents": [{"id": "n", "text": "Fictional note: névralgie, fièvre."}]}
    path = tmp_path / "legacy.ndjson"
    path.write_bytes(json.dumps(record, ensure_ascii=False).encode("cp1252") + b"\n")
    with caplog.at_level(logging.WARNING, logger="medcoder.ingest"):
        [encounter] = read_path(path)
    assert isinstance(encounter, Encounter) and encounter.documents[0].text.endswith("fièvre.")
    assert str(path) in caplog.text and "cp1252" in caplog.text
    assert "fièvre" not in caplog.text


def test_read_path_malformed_json_file_names_file_line_and_column(tmp_path: Path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "resourceType": "Bundle",\n  "type": "collection",\n}\n')
    [error] = read_path(path)
    assert isinstance(error, ReadError)
    assert error.source == str(path)
    assert error.line == 4
    assert "malformed JSON" in error.reason and "column 1" in error.reason


def test_read_path_bundle_with_invalid_resource_names_it(tmp_path: Path):
    bundle = json.loads((FIXTURES / "bundle-two-visits-r4.json").read_text())
    bundle["entry"][1]["resource"]["period"] = {"start": "last tuesday"}
    path = tmp_path / "bad-bundle.json"
    path.write_text(json.dumps(bundle))
    [error] = read_path(path)
    assert isinstance(error, ReadError)
    assert "Encounter/amb-1 (Bundle entry 1)" in str(error) and "period.start" in str(error)


def test_read_path_missing_path_raises_input_file_error_at_call(tmp_path: Path):
    with pytest.raises(InputFileError, match="no such file"):
        read_path(tmp_path / "absent")  # raised now, not at the first next()


def test_read_paths_checks_every_path_before_reading(tmp_path: Path):
    with pytest.raises(InputFileError) as info:
        read_paths([FIXTURES / "encounter.json", tmp_path / "typo.json"])
    assert info.value.path == str(tmp_path / "typo.json")


def test_read_paths_in_order_given():
    results = list(read_paths([FIXTURES / "encounter.json", FIXTURES / "notes" / "ed-note-3.text"]))
    assert _ids(results) == ["json-enc-1", "ed-note-3"]


def test_read_path_named_file_of_unknown_type_is_read_error(tmp_path: Path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.4")
    [error] = read_path(path)
    assert isinstance(error, ReadError) and "unsupported file type .pdf" in error.reason


def test_read_path_folder_mixing_good_and_bad_files(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    folder = tmp_path / "batch"
    shutil.copytree(FIXTURES, folder)
    (folder / "sub").mkdir()
    (folder / "sub" / "binary.txt").write_bytes(b"\x00\x01\x02 not text")
    (folder / "sub" / "empty.md").write_text("")
    (folder / "sub" / "windows-1252.txt").write_bytes("Fictional: névralgie.".encode("cp1252"))
    (folder / "broken.json").write_text('{"resourceType": "Bundle",')
    (folder / "image.png").write_bytes(b"\x89PNG\r\n")
    (folder / ".hidden.txt").write_text("should not be read")
    (folder / ".cache").mkdir()
    (folder / ".cache" / "x.txt").write_text("should not be read")
    with caplog.at_level(logging.DEBUG, logger="medcoder.ingest"):
        results = list(read_path(folder))
    assert _ids(results) == [
        "enc-1001",
        "amb-1",
        "emer-1",
        "json-enc-1",
        "ndjson-enc-1",
        "ndjson-bundle-2",
        "ndjson-enc-3",
        "clinic-visit-2",
        "ed-note-3",
        "progress-note-1",
        "windows-1252",
    ]
    errors = {Path(e.source).name: e.reason for e in _errors(results)}
    assert set(errors) == {"broken.json", "binary.txt", "empty.md"}
    assert errors["binary.txt"] == "binary file, not text"
    assert errors["empty.md"] == "empty document"
    assert "image.png" in caplog.text and "skipped" in caplog.text
    assert "should not be read" not in [d.text for e in results if isinstance(e, Encounter) for d in e.documents]


def test_read_path_folder_results_in_sorted_path_order(tmp_path: Path):
    for name in ("b/2.txt", "a.txt", "b/1.txt", "c.txt", "a/z.txt"):
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"Fictional note {name}.")
    assert _ids(list(read_path(tmp_path))) == ["z", "a", "1", "2", "c"]


def test_read_path_folder_setting_applies_to_every_file(tmp_path: Path):
    shutil.copytree(FIXTURES / "notes", tmp_path / "notes")
    results = list(read_path(tmp_path, setting=Setting.inpatient))
    assert len(results) == 3
    assert all(isinstance(r, Encounter) and r.setting == Setting.inpatient for r in results)


def test_read_path_folder_logs_no_document_text(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    shutil.copytree(FIXTURES, tmp_path / "all")
    with caplog.at_level(logging.DEBUG, logger="medcoder"):
        list(read_path(tmp_path))
    assert "diabetic polyneuropathy" not in caplog.text
    assert "MRN-000123" not in caplog.text


def test_read_path_ndjson_encounter_without_id_takes_stem_and_line(tmp_path: Path):
    path = tmp_path / "visits.ndjson"
    path.write_text('\n{"documents": [{"id": "n", "text": "Fictional note: otitis media."}]}\n')
    [encounter] = read_path(path)
    assert isinstance(encounter, Encounter) and encounter.id == "visits-2"
