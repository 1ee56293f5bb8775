"""Shared fixtures.

Tests that read the official release files in ``../shared`` carry the ``conformance`` marker and
use the ``shared_dir`` fixture, which skips with a clear reason where the directory is absent (a
user's clone).  ``.ci/run`` checks that it is present, so in CI these tests always run.
"""

from __future__ import annotations

import os
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
