"""Guideline rules of the skin, musculoskeletal, genitourinary, congenital and symptom chapters (OCG I.C.12.a.5,
I.C.12.a.7, I.C.12.b, I.C.13.c, I.C.14, I.C.17, I.C.18.e) in :mod:`medcoder.coding.skin_msk`,
:mod:`medcoder.coding.kidney` and :mod:`medcoder.coding.findings`: hand-written notes (fictional patients),
each case also run with its rule switched off (tests/coding/rulecases.py); then notes the rules must leave
alone."""

from __future__ import annotations

import pytest

from tests.coding.helpers import codes, encounter, has
from tests.coding.rulecases import RuleCase, check_rule_case

CASES = [
    pytest.param(
        RuleCase(
            "ocg.I.C.12.a.5.healed",
            "WOUND CLINIC NOTE\nASSESSMENT: Stage 2 pressure ulcer of the sacrum, now completely healed. "
            "Discharged from wound clinic.\n",
            absent=("L89",),
            off_present=("L89.152",),
        ),
        id="OCG-I.C.12.a.5:completely-healed-not-coded",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.12.a.7.progression",
            "DISCHARGE SUMMARY\nDISCHARGE DIAGNOSES:\n1. Sepsis due to pneumonia.\n2. Pressure ulcer of the sacrum, "
            "stage 2 on admission, progressed to stage 3.\n",
            setting="inpatient",
            present=("L89.152", "L89.153"),
            tagged=("L89.153",),
            off_absent=("L89.153",),
        ),
        id="OCG-I.C.12.a.7:progressed-ulcer-two-codes",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.12.b.additional-ulcer",
            "VASCULAR CLINIC NOTE\nASSESSMENT: Atherosclerosis of native arteries of the left leg with ulceration "
            "of the left heel, limited to breakdown of skin.\n",
            present=("I70.244", "L97.421"),
            tagged=("L97.421",),
            off_absent=("L97.421",),
        ),
        id="OCG-I.C.12.b:atherosclerosis-with-ulcer-adds-L97",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.13.c.neoplastic-m84",
            "DISCHARGE DIAGNOSES:\n1. Pathological fracture of the right femur due to metastatic breast cancer, "
            "initial encounter.\n2. Metastatic breast cancer to bone.\n",
            setting="inpatient",
            present=("M84.551A",),
            absent=("M84.451A",),
            off_present=("M84.451A",),
        ),
        id="OCG-I.C.13.c:pathological-fracture-due-to-neoplasm-M84.5",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.13.c.stress",
            "SPORTS MEDICINE NOTE\nASSESSMENT: Stress fracture of the left second metatarsal, initial encounter, "
            "in a marathon runner.\n",
            present=("M84.375A",),
            absent=("S92",),
            off_present=("S92",),
        ),
        id="OCG-I.C.13.c:stress-fracture-M84.3",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.14.associated-symptoms",
            "UROLOGY NOTE\nASSESSMENT: Benign prostatic hyperplasia with lower urinary tract symptoms: nocturia and "
            "weak urinary stream. Start tamsulosin.\n",
            present=("N40.1", "R35.1", "R39.12"),
            off_absent=("R35.1", "R39.12"),
        ),
        id="OCG-I.C.14:BPH-with-LUTS-symptom-codes",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.18.e.coma-scale",
            "TRAUMA H&P\nASSESSMENT: Traumatic subdural hemorrhage without loss of consciousness after a fall, "
            "initial encounter. GCS E2 V2 M5 on arrival to the ED.\n",
            setting="inpatient",
            present=("S06.5X0A", "R40.2122", "R40.2222", "R40.2352"),
            absent=("R40.24",),
            off_absent=("R40.2",),
        ),
        id="OCG-I.C.18.e:coma-scale-components-7th-character",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.17.corrected",
            "ASSESSMENT: History of tetralogy of Fallot, surgically corrected in infancy; doing well.\n",
            present=("Z87.74",),
            absent=("Q21.3",),
            off_absent=("Z87.74",),
        ),
        id="OCG-I.C.17:corrected-malformation-Z87.7",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_skin_msk_gu_rule(case: RuleCase, coder, rule_off):
    check_rule_case(case, coder, rule_off)


@pytest.mark.parametrize(
    ("text", "setting", "present", "absent"),
    [
        # I.C.12.a.5: a healing ulcer keeps its stage
        (
            "DISCHARGE DIAGNOSES:\n1. Stage 3 pressure ulcer of the sacrum, not yet healed, improving with wound vac.",
            "inpatient",
            ("L89.153",),
            (),
        ),
        # I.C.12.a.7: no progression documented, one code
        (
            "DISCHARGE DIAGNOSES:\n1. Stage 2 pressure injury of the right heel, present on admission, improved.",
            "inpatient",
            ("L89.612",),
            ("L89.613",),
        ),
        # I.C.12.a.6: deep tissue injury with its site
        (
            "DISCHARGE DIAGNOSES:\n1. Deep tissue injury of the right heel, pressure related.",
            "inpatient",
            ("L89.616",),
            (),
        ),
        # a traumatic fracture stays traumatic
        (
            "ED NOTE\nASSESSMENT: Closed fracture of the left second metatarsal after dropping a weight on the foot, "
            "initial encounter.",
            "outpatient",
            ("S92",),
            ("M84.3",),
        ),
        # I.C.18.e: a normal GCS without brain injury or coma is not coded; nor a sedated patient's
        (
            "ED NOTE\nPHYSICAL EXAM: GCS 15, alert and oriented.\nASSESSMENT: Acute gastroenteritis.",
            "outpatient",
            (),
            ("R40",),
        ),
        (
            "DISCHARGE DIAGNOSES:\n1. Traumatic subdural hemorrhage without loss of consciousness, initial encounter.\n"
            "GCS 7 while intubated and sedated on propofol.",
            "inpatient",
            ("S06.5X0A",),
            ("R40.2",),
        ),
        # I.C.17: a past malformation without a documented correction is not Z87.7-
        ("ASSESSMENT: Essential hypertension. History of atrial septal defect.", "outpatient", ("I10",), ("Z87.7",)),
        # I.A.13: a negated symptom is not brought back
        (
            "ASSESSMENT: Benign prostatic hyperplasia with lower urinary tract symptoms, weak urinary stream. "
            "No nocturia.",
            "outpatient",
            ("N40.1", "R39.12"),
            ("R35.1",),
        ),
    ],
)
def test_skin_msk_gu_conventions(coder, text, setting, present, absent):
    found = codes(coder.code(encounter(text, setting)))
    for code in present:
        assert has(found, code), (code, found)
    for code in absent:
        assert not has(found, code), (code, found)
