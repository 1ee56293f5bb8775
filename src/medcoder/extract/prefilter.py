"""Prefilters for rule patterns: try a regular expression only where a match can start.

Python's ``re`` has no fast scan for a case-insensitive pattern: without a literal prefix it
tries the whole pattern (often a long alternation of wordings) at every character of the text,
which costs a few milliseconds per pattern on a 2,000-character note.  Most rule patterns can
only start with a few known letters ("overdos(?:e|ed)", "(?:took|taken) ...", "pregnan"), so:

* :func:`literal_prefixes` reads the parsed pattern and returns the lower-case strings (up to
  ``k`` characters) one of which every match starts with;
* :class:`WordStartScanner` runs several ``\b``-led patterns over one text, each tried only at
  the word starts whose first characters fit one of its prefixes;
* :class:`Prefiltered` runs one pattern (anchored at a word or not), tried only where one of its
  prefixes occurs in the :func:`fold`-ed text.

Either gives exactly the matches of the pattern's own ``finditer`` (left to right, not
overlapping).  The analysis is a safe over-approximation: what it does not understand shortens a
prefix (a weaker requirement); a pattern it cannot bound at all, or a text whose lower case
changes its length, is scanned with ``finditer`` as before; and since IGNORECASE also matches a
few non-ASCII letters with ASCII ones (the Kelvin sign with "k"), every place whose first
characters include a non-ASCII one is tried.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

__all__ = ["Prefiltered", "WordStartScanner", "fold", "literal_prefixes"]

_MAX_STATES = 4096
_MAX_CLASS = 64
_MAX_KEYS = 65536  # word beginnings whose patterns a scanner remembers
_WORD_RUN = re.compile(r"\w+")


class _Unbounded(Exception):
    """Too many prefixes to be worth it."""


def literal_prefixes(pattern: str, flags: int = 0, k: int = 3, fold: bool = False) -> frozenset[str] | None:
    """The lower-case strings (1 to ``k`` characters) one of which begins every match of
    ``pattern`` (compared with the text lowered, ASCII only), none a prefix of another; ``None``
    when a match could begin with anything (or be empty).  ``fold``: every digit reads ``0`` and
    every white space a blank, in the prefixes as in the text they are compared with (:func:`fold`)."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        states = _expand(list(_parser.parse(pattern, flags)), {("", True)}, k)
    except (ImportError, re.error, ValueError, TypeError, AttributeError, IndexError, RecursionError, _Unbounded):
        return None  # an analysis shortcut: "anything"
    found = {s for s, _ in states}
    if fold:
        found = {s.translate(_FOLD) for s in found}
    if "" in found:
        return None
    # keep the shortest: "ab" already admits every text "abc" would
    minimal = {s for s in found if not any(s[:n] in found for n in range(1, len(s)))}
    return frozenset(minimal)


_ASCII_DIGITS = frozenset("0123456789")
_ASCII_SPACES = frozenset(chr(i) for i in range(128) if chr(i).isspace())
_FOLD = str.maketrans({**{d: "0" for d in _ASCII_DIGITS}, **{w: " " for w in _ASCII_SPACES}})
_FOLD_BYTES = bytes.maketrans(
    "".join(sorted(_ASCII_DIGITS | _ASCII_SPACES)).encode(),
    "".join("0" if ch in _ASCII_DIGITS else " " for ch in sorted(_ASCII_DIGITS | _ASCII_SPACES)).encode(),
)


def fold(text: str) -> bytes | None:
    """``text`` lowered, its ASCII digits ``0``, its ASCII white space blank and any other
    non-ASCII character ``?``, one byte per character; ``None`` when lowering changes the length
    (a rare character)."""
    low = text.lower()
    if len(low) != len(text):
        return None
    return low.encode("ascii", "replace").translate(_FOLD_BYTES)


