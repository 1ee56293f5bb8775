"""The encoder's lookup: ranking, abbreviations, misspellings, index sources, errors."""

from __future__ import annotations

import pytest

from medcoder.codesets.search import Searcher
from medcoder.errors import EmptyQueryError


@pytest.fixture(scope="module")
def searcher(bundled_kb):
    return Searcher(bundled_kb)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type 2 diabetes with neuropathy", "E11.40"),
        ("essential hypertension", "I10"),
        ("acute appendicitis", "K35.80"),
        ("urinary tract infection site not specified", "N39.0"),
    ],
)
def test_search_top_hit(searcher, query, expected):
    result = searcher.lookup(query)
    assert expected in [h.code for h in result.hits[:2]], [h.code for h in result.hits[:5]]


def test_search_billable_first(searcher):
    hits = searcher.lookup("diabetes neuropathy", limit=40).hits
    flags = [h.billable or h.needs_seventh for h in hits]
    assert flags == sorted(flags, reverse=True)


def test_search_expands_abbreviations(searcher):
    result = searcher.lookup("DM2 neuropathy")
    assert result.expanded == {"dm2": "type 2 diabetes mellitus"}
    assert result.hits[0].code == "E11.40"


def test_search_corrects_misspellings(searcher):
    result = searcher.lookup("diabetis neuropaty type 2")
    assert result.corrected == {"diabetis": "diabetes", "neuropaty": "neuropathy"}
    assert result.hits[0].code == "E11.40"


def test_search_explains_why(searcher):
    hit = searcher.lookup("type 2 diabetes with neuropathy").hits[0]
    assert "description" in hit.why and "neuropathy" in hit.why


def test_search_episode_words_pick_seventh_character(searcher):
    hits = searcher.lookup("fracture of unspecified part of neck of right femur initial").hits
    top = next(h for h in hits if h.code == "S72.001")
    assert top.needs_seventh and top.complete_code == "S72.001A"
    later = searcher.lookup("fracture of unspecified part of neck of right femur subsequent").hits
    assert next(h for h in later if h.code == "S72.001").complete_code == "S72.001D"


@pytest.mark.parametrize("query", ["", "   ", "!!!"])
def test_search_empty_query_is_an_error(searcher, query):
    with pytest.raises(EmptyQueryError):
        searcher.lookup(query)


def test_search_nonsense_gives_no_hits(searcher):
    result = searcher.lookup("qwxzv")
    assert result.hits == [] and result.ignored == ["qwxzv"]


@pytest.mark.conformance
def test_search_table_of_drugs_and_neoplasm_table(full_kb):
    searcher = Searcher(full_kb)
    drug = searcher.lookup("acetaminophen poisoning accidental")
    assert drug.hits[0].code == "T39.1X1"
    assert drug.hits[0].matches[0].source == "drug"
    neo = searcher.lookup("neoplasm lung malignant primary", limit=30)
    assert "C34.9" in [h.code for h in neo.hits] or "C34.90" in [h.code for h in neo.hits]


@pytest.mark.conformance
def test_search_pcs(full_kb):
    searcher = Searcher(full_kb)
    result = searcher.lookup("resection appendix percutaneous endoscopic", system="ICD-10-PCS")
    assert result.hits[0].code == "0DTJ4ZZ"


@pytest.mark.conformance
def test_search_alphabetic_index_entries_rank_first(full_kb):
    # With the Alphabetic Index installed, a bare main term goes where the Index sends it.
    result = Searcher(full_kb).lookup("pneumonia")
    assert result.hits[0].code == "J18.9"
    assert result.hits[0].matches[0].source == "index"
    assert "Alphabetic Index" in result.hits[0].why
