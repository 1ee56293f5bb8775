"""HCPCS Level II and CPT file parsers: every accepted layout, and bad input with clear errors."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medcoder.codesets.cpt.parse import detect_cpt, parse_cpt, year_from_names
from medcoder.codesets.hcpcs.parse import (
    HcpcsRecord,
    detect_layout,
    format_fixed_width,
    parse_hcpcs,
    quarter_from_name,
)
from medcoder.errors import InputFileError, ReleaseFileError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
JAN = FIXTURES / "hcpcs" / "HCPC2026_JAN_ANWEB_v2.txt"
APR = FIXTURES / "hcpcs" / "HCPC2026_APR_ANWEB.csv"
JUL = FIXTURES / "hcpcs" / "HCPC2026_JUL_ANWEB.tsv"
CPT_DIR = FIXTURES / "cpt"


def _by_code(path: Path) -> dict[str, HcpcsRecord]:
    return {r.code: r for r in parse_hcpcs(path).records}


def test_hcpcs_fixed_width_fields_and_continuations():
    parsed = parse_hcpcs(JAN)
    assert parsed.layout == "fixed"
    records = {r.code: r for r in parsed.records}
    assert len(records) == 28
    a0427 = records["A0427"]
    # the long description continues on a record-identifier-4 line and is joined with a space
    assert a0427.long == "Ambulance service, advanced life support, emergency transport, level 1 (als 1-emergency)"
    assert a0427.short == "Als 1-emergency"
    assert (a0427.coverage, a0427.betos, a0427.action) == ("I", "O1A", "N")
    assert a0427.added == dt.date(2000, 1, 1) and a0427.action_effective == dt.date(2026, 1, 1)
    assert a0427.terminated is None and a0427.kind == "procedure"
    ga = records["GA"]  # a modifier (7) with a continuation (8)
    assert ga.kind == "modifier" and ga.long.endswith("payer policy, individual case")
    assert records["J7199"].terminated == dt.date(2025, 12, 31) and records["J7199"].action == "D"


def test_hcpcs_effective_and_termination_by_date():
    records = _by_code(JAN)
    assert records["J7199"].active_on(dt.date(2025, 12, 31))
    assert not records["J7199"].active_on(dt.date(2026, 1, 1))
    assert not records["G0999"].active_on(dt.date(2026, 3, 31))
    assert records["G0999"].active_on(dt.date(2026, 4, 1))


def test_hcpcs_csv_export_with_continuation_rows():
    parsed = parse_hcpcs(APR)
    assert parsed.layout == "delimited"
    records = {r.code: r for r in parsed.records}
    assert records["A0427"].long.endswith("level 1 (als 1-emergency)")
    assert records["LT"].kind == "modifier"
    assert records["G0999"].action == "A" and records["G0999"].added == dt.date(2026, 4, 1)
    assert records["J7199"].terminated == dt.date(2025, 12, 31)


def test_hcpcs_tab_delimited_without_recid_and_other_date_forms():
    records = _by_code(JUL)
    assert set(records) == {"E0135", "A4550", "RT"}
    assert records["E0135"].added == dt.date(1987, 1, 1)  # MM/DD/YYYY
    assert records["A4550"].action_effective == dt.date(2026, 7, 1)  # YYYY-MM-DD
    assert records["RT"].kind == "modifier"


def test_hcpcs_fixed_width_and_csv_agree_on_shared_codes():
    jan, apr = _by_code(JAN), _by_code(APR)
    for code in ("A0427", "E0130", "G0008", "J0696", "Q2039", "LT"):
        assert jan[code].long == apr[code].long, code


def test_hcpcs_detect_layout_and_quarter():
    assert detect_layout(JAN) == "fixed"
    assert detect_layout(APR) == "delimited"
    assert detect_layout(CPT_DIR / "cpt-2025-descriptors.csv") is None
    assert quarter_from_name("HCPC2026_JAN_ANWEB_v2.txt") == (2026, 1)
    assert quarter_from_name("readme.txt", "hcpc2025_oct_anweb.zip") == (2025, 10)
    assert quarter_from_name("codes.txt") is None


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_hcpcs_truncated_line_names_file_and_line(tmp_path):
    lines = JAN.read_text(encoding="ascii").splitlines()
    assert lines[5].startswith("A0428001003")
    lines[5] = lines[5][:150]  # the A0428 first record cut before its dates
    bad = _write(tmp_path, "HCPC2026_JAN_ANWEB.txt", "\n".join(lines) + "\n")
    with pytest.raises(ReleaseFileError, match="truncated record") as info:
        parse_hcpcs(bad)
    assert info.value.line == 6 and info.value.path == str(bad)
    assert "line 6" in str(info.value)


def test_hcpcs_bad_date_and_bad_code(tmp_path):
    lines = JAN.read_text(encoding="ascii").splitlines()
    first = lines[0]
    bad_date = first[:269] + "20261399" + first[277:]
    with pytest.raises(ReleaseFileError, match="added date '20261399' is not a date") as info:
        parse_hcpcs(_write(tmp_path, "a.txt", bad_date + "\n"))
    assert info.value.line == 1
    bad_code = "99213" + first[5:]
    with pytest.raises(ReleaseFileError, match="not a HCPCS Level II code"):
        parse_hcpcs(_write(tmp_path, "b.txt", first + "\n" + bad_code + "\n"))


def test_hcpcs_orphan_continuation_is_an_error(tmp_path):
    lines = JAN.read_text(encoding="ascii").splitlines()
    assert lines[2].startswith("A0426002004")
    with pytest.raises(ReleaseFileError, match="does not follow the first record of A0426") as info:
        parse_hcpcs(_write(tmp_path, "c.txt", "\n".join([lines[0], lines[2]]) + "\n"))
    assert info.value.line == 2


def test_hcpcs_wrong_layout_missing_file_and_non_utf8(tmp_path):
    with pytest.raises(ReleaseFileError, match="neither the HCPCS fixed-width layout"):
        parse_hcpcs(_write(tmp_path, "notes.txt", "Patient seen today.\nNo codes here.\n"))
    with pytest.raises(ReleaseFileError, match="nor a delimited export with HCPC / LONG DESCRIPTION"):
        parse_hcpcs(_write(tmp_path, "x.csv", "HCPC,LONG DESCRIPTION,ADD DT\nA0427,Ambulance,20000101\n"))
    with pytest.raises(InputFileError, match="no such file"):
        parse_hcpcs(tmp_path / "missing.txt")
    latin1 = JAN.read_bytes().replace(b"Walker, rigid", b"Walker, r\xefgid")
    with pytest.raises(ReleaseFileError, match="not UTF-8") as info:
        parse_hcpcs(_write(tmp_path, "latin1.txt", latin1))
    assert info.value.line == 12  # the E0130 record


def test_hcpcs_csv_truncated_row(tmp_path):
    text = APR.read_text(encoding="utf-8").splitlines()
    text[3] = "E0130,00100,3,Walker"
    with pytest.raises(ReleaseFileError, match="truncated row") as info:
        parse_hcpcs(_write(tmp_path, "HCPC2026_APR_ANWEB.csv", "\n".join(text) + "\n"))
    assert info.value.line == 4


_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789(),-/", min_size=1, max_size=20)
_dates = st.one_of(st.none(), st.dates(min_value=dt.date(1980, 1, 1), max_value=dt.date(2099, 12, 31)))


@st.composite
def _records(draw) -> list[HcpcsRecord]:
    codes = draw(st.lists(st.from_regex(r"[A-Z][0-9]{4}", fullmatch=True), min_size=1, max_size=6, unique=True))
    out = []
    for code in codes:
        long = " ".join(draw(st.lists(_words, min_size=1, max_size=30)))
        out.append(
            HcpcsRecord(
                code=code,
                kind="procedure",
                long=long,
                short=draw(st.text(alphabet="ABCDEFGHIJ klmnop/&", max_size=28)).strip(),
                coverage=draw(st.sampled_from(["", "C", "D", "I", "M", "S"])),
                betos=draw(st.sampled_from(["", "O1A", "D1A"])),
                added=draw(_dates),
                action_effective=draw(_dates),
                terminated=draw(_dates),
                action=draw(st.sampled_from("ABCDFNPRST")),
            )
        )
    return out


@settings(max_examples=60, deadline=None)
@given(_records())
def test_hcpcs_fixed_width_write_parse_round_trip(tmp_path_factory, records):
    path = tmp_path_factory.mktemp("rt") / "HCPC2026_JAN_ANWEB.txt"
    path.write_text(format_fixed_width(records), encoding="utf-8")
    parsed = parse_hcpcs(path).records
    assert [(r.code, r.long, r.short, r.coverage, r.betos) for r in parsed] == [
        (r.code, r.long, r.short, r.coverage, r.betos) for r in records
    ]
    assert [(r.added, r.action_effective, r.terminated, r.action) for r in parsed] == [
        (r.added, r.action_effective, r.terminated, r.action) for r in records
    ]


# --- CPT ------------------------------------------------------------------------------------


def test_cpt_ama_text_layouts_tab_and_space():
    long = parse_cpt(CPT_DIR / "2026" / "LONGULT.txt")
    assert long.layout == "text" and long.kind == "long"
    codes = {c.code: c for c in long.codes}
    assert set(codes) >= {"0001F", "0001T", "0001U", "99213"}
    # a code repeated on the next line continues its descriptor
    assert codes["93000"].long.endswith("invented wording continued on a second line")
    short = parse_cpt(CPT_DIR / "2026" / "SHORTU.txt")
    assert short.kind == "short" and {c.code: c.long for c in short.codes}["99213"] == "TEST OFFICE VISIT EST"


def test_cpt_csv_layout_skips_level_ii_rows():
    parsed = parse_cpt(CPT_DIR / "cpt-2025-descriptors.csv")
    assert parsed.layout == "delimited"
    assert [c.code for c in parsed.codes] == ["93000", "99213"]
    assert parsed.codes[1].short == "TEST OFFICE VISIT 2025"


def test_cpt_detection_needs_explicit_system_for_generic_layouts(tmp_path):
    assert detect_cpt(CPT_DIR / "2026" / "LONGULT.txt") == "text"
    assert detect_cpt(CPT_DIR / "cpt-2025-descriptors.csv") == "delimited"  # "CPT Code" column
    assert detect_cpt(CPT_DIR / "site-codes.csv") is None  # "Code": could be any code list
    assert detect_cpt(CPT_DIR / "site-codes.csv", explicit=True) == "delimited"
    renamed = shutil.copy(CPT_DIR / "2026" / "LONGULT.txt", tmp_path / "descriptors.txt")
    assert detect_cpt(Path(renamed)) is None
    assert detect_cpt(Path(renamed), explicit=True) == "text"
    assert detect_cpt(APR) is None  # the HCPCS export is not CPT
    assert year_from_names("LONGULT.txt", "2026 CPT data file") == 2026


def test_cpt_bad_input(tmp_path):
    truncated = _write(tmp_path, "LONGULT.txt", "99213\tTest descriptor for a visit\n99214\n")
    with pytest.raises(ReleaseFileError, match="truncated line: code 99214 without a descriptor") as info:
        parse_cpt(truncated)
    assert info.value.line == 2
    junk = _write(tmp_path, "MEDU.txt", "99213 Test descriptor\nthis is not a code line\n")
    with pytest.raises(ReleaseFileError, match="expected a CPT code") as info:
        parse_cpt(junk)
    assert info.value.line == 2
    bad_code = _write(tmp_path, "x.csv", "CPT Code,Descriptor\n9921,Test descriptor\n")
    with pytest.raises(ReleaseFileError, match="'9921' is not a CPT code") as info:
        parse_cpt(bad_code)
    assert info.value.line == 2
    dupe = _write(tmp_path, "d.csv", "CPT Code,Descriptor\n99213,A\n99214,B\n99213,C\n")
    with pytest.raises(ReleaseFileError, match="appears twice"):
        parse_cpt(dupe)
    with pytest.raises(ReleaseFileError, match="not a CPT data file"):
        parse_cpt(_write(tmp_path, "n.txt", "Just a note.\n"))
    with pytest.raises(ReleaseFileError, match="not UTF-8"):
        parse_cpt(_write(tmp_path, "SHORTU.txt", b"99213 TEST OFFICE VISIT\n99214 CAF\xc9\n"))
    with pytest.raises(InputFileError):
        parse_cpt(tmp_path / "LONGULT-missing.txt")
