"""Guideline rules of the endocrine, circulatory, respiratory, digestive, skin and ear chapters written
for the independent holdout suite (issue 9): pressure ulcer site, foot ulcer part, postpancreatectomy
order, I43 cardiomyopathy in amyloidosis, secondary hypertension, a new AMI within 4 weeks of a dated
one, COPD exacerbation with infection, diverticulosis with bleeding, acute suppurative otitis media
with rupture.  Hand-written notes (fictional patients), each rule also run switched off
(tests/coding/rulecases.py), and each situation in other wordings a US physician writes."""

from __future__ import annotations

import pytest

from medcoder.extract.sections import find_sections
from tests.coding.helpers import codes, encounter, has
from tests.coding.rulecases import RuleCase, check_rule_case

PRESSURE_BUTTOCK = """INPATIENT PROGRESS NOTE
SUBJECTIVE: 84-year-old woman, bedbound after her stroke, turned every 2 hours.
WOUND CARE: Stage 3 pressure injury of the left buttock, 3 x 2 cm, clean base, per the wound nurse.
ASSESSMENT AND PLAN: Pressure injury as above; offloading mattress, foam dressing, nutrition consult.
"""

HEEL_ULCER = """WOUND CLINIC NOTE
HISTORY: 66-year-old man with type 2 diabetes mellitus on metformin.
ASSESSMENT: Diabetic foot ulcer, right heel, 1.5 cm, limited to breakdown of skin; pedal pulses palpable.
PLAN: Offloading boot, weekly debridement.
"""

PANCREATECTOMY = """DISCHARGE SUMMARY
HOSPITAL COURSE: 58-year-old man, status post total pancreatectomy two years ago,
admitted for glycemic management after pump failure; postpancreatectomy diabetes managed
with basal-bolus insulin.
"""

AMYLOID_CARDIOMYOPATHY = """CARDIOLOGY DISCHARGE SUMMARY
DISCHARGE DIAGNOSES:
1. Cardiomyopathy due to wild-type transthyretin amyloidosis, confirmed on technetium PYP scan.
PLAN: Tafamidis started; follow up in the amyloid clinic.
"""

RENOVASCULAR = """NEPHROLOGY CONSULTATION
ASSESSMENT: Resistant hypertension secondary to atherosclerotic stenosis of the left renal artery, 80% on CT
angiography.
PLAN: Refer to vascular surgery for renal artery stenting.
"""

SUBSEQUENT_MI = """HISTORY AND PHYSICAL
HISTORY OF PRESENT ILLNESS: 61-year-old man with an NSTEMI 12 days ago, managed medically at an outside
hospital. Readmitted today with crushing chest pain and an acute anterior wall STEMI; ECG with ST
elevation in V1-V4. Cath lab activated.
"""

COPD_BRONCHITIS = """HOSPITALIST ADMISSION NOTE
ASSESSMENT:
1. COPD with acute exacerbation.
2. Acute bronchitis, likely viral; no infiltrate on chest x-ray.
PLAN: Prednisone 40 mg daily, nebulized bronchodilators, azithromycin.
"""

OTITIS_RUPTURE = """PEDIATRIC SICK VISIT
HPI: 3-year-old with 2 days of fever and right ear pain, then purulent drainage this morning.
EXAM: Right TM perforated with purulent otorrhea.
ASSESSMENT: Acute suppurative otitis media, right ear, with spontaneous rupture of the tympanic membrane.
PLAN: Ofloxacin otic drops, amoxicillin.
"""

DIVERTICULAR_BLEED = """GI CONSULT NOTE
HISTORY: 77-year-old man admitted with painless hematochezia, hemoglobin 8.1.
COLONOSCOPY: Diverticulosis of the sigmoid colon with active bleeding from one diverticulum, clipped;
no diverticulitis.
"""

OLD_MI = """CARDIOLOGY CLINIC NOTE
HISTORY: 68-year-old woman with coronary artery disease; inferior STEMI 5 months ago treated with a drug-eluting
stent to the RCA. No angina since.
ASSESSMENT: Stable; continue aspirin, ticagrelor through 12 months, and atorvastatin.
"""

READMITTED_AFTER_OLD_MI = """HISTORY AND PHYSICAL
HISTORY OF PRESENT ILLNESS: 59-year-old man, NSTEMI 4 months ago managed medically. Admitted today with
an acute anterior wall STEMI; taken for primary PCI.
"""

