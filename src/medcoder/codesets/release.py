"""Releases of the code sets: manifests, effective dates, and choosing a release by date of service.

ICD-10-CM and ICD-10-PCS change every 1 October (fiscal year FY = calendar year + 1), with an April
update in some years.  A release is identified as ``icd10cm-2026`` (the October release of FY2026,
effective 2025-10-01 .. 2026-09-30), ``icd10cm-2026-04`` (the April 2026 update, effective
2026-04-01 .. 2026-09-30) or ``icd10pcs-2026``.  Several releases can be installed side by side;
the one whose effective window covers the date of service is used, the most recent if windows
overlap.  For coding, a date after every installed release is coded with the newest one and the
result says so (:func:`choose_release` with ``fallback``): encounters of a fiscal year whose files
are not installed yet still code, with a warning naming the release to install.  A date before
every installed release has no such stand-in and stays an error.

HCPCS Level II changes every quarter: ``hcpcs-2026-01`` is the January 2026 file, effective
2026-01-01 .. 2026-03-31 (``-04``, ``-07``, ``-10`` for the other quarters).  CPT changes every
1 January: ``cpt-2026`` is effective 2026-01-01 .. 2026-12-31.  Within a release each HCPCS code
also carries its own added and termination dates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from medcoder.codesets.normalize import CPT, HCPCS, ICD10CM, ICD10PCS
from medcoder.errors import NoReleaseError

PARSER_VERSION = "1"

# File kinds a release can hold.
CM_KINDS = ("tabular", "index", "eindex", "drug", "neoplasm")
PCS_KINDS = ("tables", "index", "definitions")
HCPCS_KINDS = ("hcpcs",)
CPT_KINDS = ("long", "medium", "short")
FileKind = Literal[
    "tabular", "index", "eindex", "drug", "neoplasm", "tables", "definitions", "hcpcs", "long", "medium", "short"
]


class ReleaseFile(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: FileKind
    name: str = Field(description="file name inside the release directory")
    sha256: str
    size: int


class Manifest(BaseModel):
    """What was installed, from where, and for which dates; written beside the files."""

    model_config = ConfigDict(frozen=True)

    release_id: str
    system: Literal["ICD-10-CM", "ICD-10-PCS", "HCPCS", "CPT"]
    version: str = Field(description="the <version> the official files carry, e.g. 2026")
    effective_from: dt.date
    effective_to: dt.date
    files: tuple[ReleaseFile, ...]
    parser_version: str = PARSER_VERSION
    source: str = Field(description="where the files came from (a path, a URL, or a bundled package)")

    def file(self, kind: str) -> ReleaseFile | None:
        for f in self.files:
            if f.kind == kind:
                return f
        return None

    def covers(self, day: dt.date) -> bool:
        return self.effective_from <= day <= self.effective_to

    def fingerprint(self) -> str:
        """What identifies the content: everything but where it came from."""
        payload = {
            "release_id": self.release_id,
            "effective": [self.effective_from.isoformat(), self.effective_to.isoformat()],
            "files": sorted((f.kind, f.sha256) for f in self.files),
            "parser": self.parser_version,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fiscal_window(fy: int, april: bool = False) -> tuple[dt.date, dt.date]:
    start = dt.date(fy, 4, 1) if april else dt.date(fy - 1, 10, 1)
    return start, dt.date(fy, 9, 30)


_APRIL = re.compile(r"april", re.IGNORECASE)
_YEAR = re.compile(r"(20\d\d)")


def release_id_for(system: str, version: str, file_names: list[str]) -> tuple[str, dt.date, dt.date]:
    """Release id and effective window from the files' ``<version>`` and names.

    CDC names April updates ``...-April-1-2026.xml``; otherwise a file is the October release of
    the fiscal year its ``<version>`` gives.
    """
    match = _YEAR.search(version) or next((m for n in file_names if (m := _YEAR.search(n))), None)
    if match is None:
        raise ValueError(f"cannot tell the fiscal year from version {version!r} or names {file_names}")
    fy = int(match.group(1))
    april = any(_APRIL.search(n) for n in file_names)
    prefix = "icd10cm" if system == ICD10CM else "icd10pcs"
    rid = f"{prefix}-{fy}" + ("-04" if april else "")
    start, end = fiscal_window(fy, april)
    return rid, start, end


def quarter_window(year: int, month: int) -> tuple[dt.date, dt.date]:
    """From the first of ``month`` to the last day of its calendar quarter (HCPCS quarterly files)."""
    start = dt.date(year, month, 1)
    quarter_end = ((month - 1) // 3) * 3 + 3  # 3, 6, 9 or 12
    if quarter_end == 12:
        return start, dt.date(year, 12, 31)
    return start, dt.date(year, quarter_end + 1, 1) - dt.timedelta(days=1)


def hcpcs_release_id(year: int, month: int) -> tuple[str, dt.date, dt.date]:
    start, end = quarter_window(year, month)
    return f"hcpcs-{year}-{month:02d}", start, end


def cpt_release_id(year: int) -> tuple[str, dt.date, dt.date]:
    return f"cpt-{year}", dt.date(year, 1, 1), dt.date(year, 12, 31)


def fiscal_year(day: dt.date) -> int:
    """The US federal fiscal year of a date (ICD-10 releases follow it): FY2027 is 2026-10-01 .. 2027-09-30."""
    return day.year + 1 if day.month >= 10 else day.year


def release_wanted(system: str, day: dt.date) -> str:
    """How the release covering ``day`` is named to a user: ``FY2027``, ``2027 Q1``, ``2027``."""
    if system in (ICD10CM, ICD10PCS):
        return f"FY{fiscal_year(day)}"
    if system == HCPCS:
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


@dataclass(frozen=True, slots=True)
class ReleaseChoice:
    """The release used for a date of service, and whether it is a stand-in (``fallback``).

    ``fallback`` is true when no installed release of the system covers ``day``, ``day`` is after
    every installed release, and the newest one was used instead; :meth:`message` says so.
    """

    system: str
    manifest: Manifest
    day: dt.date | None
    fallback: bool = False

    @property
    def release_id(self) -> str:
        return self.manifest.release_id

    def message(self) -> str | None:
        """What a result that used a stand-in release must say; ``None`` when it is not one."""
        if not self.fallback or self.day is None:
            return None
        wanted = release_wanted(self.system, self.day)
        m = self.manifest
        return (
            f"no {self.system} release installed for {self.day.isoformat()} ({wanted}): used {m.release_id} "
            f"(effective {m.effective_from.isoformat()} to {m.effective_to.isoformat()}), the newest installed; "
            f"install the {wanted} {self.system} files with `medcoder codesets install`"
        )

    def fix(self) -> str | None:
        """How to install the release the date needs; ``None`` when this is not a stand-in."""
        if not self.fallback or self.day is None:
            return None
        how = "`medcoder codesets install FOLDER_OR_ZIP` (the official files)"
        if self.system in (ICD10CM, ICD10PCS):
            system = "cm" if self.system == ICD10CM else "pcs"
            how = f"`medcoder codesets download {fiscal_year(self.day)} --system {system}` or {how}"
        return f"install the {release_wanted(self.system, self.day)} {self.system} release: {how}; then run again"


def choose_release(
    manifests: list[Manifest], system: str, day: dt.date | None, *, fallback: bool = False
) -> ReleaseChoice:
    """The release of ``system`` for a date of service (``None``: the most recent).

    With ``fallback``, a date after every installed release gets the newest one, marked as a
    stand-in; without it (and always for a date before every installed release, or in a gap
    between two) :class:`NoReleaseError` (E110).
    """
    mine = [m for m in manifests if m.system == system]
    if not mine:
        raise NoReleaseError(f"no {system} release is installed (see `medcoder codesets install`)")
    mine.sort(key=lambda m: (m.effective_from, m.release_id))
    if day is None:
        return ReleaseChoice(system, mine[-1], None)
    covering = [m for m in mine if m.covers(day)]
    if covering:
        return ReleaseChoice(system, covering[-1], day)
    newest = max(mine, key=lambda m: (m.effective_to, m.effective_from, m.release_id))
    if fallback and day > newest.effective_to:
        return ReleaseChoice(system, newest, day, fallback=True)
    windows = "; ".join(f"{m.release_id} {m.effective_from}..{m.effective_to}" for m in mine)
    raise NoReleaseError(
        f"no installed {system} release covers date of service {day.isoformat()} "
        f"(installed: {windows}); install the {release_wanted(system, day)} release"
    )


def choose(manifests: list[Manifest], system: str, day: dt.date | None, *, fallback: bool = False) -> Manifest:
    """The release of ``system`` to use for a date of service (see :func:`choose_release`)."""
    return choose_release(manifests, system, day, fallback=fallback).manifest


SYSTEMS = (ICD10CM, ICD10PCS, HCPCS, CPT)
