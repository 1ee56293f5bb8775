"""Injuries, complications of care, pregnancy and pathological fractures written for the holdout
suite's situations in other words (issue 9): the fracture type and displacement default (I.C.19.c.1),
superficial injuries beside a more severe injury of the same site (I.C.19.b), bites by site (Index:
Bite), a postprocedural complication code with the disorder its note asks for (I.C.19.g.5), a
placeholder-X category (I.A.4), the pathological fracture's site in osteoporosis (I.C.13.d.2), the
gestational age of the prenatal visit itself and an incidental pregnancy's order (I.C.15).  Each rule
case is a fictional note coded with the rule on and again with it switched off
(:mod:`tests.coding.rulecases`); the bundled knowledge base is enough for all of them."""

from __future__ import annotations

import pytest

from tests.coding.helpers import codes, encounter
from tests.coding.rulecases import RuleCase, check_rule_case

POSTOP_ILEUS = """PROGRESS NOTE
HISTORY OF PRESENT ILLNESS: 71-year-old man, postoperative day 4 after laparoscopic right hemicolectomy for a \
cecal adenoma; bloated, vomiting, no bowel movement.
ASSESSMENT: Post-op ileus. Bowel rest, nasogastric decompression, electrolytes repleted.
"""

FEMUR = """EMERGENCY DEPARTMENT NOTE
HISTORY OF PRESENT ILLNESS: 19-year-old motorcyclist thrown from the bike.
ASSESSMENT: Closed displaced oblique fracture of the right femoral shaft with an abrasion of the right thigh. \
Traction splint, orthopedics for intramedullary nailing.
"""

TIBIA_NONDISPLACED = """URGENT CARE NOTE
ASSESSMENT: Nondisplaced spiral fracture of the left tibial shaft after a skiing fall; long leg splint, \
initial visit.
"""

BITE_FOREARM = """URGENT CARE NOTE
HISTORY OF PRESENT ILLNESS: 34-year-old woman was bitten on the right forearm by her cat this morning.
ASSESSMENT: Two puncture wounds, irrigated; amoxicillin-clavulanate prophylaxis.
"""

OSTEOPOROTIC_T12 = """DISCHARGE SUMMARY
DISCHARGE DIAGNOSES:
1. Senile osteoporosis with pathological fracture of the T12 vertebral body after lifting a laundry basket.
"""


CASES = [
    pytest.param(
        RuleCase(
            "ocg.I.C.19.g.specify",
            POSTOP_ILEUS,
            "inpatient",
            present=("K91.89", "K56.7"),
            tagged=("K56.7",),
            off_present=("K91.89",),
            off_absent=("K56.7",),
        ),
        id="OCG-I.C.19.g.5:postop-ileus-K91.89-with-K56.7",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.c.1.fracture_type",
            FEMUR,
            "inpatient",
            present=("S72.331A",),
            absent=("S72.301",),
            off_present=("S72.301A",),
            off_absent=("S72.331",),
        ),
        id="OCG-I.C.19.c.1:oblique-femoral-shaft-displaced",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.c.1.fracture_type",
            TIBIA_NONDISPLACED,
            present=("S82.245A",),
            off_present=("S82.202A",),
            off_absent=("S82.245",),
        ),
        id="OCG-I.C.19.c.1:nondisplaced-spiral-tibial-shaft",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.b.superficial",
            FEMUR,
            "inpatient",
            absent=("S70.311",),
            off_present=("S70.311A",),
        ),
        id="OCG-I.C.19.b:abrasion-with-femur-fracture-same-site",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.bite",
            BITE_FOREARM,
            present=("S51.851A",),
            tagged=("S51.851A",),
            off_absent=("S51.851",),
        ),
        id="OCG-I.C.19:bitten-on-the-forearm-open-bite",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_holdout_injuries_rule(case, coder, rule_off):
    check_rule_case(case, coder, rule_off)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ASSESSMENT: Postoperative ileus after the sigmoid colectomy; NG tube to suction.", "K91.89"),
        ("ASSESSMENT: Ileus following surgery, improving; advance diet.", "K91.89"),
        ("ASSESSMENT: Postsurgical ileus on day 2 after the Whipple procedure; NPO, IV fluids.", "K91.89"),
    ],
)
def test_postoperative_ileus_wordings(text, expected, coder):
    found = codes(coder.code(encounter("PROGRESS NOTE\n" + text + "\n", "inpatient")))
    assert expected in found and "K56.7" in found, found


def test_distension_integral_to_ileus(coder):
    text = "PROGRESS NOTE\nASSESSMENT: Abdominal distention from postoperative ileus after colectomy; NG tube placed.\n"
    found = codes(coder.code(encounter(text, "inpatient")))
    assert "K56.7" in found and "R14.0" not in found, found


