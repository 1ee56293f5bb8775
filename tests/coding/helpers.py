"""Hand-written encounters and what to read from their coding results."""

from __future__ import annotations

from medcoder.models import CodingResult, Document, Encounter


def encounter(text: str | list[tuple[str, str]], setting: str = "outpatient", encounter_id: str = "enc-1") -> Encounter:
    """One note (``text``) or several documents (``[(document id, text), ...]``)."""
    docs = [(f"{encounter_id}-note", text)] if isinstance(text, str) else text
    return Encounter(
        id=encounter_id, setting=setting, documents=[Document(id=doc_id, text=body) for doc_id, body in docs]
    )


def codes(result: CodingResult) -> list[str]:
    """The diagnosis codes in sequence order."""
    return [a.code for a in result.diagnoses]


def has(found: list[str], prefix: str) -> bool:
    """Is a code at or below ``prefix`` (``R10`` covers R10.9, R10.31 ...) among ``found``?"""
    plain = prefix.replace(".", "")
    return any(code.replace(".", "").startswith(plain) for code in found)
