"""Rule-based sentence splitting with exact character offsets.

Why our own splitter: medspaCy's PyRuSH splitter measured ≈16 docs/s on CodiEsp (DESIGN §5) and
spaCy's rule sentencizer needs a tokenised ``Doc``; the coding engine only needs sentence
*boundaries* to scope ConText cues (Harkema et al. 2009 scope a cue to its sentence), so a few
regular-expression rules over the raw string do the job at a tiny fraction of the cost.

The rules, in the order they are applied:

1. **Lines.**  A newline ends a sentence unless the line is visibly wrapped: the next line starts
   with a lower-case letter, or this line ends with a comma, hyphen, slash, open bracket or a
   function word ("and", "of", "with" ...) and the next line is not a list item.  Blank lines,
   lines ending in ``. ! ? : ;``, list items ("1.", "-", "•", "a)") and short ALL-CAPS header lines
   always end there.
2. **Punctuation.**  Inside a line block, ``. ? !`` (plus closing quotes/brackets) followed by
   white space -- or by a comma glued to the next word, the MTSamples ``".,NEXT"`` form -- and then
   an upper-case letter, digit or opening quote/bracket ends a sentence, except after
   abbreviations ("Dr.", "e.g.", "vs.", "approx.", "no."), after unit/dosing abbreviations when a
   number follows ("5 mg. 2 tablets" is ambiguous; "mg. The" splits), and after a bare list
   number at the start of the sentence ("1. Pneumonia").  Decimals ("1.5 mg") never split because
   no space follows the point.

Spans are ``(start, end)`` with ``text[start:end]`` the sentence without surrounding white
space; every non-space character of the input region belongs to exactly one span.
"""

from __future__ import annotations

import re

__all__ = ["split_sentences"]

# Abbreviations after which a period never ends a sentence (titles, Latin, "versus", "number").
_ALWAYS_ABBREVIATIONS = frozenset(
    {
        "dr",
        "drs",
        "mr",
        "mrs",
        "ms",
        "prof",
        "sr",
        "st",
        "vs",
        "v",
        "e.g",
        "i.e",
        "eg",
        "ie",
        "cf",
        "al",
        "approx",
        "appr",
        "no",
        "nos",
        "fig",
        "figs",
        "ref",
        "dept",
        "resp",
        "incl",
        "esp",
        "pt",
        "pts",
    }
)
# Units and dosing abbreviations: the period is ambiguous; it does not end a sentence before a
# number or a lower-case word, but does before a capitalised word ("... 5 mg. The patient").
_UNIT_ABBREVIATIONS = frozenset(
    {
        "mg",
        "mcg",
        "ug",
        "g",
        "kg",
        "lb",
        "lbs",
        "oz",
        "ml",
        "l",
        "dl",
        "cm",
        "mm",
        "m",
        "in",
        "ft",
        "min",
        "mins",
        "hr",
        "hrs",
        "h",
        "wk",
        "wks",
        "mo",
        "mos",
        "yr",
        "yrs",
        "sec",
        "etc",
        "a.m",
        "p.m",
        "am",
        "pm",
        "q",
        "qd",
        "q.d",
        "bid",
        "b.i.d",
        "tid",
        "t.i.d",
        "qid",
        "q.i.d",
        "qhs",
        "q.h.s",
        "hs",
        "h.s",
        "po",
        "p.o",
        "prn",
        "p.r.n",
        "sq",
        "iv",
        "im",
    }
)

# Words that, ending a line, show that the sentence wraps onto the next line.
_CONTINUATION_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "her",
        "his",
        "in",
        "into",
        "is",
        "of",
        "on",
        "or",
        "than",
        "that",
        "the",
        "their",
        "to",
        "was",
        "were",
        "with",
        "without",
    }
)

