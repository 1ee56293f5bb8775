"""medcoder: medical coding on your own machine, with evidence for every code."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from medcoder.errors import MedcoderError
from medcoder.models import (
    CodeAssignment,
    CodingResult,
    Document,
    Edit,
    Encounter,
    Evidence,
    Patient,
    Query,
    Setting,
)

try:
    __version__ = version("medcoder")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "CodeAssignment",
    "CodingResult",
    "Document",
    "Edit",
    "Encounter",
    "Evidence",
    "MedcoderError",
    "Patient",
    "Query",
    "Setting",
    "__version__",
]
