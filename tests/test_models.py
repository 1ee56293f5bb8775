from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

import medcoder
from medcoder.models import (
    CodeAssignment,
    CodingResult,
    Document,
    Edit,
    Encounter,
    Evidence,
    Provenance,
    json_schema,
)


def test_models_all_exports_importable():
    for name in medcoder.__all__:
        assert getattr(medcoder, name) is not None


def test_models_schema_covers_core_models():
    schema = json_schema()
    for name in ("Encounter", "Document", "Evidence", "CodeAssignment", "Edit", "Query", "CodingResult"):
        assert name in schema["$defs"]
    assert json_schema("codingresult")["title"] == "CodingResult"


def test_models_round_trip_through_json():
    document = Document(id="d1", type="discharge_summary", text="Dx: orchiepididymitis.")
    start = document.text.index("orchiepididymitis")
    evidence = Evidence(document_id="d1", start=start, end=start + 17, text="orchiepididymitis")
    assert evidence.matches(document)
    result = CodingResult(
        encounter_id="e1",
        diagnoses=[
            CodeAssignment(
                system="ICD-10-CM",
                code="N45.3",
                description="Epididymo-orchitis",
                confidence=0.9,
                evidence=[evidence],
                sequence=1,
            )
        ],
        provenance=Provenance(medcoder="0.1.0", code_sets={"ICD-10-CM": "icd10cm-2026-04"}),
    )
    again = CodingResult.model_validate_json(result.model_dump_json())
    assert again == result
    assert json.loads(result.model_dump_json())["diagnoses"][0]["evidence"][0]["start"] == start


@pytest.mark.parametrize(
    "make",
    [
        lambda: Evidence(document_id="d", start=5, end=2, text=""),
        lambda: CodeAssignment(system="ICD-10-CM", code="I10", description="x", confidence=1.5),
        lambda: CodeAssignment(system="ICD-9", code="401.9", description="x", confidence=0.5),
        lambda: Edit(rule_id="no version", severity="error", message="m"),
        lambda: Encounter(id="e", setting="emergency"),
    ],
)
def test_models_reject_invalid_values(make):
    with pytest.raises(ValidationError):
        make()


def test_models_date_of_service_by_setting():
    import datetime as dt

    inpatient = Encounter(
        id="e", setting="inpatient", admit_date=dt.date(2026, 4, 1), discharge_date=dt.date(2026, 4, 5)
    )
    assert inpatient.date_of_service == dt.date(2026, 4, 5)
    clinic = Encounter(id="e", setting="outpatient", service_date=dt.date(2026, 5, 2))
    assert clinic.date_of_service == dt.date(2026, 5, 2)
