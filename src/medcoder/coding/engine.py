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
from pathlib import Path

from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.normalize import ICD10CM
from medcoder.coding import (
    admission,  # noqa: F401 - registers ocg.II.reason (the admission's / visit's stated reason first)
    cancelled,  # noqa: F401 - registers ocg.I.C.21.c.12.cancelled (Z53, procedure not carried out)
    cerebrovascular,  # noqa: F401 - registers ocg.I.C.6.a dominance, ocg.I.C.9.d sequelae
    circulatory,  # noqa: F401 - registers ocg.I.B.8 acuity, ocg.I.B.11, ocg.I.C.9.a.unrelated, ocg.I.C.9.e.4
    complications,  # noqa: F401 - registers ocg.I.B.16 / I.C.19.g complications of care, I.C.10.d.1 VAP
    conventions,  # noqa: F401 - registers ocg.I.A.13 manifestation / code-first partner, I.B.8 pairs, I.B.10, I.B.14
    diabetes,  # noqa: F401 - registers ocg.I.C.4.a (diabetes type, 'with', insulin, secondary diabetes)
    digestive,  # noqa: F401 - registers ocg.I.C.11.with_bleeding (K57 'with bleeding')
    drugs,  # noqa: F401 - registers ocg.I.C.19.e (Table of Drugs), after the above
    ear,  # noqa: F401 - registers ocg.I.C.8.otitis_rupture (H66.01- acute suppurative OM with rupture)
    encounters,  # noqa: F401 - registers ocg.I.C.21.c.13 (routine examinations), after pregnancy
    external,  # noqa: F401 - registers ocg.I.C.20 external causes (External Cause Index)
    eye,  # noqa: F401 - registers ocg.I.C.7.a.glaucoma (type, eye and stage)
    findings,  # noqa: F401 - registers ocg.I.C.18.e coma scale, I.C.17 corrected malformations
    infections,  # noqa: F401 - registers ocg.I.C.1.a (AIDS, HIV first, R75), ocg.I.C.21.c.1 (exposure Z20)
    injuries,  # noqa: F401 - registers ocg.I.C.19.d burns, I.B.10 sequelae, I.C.19.f abuse
    kidney,  # noqa: F401 - registers ocg.I.C.14.a.dialysis (Z99.2 dialysis status)
    mental,  # noqa: F401 - registers ocg.I.C.5.d dementia, ocg.I.C.5.depression, ocg.I.C.5.c FDIA
    musculoskeletal,  # noqa: F401 - registers ocg.I.B.13.bilateral, I.C.13.d.2 (M80), I.C.6.b.1 (pain)
    neoplasms,  # noqa: F401 - registers ocg.I.C.2.c.1 (D63.0), I.C.2.n remission, I.C.2.d (Z85, Z08), lipoma site
    neuro,  # noqa: F401 - registers ocg.I.C.9.infarction.artery (I63 by artery and side)
    newborn,  # noqa: F401 - registers ocg.I.C.16.a.2.birth (Z38 first on the newborn record)
    organisms,  # noqa: F401 - registers ocg.I.C.1.b (organism B95-B96, resistance Z16)
    pregnancy,  # noqa: F401 - registers ocg.I.C.15 (chapter 15), last
    respiratory,  # noqa: F401 - registers ocg.I.C.10.c.identified (influenza A/B is J10)
    sepsis,  # noqa: F401 - registers ocg.I.C.1.d (sepsis by organism, postprocedural sepsis T81.44)
    skin,  # noqa: F401 - registers ocg.I.C.12 ulcer severity and stage, ocg.I.B.13.limb
    skin_msk,  # noqa: F401 - registers ocg.I.C.12.a.5 healed, I.C.12.a.7 progression, I.C.12.b L97, I.C.13.c M84
    specificity,  # noqa: F401 - registers ocg.I.B.3.specificity
    statements,  # noqa: F401 - registers ocg.III.B.findings, ocg.IV.J.statement
    substance,  # noqa: F401 - registers ocg.I.C.5.b (use, abuse, dependence)
    zcodes,  # noqa: F401 - registers ocg.I.C.21.c screening, immunization, counseling, status, injury aftercare
)
from medcoder.coding.candidates import Candidate, collect, from_facts
from medcoder.coding.codeindex import CodeIndex
from medcoder.coding.dictionary import TermDictionary, build_cm_dictionary, profile_equivalents, word_equivalents
from medcoder.coding.features import (
    add_category,
    add_relative,
    add_siblings,
    fact_confidence,
    features,
)
from medcoder.coding.guidelines import RULES, Context, apply_rules, sequence
from medcoder.coding.phrase_profile import PhraseProfile, check_model_profile
from medcoder.coding.sitemodel import SiteModel
from medcoder.coding.terms import CmVocabulary
from medcoder.models import CodeAssignment, CodingResult, Encounter, Evidence, NotReported, Provenance

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.5
PARTNER_NOTES = frozenset({"useAdditionalCode", "codeAlso", "codeFirst"})
MAX_EVIDENCE = 3


