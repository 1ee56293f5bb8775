"""Section detection on realistic notes: ALL-CAPS headers, "Header:" forms, run-together headers."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medcoder.errors import InputFileError
from medcoder.extract import SECTION_NAMES, SectionSpan, find_sections
from medcoder.extract.sections import Sectionizer, default_sectionizer

DISCHARGE_SUMMARY = """DISCHARGE SUMMARY
Patient: [redacted]    MRN: 000000

Admission Date: 03/02/2026
Discharge Date: 03/06/2026

Chief Complaint: Shortness of breath.

History of Present Illness:
72-year-old woman with COPD and chronic diastolic heart failure presenting with 3 days of
worsening dyspnea and productive cough. She denies chest pain.

Past Medical History:
1. COPD on home oxygen
2. Type 2 diabetes mellitus
3. CKD stage 3a

Past Surgical History: Cholecystectomy 2010.
Family History: Mother with breast cancer.
Social History: Former smoker, quit 2015.
Allergies: Penicillin (rash).
Medications on Admission:
- Tiotropium 18 mcg daily
- Metformin 500 mg BID

Review of Systems: Negative except as in HPI.
Physical Exam:
VITAL SIGNS: T 38.1, HR 104, BP 132/80.
HEENT: Normocephalic.
LUNGS: Diffuse wheezes, crackles at the right base.

Pertinent Results:
WBC 14.2. Chest x-ray: right lower lobe infiltrate.

Brief Hospital Course:
Treated for acute on chronic hypoxic respiratory failure due to COPD exacerbation and pneumonia.

Discharge Diagnoses:
1. Acute exacerbation of COPD
2. Community-acquired pneumonia, right lower lobe

Discharge Instructions:
Return if fever or shortness of breath worsens.
"""

OP_NOTE = """OPERATIVE REPORT

