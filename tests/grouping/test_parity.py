"""MS-DRG parity with the official CMS Java grouper v43.1 over the 3,000 claims in ../shared."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from medcoder.grouping.claims import Claim
from medcoder.grouping.msdrg import DrgGrouper

PARITY = "benchmarks/msdrg-parity/claims_v431_cms_java.tsv"


def parity_claims(path: Path) -> list[tuple[Claim, str]]:
    """The README's fixed demographics: age 65, discharge status 1, POA Y on every diagnosis."""
    cases = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        sex, principal, secondary, procedures, drg = line.split("\t")
        codes = [principal, *filter(None, secondary.split(","))]
        claim = Claim(
            id=f"line {number}",
            discharge_date=dt.date(2026, 5, 1),  # in the v43.1 window (2026-04-01 .. 2026-09-30)
            age=65,
            sex=sex,
            discharge_status=1,
            diagnoses=[{"code": code, "poa": "Y"} for code in codes],
            procedures=[{"code": code} for code in procedures.split(",") if code],
        )
        cases.append((claim, f"{int(drg):03d}"))
    return cases


@pytest.mark.conformance
def test_msdrg_parity_with_cms_java_grouper_v431(shared_dir: Path) -> None:
    cases = parity_claims(shared_dir / PARITY)
    assert len(cases) == 3000
    with DrgGrouper(impact=False) as grouper:
        mismatches = [
            (claim.id, expected, result.drg)
            for claim, expected in cases
            if (result := grouper.group(claim)).drg != expected or result.version != "43.1"
        ]
    assert mismatches == [], f"{len(cases) - len(mismatches)}/{len(cases)} match; first: {mismatches[:10]}"
