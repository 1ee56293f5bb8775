"""Features of a candidate code, for the site model's ranker and the default confidence."""

from __future__ import annotations

import math

from medcoder.coding.candidates import Candidate
from medcoder.coding.codeindex import CodeIndex

DIAGNOSIS_SECTIONS = frozenset(
    {"diagnoses", "assessment_plan", "postoperative_diagnosis", "preoperative_diagnosis", "chief_complaint"}
)

FEATURES: tuple[str, ...] = (
    "lex_coverage",
    "lex_full",
    "lex_description",
    "lex_inclusion",
    "lex_index",
    "lex_lexicon",
    "lex_count",
    "lex_term_words",
    "learned_p",
    "learned_count",
    "learned_sum",
    "prior",
    "seen",
    "mentions",
    "negated_all",
    "negated_frac",
    "uncertain_frac",
    "family_frac",
    "historical_frac",
    "hypothetical_frac",
    "dx_section",
    "first_position",
    "symptom_chapter",
    "resolved",
    "code_length",
    "neg_learned",
    "learned_aligned",
    "learned_lift_max",
    "learned_lift_sum",
    "lex_and_learned",
    "code_precision",
    "code_candidates",
    "doc_candidates",
    "rank_learned",
    "rank_lexical",
    "cat_learned_p",
    "cat_learned_count",
    "cat_best",
    "external_cause",
    "lex_anchored",
    "rank_lift",
    "rank_prior",
    "cat_share",
    "cat_top",
    "cat_candidates",
)
BASE_PRECISION = 0.1  # prior for a code the site's history has never seen as a candidate
PRECISION_WEIGHT = 3.0


def features(
    cand: Candidate,
    index: CodeIndex,
    text_length: int,
    code_docs: dict[str, int] | None,
    n_docs: int,
    code_stats: dict[str, tuple[int, int]] | None = None,
) -> dict[str, float]:
    lex = [m for m in cand.mentions if m.source != "learned"]
    learned = [m for m in cand.mentions if m.source == "learned"]
    best_lex = max((m.score for m in lex), default=0.0)
    best_source = max(lex, key=lambda m: m.score).source if lex else ""
    term_words = max((len(m.term.split()) for m in lex if m.score >= best_lex - 1e-9), default=0)
    n = len(cand.mentions)
    node = index.get(cand.code)
    seen_docs = (code_docs or {}).get(cand.code, 0)
    affirmed_learned = [m for m in learned if not m.negated]
    return {
        "lex_coverage": best_lex,
        "lex_full": float(best_lex >= 0.999),
        "lex_description": float(best_source == "description"),
        "lex_inclusion": float(best_source == "inclusion"),
        "lex_index": float(best_source in ("index", "neoplasm")),
        "lex_lexicon": float(best_source in ("lexicon", "profile")),  # curated or a site profile's wording
        "lex_count": math.log1p(len(lex)),
        "lex_term_words": min(term_words, 10) / 10.0,
        "learned_p": max((m.score for m in learned), default=0.0),
        "learned_count": math.log1p(len(cand.phrases)),
        "learned_sum": min(sum(p for p, _ in cand.phrases.values()), 5.0),
        "prior": math.log((seen_docs + 1) / (n_docs + 2)) if code_docs is not None else 0.0,
        "seen": float(seen_docs > 0),
        "mentions": math.log1p(n),
        "negated_all": float(all(m.negated for m in cand.mentions)),
        "negated_frac": sum(m.negated for m in cand.mentions) / n,
        "uncertain_frac": sum(m.uncertain for m in cand.mentions) / n,
        "family_frac": sum(m.family for m in cand.mentions) / n,
        "historical_frac": sum(m.historical for m in cand.mentions) / n,
        "hypothetical_frac": sum(m.hypothetical for m in cand.mentions) / n,
        "dx_section": float(any(m.section in DIAGNOSIS_SECTIONS for m in cand.mentions)),
        "first_position": min(m.start for m in cand.mentions) / max(text_length, 1),
        "symptom_chapter": float(node is not None and node.chapter == "18"),
        "resolved": float(cand.code not in cand.matched),
        "code_length": len(cand.code.replace(".", "")) / 7.0,
        "neg_learned": float(bool(learned) and not affirmed_learned),
        "learned_aligned": float(any(m.aligned for m in learned)),
        "learned_lift_max": math.log1p(max((m.lift for m in learned), default=0.0)),
        "learned_lift_sum": math.log1p(sum(lift for _, lift in cand.phrases.values())),
        "lex_and_learned": float(bool(lex) and bool(learned)),
        "external_cause": float(node is not None and node.chapter == "20"),
        "lex_anchored": float(any(m.anchored and m.score >= best_lex - 1e-9 for m in lex)),
        **code_precision(cand.code, code_stats),
    }


