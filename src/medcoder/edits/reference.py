"""Reference tables for claim edits, read from the files CMS publishes: NCCI PTP, MUE, POA-exempt.

Every reader takes ``str`` or :class:`~pathlib.Path` arguments naming text files, CSV files or
``.zip`` files holding them (the form CMS distributes).  Text is decoded as UTF-8 (a byte-order
mark is dropped) and, where that fails, as Windows-1252, the encoding of most CMS text files.
The delimiter is a tab when the first 64 KiB of the file hold one, otherwise a comma.  Title,
copyright and blank lines before the header row are skipped; columns are found by keywords in
the header, not by position, and a header wrapped over several lines is joined cell by cell.
Excel workbooks are not read: use the tab-delimited text or CSV file from the same download.
In a zip every ``.txt``/``.tsv``/``.csv`` member is read (one per file stem, ``.txt`` preferred),
members without the layout's header (a read-me) are skipped, and errors name ``archive.zip!member``.

Errors: a missing or unreadable file raises :class:`~medcoder.errors.InputFileError`; a file
that is not the layout, or a row that cannot be read, raises
:class:`~medcoder.errors.ReleaseFileError` with the file and, for a row, its line number.  CMS
files are clean, so a bad row stops the read rather than being skipped silently.  The same file
given twice (by content) is an error too.  Codes are normalised: stripped, upper case, no dots.

NCCI procedure-to-procedure (PTP) edits -- :class:`PtpTable`
    The quarterly practitioner (``ccipra-v*-f1.txt`` ... ``-f4.txt``: CMS splits the table by
    code range; give all the files) and hospital outpatient (``ccioph-*``) files.  Header cells
    ``Column 1``, ``Column 2``, ``*=in existence prior to 1996``, ``Effective Date``,
    ``Deletion Date *=no data``, ``Modifier 0=not allowed 1=allowed 9=not applicable``,
    ``PTP Edit Rationale`` (the prior-1996 and rationale columns are optional).  Rows: column-1
    code, column-2 code, ``*`` or blank, effective date ``YYYYMMDD``, deletion date ``YYYYMMDD``
    or ``*`` (none), modifier indicator 0, 1 or 9, rationale.  Dates may also be ``YYYY-MM-DD``
    or ``M/D/YYYY`` (a spreadsheet export).  An edit is in effect on a date of service ``day``
    when ``effective <= day`` and ``day < deleted``: CMS deletion dates are the first date the
    edit no longer applies.  A pair may have several rows (an edit deleted and re-added); the
    one in effect is returned.  The table kind (practitioner or outpatient) is ``kind=`` or, when
    not given, detected from the file name (``ccipra``/``practitioner``; ``ccioph``/``hospital``/
    ``outpatient``) or else the title lines; files of both kinds in one table are an error.

Medically Unlikely Edits (MUE) -- :class:`MueTable`
    The quarterly practitioner, outpatient hospital (facility) and DME supplier files.  Header
    cells ``HCPCS/CPT Code``, ``<Practitioner | Outpatient Hospital | DME Supplier> Services MUE
    Values``, ``MUE Adjudication Indicator``, ``MUE Rationale`` (optional).  The service comes from
    the values column's header, else the file name, else ``service=``.  Limits are whole numbers
    (0 allowed); the adjudication indicator (MAI) is its leading digit: ``1 Line Edit``,
    ``2 Date of Service Edit: Policy``, ``3 Date of Service Edit: Clinical``.  A code listed twice
    for one service and quarter is an error.  MUE files have no per-row dates: ``effective=`` and
    ``until=`` (the last date of service, inclusive) apply to every file of one ``read``; without
    them the effective date is taken from a file name such as
    ``MCR_MUE_PractitionerServices_Eff_01-01-2026.csv`` (``Eff_MM-DD-YYYY`` or
    ``Eff_YYYY-MM-DD``), else it is unknown (``None``: always in effect).  With several quarters of
    one service loaded, ``get(code, service, day)`` returns the latest that is in effect on ``day``.

POA-exempt ICD-10-CM codes -- :class:`PoaExemptList`
    The list CMS/CDC publish with each ICD-10-CM release, and the layout of the Official
    Guidelines Appendix I.  A text or CSV file: with a header row holding a ``Code`` (``ICD-10-CM
    Code``, ``Diagnosis Code``) column, every row's code is read from it (a value that is not a code
    is an error); without one, each line's first word is taken when it is a code (a leading row
    number is passed over) and other lines (titles, descriptions) are skipped.  An entry is a code,
    a category or subcategory (``Z37`` exempts every ``Z37.x``; ``V00.81-`` its subcodes) or a range
    (``B90-B94``, compared on the leading characters).  An Appendix I line starting ``Except``
    excludes the codes it names from the entry above it.  A ``.json`` file in the bundled format
    is read too.  :meth:`PoaExemptList.bundled` is medcoder's partial, curated list.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from medcoder.errors import InputFileError, ReleaseFileError

__all__ = [
    "MUE_SERVICES",
    "MueEntry",
    "MueTable",
    "PoaEntry",
    "PoaExemptFile",
    "PoaExemptList",
    "PtpEdit",
    "PtpTable",
    "ReferenceFile",
    "normalize_hcpcs",
    "normalize_icd",
]

PtpKind = Literal["practitioner", "outpatient"]
MueService = Literal["practitioner", "outpatient", "dme"]
MUE_SERVICES: tuple[str, ...] = ("practitioner", "outpatient", "dme")
_PTP_KINDS = ("practitioner", "outpatient")

_HCPCS = re.compile(r"(?=[A-Z]*[0-9])[0-9A-Z]{5}")  # five letters or digits, not all letters
_ICD = re.compile(r"[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}")
_TEXT_SUFFIXES = (".txt", ".tsv", ".csv")  # preference order for one stem in a zip
_EXCEL_SUFFIXES = (".xlsx", ".xls", ".xlsm")


def normalize_hcpcs(code: str) -> str:
    """``' 0001u '`` -> ``'0001U'``: CPT / HCPCS codes stripped, upper case, without dots."""
    return code.strip().replace(".", "").upper()


def normalize_icd(code: str) -> str:
    """``'z37.0'`` -> ``'Z370'``: ICD-10-CM codes dotless and upper case."""
    return code.strip().replace(".", "").upper()


@dataclass(frozen=True, slots=True)
class ReferenceFile:
    """One file a table was read from (for a release manifest: DESIGN.md §4)."""

    path: str  # the file, or ``archive.zip!member``
    sha256: str  # of the file's bytes (of the member's, in a zip)
    rows: int  # edits, entries or codes read from it
    kind: str | None = None  # PTP: practitioner / outpatient; MUE: the service
    effective: dt.date | None = None
    until: dt.date | None = None


# --- reading files ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Text:
    name: str  # for messages: the path, or path!member
    filename: str  # the base name (member name in a zip): kind and date hints
    zip_name: str  # the zip's base name, "" for a plain file
    text: str
    sha256: str


class _NotLayout(ReleaseFileError):
    """A file without the layout's header: skipped inside a zip, an error otherwise."""


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # CMS text files are usually Windows-1252; its five unassigned bytes become U+FFFD.
        return raw.decode("cp1252", errors="replace")