@dataclass(slots=True)
class EncounterCandidates:
    encounter: Encounter
    candidates: list[Candidate]
    text_length: int
    analyzed: object = None  # the AnalyzedEncounter the candidates come from


class Coder:
    """Codes encounters against one ICD-10-CM release (chosen by each encounter's date of service)."""

    def __init__(
        self,
        kb: KnowledgeBase | None = None,
        model: SiteModel | None = None,
        min_confidence: float | None = None,
        cm_phrases: PhraseProfile | str | Path | None = None,
    ) -> None:
        """``min_confidence`` overrides the reporting threshold (the model's, or 0.5 without one):
        lower it to see more suggestions for review, raise it for fewer, surer codes.
        ``cm_phrases``: an opt-in ICD-10-CM phrase profile (a file, read now) for the site-model
        path's term dictionary (:mod:`medcoder.coding.phrase_profile`), named in provenance."""
        from medcoder.codesets.kb import default_kb

        self.kb = kb or default_kb()
        self.model = model
        self.min_confidence = min_confidence
        self.cm_phrases = PhraseProfile.coerce(cm_phrases)
        if _learned(model):
            check_model_profile(model.meta, self.cm_phrases)
        self._indexes: dict[str, CodeIndex] = {}
        self._dictionaries: dict[str, TermDictionary] = {}
        self._vocabularies: dict[str, CmVocabulary] = {}
        self._notes_cache: dict[str, dict[str, list[str]]] = {}

    # -- per release resources ----------------------------------------------------------------

    def release_for(self, day: dt.date | None) -> str:
        # a date after every installed release codes with the newest (the pipeline warns)
        return self.kb.release(ICD10CM, day, fallback=True).release_id

    def index(self, release_id: str) -> CodeIndex:
        if release_id not in self._indexes:
            self._indexes[release_id] = CodeIndex(self.kb, release_id)
        return self._indexes[release_id]

    def dictionary(self, release_id: str) -> TermDictionary:
        if release_id not in self._dictionaries:
            self._dictionaries[release_id] = build_cm_dictionary(self.kb, release_id, self.cm_phrases)
        return self._dictionaries[release_id]

    def vocabulary(self, release_id: str) -> CmVocabulary:
        if release_id not in self._vocabularies:
            self._vocabularies[release_id] = CmVocabulary(self.kb, release_id)
        return self._vocabularies[release_id]

    def _partner_refs(self, release_id: str, code: str) -> list[str]:
        """The codes a code's notes ask for beside it: "use additional code", "code also", and the
        etiology its "code first" names (OCG I.A.13); cached per release."""
        cache = self._notes_cache.setdefault(release_id, {})
        key = f"partners:{code}"
        if key not in cache:
            node = self.kb.cm(code, release_id=release_id)
            notes = self.kb.cm_notes(node) if node else []
            cache[key] = [r for n in notes if n.type in PARTNER_NOTES for r in n.refs]
        return cache[key]

    def analyze(self, encounter: Encounter):
        """The encounter analysed once (sections, sentences, condition facts): what every assigner
        reads (DESIGN §2 ``extract/``)."""
        from medcoder.extract.facts import analyze_encounter

        rid = self.release_for(encounter.date_of_service)
        return analyze_encounter(encounter, self.vocabulary(rid))

    # -- stages ---------------------------------------------------------------------------------

    def candidates(self, encounter: Encounter, model: SiteModel | None = None, analyzed=None) -> EncounterCandidates:
        """Candidate codes: without a site model, the condition facts of the analysed encounter
        (ordered phrases of the classification and the curated lexicon); with one, also the
        site's learned phrases and the looser word-bag matches its ranker was trained on."""
        model = self.model if model is None else model
        rid = self.release_for(encounter.date_of_service)
        index = self.index(rid)
        learned = _learned(model)
        if analyzed is None:
            from medcoder.extract.facts import analyze_encounter

            # a learned site model's candidates come from its own phrases: no facts to extract
            analyzed = analyze_encounter(encounter) if learned else self.analyze(encounter)
        found: dict[str, Candidate] = {}
        doc_phrases: set[str] = set()
        length = sum(len(d.text) for d in encounter.documents)
        if not learned:
            # the defaults (or a conventions-only profile: a model that learned no phrases)
            from_facts(analyzed, self.vocabulary(rid), index, found, lambda code: self._partner_refs(rid, code))
        else:
            dictionary = self.dictionary(rid)
            with profile_equivalents(self.cm_phrases):  # an opt-in profile's word equivalents, if any
                for document in analyzed.documents:
                    collect(
                        document,
                        dictionary,
                        index,
                        model.assoc,
                        found,
                        model.priors(),
                        doc_phrases,
                    )
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
        return EncounterCandidates(encounter, cands, length, analyzed)

    def score(self, found: EncounterCandidates, model: SiteModel | None = None) -> None:
        model = self.model if model is None else model
        if model is not None and model.ranker:
            for cand, p in zip(found.candidates, model.score_many([c.features for c in found.candidates]), strict=True):
                cand.confidence = p
            return
        # without a ranking site model the candidates are condition facts: their confidence is
        # the diagnostic statement's
        for cand in found.candidates:
            cand.confidence = fact_confidence(cand)

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
            analyzed=found.analyzed,
        )
        threshold = self.threshold(model)
        floor = threshold if floor is None else floor
        kept = apply_rules([c for c in found.candidates if c.confidence >= floor], ctx)
        kept = [c for c in kept if c.confidence >= threshold]
        return sequence(kept, ctx), ctx

    def threshold(self, model: SiteModel | None) -> float:
        """The reporting threshold: ``min_confidence`` when set, else the model's, else 0.5."""
        threshold = model.threshold if model is not None and model.ranker else DEFAULT_THRESHOLD
        if self.min_confidence is not None and model is self.model:
            threshold = self.min_confidence
        return threshold

    # -- the whole job ------------------------------------------------------------------------

    def code(self, encounter: Encounter, analyzed=None) -> CodingResult:
        """Code one encounter; ``analyzed`` is its :class:`AnalyzedEncounter` when the caller (the
        pipeline) has already analysed it for the other assigners."""
        found = self.candidates(encounter, analyzed=analyzed)
        self.score(found)
        ordered, ctx = self.finish(found)
        rid = ctx.index.release_id
        diagnoses = [self._assignment(c, i + 1, ctx) for i, c in enumerate(ordered)]
        rules = [r for r in RULES if ctx.enabled(r)]
        from medcoder import __version__

        learned = _learned(self.model)
        models = {"site": self.model.meta.get("id", "site-model")} if self.model else {}
        if learned and self.cm_phrases is not None:  # the site profile's wording was matched: say which
            models["cm_phrases"] = self.cm_phrases.id
        provenance = Provenance(
            medcoder=__version__,
            code_sets={ICD10CM: rid},
            models=models,
            lexicons={"cm_word_equivalents": f"v{word_equivalents().version}"}
            if learned
            else {"ICD-10-CM": self.vocabulary(rid).lexicon_version},
            rules=rules,
        )
        return CodingResult(
            encounter_id=encounter.id,
            releases={ICD10CM: rid},
            diagnoses=diagnoses,
            not_reported=self._not_reported(found, ordered, ctx),
            provenance=provenance,
        )

    def _not_reported(self, found: EncounterCandidates, ordered: list[Candidate], ctx: Context) -> list[NotReported]:
        """Every candidate not reported, with the rule that removed it or the threshold it missed."""
        kept = {id(c) for c in ordered}
        by_rule = {id(c): rule_id for c, rule_id in ctx.removed}
        threshold = self.threshold(self.model)
        out = []
        for cand in sorted(found.candidates, key=lambda c: -c.confidence):
            if id(cand) in kept:
                continue
            rule_id = by_rule.get(id(cand))
            if rule_id is not None:
                reason = cand.steps[-1] if cand.steps else rule_id
            else:
                rule_id = "threshold"
                best = cand.best()
                where = f" (best mention in {best.section.replace('_', ' ')})" if best is not None else ""
                reason = f"confidence {cand.confidence:.2f} below the reporting threshold {threshold:.2f}{where}"
            node = ctx.index.get(cand.code)
            out.append(
                NotReported(
                    system=ICD10CM,
                    code=cand.code,
                    description=node.description if node else "",
                    confidence=round(cand.confidence, 4),
                    rule=rule_id,
                    reason=reason,
                    evidence=self._evidence(cand, all_mentions=True),
                )
            )
        return out

    def _assignment(self, cand: Candidate, sequence_no: int, ctx: Context) -> CodeAssignment:
        node = ctx.index.get(cand.code)
        return CodeAssignment(
            system=ICD10CM,
            code=cand.code,
            description=node.description if node else "",
            confidence=round(cand.confidence, 4),
            evidence=self._evidence(cand),
            rationale=rationale(cand),
            rules=sorted(set(cand.rules)),
            sequence=sequence_no,
        )

    @staticmethod
    def _evidence(cand: Candidate, all_mentions: bool = False) -> list[Evidence]:
        # evidence is what supports the code: affirmed mentions; others only when nothing else does
        # (an uncertain inpatient diagnosis coded as established, OCG II.H).  For a code not
        # reported, every mention: the negated one is the reason.
        affirmed = [m for m in cand.mentions if m.affirmed]
        mentions = sorted(
            cand.mentions if all_mentions else (affirmed or cand.mentions), key=lambda m: (-m.score, m.start)
        )
        evidence = []
        seen = set()
        for m in mentions:
            key = (m.document_id, m.start, m.end)
            if key in seen or any(d == m.document_id and s <= m.start and m.end <= e for d, s, e in seen):
                continue  # the same words, or words inside a span already given ("diabetes" in "type 2 diabetes")
            seen.add(key)
            evidence.append(
                Evidence(document_id=m.document_id, start=m.start, end=m.end, text=m.text, supports=cand.code)
            )
            if len(evidence) >= MAX_EVIDENCE:
                break
        return evidence


