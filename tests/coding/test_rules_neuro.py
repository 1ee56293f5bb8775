"""Guideline rules of the nervous system chapter (OCG I.C.6.a; Tabular G40, G43, G20): the side of a
hemiplegia, intractable epilepsy and migraine with or without status, Parkinson's disease with dyskinesia
and fluctuations.  Hand-written notes (fictional patients), each case also run with its rule switched off
(tests/coding/rulecases.py)."""

from __future__ import annotations

import pytest

from tests.coding.helpers import codes, encounter
from tests.coding.rulecases import RuleCase, check_rule_case

HEMIPLEGIA_LEFT_SIDE_AMBIDEXTROUS = """REHABILITATION CONSULT
52-year-old ambidextrous man, cerebral palsy since birth.
ASSESSMENT: Spastic hemiplegia affecting the left side; gait training and AFO fitting.
"""

HEMIPARESIS_RIGHT_SIDED_LEFT_HANDED = """NEUROLOGY CLINIC NOTE
Left-handed woman with multiple sclerosis.
ASSESSMENT: Spastic hemiplegia affecting the right side, slowly progressive.
PLAN: Continue ocrelizumab; PT referral.
"""

STATUS_IN_GENERALIZED_EPILEPSY = """EMERGENCY DEPARTMENT NOTE
Brought by EMS after continuous convulsions for 15 minutes; lorazepam x2 and levetiracetam load.
ASSESSMENT: Generalized convulsive status epilepticus in a patient with known idiopathic generalized epilepsy.
PLAN: Admit to neuro ICU.
"""

PHARMACORESISTANT_SEIZURE_DISORDER = """EPILEPSY CLINIC NOTE
Three antiseizure medications tried at therapeutic doses without seizure freedom.
ASSESSMENT: Seizure disorder, pharmacoresistant, without status epilepticus.
PLAN: Refer for epilepsy surgery evaluation.
"""

MIGRAINE_AURA_STATUS_REFRACTORY = """HEADACHE CLINIC NOTE
Headache for 4 days, not relieved by sumatriptan or ketorolac.
ASSESSMENT: Migraine with aura with status migrainosus; refractory to triptans.
PLAN: DHE protocol in the infusion center.
"""

PARKINSON_DYSKINESIA_FLUCTUATIONS = """MOVEMENT DISORDERS CLINIC NOTE
Peak-dose choreiform movements and predictable wearing off 3 hours after each levodopa dose.
ASSESSMENT: Parkinson's disease with dyskinesia and motor fluctuations (wearing off).
PLAN: Add amantadine ER; consider DBS evaluation.
"""

CASES = [
    pytest.param(
        RuleCase(
            "ocg.I.C.6.a.side",
            HEMIPLEGIA_LEFT_SIDE_AMBIDEXTROUS,
            present=("G81.12",),
            absent=("G81.10",),
            tagged=("G81.12",),
            off_present=("G81.10",),
        ),
        id="OCG-I.C.6.a:left-side-in-an-ambidextrous-patient-is-dominant",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.6.a.side",
            HEMIPARESIS_RIGHT_SIDED_LEFT_HANDED,
            present=("G81.13",),
            absent=("G81.10", "G81.11"),
            off_present=("G81.10",),
        ),
        id="OCG-I.C.6.a:right-sided-in-a-left-handed-patient-is-nondominant",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.6.intractable",
            STATUS_IN_GENERALIZED_EPILEPSY,
            "inpatient",
            present=("G40.301",),
            absent=("G40.901", "G40.309", "R56"),
            tagged=("G40.301",),
            off_present=("G40.901", "G40.309"),
        ),
        id="Tabular-G40:status-epilepticus-in-the-documented-type-G40.301",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.6.intractable",
            PHARMACORESISTANT_SEIZURE_DISORDER,
            present=("G40.919",),
            absent=("G40.909", "G40.911"),
            off_present=("G40.909",),
        ),
        id="Tabular-G40:pharmacoresistant-is-intractable",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.6.intractable",
            MIGRAINE_AURA_STATUS_REFRACTORY,
            present=("G43.111",),
            absent=("G43.109", "G43.901", "G43.9"),
            off_present=("G43.109",),
        ),
        id="Tabular-G43:migraine-with-aura-refractory-with-status-migrainosus",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.6.parkinson",
            PARKINSON_DYSKINESIA_FLUCTUATIONS,
            present=("G20.B2",),
            absent=("G20.B1", "G20.A1"),
            tagged=("G20.B2",),
            off_absent=("G20.B2",),
        ),
        id="Tabular-G20.B2:parkinsons-with-dyskinesia-and-fluctuations",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_neuro_rule(case, coder, rule_off):
    check_rule_case(case, coder, rule_off)


