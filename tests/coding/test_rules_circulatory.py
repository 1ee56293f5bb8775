"""Guideline rules of the circulatory, eye and newborn chapters and of acute / chronic and impending
conditions (OCG I.B.8, I.B.11, I.C.7.a, I.C.9.a, I.C.9.e.4, I.C.16.a.2; Tabular I27.2-).  Hand-written
notes (fictional patients), each case also run with its rule switched off (tests/coding/rulecases.py)."""

from __future__ import annotations

import pytest

from medcoder.coding.codeindex import CodeIndex
from tests.coding.helpers import codes, encounter
from tests.coding.rulecases import RuleCase, check_rule_case

HFREF_CHRONIC = """CARDIOLOGY CLINIC NOTE
HISTORY OF PRESENT ILLNESS: 71-year-old man seen for follow-up of his heart failure. No orthopnea, weight stable.
ASSESSMENT:
1. Chronic heart failure with reduced ejection fraction, EF 25%, euvolemic today.
PLAN: Continue carvedilol and sacubitril-valsartan; echo in 6 months.
"""

ACUTE_ON_CHRONIC_PANCREATITIS = """DISCHARGE SUMMARY
HOSPITAL COURSE: 52-year-old woman admitted with epigastric pain radiating to the back; lipase 1,400.
Managed with bowel rest and IV fluids, diet advanced on day 3.
DISCHARGE DIAGNOSES:
1. Acute on chronic pancreatitis.
2. Type 2 diabetes mellitus.
"""

IMPENDING_RESPIRATORY_FAILURE = """EMERGENCY DEPARTMENT NOTE
HISTORY OF PRESENT ILLNESS: 34-year-old woman with asthma, two days of wheeze after a cold.
ASSESSMENT: Severe persistent asthma with acute exacerbation. Impending respiratory failure on arrival,
averted with continuous nebulized albuterol and IV magnesium.
PLAN: Admit to step-down unit.
"""

HEART_FAILURE_UNRELATED = """CARDIOLOGY FOLLOW-UP
ASSESSMENT:
1. Chronic diastolic heart failure due to cardiac amyloidosis; per cardiology the heart failure is unrelated
to her hypertension.
2. Essential hypertension, controlled on amlodipine.
PLAN: Continue current management.
"""

SUBSEQUENT_STEMI = """DISCHARGE SUMMARY
HOSPITAL COURSE: 66-year-old man readmitted with chest pain; emergent catheterization with stent to the RCA.
DISCHARGE DIAGNOSES:
1. Inferior wall STEMI 2 weeks after a non-ST elevation myocardial infarction that was managed medically.
"""

PULMONARY_HYPERTENSION_ILD = """PULMONARY CLINIC NOTE
ASSESSMENT: Pulmonary hypertension secondary to interstitial lung disease; right heart catheterization
confirmed. Continue sildenafil and supplemental oxygen with exertion.
"""

GLAUCOMA_DIFFERENT_STAGES = """OPHTHALMOLOGY FOLLOW-UP
ASSESSMENT: Primary open-angle glaucoma, right eye moderate stage and left eye mild stage; IOP at target.
PLAN: Continue timolol both eyes; visual fields in 6 months.
"""

GLAUCOMA_BOTH_EYES_SAME_STAGE = """OPHTHALMOLOGY NOTE
ASSESSMENT: Chronic angle-closure glaucoma of both eyes, severe stage, status post laser iridotomy.
PLAN: Continue latanoprost; refer for trabeculectomy evaluation.
"""

NEWBORN_JAUNDICE = """NEWBORN DISCHARGE SUMMARY
Single liveborn female infant delivered vaginally in hospital at 39 weeks to a G2P2 mother.
DISCHARGE DIAGNOSES:
1. Neonatal jaundice, treated with phototherapy for 24 hours.
"""

INFLUENZA_A = """URGENT CARE NOTE
HISTORY OF PRESENT ILLNESS: 29-year-old man with two days of fever, myalgia and cough.
ASSESSMENT: Influenza A, rapid antigen positive.
PLAN: Oseltamivir for 5 days, fluids, return precautions.
"""

ULCER_THEN_PNEUMONIA = """HOSPITAL NOTE
Stage 3 pressure ulcer of the sacrum present on admission, dressed by the wound care nurse.
Admitted for community-acquired pneumonia; ceftriaxone and azithromycin, oxygen weaned to room air.
"""

