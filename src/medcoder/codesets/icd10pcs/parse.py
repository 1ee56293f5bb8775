"""Parsers for the official CMS ICD-10-PCS XML release files (tables, index, definitions).

The files are read with the standard library's ``xml.etree.ElementTree`` (C accelerated) through
``iterparse``, so a 3 MB tables file parses in a fraction of a second and each finished
``<pcsTable>`` / ``<letter>`` / ``<section>`` subtree is released as soon as it has been turned
into immutable dataclasses.  The root element is checked on the first event, so a file of the
wrong kind is refused before it is read to the end.

Every problem with a file is raised as :class:`medcoder.errors.ReleaseFileError` naming the file
(and the line, where expat reports one): a release is user input, and the CLI must be able to say
which file is broken without a traceback.

Facts about the files these parsers rely on (checked on the 2025 and 2026 releases):

* tables: ``<pcsTable>`` holds three ``<axis>`` (positions 1-3, one ``<label>`` each; axis 3 may
  carry the root operation's ``<definition>``) and ``<pcsRow>`` elements, each with four
  ``<axis>`` (positions 4-7) listing the allowed values.  The same character can carry different
  labels in different rows of one table (section X and ``3E0`` qualifier ``0``), so labels are
  kept per row, never per table.
* index: ``<letter>/<mainTerm>`` with nested ``<term level="n">``; a term points at a complete
  code (``<code>``), a partial code (``<codes>``), a table (``<tab>``, 3 characters), or to
  another entry (``<use>``, ``<see>``); ``<see>`` and ``<use>`` may embed ``<codes>``/``<tab>``.
* definitions: ``<section>/<axis>/<terms>``; operation-style entries have ``<definition>``,
  optional ``<explanation>`` and ``<includes>``; the Body Part, Device and Substance keys have
  several ``<title>`` and several ``<includes>`` and no ``<definition>``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from medcoder.errors import ReleaseFileError

__all__ = [
    "AxisValue",
    "PcsDefinition",
    "PcsDefinitionsFile",
    "PcsIndexEntry",
    "PcsIndexFile",
    "PcsRow",
    "PcsTable",
    "PcsTablesFile",
    "detect_pcs_kind",
    "parse_definitions",
    "parse_index",
    "parse_tables",
]

TABLES_ROOT = "ICD10PCS.tabular"
INDEX_ROOT = "ICD10PCS.index"
DEFINITIONS_ROOT = "ICD10PCS.definitions"

_KIND_BY_ROOT = {TABLES_ROOT: "tables", INDEX_ROOT: "index", DEFINITIONS_ROOT: "definitions"}

# Version of the JSON layout written by PcsTable.to_json; the knowledge base stores it, so a
# layout change must bump it and keep reading the old one (or force a rebuild).
_JSON_FORMAT = 1

# How much of a file detect_pcs_kind may read before giving up: the root element of the CMS
# files is on line 2, so a few KiB is plenty; the bound keeps detection cheap on big non-XML files.
_DETECT_LIMIT = 64 * 1024


# --- data model ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AxisValue:
    """One character value of an axis: its code character and its label ("J", "Appendix")."""

    code: str
    label: str


@dataclass(frozen=True, slots=True)
class PcsRow:
    """One ``<pcsRow>``: every combination of its values at positions 4..7 is a valid code.

    ``axes`` holds exactly four tuples (positions 4, 5, 6, 7) in file order.
    """

    axes: tuple[tuple[AxisValue, ...], ...]


@dataclass(frozen=True, slots=True, weakref_slot=True)
class PcsTable:
    """One ``<pcsTable>``: the codes sharing the first three characters ``prefix``.

    ``axis_titles`` are the seven axis titles as the file names them; they differ by section
    (imaging has "Type", "Contrast"...).  Positions 4-7 are taken from the first row (all rows of a
    table carry the same titles in the CMS files).  The weakref slot lets
    :mod:`medcoder.codesets.icd10pcs.tables` cache lookup structures per table object.
    """

    prefix: str
    axis_titles: tuple[str, ...]
    section: AxisValue
    body_system: AxisValue
    operation: AxisValue
    definition: str | None
    rows: tuple[PcsRow, ...]

    def to_json(self) -> str:
        """Serialise losslessly to compact JSON with a fixed key order (byte-identical for equal tables).

        Values are ``[code, label]`` pairs to keep the ~900 tables of a release small in the
        knowledge base; ``"v"`` is the layout version checked by :meth:`from_json`.
        """
        data = {
            "v": _JSON_FORMAT,
            "prefix": self.prefix,
            "axis_titles": list(self.axis_titles),
            "section": [self.section.code, self.section.label],
            "body_system": [self.body_system.code, self.body_system.label],
            "operation": [self.operation.code, self.operation.label],
            "definition": self.definition,
            "rows": [[[[v.code, v.label] for v in axis] for axis in row.axes] for row in self.rows],
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, s: str) -> PcsTable:
        """Rebuild a table written by :meth:`to_json`; raise ``ValueError`` on anything else."""
        try:
            data = json.loads(s)
            if data.get("v") != _JSON_FORMAT:
                raise ValueError(f"unsupported PcsTable JSON layout {data.get('v')!r}")
            rows = tuple(
                PcsRow(axes=tuple(tuple(AxisValue(str(c), str(lbl)) for c, lbl in axis) for axis in row))
                for row in data["rows"]
            )
            definition = data["definition"]
            table = cls(
                prefix=str(data["prefix"]),
                axis_titles=tuple(str(t) for t in data["axis_titles"]),
                section=AxisValue(*(str(x) for x in data["section"])),
                body_system=AxisValue(*(str(x) for x in data["body_system"])),
                operation=AxisValue(*(str(x) for x in data["operation"])),
                definition=None if definition is None else str(definition),
                rows=rows,
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a PcsTable JSON document: {exc!r}") from exc
        if len(table.axis_titles) != 7 or any(len(row.axes) != 4 for row in table.rows):
            raise ValueError("not a PcsTable JSON document: need 7 axis titles and 4 axes per row")
        return table


@dataclass(frozen=True, slots=True)
class PcsTablesFile:
    """A parsed ``icd10pcs_tables_YYYY.xml``."""

    version: str
    title: str
    tables: tuple[PcsTable, ...]


@dataclass(frozen=True, slots=True)
class PcsIndexEntry:
    """One index ``<mainTerm>`` or ``<term>`` that points somewhere.

    ``path`` lists the titles from the main term down to this term (untitled terms add nothing).
    ``code`` is a complete code (``<code>``), a partial code (``<codes>``, 4-6 characters) or a
    table (``<tab>``, 3 characters), including one nested in ``<see>``/``<use>``; ``use`` and
    ``see`` hold the cross-reference text without the nested code.
    """

    path: tuple[str, ...]
    code: str | None
    use: str | None
    see: str | None


@dataclass(frozen=True, slots=True)
class PcsIndexFile:
    """A parsed ``icd10pcs_index_YYYY.xml``."""

    version: str
    title: str
    entries: tuple[PcsIndexEntry, ...]


@dataclass(frozen=True, slots=True)
class PcsDefinition:
    """One term of the definitions file, keyed by (section, axis position, term).

    A ``<terms>`` element with several titles (the Body Part key lists "1st Toe, Left" and
    "1st Toe, Right" with one shared "Hallux") becomes one definition per title, so lookups by the
    label used in the tables work.  ``definition`` is the ``<definition>`` text; entries that have
    none keep what they do say there instead: the ``<explanation>`` when that is all they have,
    otherwise ``"Includes: a; b"`` built from their ``<includes>`` (the Body Part, Device and
    Substance keys).  ``explanation`` and ``includes`` always hold the file's own elements.
    """

    section: str
    section_title: str
    axis: int
    axis_title: str
    term: str
    definition: str
    explanation: str | None
    includes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PcsDefinitionsFile:
    """A parsed ``icd10pcs_definitions_YYYY.xml`` (the ``<deviceAggregation>`` part is not kept)."""

    version: str
    title: str
    definitions: tuple[PcsDefinition, ...]

    def by_key(self) -> dict[tuple[str, int, str], PcsDefinition]:
        """Index by ``(section code, axis position, term)``, the key :func:`tables.explain` takes."""
        return {(d.section, d.axis, d.term): d for d in self.definitions}


# --- shared reading machinery -------------------------------------------------------------------


def _iterparse(path: Path, root_tag: str, what: str) -> Iterator[tuple[str, ET.Element]]:
    """Yield ``(event, element)`` for start/end events after checking the root element.

    Translates expat errors and I/O errors into :class:`ReleaseFileError` so callers never see
    ``ET.ParseError``; the first event is the root's start, checked before anything else is read.
    """
    try:
        # Open the file ourselves so it is closed even when we stop early (wrong root, bad table).
        with path.open("rb") as fh:
            first = True
            for event, elem in ET.iterparse(fh, events=("start", "end")):
                if first:
                    first = False
                    if elem.tag != root_tag:
                        raise ReleaseFileError(
                            path, f"root element is <{elem.tag}>, expected <{root_tag}> (ICD-10-PCS {what})"
                        )
                yield event, elem
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        msg = str(exc).split(": line ")[0]
        raise ReleaseFileError(path, f"malformed XML: {msg}", line=line) from exc
    except OSError as exc:
        raise ReleaseFileError(path, f"cannot read file: {exc.strerror or exc}") from exc


def _text(elem: ET.Element | None) -> str:
    """The element's own leading text, stripped (mixed content keeps only the text before children)."""
    if elem is None or elem.text is None:
        return ""
    return elem.text.strip()


