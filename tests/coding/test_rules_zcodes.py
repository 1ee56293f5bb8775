"""Guideline rules of chapter 21 Z codes (OCG I.C.21.c) in :mod:`medcoder.coding.zcodes`: screening,
immunization, counseling, donors, homelessness, status, injury aftercare and the first-listed-only
codes, each on a realistic note with the rule on and off; then other phrasings and the notes the
rules must leave alone."""

from __future__ import annotations

import pytest

from tests.coding.helpers import codes, encounter, has
from tests.coding.rulecases import RuleCase, check_rule_case

CASES = [
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.5.screening",
            "CHIEF COMPLAINT: Here for STD and HIV screening.\nHPI: 24-year-old, new partner, asymptomatic.\n"
            "PLAN: GC/chlamydia NAAT, RPR and HIV antigen/antibody sent.\n",
            present=("Z11.3", "Z11.4"),
            absent=("B20", "A64"),
            tagged=("Z11.3", "Z11.4"),
            off_absent=("Z11.3", "Z11.4"),
        ),
        id="OCG-I.C.21.c.5:visit-for-screening-Z11-Z13",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.5.screened-not-found",
            "CHIEF COMPLAINT: Pap smear.\nHPI: 32-year-old here for routine cervical cancer screening; last Pap "
            "3 years ago was normal.\nPLAN: Pap with HPV cotesting obtained.\n",
            present=("Z12.4",),
            absent=("C53",),
            off_present=("C53",),
        ),
        id="OCG-I.C.21.c.5:the-condition-screened-for-is-no-diagnosis",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.5.planned",
            "CHIEF COMPLAINT: Annual physical.\nHPI: 51-year-old here for her yearly exam. No complaints.\n"
            "ASSESSMENT/PLAN: Healthy adult. Due for colon cancer screening; will schedule colonoscopy.\n",
            present=("Z00.00",),
            absent=("Z12.11", "C18"),
            first="Z00.00",
            off_present=("Z12.11",),
        ),
        id="OCG-I.C.21.c.5:screening-due-or-planned-not-coded",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.5.sequence",
            "PROCEDURE: Screening colonoscopy.\nINDICATION: Average-risk colon cancer screening, age 50.\n"
            "FINDINGS: A 6 mm sessile polyp in the sigmoid colon, removed with cold snare.\n"
            "IMPRESSION: Sigmoid colon polyp.\n",
            present=("Z12.11", "K63.5"),
            first="Z12.11",
            before=(("Z12.11", "K63.5"),),
            off_present=("Z12.11", "K63.5"),
            off_first="K63.5",
        ),
        id="OCG-I.C.21.c.5:screening-first-the-finding-after",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.2.given",
            "CHIEF COMPLAINT: Sore throat for 3 days.\nASSESSMENT/PLAN: Acute viral pharyngitis; supportive care. "
            "Influenza vaccine administered today per patient request.\n",
            present=("J02.9", "Z23"),
            first="J02.9",
            tagged=("Z23",),
            off_absent=("Z23",),
        ),
        id="OCG-I.C.21.c.2:vaccine-given-at-a-sick-visit-Z23-additional",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.10.counseling",
            "ASSESSMENT/PLAN:\n1. Nicotine dependence, cigarettes. Smokes 1 pack per day. Counseled on smoking "
            "cessation for 5 minutes; start nicotine patch.\n",
            present=("F17.210", "Z71.6"),
            tagged=("Z71.6",),
            off_absent=("Z71.6",),
        ),
        id="OCG-I.C.21.c.10:tobacco-counseling-Z71.6",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.9.donor-evaluation",
            "CHIEF COMPLAINT: Evaluation as a potential living kidney donor for her brother.\nHPI: Healthy "
            "41-year-old volunteering to donate a kidney.\nPLAN: Donor workup labs, CT angiogram of the kidneys.\n",
            present=("Z00.5",),
            absent=("Z52",),
            first="Z00.5",
            off_absent=("Z00.5",),
        ),
        id="OCG-I.C.21.c.9:potential-donor-evaluated-Z00.5-not-Z52",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.17.homelessness",
            "SOCIAL HISTORY: Currently homeless, staying at a shelter downtown.\nASSESSMENT/PLAN: Cellulitis of "
            "the right lower leg. Cephalexin; social work consult for housing.\n",
            present=("L03.115", "Z59.01"),
            absent=("Z59.00",),
            tagged=("Z59.01",),
            off_present=("Z59.00",),
            off_absent=("Z59.01",),
        ),
        id="OCG-I.C.21.c.17:sheltered-homelessness-Z59.01",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.3.status-included",
            "ASSESSMENT: Acute rejection of kidney transplant; biopsy confirms acute cellular rejection. Kidney "
            "transplant status since 2018. Admit for pulse steroids.\n",
            setting="inpatient",
            present=("T86.11",),
            absent=("Z94.0",),
            off_present=("T86.11", "Z94.0"),
        ),
        id="OCG-I.C.21.c.3:no-transplant-status-with-its-complication-code",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.7.injury",
            "CHIEF COMPLAINT: Follow-up of right distal radius fracture.\nHPI: Closed fracture of the right distal "
            "radius treated with closed reduction and casting 4 weeks ago; healing well.\nPLAN: Cast changed; "
            "repeat x-ray in 2 weeks.\n",
            present=("S52.501D",),
            absent=("S52.501A", "Z47", "Z48", "Z09"),
            tagged=("S52.501D",),
            off_present=("S52.501A",),
        ),
        id="OCG-I.C.21.c.7:aftercare-of-an-injury-7th-character-D",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.1.exposed-to",
            "Reason for visit: TB exposure at work.\nHPI: Nurse exposed to a patient with active pulmonary "
            "tuberculosis last week. No cough, fever or night sweats.\nPLAN: QuantiFERON drawn.\n",
            present=("Z20.1",),
            absent=("A15",),
            off_present=("A15",),
        ),
        id="OCG-I.C.21.c.1:exposed-to-someone-with-a-disease-Z20",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.16.first-listed",
            "ASSESSMENT/PLAN:\n1. Essential hypertension, controlled.\n2. Encounter for routine postpartum "
            "follow-up; uncomplicated vaginal delivery 6 weeks ago.\n",
            present=("Z39.2", "I10"),
            first="Z39.2",
            off_present=("Z39.2", "I10"),
            off_not_first="Z39.2",
        ),
        id="OCG-I.C.21.c.16:first-listed-only-Z-code-first",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_zcodes_rule(case: RuleCase, coder, rule_off):
    check_rule_case(case, coder, rule_off)


