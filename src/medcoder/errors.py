"""One exception hierarchy for medcoder, each class with a stable error code.

The CLI turns any :class:`MedcoderError` into one line ``error E102: ...`` and a non-zero
exit status; the library never prints or exits.  Codes are stable: a class may gain detail
but never changes its code, so scripts and log searches can rely on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class MedcoderError(Exception):
    """Base of every error medcoder raises on purpose."""

    code = "E100"
    exit_status = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


# --- code systems and codes (E10x) -------------------------------------------------------


class UnknownCodeSystemError(MedcoderError):
    code = "E101"

    def __init__(self, system: str, known: Sequence[str]) -> None:
        super().__init__(f"unknown code system {system!r}; known: {', '.join(known)}")
        self.system = system


class UnknownCodeError(MedcoderError):
    """A code that is not in the code set (for the release in use)."""

    code = "E102"

    def __init__(self, code: str, system: str, suggestions: Sequence[str] = (), release: str = "") -> None:
        where = f" in {release}" if release else f" in {system}"
        hint = f"; nearest valid codes: {', '.join(suggestions)}" if suggestions else ""
        super().__init__(f"{code!r} is not a code{where}{hint}")
        self.unknown_code = code
        self.system = system
        self.suggestions = list(suggestions)


class InvalidCodeFormatError(MedcoderError):
    """Input that cannot be a code of the system at all (wrong characters or length)."""

    code = "E103"

    def __init__(self, code: str, system: str, reason: str) -> None:
        super().__init__(f"{code!r} is not a well-formed {system} code: {reason}")
        self.bad_code = code
        self.system = system


class EmptyQueryError(MedcoderError):
    code = "E104"

    def __init__(self) -> None:
        super().__init__("empty query: give words to search for, e.g. 'type 2 diabetes with neuropathy'")


# --- releases and the knowledge base (E11x-E13x) -------------------------------------------


class NoReleaseError(MedcoderError):
    """No installed release of a code system covers the requested date of service."""

    code = "E110"


class ReleaseFileError(MedcoderError):
    """An official release file that cannot be read: malformed XML, wrong root, bad values."""

    code = "E120"

    def __init__(self, path: str | Path, reason: str, line: int | None = None) -> None:
        loc = f"{path}" + (f", line {line}" if line is not None else "")
        super().__init__(f"{loc}: {reason}")
        self.path = str(path)
        self.line = line
        self.reason = reason


class MissingReleaseFilesError(MedcoderError):
    """A release directory or zip that lacks files a release needs."""

    code = "E121"


class UnrecognizedReleaseError(MedcoderError):
    """A directory or zip holding no file medcoder recognises as an official release file."""

    code = "E122"


class ReleaseInstallError(MedcoderError):
    """Installing a release failed; nothing was changed."""

    code = "E123"


class KnowledgeBaseError(MedcoderError):
    """The compiled knowledge base is missing, corrupt, or does not match its inputs."""

    code = "E130"


class VerifyError(MedcoderError):
    """``codesets verify`` found an installed file whose checksum does not match its manifest."""

    code = "E131"


class DownloadError(MedcoderError):
    code = "E140"


# --- input (E15x) ---------------------------------------------------------------------------


class InputFileError(MedcoderError):
    """A file given on the command line or to an API is missing or unreadable."""

    code = "E150"

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class ReadError(MedcoderError):
    """A document or encounter that cannot be read (malformed FHIR, bad encoding, too large ...).

    Readers yield it in place of the encounter so the rest of a batch is still coded.
    """

    code = "E151"

    def __init__(self, source: str | Path, reason: str, line: int | None = None) -> None:
        loc = f"{source}" + (f", line {line}" if line is not None else "")
        super().__init__(f"{loc}: {reason}")
        self.source = str(source)
        self.line = line
        self.reason = reason


class MissingClaimDataError(MedcoderError):
    """A claim lacks what a step needs (the grouper: discharge date and age; HCC: sex)."""

    code = "E152"


class PayerProfileError(MedcoderError):
    """A payer profile (YAML) that cannot be read or does not validate."""

    code = "E153"


class UnknownRuleError(MedcoderError):
    """An edit rule id that no rule is registered under."""

    code = "E154"


class ModelError(MedcoderError):
    """A site model that cannot be trained or loaded."""

    code = "E160"


ALL_ERRORS: tuple[type[MedcoderError], ...] = (
    MedcoderError,
    UnknownCodeSystemError,
    UnknownCodeError,
    InvalidCodeFormatError,
    EmptyQueryError,
    NoReleaseError,
    ReleaseFileError,
    MissingReleaseFilesError,
    UnrecognizedReleaseError,
    ReleaseInstallError,
    KnowledgeBaseError,
    VerifyError,
    DownloadError,
    InputFileError,
    ReadError,
    MissingClaimDataError,
    PayerProfileError,
    UnknownRuleError,
    ModelError,
)
