"""Present-on-admission indicators from where and how the record documents each diagnosis."""

from __future__ import annotations

import pytest

from medcoder.coding.poa import assign_poa
from medcoder.models import CodeAssignment, Document, Encounter, Evidence, Setting

NOTE = (
    "HISTORY OF PRESENT ILLNESS:\n"
    "72-year-old woman with shortness of breath and productive cough for three days.\n"
    "HOSPITAL COURSE:\n"
    "She was treated for community-acquired pneumonia. On hospital day 3 she had a fall with a wrist fracture. "
    "She presented with atrial fibrillation, rate controlled. Urinary tract infection was treated. "
    "She has chronic kidney disease stage 3.\n"
)


def _assignment(code: str, words: str, description: str = "") -> CodeAssignment:
    start = NOTE.index(words)
    return CodeAssignment(
        system="ICD-10-CM",
        code=code,
        description=description or words,
        confidence=0.9,
        evidence=[Evidence(document_id="d", start=start, end=start + len(words), text=words)],
    )


def _encounter(setting: Setting = Setting.inpatient) -> Encounter:
    return Encounter(id="e", setting=setting, documents=[Document(id="d", type="discharge_summary", text=NOTE)])


@pytest.mark.parametrize(
    ("code", "words", "description", "expected"),
    [
        ("R06.02", "shortness of breath", "Shortness of breath", "Y"),  # the admission story (HPI)
        ("S62.101A", "wrist fracture", "Fracture of unspecified carpal bone, right wrist", "N"),  # hospital day 3
        ("I48.91", "atrial fibrillation", "Unspecified atrial fibrillation", "Y"),  # "presented with"
        ("N18.30", "chronic kidney disease stage 3", "Chronic kidney disease, stage 3 unspecified", "Y"),  # chronic
        ("N39.0", "Urinary tract infection", "Urinary tract infection, site not specified", None),  # not said
    ],
)
def test_assign_poa_from_section_and_sentence(code: str, words: str, description: str, expected: str | None) -> None:
    assignment = _assignment(code, words, description)
    assign_poa(_encounter(), [assignment])
    assert assignment.poa == expected
    if expected:
        assert "poa.assign.v1" in assignment.rules and f"POA {expected}" in assignment.rationale
    else:
        assert assignment.rules == []


def test_assign_poa_leaves_outpatient_and_exempt_codes_blank() -> None:
    class Exempt:
        def contains(self, code: str) -> bool:
            return code.startswith("R06")

    outpatient = _assignment("R06.02", "shortness of breath")
    assign_poa(_encounter(Setting.outpatient), [outpatient])
    exempt = _assignment("R06.02", "shortness of breath")
    assign_poa(_encounter(), [exempt], Exempt())
    assert outpatient.poa is None and exempt.poa is None


def test_assign_poa_chronic_category_without_the_word_chronic() -> None:
    # type 2 diabetes is chronic by nature (data/poa_chronic.json), though its title does not say so
    assignment = _assignment("E11.9", "Urinary tract infection", "Type 2 diabetes mellitus without complications")
    assign_poa(_encounter(), [assignment])
    assert assignment.poa == "Y" and "chronic condition" in assignment.rationale
