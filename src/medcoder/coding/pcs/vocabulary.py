"""The ICD-10-PCS vocabulary as data: ``medcoder/data/pcs_vocabulary.json``, validated by pydantic.

What lives in the file (DESIGN §7, rules as data):

* ``words``: how notes name body parts, mapped to the words of the PCS table labels
  ("renal" -> "kidney", "abdominopelvic" -> "abdomen pelvis"); applied to the text and to the
  labels alike, before stemming.
* ``label_aliases``: extra names of a table body-part label ("Skull": "cranial") beyond the ones the
  CMS Body Part Key gives (those are read from the installed definitions).
* ``axis_cues``: words that choose a value of an axis (approach, contrast, device, qualifier) by
  a regular expression over the value's *label*, so one cue works in every table.
* ``procedures``: trigger patterns for procedure mentions, each with what it determines: a fixed
  code or code prefix, or a root operation (by its official name) and the tables to search, the
  body part it implies, the qualifier, and the approach.
* ``modalities``: imaging and nuclear medicine types (section B / C, the type character).

Everything is compiled once per process (:func:`vocabulary`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from medcoder.extract.prefilter import literal_prefixes
from medcoder.extract.rulefiles import load_rule_file

__all__ = ["AxisCue", "Modality", "ProcedureEntry", "Vocabulary", "VocabularyFile", "vocabulary"]

_CODE = re.compile(r"[0-9A-HJ-NP-Z]{3,7}")
_AXES = ("Approach", "Device", "Qualifier", "Contrast", "Substance", "Function", "Duration", "Radionuclide")


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as error:
        raise ValueError(f"invalid regular expression {value!r}: {error}") from error
    return value


class AxisCue(BaseModel):
    """A text cue that picks the value of an axis whose label matches ``label``."""

    model_config = ConfigDict(extra="forbid")

    axis: str = Field(description="axis title as the tables name it: Approach, Device, Qualifier, Contrast ...")
    pattern: str = Field(description="regular expression over the text (case-insensitive)")
    label: str = Field(description="regular expression over the value labels of that axis")
    sections: str | None = Field(default=None, description="PCS sections the cue applies to (e.g. '0'); all if None")
    note: str | None = None

    _p1 = field_validator("pattern")(_check_regex)
    _p2 = field_validator("label")(_check_regex)

    @field_validator("axis")
    @classmethod
    def _known_axis(cls, value: str) -> str:
        if value not in _AXES:
            raise ValueError(f"unknown axis {value!r}; known: {', '.join(_AXES)}")
        return value


class ProcedureEntry(BaseModel):
    """A procedure wording and what it determines."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    patterns: list[str] = Field(min_length=1)
    code: str | None = Field(default=None, description="a fixed code or code prefix (3-7 characters)")
    operation: str | None = Field(default=None, description="root operation by its official name (Resection ...)")
    partial_operation: str | None = Field(
        default=None, description="the root operation when the text says only part of the body part was taken"
    )
    tables: list[str] = Field(default_factory=list, description="3-character tables to search for the body part")
    body_part: str | None = Field(default=None, description="words naming the body part the wording implies")
    body_part_from_text: bool = Field(default=True, description="look for the body part in the words around")
    unsided: Literal["query", "bilateral"] = Field(
        default="query",
        description="side not documented: query it, or take both sides (an eye examination looks at both eyes)",
    )
    diagnostic: bool = Field(default=False, description="a biopsy: qualifier Diagnostic (PCS B3.4a)")
    axes: dict[str, str] = Field(
        default_factory=dict, description="axis title -> label regex the wording implies (Approach, Device ...)"
    )
    kind: Literal["surgical", "inspection", "imaging", "measurement", "administration", "obstetric", "other"] = (
        "surgical"
    )
    confidence: float = Field(default=0.7, ge=0.0, le=1.0)
    rationale: str | None = None
    note: str | None = None

    @field_validator("patterns")
    @classmethod
    def _regexes(cls, value: list[str]) -> list[str]:
        for pattern in value:
            _check_regex(pattern)
        return value

    @field_validator("axes")
    @classmethod
    def _axes(cls, value: dict[str, str]) -> dict[str, str]:
        for axis, label in value.items():
            if axis not in _AXES:
                raise ValueError(f"unknown axis {axis!r}; known: {', '.join(_AXES)}")
            _check_regex(label)
        return value

    @field_validator("code")
    @classmethod
    def _code(cls, value: str | None) -> str | None:
        if value is not None and not _CODE.fullmatch(value):
            raise ValueError(f"not an ICD-10-PCS code or prefix: {value!r}")
        return value

    @field_validator("tables")
    @classmethod
    def _tables(cls, value: list[str]) -> list[str]:
        for prefix in value:
            if not re.fullmatch(r"[0-9A-HJ-NP-Z]{3}", prefix):
                raise ValueError(f"not a PCS table prefix: {prefix!r}")
        return value

    @model_validator(mode="after")
    def _determined(self) -> ProcedureEntry:
        if self.code is None and self.operation is None and not self.tables:
            raise ValueError(f"procedure {self.id!r} needs a code, an operation or tables")
        return self


