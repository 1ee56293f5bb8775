"""Guideline rules of injuries, burns, complications of care and external causes (OCG I.C.19.a-g, I.C.20):
the 7th character of a fracture (Gustilo type, delayed healing, nonunion, malunion), aftercare visits (D),
the most serious injury first, burns by site with each site's degree, corrosions, the extent of burns
(T31 / T32), the perpetrator of confirmed abuse (Y07), transplant complications (T86), and the activity
(Y93) and status (Y99) of an injury.  Each rule on a realistic, fictional note, coded with the rule on and
again with it switched off (:mod:`tests.coding.rulecases`).

``BUNDLED`` cases need only the bundled release; ``INDEXED`` cases read the External Cause Index, installed
from ``$MEDCODER_SHARED`` into a temporary MEDCODER_HOME (``conformance``)."""

from __future__ import annotations

import pytest

from medcoder.coding.engine import Coder
from medcoder.coding.sitemodel import SiteModel
from tests.coding.helpers import codes, encounter
from tests.coding.rulecases import RuleCase, check_rule_case
from tests.conftest import medcoder_home

NONUNION = """ORTHOPEDIC CLINIC NOTE
HISTORY OF PRESENT ILLNESS: 36-year-old man 7 months after intramedullary nailing of a closed fracture of the \
shaft of the left femur, still with pain on weight bearing.
ASSESSMENT: Nonunion of the left femoral shaft fracture. Plan exchange nailing with bone graft.
"""

GUSTILO = """DISCHARGE SUMMARY
HOSPITAL COURSE: 24-year-old motorcyclist with an open wound over the right shin.
DISCHARGE DIAGNOSES: Open fracture of the shaft of the right tibia, Gustilo type IIIB. Irrigation and \
debridement, external fixation and rotational flap coverage.
"""

DELAYED = """ORTHOPEDIC CLINIC NOTE
ASSESSMENT: Closed fracture of the right distal radius with delayed healing; subsequent encounter. Bone \
stimulator ordered, cast continued.
"""

CAST_REMOVED = """ORTHOPEDIC CLINIC NOTE
HISTORY OF PRESENT ILLNESS: 45-year-old woman 6 weeks after a fall on an outstretched hand.
ASSESSMENT: Closed fracture of the left distal radius. Cast removed today; x-ray shows callus formation. Wrist \
splint and home exercises.
"""

SERIOUS = """DISCHARGE SUMMARY
HOSPITAL COURSE: 67-year-old man admitted after a fall at home.
DISCHARGE DIAGNOSES:
1. Laceration of the scalp without foreign body.
2. Closed displaced intertrochanteric fracture of the left femur, treated with intramedullary nailing.
3. Contusion of the right elbow.
"""

OVER_THE_FRACTURE = """EMERGENCY DEPARTMENT NOTE
ASSESSMENT: Closed displaced fracture of the right tibial shaft with an abrasion of the right lower leg over \
the fracture site. Long leg splint, orthopedics consulted.
"""

TWO_BURNS = """DISCHARGE SUMMARY
HOSPITAL COURSE: House fire.
DISCHARGE DIAGNOSES: Second-degree burns of the chest wall and third-degree burns of the abdominal wall; total \
body surface area burned 24%, third-degree 12%.
"""

SMALL_BURN = """URGENT CARE NOTE
ASSESSMENT: Second-degree burn of the left forearm from hot coffee, 3% TBSA. Silver sulfadiazine dressing.
"""

CHEMICAL_BURN = """EMERGENCY DEPARTMENT NOTE
HISTORY OF PRESENT ILLNESS: Splashed with drain cleaner while cleaning the sink at home; accidental.
ASSESSMENT: Second-degree chemical burn of the left hand. Copious irrigation.
"""

KIDNEY_REJECTION = """DISCHARGE SUMMARY
HISTORY OF PRESENT ILLNESS: 52-year-old woman, deceased-donor kidney transplant 2021, rising creatinine.
DISCHARGE DIAGNOSES: Acute rejection of the transplanted kidney, biopsy proven; pulse steroids.
"""

ABUSE_BY_HUSBAND = """EMERGENCY DEPARTMENT NOTE
HISTORY OF PRESENT ILLNESS: 41-year-old woman hit by her husband last night.
ASSESSMENT: Confirmed physical abuse of an adult by her husband. Contusion of the left upper arm. Social work \
consulted.
"""

