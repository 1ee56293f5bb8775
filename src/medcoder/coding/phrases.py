"""Phrase keys of a sentence: stemmed content-word n-grams, the unit the site model learns on."""

from __future__ import annotations

from medcoder.coding.dictionary import canonical
from medcoder.coding.text import STOPWORDS, Token

MAX_N = 3


def content_tokens(toks: list[Token]) -> list[Token]:
    return [t for t in toks if t.text not in STOPWORDS and not (t.text.isdigit() and len(t.text) > 2)]


def phrase_keys(toks: list[Token], max_n: int = MAX_N) -> dict[str, tuple[int, int]]:
    """``"stem stem"`` -> (start, end) of its first occurrence, for 1..max_n consecutive content words."""
    content = content_tokens(toks)
    stems = [canonical((t.stem,))[0] for t in content]
    out: dict[str, tuple[int, int]] = {}
    for i in range(len(content)):
        for n in range(1, max_n + 1):
            if i + n > len(content):
                break
            key = " ".join(stems[i : i + n])
            if key not in out:
                out[key] = (content[i].start, content[i + n - 1].end)
    return out
