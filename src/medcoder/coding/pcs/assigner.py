"""The ICD-10-PCS procedure assigner: procedure mentions in an encounter's notes -> PCS codes.

How a code is built, axis by axis, the way a coder uses the tables:

1. **Mentions.**  One compiled pattern (``pcs_vocabulary.json``) finds procedure wordings and
   imaging modalities.  Each mention's assertion comes from the ConText pipeline
   (:func:`medcoder.extract.pipeline.analyze`): negated, hypothetical (planned, recommended),
   uncertain, family and historical ("prior appendectomy") mentions are not procedures of this
   encounter and are not coded.
2. **Root operation from its definition**, not the surgeon's word: a wording names the root
   operation by its official definition ("-ectomy" is Resection, all of the body part, unless the
   note says part of it was taken, which is Excision; a biopsy is Excision with qualifier
   Diagnostic; "transurethral resection of a bladder tumor" is Excision of the bladder).
3. **Body part** from the table labels of that root operation, matched on stems of the words
   around the mention (``words`` map "renal" onto "kidney"), plus the names of the CMS Body Part
   Key as aliases (PCS B4.2 / B4.1a); laterality from the text (PCS B4.3).
4. **Approach, device, qualifier, contrast** from cues (``axis_cues``) matched against the labels
   valid after the code so far; an axis with a "None / No Device / No Qualifier" value takes it
   when the note says nothing, one with a single valid value takes that; anything else stops the
   code there: the partial code is reported with a :class:`~medcoder.models.Query` listing the
   valid completions.
5. **Guidelines** (:mod:`.guidelines`) over the encounter's candidates, each a versioned rule.
6. **Confidence** is the rule-based evidence (how the wording, body part, side and axes were
   found: :mod:`.calibration`); only a calibration profile the user passes re-ranks it by what a
   coded history reported, and the result's provenance names that profile.

Only codes valid in the installed tables for the encounter's date are emitted.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from medcoder.codesets.icd10pcs.parse import PcsTable
from medcoder.codesets.icd10pcs.tables import describe, is_valid, next_characters
from medcoder.codesets.kb import KnowledgeBase, default_kb
from medcoder.codesets.normalize import ICD10PCS
from medcoder.coding.pcs.calibration import Calibration
from medcoder.coding.pcs.catalog import BodyPartValue, Catalog, canonical_stems, catalog_for
from medcoder.coding.pcs.vocabulary import Modality, ProcedureEntry, Vocabulary, vocabulary
from medcoder.errors import MedcoderError, NoReleaseError
from medcoder.extract.context import Assertion
from medcoder.extract.pipeline import AnalyzedDocument, analyze
from medcoder.models import CodeAssignment, Encounter, Evidence, Query, QueryOption

__all__ = ["Candidate", "PcsAssigner", "PcsResult"]

log = logging.getLogger(__name__)

_WORD = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_HARD_STOP = re.compile(r"[.;:()\[\]\n]")
_IMPLIED = 50  # distance given to body-part words implied by the wording: the words of the note win
_ABBREVIATION = re.compile(r"\s*\([^()\n]{1,12}\)")
_AFTER_STOP = re.compile(r"[.;:,()\[\]\n]")  # a comma after the mention starts another item of a list
_PLACEHOLDER_LABELS = ("None", "No Device", "No Qualifier")
_LATERALITY = {
    "right": "R",
    "left": "L",
    "bilateral": "B",
    "bilaterally": "B",
    "both": "B",
    "od": "R",
    "os": "L",
    "ou": "B",
    "ao": "B",
}
_LEADING = frozenset("of the a an de del in on at scan scans study studies examination exam showed".split())
_COUNT_WORDS = {
    "one": "One",
    "single": "One",
    "two": "Two",
    "double": "Two",
    "three": "Three",
    "triple": "Three",
    "four": "Four",
    "quadruple": "Four",
    "multiple": "Four",
}
# How far after a section header (characters) the header's assertion still applies.
_SECTION_REACH = 400


def _without_section_cues(assertion: Assertion, header_start: int) -> Assertion:
    cues = tuple(c for c in assertion.cues if c[2] != header_start)
    kinds = {c[0] for c in cues}
    return Assertion(
        negated="negated" in kinds,
        uncertain="uncertain" in kinds,
        historical="historical" in kinds,
        family="family" in kinds,
        hypothetical="hypothetical" in kinds,
        cues=cues,
    )


# How far before a mention a negation cue may end and still negate the procedure ("no biopsy",
# "without a colonoscopy"); and what says, after the mention, that it was not done.
_NEGATION_REACH = 12
_NOT_DONE = re.compile(
    r"\b(?:was|were|is|are|has|have|had|could)\s+not\s+(?:been\s+)?(?:performed|done|carried out|possible|"
    r"feasible|completed|indicated|required|necessary)\b|\bnot (?:performed|done)\b",
    re.IGNORECASE,
)
# "... a laparoscopic cholecystectomy 10 days ago", "a hip replacement in 2019", "a D&C last year":
# a procedure of an earlier encounter, dated right after its mention
_DATED_BEFORE = re.compile(
    r"^[^.;:()]{0,40}?\b(?:(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|few|many)\s+"
    r"(?:days?|weeks?|months?|years?|yrs?|decades?)\s+ago|(?:last|previous|prior)\s+(?:week|month|year)|"
    r"in\s+(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
# Sections whose position 5 is the approach.
_APPROACH_SECTIONS = frozenset("0123456789X")


@dataclass
class PcsResult:
    procedures: list[CodeAssignment]  # principal procedure first
    queries: list[Query]
    release_id: str | None


@dataclass
class Candidate:
    """A code (or partial code) found for one mention, before the guideline rules run."""

    code: str
    table: PcsTable
    entry_id: str
    kind: str
    confidence: float
    evidence: list[Evidence]
    rationale: list[str]
    rules: list[str]
    document_id: str
    sentence: tuple[int, int]
    partial_axis: str | None = None  # axis title that could not be filled
    options: list[tuple[str, str]] = field(default_factory=list)  # (full code, description) for a query
    dropped: bool = False

    @property
    def complete(self) -> bool:
        return len(self.code) == 7


@dataclass(frozen=True, slots=True)
class _Window:
    stems: frozenset[str]
    laterality: str | None
    spans: tuple[tuple[int, int], ...]  # word spans in the window (for body-part evidence)
    distance: dict[str, int] = field(default_factory=dict)  # stem -> words between it and the mention


_SUFFIX = re.compile(
    r"^(?P<stem>[a-z-]+?)(?:ectom(?:y|ies)|otom(?:y|ies)|ostom(?:y|ies)|oscop(?:y|ies)|plast(?:y|ies)|pex(?:y|ies)|"
    r"rrhaph(?:y|ies)|centes[ie]s|lys[ie]s|tripsy)$"
)


def _analyzed_document(analyzed, position: int, document) -> AnalyzedDocument | None:
    """The analysed form of the encounter's ``position``-th document in ``analyzed`` (an
    ``AnalyzedEncounter``, which analyses the documents in order), when it is that document's."""
    documents = getattr(analyzed, "documents", None)
    if not documents or position >= len(documents):
        return None
    adoc = documents[position]
    if adoc.document_id != document.id or adoc.text != document.text:
        return None
    return adoc