PREOPERATIVE DIAGNOSIS:  Acute appendicitis.
POSTOPERATIVE DIAGNOSIS:  Perforated appendicitis with localized peritonitis.
PROCEDURE PERFORMED:  Laparoscopic appendectomy.
SURGEON:  Dr. A.
ANESTHESIA:  General endotracheal.
ESTIMATED BLOOD LOSS:  20 mL.
FINDINGS:  Perforated appendix with purulent fluid in the right lower quadrant.
SPECIMENS:  Appendix to pathology.
INDICATIONS:  This 34-year-old man presented with right lower quadrant pain.
DESCRIPTION OF PROCEDURE:  The patient was placed supine.  The abdomen was prepped and draped.
DISPOSITION:  To PACU in stable condition.
"""

MTSAMPLES_STYLE = (
    "PREOPERATIVE DIAGNOSIS: , Morbid obesity.,POSTOPERATIVE DIAGNOSIS:  ,Morbid obesity.,PROCEDURE: , "
    "Laparoscopic gastric bypass.,ANESTHESIA: , General.,HEENT:  Clear.,INDICATION FOR PROCEDURE: , "
    "This is a 30-year-old female.,PROCEDURE IN DETAIL:  ,The patient was taken to the operating room."
)


def _names(text: str) -> list[tuple[str, str]]:
    return [(section.name, section.title) for section in find_sections(text)]


def _assert_tiles(text: str, sections: list[SectionSpan]) -> None:
    assert sections[0].start == 0
    assert sections[-1].end == len(text)
    for before, after in itertools.pairwise(sections):
        assert before.end == after.start
    for section in sections:
        assert text[section.start : section.start + len(section.title)] == section.title
        assert section.name in SECTION_NAMES


def test_sections_discharge_summary() -> None:
    sections = find_sections(DISCHARGE_SUMMARY)
    _assert_tiles(DISCHARGE_SUMMARY, sections)
    assert [(section.name, section.title) for section in sections] == [
        ("unknown", ""),
        ("other", "Admission Date"),
        ("other", "Discharge Date"),
        ("chief_complaint", "Chief Complaint"),
        ("history_present_illness", "History of Present Illness"),
        ("past_medical_history", "Past Medical History"),
        ("past_surgical_history", "Past Surgical History"),
        ("family_history", "Family History"),
        ("social_history", "Social History"),
        ("allergies", "Allergies"),
        ("medications", "Medications on Admission"),
        ("review_of_systems", "Review of Systems"),
        ("physical_exam", "Physical Exam"),
        ("physical_exam", "VITAL SIGNS"),
        ("labs", "Pertinent Results"),
        ("hospital_course", "Brief Hospital Course"),
        ("diagnoses", "Discharge Diagnoses"),
        ("plan", "Discharge Instructions"),
    ]


def test_sections_op_note_all_caps_headers() -> None:
    sections = find_sections(OP_NOTE)
    _assert_tiles(OP_NOTE, sections)
    assert [(section.name, section.title) for section in sections] == [
        ("unknown", ""),
        ("preoperative_diagnosis", "PREOPERATIVE DIAGNOSIS"),
        ("postoperative_diagnosis", "POSTOPERATIVE DIAGNOSIS"),
        ("procedures", "PROCEDURE PERFORMED"),
        ("other", "SURGEON"),
        ("other", "ANESTHESIA"),
        ("other", "ESTIMATED BLOOD LOSS"),
        ("operative_findings", "FINDINGS"),
        ("other", "SPECIMENS"),
        ("history_present_illness", "INDICATIONS"),
        ("procedures", "DESCRIPTION OF PROCEDURE"),
        ("other", "DISPOSITION"),
    ]


def test_sections_findings_outside_an_operative_note_are_imaging() -> None:
    text = "EXAM: CT abdomen.\nFINDINGS: Dilated appendix.\nIMPRESSION: Acute appendicitis.\n"
    assert _names(text) == [("physical_exam", "EXAM"), ("imaging", "FINDINGS"), ("assessment_plan", "IMPRESSION")]


def test_sections_run_together_mtsamples_headers() -> None:
    sections = find_sections(MTSAMPLES_STYLE)
    _assert_tiles(MTSAMPLES_STYLE, sections)
    assert [(section.name, section.title) for section in sections] == [
        ("preoperative_diagnosis", "PREOPERATIVE DIAGNOSIS"),
        ("postoperative_diagnosis", "POSTOPERATIVE DIAGNOSIS"),
        ("procedures", "PROCEDURE"),
        ("other", "ANESTHESIA"),
        ("history_present_illness", "INDICATION FOR PROCEDURE"),
        ("procedures", "PROCEDURE IN DETAIL"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Assessment and Plan:\nPneumonia.", [("assessment_plan", "Assessment and Plan")]),
        ("A/P: Pneumonia.", [("assessment_plan", "A/P")]),
        ("PMH: asthma", [("past_medical_history", "PMH")]),
        ("PSH: appendectomy", [("past_surgical_history", "PSH")]),
        ("HPI\nCough for two days.", [("history_present_illness", "HPI")]),
        ("Pre-operative diagnosis: hernia", [("preoperative_diagnosis", "Pre-operative diagnosis")]),
        (
            "Preoperative and postoperative diagnosis: hernia",
            [("postoperative_diagnosis", "Preoperative and postoperative diagnosis")],
        ),
        ("  ROS:  negative", [("unknown", ""), ("review_of_systems", "ROS")]),
        ("Final Diagnosis: Pneumonia", [("diagnoses", "Final Diagnosis")]),
        ("Personal history: hypertension.", [("past_medical_history", "Personal history")]),
        (
            "ED: right flank pain. CT shows a 4 mm stone. Diagnosis: right ureteral calculus.",
            [("unknown", ""), ("diagnoses", "Diagnosis")],
        ),
        (
            "Admitted with chest pain. Discharge diagnosis: costochondritis.",
            [("unknown", ""), ("diagnoses", "Discharge diagnosis")],
        ),
    ],
)
def test_sections_header_forms(text: str, expected: list[tuple[str, str]]) -> None:
    assert _names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The patient reports: fever and chills.",  # a colon in prose is not a header
        "History of present illness is notable for cough.",  # header words without colon, text follows
        "Neuro: alert and oriented.",  # medSpaCy's "Neuro:" dropped: a subheading
        "HEENT: normocephalic.\nLUNGS: clear.\nWBC: 12.",  # exam / lab subheadings
        "He was seen in clinic, allergies: none.",  # title case after a comma is prose
        "BP: 120/80.",
        "Immunohistochemistry: S100: positive; MELAN A: (+), CKPAN: (+).",  # stain names in a list
        "Spirometry: FEV1: 2.23 l; FEV1/VC: 78%.",
        "Seen in clinic. Her daughter said: no falls.",  # mixed case after a full stop: only diagnosis titles
        "Cough for a week. Medications: none.",
    ],
)
def test_sections_not_headers(text: str) -> None:
    assert _names(text) == [("unknown", "")]


def test_sections_empty_and_headerless_text() -> None:
    assert find_sections("") == [SectionSpan("unknown", "", 0, 0)]
    assert find_sections("No headers here.") == [SectionSpan("unknown", "", 0, 16)]


def test_sections_unknown_all_caps_label_opens_other() -> None:
    text = "POSTOPERATIVE DIAGNOSIS: Hernia.\nWOUND CLOSURE TECHNIQUE: Staples.\n"
    assert _names(text) == [
        ("postoperative_diagnosis", "POSTOPERATIVE DIAGNOSIS"),
        ("other", "WOUND CLOSURE TECHNIQUE"),
    ]


def test_sections_rule_file_is_validated_and_attributed() -> None:
    rule_file = default_sectionizer().rule_file
    assert rule_file.source.license == "MIT"
    assert "Copyright (c) 2020 medspacy" in rule_file.source.license_text
    medspacy = [rule for rule in rule_file.rules if rule.origin == "medspacy"]
    assert len(medspacy) > 100
    assert all(rule.medspacy_category for rule in medspacy)
    assert [dropped.literal for dropped in rule_file.dropped_medspacy_rules] == ["Neuro:"]


def test_sections_custom_rule_file(tmp_path: Path) -> None:
    data = default_sectionizer().rule_file.model_dump(exclude_none=True)
    data["rules"] = [{"title": "Zzz", "section": "plan", "origin": "medcoder"}]
    path = tmp_path / "sections.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert [s.name for s in Sectionizer(path).find("Zzz: rest.\nPLAN: none")] == ["plan"]


@pytest.mark.parametrize(
    "rule",
    [
        {"title": "Plan:", "section": "plan", "origin": "medcoder"},
        {"title": "Plan", "section": "planning", "origin": "medcoder"},
        {"title": "Plan", "section": "plan", "origin": "someone"},
    ],
)
def test_sections_invalid_rule_file_names_the_file(tmp_path: Path, rule: dict) -> None:
    data = default_sectionizer().rule_file.model_dump(exclude_none=True)
    data["rules"] = [rule]
    path = tmp_path / "bad-sections.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputFileError, match=r"bad-sections\.json"):
        Sectionizer(path)


_PIECES = st.sampled_from(
    ["PLAN:", "\n", "HISTORY", ".,", "ASSESSMENT: ", "Pain", " ", "HEENT:", "FOO BAR:", ":", "a", "\t", "Findings:"]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), st.lists(_PIECES, max_size=30).map("".join)))
def test_sections_always_tile_the_text(text: str) -> None:
    _assert_tiles(text, find_sections(text))


def test_sections_mtsamples_list_header_without_colon() -> None:
    # MTSamples joins lines with commas; a known title followed by its numbered list keeps no colon
    text = (
        "FINAL DIAGNOSES,1.  Morbid obesity, status post gastric bypass. ,2.  Hypertension.,"
        "BRIEF HOSPITAL COURSE SUMMARY:  ,This is a 30-year-old male."
    )
    sections = find_sections(text)
    _assert_tiles(text, sections)
    assert [(s.name, s.title) for s in sections] == [
        ("diagnoses", "FINAL DIAGNOSES"),
        ("hospital_course", "BRIEF HOSPITAL COURSE SUMMARY"),
    ]
    # an unknown upper-case word before a numbered list is not a header without its colon
    assert _names("CBC,1. normal.") == [("unknown", "")]
