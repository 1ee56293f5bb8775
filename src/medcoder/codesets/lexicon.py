"""Clinical abbreviations as data (``medcoder/data/abbreviations.json``), shared by the encoder and
the coding engine."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, field_validator


class AbbreviationLexicon(BaseModel):
    about: str
    version: int
    abbreviations: dict[str, str]

    @field_validator("abbreviations")
    @classmethod
    def _lower(cls, value: dict[str, str]) -> dict[str, str]:
        for key, expansion in value.items():
            if key != key.lower() or not expansion.strip():
                raise ValueError(f"abbreviation {key!r}: keys must be lower-case and expansions non-empty")
        return value


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, str]:
    text = resources.files("medcoder").joinpath("data/abbreviations.json").read_text(encoding="utf-8")
    return AbbreviationLexicon.model_validate(json.loads(text)).abbreviations


class LexiconEntry(BaseModel):
    """One concept of the clinical lexicon: the wording US notes use and the code a coder reaches
    from it through the Alphabetic Index or the Tabular List.  ``code`` may be a header when the
    child depends on what the note says (side, 7th character, stage): the engine resolves it."""

    code: str
    terms: list[str]
    source: str  # a key of ClinicalLexicon.sources
    ref: str = ""  # where in the source: the index path ("Hypertension, hypertensive -> I10"), a note

    @field_validator("terms")
    @classmethod
    def _terms(cls, value: list[str]) -> list[str]:
        if not value or any(not t.strip() for t in value):
            raise ValueError("an entry needs at least one non-empty term")
        return value


class ClinicalLexicon(BaseModel):
    """The curated US clinical lexicon (``medcoder/data/us_lexicon.json``): every entry names its
    source; nothing in it is learned from a corpus (DESIGN §8)."""

    about: str
    version: int
    sources: dict[str, str]
    word_equivalents: dict[str, str]  # a word notes use -> the word code titles use (renal -> kidney)
    word_equivalents_source: str
    entries: list[LexiconEntry]

    @field_validator("entries")
    @classmethod
    def _sources_known(cls, value: list[LexiconEntry], info) -> list[LexiconEntry]:
        sources = info.data.get("sources", {})
        for entry in value:
            if entry.source not in sources:
                raise ValueError(f"entry {entry.code} {entry.terms[0]!r}: unknown source {entry.source!r}")
        return value


@lru_cache(maxsize=1)
def clinical_lexicon() -> ClinicalLexicon:
    text = resources.files("medcoder").joinpath("data/us_lexicon.json").read_text(encoding="utf-8")
    return ClinicalLexicon.model_validate(json.loads(text))
