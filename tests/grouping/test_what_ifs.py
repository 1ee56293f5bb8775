"""``DrgGrouper.what_ifs``: the short what-ifs the CDI queries and their impact read are the full
``what_if`` groupings in short, each grouped once (issue 9: whole-pipeline speed)."""

from __future__ import annotations

import pytest

from medcoder.grouping.claims import Claim, normalize_code
from medcoder.grouping.msdrg import DrgGrouper, WhatIf

CLAIM = {
    "id": "c1",
    "discharge_date": "2026-05-01",
    "age": 70,
    "sex": "F",
    "discharge_status": 1,
    "diagnoses": [
        {"code": "J18.9", "poa": "Y"},
        {"code": "I50.9", "poa": "N"},
        {"code": "E11.9"},
        {"code": "N17.9", "poa": "1"},
        {"code": "I50.9", "poa": "Y"},  # a repeated code: the first one is replaced
    ],
    "procedures": [
        {"code": "0BH17EZ"},
        {"code": "5A1955Z", "system": "ICD-10-PCS"},
        {"code": "99223", "system": "CPT"},
    ],
}


@pytest.fixture(scope="module")
def grouper():
    with DrgGrouper() as g:
        yield g


def _full(grouper: DrgGrouper, claim: Claim, replaces, code: str, procedure: bool) -> WhatIf:
    answered = grouper.what_if(claim, replaces, code, procedure=procedure)
    mine = None if procedure else next((d for d in answered.secondary if d.code == normalize_code(code)), None)
    return WhatIf(answered.drg, answered.description, mine.severity if mine else None)


@pytest.mark.parametrize(
    ("replaces", "code", "procedure"),
    [
        ("J18.9", "J18.1", False),  # the principal
        ("J18.9", "A41.9", False),
        ("J18.9", "E11.9", False),  # the principal made a code that is also a secondary
        ("I50.9", "I50.23", False),  # a secondary: an MCC
        ("I50.9", "I50.33", False),
        ("E11.9", "E11.65", False),  # no POA
        ("N17.9", "N17.0", False),  # POA exempt
        ("E11.9", "I50.9", False),  # a code the claim has further down
        (None, "N17.0", False),  # added
        ("Z99.9", "N17.0", False),  # not on the claim: added
        ("i50.9 ", "i50.21", False),  # written loosely
        ("0BH17EZ", "0BH18EZ", True),
        ("5A1955Z", "5A1945Z", True),
        ("99223", "99233", True),  # a CPT code: msdrg does not read it
        ("0DT", "0DTJ4ZZ", True),  # a partial code is not on the claim: added
        (None, "02HV33Z", True),
    ],
)
def test_what_ifs_answer_as_the_full_what_if(grouper, replaces, code, procedure) -> None:
    claim = Claim.model_validate(CLAIM)
    before = claim.model_dump()
    what_ifs = grouper.what_ifs(claim)
    assert what_ifs.answer(replaces, code, procedure) == _full(grouper, claim, replaces, code, procedure)
    assert claim.model_dump() == before


def test_what_ifs_group_each_once(grouper, monkeypatch) -> None:
    claim = Claim.model_validate(CLAIM)
    what_ifs = grouper.what_ifs(claim)
    calls = []
    native_group = grouper._grouper.group
    monkeypatch.setattr(grouper._grouper, "group", lambda native: calls.append(1) or native_group(native))
    first = what_ifs.answer("I50.9", "I50.23")
    assert what_ifs.answer("I50.9", "I50.23") == what_ifs.answer("I509", "I5023") == first
    assert len(calls) == 1
