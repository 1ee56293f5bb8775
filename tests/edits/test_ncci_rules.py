"""NCCI PTP and MUE edits on outpatient / professional claims, read from small files in the CMS layouts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from medcoder.edits.engine import EditEngine, References
from medcoder.edits.profile import PayerProfile
from medcoder.edits.reference import MueTable, PtpTable
from medcoder.grouping.claims import Claim

# CMS practitioner PTP text layout: title lines, a header, tab-delimited rows (no descriptors).
PTP = (
    "CPT codes, descriptions and other data only are copyright American Medical Association.\n"
    "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date *=no data\t"
    "Modifier 0=not allowed 1=allowed 9=not applicable\tPTP Edit Rationale\n"
    "29881\t29877\t\t20060101\t*\t0\tMisuse of column two code with column one code\n"
    "43239\t43235\t\t20040101\t*\t1\tStandards of medical / surgical practice\n"
    "99213\t36415\t\t20200101\t20250101\t1\tCPT Manual or CMS manual coding instructions\n"
)
MUE = (
    "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n"
    "J0696,16,3 Date of Service Edit: Clinical,Clinical: Data\n"
    "36415,2,1 Line Edit,Nature of Service/Procedure\n"
    "20610,2,2 Date of Service Edit: Policy,Anatomic Consideration\n"
)
BASE: dict[str, Any] = {
    "id": "o1",
    "setting": "professional",
    "service_date": "2026-03-10",
    "age": 55,
    "sex": "M",
    "diagnoses": [{"code": "M23.221"}],
}


@pytest.fixture(scope="module")
def engine(bundled_kb, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ncci")
    (folder / "ptp.txt").write_text(PTP, encoding="utf-8")
    (folder / "mue.csv").write_text(MUE, encoding="utf-8")
    references = References(ptp=PtpTable.read(folder / "ptp.txt"), mue=MueTable.read(folder / "mue.csv"))
    with EditEngine(bundled_kb, PayerProfile.default(), references) as e:
        yield e


def check(engine: EditEngine, rule: str, procedures: list[dict[str, Any]], **changes: Any) -> list:
    claim = Claim.model_validate({**BASE, **changes, "procedures": procedures})
    return [e for e in engine.check(claim) if e.rule_id == rule]


def test_ptp_fires_in_either_order_when_no_modifier_is_allowed(engine) -> None:
    for lines in ([{"code": "29881"}, {"code": "29877"}], [{"code": "29877"}, {"code": "29881"}]):
        (edit,) = check(engine, "ncci.ptp.v1", lines)
        assert edit.codes == ["29881", "29877"] and "indicator 0" in edit.suggested_fix
    # modifier indicator 0: not even modifier 59 lets the pair through
    (edit,) = check(engine, "ncci.ptp.v1", [{"code": "29881"}, {"code": "29877", "modifiers": ["59"]}])
    assert edit.severity == "error"


def test_ptp_with_indicator_1_is_bypassed_by_an_ncci_modifier(engine) -> None:
    (edit,) = check(engine, "ncci.ptp.v1", [{"code": "43239"}, {"code": "43235"}])
    assert "59" in edit.suggested_fix
    assert check(engine, "ncci.ptp.v1", [{"code": "43239"}, {"code": "43235", "modifiers": ["XS"]}]) == []
    # a modifier that is not NCCI-associated does not bypass
    assert check(engine, "ncci.ptp.v1", [{"code": "43239"}, {"code": "43235", "modifiers": ["26"]}])


def test_ptp_respects_the_deletion_date_and_different_dates_of_service(engine) -> None:
    # 99213 / 36415 was deleted on 2025-01-01: in effect before, not after
    assert check(engine, "ncci.ptp.v1", [{"code": "99213"}, {"code": "36415"}], service_date="2024-06-01")
    assert check(engine, "ncci.ptp.v1", [{"code": "99213"}, {"code": "36415"}]) == []
    apart = [{"code": "29881", "date": "2026-03-10"}, {"code": "29877", "date": "2026-03-11"}]
    assert check(engine, "ncci.ptp.v1", apart) == []


def test_ptp_and_mue_do_not_run_on_inpatient_claims(engine) -> None:
    inpatient = {"setting": "inpatient", "admit_date": "2026-03-08", "discharge_date": "2026-03-10"}
    assert check(engine, "ncci.ptp.v1", [{"code": "29881"}, {"code": "29877"}], **inpatient) == []
    assert check(engine, "ncci.mue.v1", [{"code": "J0696", "units": 40}], **inpatient) == []


def test_mue_date_of_service_edit_sums_the_lines(engine) -> None:
    (edit,) = check(engine, "ncci.mue.v1", [{"code": "J0696", "units": 10}, {"code": "J0696", "units": 8}])
    assert "18 units" in edit.message and "MUE is 16" in edit.message and "MAI 3" in edit.message
    assert "appeal" in edit.suggested_fix
    assert check(engine, "ncci.mue.v1", [{"code": "J0696", "units": 16}]) == []
    (policy,) = check(engine, "ncci.mue.v1", [{"code": "20610", "units": 3}])
    assert "policy" in policy.message and "not payable" in policy.suggested_fix


def test_mue_line_edit_counts_each_line_on_its_own(engine) -> None:
    assert check(engine, "ncci.mue.v1", [{"code": "36415", "units": 2}, {"code": "36415", "units": 2}]) == []
    (edit,) = check(engine, "ncci.mue.v1", [{"code": "36415", "units": 3}])
    assert "MAI 1" in edit.message and "separate lines" in edit.suggested_fix


def test_ptp_and_mue_say_when_no_cms_file_is_configured(bundled_kb) -> None:
    with EditEngine(bundled_kb, PayerProfile.default(), References()) as engine:
        found = check(engine, "ncci.ptp.v1", [{"code": "29881"}, {"code": "29877"}])
        assert [(e.severity, "reference.ncci_ptp" in e.message) for e in found] == [("info", True)]
        found = check(engine, "ncci.mue.v1", [{"code": "J0696", "units": 40}])
        assert [(e.severity, "reference.mue" in e.message) for e in found] == [("info", True)]


def test_edit_cli_reads_reference_files_given_as_options(tmp_path: Path, bundled_home, capsys) -> None:
    import json

    from tests.conftest import medcoder_home, run_cli

    (tmp_path / "ptp.txt").write_text(PTP, encoding="utf-8")
    claims = tmp_path / "claims.jsonl"
    lines = [{**BASE, "procedures": [{"code": "29881"}, {"code": "29877"}]}, {**BASE, "id": "o2"}]
    claims.write_text("\n".join(json.dumps(c) for c in lines) + "\n")
    with medcoder_home(bundled_home):
        code, out, _ = run_cli(capsys, "edit", str(claims), "--format", "jsonl", "--ptp", str(tmp_path / "ptp.txt"))
    assert code == 0
    first, second = (json.loads(line) for line in out.splitlines())
    assert [e["rule_id"] for e in first["edits"] if e["severity"] == "error"] == ["ncci.ptp.v1"]
    assert second["claim_id"] == "o2" and second["errors"] == 0
