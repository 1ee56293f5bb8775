"""FHIR R4 / R4B Bundles -> encounters, validated with ``fhir.resources``.

Which FHIR release: ``fhir.resources`` 8.x models R5 at its top level and R4B (4.3.0) in
``fhir.resources.R4B``; it has no separate R4 package.  The resources read here (Patient,
Encounter, DocumentReference, Composition, Condition, Procedure, Practitioner) have the same
elements in R4 (4.0.1) and R4B, so the R4B models validate R4 content too.  R5 content (e.g. an
Encounter with ``actualPeriod`` or a list under ``class``) fails validation, and the error says it
looks like R5.

Each resource is validated on its own, and only the resource types read here: an error then names
the resource (``Encounter/enc-1 (Bundle entry 2)``) and the element, a resource type medcoder does
not read (Observation, MedicationRequest, ...) cannot make a Bundle unreadable, and a large Bundle
costs only what is used.  ``fhir.resources`` is imported on first use: importing it takes ~0.3 s
and plain-text batches never need it.

What is read (FHIR element -> medcoder model):

- Encounter: ``class`` IMP / ACUTE / NONAC -> inpatient, anything else (AMB, EMER, OBSENC, HH, VR,
  ...) -> outpatient; ``period`` -> admit / discharge dates (and the service date outside
  inpatient); ``hospitalization.dischargeDisposition`` -> UB-04 discharge status where the code
  maps to one exactly (NUBC codes as they are; FHIR's own codes by :data:`DISCHARGE_DISPOSITIONS`).
- Patient (``Encounter.subject``, else the Bundle's only Patient): sex, birth date, age at
  admission (or at the service date), and the medical record number (identifier of type ``MR``,
  else the resource id) as ``Patient.id``.
- DocumentReference (``context.encounter``) and Composition (``encounter``): one Document each.
- Condition / Procedure codings -> ``Encounter.existing_codes`` (context for the coder, not output):
  on the encounter they reference, or on every encounter when they reference none in the Bundle
  (a problem-list entry is history for each of them).
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Literal

from pydantic import ValidationError

from medcoder.errors import ReadError
from medcoder.ingest.text import EMPTY, decode_bytes, document_problem, html_to_text
from medcoder.models import Document, Encounter, ExistingCode, Patient, Section, Setting, Sex, Signature

log = logging.getLogger(__name__)

FHIR_MODELS = "fhir.resources.R4B"
"""The ``fhir.resources`` package whose models validate input (R4B 4.3.0; R4 4.0.1 reads the same)."""

READ_TYPES = ("Patient", "Encounter", "DocumentReference", "Composition", "Condition", "Procedure", "Practitioner")

# Keys are normalised by _system_key: no scheme, lower case, no trailing slash.
CODE_SYSTEMS: dict[str, str] = {
    "hl7.org/fhir/sid/icd-10-cm": "ICD-10-CM",
    "urn:oid:2.16.840.1.113883.6.90": "ICD-10-CM",
    "www.cms.gov/medicare/coding/icd10": "ICD-10-PCS",
    "urn:oid:2.16.840.1.113883.6.4": "ICD-10-PCS",
    "www.ama-assn.org/go/cpt": "CPT",
    "urn:oid:2.16.840.1.113883.6.12": "CPT",
    "www.cms.gov/medicare/coding/hcpcsreleasecodesets": "HCPCS",
    "urn:oid:2.16.840.1.113883.6.285": "HCPCS",
    "snomed.info/sct": "SNOMED CT",
    "urn:oid:2.16.840.1.113883.6.96": "SNOMED CT",
}

# LOINC document type codes -> Document.type (the names used in models.Document).
DOCUMENT_TYPES: dict[str, str] = {
    "18842-5": "discharge_summary",
    "11506-3": "progress_note",
    "11504-8": "op_note",
    "18748-4": "radiology",
    "34117-2": "history_and_physical",
    "11488-4": "consult_note",
    "34111-5": "ed_note",
    "28570-0": "procedure_note",
    "11526-1": "pathology",
}

# LOINC section codes -> Section.name, for Composition sections; other sections use their title.
SECTION_CODES: dict[str, str] = {
    "10154-3": "chief_complaint",
    "10164-2": "history_of_present_illness",
    "11348-0": "past_medical_history",
    "10160-0": "medications",
    "10183-2": "discharge_medications",
    "48765-2": "allergies",
    "29545-1": "physical_exam",
    "8648-8": "hospital_course",
    "46241-6": "admission_diagnosis",
    "11535-2": "discharge_diagnosis",
    "51847-2": "assessment_plan",
    "51848-0": "assessment",
    "18776-5": "plan",
    "47519-4": "procedures",
    "11450-4": "problem_list",
}

# v3 ActCode encounter classes that are an inpatient stay; every other class is outpatient.
INPATIENT_CLASSES = frozenset({"IMP", "ACUTE", "NONAC", "inpatient"})

# FHIR discharge-disposition codes -> UB-04 patient discharge status, only where the meaning is the
# same.  "hosp" (hospice: home 50 or facility 51), "long" (61, 63 or 64) and "other-hcf" (02, 05,
# 43, ...) could be several UB-04 codes and are left unset rather than guessed: the status moves
# MS-DRG post-acute transfer payments.
DISCHARGE_DISPOSITIONS: dict[str, str] = {
    "home": "01",
    "alt-home": "01",
    "snf": "03",
    "aadvice": "07",
    "exp": "20",
    "rehab": "62",
    "psy": "65",
}

_TEXT_TYPES = {"text/plain": 0, "text/markdown": 1, "text/x-markdown": 1, "text/html": 2, "application/xhtml+xml": 2}
_NON_WORD = re.compile(r"[^0-9a-z]+")
_HISTORY = re.compile(r"/_history/[^/]*$")


@dataclass(slots=True)
class _Resource:
    """A validated resource with where it came from, for error messages and references."""

    type: str
    index: int  # Bundle entry number, 0-based
    model: Any
    full_url: str | None

    @property
    def label(self) -> str:
        rid = getattr(self.model, "id", None)
        name = f"{self.type}/{rid}" if rid else self.type
        return f"{name} (Bundle entry {self.index})"

    def id_or(self, default: str) -> str:
        rid = getattr(self.model, "id", None)
        if rid:
            return str(rid)
        if self.full_url:
            return self.full_url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1] or default
        return default


@dataclass
class _Bundle:
    """The resources of one Bundle, indexed for resolving references."""

    id: str | None
    resources: list[_Resource] = field(default_factory=list)
    by_key: dict[str, _Resource] = field(default_factory=dict)
    by_identifier: dict[tuple[str | None, str], _Resource] = field(default_factory=dict)

    def add(self, resource: _Resource) -> None:
        self.resources.append(resource)
        if resource.full_url:
            self.by_key.setdefault(resource.full_url, resource)
        rid = getattr(resource.model, "id", None)
        if rid:
            self.by_key.setdefault(f"{resource.type}/{rid}", resource)
        # Logical references (by identifier) are resolved only to what references point at here.
        # Composition.identifier is a single Identifier, not a list, and is no target anyway.
        identifiers = resource.model.identifier if resource.type in ("Encounter", "Patient", "Practitioner") else None
        for identifier in identifiers or []:
            if identifier.value:
                self.by_identifier.setdefault((identifier.system, identifier.value), resource)
                self.by_identifier.setdefault((None, identifier.value), resource)

    def of_type(self, rtype: str) -> list[_Resource]:
        return [r for r in self.resources if r.type == rtype]

    def resolve(self, reference: Any, rtype: str) -> _Resource | None:
        """The resource of type ``rtype`` that a FHIR Reference points to, if it is in the Bundle.

        Accepts ``Type/id``, a ``fullUrl`` (``urn:uuid:...``), an absolute URL ending in
        ``Type/id`` (with or without ``/_history/n``), or a logical reference by identifier.
        """
        if reference is None:
            return None
        found: _Resource | None = None
        ref = reference.reference
        if ref:
            found = self.by_key.get(ref)
            if found is None:
                parts = _HISTORY.sub("", ref).rstrip("/").split("/")
                if len(parts) >= 2:
                    found = self.by_key.get(f"{parts[-2]}/{parts[-1]}")
        elif reference.identifier is not None and reference.identifier.value:
            identifier = reference.identifier
            found = self.by_identifier.get((identifier.system, identifier.value)) or self.by_identifier.get(
                (None, identifier.value)
            )
        return found if found is not None and found.type == rtype else None


def read_fhir_bundle(
    data: dict[str, Any] | str | bytes, *, source: str = "<bundle>", setting: Setting | None = None
) -> list[Encounter]:
    """Read a FHIR R4 / R4B Bundle: one Encounter per FHIR Encounter in it.

    If the Bundle has no Encounter resource, one encounter holds all its documents, with the
    Bundle's id (else ``source``'s file stem) as its id.  ``setting`` overrides what the Bundle
    says.  ``source`` names the input in error messages.

    Strict: the first problem raises :class:`ReadError` (malformed JSON with its line and column,
    an invalid resource with its type, id and element, an unreadable document).  Batch readers use
    :func:`read_bundle_results` instead so one bad encounter does not stop the others.
    """
    if not isinstance(data, dict):
        data = parse_json(data, source)
    id_hint = None if source.startswith("<") else PurePath(source).stem or None
    results = read_bundle_results(data, source=source, id_hint=id_hint, setting=setting)
    for result in results:
        if isinstance(result, ReadError):
            raise result
    return [result for result in results if isinstance(result, Encounter)]


def parse_json(data: str | bytes, source: str, line: int | None = None) -> Any:
    """Parse JSON text, turning a syntax error into a :class:`ReadError` with its line and column."""
    text = decode_bytes(data, source) if isinstance(data, bytes) else data
    if not text.strip():
        raise ReadError(source, "empty file" if line is None else "empty line", line)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if line is None:
            raise ReadError(
                source, f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", exc.lineno
            ) from None
        raise ReadError(source, f"malformed JSON: {exc.msg} (column {exc.colno})", line) from None
    except RecursionError:
        raise ReadError(source, "malformed JSON: nested too deeply", line) from None


def read_bundle_results(
    bundle: Any,
    *,
    source: str,
    line: int | None = None,
    id_hint: str | None = None,
    setting: Setting | None = None,
) -> list[Encounter | ReadError]:
    """Read a parsed Bundle into encounters, with a :class:`ReadError` in place of each one that fails.

    A malformed Bundle or resource raises :class:`ReadError` (the whole Bundle is suspect).  A
    well-formed Bundle whose document cannot be read (a PDF attachment, binary or empty text) gives
    a ReadError in place of that document's encounter, so the Bundle's other encounters are still
    coded; a document linked to none of several encounters gives a ReadError of its own.
    """
    parsed = _parse_bundle(bundle, source, line)
    fhir_encounters = parsed.of_type("Encounter")
    # Without Encounter resources, one synthetic encounter (key -1) holds every document.
    keys = [r.index for r in fhir_encounters] or [-1]
    documents: dict[int, list[Document]] = {key: [] for key in keys}
    document_dates: dict[int, list[dt.date]] = {key: [] for key in keys}
    failed: dict[int, ReadError] = {}
    extra_errors: list[ReadError] = []

    for resource in parsed.resources:
        if resource.type not in ("DocumentReference", "Composition"):
            continue
        model = resource.model
        if model.status == "entered-in-error":
            log.warning("%s: %s is marked entered-in-error; skipped", source, resource.label)
            continue
        if resource.type == "DocumentReference":
            refs = (model.context.encounter or []) if model.context is not None else []
        else:
            refs = [model.encounter] if model.encounter is not None else []
        targets = _targets(parsed, refs, fhir_encounters)
        if not targets:
            where = "is linked to no encounter" if not refs else "is linked to an encounter that is not"
            extra_errors.append(
                ReadError(source, f"{resource.label} {where} in the Bundle, which has {len(keys)} encounters", line)
            )
            continue
        try:
            if resource.type == "DocumentReference":
                document = _document_from_reference(resource, parsed, source, line)
            else:
                document = _document_from_composition(resource, parsed, source, line)
        except ReadError as error:
            for key in targets:
                failed.setdefault(key, error)
            continue
        if document is None:
            continue
        when = _document_date(resource)
        for key in targets:
            _add_unique(documents[key], document)
            if when is not None:
                document_dates[key].append(when)

    existing = _existing_codes(parsed, keys)
    patients = parsed.of_type("Patient")
    results: list[Encounter | ReadError] = []
    for key in keys:
        if key in failed:
            # Name the encounter left uncoded as well as the document that stopped it.
            owner = next((f"{r.label}: " for r in fhir_encounters if r.index == key), "")
            results.append(ReadError(source, f"{owner}{failed[key].reason}", line))
            continue
        try:
            results.append(
                _encounter(
                    parsed,
                    key,
                    patients,
                    documents[key],
                    existing.get(key, []),
                    min(document_dates[key], default=None),
                    source=source,
                    line=line,
                    id_hint=id_hint,
                    setting=setting,
                )
            )
        except ReadError as error:
            results.append(error)
    if keys == [-1] and not documents[-1] and not failed:
        results = [
            ReadError(source, "the Bundle holds no Encounter and no readable DocumentReference or Composition", line)
        ]
    return results + extra_errors


def code_system_name(uri: str) -> str:
    """The medcoder name of a FHIR code system URI (``ICD-10-CM``, ``SNOMED CT`` ...), else the URI."""
    return CODE_SYSTEMS.get(_system_key(uri), uri)


# --- parsing and validation -----------------------------------------------------------------------


def _parse_bundle(bundle: Any, source: str, line: int | None) -> _Bundle:
    if not isinstance(bundle, dict):
        raise ReadError(source, f"expected a FHIR Bundle (a JSON object), got a JSON {_json_type(bundle)}", line)
    rtype = bundle.get("resourceType")
    if rtype != "Bundle":
        raise ReadError(source, f"not a FHIR Bundle (resourceType {rtype!r})", line)
    entries = bundle.get("entry")
    # The Bundle is validated without its resources, which are validated one by one below so an
    # error names the resource and a type medcoder does not read cannot fail the Bundle.
    shell = dict(bundle)
    if isinstance(entries, list):
        shell["entry"] = [
            {k: v for k, v in entry.items() if k != "resource"} if isinstance(entry, dict) else entry
            for entry in entries
        ]
    _validate("Bundle", shell, f"Bundle/{bundle['id']}" if bundle.get("id") else "Bundle", source, line)
    parsed = _Bundle(id=bundle.get("id") if isinstance(bundle.get("id"), str) else None)
    for index, entry in enumerate(entries or []):
        resource = entry.get("resource")
        if resource is None:
            continue  # a deleted entry in a history Bundle, or a bare request
        if not isinstance(resource, dict):
            raise ReadError(source, f"Bundle entry {index}: resource is not a JSON object", line)
        rtype = resource.get("resourceType")
        if not isinstance(rtype, str) or not rtype:
            raise ReadError(source, f"Bundle entry {index}: resource has no resourceType", line)
        if rtype not in READ_TYPES:
            log.debug("%s: Bundle entry %d is a %s, not read", source, index, rtype)
            continue
        label = f"{rtype}/{resource['id']}" if resource.get("id") else rtype
        model = _validate(rtype, resource, f"{label} (Bundle entry {index})", source, line)
        parsed.add(_Resource(rtype, index, model, entry.get("fullUrl")))
    return parsed


_MODEL_CLASSES: dict[str, Any] = {}


def _model_class(rtype: str) -> Any:
    """The R4B model class for a resource type, importing ``fhir.resources`` only when first needed."""
    cls = _MODEL_CLASSES.get(rtype)
    if cls is None:
        module = importlib.import_module(f"{FHIR_MODELS}.{rtype.lower()}")
        cls = _MODEL_CLASSES[rtype] = getattr(module, rtype)
    return cls


def _validate(rtype: str, data: dict[str, Any], label: str, source: str, line: int | None) -> Any:
    try:
        cls = _model_class(rtype)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("fhir"):
            raise ReadError(
                source, "reading FHIR needs the fhir.resources package: pip install fhir.resources", line
            ) from None
        raise
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        where = error_location(first["loc"]) or "(the resource)"
        message = " ".join(str(first["msg"]).split())  # never the input value: it may hold patient data
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        hint = "; this looks like FHIR R5, and medcoder reads R4 / R4B" if _looks_like_r5(rtype, data) else ""
        raise ReadError(source, f"invalid FHIR {label}: {where}: {message}{more}{hint}", line) from None
    except (KeyError, TypeError, ValueError) as exc:
        # fhir.resources raises KeyError for a contained resource of an unknown type, for example.
        raise ReadError(source, f"invalid FHIR {label}: {type(exc).__name__}: {exc}", line) from None


def error_location(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a FHIRPath-like string: ``content[0].attachment.data``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "root":
            out += f".{part}" if out else str(part)
    return out


def _looks_like_r5(rtype: str, data: dict[str, Any]) -> bool:
    if rtype == "Encounter":
        return "actualPeriod" in data or "admission" in data or isinstance(data.get("class"), list)
    if rtype == "DocumentReference":
        return isinstance(data.get("context"), list) or "attester" in data
    return False


def _json_type(value: Any) -> str:
    return {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}.get(type(value), "null")


# --- encounters ----------------------------------------------------------------------------------


def _targets(parsed: _Bundle, refs: list[Any], fhir_encounters: list[_Resource]) -> list[int]:
    """Which encounters (by key) a document belongs to."""
    if not fhir_encounters:
        return [-1]
    keys = [r.index for ref in refs if (r := parsed.resolve(ref, "Encounter")) is not None]
    if keys:
        return list(dict.fromkeys(keys))
    if len(fhir_encounters) == 1:
        # The sender bundled the document with this encounter; an unresolvable reference (to an
        # identifier we cannot see, say) does not change that.
        return [fhir_encounters[0].index]
    return []


def _encounter(
    parsed: _Bundle,
    key: int,
    patients: list[_Resource],
    documents: list[Document],
    existing_codes: list[ExistingCode],
    first_document_date: dt.date | None,
    *,
    source: str,
    line: int | None,
    id_hint: str | None,
    setting: Setting | None,
) -> Encounter:
    resource = next((r for r in parsed.resources if r.index == key), None)
    model = resource.model if resource is not None else None
    admit = discharge = None
    discharge_status = None
    patient_resource = None
    if model is not None:
        encounter_id = resource.id_or(f"{id_hint or 'encounter'}-{key}")
        found_setting = _setting(model.class_fhir)
        if model.period is not None:
            admit, discharge = _as_date(model.period.start), _as_date(model.period.end)
        if model.hospitalization is not None:
            discharge_status = _discharge_status(model.hospitalization.dischargeDisposition)
        patient_resource = parsed.resolve(model.subject, "Patient")
    else:
        encounter_id = parsed.id or id_hint or "bundle"
        found_setting = Setting.outpatient
    if patient_resource is None and len(patients) == 1:
        patient_resource = patients[0]
    final_setting = setting or found_setting
    service = None if final_setting == Setting.inpatient else admit or first_document_date
    reference_date = admit or service or first_document_date
    patient = _patient(patient_resource, reference_date, source, line) if patient_resource else Patient()
    return Encounter(
        id=encounter_id,
        patient=patient,
        setting=final_setting,
        admit_date=admit,
        discharge_date=discharge,
        service_date=service,
        discharge_status=discharge_status,
        documents=documents,
        existing_codes=existing_codes,
    )


def _setting(encounter_class: Any) -> Setting:
    code = encounter_class.code if encounter_class is not None else None
    if code in INPATIENT_CLASSES:
        return Setting.inpatient
    if code is None:
        log.debug("Encounter without class: outpatient")
    return Setting.outpatient


def _discharge_status(disposition: Any) -> str | None:
    if disposition is None:
        return None
    for coding in disposition.coding or []:
        code = (coding.code or "").strip()
        if re.fullmatch(r"\d{2}", code) or (coding.system and "nubc" in coding.system.lower() and code):
            return code
        if code in DISCHARGE_DISPOSITIONS:
            return DISCHARGE_DISPOSITIONS[code]
    log.debug("discharge disposition with no exact UB-04 status: left unset")
    return None


def _patient(resource: _Resource, reference_date: dt.date | None, source: str, line: int | None) -> Patient:
    model = resource.model
    birth = _as_date(model.birthDate)
    age = None
    if birth is not None and reference_date is not None and reference_date >= birth:
        age = reference_date.year - birth.year - ((reference_date.month, reference_date.day) < (birth.month, birth.day))
        if age > 130:
            raise ReadError(source, f"{resource.label}: age {age} at admission is over 130; check birthDate", line)
    sex = {"male": Sex.male, "female": Sex.female}.get(model.gender or "", Sex.unknown)
    return Patient(id=_medical_record_number(model), birth_date=birth, age=age, sex=sex)


def _medical_record_number(model: Any) -> str | None:
    for identifier in model.identifier or []:
        codings = identifier.type.coding if identifier.type is not None else None
        if identifier.value and any(c.code == "MR" for c in codings or []):
            return str(identifier.value)
    return str(model.id) if model.id else None


def _existing_codes(parsed: _Bundle, keys: list[int]) -> dict[int, list[ExistingCode]]:
    out: dict[int, list[ExistingCode]] = {key: [] for key in keys}
    for resource in parsed.resources:
        if resource.type not in ("Condition", "Procedure"):
            continue
        model = resource.model
        if model.code is None:
            continue
        target = parsed.resolve(model.encounter, "Encounter")
        targets = [target.index] if target is not None else keys
        status = _status(resource)
        name = f"{resource.type}/{model.id}" if model.id else resource.label
        for coding in model.code.coding or []:
            if not coding.code:
                continue
            code = ExistingCode(
                system=code_system_name(coding.system) if coding.system else "unknown",
                code=coding.code,
                display=coding.display,
                source=name,
                status=status,
            )
            for key in targets:
                out[key].append(code)
    return out


def _status(resource: _Resource) -> str | None:
    model = resource.model
    if resource.type == "Procedure":
        return model.status
    parts = [
        cc.coding[0].code
        for cc in (model.clinicalStatus, model.verificationStatus)
        if cc is not None and cc.coding and cc.coding[0].code
    ]
    return "/".join(parts) or None


# --- documents -----------------------------------------------------------------------------------


def _document_from_reference(resource: _Resource, parsed: _Bundle, source: str, line: int | None) -> Document | None:
    """The text of a DocumentReference: its first readable attachment (plain text before HTML).

    Attachments are alternative renderings of one document (FHIR R4 DocumentReference.content), so
    one readable one is enough.  Links (``url``) are never fetched: reading must not reach out of
    the machine, and a network fetch of patient data is a decision for the caller.
    """
    model = resource.model
    label = resource.label
    candidates: list[tuple[int, int, str, str | None, bytes]] = []
    unsupported: list[str] = []
    links = 0
    for position, content in enumerate(model.content or []):
        attachment = content.attachment
        mime, charset = _content_type(attachment.contentType)
        if attachment.data is None:
            if attachment.url:
                links += 1
            continue
        rank = _TEXT_TYPES.get(mime or "text/plain")
        if rank is None:
            unsupported.append(mime or "")
        else:
            candidates.append((rank, position, mime or "text/plain", charset, attachment.data))
    if not candidates:
        if unsupported:
            raise ReadError(
                source,
                f"{label}: content type {unsupported[0]!r} cannot be read as text "
                "(medcoder reads text/plain and text/html attachments)",
                line,
            )
        if links:
            # Only the count: the URL may itself carry patient identifiers.
            log.warning("%s: %s has only linked content (url), which medcoder never fetches; skipped", source, label)
            return None
        raise ReadError(source, f"{label}: {EMPTY} (no attachment data)", line)
    _, position, mime, charset, data = min(candidates)
    where = f"{label} content[{position}]"
    try:
        text = decode_bytes(data, f"{source}: {where}", charset=charset)
    except ReadError as error:
        raise ReadError(source, f"{where}: {error.reason}", line) from None
    if _TEXT_TYPES[mime] == 2:
        text = html_to_text(text)
    problem = document_problem(text)
    if problem:
        raise ReadError(source, f"{label}: {problem}", line)
    return Document(
        id=resource.id_or(f"document-{resource.index}"),
        type=_document_type(model.type),
        author=_author(model.author, parsed),
        signed=_signed_by_authenticator(model.authenticator, parsed),
        text=text,
    )


def _document_from_composition(resource: _Resource, parsed: _Bundle, source: str, line: int | None) -> Document:
    """A Composition's narrative as one text: its title, then each section's title and narrative.

    The sections are kept with their exact offsets, so later stages need not guess them.  Nested
    sections follow their parent; each section's span covers its own title and narrative only, so
    spans never overlap.
    """
    model = resource.model
    parts: list[str] = []
    sections: list[Section] = []
    position = 0

    def add(text: str) -> None:
        nonlocal position
        parts.append(text)
        position += len(text)

    if model.title:
        add(model.title.strip() + "\n\n")

    def walk(items: list[Any]) -> None:
        for item in items:
            start = position
            title = (item.title or "").strip()
            if title:
                add(title + "\n")
            body = html_to_text(item.text.div) if item.text is not None and item.text.div else ""
            if body:
                add(body + "\n")
            if position > start:
                sections.append(Section(name=_section_name(item, title), title=title, start=start, end=position - 1))
                add("\n")
            walk(item.section or [])

    walk(model.section or [])
    text = "".join(parts).rstrip("\n")
    body_text = text[len(model.title.strip()) :] if model.title else text
    if not body_text.strip():
        raise ReadError(source, f"{resource.label}: {EMPTY} (no section narrative)", line)
    problem = document_problem(text)
    if problem:
        raise ReadError(source, f"{resource.label}: {problem}", line)
    return Document(
        id=resource.id_or(f"document-{resource.index}"),
        type=_document_type(model.type),
        author=_author(model.author, parsed),
        signed=_signed_by_attester(model.attester, parsed),
        text=text,
        sections=sections,
    )


def _section_name(section: Any, title: str) -> str:
    codings = section.code.coding if section.code is not None else None
    for coding in codings or []:
        if coding.code in SECTION_CODES:
            return SECTION_CODES[coding.code]
    return _slug(title) or "section"


def _document_type(concept: Any) -> str:
    """LOINC document type -> medcoder's name; else the display or text as a lower-case slug."""
    if concept is None:
        return "note"
    codings = concept.coding or []
    for coding in codings:
        if coding.code in DOCUMENT_TYPES and (coding.system is None or "loinc" in coding.system.lower()):
            return DOCUMENT_TYPES[coding.code]
    for text in [concept.text, *(c.display for c in codings)]:
        if text and (slug := _slug(text)):
            return slug
    return "note"


