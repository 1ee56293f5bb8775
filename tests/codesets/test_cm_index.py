"""Tests for the ICD-10-CM index-family parser (Alphabetic Index, External Cause Index, tables).

The Alphabetic Index itself is not in ``../shared``; the hand-written fixture
``tests/fixtures/icd10cm-index-sample.xml`` stands in for it and is checked against the official
schema.  The External Cause Index, Table of Drugs and Neoplasm Table of April 2026 are tested on the
real files (``conformance``): the expected rows below were read from those files.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medcoder.codesets.icd10cm.index import (
    IndexEntry,
    IndexFile,
    detect_index_kind,
    parse_index_file,
)
from medcoder.errors import ReleaseFileError

CM_2026 = ("codesets", "icd10cm", "2026")
DRUG = "icd10cm-drug-April-1-2026.xml"
NEOPLASM = "icd10cm-neoplasm-April-1-2026.xml"
EINDEX = "icd10cm-eindex-April-1-2026.xml"
INDEX_XSD = ("codesets", "icd10cm", "2025", "icd10cm-index-2025.xsd")

DRUG_HEADINGS = (
    "Substance",
    "Poisoning Accidental (unintentional)",
    "Poisoning Intentional self-harm",
    "Poisoning Assault",
    "Poisoning Undetermined",
    "Adverse effect",
    "Underdosing",
)
NEOPLASM_HEADINGS = (
    "Neoplasm",
    "Malignant Primary",
    "Malignant Secondary",
    "Ca in situ",
    "Benign",
    "Uncertain Behavior",
    "Unspecified Behavior",
)


@pytest.fixture(scope="module")
def sample_path(fixtures_dir: Path) -> Path:
    return fixtures_dir / "icd10cm-index-sample.xml"


@pytest.fixture(scope="module")
def sample(sample_path: Path) -> IndexFile:
    return parse_index_file(sample_path)


@pytest.fixture(scope="module")
def cm2026(shared_dir: Path) -> Path:
    return shared_dir.joinpath(*CM_2026)


@pytest.fixture(scope="module")
def drug(cm2026: Path) -> IndexFile:
    return parse_index_file(cm2026 / DRUG)


@pytest.fixture(scope="module")
def neoplasm(cm2026: Path) -> IndexFile:
    return parse_index_file(cm2026 / NEOPLASM)


@pytest.fixture(scope="module")
def eindex(cm2026: Path) -> IndexFile:
    return parse_index_file(cm2026 / EINDEX)


def _find(index: IndexFile, *path: str) -> list[IndexEntry]:
    return [entry for entry in index.entries if entry.path == path]


def _by_column(index: IndexFile, *path: str) -> dict[str | None, str | None]:
    return {entry.column: entry.code for entry in _find(index, *path)}


def _write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


# --- the hand-written Alphabetic Index sample ------------------------------------------------


@pytest.mark.conformance
def test_index_fixture_validates_against_official_xsd(shared_dir: Path, sample_path: Path) -> None:
    etree = pytest.importorskip("lxml.etree")
    schema = etree.XMLSchema(etree.parse(str(shared_dir.joinpath(*INDEX_XSD))))
    document = etree.parse(str(sample_path))
    assert schema.validate(document), schema.error_log


def test_parse_index_file_reads_fixture_metadata(sample: IndexFile) -> None:
    assert sample.kind == "index"
    assert sample.version == "2026"
    assert sample.title == "ICD-10-CM INDEX TO DISEASES and INJURIES"
    assert sample.headings == ()
    assert len({entry.path[0] for entry in sample.entries}) == 25
    assert len(sample.entries) == 111


# (path, nemod, code, manif, see, see_also, level)
FIXTURE_ROWS = [
    (
        ("Diabetes, diabetic", "type 2", "with", "neuropathy"),
        ("(mellitus) (sugar)",),
        "E11.40",
        None,
        None,
        None,
        3,
    ),
    (
        ("Diabetes, diabetic", "type 2", "with", "chronic kidney disease"),
        ("(mellitus) (sugar)",),
        "E11.22",
        None,
        None,
        None,
        3,
    ),
    (
        ("Diabetes, diabetic", "type 1", "with", "neuropathy"),
        ("(mellitus) (sugar)",),
        "E10.40",
        None,
        None,
        None,
        3,
    ),
    (("Diabetes, diabetic",), ("(mellitus) (sugar)",), "E11.9", None, None, None, 0),
    (
        ("Hypertension, hypertensive", "heart"),
        (
            "(accelerated) (benign) (essential) (idiopathic) (malignant) (systemic)",
            "(disease) (conditions in I50.- or I51.4-I51.9 due to hypertension)",
        ),
        "I11.9",
        None,
        None,
        None,
        1,
    ),
    (
        ("Hypertension, hypertensive", "with", "heart involvement"),
        (
            "(accelerated) (benign) (essential) (idiopathic) (malignant) (systemic)",
            "(conditions in I50.- or I51.4-I51.9 due to hypertension)",
        ),
        None,
        None,
        "Hypertension, heart",
        None,
        2,
    ),
    (
        ("Pneumonia", "lobar"),
        (
            "(acute) (double) (migratory) (purulent) (septic) (unresolved)",
            "(disseminated) (double) (interstitial)",
        ),
        "J18.1",
        None,
        None,
        "Pneumonia, pneumococcal",
        1,
    ),
    (("Pneumonitis",), ("(acute) (primary)",), None, None, None, "Pneumonia", 0),
    (("Bronchopneumonia",), (), None, None, "Pneumonia, broncho", None, 0),
    (("Amyloidosis", "heart"), ("(generalized) (primary)",), "E85.4", "I43", None, None, 1),
    (
        ("Cataract", "in", "hypoparathyroidism"),
        ("(cortical) (immature) (incipient)", "(due to)"),
        "E20.9",
        "H28",
        None,
        None,
        2,
    ),
    (
        ("Fracture, traumatic", "femur, femoral", "neck", "base"),
        ("(abduction) (adduction) (separation)",),
        "S72.04-",
        None,
        None,
        None,
        3,
    ),
    (
        ("Fracture, traumatic", "radius", "lower end", "Colles'"),
        ("(abduction) (adduction) (separation)",),
        None,
        None,
        "Colles' fracture",
        None,
        3,
    ),
    (
        ("Sepsis", "with", "organ dysfunction", "with septic shock"),
        ("(generalized) (unspecified organism)", "(acute) (multiple)"),
        "R65.21",
        None,
        None,
        None,
        3,
    ),
    (("Pain(s)",), ("(see also Painful)",), "R52", None, None, None, 0),
]


@pytest.mark.parametrize(("path", "nemod", "code", "manif", "see", "see_also", "level"), FIXTURE_ROWS)
def test_parse_index_file_fixture_entries(
    sample: IndexFile,
    path: tuple[str, ...],
    nemod: tuple[str, ...],
    code: str | None,
    manif: str | None,
    see: str | None,
    see_also: str | None,
    level: int,
) -> None:
    (entry,) = _find(sample, *path)
    assert entry.nemod == nemod
    assert (entry.code, entry.manif, entry.see, entry.see_also) == (code, manif, see, see_also)
    assert entry.level == level
    assert entry.column is None
    assert (entry.subcat, entry.seecat) == (None, None)


def test_parse_index_file_removes_nemod_inside_title(sample: IndexFile) -> None:
    # Text after the modifier stays in the title, with one space where the modifier was.
    (ckd,) = _find(
        sample,
        "Hypertension, hypertensive",
        "kidney",
        "with",
        "stage 5 chronic kidney disease or end stage renal disease",
    )
    assert ckd.code == "I12.0"
    assert ckd.nemod[-1] == "(CKD)"
    (uti,) = _find(sample, "Infection, infected, infective", "urinary NEC")
    assert uti.code == "N39.0"
    assert uti.nemod == ("(opportunistic)", "(tract)")


def test_parse_index_file_subterm_headings_emit_no_entry(sample: IndexFile) -> None:
    # "with" carries nothing itself: it appears only inside the paths of the terms below it.
    assert _find(sample, "Diabetes, diabetic", "type 2", "with") == []
    assert _find(sample, "Abuse") == []
    assert len([e for e in sample.entries if e.path[:3] == ("Diabetes, diabetic", "type 2", "with")]) == 7


def test_parse_index_file_keeps_trailing_dash(sample: IndexFile) -> None:
    dashed = {entry.code for entry in sample.entries if entry.code and entry.code.endswith("-")}
    assert {"S52.53-", "L03.11-", "M84.40-", "T14.8-", "S72.9-"} <= dashed


# --- addenda markup and synthetic tables ---------------------------------------------------------


def test_parse_index_file_takes_current_text_of_diff(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "icd10cm-index-addenda.xml",
        """<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.index isAddenda="true">
  <version>2026</version>
  <title>ICD-10-CM INDEX TO DISEASES and INJURIES</title>
  <letter>
    <title>O</title>
    <mainTerm>
      <diff><unc>Obesity</unc><old> (simple)</old></diff>
      <code>E66.9</code>
      <term level="1">
        <diff><unc>class </unc><new>1</new><old>I</old></diff>
        <code>E66.811</code>
      </term>
    </mainTerm>
  </letter>
