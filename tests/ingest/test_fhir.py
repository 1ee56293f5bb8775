"""FHIR Bundle reader: mapping of resources to encounters, attachments, existing codes, and errors."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from medcoder.errors import ReadError
from medcoder.ingest import code_system_name, read_bundle_results, read_fhir_bundle
from medcoder.models import Encounter, Setting, Sex

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"


def _load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _resource(bundle: dict[str, Any], rtype: str, rid: str | None = None) -> dict[str, Any]:
    return next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == rtype and (rid is None or e["resource"].get("id") == rid)
    )


def _b64(text: str, encoding: str = "utf-8") -> str:
    return base64.b64encode(text.encode(encoding)).decode("ascii")


def _bundle(*resources: dict[str, Any], bundle_id: str | None = None) -> dict[str, Any]:
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "collection"}
    if bundle_id:
        bundle["id"] = bundle_id
    bundle["entry"] = [{"resource": r} for r in resources]
    return bundle


def _docref(rid: str, text: str = "Fictional note: essential hypertension.", **extra: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "DocumentReference",
        "id": rid,
        "status": "current",
        "content": [{"attachment": {"contentType": "text/plain", "data": _b64(text)}}],
    }
    resource.update(extra)
    return resource


def _encounter(rid: str, code: str = "AMB", **extra: Any) -> dict[str, Any]:
    resource = {"resourceType": "Encounter", "id": rid, "status": "finished", "class": {"code": code}}
    resource.update(extra)
    return resource


# --- realistic fixtures -------------------------------------------------------------------------


def test_read_fhir_bundle_inpatient_stay_fixture():
    [encounter] = read_fhir_bundle(_load("bundle-inpatient-r4.json"), source="bundle-inpatient-r4.json")
    assert encounter.id == "enc-1001"
    assert encounter.setting == Setting.inpatient
    assert encounter.admit_date == dt.date(2025, 3, 2)
    assert encounter.discharge_date == dt.date(2025, 3, 6)
    assert encounter.service_date is None
    assert encounter.date_of_service == dt.date(2025, 3, 6)
    assert encounter.discharge_status == "01"
    assert encounter.patient.sex == Sex.female
    assert encounter.patient.birth_date == dt.date(1958, 4, 12)
    assert encounter.patient.age == 66
    assert encounter.patient.id == "MRN-000123"
    assert [d.id for d in encounter.documents] == ["docref-ds-1", "comp-progress-1"]


def test_read_fhir_bundle_decodes_base64_attachment_exactly():
    bundle = _load("bundle-inpatient-r4.json")
    expected = base64.b64decode(_resource(bundle, "DocumentReference")["content"][0]["attachment"]["data"]).decode()
    [encounter] = read_fhir_bundle(bundle)
    summary = encounter.document("docref-ds-1")
    assert summary.text == expected
    assert summary.type == "discharge_summary"
    assert summary.author == "Dr. Alex Example"  # resolved from the Practitioner in the Bundle
    assert summary.signed is not None and summary.signed.by == "Dr. Alex Example"


def test_read_fhir_bundle_document_without_authenticator_is_known_unsigned():
    # FHIR carries the authentication: a document sent without it is known not signed (False),
    # unlike a plain-text note, which cannot say (None)
    [encounter] = read_fhir_bundle(
        _bundle(_encounter("e1"), _docref("d1", context={"encounter": [{"reference": "Encounter/e1"}]}))
    )
    assert encounter.documents[0].signed is False
    assert encounter.has_registration


def test_read_fhir_bundle_composition_sections_have_exact_offsets():
    [encounter] = read_fhir_bundle(_load("bundle-inpatient-r4.json"))
    note = encounter.document("comp-progress-1")
    assert note.type == "progress_note"
    assert note.text.startswith("Progress note, hospital day 1\n\nSubjective\nPain improved after surgery.")
    assert "Glucose > 180 mg/dL: continue sliding scale insulin." in note.text
    assert [(s.name, s.title) for s in note.sections] == [
        ("subjective", "Subjective"),
        ("assessment_plan", "Assessment and Plan"),
    ]
    for section in note.sections:
        assert note.text[section.start : section.end].startswith(section.title)
    assert note.text[note.sections[1].start : note.sections[1].end].endswith("continue sliding scale insulin.")
    assert note.signed is not None
    assert note.signed.by == "Dr. Alex Example"
    assert note.signed.at == dt.datetime(2025, 3, 3, 9, 45, tzinfo=dt.timezone(dt.timedelta(hours=-5)))


def test_read_fhir_bundle_existing_codes_from_condition_and_procedure():
    [encounter] = read_fhir_bundle(_load("bundle-inpatient-r4.json"))
    codes = {(c.system, c.code): c for c in encounter.existing_codes}
    assert set(codes) == {("ICD-10-CM", "K35.80"), ("SNOMED CT", "85189001"), ("ICD-10-PCS", "0DTJ4ZZ")}
    assert codes["ICD-10-CM", "K35.80"].source == "Condition/cond-1"
    assert codes["ICD-10-CM", "K35.80"].status == "active/confirmed"
    assert codes["ICD-10-PCS", "0DTJ4ZZ"].source == "Procedure/proc-1"
    assert codes["ICD-10-PCS", "0DTJ4ZZ"].status == "completed"


def test_read_fhir_bundle_two_outpatient_visits_fixture():
    amb, emer = read_fhir_bundle(_load("bundle-two-visits-r4.json"))
    assert (amb.id, amb.setting, amb.service_date) == ("amb-1", Setting.outpatient, dt.date(2025, 1, 15))
    assert (emer.id, emer.setting, emer.service_date) == ("emer-1", Setting.outpatient, dt.date(2025, 2, 1))
    assert amb.patient.sex == Sex.male and amb.patient.age == 34
    # The HTML attachment is read (the PDF link beside it is never fetched) and its tags stripped.
    [clinic] = amb.documents
    assert clinic.text == "Clinic note\n\nFollow-up of mild persistent asthma.\n\nWheezing & cough at night; no fever."
    assert clinic.type == "clinic_visit_note"
    assert clinic.author == "Dr. B. Sample"
    # charset=ISO-8859-1 is honoured.
    [ed] = emer.documents
    assert ed.type == "ed_note"
    assert "37,2 °C" in ed.text and "exclué" in ed.text
    # A Condition that names no encounter is history for both; the CPT code only for its visit.
    assert [(c.system, c.code) for c in amb.existing_codes] == [("ICD-10-CM", "J45.30")]
    assert [(c.system, c.code) for c in emer.existing_codes] == [("ICD-10-CM", "J45.30"), ("CPT", "12002")]


def test_read_fhir_bundle_accepts_json_text_and_bytes():
    text = (FIXTURES / "bundle-two-visits-r4.json").read_text(encoding="utf-8")
    assert [e.id for e in read_fhir_bundle(text)] == ["amb-1", "emer-1"]
    assert [e.id for e in read_fhir_bundle(text.encode("utf-8"))] == ["amb-1", "emer-1"]


def test_read_fhir_bundle_setting_override():
    [encounter] = read_fhir_bundle(_load("bundle-inpatient-r4.json"), setting=Setting.outpatient)
    assert encounter.setting == Setting.outpatient
    assert encounter.service_date == dt.date(2025, 3, 2)


# --- mapping tables -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "setting"),
    [
        ("IMP", Setting.inpatient),
        ("ACUTE", Setting.inpatient),
        ("NONAC", Setting.inpatient),
        ("AMB", Setting.outpatient),
        ("EMER", Setting.outpatient),
        ("OBSENC", Setting.outpatient),
        ("HH", Setting.outpatient),
        ("VR", Setting.outpatient),
    ],
)
def test_read_fhir_bundle_encounter_class_to_setting(code: str, setting: Setting):
    [encounter] = read_fhir_bundle(_bundle(_encounter("e1", code), _docref("d1")))
    assert encounter.setting == setting


@pytest.mark.parametrize(
    ("coding", "status"),
    [
        ({"code": "home"}, "01"),
        ({"code": "snf"}, "03"),
        ({"code": "aadvice"}, "07"),
        ({"code": "exp"}, "20"),
        ({"system": "https://www.nubc.org/CodeSystem/PatDischargeStatus", "code": "06"}, "06"),
        ({"code": "hosp"}, None),  # hospice at home (50) or in a facility (51): not guessed
        ({"code": "other-hcf"}, None),
    ],
)
def test_read_fhir_bundle_discharge_disposition_to_ub04(coding: dict[str, str], status: str | None):
    encounter = _encounter("e1", "IMP", hospitalization={"dischargeDisposition": {"coding": [coding]}})
    [result] = read_fhir_bundle(_bundle(encounter, _docref("d1")))
    assert result.discharge_status == status


@pytest.mark.parametrize(
    ("uri", "name"),
    [
        ("http://hl7.org/fhir/sid/icd-10-cm", "ICD-10-CM"),
        ("http://www.cms.gov/Medicare/Coding/ICD10", "ICD-10-PCS"),
        ("http://www.ama-assn.org/go/cpt", "CPT"),
        ("http://snomed.info/sct", "SNOMED CT"),
        ("https://hl7.org/fhir/sid/icd-10-cm/", "ICD-10-CM"),
        ("http://loinc.org", "http://loinc.org"),
    ],
)
def test_code_system_name_maps_uris(uri: str, name: str):
    assert code_system_name(uri) == name


@pytest.mark.parametrize(
    ("concept", "expected"),
    [
        ({"coding": [{"system": "http://loinc.org", "code": "11504-8"}]}, "op_note"),
        (
            {"coding": [{"system": "http://loinc.org", "code": "18748-4", "display": "Diagnostic imaging study"}]},
            "radiology",
        ),
        (
            {"coding": [{"system": "http://loinc.org", "code": "99999-9", "display": "Wound Care Note"}]},
            "wound_care_note",
        ),
        ({"text": "Nursing / Shift Note"}, "nursing_shift_note"),
    ],
)
def test_read_fhir_bundle_document_type(concept: dict[str, Any], expected: str):
    [encounter] = read_fhir_bundle(_bundle(_encounter("e1"), _docref("d1", type=concept)))
    assert encounter.documents[0].type == expected


# --- bundles without encounters, links, attachments ---------------------------------------------


def test_read_fhir_bundle_without_encounter_holds_all_documents():
    patient = {"resourceType": "Patient", "id": "p", "gender": "male", "birthDate": "1970-06-01"}
    doc1 = _docref("d1", date="2025-05-02T10:00:00Z")
    doc2 = _docref("d2", "Fictional follow-up: gout of the left great toe.", date="2025-05-01T09:00:00Z")
    [encounter] = read_fhir_bundle(_bundle(patient, doc1, doc2, bundle_id="visit-bundle-7"))
    assert encounter.id == "visit-bundle-7"
    assert [d.id for d in encounter.documents] == ["d1", "d2"]
    assert encounter.service_date == dt.date(2025, 5, 1)  # the earliest document date
    assert encounter.patient.age == 54


def test_read_fhir_bundle_without_encounter_or_id_uses_source_hint():
    [result] = read_bundle_results(_bundle(_docref("d1")), source="x.json", id_hint="x")
    assert isinstance(result, Encounter) and result.id == "x"


def test_read_fhir_bundle_without_encounter_or_id_takes_source_stem():
    [encounter] = read_fhir_bundle(_bundle(_docref("d1")), source="exports/visit-0042.json")
    assert encounter.id == "visit-0042"


def test_read_fhir_bundle_with_nothing_to_code_is_read_error():
    with pytest.raises(ReadError, match="no Encounter and no readable"):
        read_fhir_bundle(_bundle({"resourceType": "Patient", "id": "p"}))


def test_read_fhir_bundle_document_linked_to_no_encounter_of_several():
    bundle = _bundle(
        _encounter("e1"),
        _encounter("e2"),
        _docref("d1", context={"encounter": [{"reference": "Encounter/e2"}]}),
        _docref("orphan"),
    )
    results = read_bundle_results(bundle, source="b.json")
    encounters = [r for r in results if isinstance(r, Encounter)]
    errors = [r for r in results if isinstance(r, ReadError)]
    assert [(e.id, len(e.documents)) for e in encounters] == [("e1", 0), ("e2", 1)]
    [error] = errors
    assert "DocumentReference/orphan" in str(error) and "2 encounters" in str(error)


def test_read_fhir_bundle_url_only_attachment_skipped_with_warning(caplog: pytest.LogCaptureFixture):
    linked = {
        "resourceType": "DocumentReference",
        "id": "remote",
        "status": "current",
        "content": [{"attachment": {"contentType": "text/plain", "url": "https://ehr.example.org/Binary/123"}}],
    }
    with caplog.at_level(logging.WARNING, logger="medcoder.ingest"):
        [encounter] = read_fhir_bundle(_bundle(_encounter("e1"), linked, _docref("local")), source="b.json")
    assert [d.id for d in encounter.documents] == ["local"]
    assert "DocumentReference/remote" in caplog.text and "never fetches" in caplog.text
    assert "ehr.example.org" not in caplog.text


def test_read_fhir_bundle_unsupported_content_type_is_read_error():
    pdf = {
        "resourceType": "DocumentReference",
        "id": "scan",
        "status": "current",
        "content": [{"attachment": {"contentType": "application/pdf", "data": _b64("%PDF-1.4 not really")}}],
    }
    with pytest.raises(ReadError, match=r"DocumentReference/scan .*'application/pdf'"):
        read_fhir_bundle(_bundle(_encounter("e1"), pdf), source="b.json")


def test_read_bundle_results_bad_document_fails_only_its_encounter():
    bad = _docref("empty", " \n ", context={"encounter": [{"reference": "Encounter/e2"}]})
    good = _docref("good", context={"encounter": [{"reference": "Encounter/e1"}]})
    results = read_bundle_results(_bundle(_encounter("e1"), _encounter("e2"), good, bad), source="b.json")
    assert isinstance(results[0], Encounter) and results[0].id == "e1"
    assert isinstance(results[1], ReadError)
    assert "Encounter/e2 (Bundle entry 1): DocumentReference/empty (Bundle entry 3): empty document" in str(results[1])


def test_read_fhir_bundle_entered_in_error_document_skipped():
    [encounter] = read_fhir_bundle(
        _bundle(_encounter("e1"), _docref("wrong", status="entered-in-error"), _docref("ok"))
    )
    assert [d.id for d in encounter.documents] == ["ok"]


def test_read_fhir_bundle_binary_attachment_is_read_error():
    binary = _docref("bin")
    binary["content"][0]["attachment"]["data"] = base64.b64encode(b"\x00\x01\x02\x03binary").decode()
    with pytest.raises(ReadError, match="binary file, not text"):
        read_fhir_bundle(_bundle(_encounter("e1"), binary))


# --- malformed input ----------------------------------------------------------------------------


def test_read_fhir_bundle_malformed_json_names_source_line_and_column():
    text = '{\n  "resourceType": "Bundle",\n  "type": "collection"\n  "entry": []\n}'
    with pytest.raises(ReadError) as info:
        read_fhir_bundle(text, source="broken.json")
    assert info.value.source == "broken.json"
    assert info.value.line == 4
    assert "malformed JSON" in info.value.reason and "column 3" in info.value.reason


def test_read_fhir_bundle_invalid_resource_names_resource_and_location():
    bundle = _load("bundle-inpatient-r4.json")
    _resource(bundle, "Patient")["birthDate"] = "1958-13-45"
    with pytest.raises(ReadError) as info:
        read_fhir_bundle(bundle, source="bundle.json")
    message = str(info.value)
    assert "bundle.json" in message
    assert "Patient/pat-1 (Bundle entry 0)" in message
    assert "birthDate" in message
    assert "1958-13-45" not in message  # values are not echoed: they may identify the patient


def test_read_fhir_bundle_invalid_base64_names_element():
    bundle = _load("bundle-inpatient-r4.json")
    _resource(bundle, "DocumentReference")["content"][0]["attachment"]["data"] = "not base64!"
    with pytest.raises(
        ReadError, match=r"DocumentReference/docref-ds-1 \(Bundle entry 3\): content\[0\]\.attachment\.data"
    ):
        read_fhir_bundle(bundle)


def test_read_fhir_bundle_missing_required_element():
    bundle = _bundle(_encounter("e1"), _docref("d1"))
    del bundle["entry"][0]["resource"]["status"]
    with pytest.raises(ReadError, match=r"Encounter/e1 .*: status"):
        read_fhir_bundle(bundle)


def test_read_fhir_bundle_r5_encounter_gets_hint():
    r5 = {"resourceType": "Encounter", "id": "e5", "status": "completed", "class": [{"coding": [{"code": "IMP"}]}]}
    with pytest.raises(ReadError, match="looks like FHIR R5"):
        read_fhir_bundle(_bundle(r5, _docref("d1")))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"resourceType": "Patient", "id": "p"}, "not a FHIR Bundle"),
        ([1, 2], "expected a FHIR Bundle"),
        ({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"id": "x"}}]}, "no resourceType"),
        ({"resourceType": "Bundle", "entry": []}, "Bundle: type"),
    ],
)
def test_read_bundle_results_rejects_non_bundles(data: Any, reason: str):
    with pytest.raises(ReadError, match=reason):
        read_bundle_results(copy.deepcopy(data), source="in.json")


def test_read_fhir_bundle_ignores_resource_types_it_does_not_read():
    odd = {"resourceType": "Observation", "id": "o", "status": "final", "code": {"text": "x"}, "notAnElement": 1}
    [encounter] = read_fhir_bundle(_bundle(_encounter("e1"), odd, _docref("d1")))
    assert encounter.id == "e1"


def test_ingest_import_does_not_load_fhir_resources():
    # fhir.resources costs ~0.3 s to import; plain-text batches must not pay for it.
    code = (
        "import sys, pathlib, medcoder.ingest as ingest\n"
        f"ingest.read_text(pathlib.Path({str(FIXTURES / 'notes' / 'progress-note-1.txt')!r}))\n"
        "assert not [m for m in sys.modules if m.startswith('fhir')], 'fhir.resources imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_read_fhir_bundle_composition_and_logical_encounter_reference():
    encounter = _encounter("e1", identifier=[{"system": "urn:example:visit", "value": "V-77"}])
    composition = {
        "resourceType": "Composition",
        "id": "c1",
        "identifier": {"system": "urn:example:doc", "value": "D-1"},
        "status": "final",
        "type": {"coding": [{"system": "http://loinc.org", "code": "11504-8"}]},
        "encounter": {"identifier": {"system": "urn:example:visit", "value": "V-77"}},
        "date": "2025-06-01",
        "author": [{"display": "Dr. C. Surgeon"}],
        "title": "Operative report",
        "attester": [{"mode": "professional", "party": {"display": "Dr. C. Surgeon"}}],
        "section": [
            {
                "title": "Procedure",
                "text": {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">Repair.</div>'},
                "section": [
                    {
                        "title": "Findings",
                        "text": {
                            "status": "generated",
                            "div": '<div xmlns="http://www.w3.org/1999/xhtml">Hernia.</div>',
                        },
                    }
                ],
            }
        ],
    }
    result, other = read_fhir_bundle(_bundle(encounter, _encounter("e2"), composition))
    assert (result.id, other.id, other.documents) == ("e1", "e2", [])
    [document] = result.documents
    assert document.type == "op_note"
    assert document.text == "Operative report\n\nProcedure\nRepair.\n\nFindings\nHernia."
    assert [(s.title, document.text[s.start : s.end]) for s in document.sections] == [
        ("Procedure", "Procedure\nRepair."),
        ("Findings", "Findings\nHernia."),
    ]
    assert document.signed is not None and document.signed.at is None
