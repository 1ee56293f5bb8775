"""Plain-text documents: bytes to text, the checks every document passes, and ``read_text``.

The document text is kept exactly as written (no newline or whitespace normalisation) because
evidence offsets downstream are character offsets into it; the only change is that a leading
byte-order mark is dropped, since it is an encoding artefact and not part of the note.

Decoding order, chosen so that a file is never silently mis-read:

1. a UTF-8 byte-order mark -> UTF-8; a UTF-16 byte-order mark -> UTF-16;
2. NUL bytes anywhere -> "binary file, not text" (no text format we accept contains them);
3. UTF-8;
4. cp1252 (Windows-1252, what most clinical systems on Windows export), accepted with a
   WARNING naming the file, because a wrong guess changes characters such as ``é`` or ``°``;
   bytes that look like a binary format (PDF, images, Office files) are refused instead.
"""

from __future__ import annotations

import codecs
import logging
import re
from html.parser import HTMLParser
from pathlib import Path

from medcoder.errors import InputFileError, ReadError
from medcoder.models import Document, Encounter, Setting

log = logging.getLogger(__name__)

MAX_DOCUMENT_CHARS = 2_000_000
"""Longest document accepted, in characters: far beyond any real note (a long discharge summary is
~50,000), so a larger one is almost surely a mis-export (a whole chart, a log, a binary) that would
only make every later stage slow."""

BINARY = "binary file, not text"
EMPTY = "empty document"

# Signatures of binary formats that can slip past the NUL-byte check (a PDF is mostly ASCII).
_BINARY_MAGIC = (b"%PDF-", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"{\\rtf", b"\xd0\xcf\x11\xe0")
# C0 controls other than tab, LF, VT, FF, CR: text never has many of them, binary nearly always does.
_SPACES = re.compile(r"\s+")
_CONTROL = frozenset(chr(c) for c in range(32) if c not in (9, 10, 11, 12, 13))


def document_problem(text: str) -> str | None:
    """Why ``text`` cannot be a document (too large, empty, binary), or ``None`` if it can.

    Every reader runs this on every document so a batch never carries an unusable one forward.
    """
    if len(text) > MAX_DOCUMENT_CHARS:
        return f"document is {len(text):,} characters, over the limit of {MAX_DOCUMENT_CHARS:,}"
    if not text or text.isspace():
        return EMPTY
    if "\x00" in text:
        return f"{BINARY} (it contains NUL characters)"
    return None


def decode_bytes(data: bytes, source: str, *, charset: str | None = None) -> str:
    """Decode a document's bytes; see the module docstring for the order and why.

    ``charset`` (from a MIME type such as ``text/plain; charset=ISO-8859-1``) is honoured when
    given: the sender said what it is, so no guessing and no fallback.  Raises :class:`ReadError`.
    """
    if charset:
        try:
            codec = codecs.lookup(charset).name
        except LookupError:
            raise ReadError(source, f"unknown charset {charset!r}") from None
        if codec == "utf-8" and data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            raise ReadError(source, f"not valid {charset} (byte {exc.start})") from None
        return text.removeprefix("\ufeff") if codec.startswith("utf-16") else text
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ReadError(source, f"not valid UTF-8 despite its byte-order mark (byte {exc.start})") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")  # the codec reads and drops the byte-order mark
        except UnicodeDecodeError as exc:
            raise ReadError(source, f"not valid UTF-16 despite its byte-order mark (byte {exc.start})") from None
    if b"\x00" in data:
        raise ReadError(source, BINARY)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if data.startswith(_BINARY_MAGIC):
        raise ReadError(source, BINARY)
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ReadError(
            source, f"not text in a known encoding (not UTF-8, UTF-16 with a BOM, or cp1252; byte {exc.start})"
        ) from None
    sample = text[:4096]
    if sum(ch in _CONTROL for ch in sample) > len(sample) // 100:
        raise ReadError(source, BINARY)
    # The file name only: the text may hold patient details and never goes to the log.
    log.warning("%s: not UTF-8; decoded as cp1252 (Windows-1252)", source)
    return text


