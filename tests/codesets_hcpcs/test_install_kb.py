"""HCPCS and CPT releases: install -> knowledge base -> validate / lookup, and bad installs."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from medcoder.codesets import paths
from medcoder.codesets.build import build, check
from medcoder.codesets.install import install, installed_releases
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.release import sha256_file
from medcoder.codesets.search import lookup
from medcoder.codesets.verify import verify
from medcoder.errors import NoReleaseError, ReleaseFileError, UnrecognizedReleaseError
from tests.conftest import medcoder_home

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HCPCS_DIR = FIXTURES / "hcpcs"
JAN = HCPCS_DIR / "HCPC2026_JAN_ANWEB_v2.txt"
CPT_DIR = FIXTURES / "cpt"


@pytest.fixture
def home(tmp_path):
    with medcoder_home(tmp_path / "home") as h:
        yield h


def _installed_ids() -> list[str]:
    root = paths.releases_dir()
    return sorted(p.name for p in root.iterdir() if not p.name.startswith(".")) if root.is_dir() else []


def test_install_hcpcs_quarters_side_by_side(home):
    manifests = install(HCPCS_DIR)
    assert [(m.release_id, m.system, m.effective_from, m.effective_to) for m in manifests] == [
        ("hcpcs-2026-01", "HCPCS", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ("hcpcs-2026-04", "HCPCS", dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        ("hcpcs-2026-07", "HCPCS", dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
    ]
    jan = manifests[0]
    [entry] = jan.files
    assert entry.kind == "hcpcs" and entry.sha256 == sha256_file(home / "releases/hcpcs-2026-01" / entry.name)
    assert json.loads((home / "releases/hcpcs-2026-01/manifest.json").read_text())["system"] == "HCPCS"
    assert _installed_ids() == ["hcpcs-2026-01", "hcpcs-2026-04", "hcpcs-2026-07"]


def test_install_hcpcs_kb_validate_by_date_of_service(home):
    install(HCPCS_DIR)
    kb = KnowledgeBase.open()
    try:
        feb, may = dt.date(2026, 2, 1), dt.date(2026, 5, 1)
        status = kb.status("j0696", feb)
        assert (status.system, status.release_id, status.valid, status.billable) == (
            "HCPCS",
            "hcpcs-2026-01",
            True,
            True,
        )
        assert status.description == "Injection, ceftriaxone sodium, per 250 mg"
        # added 2026-04-01: in the January file but not reportable before April
        early = kb.status("G0999", feb)
        assert early.valid and not early.billable and "from 2026-04-01" in early.reason
        assert kb.status("G0999", may).billable and kb.status("G0999", may).release_id == "hcpcs-2026-04"
        gone = kb.status("J7199", feb)
        assert gone.valid and not gone.billable and "2025-12-31" in gone.reason
        modifier = kb.status("LT", feb)
        assert modifier.system == "HCPCS" and modifier.valid and not modifier.billable
        assert not kb.status("J9999", feb).valid
        # E11.40 is still ICD-10-CM where both shapes fit
        assert kb.status("E11.40", may).system == "ICD-10-CM"
        with pytest.raises(NoReleaseError, match="no installed HCPCS release covers"):
            kb.status("J0696", dt.date(2025, 6, 1), system="HCPCS")
        record = kb.hcpcs("a0427", feb)
        assert record is not None and record.long.endswith("(als 1-emergency)") and record.active_on(feb)
    finally:
        kb.close()


def test_hcpcs_lookup_and_content_hash_reproducible(home, tmp_path):
    install(JAN)
    kb = KnowledgeBase.open()
    try:
        result = lookup("folding walker", system="HCPCS", day=dt.date(2026, 2, 1), kb=kb)
        assert result.release_id == "hcpcs-2026-01"
        assert [h.code for h in result.hits][:2] == ["E0135", "E0143"]
        assert result.hits[0].description == "Walker, folding (pickup), adjustable or fixed height"
        assert "HCPCS" in result.hits[0].why
    finally:
        kb.close()
    hashes = []
    for name in ("a.sqlite", "b.sqlite"):
        con = check(build(installed_releases(), tmp_path / name))
        hashes.append(con.execute("SELECT value FROM meta WHERE key = 'content_hash'").fetchone()[0])
        assert con.execute("SELECT count(*) FROM hcpcs_codes").fetchone()[0] == 28
        con.close()
    assert hashes[0] == hashes[1]
    report = verify()  # files against the manifest
    assert all(c["ok"] for c in report["checks"] if c["what"].startswith("hcpcs-2026-01"))


def test_install_cpt_ama_directory(home):
    [manifest] = install(CPT_DIR / "2026")
    assert (manifest.release_id, manifest.system) == ("cpt-2026", "CPT")
    assert (manifest.effective_from, manifest.effective_to) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert sorted(f.kind for f in manifest.files) == ["long", "short"]
    kb = KnowledgeBase.open()
    try:
        status = kb.status("99213", dt.date(2026, 3, 1))
        assert (status.system, status.valid, status.billable) == ("CPT", True, True)
        assert status.description.startswith("Test descriptor for an established-patient office visit")
        code = kb.cpt("93000")
        assert code is not None and code.short == "TEST ECG WITH REPORT"
        assert kb.status("0001T").system == "CPT"
        hits = lookup("electrocardiogram", system="CPT", kb=kb).hits
        assert hits[0].code == "93000"
    finally:
        kb.close()


def test_install_cpt_generic_csv_needs_system(home):
    with pytest.raises(UnrecognizedReleaseError, match="needs --system CPT"):
        install(CPT_DIR / "site-codes.csv")
    assert _installed_ids() == []
    with pytest.raises(ReleaseFileError, match="cannot tell the CPT year"):
        install(CPT_DIR / "site-codes.csv", system="CPT")
    [manifest] = install(CPT_DIR / "site-codes.csv", system="cpt", release_id="cpt-2024")
    assert (manifest.release_id, manifest.effective_from) == ("cpt-2024", dt.date(2024, 1, 1))
    [manifest] = install(CPT_DIR / "cpt-2025-descriptors.csv")  # "CPT Code" header: recognised alone
    assert manifest.release_id == "cpt-2025"


def test_install_hcpcs_from_cms_zip_with_other_files(home, tmp_path):
    archive = tmp_path / "january-2026-alpha-numeric-hcpcs-file.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(JAN, JAN.name)
        zf.writestr("HCPC2026_JAN_RECORD_LAYOUT.txt", "HCPCS RECORD LAYOUT\nHCPC CODE  1-5\n")
        zf.writestr("HCPC2026_JAN_ANWEB_v2.xlsx", b"PK\x03\x04 not read")
        zf.writestr("proc_notes_JAN2026.txt", "Processing note 0001: see the manual.\n")
    [manifest] = install(archive)
    assert manifest.release_id == "hcpcs-2026-01"
    assert [f.name for f in manifest.files] == [JAN.name]


def test_install_hcpcs_window_override_and_unnamed_file(home, tmp_path):
    plain = tmp_path / "alpha-numeric.txt"
    shutil.copy(JAN, plain)
    with pytest.raises(ReleaseFileError, match="cannot tell the HCPCS quarter"):
        install(plain)
    [manifest] = install(plain, release_id="hcpcs-2026-01")
    assert (manifest.effective_from, manifest.effective_to) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    [manifest] = install(JAN, effective_to=dt.date(2026, 6, 30))
    assert manifest.effective_to == dt.date(2026, 6, 30)


def test_install_bad_hcpcs_file_keeps_previous_release(home, tmp_path):
    install(JAN)
    before = (home / "releases/hcpcs-2026-01/manifest.json").read_text()
    broken_dir = tmp_path / "broken"
    broken_dir.mkdir()
    lines = JAN.read_text(encoding="ascii").splitlines()
    lines[7] = lines[7][:200]
    (broken_dir / JAN.name).write_text("\n".join(lines) + "\n", encoding="ascii")
    with pytest.raises(ReleaseFileError, match=r"line 8: truncated record"):
        install(broken_dir)
    assert (home / "releases/hcpcs-2026-01/manifest.json").read_text() == before
    assert _installed_ids() == ["hcpcs-2026-01"]


def test_install_system_filter(home):
    with pytest.raises(UnrecognizedReleaseError, match="no HCPCS release file"):
        install(CPT_DIR / "2026", system="HCPCS")
    assert _installed_ids() == []