SOCCER = """EMERGENCY DEPARTMENT NOTE
HISTORY OF PRESENT ILLNESS: 15-year-old girl injured her left knee during soccer practice when she collided \
with another player.
ASSESSMENT: Contusion of the left knee. Ice, crutches as needed.
"""

AT_WORK = """EMERGENCY DEPARTMENT NOTE
HISTORY OF PRESENT ILLNESS: Construction worker injured at work today: cut his left hand with a utility knife \
while cutting drywall.
ASSESSMENT: Laceration of the left hand without foreign body. Repaired with 4 sutures.
"""


BUNDLED = [
    pytest.param(
        RuleCase(
            "ocg.I.C.19.c.1.seventh",
            NONUNION,
            present=("S72.302K",),
            absent=("S72.302D", "S72.302A"),
            tagged=("S72.302K",),
            off_absent=("S72.302K",),
        ),
        id="OCG-I.C.19.c.1:fracture-nonunion-K",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.c.1.seventh",
            GUSTILO,
            "inpatient",
            present=("S82.201C",),
            absent=("S82.201B",),
            off_present=("S82.201B",),
        ),
        id="OCG-I.C.19.c.1:open-fracture-gustilo-IIIB-C",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.c.1.seventh",
            DELAYED,
            present=("S52.501G",),
            off_present=("S52.501D",),
        ),
        id="OCG-I.C.19.c.1:fracture-delayed-healing-G",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.a.subsequent",
            CAST_REMOVED,
            present=("S52.502D",),
            absent=("S52.502A",),
            off_present=("S52.502A",),
        ),
        id="OCG-I.C.19.a:cast-removed-subsequent-D",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.b.sequence",
            SERIOUS,
            "inpatient",
            first="S72.142A",
            present=("S01.01XA", "S50.01XA"),
            off_not_first="S72.142A",
        ),
        id="OCG-I.C.19.b:most-serious-injury-first",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.c.unspecified",
            OVER_THE_FRACTURE,
            present=("S82.201A",),
            absent=("S82.91",),
            off_present=("S82.201A", "S82.91XA"),
        ),
        id="OCG-I.C.19.c:no-unspecified-lower-leg-fracture-beside-the-tibial-shaft",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.d.burns",
            TWO_BURNS,
            "inpatient",
            present=("T21.21XA", "T21.32XA"),
            absent=("T21.31",),
            off_absent=("T21.21XA",),
        ),
        id="OCG-I.C.19.d.2:each-burn-site-its-own-highest-degree",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.d.6.extent",
            TWO_BURNS,
            "inpatient",
            present=("T31.21",),
            off_absent=("T31",),
        ),
        id="OCG-I.C.19.d.6:extent-24-percent-12-third-degree",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.d.6.extent",
            SMALL_BURN,
            present=("T22.212A", "T31.0"),
            off_absent=("T31",),
        ),
        id="OCG-I.C.19.d.6:extent-under-10-percent",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.d.1.sequence",
            TWO_BURNS,
            "inpatient",
            first="T21.32XA",
            before=(("T21.21XA", "T31.21"),),
            off_not_first="T21.32XA",
        ),
        id="OCG-I.C.19.d.1:highest-degree-burn-first",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.d.corrosion",
            CHEMICAL_BURN,
            present=("T23.602A",),
            absent=("T23.202",),
            off_present=("T23.202A",),
        ),
        id="OCG-I.C.19.d:chemical-burn-is-a-corrosion",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.19.g.3.transplant",
            KIDNEY_REJECTION,
            "inpatient",
            present=("T86.11",),
            absent=("Z94.0",),
            off_absent=("T86.1",),
        ),
        id="OCG-I.C.19.g.3:kidney-transplant-rejection-T86.11",
    ),
]

