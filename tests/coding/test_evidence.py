"""Evidence is exact: every span of every assignment is ``document.text[start:end]`` of the document
it names, whatever the line endings, the characters, or the number of documents."""

from __future__ import annotations

import pytest

from medcoder.models import CodingResult, Encounter
from tests.coding.helpers import encounter

HEART_FAILURE_CRLF = (
    "DISCHARGE SUMMARY\r\n"
    "HISTORY OF PRESENT ILLNESS: 77-year-old woman with two weeks of orthopnea and ankle swelling.\r\n"
    "HOSPITAL COURSE: Diuresed with intravenous furosemide; weight down 3.5 kg.\r\n"
    "DISCHARGE DIAGNOSES:\r\n"
    "1. Acute on chronic diastolic heart failure.\r\n"
    "2. Hypertension.\r\n"
    "3. Chronic kidney disease stage 4.\r\n"
    "4. Type 2 diabetes mellitus.\r\n"
)

APPENDICITIS_STAY = [
    (
        "hp",
        "HISTORY AND PHYSICAL\n"
        "HISTORY OF PRESENT ILLNESS: 35-year-old man, seen by Dr. Zoë Müller, with right lower quadrant pain; "
        "temperature 38.4 °C.\n"
        "PAST MEDICAL HISTORY: Essential hypertension – on amlodipine.\n"
        "ASSESSMENT: Suspected acute appendicitis.\n",
    ),
    (
        "op",
        "OPERATIVE REPORT\r\n"
        "PREOPERATIVE DIAGNOSIS: Acute appendicitis.\r\n"
        "POSTOPERATIVE DIAGNOSIS: Acute appendicitis with localized peritonitis.\r\n"
        "PROCEDURE: Laparoscopic appendectomy.\r\n",
    ),
    (
        "ds",
        "\tDISCHARGE SUMMARY\n\n"
        "DISCHARGE DIAGNOSES:\n"
        "1. Acute appendicitis with localized peritonitis.\n"
        "2. Essential hypertension.\n"
        "3. Type 2 diabetes mellitus with diabetic polyneuropathy.\n",
    ),
]

NOTES = [
    pytest.param(encounter(HEART_FAILURE_CRLF, "inpatient"), id="crlf-discharge-summary"),
    pytest.param(encounter(APPENDICITIS_STAY, "inpatient"), id="three-documents-lf-crlf-tab-non-ascii"),
    pytest.param(
        encounter(
            "CLINIC NOTE\nPAST MEDICAL HISTORY: Carcinoma of the left breast, treated with left mastectomy in 2015, "
            "no evidence of disease since.\nASSESSMENT: Closed fracture of the neck of the right femur, subsequent "
            "encounter for routine healing.\n"
        ),
        id="history-code-and-seventh-character",
    ),
    pytest.param(
        encounter(
            "PROGRESS NOTE\r\nASSESSMENT AND PLAN:\r\n1. Type 2 diabetes mellitus. A1c 7.4%.\r\n"
            "2. Chronic kidney disease stage 3a.\r\n3. Peripheral polyneuropathy.\r\n"
        ),
        id="crlf-combination-codes",
    ),
]


def _assert_exact(result: CodingResult, enc: Encounter) -> None:
    assert result.encounter_id == enc.id
    assert result.diagnoses
    for assignment in result.diagnoses:
        assert assignment.evidence, assignment.code
        for evidence in assignment.evidence:
            document = enc.document(evidence.document_id)  # KeyError if it names no document of the encounter
            assert document.text[evidence.start : evidence.end] == evidence.text, (assignment.code, evidence)
            assert evidence.text.strip() == evidence.text and evidence.text
            assert evidence.matches(document)
            assert evidence.supports == assignment.code


@pytest.mark.parametrize("enc", NOTES)
def test_evidence_spans_are_exact_offsets_into_their_document(coder, enc):
    _assert_exact(coder.code(enc), enc)


def test_evidence_names_the_document_that_says_it(coder):
    enc = encounter(APPENDICITIS_STAY, "inpatient")
    result = coder.code(enc)
    _assert_exact(result, enc)
    by_code = {a.code: a for a in result.diagnoses}
    # only the discharge summary documents the diabetes, only the op note and discharge summary the peritonitis
    assert {e.document_id for e in by_code["E11.42"].evidence} == {"ds"}
    appendicitis = next(a for a in result.diagnoses if a.code.startswith("K35"))
    assert {e.document_id for e in appendicitis.evidence} <= {"hp", "op", "ds"}
    assert all("appendicitis" in e.text.lower() for e in appendicitis.evidence)
    assert {e.document_id for e in by_code["I10"].evidence} <= {"hp", "ds"}


def test_evidence_crlf_offsets_count_the_carriage_returns(coder):
    enc = encounter(HEART_FAILURE_CRLF, "inpatient")
    result = coder.code(enc)
    text = enc.documents[0].text
    heart_failure = next(a for a in result.diagnoses if a.code == "I50.33")
    span = heart_failure.evidence[0]
    assert span.start == text.index("Acute on chronic diastolic heart failure")
    assert text[span.start : span.end].startswith("Acute on chronic diastolic")
    assert "\r" not in span.text


def test_evidence_same_text_in_two_documents_gives_each_its_own_offsets(coder):
    text = "ASSESSMENT: Essential hypertension.\n"
    enc = encounter([("a", "CLINIC NOTE\n" + text), ("b", "FOLLOW-UP NOTE\r\n\r\n" + text)])
    result = coder.code(enc)
    _assert_exact(result, enc)
    i10 = next(a for a in result.diagnoses if a.code == "I10")
    assert {e.document_id for e in i10.evidence} == {"a", "b"}
    for e in i10.evidence:  # each span lies in its own document's assessment line, at that document's offsets
        line = enc.document(e.document_id).text.index("Essential hypertension")
        assert line <= e.start < e.end <= line + len("Essential hypertension")
