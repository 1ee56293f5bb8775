"""Guideline rules of sequencing and of one condition worded twice: sepsis present on admission
before its localized infection (OCG I.C.1.d.4), one malignancy of a site worded with and without
its part (I.C.2, I.B.3), and the operative note's provisional reason yielding to the postoperative
diagnosis (IV.N).  Hand-written notes (fictional patients), each case also run with its rule
switched off (tests/coding/rulecases.py)."""

from __future__ import annotations

import pytest

from tests.coding.helpers import codes, encounter
from tests.coding.rulecases import RuleCase, check_rule_case

SEPSIS_PNEUMONIA_POA = """DISCHARGE SUMMARY
HOSPITAL COURSE: 74-year-old woman brought in from home with fever, confusion and hypotension; lactate 4.2.
Blood cultures negative. Treated with IV fluids, ceftriaxone and azithromycin.
DISCHARGE DIAGNOSES:
1. Right lower lobe pneumonia.
2. Sepsis secondary to pneumonia, present on admission.
3. Hypothyroidism.
"""

SEPSIS_AFTER_ADMISSION = """DISCHARGE SUMMARY
HOSPITAL COURSE: Admitted with right lower lobe pneumonia on oral-to-IV antibiotics. On hospital day 3 he became
febrile and hypotensive and met criteria for sepsis, developed after admission; antibiotics were broadened.
DISCHARGE DIAGNOSES:
1. Right lower lobe pneumonia.
2. Sepsis, developed on hospital day 3.
"""

LUNG_CANCER_TWO_WORDINGS = """DISCHARGE SUMMARY
DISCHARGE DIAGNOSES:
1. Malignant pleural effusion due to lung cancer, drained by thoracentesis.
2. Right lung cancer, stage IV, on palliative chemotherapy.
"""

PROCEDURE_LINE_LUMP = """OPERATIVE REPORT
PREOPERATIVE DIAGNOSIS: Right breast lump.
POSTOPERATIVE DIAGNOSIS: Fat necrosis of the right breast.
PROCEDURE: Excision of palpable right breast lump.
FINDINGS: Firm yellow fatty tissue, no discrete mass.
"""

INCIDENTAL_ANEMIA = """DISCHARGE SUMMARY
HOSPITAL COURSE: 68-year-old admitted with dyspnea; CT angiogram showed acute bilateral pulmonary emboli without acute
cor pulmonale; started on heparin then apixaban. Incidentally noted mild anemia, not worked up.
DISCHARGE DIAGNOSES: Acute bilateral pulmonary embolism.
"""

DYSPHAGIA_LATE_EFFECT = """NEUROLOGY FOLLOW-UP
ASSESSMENT: Dysphagia as a late effect of cerebral infarction 2 years ago; continue speech therapy.
"""

NEUTROPENIC_FEVER = """DISCHARGE SUMMARY
Admitted with neutropenic fever 8 days after cycle 2 of chemotherapy for diffuse large B-cell lymphoma. ANC 200.
Treated with cefepime; counts recovered.
"""

POSTOP_CHECK = """SURGERY CLINIC
Post-op check 2 weeks after laparoscopic cholecystectomy for symptomatic cholelithiasis; incisions healing, staples
removed. Tolerating a regular diet.
"""

