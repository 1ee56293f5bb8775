"""Guideline rules of the mental and behavioral chapter (OCG I.C.5.b, I.C.5.c, I.C.5.d; Index: Disorder,
depressive, major; Tabular F01-F03, F10, Y90).  Hand-written notes (fictional patients), each case also
run with its rule switched off (tests/coding/rulecases.py)."""

from __future__ import annotations

import pytest

from tests.coding.helpers import codes, encounter
from tests.coding.rulecases import RuleCase, check_rule_case

ALZHEIMER_MODERATE_AGITATION = """MEMORY CLINIC NOTE
HISTORY OF PRESENT ILLNESS: 81-year-old woman brought by her daughter; more confused, striking out at the aides
during bathing.
ASSESSMENT: Alzheimer's disease, late onset, with moderate dementia and agitation.
PLAN: Continue donepezil 10 mg; behavioral plan for the facility; follow up in 3 months.
"""

VASCULAR_SEVERE_WANDERING = """NURSING FACILITY PROGRESS NOTE
88-year-old man with prior lacunar strokes. Staff report he leaves the unit at night.
ASSESSMENT: Vascular dementia, severe, with behavioral disturbance (wandering).
PLAN: Wander-guard bracelet, scheduled toileting, no antipsychotics.
"""

LEWY_PSYCHOTIC = """NEUROLOGY FOLLOW-UP
74-year-old man; wife reports he sees children in the living room at night.
ASSESSMENT: Dementia with Lewy bodies with psychotic features (visual hallucinations).
PLAN: Start pimavanserin; avoid haloperidol.
"""

PARKINSON_DEMENTIA_MOOD = """NEUROLOGY NOTE
ASSESSMENT: Dementia in Parkinson's disease, moderate, with depressed mood.
PLAN: Continue carbidopa-levodopa; start sertraline 25 mg.
"""

MDD_RECURRENT_SEVERE = """PSYCHIATRY OUTPATIENT NOTE
HISTORY OF PRESENT ILLNESS: Third depressive episode since 2019; poor sleep, passive death wish, no plan.
ASSESSMENT: Major depression, recurrent episode, severe without psychotic features.
PLAN: Increase venlafaxine XR to 225 mg; weekly therapy; safety plan reviewed.
"""

MDD_RECURRENT_PSYCHOTIC = """INPATIENT PSYCHIATRY DISCHARGE SUMMARY
HOSPITAL COURSE: Admitted with command auditory hallucinations telling him he is worthless; improved on
sertraline and aripiprazole.
DISCHARGE DIAGNOSES:
1. Major depressive disorder, recurrent, severe with psychotic features.
"""

FDIA_VICTIM = """PEDIATRIC ADMISSION NOTE
3-year-old girl with recurrent unexplained hypoglycemia.
Psychiatry consulted: mother suspected of factitious disorder imposed on another.
ASSESSMENT: Recurrent hypoglycemia; child protective services notified.
"""

ALCOHOL_INTOXICATION_BAL = """EMERGENCY DEPARTMENT NOTE
LABS: Serum ethanol 312 mg/dL.
ASSESSMENT: Alcohol intoxication in a patient with alcohol dependence.
PLAN: Observe until clinically sober; CIWA monitoring.
"""

CASES = [
    pytest.param(
        RuleCase(
            "ocg.I.C.5.d.dementia",
            ALZHEIMER_MODERATE_AGITATION,
            present=("G30.1", "F02.B11"),
            absent=("F03", "F02.80", "R45.1"),
            first="G30.1",
            tagged=("F02.B11",),
            off_absent=("F02.B11",),
        ),
        id="OCG-I.C.5.d:alzheimer-dementia-moderate-with-agitation-F02.B11",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.5.d.dementia",
            VASCULAR_SEVERE_WANDERING,
            present=("F01.C18", "Z91.83"),
            absent=("F03", "F01.C0"),
            tagged=("F01.C18",),
            off_absent=("F01.C18",),
        ),
        id="OCG-I.C.5.d:vascular-dementia-severe-wandering-F01.C18-Z91.83",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.5.d.dementia",
            LEWY_PSYCHOTIC,
            present=("G31.83", "F02.82"),
            absent=("R44.1", "F03"),
            first="G31.83",
            off_absent=("F02.82",),
        ),
        id="Index-Dementia-with-Lewy-bodies:G31.83-F02.82-psychotic",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.5.d.dementia",
            PARKINSON_DEMENTIA_MOOD,
            present=("G20.A1", "F02.B3"),
            absent=("F02.80",),
            off_present=("F02.80",),
        ),
        id="OCG-I.C.5.d:dementia-in-parkinsons-moderate-mood-F02.B3",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.5.depression",
            MDD_RECURRENT_SEVERE,
            present=("F33.2",),
            absent=("F33.9", "F32"),
            tagged=("F33.2",),
            off_present=("F33.9",),
        ),
        id="Index-Disorder-depressive-major-recurrent-severe:F33.2",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.5.depression",
            MDD_RECURRENT_PSYCHOTIC,
            "inpatient",
            present=("F33.3",),
            absent=("F33.9", "F33.2", "F32"),
            off_absent=("F33.3",),
        ),
        id="Index-Disorder-depressive-major-recurrent-severe-psychotic:F33.3",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.5.c.fdia",
            FDIA_VICTIM,
            present=("E16.2",),
            absent=("F68", "Z81.8"),
            off_present=("Z81.8",),
        ),
        id="OCG-I.C.5.c:the-victims-record-carries-no-F68.A-nor-family-history",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.5.b.blood_alcohol",
            ALCOHOL_INTOXICATION_BAL,
            present=("F10.229", "Y90.8"),
            before=(("F10.229", "Y90.8"),),
            tagged=("Y90.8",),
            off_present=("F10.229",),
            off_absent=("Y90",),
        ),
        id="OCG-I.B.14-Tabular-F10:blood-alcohol-level-Y90.8",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_mental_rule(case, coder, rule_off):
    check_rule_case(case, coder, rule_off)


