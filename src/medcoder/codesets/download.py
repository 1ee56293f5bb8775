"""``medcoder codesets download YEAR``: fetch the official release files where there is internet.

The downloaded zips go through exactly the same :func:`medcoder.codesets.install.install` path as a
file the user downloaded by hand (that path is what the tests cover; this module only fetches).
CMS publishes each fiscal year's files on its ICD-10 pages under stable names; ``--url`` overrides
them when CMS renames a file.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from medcoder.codesets.install import install
from medcoder.codesets.release import Manifest
from medcoder.errors import DownloadError, UnknownCodeSystemError

log = logging.getLogger(__name__)

CMS = "https://www.cms.gov/files/zip"
URLS = {
    "cm": "{base}/{year}-code-tables-tabular-and-index.zip",
    "pcs": "{base}/{year}-icd-10-pcs-code-tables-and-index.zip",
}


def official_urls(year: int, systems: tuple[str, ...] | list[str]) -> list[str]:
    urls = []
    for system in systems:
        if system not in URLS:
            raise UnknownCodeSystemError(system, sorted(URLS))
        urls.append(URLS[system].format(base=CMS, year=year))
    return urls


def fetch(url: str, dest: Path, timeout: float = 60.0) -> Path:
    target = dest / (url.rstrip("/").rsplit("/", 1)[-1] or "download.zip")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, target.open("wb") as out:
            shutil.copyfileobj(response, out)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DownloadError(f"could not download {url}: {exc}") from None
    return target


def download_and_install(
    year: int, systems: tuple[str, ...] | list[str], urls: list[str] | None = None
) -> list[Manifest]:
    targets = urls or official_urls(year, systems)
    manifests: list[Manifest] = []
    with tempfile.TemporaryDirectory(prefix="medcoder-download-") as tmp:
        for url in targets:
            log.info("downloading %s", url)
            manifests.extend(install(fetch(url, Path(tmp))))
    return manifests
