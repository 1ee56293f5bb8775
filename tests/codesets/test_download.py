"""`codesets download` hands what it fetched to the same install path the other tests cover."""

from __future__ import annotations

import zipfile

import pytest

from medcoder.codesets.download import download_and_install, official_urls
from medcoder.codesets.install import bundled_tabular_path, installed_releases
from medcoder.errors import DownloadError, UnknownCodeSystemError
from tests.conftest import medcoder_home


def test_download_official_urls_name_the_year():
    urls = official_urls(2027, ["cm", "pcs"])
    assert len(urls) == 2 and all("2027" in u and u.endswith(".zip") for u in urls)
    with pytest.raises(UnknownCodeSystemError):
        official_urls(2027, ["icd9"])


def test_download_installs_through_the_import_path(tmp_path):
    # A file:// URL stands in for the CMS server (no internet here); everything after the fetch is real.
    archive = tmp_path / "2027-code-tables-tabular-and-index.zip"
    text = (
        bundled_tabular_path()
        .read_text(encoding="utf-8")
        .replace("<version>2026</version>", "<version>2027</version>", 1)
    )
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Table and Index/icd10cm-tabular-2027.xml", text)
    with medcoder_home(tmp_path / "home"):
        [manifest] = download_and_install(2027, ["cm"], [archive.as_uri()])
        assert manifest.release_id == "icd10cm-2027"
        assert "icd10cm-2027" in {r.manifest.release_id for r in installed_releases()}


def test_download_unreachable_is_a_clear_error(tmp_path):
    with medcoder_home(tmp_path / "home"), pytest.raises(DownloadError, match="could not download"):
        download_and_install(2027, ["cm"], [(tmp_path / "absent.zip").as_uri()])
