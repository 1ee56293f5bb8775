"""NCCI procedure-to-procedure edits: PtpTable."""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medcoder.edits.reference import PtpEdit, PtpTable
from medcoder.errors import InputFileError, ReleaseFileError

from .conftest import MUE_HEADER, PTP_HEADER

D = dt.date


@pytest.fixture
def practitioner(edits_dir: Path) -> PtpTable:
    return PtpTable.read(edits_dir / "ccipra-v321r0-f1.txt", edits_dir / "ccipra-v321r0-f2.txt")


def test_ptptable_read_skips_title_lines_and_counts_edits(edits_dir: Path) -> None:
    table = PtpTable.read(str(edits_dir / "ccipra-v321r0-f1.txt"))
    assert len(table) == 6
    assert table.kind == "practitioner"  # from the file name (ccipra)
    assert table.source == str(edits_dir / "ccipra-v321r0-f1.txt")
    (file,) = table.files
    assert file.rows == 6 and len(file.sha256) == 64


@pytest.mark.parametrize(("code_a", "code_b"), [("10100", "10200"), ("10200", "10100")])
def test_ptptable_edit_found_in_both_orders(practitioner: PtpTable, code_a: str, code_b: str) -> None:
    edit = practitioner.edit(code_a, code_b, D(2026, 1, 15))
    assert edit is not None
    assert (edit.column1, edit.column2) == ("10100", "10200")


def test_ptptable_edit_normalises_codes(practitioner: PtpTable) -> None:
    edit = practitioner.edit(" j0100 ", "J0200", D(2026, 1, 15))
    assert edit is not None and edit.column1 == "J0100"
    assert practitioner.edit("20100", "0042t", D(2026, 1, 1)) is not None


def test_ptptable_edit_absent_pair_is_none(practitioner: PtpTable) -> None:
    assert practitioner.edit("10200", "10300", D(2026, 1, 1)) is None
    assert practitioner.edit("10100", "10100", D(2026, 1, 1)) is None


@pytest.mark.parametrize(
    ("day", "in_effect"),
    [
        (D(2023, 3, 31), False),  # before the effective date
        (D(2023, 4, 1), True),  # on the effective date
        (D(2025, 6, 30), True),  # the day before the deletion date
        (D(2025, 7, 1), False),  # CMS: a deletion date is the first date the edit no longer applies
    ],
)
def test_ptptable_edit_effective_and_deletion_boundaries(practitioner: PtpTable, day: dt.date, in_effect: bool) -> None:
    assert (practitioner.edit("10200", "10400", day) is not None) is in_effect


def test_ptptable_edit_returns_the_row_in_effect_for_a_readded_pair(practitioner: PtpTable) -> None:
    old = practitioner.edit("10100", "10300", D(2023, 12, 31))
    new = practitioner.edit("10300", "10100", D(2024, 1, 1))
    assert old is not None and (old.modifier, old.deleted) == (0, D(2024, 1, 1))
    assert new is not None and (new.modifier, new.deleted) == (1, None)
    assert practitioner.edit("10100", "10300", D(2019, 12, 31)) is None


def test_ptptable_edit_deleted_on_its_effective_date_never_applies(practitioner: PtpTable) -> None:
    assert practitioner.edit("10500", "10600", D(2021, 1, 1)) is None
    assert sum(1 for e in practitioner if (e.column1, e.column2) == ("10500", "10600")) == 1


def test_ptptable_edit_without_day_returns_an_undeleted_edit(practitioner: PtpTable) -> None:
    edit = practitioner.edit("10100", "10300")
    assert edit is not None and edit.deleted is None and edit.modifier == 1
    assert practitioner.edit("10200", "10400") is None  # deleted 2025-07-01


def test_ptptable_reads_modifier_indicator_prior_flag_and_rationale(practitioner: PtpTable) -> None:
    edit = practitioner.edit("10100", "10200", D(2026, 1, 1))
    assert edit == PtpEdit(
        "10100", "10200", D(1996, 1, 1), None, 1, "Misuse of column two code with column one code", True
    )
    other = practitioner.edit("J0100", "10100", D(2026, 1, 1))
    assert other is not None and other.modifier == 0 and other.prior_1996 is False


