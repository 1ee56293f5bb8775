"""Reading the plain-text release files (HCPCS Level II, CPT) with errors that name file and line.

CMS and AMA ship these files as text (fixed-width or delimited).  They are read as UTF-8 (a byte
order mark is dropped; plain ASCII, which is what CMS ships, is UTF-8), so a file saved in another
encoding is refused with the line of its first undecodable byte instead of being read as garbage.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from medcoder.errors import InputFileError, ReleaseFileError

__all__ = ["DelimitedTable", "head_text", "normalise_header", "read_delimited", "read_lines"]

_HEADER_SPACE = re.compile(r"[\s_]+")


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ReleaseFileError(
            path, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8 or ASCII", line=line
        ) from None


def read_lines(path: Path) -> list[str]:
    """The file's lines without their line endings (``\\r\\n`` or ``\\n``)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(path, "no such file") from None
    except OSError as exc:
        raise InputFileError(path, f"cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    if b"\x00" in data[:4096]:
        raise ReleaseFileError(path, "a binary file, not text (a spreadsheet? export it as CSV or tab-delimited text)")
    return _decode(path, data).splitlines()


def head_text(path: Path, size: int = 65536) -> str | None:
    """The first bytes of a file as text, or ``None`` for a binary or undecodable file (sniffing)."""
    try:
        with path.open("rb") as fh:
            data = fh.read(size)
    except OSError:
        return None
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 4:  # a multi-byte character cut by the read
            return data[: exc.start].decode("utf-8-sig", "ignore")
        return None


def normalise_header(name: str) -> str:
    """``"Long_Description "`` -> ``"LONG DESCRIPTION"``."""
    return _HEADER_SPACE.sub(" ", name.strip().strip('"')).upper()


def sniff_delimiter(first_line: str) -> str | None:
    """Tab or comma (or pipe), whichever splits the header line into more than one column."""
    counts = {d: first_line.count(d) for d in ("\t", ",", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else None


class DelimitedTable:
    """Rows of a delimited file, each with its 1-based line number in the file."""

    def __init__(self, path: Path, header: list[str], rows: list[tuple[int, list[str]]]) -> None:
        self.path = path
        self.header = header
        self.rows = rows

    def column(self, *names: str) -> int | None:
        """Index of the first header that is one of ``names`` (normalised), else ``None``."""
        for name in names:
            if name in self.header:
                return self.header.index(name)
        return None


def read_delimited(path: Path, lines: list[str] | None = None) -> DelimitedTable:
    """A CSV / tab-delimited file with a header row (quoted fields may hold the delimiter)."""
    lines = read_lines(path) if lines is None else lines
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ReleaseFileError(path, "empty file")
    delimiter = sniff_delimiter(lines[first])
    if delimiter is None:
        raise ReleaseFileError(path, "the first line is not a header row of a delimited file", line=first + 1)
    reader = csv.reader(io.StringIO("\n".join(lines[first:])), delimiter=delimiter, strict=True)
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    try:
        for record in reader:
            number = first + reader.line_num  # the physical line the record ends on
            if not header:
                header = [normalise_header(h) for h in record]
                continue
            if not any(cell.strip() for cell in record):
                continue
            rows.append((number, record))
    except csv.Error as exc:
        raise ReleaseFileError(path, f"malformed delimited text ({exc})", line=first + reader.line_num) from None
    return DelimitedTable(path, header, rows)