def _open_texts(path: str | Path) -> list[_Text]:
    path = Path(path)
    if not path.exists():
        raise InputFileError(path, "no such file")
    if path.is_dir():
        raise InputFileError(path, "is a directory: give the files themselves (or the CMS zip)")
    if path.suffix.lower() in _EXCEL_SUFFIXES:
        raise ReleaseFileError(
            path, "Excel workbooks are not read: use the tab-delimited text or CSV file from the same CMS download"
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(path, f"cannot read: {exc.strerror or exc}") from None
    if path.suffix.lower() == ".zip" or raw[:4] == b"PK\x03\x04":
        return _zip_texts(path, raw)
    return [_Text(str(path), path.name, "", _decode(raw), hashlib.sha256(raw).hexdigest())]


def _zip_texts(path: Path, raw: bytes) -> list[_Text]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as exc:
        raise ReleaseFileError(path, f"not a readable zip file: {exc}") from None
    with archive:
        names = [n for n in archive.namelist() if not n.endswith("/") and not n.startswith("__MACOSX/")]
        chosen: dict[str, str] = {}
        for name in sorted(names):
            suffix = Path(name).suffix.lower()
            if suffix not in _TEXT_SUFFIXES:
                continue
            stem = name[: -len(suffix)]
            have = chosen.get(stem)
            if have is None or _TEXT_SUFFIXES.index(suffix) < _TEXT_SUFFIXES.index(Path(have).suffix.lower()):
                chosen[stem] = name
        if not chosen:
            if any(Path(n).suffix.lower() in _EXCEL_SUFFIXES for n in names):
                raise ReleaseFileError(path, "the zip holds only Excel workbooks: use the text or CSV version")
            raise ReleaseFileError(path, "the zip holds no text or CSV file")
        texts = []
        for name in sorted(chosen.values()):
            try:
                data = archive.read(name)
            except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
                raise ReleaseFileError(f"{path}!{name}", f"cannot read from the zip: {exc}") from None
            texts.append(_Text(f"{path}!{name}", Path(name).name, path.name, _decode(data), _sha(data)))
    return texts


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _records(text: str) -> Any:
    delimiter = "\t" if "\t" in text[:65536] else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _squash(cell: str) -> str:
    return re.sub(r"\s+", " ", cell.strip().lower())


def _read_all(paths: Sequence[str | Path], parse, what: str) -> list:
    """Parse each file (each text member of a zip), refusing the same content twice."""
    if not paths:
        raise TypeError(f"{what}: give at least one file")
    results = []
    seen: dict[str, str] = {}
    for path in paths:
        texts = _open_texts(path)
        parsed = []
        for text in texts:
            if text.sha256 in seen:
                raise ReleaseFileError(text.name, f"the same file was given twice (also read as {seen[text.sha256]})")
            try:
                parsed.append(parse(text))
            except _NotLayout:
                if len(texts) == 1:
                    raise
                continue  # a read-me or other text member of a CMS zip
            except csv.Error as exc:  # e.g. an unclosed quote that swallows the rest of the file
                raise ReleaseFileError(text.name, f"cannot be read as CSV or tab-delimited text: {exc}") from None
            seen[text.sha256] = text.name
        if not parsed:
            raise ReleaseFileError(path, f"not {what}: no member of the zip has the layout's header row")
        results.extend(parsed)
    return results


_DATE_FORMS = (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})"))