def _chars(op, av) -> set[str] | None:
    """The lower-case ASCII characters one parsed item matches, or ``None`` (anything).  Non-ASCII
    characters are left out: the scanners try every place near one (see :class:`Prefiltered`)."""
    from re import _constants as c  # type: ignore[attr-defined]

    if op is c.LITERAL:
        ch = chr(av)
        return {ch.lower()} if ch.isascii() else None
    if op is c.IN:
        out: set[str] = set()
        for kind, value in av:
            if kind is c.CATEGORY and value is c.CATEGORY_DIGIT:
                out.update(_ASCII_DIGITS)
            elif kind is c.CATEGORY and value is c.CATEGORY_SPACE:
                out.update(_ASCII_SPACES)
            elif kind is c.LITERAL:
                ch = chr(value)
                if not ch.isascii():
                    return None
                out.add(ch.lower())
            elif kind is c.RANGE:
                lo, hi = value
                if hi >= 128 or hi - lo > _MAX_CLASS:
                    return None
                out.update(chr(x).lower() for x in range(lo, hi + 1))
            else:  # NEGATE, \w, \D, \S ...: anything
                return None
        # a case-insensitive class also matches the other case: lowered on both sides
        return out if len(out) <= _MAX_CLASS else None
    return None


def _expand(seq: Sequence, states: set[tuple[str, bool]], k: int) -> set[tuple[str, bool]]:
    """Extend ``states`` -- (prefix so far, still extendable) -- over the parsed ``seq``."""
    from re import _constants as c  # type: ignore[attr-defined]

    for op, av in seq:
        if not any(open_ and len(s) < k for s, open_ in states):
            return states
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue  # zero width: no character consumed, no requirement added
        if op is c.SUBPATTERN:
            states = _expand(list(av[3]), states, k)
        elif op is c.BRANCH:
            merged: set[tuple[str, bool]] = set()
            for branch in av[1]:
                merged |= _expand(list(branch), states, k)
            states = merged
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            low, high, item = av
            once = _expand(list(item), states, k)
            if high != 1:  # more repetitions are not followed: close what the first one extended
                once = {(s, open_ and (s, open_) in states) for s, open_ in once}
            states = (states | once) if low == 0 else once
        elif op in (c.LITERAL, c.IN):
            chars = _chars(op, av)
            nxt: set[tuple[str, bool]] = set()
            for s, open_ in states:
                if not open_ or len(s) >= k or chars is None:
                    nxt.add((s, False))
                else:
                    nxt.update((s + ch, True) for ch in chars)
            states = nxt
        else:  # ANY, NOT_LITERAL, GROUPREF, ATOMIC_GROUP ...: anything from here on
            states = {(s, False) for s, _ in states}
        if len(states) > _MAX_STATES:
            raise _Unbounded
    return states


