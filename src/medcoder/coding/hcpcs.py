"""HCPCS Level II (and CPT, when the user installed it) from service, drug and supply mentions.

The assigner reads each sentence of each document and matches it against the descriptors of the
release in effect on the encounter's date of service -- nothing is hard-coded per code:

* **Drugs** (descriptors ``Injection, <drug>, [per|up to] <dose> <unit>`` and ``Infusion, ...``):
  the drug's name words (salt words such as *sodium*, *acetate* only break ties) must be in the
  sentence together with a route of administration (IM, IV, injected, infused ...).  The dose
  written next to the drug (``1 g``, ``80 mg``, ``1000 mL``) is converted to the descriptor's unit
  and gives the billing units (``1 g`` ceftriaxone at ``per 250 mg`` = 4 units); among codes for
  one drug the one needing the fewest units (then the least waste) is chosen.
* **Services and supplies** (every other descriptor): the descriptor's head -- its first
  comma-separated phrase without generic words such as *service* -- must be in the sentence, with
  a word saying it was done or handed over (administered, provided, dispensed, transported ...).
  Among descriptors with the same head the one that explains the most words of the sentence wins,
  then the one with the most of its own words matched (idf-weighted), then the lowest code; ties
  are named in the rationale so the coder can document the missing detail.  A match whose words
  are all inside another match (``Advanced life support, level 2`` inside an ALS ambulance
  transport) is dropped.

Words are compared by stem (:mod:`medcoder.coding.text`); a small lexicon expands the
abbreviations and brand names notes use (``ALS``, ``flu``, ``IM``, ``Rocephin``).  A mention
that ConText (:func:`medcoder.extract.pipeline.analyze`) finds negated, uncertain, hypothetical,
historical or about family is not coded, nor one that is planned (``will``, ``plan to``,
``scheduled``) or in a Plan section.  Every code carries exact evidence offsets
(``document.text[start:end] == evidence.text``).  Only codes active on the date of service (added
.. terminated) are emitted; without an installed HCPCS or CPT release nothing is.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from medcoder.coding.text import STOPWORDS, Token, stem, tokens
from medcoder.extract.pipeline import AnalyzedDocument, analyze
from medcoder.models import CodeAssignment, Encounter, Evidence

__all__ = ["HcpcsAssigner"]

HCPCS = "HCPCS"
CPT = "CPT"
RULE_DRUG = "hcpcs.drug-units.v1"
RULE_SERVICE = "hcpcs.descriptor-match.v1"
RULE_DATES = "hcpcs.active-on-date.v1"

# Rules as data: abbreviations and brand names -> the words descriptors use.
LEXICON: dict[str, str] = {
    "als": "advanced life support",
    "bls": "basic life support",
    "flu": "influenza virus",
    "influenza": "influenza virus",
    "ecg": "electrocardiogram",
    "ekg": "electrocardiogram",
    "im": "intramuscular",
    "iv": "intravenous",
    "ivp": "intravenous",
    "ivpb": "intravenous",
    "sq": "subcutaneous",
    "subq": "subcutaneous",
    "sc": "subcutaneous",
    "ns": "normal saline",
    "rocephin": "ceftriaxone",
    "zofran": "ondansetron",
    "toradol": "ketorolac",
    "decadron": "dexamethasone",
    "medrol": "methylprednisolone",
    "kenalog": "triamcinolone",
    "vaccination": "vaccine administration",
    "immunization": "vaccine administration",
    "crutch": "crutches",
}
# Words saying the item was done or handed over in this encounter.
ACTION_WORDS = """administered administration administer given gave give injected injection infused infusion
provided provide dispensed dispense issued supplied delivered fitted transported transport performed
received placed applied""".split()
ROUTE_WORDS = """intramuscular intramuscularly intravenous intravenously injected injection infused infusion
subcutaneous subcutaneously bolus push""".split()
PLANNED_WORDS = frozenset("will plan plans planned planning scheduled schedule recommend recommended consider".split())
PLAN_SECTIONS = frozenset({"plan"})
# Said after the item ("ceftriaxone was not given"), or anywhere in its sentence ("refused the vaccine").
NOT_DONE_AFTER = re.compile(
    r"\b(?:not|never)\s+(?:be(?:en)?\s+)?(?:given|administered|provided|performed|done|dispensed|infused|injected)\b",
    re.IGNORECASE,
)
REFUSED = re.compile(r"\b(?:refused|refuses|declined|declines|deferred|held|cancel+ed)\b", re.IGNORECASE)
# Stems that would join unrelated words: "ambulation" is not an "ambulance".
STEM_OVERRIDE = {"ambulation": "ambulat", "ambulate": "ambulat", "ambulating": "ambulat", "ambulatory": "ambulat"}
# Descriptor words that never identify a service.
GENERIC = frozenset(
    """service services supply supplies each per includes including item items any type use used
    only when individual individuals patient""".split()
)
SALTS = frozenset(
    """sodium potassium calcium hydrochloride hcl acetate phosphate succinate tromethamine acetonide
    sulfate citrate mesylate maleate tartrate bromide chloride solution""".split()
)
_PAREN = re.compile(r"\([^)]*\)")
_DRUG = re.compile(
    r"^(?P<route>injection|infusion),\s*(?P<name>.+?),\s*(?:(?P<mode>per|up to)\s+)?"
    r"(?P<qty>\d+(?:\.\d+)?)\s*(?P<unit>mg|mcg|gm|g|cc|ml|units?|iu)\b",
    re.IGNORECASE,
)
_DRUG_NO_DOSE = re.compile(r"^(?P<route>injection|infusion),\s*(?P<name>[^,]+)", re.IGNORECASE)
_DOSE = re.compile(
    r"(?<![\w.])(?P<qty>\d+(?:[.,]\d+)?)\s*(?P<unit>mcg|micrograms?|mg|milligrams?|grams?|gm|g|ml|cc|l|liters?|"
    r"litres?|units?|iu)\b",
    re.IGNORECASE,
)
_UNIT = {
    "mcg": ("mass", 0.001),
    "microgram": ("mass", 0.001),
    "micrograms": ("mass", 0.001),
    "mg": ("mass", 1.0),
    "milligram": ("mass", 1.0),
    "milligrams": ("mass", 1.0),
    "g": ("mass", 1000.0),
    "gm": ("mass", 1000.0),
    "gram": ("mass", 1000.0),
    "grams": ("mass", 1000.0),
    "ml": ("volume", 1.0),
    "cc": ("volume", 1.0),
    "l": ("volume", 1000.0),
    "liter": ("volume", 1000.0),
    "liters": ("volume", 1000.0),
    "litre": ("volume", 1000.0),
    "litres": ("volume", 1000.0),
    "unit": ("units", 1.0),
    "units": ("units", 1.0),
    "iu": ("units", 1.0),
}
_ACTION_STEMS = frozenset(stem(w) for w in ACTION_WORDS)
_ROUTE_STEMS = frozenset(stem(w) for w in ROUTE_WORDS)
_PLANNED_STEMS = frozenset(stem(w) for w in PLANNED_WORDS)
_GENERIC_STEMS = frozenset(stem(w) for w in GENERIC)
_SALT_STEMS = frozenset(stem(w) for w in SALTS)
_SINGLE_HEAD_MAX_DF = 25  # a one-word head must be a word few descriptors use ("walker", not "injection")


def _same(a: str, b: str) -> bool:
    """Stems agree: equal, or one a prefix of the other when long (administ / administr)."""
    if a == b:
        return True
    return min(len(a), len(b)) >= 6 and (a.startswith(b) or b.startswith(a))


def _stem(word: str) -> str:
    return STEM_OVERRIDE.get(word) or stem(word)


def _stems(text: str, drop: frozenset[str] = frozenset()) -> tuple[str, ...]:
    out: list[str] = []
    for token in tokens(text):
        word = _stem(token.text)
        if token.text in STOPWORDS or word in drop or word in out:
            continue
        out.append(word)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class _Dose:
    qty: float
    unit: str  # mass (mg) | volume (ml) | units
    mode: str  # per | up to


@dataclass(frozen=True, slots=True)
class _Entry:
    system: str
    code: str
    description: str
    head: tuple[str, ...]
    words: tuple[str, ...]
    alias: tuple[str, ...]
    effective: dt.date | None = None
    terminated: dt.date | None = None
    drug: tuple[str, ...] = ()  # drug name stems without salts
    salts: tuple[str, ...] = ()
    route: str = ""
    dose: _Dose | None = None

    def active_on(self, day: dt.date | None) -> bool:
        if day is None:
            return self.terminated is None
        return (self.effective is None or self.effective <= day) and (self.terminated is None or day <= self.terminated)


@dataclass(slots=True)
class _Index:
    entries: list[_Entry] = field(default_factory=list)
    df: Counter[str] = field(default_factory=Counter)
    n: int = 1

    def idf(self, word: str) -> float:
        return math.log(1 + self.n / (1 + self.df.get(word, 0)))


def _entry(system: str, code: str, description: str, effective=None, terminated=None) -> _Entry:
    plain = _PAREN.sub(" ", description)
    alias = tuple(s for p in _PAREN.findall(description) for s in _stems(p, _GENERIC_STEMS))
    m = _DRUG.match(plain.strip()) or _DRUG_NO_DOSE.match(plain.strip())
    if m is not None:
        name = _stems(m.group("name"), _GENERIC_STEMS)
        drug = tuple(s for s in name if s not in _SALT_STEMS)
        dose = None
        if "qty" in m.groupdict() and m.group("qty"):
            kind, factor = _UNIT[m.group("unit").lower()]
            dose = _Dose(float(m.group("qty")) * factor, kind, (m.group("mode") or "per").lower())
        return _Entry(
            system,
            code,
            description,
            head=drug,
            words=name,
            alias=alias,
            effective=effective,
            terminated=terminated,
            drug=drug,
            salts=tuple(s for s in name if s in _SALT_STEMS),
            route=m.group("route").lower(),
            dose=dose,
        )
    head = _stems(plain.split(",")[0], _GENERIC_STEMS)
    words = _stems(plain, _GENERIC_STEMS)
    return _Entry(system, code, description, head, words, alias, effective, terminated)


@dataclass(frozen=True, slots=True)
class _Word:
    stem: str
    token: Token
    expanded: bool = False  # one of the words an abbreviation stands for


@dataclass(slots=True)
class _Match:
    entry: _Entry
    used: list[Token]
    explained: int
    coverage: float
    matched: frozenset[str]
    alternatives: list[str] = field(default_factory=list)

    @property
    def unmatched(self) -> int:
        """Descriptor words the sentence does not have (detail the text does not support)."""
        return len(self.entry.words) - len(self.matched)


class HcpcsAssigner:
    """Assigns HCPCS Level II (and CPT) codes from an encounter's documents."""

    def __init__(self, kb=None) -> None:
        self._kb = kb
        self._indexes: dict[str, _Index] = {}

    @property
    def kb(self):
        if self._kb is None:
            from medcoder.codesets.kb import default_kb

            self._kb = default_kb()
        return self._kb

    def _release_ids(self, day: dt.date | None) -> list[str]:
        from medcoder.errors import NoReleaseError

        out = []
        for system in (HCPCS, CPT):
            try:
                # a date after every installed release: the newest (the pipeline warns)
                out.append(self.kb.release(system, day, fallback=True).release_id)
            except NoReleaseError:
                continue
        return out

    def available(self, day: dt.date | None) -> bool:
        """Whether an installed HCPCS or CPT release covers ``day`` or, for a date after them all, stands
        in for it (``None``: any installed)."""
        return bool(self._release_ids(day))

    def _index(self, release_id: str) -> _Index:
        index = self._indexes.get(release_id)
        if index is not None:
            return index
        index = _Index()
        if release_id.startswith("hcpcs-"):
            for code in self.kb.hcpcs_codes(release_id):
                if code.kind == "procedure":
                    index.entries.append(_entry(HCPCS, code.code, code.long, code.effective, code.terminated))
        else:
            for code in self.kb.cpt_codes(release_id):
                index.entries.append(_entry(CPT, code.code, code.description))
        for entry in index.entries:
            index.df.update(set(entry.words))
        index.n = max(len(index.entries), 1)
        self._indexes[release_id] = index
        return index

    def assign(self, encounter: Encounter, analyzed_encounter=None) -> list[CodeAssignment]:
        """``analyzed_encounter``: the encounter already analysed (the pipeline's), reused."""
        day = encounter.date_of_service
        out: list[CodeAssignment] = []
        seen: set[tuple[str, str]] = set()
        for release_id in self._release_ids(day):
            index = self._index(release_id)
            active = [e for e in index.entries if e.active_on(day)]
            if not active:
                continue
            for document in encounter.documents:
                analyzed = (
                    analyzed_encounter.document(document.id)
                    if analyzed_encounter is not None
                    else analyze(document.id, document.text)
                )
                for sentence in analyzed.sentences:
                    for assignment in self._sentence(analyzed, sentence, active, index, release_id):
                        key = (assignment.system, assignment.code)
                        if key in seen:
                            for existing in out:
                                if (existing.system, existing.code) == key:
                                    existing.evidence.extend(assignment.evidence)
                            continue
                        seen.add(key)
                        out.append(assignment)
        return out

    # -- one sentence ------------------------------------------------------------------------

    def _words(self, text: str, sentence: tuple[int, int]) -> list[_Word]:
        words: list[_Word] = []
        for token in tokens(text[sentence[0] : sentence[1]], sentence[0]):
            if token.text in STOPWORDS:
                continue
            expansion = LEXICON.get(token.text)
            if expansion:
                words.extend(_Word(stem(w), token, True) for w in expansion.split())
            words.append(_Word(_stem(token.text), token))
        return words

    def _not_done(self, analyzed: AnalyzedDocument, words: list[_Word], span: tuple[int, int]) -> bool:
        assertion = analyzed.assess(span)
        if not assertion.affirmed or assertion.historical:
            return True
        if analyzed.section_at(span[0]).name in PLAN_SECTIONS:
            return True
        sentence = analyzed.sentence_at(span[0])
        if NOT_DONE_AFTER.search(analyzed.text, span[1], max(sentence[1], span[1])):
            return True
        if REFUSED.search(analyzed.text, sentence[0], max(sentence[1], span[1])):
            return True
        return any(w.stem in _PLANNED_STEMS and w.token.end <= span[0] for w in words)

    def _sentence(
        self,
        analyzed: AnalyzedDocument,
        sentence: tuple[int, int],
        entries: list[_Entry],
        index: _Index,
        release_id: str,
    ) -> list[CodeAssignment]:
        words = self._words(analyzed.text, sentence)
        if not words:
            return []
        stems = {w.stem for w in words}
        has_action = any(any(_same(s, a) for a in _ACTION_STEMS) for s in stems)
        has_route = any(any(_same(s, r) for r in _ROUTE_STEMS) for s in stems)
        out: list[CodeAssignment] = []
        drugs = [e for e in entries if e.route and e.drug and all(_present(d, stems) for d in e.drug)]
        if drugs and (has_route or has_action):
            out.extend(self._drugs(analyzed, sentence, words, drugs, release_id))
        if has_action:
            out.extend(self._services(analyzed, words, [e for e in entries if not e.route], index, release_id))
        return out

    def _drugs(self, analyzed, sentence, words, drugs: list[_Entry], release_id: str) -> list[CodeAssignment]:
        text = analyzed.text
        by_name: dict[tuple[str, ...], list[_Entry]] = {}
        for entry in drugs:
            by_name.setdefault(entry.drug, []).append(entry)
        out = []
        for name, group in by_name.items():
            used = list(dict.fromkeys(w.token for w in words if any(_same(w.stem, d) for d in name)))
            span = (min(t.start for t in used), max(t.end for t in used))
            if self._not_done(analyzed, words, span):
                continue
            stems = {w.stem for w in words}
            salted = [e for e in group if e.salts and all(_present(s, stems) for s in e.salts)]
            group = salted or group
            dose = _nearest_dose(text, sentence, span)
            best, units, note = _choose_dose(group, dose)
            evidence = [
                Evidence(
                    document_id=analyzed.document_id,
                    start=span[0],
                    end=span[1],
                    text=text[span[0] : span[1]],
                    supports="drug",
                )
            ]
            if dose is not None:
                evidence.append(
                    Evidence(
                        document_id=analyzed.document_id,
                        start=dose[2],
                        end=dose[3],
                        text=text[dose[2] : dose[3]],
                        supports="dose",
                    )
                )
            confidence = 0.85 if units is not None else 0.6
            rationale = f"{best.description} ({release_id}): drug {' '.join(t.text for t in used)!r}; {note}"
            out.append(
                CodeAssignment(
                    system=best.system,  # type: ignore[arg-type]
                    code=best.code,
                    description=best.description,
                    confidence=confidence,
                    evidence=evidence,
                    rationale=rationale,
                    rules=[RULE_DRUG, RULE_DATES],
                )
            )
        return out

    def _services(self, analyzed, words, entries: list[_Entry], index: _Index, release_id: str) -> list[CodeAssignment]:
        stems = {w.stem for w in words}
        groups: dict[tuple[str, ...], list[_Match]] = {}
        for entry in entries:
            if not entry.head or not all(_present(h, stems) for h in entry.head):
                continue
            if len(entry.head) == 1 and index.df.get(entry.head[0], 0) > _SINGLE_HEAD_MAX_DF:
                continue
            matched = frozenset(s for s in entry.words if _present(s, stems))
            alias = {s for s in entry.alias if _present(s, stems)}
            known = set(matched) | alias
            used = list(dict.fromkeys(w.token for w in words if any(_same(w.stem, k) for k in known)))
            # A sentence word is explained when the descriptor has it, or every word it stands for
            # (ALS: advanced life support).  Action words say that it was done, not what: not counted.
            explained = 0
            for token in dict.fromkeys(w.token for w in words):
                own = _stem(token.text)
                if own in _ACTION_STEMS or any(_same(own, a) for a in _ACTION_STEMS):
                    continue
                meant = [w.stem for w in words if w.token == token and w.expanded]
                if any(_same(own, k) for k in known) or (meant and all(any(_same(m, k) for k in known) for m in meant)):
                    explained += 1
            total = sum(index.idf(s) for s in entry.words) or 1.0
            coverage = sum(index.idf(s) for s in matched) / total
            groups.setdefault(entry.head, []).append(_Match(entry, used, explained, coverage, matched))
        best: list[_Match] = []
        for candidates in groups.values():
            candidates.sort(key=lambda m: (-m.explained, m.unmatched, -round(m.coverage, 6), m.entry.code))
            top = candidates[0]
            # the text supports these as well as the top one: the coder must pick from documentation
            top.alternatives = [
                m.entry.code
                for m in candidates[1:]
                if (m.explained, m.matched, m.unmatched) == (top.explained, top.matched, top.unmatched)
            ]
            best.append(top)
        content = {id(m): {s for s in m.matched if not any(_same(s, a) for a in _ACTION_STEMS)} for m in best}
        kept = [m for m in best if not any(content[id(m)] < content[id(o)] for o in best if o is not m)]
        out = []
        text = analyzed.text
        for match in kept:
            span = (min(t.start for t in match.used), max(t.end for t in match.used))
            if self._not_done(analyzed, words, span):
                continue
            confidence = max(0.3, min(0.95, 0.45 + 0.5 * match.coverage - (0.1 if match.alternatives else 0.0)))
            rationale = (
                f"{match.entry.description} ({release_id}): matched "
                f"{', '.join(sorted(match.matched)) or 'the head'}; {match.explained} word(s) of the sentence explained"
            )
            if match.alternatives:
                rationale += f"; equally supported: {', '.join(match.alternatives)} (document the type to choose)"
            out.append(
                CodeAssignment(
                    system=match.entry.system,  # type: ignore[arg-type]
                    code=match.entry.code,
                    description=match.entry.description,
                    confidence=round(confidence, 3),
                    evidence=[
                        Evidence(
                            document_id=analyzed.document_id,
                            start=span[0],
                            end=span[1],
                            text=text[span[0] : span[1]],
                            supports="service",
                        )
                    ],
                    rationale=rationale,
                    rules=[RULE_SERVICE, RULE_DATES],
                )
            )
        return out


