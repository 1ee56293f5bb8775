"""Guideline rules of injuries, burns, sequelae, abuse and complications of care (OCG I.B.10,
I.B.16, I.C.10.d.1, I.C.19.d, I.C.19.f, I.C.19.g): each rule on a realistic, fictional note, coded
with the rule on and again with it switched off (:mod:`tests.coding.rulecases`).  The bundled
knowledge base is enough for these; the External Cause Index rules are in
``tests/coding/test_external_causes.py``."""

from __future__ import annotations

import pytest

from tests.coding.helpers import codes, encounter
from tests.coding.rulecases import RuleCase, check_rule_case

VAP = """DISCHARGE SUMMARY
HOSPITAL COURSE: 68-year-old man intubated for respiratory failure after a fall; on day 5 of mechanical \
ventilation new infiltrates and purulent secretions, sputum culture grew Klebsiella pneumoniae.
DISCHARGE DIAGNOSES:
1. Ventilator-associated pneumonia due to Klebsiella pneumoniae.
"""

POSTOP_BLEEDING = """PROGRESS NOTE
HISTORY OF PRESENT ILLNESS: 52-year-old woman, postoperative day 1 after total abdominal hysterectomy for \
fibroids, with falling hemoglobin and vaginal bleeding.
ASSESSMENT: Postoperative hemorrhage from the vaginal cuff following total abdominal hysterectomy. Return to \
the operating room for cuff oversewing.
"""

ENTEROTOMY = """OPERATIVE NOTE
PROCEDURE: Laparoscopic cholecystectomy for symptomatic cholelithiasis.
FINDINGS: During the dissection the duodenum was inadvertently punctured with the hook cautery; the \
defect was repaired primarily in two layers.
"""

CAUTI = """PROGRESS NOTE
HISTORY OF PRESENT ILLNESS: 81-year-old woman with a chronic indwelling Foley catheter for urinary \
retention, febrile with cloudy urine.
ASSESSMENT: Urinary tract infection due to indwelling Foley catheter. Catheter exchanged; ceftriaxone.
"""

BURN = """URGENT CARE NOTE
HISTORY OF PRESENT ILLNESS: 30-year-old cook splashed with boiling water at work an hour ago.
ASSESSMENT: Burn of the left forearm with first-degree and second-degree areas; silver sulfadiazine \
dressing, initial visit.
"""

SEQUELA = """ORTHOPEDIC CLINIC NOTE
HISTORY OF PRESENT ILLNESS: 58-year-old man with ankle pain on walking.
ASSESSMENT: Post-traumatic osteoarthritis of the right ankle resulting from a bimalleolar fracture 9 years \
ago; the fracture is healed. Bracing and a steroid injection today.
"""

ABUSE = """EMERGENCY DEPARTMENT NOTE
HISTORY OF PRESENT ILLNESS: 41-year-old woman reports being hit by her partner last night.
ASSESSMENT: Confirmed physical abuse of an adult by her partner. Contusion of the right upper arm. Social \
work consulted, safety plan made.
"""

ABUSE_RULED_OUT = """EMERGENCY DEPARTMENT NOTE
HISTORY OF PRESENT ILLNESS: 2-year-old boy brought by his mother after the pediatrician raised concern for \
physical abuse because of bruising.
ASSESSMENT: Skeletal survey and examination normal; physical abuse ruled out. Bruising explained by a known \
bleeding evaluation already in progress.
"""

ABUSE_LISTED_SECOND = """EMERGENCY DEPARTMENT NOTE
ASSESSMENT:
1. Contusion of the left thigh.
2. Confirmed physical abuse of a child by her stepfather; child protective services notified.
"""


