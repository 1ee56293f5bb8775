"""Parser for the ICD-10-CM index-family XML files published by CDC.

Four files share one structure (``ICD10CM.index > letter > mainTerm > term(level=N) ...``):

- the Alphabetic Index to Diseases and Injuries (``icd10cm-index-*.xml``), ``kind="index"``;
- the External Cause of Injuries Index (``icd10cm-eindex-*.xml``), ``kind="eindex"``;
- the Table of Drugs and Chemicals (``icd10cm-drug-*.xml``), ``kind="drug"``;
- the Neoplasm Table (``icd10cm-neoplasm-*.xml``), ``kind="neoplasm"``.

A coder looks a condition up in the index first and only then verifies the code in the tabular list
(OCG I.A.1, I.B.1), so every entry keeps its whole path of titles from the main term down: that path
is the "why" a :class:`~medcoder.models.CodeAssignment` cites as its rationale.

Titles are mixed content: ``<title>Abuse<nemod>(adult) (child)</nemod></title>``.  Nonessential
modifiers (OCG I.A.7) may be present or absent in the documentation without changing the code, so
they are taken out of the path (which is what text must match) and kept apart in ``nemod``.

The two tables (drug, neoplasm) carry their codes in ``<cell col="N">`` elements whose meaning is
given by ``<indexHeading><head col="N">``; one entry is emitted per cell holding a code, so a lookup
"Acetaminophen, adverse effect" is a plain filter on ``path`` and ``column``.

Codes are kept exactly as printed: a trailing ``-`` ("C79.8-", "D05.-") tells the coder that more
characters are required from the tabular list (OCG I.B.1), and dropping it would turn an
incomplete code into one that looks complete.

Addenda files mark changes with ``<diff>`` (Alphabetic Index schema: ``unc``/``old``/``new``) or with
``<new>``/``<old>`` inside content (drug/neoplasm schema).  The text of an element is its current
state: unchanged and new text are kept, ``<old>`` (deleted) text is dropped.

The official files are trusted for their content but not for their well-formedness: malformed XML,
a wrong root element, or a table cell in a column without a heading raise
:class:`~medcoder.errors.ReleaseFileError` naming the file (and the line where the parser knows it).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from medcoder.codesets.xmlutil import load_xml
from medcoder.errors import ReleaseFileError

IndexKind = Literal["index", "eindex", "drug", "neoplasm"]

ROOT_TAG = "ICD10CM.index"

TABLE_KINDS: frozenset[str] = frozenset({"drug", "neoplasm"})

# Column headings of the 2026 tables, used only when a table file has no <indexHeading> (the
# schema makes it optional, e.g. for partial addenda files) so that cells still get a meaning.
DEFAULT_HEADINGS: dict[str, tuple[str, ...]] = {
    "drug": (
        "Substance",
        "Poisoning Accidental (unintentional)",
        "Poisoning Intentional self-harm",
        "Poisoning Assault",
        "Poisoning Undetermined",
        "Adverse effect",
        "Underdosing",
    ),
    "neoplasm": (
        "Neoplasm",
        "Malignant Primary",
        "Malignant Secondary",
        "Ca in situ",
        "Benign",
        "Uncertain Behavior",
        "Unspecified Behavior",
    ),
}

# Cell values that mean "no code in this column": the drug table prints "--", the neoplasm table "-".
_EMPTY_CELLS = frozenset({"", "-", "--", "\u2014", "\u2013"})

# How much of a file detect_index_kind reads: the metadata (version, title, indexHeading) comes
# before the first <letter>, within the first few hundred bytes of every official file.
_DETECT_CHUNK = 16 * 1024
_DETECT_LIMIT = 256 * 1024


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One line of the index or one code cell of a table, with the path that leads to it."""

    path: tuple[str, ...]
    """Titles from the main term down to this term, nonessential modifiers removed, whitespace
    normalised: ``("Diabetes, diabetic", "type 2", "with", "neuropathy")``."""
    nemod: tuple[str, ...]
    """The nonessential modifiers found along the path, in order: ``("(mellitus) (sugar)",)``."""
    code: str | None
    """The code as printed (``"E11.40"``, ``"C79.8-"``, ``"T51.3X1"``); ``None`` for a cross-reference."""
    column: str | None
    """Table files only: the heading of the cell's column (``"Malignant Primary"``)."""
    manif: str | None
    """Manifestation code, printed in brackets in the book and sequenced after ``code`` (OCG I.A.13).
    Kept as the file writes it: the 2026 Neoplasm Table has one ``<manif>`` holding prose."""
    subcat: str | None
    """A subcategory to complete from the tabular list (External Cause Index)."""
    seecat: str | None
    """A category to see in the tabular list."""
    see: str | None
    """The "see" reference: the term to look up instead (OCG I.A.16); the coder must follow it."""
    see_also: str | None
    """The "see also" reference: another main term that may hold more entries (OCG I.A.16)."""
    level: int
    """0 for a main term, N for ``<term level="N">``."""
    warning: str | None = None
    """The schema's ``<warning>`` text, if any (none of the 2026 files carries one)."""


