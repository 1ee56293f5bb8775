"""The default engine on US documentation (issue 9): condition facts read in order, in their
section, with their assertion -- the traps a certified coder found, each pinned on a realistic
note (fictional patients), plus what becomes of a wording inside a longer one."""

from __future__ import annotations

import pytest

from medcoder.coding.engine import Coder
from medcoder.models import Document, Encounter
from medcoder.pipeline import Pipeline
from tests.coding.helpers import codes, encounter, has


def _not_reported(result, code: str):
    return next((n for n in result.not_reported if n.code == code), None)


# --- traps: negated, normal, anatomy, ordinary words, history, plans ------------------------------

TRAPS = [
    pytest.param(
        "PHYSICAL EXAMINATION:\nHEART: Regular rate and rhythm, without murmur.\n", "R01", id="without-murmur"
    ),
    pytest.param("PHYSICAL EXAMINATION:\nSKIN: No rashes or lesions.\n", "R21", id="no-rashes"),
    pytest.param("OPERATIVE NOTE\nCOMPLICATIONS: There was no complications.\n", "T81", id="no-complications"),
    pytest.param("PATHOLOGY: Curettings were negative for malignancy.\n", "C80", id="negative-for-malignancy"),
    pytest.param("REVIEW OF SYSTEMS: Nocturia times 0.\n", "R35", id="nocturia-times-0"),
    pytest.param("HPI: He has not had any urinary tract infection this year.\n", "N39.0", id="has-not-had-uti"),
    pytest.param("OPERATIVE NOTE\nThe prostate was resected down to the capsule.\n", "N41", id="prostate-is-anatomy"),
    pytest.param("The peritoneum was closed and the area re-peritonealized.\n", "K65", id="re-peritonealized"),
    pytest.param("The wound was left open for secondary closure.\n", "C79", id="secondary-closure"),
    pytest.param("HPI: Appetite has been depressed since the surgery.\n", "F32", id="depressed-appetite"),
    pytest.param("The vaginal cuff was closed with 0 Vicryl.\n", "N76", id="vaginal-is-anatomy"),
    pytest.param("IMPRESSION: A simple cyst in the liver; the kidney is normal.\n", "N28", id="cyst-liver-kidney"),
    pytest.param("PAST MEDICAL HISTORY: DVT in the left leg decades ago, no anticoagulation.\n", "I82", id="old-dvt"),
    pytest.param("PAST SURGICAL HISTORY: Hypospadias repaired in childhood.\n", "Q54", id="repaired-hypospadias"),
    pytest.param("PLAN: Chest x-ray will be ordered to rule out pneumonia.\n", "J18", id="rule-out-pneumonia"),
    pytest.param("HPI: Denies chest pain. No history of diabetes.\n", "R07", id="denies-chest-pain"),
    pytest.param("FAMILY HISTORY: Breast cancer in mother.\n", "C50", id="family-breast-cancer"),
    pytest.param("LABS: Hepatitis C antibody nonreactive.\n", "B19", id="antibody-nonreactive"),
    pytest.param("SOCIAL HISTORY:\nTobacco Use: Non-smoker.\n", "Z72", id="tobacco-use-non-smoker"),
    pytest.param("REVIEW OF SYSTEMS:\nChest pain: denies.\n", "R07", id="chest-pain-colon-denies"),
    pytest.param("HPI: Fully vaccinated for COVID-19; due for the shingles vaccine.\n", "U07", id="vaccinated-for"),
    pytest.param("HPI: Due for the shingles vaccine and an MMR titer.\n", "B02", id="shingles-vaccine"),
    pytest.param("HPI: Laceration from a kitchen knife yesterday, sutured.\n", "S", id="laceration-no-site-no-code"),
]


@pytest.mark.parametrize(("line", "wrong"), TRAPS)
@pytest.mark.parametrize("setting", ["outpatient", "inpatient"])
def test_facts_trap_is_not_coded(coder: Coder, line: str, wrong: str, setting: str) -> None:
    text = f"CLINIC NOTE\n{line}ASSESSMENT AND PLAN:\n1. Essential hypertension, controlled on lisinopril.\n"
    found = codes(coder.code(encounter(text, setting)))
    assert not has(found, wrong), found
    assert "I10" in found, found


def test_facts_family_history_is_a_z_code(coder: Coder) -> None:
    found = codes(coder.code(encounter("FAMILY HISTORY: Mother had breast cancer at 52.\nASSESSMENT: Annual exam.\n")))
    assert not has(found, "C50")
    text = "ASSESSMENT AND PLAN:\n1. Family history of breast cancer in her mother; mammogram ordered.\n"
    assert "Z80.3" in codes(coder.code(encounter(text)))


# --- a wording inside a longer one ----------------------------------------------------------------


def test_facts_inner_wording_is_not_a_second_condition(coder: Coder) -> None:
    text = (
        "URGENT CARE NOTE\nASSESSMENT: Right lower quadrant abdominal pain. Ultrasound ordered.\n"
        "IMPRESSION: Closed fracture of the neck of the right femur, initial encounter.\n"
        "DIAGNOSES: History of breast cancer.\n"
    )
    found = codes(coder.code(encounter(text)))
    assert "R10.31" in found and "S72.001A" in found and "Z85.3" in found, found
    assert not has(found, "R10.9") and not has(found, "S12") and not has(found, "C50"), found


def test_facts_inner_wording_the_longer_code_asks_for_is_kept(coder: Coder) -> None:
    # "code first" (G30.9 under F02.80) and "use additional code" (N18.31 under E11.22), OCG I.A.13
    text = (
        "NEUROLOGY CLINIC NOTE\nASSESSMENT AND PLAN:\n1. Major neurocognitive disorder due to Alzheimer's disease.\n"
        "2. Type 2 diabetes with diabetic chronic kidney disease stage 3a.\n"
    )
    found = codes(coder.code(encounter(text)))
    assert found.index("G30.9") < found.index("F02.80"), found
    assert "E11.22" in found and "N18.31" in found and not has(found, "E11.9"), found


