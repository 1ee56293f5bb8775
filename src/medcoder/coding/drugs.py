"""Poisoning, adverse effect and underdosing from the Table of Drugs and Chemicals (OCG I.C.19.e).

A coder reads a sentence that names a drug or other substance and asks what happened with it:

- **poisoning** -- an overdose, the wrong substance or dose, a drug taken in error or with alcohol
  (I.C.19.e.5.b): the Table's poisoning column for the documented intent -- accidental (6th character
  1) unless the record says intentional self-harm (2), assault (3) or that the intent cannot be
  determined (4); an unknown intent is accidental.  The poisoning code comes first, then its
  manifestations; the intent is in the code, so no external cause code is needed for T36-T50.
- **adverse effect** of a drug correctly prescribed and properly administered (I.C.19.e.5.a): the
  nature of the effect first (the drug-induced form of it where the classification has one:
  hypotension due to drugs I95.2), then the Table's adverse-effect code (5); T88.7 when the effect
  is a drug reaction not otherwise specified.
- **underdosing** -- less taken than prescribed, or stopped on the patient's own initiative
  (I.C.19.e.5.c): the Table's underdosing code (6) after the condition, with the noncompliance code
  (Z91.12- / Z91.13- / Z91.14-) that says why, when the record says so.

Drug names are the Table's own substance names (and its "see" references, and the few synonyms of
``data/drug_intent.json``), matched as whole words, case-insensitive; the most specific entry wins
("acetaminophen", not "analgesic"; "carbon monoxide, kerosene" when the sentence says kerosene).  A
drug in the medication or allergy list, or given as treatment ("requiring naloxone"), is not the
substance of an event; negated, hypothetical, family and past mentions are never coded.  The cue
vocabulary is data (``data/drug_intent.json``, each list naming its source).

Without the Table of Drugs installed (the bundled release has none) the rule does nothing.
"""

from __future__ import annotations