CASES = [
    pytest.param(
        RuleCase(
            "ocg.I.B.8.acuity",
            HFREF_CHRONIC,
            present=("I50.22",),
            absent=("I50.20", "I50.9"),
            tagged=("I50.22",),
            off_present=("I50.20",),
            off_absent=("I50.22",),
        ),
        id="OCG-I.B.8:chronic-HFrEF-is-I50.22",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.B.8.acute_chronic",
            ACUTE_ON_CHRONIC_PANCREATITIS,
            "inpatient",
            present=("K85.90", "K86.1"),
            first="K85.90",
            off_present=("K86.1",),
            off_absent=("K85.90",),
        ),
        id="OCG-I.B.8:acute-on-chronic-pancreatitis-both-acute-first",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.B.11.impending",
            IMPENDING_RESPIRATORY_FAILURE,
            "inpatient",
            present=("J45.51",),
            absent=("J96",),
            off_present=("J96",),
        ),
        id="OCG-I.B.11:impending-respiratory-failure-not-coded",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.9.a.unrelated",
            HEART_FAILURE_UNRELATED,
            present=("I10", "I50.32"),
            absent=("I11",),
            tagged=("I10",),
            off_present=("I11.0",),
            off_absent=("I10",),
        ),
        id="OCG-I.C.9.a:heart-failure-documented-unrelated-to-hypertension",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.9.e.4.subsequent",
            SUBSEQUENT_STEMI,
            "inpatient",
            present=("I22.1", "I21.4"),
            absent=("I21.19",),
            tagged=("I22.1",),
            off_present=("I21.19", "I21.4"),
            off_absent=("I22",),
        ),
        id="OCG-I.C.9.e.4:new-STEMI-within-4-weeks-is-I22",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.9.pulmonary_hypertension",
            PULMONARY_HYPERTENSION_ILD,
            present=("I27.23", "J84"),
            absent=("I27.20",),
            tagged=("I27.23",),
            off_present=("I27.20",),
            off_absent=("I27.23",),
        ),
        id="Tabular-I27.23:pulmonary-hypertension-due-to-lung-disease",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.7.a.glaucoma",
            GLAUCOMA_DIFFERENT_STAGES,
            present=("H40.1112", "H40.1121"),
            absent=("H40.113", "H40.1110"),
            tagged=("H40.1112", "H40.1121"),
            off_present=("H40.1110",),
            off_absent=("H40.1112", "H40.1121"),
        ),
        id="OCG-I.C.7.a.3:different-stage-each-eye",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.7.a.glaucoma",
            GLAUCOMA_BOTH_EYES_SAME_STAGE,
            present=("H40.2233",),
            absent=("H40.2230", "H40.221", "H40.222"),
            off_present=("H40.2230",),
            off_absent=("H40.2233",),
        ),
        id="OCG-I.C.7.a.2:same-type-and-stage-both-eyes-bilateral-code",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.10.c.identified",
            INFLUENZA_A,
            present=("J10.1",),
            absent=("J11",),
            tagged=("J10.1",),
            off_present=("J11.1",),
            off_absent=("J10",),
        ),
        id="OCG-I.C.10.c:influenza-A-is-an-identified-virus-J10",
    ),
    pytest.param(
        RuleCase(
            "ocg.II.reason",
            ULCER_THEN_PNEUMONIA,
            "inpatient",
            present=("J18.9", "L89.153"),
            first="J18.9",
            off_present=("J18.9", "L89.153"),
            off_not_first="J18.9",
        ),
        id="OCG-II:admitted-for-pneumonia-first",
    ),
    pytest.param(
        RuleCase(
            "ocg.I.C.16.a.2.birth",
            NEWBORN_JAUNDICE,
            "inpatient",
            present=("Z38.00", "P59.9"),
            first="Z38.00",
            off_present=("Z38.00", "P59.9"),
            off_not_first="Z38.00",
        ),
        id="OCG-I.C.16.a.2:Z38-first-on-the-newborn-record",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_circulatory_rule(case, coder, rule_off):
    check_rule_case(case, coder, rule_off)


@pytest.fixture(scope="module")
def code_index(bundled_kb) -> CodeIndex:
    return CodeIndex(bundled_kb, bundled_kb.release("ICD-10-CM", None).release_id)


@pytest.mark.parametrize(
    ("code", "side", "expected"),
    [
        ("H35.039", "bilateral", "H35.033"),  # hypertensive retinopathy, unspecified eye -> both eyes
        ("H35.039", "left", "H35.032"),
        ("H40.119", "right", "H40.1110"),  # POAG, unspecified eye -> right eye (stage unspecified)
        ("H35.039", None, "H35.039"),  # no side documented: the unspecified-eye code stays
    ],
)
def test_unspecified_side_code_takes_the_documented_side(code_index, code, side, expected):
    """OCG I.B.13: a code for the unspecified side is not reported when the note documents the side."""
    resolution = code_index.resolve(code, laterality=side)
    assert resolution is not None and resolution.code == expected


@pytest.mark.parametrize(
    ("text", "setting", "present", "absent"),
    [
        (
            "ASSESSMENT: Anterior wall STEMI, status post primary PCI to the LAD yesterday.",
            "inpatient",
            ("I21.09",),
            ("I21.3",),
        ),
        ("ASSESSMENT: Impending myocardial infarction; troponins negative x3.", "inpatient", ("I20.0",), ("I21",)),
        (
            "DISCHARGE DIAGNOSES:\n1. EVALI with acute hypoxic respiratory failure.",
            "inpatient",
            ("U07.0", "J96.01"),
            ("S27",),
        ),
        (
            "POSTOPERATIVE DIAGNOSIS: Acute on chronic cholecystitis with cholelithiasis.",
            "inpatient",
            ("K80.12",),
            ("K80.10", "K81.2", "K81.1"),
        ),
        (
            "ASSESSMENT: Hypertensive retinopathy of both eyes, grade 2.",
            "outpatient",
            ("H35.033",),
            ("H35.039",),
        ),
        # OCG I.C.7.a: the eye is the glaucoma's own, not the cataract's in the next clause
        (
            "ASSESSMENT: Primary open-angle glaucoma, mild stage; cataract of the right eye.",
            "outpatient",
            ("H40.1191",),
            ("H40.111",),
        ),
        # I.C.7.a.4: no laterality in H40.10-: one code per documented stage
        (
            "ASSESSMENT: Open-angle glaucoma of both eyes, moderate stage right eye and severe stage left eye.",
            "outpatient",
            ("H40.10X2", "H40.10X3"),
            ("H40.10X0",),
        ),
        ("ASSESSMENT: Normal tension glaucoma of the left eye, moderate stage.", "outpatient", ("H40.1222",), ()),
    ],
)
def test_circulatory_wording(coder, text, setting, present, absent):
    """The chapter lexicon's wording reaches the code the Alphabetic Index gives it."""
    found = codes(coder.code(encounter(text, setting)))
    for code in present:
        assert any(c.startswith(code) for c in found), (code, found)
    for code in absent:
        assert not any(c.startswith(code) for c in found), (code, found)


@pytest.mark.parametrize(
    ("text", "setting", "present", "absent"),
    [
        # OCG I.C.9.a.10: the crisis code with the hypertension it complicates; the ruled-out
        # end-organ damage does not negate the patient's own hypertension
        (
            "ED NOTE: Hypertensive urgency with BP 220/118, no evidence of acute end-organ damage, in a patient "
            "with long-standing essential hypertension who stopped his lisinopril.",
            "outpatient",
            ("I16.0", "I10"),
            ("I16.1",),
        ),
        # OCG I.B.5, I.B.9: melena is integral to the ulcer "with hemorrhage" combination code
        (
            "EGD REPORT\nIMPRESSION: Gastric ulcer with active bleeding, treated with epinephrine and clips.\n"
            "ASSESSMENT: Bleeding gastric ulcer; the melena that brought him in is from the ulcer.",
            "inpatient",
            ("K25.4",),
            ("K92.1", "K92.2"),
        ),
        # OCG I.C.10.c: "probable" influenza A is J11 (unidentified), not J10
        ("DISCHARGE DIAGNOSES:\n1. Probable influenza A, test pending at discharge.", "inpatient", ("J11",), ("J10",)),
    ],
)
def test_circulatory_conventions(coder, text, setting, present, absent):
    found = codes(coder.code(encounter(text, setting)))
    for code in present:
        assert any(c.startswith(code) for c in found), (code, found)
    for code in absent:
        assert not any(c.startswith(code) for c in found), (code, found)
