"""Conventions and general guidelines (OCG I.A.13, I.A.15, I.B.8, I.B.9, I.B.10, I.B.13, I.B.14, I.B.15):
hand-written notes (fictional patients), each case also run with its rule switched off
(tests/coding/rulecases.py)."""

from __future__ import annotations

import pytest

from tests.coding.helpers import codes, encounter
from tests.coding.rulecases import RuleCase, check_rule_case

POLYNEUROPATHY_HYPOTHYROID = """NEUROLOGY FOLLOW-UP
HISTORY OF PRESENT ILLNESS: Numbness of both feet for a year; TSH 38 at diagnosis.
ASSESSMENT: Polyneuropathy due to hypothyroidism.
PLAN: Continue levothyroxine 100 mcg; gabapentin at bedtime.
"""

MYOPATHY_HYPOTHYROID = """ENDOCRINE CLINIC
ASSESSMENT: Myopathy due to hypothyroidism; CK 900, proximal weakness.
PLAN: Increase levothyroxine; recheck CK in 6 weeks.
"""

DIABETIC_GASTROPARESIS = """GI CLINIC NOTE
ASSESSMENT: Type 1 diabetes mellitus with diabetic gastroparesis; gastric emptying study delayed at 4 hours.
PLAN: Small frequent meals, metoclopramide before meals; continue insulin pump.
"""

ACUTE_AND_CHRONIC_BRONCHITIS = """URGENT CARE NOTE
ASSESSMENT: Acute and chronic bronchitis in a long-time smoker.
PLAN: Azithromycin, albuterol inhaler; smoking cessation discussed.
"""

ACUTE_ON_CHRONIC_KIDNEY = """DISCHARGE SUMMARY
DISCHARGE DIAGNOSES:
1. Acute on chronic kidney failure; chronic kidney disease stage 4 at baseline.
HOSPITAL COURSE: Creatinine 4.1 from 2.6 after vomiting; IV fluids, nephrology followed.
"""

CKD_THEN_ACUTE_ON_CHRONIC = """DISCHARGE SUMMARY
DISCHARGE DIAGNOSES:
1. Chronic kidney disease stage 3b.
2. Acute on chronic renal failure.
"""

TB_BRONCHIECTASIS = """PULMONARY CLINIC
ASSESSMENT: Bronchiectasis, residual of tuberculosis treated 10 years ago.
PLAN: Airway clearance with a flutter valve; sputum culture.
"""

POLIO_SCOLIOSIS = """SPINE CLINIC
ASSESSMENT: Scoliosis due to old poliomyelitis; bracing.
"""

STROKE_NIHSS = """DISCHARGE SUMMARY
DISCHARGE DIAGNOSES:
1. Acute cerebral infarction, treated with alteplase.
STROKE NURSE NOTE: NIH stroke scale 8 on arrival, 3 at discharge.
"""

CROHN_OBSTRUCTION = """DISCHARGE SUMMARY
DISCHARGE DIAGNOSES:
1. Crohn's disease of the small intestine with small bowel obstruction, managed with bowel rest and IV steroids.
"""

CELLULITIS_NURSE_SIDE = """PROVIDER ASSESSMENT: Cellulitis of the leg; start cephalexin 500 mg four times daily.
NURSING NOTE: Erythema and warmth of the left lower leg, border outlined with marker.
"""

CATARACT_SECOND_EYE = """OPHTHALMOLOGY NOTE
ASSESSMENT: Bilateral age-related nuclear cataracts. The right cataract was removed last month; today evaluated
for surgery on the left eye.
PLAN: Schedule left phacoemulsification with lens implant.
"""

KNEES_BOTH_SIDES = """ORTHOPEDIC CLINIC
ASSESSMENT: Primary osteoarthritis of the right knee and of the left knee.
PROCEDURE: Both knees injected with triamcinolone 40 mg.
"""