def test_ptptable_edits_for_returns_all_pairs_in_effect(practitioner: PtpTable) -> None:
    edits = practitioner.edits_for(["10100", "10200", "10300", "J0100", "10100"], D(2025, 3, 1))
    pairs = [(e.column1, e.column2) for e in edits]
    assert pairs == [("10100", "10200"), ("10100", "10300"), ("J0100", "10100")]
    assert practitioner.edits_for(["10100"], D(2025, 3, 1)) == []


def test_ptptable_reads_split_files_with_a_wrapped_header(practitioner: PtpTable, edits_dir: Path) -> None:
    assert len(practitioner) == 8
    assert [f.rows for f in practitioner.files] == [6, 2]
    edit = practitioner.edit("J0200", "J0100", D(2025, 1, 1))  # from the second file
    assert edit is not None and edit.rationale == "Mutually exclusive procedures" and edit.modifier == 1
    assert str(edits_dir / "ccipra-v321r0-f2.txt") in practitioner.source


def test_ptptable_reads_a_zip_skipping_readme_and_excel(edits_dir: Path) -> None:
    table = PtpTable.read(edits_dir / "ccioph-v321r0.zip")
    assert len(table) == 2
    assert table.kind == "outpatient"
    assert table.source.endswith("ccioph-v321r0.zip!ccioph-v321r0-f1.txt")
    edit = table.edit("10200", "10100", D(2024, 6, 1))
    assert edit is not None and edit.modifier == 0


def test_ptptable_mixing_practitioner_and_outpatient_files_raises(edits_dir: Path) -> None:
    with pytest.raises(ReleaseFileError, match="read the practitioner and outpatient tables separately"):
        PtpTable.read(edits_dir / "ccipra-v321r0-f1.txt", edits_dir / "ccioph-v321r0.zip")


def test_ptptable_kind_argument_is_used(write) -> None:
    path = write("edits.txt", f"{PTP_HEADER}\n10100\t10200\t\t20200101\t*\t1\tx\n")
    assert PtpTable.read(path).kind is None
    assert PtpTable.read(path, kind="outpatient").kind == "outpatient"
    with pytest.raises(ValueError, match="kind must be"):
        PtpTable.read(path, kind="inpatient")  # type: ignore[arg-type]


def test_ptptable_kind_from_title_lines(write) -> None:
    path = write("edits.txt", f"Hospital Outpatient PTP Edits\n{PTP_HEADER}\n10100\t10200\t\t20200101\t*\t1\tx\n")
    assert PtpTable.read(path).kind == "outpatient"


def test_ptptable_reads_cp1252_text(write) -> None:
    row = "10100\t10200\t\t20200101\t*\t1\tStandards \u2013 practice\u2019s"
    text = f"NCCI PTP edits \u2013 test\r\n{PTP_HEADER}\r\n{row}\r\n"
    path = write("cp1252.txt", data=text.encode("cp1252"))
    edit = PtpTable.read(path).edit("10100", "10200", D(2021, 1, 1))
    assert edit is not None and edit.rationale == "Standards \u2013 practice\u2019s"


def test_ptptable_reads_csv_with_spreadsheet_dates(write) -> None:
    text = (
        '"Medicare NCCI PTP edits, exported"\n'
        "Column 1,Column 2,*=in existence prior to 1996,Effective Date,Deletion Date *=no data,Modifier,"
        "PTP Edit Rationale\n"
        '10100,10200,,1/1/2020,2024-04-01,0,"Mutually exclusive procedures, export"\n'
    )
    edit = PtpTable.read(write("ptp.csv", text)).edit("10100", "10200", D(2024, 3, 31))
    assert edit is not None
    assert (edit.effective, edit.deleted) == (D(2020, 1, 1), D(2024, 4, 1))
    assert edit.rationale == "Mutually exclusive procedures, export"


