"""Installing official release files from a directory or a zip.

An install recognises each XML file by its root element (never by name alone), parses every file
completely before anything is changed, writes a manifest (release id, effective window, sha256 of
every file, parser version), and then swaps the release directory into place with renames.  An
install that fails at any step leaves the installed releases exactly as they were.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import importlib.util
import logging
import re
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from medcoder.codesets import paths
from medcoder.codesets.normalize import ICD10CM, ICD10PCS
from medcoder.codesets.release import (
    Manifest,
    ReleaseFile,
    release_id_for,
    sha256_file,
)
from medcoder.errors import (
    InputFileError,
    MedcoderError,
    MissingReleaseFilesError,
    ReleaseFileError,
    ReleaseInstallError,
    UnrecognizedReleaseError,
)

log = logging.getLogger(__name__)

BUNDLED_TABULAR = "icd10c-tabular-April-1-2026.xml"
_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)[\s>/]")
_VERSION = re.compile(rb"<version>\s*([^<]*?)\s*</version>")


@dataclass(slots=True)
class InstalledRelease:
    """A release as the knowledge-base builder sees it: its manifest and where each file is."""

    manifest: Manifest
    files: dict[str, Path] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Recognised:
    path: Path
    system: str
    kind: str
    version: str


def _sniff(path: Path) -> tuple[str | None, str]:
    """Root element and ``<version>`` of an XML file, reading only its first kilobytes."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    body = re.sub(rb"<\?.*?\?>|<!--.*?-->", b"", head, flags=re.DOTALL)
    root = _ROOT.search(body)
    version = _VERSION.search(head)
    return (
        root.group(1).decode("ascii", "replace") if root else None,
        version.group(1).decode("utf-8", "replace") if version else "",
    )


def recognise(path: Path) -> Recognised | None:
    """What official file this is, or ``None`` for anything else (PDFs, XSDs, readme files)."""
    if path.suffix.lower() != ".xml":
        return None
    root, version = _sniff(path)
    if root == "ICD10CM.tabular":
        return Recognised(path, ICD10CM, "tabular", version)
    if root == "ICD10CM.index":
        from medcoder.codesets.icd10cm.index import detect_index_kind

        kind = detect_index_kind(path)
        return Recognised(path, ICD10CM, kind, version) if kind else None
    if root in ("ICD10PCS.tabular", "ICD10PCS.index", "ICD10PCS.definitions"):
        kind = {
            "ICD10PCS.tabular": "tables",
            "ICD10PCS.index": "index",
            "ICD10PCS.definitions": "definitions",
        }[root]
        return Recognised(path, ICD10PCS, kind, version)
    return None


def validate_file(path: Path, system: str, kind: str) -> None:
    """Parse the whole file; raises :class:`ReleaseFileError` if it cannot be used."""
    if system == ICD10CM and kind == "tabular":
        from medcoder.codesets.icd10cm.tabular import parse_tabular

        parse_tabular(path)
    elif system == ICD10CM:
        from medcoder.codesets.icd10cm.index import parse_index_file

        parse_index_file(path, kind)  # type: ignore[arg-type]
    elif kind == "tables":
        from medcoder.codesets.icd10pcs.parse import parse_tables

        parse_tables(path)
    elif kind == "index":
        from medcoder.codesets.icd10pcs.parse import parse_index

        parse_index(path)
    else:
        from medcoder.codesets.icd10pcs.parse import parse_definitions

        parse_definitions(path)


