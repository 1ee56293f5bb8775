"""The ICD-10-PCS assigner: root operations by definition, body parts, approaches, guideline rules,
assertions, partial codes with queries, and validity of every emitted code."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medcoder.coding.pcs import RULES, PcsAssigner, PcsResult
from medcoder.coding.pcs.calibration import Calibration
from medcoder.coding.pcs.vocabulary import VocabularyFile, load_vocabulary
from medcoder.errors import InputFileError
from medcoder.models import Document, Encounter

pytestmark = pytest.mark.conformance


@pytest.fixture(scope="module")
def assigner(full_kb) -> PcsAssigner:
    # no calibration: the tests check the rules, not the learned ranking
    return PcsAssigner(full_kb, calibration=Calibration.empty())


def run(assigner: PcsAssigner, text: str, setting: str = "inpatient") -> PcsResult:
    encounter = Encounter(id="enc-1", setting=setting, documents=[Document(id="note", text=text)])
    return assigner.assign(encounter)


def codes(result: PcsResult) -> list[str]:
    return [p.code for p in result.procedures]


# --- root operations from their definitions (text -> expected code or prefix) ------------------

ROOT_OPERATIONS = [
    # Resection: all of a body part
    ("A laparoscopic cholecystectomy was performed without complications.", "0FT44ZZ"),
    ("Open appendectomy was performed for acute appendicitis.", "0DTJ0ZZ"),
    # a right hemicolectomy takes all of the right large intestine: Resection
    ("An open right hemicolectomy was performed.", "0DTF0ZZ"),
    # Excision: a portion of a body part ("transurethral resection" of a tumor is Excision)
    ("Transurethral resection of the bladder tumor was performed.", "0TBB8ZZ"),
    ("Laparoscopic partial nephrectomy of the right kidney was performed.", "0TB04ZZ"),
    # Excision with qualifier Diagnostic: a biopsy
    ("Colonoscopy with biopsy of the sigmoid colon was performed.", "0DBN8ZX"),
    ("An ultrasound-guided percutaneous biopsy of the liver was performed.", "0FB03ZX"),
    # Inspection: diagnostic endoscopy
    ("Colonoscopy showed diverticula.", "0DJD8ZZ"),
    ("Cystoscopy showed a papillary lesion.", "0TJB8ZZ"),
    ("Bronchoscopy revealed purulent secretions.", "0BJ08ZZ"),
    ("Gastroscopy revealed an ulcer of the antrum.", "0DJ68ZZ"),
    # Drainage
    ("Lumbar puncture was performed and CSF sent for culture.", "009U3ZX"),
    ("Paracentesis was performed with removal of 4 liters of ascites.", "0W9G3ZZ"),
    # Insertion
    ("The patient was intubated in the emergency department.", "0BH17EZ"),
    # Bypass (tracheostomy: trachea to cutaneous)
    ("An open tracheostomy was performed.", "0B110F4"),
    # Extraction (cesarean: products of conception)
    ("A low transverse cesarean section was performed.", "10D00Z1"),
    # Delivery
    ("She had a spontaneous vaginal delivery of a healthy boy.", "10E0XZZ"),
    # Dilation of coronary arteries with a drug-eluting stent (PCS B4.4)
    ("Percutaneous coronary angioplasty of two coronary arteries with drug-eluting stents was performed.", "0271"),
    # Fragmentation
    ("Extracorporeal shock wave lithotripsy of the left kidney stone was performed.", "0TF"),
    # Destruction
    ("Radiofrequency ablation of the liver lesion was performed percutaneously.", "0F5"),
    # Detachment
    ("A below-knee amputation of the right leg was performed.", "0Y6"),
    # Replacement
    ("Total hip arthroplasty of the left hip was performed.", "0SR"),
    # Repair
    ("Open repair of the umbilical hernia was performed.", "0WQ"),
    # Extirpation
    ("Percutaneous nephrolithotomy with stone extraction from the right kidney.", "0TC"),
    # Occlusion
    ("Embolization of the right renal artery was performed percutaneously.", "04L"),
    # Reposition (fracture reduction)
    ("Open reduction and internal fixation of the right femur fracture.", "0QS"),
]


@pytest.mark.parametrize(("text", "expected"), ROOT_OPERATIONS)
def test_root_operation_by_definition(assigner: PcsAssigner, text: str, expected: str) -> None:
    found = codes(run(assigner, text))
    assert any(code.startswith(expected) or (expected.startswith(code) and len(code) >= 4) for code in found), found


def test_resection_vs_excision_from_definition(assigner: PcsAssigner) -> None:
    total = codes(run(assigner, "Open right nephrectomy was performed."))
    partial = codes(run(assigner, "Open partial nephrectomy of the right kidney was performed."))
    assert "0TT00ZZ" in total
    assert "0TB00ZZ" in partial


# --- imaging, nuclear medicine, measurement, extracorporeal, administration ---------------------

SECTIONS = [
    ("Chest X-ray showed bilateral infiltrates.", "BW03ZZZ"),
    ("Abdominal ultrasound showed cholelithiasis.", "BW40ZZZ"),
    ("CT of the abdomen and pelvis revealed a mass.", "BW21ZZZ"),
    ("A cranial CT scan showed no abnormalities.", "BN20ZZZ"),
    ("Brain MRI showed white matter lesions.", "B030ZZZ"),
    ("Testicular ultrasound was normal.", "BV44ZZZ"),
    ("Renal ultrasound showed bilateral hydronephrosis.", "BT43ZZZ"),
    ("Transthoracic echocardiography showed a normal ejection fraction.", "B246ZZZ"),
    ("Transesophageal echocardiogram showed vegetations.", "B246ZZ4"),
    ("An electrocardiogram showed sinus rhythm.", "4A02X4Z"),
    ("EEG showed diffuse slowing.", "4A00X4Z"),
    ("24-hour Holter monitoring showed no arrhythmias.", "4A12X45"),
    ("Peritoneal dialysis was started.", "3E1M39Z"),
    ("Total parenteral nutrition was started.", "3E0436Z"),
]


@pytest.mark.parametrize(("text", "expected"), SECTIONS)
def test_other_sections(assigner: PcsAssigner, text: str, expected: str) -> None:
    assert expected in codes(run(assigner, text))


def test_contrast_documented_but_not_its_kind_gives_partial_code_and_query(assigner: PcsAssigner) -> None:
    result = run(assigner, "CT of the abdomen with intravenous contrast showed a renal mass.")
    assert "BW20" in codes(result)
    query = next(q for q in result.queries if q.code == "BW20")
    assert {o.code for o in query.options} >= {"BW200ZZ", "BW201ZZ"}
    assert "contrast" in query.question.lower()


def test_mri_contrast_has_one_value(assigner: PcsAssigner) -> None:
    assert "B030YZZ" in codes(run(assigner, "Brain MRI with gadolinium showed an enhancing lesion."))


# --- partial codes and queries -----------------------------------------------------------------


def test_missing_approach_gives_partial_code_and_query(assigner: PcsAssigner) -> None:
    result = run(assigner, "Cholecystectomy was performed for acute cholecystitis.")
    assert "0FT4" in codes(result)
    query = next(q for q in result.queries if q.code == "0FT4")
    assert {o.code for o in query.options} == {"0FT40ZZ", "0FT44ZZ"}
    assert "approach" in query.question.lower()
    assert query.rules == ["pcs.partial-code.v1"]
    assignment = next(p for p in result.procedures if p.code == "0FT4")
    assert "pcs.partial-code.v1" in assignment.rules


def test_missing_duration_gives_partial_code(assigner: PcsAssigner) -> None:
    result = run(assigner, "He required hemodialysis.")
    assert "5A1D" in codes(result)
    query = next(q for q in result.queries if q.code == "5A1D")
    assert all(o.code.startswith("5A1D") and len(o.code) == 7 for o in query.options)


# --- assertions: not done this encounter -----------------------------------------------------

NOT_DONE = [
    "No biopsy was performed.",
    "Colonoscopy was recommended as an outpatient.",
    "She has a history of appendectomy.",
    "Prior cholecystectomy.",
    "We will schedule an MRI of the brain if symptoms persist.",
    # dated before this encounter
    "Wound infection of the incision after a laparoscopic cholecystectomy 10 days ago.",
    "She had a total abdominal hysterectomy in 2015 for fibroids.",
]


def test_procedure_of_this_stay_still_coded(assigner: PcsAssigner) -> None:
    # a date of this stay is no earlier encounter
    assert "0DTJ4ZZ" in codes(run(assigner, "Laparoscopic appendectomy was performed on hospital day 2."))


@pytest.mark.parametrize("text", NOT_DONE)
def test_negated_planned_historical_not_coded(assigner: PcsAssigner, text: str) -> None:
    assert codes(run(assigner, text)) == []


# --- guideline rules -----------------------------------------------------------------------------


def test_rule_b3_2_same_root_operation_different_body_parts(assigner: PcsAssigner) -> None:
    result = run(assigner, "Open appendectomy was performed. Open right nephrectomy was performed.")
    found = codes(result)
    assert "0DTJ0ZZ" in found and "0TT00ZZ" in found
    assert all("pcs.B3.2.v1" not in p.rules for p in result.procedures)  # different tables: not the same op/system
    twice = run(assigner, "Biopsy of the sigmoid colon by colonoscopy. Biopsy of the transverse colon by colonoscopy.")
    assert {"0DBN8ZX", "0DBL8ZX"} <= set(codes(twice))
    assert all("pcs.B3.2.v1" in p.rules for p in twice.procedures if p.code in ("0DBN8ZX", "0DBL8ZX"))


def test_rule_b3_2_same_code_reported_once(assigner: PcsAssigner) -> None:
    result = run(assigner, "Chest X-ray on admission was normal. A second chest X-ray showed an infiltrate.")
    assert codes(result).count("BW03ZZZ") == 1
    assignment = next(p for p in result.procedures if p.code == "BW03ZZZ")
    assert len([e for e in assignment.evidence if e.supports == "procedure"]) == 2


def test_rule_b3_3_discontinued_procedure_coded_as_inspection(assigner: PcsAssigner) -> None:
    result = run(assigner, "Laparoscopic cholecystectomy was discontinued because of dense adhesions.")
    assignment = next(p for p in result.procedures if "pcs.B3.3.v1" in p.rules)
    assert assignment.code == "0FJ44ZZ"


def test_rule_b3_4b_biopsy_then_definitive_treatment_both_coded(assigner: PcsAssigner) -> None:
    text = (
        "A needle biopsy of the right kidney showed carcinoma. "
        "Subsequently an open resection of the right kidney was performed."
    )
    result = run(assigner, text)
    found = codes(result)
    assert "0TB03ZX" in found and "0TT00ZZ" in found
    assert all("pcs.B3.4b.v1" in p.rules for p in result.procedures if p.code in ("0TB03ZX", "0TT00ZZ"))


def test_rule_b3_5_overlapping_layers_deepest(assigner: PcsAssigner) -> None:
    result = run(
        assigner, "Excisional debridement of the skin, subcutaneous tissue and muscle of the abdomen was performed."
    )
    assignment = next(p for p in result.procedures if "pcs.B3.5.v1" in p.rules)
    assert assignment.code.startswith("0KB")


def test_rule_b3_11a_inspection_not_coded_with_procedure_same_site(assigner: PcsAssigner) -> None:
    result = run(assigner, "Colonoscopy with polypectomy of the sigmoid colon was performed.")
    found = codes(result)
    assert "0DJD8ZZ" not in found
    assert "0DBN8ZZ" in found
    assert "pcs.B3.11a.v1" in next(p for p in result.procedures if p.code == "0DBN8ZZ").rules


def test_rule_b3_11c_inspection_with_other_approach_coded(assigner: PcsAssigner) -> None:
    result = run(assigner, "Colonoscopy showed a mass. Then an open resection of the sigmoid colon was performed.")
    assert "0DJD8ZZ" in codes(result)
    assert "pcs.B3.11c.v1" in next(p for p in result.procedures if p.code == "0DJD8ZZ").rules


def test_rule_b3_1b_laparotomy_not_coded_with_open_procedure(assigner: PcsAssigner) -> None:
    alone = run(assigner, "Exploratory laparotomy was performed.")
    assert "0WJG0ZZ" in codes(alone)
    together = run(assigner, "Exploratory laparotomy and open appendectomy were performed.")
    assert "0WJG0ZZ" not in codes(together)
    assert "0DTJ0ZZ" in codes(together)


def test_rule_b3_6a_bypass(assigner: PcsAssigner) -> None:
    result = run(assigner, "An open tracheostomy was performed.")
    assert "pcs.B3.6a.v1" in next(p for p in result.procedures if p.code == "0B110F4").rules


def test_rule_b3_9_graft_harvest_coded_separately(assigner: PcsAssigner) -> None:
    result = run(assigner, "Open harvest of the left greater saphenous vein was performed.")
    assignment = next(p for p in result.procedures if "pcs.B3.9.v1" in p.rules)
    assert assignment.code.startswith("06BQ")


def test_rule_b4_3_bilateral_without_bilateral_value_two_codes(assigner: PcsAssigner) -> None:
    result = run(assigner, "Fundus examination of both eyes was normal.")
    assert {"08J0XZZ", "08J1XZZ"} <= set(codes(result))
    assert all("pcs.B4.3.v1" in p.rules for p in result.procedures if p.code.startswith("08J"))


def test_rule_b4_3_bilateral_value_used(assigner: PcsAssigner) -> None:
    result = run(assigner, "Open bilateral orchiectomy was performed.")
    assert "0VTC0ZZ" in codes(result)


def test_rule_b4_4_coronary_arteries_by_number(assigner: PcsAssigner) -> None:
    one = codes(run(assigner, "Percutaneous angioplasty of one coronary artery with a drug-eluting stent."))
    three = codes(run(assigner, "Percutaneous angioplasty of three coronary arteries with drug-eluting stents."))
    assert any(c.startswith("0270") for c in one)
    assert any(c.startswith("0272") for c in three)


def test_assign_reuses_the_pipeline_analysis(assigner: PcsAssigner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given the encounter's analysis (the pipeline's), the assigner reads its sections, sentences
    and assertions instead of analysing the documents again -- with the same result; an analysis of
    other documents is not used."""
    import medcoder.coding.pcs.assigner as module
    from medcoder.extract.facts import analyze_encounter

    text = (
        "Colonoscopy with biopsy of the sigmoid colon was performed. A chest X-ray was not performed.\n"
        "Family history: appendectomy."
    )
    encounter = Encounter(id="enc-1", setting="inpatient", documents=[Document(id="note", text=text)])
    alone = assigner.assign(encounter)
    assert codes(alone)
    analyzed = analyze_encounter(encounter)
    other = analyze_encounter(
        Encounter(id="enc-2", setting="inpatient", documents=[Document(id="note", text="Bronchoscopy was done.")])
    )
    with monkeypatch.context() as patched:
        patched.setattr(module, "analyze", lambda *args, **kwargs: pytest.fail("analysed again"))
        assert assigner.assign(encounter, analyzed) == alone
    assert assigner.assign(encounter, other) == alone