class WordStartScanner:
    """``finditer`` for several patterns over one text, each tried only at the word starts where
    it can match (see the module doc).

    A pattern is prefiltered when it is not ``re.ASCII``, begins with ``\\b`` and every match
    begins with an ASCII letter or digit: such a match starts where a word (``\\w+``) starts.
    Any other pattern is scanned with ``finditer``.
    """

    def __init__(self, patterns: Sequence[re.Pattern[str]], k: int = 5) -> None:
        self.patterns = list(patterns)
        self.k = k
        self._index: dict[str, list[int]] = {}
        self._full: list[int] = []
        for i, pattern in enumerate(self.patterns):
            prefixes = self._prefixes(pattern, k)
            if prefixes is None:
                self._full.append(i)
                continue
            for prefix in prefixes:
                self._index.setdefault(prefix, []).append(i)
        self._filtered = [i for i in range(len(self.patterns)) if i not in set(self._full)]
        self._by_key: dict[str, tuple[int, ...]] = {}

    @staticmethod
    def _prefixes(pattern: re.Pattern[str], k: int) -> frozenset[str] | None:
        if not isinstance(pattern.pattern, str) or pattern.flags & re.ASCII or not pattern.pattern.startswith(r"\b"):
            return None
        prefixes = literal_prefixes(pattern.pattern, pattern.flags, k)
        if prefixes is None or any(not (p[0].isascii() and p[0].isalnum()) for p in prefixes):
            return None
        return prefixes

    def candidates(self, text: str) -> list[list[int]]:
        """Per pattern, the word starts (ascending) where it may match."""
        out: list[list[int]] = [[] for _ in self.patterns]
        if not self._index:
            return out
        k, by_key = self.k, self._by_key
        # the word starts and their keys in one go, looked up in C: most words start no pattern
        starts = [word.start() for word in _WORD_RUN.finditer(text)]
        keys = [text[p : p + k] for p in starts]
        for p, key, chosen in zip(starts, keys, list(map(by_key.get, keys)), strict=True):
            if chosen is None:
                if len(by_key) >= _MAX_KEYS:
                    by_key.clear()
                chosen = by_key[key] = self._chosen(key)
            for i in chosen:
                out[i].append(p)
        return out

    def _chosen(self, key: str) -> tuple[int, ...]:
        """The patterns that may match at a word starting with ``key``, in order."""
        if not key.isascii():
            return tuple(self._filtered)  # IGNORECASE matches non-ASCII letters too ("K", Kelvin sign)
        key = key.lower()
        chosen: set[int] = set()
        for n in range(1, len(key) + 1):
            chosen.update(self._index.get(key[:n], ()))
        return tuple(sorted(chosen))

    def finditer(self, text: str) -> list[list[re.Match[str]]]:
        """Per pattern, its matches in ``text`` -- the same as ``list(pattern.finditer(text))``."""
        found: list[list[re.Match[str]]] = []
        full = set(self._full)
        candidates = self.candidates(text)
        for i, pattern in enumerate(self.patterns):
            if i in full:
                found.append(list(pattern.finditer(text)))
                continue
            matches: list[re.Match[str]] = []
            last = 0
            for p in candidates[i]:
                if p < last:
                    continue
                m = pattern.match(text, p)
                if m is not None:
                    matches.append(m)
                    last = m.end()  # a match is never empty: every one begins with a prefix
            found.append(matches)
        return found


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


class Prefiltered:
    """``finditer`` / ``search`` of one pattern, tried only where one of its
    :func:`literal_prefixes` occurs in the lowered text (anywhere, not only at word starts) or a
    non-ASCII character is near -- the same matches as the pattern's own, lazily.  A pattern
    without prefixes, or a text whose lower case changes its length, is scanned as before."""

    __slots__ = ("k", "pattern", "prefixes")

    def __init__(self, pattern: re.Pattern[str], k: int = 3) -> None:
        self.pattern = pattern
        self.k = k
        prefixes = (
            literal_prefixes(pattern.pattern, pattern.flags, k, fold=True) if isinstance(pattern.pattern, str) else None
        )
        self.prefixes = None if prefixes is None else tuple(p.encode("ascii") for p in sorted(prefixes))

    def _starts(self, text: str, folded: bytes | None) -> list[int] | None:
        if self.prefixes is None:
            return None
        low = fold(text) if folded is None else folded
        if low is None:
            return None
        starts: set[int] = set()
        for prefix in self.prefixes:
            i = low.find(prefix)
            while i >= 0:
                starts.add(i)
                i = low.find(prefix, i + 1)
        if not text.isascii():  # IGNORECASE matches some non-ASCII letters with ASCII ones
            for m in _NON_ASCII.finditer(text):
                q = m.start()
                starts.update(range(max(0, q - self.k + 1), q + 1))
        return sorted(starts)

    def finditer(self, text: str, folded: bytes | None = None) -> Iterator[re.Match[str]]:
        """``folded``: :func:`fold` of ``text`` when the caller has it (several patterns, one text)."""
        starts = self._starts(text, folded)
        if starts is None:
            yield from self.pattern.finditer(text)
            return
        match = self.pattern.match
        last = 0
        for p in starts:
            if p < last:
                continue
            m = match(text, p)
            if m is not None:
                yield m
                last = m.end()  # never empty: a match begins with one of the prefixes

    def search(self, text: str, folded: bytes | None = None) -> re.Match[str] | None:
        return next(self.finditer(text, folded), None)
