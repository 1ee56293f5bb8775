"""Tokens with exact character offsets, stemmed for matching.

Matching works on stems (``fractures`` and ``fractured`` both match ``fracture``) and ignores
filler words, so word order, plurals and the oddities of machine-translated notes matter less.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# "stage 3b", "HER2", "T2N0M0", "B12" stay one token; decimals ("1.5") too.
_TOKEN = re.compile(r"\d+[.,]\d+|[A-Za-z0-9]+")
_STEMMER = snowballstemmer.stemmer("english")

# Words that carry no meaning for matching a condition.  Classification words (unspecified,
# other, NEC) are not in the notes; connectives are everywhere.
STOPWORDS = frozenset(
    """a an the of and or with in on at to for by from due as is was were are be been being
    this that these those it its their his her he she they patient patients which who whom whose
    than then there here into onto upon over under other unspecified specified nos nec elsewhere
    classified not otherwise site part also but both either neither such same""".split()
)


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # lower case
    stem: str
    start: int
    end: int


# Words whose stem would change their clinical meaning: "burning" pain is not a burn.
NO_STEM = frozenset({"burning", "stinging", "dressing", "swallowing"})


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    word = word.lower()
    if word.isdigit() or len(word) <= 3 or word in NO_STEM:
        return word
    return _STEMMER.stemWord(word)


def tokens(text: str, offset: int = 0) -> list[Token]:
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group(0).lower()
        out.append(Token(word, stem(word), m.start() + offset, m.end() + offset))
    return out


def content_stems(text: str) -> tuple[str, ...]:
    """The stems of a term that must appear for it to match (order kept, repeats dropped)."""
    seen: list[str] = []
    for m in _TOKEN.finditer(text):
        word = m.group(0).lower()
        if word in STOPWORDS:
            continue
        s = stem(word)
        if s not in seen:
            seen.append(s)
    return tuple(seen)