def test_rules_are_documented() -> None:
    for rule_id in RULES:
        assert rule_id.startswith("pcs.") and rule_id.split(".")[-1].startswith("v")


# --- evidence, sequence, release -----------------------------------------------------------------


def test_evidence_offsets_exact_and_rationale(assigner: PcsAssigner) -> None:
    text = "HOSPITAL COURSE: Chest X-ray was clear. Laparoscopic appendectomy was performed on day 2."
    result = run(assigner, text)
    assert result.procedures
    for assignment in result.procedures:
        assert assignment.system == "ICD-10-PCS"
        assert 0 < assignment.confidence < 1
        assert assignment.rationale
        for evidence in assignment.evidence:
            assert text[evidence.start : evidence.end] == evidence.text
    # principal procedure first: the definitive surgery before the imaging
    assert result.procedures[0].code == "0DTJ4ZZ"
    assert [p.sequence for p in result.procedures] == list(range(1, len(result.procedures) + 1))


def test_release_chosen_by_date(assigner: PcsAssigner) -> None:
    encounter = Encounter(
        id="e",
        setting="inpatient",
        discharge_date=dt.date(2025, 3, 1),
        documents=[Document(id="n", text="Chest X-ray was clear.")],
    )
    assert assigner.available(dt.date(2025, 3, 1))
    assert assigner.assign(encounter).release_id == "icd10pcs-2025"
    assert not assigner.available(dt.date(2010, 1, 1))
    old = encounter.model_copy(update={"discharge_date": dt.date(2010, 1, 1)})
    assert assigner.assign(old) == PcsResult([], [], None)