class Modality(BaseModel):
    """An imaging / nuclear medicine type: section B or C and the type character (position 3)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    patterns: list[str] = Field(min_length=1)
    section: Literal["B", "C"]
    type: str = Field(pattern=r"^[0-9A-HJ-NP-Z]$")
    prefer: list[str] = Field(default_factory=list, description="body systems (position 2) preferred on ties")
    body_part: str | None = Field(default=None, description="body part implied by the wording (echocardiogram)")
    confidence: float = Field(default=0.8, ge=0.0, le=1.0)
    note: str | None = None

    @field_validator("patterns")
    @classmethod
    def _regexes(cls, value: list[str]) -> list[str]:
        for pattern in value:
            _check_regex(pattern)
        return value


class VocabularyFile(BaseModel):
    """The whole ``pcs_vocabulary.json``."""

    model_config = ConfigDict(extra="forbid")

    about: str
    version: int
    words: dict[str, str] = Field(default_factory=dict)
    label_aliases: dict[str, list[str]] = Field(default_factory=dict)
    combining_forms: dict[str, str] = Field(
        default_factory=dict, description="'-ectomy' / '-ostomy' stems -> body part words (cholecyst -> gallbladder)"
    )
    weak_label_words: list[str] = Field(default_factory=list)
    window_stops: list[str] = Field(default_factory=list)
    ignored_historical_cues: list[str] = Field(default_factory=list)
    planned: list[str] = Field(default_factory=list, description="cues of a procedure planned, not done")
    discontinued: list[str] = Field(default_factory=list)
    axis_cues: list[AxisCue] = Field(default_factory=list)
    modalities: list[Modality] = Field(min_length=1)
    procedures: list[ProcedureEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> VocabularyFile:
        ids = [m.id for m in self.modalities] + [p.id for p in self.procedures]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate ids: {', '.join(dupes)}")
        for pattern in [*self.discontinued, *self.planned]:
            _check_regex(pattern)
        return self


@dataclass(frozen=True, slots=True)
class Trigger:
    """One compiled trigger: the group name in the combined pattern and what it stands for."""

    group: str
    entry: ProcedureEntry | Modality


@dataclass(frozen=True)
class Vocabulary:
    """The validated file plus its compiled patterns.

    ``pattern`` finds every trigger in one pass; ``by_char`` holds, per possible first character
    of a mention (lower case letter or digit), the same pattern restricted to the triggers that can
    start with it.  :meth:`find` goes one step further: at each word start it tries only the
    triggers whose literal prefixes (up to ``_KEY`` characters, :func:`literal_prefixes`) fit the
    word's first characters, with the pattern of those triggers compiled the first time a word
    asks for it -- most words start no trigger and cost one dictionary look-up.
    """

    data: VocabularyFile
    triggers: dict[str, Trigger]
    pattern: re.Pattern[str]
    by_char: dict[str, re.Pattern[str]]
    cues: tuple[tuple[AxisCue, re.Pattern[str], re.Pattern[str]], ...]
    discontinued: re.Pattern[str] | None
    planned: re.Pattern[str] | None
    # the trigger parts (in order), the triggers each lower-case prefix admits and those any word
    # may start (no prefix known); the patterns :meth:`find` compiled, by a word's first characters
    parts: tuple[str, ...] = ()
    by_prefix: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False, compare=False)
    anywhere: tuple[int, ...] = ()
    _by_key: dict[str, re.Pattern[str] | None] = field(default_factory=dict, repr=False, compare=False)
    _by_parts: dict[tuple[int, ...], re.Pattern[str]] = field(default_factory=dict, repr=False, compare=False)

    def find(self, text: str) -> list[re.Match[str]]:
        """Every trigger in ``text``, left to right, not overlapping (as ``pattern.finditer``)."""
        out: list[re.Match[str]] = []
        last = 0
        by_key = self._by_key
        for start in _WORD_START.finditer(text):
            p = start.start()
            if p < last:
                continue
            key = text[p : p + _KEY]
            pattern = by_key.get(key, _UNSEEN)
            if pattern is _UNSEEN:
                pattern = self._key_pattern(key)
            if pattern is None:
                continue
            m = pattern.match(text, p)
            if m is not None and m.end() > p:
                out.append(m)
                last = m.end()
        return out

    def _key_pattern(self, key: str) -> re.Pattern[str] | None:
        """The pattern of the triggers a word starting with ``key`` can start, in the
        vocabulary's order (so the same trigger wins as in ``pattern``); ``None``: none."""
        if len(self._by_key) >= _MAX_KEYS:
            self._by_key.clear()
        if not key.isascii():  # IGNORECASE matches non-ASCII letters too: every trigger of the letter
            compiled = self._by_key[key] = self.by_char.get(key[0].lower())
            return compiled
        key_lower = key.lower()
        chosen = set(self.anywhere)
        for n in range(1, len(key_lower) + 1):
            chosen.update(self.by_prefix.get(key_lower[:n], ()))
        compiled = None
        if chosen and self.parts:
            order = tuple(sorted(chosen))
            compiled = self._by_parts.get(order)
            if compiled is None:
                compiled = re.compile(
                    r"(?:" + "|".join(self.parts[i] for i in order) + r")(?![A-Za-z0-9])", re.IGNORECASE
                )
                self._by_parts[order] = compiled
        elif not self.parts:
            compiled = self.by_char.get(key_lower[0])
        self._by_key[key] = compiled
        return compiled


