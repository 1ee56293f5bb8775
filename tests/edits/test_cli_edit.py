"""``medcoder edit``: claims in, edits out (table, json, jsonl), profiles, the rule listing, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import medcoder_home, run_cli

CLEAN = {
    "id": "ok",
    "admit_date": "2026-04-27",
    "discharge_date": "2026-05-01",
    "age": 70,
    "sex": "F",
    "discharge_status": 1,
    "diagnoses": [{"code": "I50.23", "poa": "Y"}, {"code": "N17.9", "poa": "Y"}],
}
BAD = {**CLEAN, "id": "bad", "diagnoses": [{"code": "G63", "poa": "Y"}, {"code": "E11", "poa": "Q"}]}


@pytest.fixture
def claims(tmp_path: Path) -> Path:
    path = tmp_path / "claims.jsonl"
    path.write_text(json.dumps(CLEAN) + "\n" + json.dumps(BAD) + "\n")
    return path


def test_cli_edit_jsonl_one_result_per_claim_in_order(claims: Path, bundled_home, capsys) -> None:
    with medcoder_home(bundled_home):
        code, out, err = run_cli(capsys, "edit", str(claims), "--format", "jsonl")
    assert code == 0 and err == ""
    clean, bad = (json.loads(line) for line in out.splitlines())
    assert (clean["claim_id"], clean["errors"], clean["profile"]) == ("ok", 0, "default")
    rules = {e["rule_id"] for e in bad["edits"]}
    assert {"mce.manifestation-as-pdx.v1", "validity.header.v1", "poa.invalid.v1", "conventions.code-first.v1"} <= rules
    assert bad["errors"] == sum(e["severity"] == "error" for e in bad["edits"])
    assert all(e["suggested_fix"] for e in bad["edits"] if e["severity"] == "error")


def test_cli_edit_table_shows_counts_rules_and_fixes(claims: Path, bundled_home, capsys) -> None:
    with medcoder_home(bundled_home):
        code, out, _ = run_cli(capsys, "edit", str(claims))
    assert code == 0
    assert "ok: 0 error(s)" in out and "bad:" in out and "validity.header.v1" in out and "fix" in out


def test_cli_edit_profile_disables_rules(claims: Path, tmp_path: Path, bundled_home, capsys) -> None:
    profile = tmp_path / "quiet.yaml"
    profile.write_text("id: quiet\nrules:\n  disabled: [mce, poa, validity, conventions]\n")
    with medcoder_home(bundled_home):
        code, out, _ = run_cli(capsys, "edit", str(claims), "--format", "json", "--profile", str(profile))
    assert code == 0
    results = json.loads(out)
    assert [r["profile"] for r in results] == ["quiet", "quiet"]
    assert all(e["rule_id"].startswith("documentation.") for r in results for e in r["edits"])


def test_cli_edit_rules_lists_every_rule(capsys) -> None:
    code, out, _ = run_cli(capsys, "edit", "--rules")
    assert code == 0
    for rule in (
        "validity.code.v1",
        "mce.v1",
        "ncci.ptp.v1",
        "ncci.mue.v1",
        "poa.required.v1",
        "documentation.unsigned.v1",
    ):
        assert rule in out


def test_cli_edit_bad_profile_and_bad_claim_lines(claims: Path, tmp_path: Path, bundled_home, capsys) -> None:
    profile = tmp_path / "bad.yaml"
    profile.write_text("id: p\nrules:\n  disabled: [no.such.rule]\n")
    with medcoder_home(bundled_home):
        code, out, err = run_cli(capsys, "edit", str(claims), "--profile", str(profile))
        assert code == 1 and out == "" and "E153" in err and "no.such.rule" in err
        broken = tmp_path / "broken.jsonl"
        broken.write_text("{nope\n" + json.dumps(CLEAN) + "\n")
        code, out, err = run_cli(capsys, "edit", str(broken), "--format", "jsonl")
    assert code == 1 and "line 1" in err
    assert [json.loads(line)["claim_id"] for line in out.splitlines()] == ["ok"]


def test_cli_edit_missing_reference_file_is_a_clear_error(claims: Path, tmp_path: Path, bundled_home, capsys) -> None:
    with medcoder_home(bundled_home):
        code, _, err = run_cli(capsys, "edit", str(claims), "--mue", str(tmp_path / "absent.csv"))
    assert code == 1 and "E150" in err and "absent.csv" in err