def code_precision(code: str, code_stats: dict[str, tuple[int, int]] | None) -> dict[str, float]:
    """How often this code, proposed as a candidate on the site's history, was one its coders
    reported (smoothed): the engine's own track record per code."""
    hits, seen = (code_stats or {}).get(code, (0, 0))
    return {
        "code_precision": (hits + PRECISION_WEIGHT * BASE_PRECISION) / (seen + PRECISION_WEIGHT),
        "code_candidates": math.log1p(seen),
    }


def default_confidence(feat: dict[str, float]) -> float:
    """Without a site model: how well the best term matched, from which source, how often.

    A hand-set logistic curve, not learned; it orders candidates sensibly and puts full matches of
    a code title or inclusion term above partial ones.  A site model replaces it.
    """
    z = (
        -12.0
        + 12.0 * feat["lex_coverage"]
        + 1.0 * feat["lex_full"]
        + 0.4 * feat["lex_lexicon"]
        + 0.3 * feat["lex_inclusion"]
        + 0.5 * feat["lex_count"]
        + 0.5 * feat["lex_term_words"]
        + 0.5 * feat["dx_section"]
        - 0.5 * feat["resolved"]
        - 3.0 * feat["external_cause"]  # V00-Y99 need the External Cause Index, not word matches
        - 4.0 * (1.0 - feat["lex_anchored"])  # the term's distinctive word is missing
    )
    return 1.0 / (1.0 + math.exp(-z))


def add_relative(rows: list[dict[str, float]]) -> None:
    """Features relative to the encounter's other candidates: a code's standing among them."""
    n = len(rows)
    if not n:
        return
    for name, key in (
        ("rank_learned", "learned_sum"),
        ("rank_lexical", "lex_coverage"),
        ("rank_lift", "learned_lift_max"),
    ):
        order = sorted(range(n), key=lambda i: -rows[i][key])
        for rank, i in enumerate(order):
            rows[i][name] = rank / n if rows[i][key] > 0 else 1.0
    order = sorted(range(n), key=lambda i: -rows[i]["prior"])
    for rank, i in enumerate(order):
        rows[i]["rank_prior"] = rank / n
    for row in rows:
        row["doc_candidates"] = math.log1p(n)


def add_category(cands: list, doc_phrases: set[str], cat_assoc: dict[str, list[tuple[str, float, int]]]) -> None:
    """Category-level evidence: phrases that predict the 3-character category pool the history of
    sibling codes (a rare code's category is often well attested), and whether the candidate is
    its category's strongest in this encounter."""
    cat_p: dict[str, float] = {}
    cat_n: dict[str, int] = {}
    for key in doc_phrases:
        for cat, p, _n in cat_assoc.get(key, ()):
            if p > cat_p.get(cat, 0.0):
                cat_p[cat] = p
            cat_n[cat] = cat_n.get(cat, 0) + 1
    best: dict[str, tuple[float, int]] = {}
    for i, cand in enumerate(cands):
        strength = cand.features["learned_sum"] + cand.features["lex_coverage"]
        cat = cand.code[:3]
        if cat not in best or strength > best[cat][0]:
            best[cat] = (strength, i)
    for i, cand in enumerate(cands):
        cat = cand.code[:3]
        cand.features["cat_learned_p"] = cat_p.get(cat, 0.0)
        cand.features["cat_learned_count"] = math.log1p(cat_n.get(cat, 0))
        cand.features["cat_best"] = float(best[cat][1] == i)


