"""Pregnancy, childbirth and the puerperium (OCG I.C.15) as guideline rules: fictional US prenatal
clinic, L&D and postpartum notes coded the way a certified coder codes them, each also coded with the
rule switched off (as a site model's conventions would) to show the rule is what makes the difference."""

from __future__ import annotations

import pytest

import medcoder.coding.pregnancy as pregnancy  # registers the I.C.15 rules
from medcoder.coding.guidelines import RULES, Context, base_id
from tests.coding.helpers import codes, encounter, has

CONDITIONS = base_id(pregnancy.CONDITIONS_RULE)  # ocg.I.C.15.a.1
SUPERVISION = base_id(pregnancy.SUPERVISION_RULE)  # ocg.I.C.15.b.1
DELIVERY = base_id(pregnancy.DELIVERY_RULE)  # ocg.I.C.15.b.5
NORMAL = base_id(pregnancy.NORMAL_DELIVERY_RULE)  # ocg.I.C.15.n
WEEKS = base_id(pregnancy.WEEKS_RULE)  # ocg.I.C.15.weeks
SEQUENCE = base_id(pregnancy.SEQUENCE_RULE)  # ocg.I.C.15.sequence


def _index(coder):
    return coder.index(coder.release_for(None))


# --- the data ------------------------------------------------------------------------------------------


def test_pregnancy_rules_every_code_is_billable_in_the_bundled_release(coder):
    index = _index(coder)
    data = pregnancy.pregnancy_rules()
    produced = data.codes()
    assert len(produced) > 200
    bad = sorted(c for c in produced if index.get(c) is None or not index.get(c).billable)
    assert bad == []


def test_pregnancy_rules_trimester_keys_match_the_tabular_titles(coder):
    """Key "2" is the code whose title says "second trimester", "childbirth" the "in childbirth" one ..."""
    index = _index(coder)
    words = {"1": "first trimester", "2": "second trimester", "3": "third trimester", "9": "unspecified trimester"}
    tables = [m.codes for m in pregnancy.pregnancy_rules().conditions]
    supervision = pregnancy.pregnancy_rules().supervision
    tables += [supervision.normal.first, supervision.normal.other, supervision.normal.unspecified]
    tables += [h.codes for h in supervision.high_risk]
    for table in tables:
        for key, value in table.items():
            for code in value.values() if isinstance(value, dict) else [value]:
                title = index.get(code).description.lower()
                if key in words:
                    assert words[key] in title, (key, code, title)
                elif key == "childbirth":  # or a category that includes the complications of labor (O87)
                    node = coder.kb.cm(code, release_id=index.release_id)
                    includes = " ".join(n.text for n in coder.kb.cm_notes(node) if n.type == "includes")
                    assert "childbirth" in title or "labor" in title or "labor" in includes, (code, title)
                elif key == "puerperium":
                    assert "puerperium" in title or "following delivery" in title, (code, title)
                elif key == "lactation":
                    assert "lactation" in title, (code, title)


def test_pregnancy_rules_kept_conditions_follow_a_use_additional_code_note(coder):
    """keep_condition: the O code (or its category) asks for the condition's own code, or the
    guideline section named in the note does."""
    index = _index(coder)
    for m in pregnancy.pregnancy_rules().conditions:
        if not m.keep_condition:
            continue
        code = next(iter(v for v in m.codes.values() if isinstance(v, str)))
        node = coder.kb.cm(code, release_id=index.release_id)
        # (every chapter 15 code inherits the chapter's "use additional code from Z3A": not that one)
        notes = [n for n in coder.kb.cm_notes(node) if n.type == "useAdditionalCode" and "Z3A" not in n.text]
        assert notes or "OCG" in m.note, m.id