def test_no_pcs_release_installed_gives_empty_result(bundled_kb) -> None:
    assigner = PcsAssigner(bundled_kb)
    assert not assigner.available(None)
    result = assigner.assign(Encounter(id="e", documents=[Document(id="n", text="Chest X-ray was clear.")]))
    assert result == PcsResult([], [], None)


def test_vocabulary_is_validated(tmp_path) -> None:
    bad = tmp_path / "pcs_vocabulary.json"
    bad.write_text('{"about": "x", "version": 1, "modalities": [], "procedures": []}', encoding="utf-8")
    with pytest.raises(InputFileError):
        load_vocabulary(bad)
    with pytest.raises(ValueError):
        VocabularyFile.model_validate(
            {
                "about": "x",
                "version": 1,
                "modalities": [{"id": "m", "patterns": ["CT"], "section": "B", "type": "2"}],
                "procedures": [{"id": "p", "patterns": ["(unclosed"], "code": "4A02X4Z"}],
            }
        )


# --- property: every emitted complete code is valid in the installed tables ----------------------

SENTENCES = [s for s, _ in ROOT_OPERATIONS + SECTIONS] + [
    "Right hemicolectomy was performed.",
    "Total hysterectomy with bilateral salpingo-oophorectomy.",
    "A needle biopsy of the left breast was performed.",
    "Mechanical ventilation was required for five days.",
    "Left ureteral double J stent placement was performed.",
    "Chemotherapy with cisplatin was administered.",
    "Transfusion of two units of packed red blood cells.",
    "PET-CT showed hypermetabolic lymph nodes.",
    "Bone scintigraphy was normal.",
    "Excision of a skin lesion of the left forearm.",
    "Drainage of the perirenal abscess was performed percutaneously.",
    "Cystoscopy and transurethral resection of the prostate.",
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6))
def test_every_emitted_code_is_valid(assigner: PcsAssigner, full_kb, sentences: list[str]) -> None:
    text = " ".join(sentences)
    result = run(assigner, text)
    for assignment in result.procedures:
        status = full_kb.pcs_status(assignment.code)
        if len(assignment.code) == 7:
            assert status.valid and status.billable, assignment.code
        else:
            assert status.valid, assignment.code  # a partial code is a real prefix of the table
            assert any(q.code == assignment.code for q in result.queries)
        for evidence in assignment.evidence:
            assert text[evidence.start : evidence.end] == evidence.text
    for query in result.queries:
        for option in query.options:
            assert full_kb.pcs_status(option.code).billable, option.code


