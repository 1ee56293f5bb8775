"""Tests of the ICD-10-PCS table engine on hand-made tables and on the official CMS tables."""

from __future__ import annotations

import gc
import xml.etree.ElementTree as ET
from collections import Counter
from itertools import product
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medcoder.codesets.icd10pcs import tables as engine
from medcoder.codesets.icd10pcs.parse import (
    AxisValue,
    PcsDefinition,
    PcsRow,
    PcsTable,
    PcsTablesFile,
    parse_definitions,
    parse_tables,
)
from medcoder.codesets.icd10pcs.tables import (
    AxisExplanation,
    count_codes,
    describe,
    expand,
    explain,
    is_valid,
    next_characters,
)
from medcoder.errors import InvalidCodeFormatError, UnknownCodeError

PLACEHOLDERS = {"None", "No Device", "No Qualifier"}


def _axis(*pairs: str) -> tuple[AxisValue, ...]:
    """``_axis("0 Open", "4 Percutaneous Endoscopic")`` -> AxisValues (first character is the code)."""
    return tuple(AxisValue(p[0], p[2:]) for p in pairs)


def _table(
    rows: list[tuple[tuple[AxisValue, ...], ...]],
    prefix: str = "0DT",
    titles: tuple[str, ...] = ("Body Part", "Approach", "Device", "Qualifier"),
    operation: str = "Resection",
    definition: str | None = "Cutting out or off, without replacement, all of a body part",
) -> PcsTable:
    return PcsTable(
        prefix=prefix,
        axis_titles=("Section", "Body System", "Operation", *titles),
        section=AxisValue(prefix[0], "Medical and Surgical"),
        body_system=AxisValue(prefix[1], "Gastrointestinal System"),
        operation=AxisValue(prefix[2], operation),
        definition=definition,
        rows=tuple(PcsRow(axes=r) for r in rows),
    )


RESECTION = _table(
    [
        (
            _axis("J Appendix"),
            _axis("0 Open", "4 Percutaneous Endoscopic"),
            _axis("Z No Device"),
            _axis("Z No Qualifier"),
        ),
        (
            _axis("6 Stomach", "J Appendix"),
            _axis("0 Open"),
            _axis("Z No Device"),
            _axis("X Diagnostic", "Z No Qualifier"),
        ),
    ]
)
# Rows 1 and 2 overlap on 0DTJ0ZZ: it must come out once.


# --- hand-made tables -----------------------------------------------------------------------------


def test_expand_overlapping_rows_yields_each_code_once_in_file_order() -> None:
    assert list(expand(RESECTION)) == ["0DTJ0ZZ", "0DTJ4ZZ", "0DT60ZX", "0DT60ZZ", "0DTJ0ZX"]
    assert count_codes(RESECTION) == 5


def test_is_valid_requires_a_full_code_of_one_row() -> None:
    assert is_valid(RESECTION, "0DTJ4ZZ")
    assert is_valid(RESECTION, "0DTJ0ZX")
    assert not is_valid(RESECTION, "0DT64ZZ")  # stomach only in the open row
    assert not is_valid(RESECTION, "0DTJ4Z")
    assert not is_valid(RESECTION, "0DBJ4ZZ")
    assert not is_valid(RESECTION, "0dtj4zz")
    assert not is_valid(RESECTION, "0DTJ4ZZ ")


def test_next_characters_counts_codes_under_each_character() -> None:
    assert next_characters(RESECTION, "0DT") == [("6", "Stomach", 2), ("J", "Appendix", 3)]
    assert next_characters(RESECTION, "0DTJ") == [("0", "Open", 2), ("4", "Percutaneous Endoscopic", 1)]
    assert next_characters(RESECTION, "0DTJ0Z") == [("X", "Diagnostic", 1), ("Z", "No Qualifier", 1)]