CASES = [
    pytest.param(
        RuleCase(
            "ocg.I.A.13.manifestation",
            POLYNEUROPATHY_HYPOTHYROID,
            present=("E03.9", "G63"),
            absent=("G62.9",),
            first="E03.9",
            tagged=("G63",),
            off_present=("G62.9",),
            off_absent=("G63",),
        ),
        id="OCG-I.A.13:polyneuropathy-due-to-hypothyroidism-E03.9-G63",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.A.13.manifestation.sequence",
            MYOPATHY_HYPOTHYROID,
            present=("E03.9", "G73.7"),
            first="E03.9",
            before=(("E03.9", "G73.7"),),
            off_present=("E03.9", "G73.7"),
            off_first="G73.7",
        ),
        id="OCG-I.A.13:myopathy-in-hypothyroidism-the-etiology-first",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.A.13.code_first_partner",
            DIABETIC_GASTROPARESIS,
            present=("E10.43", "K31.84"),
            absent=("E10.9",),
            before=(("E10.43", "K31.84"),),
            tagged=("K31.84",),
            off_present=("E10.43",),
            off_absent=("K31.84",),
        ),
        id="OCG-I.A.13:diabetic-gastroparesis-E10.43-then-K31.84",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.B.8.index_pairs",
            ACUTE_AND_CHRONIC_BRONCHITIS,
            present=("J20.9", "J42"),
            first="J20.9",
            off_present=("J42",),
            off_absent=("J20.9",),
        ),
        id="OCG-I.B.8:acute-and-chronic-bronchitis-both-acute-first",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.B.8.index_pairs",
            ACUTE_ON_CHRONIC_KIDNEY,
            setting="inpatient",
            present=("N17.9", "N18.4"),
            absent=("N18.9",),
            first="N17.9",
            off_present=("N18.9", "N18.4"),
        ),
        id="OCG-I.B.8:acute-on-chronic-kidney-failure-the-documented-stage-not-N18.9",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.B.8.acute_first",
            CKD_THEN_ACUTE_ON_CHRONIC,
            setting="inpatient",
            present=("N17.9", "N18.32"),
            absent=("N18.9",),
            first="N17.9",
            before=(("N17.9", "N18.32"),),
            off_present=("N17.9", "N18.32"),
            off_first="N18.32",
        ),
        id="OCG-I.B.8:the-acute-code-sequenced-first",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.B.10.sequela_category",
            TB_BRONCHIECTASIS,
            present=("J47.9", "B90.9"),
            absent=("A15",),
            first="J47.9",
            tagged=("B90.9",),
            off_present=("J47.9",),
            off_absent=("B90",),
        ),
        id="OCG-I.B.10:residual-of-tuberculosis-J47.9-then-B90.9",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.B.10.sequence",
            POLIO_SCOLIOSIS,
            present=("M41", "B91"),
            absent=("A80",),
            first="M41.9",
            before=(("M41.9", "B91"),),
            off_present=("M41", "B91"),
            off_first="B91",
        ),
        id="OCG-I.B.10:scoliosis-due-to-old-polio-the-residual-first",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.B.14.nihss",
            STROKE_NIHSS,
            setting="inpatient",
            present=("I63.9", "R29.708"),
            absent=("R29.703",),
            first="I63.9",
            tagged=("R29.708",),
            off_present=("I63.9",),
            off_absent=("R29.7",),
        ),
        id="OCG-I.B.14-I.C.18.i:nihss-initial-score-with-the-stroke",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.A.15.with",
            CROHN_OBSTRUCTION,
            setting="inpatient",
            present=("K50.012",),
            absent=("K50.00", "K56"),
            first="K50.012",
            tagged=("K50.012",),
            off_present=("K50.00", "K56.6"),
            off_absent=("K50.012",),
        ),
        id="OCG-I.B.9:crohns-of-small-intestine-with-obstruction-K50.012",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.B.13.limb",
            CELLULITIS_NURSE_SIDE,
            present=("L03.116",),
            absent=("L03.119", "L03.115"),
            tagged=("L03.116",),
            off_present=("L03.119",),
            off_absent=("L03.116",),
        ),
        id="OCG-I.B.13-I.B.14:cellulitis-side-from-the-nursing-note-L03.116",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.B.13.remaining_side",
            CATARACT_SECOND_EYE,
            present=("H25.12",),
            absent=("H25.13", "H25.11"),
            tagged=("H25.12",),
            off_present=("H25.13",),
            off_absent=("H25.12",),
        ),
        id="OCG-I.B.13:bilateral-cataract-first-eye-done-the-remaining-side-H25.12",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.B.13.both_sides",
            KNEES_BOTH_SIDES,
            present=("M17.0",),
            absent=("M17.11", "M17.12"),
            tagged=("M17.0",),
            off_present=("M17.11",),
            off_absent=("M17.0",),
        ),
        id="OCG-I.B.13:osteoarthritis-of-the-right-knee-and-the-left-knee-M17.0",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_conventions_rule_on_realistic_note(case: RuleCase, coder, rule_off):
    check_rule_case(case, coder, rule_off)


