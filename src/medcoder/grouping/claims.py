"""The claim a grouper reads: demographics, diagnoses (the first is the principal) and procedures.

``read_claims`` reads one JSON object, a JSON array of objects, or JSONL (one claim per line) and
yields a :class:`Claim` or, in place of a bad one, a :class:`~medcoder.errors.ReadError` naming the
file and line, so the rest of a batch is still grouped.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from medcoder.codesets.normalize import ICD10CM, ICD10PCS, guess_systems
from medcoder.errors import InputFileError, ReadError

_CODE = re.compile(r"^[A-Z0-9]{3,7}$")


def normalize_code(code: str) -> str:
    """``e11.65`` -> ``E1165``: the dotless upper-case form the groupers read."""
    return code.strip().replace(".", "").upper()


def _code(value: str) -> str:
    code = normalize_code(value)
    if not _CODE.match(code):
        raise ValueError(f"{value!r} is not an ICD-10 code (3 to 7 letters or digits, dots optional)")
    return code


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


POA_VALUES = ("Y", "N", "U", "W", "1")


class ClaimDiagnosis(_Model):
    code: str
    poa: str | None = Field(
        default=None,
        max_length=1,
        description="present on admission: Y, N, U, W, or 1 (exempt, read as blank); other values are kept "
        "for the POA edit to report and are blank to the grouper",
    )

    @field_validator("code")
    @classmethod
    def _normalize(cls, value: str) -> str:
        return _code(value)

    @field_validator("poa", mode="before")
    @classmethod
    def _poa_upper(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().upper()
            return value or None
        return value


class ClaimProcedure(_Model):
    code: str
    system: Literal["ICD-10-PCS", "CPT", "HCPCS"] | None = Field(
        default=None, description="guessed from the code's shape when absent (7 characters: ICD-10-PCS)"
    )
    units: int = Field(default=1, ge=1, description="units of service (MUE edits)")
    modifiers: list[str] = Field(default_factory=list, description="CPT/HCPCS modifiers, e.g. ['59', 'RT']")
    date: dt.date | None = Field(default=None, description="date the procedure was performed")
    prior_authorization: str | None = Field(default=None, description="the payer's authorization number")

    @field_validator("code")
    @classmethod
    def _normalize(cls, value: str) -> str:
        return _code(value)

    @field_validator("modifiers")
    @classmethod
    def _modifiers(cls, value: list[str]) -> list[str]:
        return [m.strip().upper() for m in value if m.strip()]

    @property
    def code_system(self) -> str:
        """The given system, else the one the code's shape says (a partial PCS code stays PCS)."""
        if self.system:
            return self.system
        systems = [s for s in guess_systems(self.code) if s != ICD10CM]  # a procedure is never a diagnosis
        return systems[0] if systems else ICD10PCS


class Claim(_Model):
    """A claim as the MS-DRG grouper, the HCC model and the edit engine see it.

    Grouping needs ``discharge_date`` and ``age``; the edit engine reports what is missing instead.
    """

    id: str | None = Field(default=None, description="claim or encounter id, echoed in results")
    setting: Literal["inpatient", "outpatient", "professional"] = "inpatient"
    admit_date: dt.date | None = None
    discharge_date: dt.date | None = None
    service_date: dt.date | None = Field(default=None, description="date of service (outpatient, professional)")
    age: int | None = Field(default=None, ge=0, le=124)
    sex: Literal["M", "F", "U"] = "U"
    discharge_status: int | None = Field(
        default=None, ge=0, le=99, description="UB-04 patient discharge status, e.g. 1 (the grouper reads 1 if absent)"
    )
    payer: str | None = None
    prior_authorization: str | None = Field(default=None, description="claim-level authorization number")
    diagnoses: list[ClaimDiagnosis] = Field(min_length=1, description="the first is the principal diagnosis")
    procedures: list[ClaimProcedure] = Field(default_factory=list)

    @property
    def date_of_service(self) -> dt.date | None:
        """The date that picks code-set releases: discharge for inpatients, else the service date."""
        if self.setting == "inpatient":
            return self.discharge_date or self.admit_date or self.service_date
        return self.service_date or self.discharge_date or self.admit_date

    @field_validator("sex", mode="before")
    @classmethod
    def _sex_upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @property
    def principal(self) -> ClaimDiagnosis:
        return self.diagnoses[0]

    @property
    def secondaries(self) -> list[ClaimDiagnosis]:
        return self.diagnoses[1:]


def _reason(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "claim"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def _claim(data: object, path: Path, line: int) -> Claim | ReadError:
    if not isinstance(data, dict):
        return ReadError(path, f"expected a JSON object, found {type(data).__name__}", line)
    try:
        return Claim.model_validate(data)
    except ValidationError as exc:
        return ReadError(path, _reason(exc), line)


def read_claims(path: str | Path) -> Iterator[Claim | ReadError]:
    """Claims from ``path``: one JSON object, a JSON array, or JSONL (blank lines skipped).

    A missing or undecodable file raises :class:`InputFileError`; a bad claim is yielded as a
    :class:`ReadError` (with its line) and the others are still read.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(path, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"cannot read: {exc}") from None
    stripped = text.strip()
    if not stripped:
        return
    if stripped[0] in "{[":
        try:
            whole = json.loads(stripped)
        except json.JSONDecodeError:
            whole = None  # not one document: JSONL, read line by line below
        else:
            line = text[: len(text) - len(text.lstrip())].count("\n") + 1
            if isinstance(whole, list):
                for item in whole:
                    yield _claim(item, path, line)
            else:
                yield _claim(whole, path, line)
            return
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield ReadError(path, f"not valid JSON: {exc.msg} (column {exc.colno})", number)
            continue
        yield _claim(data, path, number)
