"""Section detection: which part of the note (history, exam, diagnoses ...) each character is in.

The header vocabulary is data: ``medcoder/data/section_rules.json``, converted from medSpaCy's
section rules (Eyre et al., "Launching into clinical space with medspaCy", AMIA 2021; MIT licence,
attribution kept in the file) and extended with ours.  The matcher is ours and avoids spaCy: one
regular expression finds *candidate* headers -- a label at the start of a line followed by a colon
or the end of the line, or an upper-case label glued after punctuation (the MTSamples
``"...allergies.,MEDICATIONS: ,"`` form) -- and a dictionary lookup of the normalised label decides.
That costs one scan and a few dictionary hits per note, where a 500-way regex alternation would be
tried at every comma.

Where the coding engine cares: the assertion rules read the section (family history -> family,
past medical history -> historical, preoperative diagnosis -> uncertain), and the coding stage
weighs diagnosis-list sections (diagnoses, postoperative_diagnosis, assessment_plan) over
narrative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from medcoder.extract.rulefiles import load_rule_file

__all__ = [
    "SECTION_NAMES",
    "RuleSource",
    "SectionRule",
    "SectionRuleFile",
    "SectionSpan",
    "Sectionizer",
    "default_sectionizer",
    "find_sections",
]

SectionName = Literal[
    "chief_complaint",
    "history_present_illness",
    "past_medical_history",
    "past_surgical_history",
    "family_history",
    "social_history",
    "medications",
    "allergies",
    "review_of_systems",
    "physical_exam",
    "labs",
    "imaging",
    "hospital_course",
    "assessment_plan",
    "diagnoses",
    "admitting_diagnosis",
    "preoperative_diagnosis",
    "postoperative_diagnosis",
    "procedures",
    "operative_findings",
    "plan",
    "other",
]
SECTION_NAMES: tuple[str, ...] = (*get_args(SectionName), "unknown")

# Sections whose presence marks an operative note, switching rules with ``in_operative_note``
# ("FINDINGS:" is radiology findings in general, operative findings after "PROCEDURE:").
_OPERATIVE_SECTIONS = frozenset({"preoperative_diagnosis", "postoperative_diagnosis", "procedures"})


@dataclass(frozen=True, slots=True)
class SectionSpan:
    """One section of a note.

    ``title`` is the header exactly as written, without its colon, so ``text[start:start +
    len(title)] == title``; the body follows.  The span runs to the next header, so the spans of a
    note tile its whole text.  Text before the first header is ``name="unknown"``, ``title=""``.
    """

    name: str
    title: str
    start: int
    end: int


class SectionRule(BaseModel):
    """One header title and the section it opens."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    section: SectionName
    origin: Literal["medspacy", "medcoder"]
    medspacy_literal: str | None = None
    medspacy_category: str | None = None
    in_operative_note: SectionName | None = None
    note: str | None = None

    @field_validator("title")
    @classmethod
    def _no_colon(cls, value: str) -> str:
        if value.strip() != value or value.endswith(":"):
            raise ValueError(f"title {value!r}: give it without surrounding spaces or trailing colon")
        return value


class RuleSource(BaseModel):
    """Where converted rules come from, with the licence that travels with them."""

    name: str
    package: str
    version: str
    url: str
    license: str
    copyright: str
    license_text: str


class DroppedRule(BaseModel):
    literal: str
    medspacy_category: str
    why: str


class SectionRuleFile(BaseModel):
    """The whole ``section_rules.json``."""

    model_config = ConfigDict(extra="forbid")

    about: str
    version: int
    source: RuleSource
    dropped_medspacy_rules: list[DroppedRule] = []
    rules: list[SectionRule] = Field(min_length=1)
    subheadings: list[str] = []


def _normalise(label: str) -> str:
    return " ".join(label.lower().split())