def test_ptptable_skips_blank_and_note_lines_after_the_table(write) -> None:
    text = f"{PTP_HEADER}\n10100\t10200\t\t20200101\t*\t1\tx\n\n\t\t\t\t\t\t\nEnd of file\n"
    assert len(PtpTable.read(write("ptp.txt", text))) == 1


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("10100\t10200\t\t2020131\t*\t1\tx", "bad effective date '2020131' for edit 10100/10200"),
        ("10100\t10200\t\t20201301\t*\t1\tx", "bad effective date '20201301'"),
        ("10100\t10200\t\t20200101\tnever\t1\tx", "bad deletion date 'never'"),
        ("10100\t10200\t\t20200101\t*\t2\tx", "bad modifier indicator '2'"),
        ("10100\t102\t\t20200101\t*\t1\tx", "column 2 '102' is not a CPT/HCPCS code"),
        ("1010\t10200\t\t20200101\t*\t1\tx", "column 1 '1010' is not a CPT/HCPCS code"),
        ("10100\t10200\tY\t20200101\t*\t1\tx", "bad prior-1996 flag 'Y'"),
        ("10100\t10200\t\t20200101", "4 cells, expected at least 6"),
    ],
)
def test_ptptable_bad_row_raises_with_line_number(write, row: str, message: str) -> None:
    path = write("bad.txt", f"Title line\n\n{PTP_HEADER}\n10100\t10300\t\t20200101\t*\t1\tx\n{row}\n")
    with pytest.raises(ReleaseFileError) as caught:
        PtpTable.read(path)
    assert caught.value.line == 5
    assert message in caught.value.reason
    assert str(path) in str(caught.value) and "line 5" in str(caught.value)


def test_ptptable_wrong_layout_raises(edits_dir: Path) -> None:
    path = edits_dir / "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv"
    with pytest.raises(ReleaseFileError, match="not an NCCI PTP file: no header row with 'Column 1' and 'Column 2'"):
        PtpTable.read(path)


def test_ptptable_header_without_date_columns_raises(write) -> None:
    path = write("ptp.txt", "Column 1\tColumn 2\tModifier\n10100\t10200\t1\n")
    with pytest.raises(ReleaseFileError, match="no 'Effective Date', 'Deletion Date' column") as caught:
        PtpTable.read(path)
    assert caught.value.line == 1


def test_ptptable_header_without_rows_raises(write) -> None:
    with pytest.raises(ReleaseFileError, match="a header but no edit rows"):
        PtpTable.read(write("ptp.txt", f"{PTP_HEADER}\n\n"))


def test_ptptable_missing_file_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        PtpTable.read(tmp_path / "ccipra-v321r0-f9.txt")


def test_ptptable_directory_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="is a directory"):
        PtpTable.read(tmp_path)


def test_ptptable_same_file_twice_raises(edits_dir: Path) -> None:
    path = edits_dir / "ccipra-v321r0-f1.txt"
    with pytest.raises(ReleaseFileError, match="the same file was given twice"):
        PtpTable.read(path, path)


def test_ptptable_excel_workbook_is_refused(write) -> None:
    with pytest.raises(ReleaseFileError, match="Excel workbooks are not read"):
        PtpTable.read(write("ccipra-v321r0-f1.xlsx", data=b"PK\x03\x04"))


def test_ptptable_zip_without_text_raises(tmp_path: Path) -> None:
    path = tmp_path / "ccipra.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ccipra-v321r0-f1.xlsx", b"x")
    with pytest.raises(ReleaseFileError, match="only Excel workbooks"):
        PtpTable.read(path)


def test_ptptable_zip_without_layout_raises(tmp_path: Path) -> None:
    path = tmp_path / "ccipra.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("README.txt", "nothing here\n")
        archive.writestr("notes.csv", "a,b\n")
    with pytest.raises(ReleaseFileError, match="no member of the zip has the layout's header row"):
        PtpTable.read(path)


