"""Choosing a release by date of service, and the stand-in release for dates after all installed ones."""

from __future__ import annotations

import datetime as dt

import pytest

from medcoder.codesets.normalize import HCPCS, ICD10CM
from medcoder.codesets.release import Manifest, choose, choose_release, fiscal_year, release_wanted
from medcoder.errors import NoReleaseError


def manifest(release_id: str, start: str, end: str, system: str = ICD10CM) -> Manifest:
    return Manifest(
        release_id=release_id,
        system=system,
        version=start[:4],
        effective_from=dt.date.fromisoformat(start),
        effective_to=dt.date.fromisoformat(end),
        files=(),
        source="test",
    )


APRIL_2026 = manifest("icd10cm-2026-04", "2026-04-01", "2026-09-30")
FY2025 = manifest("icd10cm-2025", "2024-10-01", "2025-09-30")


@pytest.mark.parametrize(
    ("day", "fy"),
    [("2026-09-30", 2026), ("2026-10-01", 2027), ("2026-12-02", 2027), ("2027-01-15", 2027), ("2027-10-01", 2028)],
)
def test_fiscal_year_starts_on_1_october(day: str, fy: int) -> None:
    assert fiscal_year(dt.date.fromisoformat(day)) == fy


def test_choose_release_covering_date_is_not_a_fallback() -> None:
    choice = choose_release([APRIL_2026], ICD10CM, dt.date(2026, 5, 1), fallback=True)
    assert choice.release_id == "icd10cm-2026-04" and not choice.fallback
    assert choice.message() is None and choice.fix() is None


def test_choose_release_date_after_all_releases_uses_the_newest_and_says_which_to_install() -> None:
    choice = choose_release([FY2025, APRIL_2026], ICD10CM, dt.date(2026, 12, 2), fallback=True)
    assert choice.release_id == "icd10cm-2026-04" and choice.fallback
    assert choice.message() == (
        "no ICD-10-CM release installed for 2026-12-02 (FY2027): used icd10cm-2026-04 "
        "(effective 2026-04-01 to 2026-09-30), the newest installed; "
        "install the FY2027 ICD-10-CM files with `medcoder codesets install`"
    )
    assert "medcoder codesets download 2027 --system cm" in choice.fix()


def test_choose_release_without_fallback_still_refuses_a_date_after_all_releases() -> None:
    with pytest.raises(NoReleaseError, match=r"2026-12-02.*install the FY2027 release") as info:
        choose([APRIL_2026], ICD10CM, dt.date(2026, 12, 2))
    assert info.value.code == "E110"


@pytest.mark.parametrize("day", [dt.date(2019, 3, 1), dt.date(2025, 12, 1)])
def test_choose_release_date_before_or_between_releases_keeps_its_error(day: dt.date) -> None:
    # 2019: before every release; 2025-12-01: in the gap between FY2025 and the April 2026 update
    with pytest.raises(NoReleaseError, match=day.isoformat()):
        choose_release([FY2025, APRIL_2026], ICD10CM, day, fallback=True)


def test_choose_release_no_date_is_the_newest_without_a_warning() -> None:
    choice = choose_release([APRIL_2026, FY2025], ICD10CM, None, fallback=True)
    assert choice.release_id == "icd10cm-2026-04" and not choice.fallback


def test_choose_release_hcpcs_names_the_quarter_to_install() -> None:
    january = manifest("hcpcs-2026-01", "2026-01-01", "2026-03-31", system=HCPCS)
    choice = choose_release([january], HCPCS, dt.date(2026, 5, 20), fallback=True)
    assert choice.fallback and "(2026 Q2)" in choice.message() and "hcpcs-2026-01" in choice.message()
    assert release_wanted(HCPCS, dt.date(2026, 5, 20)) == "2026 Q2"