def test_pregnancy_rules_data_is_validated():
    from pydantic import ValidationError

    data = pregnancy.pregnancy_rules().model_dump()
    broken = dict(data, conditions=[dict(data["conditions"][0], codes={"1": "o24.4x"})])
    with pytest.raises(ValidationError, match="not a complete ICD-10-CM code"):
        pregnancy.PregnancyRules.model_validate(broken)
    unknown_state = dict(data, conditions=[dict(data["conditions"][0], codes={"fourth": "O24.410"})])
    with pytest.raises(ValidationError):
        pregnancy.PregnancyRules.model_validate(unknown_state)


def test_pregnancy_rules_are_registered_with_versioned_ids():
    ids = [r for r in RULES if r.startswith("ocg.I.C.15")]
    chapter = {CONDITIONS, SUPERVISION, DELIVERY, NORMAL, WEEKS, SEQUENCE}
    # the cesarean's scar and principal (I.C.15.b.4), another pregnancy's condition, integral symptoms
    chapter |= {base_id(pregnancy.SCAR_RULE), base_id(pregnancy.CESAREAN_FIRST_RULE)}
    chapter |= {base_id(pregnancy.NOT_THIS_RULE), base_id(pregnancy.INTEGRAL_RULE)}
    assert set(map(base_id, ids)) == chapter
    assert RULES[pregnancy.SEQUENCE_RULE].stage == "sequence"


# --- reading the pregnancy from the documents ------------------------------------------------------------


def _state(coder, text: str, setting: str = "outpatient"):
    enc = encounter(text, setting)
    rid = coder.release_for(enc.date_of_service)
    ctx = Context(setting=setting, index=coder.index(rid), kb=coder.kb, analyzed=coder.analyze(enc))
    return pregnancy.maternal_state(ctx)


@pytest.mark.parametrize(
    ("text", "weeks", "state"),
    [
        ("28 weeks pregnant; urinary tract infection.", 28, "3"),
        ("G2P1 at 32w4d, here for follow-up.", 32, "3"),
        ("Intrauterine pregnancy, GA 27+6 by LMP.", 27, "2"),
        ("Pregnant, 13 weeks 6 days by dating ultrasound.", 13, "1"),
        ("Pregnant, 14 weeks 0 days by dating ultrasound.", 14, "2"),
        ("G1P0 at 20 weeks gestation. Glucose screen at 28 weeks. Return at 24 weeks.", 20, "2"),
        ("Prenatal visit, third trimester; doing well.", None, "3"),
        ("Pregnant. EDD 2026-09-14.", None, "9"),
        ("Prior preterm delivery at 32 weeks. Currently 18 weeks pregnant.", 18, "2"),
        ("She is twenty-four weeks pregnant.", 24, "2"),
        ("Dating ultrasound at 8 weeks confirmed an IUP; now 30 weeks by dates.", 30, "3"),
    ],
)
def test_pregnancy_state_weeks_and_trimester(coder, text, weeks, state):
    found = _state(coder, text)
    assert found is not None and found.weeks == weeks and found.state == state


@pytest.mark.parametrize(
    "text",
    [
        "Cough for 2 weeks. Urine pregnancy test negative.",
        "She is not pregnant. Hypertension.",
        "Her sister is 30 weeks pregnant. Essential hypertension.",
        "History of gestational diabetes in a prior pregnancy. Type 2 diabetes mellitus.",
        "Return if she becomes pregnant. Acne vulgaris.",
        "Follow up in 2 weeks. Prenatal vitamins discussed for future pregnancy planning.",
    ],
)
def test_pregnancy_state_not_pregnant(coder, text):
    found = _state(coder, text)
    assert found is None or found.state is None


def test_pregnancy_state_delivery_needs_obstetric_words(coder):
    oxygen = _state(coder, "COPD exacerbation. Oxygen delivered via nasal cannula at 2 L.", "inpatient")
    assert oxygen is None or oxygen.state is None
    found = _state(coder, "Spontaneous vaginal delivery at 39 weeks of a single liveborn female.", "inpatient")
    assert found.state == "childbirth" and found.weeks == 39
    clinic = _state(coder, "Spontaneous vaginal delivery at 39 weeks of a single liveborn female.", "outpatient")
    assert clinic.delivery is None  # a delivery is coded on the admission it happens in


