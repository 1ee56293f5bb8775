"""Guideline rules on what occasioned the encounter: a planned procedure not carried out
(I.C.21.c.12, II.F, IV.A.1), an unspecified code beside the specific wording of the same condition
(I.B.3); and contrasting diagnoses after a symptom (II.D -- II.E, which put the symptom first, was
deleted from the guidelines on 1 October 2014).  Hand-written notes
(fictional patients), each case also run with its rule switched off (tests/coding/rulecases.py)."""

from __future__ import annotations

import pytest

from tests.coding.helpers import codes, encounter
from tests.coding.rulecases import RuleCase, check_rule_case

EPIGASTRIC_EITHER_OR = """DISCHARGE SUMMARY
HISTORY OF PRESENT ILLNESS: 46-year-old man admitted overnight with epigastric pain after meals.
HOSPITAL COURSE: Lipase normal. Ultrasound without gallstones. Started on pantoprazole; pain improved.
DISCHARGE DIAGNOSES:
1. Epigastric pain due to either gastritis or peptic ulcer disease; outpatient endoscopy arranged.
2. Hypertension.
"""

CANCELLED_PATIENT_DECISION = """OPERATIVE SERVICES NOTE
HISTORY OF PRESENT ILLNESS: 61-year-old woman admitted this morning for elective laparoscopic
cholecystectomy for chronic cholecystitis with cholelithiasis.
HOSPITAL COURSE: After admission and consent the patient changed her mind, and the surgery was cancelled.
She was discharged home the same day.
"""

CANCELLED_CONTRAINDICATION = """AMBULATORY SURGERY NOTE
HISTORY OF PRESENT ILLNESS: 68-year-old man scheduled today for a left total knee arthroplasty for primary
osteoarthritis of the left knee.  On arrival temperature 38.6 C with productive cough; chest x-ray shows a left
lower lobe infiltrate.
ASSESSMENT: Left lower lobe pneumonia; the arthroplasty was cancelled because of the pneumonia.
PLAN: Amoxicillin for 7 days; surgery rescheduled in four weeks.
"""

ANEMIA_IRON = """PROGRESS NOTE
HISTORY OF PRESENT ILLNESS: 38-year-old woman with fatigue and heavy menstrual periods.
ASSESSMENT AND PLAN:
1. Anemia. Ferritin 6; this is iron deficiency anemia. Start ferrous sulfate 325 mg daily.
2. Menorrhagia. Refer to gynecology.
"""

CASES = [
    pytest.param(
        RuleCase(
            "ocg.I.B.3.unspecified",
            ANEMIA_IRON,
            "outpatient",
            present=("D50.9", "N92.0"),
            absent=("D64.9",),
            first="D50.9",
            tagged=("D50.9",),
            off_present=("D50.9", "D64.9"),
        ),
        id="OCG-I.B.3:anemia-the-assessment-then-calls-iron-deficiency-anemia-one-code",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.12.cancelled",
            CANCELLED_PATIENT_DECISION,
            "inpatient",
            present=("K80.10", "Z53.20"),
            tagged=("Z53.20",),
            off_present=("K80.10",),
            off_absent=("Z53",),
        ),
        id="OCG-I.C.21.c.12:surgery-cancelled-by-the-patients-decision-Z53.20",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.12.cancelled.sequence",
            CANCELLED_CONTRAINDICATION,
            "outpatient",
            present=("M17.12", "J18.9", "Z53.09"),
            first="M17.12",
            off_present=("M17.12", "J18.9", "Z53.09"),
            off_first="J18.9",
        ),
        id="OCG-IV.A.1:reason-for-the-cancelled-surgery-stays-first-listed",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_principal_rule(case, coder, rule_off):
    check_rule_case(case, coder, rule_off)


def test_symptom_before_contrasting_diagnoses_is_integral_and_both_are_coded(coder):
    """OCG II.D: "either/or" diagnoses are coded as if confirmed (inpatient) and sequenced by the
    circumstances; the symptom they would explain is integral (I.B.4-5).  II.E, which coded the
    symptom first, was deleted effective October 1, 2014."""
    found = codes(coder.code(encounter(EPIGASTRIC_EITHER_OR, "inpatient")))
    assert {"K29.70", "K27.9"} <= set(found) and not any(c.startswith("R10") for c in found), found
    assert found[0] in ("K29.70", "K27.9"), found


def test_symptom_before_a_single_established_diagnosis_stays_integral(coder):
    text = """DISCHARGE SUMMARY
DISCHARGE DIAGNOSES:
1. Epigastric pain due to peptic ulcer disease.
"""
    found = codes(coder.code(encounter(text, "inpatient")))
    assert "K27.9" in found and not any(c.startswith("R10") for c in found), found


@pytest.mark.parametrize(
    "text",
    [
        "PLAN: Laparoscopic cholecystectomy is scheduled for next week; the surgery was not cancelled for the cold.\n"
        "ASSESSMENT: Chronic cholecystitis with cholelithiasis.",
        "PAST SURGICAL HISTORY: Knee arthroscopy cancelled years ago.\nASSESSMENT: Hypertension.",
        "ASSESSMENT: Chronic cholecystitis with cholelithiasis. Cholecystectomy planned.",
    ],
)
def test_no_z53_when_nothing_was_cancelled_now(coder, text):
    found = codes(coder.code(encounter(text, "outpatient")))
    assert not any(c.startswith("Z53") for c in found), found