class PcsAssigner:
    """Assigns ICD-10-PCS codes to the procedures documented in an encounter."""

    def __init__(
        self,
        kb: KnowledgeBase | None = None,
        vocab: Vocabulary | None = None,
        calibration: Calibration | str | Path | None = None,
        site_associations: bool = False,
    ):
        """``calibration``: an opt-in calibration profile (a :class:`Calibration` or the path of its
        JSON file) that re-ranks by what one coded history reported; without one the confidence is
        the rule-based evidence (:mod:`medcoder.coding.pcs.calibration` says how it is made)."""
        self.kb = kb if kb is not None else default_kb()
        self.vocab = vocab if vocab is not None else vocabulary()
        if calibration is None:
            calibration = Calibration.empty()
        elif not isinstance(calibration, Calibration):
            calibration = Calibration.read(calibration)
        self.calibration = calibration
        self.site_associations = site_associations
        data = self.vocab.data
        self._stops = frozenset(data.window_stops)
        self._ignored_historical = frozenset(c.lower() for c in data.ignored_historical_cues)
        self._has_tables: dict[str, bool] = {}

    # -- public API ---------------------------------------------------------------------------

    def release_id(self, day: dt.date | None) -> str | None:
        """The PCS release for ``day``: the newest installed for a date after all of them (the
        pipeline warns, ``codesets.release-fallback.v1``); ``None`` when there is none."""
        try:
            return self.kb.release(ICD10PCS, day, fallback=True).release_id
        except NoReleaseError:
            return None

    def available(self, day: dt.date | None) -> bool:
        """True when a PCS release with tables is installed for ``day`` (``None``: the latest; a date
        after every installed release: the newest)."""
        rid = self.release_id(day)
        if rid is None:
            return False
        if rid not in self._has_tables:  # a knowledge base file's releases do not change
            self._has_tables[rid] = bool(self.kb.query("SELECT 1 FROM pcs_tables WHERE release_id = ? LIMIT 1", (rid,)))
        return self._has_tables[rid]

    def assign(self, encounter: Encounter, analyzed=None) -> PcsResult:
        """``analyzed``: the encounter already analysed (the pipeline's ``AnalyzedEncounter``): its
        documents' sections, sentences and assertions are reused instead of read again."""
        day = encounter.date_of_service
        if not self.available(day):
            return PcsResult([], [], None)
        rid = self.release_id(day)
        assert rid is not None
        catalog = catalog_for(self.kb, rid, self.vocab)
        candidates: list[Candidate] = []
        for position, document in enumerate(encounter.documents):
            adoc = _analyzed_document(analyzed, position, document)
            candidates.extend(self._document_candidates(document.id, document.text, catalog, adoc))
        from medcoder.coding.pcs.guidelines import apply_guidelines

        kept = apply_guidelines(candidates, catalog)
        for c in kept:
            c.confidence = self.calibration.adjust(c.code, c.confidence)
        if self.site_associations:
            kept.extend(self._site_alternatives(kept, catalog))
        return self._result(kept, encounter, rid)

    # -- mentions -----------------------------------------------------------------------------

    def _document_candidates(
        self, document_id: str, text: str, catalog: Catalog, adoc: AnalyzedDocument | None = None
    ) -> list[Candidate]:
        matches = self.vocab.find(text)
        if not matches:
            return []
        if adoc is None:
            adoc = analyze(document_id, text)
        bounds = [(m.start(), m.end()) for m in matches]
        out: list[Candidate] = []
        for i, m in enumerate(matches):
            group = m.lastgroup
            if group is None:
                continue
            trigger = self.vocab.triggers[group]
            sentence = adoc.sentence_at(m.start())
            next_start = min(bounds[i + 1][0], sentence[1]) if i + 1 < len(bounds) else sentence[1]
            if not self._asserted(adoc, m.start(), m.end(), next_start):
                continue
            if self.vocab.planned is not None and self.vocab.planned.search(text, sentence[0], sentence[1]):
                continue  # planned / recommended / declined: not performed this encounter
            prev_end = max(bounds[i - 1][1], sentence[0]) if i > 0 else sentence[0]
            try:
                if isinstance(trigger.entry, Modality):
                    out.extend(self._imaging(trigger.entry, text, m, sentence, prev_end, next_start, catalog, adoc))
                else:
                    out.extend(self._procedure(trigger.entry, text, m, sentence, prev_end, next_start, catalog, adoc))
            except MedcoderError as error:  # a vocabulary entry that does not fit this release
                log.debug("pcs entry %s skipped: %s", trigger.entry.id, error)
        return out

    def _asserted(self, adoc: AnalyzedDocument, start: int, end: int, clause_end: int) -> bool:
        """Done in this encounter?  Negated ("no biopsy was performed"), hypothetical ("colonoscopy
        was recommended"), family and historical ("prior appendectomy") mentions are not.

        A procedure's negation is read more narrowly than a finding's: the ConText cue must stand
        right before the mention ("no biopsy", "without colonoscopy") or the sentence must say it
        was not done after it ("biopsy was not performed"); "the chest X-ray was negative" and
        "no metastases were seen on CT" report a result of a procedure that was done.  Uncertainty
        cues ("with the suspicion of lymphoma, a CT was performed") qualify the diagnosis, not the
        procedure, so they do not stop it.
        """
        assertion = adoc.assess((start, end))
        section = adoc.section_at(start)
        if section.title and start - section.start > _SECTION_REACH:
            # a history header's status ("Family history:", "Personal history:") reaches the list
            # under it; case-report narratives run on for pages under one such header without a
            # next header to end it, so far from the header only the sentence's own cues count
            assertion = _without_section_cues(assertion, section.start)
        if assertion.hypothetical or assertion.family:
            return False
        if _NOT_DONE.search(adoc.text, end, clause_end):
            return False  # "a chest X-ray was not performed"
        if _DATED_BEFORE.match(adoc.text[end:clause_end]):
            return False  # "after a laparoscopic cholecystectomy 10 days ago": an earlier encounter's
        if assertion.negated:
            near = any(c[0] == "negated" and c[3] <= start and start - c[3] <= _NEGATION_REACH for c in assertion.cues)
            if near:
                return False
        if assertion.historical:
            strong = [
                c for c in assertion.cues if c[0] == "historical" and c[1].lower() not in self._ignored_historical
            ]
            return not strong
        return True

    # -- windows ------------------------------------------------------------------------------

    def _window(
        self,
        text: str,
        start: int,
        end: int,
        lo: int,
        hi: int,
        before: int,
        after: int,
        comma_stop: bool = False,
        stop_words: bool = True,
    ) -> _Window:
        """Words naming the body part: up to ``before`` words before the mention (back to a stop
        word, a hard stop or the previous mention) and ``after`` words after it ("CT of the
        abdomen and pelvis"), in canonical stems."""
        spans: list[tuple[int, int]] = []
        distance: dict[str, int] = {}
        # before
        head = text[lo:start]
        cut = max((mm.end() for mm in _HARD_STOP.finditer(head)), default=0)
        words = list(_WORD.finditer(head, cut))
        for w in reversed(words[-before:] if before else []):
            word = w.group().lower()
            if stop_words and word in self._stops:
                break
            spans.append((lo + w.start(), lo + w.end()))
        spans.reverse()
        # after ("magnetic resonance imaging (MRI) of the brain": skip the abbreviation in brackets)
        skip = _ABBREVIATION.match(text, end, hi)
        if skip:
            end = skip.end()
        tail = text[end:hi]
        stop = (_AFTER_STOP if comma_stop else _HARD_STOP).search(tail)
        if stop:
            tail = tail[: stop.start()]
        taken = 0
        leading = True
        for w in _WORD.finditer(tail):
            word = w.group().lower()
            if leading and word in _LEADING:
                continue
            leading = False
            if (stop_words and word in self._stops) or taken >= after:
                break
            spans.append((end + w.start(), end + w.end()))
            taken += 1
        words_map = self.vocab.data.words
        stems: set[str] = set()
        laterality = None
        before_count = sum(1 for s_, _ in spans if s_ < start)
        for i, (s, e) in enumerate(spans):
            token = text[s:e].lower()
            for part in token.split("-"):
                if part in _LATERALITY:
                    laterality = _merge_lat(laterality, _LATERALITY[part])
            gap = before_count - i if s < start else i - before_count + 1
            for st in canonical_stems(token.replace("-", " "), words_map):
                stems.add(st)
                distance[st] = min(distance.get(st, 99), gap)
        return _Window(frozenset(stems), laterality, tuple(spans), distance)

    def _combining_stems(self, trigger: str) -> frozenset[str]:
        """Body part named inside an operation word: "cholecystectomy" -> gallbladder."""
        forms = self.vocab.data.combining_forms
        out: set[str] = set()
        for w in _WORD.finditer(trigger.lower()):
            found = _SUFFIX.match(w.group())
            if not found:
                continue
            stem_ = found.group("stem")
            for n in range(len(stem_), 1, -1):
                words = forms.get(stem_[:n]) or forms.get(stem_[:n].rstrip("o"))
                if words:
                    out.update(canonical_stems(words, self.vocab.data.words))
                    break
        return frozenset(out)

    # -- body part ----------------------------------------------------------------------------

    def _body_part(
        self,
        catalog: Catalog,
        prefixes: list[str],
        stems: frozenset[str],
        prefer: list[str],
        distance: dict[str, int] | None = None,
    ) -> tuple[BodyPartValue, list[str]] | None:
        """Best body-part value among the tables: the label (or Body Part Key alias) whose stems
        all appear, most stems first; PCS B3.5: of overlapping layers the deepest."""
        allowed = set(prefixes)
        seen: set[int] = set()
        found: list[BodyPartValue] = []
        for s in stems:
            for value in catalog.stem_values(s, allowed):
                if id(value) not in seen and value.stems <= stems:
                    seen.add(id(value))
                    found.append(value)
        if not found:
            return None
        order = {p: i for i, p in enumerate(prefixes)}
        rank = {c: i for i, c in enumerate(prefer)}
        rules: list[str] = []
        layered = {_LAYERS[v.prefix[1]] for v in found if v.prefix[0] == "0" and v.prefix[1] in _LAYERS}
        best = max(
            found,
            key=lambda v: (
                _LAYERS.get(v.prefix[1], 0) if len(layered) > 1 else 0,
                len(v.stems),
                -min((distance or {}).get(st, _IMPLIED) for st in v.stems),
                -rank.get(v.prefix[1], len(rank)),
                not v.alias,
                -order[v.prefix],
            ),
        )
        if len(layered) > 1 and best.prefix[1] in _LAYERS:
            rules.append("pcs.B3.5.v1")
        return best, rules

    def _lateral_values(
        self, catalog: Catalog, best: BodyPartValue, laterality: str | None, imaging: bool
    ) -> tuple[list[BodyPartValue], list[str], list[BodyPartValue]]:
        """The value(s) for the documented side: (chosen values, rules, alternatives to query)."""
        variants: dict[str | None, BodyPartValue] = {}
        for v in catalog.body_parts[best.prefix]:
            if v.stems == best.stems and v.laterality not in variants:
                variants[v.laterality] = v
        if len(variants) == 1:
            return [best], [], []
        if laterality in variants:
            rules = ["pcs.B4.3.v1"] if laterality == "B" else []
            return [variants[laterality]], rules, []
        if laterality == "B" and "R" in variants and "L" in variants:
            # PCS B4.3: no bilateral value -> the procedure is coded once for each side
            return [variants["R"], variants["L"]], ["pcs.B4.3.v1"], []
        if laterality is None:
            if None in variants:
                return [variants[None]], [], []
            if imaging and "B" in variants:
                return [variants["B"]], [], []
        if laterality in ("R", "L") and None in variants:
            return [variants[None]], [], []
        return [], [], list(variants.values())

    # -- completing a code --------------------------------------------------------------------

    def _complete(
        self,
        table: PcsTable,
        code: str,
        context: str,
        entry_axes: dict[str, str],
        diagnostic: bool,
    ) -> tuple[str, str | None, list[str], list[tuple[str, str]]]:
        """Fill positions after ``code``: (code, axis left open or None, notes, open options)."""
        notes: list[str] = []
        section = table.prefix[0]
        while len(code) < 7:
            position = len(code) + 1
            title = table.axis_titles[position - 1]
            try:
                options = next_characters(table, code)
            except MedcoderError:
                return code, title, notes, []
            chosen = self._choose(options, title, section, context, entry_axes, diagnostic, notes)
            if chosen is None:
                return code, title, notes, [(c, lbl) for c, lbl, _ in options]
            code += chosen
        return code, None, notes, []

    def _choose(
        self,
        options: list[tuple[str, str, int]],
        title: str,
        section: str,
        context: str,
        entry_axes: dict[str, str],
        diagnostic: bool,
        notes: list[str],
    ) -> str | None:
        axis = "Qualifier" if title.startswith("Qualifier") else title.split(" /")[0]
        if axis in entry_axes:
            wanted = re.compile(entry_axes[axis])
            hits = [c for c, lbl, _ in options if wanted.search(lbl)]
            if hits:
                return hits[0]
        if diagnostic and axis == "Qualifier":
            hits = [c for c, lbl, _ in options if lbl == "Diagnostic"]
            if hits:
                notes.append("qualifier Diagnostic: a biopsy")
                return hits[0]
        for cue, text_re, label_re in self.vocab.cues:
            if cue.axis != axis or (cue.sections is not None and section not in cue.sections):
                continue
            found = text_re.search(context)
            if not found:
                continue
            hits = [c for c, lbl, _ in options if label_re.search(lbl)]
            if len(hits) == 1:
                notes.append(
                    f"{axis.lower()} {next(lbl for c, lbl, _ in options if c == hits[0])!r} from {found.group()!r}"
                )
                return hits[0]
            if len(hits) > 1:
                return None  # documented, but not precisely enough to pick one value: query
        for c, lbl, _ in options:
            if lbl in _PLACEHOLDER_LABELS:
                return c
        if len(options) == 1:
            return options[0][0]
        return None

    # -- imaging ------------------------------------------------------------------------------

    def _imaging(
        self,
        entry: Modality,
        text: str,
        m: re.Match[str],
        sentence: tuple[int, int],
        lo: int,
        hi: int,
        catalog: Catalog,
        adoc: AnalyzedDocument,
    ) -> list[Candidate]:
        prefixes = sorted(
            catalog.imaging_tables(entry.section, entry.type),
            key=lambda p: (entry.prefer.index(p[1]) if p[1] in entry.prefer else len(entry.prefer), p),
        )
        window = self._window(text, m.start(), m.end(), lo, hi, before=4, after=6, comma_stop=True)
        stems = window.stems
        implied = False
        fallback = 1.0
        if entry.body_part:
            stems = stems | frozenset(canonical_stems(entry.body_part, self.vocab.data.words))
            implied = True
        found = self._body_part(catalog, prefixes, stems, entry.prefer, window.distance)
        if found is None:
            # no body part next to the modality ("MRI showed a lesion of the left parietal lobe"):
            # the region named elsewhere in the sentence, with less confidence
            whole = self._window(
                text, m.start(), m.end(), sentence[0], sentence[1], before=12, after=20, stop_words=False
            )
            found = self._body_part(catalog, prefixes, whole.stems, entry.prefer, whole.distance)
            if found is None:
                return []
            window = _Window(frozenset(), whole.laterality, (), {})
            stems = whole.stems
            fallback = 0.6
        best, rules = found
        values, lat_rules, _alternatives = self._lateral_values(catalog, best, window.laterality, imaging=True)
        # "chest and abdominal X-rays": one imaging procedure per region listed (PCS B3.2), the
        # regions left once the best label's words are taken, while a label still covers them
        rest = stems - best.stems - frozenset(canonical_stems(entry.body_part or "", self.vocab.data.words))
        while rest and len(values) < 4:
            more = self._body_part(catalog, prefixes, rest, entry.prefer, window.distance)
            if more is None:
                break
            extra, _, _ = self._lateral_values(catalog, more[0], window.laterality, imaging=True)
            values.extend(v for v in extra if v not in values)
            rest = rest - more[0].stems
        if not values:
            return []
        context = text[sentence[0] : sentence[1]]
        out = []
        for value in values:
            table = catalog.tables[value.prefix]
            code, open_axis, notes, options = self._complete(table, value.prefix + value.char, context, {}, False)
            confidence = (
                entry.confidence
                * (0.85 if open_axis else 1.0)
                * (0.9 if implied and not window.spans else 1)
                * fallback
            )
            evidence = [_evidence(adoc, m.start(), m.end(), "procedure")]
            evidence.extend(_body_evidence(adoc, window, value))
            rationale = [f"{table.operation.label} ({table.section.label}); body part {value.label!r}", *notes]
            out.append(
                Candidate(
                    code,
                    table,
                    entry.id,
                    "imaging",
                    confidence,
                    evidence,
                    rationale,
                    [*rules, *lat_rules],
                    adoc.document_id,
                    sentence,
                    open_axis,
                    self._query_options(table, code, options) if open_axis else [],
                )
            )
        return out

    # -- procedures ---------------------------------------------------------------------------

    def _procedure(
        self,
        entry: ProcedureEntry,
        text: str,
        m: re.Match[str],
        sentence: tuple[int, int],
        lo: int,
        hi: int,
        catalog: Catalog,
        adoc: AnalyzedDocument,
    ) -> list[Candidate]:
        context = text[sentence[0] : sentence[1]]
        evidence = [_evidence(adoc, m.start(), m.end(), "procedure")]
        rules: list[str] = []
        discontinued = self.vocab.discontinued is not None and self.vocab.discontinued.search(context) is not None
        if entry.code is not None and len(entry.code) >= 4:
            table = catalog.tables.get(entry.code[:3])
            if table is None:
                return []
            code, open_axis, notes, options = self._complete(table, entry.code, context, entry.axes, entry.diagnostic)
            if len(code) == 7 and not is_valid(table, code):
                return []
            rationale = [entry.rationale or table.operation.label, *notes]
            return [
                Candidate(
                    code,
                    table,
                    entry.id,
                    entry.kind,
                    entry.confidence * (0.85 if open_axis else 1.0),
                    evidence,
                    rationale,
                    rules,
                    adoc.document_id,
                    sentence,
                    open_axis,
                    self._query_options(table, code, options) if open_axis else [],
                )
            ]
        # root operation from its definition: Excision when only a portion is taken
        operation = entry.operation
        partial_words = re.search(
            r"\b(?:partial|partially|segment\w*|subtotal|sleeve|wedge|portion|part of)",
            context[max(0, m.start() - sentence[0] - 40) : m.end() - sentence[0] + 30],
            re.IGNORECASE,
        )
        if entry.partial_operation and partial_words and operation != entry.partial_operation:
            operation = entry.partial_operation
            rules.append("pcs.root-operation.partial.v1")
        if entry.tables:
            prefixes = [p for p in entry.tables if p in catalog.tables]
            if operation and entry.partial_operation and operation == entry.partial_operation:
                prefixes = [
                    p for p in catalog.operation_tables(operation) if p[1] in {q[1] for q in entry.tables}
                ] or prefixes
        elif entry.code is not None:
            prefixes = [entry.code] if entry.code in catalog.tables else []
        else:
            prefixes = catalog.operation_tables(operation or "")
        if not prefixes:
            return []
        window = self._window(text, m.start(), m.end(), lo, hi, before=4, after=9)
        stems: frozenset[str] = window.stems if entry.body_part_from_text else frozenset()
        if entry.body_part:
            stems = stems | frozenset(canonical_stems(entry.body_part, self.vocab.data.words))
        combined = self._combining_stems(m.group())
        stems = stems | frozenset(canonical_stems(m.group(), self.vocab.data.words)) | combined
        found = self._body_part(catalog, prefixes, stems, [], window.distance)
        fallback = 1.0
        if found is None and entry.body_part_from_text:
            # "a gastroscopy showed antral gastropathy, with biopsy": the body part named elsewhere
            # in the sentence, with less confidence
            whole = self._window(
                text, m.start(), m.end(), sentence[0], sentence[1], before=12, after=20, stop_words=False
            )
            found = self._body_part(catalog, prefixes, stems | whole.stems, [], whole.distance)
            window = _Window(frozenset(), window.laterality or whole.laterality, (), {})
            fallback = 0.7
        if found is None:
            return []
        best, layer_rules = found
        rules.extend(layer_rules)
        laterality = window.laterality or _laterality_in(context)
        if laterality is None and entry.unsided == "bilateral":
            laterality = "B"
        values, lat_rules, alternatives = self._lateral_values(catalog, best, laterality, imaging=False)
        rules.extend(lat_rules)
        # PCS B3.2a: one word naming several body parts ("cystoprostatectomy") is a procedure on each
        rest = combined - best.stems
        while values and rest and len(values) < 4:
            more = self._body_part(catalog, prefixes, rest, [], window.distance)
            if more is None:
                break
            extra, _, _ = self._lateral_values(catalog, more[0], laterality, imaging=False)
            values.extend(v for v in extra if v not in values)
            rest = rest - more[0].stems
        out: list[Candidate] = []
        if not values:
            # the side is not documented: report the table and query the body part (laterality)
            table = catalog.tables[best.prefix]
            options = []
            for alt in alternatives:
                full, open_axis, _, _ = self._complete(
                    table, alt.prefix + alt.char, context, entry.axes, entry.diagnostic
                )
                if open_axis is None:
                    options.append((full, describe(table, full)))
            return [
                Candidate(
                    best.prefix,
                    table,
                    entry.id,
                    entry.kind,
                    entry.confidence * 0.7,
                    [*evidence, *_body_evidence(adoc, window, best)],
                    [entry.rationale or table.operation.label, f"body part {best.label!r}: side not documented"],
                    rules,
                    adoc.document_id,
                    sentence,
                    "Body Part",
                    options,
                )
            ]
        for value in values:
            table = catalog.tables[value.prefix]
            start = value.prefix + value.char
            value_rules = list(rules)
            if value.label.startswith("Coronary Artery") and table.prefix[1] == "2":
                start = _coronary(catalog, table, value, context)
                value_rules.append("pcs.B4.4.v1")
            code, open_axis, notes, options = self._complete(table, start, context, entry.axes, entry.diagnostic)
            confidence = entry.confidence * (0.85 if open_axis else 1.0) * fallback
            rationale = [
                entry.rationale or table.operation.label,
                f"root operation {table.operation.label}: {table.definition or ''}".strip(),
                f"body part {value.label!r}",
                *notes,
            ]
            candidate = Candidate(
                code,
                table,
                entry.id,
                entry.kind,
                confidence,
                [*evidence, *_body_evidence(adoc, window, value)],
                rationale,
                value_rules,
                adoc.document_id,
                sentence,
                open_axis,
                self._query_options(table, code, options) if open_axis else [],
            )
            if discontinued:
                candidate = _discontinued(candidate, catalog, context, self)
            if entry.id == "graft-harvest":
                candidate.rules.append("pcs.B3.9.v1")
                candidate.rationale.append(
                    "PCS B3.9: excision for a graft from a different body part is coded separately"
                )
            if table.operation.label == "Bypass":
                candidate.rules.append("pcs.B3.6a.v1")
            out.append(candidate)
        return out

    def _site_alternatives(self, kept: list[Candidate], catalog: Catalog) -> list[Candidate]:
        """Codes the site's coders report where the rules give another (opt-in, learned data)."""
        have = {c.code for c in kept}
        out: list[Candidate] = []
        for c in kept:
            for alt, rate in self.calibration.alternatives(c.code):
                table = catalog.tables.get(alt[:3])
                if table is None:
                    continue
                code, open_axis, _, _ = self._complete(table, alt, "", {}, False) if len(alt) < 7 else (alt, None, 0, 0)
                if open_axis is not None or not is_valid(table, code) or code in have:
                    continue
                have.add(code)
                out.append(
                    Candidate(
                        code,
                        table,
                        c.entry_id,
                        c.kind,
                        c.confidence * min(0.9, 0.4 + rate / 2),
                        list(c.evidence),
                        [f"site convention (learned from coded history): {alt} reported where the rules give {c.code}"],
                        ["pcs.site-association.v1"],
                        c.document_id,
                        c.sentence,
                    )
                )
        return out

    def _query_options(self, table: PcsTable, code: str, options: list[tuple[str, str]]) -> list[tuple[str, str]]:
        out = []
        for char, _label in options[:24]:
            full, open_axis, _, _ = self._complete(table, code + char, "", {}, False)
            if open_axis is None and is_valid(table, full):
                out.append((full, describe(table, full)))
            else:
                # still open further on: offer the first valid completion of that branch
                branch = full
                while len(branch) < 7:
                    nxt = next_characters(table, branch)
                    branch += nxt[0][0]
                out.append((branch, describe(table, branch)))
        return out

    # -- result -------------------------------------------------------------------------------

    def _result(self, candidates: list[Candidate], encounter: Encounter, rid: str) -> PcsResult:
        procedures: list[CodeAssignment] = []
        queries: list[Query] = []
        ordered = sorted(candidates, key=_sequence_key)
        for n, c in enumerate(ordered, start=1):
            description = self.kb.pcs_description(c.code, rid) if c.complete else None
            if description is None:
                description = _partial_description(c)
            rationale = "; ".join(r for r in c.rationale if r)
            if c.partial_axis:
                rationale += f"; partial code: the {c.partial_axis.lower()} is not documented (query raised)"
            rules = list(dict.fromkeys(c.rules + (["pcs.partial-code.v1"] if c.partial_axis else [])))
            procedures.append(
                CodeAssignment(
                    system="ICD-10-PCS",
                    code=c.code,
                    description=description,
                    confidence=round(max(0.01, min(0.99, c.confidence)), 3),
                    evidence=c.evidence,
                    rationale=rationale,
                    rules=rules,
                    sequence=n,
                )
            )
            if c.partial_axis:
                queries.append(
                    Query(
                        id=f"pcs-{encounter.id}-{len(queries) + 1}",
                        question=f"{description}: which {c.partial_axis.lower()} applies? "
                        "The documentation does not say.",
                        options=[QueryOption(code=code, description=desc) for code, desc in c.options],
                        evidence=c.evidence,
                        reason=f"ICD-10-PCS needs the {c.partial_axis.lower()} (position {len(c.code) + 1}) "
                        f"to complete {c.code}; the valid values come from table {c.code[:3]}.",
                        system="ICD-10-PCS",
                        code=c.code,
                        rules=["pcs.partial-code.v1"],
                    )
                )
        return PcsResult(procedures, queries, rid)