INDEXED = [
    pytest.param(
        RuleCase(
            "ocg.I.C.19.f.perpetrator",
            ABUSE_BY_HUSBAND,
            first="T74.11XA",
            present=("Y07.010", "S40.022A"),
            off_absent=("Y07",),
        ),
        id="OCG-I.C.19.f:perpetrator-husband-Y07.010",
    ),
    pytest.param(
        RuleCase("ocg.I.C.20.c.activity", SOCCER, present=("S80.02XA", "Y93.66"), off_absent=("Y93",)),
        id="OCG-I.C.20.c:activity-soccer",
    ),
    pytest.param(
        RuleCase("ocg.I.C.20.k.status", AT_WORK, present=("S61.412A", "W26.0XXA", "Y99.0"), off_absent=("Y99",)),
        id="OCG-I.C.20.k:status-at-work",
    ),
]

CASES = BUNDLED + INDEXED


@pytest.mark.parametrize("case", BUNDLED)
def test_injury_rule_case(case, coder, rule_off):
    check_rule_case(case, coder, rule_off)


@pytest.fixture(scope="module")
def index_kb(shared_dir, tmp_path_factory):
    from medcoder.codesets.install import install
    from medcoder.codesets.kb import KnowledgeBase

    home = tmp_path_factory.mktemp("injury-index-home")
    with medcoder_home(home):
        install(shared_dir / "codesets/icd10cm/2026")
        kb = KnowledgeBase.open()
    yield kb
    kb.close()


@pytest.fixture(scope="module")
def index_coder(index_kb) -> Coder:
    return Coder(index_kb)


@pytest.mark.conformance
@pytest.mark.parametrize("case", INDEXED)
def test_injury_rule_case_with_the_external_cause_index(case, index_coder, index_kb):
    def off(rule: str) -> Coder:
        return Coder(index_kb, model=SiteModel(n_docs=0, code_docs={}, assoc={}, conventions={rule: False}))

    check_rule_case(case, index_coder, off)


# --- what the rules must not do --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # the suture removal is planned, not done: the visit is the repair (A)
        "EMERGENCY DEPARTMENT NOTE\nASSESSMENT: Laceration of the right forearm without foreign body, repaired with "
        "5 sutures. Return for suture removal in 10 days.\n",
        # a nonunion spoken of as absent
        "ORTHOPEDIC NOTE\nASSESSMENT: Closed fracture of the left fifth metatarsal, initial encounter. X-ray: no "
        "evidence of nonunion.\n",
    ],
    ids=["planned-suture-removal", "negated-nonunion"],
)
def test_seventh_character_not_changed_by_a_plan_or_a_negation(text, coder):
    found = codes(coder.code(encounter(text)))
    assert found and all(c.endswith("A") for c in found if c.startswith("S")), found


def test_transplant_status_without_a_complication_is_no_T86(coder):
    text = (
        "CLINIC NOTE\nKidney transplant 2019. ASSESSMENT: Chronic kidney disease stage 3a, stable transplant "
        "function; no evidence of rejection.\n"
    )
    found = codes(coder.code(encounter(text)))
    assert "Z94.0" in found and not [c for c in found if c.startswith("T86")], found


def test_no_extent_code_without_a_documented_percentage(coder):
    text = "URGENT CARE NOTE\nASSESSMENT: Second-degree burn of the right hand from a hot pan. Dressing applied.\n"
    found = codes(coder.code(encounter(text)))
    assert not [c for c in found if c.startswith(("T31", "T32"))], found


@pytest.mark.conformance
def test_activity_from_the_social_history_is_not_the_injury_activity(index_coder):
    text = (
        "EMERGENCY DEPARTMENT NOTE\nHISTORY OF PRESENT ILLNESS: 40-year-old man slipped on ice in his driveway.\n"
        "SOCIAL HISTORY: Works as an accountant. Enjoys playing tennis on weekends.\n"
        "ASSESSMENT: Closed fracture of the right distal radius.\n"
    )
    found = codes(index_coder.code(encounter(text)))
    assert not [c for c in found if c.startswith(("Y93", "Y99"))], found


@pytest.mark.conformance
def test_no_perpetrator_when_the_abuse_is_denied(index_coder):
    text = (
        "EMERGENCY DEPARTMENT NOTE\nHISTORY OF PRESENT ILLNESS: 30-year-old woman fell at home. She denies being "
        "hit by her husband.\nASSESSMENT: Contusion of the left forearm.\n"
    )
    found = codes(index_coder.code(encounter(text)))
    assert not [c for c in found if c.startswith(("T74", "Y07"))], found