def test_pregnancy_state_puerperium_and_newborn(coder):
    assert _state(coder, "Ten days after vaginal delivery: mastitis of the left breast.").state == "puerperium"
    past = _state(coder, "She had postpartum hemorrhage with her first child in 2010. Urinary tract infection.")
    assert past is None or past.state is None
    newborn = _state(coder, "Newborn record: term male infant born at 39 weeks gestation.", "inpatient")
    assert newborn.newborn and newborn.state is None


# --- coding: each case, and the same note with the rule switched off ---------------------------------------

CASES = [
    pytest.param(
        "PRENATAL VISIT\nHPI: 27-year-old G1P0 at 28 weeks by LMP, here for glucose follow-up.\n"
        "ASSESSMENT/PLAN:\n1. Gestational diabetes; diet controlled. Fasting sugars at goal; continue diet.\n",
        "outpatient",
        {"O24.410", "Z3A.28"},
        {"E11.9", "O24.419", "Z79.4"},
        "O24.410",
        CONDITIONS,
        id="gdm-diet",
    ),
    pytest.param(
        "OB VISIT\nG3P2 at 33 weeks. Gestational diabetes managed with diet and now insulin NPH 10 units at bedtime.\n",
        "outpatient",
        {"O24.414", "Z3A.33"},
        {"O24.410", "Z79.4", "E11.9"},
        "O24.414",
        CONDITIONS,
        id="gdm-insulin",
    ),
    pytest.param(
        "OB VISIT\nG2P1 at 32 weeks with pre-existing type 2 diabetes on insulin. Continue insulin glargine nightly.\n",
        "outpatient",
        {"O24.113", "E11.9", "Z79.4", "Z3A.32"},
        {"O24.410", "O24.414", "O24.119"},
        "O24.113",
        CONDITIONS,
        id="preexisting-type2-insulin",
    ),
    pytest.param(
        "PRENATAL VISIT\nG1P0 at 10 weeks gestation. Urine culture positive.\nASSESSMENT: UTI at 10 weeks.\n"
        "PLAN: Nitrofurantoin 100 mg twice daily for 7 days.\n",
        "outpatient",
        {"O23.41", "Z3A.10"},
        {"N39.0", "O23.40"},
        "O23.41",
        CONDITIONS,
        id="uti-first-trimester",
    ),
    pytest.param(
        "OB VISIT\nIntrauterine pregnancy at 24 weeks.\nASSESSMENT:\n1. Mild intermittent asthma, albuterol as "
        "needed.\n2. Hypothyroidism, continue levothyroxine.\n",
        "outpatient",
        {"O99.512", "O99.282", "E03.9", "Z3A.24"},
        {"O99.519", "O99.280"},
        None,
        CONDITIONS,
        id="asthma-hypothyroidism",
    ),
    pytest.param(
        "Pre-existing essential hypertension complicating pregnancy, 24 weeks gestation; continue labetalol.",
        "outpatient",
        {"O10.012", "Z3A.24"},
        {"I10", "O10.019", "O13.2"},
        "O10.012",
        CONDITIONS,
        id="chronic-hypertension",
    ),
    pytest.param(
        "ADMISSION NOTE\nG1P0 admitted at 34 weeks gestation with severe preeclampsia superimposed on chronic "
        "hypertension. Magnesium sulfate started; continue labetalol.\n",
        "inpatient",
        {"O11.3", "O10.013", "Z3A.34"},
        {"I10", "O14.13", "O14.10"},
        "O11.3",
        CONDITIONS,
        id="superimposed-preeclampsia",
    ),
    pytest.param(
        "Pregnant at 16 weeks gestation, admitted with acute appendicitis; laparoscopic appendectomy.",
        "inpatient",
        {"O99.612", "K35.80", "Z3A.16"},
        set(),
        "O99.612",
        CONDITIONS,
        id="appendicitis-in-pregnancy",
    ),
    pytest.param(
        "ED NOTE\nSprain of the right ankle after tripping on a curb. She is 12 weeks pregnant; the provider "
        "states the pregnancy is incidental to this visit.\n",
        "outpatient",
        {"S93.401A", "Z33.1"},
        {"O9A.211", "O9A.212"},
        "S93.401A",
        CONDITIONS,
        id="incidental-pregnancy",
    ),
    pytest.param(
        "Ten days after vaginal delivery: mastitis of the left breast without abscess; breastfeeding. Dicloxacillin.",
        "outpatient",
        {"O91.22"},
        {"N61.0", "Z3A.00"},
        "O91.22",
        CONDITIONS,
        id="postpartum-mastitis",
    ),
    pytest.param(
        "ROUTINE PRENATAL VISIT\nFirst pregnancy, 20 weeks gestation. No complaints; fetal heart tones 150. "
        "No complications.\n",
        "outpatient",
        {"Z34.02", "Z3A.20"},
        {"Z34.90", "Z34.00"},
        "Z34.02",
        SUPERVISION,
        id="routine-first-pregnancy",
    ),
    pytest.param(
        "RETURN OB VISIT\nG3P2 at 22 weeks, advanced maternal age. Doing well, good fetal movement.\n",
        "outpatient",
        {"O09.522", "Z3A.22"},
        {"Z34.82", "Z34.92"},
        "O09.522",
        SUPERVISION,
        id="routine-high-risk",
    ),
    pytest.param(
        "DELIVERY NOTE\nG2P1 at 39 weeks 2 days. Spontaneous vaginal delivery of a single liveborn female infant, "
        "Apgars 8 and 9. No complications. Placenta delivered intact.\n",
        "inpatient",
        {"O80", "Z37.0", "Z3A.39"},
        {"Z38.00", "Z38.2"},
        "O80",
        NORMAL,
        id="normal-delivery",
    ),
    pytest.param(
        "Vaginal delivery at 40 weeks of a single liveborn infant, complicated by a second-degree perineal "
        "laceration repaired.",
        "inpatient",
        {"O70.1", "Z37.0", "Z3A.40"},
        {"O80", "Z38.2"},
        "O70.1",
        DELIVERY,
        id="delivery-laceration",
    ),
    pytest.param(
        "Pregnant at 16 weeks gestation, admitted with acute appendicitis; laparoscopic appendectomy.",
        "inpatient",
        {"Z3A.16"},
        set(),
        None,
        WEEKS,
        id="weeks-of-gestation",
    ),
    pytest.param(
        "OB VISIT\nASSESSMENT:\n1. Iron deficiency anemia; start ferrous sulfate.\n"
        "2. Intrauterine pregnancy at 26 weeks.\n",
        "outpatient",
        {"O99.012", "D50.9", "Z3A.26"},
        set(),
        "O99.012",
        SEQUENCE,
        id="chapter-15-first",
    ),
]