@pytest.mark.parametrize(
    ("text", "setting", "present", "absent"),
    [
        # I.C.5.d: no severity documented -> unspecified severity; "without behavioral disturbance"
        ("ASSESSMENT: Dementia without behavioral disturbance, no agitation.", "outpatient", ("F03.90",), ("F03.91",)),
        # a range is no one severity; the severity of the agitation is not the dementia's
        (
            "ASSESSMENT: Alzheimer's dementia with severe agitation; hitting staff.",
            "outpatient",
            ("G30.9", "F02.811"),
            ("F02.C",),
        ),
        # I.C.5.d: the highest severity of the stay
        (
            "DISCHARGE DIAGNOSES:\n1. Dementia, moderate on admission, severe by discharge.\n"
            "2. Urinary tract infection.",
            "inpatient",
            ("F03.C0",),
            ("F03.B0", "F03.90"),
        ),
        # "mild neurocognitive disorder" is G31.84, not a mild dementia
        ("ASSESSMENT: Mild neurocognitive disorder; MoCA 24/30.", "outpatient", ("G31.84",), ("F03", "F02")),
        # a family history of Alzheimer's is no dementia of the patient
        (
            "FAMILY HISTORY: Mother with Alzheimer's dementia.\nASSESSMENT: Mild cognitive impairment.",
            "outpatient",
            ("G31.84",),
            ("F02", "F03", "G30"),
        ),
        # MDD: in remission, psychotic features
        ("ASSESSMENT: Major depressive disorder in full remission.", "outpatient", ("F32.5",), ("F32.9", "F32.A")),
        ("ASSESSMENT: MDD, recurrent, in partial remission.", "outpatient", ("F33.41",), ("F33.9",)),
        (
            "ASSESSMENT: Major depressive disorder, severe with psychotic features; single episode.",
            "outpatient",
            ("F32.3",),
            ("F32.2", "F32.9"),
        ),
        ("ASSESSMENT: Major depressive disorder, moderate to severe.", "outpatient", ("F32.9",), ("F32.1", "F32.2")),
        # I.C.5.a: pain exclusively psychological, no G89
        (
            "ASSESSMENT: Psychogenic pain, no organic cause found after MRI and EMG.",
            "outpatient",
            ("F45.41",),
            ("G89",),
        ),
        # I.C.5.c: the perpetrator's record
        (
            "PSYCHIATRY CONSULT\nASSESSMENT: Factitious disorder imposed on another; she has been adding blood to "
            "her son's urine samples.\nPLAN: Individual therapy; CPS involved.",
            "outpatient",
            ("F68.A",),
            ("F68.1",),
        ),
        ("ASSESSMENT: Munchausen syndrome.", "outpatient", ("F68.10",), ("F68.A",)),
        # Y90 only beside the provider's F10 diagnosis, and only for a measured level
        ("ED NOTE\nLABS: Blood alcohol level 0.09.\nASSESSMENT: Scalp laceration.", "outpatient", (), ("Y90",)),
        (
            "SOCIAL HISTORY: EtOH 2 drinks per day.\nASSESSMENT: Alcohol abuse. BAL negative today.",
            "outpatient",
            ("F10.10",),
            ("Y90",),
        ),
        ("ED NOTE\nASSESSMENT: Acute alcohol intoxication. BAC 0.18%.", "outpatient", ("F10.929", "Y90.6"), ()),
    ],
)
def test_mental_wording(coder, text, setting, present, absent):
    found = codes(coder.code(encounter(text, setting)))
    for code in present:
        assert any(c.startswith(code) for c in found), (code, found)
    for code in absent:
        assert not any(c.startswith(code) for c in found), (code, found)