@dataclass(frozen=True, slots=True)
class IndexFile:
    """A parsed index-family file."""

    kind: IndexKind
    version: str
    """The ``<version>`` the file carries, e.g. ``"2026"``."""
    title: str
    """The file's ``<title>``; the tables have none, so it is ``""`` there."""
    headings: tuple[str, ...]
    """The table column headings in column order (col 1 first); ``()`` for the indexes."""
    entries: tuple[IndexEntry, ...]


# --- kind detection ------------------------------------------------------------------------


def _kind_from_content(title: str, heads: dict[int, str]) -> IndexKind | None:
    """Decide the kind from the file's own metadata, which survives renaming."""
    if heads:
        first = heads.get(1, "").casefold()
        others = " ".join(text for col, text in heads.items() if col != 1).casefold()
        if first.startswith("substance") or "poisoning" in others or "underdosing" in others:
            return "drug"
        if first.startswith("neoplasm") or "malignant" in others:
            return "neoplasm"
    upper = title.upper()
    if "EXTERNAL CAUSE" in upper:
        return "eindex"
    if "DRUGS" in upper:
        return "drug"
    if "NEOPLASM" in upper:
        return "neoplasm"
    if "INDEX TO DISEASES" in upper or "ALPHABETIC INDEX" in upper:
        return "index"
    return None


def _kind_from_name(name: str) -> IndexKind | None:
    """Fall back on the CDC file names (``icd10cm-eindex-April-1-2026.xml`` ...)."""
    lowered = name.lower()
    if "eindex" in lowered:
        return "eindex"
    if "drug" in lowered:
        return "drug"
    if "neoplasm" in lowered:
        return "neoplasm"
    if "index" in lowered:
        return "index"
    return None


def _decide_kind(title: str, heads: dict[int, str], name: str) -> IndexKind | None:
    kind = _kind_from_content(title, heads) or _kind_from_name(name)
    if kind is not None:
        return kind
    # An ICD10CM.index root without title or headings is the plain index form; an unknown table
    # (headings nobody recognises) is not something this parser can give meaning to.
    return None if heads else "index"


def detect_index_kind(path: Path) -> IndexKind | None:
    """Say which index-family file ``path`` is, reading only the start of the file.

    Release directories hold many files with names users may have changed, so the decision is
    made from content first (the root element, then the ``<title>`` / ``<indexHeading>``), and the
    file name is only a fallback.  Returns ``None`` for anything that is not an ICD-10-CM index
    file, including files that are not XML at all, so a directory can be scanned without errors.
    """
    path = Path(path)
    parser = ET.XMLPullParser(events=("start", "end"))
    root_seen = False
    depth = 0
    title = ""
    heads: dict[int, str] = {}
    try:
        with path.open("rb") as fh:
            read = 0
            done = False
            while not done and read < _DETECT_LIMIT:
                chunk = fh.read(_DETECT_CHUNK)
                if not chunk:
                    break
                read += len(chunk)
                parser.feed(chunk)
                for event, elem in parser.read_events():
                    if event == "start":
                        if not root_seen:
                            if elem.tag != ROOT_TAG:
                                return None
                            root_seen = True
                        elif depth == 1 and elem.tag == "letter":
                            done = True  # metadata is over
                            break
                        depth += 1
                    else:
                        depth -= 1
                        if depth == 1 and elem.tag == "title":
                            title = _plain_text(elem)
                        elif depth == 1 and elem.tag == "indexHeading":
                            heads = _heads(elem)
    except ET.ParseError:
        # A file broken after its metadata is still recognised, so that parsing it reports the
        # line that is broken rather than "unrecognised file".
        if not root_seen:
            return None
    except OSError as exc:
        raise ReleaseFileError(path, f"cannot read: {exc.strerror}") from None
    if not root_seen:
        return None
    return _decide_kind(title, heads, path.name)


# --- text helpers ----------------------------------------------------------------------------


def _norm(text: str) -> str:
    """Collapse runs of whitespace: the files contain double spaces and line breaks in titles."""
    return " ".join(text.split())


def _collect(elem: ET.Element, parts: list[str], nemods: list[str] | None) -> None:
    """Gather the current text of ``elem``; nemod text goes to ``nemods`` when given."""
    if elem.text:
        parts.append(elem.text)
    for child in elem:
        tag = child.tag
        if tag == "old":
            pass  # deleted by the addenda: not part of the current text
        elif tag == "nemod" and nemods is not None:
            inner: list[str] = []
            _collect(child, inner, None)
            text = _norm("".join(inner))
            if text:
                nemods.append(text)
            parts.append(" ")  # "Abandonment<nemod>..</nemod> NEC" must not glue the words
        else:
            _collect(child, parts, nemods)
        if child.tail:
            parts.append(child.tail)