def _parse_date(cell: str) -> dt.date:
    """``YYYYMMDD`` (CMS), or ``YYYY-MM-DD`` / ``M/D/YYYY`` from a spreadsheet export."""
    if len(cell) == 8 and cell.isdigit():
        return dt.date(int(cell[:4]), int(cell[4:6]), int(cell[6:]))
    match = _DATE_FORMS[0].fullmatch(cell)
    if match:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    match = _DATE_FORMS[1].fullmatch(cell)
    if match:
        return dt.date(int(match[3]), int(match[1]), int(match[2]))
    raise ValueError("not a date (expected YYYYMMDD)")


# --- NCCI procedure-to-procedure edits ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PtpEdit:
    """One NCCI PTP edit: ``column2`` is not paid with ``column1`` on the same date of service."""

    column1: str
    column2: str
    effective: dt.date
    deleted: dt.date | None  # first date of service the edit no longer applies; None: in force
    modifier: int  # 0 not allowed, 1 allowed, 9 not applicable (the edit was deleted)
    rationale: str = ""
    prior_1996: bool = False

    def in_effect(self, day: dt.date | None) -> bool:
        """In effect on ``day`` (``None``: not deleted, i.e. in the current table)."""
        if day is None:
            return self.deleted is None
        return self.effective <= day and (self.deleted is None or day < self.deleted)


# The index keeps each edit as a plain tuple (effective, deleted, modifier, rationale, prior_1996) --
# a million PtpEdit objects cost seconds to build and are rarely looked at -- or a list of such
# tuples for a pair with several rows; PtpEdit objects are made when an edit is returned.
_Row = tuple[dt.date, dt.date | None, int, str, bool]


def _add_row(index: dict[tuple[str, str], _Row | list[_Row]], key: tuple[str, str], row: _Row) -> None:
    have = index.get(key)
    if have is None:
        index[key] = row
    elif isinstance(have, list):
        have.append(row)
    else:
        index[key] = [have, row]