</ICD10CM.index>
""",
    )
    index = parse_index_file(path)
    assert [(e.path, e.code) for e in index.entries] == [
        (("Obesity",), "E66.9"),
        (("Obesity", "class 1"), "E66.811"),
    ]


def test_parse_index_file_table_cells(tmp_path: Path) -> None:
    # No <indexHeading>: the schema allows it, and the standard drug-table columns apply.
    path = _write(
        tmp_path,
        "icd10cm-drug-test.xml",
        """<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.index>
  <version>2026</version>
  <letter>
    <title>A</title>
    <mainTerm>
      <title>Aspirin<nemod>(aluminum) (soluble)</nemod></title>
      <cell col="1">Aspirin</cell>
      <cell col="2">T39.011</cell>
      <cell col="3"><old>T39.092</old><new>T39.012</new></cell>
      <cell col="4">--</cell>
      <cell col="5"></cell>
      <cell col="6">T39.015</cell>
      <cell col="7">T39.016</cell>
    </mainTerm>
    <mainTerm>
      <title>ASA</title>
      <see>Aspirin</see>
    </mainTerm>
  </letter>
</ICD10CM.index>
""",
    )
    index = parse_index_file(path)
    assert index.kind == "drug"
    assert index.headings == DRUG_HEADINGS
    assert _by_column(index, "Aspirin") == {
        "Poisoning Accidental (unintentional)": "T39.011",
        "Poisoning Intentional self-harm": "T39.012",
        "Adverse effect": "T39.015",
        "Underdosing": "T39.016",
    }
    (asa,) = _find(index, "ASA")
    assert (asa.code, asa.column, asa.see) == (None, None, "Aspirin")


def test_parse_index_file_rejects_cell_without_heading(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "table.xml",
        """<ICD10CM.index><indexHeading><head col="1">Substance</head>
