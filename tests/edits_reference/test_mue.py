"""Medically Unlikely Edits: MueTable."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from medcoder.edits.reference import MueEntry, MueTable
from medcoder.errors import InputFileError, ReleaseFileError

from .conftest import MUE_HEADER, PTP_HEADER

D = dt.date
PRACTITIONER = "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv"


@pytest.fixture
def table(edits_dir: Path) -> MueTable:
    return MueTable.read(edits_dir / PRACTITIONER, edits_dir / "mue-q1-2026.txt", edits_dir / "mue-dme-cp1252.txt")


def test_muetable_reads_practitioner_csv(edits_dir: Path) -> None:
    mue = MueTable.read(str(edits_dir / PRACTITIONER))
    assert len(mue) == 4 and mue.services == {"practitioner"}
    assert mue.get("10100") == MueEntry("10100", 1, 2, "Anatomic Consideration", "practitioner", D(2026, 1, 1))
    (file,) = mue.files
    assert (file.rows, file.kind, file.effective) == (4, "practitioner", D(2026, 1, 1))


@pytest.mark.parametrize(
    ("code", "limit", "mai"),
    [("10100", 1, 2), ("10200", 3, 3), ("J0100", 100, 1), ("0042T", 0, 2)],
)
def test_muetable_get_parses_limit_and_mai(table: MueTable, code: str, limit: int, mai: int) -> None:
    entry = table.get(code, "practitioner")
    assert entry is not None and (entry.limit, entry.mai) == (limit, mai)


def test_muetable_get_keeps_quoted_rationale(table: MueTable) -> None:
    entry = table.get("0042t", "practitioner")
    assert entry is not None and entry.rationale == "Code Descriptor / CPT Instruction, policy"


def test_muetable_detects_service_from_header(table: MueTable) -> None:
    assert table.services == {"practitioner", "outpatient", "dme"}
    outpatient = table.get("J0100", "outpatient")
    assert outpatient is not None and (outpatient.service, outpatient.limit, outpatient.mai) == ("outpatient", 50, 3)
    assert outpatient.effective is None  # no date in the file name, none given
    assert table.get("E0100", "practitioner") is None


def test_muetable_get_without_service_prefers_practitioner(table: MueTable) -> None:
    assert table.get("10100").service == "practitioner"  # type: ignore[union-attr]
    assert table.get("E0100").service == "dme"  # type: ignore[union-attr]
    assert table.get("99999") is None


def test_muetable_get_rejects_unknown_service(table: MueTable) -> None:
    with pytest.raises(ValueError, match="service must be one of"):
        table.get("10100", "inpatient")  # type: ignore[arg-type]


def test_muetable_reads_cp1252_dme_file(table: MueTable) -> None:
    entry = table.get("E0100", "dme")
    assert entry is not None and entry.rationale == "Nature of Equipment \u2013 Supplier\u2019s Data"
    assert table.get("A4200", "dme").limit == 200  # type: ignore[union-attr]


def test_muetable_effective_date_from_file_name_selects_quarter(write) -> None:
    q1 = write("MCR_MUE_PractitionerServices_Eff_01-01-2026.csv", f"{MUE_HEADER}\n10100,1,1 Line Edit,x\n")
    q2 = write("MCR_MUE_PractitionerServices_Eff_2026-04-01.csv", f"{MUE_HEADER}\n10100,4,1 Line Edit,x\n")
    mue = MueTable.read(q2, q1)
    assert mue.get("10100", "practitioner", D(2025, 12, 31)) is None
    assert mue.get("10100", "practitioner", D(2026, 3, 31)).limit == 1  # type: ignore[union-attr]
    assert mue.get("10100", "practitioner", D(2026, 4, 1)).limit == 4  # type: ignore[union-attr]
    assert mue.get("10100", "practitioner").limit == 4  # type: ignore[union-attr]


def test_muetable_effective_and_until_arguments(write) -> None:
    path = write("MCR_MUE_PractitionerServices_Eff_01-01-2026.csv", f"{MUE_HEADER}\n10100,1,1 Line Edit,x\n")
    mue = MueTable.read(path, effective=D(2025, 10, 1), until=D(2025, 12, 31))
    entry = mue.get("10100")
    assert entry is not None and (entry.effective, entry.until) == (D(2025, 10, 1), D(2025, 12, 31))
    assert mue.get("10100", day=D(2025, 12, 31)) is not None  # until is the last date of service
    assert mue.get("10100", day=D(2026, 1, 1)) is None
    assert mue.get("10100", day=D(2025, 9, 30)) is None
    with pytest.raises(ValueError, match="before effective"):
        MueTable.read(path, effective=D(2026, 1, 1), until=D(2025, 12, 31))


def test_muetable_service_from_file_name_when_header_is_silent(write) -> None:
    path = write("MCR_MUE_DMESupplierServices_Eff_01-01-2026.csv", "HCPCS/CPT Code,MUE Values,MAI,MUE Rationale\n")
    path.write_text(path.read_text() + "E0100,1,3,x\n")
    assert MueTable.read(path).get("E0100", "dme") is not None


def test_muetable_service_argument_when_nothing_else_tells(write) -> None:
    path = write("mue.csv", "HCPCS/CPT Code,MUE Values,MUE Adjudication Indicator\n10100,2,1\n")
    with pytest.raises(ReleaseFileError, match="cannot tell the MUE service"):
        MueTable.read(path)
    entry = MueTable.read(path, service="outpatient").get("10100")
    assert entry is not None and (entry.service, entry.rationale) == ("outpatient", "")


def test_muetable_service_argument_conflicting_with_header_raises(edits_dir: Path) -> None:
    with pytest.raises(ReleaseFileError, match="an MUE file of practitioner services, read with service='dme'"):
        MueTable.read(edits_dir / PRACTITIONER, service="dme")


def test_muetable_reads_a_zip(tmp_path: Path, edits_dir: Path) -> None:
    path = tmp_path / "MCR_MUE_Eff_01-01-2026.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(edits_dir / "mue-q1-2026.txt", "MCR_MUE_OutpatientHospitalServices.txt")
        archive.writestr("Read Me.txt", "MUE files, hand-made.\n")
    entry = MueTable.read(path).get("10100", "outpatient")
    assert entry is not None and entry.effective == D(2026, 1, 1)  # from the zip's name


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("10200,two,1 Line Edit,x", "bad MUE value 'two' for 10200"),
        ("10200,-1,1 Line Edit,x", "bad MUE value '-1'"),
        ("10200,2,4 Something,x", "bad MUE adjudication indicator '4 Something'"),
        ("10200,2,,x", "bad MUE adjudication indicator ''"),
        ("1020,2,1 Line Edit,x", "'1020' is not a CPT/HCPCS code"),
        ("10100,2,1 Line Edit,x", "10100 is listed twice for practitioner services (first at"),
        ("10200,2", "2 cells, expected 3"),
    ],
)
def test_muetable_bad_row_raises_with_line_number(write, row: str, message: str) -> None:
    path = write("MCR_MUE_PractitionerServices.csv", f'"Title, line"\n{MUE_HEADER}\n10100,1,1 Line Edit,x\n{row}\n')
    with pytest.raises(ReleaseFileError) as caught:
        MueTable.read(path)
    assert caught.value.line == 4
    assert message in caught.value.reason


def test_muetable_header_without_mai_raises(write) -> None:
    path = write("mue.csv", "title\nHCPCS/CPT Code,Practitioner Services MUE Values\n10100,1\n")
    with pytest.raises(ReleaseFileError, match="no 'MUE Adjudication Indicator' column") as caught:
        MueTable.read(path)
    assert caught.value.line == 2


def test_muetable_wrong_layout_raises(write) -> None:
    path = write("ptp.txt", f"{PTP_HEADER}\n10100\t10200\t\t20200101\t*\t1\tx\n")
    with pytest.raises(ReleaseFileError, match="not an MUE file: no header row with 'HCPCS/CPT Code'"):
        MueTable.read(path)


def test_muetable_header_without_rows_raises(write) -> None:
    with pytest.raises(ReleaseFileError, match="a header but no code rows"):
        MueTable.read(write("MCR_MUE_PractitionerServices.csv", f"{MUE_HEADER}\n"))


def test_muetable_missing_file_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        MueTable.read(tmp_path / PRACTITIONER)


def test_muetable_same_file_twice_raises(edits_dir: Path) -> None:
    with pytest.raises(ReleaseFileError, match="given twice"):
        MueTable.read(edits_dir / PRACTITIONER, edits_dir / PRACTITIONER)