CASES = [
    pytest.param(
        RuleCase(
            "ocg.IV.J.removed-before",
            POSTOP_CHECK,
            "outpatient",
            absent=("K80",),
            off_present=("K80.20",),
        ),
        id="OCG-IV.J:gallstones-removed-two-weeks-ago-are-not-coded-at-the-post-op-check",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.3.neutropenia",
            NEUTROPENIC_FEVER,
            "inpatient",
            present=("D70.1", "R50.81", "T45.1X5A"),
            absent=("D70.9", "Z51.11"),
            off_present=("D70.9",),
            off_absent=("D70.1", "R50.81"),
        ),
        id="OCG-I.C.3:neutropenic-fever-after-chemotherapy-D70.1-R50.81-no-Z51.11",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.A.13.if-known",
            DYSPHAGIA_LATE_EFFECT,
            "outpatient",
            present=("I69.391",),
            absent=("R13.10",),
            off_present=("I69.391", "R13.10"),
        ),
        id="OCG-I.A.13:dysphagia-following-stroke-asks-only-for-a-known-type",
    ),
    pytest.param(
        RuleCase(
            "ocg.III.not-addressed",
            INCIDENTAL_ANEMIA,
            "inpatient",
            present=("I26.99",),
            absent=("D64",),
            off_present=("I26.99", "D64.9"),
        ),
        id="OCG-III:incidental-anemia-not-worked-up-is-no-other-diagnosis",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.1.d.4.sequence",
            SEPSIS_PNEUMONIA_POA,
            "inpatient",
            present=("A41.9", "J18"),
            first="A41.9",
            tagged=("A41.9",),
            off_not_first="A41.9",
        ),
        id="OCG-I.C.1.d.4:sepsis-present-on-admission-before-the-pneumonia",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.2.one-primary-site",
            LUNG_CANCER_TWO_WORDINGS,
            "inpatient",
            present=("C34.91",),
            absent=("C34.90",),
            tagged=("C34.91",),
            off_present=("C34.91", "C34.90"),
        ),
        id="OCG-I.C.2-I.B.3:lung-cancer-and-right-lung-cancer-one-malignancy",
    ),
    pytest.param(
        RuleCase(
            "ocg.IV.M.postoperative",
            PROCEDURE_LINE_LUMP,
            "outpatient",
            present=("N64.1",),
            absent=("N63",),
            off_present=("N64.1", "N63.10"),
        ),
        id="OCG-IV.N:preoperative-and-procedure-line-lump-yield-to-the-postoperative-fat-necrosis",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_sequencing_rule_on_realistic_note(case: RuleCase, coder, rule_off):
    check_rule_case(case, coder, rule_off)


def test_sepsis_after_admission_keeps_the_localized_infection_first(coder):
    # OCG I.C.1.d.4: "If the patient is admitted with a localized infection, such as pneumonia, and
    # sepsis ... doesn't develop until after admission, the localized infection should be assigned first"
    found = codes(coder.code(encounter(SEPSIS_AFTER_ADMISSION, "inpatient")))
    assert "A41.9" in found and found[0].startswith("J18"), found


@pytest.mark.parametrize(
    ("text", "setting", "first", "present", "absent"),
    [
        # OCG IV.G / principal v5: a problem stated first without a plan of its own is not passed over
        # for one whose plan orders tests ("Labs ordered" is the visit's plan for both)
        (
            "URGENT CARE\nChief complaint: dizziness and fatigue for 1 week.\nAssessment: Dizziness, etiology unclear; "
            "orthostatic vitals normal. Fatigue. Labs ordered.",
            "outpatient",
            "R42",
            ("R53.83",),
            (),
        ),
        # the leading phrase's head counts as stated: "Acute lumbar strain, improving; ..." (IV.G)
        (
            "OFFICE VISIT\nChief complaint: follow-up after ED visit for low back pain.\nAssessment: 1. Acute lumbar "
            "strain, improving; continue naproxen, PT referral. 2. Hyperlipidemia, on atorvastatin. 3. GERD, on "
            "omeprazole.",
            "outpatient",
            "S39.012A",
            ("E78.5", "K21.9"),
            (),
        ),
        # a spaced dash parts a problem from its plan: "Hypertension - continue lisinopril" is a quiet
        # problem, the osteoarthritis injected today the one worked on (IV.G)
        (
            "OFFICE VISIT\nChief complaint: knee pain.\nAssessment and plan:\nHypertension - continue lisinopril.\n"
            "Primary osteoarthritis of the right knee - x-ray shows joint space narrowing; steroid injection given "
            "today.\nHyperlipidemia - continue statin.",
            "outpatient",
            "M17.11",
            ("I10", "E78.5"),
            (),
        ),
        # principal v6 (IV.G): the diagnosis the chief complaint is about, here through its integral
        # symptom (cough -> acute bronchitis), before a chronic problem the assessment lists first
        (
            "OFFICE VISIT\nChief complaint: cough for 5 days.\nAssessment: 1. Hypertension. 2. Acute bronchitis - "
            "azithromycin.",
            "outpatient",
            "J20.9",
            ("I10",),
            ("R05",),
        ),
        # Z37 (outcome of delivery) and Z3A (weeks) are never first (I.C.15.b.1, I.C.15.b.5)
        (
            "DELIVERY NOTE\n25-year-old G1 at 40 weeks 1 day, spontaneous vaginal delivery of a single liveborn "
            "female, no complications, no episiotomy.",
            "inpatient",
            "O80",
            ("Z37.0", "Z3A.40"),
            (),
        ),
        # modifiers after the comma: "Congestive heart failure, acute on chronic diastolic" is I50.33
        (
            "DISCHARGE DIAGNOSES:\n1. Congestive heart failure, acute on chronic diastolic.\n2. Pneumonia, "
            "aspiration.\n3. Anemia, chronic kidney disease stage 3.",
            "inpatient",
            "I50.33",
            ("J69.0", "D64.9", "N18.30"),
            ("I50.9", "J18.9", "D63.1"),
        ),
        # two terms for the same words after the comma are one reading, one code (not M17.11 and M17.9)
        (
            "OPERATIVE REPORT\nPREOPERATIVE DIAGNOSIS: Osteoarthritis, right knee.\nPOSTOPERATIVE DIAGNOSIS: "
            "Osteoarthritis, right knee.\nPROCEDURE: Right total knee arthroplasty.",
            "inpatient",
            "M17.11",
            (),
            ("M17.9", "M19.90"),
        ),
        # IV.N: the postoperative diagnosis's side, not the preoperative "bilateral" nor the hydroceles' (K40.90)
        (
            "OPERATIVE REPORT\nPREOPERATIVE DIAGNOSES: Bilateral inguinal hernias.\nPOSTOPERATIVE DIAGNOSES: Left "
            "inguinal hernia, bilateral hydroceles.\nPROCEDURE: Left inguinal hernia repair.",
            "outpatient",
            "K40.90",
            (),
            ("K40.20",),
        ),
        # "not present on admission" is a POA statement, not a negation (Appendix I)
        (
            "DISCHARGE DIAGNOSES:\n1. Acute pyelonephritis.\n2. Sepsis due to E. coli, not present on admission, "
            "developed on hospital day 3.",
            "inpatient",
            "N10",
            ("A41.51",),
            (),
        ),
        # "without coma, type 1 diabetes": the "without" negates the coma only
        (
            "DISCHARGE DIAGNOSES:\n1. Diabetic ketoacidosis without coma, type 1 diabetes mellitus.",
            "inpatient",
            "E10.10",
            (),
            ("E11", "R40"),
        ),
    ],
)
def test_sequence_and_wording(coder, text, setting, first, present, absent):
    found = codes(coder.code(encounter(text, setting)))
    assert found and found[0] == first, found
    for code in present:
        assert code in found, (code, found)
    for code in absent:
        assert not any(c.startswith(code) for c in found), (code, found)
