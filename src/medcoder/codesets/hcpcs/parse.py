"""Parser for the CMS HCPCS Level II alpha-numeric file (``HCPC20YY_<MON>_ANWEB``).

CMS publishes the file every quarter (January, April, July, October) as fixed-width text and as a
spreadsheet; both are accepted here, the spreadsheet once exported as CSV or tab-delimited text.

Fixed-width layout (from the record layout document CMS ships with the file; 1-based columns,
records are 320 characters, blank-padded):

====================================  =========  ====================================================
field                                 columns    notes
====================================  =========  ====================================================
HCPCS code                            1-5        letter + 4 digits; a modifier in 1-2, blank 3-5
sequence number                       6-10       00100, 00200 ... within a code
record identifier                     11         3 first line of a procedure, 4 its continuation,
                                                 7 first line of a modifier, 8 its continuation
long description                      12-91      80 characters per record; continued in 4 / 8
short description                     92-119     28 characters
pricing indicators (4 x 2)            120-127
multiple pricing indicator            128
coverage instructions manual ref.     129-146    3 x 6
Medicare claims manual ref.           147-170    3 x 8
statute number                        171-180
lab certification codes (8 x 3)       181-204
cross-reference codes (5 x 5)         205-229
coverage code                         230        C carrier judgement, D special coverage
                                                 instructions, I not payable by Medicare,
                                                 M non-covered by Medicare, S non-covered by
                                                 Medicare statute
ASC payment group / effective date    231-232 / 233-240
OPPS payment group / indicator / date 241-243 / 244 / 245-252
processing note number                253-256
BETOS code                            257-259
type of service codes (5 x 1)         261-265
anesthesia base units                 267-269
code added date                       270-277    YYYYMMDD
action effective date                 278-285    YYYYMMDD
termination date                      286-293    YYYYMMDD, blank while the code is active
action code                           294        A add, B change in both descriptions,
                                                 C change in coverage, payment or other field,
                                                 D discontinue, F change in long description,
                                                 N no change, P payment change, R re-activate,
                                                 S change in short description, T miscellaneous
====================================  =========  ====================================================

Only the first record of a code (3 / 7) carries the fields after the long description; its line
must reach column 294 (the action code).  Continuation records (4 / 8) carry the code, sequence,
identifier and the next 80 characters of the long description; the pieces are joined with one
space.

Delimited export (the ``.xlsx`` saved as CSV or tab-delimited): a header row naming at least
``HCPC`` (or ``HCPCS``), ``LONG DESCRIPTION`` and ``SHORT DESCRIPTION``; ``SEQNUM``, ``RECID``,
``COV``, ``ADD DT``, ``ACT EFF DT``, ``TERM DT`` and ``ACTION CD`` are read when present (header
case, spaces and underscores do not matter).  With ``RECID`` present the rows continue each other
as in the fixed-width file; without it every row is a complete record.  Dates are ``YYYYMMDD`` (as
CMS writes them), ``YYYY-MM-DD`` or ``MM/DD/YYYY``.

A code's validity window: it can be reported from its added date (the action effective date when
the added date is blank) through its termination date.

Every problem raises :class:`medcoder.errors.ReleaseFileError` naming the file and the line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from medcoder.codesets.hcpcs.textfile import DelimitedTable, head_text, read_delimited, read_lines
from medcoder.errors import ReleaseFileError

__all__ = [
    "COVERAGE",
    "HcpcsFile",
    "HcpcsRecord",
    "detect_layout",
    "format_fixed_width",
    "parse_hcpcs",
    "quarter_from_name",
]

HCPCS = "HCPCS"
RECORD_LENGTH = 320
FIRST_RECORD_MIN = 294  # a first record must reach the action code
LONG_WIDTH = 80
SHORT_WIDTH = 28

# (start, end) as Python slices of the 1-based columns documented above.
CODE = (0, 5)
SEQUENCE = (5, 10)
RECORD_ID = (10, 11)
LONG = (11, 91)
SHORT = (91, 119)
COVERAGE_CODE = (229, 230)
BETOS = (256, 259)
ADDED = (269, 277)
ACTION_EFFECTIVE = (277, 285)
TERMINATED = (285, 293)
ACTION = (293, 294)

COVERAGE = {
    "C": "carrier judgement",
    "D": "special coverage instructions apply",
    "I": "not payable by Medicare",
    "M": "non-covered by Medicare",
    "S": "non-covered by Medicare statute",
}
ACTIONS = frozenset("ABCDFNPRST")

LEVEL2 = re.compile(r"^[A-Z][0-9]{4}$")
MODIFIER = re.compile(r"^[A-Z0-9]{2}$")
_FIXED_LINE = re.compile(r"^(?:[A-Z][0-9]{4}|[A-Z0-9]{2}   )[0-9]{5}[3478]")
_NAME = re.compile(r"HCPC(20\d\d)_?([A-Z]{3})", re.IGNORECASE)
_MONTHS = {m: i for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), 1)}
_CMS_COLUMNS = ("SEQNUM", "RECID", "ADD DT", "ACT EFF DT", "TERM DT", "ACTION CD")

Kind = Literal["procedure", "modifier"]


@dataclass(frozen=True, slots=True)
class HcpcsRecord:
    """One HCPCS Level II code or modifier."""

    code: str
    kind: Kind
    long: str
    short: str
    coverage: str = ""
    betos: str = ""
    added: dt.date | None = None
    action_effective: dt.date | None = None
    terminated: dt.date | None = None
    action: str = ""
    line: int = 0

    @property
    def effective(self) -> dt.date | None:
        """First date of service the code can be reported on."""
        return self.added or self.action_effective

    def active_on(self, day: dt.date) -> bool:
        start = self.effective
        return (start is None or start <= day) and (self.terminated is None or day <= self.terminated)


@dataclass(frozen=True, slots=True)
class HcpcsFile:
    path: Path
    layout: Literal["fixed", "delimited"]
    records: tuple[HcpcsRecord, ...]


def _date(path: Path, line: int, value: str, what: str) -> dt.date | None:
    value = value.strip()
    if not value or set(value) == {"0"}:
        return None
    try:
        if re.fullmatch(r"\d{8}", value):
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return dt.date.fromisoformat(value)
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
        if m:
            return dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
    except ValueError:
        pass
    raise ReleaseFileError(path, f"{what} {value!r} is not a date (YYYYMMDD)", line=line)


def _check_code(path: Path, line: int, code: str, first_kind: str) -> Kind:
    if first_kind in "34" and LEVEL2.match(code):
        return "procedure"
    if first_kind in "78" and MODIFIER.match(code):
        return "modifier"
    if first_kind in "34":
        raise ReleaseFileError(path, f"{code!r} is not a HCPCS Level II code (a letter and 4 digits)", line=line)
    raise ReleaseFileError(path, f"{code!r} is not a HCPCS modifier (2 letters or digits)", line=line)


def _check_action(path: Path, line: int, action: str) -> str:
    if action and action not in ACTIONS:
        raise ReleaseFileError(path, f"action code {action!r} is not one of {''.join(sorted(ACTIONS))}", line=line)
    return action


class _Assembler:
    """Joins first records and their continuations, checking that they belong together."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: list[HcpcsRecord] = []
        self.seen: dict[str, int] = {}

    def first(self, record: HcpcsRecord) -> None:
        if record.code in self.seen:
            raise ReleaseFileError(
                self.path, f"{record.code} appears twice (first at line {self.seen[record.code]})", line=record.line
            )
        self.seen[record.code] = record.line
        self.records.append(record)

    def continuation(self, line: int, code: str, record_id: str, text: str) -> None:
        last = self.records[-1] if self.records else None
        expected_first = "3" if record_id == "4" else "7"
        if last is None or last.code != code or (last.kind == "procedure") != (expected_first == "3"):
            raise ReleaseFileError(
                self.path,
                f"continuation record ({record_id}) for {code} does not follow the first record of {code}",
                line=line,
            )
        text = text.strip()
        if text:
            self.records[-1] = replace(last, long=f"{last.long} {text}" if last.long else text)