def test_next_characters_rejects_prefixes_outside_the_table() -> None:
    with pytest.raises(UnknownCodeError):
        next_characters(RESECTION, "0DT7")
    with pytest.raises(UnknownCodeError):
        next_characters(RESECTION, "0DB")
    with pytest.raises(InvalidCodeFormatError):
        next_characters(RESECTION, "0DTJ4ZZ")
    with pytest.raises(InvalidCodeFormatError):
        next_characters(RESECTION, "0D")


def test_next_characters_joins_labels_that_differ_between_rows() -> None:
    table = _table(
        [
            (_axis("3 Peripheral Vein"), _axis("3 Percutaneous"), _axis("2 Drug A"), _axis("9 Group 9")),
            (_axis("3 Peripheral Vein"), _axis("3 Percutaneous"), _axis("2 Drug B"), _axis("A Group 10")),
        ],
        prefix="XW0",
        operation="Introduction",
    )
    assert next_characters(table, "XW033") == [("2", "Drug A; Drug B", 2)]
    assert explain(table, "XW03329")[5].label == "Drug A"
    assert explain(table, "XW0332A")[5].label == "Drug B"
    assert explain(table, "XW0332")[5].label == "Drug A; Drug B"


def test_explain_full_code_gives_every_axis_with_definitions() -> None:
    definitions = {
        ("0", 4, "Appendix"): PcsDefinition(
            "0", "Medical and Surgical", 4, "Body Part", "Appendix", "Includes: Vermiform appendix", None, ()
        ),
    }
    assert explain(RESECTION, "0DTJ4ZZ", definitions) == [
        AxisExplanation(1, "Section", "0", "Medical and Surgical", None),
        AxisExplanation(2, "Body System", "D", "Gastrointestinal System", None),
        AxisExplanation(3, "Operation", "T", "Resection", RESECTION.definition),
        AxisExplanation(4, "Body Part", "J", "Appendix", "Includes: Vermiform appendix"),
        AxisExplanation(5, "Approach", "4", "Percutaneous Endoscopic", None),
        AxisExplanation(6, "Device", "Z", "No Device", None),
        AxisExplanation(7, "Qualifier", "Z", "No Qualifier", None),
    ]


def test_explain_partial_code_explains_present_axes_only() -> None:
    assert [e.label for e in explain(RESECTION, "0DT")] == [
        "Medical and Surgical",
        "Gastrointestinal System",
        "Resection",
    ]
    assert [e.char for e in explain(RESECTION, "0DTJ0")] == list("0DTJ0")


@pytest.mark.parametrize("code", ["0DT64ZZ", "0DTK", "0DB", "0DTJ4ZY"])
def test_explain_unknown_code_raises_unknown_code_error(code: str) -> None:
    with pytest.raises(UnknownCodeError) as info:
        explain(RESECTION, code)
    assert info.value.system == "ICD-10-PCS"
    assert info.value.unknown_code == code


@pytest.mark.parametrize("code", ["0D", "0DTJ4ZZZ", "0DTI4ZZ", "0dtj4zz", "0DT-"])
def test_explain_malformed_code_raises_invalid_code_format_error(code: str) -> None:
    with pytest.raises(InvalidCodeFormatError):
        explain(RESECTION, code)


def test_describe_follows_the_long_title_rule() -> None:
    assert describe(RESECTION, "0DTJ4ZZ") == "Resection of Appendix, Percutaneous Endoscopic Approach"
    assert describe(RESECTION, "0DT60ZX") == "Resection of Stomach, Open Approach, Diagnostic"
    bypass = _table(
        [
            (
                _axis("6 Cerebral Ventricle"),
                _axis("0 Open"),
                _axis("7 Autologous Tissue Substitute"),
                _axis("0 Nasopharynx"),
            )
        ],
        prefix="001",
        operation="Bypass",
    )
    assert describe(bypass, "0016070") == (
        "Bypass Cerebral Ventricle to Nasopharynx with Autologous Tissue Substitute, Open Approach"
    )
    imaging = _table(
        [(_axis("0 Abdomen"), _axis("Z None"), _axis("Z None"), _axis("Z None"))],
        prefix="BW0",
        titles=("Body Part", "Contrast", "Qualifier", "Qualifier"),
        operation="Plain Radiography",
        definition=None,
    )
    assert describe(imaging, "BW00ZZZ") == "Plain Radiography of Abdomen"


