"""Diabetes (OCG I.C.4.a), blood (I.C.3, I.C.2.c.2) and eye (I.C.7, IV.M) guideline rules (issue 9)
on hand-written notes (fictional patients): insulin pump malfunction, insulin and injectable drug
status, hypoglycemic coma, a complication a past amputation removed, chemotherapy cytopenias and the
eye condition a pre-op visit is for."""

from __future__ import annotations

import pytest

from tests.coding.helpers import codes, encounter
from tests.coding.rulecases import RuleCase, check_rule_case

_PUMP_NOTE = (
    "DISCHARGE SUMMARY\nHOSPITAL COURSE: 24-year-old with type 1 diabetes on an insulin pump admitted with DKA. "
    "Insulin pump malfunction, pump failed to deliver insulin overnight.\nDISCHARGE DIAGNOSES:\n"
    "1. Diabetic ketoacidosis without coma, type 1 diabetes, due to insulin pump failure.\n"
)

CASES = [
    pytest.param(
        RuleCase(
            rule="ocg.I.C.4.a.5.pump",
            text=_PUMP_NOTE,
            setting="inpatient",
            present=("T85.614A", "T38.3X6A", "E10.10"),
            absent=("Z79.4", "T38.3X5"),
            tagged=("T85.614A",),
            off_absent=("T85.614A",),
        ),
        id="OCG-I.C.4.a.5:pump-failure-underdose",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.4.a.5.pump.sequence",
            text=_PUMP_NOTE,
            setting="inpatient",
            first="T85.614A",
            before=(("T38.3X6A", "E10.10"),),
            off_not_first="T85.614A",
        ),
        id="OCG-I.C.4.a.5:pump-malfunction-first",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.4.a.3.insulin",
            text="ENDOCRINOLOGY FOLLOW-UP\nASSESSMENT AND PLAN:\n1. Type 1 diabetes mellitus on insulin glargine and "
            "lispro, A1c 7.4%. Continue current doses.\n",
            present=("E10.9",),
            absent=("Z79.4",),
            off_present=("Z79.4",),
        ),
        id="OCG-I.C.4.a.3:no-Z79.4-for-type-1",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.4.a.3.injectable",
            text="PROGRESS NOTE\nASSESSMENT AND PLAN:\n1. Type 2 diabetes mellitus, on semaglutide 1 mg weekly "
            "injection and metformin. A1c 6.9%. Continue.\n",
            present=("E11.9", "Z79.85", "Z79.84"),
            tagged=("Z79.85",),
            off_absent=("Z79.85",),
        ),
        id="OCG-I.C.4.a.3:injectable-non-insulin-Z79.85",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.4.a.hypoglycemia.coma",
            text="DISCHARGE SUMMARY\nDISCHARGE DIAGNOSES:\n1. Type 2 diabetes with severe hypoglycemia and coma, "
            "found unresponsive with glucose 22.\n",
            setting="inpatient",
            present=("E11.641",),
            absent=("E11.649",),
            off_present=("E11.649",),
        ),
        id="Index:diabetes-with-hypoglycemia-with-coma",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.4.a.amputated",
            text="PROGRESS NOTE\nASSESSMENT AND PLAN:\n1. Status post left below-knee amputation 1 year ago for "
            "diabetic gangrene; type 2 diabetes on insulin.\n",
            present=("E11.9", "Z89.512", "Z79.4"),
            absent=("E11.52",),
            off_present=("E11.52",),
        ),
        id="OCG-IV.J:gangrene-removed-by-past-amputation",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.2.c.2.chemo.adverse",
            text="INFUSION CENTER NOTE\nASSESSMENT: Anemia due to antineoplastic chemotherapy, hemoglobin 7.6, in a "
            "patient with breast cancer on adjuvant chemotherapy; transfuse 2 units.\n",
            present=("D64.81", "T45.1X5A"),
            tagged=("T45.1X5A",),
            off_absent=("T45.1X5A",),
        ),
        id="OCG-I.C.2.c.2:chemotherapy-anemia-adverse-effect",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.IV.M.preop.eye",
            text="PREOPERATIVE EVALUATION\nREASON FOR VISIT: Preoperative evaluation prior to cataract extraction of "
            "the left eye for age-related cortical cataract.\nPMH: Type 2 diabetes mellitus on metformin.\n"
            "ASSESSMENT/PLAN: Type 2 diabetes, well controlled. Cleared for surgery.\n",
            present=("Z01.818", "H25.012", "E11.9"),
            first="Z01.818",
            off_absent=("H25",),
        ),
        id="OCG-IV.M:preop-reason-for-eye-surgery",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_diabetes_blood_eye_rule(case, coder, rule_off) -> None:
    check_rule_case(case, coder, rule_off)


def test_pump_leak_and_overdose(coder) -> None:
    """I.C.4.a.5: the kind of malfunction picks the T85.6- code; an overdose is T38.3X1-."""
    found = codes(
        coder.code(
            encounter(
                "DISCHARGE SUMMARY\nDISCHARGE DIAGNOSES:\n1. Hypoglycemia in type 1 diabetes mellitus due to insulin "
                "pump malfunction delivering an overdose of insulin.\n",
                "inpatient",
            )
        )
    )
    assert found[:2] == ["T85.614A", "T38.3X1A"] and "E10.649" in found and "Z79.4" not in found, found
    found = codes(
        coder.code(
            encounter(
                "DISCHARGE SUMMARY\nDISCHARGE DIAGNOSES:\n1. Type 2 diabetes mellitus with hyperglycemia due to a "
                "leaking insulin pump; insulin was not delivered for most of the day.\n",
                "inpatient",
            )
        )
    )
    assert found[:2] == ["T85.633A", "T38.3X6A"] and "E11.65" in found, found


def test_no_pump_code_without_a_malfunction(coder) -> None:
    """An insulin pump that works, or a malfunction ruled out, is no T85.6-."""
    found = codes(
        coder.code(
            encounter(
                "ENDOCRINOLOGY NOTE\nASSESSMENT: Type 1 diabetes on an insulin pump; pump interrogated, no "
                "malfunction found. Hyperglycemia from missed carbohydrate counting.\n"
            )
        )
    )
    assert not any(c.startswith("T85") for c in found), found


def test_amputation_this_stay_keeps_gangrene(coder) -> None:
    """Gangrene amputated during this admission was present: E11.52 stays."""
    found = codes(
        coder.code(
            encounter(
                "DISCHARGE SUMMARY\nDISCHARGE DIAGNOSES:\n1. Type 2 diabetes mellitus with diabetic gangrene of the "
                "right foot; right below-knee amputation performed this admission for the gangrene.\n",
                "inpatient",
            )
        )
    )
    assert "E11.52" in found, found


def test_glp1_for_weight_loss_without_diabetes(coder) -> None:
    """Semaglutide for obesity in a patient without diabetes is no Z79.85."""
    found = codes(
        coder.code(
            encounter(
                "PROGRESS NOTE\nASSESSMENT AND PLAN:\n1. Obesity, BMI 36; on semaglutide weekly for weight loss.\n"
            )
        )
    )
    assert "Z79.85" not in found, found
