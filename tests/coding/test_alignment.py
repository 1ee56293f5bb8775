"""Sentence alignment of a coded history (``medcoder.coding.alignment``) and the choice of the
reporting threshold on it (``training.threshold_curve`` / ``training.objective``), on tiny hand-made
training sets."""

from __future__ import annotations

import pytest

from medcoder.coding.alignment import CATEGORY, EXACT, AlignedDocument, align, lexical_score
from medcoder.coding.candidates import Candidate
from medcoder.coding.dictionary import TermDictionary, canonical
from medcoder.coding.features import add_siblings
from medcoder.coding.text import stem
from medcoder.coding.training import (
    _aligned_document,
    aligned_associations,
    associations,
    objective,
    threshold_curve,
)
from medcoder.models import Document, Encounter

FRACTURE = "S82.201A"
FEVER = "R50.9"
HYPERTENSION = "I10"

FEVER_SENTENCE = "She had a febrile syndrome for a week."
FRACTURE_SENTENCE = "The X-ray showed a fracture of the shaft of the tibia."


def key(*words: str) -> str:
    """The phrase key of ``words`` (stems, with the lexicon's equivalences: febrile -> fever)."""
    return " ".join(canonical((stem(w),))[0] for w in words)


def _dictionary() -> TermDictionary:
    # only the fracture has a code-set term: "febrile syndrome" is wording the site's coders turn
    # into R50.9 that no title or index entry uses
    return TermDictionary(
        [
            (FRACTURE, "Unspecified fracture of shaft of tibia", "description"),
            (HYPERTENSION, "Essential hypertension", "description"),
        ]
    )


def _history() -> tuple[list[AlignedDocument], list[set[str]]]:
    """3 encounters with fever and fracture, 1 with fever only, 2 with the fracture only, 20 with
    hypertension only (so that neither fever nor fracture is a common code)."""
    texts = (
        [(f"{FEVER_SENTENCE} {FRACTURE_SENTENCE}", {FEVER, FRACTURE})] * 3
        + [(FEVER_SENTENCE, {FEVER})]
        + [(FRACTURE_SENTENCE, {FRACTURE})] * 2
        + [("Known essential hypertension on treatment.", {HYPERTENSION})] * 20
    )
    dictionary = _dictionary()
    docs = [
        _aligned_document(Encounter(id=f"e{i}", documents=[Document(id=f"e{i}", text=text)]), dictionary)
        for i, (text, _) in enumerate(texts)
    ]
    return docs, [codes for _, codes in texts]


def test_aligned_document_has_each_sentence_phrases_and_dictionary_matches():
    doc = _aligned_document(
        Encounter(id="e", documents=[Document(id="e", text=f"{FEVER_SENTENCE} {FRACTURE_SENTENCE}")]), _dictionary()
    )
    assert len(doc.sentences) == 2
    assert key("febrile", "syndrome") in doc.sentences[0]
    assert key("tibia") in doc.sentences[1] and key("tibia") not in doc.sentences[0]
    assert doc.lexical == [set(), {FRACTURE}]
    assert doc.phrases == doc.sentences[0] | doc.sentences[1]


def test_lexical_score_code_header_and_category():
    assert lexical_score("S82.201A", {"S82.201A"}) == EXACT
    assert lexical_score("S82.201A", {"S82.2"}) == EXACT  # a header above the code
    assert lexical_score("S82.201A", {"S82.101A"}) == CATEGORY  # a sibling in its category
    assert lexical_score("S82.201A", {"S72.001A"}) == 0.0


def test_align_picks_the_sentence_that_names_the_code_or_holds_its_phrases():
    docs, gold_sets = _history()
    prior, _ = associations([d.phrases for d in docs], gold_sets)
    aligned = align(docs[0], {FEVER, FRACTURE}, prior)
    assert aligned[FRACTURE] == [1]  # the sentence where its title is matched
    assert aligned[FEVER] == [0]  # the sentence with the phrases most associated with fever
    # a code nothing in the encounter explains is not aligned anywhere
    assert align(docs[0], {"K35.80"}, prior) == {}


