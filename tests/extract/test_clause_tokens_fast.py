"""``clause_tokens`` builds its tokens and word keys by a faster path (issue 9: speed); they are the
same tokens as written out."""

from __future__ import annotations

import dataclasses

import pytest

from medcoder.extract.matcher import Token, clause_tokens


def test_tokens_are_plain_frozen_tokens() -> None:
    text = "Acute kidneys, but Hepatitis A and the cysts; pain"
    clauses = clause_tokens(text, 0, len(text), {"kidney": "renal"})
    assert clauses == [
        [Token("acute", 0, 5, False), Token("renal", 6, 13, False)],
        [Token("hepatitis", 19, 28, False), Token("a", 29, 30, False), Token("cyst", 39, 44, True)],
        [Token("pain", 46, 50, False)],
    ]
    token = clauses[0][0]
    assert hash(token) == hash(Token("acute", 0, 5, False))
    with pytest.raises(dataclasses.FrozenInstanceError):
        token.key = "x"  # type: ignore[misc]


def test_word_keys_follow_the_equivalents_given() -> None:
    text = "renal cysts"
    assert [t.key for t in clause_tokens(text, 0, len(text))[0]] == ["renal", "cyst"]
    assert [t.key for t in clause_tokens(text, 0, len(text), {"renal": "kidney"})[0]] == ["kidney", "cyst"]
