"""Endocrine, musculoskeletal, neurological, skin and substance-use guideline rules (issue 9) on
hand-written notes (fictional patients): diabetes by type and complication (OCG I.A.15, I.C.4.a),
substance use patterns (I.C.5.b), pain (I.C.6.b), osteoporotic fractures (I.C.13.d), ulcers
(I.C.12), laterality (I.B.13), the infarction's artery (I.C.9) and dialysis status (I.C.14)."""

from __future__ import annotations

import pytest

from tests.coding.helpers import codes, encounter
from tests.coding.rulecases import RuleCase, check_rule_case

CASES = [
    pytest.param(
        RuleCase(
            rule="ocg.I.C.4.a.6.secondary",
            text="PULMONARY CLINIC\nASSESSMENT AND PLAN:\n1. Diabetes mellitus secondary to cystic fibrosis; "
            "A1c 7.8%, start insulin glargine at bedtime.\n",
            present=("E08.9", "E84"),
            absent=("E11",),
            tagged=("E08.9",),
            off_present=("E11.9",),
            off_absent=("E08",),
        ),
        id="OCG-I.C.4.a.6.a:due-to-underlying-condition-E08",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.4.a.type",
            text="DISCHARGE SUMMARY\nDISCHARGE DIAGNOSES:\n1. Diabetic ketoacidosis, resolved on an insulin "
            "infusion.\n2. Type 1 diabetes mellitus since age 9, on an insulin pump.\n",
            setting="inpatient",
            present=("E10.10",),
            absent=("E11",),
            tagged=("E10.10",),
            off_absent=("E10.10",),
        ),
        id="OCG-I.C.4.a:documented-type-over-default",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.4.a.with",
            text="PROGRESS NOTE\nASSESSMENT AND PLAN:\n1. Type 1 diabetes mellitus, A1c 7.9%, on an insulin pump.\n"
            "2. Gastroparesis with early satiety; delayed gastric emptying study. Start metoclopramide.\n",
            present=("E10.43", "K31.84"),
            absent=("E10.9",),
            tagged=("E10.43",),
            off_absent=("E10.43",),
        ),
        id="OCG-I.A.15:diabetes-type-1-with-gastroparesis",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.A.15.unrelated",
            text="PROGRESS NOTE\nASSESSMENT AND PLAN:\n1. Type 2 diabetes mellitus, controlled on metformin.\n"
            "2. Chronic kidney disease stage 3b from IgA nephropathy per biopsy; nephrology states the kidney "
            "disease is unrelated to the diabetes.\n",
            present=("E11.9", "N18.32"),
            absent=("E11.22",),
            off_present=("E11.22",),
        ),
        id="OCG-I.A.15:documented-as-unrelated",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.4.a.complications",
            text="RETINA CLINIC\nASSESSMENT AND PLAN:\n1. Type 2 diabetes mellitus on glipizide.\n"
            "2. Proliferative diabetic retinopathy of the right eye; panretinal photocoagulation scheduled.\n",
            present=("E11.3591",),
            absent=("E11.9",),
            off_present=("E11.9", "E11.3591"),
        ),
        id="OCG-I.C.4.a:no-without-complications-beside-a-complication",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.4.a.3.insulin",
            text="PROGRESS NOTE\nASSESSMENT AND PLAN:\n1. Type 2 diabetes mellitus, on basal insulin and metformin; "
            "A1c 7.2%. Continue current doses.\n",
            present=("E11.9", "Z79.4", "Z79.84"),
            tagged=("Z79.4",),
            off_absent=("Z79.4",),
        ),
        id="OCG-I.C.4.a.3:long-term-insulin",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.12.b.severity",
            text="WOUND CLINIC NOTE\nASSESSMENT: Non-healing ulcer of the left heel with fat layer exposed; "
            "offloading boot and weekly debridement.\n",
            present=("L97.422",),
            absent=("L97.429",),
            off_present=("L97.429",),
        ),
        id="OCG-I.C.12.b:non-pressure-ulcer-depth",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.12.a.stage",
            text="DISCHARGE SUMMARY\nDISCHARGE DIAGNOSES:\n1. Community-acquired pneumonia.\n2. Pressure ulcer of the "
            "sacrum, present on admission.\nWOUND CARE: sacral pressure ulcer, stage 2, foam dressing changed "
            "daily.\n",
            setting="inpatient",
            present=("L89.152",),
            absent=("L89.159",),
            off_present=("L89.159",),
        ),
        id="OCG-I.C.12.a:stage-from-wound-care",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.B.13.limb",
            text="ED NOTE\nASSESSMENT: Cellulitis of both legs, erythema to the knees; start cephalexin.\n",
            present=("L03.115", "L03.116"),
            absent=("L03.119",),
            off_present=("L03.119",),
        ),
        id="OCG-I.B.13:cellulitis-of-both-legs",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.B.13.bilateral",
            text="ORTHOPEDIC CLINIC\nASSESSMENT: Primary osteoarthritis of both knees, left worse than right. "
            "Continue meloxicam and home exercises.\n",
            present=("M17.0",),
            absent=("M17.11", "M17.12"),
            off_present=("M17.11", "M17.12"),
            off_absent=("M17.0",),
        ),
        id="OCG-I.B.13:bilateral-code",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.13.d.2.osteoporotic",
            text="DISCHARGE SUMMARY\nDISCHARGE DIAGNOSES:\n1. Pathological fracture of the right femur due to "
            "postmenopausal osteoporosis, sustained standing up from a chair.\n",
            setting="inpatient",
            present=("M80.051A",),
            absent=("M81.0", "M84"),
            off_present=("M81.0",),
            off_absent=("M80",),
        ),
        id="OCG-I.C.13.d.2:osteoporosis-with-current-fracture",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.21.c.4.fracture",
            text="PROGRESS NOTE\nASSESSMENT AND PLAN:\n1. Postmenopausal osteoporosis, T-score -2.8. Continue "
            "alendronate.\nPAST MEDICAL HISTORY: Fragility fracture of the left wrist in 2019, healed.\n",
            present=("M81.0", "Z87.310"),
            absent=("S52", "S62"),
            off_absent=("Z87.310",),
        ),
        id="OCG-I.C.21.c.4:healed-osteoporotic-fracture-history",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.6.b.1.pain",
            text="PROGRESS NOTE\nASSESSMENT AND PLAN:\n1. Chronic left shoulder pain for two years; x-rays and MRI "
            "unremarkable. Refer to physical therapy.\n",
            present=("M25.512", "G89.29"),
            tagged=("G89.29",),
            off_absent=("G89.29",),
        ),
        id="OCG-I.C.6.b.1.b:chronic-site-pain",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.6.b.1.a.control",
            text="PAIN CLINIC NOTE\nASSESSMENT:\n1. Lumbar disc herniation at L4-L5.\n2. Chronic low back pain due to "
            "the lumbar disc herniation.\nPLAN: Here for a right L5 transforaminal epidural steroid injection today.\n",
            present=("G89.29", "M51.26"),
            absent=("M54.5",),
            first="G89.29",
            off_not_first="G89.29",
        ),
        id="OCG-I.C.6.b.1.a:pain-control-encounter-first",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.5.b.2.pattern",
            text="ED NOTE\nASSESSMENT: Acute alcohol intoxication, blood alcohol 0.28; long-standing alcohol "
            "dependence. Observe until clinically sober.\n",
            present=("F10.229",),
            absent=("F10.929", "F10.20"),
            tagged=("F10.229",),
            off_absent=("F10.229",),
        ),
        id="OCG-I.C.5.b.2:intoxication-in-dependence",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.5.b.3.use",
            text="URGENT CARE NOTE\nASSESSMENT AND PLAN:\n1. Acute bronchitis, supportive care.\n2. Occasional "
            "recreational cannabis use, no related problems; counseled.\n",
            present=("J20.9",),
            absent=("F12",),
            off_present=("F12.90",),
        ),
        id="OCG-I.C.5.b.3:use-without-related-condition",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.9.infarction.artery",
            text="DISCHARGE SUMMARY\nDISCHARGE DIAGNOSES:\n1. Acute thrombotic stroke due to occlusion of the right "
            "middle cerebral artery, treated with alteplase.\n2. Essential hypertension.\n",
            setting="inpatient",
            present=("I63.311",),
            absent=("I63.9", "I66"),
            tagged=("I63.311",),
            off_present=("I63.9",),
        ),
        id="OCG-I.C.9:infarction-by-artery-and-side",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.14.a.dialysis",
            text="NEPHROLOGY NOTE\nASSESSMENT AND PLAN:\n1. End-stage renal disease, on peritoneal dialysis nightly; "
            "catheter exit site clean.\n2. Anemia in chronic kidney disease, continue epoetin.\n",
            present=("N18.6", "Z99.2"),
            tagged=("Z99.2",),
            off_absent=("Z99.2",),
        ),
        id="OCG-I.C.14.a:dialysis-status",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_endocrine_rule(case, coder, rule_off) -> None:
    check_rule_case(case, coder, rule_off)


