"""The command line end to end: exit codes, one-line errors, table and JSON output."""

from __future__ import annotations

import json

import pytest

from tests.conftest import medcoder_home, run_cli


@pytest.fixture
def full(full_home):
    with medcoder_home(full_home):
        yield


run = run_cli


def test_cli_show_e1140_in_context(bundled, capsys):
    status, out, _ = run(capsys, "show", "e11.40")
    assert status == 0
    assert "E11.40  Type 2 diabetes mellitus with diabetic neuropathy, unspecified" in out
    assert "Excludes1 [category E11]: type 1 diabetes mellitus (E10.-)" in out
    assert "Use additional code [category E11]: insulin (Z79.4)" in out
    assert "Chapter 4" in out


def test_cli_show_json_lists_seventh_characters(bundled, capsys):
    status, out, _ = run(capsys, "show", "S72001", "--format", "json")
    data = json.loads(out)
    assert status == 0 and data["code"] == "S72.001" and not data["billable"]
    assert data["seventh_characters"][0] == {
        "char": "A",
        "meaning": "initial encounter for closed fracture",
        "code": "S72.001A",
    }
    assert "S78" in data["excludes1"] or any(n["type"] == "excludes1" for n in data["notes"])


def test_cli_unknown_code_is_one_line_with_suggestions(bundled, capsys):
    status, out, err = run(capsys, "show", "E11.499")
    assert status != 0 and out == ""
    assert err.startswith("error E102: 'E11.499' is not a code") and "E11.49" in err
    assert err.count("\n") == 1


def test_cli_malformed_code(bundled, capsys):
    status, _, err = run(capsys, "show", "11.4Q!")
    assert status != 0 and err.startswith("error E103")


def test_cli_empty_query(bundled, capsys):
    status, _, err = run(capsys, "lookup", "  ")
    assert status != 0 and err.startswith("error E104")


def test_cli_lookup_table_and_json(bundled, capsys):
    status, out, _ = run(capsys, "lookup", "type 2 diabetes with neuropathy")
    assert status == 0 and "E11.40" in out.splitlines()[3]
    status, out, _ = run(capsys, "lookup", "dm2", "neuropathy", "--format", "json")
    data = json.loads(out)
    assert data["hits"][0]["code"] == "E11.40" and data["expanded"] == {"dm2": "type 2 diabetes mellitus"}
    assert data["hits"][0]["why"]


def test_cli_validate_exit_status(bundled, capsys):
    assert run(capsys, "validate", "E11.40", "S72.001A")[0] == 0
    status, out, _ = run(capsys, "validate", "E11.40", "S72.001", "--format", "json")
    assert status == 1
    assert [d["billable"] for d in json.loads(out)] == [True, False]


def test_cli_date_without_release(bundled, capsys):
    status, _, err = run(capsys, "validate", "E11.40", "--date", "2024-01-01")
    assert status != 0 and err.startswith("error E110")


def test_cli_schema(capsys):
    status, out, _ = run(capsys, "schema")
    assert status == 0 and "CodingResult" in json.loads(out)["$defs"]
    status, _, err = run(capsys, "schema", "Nope")
    assert status != 0 and "unknown model" in err


def test_cli_example_codes_the_bundled_encounter(bundled, capsys):
    status, out, _ = run(capsys, "example", "--format", "json")
    data = json.loads(out)
    codes = [d["code"] for d in data["diagnoses"]]
    assert status == 0 and data["encounter_id"] == "discharge-summary-1"
    # pneumococcal pneumonia, diabetes with polyneuropathy and with CKD, hypertensive CKD + its stage
    for expected in ("J13", "E11.42", "E11.22", "I12.9", "N18.32", "Z79.4"):
        assert expected in codes, codes
    assert "G62.9" not in codes  # the polyneuropathy is in E11.42 (combination code, OCG I.B.9)
    assert [d["sequence"] for d in data["diagnoses"]] == list(range(1, len(codes) + 1))