# --- more behaviours -------------------------------------------------------------------------------


def test_side_not_documented_gives_table_and_body_part_query(assigner: PcsAssigner) -> None:
    result = run(assigner, "Open nephrectomy was performed for a nonfunctioning kidney.")
    assert "0TT" in codes(result)
    query = next(q for q in result.queries if q.code == "0TT")
    assert {o.code for o in query.options} == {"0TT00ZZ", "0TT10ZZ", "0TT20ZZ"}
    assert "body part" in query.question.lower()


def test_history_header_reaches_only_its_list(assigner: PcsAssigner) -> None:
    listed = run(assigner, "Past surgical history: appendectomy.")
    assert codes(listed) == []
    narrative = "Family history: mother with breast cancer. " + "The patient was well for years. " * 15
    narrative += "An electrocardiogram showed sinus rhythm."
    assert "4A02X4Z" in codes(run(assigner, narrative))


def test_result_words_do_not_negate_the_procedure(assigner: PcsAssigner) -> None:
    assert "BW03ZZZ" in codes(run(assigner, "Chest X-ray and serologies were negative."))
    assert "BW03ZZZ" in codes(run(assigner, "No infiltrates were seen on the chest X-ray."))
    assert codes(run(assigner, "A chest X-ray was not performed.")) == []