def _present(word: str, stems: set[str]) -> bool:
    return word in stems or any(_same(word, s) for s in stems)


def _nearest_dose(text: str, sentence: tuple[int, int], span: tuple[int, int]) -> tuple[float, str, int, int] | None:
    """The dose written closest to the drug name in its sentence: (amount in mg/ml/units, kind, start, end)."""
    best = None
    for m in _DOSE.finditer(text, sentence[0], sentence[1]):
        kind, factor = _UNIT[m.group("unit").lower()]
        qty = float(m.group("qty").replace(",", ".")) * factor
        distance = m.start() - span[1] if m.start() >= span[1] else span[0] - m.end()
        if best is None or distance < best[0]:
            best = (distance, (qty, kind, m.start(), m.end()))
    return best[1] if best else None


def _choose_dose(group: list[_Entry], dose: tuple[float, str, int, int] | None) -> tuple[_Entry, int | None, str]:
    """The code needing the fewest billing units for the documented dose, and the units."""
    group = sorted(group, key=lambda e: e.code)
    if dose is None:
        return group[0], None, "dose not documented: billing units cannot be calculated"
    qty, kind = dose[0], dose[1]
    options = []
    for entry in group:
        if entry.dose is None or entry.dose.unit != kind:
            continue
        if entry.dose.mode == "up to":
            units = 1 if qty <= entry.dose.qty + 1e-9 else math.ceil(qty / entry.dose.qty - 1e-9)
        else:
            units = math.ceil(qty / entry.dose.qty - 1e-9)
        waste = units * entry.dose.qty - qty
        options.append((units, waste, entry.code, entry))
    if not options:
        return group[0], None, f"dose {_fmt(qty, kind)} is not in the unit of the descriptor"
    units, _, _, entry = min(options)
    assert entry.dose is not None
    per = f"{entry.dose.mode} {_fmt(entry.dose.qty, kind)}"
    return entry, units, f"dose {_fmt(qty, kind)} at {per} = {units} unit(s)"


def _fmt(qty: float, kind: str) -> str:
    unit = {"mass": "mg", "volume": "mL", "units": "units"}[kind]
    return f"{qty:g} {unit}"
