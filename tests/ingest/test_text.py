"""Plain-text reader: decoding, document checks, HTML narrative, and the exact-text property."""

from __future__ import annotations

import codecs
import logging
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medcoder.errors import InputFileError, ReadError
from medcoder.ingest import MAX_DOCUMENT_CHARS, decode_bytes, html_to_text, read_text
from medcoder.models import Setting

NOTES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest" / "notes"
ACCENTED = "Fictional note: fièvre à 38,5 °C, névralgie — patient reçu en consultation.\n"


def test_read_text_progress_note_fixture():
    encounter = read_text(NOTES / "progress-note-1.txt")
    assert encounter.id == "progress-note-1"
    assert encounter.setting == Setting.outpatient
    [document] = encounter.documents
    assert document.id == "progress-note-1"
    assert document.text == (NOTES / "progress-note-1.txt").read_text(encoding="utf-8")
    assert "Type 2 diabetes mellitus with diabetic polyneuropathy" in document.text
    # a text file carries no registration or signature data: unknown, not missing
    assert not encounter.has_registration and document.signed is None


def test_read_text_keeps_crlf_exactly():
    # Offsets downstream index into the text as written: no newline translation.
    encounter = read_text(NOTES / "ed-note-3.text")
    assert encounter.documents[0].text == (NOTES / "ed-note-3.text").read_bytes().decode("utf-8")
    assert "\r\n" in encounter.documents[0].text


def test_read_text_caller_id_and_setting_override():
    encounter = read_text(NOTES / "clinic-visit-2.md", encounter_id="visit-42", setting=Setting.inpatient)
    assert encounter.id == "visit-42"
    assert encounter.setting == Setting.inpatient
    assert encounter.documents[0].id == "clinic-visit-2"


def test_read_text_missing_file_raises_input_file_error(tmp_path: Path):
    with pytest.raises(InputFileError, match="no such file"):
        read_text(tmp_path / "absent.txt")


def test_read_text_strips_utf8_bom(tmp_path: Path):
    path = tmp_path / "bom.txt"
    path.write_bytes(codecs.BOM_UTF8 + b"Hypertension, essential.")
    assert read_text(path).documents[0].text == "Hypertension, essential."


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_read_text_utf16_with_bom(tmp_path: Path, encoding: str):
    bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
    path = tmp_path / "wide.txt"
    path.write_bytes(bom + ACCENTED.encode(encoding))
    assert read_text(path).documents[0].text == ACCENTED


def test_read_text_cp1252_accepted_with_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    path = tmp_path / "windows.txt"
    path.write_bytes(ACCENTED.encode("cp1252"))
    with caplog.at_level(logging.WARNING, logger="medcoder.ingest"):
        encounter = read_text(path)
    assert encounter.documents[0].text == ACCENTED
    [record] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert str(path) in record.getMessage()
    assert "cp1252" in record.getMessage()
    assert "fièvre" not in caplog.text  # never the document text


def test_read_text_binary_file_is_read_error(tmp_path: Path):
    path = tmp_path / "scan.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(ReadError, match="binary file, not text") as info:
        read_text(path)
    assert info.value.source == str(path)


def test_read_text_pdf_without_nul_bytes_is_binary(tmp_path: Path):
    path = tmp_path / "report.txt"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    with pytest.raises(ReadError, match="binary file"):
        read_text(path)


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n  "])
def test_read_text_empty_document_is_read_error(tmp_path: Path, content: bytes):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(ReadError, match="empty document") as info:
        read_text(path)
    assert str(path) in str(info.value)


def test_read_text_over_size_limit_names_size_and_limit(tmp_path: Path):
    path = tmp_path / "huge.txt"
    path.write_text("a" * (MAX_DOCUMENT_CHARS + 1), encoding="ascii")
    with pytest.raises(ReadError) as info:
        read_text(path)
    assert f"{MAX_DOCUMENT_CHARS + 1:,} characters" in info.value.reason
    assert f"{MAX_DOCUMENT_CHARS:,}" in info.value.reason


def test_read_text_oversized_file_refused_before_reading(tmp_path: Path):
    path = tmp_path / "enormous.txt"
    with path.open("wb") as handle:
        handle.truncate(4 * MAX_DOCUMENT_CHARS + 1)  # sparse: nothing is written or read
    with pytest.raises(ReadError, match="over the document limit"):
        read_text(path)


def test_decode_bytes_honours_charset():
    assert decode_bytes("Température 38 °C".encode("latin-1"), "x", charset="ISO-8859-1") == "Température 38 °C"


def test_decode_bytes_unknown_charset_is_read_error():
    with pytest.raises(ReadError, match="unknown charset"):
        decode_bytes(b"text", "x", charset="x-no-such-charset")


def test_decode_bytes_wrong_charset_is_read_error():
    with pytest.raises(ReadError, match="not valid utf-8"):
        decode_bytes(b"caf\xe9", "x", charset="utf-8")


def test_html_to_text_strips_tags_and_keeps_structure():
    html = (
        '<div xmlns="http://www.w3.org/1999/xhtml"><h2>Assessment</h2><p>Acute <b>appendicitis</b>.</p>'
        "<ul><li>Diet as tolerated.</li><li>Glucose &gt; 180 mg/dL.</li></ul><script>x()</script></div>"
    )
    assert html_to_text(html) == "Assessment\n\nAcute appendicitis.\n\nDiet as tolerated.\nGlucose > 180 mg/dL."


_TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), min_size=1, max_size=300)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_TEXT.filter(lambda t: not t.isspace() and not t.startswith("\ufeff")))
def test_read_text_returns_exactly_the_utf8_text(tmp_path: Path, text: str):
    # A leading U+FEFF cannot be told from a byte-order mark, and whitespace-only or NUL text is
    # refused on purpose; every other text comes back exactly, character for character.
    path = tmp_path / "note.txt"
    path.write_bytes(text.encode("utf-8"))
    assert read_text(path).documents[0].text == text