def add_siblings(cands: list, by_category: dict[str, list[tuple[str, int]]]) -> None:
    """Sibling selection: how much of its category's use in the site's history the code has, whether
    it is the category's most used code, and how many of the category's codes are candidates here."""
    per_cat: dict[str, int] = {}
    for cand in cands:
        per_cat[cand.code[:3]] = per_cat.get(cand.code[:3], 0) + 1
    for cand in cands:
        cat = cand.code[:3]
        used = by_category.get(cat, [])
        total = sum(n for _, n in used)
        mine = next((n for code, n in used if code == cand.code), 0)
        cand.features["cat_share"] = mine / total if total else 0.0
        cand.features["cat_top"] = float(bool(used) and used[0][0] == cand.code)
        cand.features["cat_candidates"] = math.log1p(per_cat[cat] - 1)


# How surely a wording in each part of a note is a diagnosis of this encounter, without a site
# model: the provider's diagnostic statement most, narrative less, history least (OCG II, III.B,
# IV.J).  Hand-set, not learned; bench/calibration.py measures what it means.
SECTION_CONFIDENCE = {
    "diagnoses": 0.92,
    "postoperative_diagnosis": 0.92,
    "assessment_plan": 0.9,
    "admitting_diagnosis": 0.85,
    "preoperative_diagnosis": 0.85,
    "chief_complaint": 0.8,
    "history_present_illness": 0.75,
    "hospital_course": 0.75,
    "plan": 0.7,
    "operative_findings": 0.7,
    "unknown": 0.75,
    "other": 0.7,
    "past_medical_history": 0.65,
    "past_surgical_history": 0.6,
    "social_history": 0.65,
    "medications": 0.65,
    "allergies": 0.65,
    "family_history": 0.65,
    # findings: ocg.III.B.findings removes what only they hold, saying why; the confidence is what
    # it would be were that rule off
    "review_of_systems": 0.6,
    "physical_exam": 0.6,
    "labs": 0.6,
    "imaging": 0.6,
    "procedures": 0.6,
}
# curated wording and code titles name the condition; an inclusion term or a one-word title less so
SOURCE_CONFIDENCE = {
    "lexicon": 0.0,
    "profile": 0.0,  # a site profile's wording (site-model path only), as curated as the site made it
    "index": 0.0,
    "description": -0.02,
    "neoplasm": -0.04,
    "inclusion": -0.04,
}


def fact_confidence(cand: Candidate) -> float:
    """Without a site model: the best mention's section, source and tightness, a little more for
    each further affirmed mention.  Mentions that are negated, family or hypothetical add nothing
    (the rules drop codes that have only those)."""
    live = [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)] or cand.mentions
    best = 0.0
    for m in live:
        value = SECTION_CONFIDENCE.get(m.section, 0.6) + SOURCE_CONFIDENCE.get(m.source, -0.05)
        value -= 0.03 * m.gaps
        if m.words == 1 and m.source not in ("lexicon", "profile"):
            value -= 0.05
        if m.uncertain:
            value -= 0.1
        if m.covered_by:
            value -= 0.1  # its words are part of a longer wording that names something else
        best = max(best, value)
    best += 0.02 * min(len({(m.document_id, m.start) for m in live}) - 1, 3)
    return max(0.0, min(best, 0.99))


def rule_candidate(code: str, mention, rule_id: str, step: str) -> Candidate:
    """A candidate a guideline rule adds (a Z code for the encounter's reason, a finding's code):
    its one mention, the confidence of a stated fact, the rule and the step that explain it."""
    cand = Candidate(code, matched={code}, mentions=[mention])
    cand.confidence = fact_confidence(cand)
    cand.rules.append(rule_id)
    cand.steps.append(step)
    return cand
