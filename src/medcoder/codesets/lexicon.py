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
