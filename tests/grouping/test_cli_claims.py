from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from medcoder.cli.claims import group, hcc

HF = {
    "id": "hf",
    "discharge_date": "2026-05-01",
    "age": 70,
    "sex": "F",
    "discharge_status": 1,
    "diagnoses": [{"code": "I50.23", "poa": "Y"}, {"code": "J96.01", "poa": "Y"}, {"code": "E11.9", "poa": "Y"}],
    "procedures": [],
}
NO_MCC = {**HF, "id": "hf2", "diagnoses": HF["diagnoses"][:1]}


def _jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "claims.jsonl"
    path.write_text(json.dumps(HF) + "\n{broken\n" + json.dumps(NO_MCC) + "\n")
    return path


def test_cli_group_jsonl_one_result_per_line_bad_line_on_stderr(tmp_path: Path) -> None:
    path = _jsonl(tmp_path)
    result = CliRunner().invoke(group, [str(path), "--format", "jsonl"])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["claim_id"], r["drg"], r["mdc"]) for r in lines] == [("hf", "291", "05"), ("hf2", "293", "05")]
    assert lines[0]["impact"][0] == {**lines[0]["impact"][0], "code": "J9601", "drg_without": "293"}
    assert result.stderr.startswith("error E151") and f"{path}, line 2" in result.stderr


def test_cli_group_single_json_and_table(tmp_path: Path) -> None:
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(HF, indent=2))
    result = CliRunner().invoke(group, [str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["drg"] == "291"
    result = CliRunner().invoke(group, [str(path)])
    assert result.exit_code == 0 and "MS-DRG 291 (MDC 05)" in result.stdout and "J9601" in result.stdout


def test_cli_group_unsupported_discharge_date(tmp_path: Path) -> None:
    path = tmp_path / "claim.json"
    path.write_text(json.dumps({**HF, "discharge_date": "2019-01-01"}))
    result = CliRunner().invoke(group, [str(path), "--format", "jsonl"])
    assert result.exit_code == 1 and "error E110" in result.stderr and result.stdout == ""


def test_cli_hcc_jsonl(tmp_path: Path) -> None:
    path = _jsonl(tmp_path)
    result = CliRunner().invoke(hcc, [str(path), "--format", "jsonl"])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [[h["hcc"] for h in r["models"][0]["hccs"]] for r in lines] == [["38", "213", "224"], ["224"]]
    assert "error E151" in result.stderr
