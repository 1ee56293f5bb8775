"""OCG I.C.20 from the External Cause Index: how an injury happened (rules
``ocg.I.C.20.external_cause`` and ``ocg.I.C.20.sequence`` of :mod:`medcoder.coding.external`), and
the Table of Drugs subterm a note's own words choose (carbon monoxide from a car: motor vehicle
exhaust, OCG I.C.19.e.5.d).

The bundled knowledge base has no External Cause Index nor Table of Drugs, so the cases install the
official 2026 files from ``$MEDCODER_SHARED/codesets/icd10cm/2026`` into a temporary MEDCODER_HOME
(``conformance``).  Each rule case also runs with its rule switched off, as a site model's
``conventions`` do it, and comes out differently.  Notes are fictional.
"""

from __future__ import annotations

import pytest

from medcoder.coding.engine import Coder
from medcoder.coding.sitemodel import SiteModel
from tests.coding.helpers import codes, encounter
from tests.conftest import medcoder_home


@pytest.fixture(scope="module")
def ext_kb(shared_dir, tmp_path_factory):
    from medcoder.codesets.install import install
    from medcoder.codesets.kb import KnowledgeBase

    home = tmp_path_factory.mktemp("external-cause-home")
    with medcoder_home(home):
        install(shared_dir / "codesets/icd10cm/2026")
        kb = KnowledgeBase.open()
    yield kb
    kb.close()


@pytest.fixture(scope="module")
def ext_coder(ext_kb) -> Coder:
    return Coder(ext_kb)


def _off(kb, rule: str) -> Coder:
    return Coder(kb, model=SiteModel(n_docs=0, code_docs={}, assoc={}, conventions={rule: False}))


DOG_BITE = """URGENT CARE NOTE
HISTORY OF PRESENT ILLNESS: 9-year-old boy bitten by the neighbor's dog on the left hand this afternoon.
ASSESSMENT: Open bite of the left hand; wound irrigated, amoxicillin-clavulanate.
"""

BICYCLE = """EMERGENCY DEPARTMENT NOTE
HISTORY OF PRESENT ILLNESS: 44-year-old man fell off his bicycle on the road this morning, no collision with \
any vehicle; landed on his left shoulder.
ASSESSMENT: Closed fracture of the shaft of the left clavicle.
"""

FIGHT = """EMERGENCY DEPARTMENT NOTE
HISTORY OF PRESENT ILLNESS: 23-year-old man punched in the face in a fight outside a bar.
ASSESSMENT: Nasal bone fracture, closed. Ice, ENT follow-up.
"""

CAUSE_NAMED_FIRST = """URGENT CARE NOTE
ASSESSMENT: Dog bite of the right forearm with a puncture wound; irrigated and dressed.
"""

CAR_EXHAUST = """EMERGENCY DEPARTMENT NOTE
HISTORY OF PRESENT ILLNESS: 50-year-old woman found confused after her car was left running in a closed \
garage.
ASSESSMENT: Accidental carbon monoxide poisoning from the car running in the garage. Hyperbaric oxygen.
"""


@pytest.mark.conformance
@pytest.mark.parametrize(
    ("text", "injury", "cause"),
    [
        pytest.param(DOG_BITE, "S61.452A", "W54.0XXA", id="OCG-I.C.20:dog-bite-W54.0"),
        pytest.param(BICYCLE, "S42.022A", "V18.4XXA", id="OCG-I.C.20:pedal-cyclist-noncollision-traffic-V18.4"),
        pytest.param(FIGHT, "S02.2XXA", "Y04.0XXA", id="OCG-I.C.20:assault-fight-Y04.0"),
    ],
)
def test_external_cause_from_the_index(text, injury, cause, ext_coder, ext_kb):
    on = codes(ext_coder.code(encounter(text)))
    assert injury in on and cause in on, on
    assert on[0] == injury, on
    result = ext_coder.code(encounter(text))
    tagged = {a.code: a.rules for a in result.diagnoses}
    assert "ocg.I.C.20.external_cause.v1" in tagged[cause]
    off = codes(_off(ext_kb, "ocg.I.C.20.external_cause").code(encounter(text)))
    assert injury in off and cause not in off, off


