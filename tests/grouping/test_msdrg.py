from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from medcoder.errors import NoReleaseError, ReleaseFileError
from medcoder.grouping.claims import Claim
from medcoder.grouping.msdrg import DrgGrouper, DrgWeights, UnsupportedDischargeDateError, grouper_version

# CMS IPPS Table 5 layout (tab-delimited text version), cut down to three DRGs, values made up.
TABLE5 = (
    "TABLE 5.--LIST OF MEDICARE SEVERITY DIAGNOSIS-RELATED GROUPS (MS-DRGS), RELATIVE WEIGHTING FACTORS, "
    "AND GEOMETRIC AND ARITHMETIC MEAN LENGTH OF STAY--FY 2026\n"
    "MS-DRG\tFY 2026 Final Rule Post-Acute DRG\tFY 2026 Final Rule Special Pay DRG\tMDC\tTYPE\tMS-DRG Title"
    "\tWeights\tGeometric mean LOS\tArithmetic mean LOS\n"
    "291\tYes\tNo\t05\tMED\tHEART FAILURE AND SHOCK WITH MCC\t1.3000\t3.9\t4.9\n"
    "292\tYes\tNo\t05\tMED\tHEART FAILURE AND SHOCK WITH CC\t0.9000\t3.0\t3.6\n"
    "293\tYes\tNo\t05\tMED\tHEART FAILURE AND SHOCK WITHOUT CC/MCC\t0.6500\t2.2\t2.6\n"
    "\n"
    "* Footnote: weights are illustrative only.\n"
)


@pytest.fixture(scope="module")
def grouper() -> Iterator[DrgGrouper]:
    with DrgGrouper() as grouper:
        yield grouper


def _claim(*codes: str, day: dt.date = dt.date(2026, 5, 1), procedures: tuple[str, ...] = ()) -> Claim:
    return Claim(
        discharge_date=day,
        age=65,
        sex="F",
        discharge_status=1,
        diagnoses=[{"code": code, "poa": "Y"} for code in codes],
        procedures=[{"code": code} for code in procedures],
    )


@pytest.mark.parametrize(
    ("day", "version"),
    [
        (dt.date(2022, 10, 1), 400),
        (dt.date(2023, 4, 1), 401),
        (dt.date(2024, 9, 30), 411),
        (dt.date(2025, 10, 1), 430),
        (dt.date(2026, 3, 31), 430),
        (dt.date(2026, 4, 1), 431),
        (dt.date(2026, 9, 30), 431),
        (dt.date(2026, 10, 1), 440),
    ],
)
def test_grouper_version_by_discharge_date(day: dt.date, version: int) -> None:
    assert grouper_version(day) == version


@pytest.mark.parametrize("day", [dt.date(2022, 9, 30), dt.date(2027, 4, 1)])
def test_grouper_version_unsupported_date_is_a_clear_error(day: dt.date) -> None:
    with pytest.raises(UnsupportedDischargeDateError) as info:
        grouper_version(day)
    assert isinstance(info.value, NoReleaseError)
    assert day.isoformat() in str(info.value) and info.value.code == "E110"


def test_group_heart_failure_with_mcc(grouper: DrgGrouper) -> None:
    result = grouper.group(_claim("I50.23", "J96.01", "N17.9", "E11.9"))
    assert (result.drg, result.mdc, result.version) == ("291", "05", "43.1")
    assert result.description == "Heart Failure and Shock with MCC"
    assert [(d.code, d.severity) for d in result.secondary] == [("J9601", "MCC"), ("N179", "CC"), ("E119", "NONE")]


def test_group_impact_removing_the_mcc_changes_the_drg(grouper: DrgGrouper) -> None:
    # Acute on chronic systolic heart failure + acute respiratory failure with hypoxia (MCC) + AKI (CC):
    # without J96.01 the stay falls from 291 (with MCC) to 292 (with CC); N17.9 and E11.9 change nothing.
    result = grouper.group(_claim("I50.23", "J96.01", "N17.9", "E11.9"))
    impact = {i.code: i for i in result.impact or []}
    assert impact["J9601"].drg_without == "292" and impact["J9601"].changes_drg
    assert impact["N179"].drg_without == "291" and not impact["N179"].changes_drg
    assert impact["E119"].drg_without == "291" and not impact["E119"].changes_drg


def test_group_cc_exclusion_is_reported(grouper: DrgGrouper) -> None:
    # I50.33 (an MCC) is excluded as a CC/MCC with the heart-failure principal I50.23.
    result = grouper.group(_claim("I50.23", "I50.33"))
    assert result.drg == "293"
    assert result.secondary[0].severity == "MCC" and result.secondary[0].excluded


def test_group_without_impact(grouper: DrgGrouper) -> None:
    assert grouper.group(_claim("I50.23", "J96.01"), impact=False).impact is None


def test_group_invalid_principal_is_ungroupable(grouper: DrgGrouper) -> None:
    result = grouper.group(_claim("Z99999"))
    assert result.drg == "999" and result.return_code != "OK"


def test_weights_table5_and_payment(tmp_path: Path) -> None:
    path = tmp_path / "table5.txt"
    path.write_text(TABLE5)
    weights = DrgWeights.read(path)
    assert len(weights) == 3
    row = weights.get("292")
    assert row is not None and (row.weight, row.gmlos, row.amlos, row.type) == (0.9, 3.0, 3.6, "MED")
    with DrgGrouper(weights=weights, base_rate=6000.0) as grouper:
        result = grouper.group(_claim("I50.23", "J96.01"))
    assert (result.relative_weight, result.payment) == (1.3, 7800.0)
    (impact,) = result.impact or []
    assert impact.relative_weight_without == 0.65  # no CC left: 293
    assert impact.payment_difference == 3900.0


def test_weights_csv_layout(tmp_path: Path) -> None:
    path = tmp_path / "table5.csv"
    path.write_text(
        "MS-DRG,MDC,TYPE,MS-DRG Title,Weights,Geometric mean LOS,Arithmetic mean LOS\n"
        '291,05,MED,"HEART FAILURE, MCC",1.3,3.9,4.9\n'
    )
    assert DrgWeights.read(path).get("291").weight == 1.3  # type: ignore[union-attr]


def test_weights_not_table5_is_a_release_file_error(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ReleaseFileError, match="Table 5"):
        DrgWeights.read(path)
    path.write_text("MS-DRG\tWeights\n291\tabc\n")
    with pytest.raises(ReleaseFileError, match="line 2"):
        DrgWeights.read(path)


def test_mce_edits() -> None:
    # Age conflict: a newborn code (Z38.00, single liveborn) as the principal diagnosis at age 65.
    with DrgGrouper(mce=True) as grouper:
        result = grouper.group(_claim("Z38.00"))
    assert result.mce_edit_type == "PREPAYMENT"
    assert [e.name for e in result.mce_edits or []] == ["AGE_CONFLICT"]