def parse_fixed_width(path: Path, lines: list[str]) -> HcpcsFile:
    out = _Assembler(path)
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        if len(raw) < 11 or raw[10] not in "3478" or not raw[5:10].isdigit():
            raise ReleaseFileError(
                path,
                "not a record of the HCPCS fixed-width layout (code in columns 1-5, sequence number 6-10, "
                f"record identifier 3/4/7/8 in column 11); line has {len(raw)} characters",
                line=number,
            )
        code = raw[CODE[0] : CODE[1]].strip()
        record_id = raw[10]
        _check_code(path, number, code, record_id)
        if record_id in "48":
            if len(raw) < 12:
                raise ReleaseFileError(path, "continuation record without description text", line=number)
            out.continuation(number, code, record_id, raw[LONG[0] : LONG[1]])
            continue
        if len(raw) < FIRST_RECORD_MIN:
            raise ReleaseFileError(
                path,
                f"truncated record: {len(raw)} characters, a first record (identifier {record_id}) "
                f"runs to column {FIRST_RECORD_MIN} (action code) of {RECORD_LENGTH}",
                line=number,
            )
        record = HcpcsRecord(
            code=code,
            kind="procedure" if record_id == "3" else "modifier",
            long=raw[LONG[0] : LONG[1]].strip(),
            short=raw[SHORT[0] : SHORT[1]].strip(),
            coverage=raw[COVERAGE_CODE[0] : COVERAGE_CODE[1]].strip(),
            betos=raw[BETOS[0] : BETOS[1]].strip(),
            added=_date(path, number, raw[ADDED[0] : ADDED[1]], "added date"),
            action_effective=_date(path, number, raw[ACTION_EFFECTIVE[0] : ACTION_EFFECTIVE[1]], "action date"),
            terminated=_date(path, number, raw[TERMINATED[0] : TERMINATED[1]], "termination date"),
            action=_check_action(path, number, raw[ACTION[0] : ACTION[1]].strip()),
            line=number,
        )
        if not record.long:
            raise ReleaseFileError(path, f"{code} has no long description", line=number)
        out.first(record)
    if not out.records:
        raise ReleaseFileError(path, "no HCPCS records in the file")
    return HcpcsFile(path, "fixed", tuple(out.records))


