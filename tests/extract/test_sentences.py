"""Sentence splitting: abbreviations, decimals, list lines, exact offsets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medcoder.extract import split_sentences


def _texts(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fever. Cough! Pain? Yes.", ["Fever.", "Cough!", "Pain?", "Yes."]),
        ("Seen by Dr. Smith today. Stable.", ["Seen by Dr. Smith today.", "Stable."]),
        (
            "Antibiotics, e.g. Ceftriaxone, were given. Improved.",
            ["Antibiotics, e.g. Ceftriaxone, were given.", "Improved."],
        ),
        ("Asthma, i.e. Reactive airway disease. Stable.", ["Asthma, i.e. Reactive airway disease.", "Stable."]),
        ("Surgery vs. Observation discussed. Agreed.", ["Surgery vs. Observation discussed.", "Agreed."]),
        ("Mass of approx. 5 cm. Biopsied.", ["Mass of approx. 5 cm.", "Biopsied."]),
        ("Ticket no. 4 filed. Done.", ["Ticket no. 4 filed.", "Done."]),
        ("Took 1.5 mg of lorazepam. Slept.", ["Took 1.5 mg of lorazepam.", "Slept."]),
        ("Metoprolol 25 mg. 2 tablets daily.", ["Metoprolol 25 mg. 2 tablets daily."]),
        ("Metoprolol 25 mg. The dose was held.", ["Metoprolol 25 mg.", "The dose was held."]),
        ("Hb 13.7 g/dl; creatinine 0.9 mg/dl. Normal.", ["Hb 13.7 g/dl; creatinine 0.9 mg/dl.", "Normal."]),
        ("Grew E. coli in urine. Treated.", ["Grew E. coli in urine.", "Treated."]),
        ('He said "stop." Then left.', ['He said "stop."', "Then left."]),
        ("Temperature 40 C. 3 days of fever.", ["Temperature 40 C.", "3 days of fever."]),
        ("1. Pneumonia. 2. Sepsis.", ["1. Pneumonia.", "2. Sepsis."]),
        ("all lower case. still one sentence", ["all lower case. still one sentence"]),
        ("Allergies.,MEDICATIONS: none.", ["Allergies.", "MEDICATIONS: none."]),
        ("", []),
        ("   \n  ", []),
    ],
)
def test_sentences_punctuation_rules(text: str, expected: list[str]) -> None:
    assert _texts(text) == expected


def test_sentences_list_lines_and_headers() -> None:
    text = (
        "DISCHARGE DIAGNOSES\n"
        "1. Pneumonia due to Streptococcus pneumoniae\n"
        "2. Type 2 diabetes mellitus\n"
        "- metformin\n"
        "• insulin glargine\n"
        "Medications:\n"
        "Aspirin 81 mg daily\n"
        "Lisinopril 10 mg daily\n"
    )
    assert _texts(text) == [
        "DISCHARGE DIAGNOSES",
        "1. Pneumonia due to Streptococcus pneumoniae",
        "2. Type 2 diabetes mellitus",
        "- metformin",
        "• insulin glargine",
        "Medications:",
        "Aspirin 81 mg daily",
        "Lisinopril 10 mg daily",
    ]


def test_sentences_wrapped_lines_are_joined() -> None:
    text = (
        "72-year-old woman with COPD presenting with 3 days of\n"
        "worsening dyspnea and productive cough. She denies chest pain and\n"
        "Fever is absent.\n"
        "\n"
        "Next paragraph"
    )
    assert _texts(text) == [
        "72-year-old woman with COPD presenting with 3 days of\nworsening dyspnea and productive cough.",
        "She denies chest pain and\nFever is absent.",
        "Next paragraph",
    ]


def test_sentences_offsets_are_exact() -> None:
    text = "  Fever 38.5 C.  Denies chest pain.\r\nCough.  "
    spans = split_sentences(text)
    assert spans == [(2, 15), (17, 35), (37, 43)]
    assert [text[start:end] for start, end in spans] == ["Fever 38.5 C.", "Denies chest pain.", "Cough."]


def test_sentences_region_keeps_absolute_offsets() -> None:
    text = "HEADER: First one. Second one.\nTAIL"
    spans = split_sentences(text, 8, 30)
    assert [text[start:end] for start, end in spans] == ["First one.", "Second one."]
    assert spans[0][0] == 8


_ALPHABET = st.sampled_from([*"abc XYZ 019.,;:!?-\n\t()'\"", "Dr.", "e.g.", "mg.", " 1.5 ", "\n- ", "\n1. "])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join))
def test_sentences_spans_partition_the_non_space_text(text: str) -> None:
    spans = split_sentences(text)
    previous_end = 0
    covered = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        assert _is_gap(text[previous_end:start])  # only white space or glue commas between
        covered += sum(not ch.isspace() for ch in text[start:end])
        previous_end = end
    assert _is_gap(text[previous_end:])
    assert covered + sum(ch == "," for ch in _between(text, spans)) == sum(not ch.isspace() for ch in text)


def _is_gap(piece: str) -> bool:
    return all(ch.isspace() or ch == "," for ch in piece)


def _between(text: str, spans: list[tuple[int, int]]) -> str:
    pieces = []
    previous_end = 0
    for start, end in spans:
        pieces.append(text[previous_end:start])
        previous_end = end
    pieces.append(text[previous_end:])
    return "".join(pieces)