class PtpTable:
    """NCCI PTP edits keyed by (column 1, column 2); see the module docstring for the layouts.

    >>> table = PtpTable.read("ccipra-v321r0-f1.txt", "ccipra-v321r0-f2.txt")   # doctest: +SKIP
    >>> table.edit("12345", "67890", dt.date(2026, 2, 1))                        # doctest: +SKIP
    PtpEdit(column1='67890', column2='12345', ...)
    """

    def __init__(
        self,
        edits: Iterable[PtpEdit] = (),
        kind: PtpKind | None = None,
        source: str = "",
        files: Sequence[ReferenceFile] = (),
    ) -> None:
        self._index: dict[tuple[str, str], _Row | list[_Row]] = {}
        self._count = 0
        self.kind = kind
        self.source = source
        self.files: tuple[ReferenceFile, ...] = tuple(files)
        for edit in edits:
            key = (normalize_hcpcs(edit.column1), normalize_hcpcs(edit.column2))
            _add_row(self._index, key, (edit.effective, edit.deleted, edit.modifier, edit.rationale, edit.prior_1996))
            self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[PtpEdit]:
        for (column1, column2), slot in self._index.items():
            for row in slot if isinstance(slot, list) else (slot,):
                yield PtpEdit(column1, column2, *row)

    def __repr__(self) -> str:
        return f"PtpTable({self._count} edits, kind={self.kind!r}, source={self.source!r})"

    def edit(self, code_a: str, code_b: str, day: dt.date | None = None) -> PtpEdit | None:
        """The edit between two codes, in either order, in effect on ``day``; ``None`` if none.

        ``day=None`` asks for an edit that is not deleted (in force in the table's quarter).
        """
        a, b = normalize_hcpcs(code_a), normalize_hcpcs(code_b)
        for key in ((a, b), (b, a)) if a != b else ((a, b),):
            slot = self._index.get(key)
            if slot is None:
                continue
            for row in slot if isinstance(slot, list) else (slot,):
                edit = PtpEdit(key[0], key[1], *row)
                if edit.in_effect(day):
                    return edit
        return None

    def edits_for(self, codes: Iterable[str], day: dt.date | None = None) -> list[PtpEdit]:
        """Every edit in effect on ``day`` between two different codes of a claim, in claim order."""
        unique = list(dict.fromkeys(normalize_hcpcs(code) for code in codes))
        found = []
        for i, first in enumerate(unique):
            for second in unique[i + 1 :]:
                edit = self.edit(first, second, day)
                if edit is not None:
                    found.append(edit)
        return found

    @classmethod
    def read(cls, *paths: str | Path, kind: PtpKind | None = None) -> PtpTable:
        """Read and concatenate CMS PTP files (text, CSV, or zips of them)."""
        if kind is not None and kind not in _PTP_KINDS:
            raise ValueError(f"kind must be 'practitioner', 'outpatient' or None, not {kind!r}")
        table = cls(kind=kind)
        parsed = _read_all(paths, lambda text: _parse_ptp(text, table), "an NCCI PTP file")
        kinds = {file.kind for file in parsed if file.kind}
        if kind is None and len(kinds) > 1:
            first = next(f for f in parsed if f.kind)
            other = next(f for f in parsed if f.kind and f.kind != first.kind)
            raise ReleaseFileError(
                other.path,
                f"an NCCI PTP {other.kind} file given with a {first.kind} file ({first.path}): "
                "read the practitioner and outpatient tables separately",
            )
        table.kind = kind or (kinds.pop() if kinds else None)
        table.files = tuple(ReferenceFile(f.path, f.sha256, f.rows, table.kind, f.effective, f.until) for f in parsed)
        table.source = "; ".join(f.path for f in parsed)
        return table


def _ptp_key(cell: str) -> str | None:
    name = _squash(cell)
    compact = name.replace(" ", "")
    if compact.startswith("column1") and "column2" not in compact:
        return "column1"
    if compact.startswith("column2") and "column1" not in compact:
        return "column2"
    if "1996" in name or "prior" in name:
        return "prior_1996"
    if "effective" in name:
        return "effective"
    if "deletion" in name or "deleted" in name:
        return "deleted"
    if "modifier" in name:
        return "modifier"
    if "rationale" in name:
        return "rationale"
    return None


def _kind_hint(filename: str, zip_name: str, title: str) -> str | None:
    for name in (filename.lower(), zip_name.lower()):
        if "ccipra" in name or "practitioner" in name:
            return "practitioner"
        if "ccioph" in name or "hospital" in name or "outpatient" in name or "opps" in name:
            return "outpatient"
    title = title.lower()
    practitioner = "practitioner" in title
    outpatient = "hospital" in title or "outpatient" in title
    if practitioner != outpatient:
        return "practitioner" if practitioner else "outpatient"
    return None


_PTP_REQUIRED = {
    "column1": "Column 1",
    "column2": "Column 2",
    "effective": "Effective Date",
    "deleted": "Deletion Date",
    "modifier": "Modifier",
}


def _header_columns(cells: list[str], key_of) -> dict[str, int]:
    columns: dict[str, int] = {}
    for i, cell in enumerate(cells):
        key = key_of(cell)
        if key and key not in columns:
            columns[key] = i
    return columns