def _child_text(elem: ET.Element, tag: str) -> str | None:
    child = elem.find(tag)
    return None if child is None else _text(child)


def _header(elem: ET.Element, header: dict[str, str]) -> None:
    """Record the root-level ``<version>``/``<title>`` (direct children of the root only)."""
    if elem.tag in ("version", "title") and elem.tag not in header:
        header[elem.tag] = _text(elem)


def _children(path: Path, root_tag: str, what: str, header: dict[str, str]) -> Iterator[ET.Element]:
    """Yield each complete direct child of the root (``<version>``/``<title>`` go to ``header``),
    then free it: memory stays flat however large the file."""
    root: ET.Element | None = None
    depth = 0
    for event, elem in _iterparse(path, root_tag, what):
        if event == "start":
            depth += 1
            if root is None:
                root = elem
            continue
        depth -= 1
        if depth == 1:  # a direct child of the root is complete
            if elem.tag in ("version", "title"):
                _header(elem, header)
            else:
                yield elem
            assert root is not None
            root.remove(elem)


# --- tables -------------------------------------------------------------------------------------


def _axis_value(path: Path, label: ET.Element, where: str) -> AxisValue:
    code = label.get("code")
    if code is None or len(code) != 1:
        raise ReleaseFileError(path, f"{where}: <label> with missing or bad code attribute {code!r}")
    return AxisValue(code, _text(label))


