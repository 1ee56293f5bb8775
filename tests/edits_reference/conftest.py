"""Fixtures for the reference-data readers: the hand-made CMS-layout files in fixtures/edits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "edits"

PTP_HEADER = (
    "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date *=no data\t"
    "Modifier 0=not allowed 1=allowed 9=not applicable\tPTP Edit Rationale"
)
MUE_HEADER = "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale"


@pytest.fixture
def edits_dir() -> Path:
    return FIXTURES


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write a file under tmp_path: ``write(name, text)`` (UTF-8) or ``write(name, data=bytes)``."""

    def _write(name: str, text: str = "", data: bytes | None = None) -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode() if data is None else data)
        return path

    return _write