def _parse_ptp(text: _Text, table: PtpTable) -> ReferenceFile:
    name = text.name
    reader = _records(text.text)
    title: list[str] = []
    header: list[str] | None = None
    header_line = 0
    for record in reader:
        if header is None:
            columns = _header_columns(record, _ptp_key)
            if "column1" in columns and "column2" in columns:
                header, header_line = list(record), reader.line_num
                break
            title.append(" ".join(record))
    if header is None:
        raise _NotLayout(name, "not an NCCI PTP file: no header row with 'Column 1' and 'Column 2'")
    c1 = _header_columns(header, _ptp_key)["column1"]

    index = table._index
    get = index.get
    count = 0
    dates: dict[str, dt.date] = {}
    strings: dict[str, str] = {}
    intern = strings.setdefault
    columns: dict[str, int] | None = None
    i2 = ie = idl = im = ip = ir = -1
    width = 0
    for record in reader:
        first = record[c1].strip().upper() if len(record) > c1 else ""
        if columns is None:
            if not _HCPCS.fullmatch(first):
                # the header wrapped: join this line's cells onto the header's, cell by cell
                for i, cell in enumerate(record):
                    if i < len(header):
                        header[i] = f"{header[i]} {cell}"
                    else:
                        header.append(cell)
                continue
            columns = _header_columns(header, _ptp_key)
            missing = [label for key, label in _PTP_REQUIRED.items() if key not in columns]
            if missing:
                raise ReleaseFileError(
                    name, f"NCCI PTP header has no {', '.join(repr(m) for m in missing)} column", header_line
                )
            i2, ie, idl, im = columns["column2"], columns["effective"], columns["deleted"], columns["modifier"]
            ip, ir = columns.get("prior_1996", -1), columns.get("rationale", -1)
            width = max(c1, i2, ie, idl, im) + 1
        # the hot loop (a million rows): str methods rather than a regex or a helper per cell
        if len(first) != 5 or not first.isascii() or not first.isalnum() or first.isalpha():
            if not any(cell.strip() for cell in record[:c1] + record[c1 + 1 :]):
                continue  # a blank line, or a note line after the table
            raise ReleaseFileError(
                name, f"bad NCCI PTP row: column 1 {first!r} is not a CPT/HCPCS code", reader.line_num
            )
        if len(record) < width:
            raise ReleaseFileError(
                name, f"bad NCCI PTP row: {len(record)} cells, expected at least {width}", reader.line_num
            )
        second = record[i2].strip().upper()
        if len(second) != 5 or not second.isascii() or not second.isalnum() or second.isalpha():
            raise ReleaseFileError(
                name, f"bad NCCI PTP row: column 2 {second!r} is not a CPT/HCPCS code", reader.line_num
            )
        cell = record[ie].strip()
        effective = dates.get(cell)
        if effective is None:
            try:
                effective = dates[cell] = _parse_date(cell)
            except ValueError:
                raise ReleaseFileError(
                    name, f"bad effective date {cell!r} for edit {first}/{second}", reader.line_num
                ) from None
        cell = record[idl].strip()
        if cell == "*" or not cell:
            deleted = None
        else:
            deleted = dates.get(cell)
            if deleted is None:
                try:
                    deleted = dates[cell] = _parse_date(cell)
                except ValueError:
                    raise ReleaseFileError(
                        name, f"bad deletion date {cell!r} for edit {first}/{second} (YYYYMMDD or '*')", reader.line_num
                    ) from None
        cell = record[im].strip()
        if cell == "1":
            modifier = 1
        elif cell == "0":
            modifier = 0
        elif cell == "9":
            modifier = 9
        else:
            raise ReleaseFileError(
                name, f"bad modifier indicator {cell!r} for edit {first}/{second} (0, 1 or 9)", reader.line_num
            )
        prior = False
        if ip >= 0 and len(record) > ip:
            flag = record[ip].strip()
            if flag == "*":
                prior = True
            elif flag:
                raise ReleaseFileError(
                    name, f"bad prior-1996 flag {flag!r} for edit {first}/{second} ('*' or blank)", reader.line_num
                )
        rationale = record[ir].strip() if 0 <= ir < len(record) else ""
        key = (intern(first, first), intern(second, second))
        row = (effective, deleted, modifier, intern(rationale, rationale), prior)
        have = get(key)
        if have is None:
            index[key] = row
        else:
            _add_row(index, key, row)
        count += 1
    if not count:
        raise ReleaseFileError(name, "NCCI PTP file has a header but no edit rows")
    # rows go straight into the table (no list of a million rows); a file that fails is not
    # half-kept: the error propagates out of PtpTable.read, which drops the table.
    table._count += count
    kind = _kind_hint(text.filename, text.zip_name, " ".join(title))
    return ReferenceFile(name, text.sha256, count, kind)


# --- Medically Unlikely Edits -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MueEntry:
    """The most units of ``code`` for one patient: per line (MAI 1) or per date of service (2, 3)."""

    code: str
    limit: int
    mai: int  # 1 line edit, 2 date of service edit: policy, 3 date of service edit: clinical
    rationale: str
    service: str  # practitioner, outpatient or dme
    effective: dt.date | None = None  # the file's quarter; None: unknown
    until: dt.date | None = None  # last date of service (inclusive); None: open

    def in_effect(self, day: dt.date | None) -> bool:
        if day is None:
            return True
        return (self.effective is None or self.effective <= day) and (self.until is None or day <= self.until)