@pytest.mark.conformance
def test_external_cause_is_never_first_listed(ext_coder, ext_kb):
    on = codes(ext_coder.code(encounter(CAUSE_NAMED_FIRST)))
    assert on[0] == "S51.851A" and "W54.0XXA" in on, on
    off = codes(_off(ext_kb, "ocg.I.C.20.sequence").code(encounter(CAUSE_NAMED_FIRST)))
    assert off[0] == "W54.0XXA", off


@pytest.mark.conformance
@pytest.mark.parametrize(
    "text",
    [
        "URGENT CARE NOTE\nASSESSMENT: Dog bite prevention discussed; no injuries today.\n",
        "EMERGENCY DEPARTMENT NOTE\nHISTORY: Denies any fall. Fell off his bicycle last year.\n"
        "ASSESSMENT: Hypertension.\n",
    ],
)
def test_no_external_cause_without_a_coded_injury(text, ext_coder):
    found = codes(ext_coder.code(encounter(text)))
    assert not [c for c in found if c.startswith(("V", "W", "X", "Y"))], found


def test_without_the_external_cause_index_no_external_cause(coder):
    found = codes(coder.code(encounter(DOG_BITE)))
    assert not [c for c in found if c.startswith(("V", "W", "X", "Y"))], found


@pytest.mark.conformance
def test_carbon_monoxide_from_a_car_is_motor_vehicle_exhaust(ext_coder, ext_kb):
    found = codes(ext_coder.code(encounter(CAR_EXHAUST)))
    assert found[0] == "T58.01XA" and "T58.91XA" not in found, found


LADDER = """URGENT CARE NOTE
HISTORY OF PRESENT ILLNESS: 61-year-old man fell from a ladder while trimming a tree at his own house.
ASSESSMENT: Closed fracture of the left calcaneus, initial encounter.
"""

CAR_CRASH = """EMERGENCY DEPARTMENT NOTE
HISTORY OF PRESENT ILLNESS: Belted passenger in a car that collided with a pickup truck on the interstate.
ASSESSMENT: Sprain of ligaments of the cervical spine. Initial encounter.
"""

DOG_ON_HAND = """URGENT CARE NOTE
HISTORY OF PRESENT ILLNESS: Bitten on the right hand by a stray dog at the park this morning; two puncture \
wounds, no foreign body.
"""


@pytest.mark.conformance
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(LADDER, ("S92.002A", "W11.XXXA", "Y92.019"), id="OCG-I.C.20:ladder-single-family-house"),
        pytest.param(CAR_CRASH, ("S13.4XXA", "V43.63XA", "Y92.411"), id="OCG-I.C.20:car-passenger-pickup-interstate"),
        pytest.param(DOG_ON_HAND, ("S61.451A", "W54.0XXA"), id="OCG-I.C.20:bitten-on-the-hand-by-a-dog"),
    ],
)
def test_external_cause_mechanism_and_place(text, expected, ext_coder):
    """I.C.20: the mechanism (a fall from a ladder W11, a car occupant's collision by role and counterpart,
    a dog bite W54.0) and the place of occurrence (Y92, once, at the initial encounter, I.C.20.b) after the
    injury."""
    found = codes(ext_coder.code(encounter(text)))
    for code in expected:
        assert code in found, found
    assert found[0] == expected[0], found
    assert not [c for c in found if c in ("W19.XXXA", "V89.2XXA", "Y92.9")], found


@pytest.mark.conformance
def test_place_of_occurrence_only_at_the_initial_encounter(ext_coder):
    text = (
        "ORTHOPEDIC FOLLOW-UP\nHISTORY: Fell from a ladder at his own house 3 weeks ago.\n"
        "ASSESSMENT: Closed fracture of the left calcaneus, subsequent encounter with routine healing.\n"
    )
    found = codes(ext_coder.code(encounter(text)))
    assert not [c for c in found if c.startswith("Y92")], found
