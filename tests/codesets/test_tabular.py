"""ICD-10-CM tabular list: the parser against the official April-2026 XML shipped by simple-icd-10-cm."""

from __future__ import annotations

import pytest

from medcoder.codesets.icd10cm.tabular import note_refs, parse_tabular, seventh_character_form
from medcoder.codesets.install import bundled_tabular_path
from medcoder.errors import ReleaseFileError

DATA = bundled_tabular_path().parent


@pytest.fixture(scope="module")
def tabular():
    return parse_tabular(DATA / "icd10c-tabular-April-1-2026.xml")


@pytest.fixture(scope="module")
def nodes(tabular):
    return {n.code: n for n in tabular.nodes}


def test_tabular_counts_match_the_official_code_list(tabular):
    # The package's code-list file lists every chapter, section, category and code (7th characters
    # expanded); our expansion of the XML must give exactly the same set.
    with (DATA / "code-list-April-2026.txt").open(encoding="utf-8") as fh:
        listed = {line.strip() for line in fh if line.strip()}
    ours = set()
    for n in tabular.nodes:
        key = n.code.replace(".", "")
        if n.kind == "section" and key.split("-")[0] == key.split("-")[1]:
            key = key.split("-")[0]  # one-category sections are keyed "B20-B20" to stay unique
        ours.add(key)
    assert ours == listed
    assert len(tabular.billable_codes()) == 74719


def test_tabular_chapter_section_category_of_e1140(nodes):
    e1140 = nodes["E11.40"]
    assert e1140.billable and e1140.kind == "code"
    assert e1140.parent == "E11.4" and e1140.chapter == "4" and e1140.section == "E08-E13"
    assert e1140.category == "E11"
    assert not nodes["E11.4"].billable and nodes["E11.4"].kind == "subcategory"


def test_tabular_notes_of_e11(nodes):
    e11 = nodes["E11"]
    assert "type 1 diabetes mellitus (E10.-)" in e11.notes["excludes1"]
    assert "insulin (Z79.4)" in e11.notes["useAdditionalCode"]
    assert "diabetes NOS" in e11.notes["includes"]


def test_tabular_seventh_characters_of_s72001(nodes):
    base = nodes["S72.001"]
    assert not base.billable
    chars = [c for c, _ in base.seventh]
    assert chars == list("ABCDEFGHJKMNPQRS")
    assert base.seventh_from == "S72"
    full = nodes["S72.001A"]
    assert full.billable
    assert full.description.endswith("initial encounter for closed fracture")


def test_tabular_placeholder_x_fills_short_codes(nodes):
    # OCG I.A.5: S02.0 + 7th character A -> S02.0XXA
    assert nodes["S02.0XXA"].billable and nodes["S02.0XXA"].placeholder
    assert "S02.0A" not in nodes
    assert seventh_character_form("T51.3X1", "a") == "T51.3X1A"
    assert seventh_character_form("S02.0", "D") == "S02.0XXD"


def test_tabular_s06_death_codes_take_only_initial_encounter(nodes):
    # Tabular note at S06: 7th characters D and S do not apply with 6th character 7 or 8.
    assert "S06.347A" in nodes
    assert "S06.347D" not in nodes and "S06.348S" not in nodes
    assert "S06.340D" in nodes


def test_tabular_notes_refs_parse_codes_and_ranges():
    assert note_refs("transitory disorders (P70-P74)") == ["P70-P74"]
    assert note_refs("type 1 diabetes mellitus (E10.-)") == ["E10-"]
    assert note_refs("gestational diabetes (O24.4-)") == ["O24.4-"]
    assert note_refs("stage (N18.1-N18.6) and insulin (Z79.4)") == ["N18.1-N18.6", "Z79.4"]


def test_tabular_malformed_xml_names_file_and_line(tmp_path):
    bad = tmp_path / "icd10cm-tabular-2027.xml"
    text = (DATA / "icd10c-tabular-April-1-2026.xml").read_text(encoding="utf-8")
    bad.write_text(text[:200_000], encoding="utf-8")
    with pytest.raises(ReleaseFileError) as info:
        parse_tabular(bad)
    assert info.value.path == str(bad)
    assert info.value.line is not None and info.value.line > 1
    assert "malformed XML" in str(info.value)


def test_tabular_wrong_root_is_rejected(tmp_path):
    other = tmp_path / "x.xml"
    other.write_text("<ICD10PCS.tabular><version>2026</version></ICD10PCS.tabular>", encoding="utf-8")
    with pytest.raises(ReleaseFileError, match=r"expected <ICD10CM\.tabular>"):
        parse_tabular(other)