class MueTable:
    """MUE limits keyed by (service, code); see the module docstring for the layouts.

    >>> table = MueTable.read("MCR_MUE_PractitionerServices_Eff_01-01-2026.csv")   # doctest: +SKIP
    >>> table.get("12345", "practitioner").limit                                    # doctest: +SKIP
    2
    """

    def __init__(self, entries: Iterable[MueEntry] = (), source: str = "", files: Sequence[ReferenceFile] = ()) -> None:
        self._index: dict[tuple[str, str], list[MueEntry]] = {}
        self._count = 0
        self.source = source
        self.files: tuple[ReferenceFile, ...] = tuple(files)
        for entry in entries:
            self._index.setdefault((entry.service, entry.code), []).append(entry)
            self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[MueEntry]:
        for entries in self._index.values():
            yield from entries

    def __repr__(self) -> str:
        return f"MueTable({self._count} entries, services={sorted(self.services)}, source={self.source!r})"

    @property
    def services(self) -> set[str]:
        return {service for service, _ in self._index}

    def get(self, code: str, service: MueService | None = None, day: dt.date | None = None) -> MueEntry | None:
        """The MUE of ``code`` for ``service`` in effect on ``day`` (the latest quarter when several are).

        ``service=None`` looks in practitioner, then outpatient, then DME entries and returns the
        first found; ``day=None`` takes the latest quarter loaded.
        """
        if service is not None and service not in MUE_SERVICES:
            raise ValueError(f"service must be one of {', '.join(MUE_SERVICES)} or None, not {service!r}")
        code = normalize_hcpcs(code)
        for name in (service,) if service else MUE_SERVICES:
            best: MueEntry | None = None
            for entry in self._index.get((name, code), ()):
                if entry.in_effect(day) and (
                    best is None or (entry.effective or dt.date.min) > (best.effective or dt.date.min)
                ):
                    best = entry
            if best is not None:
                return best
        return None

    @classmethod
    def read(
        cls,
        *paths: str | Path,
        service: MueService | None = None,
        effective: dt.date | None = None,
        until: dt.date | None = None,
    ) -> MueTable:
        """Read CMS MUE files (text, CSV, or zips of them) of one or more services and quarters."""
        if service is not None and service not in MUE_SERVICES:
            raise ValueError(f"service must be one of {', '.join(MUE_SERVICES)} or None, not {service!r}")
        if effective is not None and until is not None and until < effective:
            raise ValueError(f"until {until} is before effective {effective}")
        entries: list[MueEntry] = []
        seen: dict[tuple[str, str, dt.date | None], str] = {}
        parsed = _read_all(
            paths, lambda text: _parse_mue(text, service, effective, until, entries, seen), "an MUE file"
        )
        return cls(entries, source="; ".join(f.path for f in parsed), files=parsed)


def _mue_key(cell: str) -> str | None:
    name = _squash(cell)
    if "mue" in name and "value" in name:
        return "limit"
    if "adjudication" in name or name in ("mai", "mue adjudication"):
        return "mai"
    if "rationale" in name:
        return "rationale"
    if "hcpcs" in name or "cpt" in name or name in ("code", "hcpcs code"):
        return "code"
    return None


def _service_hint(text: str) -> str | None:
    text = text.lower()
    if "practitioner" in text:
        return "practitioner"
    if "dme" in text or "supplier" in text:
        return "dme"
    if "outpatient" in text or "hospital" in text or "facility" in text:
        return "outpatient"
    return None


_EFF_NAME = (
    re.compile(r"eff(?:ective)?[ _-]*(\d{1,2})[-_.](\d{1,2})[-_.](\d{4})", re.IGNORECASE),
    re.compile(r"eff(?:ective)?[ _-]*(\d{4})[-_.](\d{1,2})[-_.](\d{1,2})", re.IGNORECASE),
)


def _effective_from_name(*names: str) -> dt.date | None:
    for name in names:
        match = _EFF_NAME[0].search(name)
        try:
            if match:
                return dt.date(int(match[3]), int(match[1]), int(match[2]))
            match = _EFF_NAME[1].search(name)
            if match:
                return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            continue
    return None


_MAI = re.compile(r"\s*([123])(?!\d)")