def test_describe_invalid_code_raises() -> None:
    with pytest.raises(UnknownCodeError):
        describe(RESECTION, "0DT64ZZ")
    with pytest.raises(InvalidCodeFormatError):
        describe(RESECTION, "0DTJ")


def test_index_cache_follows_the_table_object() -> None:
    table = _table([(_axis("J Appendix"), _axis("0 Open"), _axis("Z No Device"), _axis("Z No Qualifier"))])
    assert count_codes(table) == 1
    key = id(table)
    assert key in engine._CACHE
    del table
    gc.collect()
    assert key not in engine._CACHE


# --- properties on random tables ------------------------------------------------------------------

_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_values = st.lists(st.sampled_from(_CHARS[:6]), min_size=1, max_size=4, unique=True).map(
    lambda cs: tuple(AxisValue(c, f"label {c}") for c in cs)
)
_row_axes = st.tuples(_values, _values, _values, _values)
_random_tables = st.lists(_row_axes, min_size=1, max_size=5).map(lambda rows: _table(rows))


@settings(max_examples=200, deadline=None)
@given(_random_tables)
def test_expand_matches_brute_force_union(table: PcsTable) -> None:
    brute = {table.prefix + "".join(v.code for v in combo) for row in table.rows for combo in product(*row.axes)}
    codes = list(expand(table))
    assert len(codes) == len(set(codes)) == count_codes(table)
    assert set(codes) == brute
    assert all(is_valid(table, code) for code in codes)


@settings(max_examples=200, deadline=None)
@given(_random_tables, st.integers(min_value=0, max_value=3))
def test_next_characters_counts_agree_with_expand(table: PcsTable, depth: int) -> None:
    codes = list(expand(table))
    for prefix in sorted({code[: 3 + depth] for code in codes}):
        found = next_characters(table, prefix)
        expected = Counter(code[len(prefix)] for code in codes if code.startswith(prefix))
        assert {char: n for char, _label, n in found} == dict(expected)
        assert [char for char, _label, _n in found] == sorted(expected)


@settings(max_examples=100, deadline=None)
@given(_random_tables, st.data())
def test_describe_and_explain_agree(table: PcsTable, data: st.DataObject) -> None:
    code = data.draw(st.sampled_from(list(expand(table))))
    explained = explain(table, code)
    assert "".join(e.char for e in explained) == code
    text = describe(table, code)
    for item in explained[2:]:
        if item.label not in PLACEHOLDERS:
            assert item.label in text


# --- the official CMS tables ----------------------------------------------------------------------

SECTION_COUNTS_2026 = {
    "0": 68419, "1": 305, "2": 861, "3": 1273, "4": 422, "5": 59, "6": 47, "7": 100, "8": 90,
    "9": 90, "B": 2978, "C": 463, "D": 2057, "F": 1388, "G": 28, "H": 59, "X": 476,
}  # fmt: skip
SECTION_COUNTS_2025 = {
    "0": 68367, "1": 304, "2": 861, "3": 1272, "4": 422, "5": 55, "6": 46, "7": 100, "8": 89,
    "9": 90, "B": 2978, "C": 463, "D": 2056, "F": 1380, "G": 28, "H": 59, "X": 378,
}  # fmt: skip


def _codes_attribute_sums(path: Path) -> Counter[str]:
    """Per-section sums of the ``codes="N"`` attribute of each pcsRow, read independently of the parser."""
    sums: Counter[str] = Counter()
    for table in ET.parse(path).getroot().iter("pcsTable"):
        section = table.find("axis/label").get("code")  # type: ignore[union-attr]
        sums[section] += sum(int(row.get("codes", "0")) for row in table.iter("pcsRow"))
    return sums