def test_cli_codesets_list(bundled, capsys):
    status, out, _ = run(capsys, "codesets", "list", "--format", "json")
    [release] = json.loads(out)
    assert status == 0 and release["release_id"] == "icd10cm-2026-04"
    assert release["files"][0]["kind"] == "tabular"


def test_cli_install_bad_path(tmp_path, capsys):
    with medcoder_home(tmp_path / "home"):
        status, _, err = run(capsys, "codesets", "install", str(tmp_path / "missing.zip"))
    assert status != 0 and err.startswith("error E150") and "missing.zip" in err


@pytest.mark.conformance
def test_cli_show_pcs_axis_by_axis(full, capsys):
    status, out, _ = run(capsys, "show", "0DTJ4ZZ")
    assert status == 0
    assert "Resection" in out and "Cutting out or off, without replacement, all of a body part" in out
    assert "Appendix" in out and "Percutaneous Endoscopic" in out


@pytest.mark.conformance
def test_cli_pcs_table_builder(full, capsys):
    status, out, _ = run(capsys, "pcs", "0DT", "--format", "json")
    data = json.loads(out)
    assert status == 0 and data["position"] == 4 and data["axis"] == "Body Part"
    assert {"char": "J", "label": "Appendix"}.items() <= next(o for o in data["options"] if o["char"] == "J").items()


@pytest.mark.conformance
def test_cli_verify_ok(full, capsys):
    status, out, _ = run(capsys, "codesets", "verify")
    assert status == 0 and "FAIL" not in out


def test_cli_em_level_with_reasoning(tmp_path, capsys):
    note = tmp_path / "visit.txt"
    note.write_text(
        "ASSESSMENT AND PLAN:\n"
        "1. Type 2 diabetes mellitus, uncontrolled, worsening. Increase metformin to 1000 mg twice daily.\n"
        "2. Essential hypertension, stable. Continue lisinopril 10 mg daily.\n"
        "Ordered hemoglobin A1c and basic metabolic panel.\n",
        encoding="utf-8",
    )
    status, out, _ = run(capsys, "em", str(note), "--patient", "established", "--format", "json")
    data = json.loads(out)
    assert status == 0 and data["code"] == "99214" and data["basis"] == "mdm"
    assert any(line.startswith("Risk:") for line in data["reasoning"])
    status, _, err = run(capsys, "em", str(tmp_path / "absent.txt"), "--patient", "new")
    assert status != 0 and err.startswith("error E150")


def test_cli_install_system_option_takes_a_generic_cpt_list(tmp_path, capsys):
    from tests.conftest import medcoder_home

    cpt = tmp_path / "site-codes.csv"
    # invented wording in a generic layout: only installed when the user says it is CPT
    cpt.write_text("Code,Description\n99213,Test descriptor for an established-patient visit\n", encoding="utf-8")
    with medcoder_home(tmp_path / "home"):
        status, _, err = run_cli(capsys, "codesets", "install", str(cpt))
        assert status != 0 and "--system" in err
        status, out, _ = run_cli(capsys, "codesets", "install", str(cpt), "--system", "cpt", "--release-id", "cpt-2026")
        assert status == 0 and "cpt-2026" in out
        status, out, _ = run_cli(capsys, "validate", "99213", "--date", "2026-05-01")
    assert status == 0 and "CPT" in out


def test_cli_code_profile_changes_the_edits(tmp_path, bundled, capsys):
    note = tmp_path / "visit.txt"
    note.write_text("ASSESSMENT:\nType 2 diabetes mellitus without complications.\n", encoding="utf-8")
    status, out, _ = run_cli(capsys, "code", str(note), "--format", "jsonl")
    assert status == 0 and "conventions.use-additional.v1" in {e["rule_id"] for e in json.loads(out)["edits"]}
    profile = tmp_path / "quiet.yaml"
    profile.write_text("id: quiet\nrules:\n  disabled: [conventions]\n", encoding="utf-8")
    status, out, _ = run_cli(capsys, "code", str(note), "--format", "jsonl", "--profile", str(profile))
    assert status == 0 and not [e for e in json.loads(out)["edits"] if e["rule_id"].startswith("conventions.")]