def _parse_table(path: Path, elem: ET.Element, number: int) -> PcsTable:
    where = f"pcsTable #{number}"
    axes = elem.findall("axis")
    if [a.get("pos") for a in axes] != ["1", "2", "3"]:
        raise ReleaseFileError(path, f"{where}: expected axes 1, 2, 3 before the rows")
    head: list[AxisValue] = []
    titles: list[str] = []
    for axis in axes:
        labels = axis.findall("label")
        if len(labels) != 1:
            raise ReleaseFileError(path, f"{where}: axis {axis.get('pos')} must have exactly one <label>")
        head.append(_axis_value(path, labels[0], where))
        titles.append(_child_text(axis, "title") or "")
    prefix = "".join(v.code for v in head)
    where = f"pcsTable {prefix}"
    definition = _child_text(axes[2], "definition")

    rows: list[PcsRow] = []
    for r, row in enumerate(elem.findall("pcsRow"), start=1):
        row_axes = row.findall("axis")
        if [a.get("pos") for a in row_axes] != ["4", "5", "6", "7"]:
            raise ReleaseFileError(path, f"{where}, row {r}: expected axes 4, 5, 6, 7")
        values = tuple(
            tuple(_axis_value(path, lbl, f"{where}, row {r}") for lbl in axis.findall("label")) for axis in row_axes
        )
        if any(not v for v in values):
            raise ReleaseFileError(path, f"{where}, row {r}: an axis has no <label>")
        if not rows:
            titles.extend(_child_text(axis, "title") or "" for axis in row_axes)
        rows.append(PcsRow(axes=values))
    if not rows:
        raise ReleaseFileError(path, f"{where}: table has no <pcsRow>")
    return PcsTable(
        prefix=prefix,
        axis_titles=tuple(titles),
        section=head[0],
        body_system=head[1],
        operation=head[2],
        definition=definition or None,
        rows=tuple(rows),
    )


def parse_tables(path: Path) -> PcsTablesFile:
    """Parse ``icd10pcs_tables_YYYY.xml`` into immutable tables, in file order."""
    path = Path(path)
    header: dict[str, str] = {}
    tables: list[PcsTable] = []
    for elem in _children(path, TABLES_ROOT, "tables", header):
        if elem.tag == "pcsTable":
            tables.append(_parse_table(path, elem, len(tables) + 1))
    return PcsTablesFile(version=header.get("version", ""), title=header.get("title", ""), tables=tuple(tables))


