"""Guideline rules of chapter 21, factors influencing health status and contact with health services
(OCG I.C.21.c): observation, follow-up and aftercare, each on a realistic note, with the rule on and off."""

from __future__ import annotations

import pytest

from tests.coding.helpers import codes, encounter
from tests.coding.rulecases import RuleCase, check_rule_case

CASES = [
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.6.observation",
            "CHIEF COMPLAINT: Evaluation after a low-speed motor vehicle collision.\nHPI: Restrained driver, "
            "airbags did not deploy. No loss of consciousness.\nASSESSMENT: No injury found on examination; "
            "discharged home.\n",
            present=("Z04.1",),
            first="Z04.1",
            tagged=("Z04.1",),
            off_absent=("Z04.1",),
        ),
        id="OCG-I.C.21.c.6:observation-after-a-transport-accident-Z04.1",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.8.follow-up",
            "Follow-up visit after completing treatment for a urinary tract infection. Dysuria resolved; "
            "repeat urinalysis is normal.\n",
            present=("Z09", "Z87.440"),
            absent=("N39.0",),
            first="Z09",
            tagged=("Z09",),
            off_present=("N39.0",),
            off_absent=("Z09",),
        ),
        id="OCG-I.C.21.c.8:follow-up-after-completed-treatment-Z09-and-history",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.7.treated",
            "Reason for visit: suture removal 10 days after laparoscopic cholecystectomy for acute cholecystitis. "
            "Incisions well healed.\n",
            present=("Z48.02",),
            absent=("K81",),
            first="Z48.02",
            off_present=("Z48.02", "K81.0"),
        ),
        id="OCG-I.C.21.c.7:aftercare-the-treated-condition-not-coded",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.21.c.6-8.sequence",
            "CHIEF COMPLAINT: Observation after a motor vehicle collision.\nASSESSMENT:\n1. Essential hypertension, "
            "stable on lisinopril.\n2. No injury found; CT head and cervical spine negative.\n",
            present=("Z04.1", "I10"),
            first="Z04.1",
            off_present=("Z04.1", "I10"),
            off_first="I10",
        ),
        id="OCG-I.C.21.c.6:observation-code-first-listed",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_status_rule(case: RuleCase, coder, rule_off):
    check_rule_case(case, coder, rule_off)


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        # an injury found: coded, no observation code
        (
            "CHIEF COMPLAINT: Evaluation after a motor vehicle collision.\nASSESSMENT: Contusion of the left knee.",
            (),
            ("Z04",),
        ),
        # a chronic condition followed up stays coded
        (
            "Follow-up visit after completing titration of lisinopril for essential hypertension; headaches resolved.",
            ("I10",),
            ("Z09",),
        ),
        # a visit for a vaccine is Z23 (I.C.21.c.2)
        ("Reason for visit: here for her annual influenza vaccine. No complaints.", ("Z23",), ()),
    ],
)
def test_status_rules_leave_what_they_should(text, present, absent, coder) -> None:
    found = codes(coder.code(encounter(text, "outpatient")))
    assert all(any(c.startswith(p) for c in found) for p in present), found
    assert not any(c.startswith(a) for a in absent for c in found), found
