"""An opt-in ICD-10-CM phrase profile: wording one site (or one corpus) adds to the site-model path.

**Default: no profile.**  Without one, the site-model path's term dictionary
(:mod:`medcoder.coding.dictionary`) holds the official classification (titles, inclusion terms, the
Alphabetic Index and Neoplasm Table when installed) reduced to stems with the package's word
equivalents (``data/cm_word_equivalents.json``: plain US medical English, each group naming its
source).  The default engine (no site model) reads neither: it matches the curated US lexicon.

**A phrase profile** is a JSON file a site passes on purpose (``Coder(kb, model, cm_phrases=path)``,
``Pipeline(cm_phrases=path)``, ``medcoder train / code --cm-phrases FILE``); each result coded with
it names it in its provenance (``provenance.models["cm_phrases"]``: its id, version and the sha256
of the file), and a site model trained with it records it (``meta["cm_phrases"]``), so coding with
that model and without the profile (or with another) logs a warning.  It holds:

* ``phrases``: ``{code: [phrase, ...]}``, added to the term dictionary as ``profile`` terms;
* ``word_equivalents``: ``{word: word}``, applied on top of the package's wherever the site-model
  path reduces words to stems (:func:`medcoder.coding.dictionary.canonical` inside
  :func:`~medcoder.coding.dictionary.profile_equivalents`): the code-set terms, the note's
  sentences, the evidence spans and the phrase keys a site model learns on;
* ``about`` (where it came from), ``id``, ``version``, and free documentation (``notes``,
  ``habits``, ``translation_forms``) that is not read.

The one made for CodiEsp is ``bench/profiles/codiesp_cm_phrases.json`` (the wording the package
data used to carry for that corpus); the CodiEsp benchmark passes it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from medcoder.errors import InputFileError

__all__ = ["PhraseProfile", "PhraseProfileFile", "check_model_profile"]

log = logging.getLogger(__name__)


class PhraseProfileFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    about: str = Field(min_length=1, description="where the profile came from (provenance)")
    id: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="its name in provenance (default: file stem)"
    )
    version: int
    phrases: dict[str, list[str]] = Field(default_factory=dict)
    word_equivalents: dict[str, str] = Field(default_factory=dict)
    notes: dict[str, str] = Field(default_factory=dict)
    habits: dict[str, str] = Field(default_factory=dict)
    translation_forms: list[str] = Field(default_factory=list)

    @field_validator("phrases")
    @classmethod
    def _phrases(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for code, phrases in value.items():
            if not code.strip() or any(not p.strip() for p in phrases):
                raise ValueError(f"{code!r}: expected a code with non-empty phrases")
        return value


class PhraseProfile:
    """Extra ICD-10-CM wording for the term dictionary of the site-model path."""

    def __init__(
        self, phrases: dict[str, list[str]] | None = None, word_equivalents: dict[str, str] | None = None, id: str = ""
    ) -> None:
        self.phrases = phrases or {}
        self.word_equivalents = word_equivalents or {}
        self.id = id  # what provenance records
        self._stems: dict[str, str] | None = None

    @classmethod
    def read(cls, path: str | Path) -> PhraseProfile:
        """A phrase profile file; :class:`InputFileError` (E150) naming the file if it is missing,
        not JSON or not a phrase profile."""
        path = Path(path)
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise InputFileError(
                path, f"cannot read the ICD-10-CM phrase profile ({error.strerror or error})"
            ) from None
        try:
            data = PhraseProfileFile.model_validate(json.loads(raw.decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise InputFileError(path, f"not an ICD-10-CM phrase profile: not JSON ({error})") from None
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(the file)"
            raise InputFileError(path, f"not a valid ICD-10-CM phrase profile: {where}: {first['msg']}") from None
        name = data.id or path.stem
        digest = hashlib.sha256(raw).hexdigest()[:12]
        return cls(data.phrases, data.word_equivalents, id=f"{name} v{data.version} sha256:{digest}")

    @classmethod
    def coerce(cls, value: PhraseProfile | str | Path | None) -> PhraseProfile | None:
        """A profile, a path to one (read now), or None."""
        if value is None or isinstance(value, PhraseProfile):
            return value
        return cls.read(value)

    def terms(self) -> list[tuple[str, str]]:
        """(code, phrase) pairs, in a fixed order."""
        return [(code, phrase) for code, phrases in sorted(self.phrases.items()) for phrase in phrases]

    def stem_equivalents(self) -> dict[str, str]:
        """The profile's word equivalents as stems, applied after the package's own and followed
        to the end (so applying them twice changes nothing); computed once."""
        if self._stems is None:
            from medcoder.coding.dictionary import stem_synonyms
            from medcoder.coding.text import stem

            package = stem_synonyms()
            direct: dict[str, str] = {}
            for word, means in self.word_equivalents.items():
                key, value = stem(word), stem(means)
                key, value = package.get(key, key), package.get(value, value)
                if key != value:
                    direct[key] = value
            out: dict[str, str] = {}
            for key, value in direct.items():
                seen = {key}
                while value in direct and value not in seen:
                    seen.add(value)
                    value = direct[value]
                out[key] = value
            self._stems = out
        return self._stems


def check_model_profile(meta: dict[str, Any], profile: PhraseProfile | None) -> None:
    """Warn when a site model is used with a phrase profile other than the one it was trained with
    (its ranker learned on the candidates that profile's wording found), or when it was trained
    with another version of the package's word equivalents (its phrase keys are stems after them)."""
    from medcoder.coding.dictionary import word_equivalents

    trained = meta.get("cm_phrases")
    used = profile.id if profile is not None else None
    if trained != used:
        log.warning(
            "site model %s was trained with ICD-10-CM phrase profile %s but is used with %s; pass the same profile "
            "(--cm-phrases FILE) or retrain",
            meta.get("id", "site-model"),
            trained or "none",
            used or "none",
        )
    version = word_equivalents().version
    # a model written by ``train`` records the version; one from before it did used version 2 or older
    trained_version = meta.get("cm_word_equivalents", 2 if "created" in meta else version)
    if trained_version != version:
        log.warning(
            "site model %s was trained with ICD-10-CM word equivalents v%s, this medcoder has v%s; retrain it",
            meta.get("id", "site-model"),
            trained_version,
            version,
        )