# --- helpers ------------------------------------------------------------------------------------

# Body systems by depth, for PCS B3.5 (overlapping layers: code the deepest layer).
_LAYERS = {"H": 1, "J": 2, "K": 3, "L": 4, "M": 4, "N": 5, "P": 5, "Q": 5}

_OPERATION_WEIGHT = {
    "Transplantation": 10,
    "Resection": 9,
    "Replacement": 9,
    "Bypass": 9,
    "Fusion": 8,
    "Detachment": 8,
    "Excision": 7,
    "Reposition": 7,
    "Extraction": 6,
    "Delivery": 6,
    "Supplement": 6,
    "Extirpation": 6,
    "Dilation": 6,
    "Occlusion": 6,
    "Restriction": 6,
    "Repair": 5,
    "Release": 5,
    "Insertion": 5,
    "Destruction": 5,
    "Fragmentation": 5,
    "Control": 5,
    "Drainage": 4,
    "Removal": 4,
    "Revision": 4,
    "Change": 3,
    "Inspection": 1,
}


def _sequence_key(c: Candidate) -> tuple:
    """Principal procedure first: definitive surgery (most resource-intensive root operation), then
    obstetrics, diagnostic surgery, inspections, other therapy, imaging, measurement."""
    section = c.code[0]
    operation = c.table.operation.label
    diagnostic = len(c.code) == 7 and c.code[6] == "X"
    if section == "0" and operation != "Inspection" and not diagnostic:
        group = 0
    elif section == "1":
        group = 1
    elif section == "0" and diagnostic:
        group = 2
    elif section == "0":
        group = 3
    elif section in "3568":
        group = 4
    elif section in "BC":
        group = 5
    else:
        group = 6
    return (group, -_OPERATION_WEIGHT.get(operation, 0), -c.confidence, c.code)


