"""Paths to encounters: single files, folders and NDJSON, for batches that must not stop on one bad file.

A batch reader never raises for a bad file or line inside it: it yields a :class:`ReadError`
(naming the file, the line where there is one, and the reason) in place of the encounter and goes
on, so the rest of the batch is still coded.  Only a path that does not exist at all raises
:class:`InputFileError`, at call time rather than at the first ``next()``, since that is a mistake
in the request rather than in the data.
"""

from __future__ import annotations

import codecs
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from medcoder.errors import InputFileError, ReadError
from medcoder.ingest.fhir import error_location, parse_json, read_bundle_results
from medcoder.ingest.text import BINARY, decode_bytes, document_problem, read_file_bytes, read_text
from medcoder.models import Encounter, Setting

log = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md"})
JSON_SUFFIXES = frozenset({".json"})
NDJSON_SUFFIXES = frozenset({".ndjson", ".jsonl"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | JSON_SUFFIXES | NDJSON_SUFFIXES

Result = Encounter | ReadError


def read_path(path: Path, *, setting: Setting | None = None) -> Iterator[Result]:
    """Read a file or a folder, yielding each encounter, or a :class:`ReadError` for what failed.

    - ``.txt`` / ``.text`` / ``.md``: one note (see :func:`~medcoder.ingest.text.read_text`).
    - ``.json``: a FHIR Bundle, or one medcoder Encounter as JSON (an object with ``documents``;
      without an ``id`` it takes the file stem, or ``stem-LINE`` in NDJSON).
    - ``.ndjson`` / ``.jsonl``: one Bundle or Encounter per line, streamed; a bad line yields a
      ReadError with its line number and the other lines are still read.
    - a folder: every file above, recursively, in sorted path order; hidden files and folders
      (name starting with ``.``) are skipped, as are folder symlinks (no loops), and files of
      other types are skipped with a DEBUG log.  A file of another type named directly yields
      a ReadError instead, since the caller asked for it.

    ``setting`` overrides whatever the files say.  Raises :class:`InputFileError` (at call time)
    only when ``path`` does not exist.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(path, "no such file or directory")
    return _read_path(path, setting)


def read_paths(paths: Iterable[Path], *, setting: Setting | None = None) -> Iterator[Result]:
    """:func:`read_path` over several paths in the order given.

    Every path is checked before any is read, so a typo fails at once instead of after an hour
    of coding the paths before it.
    """
    checked = [Path(path) for path in paths]
    for path in checked:
        if not path.exists():
            raise InputFileError(path, "no such file or directory")
    return (result for path in checked for result in _read_path(path, setting))


def read_json_object(
    obj: Any, *, source: str, line: int | None = None, id_hint: str | None = None, setting: Setting | None = None
) -> list[Result]:
    """One parsed JSON value from a file or NDJSON line: a FHIR Bundle or a medcoder Encounter."""
    if not isinstance(obj, dict):
        kind = "array" if isinstance(obj, list) else "value"
        return [
            ReadError(
                source, f"expected a JSON object (a FHIR Bundle or a medcoder Encounter), got a JSON {kind}", line
            )
        ]
    rtype = obj.get("resourceType")
    if rtype == "Bundle":
        try:
            return read_bundle_results(obj, source=source, line=line, id_hint=id_hint, setting=setting)
        except ReadError as error:
            return [error]
    if rtype is not None:
        return [
            ReadError(
                source,
                f"a FHIR {rtype} resource on its own: medcoder reads FHIR Bundles "
                "(put it in a Bundle with its Encounter and documents)",
                line,
            )
        ]
    if "documents" in obj:
        if "id" not in obj and id_hint:
            obj = {**obj, "id": id_hint}  # the file stem (and line): ids are optional in hand-made input
        return [_medcoder_encounter(obj, source, line, setting)]
    return [ReadError(source, "neither a FHIR Bundle (no resourceType) nor a medcoder Encounter (no documents)", line)]


# --- internals ------------------------------------------------------------------------------------


def _read_path(path: Path, setting: Setting | None) -> Iterator[Result]:
    if not path.is_dir():
        yield from _read_file(path, setting, named=True)
        return
    seen: dict[str, Path] = {}
    for item in _walk(path):
        if isinstance(item, ReadError):
            yield item
            continue
        for result in _read_file(item, setting, named=False):
            if isinstance(result, Encounter):
                first = seen.setdefault(result.id, item)
                if first != item:
                    # File names only: an encounter id can be an account number.
                    log.warning("%s: its encounter id is also the id of an encounter in %s", item, first)
            yield result


def _walk(root: Path) -> Iterator[Path | ReadError]:
    """Files under ``root`` depth first, each folder's entries sorted by name; hidden ones skipped."""
    try:
        with os.scandir(root) as scan:
            entries = sorted((e for e in scan if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError as exc:
        yield ReadError(root, f"cannot list folder: {exc.strerror or type(exc).__name__}")
        return
    for entry in entries:
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(Path(entry.path))
        elif entry.name.lower().endswith(tuple(SUPPORTED_SUFFIXES)):
            yield Path(entry.path)
        else:
            log.debug("%s: skipped, not a file type medcoder reads", entry.path)


def _read_file(path: Path, setting: Setting | None, *, named: bool) -> Iterator[Result]:
    suffix = path.suffix.lower()
    try:
        if suffix in TEXT_SUFFIXES:
            yield read_text(path, setting=setting)
        elif suffix in JSON_SUFFIXES:
            source = str(path)
            obj = parse_json(read_file_bytes(path, one_document=False), source)
            yield from read_json_object(obj, source=source, id_hint=path.stem, setting=setting)
        elif suffix in NDJSON_SUFFIXES:
            yield from _read_ndjson(path, setting)
        elif named:
            yield ReadError(
                path,
                f"unsupported file type {suffix or '(no extension)'}: medcoder reads "
                f"{', '.join(sorted(SUPPORTED_SUFFIXES))} files and folders of them",
            )
        else:
            log.debug("%s: skipped, not a file type medcoder reads", path)
    except ReadError as error:
        yield error
    except InputFileError as error:
        yield ReadError(error.path, error.reason)


def _read_ndjson(path: Path, setting: Setting | None) -> Iterator[Result]:
    source = str(path)
    for number, line in _ndjson_lines(path):
        if isinstance(line, ReadError):
            yield line
            continue
        if not line.strip():
            continue  # blank lines (a trailing newline, say) are not records
        try:
            obj = parse_json(line, source, number)
        except ReadError as error:
            yield error
            continue
        yield from read_json_object(obj, source=source, line=number, id_hint=f"{path.stem}-{number}", setting=setting)


def _ndjson_lines(path: Path) -> Iterator[tuple[int, str | ReadError]]:
    """Lines of an NDJSON file, numbered from 1, streamed so a file of millions of encounters fits.

    Lines split on LF only (JSON strings may hold U+2028 and other characters ``str.splitlines``
    would split on).  Each line is decoded on its own, so one badly encoded line fails alone.
    """
    source = str(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputFileError(path, exc.strerror or type(exc).__name__) from None
    with handle:
        head = handle.read(8192)
        handle.seek(0)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            # Rare enough that reading it whole is fine; UTF-16 cannot be split on b"\n".
            text = decode_bytes(handle.read(), source)
            yield from enumerate(text.split("\n"), 1)
            return
        if b"\x00" in head:
            raise ReadError(path, BINARY)
        warned = False
        for number, raw in enumerate(handle, 1):
            if number == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            if b"\x00" in raw:
                yield number, ReadError(path, BINARY, number)
                continue
            try:
                yield number, raw.decode("utf-8")
                continue
            except UnicodeDecodeError:
                pass
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError as exc:
                yield number, ReadError(path, f"not valid UTF-8 or cp1252 (byte {exc.start})", number)
                continue
            if not warned:
                log.warning("%s: line %d is not UTF-8; decoded as cp1252 (Windows-1252)", source, number)
                warned = True
            yield number, text


def _medcoder_encounter(obj: dict[str, Any], source: str, line: int | None, setting: Setting | None) -> Result:
    try:
        encounter = Encounter.model_validate(obj)
    except ValidationError as exc:
        errors = exc.errors()
        where = error_location(errors[0]["loc"]) or "(the encounter)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return ReadError(source, f"invalid medcoder Encounter: {where}: {errors[0]['msg']}{more}", line)
    for document in encounter.documents:
        problem = document_problem(document.text)
        if problem:
            return ReadError(source, f"document {document.id!r}: {problem}", line)
    if setting is not None:
        encounter.setting = setting
    return encounter