# Candidate punctuation boundary: terminal punctuation, optional closers, then white space or a
# comma glued to the next word (MTSamples ".,NEXT"), then a sentence-start character.
_PUNCT = re.compile(r"[.!?]+[\"'”’)\]]*(?:\s+|,(?=\S))(?=[\"'“‘(\[]?[A-Z0-9])")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*•·▪◦‣+>]|\d{1,3}[.)](?:\s|$)|[a-zA-Z][.)]\s|\(\d{1,3}\)|\(?[ivx]{1,4}[.)]\s)")
_LIST_NUMBER = re.compile(r"\s*(?:\d{1,3}|[a-zA-Z]|[ivx]{1,4})\Z")
_LAST_WORD = re.compile(r"([A-Za-z]+)[^A-Za-z]*\Z")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into sentences; return absolute ``(start, end)`` offsets.

    ``start``/``end`` let a caller split one region (a section body) without copying the text.
    """
    stop = len(text) if end is None else min(end, len(text))
    spans: list[tuple[int, int]] = []
    for block_start, block_end in _line_blocks(text, max(0, start), stop):
        _split_block(text, block_start, block_end, spans)
    return spans


def _line_blocks(text: str, start: int, stop: int) -> list[tuple[int, int]]:
    """Join physical lines into blocks that may hold several sentences but never span a hard break."""
    blocks: list[tuple[int, int]] = []
    block_start = start
    pos = start
    while True:
        newline = text.find("\n", pos, stop)
        if newline < 0:
            blocks.append((block_start, stop))
            return blocks
        line = text[pos:newline]
        next_newline = text.find("\n", newline + 1, stop)
        next_line = text[newline + 1 : next_newline if next_newline >= 0 else stop]
        if _is_hard_break(line, next_line):
            blocks.append((block_start, newline))
            block_start = newline + 1
        pos = newline + 1


def _is_hard_break(line: str, next_line: str) -> bool:
    """Whether the newline between ``line`` and ``next_line`` ends a sentence (rule 1)."""
    current = line.rstrip()
    following = next_line.lstrip()
    if not current or not following:
        return True
    if _LIST_ITEM.match(next_line):
        return True
    last = current[-1]
    if last in ".!?:;":
        return True
    first = following[0]
    if first.islower():
        return False
    if last in ",-/(&+":
        return False
    word = _LAST_WORD.search(current)
    wrapped = word is not None and current.endswith(word.group(1)) and word.group(1).lower() in _CONTINUATION_WORDS
    return not wrapped


def _split_block(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    """Apply the punctuation rule inside one block and append trimmed spans."""
    sentence_start = start
    for match in _PUNCT.finditer(text, start, end):
        period = match.start()
        if text[period] == "." and not _period_ends_sentence(text, sentence_start, period, match.end()):
            continue
        # the sentence keeps its punctuation and closers, not the white space or glued comma
        close = match.end()
        while close > period and (text[close - 1].isspace() or text[close - 1] == ","):
            close -= 1
        _append_trimmed(text, sentence_start, close, spans)
        sentence_start = match.end()
    _append_trimmed(text, sentence_start, end, spans)


def _period_ends_sentence(text: str, sentence_start: int, period: int, next_start: int) -> bool:
    """Abbreviation and list-number exceptions for a period followed by a sentence-start char."""
    word_start = period
    while word_start > sentence_start and (text[word_start - 1].isalpha() or text[word_start - 1] == "."):
        word_start -= 1
    word = text[word_start:period].lower()
    if word:
        if word in _ALWAYS_ABBREVIATIONS:
            return False
        if word in _UNIT_ABBREVIATIONS and next_start < len(text) and not text[next_start].isupper():
            return False
        # "e.g" style dotted abbreviations not in the lists: single letters joined by periods
        if len(word) >= 3 and word[1::2].strip(".") == "" and "." in word:
            return False
    # "1. Pneumonia" -- a list number alone at the start of the sentence
    return _LIST_NUMBER.fullmatch(text, sentence_start, period) is None


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == ","):
        end -= 1  # a trailing comma is the MTSamples header glue (".,HEADER:"), never a sentence end
    if start < end:
        spans.append((start, end))