@pytest.mark.parametrize(("text", "setting", "present", "absent", "first", "rule_base"), CASES)
def test_pregnancy_coding(coder, rule_off, text, setting, present, absent, first, rule_base):
    found = codes(coder.code(encounter(text, setting)))
    assert present <= set(found), found
    assert not (absent & set(found)), found
    if first is not None:
        assert found[0] == first, found
    off = codes(rule_off(rule_base).code(encounter(text, setting)))
    assert off != found  # the rule is what makes the difference


def test_pregnancy_sequence_puts_the_chapter_15_code_first(coder, rule_off):
    """The assessment lists the anemia first; the O code that classifies it in pregnancy leads
    (OCG I.C.15.a.1), its D code after it ("use additional code", O99)."""
    enc = encounter(
        "OB VISIT\nASSESSMENT:\n1. Iron deficiency anemia; start ferrous sulfate.\n"
        "2. Intrauterine pregnancy at 26 weeks.\n"
    )
    on = codes(coder.code(enc))
    assert on[0] == "O99.012" and on.index("O99.012") < on.index("D50.9") and on[-1] == "Z3A.26"
    assert codes(rule_off(SEQUENCE).code(enc))[0] != "O99.012"


def test_pregnancy_coding_gestational_diabetes_is_never_type_2(coder):
    found = codes(coder.code(encounter("Gestational diabetes mellitus at 30 weeks gestation, controlled with diet.")))
    assert found[:2] == ["O24.410", "Z3A.30"] and not has(found, "E11")