@pytest.fixture(scope="module")
def pcs_dir(shared_dir: Path) -> Path:
    return shared_dir / "codesets" / "icd10pcs"


@pytest.fixture(scope="module")
def tables_2026(pcs_dir: Path) -> PcsTablesFile:
    return parse_tables(pcs_dir / "2026" / "icd10pcs_tables_2026.xml")


@pytest.fixture(scope="module")
def by_prefix_2026(tables_2026: PcsTablesFile) -> dict[str, PcsTable]:
    return {t.prefix: t for t in tables_2026.tables}


@pytest.fixture(scope="module")
def definitions_2026(pcs_dir: Path) -> dict[tuple[str, int, str], PcsDefinition]:
    return parse_definitions(pcs_dir / "2026" / "icd10pcs_definitions_2026.xml").by_key()


@pytest.mark.conformance
@pytest.mark.parametrize(
    ("year", "total", "per_section"),
    [("2026", 79115, SECTION_COUNTS_2026), ("2025", 78948, SECTION_COUNTS_2025)],
)
def test_count_codes_matches_cms_codes_attributes(
    pcs_dir: Path, year: str, total: int, per_section: dict[str, int]
) -> None:
    path = pcs_dir / year / f"icd10pcs_tables_{year}.xml"
    parsed = parse_tables(path)
    counted: Counter[str] = Counter()
    expanded: list[str] = []
    for table in parsed.tables:
        counted[table.section.code] += count_codes(table)
        expanded.extend(expand(table))
    print(f"\nICD-10-PCS {year}: {len(parsed.tables)} tables, {sum(counted.values())} codes, {dict(counted)}")
    assert sum(counted.values()) == total
    assert dict(counted) == per_section
    assert dict(_codes_attribute_sums(path)) == per_section
    assert len(expanded) == len(set(expanded)) == total
    assert all(len(code) == 7 for code in expanded)


@pytest.mark.conformance
@pytest.mark.parametrize("code", ["0DTJ4ZZ", "0FT44ZZ", "02703DZ", "0DTJ0ZZ", "0SR90J9", "XW033E5", "BW00ZZZ"])
def test_is_valid_known_codes(by_prefix_2026: dict[str, PcsTable], code: str) -> None:
    assert is_valid(by_prefix_2026[code[:3]], code)


@pytest.mark.conformance
@pytest.mark.parametrize("code", ["0DTJ4ZY", "0DTJ3ZZ", "0FT44ZX", "0FT4FZZ", "0DTJ4Z", "0DTJ4ZZ0"])
def test_is_valid_rejects_invalid_codes(by_prefix_2026: dict[str, PcsTable], code: str) -> None:
    assert not is_valid(by_prefix_2026[code[:3]], code)


@pytest.mark.conformance
def test_is_valid_tables_absent_for_unused_prefixes(by_prefix_2026: dict[str, PcsTable]) -> None:
    assert "0DZ" not in by_prefix_2026 and "0DA" not in by_prefix_2026


@pytest.mark.conformance
def test_explain_appendectomy_with_official_definitions(
    by_prefix_2026: dict[str, PcsTable], definitions_2026: dict[tuple[str, int, str], PcsDefinition]
) -> None:
    explained = explain(by_prefix_2026["0DT"], "0DTJ4ZZ", definitions_2026)
    assert [(e.position, e.title, e.char, e.label) for e in explained] == [
        (1, "Section", "0", "Medical and Surgical"),
        (2, "Body System", "D", "Gastrointestinal System"),
        (3, "Operation", "T", "Resection"),
        (4, "Body Part", "J", "Appendix"),
        (5, "Approach", "4", "Percutaneous Endoscopic"),
        (6, "Device", "Z", "No Device"),
        (7, "Qualifier", "Z", "No Qualifier"),
    ]
    assert explained[2].definition == "Cutting out or off, without replacement, all of a body part"
    assert explained[3].definition == "Includes: Appendiceal orifice; Vermiform appendix"
    assert explained[4].definition is not None and explained[4].definition.startswith("Entry, by puncture")
    assert explained[5].definition is None and explained[6].definition is None
    # Without the definitions file only the table's own root-operation definition is known.
    assert [e.definition is not None for e in explain(by_prefix_2026["0DT"], "0DTJ4ZZ")] == [
        False, False, True, False, False, False, False,
    ]  # fmt: skip


