"""Parser for the official ICD-10-CM Tabular List XML (CDC ``icd10cm-tabular-*.xml``).

The same format is shipped by ``simple-icd-10-cm`` (April 2026) and published every year by CDC, so a
FY2027 file drops in through the importer.  The parser keeps, for every node (chapter, section,
category, subcategory, code): its description, whether it is billable, its place in the hierarchy,
and its own instructional notes.  Codes that take a 7th character are listed in the XML only up to
their 6th; the parser expands them with the placeholder ``X`` (OCG I.A.5, I.C.19.a) into the
billable 7-character codes, each with the extension's meaning appended to the description, the way
the CMS order file writes them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from medcoder.codesets.xmlutil import load_xml
from medcoder.errors import ReleaseFileError

# Note types kept from the XML, in the order the tabular list prints them.
NOTE_TYPES: tuple[str, ...] = (
    "inclusionTerm",
    "includes",
    "notes",
    "excludes1",
    "excludes2",
    "codeFirst",
    "useAdditionalCode",
    "codeAlso",
    "sevenChrNote",
)
_NOTE_TAGS = frozenset(NOTE_TYPES)

# Code references inside note text: "E11.-", "(N18.1-N18.6)", "(P35-P39)", "O24.4-".
_REF_CODE = r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{0,4})?"
CODE_REF = re.compile(rf"\b({_REF_CODE})(?:\s*-\s*({_REF_CODE})\b|(-))?")


@dataclass(slots=True)
class CmNode:
    """One node of the tabular list.  ``code`` is dotted for codes and the section id for sections."""

    code: str
    kind: str  # chapter | section | category | subcategory | code
    description: str
    parent: str | None
    chapter: str
    section: str | None
    depth: int
    billable: bool = False
    placeholder: bool = False  # the XML marks ``<diag placeholder="true">`` (e.g. H21.1X)
    notes: dict[str, list[str]] = field(default_factory=dict)
    seventh: tuple[tuple[str, str], ...] = ()  # effective 7th characters (own or inherited)
    seventh_from: str | None = None  # the node whose sevenChrDef applies

    @property
    def category(self) -> str | None:
        return self.code[:3] if self.kind in ("category", "subcategory", "code") else None


@dataclass(slots=True)
class TabularFile:
    version: str
    nodes: list[CmNode]

    def billable_codes(self) -> list[str]:
        return [n.code for n in self.nodes if n.billable]


def note_refs(text: str) -> list[str]:
    """Code references in a note, as written (``E11.-`` keeps its dash; ranges as ``A-B``)."""
    refs = []
    for first, last, dash in CODE_REF.findall(text):
        first = first.rstrip(".")
        if last:
            refs.append(f"{first}-{last.rstrip('.')}")
        else:
            refs.append(first + ("-" if dash or text_has_dot_dash(first, text) else ""))
    return refs


def text_has_dot_dash(code: str, text: str) -> bool:
    """``E08.-`` (every code in E08): the regex stops before ``.-``, so look at what follows."""
    return f"{code}.-" in text


def _text(elem: ET.Element | None) -> str:
    if elem is None:
        return ""
    return " ".join("".join(elem.itertext()).split())


def _notes_of(elem: ET.Element) -> tuple[dict[str, list[str]], tuple[tuple[str, str], ...]]:
    notes: dict[str, list[str]] = {}
    seventh: list[tuple[str, str]] = []
    for child in elem:
        tag = child.tag
        if tag in _NOTE_TAGS:
            texts = [_text(n) for n in child.findall("note")]
            texts = [t for t in texts if t]
            if texts:
                notes.setdefault(tag, []).extend(texts)
        elif tag == "sevenChrDef":
            seventh = [(ext.get("char", ""), _text(ext)) for ext in child.findall("extension")]
    return notes, tuple(seventh)


def parse_tabular(path: Path) -> TabularFile:
    """Parse a tabular XML file; raise :class:`ReleaseFileError` naming the file and line."""
    root = load_xml(path, "ICD10CM.tabular")
    version = _text(root.find("version"))
    nodes: list[CmNode] = []

    for chapter in root.findall("chapter"):
        ch_name = _text(chapter.find("name"))
        ch_notes, _ = _notes_of(chapter)
        nodes.append(CmNode(ch_name, "chapter", _text(chapter.find("desc")), None, ch_name, None, 0, notes=ch_notes))
        for section in chapter.findall("section"):
            sec_id = section.get("id") or ""
            if "-" not in sec_id:
                # A one-category section (B20) would share its key with the category: key it as a range.
                sec_id = f"{sec_id}-{sec_id}"
            sec_notes, sec_seventh = _notes_of(section)
            nodes.append(
                CmNode(
                    sec_id,
                    "section",
                    _text(section.find("desc")),
                    ch_name,
                    ch_name,
                    sec_id,
                    1,
                    notes=sec_notes,
                )
            )
            for diag in section.findall("diag"):
                _walk(
                    diag,
                    path,
                    sec_id,
                    ch_name,
                    sec_id,
                    2,
                    sec_seventh,
                    sec_id if sec_seventh else None,
                    nodes,
                )
    if not nodes:
        raise ReleaseFileError(path, "no chapters found: not an ICD-10-CM tabular file")
    return TabularFile(version=version, nodes=nodes)


def _walk(
    diag: ET.Element,
    path: Path,
    parent: str,
    chapter: str,
    section: str,
    depth: int,
    inherited_seventh: tuple[tuple[str, str], ...],
    seventh_from: str | None,
    out: list[CmNode],
) -> None:
    name = _text(diag.find("name"))
    if not name:
        raise ReleaseFileError(path, f"a <diag> under {parent} has no <name>")
    notes, own_seventh = _notes_of(diag)
    if own_seventh:
        inherited_seventh, seventh_from = own_seventh, name
    children = diag.findall("diag")
    kind = "category" if depth == 2 else ("subcategory" if children else "code")
    node = CmNode(
        code=name,
        kind=kind,
        description=_text(diag.find("desc")),
        parent=parent,
        chapter=chapter,
        section=section,
        depth=depth,
        placeholder=diag.get("placeholder") == "true",
        notes=notes,
        seventh=inherited_seventh,
        seventh_from=seventh_from,
    )
    out.append(node)
    if children:
        for child in children:
            _walk(child, path, name, chapter, section, depth + 1, inherited_seventh, seventh_from, out)
        return
    if not inherited_seventh:
        node.billable = True
        return
    # OCG I.A.5 / I.C.19.a: a code that takes a 7th character is not complete without it; when
    # it has fewer than 6 characters the placeholder X fills the empty positions.
    base = name.replace(".", "")
    padded = base.ljust(6, "X")
    for char, meaning in inherited_seventh:
        if not _seventh_applies(base, char):
            continue
        full = padded + char
        out.append(
            CmNode(
                code=f"{full[:3]}.{full[3:]}",
                kind="code",
                description=f"{node.description}, {meaning}",
                parent=name,
                chapter=chapter,
                section=section,
                depth=depth + 1,
                billable=True,
                placeholder=len(base) < 6,
                seventh_from=seventh_from,
            )
        )


def _seventh_applies(base: str, char: str) -> bool:
    """Exceptions the tabular list states in prose rather than in ``sevenChrDef``.

    Category S06 note: "7th characters D and S do not apply to codes in category S06 with 6th
    character 7 - death due to brain injury prior to regaining consciousness, or 8 - death due to
    other cause prior to regaining consciousness."
    """
    return not (base.startswith("S06") and len(base) == 6 and base[5] in "78" and char in "DS")


def seventh_character_form(code: str, char: str) -> str:
    """The full 7-character form of ``code`` with 7th character ``char`` (placeholder X filled)."""
    base = code.replace(".", "").upper()
    full = base.ljust(6, "X") + char.upper()
    return f"{full[:3]}.{full[3:]}"
