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

CASES = [
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