@pytest.mark.parametrize(
    "text",
    [
        "ASSESSMENT: Accidental hypothermia after a night outdoors in freezing weather. Initial encounter.",
        "DIAGNOSIS: Hypothermia due to cold exposure, core temperature 32 C.",
        "ASSESSMENT: Hypothermia from prolonged exposure to cold water; rewarmed.",
    ],
)
def test_hypothermia_placeholder_x(text, coder):
    """T68 has no 4th-6th characters: the placeholder X fills them before the 7th (I.A.4)."""
    found = codes(coder.code(encounter("EMERGENCY DEPARTMENT NOTE\n" + text + "\n")))
    assert "T68.XXXA" in found and "R68.0" not in found, found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "ASSESSMENT: Closed displaced transverse fracture of the left femoral shaft; abrasion of the left thigh.",
            "S72.322A",
        ),
        (
            "ASSESSMENT: Comminuted fracture of the shaft of the right tibia, open, with a contusion of the right "
            "lower leg.",
            "S82.251B",
        ),
        (
            "ASSESSMENT: Nondisplaced transverse fracture of left femur shaft with bruising of the left thigh.",
            "S72.325A",
        ),
    ],
)
def test_fracture_type_and_superficial_injury_wordings(text, expected, coder):
    found = codes(coder.code(encounter("EMERGENCY DEPARTMENT NOTE\n" + text + "\n")))
    assert expected in found, found
    assert not [c for c in found if c[:3] in ("S70", "S80")], found


def test_superficial_injury_of_another_side_is_coded(coder):
    text = (
        "ED NOTE\nASSESSMENT: Displaced transverse fracture of the left femoral shaft with abrasion of the right "
        "thigh.\n"
    )
    found = codes(coder.code(encounter(text)))
    assert "S72.322A" in found and "S70.311A" in found, found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bitten on the left hand by the neighbor's dog; puncture wounds, no foreign body.", "S61.452A"),
        ("Cat bit her on the right index finger while being fed.", "S61.250A"),
        ("Was bitten on the left calf by a stray dog.", "S81.852A"),
    ],
)
def test_bite_by_site(text, expected, coder):
    found = codes(coder.code(encounter("URGENT CARE NOTE\nHISTORY OF PRESENT ILLNESS: " + text + "\n")))
    assert expected in found, found
    assert not [c for c in found if c.startswith("S01")], found


def test_bite_prevention_is_no_bite(coder):
    text = (
        "WELL CHILD VISIT\nPLAN: Discussed the risk of a dog bite to the forearm of a toddler around the new puppy.\n"
    )
    found = codes(coder.code(encounter(text)))
    assert not [c for c in found if c.startswith("S")], found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Age-related osteoporosis with acute pathological compression fracture of L3 after bending.", "M80.08XA"),
        ("Postmenopausal osteoporosis. L1 pathological fracture, initial encounter.", "M80.08XA"),
        ("Osteoporosis with pathological fracture of the left hip after a trip at home.", "M80.052A"),
    ],
)
def test_osteoporotic_pathological_fracture_site(text, expected, coder):
    found = codes(coder.code(encounter("DISCHARGE SUMMARY\nDISCHARGE DIAGNOSES:\n1. " + text + "\n", "inpatient")))
    assert expected in found and "M81.0" not in found and "M80.00XA" not in found, found


def test_osteoporotic_vertebral_case_wording(coder):
    found = codes(coder.code(encounter(OSTEOPOROTIC_T12, "inpatient")))
    assert found[0] == "M80.08XA", found


@pytest.mark.parametrize(
    ("text", "weeks", "code"),
    [
        (
            "Prenatal visit at 18 weeks; pre-existing essential hypertension, controlled on labetalol.",
            "Z3A.18",
            "O10.012",
        ),
        ("Routine OB visit, 34 weeks. Pre-existing type 2 diabetes on insulin.", "Z3A.34", "O24.113"),
        (
            "Prenatal check 30 weeks: pre-existing essential hypertension, BP at goal on nifedipine.",
            "Z3A.30",
            "O10.013",
        ),
    ],
)
def test_weeks_of_the_prenatal_visit_itself(text, weeks, code, coder):
    found = codes(coder.code(encounter("OB CLINIC NOTE\n" + text + "\n")))
    assert weeks in found and code in found, found


def test_next_prenatal_visit_weeks_are_a_plan(coder):
    text = "OB CLINIC NOTE\n24 weeks pregnant, pre-existing essential hypertension. Next prenatal visit at 28 weeks.\n"
    found = codes(coder.code(encounter(text)))
    assert "Z3A.24" in found and "Z3A.28" not in found and "O10.012" in found, found


@pytest.mark.parametrize(
    "text",
    [
        "22 weeks pregnant, twisted right ankle on stairs, sprain. Provider states pregnancy is incidental to the "
        "visit.",
        "Sprained right ankle stepping off a curb. She is 16 weeks pregnant; the pregnancy is incidental.",
        "Twisted her right ankle at work. Pregnant at 30 weeks, incidental to this visit.",
    ],
)
def test_incidental_pregnancy_condition_first(text, coder):
    found = codes(coder.code(encounter("URGENT CARE NOTE\n" + text + "\n")))
    assert found[0] == "S93.401A" and "Z33.1" in found, found
    assert not [c for c in found if c.startswith("O")], found
