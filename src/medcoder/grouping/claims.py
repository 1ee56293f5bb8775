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


class ClaimDiagnosis(_Model):
    code: str
    poa: Literal["Y", "N", "U", "W", "1"] | None = Field(
        default=None, description="present on admission; '1' (exempt) is read as blank"
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

    @field_validator("code")
    @classmethod
    def _normalize(cls, value: str) -> str:
        return _code(value)


class Claim(_Model):
    """An inpatient claim as the MS-DRG grouper and the HCC model see it."""

    id: str | None = Field(default=None, description="claim or encounter id, echoed in results")
    discharge_date: dt.date
    age: int = Field(ge=0, le=124)
    sex: Literal["M", "F", "U"] = "U"
    discharge_status: int = Field(default=1, ge=0, le=99, description="UB-04 patient discharge status, e.g. 1")
    diagnoses: list[ClaimDiagnosis] = Field(min_length=1, description="the first is the principal diagnosis")
    procedures: list[ClaimProcedure] = Field(default_factory=list)

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