def _is_hcpcs_header(header: list[str], strict: bool) -> bool:
    has_code = "HCPC" in header or "HCPCS" in header or "HCPCS CODE" in header
    has_text = "LONG DESCRIPTION" in header and "SHORT DESCRIPTION" in header
    return has_code and has_text and (not strict or any(c in header for c in _CMS_COLUMNS))


def parse_delimited(path: Path, lines: list[str]) -> HcpcsFile:
    table: DelimitedTable = read_delimited(path, lines)
    if not _is_hcpcs_header(table.header, strict=False):
        raise ReleaseFileError(
            path, "the header row lacks the HCPC, LONG DESCRIPTION and SHORT DESCRIPTION columns of the HCPCS file"
        )
    col = {
        "code": table.column("HCPC", "HCPCS", "HCPCS CODE"),
        "long": table.column("LONG DESCRIPTION"),
        "short": table.column("SHORT DESCRIPTION"),
        "recid": table.column("RECID", "REC ID"),
        "cov": table.column("COV", "COVERAGE CODE"),
        "betos": table.column("BETOS"),
        "added": table.column("ADD DT", "ADD DATE"),
        "act_eff": table.column("ACT EFF DT", "ACTION EFFECTIVE DATE"),
        "term": table.column("TERM DT", "TERMINATION DATE"),
        "action": table.column("ACTION CD", "ACTION CODE"),
    }
    width = len(table.header)
    out = _Assembler(path)

    def cell(row: list[str], key: str) -> str:
        i = col[key]
        return row[i].strip() if i is not None else ""

    for number, row in table.rows:
        if len(row) < width:
            raise ReleaseFileError(path, f"truncated row: {len(row)} fields, the header has {width}", line=number)
        code = cell(row, "code").upper()
        record_id = cell(row, "recid")
        if record_id:
            if record_id not in ("3", "4", "7", "8"):
                raise ReleaseFileError(path, f"record identifier {record_id!r} is not 3, 4, 7 or 8", line=number)
        else:
            record_id = "7" if len(code) == 2 else "3"
        kind = _check_code(path, number, code, record_id)
        if record_id in "48":
            out.continuation(number, code, record_id, cell(row, "long"))
            continue
        record = HcpcsRecord(
            code=code,
            kind=kind,
            long=cell(row, "long"),
            short=cell(row, "short"),
            coverage=cell(row, "cov"),
            betos=cell(row, "betos"),
            added=_date(path, number, cell(row, "added"), "ADD DT"),
            action_effective=_date(path, number, cell(row, "act_eff"), "ACT EFF DT"),
            terminated=_date(path, number, cell(row, "term"), "TERM DT"),
            action=_check_action(path, number, cell(row, "action")),
            line=number,
        )
        if not record.long:
            raise ReleaseFileError(path, f"{code} has no long description", line=number)
        out.first(record)
    if not out.records:
        raise ReleaseFileError(path, "no HCPCS records in the file")
    return HcpcsFile(path, "delimited", tuple(out.records))


