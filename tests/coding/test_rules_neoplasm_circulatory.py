"""Guideline rules of the neoplasm chapter (OCG I.C.2.d, I.C.2.e.2, I.C.2.l) and circulatory status and
history (OCG I.C.9.e old MI, I.B.8 chronic venous thrombosis).  Hand-written notes (fictional patients),
each case also run with its rule switched off (tests/coding/rulecases.py)."""

from __future__ import annotations

import pytest

from tests.coding.helpers import codes, encounter, has
from tests.coding.rulecases import RuleCase, check_rule_case

RADIATION_FRACTION = """RADIATION ONCOLOGY TREATMENT NOTE
REASON FOR VISIT: Fraction 12 of 25 of external beam radiation therapy.
HISTORY OF PRESENT ILLNESS: 58-year-old man with glioblastoma of the right frontal lobe, status post subtotal
resection, on concurrent temozolomide. Mild fatigue, no new headache.
ASSESSMENT: Glioblastoma of the right frontal lobe. Tolerating treatment.
PLAN: Continue daily fractions.
"""

IMMUNOTHERAPY_CYCLE = """INFUSION CENTER NOTE
ASSESSMENT:
1. Lung cancer, stage IV.
2. Hypothyroidism, on levothyroxine.
REASON FOR VISIT: Here for cycle 6 of pembrolizumab immunotherapy.
PLAN: Pembrolizumab 200 mg IV given; next cycle in 3 weeks.
"""

CARCINOMATOSIS = """DISCHARGE SUMMARY
HOSPITAL COURSE: 81-year-old woman admitted with weight loss and ascites; CT shows diffuse carcinomatosis.
Family chose comfort care; no biopsy.
DISCHARGE DIAGNOSES:
1. Carcinomatosis, primary unknown.
"""

OLD_MI_YEAR = """ANNUAL WELLNESS VISIT
PAST MEDICAL HISTORY: Myocardial infarction in 2015. Hypertension.
ASSESSMENT: No chest pain or dyspnea. Blood pressure 128/76.
1. Essential hypertension, controlled on lisinopril.
PLAN: Continue aspirin, lisinopril and atorvastatin.
"""

CHRONIC_DVT = """HEMATOLOGY CLINIC NOTE
ASSESSMENT:
1. Chronic deep vein thrombosis of the left femoral vein, unchanged on duplex.
2. Long-term use of apixaban.
PLAN: Continue apixaban 5 mg twice daily; compression stockings.
"""

CASES = [
    pytest.param(
        RuleCase(
            "ocg.I.C.2.e.2.therapy",
            RADIATION_FRACTION,
            present=("Z51.0", "C71"),
            first="Z51.0",
            tagged=("Z51.0",),
            off_absent=("Z51.0",),
        ),
        id="OCG-I.C.2.e.2:radiation-fraction-is-Z51.0-first",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.2.l.disseminated",
            CARCINOMATOSIS,
            "inpatient",
            present=("C80.0",),
            absent=("C80.1",),
            off_present=("C80.0", "C80.1"),
        ),
        id="OCG-I.C.2.l:carcinomatosis-unknown-primary-C80.0-alone",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.9.e.old",
            OLD_MI_YEAR,
            present=("I25.2", "I10"),
            absent=("I21",),
            off_absent=("I25.2",),
        ),
        id="OCG-I.C.9.e:MI-in-2015-is-old-MI-I25.2",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.B.8.chronic-dvt",
            CHRONIC_DVT,
            present=("I82.512", "Z79.01"),
            absent=("I82.412",),
            off_present=("I82.412",),
        ),
        id="OCG-I.B.8:chronic-femoral-DVT-is-I82.512",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_rule_case(case: RuleCase, coder, rule_off) -> None:
    check_rule_case(case, coder, rule_off)


def test_immunotherapy_visit_is_z51_12_first(coder) -> None:
    # I.C.2.e.2: a visit solely for antineoplastic immunotherapy, Z51.12 first-listed
    found = codes(coder.code(encounter(IMMUNOTHERAPY_CYCLE)))
    assert found[:1] == ["Z51.12"] and has(found, "C34"), found


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        # I.C.2.d: still under hormone therapy -- a current malignancy, not its history, nor Z08
        (
            "Oncology follow-up: left breast cancer, status post lumpectomy and radiation in 2023; currently on "
            "anastrozole. No evidence of disease.",
            ("C50.912", "Z79.811"),
            ("Z85.3", "Z08"),
        ),
        (
            "Breast cancer of the right breast, s/p mastectomy; on tamoxifen. No evidence of recurrence.",
            ("C50.911",),
            ("Z85.3",),
        ),
        # treatment completed: history
        (
            "Surveillance colonoscopy after a right hemicolectomy for colon cancer, no evidence of recurrence.",
            ("Z08", "Z85.038"),
            ("C18",),
        ),
        # the reason under a title line, or on a "Reason for encounter:" line (v2 of the follow-up rule)
        (
            "FOLLOW-UP VISIT\n6-month surveillance after a right hemicolectomy for adenocarcinoma of the cecum "
            "completed last year; no further treatment. CEA normal. No evidence of recurrence.",
            ("Z08", "Z85.038"),
            ("C18",),
        ),
        (
            "RADIATION ONCOLOGY TREATMENT NOTE\nReason for encounter: fraction 12 of 25 of external beam radiation "
            "therapy for glioblastoma of the left frontal lobe.\nTolerating treatment well.",
            ("Z51.0", "C71"),
            (),
        ),
        # a consultation about radiation is no radiation therapy encounter (I.C.2.e.2: "solely for")
        (
            "Radiation oncology consultation for newly diagnosed adenocarcinoma of the prostate; discussed "
            "options for external beam radiation therapy.",
            ("C61",),
            ("Z51.0",),
        ),
        # allergen immunotherapy is not antineoplastic
        (
            "Allergy clinic: here for allergen immunotherapy injection for allergic rhinitis due to dust mites.",
            (),
            ("Z51.12",),
        ),
        # a DVT on chronic anticoagulation is not a chronic DVT
        (
            "DVT of the right popliteal vein diagnosed last week, on rivaroxaban; on chronic anticoagulation.",
            ("I82.431",),
            ("I82.531",),
        ),
        # a recent MI is not old
        ("Past medical history: recent NSTEMI 2 weeks ago, s/p PCI. Hypertension.", (), ("I25.2",)),
    ],
)
def test_neoplasm_circulatory_conventions(coder, text, present, absent) -> None:
    found = codes(coder.code(encounter(text)))
    for code in present:
        assert has(found, code), (code, found)
    for code in absent:
        assert not has(found, code), (code, found)
