"""The ICD-10-PCS table engine: validity, expansion, descriptions and explanations from a PcsTable.

An ICD-10-PCS code is valid when its first three characters name a table and its characters 4-7
all appear in one row of that table.  Everything here works on :class:`PcsTable` objects (the
knowledge base stores them as JSON and hands them back), never on a list of exploded codes.

Two facts of the CMS files shape the code:

* Labels belong to rows, not to tables: the same character at the same position can mean
  different things in different rows of one table (``XW0`` device ``2`` is "Talquetamab
  Antineoplastic" in one row and "Anacaulase-bcdb" in another; ``XNS`` body part ``4`` is both
  "Thoracic Vertebra" and "Humeral Shaft, Right").  A full code sits in exactly one row, so its
  labels are unambiguous; for a partial code the distinct labels are joined with ``"; "``.
* Rows of a table never overlap in the 2025/2026 files, so counts are products of axis sizes.
  Overlapping rows are still handled (each code is produced and counted once), by checking only
  the earlier rows that can overlap, so the fast path stays fast.

Codes are compared exactly as given (upper case, no dots or spaces): normalising user input is
the caller's job, so that a validator never silently accepts something a claim would not.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import product
from math import prod

from medcoder.codesets.icd10pcs.parse import PcsDefinition, PcsTable
from medcoder.errors import InvalidCodeFormatError, UnknownCodeError

__all__ = ["AxisExplanation", "count_codes", "describe", "expand", "explain", "is_valid", "next_characters"]

SYSTEM = "ICD-10-PCS"

# ICD-10-PCS uses digits and letters except I and O (too easily read as 1 and 0).
_CODE_CHARS = re.compile(r"[0-9A-HJ-NP-Z]{3,7}")

# Labels that only say "nothing here"; descriptions leave them out, as the CMS long titles do.
_PLACEHOLDERS = frozenset({"None", "No Device", "No Qualifier"})

# Position-6 titles naming a thing put in or used ("with Synthetic Substitute").
_DEVICE_TITLES = frozenset({"Device", "Substance", "Device / Substance / Technology"})

# Operations whose long title names the substance and then where it goes ("of X into Y").
_INTO_OPERATIONS = frozenset({"Introduction", "Transfusion"})

_LABEL_SEPARATOR = "; "


@dataclass(frozen=True, slots=True)
class AxisExplanation:
    """One character of a code: its position (1-7), axis title, character, label and definition."""

    position: int
    title: str
    char: str
    label: str
    definition: str | None


# --- per-table lookup structures, cached by table identity --------------------------------------


@dataclass(frozen=True, slots=True)
class _TableIndex:
    """Lookup structures derived from a table once and reused by every call on the same object."""

    codes: tuple[tuple[tuple[str, ...], ...], ...]  # per row, per axis: the code characters
    sets: tuple[tuple[frozenset[str], ...], ...]  # the same as sets, for membership tests
    overlaps: tuple[tuple[int, ...], ...]  # per row: earlier rows sharing at least one code
    disjoint: bool  # no row overlaps another (true for every table of the CMS files)
    count: int  # number of distinct valid codes


# id(table) -> (weak reference to the table, its index).  Keyed by identity because hashing a
# frozen table walks every label, which costs more than building the index.
_CACHE: dict[int, tuple[weakref.ref[PcsTable], _TableIndex]] = {}


def _forget(key: int, ref: weakref.ref[PcsTable]) -> None:
    entry = _CACHE.get(key)
    if entry is not None and entry[0] is ref:
        del _CACHE[key]


def _index(table: PcsTable) -> _TableIndex:
    key = id(table)
    entry = _CACHE.get(key)
    if entry is not None and entry[0]() is table:
        return entry[1]
    index = _build_index(table)
    ref = weakref.ref(table, lambda r, k=key: _forget(k, r))
    _CACHE[key] = (ref, index)
    return index


def _build_index(table: PcsTable) -> _TableIndex:
    codes = tuple(tuple(tuple(v.code for v in axis) for axis in row.axes) for row in table.rows)
    sets = tuple(tuple(frozenset(axis) for axis in row) for row in codes)
    overlaps = tuple(
        tuple(j for j in range(i) if all(a & b for a, b in zip(sets[i], sets[j], strict=True)))
        for i in range(len(sets))
    )
    disjoint = not any(overlaps)
    if disjoint:
        count = sum(prod(len(axis) for axis in row) for row in codes)
    else:
        count = sum(1 for _ in _row_tails(codes, sets, overlaps, range(len(codes))))
    return _TableIndex(codes=codes, sets=sets, overlaps=overlaps, disjoint=disjoint, count=count)


def _row_tails(
    codes: tuple[tuple[tuple[str, ...], ...], ...],
    sets: tuple[tuple[frozenset[str], ...], ...],
    overlaps: tuple[tuple[int, ...], ...],
    rows: range | list[int],
) -> Iterator[tuple[str, ...]]:
    """Characters 4-7 of every code of the given rows, each code once (first row wins)."""
    for i in rows:
        earlier = [sets[j] for j in overlaps[i]]
        for combo in product(*codes[i]):
            if earlier and any(all(c in s for c, s in zip(combo, row, strict=True)) for row in earlier):
                continue
            yield combo


# --- validation helpers -------------------------------------------------------------------------


def _check_format(code: str, min_len: int, max_len: int) -> None:
    if not isinstance(code, str) or not (min_len <= len(code) <= max_len):
        n = f"{min_len}" if min_len == max_len else f"{min_len} to {max_len}"
        raise InvalidCodeFormatError(str(code), SYSTEM, f"expected {n} characters")
    if not _CODE_CHARS.fullmatch(code):
        raise InvalidCodeFormatError(code, SYSTEM, "characters must be 0-9 or A-Z without I and O")


def _matching_rows(table: PcsTable, index: _TableIndex, code: str) -> list[int]:
    """Rows whose values admit characters 4.. of ``code`` (which must start with the table prefix)."""
    if code[:3] != table.prefix:
        return []
    tail = code[3:]
    return [i for i, row in enumerate(index.sets) if all(c in s for c, s in zip(tail, row, strict=False))]


def _require_rows(table: PcsTable, code: str, min_len: int) -> tuple[_TableIndex, list[int]]:
    """Check the format, then return the rows admitting ``code``; raise if there are none."""
    _check_format(code, min_len, 7)
    index = _index(table)
    rows = _matching_rows(table, index, code)
    if not rows:
        raise UnknownCodeError(code, SYSTEM)
    return index, rows


def _labels_at(table: PcsTable, rows: list[int], axis: int, char: str) -> list[str]:
    """Distinct labels of ``char`` on row axis ``axis`` (0-3) over ``rows``, in row order."""
    labels: list[str] = []
    for i in rows:
        for value in table.rows[i].axes[axis]:
            if value.code == char and value.label not in labels:
                labels.append(value.label)
    return labels


# --- public API ---------------------------------------------------------------------------------


def expand(table: PcsTable) -> Iterator[str]:
    """Every valid 7-character code of the table, once each, in file order (row, then label order)."""
    index = _index(table)
    prefix = table.prefix
    if index.disjoint:
        for row in index.codes:
            for combo in product(*row):
                yield prefix + "".join(combo)
        return
    for combo in _row_tails(index.codes, index.sets, index.overlaps, range(len(index.codes))):
        yield prefix + "".join(combo)


def count_codes(table: PcsTable) -> int:
    """Number of distinct valid 7-character codes in the table (no expansion for disjoint rows)."""
    return _index(table).count


def is_valid(table: PcsTable, code: str) -> bool:
    """True when ``code`` is a complete, valid 7-character code of this table; never raises."""
    if not isinstance(code, str) or len(code) != 7 or code[:3] != table.prefix:
        return False
    index = _index(table)
    return bool(_matching_rows(table, index, code))


def next_characters(table: PcsTable, prefix: str) -> list[tuple[str, str, int]]:
    """Valid next characters after ``prefix`` (3-6 characters) as ``(char, label, codes under it)``.

    Sorted by character (digits before letters, the order of the CMS tables).  Where the same
    character has different labels in different matching rows the labels are joined with
    ``"; "``.  Counts are products of the remaining axis sizes, so nothing is expanded unless the
    table has overlapping rows.  Raises :class:`InvalidCodeFormatError` for a malformed prefix and
    :class:`UnknownCodeError` for a prefix that no row of this table admits.
    """
    _check_format(prefix, 3, 6)
    index, rows = _require_rows(table, prefix, 3)
    axis = len(prefix) - 3
    labels: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for i in rows:
        for value in table.rows[i].axes[axis]:
            seen = labels.setdefault(value.code, [])
            if value.label not in seen:
                seen.append(value.label)
    if index.disjoint:
        for i in rows:
            below = prod(len(a) for a in index.codes[i][axis + 1 :])
            for char in index.codes[i][axis]:
                counts[char] = counts.get(char, 0) + below
    else:
        fixed = prefix[3:]
        for tail in _row_tails(index.codes, index.sets, index.overlaps, rows):
            if tail[:axis] == tuple(fixed):
                counts[tail[axis]] = counts.get(tail[axis], 0) + 1
    return [(char, _LABEL_SEPARATOR.join(labels[char]), counts[char]) for char in sorted(labels)]


def explain(
    table: PcsTable,
    code: str,
    definitions: Mapping[tuple[str, int, str], PcsDefinition] | None = None,
) -> list[AxisExplanation]:
    """Explain a code (or a valid partial code of 3-6 characters) axis by axis.

    The root operation's definition comes from the table itself (``table.definition``), falling
    back to ``definitions``; other axes are looked up in ``definitions`` keyed by
    ``(section code, position, term)`` (see :meth:`PcsDefinitionsFile.by_key`), which covers
    approaches, the body part / device / substance keys and the imaging-style "Type" axes; the
    term is the label, or the key's more specific spelling of it (see :func:`_key_terms`).  A
    partial code whose character has several labels across rows gets them joined with ``"; "``
    and no definition.  Raises :class:`UnknownCodeError` when the code (or prefix) is not in the
    table and :class:`InvalidCodeFormatError` when it cannot be a PCS code at all.
    """
    _, rows = _require_rows(table, code, 3)
    section = table.section.code
    titles = table.axis_titles
    result: list[AxisExplanation] = []
    for position, value in enumerate((table.section, table.body_system, table.operation), start=1):
        definition = _lookup(definitions, _key_terms(table, position, value.label), section, position)
        if position == 3 and table.definition:
            definition = table.definition
        result.append(AxisExplanation(position, titles[position - 1], value.code, value.label, definition))
    for axis, char in enumerate(code[3:]):
        position = axis + 4
        labels = _labels_at(table, rows, axis, char)
        definition = (
            _lookup(definitions, _key_terms(table, position, labels[0]), section, position)
            if len(labels) == 1
            else None
        )
        label = _LABEL_SEPARATOR.join(labels)
        result.append(AxisExplanation(position, titles[position - 1], char, label, definition))
    return result


def _lookup(
    definitions: Mapping[tuple[str, int, str], PcsDefinition] | None, key_terms: list[str], section: str, position: int
) -> str | None:
    """First non-empty definition among the candidate terms for one axis position."""
    if not definitions:
        return None
    for term in key_terms:
        found = definitions.get((section, position, term))
        if found is not None and found.definition:
            return found.definition
    return None


def _key_terms(table: PcsTable, position: int, label: str) -> list[str]:
    """Terms under which the definitions file may list ``label`` at ``position``.

    The Device key qualifies devices by where they go ("Spacer in Lower Joints", "Cardiac Lead,
    Pacemaker for Insertion in Heart and Great Vessels", "... in New Technology"), and the
    rehabilitation Type Qualifiers by assessment or treatment ("Aphasia (Assessment)"), while the
    tables use the bare label; try the specific spellings first, then the label itself.
    """
    if position < 4:
        return [label]
    operation = table.operation.label
    body_system = table.body_system.label
    terms = [
        f"{label} for {operation} in {body_system}",
        f"{label} in {body_system}",
        f"{label} in {table.section.label}",
    ]
    terms.extend(f"{label} ({kind})" for kind in ("Assessment", "Treatment") if kind in operation)
    terms.append(label)
    return terms


def describe(table: PcsTable, code: str) -> str:
    """A readable long description of a valid 7-character code, in the style of the CMS long titles.

    Rule, for sections whose 5th axis is the Approach (0-4, 7-9, X):
    ``"{Operation} of {Body Part}{ with Device}{, Qualifier}, {Approach} Approach{, Qualifier}"``

    * "No Device", "No Qualifier" and "None" are left out, as in the CMS titles;
    * the 6th axis reads " with X" when it is a Device / Substance axis, ", X" otherwise
      (Measurement's "Function / Device", Osteopathic "Method");
    * Bypass reads "Bypass {Body Part} to {Qualifier}" (the qualifier is the destination);
      Introduction and Transfusion read "{Operation} of {Substance} into {Body Part}";
    * the qualifiers "Diagnostic" and "New Technology Group n" follow the approach, others
      precede it.

    Other sections (imaging, nuclear medicine, radiation therapy, rehabilitation, mental health,
    substance abuse, extracorporeal assistance and therapies) have no approach:
    ``"{Type} of {position 4}, {position 5}, {position 6}, {position 7}"`` without placeholders,
    and position 4 joins with ", " instead of " of " when its axis is a mere "Qualifier".

    The CMS titles have further idioms (laterality moved first, "Insertion of Device into Body
    Part"); those are not reproduced, so this is a description, not the official long title.
    """
    _, rows = _require_rows(table, code, 7)
    row = table.rows[rows[0]]
    labels = [next(v.label for v in row.axes[a] if v.code == code[a + 3]) for a in range(4)]
    operation = table.operation.label
    titles = table.axis_titles

    def real(label: str) -> bool:
        return label not in _PLACEHOLDERS

    if titles[4] != "Approach":
        text = operation
        if real(labels[0]):
            text += (", " if titles[3] == "Qualifier" else " of ") + labels[0]
        rest = [lbl for lbl in labels[1:] if real(lbl)]
        return ", ".join([text, *rest])

    body, approach, device, qualifier = labels
    used_device = used_qualifier = False
    if operation == "Bypass":
        text = f"Bypass {body}" if real(body) else "Bypass"
        if real(qualifier):
            text += f" to {qualifier}"
        used_qualifier = True
    elif operation in _INTO_OPERATIONS and real(device):
        text = f"{operation} of {device}" + (f" into {body}" if real(body) else "")
        used_device = True
    else:
        text = f"{operation} of {body}" if real(body) else operation
    if not used_device and real(device):
        text += (" with " if titles[5] in _DEVICE_TITLES else ", ") + device
    trailing = ""
    if not used_qualifier and real(qualifier):
        if qualifier == "Diagnostic" or qualifier.startswith("New Technology Group"):
            trailing = f", {qualifier}"
        else:
            text += f", {qualifier}"
    return f"{text}, {approach} Approach{trailing}"