<head col="2">Poisoning Accidental (unintentional)</head></indexHeading>
<letter><title>A</title><mainTerm><title>Aspirin</title><cell col="5">T39.014</cell></mainTerm></letter>
</ICD10CM.index>""",
    )
    with pytest.raises(ReleaseFileError, match="column 5"):
        parse_index_file(path)


_WORD = st.text(
    alphabet=st.characters(categories=("L", "N"), include_characters="-,.'&<>/", exclude_characters="()"),
    min_size=1,
    max_size=8,
)
_SPACE = st.sampled_from([" ", "  ", "\n    ", "\t"])


@st.composite
def _phrase(draw: st.DrawFn) -> tuple[str, str]:
    """(text as it may be written in the XML, the same text whitespace-normalised)."""
    words = draw(st.lists(_WORD, min_size=1, max_size=4))
    raw = words[0]
    for word in words[1:]:
        raw += draw(_SPACE) + word
    return raw, " ".join(words)


@settings(max_examples=60, deadline=None)
@given(
    terms=st.lists(
        st.tuples(_phrase(), st.one_of(st.none(), _phrase()), _phrase()),
        min_size=1,
        max_size=5,
    )
)
def test_parse_index_file_round_trips_titles_and_nemods(
    terms: list[tuple[tuple[str, str], tuple[str, str] | None, tuple[str, str]]],
) -> None:
    """Write a chain of nested terms (title, optional nonessential modifier, see-reference) and
    read it back: paths and modifiers come back normalised, whatever the whitespace or escaping."""
    body = ""
    for depth, (title, nemod, see) in enumerate(terms):
        tag = "mainTerm" if depth == 0 else f'term level="{depth}"'
        nemod_xml = f"<nemod>({escape(nemod[0])})</nemod>" if nemod else ""
        body += f"<{tag}><title>{escape(title[0])}{nemod_xml}</title><see>{escape(see[0])}</see>"
    for depth in reversed(range(len(terms))):
        body += "</mainTerm>" if depth == 0 else "</term>"
    xml = (
        "<ICD10CM.index><title>ICD-10-CM INDEX TO DISEASES</title>"
        f"<letter><title>A</title>{body}</letter></ICD10CM.index>"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sample.xml"
        path.write_text(xml, encoding="utf-8")
        index = parse_index_file(path)
    assert len(index.entries) == len(terms)
    for depth, entry in enumerate(index.entries):
        assert entry.level == depth
        assert entry.path == tuple(title[1] for title, _, _ in terms[: depth + 1])
        assert entry.nemod == tuple(f"({nemod[1]})" for _, nemod, _ in terms[: depth + 1] if nemod)
        assert entry.see == terms[depth][2][1]


# --- the real files of April 2026 -------------------------------------------------------------


@pytest.mark.conformance
def test_parse_index_file_drug_table_metadata(drug: IndexFile) -> None:
    assert (drug.kind, drug.version, drug.title) == ("drug", "2026", "")
    assert drug.headings == DRUG_HEADINGS
    # 43,224 cells less 3,188 "--" cells, plus 103 rows that only refer elsewhere.
    assert sum(entry.code is not None for entry in drug.entries) == 40036
    assert len(drug.entries) == 40139


@pytest.mark.conformance
def test_parse_index_file_drug_table_acetaminophen(drug: IndexFile) -> None:
    assert _by_column(drug, "Acetaminophen") == {
        "Poisoning Accidental (unintentional)": "T39.1X1",
        "Poisoning Intentional self-harm": "T39.1X2",
        "Poisoning Assault": "T39.1X3",
        "Poisoning Undetermined": "T39.1X4",
        "Adverse effect": "T39.1X5",
        "Underdosing": "T39.1X6",
    }
    assert {entry.level for entry in _find(drug, "Acetaminophen")} == {0}


@pytest.mark.conformance
def test_parse_index_file_drug_table_skips_empty_cells(drug: IndexFile) -> None:
    # 1-propanol has "--" under Adverse effect and Underdosing.
    assert _by_column(drug, "1-propanol") == {
        "Poisoning Accidental (unintentional)": "T51.3X1",
        "Poisoning Intentional self-harm": "T51.3X2",
        "Poisoning Assault": "T51.3X3",
        "Poisoning Undetermined": "T51.3X4",
    }
    assert all(entry.code not in {"--", "-", ""} for entry in drug.entries)


@pytest.mark.conformance
def test_parse_index_file_drug_table_subterms_and_references(drug: IndexFile) -> None:
    beverage = _find(drug, "Alcohol", "ethyl", "beverage")
    assert {e.column: e.code for e in beverage}["Poisoning Accidental (unintentional)"] == "T51.0X1"
    assert {e.level for e in beverage} == {2}
    (adrenalin,) = _find(drug, "Adrenalin")
    assert (adrenalin.code, adrenalin.column, adrenalin.see) == (None, None, "Adrenaline")
    insulin = _find(drug, "Insulin")
    assert insulin[0].nemod == ("(amorphous) (globin) (isophane) (Lente) (NPH) (Semilente) (Ultralente)",)
    assert {e.column: e.code for e in insulin}["Underdosing"] == "T38.3X6"


@pytest.mark.conformance
def test_parse_index_file_neoplasm_table_lung(neoplasm: IndexFile) -> None:
    assert (neoplasm.kind, neoplasm.version) == ("neoplasm", "2026")
    assert neoplasm.headings == NEOPLASM_HEADINGS
    assert _by_column(neoplasm, "Neoplasm, neoplastic", "lung") == {
        "Malignant Primary": "C34.9-",
        "Malignant Secondary": "C78.0-",
        "Ca in situ": "D02.2-",
        "Benign": "D14.3-",
        "Uncertain Behavior": "D38.1",
        "Unspecified Behavior": "D49.1",
    }
    assert _by_column(neoplasm, "Neoplasm, neoplastic", "lung", "middle lobe") == {
        "Malignant Primary": "C34.2",
        "Malignant Secondary": "C78.0-",
        "Ca in situ": "D02.21",
        "Benign": "D14.31",
        "Uncertain Behavior": "D38.1",
        "Unspecified Behavior": "D49.1",
    }
    (mesothelioma,) = _find(neoplasm, "Neoplasm, neoplastic", "lung", "mesothelioma")
    assert (mesothelioma.code, mesothelioma.see, mesothelioma.level) == (None, "Mesothelioma", 2)


@pytest.mark.conformance
def test_parse_index_file_neoplasm_table_skips_dash_cells(neoplasm: IndexFile) -> None:
    # The neoplasm table writes a single "-" where a column has no code.
    path = ("Neoplasm, neoplastic", "abdomen, abdominal", "wall", "connective tissue")
    assert _by_column(neoplasm, *path) == {
        "Malignant Primary": "C49.4",
        "Malignant Secondary": "C79.8-",
        "Benign": "D21.4",
        "Uncertain Behavior": "D48.1-",
        "Unspecified Behavior": "D49.2",
    }
    assert _by_column(neoplasm, "Neoplasm, neoplastic", "breast", "nipple")["Ca in situ"] == "D05.-"
    assert sum(entry.code is not None for entry in neoplasm.entries) == 9020
    assert len(neoplasm.entries) == 9092


@pytest.mark.conformance
def test_parse_index_file_neoplasm_table_keeps_prose_manif(neoplasm: IndexFile) -> None:
    # A quirk of the 2026 file: the only <manif> in the table holds prose, not a code.
    entries = _find(neoplasm, "Neoplasm, neoplastic", "book-leaf")
    assert {e.manif for e in entries} == {"ventral surface of tongue and floor of mouth"}
    assert entries[0].nemod == ("(mouth)",)


@pytest.mark.conformance
def test_parse_index_file_eindex_entries(eindex: IndexFile) -> None:
    assert (eindex.kind, eindex.version) == ("eindex", "2026")
    assert eindex.title == "ICD-10-CM EXTERNAL CAUSE of INJURIES INDEX"
    assert eindex.headings == ()
    (skier,) = _find(eindex, "Accident", "barefoot water skier")
    assert (skier.code, skier.nemod, skier.level) == ("V94.4", ("(to)",), 1)
    (powered,) = _find(eindex, "Accident", "boat, boating", "striking swimmer", "powered")
    assert (powered.code, powered.level) == ("V94.11", 3)
    (abandonment,) = _find(eindex, "Abandonment NEC")
    assert abandonment.code == "X58"
    assert abandonment.nemod == ("(causing exposure to weather conditions) (with intent to injure or kill)",)
    (lightning,) = _find(eindex, "Lightning")
    assert (lightning.code, lightning.subcat) == (None, "T75.0")
    (strangulation,) = _find(eindex, "Strangulation")
    assert (strangulation.code, strangulation.seecat) == (None, "T71")
    (aircraft,) = _find(eindex, "Accident", "aircraft")
    assert aircraft.see_also == "Accident, transport, aircraft"
    assert sum(entry.code is not None for entry in eindex.entries) == 6671
    assert len(eindex.entries) == 7515


# --- kind detection ---------------------------------------------------------------------------


@pytest.mark.conformance
@pytest.mark.parametrize(("name", "kind"), [(DRUG, "drug"), (NEOPLASM, "neoplasm"), (EINDEX, "eindex")])
def test_detect_index_kind_real_files_by_content(cm2026: Path, tmp_path: Path, name: str, kind: str) -> None:
    assert detect_index_kind(cm2026 / name) == kind
    renamed = tmp_path / "renamed.xml"  # a name that says nothing: the content decides
    shutil.copyfile(cm2026 / name, renamed)
    assert detect_index_kind(renamed) == kind


def test_detect_index_kind_alphabetic_index_by_title(sample_path: Path, tmp_path: Path) -> None:
    assert detect_index_kind(sample_path) == "index"
    renamed = tmp_path / "renamed.xml"
    shutil.copyfile(sample_path, renamed)
    assert detect_index_kind(renamed) == "index"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("icd10cm-eindex-2027.xml", "eindex"),
        ("icd10cm-drug-2027.xml", "drug"),
        ("icd10cm-neoplasm-2027.xml", "neoplasm"),
        ("icd10cm-index-2027.xml", "index"),
    ],
)
def test_detect_index_kind_falls_back_to_file_name(tmp_path: Path, name: str, kind: str) -> None:
    body = "<ICD10CM.index><letter><title>A</title><mainTerm><title>x</title></mainTerm></letter></ICD10CM.index>"
    assert detect_index_kind(_write(tmp_path, name, body)) == kind


@pytest.mark.parametrize(
    "body",
    [
        '<?xml version="1.0"?><ICD10CM.tabular><version>2026</version></ICD10CM.tabular>',
        "<ICD10PCS.index><letter/></ICD10PCS.index>",
        "not xml at all",
        "",
    ],
)
def test_detect_index_kind_rejects_other_files(tmp_path: Path, body: str) -> None:
    assert detect_index_kind(_write(tmp_path, "icd10cm-index-2026.xml", body)) is None


def test_detect_index_kind_rejects_unknown_table(tmp_path: Path) -> None:
    body = '<ICD10CM.index><indexHeading><head col="1">Gizmo</head></indexHeading></ICD10CM.index>'
    assert detect_index_kind(_write(tmp_path, "tables.xml", body)) is None


# --- errors -------------------------------------------------------------------------------------


def test_parse_index_file_truncated_xml_names_file_and_line(sample_path: Path, tmp_path: Path) -> None:
    data = sample_path.read_bytes()
    cut = data[: len(data) // 2]
    broken = tmp_path / "icd10cm-index-broken.xml"
    broken.write_bytes(cut)
    assert detect_index_kind(broken) == "index"  # the start is intact, so it is still recognised
    with pytest.raises(ReleaseFileError) as info:
        parse_index_file(broken)
    error = info.value
    assert error.path == str(broken)
    assert error.line == cut.count(b"\n") + 1  # the parser stops where the file ends
    assert str(broken) in str(error)
    assert f"line {error.line}" in str(error)
    assert error.code == "E120"


@pytest.mark.conformance
def test_parse_index_file_truncated_real_file(cm2026: Path, tmp_path: Path) -> None:
    cut = (cm2026 / DRUG).read_bytes()[:100_000]
    broken = tmp_path / DRUG
    broken.write_bytes(cut)
    with pytest.raises(ReleaseFileError, match="malformed XML") as info:
        parse_index_file(broken)
    assert info.value.line == cut.count(b"\n") + 1


def test_parse_index_file_rejects_other_root(tmp_path: Path) -> None:
    path = _write(tmp_path, "icd10cm-index-2026.xml", "<ICD10CM.tabular><version>2026</version></ICD10CM.tabular>")
    with pytest.raises(ReleaseFileError, match=r"root element is <ICD10CM\.tabular>") as info:
        parse_index_file(path)
    assert info.value.path == str(path)


def test_parse_index_file_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReleaseFileError, match="cannot read"):
        parse_index_file(tmp_path / "absent.xml")
