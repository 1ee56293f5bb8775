from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medcoder.codesets.normalize import ICD10CM, ICD10PCS, guess_systems, normalize_cm, normalize_pcs
from medcoder.errors import InvalidCodeFormatError


@pytest.mark.parametrize("typed", ["e11.40", "E1140", "E11.40", " e11.40 ", "E11.40-"])
def test_normalize_cm_same_code_however_typed(typed):
    assert normalize_cm(typed) == "E11.40"


def test_normalize_cm_category_has_no_dot():
    assert normalize_cm("i10") == "I10"


@pytest.mark.parametrize("bad", ["", "11.40", "E1", "E11.40123", "EE1.0"])
def test_normalize_cm_rejects_malformed(bad):
    with pytest.raises(InvalidCodeFormatError):
        normalize_cm(bad)


def test_normalize_pcs_rejects_i_and_o():
    assert normalize_pcs("0dtj4zz") == "0DTJ4ZZ"
    with pytest.raises(InvalidCodeFormatError, match="without I and O"):
        normalize_pcs("0DTI4ZZ")


def test_guess_systems_by_shape():
    assert guess_systems("E11.40") == [ICD10CM]
    assert guess_systems("0DTJ4ZZ") == [ICD10PCS]
    assert guess_systems("B211YZZ") == [ICD10CM, ICD10PCS]


@given(st.from_regex(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?", fullmatch=True))
def test_normalize_cm_is_idempotent(code):
    once = normalize_cm(code)
    assert normalize_cm(once) == once
    assert normalize_cm(once.lower().replace(".", "")) == once
