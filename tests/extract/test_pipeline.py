"""The document pipeline: analyze once, then assess / attributes per target."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medcoder.extract import AnalyzedDocument, Assertion, analyze
from medcoder.extract import attributes as attributes_module

NOTE = """HISTORY OF PRESENT ILLNESS:
67-year-old man with type 2 diabetes admitted with fever and right lower lobe pneumonia. He denies chest pain.

PAST MEDICAL HISTORY: Hypertension. CKD stage 3b.
FAMILY HISTORY: Father with colon cancer.

ASSESSMENT AND PLAN:
1. Pneumonia due to Streptococcus pneumoniae.
2. Possible urinary tract infection.
Return if chest pain develops.
"""


def _span(text: str, target: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(target, start + 1)
    return (start, start + len(target))


@pytest.fixture(scope="module")
def document() -> AnalyzedDocument:
    return analyze("note-1", NOTE)


def test_pipeline_sections_and_sentences(document: AnalyzedDocument) -> None:
    assert document.document_id == "note-1"
    assert [section.name for section in document.sections] == [
        "history_present_illness",
        "past_medical_history",
        "family_history",
        "assessment_plan",
    ]
    sentences = [NOTE[start:end] for start, end in document.sentences]
    assert sentences == [
        "HISTORY OF PRESENT ILLNESS",
        "67-year-old man with type 2 diabetes admitted with fever and right lower lobe pneumonia.",
        "He denies chest pain.",
        "PAST MEDICAL HISTORY",
        "Hypertension.",
        "CKD stage 3b.",
        "FAMILY HISTORY",
        "Father with colon cancer.",
        "ASSESSMENT AND PLAN",
        "1. Pneumonia due to Streptococcus pneumoniae.",
        "2. Possible urinary tract infection.",
        "Return if chest pain develops.",
    ]


def test_pipeline_sentences_never_cross_a_section(document: AnalyzedDocument) -> None:
    for start, end in document.sentences:
        assert document.section_at(start) == document.section_at(end - 1)


def test_pipeline_section_and_sentence_lookup(document: AnalyzedDocument) -> None:
    start, _ = _span(NOTE, "colon cancer")
    assert document.section_at(start).name == "family_history"
    assert NOTE[slice(*document.sentence_at(start))] == "Father with colon cancer."
    assert document.section_at(0).name == "history_present_illness"
    assert document.section_at(len(NOTE)).name == "assessment_plan"
    between = NOTE.index("\n\nPAST") + 1
    assert document.sentence_at(between) == document.sentence_at(between - 2)


@pytest.mark.parametrize(
    ("target", "occurrence", "expected"),
    [
        ("pneumonia", 0, Assertion()),
        ("chest pain", 0, "negated"),
        ("Hypertension", 0, "historical"),
        ("colon cancer", 0, "family"),
        ("Pneumonia", 0, Assertion()),
        ("urinary tract infection", 0, "uncertain"),
        ("chest pain", 1, "hypothetical"),
    ],
)
def test_pipeline_assess(document: AnalyzedDocument, target: str, occurrence: int, expected: object) -> None:
    assertion = document.assess(_span(NOTE, target, occurrence))
    if isinstance(expected, Assertion):
        assert assertion == expected
    else:
        assert getattr(assertion, str(expected))
        assert not assertion.affirmed or expected == "historical"


def test_pipeline_header_words_do_not_leak_into_the_body(document: AnalyzedDocument) -> None:
    # "HISTORY OF PRESENT ILLNESS" is its own sentence: its "history" is no cue for the narrative
    assert not document.assess(_span(NOTE, "fever")).historical


def test_pipeline_attributes(document: AnalyzedDocument) -> None:
    pneumonia = document.attributes(_span(NOTE, "pneumonia"))
    assert (pneumonia.laterality, pneumonia.site) == ("right", "lower lobe")
    assert document.attributes(_span(NOTE, "diabetes")).dm_type == "2"
    assert document.attributes(_span(NOTE, "CKD")).stage == "3b"
    assert document.attributes(_span(NOTE, "Pneumonia")).organism == "streptococcus pneumoniae"


def test_pipeline_scans_each_sentence_once(monkeypatch: pytest.MonkeyPatch) -> None:
    document = analyze("note-2", NOTE)
    calls: list[tuple[int, int]] = []
    original_scan = document.context.scan
    original_attributes = attributes_module.scan_attributes

    def counting_scan(text: str, sentence: tuple[int, int]):
        calls.append(sentence)
        return original_scan(text, sentence)

    monkeypatch.setattr(document.context, "scan", counting_scan, raising=False)
    document.assess(_span(NOTE, "fever"))
    document.assess(_span(NOTE, "pneumonia"))
    document.assess(_span(NOTE, "diabetes"))
    assert len(calls) == 1
    counted: list[tuple[int, int]] = []
    monkeypatch.setattr(
        "medcoder.extract.pipeline.scan_attributes",
        lambda text, window: counted.append(window) or original_attributes(text, window),
    )
    document.attributes(_span(NOTE, "fever"))
    document.attributes(_span(NOTE, "pneumonia"))
    assert len(counted) == 1


def test_pipeline_target_across_sentences_widens_the_window() -> None:
    text = "No fever. Cough."
    document = analyze("t", text)
    assessment = document.assess((3, 15))
    assert assessment.negated


def test_pipeline_empty_document() -> None:
    document = analyze("empty", "")
    assert document.sentences == []
    assert document.section_at(0).name == "unknown"
    assert document.sentence_at(0) == (0, 0)
    assert document.assess((0, 0)) == Assertion()
    assert document.attributes((0, 0)).laterality is None


@pytest.mark.conformance
def test_pipeline_runs_on_real_notes(shared_dir: Path) -> None:
    """Every CodiEsp train note and MTSamples report: spans well-formed, cues point at their text."""
    texts = [
        path.read_text(encoding="utf-8")
        for path in sorted((shared_dir / "benchmarks/codiesp/train/text_en").glob("*.txt"))
    ]
    with (shared_dir / "benchmarks/mtsamples/mtsamples-surgery-urology.csv").open(
        encoding="utf-8", newline=""
    ) as handle:
        texts += [row["transcription"] for row in csv.DictReader(handle)]
    assert len(texts) > 500
    for text in texts:
        document = analyze("doc", text)
        previous_end = 0
        for start, end in document.sentences:
            assert previous_end <= start < end <= len(text)
            assert document.section_at(start) == document.section_at(end - 1)
            previous_end = end
        for start, end in document.sentences[::3]:
            assertion = document.assess((start, min(end, start + 12)))
            for _, cue, cue_start, cue_end in assertion.cues:
                assert text[cue_start:cue_end] == cue
            for _, cue, cue_start, cue_end in document.attributes((start, end)).cues:
                assert text[cue_start:cue_end] == cue


_PIECES = st.sampled_from(
    ["No ", "fever", ". ", "\n", "PLAN: ", "denies ", "but ", "history of ", "right ", "Mother ", "if ", ",", "1. "]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join), st.data())
def test_pipeline_any_target_can_be_assessed(text: str, data: st.DataObject) -> None:
    document = analyze("fuzz", text)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assertion = document.assess((start, end))
    for _, cue, cue_start, cue_end in assertion.cues:
        assert text[cue_start:cue_end] == cue
    document.attributes((start, end))
