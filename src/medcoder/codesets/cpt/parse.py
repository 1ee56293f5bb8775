"""Parser for the CPT data file a user supplies under their own AMA licence.

medcoder never ships CPT descriptors (AMA copyright): they come only from the user's licensed
files and live only in the user's data and cache directories.

Accepted layouts:

* **AMA text files** -- ``LONGULT.txt`` (long descriptors, upper/lower case, tab), ``LONGULF.txt``,
  ``LONGUT.txt``, ``LONGUF.txt``, ``MEDU.txt`` (medium), ``SHORTU.txt`` (short): one code per line,
  the code, a tab or a space, then the descriptor.  Consecutive lines with the same code continue
  the descriptor (the fixed-width variants wrap long descriptors that way).  Lines before the first
  code line (a title or copyright notice) are skipped; after it every non-blank line must start
  with a code.
* **CSV / tab-delimited** with a header row: a code column (``CPT Code``, ``Code``, ``HCPCS``,
  ``HCPCS Code``, ``CPT``) and a descriptor column (``Long Descriptor``, ``Descriptor``,
  ``Description``); ``Medium Descriptor`` and ``Short Descriptor`` columns are read when present.
  Rows whose code is a HCPCS Level II code (a letter and 4 digits) are skipped: they are not CPT.

A CPT code has 5 characters: 5 digits (Category I), or 4 digits and ``F`` (Category II), ``T``
(Category III), ``U`` (Proprietary Laboratory Analyses) or ``M`` (Multianalyte Assays with
Algorithmic Analyses).

Every problem raises :class:`medcoder.errors.ReleaseFileError` naming the file and the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from medcoder.codesets.hcpcs.textfile import head_text, normalise_header, read_delimited, read_lines, sniff_delimiter
from medcoder.errors import ReleaseFileError

__all__ = [
    "CptCode",
    "CptFile",
    "detect_cpt",
    "is_cpt_code",
    "kind_from_name",
    "parse_cpt",
    "year_from_names",
]

CPT_CODE = re.compile(r"^[0-9]{4}[0-9FTUM]$")
_LEVEL2 = re.compile(r"^[A-Z][0-9]{4}$")
_TEXT_LINE = re.compile(r"^([0-9]{4}[0-9FTUM])(?:\t| +)(\S.*?)\s*$")
_CODE_ONLY = re.compile(r"^[0-9]{4}[0-9FTUM]\s*$")
_AMA_NAME = re.compile(r"^(LONGU[LFT]*|MEDU|SHORTU)$", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
CODE_COLUMNS = ("CPT CODE", "CPT", "CODE", "HCPCS", "HCPCS CODE", "CPT/HCPCS", "CPT/HCPCS CODE")
LONG_COLUMNS = ("LONG DESCRIPTOR", "DESCRIPTOR", "DESCRIPTION", "LONG DESCRIPTION")
MEDIUM_COLUMNS = ("MEDIUM DESCRIPTOR", "MEDIUM DESCRIPTION")
SHORT_COLUMNS = ("SHORT DESCRIPTOR", "SHORT DESCRIPTION")

Layout = Literal["text", "delimited"]
Kind = Literal["long", "medium", "short"]
# Which of several AMA files of one kind to read: mixed case before upper case, tab before fixed.
NAME_PREFERENCE = ("LONGULT", "LONGULF", "LONGUT", "LONGUF", "MEDU", "SHORTU")


@dataclass(frozen=True, slots=True)
class CptCode:
    code: str
    long: str = ""
    medium: str = ""
    short: str = ""
    line: int = 0

    @property
    def description(self) -> str:
        return self.long or self.medium or self.short


@dataclass(frozen=True, slots=True)
class CptFile:
    path: Path
    layout: Layout
    kind: Kind
    codes: tuple[CptCode, ...] = field(default=())


def is_cpt_code(code: str) -> bool:
    return bool(CPT_CODE.match(code))


def kind_from_name(name: str) -> Kind:
    stem = Path(name).stem.upper()
    if stem.startswith("MED"):
        return "medium"
    if stem.startswith("SHORT"):
        return "short"
    return "long"


def year_from_names(*names: str) -> int | None:
    for name in names:
        m = _YEAR.search(name)
        if m:
            return int(m.group(1))
    return None


def _text_codes(path: Path, lines: list[str]) -> list[CptCode]:
    codes: list[CptCode] = []
    seen: dict[str, int] = {}
    started = False
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        m = _TEXT_LINE.match(raw)
        if m is None:
            if not started:
                continue  # a title or notice before the first code
            if _CODE_ONLY.match(raw):
                raise ReleaseFileError(path, f"truncated line: code {raw.strip()} without a descriptor", line=number)
            raise ReleaseFileError(
                path,
                "expected a CPT code (5 characters: 5 digits, or 4 digits and F/T/U/M), a tab or space, "
                "then the descriptor",
                line=number,
            )
        started = True
        code, text = m.group(1), m.group(2)
        if codes and codes[-1].code == code:
            last = codes[-1]
            codes[-1] = CptCode(code, long=f"{last.long} {text}", line=last.line)
            continue
        if code in seen:
            raise ReleaseFileError(path, f"{code} appears twice (first at line {seen[code]})", line=number)
        seen[code] = number
        codes.append(CptCode(code, long=text, line=number))
    if not codes:
        raise ReleaseFileError(path, "no CPT code lines (a code, a tab or space, then the descriptor)")
    return codes


def _header_columns(header: list[str]) -> tuple[int | None, int | None]:
    code = next((header.index(c) for c in CODE_COLUMNS if c in header), None)
    text = next((header.index(c) for c in (*LONG_COLUMNS, *MEDIUM_COLUMNS, *SHORT_COLUMNS) if c in header), None)
    return code, text


def _delimited_codes(path: Path, lines: list[str]) -> list[CptCode]:
    table = read_delimited(path, lines)
    code_col, _ = _header_columns(table.header)
    long_col = table.column(*LONG_COLUMNS)
    medium_col = table.column(*MEDIUM_COLUMNS)
    short_col = table.column(*SHORT_COLUMNS)
    if code_col is None or (long_col is None and medium_col is None and short_col is None):
        raise ReleaseFileError(
            path,
            "the header row needs a code column (CPT Code, Code or HCPCS) and a descriptor column "
            "(Long Descriptor, Descriptor or Description)",
            line=1,
        )
    width = len(table.header)
    codes: list[CptCode] = []
    seen: dict[str, int] = {}
    for number, row in table.rows:
        if len(row) < width:
            raise ReleaseFileError(path, f"truncated row: {len(row)} fields, the header has {width}", line=number)
        code = row[code_col].strip().upper()
        if _LEVEL2.match(code):
            continue  # HCPCS Level II rows in a combined list: not CPT
        if not CPT_CODE.match(code):
            raise ReleaseFileError(path, f"{code!r} is not a CPT code (5 digits, or 4 digits and F/T/U/M)", line=number)

        def get(i: int | None, row: list[str] = row) -> str:
            return " ".join(row[i].split()) if i is not None else ""

        record = CptCode(code, long=get(long_col), medium=get(medium_col), short=get(short_col), line=number)
        if not record.description:
            raise ReleaseFileError(path, f"{code} has no descriptor", line=number)
        if code in seen:
            raise ReleaseFileError(path, f"{code} appears twice (first at line {seen[code]})", line=number)
        seen[code] = number
        codes.append(record)
    if not codes:
        raise ReleaseFileError(path, "no CPT codes in the file")
    return codes


def detect_cpt(path: Path, explicit: bool = False) -> Layout | None:
    """The CPT layout of a file, reading only its head, or ``None``.

    Without ``explicit`` (the user did not say ``--system CPT``) only what cannot be anything else
    is recognised: an AMA-named text file (``LONGULT.txt``, ``MEDU.txt`` ...) whose lines are CPT
    code lines, or a CSV whose code column is named ``CPT Code`` / ``CPT``.  A generic ``Code`` /
    ``HCPCS`` CSV or a code-per-line file with another name is taken only when explicit.
    """
    if path.suffix.lower() not in (".txt", ".csv", ".tsv", ".tab", ""):
        return None
    head = head_text(path)
    if head is None:
        return None
    lines = [line for line in head.splitlines() if line.strip()]
    if not lines:
        return None
    first = next((i for i, line in enumerate(lines[:50]) if _TEXT_LINE.match(line)), None)
    window = lines[first : first + 50] if first is not None else []
    if window and sum(1 for line in window if _TEXT_LINE.match(line)) * 2 >= len(window):
        if explicit or _AMA_NAME.match(path.stem):
            return "text"
        return None
    delimiter = sniff_delimiter(lines[0])
    if delimiter is None:
        return None
    header = [normalise_header(h) for h in lines[0].split(delimiter)]
    code_col, text_col = _header_columns(header)
    if code_col is None or text_col is None:
        return None
    if "LONG DESCRIPTION" in header and "SHORT DESCRIPTION" in header and not explicit:
        return None  # the HCPCS Level II export
    if explicit or header[code_col] in ("CPT CODE", "CPT"):
        return "delimited"
    return None


def parse_cpt(path: Path, layout: Layout | None = None) -> CptFile:
    """Parse a whole CPT file; raises :class:`ReleaseFileError` if it cannot be used."""
    path = Path(path)
    lines = read_lines(path)
    if layout is None:
        layout = detect_cpt(path, explicit=True)
        if layout is None:
            raise ReleaseFileError(
                path,
                "not a CPT data file: expected lines of a code, a tab or space and the descriptor "
                "(LONGULT.txt / MEDU.txt / SHORTU.txt), or a CSV with CPT Code and Descriptor columns",
            )
    if layout == "text":
        return CptFile(path, "text", kind_from_name(path.name), tuple(_text_codes(path, lines)))
    return CptFile(path, "delimited", "long", tuple(_delimited_codes(path, lines)))