# --- the heart-failure discharge summary of the issue -----------------------------------------------

HEART_FAILURE_STAY = """DISCHARGE SUMMARY

REASON FOR ADMISSION: Acute on chronic systolic congestive heart failure.

HISTORY OF PRESENT ILLNESS: The patient is a 72-year-old man with hypertension, chronic kidney disease stage 3b, \
type 2 diabetes mellitus and coronary artery disease who presented with three days of worsening shortness of \
breath, orthopnea and bilateral leg swelling.

PAST MEDICAL HISTORY: Hypertension. Type 2 diabetes mellitus. Coronary artery disease. Chronic kidney disease \
stage 3b. Remote history of DVT in 1985, no anticoagulation.

REVIEW OF SYSTEMS: Denies chest pain. No fever. No nausea or vomiting.

PHYSICAL EXAMINATION: HEART: Regular rate, without murmur. LUNGS: Bibasilar crackles. EXTREMITIES: 2+ pitting edema.

HOSPITAL COURSE: He was diuresed with intravenous furosemide with good response. No pneumonia on chest x-ray. \
Creatinine remained at his baseline. Blood sugars were controlled on his home metformin.

DISCHARGE DIAGNOSES:
1. Acute on chronic systolic congestive heart failure.
2. Hypertension.
3. Chronic kidney disease stage 3b.
4. Type 2 diabetes mellitus.
5. Coronary artery disease.

PLAN: Follow up with cardiology in one week. Chest x-ray will be repeated if symptoms recur.
"""


def test_facts_heart_failure_stay_codes_like_a_coder(bundled_kb) -> None:
    enc = Encounter(
        id="hf-1",
        setting="inpatient",
        patient={"age": 72, "sex": "M"},
        admit_date="2026-05-01",
        discharge_date="2026-05-05",
        discharge_status="01",
        documents=[Document(id="ds", text=HEART_FAILURE_STAY)],
    )
    pipeline = Pipeline(bundled_kb)
    result = pipeline.run(enc)
    found = codes(result)
    # OCG I.C.9.a.3: I13.0 with the I50 and N18 codes; diabetes "with" CKD (I.A.15)
    assert found[:2] == ["I13.0", "I50.23"], found
    assert {"N18.32", "E11.22", "I25.10"} <= set(found), found
    for wrong in ("I10", "I12", "I13.10", "I43", "R01", "R07", "J18", "I82", "R06", "R60"):
        assert not has(found, wrong), (wrong, found)
    assert result.drg is not None and result.drg["drg"] in ("291", "292", "293"), result.drg
    assert not any(p.code.startswith("BW") for p in result.procedures), result.procedures
    pipeline.close()


# --- why not -------------------------------------------------------------------------------------


def test_facts_why_not_names_the_rule_and_the_words(coder: Coder) -> None:
    text = (
        "CLINIC NOTE\nREVIEW OF SYSTEMS: Positive for palpitations.\nHPI: Denies chest pain.\n"
        "ASSESSMENT AND PLAN:\n1. Essential hypertension.\n"
    )
    result = coder.code(encounter(text))
    negated = _not_reported(result, "R07.9")
    assert negated is not None and negated.rule.startswith("ocg.assertion.negated"), result.not_reported
    assert "Denies" in negated.reason and negated.evidence[0].text == "chest pain"
    finding = _not_reported(result, "R00.2")
    assert finding is not None and finding.rule.startswith("ocg.III.B.findings"), result.not_reported
    assert "review of systems" in finding.reason
    assert result.provenance.lexicons["ICD-10-CM"].startswith("us_lexicon v")


def test_facts_site_word_before_an_eponym_is_not_a_second_fracture(coder: Coder) -> None:
    # "wrist ... fracture" read across "Colles" would add S62.1- (carpal bone) to the Colles fracture
    text = "ASSESSMENT AND PLAN:\n1. Right wrist Colles fracture. Closed reduction and a short arm cast.\n"
    found = codes(coder.code(encounter(text)))
    assert "S52.531A" in found, found
    assert not has(found, "S62"), found


def test_facts_mtsamples_headers_after_spaced_comma_open_their_sections(coder: Coder) -> None:
    # ".  ,DISCHARGE DIAGNOSIS: ," (MTSamples): the diagnosis list is read as the final statement,
    # not as the history before it
    text = (
        "ADMITTING DIAGNOSIS:, Difficulty voiding.,HISTORY:, This 70-year-old man was admitted for a "
        "transurethral resection.  ,COURSE IN THE HOSPITAL:, Uneventful.  ,DISCHARGE DIAGNOSIS: , Enlarged "
        "prostate with benign bladder neck obstruction.  ,To be followed in my office."
    )
    result = coder.code(encounter(text, "inpatient"))
    found = codes(result)
    assert found[:2] == ["N40.1", "N32.0"], found
    first = result.diagnoses[0]
    assert any(e.text.lower() == "enlarged prostate" for e in first.evidence)


def test_facts_comma_form_after_its_plain_form_is_read_across_the_comma(coder: Coder) -> None:
    # "foot ulcer" / "ulcer of foot" come before "ulcer, foot" in the lexicon: the comma form is a
    # term of its own, and a side word after the comma is the mention's side
    text = "ASSESSMENT:\n1. Non-healing ulcer, right foot.\n2. Diabetes.\n"
    found = codes(coder.code(encounter(text)))
    assert found[:2] == ["E11.621", "L97.519"], found