def read_file_bytes(path: Path, *, one_document: bool = True) -> bytes:
    """The bytes of ``path``; :class:`InputFileError` if it is missing or cannot be read.

    For a file that is ``one_document`` the size is checked before reading, so a multi-gigabyte
    file is refused without loading it (4 bytes per character is the most any accepted encoding
    uses).  A JSON file may hold many documents, each checked on its own once read.
    """
    try:
        size = path.stat().st_size
        if one_document and size > 4 * MAX_DOCUMENT_CHARS:
            raise ReadError(
                path, f"file is {size:,} bytes, over the document limit of {MAX_DOCUMENT_CHARS:,} characters"
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(path, "no such file or directory") from None
    except IsADirectoryError:
        raise InputFileError(path, "is a directory, not a file") from None
    except PermissionError:
        raise InputFileError(path, "permission denied") from None
    except OSError as exc:
        raise InputFileError(path, exc.strerror or type(exc).__name__) from None


def read_text(path: Path, *, encounter_id: str | None = None, setting: Setting | None = None) -> Encounter:
    """Read one plain-text note (``.txt``, ``.text``, ``.md``) as an encounter holding one document.

    The document id is the file name without its extension; the encounter id is ``encounter_id``
    or the same.  A text file says nothing about the setting, so it is ``setting`` when given and
    otherwise **outpatient**: the outpatient rules (OCG Section IV: code uncertain diagnoses as
    symptoms) are the conservative choice when nobody said it was an inpatient stay.

    Raises :class:`InputFileError` for a missing or unreadable file, :class:`ReadError` for one
    that is not usable text (binary, empty, too large, unknown encoding).
    """
    path = Path(path)
    data = read_file_bytes(path)
    text = decode_bytes(data, str(path))
    problem = document_problem(text)
    if problem:
        raise ReadError(path, problem)
    document_id = path.stem or path.name
    # A text file has no registration data or signature: those are unknown (None), not absent.
    return Encounter(
        id=encounter_id or document_id,
        setting=setting or Setting.outpatient,
        documents=[Document(id=document_id, text=text)],
        has_registration=False,
    )


# Elements a browser shows as paragraphs (a blank line around them) and as lines (a line break).
_HEADING_TAGS = frozenset(f"h{level}" for level in range(1, 7))
_PARAGRAPH_TAGS = _HEADING_TAGS | {"p", "pre", "ul", "ol", "dl", "table", "blockquote", "hr", "section", "article"}
_LINE_TAGS = frozenset({"br", "div", "li", "tr", "dt", "dd", "caption", "header", "footer", "aside", "address"})
_CELL_TAGS = frozenset(("td", "th"))
_SKIP_TAGS = frozenset(("script", "style", "head", "title"))
_PARAGRAPH = "\ue000"  # a private-use character (not whitespace): marks a paragraph break until assembly


class _TextExtractor(HTMLParser):
    """Collects the text of HTML / XHTML narrative, marking where lines and paragraphs break."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag == "pre":
            self._pre += 1
        self._break(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._break(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
        self._break(tag)

    def _break(self, tag: str) -> None:
        if tag in _PARAGRAPH_TAGS:
            self.parts.append(f"\n{_PARAGRAPH}\n")
        elif tag in _LINE_TAGS:
            self.parts.append("\n")
        elif tag in _CELL_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        data = data.replace(_PARAGRAPH, " ")
        if self._pre:
            self.parts.append(data)
            return
        # Outside <pre>, HTML whitespace collapses to one space, as a browser shows it.
        data = _SPACES.sub(" ", data)
        if data.startswith(" ") and self.parts and self.parts[-1].endswith((" ", "\n")):
            data = data[1:]
        if data:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML or XHTML fragment (FHIR narrative, ``text/html`` attachments).

    Tags are dropped, entities decoded, lines stripped, and paragraphs separated by one blank
    line while list items and table rows stay on consecutive lines, so the result reads like
    the note a clinician saw.
    """
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    out: list[str] = []
    pending_paragraph = False
    for raw in "".join(parser.parts).split("\n"):
        line = " ".join(raw.split())  # <pre> keeps its line breaks, not its indentation
        if line == _PARAGRAPH:
            pending_paragraph = bool(out)
        elif line:
            if pending_paragraph:
                out.append("")
                pending_paragraph = False
            out.append(line)
    return "\n".join(out)