def _merge_lat(old: str | None, new: str) -> str:
    if old is None or old == new:
        return new
    return "B"


def _laterality_in(context: str) -> str | None:
    found = None
    for w in _WORD.finditer(context):
        lat = _LATERALITY.get(w.group().lower())
        if lat in ("R", "L", "B") and w.group().lower() not in ("os", "ao", "od", "ou"):
            found = _merge_lat(found, lat)
    return found


def _evidence(adoc: AnalyzedDocument, start: int, end: int, supports: str) -> Evidence:
    return Evidence(document_id=adoc.document_id, start=start, end=end, text=adoc.text[start:end], supports=supports)


def _body_evidence(adoc: AnalyzedDocument, window: _Window, value: BodyPartValue) -> list[Evidence]:
    if not window.spans:
        return []
    start, end = window.spans[0][0], window.spans[-1][1]
    return [_evidence(adoc, start, end, f"body part: {value.label}")]


def _partial_description(c: Candidate) -> str:
    from medcoder.codesets.icd10pcs.tables import explain

    try:
        axes = explain(c.table, c.code)
    except MedcoderError:
        return c.table.operation.label
    parts = [a.label for a in axes[2:] if a.label not in _PLACEHOLDER_LABELS]
    return ", ".join(parts) + f" (partial code: {(c.partial_axis or 'axis').lower()} not specified)"


