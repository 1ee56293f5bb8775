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


class LexiconSupplement(BaseModel):
    """A chapter of the lexicon kept in its own file (``medcoder/data/us_lexicon/*.json``): the same
    kind of entries, citing the sources the main file declares."""

    about: str
    entries: list[LexiconEntry]


@lru_cache(maxsize=1)
def clinical_lexicon() -> ClinicalLexicon:
    return load_lexicon(resources.files("medcoder").joinpath("data"))


def load_lexicon(root) -> ClinicalLexicon:
    """``root/us_lexicon.json`` plus its chapter supplements ``root/us_lexicon/*.json`` (in file-name
    order), validated as one lexicon: an entry citing a source the main file does not declare is an
    error naming the file."""
    data = json.loads(root.joinpath("us_lexicon.json").read_text(encoding="utf-8"))
    folder = root.joinpath("us_lexicon")
    if folder.is_dir():
        for item in sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name):
            try:
                supplement = LexiconSupplement.model_validate(json.loads(item.read_text(encoding="utf-8")))
            except (ValueError, json.JSONDecodeError) as exc:
                raise ValueError(f"lexicon supplement data/us_lexicon/{item.name}: {exc}") from exc
            data["entries"].extend(e.model_dump() for e in supplement.entries)
    return ClinicalLexicon.model_validate(data)