CASES = [
    pytest.param(
        RuleCase(
            rule="ocg.I.C.12.a.site",
            text=PRESSURE_BUTTOCK,
            setting="inpatient",
            present=("L89.323",),
            absent=("L89.9",),
            tagged=("L89.323",),
            off_present=("L89.93",),
            off_absent=("L89.32",),
        ),
        id="OCG-I.C.12.a:pressure-injury-site",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.12.b.site",
            text=HEEL_ULCER,
            present=("E11.621", "L97.411"),
            absent=("L97.5",),
            tagged=("L97.411",),
            off_present=("L97.511",),
            off_absent=("L97.4",),
        ),
        id="OCG-I.C.12.b:foot-ulcer-heel",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.4.a.6.b.sequence",
            text=PANCREATECTOMY,
            setting="inpatient",
            present=("E89.1", "E13.9", "Z90.410", "Z79.4"),
            first="E89.1",
            off_present=("E89.1", "E13.9", "Z90.410"),
            off_not_first="E89.1",
        ),
        id="OCG-I.C.4.a.6.b:postpancreatectomy-order",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.A.13.cardiomyopathy",
            text=AMYLOID_CARDIOMYOPATHY,
            setting="inpatient",
            present=("E85.82", "I43"),
            absent=("I42",),
            first="E85.82",
            tagged=("I43",),
            off_present=("I42.9", "E85.82"),
            off_absent=("I43",),
        ),
        id="OCG-I.A.13:cardiomyopathy-in-amyloidosis",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.9.a.6.secondary",
            text=RENOVASCULAR,
            present=("I15.0", "I70.1"),
            absent=("I10",),
            tagged=("I15.0",),
            off_present=("I10", "I70.1"),
            off_absent=("I15",),
        ),
        id="OCG-I.C.9.a.6:renovascular-hypertension",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.9.e.4.subsequent",
            text=SUBSEQUENT_MI,
            setting="inpatient",
            present=("I22.0", "I21.4"),
            absent=("I21.0",),
            tagged=("I22.0",),
            off_present=("I21.09", "I21.4"),
            off_absent=("I22",),
        ),
        id="OCG-I.C.9.e.4:new-mi-after-dated-nstemi",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.9.e.4.sequence",
            text=SUBSEQUENT_MI,
            setting="inpatient",
            first="I22.0",
            before=(("I22.0", "I21.4"),),
            off_present=("I22.0", "I21.4"),
            off_before=(("I21.4", "I22.0"),),
        ),
        id="OCG-I.C.9.e.4:new-mi-first",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.9.e.old",
            text=OLD_MI,
            present=("I25.2",),
            absent=("I21",),
            tagged=("I25.2",),
            off_absent=("I25.2",),
        ),
        id="OCG-I.C.9.e.1:mi-months-ago-is-old",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.9.e.old.sequence",
            text=READMITTED_AFTER_OLD_MI,
            setting="inpatient",
            first="I21.09",
            before=(("I21.09", "I25.2"),),
            off_present=("I25.2", "I21.09"),
            off_first="I25.2",
        ),
        id="OCG-I.C.9.e.1:old-mi-after-current-ami",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.10.a.1.infection",
            text=COPD_BRONCHITIS,
            setting="inpatient",
            present=("J44.1", "J44.0", "J20.9"),
            tagged=("J44.0",),
            off_present=("J44.1", "J20.9"),
            off_absent=("J44.0",),
        ),
        id="OCG-I.C.10.a.1:copd-exacerbation-with-bronchitis",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.8.otitis_rupture",
            text=OTITIS_RUPTURE,
            present=("H66.011",),
            absent=("H66.001", "H72", "H66.4"),
            tagged=("H66.011",),
            off_present=("H66.001",),
            off_absent=("H66.01",),
        ),
        id="OCG-I.C.8:otitis-media-with-rupture",
    ),
    pytest.param(
        RuleCase(
            rule="ocg.I.C.11.with_bleeding",
            text=DIVERTICULAR_BLEED,
            setting="inpatient",
            present=("K57.31",),
            absent=("K57.30", "K92", "R58"),
            tagged=("K57.31",),
            off_present=("K57.30",),
            off_absent=("K57.31",),
        ),
        id="OCG-I.C.11:diverticulosis-with-bleeding",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_holdout_systems_rule(case, coder, rule_off):
    check_rule_case(case, coder, rule_off)


# Other wordings of the same situations (present, absent)
WORDINGS = [
    ("Sacral pressure injury, stage 2, present on admission.", "inpatient", ("L89.152",), ("L89.9",)),
    ("Stage 4 pressure injury over the right hip (trochanter).", "inpatient", ("L89.214",), ("L89.9",)),
    ("Coccyx pressure injury, unstageable, per WOCN.", "inpatient", ("L89.150",), ("L89.9",)),
    ("Deep tissue pressure injury of the right heel.", "inpatient", ("L89.616",), ("L89.9",)),
    ("Pressure injuries of the sacrum (stage 2) and right heel (stage 1).", "inpatient", (), ("L89.15", "L89.6")),
    ("Stage 2 pressure injury, s/p right hip replacement.", "inpatient", ("L89.92",), ("L89.2",)),
    ("Type 2 DM with left foot ulcer at the midfoot, skin breakdown only.", "outpatient", ("E11.621", "L97.421"), ()),
    ("Diabetic foot ulcer of the left great toe with fat layer exposed.", "outpatient", ("L97.522",), ("L97.4",)),
    (
        "Type 1 DM with hypoglycemic episode this morning, no loss of consciousness.",
        "outpatient",
        ("E10.649",),
        ("E11",),
    ),
    ("Hypoglycemic reaction in a type 1 diabetic.", "outpatient", ("E10.649",), ("E16.2", "E11")),
    ("Wild-type ATTR amyloidosis with cardiomyopathy.", "outpatient", ("E85.82", "I43"), ("I42",)),
    ("Cardiomyopathy secondary to ATTRwt amyloidosis.", "outpatient", ("E85.82", "I43"), ("I42",)),
    ("Cardiomyopathy, unspecified; amyloidosis excluded by biopsy.", "outpatient", ("I42.9",), ("I43",)),
    ("Renal artery stenosis causing hypertension.", "outpatient", ("I15.0", "I70.1"), ("I10",)),
    (
        "Secondary hypertension due to fibromuscular dysplasia of the renal artery.",
        "outpatient",
        ("I15.0", "I77.3"),
        (),
    ),
    ("Hypertension due to primary hyperaldosteronism.", "outpatient", ("I15.2",), ("I10",)),
    ("Acute kidney injury with hypertension.", "outpatient", ("I10", "N17.9"), ("I15",)),
    ("Hypertension due to type 2 diabetes.", "outpatient", ("I10",), ("I15",)),
    ("Essential hypertension. Renal artery stenosis, incidental on duplex.", "outpatient", ("I10", "I70.1"), ("I15",)),
    (
        "Admitted with acute inferior STEMI. He had an NSTEMI three weeks ago at an outside hospital.",
        "inpatient",
        ("I22.1", "I21.4"),
        ("I21.1",),
    ),
    (
        "NSTEMI 3 months ago. Admitted today with acute anterior STEMI.",
        "inpatient",
        ("I21.0", "I25.2"),
        ("I22", "I21.4"),
    ),
    ("Coronary artery disease; NSTEMI 3 months ago, s/p DES to LAD. Doing well.", "outpatient", ("I25.2",), ("I21",)),
    ("He had a STEMI two years ago.", "outpatient", ("I25.2",), ("I21",)),
    ("AECOPD triggered by community-acquired pneumonia.", "inpatient", ("J44.1", "J44.0", "J18.9"), ()),
    ("COPD exacerbation, no pneumonia on chest x-ray.", "inpatient", ("J44.1",), ("J44.0", "J18")),
    ("Left acute suppurative otitis media with perforated TM.", "outpatient", ("H66.012",), ("H72", "H66.002")),
    ("Acute purulent otitis media, right ear, TM intact.", "outpatient", ("H66.001",), ("H66.01",)),
    ("Acute suppurative otitis media, bilateral, no perforation.", "outpatient", ("H66.003",), ("H66.01",)),
    ("Hematochezia. Colonoscopy showed bleeding sigmoid diverticulosis.", "inpatient", ("K57.31",), ("K92", "R58")),
    ("Sigmoid diverticulitis with hemorrhage.", "inpatient", ("K57.33",), ("K57.32", "R58")),
    ("Diverticulosis of the descending colon, no bleeding.", "outpatient", ("K57.30",), ("K57.31",)),
]


@pytest.mark.parametrize(("text", "setting", "present", "absent"), WORDINGS)
def test_holdout_systems_wording(coder, text, setting, present, absent):
    found = codes(coder.code(encounter(text, setting)))
    for code in present:
        assert has(found, code), (code, found)
    for code in absent:
        assert not has(found, code), (code, found)


def test_inline_acronym_label_opens_no_imaging_section():
    """ "... vomiting. CT: acute appendicitis." on one line: the acronym is in capitals in prose too,
    so after a sentence it opens no section (the statement stays the physician's narrative); at the
    start of a line it is a header."""
    inline = find_sections("Admitted with abdominal pain and vomiting. CT: acute appendicitis. Appendectomy done.")
    assert [s.name for s in inline] == ["unknown"]
    own_line = find_sections("Admitted with abdominal pain.\nCT: acute appendicitis.\n")
    assert "imaging" in [s.name for s in own_line]
    capital = find_sections("No fever.  IMPRESSION: acute appendicitis.")
    assert len(capital) == 2


def test_sentence_appendicitis_on_ct_codes_the_diagnosis(coder):
    found = codes(
        coder.code(
            encounter(
                "Admitted with right lower quadrant pain and vomiting. CT: acute appendicitis without perforation. "
                "Laparoscopic appendectomy performed.",
                "inpatient",
            )
        )
    )
    assert found[:1] == ["K35.80"] and not has(found, "R10") and not has(found, "R11"), found