def _coronary(catalog: Catalog, table: PcsTable, value: BodyPartValue, context: str) -> str:
    """PCS B4.4: the coronary arteries are one body part, specified by the number of arteries
    treated ("two coronary arteries" -> Coronary Artery, Two Arteries)."""
    count = "One"
    for w in _WORD.finditer(context.lower()):
        if w.group() in _COUNT_WORDS:
            count = _COUNT_WORDS[w.group()]
            break
    for v in catalog.body_parts[table.prefix]:
        if v.label.startswith("Coronary Artery") and count in v.label:
            return table.prefix + v.char
    return table.prefix + value.char


def _discontinued(candidate: Candidate, catalog: Catalog, context: str, assigner: PcsAssigner) -> Candidate:
    """PCS B3.3: a discontinued procedure is coded to the root operation performed; if only the
    approach was reached, to Inspection of the body part with that approach."""
    inspection = f"{candidate.code[:2]}J"
    table = catalog.tables.get(inspection)
    candidate.rules.append("pcs.B3.3.v1")
    if table is None or len(candidate.code) < 4:
        candidate.confidence *= 0.8
        return candidate
    label = next((v.label for v in catalog.body_parts.get(candidate.code[:3], ()) if v.char == candidate.code[3]), None)
    target = next((v for v in catalog.body_parts.get(inspection, ()) if v.label == label), None)
    if target is None:
        candidate.confidence *= 0.8
        return candidate
    approach = candidate.code[4] if len(candidate.code) > 4 else None
    start = inspection + target.char
    axes = {}
    if approach:
        labels = {c: lbl for c, lbl, _ in next_characters(table, start)}
        if approach in labels:
            axes["Approach"] = "^" + re.escape(labels[approach]) + "$"
    code, open_axis, _notes, options = assigner._complete(table, start, context, axes, False)
    candidate.code = code
    candidate.table = table
    candidate.kind = "inspection"
    candidate.partial_axis = open_axis
    candidate.options = assigner._query_options(table, code, options) if open_axis else []
    candidate.rationale.append("PCS B3.3: procedure discontinued after the approach: coded as Inspection")
    return candidate