def test_one_imaging_procedure_per_region_listed(assigner: PcsAssigner) -> None:
    found = codes(run(assigner, "Chest and abdominal X-rays were normal."))
    assert {"BW03ZZZ", "BW00ZZZ"} <= set(found)


def test_calibration_rescales_but_never_adds(full_kb) -> None:
    text = "Chest X-ray was clear. Chemotherapy was started."
    plain = run(PcsAssigner(full_kb, calibration=Calibration.empty()), text)
    calibrated = run(PcsAssigner(full_kb, calibration=Calibration({"3E03": [0, 50], "BW03": [50, 50]})), text)
    assert set(codes(plain)) == set(codes(calibrated))
    conf = {p.code: p.confidence for p in calibrated.procedures}
    assert conf["BW03ZZZ"] > conf["3E03305"]


def test_site_associations_are_opt_in(full_kb) -> None:
    calibration = Calibration({}, {"BB24": [("BW24", 8, 10)]})
    text = "Chest CT showed a nodule."
    default = run(PcsAssigner(full_kb, calibration=calibration), text)
    site = run(PcsAssigner(full_kb, calibration=calibration, site_associations=True), text)
    assert "BB24ZZZ" in codes(default) and "BW24ZZZ" not in codes(default)
    alternative = next(p for p in site.procedures if p.code == "BW24ZZZ")
    assert alternative.rules == ["pcs.site-association.v1"]
    assert alternative.confidence < next(p for p in site.procedures if p.code == "BB24ZZZ").confidence


