"""POA-exempt ICD-10-CM codes: PoaExemptList."""

from __future__ import annotations

import json
import warnings
from importlib import resources
from pathlib import Path

import pytest

from medcoder.edits.reference import PoaExemptFile, PoaExemptList
from medcoder.errors import InputFileError, ReleaseFileError


def test_poaexemptlist_bundled_exempts_z370_not_i509() -> None:
    bundled = PoaExemptList.bundled()
    assert bundled.contains("Z37.0")
    assert bundled.contains("z370")
    assert "Z38.00" in bundled
    assert not bundled.contains("I50.9")
    assert "I50.9" not in bundled


def test_poaexemptlist_bundled_says_it_is_partial() -> None:
    bundled = PoaExemptList.bundled()
    assert "partial" in bundled.source.lower()
    assert "PARTIAL" in bundled.note and "official" in bundled.note
    assert bundled is PoaExemptList.bundled()  # read once


def test_poaexemptlist_bundled_json_validates_and_names_real_codes() -> None:
    with warnings.catch_warnings():  # simple-icd-10-cm 1.5 loads its data through a deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as cm

    raw = (resources.files("medcoder") / "data" / "poa_exempt.json").read_text()
    data = PoaExemptFile.model_validate_json(raw)
    assert "Appendix I" in data.source
    for entry in data.entries:
        ends = entry.code.split("-")
        for end in ends:  # a category, code or chapter / block bound that exists in ICD-10-CM
            assert cm.is_valid_item(end), entry.code
        if len(ends) == 1:
            assert cm.get_description(entry.code) == entry.title


@pytest.mark.parametrize(
    ("code", "exempt"),
    [
        ("B90.9", True),  # range B90-B94
        ("B94.8", True),
        ("B95.0", False),
        ("I25.2", True),
        ("I25.10", False),
        ("Q21.1", True),  # range Q00-Q99
        ("Z80.0", True),
        ("Z86.73", False),  # not in the curated subset
        ("R07.9", False),
    ],
)
def test_poaexemptlist_bundled_codes(code: str, exempt: bool) -> None:
    assert PoaExemptList.bundled().contains(code) is exempt


def test_poaexemptlist_reads_code_list_with_row_numbers(edits_dir: Path) -> None:
    exempt = PoaExemptList.read(edits_dir / "POAexemptCodes2026.txt")
    assert len(exempt) == 4
    assert exempt.contains("B90.0") and exempt.contains("I252") and exempt.contains("Y92.009")
    assert exempt.contains("Z38.00") and not exempt.contains("Z38.01")
    assert not exempt.contains("Z38")  # a listed code does not exempt its category
    assert exempt.source == str(edits_dir / "POAexemptCodes2026.txt")


def test_poaexemptlist_reads_appendix_layout_with_ranges_and_exceptions(edits_dir: Path) -> None:
    exempt = PoaExemptList.read(edits_dir / "poa-appendix-i.txt")
    assert len(exempt) == 4
    assert exempt.contains("B91") and exempt.contains("B94.9") and not exempt.contains("B89")
    assert exempt.contains("V00.01XA") and exempt.contains("V09.9XXA") and not exempt.contains("V10.0XXA")
    assert not exempt.contains("V00.811A") and not exempt.contains("V00.831A")  # Except V00.81-, V00.83-
    assert exempt.contains("V00.821A")
    assert exempt.contains("Z37.0") and exempt.contains("Z68.41") and not exempt.contains("Z69")


def test_poaexemptlist_reads_csv_with_code_header(edits_dir: Path) -> None:
    exempt = PoaExemptList.read(edits_dir / "poa_exempt_codes.csv")
    assert len(exempt) == 2
    assert exempt.contains("Z37.0") and exempt.contains("Z800") and not exempt.contains("Z37.1")


def test_poaexemptlist_bad_code_in_code_column_names_line(write) -> None:
    path = write("poa.csv", "Code,Description\nZ37.0,Single live birth\nnot-a-code,x\n")
    with pytest.raises(ReleaseFileError, match="'not-a-code' is not an ICD-10-CM code") as caught:
        PoaExemptList.read(path)
    assert caught.value.line == 3


def test_poaexemptlist_reversed_range_raises(write) -> None:
    with pytest.raises(ReleaseFileError, match="ends before it starts") as caught:
        PoaExemptList.read(write("poa.txt", "Exempt\nB94-B90, Sequelae\n"))
    assert caught.value.line == 2


def test_poaexemptlist_except_before_any_code_raises(write) -> None:
    with pytest.raises(ReleaseFileError, match="'Except' line before any code"):
        PoaExemptList.read(write("poa.txt", "Except V00.81-\nZ37\n"))


def test_poaexemptlist_file_without_codes_raises(write) -> None:
    with pytest.raises(ReleaseFileError, match="not a POA-exempt list: no ICD-10-CM codes"):
        PoaExemptList.read(write("poa.txt", "Just some text\nand more text\n"))


def test_poaexemptlist_reads_cp1252(write) -> None:
    text = "POA exempt \u2013 list\r\nZ37.0\tSingle live birth \u2013 test\r\n"
    assert PoaExemptList.read(write("poa.txt", data=text.encode("cp1252"))).contains("Z370")


def test_poaexemptlist_missing_file_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError):
        PoaExemptList.read(tmp_path / "POAexemptCodes2026.txt")
    with pytest.raises(InputFileError):
        PoaExemptList.read(tmp_path / "poa_exempt.json")


def test_poaexemptlist_reads_json_in_bundled_format(write) -> None:
    data = {"source": "site list", "entries": [{"code": "Z37"}, {"code": "V00-V09", "exceptions": ["V00.81-"]}]}
    exempt = PoaExemptList.read(write("site.json", json.dumps(data)))
    assert exempt.source == "site list"
    assert exempt.contains("Z37.2") and exempt.contains("V01.00XA") and not exempt.contains("V00.811A")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"source": "x", "entries": []}, "entries"),
        ({"source": "x", "entries": [{"code": "hello"}]}, "not an ICD-10-CM code"),
        ({"source": "x", "entries": [{"code": "Z99-Z00"}]}, "ends before it starts"),
        ({"entries": [{"code": "Z37"}]}, "source"),
        ({"source": "x", "entries": [{"code": "Z37", "extra": 1}]}, "extra"),
    ],
)
def test_poaexemptlist_invalid_json_raises(write, data: dict, message: str) -> None:
    with pytest.raises(ReleaseFileError, match="not a POA-exempt list") as caught:
        PoaExemptList.read(write("site.json", json.dumps(data)))
    assert message in caught.value.reason


def test_poaexemptlist_malformed_json_raises(write) -> None:
    with pytest.raises(ReleaseFileError, match="not valid JSON"):
        PoaExemptList.read(write("site.json", "{not json"))


def test_poaexemptlist_constructor_rejects_bad_entry() -> None:
    with pytest.raises(ValueError, match="not an ICD-10-CM code"):
        PoaExemptList(["Z37", "banana"])