@pytest.mark.conformance
def test_explain_device_key_uses_body_system_spelling(
    by_prefix_2026: dict[str, PcsTable], definitions_2026: dict[tuple[str, int, str], PcsDefinition]
) -> None:
    # The device key lists "Magnetically Controlled Growth Rod(s) in New Technology".
    device = explain(by_prefix_2026["XNS"], "XNS4032", definitions_2026)[5]
    assert device.label == "Magnetically Controlled Growth Rod(s)"
    assert device.definition is not None and "MAGEC" in device.definition


@pytest.mark.conformance
def test_next_characters_resection_body_parts(by_prefix_2026: dict[str, PcsTable]) -> None:
    table = by_prefix_2026["0DT"]
    found = next_characters(table, "0DT")
    assert ("J", "Appendix", 5) in found
    assert sum(n for _char, _label, n in found) == count_codes(table) == 106
    assert next_characters(table, "0DTJ") == [
        ("0", "Open", 1),
        ("4", "Percutaneous Endoscopic", 2),
        ("7", "Via Natural or Artificial Opening", 1),
        ("8", "Via Natural or Artificial Opening Endoscopic", 1),
    ]


@pytest.mark.conformance
def test_next_characters_new_technology_labels_depend_on_row(by_prefix_2026: dict[str, PcsTable]) -> None:
    found = {char: label for char, label, _n in next_characters(by_prefix_2026["XNS"], "XNS")}
    assert found["4"] == "Thoracic Vertebra; Humeral Shaft, Right"
    assert describe(by_prefix_2026["XNS"], "XNS40GA").startswith("Reposition of Humeral Shaft, Right")
    assert describe(by_prefix_2026["XNS"], "XNS4032").startswith("Reposition of Thoracic Vertebra")


@pytest.mark.conformance
@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("0FT44ZZ", "Resection of Gallbladder, Percutaneous Endoscopic Approach"),
        ("0DTJ4ZZ", "Resection of Appendix, Percutaneous Endoscopic Approach"),
        ("02703DZ", "Dilation of Coronary Artery, One Artery with Intraluminal Device, Percutaneous Approach"),
        ("0DB68ZX", "Excision of Stomach, Via Natural or Artificial Opening Endoscopic Approach, Diagnostic"),
        (
            "XW033E5",
            "Introduction of Remdesivir Anti-infective into Peripheral Vein, Percutaneous Approach, "
            "New Technology Group 5",
        ),
        ("BW00ZZZ", "Plain Radiography of Abdomen"),
        ("GZ3ZZZZ", "Medication Management"),
    ],
)
def test_describe_official_codes(by_prefix_2026: dict[str, PcsTable], code: str, text: str) -> None:
    assert describe(by_prefix_2026[code[:3]], code) == text


@pytest.mark.conformance
def test_next_characters_sum_to_table_counts_everywhere(tables_2026: PcsTablesFile) -> None:
    for table in tables_2026.tables:
        assert sum(n for _c, _l, n in next_characters(table, table.prefix)) == count_codes(table)


@pytest.mark.conformance
@settings(max_examples=300, deadline=None)
@given(st.data())
def test_describe_and_explain_agree_on_official_codes(tables_2026: PcsTablesFile, data: st.DataObject) -> None:
    table = data.draw(st.sampled_from(tables_2026.tables))
    code = data.draw(st.sampled_from(list(expand(table))))
    explained = explain(table, code)
    assert "".join(e.char for e in explained) == code
    text = describe(table, code)
    for item in explained[2:]:
        if item.label not in PLACEHOLDERS:
            assert item.label in text, (code, item)