@pytest.mark.parametrize(
    ("text", "setting"),
    [
        ("58-year-old postmenopausal woman with type 2 diabetes mellitus. Continue metformin.", "outpatient"),
        ("Urine pregnancy test negative. Urinary tract infection; start nitrofurantoin.", "outpatient"),
        ("Her sister is 30 weeks pregnant. Patient has essential hypertension on lisinopril.", "outpatient"),
        (
            "History of gestational diabetes in her last pregnancy. Type 2 diabetes mellitus, on metformin.",
            "outpatient",
        ),
        ("COPD with acute exacerbation. Oxygen delivered via nasal cannula; prednisone.", "inpatient"),
    ],
)
def test_pregnancy_coding_no_chapter_15_without_a_pregnancy(coder, rule_off, text, setting):
    found = codes(coder.code(encounter(text, setting)))
    assert not any(c.startswith(("O", "Z3A", "Z37", "Z34", "Z33")) for c in found), found
    # the rules leave a note without a pregnancy alone
    for rule_base in (CONDITIONS, WEEKS, SEQUENCE):
        assert codes(rule_off(rule_base).code(encounter(text, setting))) == found


def test_pregnancy_coding_non_pregnant_diabetes_is_e11(coder):
    found = codes(coder.code(encounter("58-year-old woman with type 2 diabetes mellitus without complications.")))
    assert "E11.9" in found and not has(found, "O24")


def test_pregnancy_coding_newborn_record_has_no_maternal_codes(coder):
    text = (
        "Newborn record: term male infant born at 39 weeks gestation to a mother with gestational diabetes. "
        "Neonatal jaundice treated with phototherapy."
    )
    found = codes(coder.code(encounter(text, "inpatient")))
    assert not any(c.startswith(("O", "Z3A", "Z37")) for c in found), found


def test_pregnancy_coding_no_weeks_with_an_abortive_outcome(coder):
    found = codes(coder.code(encounter("Complete spontaneous abortion at 9 weeks gestation; no complications.")))
    assert not has(found, "Z3A"), found
    threatened = codes(coder.code(encounter("Threatened abortion at 9 weeks gestation; bed rest.")))
    assert "Z3A.09" in threatened, threatened


def test_pregnancy_coding_explains_why(coder):
    result = coder.code(
        encounter("OB VISIT\nG2P1 at 32 weeks with pre-existing type 2 diabetes on insulin. Continue insulin.\n")
    )
    o24 = next(a for a in result.diagnoses if a.code == "O24.113")
    assert pregnancy.CONDITIONS_RULE in o24.rules and "third trimester from 32 weeks" in o24.rationale
    assert any(e.text == "32 weeks" for e in o24.evidence)
    replaced = coder.code(encounter("28 weeks pregnant; urinary tract infection. Start cephalexin."))
    why = {n.code: n for n in replaced.not_reported}
    if "N39.0" in why:  # the vocabulary named it: replaced, and the reason says so
        assert why["N39.0"].rule == pregnancy.CONDITIONS_RULE and "O23.43" in why["N39.0"].reason
