"""Prefilters for rule patterns: the same matches as the pattern's own ``finditer``, found by trying
it only where one of its literal prefixes (or a non-ASCII character) is."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medcoder.extract.prefilter import Prefiltered, WordStartScanner, fold, literal_prefixes

IC = re.IGNORECASE


@pytest.mark.parametrize(
    ("pattern", "flags", "k", "expected"),
    [
        (r"overdos(?:e|es|ed)", IC, 3, {"ove"}),
        (r"\b(?:took|taken|taking)\b", IC, 3, {"too", "tak"}),
        (r"\b(?:took|taken|taking)\b", IC, 5, {"took", "taken", "takin"}),
        (r"(?-i:OD)(?:'?d)?", IC, 3, {"od"}),  # a case-sensitive part: compared lowered, a superset
        (r"c(?:a)?esarean", IC, 3, {"ces", "cae"}),
        (r"ab|abc|b", 0, 3, {"ab", "b"}),  # the shortest of overlapping prefixes
        (r"[xy]-ray", IC, 3, {"x-r", "y-r"}),
        (r"no?t", 0, 3, {"nt", "not"}),
        (r"a+b", 0, 3, {"a"}),  # a repeat is followed once, then the prefix stops
        (r"(?<![\d.])\bGA:", IC, 3, {"ga:"}),  # look-arounds and anchors take no character
    ],
)
def test_literal_prefixes(pattern: str, flags: int, k: int, expected: set[str]) -> None:
    assert literal_prefixes(pattern, flags, k) == frozenset(expected)


@pytest.mark.parametrize("pattern", [r".*x", r"\w+", r"(?:a|)", r"x?", r"[^a]b", r"(?:\W|a)b", r"\Dx"])
def test_literal_prefixes_none_when_a_match_may_begin_with_anything(pattern: str) -> None:
    assert literal_prefixes(pattern, IC) is None


def test_fold_keeps_one_byte_per_character() -> None:
    assert fold("Ab 12\tÉ\u2009K") == b"ab 00 ??k"  # the Kelvin sign lowers to "k"
    assert fold("\u0130") is None  # "İ" lowers to two characters
    assert literal_prefixes(r"\d\s*w", IC, 3, fold=True) == frozenset({"0 ", "0w"})


PATTERNS = [
    re.compile(p, IC)
    for p in (
        r"\b(?:overdos(?:e|es|ed|ing)|(?-i:OD)(?:'?d)?(?=\s+(?:on|with)\b)|poison(?:ing|ed))\b",
        r"\b(?:took|take|taken) (?:too much|too many|extra)\b",
        r"\b(?:due to|secondary to|caused by)\b",
        r"\b(?:not (?:been )?(?:compliant|adherent)|(?:could|can) ?not afford)\b",
        r"\bk(?:etamine|itten)s?\b",
        r"\bstraße\b",
        r"pregnan|gestation|\bweeks?\b|\d\s*w\s*\d\s*d\b",
        r"(?<![\d.])(?P<w>\d{1,2})\s*-?\s*(?:weeks?|wks?)",
        r"\b(?:first|1st|second|2nd)[\s-]+trimester\b",
        r"c(?:a)?esarean(?:\s+section)?|c-?section",
        r"[^a]x",  # no prefix: scanned as before
    )
]
WORDS = [
    "overdose",
    "OD on",
    "od with",
    "poisoned",
    "took too much",
    "taken extra",
    "due to",
    "secondary  to",
    "not compliant",
    "cannot afford",
    "ketamine",
    "kittens",
    "straße",
    "STRASSE",
    "pregnant",
    "gestational",
    "28 weeks",
    "28w3d",
    "3.5 wks",
    "1st trimester",
    "second-trimester",
    "caesarean section",
    "C-section",
    "xx",
    "the",
    "and",
    "-",
    ",",
    ".",
]
ODD = ["\u212a", "\u017f", "\u0130", "\u0131", "é", "ß", "\u2009", "٣", "\x1c", "’"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(ODD), st.text(max_size=4)), max_size=16))
def test_scanners_find_what_finditer_finds(parts: list[str]) -> None:
    text = " ".join(parts)
    expected = [[m.span() for m in p.finditer(text)] for p in PATTERNS]
    word_starts = [p for p in PATTERNS if p.pattern.startswith(r"\b")]
    scanned = WordStartScanner(word_starts).finditer(text)
    assert [[m.span() for m in found] for found in scanned] == [
        e for p, e in zip(PATTERNS, expected, strict=True) if p.pattern.startswith(r"\b")
    ]
    for pattern, spans in zip(PATTERNS, expected, strict=True):
        prefiltered = Prefiltered(pattern)
        assert [m.span() for m in prefiltered.finditer(text)] == spans, pattern.pattern
        assert [m.span() for m in prefiltered.finditer(text, fold(text))] == spans, pattern.pattern
        first = prefiltered.search(text)
        assert (first.span() if first else None) == (spans[0] if spans else None)


def test_word_start_scanner_scans_a_pattern_it_cannot_bound_as_before() -> None:
    patterns = [re.compile(r"\b\w+ose\b", IC), re.compile(r"x", IC), re.compile(r"\bdose\b", IC)]
    scanner = WordStartScanner(patterns)
    text = "The dose was a glucose overdose; xx."
    assert [[m.span() for m in found] for found in scanner.finditer(text)] == [
        [m.span() for m in p.finditer(text)] for p in patterns
    ]
