"""The diagnosis coding engine: documents in, ICD-10-CM codes with evidence out.

analyze (sections, sentences, assertion, attributes)
  -> candidates (term dictionary + site model phrases, resolved to billable codes)
  -> confidence (site model ranker, or the default curve)
  -> guideline rules (assertion, history, combination codes, integral symptoms, Excludes1)
  -> threshold and sequencing (principal / first-listed first)
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.normalize import ICD10CM
from medcoder.coding import specificity  # noqa: F401 - registers ocg.I.B.3.specificity
from medcoder.coding.candidates import Candidate, collect
from medcoder.coding.codeindex import CodeIndex
from medcoder.coding.dictionary import TermDictionary, build_cm_dictionary
from medcoder.coding.features import add_category, add_relative, add_siblings, default_confidence, features
from medcoder.coding.guidelines import RULES, Context, apply_rules, sequence
from medcoder.coding.sitemodel import SiteModel
from medcoder.models import CodeAssignment, CodingResult, Encounter, Evidence, Provenance

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.5
MAX_EVIDENCE = 3


@dataclass(slots=True)
class EncounterCandidates:
    encounter: Encounter
    candidates: list[Candidate]
    text_length: int


class Coder:
    """Codes encounters against one ICD-10-CM release (chosen by each encounter's date of service)."""

    def __init__(
        self, kb: KnowledgeBase | None = None, model: SiteModel | None = None, min_confidence: float | None = None
    ) -> None:
        """``min_confidence`` overrides the reporting threshold (the model's, or 0.5 without one):
        lower it to see more suggestions for review, raise it for fewer, surer codes."""
        from medcoder.codesets.kb import default_kb

        self.kb = kb or default_kb()
        self.model = model
        self.min_confidence = min_confidence
        self._indexes: dict[str, CodeIndex] = {}
        self._dictionaries: dict[str, TermDictionary] = {}
        self._notes_cache: dict[str, dict[str, list[str]]] = {}

    # -- per release resources ----------------------------------------------------------------

    def release_for(self, day: dt.date | None) -> str:
        return self.kb.release(ICD10CM, day).release_id

    def index(self, release_id: str) -> CodeIndex:
        if release_id not in self._indexes:
            self._indexes[release_id] = CodeIndex(self.kb, release_id)
        return self._indexes[release_id]

    def dictionary(self, release_id: str) -> TermDictionary:
        if release_id not in self._dictionaries:
            self._dictionaries[release_id] = build_cm_dictionary(self.kb, release_id)
        return self._dictionaries[release_id]

    # -- stages ---------------------------------------------------------------------------------

    def candidates(self, encounter: Encounter, model: SiteModel | None = None) -> EncounterCandidates:
        from medcoder.extract.pipeline import analyze

        model = self.model if model is None else model
        rid = self.release_for(encounter.date_of_service)
        index, dictionary = self.index(rid), self.dictionary(rid)
        found: dict[str, Candidate] = {}
        doc_phrases: set[str] = set()
        length = 0
        for document in encounter.documents:
            analyzed = analyze(document.id, document.text)
            collect(
                analyzed,
                dictionary,
                index,
                model.assoc if model else None,
                found,
                model.priors() if model else None,
                doc_phrases,
            )
            length += len(document.text)
        cands = sorted(found.values(), key=lambda c: c.code)  # a fixed order: same input, same output
        for cand in cands:
            cand.features = features(
                cand,
                index,
                length,
                model.code_docs if model else None,
                model.n_docs if model else 0,
                model.code_stats if model else None,
            )
        add_relative([c.features for c in cands])
        add_category(cands, doc_phrases, model.cat_assoc if model else {})
        add_siblings(cands, model.by_category() if model else {})
        return EncounterCandidates(encounter, cands, length)

    def score(self, found: EncounterCandidates, model: SiteModel | None = None) -> None:
        model = self.model if model is None else model
        if model is not None and model.ranker:
            for cand, p in zip(found.candidates, model.score_many([c.features for c in found.candidates]), strict=True):
                cand.confidence = p
            return
        for cand in found.candidates:
            cand.confidence = default_confidence(cand.features)

    def finish(
        self, found: EncounterCandidates, model: SiteModel | None = None, floor: float | None = None
    ) -> tuple[list[Candidate], Context]:
        """Guideline rules, then the reporting threshold, then sequencing.

        Rules see the candidates at or above ``floor`` (default: the threshold itself, so they
        work on what could be reported; training passes a low floor to study them).
        """
        model = self.model if model is None else model
        rid = self.release_for(found.encounter.date_of_service)
        ctx = Context(
            setting=found.encounter.setting.value,
            index=self.index(rid),
            kb=self.kb,
            conventions=dict(model.conventions) if model else {},
            cache=self._notes_cache.setdefault(rid, {}),
        )
        threshold = model.threshold if model is not None and model.ranker else DEFAULT_THRESHOLD
        if self.min_confidence is not None and model is self.model:
            threshold = self.min_confidence
        floor = threshold if floor is None else floor
        kept = apply_rules([c for c in found.candidates if c.confidence >= floor], ctx)
        kept = [c for c in kept if c.confidence >= threshold]
        return sequence(kept, ctx), ctx

    # -- the whole job ------------------------------------------------------------------------

    def code(self, encounter: Encounter) -> CodingResult:
        found = self.candidates(encounter)
        self.score(found)
        ordered, ctx = self.finish(found)
        rid = ctx.index.release_id
        diagnoses = [self._assignment(c, i + 1, ctx) for i, c in enumerate(ordered)]
        rules = [r for r in RULES if ctx.enabled(r)]
        from medcoder import __version__

        provenance = Provenance(
            medcoder=__version__,
            code_sets={ICD10CM: rid},
            models={"site": self.model.meta.get("id", "site-model")} if self.model else {},
            rules=rules,
        )
        return CodingResult(
            encounter_id=encounter.id, releases={ICD10CM: rid}, diagnoses=diagnoses, provenance=provenance
        )

    def _assignment(self, cand: Candidate, sequence_no: int, ctx: Context) -> CodeAssignment:
        node = ctx.index.get(cand.code)
        # evidence is what supports the code: affirmed mentions; others only when nothing else does
        # (an uncertain inpatient diagnosis coded as established, OCG II.H)
        affirmed = [m for m in cand.mentions if m.affirmed]
        mentions = sorted(affirmed or cand.mentions, key=lambda m: (-m.score, m.start))
        evidence = []
        seen = set()
        for m in mentions:
            key = (m.document_id, m.start, m.end)
            if key in seen:
                continue
            seen.add(key)
            evidence.append(
                Evidence(document_id=m.document_id, start=m.start, end=m.end, text=m.text, supports=cand.code)
            )
            if len(evidence) >= MAX_EVIDENCE:
                break
        return CodeAssignment(
            system=ICD10CM,
            code=cand.code,
            description=node.description if node else "",
            confidence=round(cand.confidence, 4),
            evidence=evidence,
            rationale=rationale(cand),
            rules=sorted(set(cand.rules)),
            sequence=sequence_no,
        )


def rationale(cand: Candidate) -> str:
    best = cand.best()
    parts = []
    if best is not None:
        label = {
            "description": "code title",
            "inclusion": "inclusion term",
            "index": "Alphabetic Index",
            "neoplasm": "Neoplasm Table",
            "lexicon": "medcoder lexicon",
            "learned": "site model phrase",
        }.get(best.source, best.source)
        if best.source == "learned":
            parts.append(f"{label} {best.term!r} (P={best.score:.2f}) in {best.text!r}")
        else:
            parts.append(f"{label} {best.term!r} matched {best.text!r} ({best.score:.0%} of its words)")
        if best.section not in ("unknown", "other"):
            parts.append(f"section {best.section}")
        status = [k for k in ("uncertain", "historical") if getattr(best, k)]
        if status:
            parts.append("; ".join(status))
    parts.extend(cand.steps)
    return "; ".join(parts)