# --- index --------------------------------------------------------------------------------------


def _index_entries(elem: ET.Element, parent_path: tuple[str, ...], out: list[PcsIndexEntry]) -> None:
    """Append the entry of ``elem`` (a mainTerm or term) if it points somewhere, then its sub-terms."""
    title = _child_text(elem, "title")
    path = (*parent_path, title) if title else parent_path
    code: str | None = None
    use: str | None = None
    see: str | None = None
    for child in elem:
        tag = child.tag
        if tag in ("code", "codes", "tab"):
            code = _text(child)
        elif tag in ("use", "see"):
            text = _text(child)
            nested = next((c for c in child if c.tag in ("code", "codes", "tab")), None)
            if nested is not None:
                code = _text(nested)
            if tag == "use":
                use = text
            else:
                see = text
    if code is not None or use is not None or see is not None:
        out.append(PcsIndexEntry(path=path, code=code or None, use=use, see=see))
    for sub in elem.findall("term"):
        _index_entries(sub, path, out)


def parse_index(path: Path) -> PcsIndexFile:
    """Parse ``icd10pcs_index_YYYY.xml``: one entry per main term or term that carries a pointer."""
    path = Path(path)
    header: dict[str, str] = {}
    entries: list[PcsIndexEntry] = []
    for elem in _children(path, INDEX_ROOT, "index", header):
        if elem.tag == "letter":
            for main in elem.findall("mainTerm"):
                _index_entries(main, (), entries)
    return PcsIndexFile(version=header.get("version", ""), title=header.get("title", ""), entries=tuple(entries))


# --- definitions --------------------------------------------------------------------------------


def _parse_section(path: Path, section: ET.Element, out: list[PcsDefinition]) -> None:
    code = section.get("code")
    if not code:
        raise ReleaseFileError(path, "<section> without a code attribute")
    section_title = _child_text(section, "title") or ""
    for axis in section.findall("axis"):
        pos = axis.get("pos", "")
        if not pos.isdigit():
            raise ReleaseFileError(path, f"section {code}: <axis> with bad pos attribute {pos!r}")
        axis_title = _child_text(axis, "title") or ""
        for terms in axis.findall("terms"):
            titles = [_text(t) for t in terms.findall("title")]
            if not titles:
                raise ReleaseFileError(path, f"section {code}, axis {pos}: <terms> without a <title>")
            explanation = _child_text(terms, "explanation") or None
            includes = tuple(_text(i) for i in terms.findall("includes"))
            definition = _child_text(terms, "definition") or explanation
            if not definition:
                definition = "Includes: " + "; ".join(includes) if includes else ""
            out.extend(
                PcsDefinition(
                    section=code,
                    section_title=section_title,
                    axis=int(pos),
                    axis_title=axis_title,
                    term=title,
                    definition=definition,
                    explanation=explanation,
                    includes=includes,
                )
                for title in titles
            )


def parse_definitions(path: Path) -> PcsDefinitionsFile:
    """Parse ``icd10pcs_definitions_YYYY.xml`` into one :class:`PcsDefinition` per term title."""
    path = Path(path)
    header: dict[str, str] = {}
    definitions: list[PcsDefinition] = []
    for elem in _children(path, DEFINITIONS_ROOT, "definitions", header):
        if elem.tag == "section":
            _parse_section(path, elem, definitions)
    return PcsDefinitionsFile(
        version=header.get("version", ""), title=header.get("title", ""), definitions=tuple(definitions)
    )


# --- detection ----------------------------------------------------------------------------------


def detect_pcs_kind(path: Path) -> str | None:
    """Say which PCS file this is ("tables", "index", "definitions") from its root element.

    Reads at most the first 64 KiB, so a release scanner can probe every file of a directory
    cheaply; anything that is not XML with one of the three CMS root elements gives ``None``.
    An unreadable file raises :class:`ReleaseFileError` rather than passing for "not PCS".
    """
    parser = ET.XMLPullParser(events=("start",))
    read = 0
    try:
        with Path(path).open("rb") as fh:
            while read < _DETECT_LIMIT:
                chunk = fh.read(4096)
                if not chunk:
                    break
                read += len(chunk)
                parser.feed(chunk)
                for _event, elem in parser.read_events():
                    return _KIND_BY_ROOT.get(getattr(elem, "tag", ""))
    except ET.ParseError:
        return None
    except OSError as exc:
        raise ReleaseFileError(path, f"cannot read file: {exc.strerror or exc}") from exc
    return None
