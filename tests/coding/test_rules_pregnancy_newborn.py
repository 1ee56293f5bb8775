"""Guideline rules of pregnancy, childbirth and the newborn (OCG I.C.15.b.4, I.C.15.a.1, I.B.5 with
chapter 15, I.C.16.a.2, I.C.16.a.6, I.C.16.f).  Hand-written L&D, prenatal and newborn notes
(fictional patients), each case also run with its rule switched off (tests/coding/rulecases.py)."""

from __future__ import annotations

import pytest

from tests.coding.helpers import codes, encounter
from tests.coding.rulecases import RuleCase, check_rule_case

REPEAT_CESAREAN = """DELIVERY NOTE
33-year-old G2P1001 at 39 weeks 1 day by early ultrasound admitted for scheduled repeat cesarean section.
Patient declined trial of labor after counseling.
FINDINGS: Viable female infant, Apgars 8 and 9, weight 3420 g.
DIAGNOSIS: Intrauterine pregnancy at 39 weeks, delivered by repeat low transverse cesarean section for a previous
cesarean delivery; patient declined trial of labor.
"""

CLASSICAL_SCAR = """OPERATIVE NOTE
PREOPERATIVE DIAGNOSIS: Intrauterine pregnancy at 37 weeks 2 days, history of classical cesarean section.
PROCEDURE: Repeat cesarean section via low transverse skin incision.
FINDINGS: Live born male infant, Apgars 9/9. EBL 800 mL.
"""

VBAC = """DELIVERY NOTE
29 yo G2P1 at 39 weeks 5 days with one prior low transverse cesarean, desired TOLAC. Successful VBAC: spontaneous
vaginal delivery of a liveborn female infant. EBL 350 mL.
"""

SCAR_AND_GDM = """DISCHARGE SUMMARY
34 yo G3P2 at 39 weeks admitted for scheduled repeat cesarean. Pregnancy complicated by gestational diabetes, diet
controlled.
HOSPITAL COURSE: Repeat low transverse cesarean section for two prior cesarean deliveries. Liveborn male infant,
Apgars 8/9.
DISCHARGE DIAGNOSES:
1. Gestational diabetes mellitus, diet controlled.
2. Term pregnancy delivered by repeat cesarean section for previous cesarean x2.
"""

BREECH_AND_GDM = """DELIVERY SUMMARY
30 yo G1P0 at 39 weeks with gestational diabetes on insulin. Primary cesarean section for breech presentation after
failed external cephalic version. Liveborn female infant.
DIAGNOSES: Gestational diabetes, insulin controlled; breech presentation.
"""

OB_HISTORY = """DELIVERY NOTE
30 yo G2P1 at 39 weeks 2 days in spontaneous labor.
OB HISTORY: Primary cesarean in 2021 for arrest of dilation.
Successful trial of labor after cesarean: spontaneous vaginal delivery of a liveborn male infant. EBL 300 mL.
"""

PREECLAMPSIA_LABS = """PRENATAL VISIT
36 yo G4P3 at 30 weeks 0 days with chronic essential hypertension, on labetalol 200 mg twice daily. BP 128/82.
ASSESSMENT: Pre-existing essential hypertension complicating pregnancy, third trimester.
PLAN: Continue labetalol; baseline preeclampsia labs; growth scan.
"""

SEVERE_PREECLAMPSIA = """DISCHARGE SUMMARY
28 yo G1P0 at 35 weeks admitted with BP 170/112, headache and proteinuria 3.2 g. Diagnosed with preeclampsia with
severe features; magnesium started. Spontaneous vaginal delivery of a liveborn female, 2400 g.
DISCHARGE DIAGNOSES: Severe preeclampsia.
"""

HYPEREMESIS = """DISCHARGE SUMMARY
24 yo G1P0 at 10 weeks admitted with intractable vomiting, ketonuria and weight loss of 4 kg; potassium 2.9.
DIAGNOSIS: Hyperemesis gravidarum with dehydration and hypokalemia.
"""

