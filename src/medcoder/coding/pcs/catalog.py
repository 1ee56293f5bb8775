"""What the assigner needs from one installed ICD-10-PCS release, built once and cached.

* every table of the release (``pcs_tables``), by prefix and by root operation / imaging type;
* the body-part values of every table as stem sets, for matching words of a note against the
  table labels; names from the CMS Body Part Key (the definitions' ``includes``: "Suprarenal
  gland" is the Adrenal Gland value) and the vocabulary's ``label_aliases`` are added as aliases
  of the label they name, which is how PCS B4.2 (a branch without its own value is coded to the
  value the key assigns it) and B4.1a (a portion of a body part is coded to the whole body part)
  come out of data rather than code.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from medcoder.codesets.icd10pcs.parse import PcsTable
from medcoder.codesets.kb import KnowledgeBase
from medcoder.coding.pcs.vocabulary import Vocabulary
from medcoder.coding.text import STOPWORDS, stem

__all__ = ["BodyPartValue", "Catalog", "canonical_stems", "catalog_for", "laterality_of_label"]

_WORD = re.compile(r"[a-z0-9]+")
_LATERALITY_WORDS = {"right": "R", "left": "L", "bilateral": "B"}


@dataclass(frozen=True, slots=True)
class BodyPartValue:
    """One body-part character of one table, with the stems that must appear to name it."""

    prefix: str  # the 3-character table
    char: str
    label: str
    stems: frozenset[str]  # required stems (laterality and weak words removed)
    laterality: str | None  # "R", "L", "B" or None
    alias: bool  # matched through a Body Part Key / vocabulary alias, not the label itself


def laterality_of_label(label: str) -> str | None:
    words = _WORD.findall(label.lower())
    if "right" in words and "left" in words:
        return "B"  # "Heart, Right and Left"
    for word in reversed(words):
        if word in _LATERALITY_WORDS:
            return _LATERALITY_WORDS[word]
    return None


def canonical_stems(text: str, words: dict[str, str], drop: frozenset[str] = frozenset()) -> list[str]:
    """Stems of ``text`` after the vocabulary's word mapping ("renal" -> "kidney"); stop words and
    ``drop`` left out; order kept."""
    out: list[str] = []
    for word in _WORD.findall(text.lower()):
        mapped = words.get(word, word)
        for part in mapped.split():
            if part in STOPWORDS or part in drop:
                continue
            out.append(stem(part))
    return out


@dataclass
class Catalog:
    """Tables and body-part values of one release."""

    release_id: str
    tables: dict[str, PcsTable]
    by_operation: dict[str, list[str]]  # root operation / type label -> table prefixes (sections 0-X)
    body_parts: dict[str, list[BodyPartValue]]  # prefix -> values (labels and aliases)
    by_stem: dict[str, list[BodyPartValue]] = field(default_factory=dict)
    _imaging: dict[tuple[str, str], list[str]] = field(default_factory=dict, repr=False, compare=False)
    # stem -> its values in runs of one table each, (prefix, values), in ``by_stem`` order: a note's
    # stem is checked against the tables a procedure allows once per table, not once per value
    _runs: dict[str, list[tuple[str, list[BodyPartValue]]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for s, values in self.by_stem.items():
            runs: list[tuple[str, list[BodyPartValue]]] = []
            for value in values:
                if runs and runs[-1][0] == value.prefix:
                    runs[-1][1].append(value)
                else:
                    runs.append((value.prefix, [value]))
            self._runs[s] = runs

    def stem_values(self, s: str, prefixes: set[str] | frozenset[str]) -> list[BodyPartValue]:
        """The values of ``by_stem[s]`` in the tables ``prefixes``, in their order."""
        return [value for prefix, values in self._runs.get(s, ()) if prefix in prefixes for value in values]

    def operation_tables(self, operation: str, sections: str = "0") -> list[str]:
        return [p for p in self.by_operation.get(operation, []) if p[0] in sections]

    def imaging_tables(self, section: str, type_char: str) -> list[str]:
        found = self._imaging.get((section, type_char))
        if found is None:  # read once per modality: the tables do not change
            found = self._imaging[(section, type_char)] = [
                p for p in self.tables if p[0] == section and p[2] == type_char
            ]
        return list(found)


_LOCK = threading.Lock()
_CATALOGS: dict[tuple[str, str, int], Catalog] = {}


def catalog_for(kb: KnowledgeBase, release_id: str, vocab: Vocabulary) -> Catalog:
    """The catalog of ``release_id`` in this knowledge base file (built once per file, release and
    vocabulary: the file name carries the hash of what is installed)."""
    key = (str(kb.path), release_id, id(vocab))
    with _LOCK:
        found = _CATALOGS.get(key)
        if found is None:
            found = _CATALOGS[key] = _build(kb, release_id, vocab)
        return found


def _build(kb: KnowledgeBase, release_id: str, vocab: Vocabulary) -> Catalog:
    words = vocab.data.words
    weak = frozenset(vocab.data.weak_label_words) | frozenset(_LATERALITY_WORDS)
    tables: dict[str, PcsTable] = {}
    by_operation: dict[str, list[str]] = {}
    for prefix, data in kb.query("SELECT prefix, data FROM pcs_tables WHERE release_id = ?", (release_id,)):
        table = PcsTable.from_json(data)
        tables[prefix] = table
        by_operation.setdefault(table.operation.label, []).append(prefix)
    # aliases: CMS Body Part Key (section 0 / X position 4 includes) plus the vocabulary's own
    aliases: dict[str, list[str]] = {}
    for definition in kb.pcs_definitions(release_id).values():
        if definition.axis == 4 and definition.section == "0":
            for name in definition.includes:
                aliases.setdefault(definition.term, []).append(name)
    for label, names in vocab.data.label_aliases.items():
        aliases.setdefault(label, []).extend(names)
    body_parts: dict[str, list[BodyPartValue]] = {}
    by_stem: dict[str, list[BodyPartValue]] = {}
    for prefix, table in tables.items():
        if table.axis_titles[3] not in ("Body Part", "Body System", "Body System / Region", "Body Region"):
            continue
        seen: set[tuple[str, str]] = set()
        values: list[BodyPartValue] = []
        for row in table.rows:
            for value in row.axes[0]:
                if (value.code, value.label) in seen:
                    continue
                seen.add((value.code, value.label))
                lat = laterality_of_label(value.label)
                names = [(value.label, False)] + [(a, True) for a in aliases.get(value.label, ())]
                for name, is_alias in names:
                    stems = frozenset(canonical_stems(name, words, weak))
                    if stems:
                        values.append(BodyPartValue(prefix, value.code, value.label, stems, lat, is_alias))
        body_parts[prefix] = values
        for v in values:
            for s in v.stems:
                by_stem.setdefault(s, []).append(v)
    return Catalog(release_id, tables, by_operation, body_parts, by_stem)


def clear_catalogs() -> None:
    with _LOCK:
        _CATALOGS.clear()