CASES = [
    pytest.param(
        RuleCase(
            "ocg.I.C.10.d.1.vap",
            VAP,
            "inpatient",
            present=("J95.851", "B96.1"),
            absent=("J15",),
            off_present=("J95.851", "J15.0"),
        ),
        id="OCG-I.C.10.d.1:vap-without-J15",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.g.5.body_system",
            POSTOP_BLEEDING,
            "inpatient",
            present=("N99.820",),
            tagged=("N99.820",),
            off_absent=("N99.82",),
        ),
        id="OCG-I.C.19.g.5:postprocedural-hemorrhage-genitourinary",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.g.5.body_system",
            ENTEROTOMY,
            "inpatient",
            present=("K91.71",),
            absent=("S36",),
            off_absent=("K91.71",),
        ),
        id="OCG-I.C.19.g.5:accidental-puncture-digestive-during-digestive-procedure",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.g.infection",
            CAUTI,
            present=("T83.511A", "N39.0"),
            before=(("T83.511A", "N39.0"),),
            off_present=("T83.511A",),
            off_absent=("N39.0",),
        ),
        id="OCG-I.C.19.g:cauti-with-N39.0",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.d.burns",
            BURN,
            present=("T22.212A",),
            absent=("T22.112", "T30.0"),
            off_absent=("T22.2",),
        ),
        id="OCG-I.C.19.d.2:burn-highest-degree-of-the-site",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.B.10.sequela",
            SEQUELA,
            present=("M19.171", "S82.841S"),
            absent=("S82.841A",),
            before=(("M19.171", "S82.841S"),),
            off_absent=("S82.841S",),
        ),
        id="OCG-I.B.10:injury-sequela-7th-character-S",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.f.abuse",
            ABUSE,
            present=("T74.11XA", "S40.021A"),
            absent=("T76",),
            off_absent=("T74",),
        ),
        id="OCG-I.C.19.f:confirmed-adult-physical-abuse",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.f.abuse",
            ABUSE_RULED_OUT,
            present=("Z04.72",),
            absent=("T76", "T74"),
            first="Z04.72",
            off_absent=("Z04.72",),
        ),
        id="OCG-I.C.19.f:suspected-child-abuse-ruled-out-Z04.72",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.f.sequence",
            ABUSE_LISTED_SECOND,
            first="T74.12XA",
            present=("S70.12XA",),
            off_first="S70.12XA",
        ),
        id="OCG-I.C.19.f:abuse-code-before-the-injury",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_injuries_rule(case, coder, rule_off):
    check_rule_case(case, coder, rule_off)


@pytest.mark.parametrize(
    "text",
    [
        "PROGRESS NOTE\nASSESSMENT: No postoperative hemorrhage after the hysterectomy; incision clean.\n",
        "PROGRESS NOTE\nASSESSMENT: Hemoglobin stable after cholecystectomy; watch for postoperative bleeding.\n",
    ],
)
def test_complication_needs_documented_complication(text, coder):
    """I.B.16: no complication code without the documentation saying there is one."""
    found = codes(coder.code(encounter(text, "inpatient")))
    assert not [c for c in found if c.startswith(("K91.8", "N99.8"))], found


def test_abuse_not_coded_for_substance_abuse(coder):
    found = codes(coder.code(encounter("OFFICE VISIT\nASSESSMENT: Alcohol abuse, counseled.\n")))
    assert not [c for c in found if c.startswith(("T74", "T76", "Z04"))], found


def test_past_injury_without_residual_is_not_a_sequela(coder):
    found = codes(
        coder.code(encounter("OFFICE VISIT\nHISTORY: Trimalleolar fracture of the left ankle 6 years ago.\n"))
    )
    assert not [c for c in found if c.endswith("S")], found


def test_negation_does_not_reach_a_second_injury_after_and_a(coder):
    """ "Concussion without loss of consciousness and a 2 cm laceration of the forehead": the
    laceration is present (context rule "and a" ends the negation; OCG I.A.17 code also)."""
    text = (
        "EMERGENCY DEPARTMENT NOTE\nASSESSMENT: Concussion without loss of consciousness and a 2 cm laceration "
        "of the forehead after a fall from a scooter. Laceration repaired. Initial visit.\n"
    )
    found = codes(coder.code(encounter(text)))
    assert "S06.0X0A" in found and "S01.81XA" in found, found