def test_aligned_associations_drop_what_only_co_occurs():
    docs, gold_sets = _history()
    febrile = key("febrile", "syndrome")
    tibia = key("tibia")
    whole, _ = associations([d.phrases for d in docs], gold_sets)
    aligned, code_docs = aligned_associations(docs, gold_sets)
    assert code_docs[FEVER] == 4 and code_docs[FRACTURE] == 5

    def codes(table, key):
        return {code for code, _, _ in table.get(key, [])}

    # whole-document co-occurrence ties the fever wording to the fracture and the tibia to fever ...
    assert FRACTURE in codes(whole, febrile) and FEVER in codes(whole, tibia)
    # ... alignment keeps each phrase with the code its sentence explains
    assert codes(aligned, febrile) == {FEVER}
    assert codes(aligned, tibia) == {FRACTURE}
    assert dict((c, n) for c, _, n in aligned[febrile]) == {FEVER: 4}


def test_threshold_curve_is_codiesp_map_and_micro_f1():
    # encounter 0 has 2 gold codes: hit 0.9, miss 0.5, hit 0.3; encounter 1 has 1: miss 0.8, hit 0.4
    scored = [(0.9, 0, True), (0.5, 0, False), (0.3, 0, True), (0.8, 1, False), (0.4, 1, True)]
    curve = {t: (f1, m) for t, f1, m in threshold_curve(scored, [2, 1])}
    assert list(curve) == [0.9, 0.8, 0.5, 0.4, 0.3]
    f1, mean_ap = curve[0.9]  # reports one code, a hit: AP 1/2 and 0
    assert f1 == pytest.approx(2 * 1 / (1 + 3)) and mean_ap == pytest.approx((0.5 + 0.0) / 2)
    f1, mean_ap = curve[0.3]  # everything: AP (1 + 2/3) / 2 and (1/2) / 1
    assert f1 == pytest.approx(2 * 3 / (5 + 3)) and mean_ap == pytest.approx(((1 + 2 / 3) / 2 + 0.5) / 2)


def test_threshold_curve_reports_ties_together_and_skips_encounters_without_gold():
    scored = [(0.7, 0, True), (0.7, 1, False), (0.2, 2, False)]
    curve = threshold_curve(scored, [1, 1, 0])
    assert [t for t, _, _ in curve] == [0.7, 0.2]
    _, f1, mean_ap = curve[0]
    assert f1 == pytest.approx(2 * 1 / (2 + 2)) and mean_ap == pytest.approx(0.5)  # 2 encounters with gold


def test_objective_is_the_weaker_measure():
    assert objective(0.6, 0.4) == 0.4 and objective(0.3, 0.5) == 0.3


def _cand(code: str) -> Candidate:
    return Candidate(code, features={})


def test_sibling_features_share_of_the_category():
    by_category = {"R50": [("R50.9", 30), ("R50.81", 10)]}
    cands = [_cand("R50.9"), _cand("R50.81"), _cand("R50.2"), _cand("I10")]
    add_siblings(cands, by_category)
    f = {c.code: c.features for c in cands}
    assert f["R50.9"]["cat_share"] == pytest.approx(0.75) and f["R50.9"]["cat_top"] == 1.0
    assert f["R50.81"]["cat_share"] == pytest.approx(0.25) and f["R50.81"]["cat_top"] == 0.0
    assert f["R50.2"]["cat_share"] == 0.0
    assert f["I10"]["cat_share"] == 0.0 and f["I10"]["cat_top"] == 0.0 and f["I10"]["cat_candidates"] == 0.0
    assert f["R50.9"]["cat_candidates"] > 0.0


def test_train_reports_the_threshold_that_maximises_the_objective(coder):
    from pathlib import Path

    from medcoder.coding.training import read_training_set, train

    coded = Path(__file__).resolve().parents[1] / "fixtures" / "coding" / "coded_encounters.jsonl"
    model = train(read_training_set(coded, []), coder)
    meta = model.meta
    assert 0.0 < meta["cross_fitted_f1"] <= 1.0 and 0.0 < meta["cross_fitted_map"] <= 1.0
    chosen = objective(meta["cross_fitted_f1"], meta["cross_fitted_map"])
    # every convention was decided on the same objective, and the final choice is the best seen
    assert set(meta["convention_objective"]) and all(len(v) == 2 for v in meta["convention_objective"].values())
    assert chosen >= max(before for before, _ in meta["convention_objective"].values()) - 1e-3
    assert 0.0 < model.threshold < 1.0
