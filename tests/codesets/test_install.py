"""Installing official release files: manifests, side-by-side releases, atomicity, bad input."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from medcoder.codesets import paths
from medcoder.codesets.build import build, check
from medcoder.codesets.install import bundled_tabular_path, install, installed_releases
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.release import sha256_file
from medcoder.codesets.verify import verify
from medcoder.errors import (
    InputFileError,
    MissingReleaseFilesError,
    ReleaseFileError,
    UnrecognizedReleaseError,
)
from tests.conftest import medcoder_home


@pytest.fixture
def home(tmp_path):
    with medcoder_home(tmp_path / "home") as h:
        yield h


def _installed_ids() -> list[str]:
    root = paths.releases_dir()
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


def test_install_tabular_release_side_by_side(home, tmp_path):
    """A FY2027 tabular file installs beside April 2026; the date of service picks the release."""
    src = tmp_path / "cdc2027"
    src.mkdir()
    text = bundled_tabular_path().read_text(encoding="utf-8")
    text = text.replace("<version>2026</version>", "<version>2027</version>", 1)
    text = text.replace(
        "<desc>Type 2 diabetes mellitus with diabetic neuropathy, unspecified</desc>",
        "<desc>Type 2 diabetes mellitus with diabetic neuropathy, unspecified (FY2027 wording)</desc>",
    )
    (src / "icd10cm-tabular-2027.xml").write_text(text, encoding="utf-8")
    (src / "README.txt").write_text("not a code-set file", encoding="utf-8")

    [manifest] = install(src)
    assert manifest.release_id == "icd10cm-2027"
    assert (manifest.effective_from, manifest.effective_to) == (dt.date(2026, 10, 1), dt.date(2027, 9, 30))
    [entry] = manifest.files
    assert entry.kind == "tabular" and entry.sha256 == sha256_file(home / "releases/icd10cm-2027" / entry.name)
    on_disk = json.loads((home / "releases/icd10cm-2027/manifest.json").read_text())
    assert on_disk["parser_version"] and on_disk["files"][0]["sha256"] == entry.sha256

    kb = KnowledgeBase.open()
    try:
        assert {m.release_id for m in kb.manifests} == {"icd10cm-2026-04", "icd10cm-2027"}
        assert kb.cm("E11.40", dt.date(2026, 11, 1)).description.endswith("(FY2027 wording)")
        assert not kb.cm("E11.40", dt.date(2026, 5, 1)).description.endswith("(FY2027 wording)")
        assert kb.cm("E11.40").release_id == "icd10cm-2027"  # no date: the latest
    finally:
        kb.close()


def test_install_missing_path_is_an_error(home, tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        install(tmp_path / "nowhere.zip")


def test_install_folder_without_release_files(home, tmp_path):
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "notes.xml").write_text("<html/>", encoding="utf-8")
    with pytest.raises(UnrecognizedReleaseError):
        install(tmp_path / "junk")
    assert _installed_ids() == []


def test_install_not_a_zip(home, tmp_path):
    bad = tmp_path / "release.zip"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises((ReleaseFileError, UnrecognizedReleaseError)):
        install(bad)
    assert _installed_ids() == []


@pytest.mark.conformance
def test_install_zip_missing_tables_installs_nothing(home, tmp_path, shared_dir):
    archive = tmp_path / "2026-icd-10-pcs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(
            shared_dir / "codesets/icd10pcs/2026/icd10pcs_definitions_2026.xml",
            "icd10pcs_definitions_2026.xml",
        )
    with pytest.raises(MissingReleaseFilesError, match="lacks the ICD-10-PCS tables") as info:
        install(archive)
    assert "Nothing was installed" in str(info.value)
    assert _installed_ids() == []


@pytest.mark.conformance
def test_install_from_zip(home, tmp_path, shared_dir):
    archive = tmp_path / "pcs-2026.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in (shared_dir / "codesets/icd10pcs/2026").iterdir():
            zf.write(f, f"Zip File 2026/{f.name}")
    [manifest] = install(archive)
    assert manifest.release_id == "icd10pcs-2026"
    assert sorted(f.kind for f in manifest.files) == ["definitions", "tables"]


@pytest.mark.conformance
def test_install_malformed_xml_keeps_previous_release(home, tmp_path, shared_dir):
    install(shared_dir / "codesets/icd10pcs/2026")
    before = (home / "releases/icd10pcs-2026/manifest.json").read_text()
    broken = tmp_path / "broken"
    broken.mkdir()
    tables = (shared_dir / "codesets/icd10pcs/2026/icd10pcs_tables_2026.xml").read_text(encoding="utf-8")
    (broken / "icd10pcs_tables_2026.xml").write_text(tables[: len(tables) // 2], encoding="utf-8")
    with pytest.raises(ReleaseFileError) as info:
        install(broken)
    assert "icd10pcs_tables_2026.xml" in str(info.value) and info.value.line is not None
    assert (home / "releases/icd10pcs-2026/manifest.json").read_text() == before
    assert _installed_ids() == ["icd10pcs-2026"]  # no staging or trash left behind
    assert verify()["checks"][0]["ok"]


@pytest.mark.conformance
def test_install_adds_tables_to_bundled_release(home, shared_dir):
    [manifest] = install(shared_dir / "codesets/icd10cm/2026")
    assert manifest.release_id == "icd10cm-2026-04"
    assert sorted(f.kind for f in manifest.files) == ["drug", "eindex", "neoplasm"]
    [merged] = [r for r in installed_releases() if r.manifest.release_id == "icd10cm-2026-04"]
    assert sorted(merged.files) == ["drug", "eindex", "neoplasm", "tabular"]
    assert merged.manifest.source.startswith("bundled: simple-icd-10-cm")


def test_build_is_reproducible(home, tmp_path):
    first = build(target=tmp_path / "a.sqlite")
    second = build(target=tmp_path / "b.sqlite")
    hashes = []
    for path in (first, second):
        con = check(path)
        hashes.append(con.execute("SELECT value FROM meta WHERE key = 'content_hash'").fetchone()[0])
        con.close()
    assert hashes[0] == hashes[1] and len(hashes[0]) == 64


def test_verify_detects_a_changed_file(home, tmp_path):
    src = tmp_path / "cdc2027"
    src.mkdir()
    shutil.copy(bundled_tabular_path(), src / "icd10cm-tabular-2027.xml")
    text = (
        (src / "icd10cm-tabular-2027.xml")
        .read_text(encoding="utf-8")
        .replace("<version>2026</version>", "<version>2027</version>", 1)
    )
    (src / "icd10cm-tabular-2027.xml").write_text(text, encoding="utf-8")
    install(src)
    KnowledgeBase.open().close()
    assert verify()["ok"]
    installed = home / "releases/icd10cm-2027/icd10cm-tabular-2027.xml"
    installed.write_text(text.replace("Cholera", "Kolera", 1), encoding="utf-8")
    report = verify()
    assert not report["ok"]
    assert any(not c["ok"] and c["what"] == "icd10cm-2027 tabular" for c in report["checks"])


def test_kb_open_rejects_a_corrupt_file(tmp_path):
    from medcoder.errors import KnowledgeBaseError

    bad = tmp_path / "kb.sqlite"
    bad.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(KnowledgeBaseError):
        KnowledgeBase.open(Path(bad))