def detect_layout(path: Path, strict: bool = True) -> Literal["fixed", "delimited"] | None:
    """Which HCPCS layout a file is in, reading only its head; ``None`` if it is not the HCPCS file.

    ``strict`` (automatic recognition) wants one of the CMS-only columns in a delimited header, so
    an unrelated CSV with a "Long Description" column is never taken for the HCPCS file.
    """
    head = head_text(path)
    if head is None:
        return None
    first = next((line for line in head.splitlines() if line.strip()), "")
    if _FIXED_LINE.match(first):
        return "fixed"
    from medcoder.codesets.hcpcs.textfile import normalise_header, sniff_delimiter

    delimiter = sniff_delimiter(first)
    if delimiter is None:
        return None
    header = [normalise_header(h) for h in first.split(delimiter)]
    return "delimited" if _is_hcpcs_header(header, strict) else None


def parse_hcpcs(path: Path) -> HcpcsFile:
    """Parse a whole HCPCS file (either layout); raises :class:`ReleaseFileError` if it cannot be used."""
    path = Path(path)
    lines = read_lines(path)
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise ReleaseFileError(path, "empty file")
    if _FIXED_LINE.match(first):
        return parse_fixed_width(path, lines)
    if detect_layout(path, strict=False) == "delimited":
        return parse_delimited(path, lines)
    raise ReleaseFileError(
        path,
        "neither the HCPCS fixed-width layout (code, sequence number, record identifier 3/4/7/8 in columns "
        "1-11) nor a delimited export with HCPC / LONG DESCRIPTION / SHORT DESCRIPTION columns",
        line=lines.index(first) + 1,
    )


def quarter_from_name(*names: str) -> tuple[int, int] | None:
    """(year, month) from a CMS name such as ``HCPC2026_JAN_ANWEB_v2.txt`` (first name that has one)."""
    for name in names:
        m = _NAME.search(name)
        if m and m.group(2).upper() in _MONTHS:
            return int(m.group(1)), _MONTHS[m.group(2).upper()]
    return None


def _fmt_date(day: dt.date | None) -> str:
    return day.strftime("%Y%m%d") if day else " " * 8


def format_fixed_width(records: Iterable[HcpcsRecord]) -> str:
    """Write records in the CMS fixed-width layout (the inverse of :func:`parse_hcpcs`).

    Long descriptions are cut into 80-character pieces at spaces; a word longer than 80
    characters is cut where it must be.  Used by tests (write -> parse round trips) and to
    produce small test files.
    """
    out: list[str] = []
    for record in records:
        pieces = _wrap(record.long)
        first_id, next_id = ("3", "4") if record.kind == "procedure" else ("7", "8")
        for i, piece in enumerate(pieces):
            seq = f"{(i + 1) * 100:05d}"
            line = f"{record.code:<5}{seq}{first_id if i == 0 else next_id}{piece:<{LONG_WIDTH}}"
            if i == 0:
                fields = [" "] * RECORD_LENGTH
                fields[: len(line)] = line
                fields[SHORT[0] : SHORT[1]] = f"{record.short[:SHORT_WIDTH]:<{SHORT_WIDTH}}"
                fields[COVERAGE_CODE[0]] = record.coverage[:1] or " "
                fields[BETOS[0] : BETOS[1]] = f"{record.betos[:3]:<3}"
                fields[ADDED[0] : ADDED[1]] = _fmt_date(record.added)
                fields[ACTION_EFFECTIVE[0] : ACTION_EFFECTIVE[1]] = _fmt_date(record.action_effective)
                fields[TERMINATED[0] : TERMINATED[1]] = _fmt_date(record.terminated)
                fields[ACTION[0]] = record.action[:1] or " "
                line = "".join(fields)
            out.append(line)
    return "\n".join(out) + "\n"


def _wrap(text: str) -> list[str]:
    words = text.split()
    pieces: list[str] = []
    current = ""
    for word in words:
        while len(word) > LONG_WIDTH:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:LONG_WIDTH])
            word = word[LONG_WIDTH:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) > LONG_WIDTH:
            pieces.append(current)
            current = word
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces
