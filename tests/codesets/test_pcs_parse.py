"""Tests of the ICD-10-PCS XML parsers: hand-made files, error handling, and the official CMS files."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medcoder.codesets.icd10pcs.parse import (
    AxisValue,
    PcsDefinitionsFile,
    PcsIndexEntry,
    PcsIndexFile,
    PcsRow,
    PcsTable,
    PcsTablesFile,
    detect_pcs_kind,
    parse_definitions,
    parse_index,
    parse_tables,
)
from medcoder.codesets.icd10pcs.tables import is_valid, next_characters
from medcoder.errors import MedcoderError, ReleaseFileError

SMALL_TABLES = """<?xml version="1.0" encoding="utf-8"?>
<ICD10PCS.tabular>
  <version>2099</version>
  <title>2099 ICD-10-PCS Tables</title>
  <pcsTable>
    <axis pos="1" values="1"><title>Section</title><label code="0">Medical and Surgical</label></axis>
    <axis pos="2" values="1"><title>Body System</title><label code="D">Gastrointestinal System</label></axis>
    <axis pos="3" values="1"><title>Operation</title><label code="T">Resection</label>
      <definition>Cutting out or off, without replacement, all of a body part</definition></axis>
    <pcsRow codes="2">
      <axis pos="4" values="1"><title>Body Part</title><label code="J">Appendix</label></axis>
      <axis pos="5" values="2"><title>Approach</title><label code="0">Open</label>
        <label code="4">Percutaneous Endoscopic</label></axis>
      <axis pos="6" values="1"><title>Device</title><label code="Z">No Device</label></axis>
      <axis pos="7" values="1"><title>Qualifier</title><label code="Z">No Qualifier</label></axis>
    </pcsRow>
  </pcsTable>
  <pcsTable>
    <axis pos="1" values="1"><title>Section</title><label code="B">Imaging</label></axis>
    <axis pos="2" values="1"><title>Body System</title><label code="W">Anatomical Regions</label></axis>
    <axis pos="3" values="1"><title>Type</title><label code="0">Plain Radiography</label></axis>
    <pcsRow codes="1">
      <axis pos="4" values="1"><title>Body Part</title><label code="0">Abdomen</label></axis>
      <axis pos="5" values="1"><title>Contrast</title><label code="Z">None</label></axis>
      <axis pos="6" values="1"><title>Qualifier</title><label code="Z">None</label></axis>
      <axis pos="7" values="1"><title>Qualifier</title><label code="Z">None</label></axis>
    </pcsRow>
  </pcsTable>
</ICD10PCS.tabular>
"""

SMALL_INDEX = """<?xml version="1.0" encoding="utf-8"?>
<ICD10PCS.index>
  <version>2099</version>
  <title>2099 ICD-10-PCS Index</title>
  <letter>
    <title>A</title>
    <mainTerm>
      <title>Abdominohysterectomy</title>
      <see>Resection, Uterus<codes>0UT9</codes></see>
    </mainTerm>
    <mainTerm>
      <title>Abortion</title>
      <term level="1">
        <title>Products of Conception</title>
        <codes>10A0</codes>
      </term>
      <term level="1">
        <title>Vacuum</title>
        <term level="2"><title>Deep</title><code>10A07Z6</code></term>
      </term>
      <term level="1"><use>Foot Muscle, Right</use></term>
    </mainTerm>
    <mainTerm>
      <title>Activa PC neurostimulator</title>
      <use>Stimulator Generator, Multiple Array in<tab>0JH</tab></use>
    </mainTerm>
    <mainTerm><title>Only a heading</title></mainTerm>
  </letter>
</ICD10PCS.index>
"""

SMALL_DEFINITIONS = """<?xml version="1.0" encoding="utf-8"?>
<ICD10PCS.definitions>
  <version>2099</version>
  <title>2099 ICD-10-PCS Definitions</title>
  <section code="0">
    <title>Medical and Surgical</title>
    <axis pos="3">
      <title>Operation</title>
      <terms>
        <title>Resection</title>
        <definition>Cutting out or off, without replacement, all of a body part</definition>
        <includes>Total nephrectomy, total lobectomy of lung</includes>
      </terms>
    </axis>
    <axis pos="4">
      <title>Body Part</title>
      <terms>
        <title>1st Toe, Left</title>
        <title>1st Toe, Right</title>
        <includes>Hallux</includes>
      </terms>
    </axis>
  </section>
  <section code="F">
    <title>Physical Rehabilitation and Diagnostic Audiology</title>
    <axis pos="5">
      <title>Type Qualifier</title>
      <terms>
        <title>Assistive Devices</title>
        <explanation>Devices to facilitate function</explanation>
      </terms>
    </axis>
  </section>
  <deviceAggregation><aggregate><device>X</device></aggregate></deviceAggregation>
</ICD10PCS.definitions>
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- hand-made files ------------------------------------------------------------------------------


def test_parse_tables_reads_header_axes_and_rows(tmp_path: Path) -> None:
    parsed = parse_tables(_write(tmp_path, "t.xml", SMALL_TABLES))
    assert (parsed.version, parsed.title) == ("2099", "2099 ICD-10-PCS Tables")
    resection, imaging = parsed.tables
    assert resection.prefix == "0DT"
    assert resection.axis_titles == (
        "Section",
        "Body System",
        "Operation",
        "Body Part",
        "Approach",
        "Device",
        "Qualifier",
    )
    assert resection.section == AxisValue("0", "Medical and Surgical")
    assert resection.operation == AxisValue("T", "Resection")
    assert resection.definition == "Cutting out or off, without replacement, all of a body part"
    assert resection.rows[0].axes[1] == (AxisValue("0", "Open"), AxisValue("4", "Percutaneous Endoscopic"))
    assert imaging.axis_titles[2:5] == ("Type", "Body Part", "Contrast")
    assert imaging.definition is None


def test_parse_index_keeps_paths_codes_and_cross_references(tmp_path: Path) -> None:
    parsed = parse_index(_write(tmp_path, "i.xml", SMALL_INDEX))
    assert isinstance(parsed, PcsIndexFile)
    assert parsed.entries == (
        PcsIndexEntry(("Abdominohysterectomy",), "0UT9", None, "Resection, Uterus"),
        PcsIndexEntry(("Abortion", "Products of Conception"), "10A0", None, None),
        PcsIndexEntry(("Abortion", "Vacuum", "Deep"), "10A07Z6", None, None),
        PcsIndexEntry(("Abortion",), None, "Foot Muscle, Right", None),
        PcsIndexEntry(("Activa PC neurostimulator",), "0JH", "Stimulator Generator, Multiple Array in", None),
    )


def test_parse_definitions_splits_multi_title_terms_and_fills_definition(tmp_path: Path) -> None:
    parsed = parse_definitions(_write(tmp_path, "d.xml", SMALL_DEFINITIONS))
    by_key = parsed.by_key()
    assert set(by_key) == {
        ("0", 3, "Resection"),
        ("0", 4, "1st Toe, Left"),
        ("0", 4, "1st Toe, Right"),
        ("F", 5, "Assistive Devices"),
    }
    toe = by_key[("0", 4, "1st Toe, Right")]
    assert toe.includes == ("Hallux",)
    assert toe.definition == "Includes: Hallux"
    assert toe.axis_title == "Body Part"
    explained = by_key[("F", 5, "Assistive Devices")]
    assert explained.definition == explained.explanation == "Devices to facilitate function"
    resection = by_key[("0", 3, "Resection")]
    assert resection.explanation is None
    assert resection.section_title == "Medical and Surgical"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (SMALL_TABLES, "tables"),
        (SMALL_INDEX, "index"),
        (SMALL_DEFINITIONS, "definitions"),
        ('<?xml version="1.0"?>\n<ICD10CM.tabular><version>2026</version></ICD10CM.tabular>', None),
        ("code,description\n0DTJ4ZZ,Resection of Appendix\n", None),
        ("", None),
    ],
)
def test_detect_pcs_kind_reads_root_element(tmp_path: Path, text: str, kind: str | None) -> None:
    assert detect_pcs_kind(_write(tmp_path, "f.xml", text)) == kind


def test_detect_pcs_kind_binary_file_is_none(tmp_path: Path) -> None:
    path = tmp_path / "release.zip"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 10)
    assert detect_pcs_kind(path) is None


def test_detect_pcs_kind_reads_only_the_start(tmp_path: Path) -> None:
    # Malformed after the root start tag: detection must not notice, parsing must.
    path = _write(tmp_path, "t.xml", SMALL_TABLES[:400] + "<<<" + " " * 200_000)
    assert detect_pcs_kind(path) == "tables"
    with pytest.raises(ReleaseFileError):
        parse_tables(path)


@pytest.mark.parametrize(
    ("parser", "text"),
    [(parse_tables, SMALL_TABLES), (parse_index, SMALL_INDEX), (parse_definitions, SMALL_DEFINITIONS)],
)
def test_parse_truncated_file_raises_release_file_error_with_line(tmp_path: Path, parser, text: str) -> None:
    lines = text.splitlines(keepends=True)
    path = _write(tmp_path, "cut.xml", "".join(lines[:10]))
    with pytest.raises(ReleaseFileError) as info:
        parser(path)
    assert info.value.path == str(path)
    assert info.value.line is not None and 9 <= info.value.line <= 11
    assert "malformed XML" in info.value.reason
    assert str(path) in str(info.value) and "E120" in str(info.value)


@pytest.mark.parametrize(
    ("parser", "text"),
    [(parse_tables, SMALL_INDEX), (parse_index, SMALL_DEFINITIONS), (parse_definitions, SMALL_TABLES)],
)
def test_parse_wrong_root_raises_release_file_error(tmp_path: Path, parser, text: str) -> None:
    path = _write(tmp_path, "wrong.xml", text)
    with pytest.raises(ReleaseFileError) as info:
        parser(path)
    assert "root element" in info.value.reason
    assert info.value.path == str(path)