def test_ptptable_bad_row_in_zip_names_the_member(tmp_path: Path) -> None:
    path = tmp_path / "ccipra.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("f1.txt", f"{PTP_HEADER}\n10100\t10200\t\t20200101\t*\t7\tx\n")
    with pytest.raises(ReleaseFileError) as caught:
        PtpTable.read(path)
    assert caught.value.path == f"{path}!f1.txt" and caught.value.line == 2


def test_ptptable_corrupt_zip_raises(write) -> None:
    with pytest.raises(ReleaseFileError, match="not a readable zip file"):
        PtpTable.read(write("ccipra.zip", data=b"PK\x03\x04 truncated"))


def test_ptptable_built_from_edits_matches_read(practitioner: PtpTable) -> None:
    rebuilt = PtpTable(list(practitioner), kind="practitioner")
    assert len(rebuilt) == len(practitioner)
    assert sorted(rebuilt, key=repr) == sorted(practitioner, key=repr)


def test_ptptable_needs_a_file() -> None:
    with pytest.raises(TypeError, match="at least one file"):
        PtpTable.read()


# --- write -> read round trip -----------------------------------------------------------------

_codes = st.one_of(
    st.from_regex(r"[0-9]{5}", fullmatch=True),
    st.from_regex(r"[0-9]{4}[FTU]", fullmatch=True),
    st.from_regex(r"[A-V][0-9]{4}", fullmatch=True),
)
_days = st.dates(min_value=D(1996, 1, 1), max_value=D(2030, 12, 31))


@st.composite
def _edits(draw) -> list[PtpEdit]:
    pairs = draw(st.lists(st.tuples(_codes, _codes), min_size=1, max_size=20, unique=True))
    edits = []
    for column1, column2 in pairs:
        effective = draw(_days)
        deleted = draw(st.one_of(st.none(), _days.filter(lambda d, e=effective: d >= e)))
        rationale = draw(st.sampled_from(["", "Mutually exclusive procedures", "Misuse of column two code"]))
        modifier, prior = draw(st.sampled_from([0, 1, 9])), draw(st.booleans())
        edits.append(PtpEdit(column1, column2, effective, deleted, modifier, rationale, prior))
    return edits


def _write_cms(edits: list[PtpEdit], path: Path) -> None:
    lines = ["Hand-made PTP table", "", PTP_HEADER]
    for e in edits:
        deleted = e.deleted.strftime("%Y%m%d") if e.deleted else "*"
        prior = "*" if e.prior_1996 else ""
        cells = [e.column1, e.column2, prior, e.effective.strftime("%Y%m%d"), deleted, str(e.modifier), e.rationale]
        lines.append("\t".join(cells))
    path.write_text("\r\n".join(lines) + "\r\n", encoding="cp1252")


@settings(max_examples=50, deadline=None)
@given(edits=_edits(), day=_days)
def test_ptptable_write_read_round_trip(edits: list[PtpEdit], day: dt.date) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ccipra-v1-f1.txt"
        _write_cms(edits, path)
        table = PtpTable.read(path)
    assert sorted(table, key=repr) == sorted(edits, key=repr)
    for e in edits:
        found = table.edit(e.column2, e.column1, day)
        if e.in_effect(day) and (e.column2, e.column1) not in {(x.column1, x.column2) for x in edits}:
            assert found == e
        if found is not None:
            assert found.in_effect(day)


def test_ptptable_mue_file_header_is_not_a_ptp_header(write) -> None:
    with pytest.raises(ReleaseFileError, match="not an NCCI PTP file"):
        PtpTable.read(write("mue.csv", f"{MUE_HEADER}\n10100,1,1 Line Edit,x\n"))


def test_ptptable_unclosed_quote_raises_release_error(write) -> None:
    text = f'{PTP_HEADER}\n10100\t10200\t\t20200101\t*\t1\t"unclosed\n' + "x" * 140_000 + "\n"
    with pytest.raises(ReleaseFileError, match="cannot be read as CSV or tab-delimited text"):
        PtpTable.read(write("ptp.txt", text))