@pytest.mark.parametrize(
    ("text", "setting", "present", "absent"),
    [
        # I.C.9 (artery v2): the artery, its side and the mechanism in the stroke's own words; the
        # deficit's side ("right hemiparesis") is not the artery's
        (
            "DISCHARGE DIAGNOSES:\n1. Acute ischemic stroke of the left middle cerebral artery territory due to "
            "embolism from atrial fibrillation, with right hemiparesis and aphasia.",
            "inpatient",
            ("I63.412",),
            ("I63.9", "I63.419"),
        ),
        ("ASSESSMENT: Acute right MCA stroke, cardioembolic from atrial fibrillation.", "inpatient", ("I63.411",), ()),
        # an artery without a mechanism, or a stenosis said not to be the cause: no artery code
        (
            "ASSESSMENT: Acute ischemic stroke. Carotid duplex: 50% left ICA stenosis, not the cause.",
            "inpatient",
            ("I63.9",),
            ("I63.2", "I63.0"),
        ),
        # I.C.6.a defaults: right side dominant, left side nondominant
        ("ASSESSMENT: Flaccid hemiplegia of the right side after a brain abscess.", "outpatient", ("G81.01",), ()),
        ("ASSESSMENT: Left hemiparesis.", "outpatient", ("G81.94",), ()),
        # "L-sided" monoplegia of the upper limb in a right-handed patient: nondominant
        (
            "REHAB NOTE\nRight-handed man.\nASSESSMENT: Monoplegia of upper limb, L-sided, after brachial plexus "
            "surgery.",
            "outpatient",
            ("G83.24",),
            ("G83.20", "G83.22"),
        ),
        # explicitly not intractable / without status
        (
            "ASSESSMENT: Epilepsy, not intractable, without status epilepticus; seizure free on levetiracetam.",
            "outpatient",
            ("G40.909",),
            ("G40.91", "G40.901"),
        ),
        ("ASSESSMENT: Chronic migraine without aura, not intractable.", "outpatient", ("G43.709",), ("G43.71",)),
        # a past status epilepticus is no status now, and one epilepsy is one code
        (
            "ASSESSMENT: Epilepsy with a history of status epilepticus in 2019; seizure free on lamotrigine.",
            "outpatient",
            ("G40.909",),
            ("G40.901",),
        ),
        # "poorly controlled" said of another condition
        ("ASSESSMENT: Migraine and poorly controlled type 2 diabetes.", "outpatient", ("G43.909",), ("G43.919",)),
        ("ASSESSMENT: Intractable chronic migraine without aura.", "outpatient", ("G43.719",), ("G43.709",)),
        # fluctuations denied
        (
            "ASSESSMENT: Parkinson's disease without dyskinesia, no motor fluctuations.",
            "outpatient",
            ("G20.A1",),
            ("G20.A2", "G20.B"),
        ),
        ("ASSESSMENT: Parkinson's disease with OFF episodes.", "outpatient", ("G20.A2",), ("G20.A1",)),
        # I.C.6.b: chronic postoperative pain G89.28, not the acute G89.18
        (
            "DISCHARGE DIAGNOSES:\n1. Chronic postoperative pain after total knee arthroplasty, right knee.",
            "inpatient",
            ("G89.28",),
            ("G89.18",),
        ),
    ],
)
def test_neuro_wording(coder, text, setting, present, absent):
    found = codes(coder.code(encounter(text, setting)))
    for code in present:
        assert any(c.startswith(code) for c in found), (code, found)
    for code in absent:
        assert not any(c.startswith(code) for c in found), (code, found)
