"""The whole job: coding, then MS-DRG for inpatients and CMS-HCC, or a clear note why not."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from medcoder.codesets.normalize import ICD10CM
from medcoder.edits.profile import PayerProfile
from medcoder.examples import example_encounter
from medcoder.models import Document, Encounter, Patient, Signature
from medcoder.pipeline import Pipeline


def test_pipeline_example_gets_drg_and_hcc(bundled_kb):
    result = Pipeline(bundled_kb).run(example_encounter())
    codes = [d.code for d in result.diagnoses]
    assert codes[0] == "J13"  # the reason for admission is the principal diagnosis
    assert result.drg is not None and result.drg["mdc"] == "04"  # respiratory system
    assert result.drg["drg"] in {"193", "194", "195"}  # simple pneumonia and pleurisy
    assert result.hcc is not None and result.hcc["risk_score"] > 0
    hccs = {h["hcc"] for m in result.hcc["models"] for h in m["hccs"]}
    assert "37" in hccs  # diabetes with chronic complications (V28)
    (diabetes,) = [h for m in result.hcc["models"] for h in m["hccs"] if h["hcc"] == "37"]
    encounter_text = example_encounter().documents[0].text
    assert diabetes["evidence"] and all(
        encounter_text[e["start"] : e["end"]] == e["text"] for e in diabetes["evidence"]
    )


def test_pipeline_inpatient_without_age_says_why_no_drg(bundled_kb):
    encounter = Encounter(
        id="e",
        setting="inpatient",
        discharge_date=dt.date(2026, 5, 2),
        documents=[Document(id="d", text="DISCHARGE DIAGNOSES:\n1. Acute appendicitis.")],
    )
    result = Pipeline(bundled_kb).run(encounter)
    assert result.drg is None and result.hcc is None
    (note,) = [e for e in result.edits if e.rule_id.startswith("grouping.")]
    assert note.rule_id == "grouping.drg-missing-data.v1" and "age" in note.message
    missing = {e.message for e in result.edits if e.rule_id == "documentation.required-fields.v1"}
    assert {"the inpatient claim has no age (or birth date)", "the inpatient claim has no sex"} <= missing


def test_pipeline_age_from_birth_date(bundled_kb):
    encounter = Encounter(
        id="e",
        setting="inpatient",
        patient=Patient(birth_date=dt.date(1950, 6, 1), sex="F"),
        admit_date=dt.date(2026, 4, 28),
        discharge_date=dt.date(2026, 5, 2),
        documents=[Document(id="d", text="DISCHARGE DIAGNOSES:\n1. Acute appendicitis.")],
    )
    result = Pipeline(bundled_kb).run(encounter)
    assert result.drg is not None and result.drg["mdc"] == "06"  # digestive system


def test_pipeline_hcc_year_not_published_is_said(bundled_kb):
    # A 2026 date of service is payment year 2027, not in the installed CMS-HCC tables: scored with
    # the latest and the result says so.
    result = Pipeline(bundled_kb).run(example_encounter())
    assert result.hcc["payment_year"] == 2026
    assert any(e.rule_id == "grouping.hcc-model-year.v1" and "2027" in e.message for e in result.edits)


def test_pipeline_encounter_after_every_release_codes_with_the_newest_and_warns(bundled_kb):
    # Today's stay (FY2027) with only the bundled April 2026 update installed: coded, never refused.
    encounter = example_encounter()
    encounter.admit_date, encounter.discharge_date = dt.date(2026, 11, 28), dt.date(2026, 12, 2)
    result = Pipeline(bundled_kb).run(encounter)
    assert result.diagnoses and result.releases[ICD10CM] == "icd10cm-2026-04"
    (warning,) = [e for e in result.edits if e.rule_id == "codesets.release-fallback.v1"]  # once, not per stage
    assert warning.severity == "warning"
    assert warning.message.startswith("no ICD-10-CM release installed for 2026-12-02 (FY2027): used icd10cm-2026-04")
    assert "install the FY2027 ICD-10-CM files" in warning.message
    assert result.drg is not None and result.drg["version"] == "44.0"  # the grouper follows the discharge date
    assert not [e for e in result.edits if "not checked" in e.message]  # the claim edits ran on the stand-in


def test_pipeline_encounter_in_a_covered_release_has_no_release_warning(bundled_kb):
    result = Pipeline(bundled_kb).run(example_encounter())
    assert "codesets.release-fallback.v1" not in {e.rule_id for e in result.edits}


def test_pipeline_result_carries_the_claim_edits(bundled_kb):
    encounter = example_encounter()
    result = Pipeline(bundled_kb).run(encounter)
    rules = {e.rule_id: e for e in result.edits}
    # the example gives no signature data: not known, so not an error (a FHIR document without an
    # authenticator, signed=False, is one)
    assert rules["documentation.unsigned.v1"].severity == "info"
    assert not [e for e in result.edits if e.severity == "error"]
    assert "validity.code.v1" not in rules  # the engine emits only valid codes
    signed = encounter.model_copy(deep=True)
    signed.documents[0].signed = Signature(by="Dr. Example", at=dt.datetime(2026, 4, 24, 15, 0))
    assert "documentation.unsigned.v1" not in {e.rule_id for e in Pipeline(bundled_kb).run(signed).edits}
    unsigned = encounter.model_copy(deep=True)
    unsigned.documents[0].signed = False
    edits = Pipeline(bundled_kb).run(unsigned).edits
    assert [e.severity for e in edits if e.rule_id == "documentation.unsigned.v1"] == ["error"]


def test_pipeline_profile_switches_rules_off(bundled_kb):
    profile = PayerProfile.parse("id: quiet\nrules:\n  disabled: [documentation, poa, conventions]\n")
    result = Pipeline(bundled_kb, profile=profile).run(example_encounter())
    families = {e.rule_id.split(".")[0] for e in result.edits}
    assert not families & {"documentation", "poa", "conventions"}


def test_pipeline_without_diagnoses_says_there_is_no_claim(bundled_kb):
    encounter = Encounter(id="e", documents=[Document(id="d", text="Seen today. Doing well.")])
    result = Pipeline(bundled_kb).run(encounter)
    assert "edits.no-diagnosis.v1" in [e.rule_id for e in result.edits]


def _inpatient_stay(text: str) -> Encounter:
    """A two-night stay of a woman in her fifties, discharged home, with one discharge summary."""
    return Encounter(
        id="e",
        setting="inpatient",
        patient=Patient(age=52, sex="F"),
        admit_date=dt.date(2026, 5, 1),
        discharge_date=dt.date(2026, 5, 3),
        discharge_status="01",
        documents=[Document(id="d", type="discharge_summary", text=text)],
    )


def test_pipeline_queries_an_unspecified_heart_failure_with_its_drg_impact(bundled_kb):
    encounter = _inpatient_stay(
        "DISCHARGE DIAGNOSES:\n1. Community-acquired pneumonia.\n2. Congestive heart failure.\n"
    )
    result = Pipeline(bundled_kb).run(encounter)
    codes = [d.code for d in result.diagnoses]
    assert codes[0].startswith("J18") and "I50.9" in codes
    (query,) = [q for q in result.queries if q.code == "I50.9"]
    assert query.evidence and query.evidence[0].text.lower().startswith("congestive heart failure")
    impacts = [i for i in result.drg["query_impact"] if i["query_id"] == query.id]
    assert {i["code"] for i in impacts} == {o.code for o in query.options}
    assert any(i["changes_drg"] and i["severity_if_answered"] == "MCC" for i in impacts)


def test_pipeline_outpatient_procedures_need_an_installed_hcpcs_or_cpt_release(bundled_kb):
    encounter = Encounter(
        id="e",
        service_date=dt.date(2026, 5, 10),
        documents=[Document(id="d", text="ASSESSMENT:\nStrep pharyngitis. Administered 1 g ceftriaxone IM.")],
    )
    result = Pipeline(bundled_kb).run(encounter)
    assert result.procedures == []
    (note,) = [e for e in result.edits if e.rule_id == "procedures.not-coded.v1"]
    assert note.severity == "info" and "2026-05-10" in note.message


def test_pipeline_outpatient_procedures_from_the_installed_hcpcs_release(tmp_path_factory, fixtures_dir):
    from medcoder.codesets.install import install
    from medcoder.codesets.kb import KnowledgeBase
    from tests.conftest import medcoder_home

    with medcoder_home(tmp_path_factory.mktemp("hcpcs-home")):
        install(fixtures_dir / "hcpcs" / "HCPC2026_APR_ANWEB.csv")
        kb = KnowledgeBase.open()
        try:
            encounter = Encounter(
                id="e",
                service_date=dt.date(2026, 5, 10),
                patient=Patient(age=40, sex="F"),
                documents=[Document(id="d", text="ASSESSMENT:\nStrep pharyngitis. Administered 1 g ceftriaxone IM.")],
            )
            result = Pipeline(kb).run(encounter)
        finally:
            kb.close()
    (drug,) = result.procedures
    assert (drug.system, drug.code, drug.sequence) == ("HCPCS", "J0696", 1)
    assert drug.evidence[0].text == "ceftriaxone"
    assert not [e for e in result.edits if e.rule_id == "procedures.not-coded.v1"]
    assert not [e for e in result.edits if e.rule_id == "validity.code.v1" and e.severity == "error"]


def _cholecystitis_stay(procedure_sentence: str) -> Encounter:
    return _inpatient_stay(
        f"DISCHARGE DIAGNOSES:\n1. Acute cholecystitis with cholelithiasis.\nPROCEDURES:\n{procedure_sentence}\n"
    )


@pytest.mark.conformance
def test_pipeline_inpatient_procedures_from_the_installed_pcs_tables_group_as_surgery(full_kb):
    result = Pipeline(full_kb).run(_cholecystitis_stay("Laparoscopic cholecystectomy was performed on 05/01/2026."))
    assert result.procedures and result.procedures[0].code == "0FT44ZZ"
    assert result.procedures[0].sequence == 1 and result.releases["ICD-10-PCS"] == "icd10pcs-2026"
    assert result.drg["drg"] in {"417", "418", "419"}  # laparoscopic cholecystectomy without CDE


@pytest.mark.conformance
def test_pipeline_analyses_the_documents_once_for_every_assigner(full_kb, monkeypatch):
    """The PCS assigner reads the pipeline's analysis of the stay (DESIGN §2: extract once)."""
    import medcoder.coding.pcs.assigner as pcs

    monkeypatch.setattr(pcs, "analyze", lambda *args, **kwargs: pytest.fail("the PCS assigner analysed again"))
    result = Pipeline(full_kb).run(_cholecystitis_stay("Laparoscopic cholecystectomy was performed on 05/01/2026."))
    assert [p.code for p in result.procedures] == ["0FT44ZZ"]