def _document_date(resource: _Resource) -> dt.date | None:
    model = resource.model
    if resource.type == "DocumentReference":
        period = model.context.period if model.context is not None else None
        return _as_date(period.start if period is not None else None) or _as_date(model.date)
    return _as_date(model.date)


def _author(references: list[Any] | None, parsed: _Bundle) -> str | None:
    for reference in references or []:
        if name := _name_of(reference, parsed):
            return name
    return None


# A FHIR document carries its authentication (DocumentReference.authenticator, Composition.attester):
# one sent without it is known not signed (False), unlike a plain-text note, which cannot say (None).


def _signed_by_authenticator(reference: Any, parsed: _Bundle) -> Signature | Literal[False]:
    # R4 DocumentReference records who authenticated but not when.
    name = _name_of(reference, parsed)
    return Signature(by=name) if name else False


def _signed_by_attester(attesters: list[Any] | None, parsed: _Bundle) -> Signature | Literal[False]:
    """The legal attester first (who signed it), then professional, then any."""
    order = {"legal": 0, "professional": 1, "official": 2, "personal": 3}
    for attester in sorted(attesters or [], key=lambda a: order.get(a.mode or "", 9)):
        name = _name_of(attester.party, parsed)
        if name:
            return Signature(by=name, at=_as_datetime(attester.time))
    return False