@pytest.mark.parametrize(
    ("text", "present", "absent", "first"),
    [
        # screening: other phrasings (I.C.21.c.5)
        ("EXAM: Screening bilateral mammogram.\nIMPRESSION: BI-RADS 1, negative.", ("Z12.31",), (), "Z12.31"),
        (
            "CHIEF COMPLAINT: Here for STD and HIV screening.\nHPI: 24-year-old, new partner, asymptomatic.",
            ("Z11.3", "Z11.4"),
            (),
            None,
        ),
        (
            "Reason for visit: diabetes screening.\nHPI: Overweight 40-year-old. No polyuria.\nPLAN: A1c drawn.",
            ("Z13.1",),
            ("E11",),
            "Z13.1",
        ),
        (
            "INDICATION: Screening for colorectal cancer, average risk.\nFINDINGS: Normal colonoscopy.",
            ("Z12.11",),
            ("C18", "C20"),
            "Z12.11",
        ),
        # a screening result in the history is no screening encounter
        (
            "PAST MEDICAL HISTORY: HIV screening negative last year.\nASSESSMENT: Acute sinusitis.",
            ("J01.90",),
            ("Z11.4", "B20"),
            None,
        ),
        # immunization given / declined / not given (I.C.21.c.2)
        (
            "ASSESSMENT/PLAN: Essential hypertension. Offered influenza vaccine; patient declined the flu shot.",
            ("I10", "Z28.21"),
            ("Z23",),
            None,
        ),
        (
            "Well child check, 11-year-old girl. Growth normal. Mother declined the HPV vaccine today; Tdap and "
            "meningococcal given.",
            ("Z00.129", "Z23", "Z28.82"),
            (),
            "Z00.129",
        ),
        ("ASSESSMENT: Acute otitis media, right ear. Amoxicillin. Immunizations up to date.", (), ("Z23", "Z28"), None),
        (
            "ASSESSMENT: Type 2 diabetes without complications. Will give pneumococcal vaccine at next visit.",
            ("E11.9",),
            ("Z23",),
            None,
        ),
        # counseling needs the condition it addresses
        (
            "ASSESSMENT: Essential hypertension. Never smoker. Counseled on avoiding secondhand smoke.",
            ("I10",),
            ("Z71.6",),
            None,
        ),
        (
            "ASSESSMENT/PLAN: Alcohol dependence, uncomplicated. Counseled on alcohol cessation.",
            ("F10.20", "Z71.41"),
            (),
            None,
        ),
        # unsheltered homelessness
        (
            "SOCIAL HISTORY: Homeless for 3 months, currently living in his car.\nASSESSMENT: Acute bronchitis.",
            ("Z59.02",),
            ("Z59.00", "Z59.01"),
            None,
        ),
        # injury aftercare: suture removal after a laceration repair is the injury's D code, no Z48.02
        (
            "Reason for visit: suture removal.\nHPI: Laceration of the left hand repaired in the ED 10 days ago; "
            "healing well, no signs of infection.\nPLAN: Sutures removed.",
            ("S61.412D",),
            ("Z48.02", "S61.412A"),
            None,
        ),
        # ... but a fracture treated actively today keeps A
        (
            "CHIEF COMPLAINT: Follow-up of left distal radius fracture.\nHPI: Splinted in the ED 5 days ago. Repeat "
            "x-ray shows the fracture is now displaced; ORIF scheduled tomorrow.",
            ("S52.502A",),
            ("S52.502D",),
            None,
        ),
        # status with its complication code
        ("ASSESSMENT: Heart transplant rejection on biopsy. Heart transplant 2019.", ("T86.21",), ("Z94.1",), None),
        # exposure of a coworker's influenza
        (
            "CHIEF COMPLAINT: Exposure to influenza.\nHPI: Exposed to a coworker with influenza A yesterday. "
            "No symptoms.",
            ("Z20.828",),
            ("J09", "J10", "J11"),
            None,
        ),
    ],
)
def test_zcodes_phrasings(text, present, absent, first, coder) -> None:
    found = codes(coder.code(encounter(text, "outpatient")))
    assert all(has(found, p) for p in present), found
    assert not any(has(found, a) for a in absent), found
    if first is not None:
        assert found[0] == first, found


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Reason for visit: Sports physical for middle school basketball.\nHPI: 13-year-old, no complaints.", "Z02.5"),
        ("Reason for visit: Pre-employment physical for a warehouse job. Exam normal.", "Z02.1"),
        (
            "Reason for visit: preoperative labs prior to repair of a right inguinal hernia. CBC and BMP drawn.",
            "Z01.812",
        ),
        ("Reason for visit: IUD insertion.\nPROCEDURE: Levonorgestrel IUD inserted without complication.", "Z30.430"),
        ("Reason for visit: IUD removal, desires pregnancy.", "Z30.432"),
        (
            "CHIEF COMPLAINT: Wants to start birth control.\nHPI: 22-year-old requesting oral contraceptive pills.",
            "Z30.011",
        ),
        ("CHIEF COMPLAINT: 6-week postpartum visit.\nHPI: Uncomplicated vaginal delivery 6 weeks ago.", "Z39.2"),
        ("Well child check, 4-year-old. Growth and development normal.", "Z00.129"),
    ],
)
def test_encounter_reasons_first_listed(text, code, coder) -> None:
    """The encounter reasons of encounters.py (ocg.I.C.21.c.reason.v2, ocg.I.C.21.c.13.v2): the
    administrative, preprocedural-laboratory, contraceptive and postpartum visits, first-listed."""
    found = codes(coder.code(encounter(text, "outpatient")))
    assert found and found[0] == code, found