def _plain_text(elem: ET.Element) -> str:
    """The current text of an element, nemods included as printed, whitespace normalised."""
    if len(elem) == 0:
        return _norm(elem.text or "")
    parts: list[str] = []
    _collect(elem, parts, None)
    return _norm("".join(parts))


def _title_text(elem: ET.Element) -> tuple[str, str | None]:
    """Split a title into (text without nonessential modifiers, the modifiers or None)."""
    if len(elem) == 0:
        return _norm(elem.text or ""), None
    parts: list[str] = []
    nemods: list[str] = []
    _collect(elem, parts, nemods)
    return _norm("".join(parts)), (" ".join(nemods) or None)


def _heads(elem: ET.Element) -> dict[int, str]:
    heads: dict[int, str] = {}
    for head in elem.iter("head"):
        try:
            col = int(head.get("col", ""))
        except ValueError:
            continue
        heads[col] = _plain_text(head)
    return heads


# --- parsing ---------------------------------------------------------------------------------


def parse_index_file(path: Path, kind: IndexKind | None = None) -> IndexFile:
    """Parse an index-family file into its entries, in document order.

    ``kind`` overrides detection (for a file whose metadata and name say nothing).  For the tables,
    one entry per ``<cell>`` holding a code (``"--"``/``"-"`` and empty cells are skipped, col 1 is
    the row label); a table row without any code but with a cross-reference gives one entry with
    ``code=None``.  For the indexes, an entry per term carrying a code, manifestation, see, see
    also, subcat or seecat.  Terms that carry nothing (headings such as "with", notes) give no
    entry but still appear in the paths of the terms below them.
    """
    path = Path(path)
    root = load_xml(path, ROOT_TAG)

    version_elem = root.find("version")
    version = _plain_text(version_elem) if version_elem is not None else ""
    title_elem = root.find("title")
    title = _plain_text(title_elem) if title_elem is not None else ""
    heading_elem = root.find("indexHeading")
    heads = _heads(heading_elem) if heading_elem is not None else {}

    if kind is None:
        kind = _decide_kind(title, heads, path.name)
        if kind is None:
            raise ReleaseFileError(path, "not an ICD-10-CM index file: its table headings are unknown")
    if not heads and kind in TABLE_KINDS:
        heads = dict(enumerate(DEFAULT_HEADINGS[kind], start=1))
    headings = tuple(heads[col] for col in sorted(heads))

    entries: list[IndexEntry] = []
    for letter in root.findall("letter"):
        for main in letter.findall("mainTerm"):
            entries.extend(_walk(main, (), (), 0, heads, path))
    return IndexFile(kind=kind, version=version, title=title, headings=headings, entries=tuple(entries))


def _walk(
    elem: ET.Element,
    path: tuple[str, ...],
    nemod: tuple[str, ...],
    depth: int,
    heads: dict[int, str],
    file: Path,
) -> Iterator[IndexEntry]:
    """Yield the entries of one term and, depth first, of the terms below it."""
    title: str | None = None
    modifier: str | None = None
    code = manif = subcat = seecat = see = see_also = warning = None
    cells: list[tuple[int, str]] = []
    children: list[ET.Element] = []
    for child in elem:
        tag = child.tag
        if tag == "term":
            children.append(child)
        elif tag == "cell":
            value = _plain_text(child)
            if value not in _EMPTY_CELLS:
                try:
                    col = int(child.get("col", ""))
                except ValueError:
                    raise ReleaseFileError(
                        file, f"<cell col={child.get('col')!r}> under {' > '.join(path)!r} is not a column"
                    ) from None
                if col != 1:  # col 1 is the row label itself
                    cells.append((col, value))
        elif tag == "title" or (tag == "diff" and title is None):
            # The index schema allows a <diff> in place of the title in addenda files.
            title, modifier = _title_text(child)
        elif tag == "code":
            code = _plain_text(child) or None
        elif tag == "see":
            see = _plain_text(child) or None
        elif tag == "seeAlso":
            see_also = _plain_text(child) or None
        elif tag == "manif":
            manif = _plain_text(child) or None
        elif tag == "subcat":
            subcat = _plain_text(child) or None
        elif tag == "seecat":
            seecat = _plain_text(child) or None
        elif tag == "warning":
            warning = _plain_text(child) or None

    path = (*path, title or "")
    if modifier:
        nemod = (*nemod, modifier)
    level = depth
    if depth:
        try:
            level = int(elem.get("level", depth))
        except ValueError:
            level = depth

    if code is not None or (not cells and (manif or see or see_also or subcat or seecat)):
        yield IndexEntry(path, nemod, code, None, manif, subcat, seecat, see, see_also, level, warning)
    for col, value in cells:
        column = heads.get(col)
        if column is None:
            where = " > ".join(path)
            raise ReleaseFileError(file, f"a cell under {where!r} is in column {col}, which has no heading")
        yield IndexEntry(path, nemod, value, column, manif, subcat, seecat, see, see_also, level, warning)
    for child in children:
        yield from _walk(child, path, nemod, depth + 1, heads, file)