# Candidate headers.  Branch ``line``: a label at the start of a line (any case) followed by a
# colon or the end of the line.  Branch ``glued``: an upper-case label after a sentence end, or
# after the ".," (or ".  ,") of MTSamples, followed by a colon -- not after a bare comma or semicolon, where
# upper-case labels are lab and stain names ("S100: positive; MELAN A: (+)").  Labels are short
# and made of word characters and a few joiners; the dictionary decides whether a candidate is a
# header.
_CANDIDATE = re.compile(
    r"^[ \t]*(?P<line>[A-Za-z](?:[A-Za-z0-9 /&'()\-]|\.(?! ))"
    "{0,60}?)[ \t]*(?::|$)"
    r"|(?:(?<=[.!?])|(?<=[.!?],)|(?<=[.!?] ,)|(?<=[.!?]  ,))[ \t]*(?P<glued>[A-Z][A-Za-z0-9 /&'()\-]{0,60}?)[ \t]*:"
    r"|(?:^|(?<=[.!?],))[ \t]*(?P<listed>[A-Z][A-Z0-9 /&'()\-]{2,60}?),[ \t]*(?=1\.)",
    re.MULTILINE,
)
_GENERIC_MIN_LETTERS = 5
# Titles that open a section in mixed case after a sentence's end on the same line ("... lymph nodes.
# Diagnosis: mesenteric adenitis."): a run-together note's conclusion.  Other mixed-case labels after a
# full stop are too often ordinary words before a colon.
_INLINE_SECTIONS = frozenset(
    {"diagnoses", "assessment_plan", "postoperative_diagnosis", "preoperative_diagnosis", "admitting_diagnosis"}
)


def _case_blind(label: str) -> bool:
    """Case does not mark ``label`` as a header: it has lower-case letters ("Plan:"), or it is one
    short acronym ("CT:", "MRI:", "CXR:"), written in capitals in a sentence as much as in a header.
    After a sentence on the same line such a label opens only a diagnosis section; "... vomiting.
    CT: acute appendicitis." keeps the physician's statement in the narrative."""
    return any(ch.islower() for ch in label) or (" " not in label and len(label) <= 3)


class Sectionizer:
    """Finds section headers with the rules of one rule file (default: the packaged one)."""

    def __init__(self, rules: Path | None = None) -> None:
        self.rule_file = _load_rules(rules)
        self._titles: dict[str, SectionRule] = {}
        for rule in self.rule_file.rules:
            self._titles.setdefault(_normalise(rule.title), rule)
        self._subheadings = frozenset(_normalise(label) for label in self.rule_file.subheadings)

    def find(self, text: str) -> list[SectionSpan]:
        """Sections of ``text``, tiling it from 0 to ``len(text)``."""
        headers: list[tuple[int, str, str]] = []  # (start, name, title)
        operative = False
        for match in _CANDIDATE.finditer(text):
            label = match.group("line")
            glued = label is None
            listed = match.group("listed") is not None  # "FINAL DIAGNOSES,1.  Morbid obesity" (MTSamples)
            if listed:
                label = match.group("listed")
                start = match.start("listed")
            elif glued:
                label = match.group("glued")
                start = match.start("glued")
            else:
                start = match.start("line")
            label = label.rstrip(" -.")
            rule = self._titles.get(_normalise(label))
            if rule is not None:
                if glued and _case_blind(label) and rule.section not in _INLINE_SECTIONS:
                    continue
                name = rule.in_operative_note if operative and rule.in_operative_note else rule.section
            elif listed:
                continue  # only a known title opens a section without its colon
            elif self._is_generic_header(label, text, match.end()):
                name = "other"
            else:
                continue
            if name in _OPERATIVE_SECTIONS:
                operative = True
            headers.append((start, name, label))
        return _tile(text, headers)

    def _is_generic_header(self, label: str, text: str, end: int) -> bool:
        """An unknown ALL-CAPS ``LABEL:`` ("ESTIMATED BLOOD LOSS:") opens an ``other`` section,
        unless it is short, has digits ("FEV1/VC:") or is an exam / vitals / lab subheading
        ("HEENT:", "WBC:")."""
        if end == 0 or text[end - 1] != ":":
            return False
        if any(ch.islower() or ch.isdigit() for ch in label):
            return False
        letters = sum(ch.isalpha() for ch in label)
        if letters < _GENERIC_MIN_LETTERS and " " not in label:
            return False
        return _normalise(label) not in self._subheadings


def _tile(text: str, headers: list[tuple[int, str, str]]) -> list[SectionSpan]:
    sections: list[SectionSpan] = []
    first = headers[0][0] if headers else len(text)
    if first > 0 or not headers:
        sections.append(SectionSpan("unknown", "", 0, first))
    for index, (start, name, title) in enumerate(headers):
        end = headers[index + 1][0] if index + 1 < len(headers) else len(text)
        sections.append(SectionSpan(name, title, start, end))
    return sections


def _load_rules(path: Path | None) -> SectionRuleFile:
    return load_rule_file(path, "section_rules.json", SectionRuleFile, "section rules")


@lru_cache(maxsize=1)
def default_sectionizer() -> Sectionizer:
    """The sectionizer with the packaged rules, built once."""
    return Sectionizer()


def find_sections(text: str) -> list[SectionSpan]:
    """Sections of ``text`` with the packaged rules; the spans tile the whole text."""
    return default_sectionizer().find(text)