def _parse_mue(
    text: _Text,
    service: str | None,
    effective: dt.date | None,
    until: dt.date | None,
    entries: list[MueEntry],
    seen: dict[tuple[str, str, dt.date | None], str],
) -> ReferenceFile:
    name = text.name
    reader = _records(text.text)
    columns: dict[str, int] | None = None
    for record in reader:
        found = _header_columns(record, _mue_key)
        if "code" in found and "limit" in found:
            columns = found
            break
    if columns is None:
        raise _NotLayout(name, "not an MUE file: no header row with 'HCPCS/CPT Code' and '... Services MUE Values'")
    header_line = reader.line_num
    if "mai" not in columns:
        raise ReleaseFileError(name, "MUE header has no 'MUE Adjudication Indicator' column", header_line)
    header_service = _service_hint(record[columns["limit"]])
    name_service = _service_hint(text.filename) or _service_hint(text.zip_name)
    if header_service and service and header_service != service:
        raise ReleaseFileError(name, f"an MUE file of {header_service} services, read with service={service!r}")
    file_service = header_service or service or name_service
    if file_service is None:
        raise ReleaseFileError(
            name,
            "cannot tell the MUE service (practitioner, outpatient or dme) from the header or file name: pass service=",
        )
    if effective is None:
        effective = _effective_from_name(text.filename, text.zip_name)
    ic, il, im = columns["code"], columns["limit"], columns["mai"]
    ir = columns.get("rationale", -1)
    width = max(ic, il, im) + 1
    strings: dict[str, str] = {}
    count = 0
    for record in reader:
        code = normalize_hcpcs(record[ic]) if len(record) > ic else ""
        line = reader.line_num
        if not _HCPCS.fullmatch(code):
            if not any(cell.strip() for cell in record[:ic] + record[ic + 1 :]):
                continue  # a blank line, or a note line after the table
            raise ReleaseFileError(name, f"bad MUE row: {code!r} is not a CPT/HCPCS code", line)
        if len(record) < width:
            raise ReleaseFileError(name, f"bad MUE row for {code}: {len(record)} cells, expected {width}", line)
        cell = record[il].strip()
        if not cell.isdigit():
            raise ReleaseFileError(name, f"bad MUE value {cell!r} for {code} (a whole number of units)", line)
        mai = _MAI.match(record[im])
        if mai is None:
            raise ReleaseFileError(
                name, f"bad MUE adjudication indicator {record[im].strip()!r} for {code} (1, 2 or 3)", line
            )
        key = (file_service, code, effective)
        if key in seen:
            raise ReleaseFileError(
                name, f"{code} is listed twice for {file_service} services (first at {seen[key]})", line
            )
        seen[key] = f"{name}, line {line}"
        rationale = record[ir].strip() if 0 <= ir < len(record) else ""
        entries.append(
            MueEntry(
                code, int(cell), int(mai[1]), strings.setdefault(rationale, rationale), file_service, effective, until
            )
        )
        count += 1
    if count == 0:
        raise ReleaseFileError(name, "MUE file has a header but no code rows")
    return ReferenceFile(name, text.sha256, count, file_service, effective, until)


# --- POA-exempt ICD-10-CM codes -----------------------------------------------------------------


def _icd_entry(text: str) -> tuple[str, str] | None:
    """``'B90-B94'`` -> ``('B90', 'B94')``, ``'Z37.0'`` -> ``('Z370', 'Z370')``; None if not a code."""
    text = text.strip().rstrip(",;:").replace("\u2013", "-").replace("\u2014", "-")
    text = text.rstrip("-")  # 'V00.81-': the subcategory and everything below it
    parts = [normalize_icd(part) for part in text.split("-")]
    if len(parts) == 1 and _ICD.fullmatch(parts[0]):
        return parts[0], parts[0]
    if len(parts) == 2 and all(_ICD.fullmatch(part) for part in parts):
        return parts[0], parts[1]
    return None