def test_parse_tables_missing_file_raises_release_file_error(tmp_path: Path) -> None:
    with pytest.raises(ReleaseFileError, match="cannot read"):
        parse_tables(tmp_path / "absent.xml")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('<label code="J">Appendix</label>', '<label code="JJ">Appendix</label>', "bad code"),
        ('<axis pos="7" values="1"><title>Qualifier</title><label code="Z">No Qualifier</label></axis>', "", "axes 4"),
        ('<axis pos="3" values="1"><title>Type</title>', '<axis pos="9" values="1"><title>Type</title>', "axes 1"),
    ],
)
def test_parse_tables_bad_structure_raises_release_file_error(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in SMALL_TABLES
    path = _write(tmp_path, "bad.xml", SMALL_TABLES.replace(old, new, 1))
    with pytest.raises(ReleaseFileError, match=message):
        parse_tables(path)


def test_release_file_error_is_a_medcoder_error() -> None:
    assert issubclass(ReleaseFileError, MedcoderError)


# --- JSON round trip ------------------------------------------------------------------------------

_labels = st.text(alphabet=string.ascii_letters + string.digits + " ,()/-'é\"\\", min_size=1, max_size=20)
_chars = st.sampled_from("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ")
_values = st.lists(st.builds(AxisValue, _chars, _labels), min_size=1, max_size=4, unique_by=lambda v: v.code)
_rows = st.builds(PcsRow, st.tuples(*[_values.map(tuple)] * 4))
_tables = st.builds(
    PcsTable,
    prefix=st.text(alphabet="0123456789ABCDX", min_size=3, max_size=3),
    axis_titles=st.tuples(*[_labels] * 7),
    section=st.builds(AxisValue, _chars, _labels),
    body_system=st.builds(AxisValue, _chars, _labels),
    operation=st.builds(AxisValue, _chars, _labels),
    definition=st.none() | _labels,
    rows=st.lists(_rows, min_size=1, max_size=4).map(tuple),
)


@settings(max_examples=200, deadline=None)
@given(_tables)
def test_pcs_table_json_round_trip_property(table: PcsTable) -> None:
    text = table.to_json()
    assert PcsTable.from_json(text) == table
    assert PcsTable.from_json(text).to_json() == text


def test_pcs_table_to_json_is_compact(tmp_path: Path) -> None:
    table = parse_tables(_write(tmp_path, "t.xml", SMALL_TABLES)).tables[0]
    text = table.to_json()
    assert "\n" not in text and '": ' not in text and '", "' not in text
    assert json.loads(text)["prefix"] == "0DT"


@pytest.mark.parametrize(
    "text", ["[]", "{}", '{"v": 99}', '{"v": 1, "prefix": "0DT"}', '{"v":1,"rows":[[1]]}', "not json"]
)
def test_pcs_table_from_json_rejects_other_documents(text: str) -> None:
    with pytest.raises(ValueError):
        PcsTable.from_json(text)


# --- the official CMS files -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def pcs_dir(shared_dir: Path) -> Path:
    return shared_dir / "codesets" / "icd10pcs"


@pytest.fixture(scope="module")
def tables_2026(pcs_dir: Path) -> PcsTablesFile:
    return parse_tables(pcs_dir / "2026" / "icd10pcs_tables_2026.xml")


@pytest.fixture(scope="module")
def tables_2025(pcs_dir: Path) -> PcsTablesFile:
    return parse_tables(pcs_dir / "2025" / "icd10pcs_tables_2025.xml")


@pytest.fixture(scope="module")
def index_2025(pcs_dir: Path) -> PcsIndexFile:
    return parse_index(pcs_dir / "2025" / "icd10pcs_index_2025.xml")


@pytest.mark.conformance
def test_parse_tables_counts_tables_per_year(tables_2026: PcsTablesFile, tables_2025: PcsTablesFile) -> None:
    assert (tables_2026.version, tables_2026.title, len(tables_2026.tables)) == (
        "2026",
        "2026 ICD-10-PCS Tables",
        914,
    )
    assert (tables_2025.version, tables_2025.title, len(tables_2025.tables)) == (
        "2025",
        "2025 ICD-10-PCS Tables",
        908,
    )
    for tables in (tables_2026, tables_2025):
        prefixes = [t.prefix for t in tables.tables]
        assert len(set(prefixes)) == len(prefixes)
        assert prefixes[0] == "001"
        assert all(len(t.axis_titles) == 7 and all(len(r.axes) == 4 for r in t.rows) for t in tables.tables)


@pytest.mark.conformance
def test_parse_tables_axis_titles_differ_by_section(tables_2026: PcsTablesFile) -> None:
    titles = {t.prefix: t.axis_titles for t in tables_2026.tables}
    assert titles["0DT"][2:] == ("Operation", "Body Part", "Approach", "Device", "Qualifier")
    assert titles["BW0"][2:] == ("Type", "Body Part", "Contrast", "Qualifier", "Qualifier")
    assert titles["F00"][1:4] == ("Section Qualifier", "Type", "Body System / Region")
    assert titles["XW0"][5] == "Device / Substance / Technology"


@pytest.mark.conformance
def test_parse_tables_labels_belong_to_rows(tables_2026: PcsTablesFile) -> None:
    # XNS body part 4 is two body parts in FY2026: Thoracic Vertebra and (new) Humeral Shaft, Right.
    xns = next(t for t in tables_2026.tables if t.prefix == "XNS")
    labels = {v.label for row in xns.rows for v in row.axes[0] if v.code == "4"}
    assert labels == {"Thoracic Vertebra", "Humeral Shaft, Right"}


@pytest.mark.conformance
def test_pcs_table_json_round_trip_every_table(tables_2026: PcsTablesFile, tables_2025: PcsTablesFile) -> None:
    for table in (*tables_2026.tables, *tables_2025.tables):
        text = table.to_json()
        assert PcsTable.from_json(text) == table
        assert table.to_json() == text


@pytest.mark.conformance
def test_parse_index_counts_and_known_entries(index_2025: PcsIndexFile) -> None:
    assert (index_2025.version, index_2025.title) == ("2025", "2025 ICD-10-PCS Index")
    print(f"\nICD-10-PCS 2025 index entries: {len(index_2025.entries)}")
    assert len(index_2025.entries) == 18838
    entries = index_2025.entries
    assert PcsIndexEntry(("Abdominohysterectomy",), "0UT9", None, "Resection, Uterus") in entries
    assert PcsIndexEntry(("Abortion", "Abortifacient"), "10A07ZX", None, None) in entries
    assert PcsIndexEntry(("Abductor hallucis muscle",), None, "Foot Muscle, Left", None) in entries
    assert PcsIndexEntry(("Activities of Daily Living Assessment",), "F02", None, None) in entries
    assert PcsIndexEntry(("Acetabulectomy",), "0QT", None, "Resection, Lower Bones") in entries


@pytest.mark.conformance
def test_parse_index_codes_resolve_in_same_year_tables(index_2025: PcsIndexFile, tables_2025: PcsTablesFile) -> None:
    tables = {t.prefix: t for t in tables_2025.tables}
    unresolved: set[str] = set()
    for entry in index_2025.entries:
        code = entry.code
        if code is None:
            continue
        table = tables.get(code[:3])
        if table is None:
            unresolved.add(code)
        elif len(code) == 7:
            if not is_valid(table, code):
                unresolved.add(code)
        elif len(code) > 3:
            try:
                next_characters(table, code)
            except MedcoderError:
                unresolved.add(code)
    # The FY2025 index still lists two DownStream(R) System codes that the FY2025 tables lack.
    assert unresolved == {"5A0512C", "5A0522C"}


@pytest.mark.conformance
@pytest.mark.parametrize(("year", "count"), [("2026", 1090), ("2025", 1066)])
def test_parse_definitions_counts_and_known_terms(pcs_dir: Path, year: str, count: int) -> None:
    parsed = parse_definitions(pcs_dir / year / f"icd10pcs_definitions_{year}.xml")
    assert isinstance(parsed, PcsDefinitionsFile)
    assert (parsed.version, parsed.title) == (year, f"{year} ICD-10-PCS Definitions")
    assert len(parsed.definitions) == count
    by_key = parsed.by_key()
    assert len(by_key) == count  # (section, axis, term) is a key
    resection = by_key[("0", 3, "Resection")]
    assert resection.definition == "Cutting out or off, without replacement, all of a body part"
    assert resection.includes == ("Total nephrectomy, total lobectomy of lung",)
    appendix = by_key[("0", 4, "Appendix")]
    assert appendix.includes == ("Appendiceal orifice", "Vermiform appendix")
    assert by_key[("0", 4, "1st Toe, Left")].includes == by_key[("0", 4, "1st Toe, Right")].includes
    spacer = by_key[("0", 6, "Articulating Spacer in Lower Joints")]
    assert spacer.includes == ("Articulating Spacer (Antibiotic)", "Spacer, Articulating (Antibiotic)")
    ct = by_key[("B", 3, "Computerized Tomography (CT Scan)")]
    assert ct.definition.startswith("Computer reformatted digital display")
    assert {d.section for d in parsed.definitions} == set("0123456789BCFGHX")


@pytest.mark.conformance
def test_detect_pcs_kind_official_files(pcs_dir: Path) -> None:
    found = {p.name: detect_pcs_kind(p) for p in sorted(pcs_dir.glob("*/*.xml"))}
    assert found == {
        "icd10pcs_definitions_2025.xml": "definitions",
        "icd10pcs_index_2025.xml": "index",
        "icd10pcs_tables_2025.xml": "tables",
        "icd10pcs_definitions_2026.xml": "definitions",
        "icd10pcs_tables_2026.xml": "tables",
    }


@pytest.mark.conformance
def test_parse_tables_truncated_official_file_names_file_and_line(pcs_dir: Path, tmp_path: Path) -> None:
    source = (pcs_dir / "2026" / "icd10pcs_tables_2026.xml").read_bytes()
    lines = source.splitlines(keepends=True)
    cut = tmp_path / "icd10pcs_tables_2026.xml"
    cut.write_bytes(b"".join(lines[:5000]) + b"    <pcsRow codes=")
    with pytest.raises(ReleaseFileError) as info:
        parse_tables(cut)
    assert info.value.path == str(cut)
    assert info.value.line == 5001
    assert f"{cut}, line 5001" in str(info.value)