import re
import sqlite3
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Registered first, so this rule works on what those rules leave (whatever order the engine
# imports the rule modules in).
from medcoder.coding import specificity, statements  # noqa: F401
from medcoder.coding.candidates import Candidate, Mention
from medcoder.coding.guidelines import Context, _drop, rule
from medcoder.errors import MedcoderError
from medcoder.extract.prefilter import WordStartScanner

__all__ = [
    "RULE_ID",
    "SEQUENCE_RULE_ID",
    "DrugIntentData",
    "DrugTable",
    "drug_table",
    "intent_data",
]

RULE_ID = "ocg.I.C.19.e.drugs.v1"
SEQUENCE_RULE_ID = "ocg.I.C.19.e.sequence.v1"

# --- the cue vocabulary (data/drug_intent.json) -----------------------------------------------------

Meaning = Literal[
    "poisoning",
    "poisoning_error",
    "poisoning_weak",
    "toxicity",
    "adverse",
    "reaction",
    "as_prescribed",
    "self_harm",
    "assault",
    "undetermined",
    "accidental",
    "intent_unknown",
    "underdosing",
    "underdosing_weak",
    "financial",
    "intentional",
    "unintentional",
    "age_related",
    "treatment",
    "other_use",
    "discussion",
]


class CueGroup(BaseModel):
    """One list of cues: what they mean, where the drug must be, and the guideline they come from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=1)
    meaning: Meaning
    drug: Literal["sentence", "after", "before", "near"] = "sentence"
    assess: bool = True  # read the cue's own assertion (a negated "overdose" is no overdose)
    patterns: list[str] = Field(min_length=1)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            if not pattern.strip():
                raise ValueError("empty pattern")
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"pattern {pattern!r}: {error}") from error
        return patterns

    def regex(self) -> re.Pattern[str]:
        return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in self.patterns) + r")\b", re.IGNORECASE)


class WordList(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=1)
    words: list[str] = Field(min_length=1)


class Ambiguous(WordList):
    next: list[str] = Field(min_length=1)  # the words that make it a substance when they follow it


class Synonym(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    words: list[str] = Field(min_length=1)
    entry: str = Field(min_length=1)  # a Table of Drugs path ("Alcohol, beverage")
    source: str = Field(min_length=1)


class DrugInduced(BaseModel):
    """A manifestation code and its drug-induced form, used for adverse effects only."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    codes: list[str] = Field(min_length=1)
    to: str
    localized: str | None = None  # the form for a localized eruption (L27.1)
    unless: list[str] = Field(default_factory=list)  # not when one of these categories is coded
    source: str = Field(min_length=1)


class Noncompliance(BaseModel):
    """The FY2026 noncompliance codes for the intent of an underdosing (Z91.12- to Z91.14-)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=1)
    financial: str
    intentional: str
    unintentional_age: str
    unintentional: str
    unspecified: str


class SubtermWords(BaseModel):
    """Words a note uses for a Table of Drugs subterm's own words ("car" for "motor vehicle exhaust
    gas"), read only to pick the subterm of a substance the sentence already names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    words: list[str] = Field(min_length=1)
    means: list[str] = Field(min_length=1)  # the subterm's words they stand for
    source: str = Field(min_length=1)


class DrugIntentData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    about: str
    version: str
    max_gap: int = Field(ge=0, le=10)
    fillers: WordList
    cues: dict[str, CueGroup]
    synonyms: list[Synonym]
    not_substances: WordList
    ambiguous: Ambiguous
    skip_sections: WordList
    drug_induced: list[DrugInduced]
    noncompliance: Noncompliance
    subterm_words: list[SubtermWords] = Field(default_factory=list)


@lru_cache(maxsize=1)
def intent_data() -> DrugIntentData:
    """The packaged cue vocabulary, validated."""
    from medcoder.extract.rulefiles import load_rule_file

    return load_rule_file(None, "drug_intent.json", DrugIntentData, "drug intent cues")


@dataclass(frozen=True, slots=True)
class _Cues:
    groups: tuple[tuple[str, CueGroup, re.Pattern[str]], ...]
    fillers: frozenset[str]
    skip_sections: frozenset[str]
    ambiguous: frozenset[str]
    ambiguous_next: frozenset[str]
    scanner: WordStartScanner  # every group's regex, tried only at the words it can start at


@lru_cache(maxsize=1)
def _cues() -> _Cues:
    data = intent_data()
    groups = tuple((name, group, group.regex()) for name, group in data.cues.items())
    return _Cues(
        groups=groups,
        fillers=frozenset(_norm(w) for w in data.fillers.words),
        skip_sections=frozenset(data.skip_sections.words),
        ambiguous=frozenset(_norm(w) for w in data.ambiguous.words),
        ambiguous_next=frozenset(_norm(w) for w in data.ambiguous.next),
        scanner=WordStartScanner([regex for _, _, regex in groups]),
    )


# --- words ------------------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z0-9]+")
_PARENS = re.compile(r"\([^)]*\)")
_NEC = re.compile(r"\bNEC\b")


def _norm(word: str) -> str:
    """Lower case, a plural ``s`` taken off (opioids / opioid, benzodiazepines / benzodiazepine)."""
    w = word.lower()
    if len(w) > 4 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


@dataclass(frozen=True, slots=True)
class _Word:
    norm: str
    raw: str
    start: int
    end: int


def _words(text: str, start: int, end: int) -> list[_Word]:
    return [
        _Word(_norm(m.group()), m.group(), start + m.start(), start + m.end()) for m in _WORD.finditer(text[start:end])
    ]


def _title_words(title: str) -> list[str]:
    return _WORD.findall(_NEC.sub(" ", _PARENS.sub(" ", title)))


# --- the Table of Drugs of one release ------------------------------------------------------------------


def _column_key(heading: str) -> str | None:
    h = heading.lower()
    if "adverse" in h:
        return "adverse"
    if "underdos" in h:
        return "underdosing"
    if "accidental" in h:
        return "accidental"
    if "self-harm" in h or "self harm" in h:
        return "self_harm"
    if "assault" in h:
        return "assault"
    if "undetermined" in h:
        return "undetermined"
    return None


@dataclass(slots=True)
class Substance:
    """One entry of the Table: its path of titles and its code in each column (6 characters)."""

    path: str
    level: int
    codes: dict[str, str] = field(default_factory=dict)  # column key -> code
    headings: dict[str, str] = field(default_factory=dict)  # column key -> the heading as printed
    words: tuple[str, ...] = ()  # the entry's own title words (normalised), for subterm refinement


@dataclass(frozen=True, slots=True)
class _Name:
    tokens: tuple[str, ...]
    path: str
    exact_case: bool  # an acronym of the Table (LSD, INH): matched upper-case only
    ambiguous: bool  # an ordinary word too: a substance only before a poisoning word


@dataclass(frozen=True, slots=True)
class Found:
    """A substance named in a sentence."""

    substance: Substance
    start: int
    end: int
    first: int  # index of its first word in the sentence's words
    last: int  # index of its last word


# Subterm words that do not say which entry it is ("exhaust gas, not in transit").
_QUALIFIERS = frozenset(
    {"not", "in", "transit", "any", "specified", "other", "type", "with", "and", "or", "of", "the", "for", "by"}
    | {"from", "use", "used", "as", "a", "an", "to", "on", "nec"}
)


class DrugTable:
    """The Table of Drugs and Chemicals of one release as a whole-word name matcher."""

    def __init__(self, release_id: str, rows: list[tuple], data: DrugIntentData) -> None:
        self.release_id = release_id
        self.substances: dict[str, Substance] = {}
        self.children: dict[str, list[str]] = {}
        aliases: list[tuple[str, str]] = []  # (alias title, target path) from "see" references
        stack: list[str] = []
        titles: dict[str, list[str]] = {}
        for path, code, heading, see, level in rows:
            level = int(level or 0)
            del stack[level:]
            parent = stack[-1] if stack else None
            if path not in titles:
                if parent is not None and path.startswith(parent + ", "):
                    own = path[len(parent) + 2 :]
                    titles[path] = [*titles.get(parent, [parent]), own]
                    self.children.setdefault(parent, []).append(path)
                else:
                    titles[path] = [path]
            stack.append(path)
            key = _column_key(heading) if heading else None
            if code and key:
                sub = self.substances.get(path)
                if sub is None:
                    own_words = tuple(_norm(w) for w in _title_words(titles[path][-1]))
                    sub = self.substances[path] = Substance(path, level, words=own_words)
                sub.codes.setdefault(key, code.rstrip("-").rstrip("."))
                sub.headings.setdefault(key, heading)
            elif see and level == 0:
                aliases.append((path, see))
        self._lower = {p.lower().replace(",", ""): p for p in self.substances}
        self.names: dict[str, list[_Name]] = {}
        skip = {_norm(w) for w in data.not_substances.words}
        ambiguous = {_norm(w) for w in data.ambiguous.words}
        seen: dict[tuple[str, ...], int] = {}  # tokens -> level of the entry that holds them
        for path, sub in self.substances.items():
            parts = titles[path]
            forms = [parts] if len(parts) == 1 else [parts, parts[::-1]]
            if len(parts) == 1 and parts[0].count(", ") == 1:  # "Blockers, calcium channel"
                a, b = parts[0].split(", ")
                forms = [[a, b], [b, a]]
            for form in forms:
                self._add_name(form, path, sub.level, skip, ambiguous, seen)
        for alias, target in aliases:
            resolved = self._resolve(target)
            if resolved is not None:
                self._add_name([alias], resolved, 0, skip, ambiguous, seen)
        for synonym in data.synonyms:  # the curated synonyms win over any Table name they share
            resolved = self._resolve(synonym.entry)
            if resolved is None:
                continue
            for words in synonym.words:
                self._add_name([words], resolved, -1, set(), set(), seen, force=True)
        for names in self.names.values():
            names.sort(key=lambda n: -len(n.tokens))
        # what a sentence must hold to name anything: a one-word name, or a longer name's first
        # two words ("of", "and", "a" begin longer names only)
        self._single: frozenset[str] = frozenset(
            first for first, names in self.names.items() if any(len(n.tokens) == 1 for n in names)
        )
        self._pairs: frozenset[tuple[str, str]] = frozenset(
            n.tokens[:2] for names in self.names.values() for n in names if len(n.tokens) > 1
        )

    def may_name(self, norms: list[str]) -> bool:
        """Could :meth:`find` find a name in a sentence of these normalised words?  (False: it
        cannot; True: it may.)"""
        if not self._single.isdisjoint(norms):
            return True
        pairs = self._pairs
        return any(pair in pairs for pair in pairwise(norms))

    def _resolve(self, target: str) -> str | None:
        """A "see" target or synonym entry as a Table path (``Fluoxetine hydrochloride`` is
        ``Fluoxetine``; case and commas do not matter)."""
        if target in self.substances:
            return target
        lowered = target.lower().replace(",", "")
        if lowered in self._lower:
            return self._lower[lowered]
        first = target.split(",")[0].split(" ")[0].lower()
        return self._lower.get(first)

    def _add_name(
        self,
        parts: list[str],
        path: str,
        level: int,
        skip: set[str],
        ambiguous: set[str],
        seen: dict[tuple[str, ...], int],
        force: bool = False,
    ) -> None:
        raw = [w for part in parts for w in _title_words(part)]
        if not raw:
            return
        tokens = tuple(_norm(w) for w in raw)
        acronym = raw[0].isupper() and len(raw[0]) >= 2 and tokens[0] not in skip
        if len(tokens) == 1 and (tokens[0] in skip or len(tokens[0]) < 3) and not acronym:
            return
        if not force and seen.get(tokens, 99) <= level:
            return  # a shallower entry (the main term) holds this name
        exact = len(raw) == 1 and raw[0].isupper() and len(raw[0]) <= 5 and not force
        name = _Name(tokens, path, exact, len(tokens) == 1 and tokens[0] in ambiguous)
        bucket = self.names.setdefault(tokens[0], [])
        bucket[:] = [n for n in bucket if n.tokens != tokens]
        bucket.append(name)
        seen[tokens] = level

    def find(self, words: list[_Word], next_words: frozenset[str]) -> list[Found]:
        """The substances a sentence names, longest names first, without overlaps."""
        found: list[Found] = []
        norms = [w.norm for w in words]
        i = 0
        while i < len(words):
            best = None
            for name in self.names.get(norms[i], ()):
                n = len(name.tokens)
                if i + n > len(words) or tuple(norms[i : i + n]) != name.tokens:
                    continue
                if name.exact_case and not words[i].raw.isupper():
                    continue
                if name.ambiguous and not (i + 1 < len(words) and words[i + 1].norm in next_words):
                    continue
                best = name
                break
            if best is None:
                i += 1
                continue
            n = len(best.tokens)
            found.append(Found(self.substances[best.path], words[i].start, words[i + n - 1].end, i, i + n - 1))
            i += n
        return found

    def refine(self, substance: Substance, norms: set[str], column: str) -> Substance:
        """The most specific subterm the sentence documents ("carbon monoxide" + "kerosene" ->
        "Carbon, monoxide, kerosene"), when it has a code in ``column``."""
        current = substance
        while True:
            best, best_size = None, 0
            for child_path in self.children.get(current.path, ()):
                child = self.substances.get(child_path)
                if child is None or column not in child.codes:
                    continue
                significant = [w for w in child.words if w not in _QUALIFIERS]
                documented = bool(significant) and all(w in norms for w in significant)
                if documented and (best is None or len(significant) > best_size):
                    best, best_size = child, len(significant)
            if best is None:
                return current
            current = best


_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # kb -> {release id: DrugTable | None}
_TABLES_BY_ID: dict[tuple, DrugTable | None] = {}  # for knowledge bases that cannot be weakly referenced


def drug_table(kb, release_id: str) -> DrugTable | None:
    """The release's Table of Drugs (built once per knowledge base and release), or ``None`` where
    it is not installed."""
    try:
        per_kb = _TABLES.setdefault(kb, {})
    except TypeError:
        per_kb = None
    key = (id(kb), release_id)
    if per_kb is not None and release_id in per_kb:
        return per_kb[release_id]
    if per_kb is None and key in _TABLES_BY_ID:
        return _TABLES_BY_ID[key]
    try:
        rows = kb.query(
            "SELECT path, code, col, see, level FROM cm_index WHERE release_id = ? AND kind = 'drug' ORDER BY ord",
            (release_id,),
        )
    except (sqlite3.Error, MedcoderError):  # a knowledge base without the index tables has no Table of Drugs
        rows = []
    table = DrugTable(release_id, rows, intent_data()) if rows else None
    if per_kb is not None:
        per_kb[release_id] = table
    else:
        _TABLES_BY_ID[key] = table
    return table


# --- reading the sentences ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cue:
    name: str
    meaning: str
    drug: str  # sentence | after | before | near
    start: int
    end: int
    text: str
    uncertain: bool = False


@dataclass(slots=True)
class _Event:
    kind: str  # poisoning | adverse | underdosing
    column: str  # the Table column key
    substance: Substance
    found: Found
    document: object
    sentence: tuple[int, int]
    cues: list[_Cue]
    intent_cue: _Cue | None
    uncertain: bool
    reaction: bool = False
    noncompliance: str | None = None
    noncompliance_cue: _Cue | None = None
    episode: str | None = None


# the intents a record documents, in the order they decide (an unknown intent is accidental)
POISONING_INTENTS = ("undetermined", "self_harm", "assault", "accidental", "intent_unknown")
INTENT_WORDS = {
    "accidental": "accidental (unintentional)",
    "self_harm": "intentional self-harm",
    "assault": "assault",
    "undetermined": "undetermined",
}


def _live(assertion) -> bool:
    return not (assertion.negated or assertion.family or assertion.hypothetical or assertion.historical)


DOC_LEVEL = frozenset(
    {"poisoning", "poisoning_error", "self_harm", "assault", "undetermined", "intent_unknown", "underdosing"}
    | {"as_prescribed"}
    | {"financial", "intentional", "unintentional", "age_related"}
)


_RawCue = tuple[str, CueGroup, int, int, tuple[int, int]]


def _raw_cues(document, cues: _Cues) -> list[_RawCue]:
    """Every cue match of the document (group by group, left to right) with its sentence, before
    any check: (group name, group, start, end, sentence)."""
    raw: list[_RawCue] = []
    for (name, group, _regex), matches in zip(cues.groups, cues.scanner.finditer(document.text), strict=True):
        for m in matches:
            start, end = m.span()
            if end <= start:
                continue
            raw.append((name, group, start, end, document.sentence_at(start)))
    return raw


def _document_cues(
    document, cues: _Cues, drug_sentences: set[tuple[int, int]], raw: list[_RawCue]
) -> dict[tuple[int, int], list[_Cue]]:
    """The cues of the document asserted for the patient now, by sentence: every cue of a sentence
    that names a drug, and the cues that speak for the whole note (intent, a poisoning, an
    underdosing and its reason) wherever they are.  ``raw``: the document's :func:`_raw_cues`."""
    by_sentence: dict[tuple[int, int], list[_Cue]] = {}
    text = document.text
    for name, group, start, end, sentence in raw:
        if sentence not in drug_sentences and group.meaning not in DOC_LEVEL:
            continue
        if document.section_at(start).name in cues.skip_sections:
            continue
        uncertain = False
        if group.assess:
            assertion = document.assess((start, end))
            if not _live(assertion):
                continue
            uncertain = assertion.uncertain
        by_sentence.setdefault(sentence, []).append(
            _Cue(name, group.meaning, group.drug, start, end, text[start:end], uncertain)
        )
    return by_sentence


def _adjacent(cue: _Cue, found: Found, words: list[_Word], fillers: frozenset[str], max_gap: int) -> bool:
    """Does the cue govern the drug: anywhere in the sentence, or right after (before) the cue with
    only filler words between ("overdose of her prescribed zolpidem", "lisinopril-induced")?"""
    if cue.drug == "sentence":
        return True
    if cue.drug in ("after", "near") and found.start >= cue.end:
        between = [w for w in words if cue.end <= w.start and w.end <= found.start]
    elif cue.drug in ("before", "near") and found.end <= cue.start:
        between = [w for w in words if found.end <= w.start and w.end <= cue.start]
    else:
        return False
    return len(between) <= max_gap and all(w.norm in fillers or w.norm.isdigit() for w in between)


OWNED = frozenset({"his", "her", "their", "my", "prescribed", "home", "usual", "maintenance"})


def _owned(found: Found, words: list[_Word]) -> bool:
    """ "his metoprolol", "her prescribed phenytoin": the patient's own medication."""
    i = found.first - 1
    while i >= 0 and found.first - i <= 3 and words[i].norm in OWNED | {"daily", "oral", "dose", "usual"}:
        if words[i].norm in OWNED:
            return True
        i -= 1
    return False


def _pick_intent(cues: list[_Cue]) -> _Cue | None:
    for meaning in POISONING_INTENTS:  # documented undetermined, then self-harm, assault, accidental
        for cue in cues:
            if cue.meaning == meaning:
                return cue
    return None


def _noncompliance(cues: list[_Cue], data: Noncompliance) -> tuple[str, _Cue | None]:
    meanings = {c.meaning: c for c in cues}
    if "financial" in meanings:
        return data.financial, meanings["financial"]
    if "intentional" in meanings:
        return data.intentional, meanings["intentional"]
    if "unintentional" in meanings:
        if "age_related" in meanings:
            return data.unintentional_age, meanings["unintentional"]
        return data.unintentional, meanings["unintentional"]
    return data.unspecified, None


POISONING = frozenset({"poisoning", "poisoning_error"})
REASONS = frozenset({"financial", "intentional", "unintentional"})


def _kind(kinds: set[str], meanings: set[str], doc_meanings: set[str], intent: bool, owned: bool) -> str | None:
    """What the cues that govern a drug (``kinds``) make of it, with the rest of its sentence
    (``meanings``) and of the note (``doc_meanings``): poisoning before underdosing before adverse
    effect (an overdose of a prescribed drug is a poisoning, OCG I.C.19.e.5.b)."""
    corroborated = intent or bool(doc_meanings & POISONING)
    if kinds & POISONING or ("poisoning_weak" in kinds and corroborated):
        return "poisoning"
    if "toxicity" in kinds:
        # the Index sends "toxicity" to poisoning or adverse effect by what the record says
        if intent or meanings & POISONING:
            return "poisoning"
        if "discussion" in meanings:
            return None
        return "adverse" if "as_prescribed" in meanings | doc_meanings else None
    if "underdosing" in kinds:
        return "underdosing"
    if "underdosing_weak" in kinds and (owned or "underdosing" in doc_meanings or meanings & REASONS):
        return "underdosing"
    if kinds & {"adverse", "reaction"} and "discussion" not in meanings:
        return "adverse"  # side effects explained or warned about are counseling, not an adverse effect
    return None


def _events(analyzed, table: DrugTable, setting: str) -> list[_Event]:
    cues = _cues()
    data = intent_data()
    events: list[_Event] = []
    for document in analyzed.documents:
        # a drug counts only with a cue in its sentence: read the cues first, and look for drugs
        # only in the sentences that have one (most have none)
        raw = _raw_cues(document, cues)
        cued = {sentence for *_, sentence in raw}
        named: dict[tuple[int, int], tuple[list[_Word], list[Found]]] = {}
        text = document.text
        for sentence in document.sentences:
            if sentence not in cued:
                continue
            if document.section_at(sentence[0]).name in cues.skip_sections:
                continue  # the medication and allergy lists, past and family history, the plan
            if not table.may_name([_norm(w) for w in _WORD.findall(text, *sentence)]):
                continue  # no words a substance's name begins with
            words = _words(text, *sentence)
            drugs = table.find(words, cues.ambiguous_next)
            if drugs:
                named[sentence] = (words, drugs)
        if not named:
            continue
        by_sentence = _document_cues(document, cues, set(named), raw)
        all_cues = [c for found in by_sentence.values() for c in found]
        doc_meanings = {c.meaning for c in all_cues}
        # intents that speak for the whole note ("REASON FOR ADMISSION: Suicide attempt.")
        doc_intents = [c for c in all_cues if c.meaning in ("undetermined", "self_harm", "assault", "intent_unknown")]
        for sentence, (words, drugs) in named.items():
            sentence_cues = by_sentence.get(sentence, [])
            if not sentence_cues:
                continue
            meanings = {c.meaning for c in sentence_cues}
            norms = {w.norm for w in words}
            for found in drugs:
                linked = [c for c in sentence_cues if _adjacent(c, found, words, cues.fillers, data.max_gap)]
                if any(c.meaning == "other_use" for c in linked):
                    continue  # "drug interaction", "opioid use": the word names something else
                guarded = any(c.meaning == "treatment" for c in linked)
                if guarded and "poisoning_error" not in meanings:
                    continue  # given as treatment, or a current medication
                assertion = document.assess((found.start, found.end))
                if not _live(assertion):
                    continue
                kinds = {c.meaning for c in linked}
                intents = [c for c in sentence_cues if c.meaning in POISONING_INTENTS]
                kind = _kind(kinds, meanings, doc_meanings, bool(intents or doc_intents), owned=_owned(found, words))
                if kind is None:
                    continue
                used = [c for c in linked if c.meaning not in ("treatment",)]
                uncertain = assertion.uncertain or any(c.uncertain for c in used)
                if uncertain and setting != "inpatient":
                    continue  # OCG IV.H: an uncertain diagnosis is not coded for an outpatient
                event = _Event(kind, "", found.substance, found, document, sentence, used, None, uncertain)
                if kind == "poisoning":
                    intent = _pick_intent(intents) or _pick_intent(doc_intents)
                    event.intent_cue = intent
                    event.column = intent.meaning if intent is not None else "accidental"
                    if event.column == "intent_unknown":
                        event.column = "accidental"
                elif kind == "adverse":
                    event.column = "adverse"
                    # a drug reaction or toxicity whose nature is not stated is T88.7 (OCG I.C.19.e.5.a)
                    event.reaction = bool(kinds & {"reaction", "toxicity"})
                else:
                    event.column = "underdosing"
                    mine = [c for c in sentence_cues if c.meaning in ("financial", "intentional", "unintentional")]
                    pool = mine or [c for c in all_cues if c.meaning in ("financial", "intentional", "unintentional")]
                    pool += [c for c in all_cues if c.meaning == "age_related"]
                    event.noncompliance, event.noncompliance_cue = _noncompliance(pool, data.noncompliance)
                refined = table.refine(found.substance, norms | _subterm_words(words, data), event.column)
                if event.column not in refined.codes:
                    continue  # no code in that column (a toxic substance has no adverse effect)
                event.substance = refined
                attrs = document.attributes((found.start, found.end))
                event.episode = attrs.episode
                events.append(event)
    return events


def _subterm_words(words: list[_Word], data: DrugIntentData) -> set[str]:
    """The Table words a sentence's own words stand for (``data.subterm_words``: "car" -> motor
    vehicle exhaust gas), for choosing the subterm of the substance it names."""
    norms = [w.norm for w in words]
    text = " " + " ".join(norms) + " "
    out: set[str] = set()
    for group in data.subterm_words:
        if any(f" {' '.join(_norm(x) for x in phrase.split())} " in text for phrase in group.words):
            out.update(_norm(w) for w in group.means)
    return out


def _unspecified(code: str, index) -> bool:
    node = index.get(code)
    return node is not None and "unspecified" in node.description.lower()


# --- the rule ---------------------------------------------------------------------------------------------


DRUG_CATEGORIES = tuple(f"T{n}" for n in range(36, 51))  # drugs, medicaments and biological substances
TOXIC_CATEGORIES = tuple(f"T{n}" for n in range(51, 66))  # toxic effects of nonmedicinal substances
NONCOMPLIANCE = ("Z91.12", "Z91.13", "Z91.14")


def _plain(code: str) -> str:
    return code.replace(".", "")


def _drug_kind(code: str) -> str | None:
    """poisoning | adverse | underdosing for a Table of Drugs code (T36-T65), else ``None``."""
    if code.startswith(TOXIC_CATEGORIES):
        return "poisoning"
    if not code.startswith(DRUG_CATEGORIES):
        return None
    plain = _plain(code)
    sixth = plain[5] if len(plain) > 5 else ""
    return {"1": "poisoning", "2": "poisoning", "3": "poisoning", "4": "poisoning", "5": "adverse"}.get(
        sixth, "underdosing" if sixth == "6" else None
    )


def _confidence(sections: list[str]) -> float:
    from medcoder.coding.features import SECTION_CONFIDENCE

    best = max((SECTION_CONFIDENCE.get(s, 0.7) for s in sections), default=0.7)
    return round(min(0.95, max(0.75, best)), 4)


def _mention(document, start: int, end: int, term: str, uncertain: bool, cues: list[_Cue]) -> Mention:
    section = document.section_at(start)
    return Mention(
        document_id=document.document_id,
        start=start,
        end=end,
        text=document.text[start:end],
        source="drug",
        term=term,
        score=1.0,
        section=section.name,
        uncertain=uncertain,
        cues=tuple(f"{c.meaning}: {c.text!r}" for c in cues),
        words=len(_WORD.findall(document.text[start:end])),
        section_title=section.title,
    )


def _add(
    cands: list[Candidate],
    added: dict[str, Candidate],
    code: str,
    mention: Mention,
    steps: list[str],
    confidence: float,
    matched: str,
) -> Candidate:
    """Report ``code`` (a new candidate, or one the note's words already gave) with this evidence."""
    cand = added.get(code) or next((c for c in cands if c.code == code), None)
    if cand is None:
        cand = Candidate(code)
        cands.append(cand)
    added[code] = cand
    cand.matched.add(matched)
    if not any(m.document_id == mention.document_id and m.start == mention.start for m in cand.mentions):
        cand.mentions.append(mention)
    cand.steps.extend(s for s in steps if s not in cand.steps)
    if RULE_ID not in cand.rules:
        cand.rules.append(RULE_ID)
    cand.confidence = max(cand.confidence, confidence)
    return cand


def _in_sentence(cand: Candidate, document_id: str, sentence: tuple[int, int]) -> bool:
    return any(
        m.document_id == document_id and sentence[0] <= m.start < sentence[1] and not (m.negated or m.family)
        for m in cand.mentions
    )


def _is_manifestation(code: str) -> bool:
    return _drug_kind(code) is None and not code.startswith(("Z", "V", "W", "X", "Y", "T14.91"))


@rule(
    RULE_ID,
    "I.C.19.e (poisoning, adverse effect, underdosing: Table of Drugs and Chemicals)",
    "a drug or chemical the record says was taken in overdose or error, caused an adverse effect when "
    "taken as prescribed, or was taken less than prescribed: the Table of Drugs code for that column, "
    "intent and 7th character, the drug-induced manifestation and the noncompliance code",
)
def _drugs(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    table = drug_table(ctx.kb, ctx.index.release_id)
    if table is None:
        return cands  # the Table of Drugs is not installed: nothing to look up
    events = _events(ctx.analyzed, table, ctx.setting)
    if not events:
        return cands
    data = intent_data()
    added: dict[str, Candidate] = {}
    specific: dict[tuple, list[_Event]] = {}
    for event in events:
        specific.setdefault((event.document.document_id, event.sentence, event.kind), []).append(event)
    for group in specific.values():  # the most specific entry wins ("acetaminophen", not "analgesic")
        named = [e for e in group if not _unspecified(e.substance.codes[e.column], ctx.index)]
        for e in group:
            code = e.substance.codes[e.column]
            if e in named:
                continue
            if any(n.substance.codes[n.column][:3] == code[:3] or code.startswith("T50.9") for n in named):
                events.remove(e)
    self_harm: list[str] = []
    for event in events:
        document = event.document
        column_code = event.substance.codes[event.column]
        resolution = ctx.index.resolve(column_code, None, event.episode)
        if resolution is None:
            continue
        heading = event.substance.headings.get(event.column, event.column)
        span = [event.found.start, event.found.end]
        for c in event.cues:
            span = [min(span[0], c.start), max(span[1], c.end)]
        steps = [f"Table of Drugs: {event.substance.path}, {heading} -> {column_code}"]
        if event.kind == "poisoning":
            if event.intent_cue is not None and event.intent_cue.meaning == "intent_unknown":
                steps.append(f"intent unknown ({event.intent_cue.text!r}): coded as accidental (OCG I.C.19.e.5.b)")
            elif event.intent_cue is not None:
                steps.append(f"intent {INTENT_WORDS[event.column]}: {event.intent_cue.text!r} (OCG I.C.19.e.5.b)")
            else:
                steps.append("intent not documented: coded as accidental (OCG I.C.19.e.5.b)")
            steps.append("poisoning: sequenced before its manifestations (OCG I.C.19.e.5.b)")
        elif event.kind == "adverse":
            steps.append(
                "adverse effect of a drug correctly prescribed and properly administered: the nature of the "
                "effect first (OCG I.C.19.e.5.a)"
            )
        else:
            steps.append("underdosing: sequenced after the condition it affects (OCG I.C.19.e.5.c)")
        if event.uncertain:
            steps.append("uncertain at discharge: coded as if established (inpatient, OCG II.H)")
        steps.extend(resolution.steps)
        if not resolution.steps:
            steps.append("7th character A (initial encounter, the default), OCG I.C.19.a")
        manifestations: list[Candidate] = []
        if event.kind == "adverse":
            manifestations = [
                c for c in cands if _is_manifestation(c.code) and _in_sentence(c, document.document_id, event.sentence)
            ]
            manifestations = _drug_induced(cands, ctx, manifestations, event, data, added)
            for m in manifestations:
                for mention in m.mentions:
                    if mention.document_id == document.document_id and (
                        event.sentence[0] <= mention.start and mention.end <= event.sentence[1]
                    ):
                        span = [min(span[0], mention.start), max(span[1], mention.end)]
        if event.kind == "adverse" and not manifestations and not event.reaction:
            continue  # no effect documented with the drug: nothing to code first (OCG I.C.19.e.5.a)
        mention = _mention(
            document,
            span[0],
            span[1],
            f"{event.substance.path} ({heading})",
            event.uncertain,
            event.cues + ([event.intent_cue] if event.intent_cue else []),
        )
        conf = _confidence([mention.section])
        cand = _add(cands, added, resolution.code, mention, steps, conf, column_code)
        if event.kind == "poisoning" and event.column == "self_harm":
            self_harm.append(cand.code)
        if event.kind == "adverse" and not manifestations and event.reaction:
            nos = ctx.index.resolve("T88.7", None, event.episode)
            if nos is not None:
                _add(
                    cands,
                    added,
                    nos.code,
                    _mention(document, span[0], span[1], "Reaction, drug NOS", event.uncertain, event.cues),
                    [
                        "a drug reaction whose nature the record does not specify: T88.7 first, then the drug's "
                        "adverse effect code (OCG I.C.19.e.5.a; tabular T36-T50 'code first')",
                        *nos.steps,
                    ],
                    conf,
                    "T88.7",
                )
        if event.kind == "underdosing" and event.noncompliance and ctx.index.get(event.noncompliance):
            cue = event.noncompliance_cue
            z_mention = (
                _mention(document, cue.start, cue.end, "noncompliance", event.uncertain, [cue])
                if cue is not None
                else mention
            )
            why = f"{cue.meaning} ({cue.text!r})" if cue is not None else "intent not documented"
            _add(
                cands,
                added,
                event.noncompliance,
                z_mention,
                [
                    f"underdosing of {event.substance.path}: noncompliance, {why} -> {event.noncompliance} "
                    f"(OCG I.C.19.e.5.c)"
                ],
                round(conf - 0.02, 4),
                event.noncompliance,
            )
    _replace_less_specific(cands, ctx, added, self_harm)
    return cands


def _drug_induced(
    cands: list[Candidate],
    ctx: Context,
    manifestations: list[Candidate],
    event: _Event,
    data: DrugIntentData,
    added: dict[str, Candidate],
) -> list[Candidate]:
    """The drug-induced form of a manifestation where the classification has one (I95.9 -> I95.2)."""
    out = []
    sentence_text = event.document.text[event.sentence[0] : event.sentence[1]].lower()
    for cand in manifestations:
        mapping = next((d for d in data.drug_induced if cand.code in d.codes), None)
        if mapping is None or any(c.code.startswith(tuple(mapping.unless)) for c in cands):
            out.append(cand)
            continue
        target = mapping.localized if mapping.localized and "locali" in sentence_text else mapping.to
        if ctx.index.get(target) is None or not ctx.index.get(target).billable:
            out.append(cand)
            continue
        existing = added.get(target) or next((c for c in cands if c.code == target), None)
        if existing is None:
            existing = Candidate(target, matched=set(cand.matched), mentions=list(cand.mentions))
            existing.features = dict(cand.features)
            cands.append(existing)
        else:
            existing.mentions.extend(m for m in cand.mentions if m not in existing.mentions)
        existing.confidence = max(existing.confidence, cand.confidence)
        if RULE_ID not in existing.rules:
            existing.rules.append(RULE_ID)
        step = f"{cand.code} due to {event.substance.path} taken as prescribed -> {target} ({mapping.source})"
        if step not in existing.steps:
            existing.steps.append(step)
        added[target] = existing
        _drop(cands, ctx, cand, RULE_ID, f"replaced by {target}: the drug-induced form (OCG I.C.19.e.5.a)")
        out.append(existing)
    return out


def _replace_less_specific(
    cands: list[Candidate], ctx: Context, added: dict[str, Candidate], self_harm: list[str]
) -> None:
    """Other readings of the same event: a T code with another intent or kind for the same drug
    class, an unspecified drug (T50.90-) when the drug is named, "suicide attempt" T14.91 when the
    poisoning code carries the self-harm intent, an unspecified allergy (T78.4-) for a drug reaction."""
    mine = {id(c) for c in added.values()}
    ours = [c for c in added.values() if _drug_kind(c.code) is not None]
    for cand in list(cands):
        if id(cand) in mine:
            continue
        kind = _drug_kind(cand.code)
        why = None
        if kind is not None:
            same_class = [o for o in ours if _plain(o.code)[:5] == _plain(cand.code)[:5]]
            if same_class:
                why = f"the record documents {same_class[0].code} for this drug (OCG I.C.19.e)"
            elif cand.code.startswith("T50.9") and any(o.code.startswith(DRUG_CATEGORIES) for o in ours):
                why = f"the drug is named: {ours[0].code} (the most specific Table entry, OCG I.C.19.e)"
        elif cand.code.startswith("T14.91") and self_harm:
            why = (
                f"the suicide attempt is the intent of the poisoning {self_harm[0]} (Index 'Suicide, attempt, by "
                "poisoning -- see Table of Drugs and Chemicals')"
            )
        elif cand.code.startswith("T78.4") and any(_drug_kind(o.code) == "adverse" for o in ours):
            why = "a reaction to a drug properly administered is an adverse effect (Table of Drugs, OCG I.C.19.e.5.a)"
        if why is not None:
            _drop(cands, ctx, cand, RULE_ID, f"not coded: {why}")


# --- sequencing -------------------------------------------------------------------------------------------


def _sentences(cand: Candidate, ctx: Context) -> set[tuple[str, int]]:
    analyzed = ctx.analyzed
    out = set()
    for m in cand.mentions:
        if m.negated or m.family or m.hypothetical:
            continue
        try:
            document = analyzed.document(m.document_id)
        except (KeyError, AttributeError):
            continue
        out.add((m.document_id, document.sentence_at(m.start)[0]))
    return out


def _linked(a: Candidate, b: Candidate, ctx: Context) -> bool:
    """Documented together: a mention of one inside the other's span, or in one sentence."""
    for m in a.mentions:
        for n in b.mentions:
            if m.document_id == n.document_id and m.start < n.end and n.start < m.end:
                return True
    return bool(_sentences(a, ctx) & _sentences(b, ctx))


def _move_after(ordered: list[Candidate], cand: Candidate, anchor: Candidate, why: str) -> None:
    ordered.remove(cand)
    ordered.insert(ordered.index(anchor) + 1, cand)
    if why not in cand.steps:
        cand.steps.append(why)
    if SEQUENCE_RULE_ID not in cand.rules:
        cand.rules.append(SEQUENCE_RULE_ID)


@rule(
    SEQUENCE_RULE_ID,
    "I.C.19.e.5 (sequencing of poisoning, adverse effect and underdosing)",
    "a poisoning code before its manifestations; an adverse effect code after the nature of the effect; "
    "an underdosing code after the condition, and its noncompliance code after it",
    stage="sequence",
)
def _sequence(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return ordered
    kinds = {id(c): _drug_kind(c.code) for c in ordered}
    if not any(kinds.values()):
        return ordered
    # OCG I.C.19.e.5.b: the poisoning code(s) first, then the manifestations
    poisoning = [c for c in ordered if kinds[id(c)] == "poisoning"]
    if poisoning and ordered[: len(poisoning)] != poisoning:
        rest = [c for c in ordered if kinds[id(c)] != "poisoning"]
        for cand in poisoning:
            why = "sequenced first: a poisoning code comes before its manifestations (OCG I.C.19.e.5.b)"
            if why not in cand.steps:
                cand.steps.append(why)
                cand.rules.append(SEQUENCE_RULE_ID)
        ordered[:] = poisoning + rest
    conditions = [c for c in ordered if kinds[id(c)] is None and not c.code.startswith(("Z", "T88.7"))]
    # OCG I.C.19.e.5.a: the nature of the adverse effect first, then the drug (T36-T50, 5)
    for cand in [c for c in ordered if kinds[id(c)] == "adverse" or c.code.startswith("T88.7")]:
        effects = [c for c in ordered if c is not cand and _is_manifestation(c.code) and _linked(c, cand, ctx)]
        if cand.code.startswith("T88.7"):
            effects = [c for c in effects if not c.code.startswith("T88.7") and _is_manifestation(c.code)]
        elif any(c.code.startswith("T88.7") for c in effects):
            effects = [c for c in effects if c.code.startswith("T88.7")]
        pool = effects or ([c for c in conditions if c is not cand][:1] if ordered.index(cand) == 0 else [])
        if not pool:
            continue
        last = max(pool, key=ordered.index)
        if ordered.index(cand) < ordered.index(last):
            _move_after(ordered, cand, last, "sequenced after the nature of the adverse effect (OCG I.C.19.e.5.a)")
    # OCG I.C.19.e.5.c: the underdosing code after the condition; the noncompliance code after it
    for cand in [c for c in ordered if kinds[id(c)] == "underdosing"]:
        relapsed = [c for c in conditions if _linked(c, cand, ctx)]
        pool = relapsed or (conditions[:1] if ordered.index(cand) == 0 else [])
        if pool:
            last = max(pool, key=ordered.index)
            if ordered.index(cand) < ordered.index(last):
                _move_after(ordered, cand, last, "sequenced after the condition (underdosing, OCG I.C.19.e.5.c)")
    underdosing = [c for c in ordered if kinds[id(c)] == "underdosing"]
    if underdosing:
        for cand in [c for c in ordered if c.code.startswith(NONCOMPLIANCE)]:
            last = max(underdosing, key=ordered.index)
            if ordered.index(cand) < ordered.index(last):
                _move_after(ordered, cand, last, "sequenced after the underdosing code (OCG I.C.19.e.5.c)")
    return ordered