_WORD_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]")
_KEY = 5  # characters of a word's start that choose the triggers to try there
_MAX_KEYS = 65536  # word beginnings whose pattern a vocabulary remembers
_UNSEEN = object()
_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _first_chars(seq: list) -> tuple[frozenset[str], bool]:
    """Characters a match of the parsed ``seq`` can start with (lower case), and whether it can be
    empty.  Anything not understood counts as "any character": a safe over-approximation."""
    from re import _constants as c  # type: ignore[attr-defined]

    result: set[str] = set()
    for op, av in seq:
        if op is c.LITERAL:
            first, nullable = frozenset(chr(av).lower()), False
        elif op is c.IN:
            chars: set[str] = set()
            for kind, value in av:
                if kind is c.LITERAL:
                    chars.add(chr(value).lower())
                elif kind is c.RANGE:
                    chars.update(chr(x).lower() for x in range(value[0], value[1] + 1))
                else:
                    chars = set(_ALPHABET)
                    break
            first, nullable = frozenset(chars), False
        elif op is c.BRANCH:
            parts = [_first_chars(branch) for branch in av[1]]
            first = frozenset().union(*(f for f, _ in parts))
            nullable = any(n for _, n in parts)
        elif op is c.SUBPATTERN:
            first, nullable = _first_chars(av[3])
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            first, nullable = _first_chars(av[2])
            nullable = nullable or av[0] == 0
        elif op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            first, nullable = frozenset(), True
        else:
            first, nullable = _ALPHABET, False
        result |= first
        if not nullable:
            return frozenset(result), False
    return frozenset(result), True


def _starts(pattern: str) -> frozenset[str]:
    from re import _parser  # type: ignore[attr-defined]

    try:
        first, nullable = _first_chars(_parser.parse(pattern, re.IGNORECASE))
    except (re.error, ValueError, TypeError, AttributeError, IndexError):  # an analysis shortcut: "anything"
        return _ALPHABET
    return _ALPHABET if nullable else first & _ALPHABET


def compile_vocabulary(data: VocabularyFile) -> Vocabulary:
    triggers: dict[str, Trigger] = {}
    parts: list[str] = []
    per_char: dict[str, list[str]] = {ch: [] for ch in _ALPHABET}
    by_prefix: dict[str, list[int]] = {}
    anywhere: list[int] = []
    for i, entry in enumerate([*data.modalities, *data.procedures]):
        group = f"t{i}"
        triggers[group] = Trigger(group, entry)
        alternatives = "|".join(f"(?:{p})" for p in entry.patterns)
        part = f"(?P<{group}>{alternatives})"
        parts.append(part)
        starts = frozenset().union(*(_starts(p) for p in entry.patterns))
        for ch in starts:
            per_char[ch].append(part)
        prefixes = [literal_prefixes(p, re.IGNORECASE, _KEY) for p in entry.patterns]
        if any(p is None for p in prefixes):
            anywhere.append(i)
        else:
            for prefix in frozenset().union(*prefixes):
                by_prefix.setdefault(prefix, []).append(i)
    # one pass over the text for every trigger; longer, earlier entries win at a position
    pattern = re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(parts) + r")(?![A-Za-z0-9])", re.IGNORECASE)
    by_char = {
        ch: re.compile(r"(?:" + "|".join(chosen) + r")(?![A-Za-z0-9])", re.IGNORECASE)
        for ch, chosen in per_char.items()
        if chosen
    }
    cues = tuple((cue, re.compile(cue.pattern, re.IGNORECASE), re.compile(cue.label)) for cue in data.axis_cues)
    discontinued = (
        re.compile("|".join(f"(?:{p})" for p in data.discontinued), re.IGNORECASE) if data.discontinued else None
    )
    planned = re.compile("|".join(f"(?:{p})" for p in data.planned), re.IGNORECASE) if data.planned else None
    return Vocabulary(
        data,
        triggers,
        pattern,
        by_char,
        cues,
        discontinued,
        planned,
        parts=tuple(parts),
        by_prefix={prefix: tuple(chosen) for prefix, chosen in by_prefix.items()},
        anywhere=tuple(anywhere),
    )


def load_vocabulary(path: Path | None = None) -> Vocabulary:
    """The packaged vocabulary, or a site's own file at ``path``; errors name the file."""
    return compile_vocabulary(load_rule_file(path, "pcs_vocabulary.json", VocabularyFile, "ICD-10-PCS vocabulary"))


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    return load_vocabulary(None)