def _learned(model: SiteModel | None) -> bool:
    """Does the model bring its own candidates (learned phrases, a ranker)?  A model without them
    is a conventions-only profile over the default engine."""
    return model is not None and bool(model.ranker or model.assoc)


def rationale(cand: Candidate) -> str:
    best = cand.best()
    parts = []
    if best is not None:
        label = {
            "description": "code title",
            "inclusion": "inclusion term",
            "index": "Alphabetic Index",
            "neoplasm": "Neoplasm Table",
            "lexicon": "US clinical lexicon",
            "drug": "Table of Drugs",
            "guideline": "guideline wording",
            "learned": "site model phrase",
            "profile": "site profile phrase",
        }.get(best.source, best.source)
        if best.source == "learned":
            parts.append(f"{label} {best.term!r} (P={best.score:.2f}) in {best.text!r}")
        elif best.statement >= 0 and best.words and best.score >= 1.0 and best.source != "learned" and best.share:
            gaps = f", {best.gaps} word(s) between" if best.gaps else ""
            parts.append(f"{label} {best.term!r} matched {best.text!r} in order{gaps}")
            if best.ref and best.ref != best.term:
                parts.append(f"source: {best.ref}")
        else:
            parts.append(f"{label} {best.term!r} matched {best.text!r} ({best.score:.0%} of its words)")
        if best.section not in ("unknown", "other"):
            parts.append(f"section {best.section}")
        status = [k for k in ("uncertain", "historical") if getattr(best, k)]
        if status:
            parts.append("; ".join(status))
    parts.extend(cand.steps)
    return "; ".join(parts)
