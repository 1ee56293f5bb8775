"""Office / outpatient E/M level (CPT 99202-99205 new patient, 99211-99215 established patient).

Follows the 2021+ office E/M guidance as published by CMS (MLN006764, "Evaluation and Management
Services Guide"): the level comes from medical decision making (MDM) or from total practitioner
time on the date of the encounter, whichever the documentation supports at the higher level.

* MDM has three elements -- problems addressed, data reviewed and analysed, risk of patient
  management -- and the MDM level is the highest level that **two of the three** elements meet or
  exceed (the median of the three ranks).
* Time uses the CY2024+ single thresholds, each "met or exceeded": new 99202 15, 99203 30, 99204
  45, 99205 60 minutes; established 99212 10, 99213 20, 99214 30, 99215 40 minutes.  (The
  2021-2023 CPT ranges -- e.g. 99213 20-29 -- were replaced by these minimums in CPT 2024; time
  past the top level is a prolonged-service add-on, which this module notes but does not code.)
* 99211 has no MDM or time requirement and may not need the physician's presence: it is the
  result for an established patient when no problem is addressed and no time is documented.

:func:`assess_note` reads the elements from a note with cue phrases kept as data in
``medcoder/data/em_rules.json`` (validated by pydantic when loaded).  Every piece of evidence has
exact offsets: ``text[start:end] == evidence.text``.  CPT descriptors are AMA's: codes are named
by number and described in medcoder's own words only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from medcoder.extract.pipeline import AnalyzedDocument, analyze
from medcoder.extract.rulefiles import load_rule_file
from medcoder.extract.sentences import split_sentences
from medcoder.models import Evidence

__all__ = [
    "ElementEvidence",
    "EmResult",
    "EmRules",
    "MdmElements",
    "assess_note",
    "extract_elements",
    "level_from_mdm",
    "level_from_time",
    "load_em_rules",
]

PatientType = Literal["new", "established"]
ProblemLevel = Literal["minimal", "low", "moderate", "high"]
DataLevel = Literal["minimal", "limited", "moderate", "extensive"]
RiskLevel = Literal["minimal", "low", "moderate", "high"]
MdmLevel = Literal["straightforward", "low", "moderate", "high"]
ProblemCategory = Literal[
    "self_limited",
    "acute_uncomplicated",
    "chronic_stable",
    "chronic_exacerbation",
    "acute_complicated",
    "chronic_severe",
    "threat",
]
DataCategory = Literal["external_notes", "independent_historian", "independent_interpretation", "discussion"]

PROBLEM_LEVELS: tuple[str, ...] = ("minimal", "low", "moderate", "high")
DATA_LEVELS: tuple[str, ...] = ("minimal", "limited", "moderate", "extensive")
RISK_LEVELS: tuple[str, ...] = ("minimal", "low", "moderate", "high")
MDM_LEVELS: tuple[str, ...] = ("straightforward", "low", "moderate", "high")
MDM_CODES: dict[str, tuple[str, str, str, str]] = {
    "new": ("99202", "99203", "99204", "99205"),
    "established": ("99212", "99213", "99214", "99215"),
}
# CY2024+ PFS / CPT 2024: one minimum per level, "must be met or exceeded" (rank -> minutes).
TIME_THRESHOLDS: dict[str, tuple[int, int, int, int]] = {
    "new": (15, 30, 45, 60),
    "established": (10, 20, 30, 40),
}
_RULES_ID = "em.office.v1"
_CMS = "CMS MDM table"

# Rank of each problem category (the most severe cue of an assessment item decides it) and its
# wording in the reasoning.
_PROBLEM_RANK: dict[str, int] = {
    "self_limited": 0,
    "acute_uncomplicated": 1,
    "chronic_stable": 2,
    "acute_complicated": 3,
    "chronic_exacerbation": 3,
    "chronic_severe": 4,
    "threat": 4,
}
_PROBLEM_WORDS: dict[str, tuple[str, str]] = {
    "self_limited": ("self-limited or minor problem", "self-limited or minor problems"),
    "acute_uncomplicated": ("acute uncomplicated illness or injury", "acute uncomplicated illnesses or injuries"),
    "chronic_stable": ("stable chronic illness", "stable chronic illnesses"),
    "chronic_exacerbation": (
        "chronic illness with exacerbation, progression or side effects of treatment",
        "chronic illnesses with exacerbation, progression or side effects of treatment",
    ),
    "acute_complicated": (
        "undiagnosed new problem with uncertain prognosis / acute illness with systemic symptoms / "
        "acute complicated injury",
        "undiagnosed new problems with uncertain prognosis / acute illnesses with systemic symptoms / "
        "acute complicated injuries",
    ),
    "chronic_severe": (
        "chronic illness with severe exacerbation or progression",
        "chronic illnesses with severe exacerbation or progression",
    ),
    "threat": (
        "illness or injury posing a threat to life or bodily function",
        "illnesses or injuries posing a threat to life or bodily function",
    ),
}


# --- models ----------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ElementEvidence(_Model):
    """One span of the note behind an MDM element or the time."""

    element: Literal["problems", "data", "risk", "time"]
    level: str = Field(description="the category or level this span supports, e.g. 'chronic_exacerbation'")
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    reason: str


class MdmElements(_Model):
    """The three MDM elements at their levels, with the evidence behind each."""

    problems: ProblemLevel
    data: DataLevel
    risk: RiskLevel
    problems_detail: str = Field(default="", description="what was counted, for the reasoning")
    data_detail: str = ""
    risk_detail: str = ""
    evidence: list[ElementEvidence] = Field(default_factory=list)
    document_id: str = ""


class EmResult(_Model):
    code: str
    patient_type: PatientType
    mdm_level: MdmLevel | None = None
    time_minutes: int | None = None
    basis: Literal["mdm", "time", "minimal"]
    supported: bool = Field(
        default=True,
        description="False when the documentation does not meet even the lowest level of the category "
        "(a new patient with no MDM and under 15 minutes): the code is the floor, to be queried",
    )
    reasoning: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    elements: MdmElements | None = None
    rules: list[str] = Field(default_factory=lambda: [_RULES_ID])


# --- rules as data ---------------------------------------------------------------------------


class _Cue(_Model):
    phrase: str | None = None
    regex: str | None = None
    category: str
    why: str = ""

    @model_validator(mode="after")
    def _one_pattern(self) -> _Cue:
        if (self.phrase is None) == (self.regex is None):
            raise ValueError("a cue needs exactly one of 'phrase' or 'regex'")
        if self.phrase is not None and not self.phrase.strip():
            raise ValueError("empty phrase")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as error:
                raise ValueError(f"bad regex {self.regex!r}: {error}") from error
        return self

    def pattern(self) -> str:
        if self.regex is not None:
            return self.regex
        return _phrase_pattern(self.phrase or "")


class _SkipCue(_Cue):
    category: Literal["skip"]


class _ProblemCue(_Cue):
    category: ProblemCategory


class _DataCue(_Cue):
    category: DataCategory


class _RiskCue(_Cue):
    category: RiskLevel


class _TestDef(_Model):
    id: str
    names: list[str] = Field(min_length=1)


class EmRules(_Model):
    """``em_rules.json``: cue phrases for the MDM elements and patterns for total time."""

    about: str = ""
    version: str
    source: str = ""
    problem_sections: list[str]
    fallback_problem_sections: list[str] = Field(default_factory=list)
    risk_sections: list[str]
    excluded_sections: list[str] = Field(default_factory=list)
    test_sections: list[str] = Field(default_factory=list)
    negation_prefixes: list[str]
    negation_window_words: int = Field(ge=0, le=10)
    non_problem_items: list[_SkipCue]
    default_problem_category: ProblemCategory
    problem_cues: list[_ProblemCue]
    tests: list[_TestDef]
    test_action_cues: list[str]
    data_cues: list[_DataCue]
    risk_cues: list[_RiskCue]
    otc_drugs: list[str]
    time_patterns: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _time_patterns_capture_minutes(self) -> EmRules:
        for pattern in self.time_patterns:
            try:
                compiled = re.compile(pattern)
            except re.error as error:
                raise ValueError(f"bad time pattern {pattern!r}: {error}") from error
            if "minutes" not in compiled.groupindex:
                raise ValueError(f"time pattern {pattern!r} has no (?P<minutes>...) group")
        return self


def _phrase_pattern(phrase: str) -> str:
    words = [re.escape(word) for word in re.split(r"[\s-]+", phrase.strip()) if word]
    body = r"[\s-]+".join(words)
    # \b only where the phrase starts / ends with a word character ("Dr." ends with a dot)
    lead = r"\b" if re.match(r"\w", phrase.strip()) else ""
    tail = r"\b" if re.search(r"\w$", phrase.strip()) else ""
    return f"{lead}{body}{tail}"


def _alternation(phrases: list[str]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    ordered = sorted(phrases, key=len, reverse=True)  # longest first: "chest x-ray" before "x-ray"
    return re.compile("|".join(f"(?:{_phrase_pattern(p)})" for p in ordered), re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Compiled:
    rules: EmRules
    skip: tuple[re.Pattern[str], ...]
    problems: tuple[tuple[re.Pattern[str], _ProblemCue], ...]
    data: tuple[tuple[re.Pattern[str], _DataCue], ...]
    risk: tuple[tuple[re.Pattern[str], _RiskCue], ...]
    tests: tuple[tuple[re.Pattern[str], str], ...]
    test_action: re.Pattern[str] | None
    otc: re.Pattern[str] | None
    negation: re.Pattern[str] | None
    time: tuple[re.Pattern[str], ...]


def load_em_rules(path: Path | None = None) -> EmRules:
    """The packaged ``em_rules.json`` or a site's own file; a malformed file raises
    :class:`medcoder.errors.InputFileError` (E150) naming the file and the bad field."""
    return load_rule_file(path, "em_rules.json", EmRules, "E/M rule file")


def _compile(rules: EmRules) -> _Compiled:
    flags = re.IGNORECASE
    test_patterns = []
    for test in rules.tests:
        for name in test.names:
            test_patterns.append((name, test.id))
    test_patterns.sort(key=lambda item: len(item[0]), reverse=True)
    negation = None
    if rules.negation_prefixes:
        words = "|".join(_phrase_pattern(p) for p in sorted(rules.negation_prefixes, key=len, reverse=True))
        negation = re.compile(rf"(?:{words})(?:\W+\w+){{0,{rules.negation_window_words}}}\W*$", flags)
    return _Compiled(
        rules=rules,
        skip=tuple(re.compile(cue.pattern(), flags) for cue in rules.non_problem_items),
        problems=tuple((re.compile(cue.pattern(), flags), cue) for cue in rules.problem_cues),
        data=tuple((re.compile(cue.pattern(), flags), cue) for cue in rules.data_cues),
        risk=tuple((re.compile(cue.pattern(), flags), cue) for cue in rules.risk_cues),
        tests=tuple((re.compile(_phrase_pattern(name), flags), test_id) for name, test_id in test_patterns),
        test_action=_alternation(rules.test_action_cues),
        otc=_alternation(rules.otc_drugs),
        negation=negation,
        time=tuple(re.compile(pattern, flags) for pattern in rules.time_patterns),
    )


@lru_cache(maxsize=1)
def _default_compiled() -> _Compiled:
    return _compile(load_em_rules())


# --- levels ----------------------------------------------------------------------------------


def level_from_mdm(elements: MdmElements, patient_type: PatientType) -> EmResult:
    """The E/M level from MDM: the highest level that two of the three elements meet or exceed."""
    ranks = {
        "problems": PROBLEM_LEVELS.index(elements.problems),
        "data": DATA_LEVELS.index(elements.data),
        "risk": RISK_LEVELS.index(elements.risk),
    }
    rank = sorted(ranks.values())[1]  # the median: the level met or exceeded by two of three
    mdm_level = MDM_LEVELS[rank]
    code = MDM_CODES[patient_type][rank]
    meeting = [name for name, value in ranks.items() if value >= rank]
    reasoning = [
        _element_line("Problems", elements.problems_detail, elements.problems),
        _element_line("Data", elements.data_detail, elements.data),
        _element_line("Risk", elements.risk_detail, elements.risk),
        f"MDM: {' and '.join(meeting)} meet or exceed {mdm_level} (2 of 3 elements required; problems "
        f"{elements.problems}, data {elements.data}, risk {elements.risk}) → {mdm_level} MDM → {code}",
    ]
    evidence = [
        Evidence(
            document_id=elements.document_id,
            start=item.start,
            end=item.end,
            text=item.text,
            supports=f"{item.element}: {item.reason}",
        )
        for item in elements.evidence
        if item.element != "time"
    ]
    return EmResult(
        code=code,
        patient_type=patient_type,
        mdm_level=mdm_level,  # type: ignore[arg-type]
        basis="mdm",
        reasoning=reasoning,
        evidence=evidence,
        elements=elements,
    )


def _element_line(name: str, detail: str, level: str) -> str:
    if detail:
        return f"{name}: {detail} → {level} ({_CMS})"
    return f"{name}: {level} ({_CMS})"


def _time_rank(minutes: int, patient_type: PatientType) -> int | None:
    thresholds = TIME_THRESHOLDS[patient_type]
    met = [rank for rank, threshold in enumerate(thresholds) if minutes >= threshold]
    return met[-1] if met else None


def level_from_time(minutes: int, patient_type: PatientType) -> EmResult:
    """The E/M level from total time on the date of the encounter (CY2024+ minimums, met or exceeded)."""
    if minutes < 0:
        raise ValueError(f"time cannot be negative: {minutes}")
    rank = _time_rank(minutes, patient_type)
    thresholds = TIME_THRESHOLDS[patient_type]
    codes = MDM_CODES[patient_type]
    if rank is None:
        if patient_type == "established":
            return EmResult(
                code="99211",
                patient_type=patient_type,
                time_minutes=minutes,
                basis="minimal",
                reasoning=[
                    f"Time: {minutes} minutes is under the {thresholds[0]}-minute minimum for {codes[0]} (CY2024+)",
                    "99211: established patient, no MDM or time requirement",
                ],
            )
        return EmResult(
            code=codes[0],
            patient_type=patient_type,
            time_minutes=minutes,
            basis="time",
            supported=False,
            reasoning=[
                f"Time: {minutes} minutes is under the {thresholds[0]}-minute minimum for {codes[0]} (CY2024+); "
                f"{codes[0]} is the lowest new-patient level (99201 was deleted in 2021) — not supported, query"
            ],
        )
    code = codes[rank]
    reasoning = [
        f"Time: {minutes} minutes total on the date of the encounter ≥ {thresholds[rank]} "
        f"(CY2024+ minimum for {code}, met or exceeded) → {code}"
    ]
    if rank == 3:
        # CPT 99417 counts from 15 minutes past the top minimum; Medicare's G2212 from 15 minutes past
        # the top of the old range (new 89, established 69 minutes).  Noted, not coded here.
        cpt_from, medicare_from = (75, 89) if patient_type == "new" else (55, 69)
        if minutes >= cpt_from:
            reasoning.append(
                f"Prolonged service: {minutes} minutes may support an add-on (CPT 99417 from {cpt_from} minutes; "
                f"Medicare G2212 from {medicare_from}) — not assigned by this module"
            )
    return EmResult(
        code=code,
        patient_type=patient_type,
        mdm_level=None,
        time_minutes=minutes,
        basis="time",
        reasoning=reasoning,
    )


# --- extraction ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Item:
    start: int
    end: int


_ENUM_MARKER = re.compile(r"[ \t]*(?:#[ \t]*\d*[.):]?|\d{1,2}[.)]|[-*•])[ \t]+")


def _line_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    position = start
    while position < end:
        newline = text.find("\n", position, end)
        stop = end if newline == -1 else newline
        spans.append((position, stop))
        position = stop + 1
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t\r\n:-":
        start += 1
    while end > start and text[end - 1] in " \t\r\n":
        end -= 1
    return start, end


def _assessment_items(document: AnalyzedDocument, names: list[str]) -> list[_Item]:
    text = document.text
    items: list[_Item] = []
    for section in document.sections:
        if section.name not in names:
            continue
        body = section.start + len(section.title)
        lines = _line_spans(text, body, section.end)
        enumerated = [(s, e) for s, e in lines if _ENUM_MARKER.match(text, s, e)]
        if enumerated:
            for s, e in enumerated:
                marker = _ENUM_MARKER.match(text, s, e)
                assert marker is not None
                start, stop = _trim(text, marker.end(), e)
                if stop > start:
                    items.append(_Item(start, stop))
        else:
            for s, e in split_sentences(text, body, section.end):
                start, stop = _trim(text, s, e)
                if stop > start:
                    items.append(_Item(start, stop))
    return items


def _negated(
    compiled: _Compiled,
    document: AnalyzedDocument,
    clause_start: int,
    start: int,
    end: int,
    hypothetical_blocks: bool = True,
) -> bool:
    assertion = document.assess((start, end))
    if assertion.negated or assertion.family or (assertion.hypothetical and hypothetical_blocks):
        return True
    # ConText reads "no new problems" as a pseudo-cue; a negation word just before the cue in the
    # same clause still negates it here.
    return compiled.negation is not None and compiled.negation.search(document.text, clause_start, start) is not None


def _clause_start(text: str, lower: int, position: int) -> int:
    cut = max(text.rfind(mark, lower, position) for mark in (".", ";", "\n", ","))
    return lower if cut < lower else cut + 1


def _extract_problems(
    compiled: _Compiled, document: AnalyzedDocument
) -> tuple[ProblemLevel, str, list[ElementEvidence]]:
    rules = compiled.rules
    items = _assessment_items(document, rules.problem_sections)
    if not items:
        items = _assessment_items(document, rules.fallback_problem_sections)
    text = document.text
    counts: dict[str, int] = dict.fromkeys(_PROBLEM_RANK, 0)
    evidence: list[ElementEvidence] = []
    for item in items:
        if any(skip.match(text, item.start, item.end) for skip in compiled.skip):
            continue
        best: tuple[int, str, str, str] | None = None  # rank, category, cue text, why
        negated_only = False
        for pattern, cue in compiled.problems:
            for match in pattern.finditer(text, item.start, item.end):
                clause = _clause_start(text, item.start, match.start())
                if _negated(compiled, document, clause, match.start(), match.end()):
                    negated_only = True
                    continue
                rank = _PROBLEM_RANK[cue.category]
                if best is None or rank > best[0]:
                    best = (rank, cue.category, match.group(0), cue.why)
        if best is None:
            if negated_only:
                continue  # "no new problems", "denies worsening": nothing addressed
            category, reason = rules.default_problem_category, "no status or acuity cue: counted at the default"
        else:
            category, reason = best[1], f"'{best[2]}'"
        counts[category] += 1
        evidence.append(
            ElementEvidence(
                element="problems",
                level=category,
                text=text[item.start : item.end],
                start=item.start,
                end=item.end,
                reason=f"{_PROBLEM_WORDS[category][0]} ({reason})",
            )
        )
    level, rule = _problem_level(counts)
    parts = [
        f"{count} {_PROBLEM_WORDS[category][0 if count == 1 else 1]}"
        for category, count in sorted(counts.items(), key=lambda kv: -_PROBLEM_RANK[kv[0]])
        if count
    ]
    detail = (", ".join(parts) if parts else "no problem addressed") + (f" [{rule}]" if rule else "")
    return level, detail, evidence


def _problem_level(counts: dict[str, int]) -> tuple[ProblemLevel, str]:
    if counts["threat"] or counts["chronic_severe"]:
        return "high", "1+ severe exacerbation or threat to life or bodily function"
    if counts["chronic_exacerbation"] or counts["acute_complicated"]:
        return "moderate", "1+ chronic illness with exacerbation / undiagnosed new problem / acute systemic"
    if counts["chronic_stable"] >= 2:
        return "moderate", "2+ stable chronic illnesses"
    if counts["chronic_stable"] or counts["acute_uncomplicated"]:
        return "low", "1 stable chronic illness or 1 acute uncomplicated illness"
    if counts["self_limited"] >= 2:
        return "low", "2+ self-limited or minor problems"
    return "minimal", ""


def _section_allowed(document: AnalyzedDocument, offset: int, excluded: list[str]) -> bool:
    return document.section_at(offset).name not in excluded


def _extract_data(compiled: _Compiled, document: AnalyzedDocument) -> tuple[DataLevel, str, list[ElementEvidence]]:
    rules = compiled.rules
    text = document.text
    evidence: list[ElementEvidence] = []
    # category 1a/1b: unique tests ordered or reviewed (ordering includes reviewing the result,
    # so each unique test counts once)
    tests: dict[str, tuple[int, int]] = {}
    taken: list[tuple[int, int]] = []
    for pattern, test_id in compiled.tests:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue  # a longer name already covers it ("chest x-ray" over "x-ray")
            if not _section_allowed(document, start, rules.excluded_sections):
                continue
            sentence = document.sentence_at(start)
            in_results = document.section_at(start).name in rules.test_sections
            acted = compiled.test_action is not None and compiled.test_action.search(text, *sentence) is not None
            if not (in_results or acted):
                continue
            if _negated(compiled, document, _clause_start(text, sentence[0], start), start, end):
                continue
            taken.append((start, end))
            if test_id not in tests:
                tests[test_id] = (start, end)
                evidence.append(
                    ElementEvidence(
                        element="data",
                        level="unique_test",
                        text=text[start:end],
                        start=start,
                        end=end,
                        reason="unique test ordered or reviewed (category 1)",
                    )
                )
    found: dict[str, list[tuple[int, int]]] = {
        "external_notes": [],
        "independent_historian": [],
        "independent_interpretation": [],
        "discussion": [],
    }
    for pattern, cue in compiled.data:
        for match in pattern.finditer(text):
            start, end = match.span()
            if not _section_allowed(document, start, rules.excluded_sections):
                continue
            if any(start < e and s < end for spans in found.values() for s, e in spans):
                continue
            sentence = document.sentence_at(start)
            if _negated(compiled, document, _clause_start(text, sentence[0], start), start, end):
                continue
            found[cue.category].append((start, end))
            evidence.append(
                ElementEvidence(
                    element="data",
                    level=cue.category,
                    text=text[start:end],
                    start=start,
                    end=end,
                    reason=cue.why or cue.category.replace("_", " "),
                )
            )
    n_tests = len(tests)
    n_notes = len(found["external_notes"])  # one per statement: each is taken as one unique source
    historian = bool(found["independent_historian"])
    category1 = n_tests + n_notes + int(historian)
    categories = int(category1 >= 3) + int(bool(found["independent_interpretation"])) + int(bool(found["discussion"]))
    if categories >= 2:
        level: DataLevel = "extensive"
    elif categories == 1:
        level = "moderate"
    elif n_tests + n_notes >= 2 or historian:
        level = "limited"
    else:
        level = "minimal"
    parts = []
    if n_tests:
        parts.append(f"{n_tests} unique test{'s' if n_tests != 1 else ''} ordered/reviewed")
    if n_notes:
        parts.append(f"{n_notes} external note source{'s' if n_notes != 1 else ''}")
    if historian:
        parts.append("independent historian")
    if found["independent_interpretation"]:
        parts.append("independent interpretation of a test")
    if found["discussion"]:
        parts.append("discussion with external physician/QHP")
    detail = ", ".join(parts) if parts else "none documented"
    if level in ("moderate", "extensive"):
        detail += f" [{categories} of 3 categories met]"
    return level, detail, evidence


def _extract_risk(compiled: _Compiled, document: AnalyzedDocument) -> tuple[RiskLevel, str, list[ElementEvidence]]:
    rules = compiled.rules
    text = document.text
    has_plan = any(section.name in rules.risk_sections for section in document.sections)
    evidence: list[ElementEvidence] = []
    best = 0
    best_reason = ""
    seen: list[tuple[int, int]] = []
    for pattern, cue in compiled.risk:
        for match in pattern.finditer(text):
            start, end = match.span()
            section = document.section_at(start).name
            if has_plan and section not in rules.risk_sections:
                continue
            if section in rules.excluded_sections:
                continue
            if any(start < e and s < end for s, e in seen):
                continue
            assertion = document.assess((start, end))
            sentence = document.sentence_at(start)
            if assertion.historical and section not in rules.risk_sections:
                continue
            # "as needed" is hypothetical to ConText but a PRN prescription is still managed; only
            # a conditional high-risk cue ("if worse, go to the ED": return precautions) is no decision
            hypothetical_blocks = cue.category == "high"
            clause = _clause_start(text, sentence[0], start)
            if _negated(compiled, document, clause, start, end, hypothetical_blocks):
                continue
            level = cue.category
            reason = cue.why or f"{level} risk"
            if level == "moderate" and compiled.otc is not None and compiled.otc.search(text, start, end):
                level, reason = "low", "over-the-counter drug (low)"
            seen.append((start, end))
            rank = RISK_LEVELS.index(level)
            evidence.append(
                ElementEvidence(element="risk", level=level, text=text[start:end], start=start, end=end, reason=reason)
            )
            if rank > best:
                best, best_reason = rank, f"'{text[start:end]}': {reason}"
    level_name: RiskLevel = RISK_LEVELS[best]  # type: ignore[assignment]
    detail = best_reason or "no management risk documented beyond minimal"
    return level_name, detail, evidence


def _extract_time(compiled: _Compiled, document: AnalyzedDocument) -> tuple[int | None, ElementEvidence | None]:
    text = document.text
    best: tuple[int, int, int, int] | None = None  # minutes, start, end, pattern index
    for index, pattern in enumerate(compiled.time):
        for match in pattern.finditer(text):
            minutes = int(match.group("minutes"))
            # a statement of total time wins; among equals, the larger total (the whole day's time)
            if best is None or (index, -minutes) < (best[3], -best[0]):
                best = (minutes, match.start(), match.end(), index)
    if best is None:
        return None, None
    minutes, start, end, _ = best
    return minutes, ElementEvidence(
        element="time",
        level=str(minutes),
        text=text[start:end],
        start=start,
        end=end,
        reason="total practitioner time on the date of the encounter",
    )


def extract_elements(
    document_id: str, text: str, rules: EmRules | None = None
) -> tuple[MdmElements, int | None, ElementEvidence | None]:
    """The MDM elements, the total time in minutes (or None) and its evidence, read from a note."""
    compiled = _default_compiled() if rules is None else _compile(rules)
    document = analyze(document_id, text)
    problems, problems_detail, problem_evidence = _extract_problems(compiled, document)
    data, data_detail, data_evidence = _extract_data(compiled, document)
    risk, risk_detail, risk_evidence = _extract_risk(compiled, document)
    minutes, time_evidence = _extract_time(compiled, document)
    elements = MdmElements(
        problems=problems,
        data=data,
        risk=risk,
        problems_detail=problems_detail,
        data_detail=data_detail,
        risk_detail=risk_detail,
        evidence=[*problem_evidence, *data_evidence, *risk_evidence],
        document_id=document_id,
    )
    return elements, minutes, time_evidence


def assess_note(document_id: str, text: str, patient_type: PatientType, rules: EmRules | None = None) -> EmResult:
    """The office / outpatient E/M level of one note: MDM and time both read, the higher reported."""
    if patient_type not in MDM_CODES:
        raise ValueError(f"patient_type must be 'new' or 'established', not {patient_type!r}")
    elements, minutes, time_evidence = extract_elements(document_id, text, rules)
    mdm_documented = bool(elements.evidence)
    mdm = level_from_mdm(elements, patient_type) if mdm_documented else None
    timed = level_from_time(minutes, patient_type) if minutes is not None else None
    time_rank = _time_rank(minutes, patient_type) if minutes is not None else None
    time_items = (
        [
            Evidence(
                document_id=document_id,
                start=time_evidence.start,
                end=time_evidence.end,
                text=time_evidence.text,
                supports=f"time: {time_evidence.reason}",
            )
        ]
        if time_evidence is not None
        else []
    )

    if mdm is None and time_rank is None:
        reasoning = ["Problems: no problem addressed, no data or management risk documented"]
        if timed is not None:
            reasoning.extend(timed.reasoning)
        if patient_type == "established":
            reasoning.append("99211: established patient, no MDM or time requirement (may not need physician presence)")
            return EmResult(
                code="99211",
                patient_type=patient_type,
                time_minutes=minutes,
                basis="minimal",
                reasoning=reasoning,
                evidence=time_items,
                elements=elements,
            )
        reasoning.append("99202 is the lowest new-patient level (99201 was deleted in 2021): not supported, query")
        return EmResult(
            code="99202",
            patient_type=patient_type,
            time_minutes=minutes,
            basis="minimal",
            supported=False,
            reasoning=reasoning,
            evidence=time_items,
            elements=elements,
        )

    if mdm is not None and (time_rank is None or MDM_CODES[patient_type].index(mdm.code) >= time_rank):
        result = mdm
        if timed is not None:
            result.reasoning.extend(timed.reasoning)
            why = "equal to" if time_rank == MDM_CODES[patient_type].index(mdm.code) else "higher than"
            if time_rank is None:
                why = "the only level supported; time is under the lowest minimum"
                result.reasoning.append(f"Chosen: MDM ({mdm.code}) — {why}")
            else:
                result.reasoning.append(
                    f"Chosen: MDM ({mdm.code}) is {why} time ({timed.code}); either may be used, the higher is reported"
                )
        result.time_minutes = minutes
        result.evidence.extend(time_items)
        return result

    assert timed is not None
    reasoning = list(mdm.reasoning) if mdm is not None else ["MDM: no MDM elements documented"]
    reasoning.extend(timed.reasoning)
    if mdm is not None:
        reasoning.append(
            f"Chosen: time ({timed.code}) is higher than MDM ({mdm.code}); either may be used, the higher is reported"
        )
    else:
        reasoning.append(f"Chosen: time ({timed.code}) — no MDM documented")
    return EmResult(
        code=timed.code,
        patient_type=patient_type,
        mdm_level=mdm.mdm_level if mdm is not None else None,
        time_minutes=minutes,
        basis="time",
        reasoning=reasoning,
        evidence=[*(mdm.evidence if mdm is not None else []), *time_items],
        elements=elements,
    )