def _name_of(reference: Any, parsed: _Bundle) -> str | None:
    if reference is None:
        return None
    if reference.display:
        return str(reference.display)
    practitioner = parsed.resolve(reference, "Practitioner")
    if practitioner is None:
        return None
    for name in practitioner.model.name or []:
        if name.text:
            return str(name.text)
        words = [*(name.prefix or []), *(name.given or []), name.family or "", *(name.suffix or [])]
        if joined := " ".join(w for w in words if w):
            return joined
    return None


# --- small helpers -------------------------------------------------------------------------------


def _add_unique(documents: list[Document], document: Document) -> None:
    """Append, renaming on an id clash: evidence refers to documents by id within an encounter."""
    ids = {d.id for d in documents}
    if document.id in ids:
        n = 2
        while f"{document.id}-{n}" in ids:
            n += 1
        document = document.model_copy(update={"id": f"{document.id}-{n}"})
    documents.append(document)


def _content_type(value: str | None) -> tuple[str | None, str | None]:
    """``text/plain; charset=ISO-8859-1`` -> (``text/plain``, ``ISO-8859-1``)."""
    if not value:
        return None, None
    mime, *params = value.split(";")
    charset = None
    for param in params:
        name, _, param_value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = param_value.strip().strip('"').strip("'") or None
    return mime.strip().lower() or None, charset


def _as_date(value: Any) -> dt.date | None:
    """A FHIR date / dateTime as a date; partial dates (``2024`` or ``2024-03``) name no day: None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def _as_datetime(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    return None


def _slug(text: str) -> str:
    return _NON_WORD.sub("_", text.lower()).strip("_")


def _system_key(uri: str) -> str:
    key = uri.strip().lower().rstrip("/")
    for scheme in ("https://", "http://"):
        key = key.removeprefix(scheme)
    return key