@pytest.mark.conformance
def test_pipeline_pcs_calibration_profile_is_opt_in_and_named_in_provenance(full_kb):
    stay = _cholecystitis_stay("Laparoscopic cholecystectomy was performed on 05/01/2026.")
    assert "pcs_calibration" not in Pipeline(full_kb).run(stay).provenance.models  # nothing learned by default
    profile = Path(__file__).resolve().parents[1] / "bench" / "profiles" / "codiesp_pcs_calibration.json"
    result = Pipeline(full_kb, pcs_calibration=profile).run(stay)
    assert result.procedures[0].code == "0FT44ZZ"
    assert result.provenance.models["pcs_calibration"].startswith("codiesp-train-pcs v1 sha256:")


@pytest.mark.conformance
def test_pipeline_partial_pcs_code_is_queried_with_its_drg_impact_and_kept_off_the_claim(full_kb):
    result = Pipeline(full_kb).run(_cholecystitis_stay("Cholecystectomy was performed."))
    assert "0FT4" in [p.code for p in result.procedures]
    (query,) = [q for q in result.queries if q.code == "0FT4"]
    impacts = {i["code"]: i for i in result.drg["query_impact"] if i["query_id"] == query.id}
    assert set(impacts) == {"0FT40ZZ", "0FT44ZZ"}
    assert all(i["changes_drg"] for i in impacts.values())  # medical DRG now; surgical once answered
    assert not [e for e in result.edits if e.rule_id == "validity.code.v1" and "0FT4" in e.codes]
