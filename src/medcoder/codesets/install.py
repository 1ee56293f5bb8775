"""Installing official release files from a directory or a zip.

An install recognises each XML file by its root element (never by name alone), each HCPCS Level II
file by its layout (the CMS fixed-width records or the CSV export's columns), and a CPT data file
by its layout and, where the layout alone could be any code list, only when the caller says the
system is CPT (see :func:`recognise`).  It parses every file
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
from medcoder.codesets.normalize import CPT, HCPCS, ICD10CM, ICD10PCS
from medcoder.codesets.release import (
    Manifest,
    ReleaseFile,
    cpt_release_id,
    hcpcs_release_id,
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
TEXT_SUFFIXES = (".txt", ".csv", ".tsv", ".tab")
_HCPCS_RID = re.compile(r"^hcpcs-(20\d\d)-(0[1-9]|1[0-2])$")
_CPT_RID = re.compile(r"^cpt-(20\d\d)$")


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
    layout: str = ""  # HCPCS: fixed / delimited; CPT: text / delimited


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


def recognise(path: Path, system: str | None = None) -> Recognised | None:
    """What official file this is, or ``None`` for anything else (PDFs, XSDs, readme files).

    ``system`` restricts recognition to one code system.  HCPCS Level II files are recognised by
    their layout: fixed-width records, or a delimited header with HCPC, LONG DESCRIPTION, SHORT
    DESCRIPTION and one of the CMS-only columns (ADD DT, TERM DT ...; with ``system="HCPCS"`` the
    three are enough).  CPT files are recognised without ``system="CPT"`` only when nothing else
    could be meant: an AMA-named text file (LONGULT.txt, MEDU.txt, SHORTU.txt ...) of CPT code
    lines, or a CSV whose code column is headed "CPT Code"; a generic ``Code,Description`` CSV or a
    code-per-line file under another name is installed as CPT only when the caller says so, since
    the user may have other code lists lying around.
    """
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        if system in (None, HCPCS):
            from medcoder.codesets.hcpcs.parse import detect_layout

            layout = detect_layout(path, strict=system is None)
            if layout is not None:
                return Recognised(path, HCPCS, "hcpcs", "", layout)
        if system in (None, CPT):
            from medcoder.codesets.cpt.parse import detect_cpt, kind_from_name

            cpt_layout = detect_cpt(path, explicit=system == CPT)
            if cpt_layout is not None:
                kind = kind_from_name(path.name) if cpt_layout == "text" else "long"
                return Recognised(path, CPT, kind, "", cpt_layout)
        return None
    if suffix != ".xml" or system in (HCPCS, CPT):
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
    if system == HCPCS:
        from medcoder.codesets.hcpcs.parse import parse_hcpcs

        parse_hcpcs(path)
    elif system == CPT:
        from medcoder.codesets.cpt.parse import parse_cpt

        parse_cpt(path)
    elif system == ICD10CM and kind == "tabular":
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
    """Candidate release files: XML, plus the text layouts of HCPCS and CPT (recognised later)."""
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        if path.suffix.lower() == ".xml" or path.suffix.lower() in TEXT_SUFFIXES:
            yield path
        elif path.suffix.lower() == ".zip":
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
    system: str | None = None,
) -> list[Manifest]:
    """Install the official files found in ``source`` (a directory or a zip); return the manifests.

    ``system`` (``"HCPCS"``, ``"CPT"``, ``"ICD-10-CM"``, ``"ICD-10-PCS"`` or an alias such as
    ``cpt``) installs only files of that system, and is how a CPT file in a generic layout is
    accepted (see :func:`recognise`).
    """
    source = Path(source)
    if system is not None:
        from medcoder.codesets.kb import system_name

        system = system_name(system)
    if not source.exists():
        raise InputFileError(source, "no such file or directory")
    with tempfile.TemporaryDirectory(prefix="medcoder-install-") as tmp:
        folder = source
        if source.is_file():
            if not zipfile.is_zipfile(source):
                if source.suffix.lower() == ".xml" or source.suffix.lower() in TEXT_SUFFIXES:
                    folder = Path(tmp) / "single"
                    folder.mkdir()
                    shutil.copy2(source, folder / source.name)
                else:
                    raise UnrecognizedReleaseError(
                        f"{source}: neither a directory, a zip nor an XML, text or CSV release file"
                    )
            else:
                folder = Path(tmp) / "unzipped"
                folder.mkdir()
                _safe_extract(source, folder)
        found = [
            r for p in _xml_files(folder) if (r := recognise(p, system)) and (system is None or r.system == system)
        ]
        if not found:
            if system is not None:
                raise UnrecognizedReleaseError(f"{source}: no {system} release file found")
            raise UnrecognizedReleaseError(
                f"{source}: no official release file found (expected ICD-10-CM / ICD-10-PCS XML such as "
                "icd10cm-tabular-*.xml or icd10pcs_tables_*.xml, or the HCPCS Level II file "
                "HCPC20YY_<MON>_ANWEB; a CPT file in a generic layout needs --system CPT)"
            )
        found = _prefer_cpt_files(found)
        groups: dict[str, list[Recognised]] = {}
        windows: dict[str, tuple[str, dt.date, dt.date]] = {}
        existing = {r.manifest.release_id: r for r in installed_releases()}
        for rec in found:
            names = [rec.path.name, *(p.name for p in rec.path.relative_to(folder).parents if p.name), source.name]
            try:
                if rec.system in (HCPCS, CPT):
                    rid, start, end = _text_release(rec, names, release_id, effective_from)
                else:
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
            system_ = windows[rid][0]
            if any(r.system != system_ for r in recs):
                systems = ", ".join(sorted({r.system for r in recs}))
                raise ReleaseInstallError(f"{source}: files of different systems ({systems}) for one release {rid}")
            needed = {ICD10CM: ("tabular",), ICD10PCS: ("tables",), HCPCS: ("hcpcs",), CPT: ("long", "medium", "short")}
            if not have & set(needed[system_]):
                what = {
                    ICD10CM: "ICD-10-CM tabular list (icd10cm-tabular-*.xml)",
                    ICD10PCS: "ICD-10-PCS tables (icd10pcs_tables_*.xml)",
                    HCPCS: "HCPCS Level II file",
                    CPT: "CPT descriptor file",
                }[system_]
                raise MissingReleaseFilesError(
                    f"{source}: release {rid} lacks the {what}; found only "
                    f"{', '.join(sorted(kinds))}. Nothing was installed."
                )
        # Parse everything before touching the installed releases.
        for recs in groups.values():
            for rec in recs:
                validate_file(rec.path, rec.system, rec.kind)
        return [_commit(rid, recs, windows[rid], str(source.resolve())) for rid, recs in sorted(groups.items())]


def _text_release(
    rec: Recognised, names: list[str], release_id: str | None, effective_from: dt.date | None
) -> tuple[str, dt.date, dt.date]:
    """Release id and window of a HCPCS or CPT file: from its names (file, folders, zip), else from
    ``--release-id`` (``hcpcs-2026-01``, ``cpt-2026``), else from ``--effective-from``."""
    if rec.system == HCPCS:
        from medcoder.codesets.hcpcs.parse import quarter_from_name

        quarter = quarter_from_name(*names)
        if quarter is None and release_id and (m := _HCPCS_RID.match(release_id)):
            quarter = int(m.group(1)), int(m.group(2))
        if quarter is None and effective_from is not None:
            quarter = effective_from.year, effective_from.month
        if quarter is None:
            raise ValueError(
                "cannot tell the HCPCS quarter from the names "
                f"{', '.join(names)} (CMS names the file HCPC2026_JAN_ANWEB...); e.g. --release-id hcpcs-2026-01"
            )
        return hcpcs_release_id(*quarter)
    from medcoder.codesets.cpt.parse import year_from_names

    year = year_from_names(*names)
    if year is None and release_id and (m := _CPT_RID.match(release_id)):
        year = int(m.group(1))
    if year is None and effective_from is not None:
        year = effective_from.year
    if year is None:
        raise ValueError(f"cannot tell the CPT year from the names {', '.join(names)}; e.g. --release-id cpt-2026")
    return cpt_release_id(year)


def _prefer_cpt_files(found: list[Recognised]) -> list[Recognised]:
    """One CPT file per descriptor kind: the AMA data file has LONGULT, LONGULF, LONGUT and LONGUF
    with the same descriptors; mixed case and tab-delimited are preferred."""
    from medcoder.codesets.cpt.parse import NAME_PREFERENCE

    def rank(rec: Recognised) -> tuple[int, str]:
        stem = rec.path.stem.upper()
        return (NAME_PREFERENCE.index(stem) if stem in NAME_PREFERENCE else len(NAME_PREFERENCE), str(rec.path))

    keep: dict[tuple[Path, str], Recognised] = {}
    out: list[Recognised] = []
    for rec in found:
        if rec.system != CPT or rec.layout != "text" or rec.path.stem.upper() not in NAME_PREFERENCE:
            out.append(rec)
            continue
        key = (rec.path.parent, rec.kind)
        if key not in keep or rank(rec) < rank(keep[key]):
            keep[key] = rec
    skipped = [r.path.name for r in found if r.system == CPT and r not in out and r not in keep.values()]
    if skipped:
        log.info("CPT: using %s; skipping same-kind files %s", [r.path.name for r in keep.values()], skipped)
    return out + sorted(keep.values(), key=lambda r: str(r.path))


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
            version=recs[0].version or _version_of(rid),
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


def _version_of(release_id: str) -> str:
    """``hcpcs-2026-01`` -> ``2026-01``, ``cpt-2026`` -> ``2026``."""
    return release_id.split("-", 1)[1] if "-" in release_id else release_id


def uninstall(release_id: str) -> None:
    final = paths.releases_dir() / release_id
    if not final.is_dir():
        raise ReleaseInstallError(f"release {release_id} is not installed")
    trash = final.with_name(f".trash-{release_id}-{uuid.uuid4().hex[:8]}")
    final.rename(trash)
    shutil.rmtree(trash, ignore_errors=True)