def test_category_note_is_not_a_with_partner(coder) -> None:
    """E11's "use additional code" for oral drugs (Z79.84) says nothing about gangrene: peripheral
    angiopathy in a diabetic on metformin stays E11.51 (OCG I.A.15: only the "with" code's own note)."""
    found = codes(
        coder.code(
            encounter(
                "PROGRESS NOTE\nASSESSMENT AND PLAN:\n1. Type 2 diabetes mellitus with diabetic peripheral "
                "angiopathy, claudication at two blocks; continue metformin and cilostazol.\n"
            )
        )
    )
    assert "E11.51" in found and "E11.52" not in found, found


def test_temporary_insulin_is_not_long_term(coder) -> None:
    """OCG I.C.4.a.3: insulin given temporarily during the stay is not Z79.4."""
    found = codes(
        coder.code(
            encounter(
                "DISCHARGE SUMMARY\nDISCHARGE DIAGNOSES:\n1. Acute pyelonephritis.\n2. Type 2 diabetes mellitus, "
                "diet controlled; insulin was given temporarily while on steroids, none at discharge.\n",
                "inpatient",
            )
        )
    )
    assert "Z79.4" not in found and "E11.9" in found, found


def test_postpancreatectomy_diabetes(coder) -> None:
    """OCG I.C.4.a.6.b: E89.1 first, then E13 and Z90.41-."""
    found = codes(
        coder.code(
            encounter(
                "DISCHARGE SUMMARY\nDISCHARGE DIAGNOSES:\n1. Diabetes mellitus after distal pancreatectomy for a "
                "pancreatic cyst, on insulin.\n",
                "inpatient",
            )
        )
    )
    assert found[:1] == ["E89.1"] and "E13.9" in found and "Z90.411" in found, found