NEWBORN_MOTHER_HISTORY = """NEWBORN NURSERY NOTE
Term female infant born by spontaneous vaginal delivery in this hospital at 38 weeks. Mother is a 30 yo G3P3 with
history of preeclampsia and chronic hypertension on labetalol. Infant exam normal.
ASSESSMENT: Healthy term newborn.
"""

NEWBORN_GBS_SEPSIS = """NICU DISCHARGE SUMMARY
Term female infant born by vaginal delivery in this hospital. Developed temperature instability and poor feeding at
18 hours of life; blood culture grew group B streptococcus.
DISCHARGE DIAGNOSES:
1. Sepsis of newborn due to group B streptococcus, treated with ampicillin for 10 days.
"""

NEWBORN_TO_MOTHER = """NEWBORN DISCHARGE SUMMARY
Term female infant born at 39 weeks by spontaneous vaginal delivery in this hospital to a 28 yo G2P2 mother. Birth
weight 3350 g. Apgars 8/9. Exam normal. Breastfeeding well.
DISCHARGE DIAGNOSIS: Healthy term newborn.
"""

CASES = [
    # OCG I.C.15.b.4, Tabular O34.21-: the repeat cesarean's reason, the previous low transverse scar
    pytest.param(
        RuleCase(
            "ocg.I.C.15.b.4.cesarean-scar",
            REPEAT_CESAREAN,
            "inpatient",
            present=("O34.211", "Z37.0", "Z3A.39"),
            first="O34.211",
            tagged=("O34.211",),
            off_absent=("O34.21",),
        ),
        id="ocg.I.C.15.b.4.cesarean-scar",
    ),
    # OCG I.C.15.b.4 with I.C.15.b.5: the cesarean's stated indication first, ahead of a coexisting GDM
    pytest.param(
        RuleCase(
            "ocg.I.C.15.b.4.cesarean",
            BREECH_AND_GDM,
            "inpatient",
            present=("O32.1XX0", "O24.424", "Z37.0"),
            first="O32.1XX0",
            off_first="O24.424",
        ),
        id="ocg.I.C.15.b.4.cesarean",
    ),
    # OCG I.C.15.a.1: a previous pregnancy's condition (dated OB history) is not this delivery's
    pytest.param(
        RuleCase(
            "ocg.I.C.15.a.not-this-pregnancy",
            OB_HISTORY,
            "inpatient",
            present=("O34.219", "Z37.0"),
            absent=("O62",),
            off_present=("O62.1",),
        ),
        id="ocg.I.C.15.a.not-this-pregnancy",
    ),
    # OCG I.B.5 with chapter 15: headache and proteinuria are severe pre-eclampsia's own
    pytest.param(
        RuleCase(
            "ocg.I.C.15.integral",
            SEVERE_PREECLAMPSIA,
            "inpatient",
            present=("O14.14", "Z37.0"),
            absent=("R51", "R80"),
            off_present=("R80",),
        ),
        id="ocg.I.C.15.integral",
    ),
    # OCG I.C.16.a.2 (v2): the mother's age and G/P in a sentence about her leave the record the newborn's
    pytest.param(
        RuleCase(
            "ocg.I.C.16.a.2.newborn-record",
            NEWBORN_TO_MOTHER,
            "inpatient",
            present=("Z38.00",),
            first="Z38.00",
            off_absent=("Z38",),
        ),
        id="ocg.I.C.16.a.2.newborn-record",
    ),
    # OCG I.C.16.a.6: the mother's chronic hypertension is not the newborn's
    pytest.param(
        RuleCase(
            "ocg.I.C.16.a.6.mother",
            NEWBORN_MOTHER_HISTORY,
            "inpatient",
            present=("Z38.00",),
            absent=("I10", "O1"),
            off_present=("I10",),
        ),
        id="ocg.I.C.16.a.6.mother",
    ),
    # OCG I.C.16.f: a newborn's sepsis is P36 with its organism, never A40-A41
    pytest.param(
        RuleCase(
            "ocg.I.C.16.f.newborn-sepsis",
            NEWBORN_GBS_SEPSIS,
            "inpatient",
            present=("Z38.00", "P36.0"),
            absent=("A40", "A41", "B95"),
            off_absent=("P36",),
        ),
        id="ocg.I.C.16.f.newborn-sepsis",
    ),
]


