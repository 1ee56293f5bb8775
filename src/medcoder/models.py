"""The core data model (DESIGN.md §3): one object travels through the pipeline stages.

Every model is pydantic v2 and serialises to JSON; ``medcoder schema`` prints their JSON Schema.
Offsets in :class:`Evidence` are character offsets into the referenced document's ``text`` and are
exact: ``document.text[start:end] == evidence.text``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CodeSystem = Literal["ICD-10-CM", "ICD-10-PCS", "CPT", "HCPCS"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Setting(StrEnum):
    inpatient = "inpatient"
    outpatient = "outpatient"
    professional = "professional"


class Sex(StrEnum):
    male = "M"
    female = "F"
    unknown = "U"


class AssignmentStatus(StrEnum):
    suggested = "suggested"
    accepted = "accepted"
    rejected = "rejected"
    queried = "queried"


class Severity(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"


class Patient(_Model):
    id: str | None = Field(default=None, description="site identifier; confidential, never logged")
    birth_date: dt.date | None = None
    age: int | None = Field(default=None, ge=0, le=130, description="age in years at admission / service")
    sex: Sex = Sex.unknown


class Signature(_Model):
    by: str
    at: dt.datetime | None = None


class Section(_Model):
    name: str = Field(description="normalised section name, e.g. 'assessment_plan'")
    title: str = Field(description="the header as written")
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Document(_Model):
    id: str
    type: str = Field(default="note", description="discharge_summary, progress_note, op_note, radiology, ...")
    author: str | None = None
    signed: Signature | Literal[False] | None = Field(
        default=None,
        description="who signed it and when; false: known not signed (the source says so, e.g. a FHIR "
        "document without an authenticator); null: not known (a plain-text note carries no signature data)",
    )
    text: str
    sections: list[Section] = Field(default_factory=list)

    @field_validator("signed", mode="before")
    @classmethod
    def _who_signed(cls, value: Any) -> Any:
        if value is True:
            raise ValueError('true does not say who signed: give {"by": "...", "at": "..."} (false: known not signed)')
        return value


class ExistingCode(_Model):
    """A code already on the record (e.g. a FHIR Condition or Procedure coding): context, not output."""

    system: str = Field(description="ICD-10-CM, ICD-10-PCS, CPT, HCPCS, SNOMED CT, or the source URI")
    code: str
    display: str | None = None
    source: str | None = Field(default=None, description="where it came from, e.g. 'Condition/123'")
    status: str | None = Field(default=None, description="clinical / verification status when given")


class Encounter(_Model):
    id: str
    patient: Patient = Field(default_factory=Patient)
    setting: Setting = Setting.outpatient
    admit_date: dt.date | None = None
    discharge_date: dt.date | None = None
    service_date: dt.date | None = None
    discharge_status: str | None = Field(default=None, description="UB-04 patient discharge status, e.g. '01'")
    payer: str | None = None
    prior_authorization: str | None = Field(default=None, description="the payer's authorization number, if any")
    documents: list[Document] = Field(default_factory=list)
    existing_codes: list[ExistingCode] = Field(default_factory=list)
    has_registration: bool = Field(
        default=True,
        description="false when the source carries no registration data (a plain-text note): its patient, "
        "dates and discharge status are unknown rather than missing, and the edits that need them say so as info",
    )

    def document(self, document_id: str) -> Document:
        for document in self.documents:
            if document.id == document_id:
                return document
        raise KeyError(document_id)

    @property
    def date_of_service(self) -> dt.date | None:
        """The date that picks code-set releases: discharge for inpatients, else the service date."""
        if self.setting == Setting.inpatient:
            return self.discharge_date or self.admit_date or self.service_date
        return self.service_date or self.discharge_date or self.admit_date


class Evidence(_Model):
    document_id: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    supports: str | None = Field(default=None, description="what the span supports: the condition, a laterality, ...")

    @model_validator(mode="after")
    def _ordered(self) -> Evidence:
        if self.end < self.start:
            raise ValueError(f"evidence end {self.end} is before start {self.start}")
        return self

    def matches(self, document: Document) -> bool:
        return document.id == self.document_id and document.text[self.start : self.end] == self.text


class CodeAssignment(_Model):
    system: CodeSystem
    code: str
    description: str
    confidence: float = Field(
        ge=0.0,
        le=1.0,
        description="how likely a coder is to report it: with a site model the ranker's probability, "
        "without one a rule-based tier (its calibration on a reference set: docs/confidence.md)",
    )
    evidence: list[Evidence] = Field(default_factory=list)
    rationale: str = Field(default="", description="index path, rule ids and guideline sections that led here")
    rules: list[str] = Field(default_factory=list, description="ids of the rules applied, e.g. 'ocg.I.B.5.v1'")
    sequence: int | None = Field(default=None, ge=1)
    poa: Literal["Y", "N", "U", "W", "1"] | None = None
    status: AssignmentStatus = AssignmentStatus.suggested


class Edit(_Model):
    rule_id: str = Field(pattern=r"^[a-z0-9_.-]+\.v[0-9]+$", description="versioned id, e.g. 'mce.sex-conflict.v1'")
    severity: Severity
    message: str
    codes: list[str] = Field(default_factory=list)
    suggested_fix: str | None = None


class QueryOption(_Model):
    code: str
    description: str


class Query(_Model):
    id: str
    question: str
    options: list[QueryOption] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    reason: str
    system: CodeSystem | None = Field(default=None, description="code system of the options")
    code: str | None = Field(default=None, description="the reported code an answer would replace, if any")
    rules: list[str] = Field(default_factory=list, description="ids of the rules that raised the query")


class NotReported(_Model):
    """A code the engine considered and did not report, with the reason: "why not?" (DESIGN §8)."""

    system: CodeSystem
    code: str
    description: str = ""
    confidence: float = Field(ge=0.0, le=1.0)
    rule: str = Field(description="the rule id that removed it, or 'threshold'")
    reason: str
    evidence: list[Evidence] = Field(default_factory=list)


class Provenance(_Model):
    medcoder: str
    code_sets: dict[str, str] = Field(default_factory=dict, description="system -> release id")
    models: dict[str, str] = Field(default_factory=dict)
    lexicons: dict[str, str] = Field(default_factory=dict, description="lexicon -> version used for matching")
    rules: list[str] = Field(default_factory=list)


class CodingResult(_Model):
    encounter_id: str
    releases: dict[str, str] = Field(default_factory=dict, description="system -> release id used")
    diagnoses: list[CodeAssignment] = Field(default_factory=list)
    procedures: list[CodeAssignment] = Field(default_factory=list)
    edits: list[Edit] = Field(default_factory=list)
    queries: list[Query] = Field(default_factory=list)
    not_reported: list[NotReported] = Field(
        default_factory=list, description="codes considered and not reported, each with the rule or reason"
    )
    drg: dict[str, Any] | None = None
    hcc: dict[str, Any] | None = None
    provenance: Provenance


CORE_MODELS: dict[str, type[BaseModel]] = {
    m.__name__: m
    for m in (
        Encounter,
        Document,
        Evidence,
        CodeAssignment,
        Edit,
        Query,
        CodingResult,
        Patient,
        Provenance,
        NotReported,
        ExistingCode,
    )
}


def json_schema(name: str | None = None) -> dict[str, Any]:
    """JSON Schema of one core model, or of all of them under ``$defs``."""
    from pydantic.json_schema import models_json_schema

    from medcoder.errors import MedcoderError

    if name is not None:
        model = CORE_MODELS.get(name) or next((m for k, m in CORE_MODELS.items() if k.lower() == name.lower()), None)
        if model is None:
            raise MedcoderError(f"unknown model {name!r}; known: {', '.join(CORE_MODELS)}")
        return model.model_json_schema()
    _, schema = models_json_schema([(m, "validation") for m in CORE_MODELS.values()], title="medcoder core models")
    return schema