class PoaEntry(BaseModel):
    """One entry of the bundled list: a code, category, subcategory or range, with exceptions."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="'Z37', 'I25.2' or a range 'B90-B94'")
    title: str = ""
    exceptions: list[str] = Field(default_factory=list, description="codes or subcategories not exempt")

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        entry = _icd_entry(value)
        if entry is None:
            raise ValueError(f"{value!r} is not an ICD-10-CM code, category or range")
        if entry[1] < entry[0]:
            raise ValueError(f"range {value!r} ends before it starts")
        return value

    @field_validator("exceptions")
    @classmethod
    def _exceptions(cls, values: list[str]) -> list[str]:
        for value in values:
            if _icd_entry(value) is None or "-" in value.strip().rstrip("-"):
                raise ValueError(f"exception {value!r} is not an ICD-10-CM code or subcategory")
        return values


class PoaExemptFile(BaseModel):
    """The bundled ``data/poa_exempt.json`` (and site files in the same format)."""

    model_config = ConfigDict(extra="forbid")

    source: str
    note: str = ""
    entries: list[PoaEntry] = Field(min_length=1)


class PoaExemptList:
    """ICD-10-CM codes exempt from present-on-admission reporting (OCG Appendix I).

    >>> PoaExemptList.bundled().contains("Z37.0"), PoaExemptList.bundled().contains("I50.9")
    (True, False)
    """

    def __init__(
        self,
        entries: Iterable[str] = (),
        exceptions: Iterable[str] = (),
        source: str = "",
        note: str = "",
        files: Sequence[ReferenceFile] = (),
    ) -> None:
        prefixes: set[str] = set()
        ranges: set[tuple[str, str]] = set()
        self._count = 0
        for text in entries:
            entry = _icd_entry(text)
            if entry is None:
                raise ValueError(f"{text!r} is not an ICD-10-CM code, category or range")
            if entry[0] == entry[1]:
                prefixes.add(entry[0])
            else:
                ranges.add(entry)
            self._count += 1
        self._prefixes = frozenset(prefixes)
        self._ranges = tuple(sorted(ranges))
        self._exceptions = frozenset(normalize_icd(code).rstrip("-") for code in exceptions)
        self.source = source
        self.note = note
        self.files: tuple[ReferenceFile, ...] = tuple(files)

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"PoaExemptList({self._count} entries, source={self.source!r})"

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.contains(code)

    def contains(self, code: str) -> bool:
        """Exempt: the code, or a category / subcategory above it, or a range holding it, is listed."""
        code = normalize_icd(code)
        if any(code[:k] in self._exceptions for k in range(3, len(code) + 1)):
            return False
        if any(code[:k] in self._prefixes for k in range(3, len(code) + 1)):
            return True
        return any(code[: len(low)] >= low and code[: len(high)] <= high for low, high in self._ranges)

    @classmethod
    def bundled(cls) -> PoaExemptList:
        """medcoder's curated, partial list (``data/poa_exempt.json``): import the official file for production.

        Read once and shared: treat it as read-only.
        """
        return _bundled_poa()

    @classmethod
    def _from_json(cls, raw: bytes, name: str, bundled: bool = False) -> PoaExemptList:
        try:
            data = PoaExemptFile.model_validate_json(raw)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem["loc"])
            raise ReleaseFileError(name, f"not a POA-exempt list: {where}: {problem['msg']}") from None
        source = data.source
        if bundled:
            source = "medcoder's partial POA-exempt list (a subset of OCG Appendix I)"
        return cls(
            [entry.code for entry in data.entries],
            [code for entry in data.entries for code in entry.exceptions],
            source=source,
            note=data.note,
            files=(ReferenceFile(name, _sha(raw), len(data.entries)),),
        )

    @classmethod
    def read(cls, path: str | Path) -> PoaExemptList:
        """Read the official POA-exempt file (text, CSV, a zip of them) or a list in the bundled JSON format."""
        if Path(path).suffix.lower() == ".json":
            try:
                raw = Path(path).read_bytes()
            except FileNotFoundError:
                raise InputFileError(path, "no such file") from None
            except OSError as exc:
                raise InputFileError(path, f"cannot read: {exc.strerror or exc}") from None
            try:
                json.loads(raw)
            except ValueError as exc:
                raise ReleaseFileError(path, f"not valid JSON: {exc}") from None
            return cls._from_json(raw, str(path))
        entries: list[str] = []
        exceptions: list[str] = []
        parsed = _read_all([path], lambda text: _parse_poa(text, entries, exceptions), "a POA-exempt list")
        return cls(entries, exceptions, source=str(path), files=parsed)


@lru_cache(maxsize=1)
def _bundled_poa() -> PoaExemptList:
    resource = resources.files("medcoder") / "data" / "poa_exempt.json"
    return PoaExemptList._from_json(resource.read_bytes(), "medcoder/data/poa_exempt.json", bundled=True)


_POA_CODE_HEADER = re.compile(r"(icd[- ]?10[- ]?cm |diagnosis |dx )?codes?( \(s\))?|codes?\(s\)")


def _parse_poa(text: _Text, entries: list[str], exceptions: list[str]) -> ReferenceFile:
    name = text.name
    reader = _records(text.text)
    code_column: int | None = None
    count = 0
    last_entry: str | None = None
    for record in reader:
        line = reader.line_num
        cells = [cell.strip() for cell in record]
        if not any(cells):
            continue
        if code_column is None and count == 0 and sum(1 for cell in cells if cell) >= 2:
            heads = [i for i, cell in enumerate(cells) if _POA_CODE_HEADER.fullmatch(_squash(cell))]
            if heads:
                code_column = heads[0]
                continue
        if code_column is not None:
            cell = cells[code_column] if len(cells) > code_column else ""
            if not cell:
                continue
            words = [cell]
        else:
            words = " ".join(cells).split()
            if len(words) > 1 and words[0].rstrip(".").isdigit():
                words = words[1:]  # a row number
        first = words[0]
        if first.lower().rstrip(":,") in ("except", "excluding", "excludes"):
            if last_entry is None:
                raise ReleaseFileError(name, "an 'Except' line before any code", line)
            named = [w for w in words[1:] if _icd_entry(w) and "-" not in w.strip().rstrip(",;:").rstrip("-")]
            if not named:
                raise ReleaseFileError(name, f"an 'Except' line naming no code (after {last_entry})", line)
            exceptions.extend(_icd_entry(w)[0] for w in named)  # type: ignore[index]
            continue
        entry = _icd_entry(first)
        if entry is None:
            if code_column is not None:
                raise ReleaseFileError(name, f"bad POA-exempt row: {first!r} is not an ICD-10-CM code", line)
            continue  # a title, a heading or description text
        if entry[1] < entry[0]:
            raise ReleaseFileError(name, f"bad POA-exempt range {first!r}: it ends before it starts", line)
        last_entry = first
        entries.append(first)
        count += 1
    if count == 0:
        raise _NotLayout(name, "not a POA-exempt list: no ICD-10-CM codes found")
    return ReferenceFile(name, text.sha256, count)