def test_default_confidence_is_the_rule_based_evidence_and_a_profile_is_opt_in(full_kb) -> None:
    # no profile by default: an explicit empty calibration gives the same; the CodiEsp profile
    # (where "3E03" was almost never reported) re-ranks only when passed
    text = "Chest X-ray was clear. Chemotherapy was started."
    default = {p.code: p.confidence for p in run(PcsAssigner(full_kb), text).procedures}
    assert default == {
        p.code: p.confidence for p in run(PcsAssigner(full_kb, calibration=Calibration.empty()), text).procedures
    }
    profile = Path(__file__).resolve().parents[2] / "bench" / "profiles" / "codiesp_pcs_calibration.json"
    profiled = {p.code: p.confidence for p in run(PcsAssigner(full_kb, calibration=profile), text).procedures}
    assert set(profiled) == set(default) and profiled["3E03305"] < default["3E03305"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([*SENTENCES, "no", "CT", "the", ",", "x-ray of the", "(MRI)"]), max_size=12))
def test_fast_trigger_search_equals_the_single_pattern(words: list[str]) -> None:
    from medcoder.coding.pcs.vocabulary import vocabulary

    vocab = vocabulary()
    text = " ".join(words)
    slow = [(m.start(), m.end(), m.lastgroup) for m in vocab.pattern.finditer(text)]
    fast = [(m.start(), m.end(), m.lastgroup) for m in vocab.find(text)]
    assert fast == slow