def _safe_extract(archive: Path, dest: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                name = info.filename
                target = (dest / name).resolve()
                if not str(target).startswith(str(dest.resolve())):
                    raise ReleaseInstallError(f"{archive}: refusing entry {name!r} that points outside the archive")
                if info.is_dir():
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, target.open("wb") as out:
                    shutil.copyfileobj(src, out)
    except zipfile.BadZipFile as exc:
        raise ReleaseFileError(archive, f"not a readable zip file ({exc})") from None


def _xml_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() == ".xml" and not path.name.startswith("."):
            yield path
        elif path.is_file() and path.suffix.lower() == ".zip":
            # CDC ships the drug and neoplasm tables as a zip inside the release zip.
            inner = path.with_suffix(".unzipped")
            inner.mkdir(exist_ok=True)
            _safe_extract(path, inner)
            yield from _xml_files(inner)


def bundled_tabular_path() -> Path:
    """The XML file inside ``simple-icd-10-cm``, found without importing it (its import loads the
    whole code set, which would cost every command a second)."""
    spec = importlib.util.find_spec("simple_icd_10_cm")
    if spec is None or spec.origin is None:
        raise ReleaseInstallError("the bundled ICD-10-CM code set (package simple-icd-10-cm) is not installed")
    return Path(spec.origin).parent / "data" / BUNDLED_TABULAR


def bundled_release() -> InstalledRelease:
    """ICD-10-CM April 2026 tabular as shipped by ``simple-icd-10-cm`` (works offline)."""
    path = bundled_tabular_path()
    _, version = _sniff(path)
    rid, start, end = release_id_for(ICD10CM, version, [path.name])
    pkg = importlib.metadata.version("simple-icd-10-cm")
    manifest = Manifest(
        release_id=rid,
        system=ICD10CM,
        version=version,
        effective_from=start,
        effective_to=end,
        files=(ReleaseFile(kind="tabular", name=path.name, sha256=_bundled_sha(path), size=path.stat().st_size),),
        source=f"bundled: simple-icd-10-cm {pkg}",
    )
    return InstalledRelease(manifest, {"tabular": path})


_SHA_CACHE: dict[tuple[str, int, int], str] = {}


def _bundled_sha(path: Path) -> str:
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _SHA_CACHE:
        _SHA_CACHE[key] = sha256_file(path)
    return _SHA_CACHE[key]


def read_manifest(release_dir: Path) -> Manifest:
    path = release_dir / "manifest.json"
    try:
        return Manifest.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReleaseFileError(path, f"unreadable release manifest ({exc.__class__.__name__})") from None


def installed_releases(include_bundled: bool = True) -> list[InstalledRelease]:
    """Every usable release: user-installed ones, merged over the bundled tabular list.

    A user release with the same id as the bundled one adds its files (index, tables of drugs
    and neoplasms) to the bundled tabular list, or replaces it if it brings its own tabular file.
    """
    found: dict[str, InstalledRelease] = {}
    if include_bundled:
        bundled = bundled_release()
        found[bundled.manifest.release_id] = bundled
    root = paths.releases_dir()
    if root.is_dir():
        for release_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            manifest = read_manifest(release_dir)
            files = {f.kind: release_dir / f.name for f in manifest.files}
            base = found.get(manifest.release_id)
            if base is not None and "tabular" not in files and "tabular" in base.files:
                merged_files = (*base.manifest.files, *manifest.files)
                manifest = manifest.model_copy(
                    update={"files": merged_files, "source": f"{base.manifest.source} + {manifest.source}"}
                )
                files = {"tabular": base.files["tabular"], **files}
            found[manifest.release_id] = InstalledRelease(manifest, files)
    return [found[k] for k in sorted(found)]


def install(
    source: Path,
    *,
    effective_from: dt.date | None = None,
    effective_to: dt.date | None = None,
    release_id: str | None = None,
) -> list[Manifest]:
    """Install the official files found in ``source`` (a directory or a zip); return the manifests."""
    source = Path(source)
    if not source.exists():
        raise InputFileError(source, "no such file or directory")
    with tempfile.TemporaryDirectory(prefix="medcoder-install-") as tmp:
        folder = source
        if source.is_file():
            if not zipfile.is_zipfile(source):
                if source.suffix.lower() == ".xml":
                    folder = Path(tmp) / "single"
                    folder.mkdir()
                    shutil.copy2(source, folder / source.name)
                else:
                    raise UnrecognizedReleaseError(f"{source}: neither a directory, a zip nor an XML file")
            else:
                folder = Path(tmp) / "unzipped"
                folder.mkdir()
                _safe_extract(source, folder)
        found = [r for p in _xml_files(folder) if (r := recognise(p)) is not None]
        if not found:
            raise UnrecognizedReleaseError(
                f"{source}: no official ICD-10-CM or ICD-10-PCS XML file found "
                "(expected e.g. icd10cm-tabular-*.xml, icd10pcs_tables_*.xml)"
            )
        groups: dict[str, list[Recognised]] = {}
        windows: dict[str, tuple[str, dt.date, dt.date]] = {}
        existing = {r.manifest.release_id: r for r in installed_releases()}
        for rec in found:
            try:
                rid, start, end = release_id_for(rec.system, rec.version, [rec.path.name])
            except ValueError as exc:
                raise ReleaseFileError(
                    rec.path, f"{exc}; pass --release-id and --effective-from/--effective-to"
                ) from None
            rid = release_id or rid
            if rid in existing:  # adding files to a release keeps its effective window
                start, end = existing[rid].manifest.effective_from, existing[rid].manifest.effective_to
            groups.setdefault(rid, []).append(rec)
            windows[rid] = (rec.system, effective_from or start, effective_to or end)
        for rid, recs in groups.items():
            kinds = [r.kind for r in recs]
            dupes = sorted({k for k in kinds if kinds.count(k) > 1})
            if dupes:
                names = ", ".join(str(r.path.name) for r in recs if r.kind in dupes)
                raise ReleaseInstallError(f"{source}: more than one {'/'.join(dupes)} file for {rid}: {names}")
            have = set(kinds) | set(existing[rid].files if rid in existing else ())
            system = windows[rid][0]
            needed = "tabular" if system == ICD10CM else "tables"
            if needed not in have:
                what = (
                    "ICD-10-CM tabular list (icd10cm-tabular-*.xml)"
                    if system == ICD10CM
                    else ("ICD-10-PCS tables (icd10pcs_tables_*.xml)")
                )
                raise MissingReleaseFilesError(
                    f"{source}: release {rid} lacks the {what}; found only "
                    f"{', '.join(sorted(kinds))}. Nothing was installed."
                )
        # Parse everything before touching the installed releases.
        for recs in groups.values():
            for rec in recs:
                validate_file(rec.path, rec.system, rec.kind)
        return [_commit(rid, recs, windows[rid], str(source.resolve())) for rid, recs in sorted(groups.items())]


def _commit(rid: str, recs: list[Recognised], window: tuple[str, dt.date, dt.date], source: str) -> Manifest:
    system, start, end = window
    root = paths.releases_dir()
    root.mkdir(parents=True, exist_ok=True)
    final = root / rid
    staging = root / f".staging-{rid}-{uuid.uuid4().hex[:8]}"
    trash = root / f".trash-{rid}-{uuid.uuid4().hex[:8]}"
    try:
        staging.mkdir()
        previous: list[ReleaseFile] = []
        if final.is_dir():
            old = read_manifest(final)
            replaced = {r.kind for r in recs}
            for f in old.files:
                if f.kind not in replaced:
                    shutil.copy2(final / f.name, staging / f.name)
                    previous.append(f)
        files = list(previous)
        for rec in recs:
            target = staging / rec.path.name
            shutil.copy2(rec.path, target)
            files.append(
                ReleaseFile(kind=rec.kind, name=target.name, sha256=sha256_file(target), size=target.stat().st_size)
            )  # type: ignore[arg-type]
        files.sort(key=lambda f: f.kind)
        manifest = Manifest(
            release_id=rid,
            system=system,  # type: ignore[arg-type]
            version=recs[0].version,
            effective_from=start,
            effective_to=end,
            files=tuple(files),
            source=source,
        )
        (staging / "manifest.json").write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
        if final.is_dir():
            final.rename(trash)
        staging.rename(final)
    except MedcoderError:
        raise
    except OSError as exc:
        if trash.is_dir() and not final.exists():
            trash.rename(final)
        raise ReleaseInstallError(f"installing {rid} failed: {exc}; nothing was changed") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(trash, ignore_errors=True)
    log.info("installed %s (%d files)", rid, len(manifest.files))
    return manifest


def uninstall(release_id: str) -> None:
    final = paths.releases_dir() / release_id
    if not final.is_dir():
        raise ReleaseInstallError(f"release {release_id} is not installed")
    trash = final.with_name(f".trash-{release_id}-{uuid.uuid4().hex[:8]}")
    final.rename(trash)
    shutil.rmtree(trash, ignore_errors=True)