@pytest.mark.parametrize(
    ("text", "setting", "present", "absent"),
    [
        # I.A.13: the classification codes diabetic polyneuropathy as a combination (G63 Excludes1 E08-E13 .42)
        ("ASSESSMENT: Type 2 diabetes mellitus with diabetic polyneuropathy.", "outpatient", ("E11.42",), ("G63",)),
        # a disease of the manifestation's own chapter is no etiology for it ("iron deficiency anemia ...")
        ("ASSESSMENT: Iron deficiency anemia due to chronic blood loss.", "outpatient", ("D50.0",), ("D63.8",)),
        # a disease with a manifestation code of its own: anemia in neoplastic disease D63.0 (I.C.2.c.1)
        (
            "DISCHARGE DIAGNOSES:\n1. Anemia due to multiple myeloma, transfused.\n2. Multiple myeloma.",
            "inpatient",
            ("C90.00", "D63.0"),
            ("D63.8",),
        ),
        # I.B.10: a current infection is not a sequela
        ("ASSESSMENT: Bronchiectasis; sputum grew Pseudomonas.", "outpatient", ("J47.9",), ("B90",)),
        ("ASSESSMENT: Post-polio syndrome with slowly progressive weakness.", "outpatient", ("G14",), ("B91", "A80")),
        (
            "AUDIOLOGY: Bilateral sensorineural hearing loss as a late effect of bacterial meningitis in childhood.",
            "outpatient",
            ("H90.3", "G09"),
            ("G00",),
        ),
        # I.B.14: the NIHSS goes with an acute infarction (I63), not a TIA
        ("ED: Transient ischemic attack; NIHSS 0 on exam. Aspirin started.", "outpatient", ("G45.9",), ("R29.7",)),
        ("ED: Transient ischemic attack, NIHSS score 0; aspirin.", "outpatient", ("G45.9",), ("R29.7",)),
        ("DISCHARGE DIAGNOSES:\n1. Acute ischemic stroke. NIHSS score 8 on arrival.", "inpatient", ("R29.708",), ()),
        # I.B.13: the bilateral code stays for the encounter to treat the first side
        (
            "ASSESSMENT: Bilateral age-related nuclear cataracts; right eye surgery scheduled first.",
            "outpatient",
            ("H25.13",),
            ("H25.11", "H25.12"),
        ),
        (
            "ASSESSMENT: Bilateral primary osteoarthritis of the knees. Status post right knee replacement last "
            "year; left knee injected today.",
            "outpatient",
            ("M17.12",),
            ("M17.0", "M17.11"),
        ),
        # I.B.13-14: sides on both limbs in the record: the note must say which (no guess)
        (
            "ASSESSMENT: Cellulitis of the leg. NURSING: redness of the left lower leg; right lower leg scarred.",
            "outpatient",
            ("L03.119",),
            ("L03.116", "L03.115"),
        ),
        # I.B.13: both sides without a bilateral code are right and left; a side treated earlier
        (
            "ASSESSMENT: Lateral epicondylitis of the right elbow and the left elbow.",
            "outpatient",
            ("M77.11", "M77.12"),
            (),
        ),
        (
            "ASSESSMENT: Bilateral inguinal hernias without obstruction or gangrene; the right side was repaired last "
            "year, left repair scheduled now.",
            "outpatient",
            ("K40.90",),
            ("K40.20",),
        ),
        # I.A.13: an open "code first underlying disease" list; not a substance use disorder (G62.1 alcoholic)
        (
            "ASSESSMENT: Peripheral polyneuropathy in the setting of vitamin B12 deficiency.",
            "outpatient",
            ("E53.8", "G63"),
            ("G62.9",),
        ),
        ("ASSESSMENT: Peripheral neuropathy due to alcohol use disorder, severe.", "outpatient", ("F10.20",), ("G63",)),
        # I.B.10: a side phrase between the residual and its link
        (
            "ASSESSMENT: Hemiparesis, left side, late effect of herpes simplex encephalitis 3 years ago.",
            "outpatient",
            ("G81.9", "B94.1"),
            ("B00.4",),
        ),
        # I.B.15: a syndrome with its manifestation named in its clause
        ("ASSESSMENT: Marfan syndrome with dilation of the aortic root.", "outpatient", ("Q87.410",), ("Q87.40",)),
        # I.B.17: the Index's own borderline entry; otherwise coded as confirmed
        ("ASSESSMENT: Borderline hypertension, BP 138/88; recheck.", "outpatient", ("R03.0",), ("I10",)),
        ("ASSESSMENT: Borderline hypothyroidism, TSH 6.1; start levothyroxine.", "outpatient", ("E03.9",), ()),
    ],
)
def test_conventions_wording(coder, text, setting, present, absent):
    found = codes(coder.code(encounter(text, setting)))
    for code in present:
        assert any(c.startswith(code) for c in found), (code, found)
    for code in absent:
        assert not any(c.startswith(code) for c in found), (code, found)
