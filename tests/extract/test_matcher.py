"""Ordered phrase matching with bounded gaps inside one clause (issue 9)."""

from __future__ import annotations

import pytest

from medcoder.extract.matcher import PhraseMatcher, clause_tokens, normalise_term, normalise_word


def _matcher(*terms: str, equivalents: dict[str, str] | None = None) -> PhraseMatcher:
    matcher = PhraseMatcher(equivalents)
    for term in terms:
        matcher.add(term, term)
    return matcher


def _found(matcher: PhraseMatcher, text: str) -> list[tuple[str, str]]:
    out = []
    for clause in clause_tokens(text, 0, len(text), matcher.equivalents):
        out.extend((m.payload, text[m.start : m.end]) for m in matcher.match_clause(clause))
    return sorted(out)


@pytest.mark.parametrize(
    ("word", "key"),
    [
        ("prostatitis", "prostatitis"),
        ("prostate", "prostate"),
        ("hepatitis", "hepatitis"),
        ("depressed", "depressed"),
        ("depression", "depression"),
        ("metastases", "metastasis"),
        ("kidneys", "kidney"),
        ("arteries", "artery"),
        ("stenoses", "stenosis"),
        ("II", "2"),
    ],
)
def test_normalise_word_keeps_clinically_distinct_words_apart(word: str, key: str) -> None:
    # a stemmer makes prostatitis/prostate and depression/depressed one word: each a wrong code
    assert normalise_word(word) == key


def test_match_words_in_order_with_a_word_between() -> None:
    matcher = _matcher("acute on chronic systolic heart failure")
    text = "Reason for admission: acute on chronic systolic congestive heart failure."
    assert _found(matcher, text) == [
        ("acute on chronic systolic heart failure", "acute on chronic systolic congestive heart failure")
    ]


def test_match_word_order_counts() -> None:
    matcher = _matcher("cyst of kidney")
    assert _found(matcher, "A kidney cyst was seen") == []
    assert _found(matcher, "cyst of the left kidney") == [("cyst of kidney", "cyst of the left kidney")]


def test_match_never_crosses_a_clause_boundary() -> None:
    matcher = _matcher("cyst kidney", "liver cyst")
    text = "There is a simple cyst in the liver; the kidney is normal."
    assert _found(matcher, text) == []
    assert _found(_matcher("hernia repair"), "inguinal hernia, but no repair was done") == []


def test_match_gap_is_bounded() -> None:
    matcher = _matcher("chronic kidney disease")
    assert _found(matcher, "chronic progressive kidney disease") == [
        ("chronic kidney disease", "chronic progressive kidney disease")
    ]
    assert _found(matcher, "chronic cough since 2010 from smoke kidney disease") == []


def test_match_does_not_skip_negation_or_history_words() -> None:
    matcher = _matcher("diabetes complication")
    assert _found(matcher, "diabetes without complication") == []
    assert _found(_matcher("heart disease"), "heart no disease") == []
    assert _found(_matcher("cancer breast"), "cancer history breast") == []


def test_match_a_comma_separates_list_items_unless_the_term_has_one() -> None:
    assert _found(_matcher("hypertension diabetes"), "hypertension, obesity, diabetes") == []
    hypertensive = _matcher("hypertensive chronic kidney disease", equivalents={"hypertensive": "hypertension"})
    assert _found(hypertensive, "hypertension, chronic kidney disease") == []
    assert _found(hypertensive, "hypertensive chronic kidney disease") != []
    assert _found(_matcher("diabetes mellitus type 2"), "Diabetes mellitus, type 2") == []
    term = "Chronic kidney disease, stage 3b"
    assert _found(_matcher(term), "chronic kidney disease, stage 3b") == [(term, "chronic kidney disease, stage 3b")]
    assert _found(_matcher(term), "chronic kidney disease stage 3b") == [(term, "chronic kidney disease stage 3b")]


def test_match_word_equivalents_apply_to_terms_and_text() -> None:
    matcher = _matcher("chronic kidney disease", equivalents={"renal": "kidney"})
    assert _found(matcher, "chronic renal disease stage 3") == [("chronic kidney disease", "chronic renal disease")]


def test_match_filler_words_are_not_required_nor_gaps() -> None:
    assert normalise_term("Malignant neoplasm of the prostate") == ("malignant", "neoplasm", "prostate")
    matcher = _matcher("adenocarcinoma prostate")
    assert _found(matcher, "adenocarcinoma of the prostate") == [
        ("adenocarcinoma prostate", "adenocarcinoma of the prostate")
    ]


def test_match_a_single_anatomy_word_is_not_a_disease_term() -> None:
    matcher = _matcher("prostatitis", "peritonitis")
    text = "The prostate was resected and the area re-peritonealized."
    assert _found(matcher, text) == []


def test_match_and_joins_list_items_unless_the_term_has_it() -> None:
    # "chronic obstructive pulmonary disease and essential hypertension" is not pulmonary hypertension
    assert _found(_matcher("pulmonary hypertension"), "pulmonary disease and essential hypertension") == []
    assert _found(_matcher("nausea and vomiting"), "nausea and vomiting") == [
        ("nausea and vomiting", "nausea and vomiting")
    ]
    assert _found(_matcher("nausea and vomiting"), "nausea, vomiting") == [("nausea and vomiting", "nausea, vomiting")]


def test_match_does_not_skip_with() -> None:
    assert _found(_matcher("cancer of bone"), "prostate cancer with bone pain") == []
    assert _found(_matcher("diabetes with neuropathy"), "diabetes with peripheral neuropathy") == [
        ("diabetes with neuropathy", "diabetes with peripheral neuropathy")
    ]
