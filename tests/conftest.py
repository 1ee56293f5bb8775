"""Shared fixtures.

Tests that read the official release files in ``../shared`` carry the ``conformance`` marker and
use the ``shared_dir`` fixture, which skips with a clear reason where the directory is absent (a
user's clone).  ``.ci/run`` checks that it is present, so in CI these tests always run.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _shared_path() -> Path:
    return Path(os.environ.get("MEDCODER_SHARED", REPO.parent / "shared")).resolve()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = _shared_path()
    if not (path / "codesets").is_dir():
        pytest.skip(f"shared reference data not found at {path} (set MEDCODER_SHARED)")
    return path


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return REPO / "tests" / "fixtures"


@contextlib.contextmanager
def medcoder_home(home: Path) -> Iterator[Path]:
    """Point MEDCODER_HOME at ``home`` for the duration (and forget any open knowledge base)."""
    from medcoder.codesets.kb import reset_default_kb

    old = os.environ.get("MEDCODER_HOME")
    os.environ["MEDCODER_HOME"] = str(home)
    reset_default_kb()
    try:
        yield home
    finally:
        reset_default_kb()
        if old is None:
            os.environ.pop("MEDCODER_HOME", None)
        else:
            os.environ["MEDCODER_HOME"] = old


@pytest.fixture(scope="session", autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No test reads or writes the user's real data or cache directories."""
    with medcoder_home(tmp_path_factory.mktemp("default-home")) as home:
        yield home


@pytest.fixture(scope="session")
def bundled_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with nothing installed: the bundled ICD-10-CM April 2026 list only, KB built."""
    from medcoder.codesets.kb import KnowledgeBase

    home = tmp_path_factory.mktemp("bundled-home")
    with medcoder_home(home):
        KnowledgeBase.open().close()
    return home


@pytest.fixture(scope="session")
def bundled_kb(bundled_home: Path):
    from medcoder.codesets.kb import KnowledgeBase

    with medcoder_home(bundled_home):
        kb = KnowledgeBase.open(build=False)
    yield kb
    kb.close()


@pytest.fixture(scope="session")
def full_home(shared_dir: Path, fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The official files from ../shared installed (PCS 2025 + 2026; CM 2026 drug, neoplasm,
    external cause index) plus our hand-written Alphabetic Index sample, KB built."""
    from medcoder.codesets.install import install
    from medcoder.codesets.kb import KnowledgeBase

    home = tmp_path_factory.mktemp("full-home")
    with medcoder_home(home):
        install(shared_dir / "codesets/icd10pcs/2025")
        install(shared_dir / "codesets/icd10pcs/2026")
        install(shared_dir / "codesets/icd10cm/2026")
        install(fixtures_dir / "icd10cm-index-sample.xml", release_id="icd10cm-2026-04")
        KnowledgeBase.open().close()
    return home


@pytest.fixture(scope="session")
def full_kb(full_home: Path):
    from medcoder.codesets.kb import KnowledgeBase

    with medcoder_home(full_home):
        kb = KnowledgeBase.open(build=False)
    yield kb
    kb.close()


@pytest.fixture
def bundled(bundled_home: Path) -> Iterator[None]:
    """Run the test with MEDCODER_HOME at the bundled-only home (for CLI tests)."""
    with medcoder_home(bundled_home):
        yield


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``medcoder ARGS`` in process: exit status, stdout, stderr."""
    from medcoder.cli.main import main

    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err
