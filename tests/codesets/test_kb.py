"""Knowledge-base queries: validity by date of service, notes in context, 7th characters, PCS."""

from __future__ import annotations

import datetime as dt

import pytest

from medcoder.codesets.normalize import ICD10CM
from medcoder.errors import InvalidCodeFormatError, NoReleaseError, UnknownCodeError


def test_kb_same_code_however_typed(bundled_kb):
    assert bundled_kb.cm("e11.40").code == bundled_kb.cm("E1140").code == "E11.40"


def test_kb_status_billable_header_and_seventh(bundled_kb):
    assert bundled_kb.cm_status("E11.40").billable
    header = bundled_kb.cm_status("E11.4")
    assert header.valid and not header.billable and "header" in header.reason
    needs = bundled_kb.cm_status("S72.001")
    assert needs.valid and not needs.billable and "7th character" in needs.reason
    assert not bundled_kb.cm_status("E11.499").valid


def test_kb_status_by_date_of_service(bundled_kb):
    # The bundled April 2026 update is in effect from 2026-04-01 to 2026-09-30.
    assert bundled_kb.cm_status("E11.40", dt.date(2026, 5, 1)).billable
    with pytest.raises(NoReleaseError, match="2025-12-01"):
        bundled_kb.cm_status("E11.40", dt.date(2025, 12, 1))


def test_kb_release_for_coding_falls_back_to_the_newest_after_all_releases(bundled_kb):
    # An encounter of today (FY2027) with only the bundled April 2026 update installed.
    today = dt.date(2026, 12, 2)
    with pytest.raises(NoReleaseError):
        bundled_kb.release(ICD10CM, today)  # a lookup "as of" a date still refuses
    assert bundled_kb.release(ICD10CM, today, fallback=True).release_id == "icd10cm-2026-04"
    choice = bundled_kb.release_choice(ICD10CM, today)
    assert choice.fallback and choice.release_id == "icd10cm-2026-04"
    assert "(FY2027): used icd10cm-2026-04" in choice.message()
    assert not bundled_kb.release_choice(ICD10CM, dt.date(2026, 5, 1)).fallback
    with pytest.raises(NoReleaseError, match="2025-12-01"):
        bundled_kb.release_choice(ICD10CM, dt.date(2025, 12, 1))  # before every release: still an error


def test_kb_e1140_inherited_notes(bundled_kb):
    node = bundled_kb.cm("E11.40")
    notes = bundled_kb.cm_notes(node)
    by_source = {(n.source, n.type, n.text) for n in notes}
    assert ("E11", "excludes1", "type 1 diabetes mellitus (E10.-)") in by_source
    assert ("E11", "excludes1", "gestational diabetes (O24.4-)") in by_source
    assert ("E11", "useAdditionalCode", "insulin (Z79.4)") in by_source
    assert ("E11", "includes", "diabetes NOS") in by_source
    # chapter 4's notes apply too
    assert any(n.source == "4" and n.type == "excludes1" for n in notes)
    assert not bundled_kb.cm_notes(node, inherited=False)  # E11.40 itself carries none
    assert [a.code for a in bundled_kb.cm_ancestors(node)] == ["E11.4", "E11", "E08-E13", "4"]


def test_kb_seventh_characters_of_s72001(bundled_kb):
    node = bundled_kb.cm("S72.001")
    assert node.needs_seventh
    meanings = dict(node.seventh)
    assert meanings["A"] == "initial encounter for closed fracture"
    assert meanings["D"] == "subsequent encounter for closed fracture with routine healing"
    assert meanings["S"] == "sequela"
    assert len(node.seventh) == 16
    assert bundled_kb.cm_full_code("S72.001", "A").code == "S72.001A"
    assert bundled_kb.cm_full_code("s020", "a").code == "S02.0XXA"


def test_kb_full_code_rejects_a_seventh_that_does_not_apply(bundled_kb):
    with pytest.raises(UnknownCodeError) as info:
        bundled_kb.cm_full_code("S06.347", "D")
    assert "S06.347A" in info.value.suggestions


def test_kb_unknown_code_names_nearest(bundled_kb):
    with pytest.raises(UnknownCodeError) as info:
        bundled_kb.cm_require("E11.499")
    assert info.value.suggestions[0] == "E11.49"
    assert "E11.499" in str(info.value)
    with pytest.raises(InvalidCodeFormatError):
        bundled_kb.cm_require("11.40")


@pytest.mark.conformance
def test_kb_pcs_validity_and_release_by_date(full_kb):
    assert full_kb.pcs_status("0DTJ4ZZ").billable
    assert full_kb.pcs_status("0DTJ4ZZ", dt.date(2025, 3, 1)).release_id == "icd10pcs-2025"
    assert full_kb.pcs_status("0DTJ4ZZ", dt.date(2025, 11, 1)).release_id == "icd10pcs-2026"
    partial = full_kb.pcs_status("0DTJ")
    assert partial.valid and not partial.billable
    assert not full_kb.pcs_status("0DTJ4ZY").valid


@pytest.mark.conformance
def test_kb_pcs_explain_axis_by_axis(full_kb):
    rid, axes = full_kb.pcs_explain("0DTJ4ZZ")
    assert rid == "icd10pcs-2026"
    assert [(a.position, a.label) for a in axes] == [
        (1, "Medical and Surgical"),
        (2, "Gastrointestinal System"),
        (3, "Resection"),
        (4, "Appendix"),
        (5, "Percutaneous Endoscopic"),
        (6, "No Device"),
        (7, "No Qualifier"),
    ]
    assert axes[2].definition == "Cutting out or off, without replacement, all of a body part"


@pytest.mark.conformance
def test_kb_pcs_next_characters(full_kb):
    _, sections = full_kb.pcs_next("")
    assert ("0", "Medical and Surgical") in [(c, label) for c, label, _ in sections]
    _, body_parts = full_kb.pcs_next("0DT")
    assert ("J", "Appendix") in [(c, label) for c, label, _ in body_parts]
    _, approaches = full_kb.pcs_next("0DTJ")
    assert {c for c, _, _ in approaches} == {"0", "4", "7", "8", "F"} or "4" in {c for c, _, _ in approaches}
    with pytest.raises(UnknownCodeError):
        full_kb.pcs_next("0DTZ")


@pytest.mark.conformance
def test_kb_status_routes_by_shape(full_kb):
    assert full_kb.status("0DTJ4ZZ").system == "ICD-10-PCS"
    assert full_kb.status("E11.40").system == "ICD-10-CM"