@pytest.mark.parametrize(
    ("text", "setting", "present", "absent", "first"),
    [
        # I.C.15.b.4: 'history of classical cesarean' is the vertical scar; a low transverse skin incision is not
        (CLASSICAL_SCAR, "inpatient", ("O34.212", "Z37.0", "Z3A.37"), ("O34.211", "Z38"), "O34.212"),
        # a VBAC keeps the scar code, so never O80 (I.C.15.n.1)
        (VBAC, "inpatient", ("O34.211", "Z37.0", "Z3A.39"), ("O80",), "O34.211"),
        # admitted for the repeat cesarean: the scar first, the diet-controlled GDM after it
        (SCAR_AND_GDM, "inpatient", ("O34.211", "O24.420", "Z37.0", "Z3A.39"), ("O24.419",), "O34.211"),
        # the exact sentence of the issue (no other words of the mother's record)
        (
            "Delivered by repeat low transverse cesarean section for a previous cesarean delivery; patient declined "
            "trial of labor. 39 weeks. Liveborn male.",
            "inpatient",
            ("O34.211", "Z37.0", "Z3A.39"),
            ("Z38",),
            "O34.211",
        ),
        # prenatal: a previous cesarean x2 (type not stated) is O34.219, not routine supervision Z34
        (
            "PRENATAL VISIT\n35 yo G4P2103 at 28 weeks, s/p C-section x2. Doing well.\nASSESSMENT: Pregnancy, third "
            "trimester, previous cesarean delivery x2.\nPLAN: Schedule repeat cesarean at 39 weeks.",
            "outpatient",
            ("O34.219", "Z3A.28"),
            ("Z34",),
            "O34.219",
        ),
        # 'no prior cesarean': a normal delivery stays O80
        (
            "DELIVERY NOTE\n26 yo G2P1 at 40 weeks, prior vaginal delivery, no prior cesarean. Normal spontaneous "
            "vaginal delivery of a liveborn male infant over an intact perineum. No complications.",
            "inpatient",
            ("O80", "Z37.0", "Z3A.40"),
            ("O34",),
            "O80",
        ),
        # not pregnant: a history of cesarean is no chapter 15 code
        (
            "GYNECOLOGY VISIT\n45 yo G3P3, history of cesarean section x2, presents for annual exam. Not pregnant.\n"
            "ASSESSMENT: Annual gynecologic exam, normal.",
            "outpatient",
            (),
            ("O34", "Z3A"),
            None,
        ),
        # the newborn's record of a repeat cesarean birth: Z38.01, none of the mother's codes
        (
            "NEWBORN DISCHARGE SUMMARY\nTerm male infant delivered by repeat cesarean section at 39 weeks to a G3P3 "
            "mother for her previous cesarean deliveries. Exam normal. Feeding well.\nDISCHARGE DIAGNOSIS: Healthy "
            "term newborn.",
            "inpatient",
            ("Z38.01",),
            ("O34", "Z37", "Z3A"),
            "Z38.01",
        ),
        # 'baseline preeclampsia labs' is a test, not pre-eclampsia (no O11 combination)
        (PREECLAMPSIA_LABS, "outpatient", ("O10.013", "Z3A.30"), ("O11", "O14"), "O10.013"),
        # O21.1 includes the dehydration and electrolyte imbalance
        (HYPEREMESIS, "inpatient", ("O21.1", "Z3A.10"), ("O21.0", "E86", "E87", "O99.28"), "O21.1"),
        # lexicon: the cesarean's reasons and the delivery's complications by their US wording
        (
            "OPERATIVE REPORT\nPREOPERATIVE DIAGNOSIS: Intrauterine pregnancy at 39 weeks, frank breech "
            "presentation.\nPROCEDURE: Primary low transverse cesarean section.\nFINDINGS: Liveborn male infant in "
            "frank breech presentation, Apgars 8/9.",
            "inpatient",
            ("O32.1XX0", "Z37.0", "Z3A.39"),
            ("Z38", "O64"),
            "O32.1XX0",
        ),
        (
            "DELIVERY SUMMARY\n27-year-old G1P0 at 40 weeks 3 days in active labor; labor arrested at 6 cm on "
            "Pitocin.\nPrimary low transverse cesarean section performed for arrest of dilation.\nLiveborn female "
            "infant, Apgars 7 and 9.",
            "inpatient",
            ("O62.1", "Z37.0", "Z3A.40"),
            (),
            "O62.1",
        ),
        (
            "DELIVERY NOTE\n35 yo G4P3 at 39 weeks. Spontaneous vaginal delivery of a liveborn male infant. Postpartum "
            "hemorrhage due to uterine atony, EBL 1200 mL, treated with oxytocin and bimanual massage.",
            "inpatient",
            ("O72.1", "Z37.0", "Z3A.39"),
            ("O62.2", "R58", "O80"),
            "O72.1",
        ),
        # the 7th character (fetus) kept at the documented trimester
        (
            "OB TRIAGE\n26 yo G2P1 at 36 weeks presents with decreased fetal movement since this morning. NST "
            "reactive.\nASSESSMENT: Decreased fetal movements, reassuring testing.",
            "outpatient",
            ("O36.8130", "Z3A.36"),
            ("O36.8190",),
            "O36.8130",
        ),
        (
            "MFM ULTRASOUND FOLLOW-UP\n30 yo G1P0 at 34 weeks. Estimated fetal weight below the 5th percentile.\n"
            "ASSESSMENT: Fetal growth restriction, third trimester.",
            "outpatient",
            ("O36.5930", "Z3A.34"),
            ("O36.5990",),
            "O36.5930",
        ),
        (
            "DELIVERY SUMMARY\n22 yo G2P0 at 34 weeks 2 days with regular contractions and cervical change; preterm "
            "labor. Spontaneous vaginal delivery of a liveborn male infant.\nDIAGNOSIS: Preterm labor with preterm "
            "delivery at 34 weeks.",
            "inpatient",
            ("O60.14X0", "Z37.0", "Z3A.34"),
            ("O60.10",),
            "O60.14X0",
        ),
        # a preterm newborn's NICU summary is the newborn's record (weeks are P07, never Z3A)
        (
            "NICU DISCHARGE SUMMARY\nPreterm male infant born at 32 weeks gestation by vaginal delivery in this "
            "hospital, birth weight 1620 grams.\nDISCHARGE DIAGNOSES:\n1. Respiratory distress syndrome of newborn.",
            "inpatient",
            ("Z38.00", "P22.0", "P07.16", "P07.35"),
            ("Z3A", "Z37"),
            "Z38.00",
        ),
    ],
)
def test_pregnancy_newborn_notes(coder, text, setting, present, absent, first):
    found = codes(coder.code(encounter(text, setting)))
    for code in present:
        assert any(c.startswith(code) for c in found), (code, found)
    for code in absent:
        assert not any(c.startswith(code) for c in found), (code, found)
    if first is not None:
        assert found and found[0] == first, found


@pytest.mark.parametrize("case", CASES)
def test_pregnancy_newborn_rule_cases(coder, rule_off, case):
    check_rule_case(case, coder, rule_off)
