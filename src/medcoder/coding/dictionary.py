"""The term dictionary of the site-model path: every way the code set names a condition, reduced
to content stems, with an index for matching whole sentences quickly.

A term matches a sentence when its rarest stems are present and enough of its weighted stems are
(``coverage``); the weights are inverse term frequencies over the dictionary, so "orchiepididymitis"
counts for more than "disease".  Matching is by bag of stems within a sentence: word order and
plurals matter less than with exact phrases.

What it holds by default is the official classification only (titles, inclusion terms, the
Alphabetic Index and Neoplasm Table when installed), with the package's word equivalents
(``data/cm_word_equivalents.json``: plain US medical English, each group naming its source).  Extra
wording a site (or a corpus such as CodiEsp) uses comes from an opt-in phrase profile
(:mod:`medcoder.coding.phrase_profile`), never from the package (DESIGN.md §8).  The default engine
(no site model) does not use this dictionary: it matches condition facts with the curated US
lexicon (:mod:`medcoder.coding.terms`).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, model_validator

from medcoder.coding.text import content_stems

if TYPE_CHECKING:
    from medcoder.coding.phrase_profile import PhraseProfile

WORD_EQUIVALENTS = "data/cm_word_equivalents.json"


@dataclass(frozen=True, slots=True)
class Term:
    code: str
    text: str
    source: str  # description | inclusion | index | lexicon
    stems: tuple[str, ...]
    weights: tuple[float, ...]
    total: float


@dataclass(frozen=True, slots=True)
class TermMatch:
    term: Term
    coverage: float  # weighted share of the term's stems found
    matched: tuple[str, ...]  # stems found
    anchored: bool = True  # the term's most distinctive word is among them


class WordEquivalent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    words: list[str] = Field(min_length=1, description="words notes use")
    means: str = Field(min_length=1, description="the word ICD-10-CM titles use")
    source: str = Field(description="a key of the file's ``sources``")
    code: str | None = Field(
        default=None, description="tabular: the code whose title and inclusion terms use both words"
    )
    ref: str | None = Field(default=None, description="where in the source (index cross-reference, inclusion term)")


class WordEquivalentsFile(BaseModel):
    """``data/cm_word_equivalents.json``: every group names its source (DESIGN.md §8)."""

    model_config = ConfigDict(extra="forbid")

    about: str
    version: int
    sources: dict[str, str]
    equivalents: list[WordEquivalent]

    @model_validator(mode="after")
    def _sourced(self) -> WordEquivalentsFile:
        for entry in self.equivalents:
            if entry.source not in self.sources:
                raise ValueError(f"{entry.words}: source {entry.source!r} is not one of {sorted(self.sources)}")
            if entry.source in ("tabular", "index") and not entry.ref:
                raise ValueError(f"{entry.words}: a {entry.source} equivalence quotes its reference ('ref')")
            if entry.source == "tabular" and not entry.code:
                raise ValueError(f"{entry.words}: a tabular equivalence names its code")
        return self


@lru_cache(maxsize=1)
def word_equivalents() -> WordEquivalentsFile:
    """The package's word equivalents (validated)."""
    raw = resources.files("medcoder").joinpath(WORD_EQUIVALENTS).read_text(encoding="utf-8")
    return WordEquivalentsFile.model_validate(json.loads(raw))


@lru_cache(maxsize=1)
def stem_synonyms() -> dict[str, str]:
    """Stem equivalences (``renal`` -> ``kidney``) from the package's word equivalents, as stems.

    One step, not followed further: ``tumour`` reads as ``tumor``, not as the ``neoplasm`` that
    ``tumor`` reads as (what the site-model path has always done; following the chain moved CodiEsp
    dev MAP by -0.004 through one training note, so it waits for a measured change of its own)."""
    from medcoder.coding.text import stem

    out: dict[str, str] = {}
    for entry in word_equivalents().equivalents:
        for word in entry.words:
            if stem(word) != stem(entry.means):
                out[stem(word)] = stem(entry.means)
    return out


# A phrase profile's word equivalents, while the site-model path codes or trains with it (a context
# variable: each thread / task sees its own; the default is none).
_PROFILE_STEMS: ContextVar[dict[str, str]] = ContextVar("medcoder_profile_stems", default={})  # noqa: B039


@contextmanager
def profile_equivalents(profile: PhraseProfile | None) -> Iterator[None]:
    """Within the block, :func:`canonical` also applies ``profile``'s word equivalents (nothing
    more without a profile)."""
    token = _PROFILE_STEMS.set(profile.stem_equivalents() if profile is not None else {})
    try:
        yield
    finally:
        _PROFILE_STEMS.reset(token)


def canonical(stems: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Stems reduced to the words code titles use: the package's word equivalents, then those of
    the phrase profile in use (:func:`profile_equivalents`)."""
    syn = stem_synonyms()
    extra = _PROFILE_STEMS.get()
    out: list[str] = []
    for s in stems:
        c = syn.get(s, s)
        if extra:
            c = extra.get(c, c)
        if c not in out:
            out.append(c)
    return tuple(out)


class TermDictionary:
    """Terms by code, with an anchor index: each term is filed under its two rarest stems."""

    def __init__(
        self,
        entries: list[tuple[str, str, str]],
        context: dict[str, str] | None = None,
        equivalents: dict[str, str] | None = None,
    ) -> None:
        """``context``: code -> title, for inclusion terms that only make sense under their code;
        ``equivalents``: stem -> stem applied after :func:`canonical`, to the terms and to every
        sentence matched (a phrase profile's word equivalents)."""
        self.equivalents = equivalents or {}
        prepared = []
        df: dict[str, int] = defaultdict(int)
        for code, text, source in entries:
            stems = self._equivalent(canonical(content_stems(text)))
            if not any(len(st) >= 3 and not st.isdigit() for st in stems):
                continue  # "HER2 +" reduces to "2": nothing to match a note on
            prepared.append((code, text, source, stems))
            for s in stems:
                df[s] += 1
        n = max(len(prepared), 1)
        self.idf = {s: math.log(1 + n / c) for s, c in df.items()}
        if context:
            # A one-word inclusion term ("Polyneuropathy" under "Other neurologic disorders in Lyme
            # disease") reads in the context of its code: it also needs the title's key word.
            for i, (code, text, source, stems) in enumerate(prepared):
                title = context.get(code)
                if source != "inclusion" or len(stems) != 1 or title is None:
                    continue
                title_stems = [s for s in self._equivalent(canonical(content_stems(title))) if s in self.idf]
                if stems[0] in title_stems or not title_stems:
                    continue
                key = max(title_stems, key=lambda s: self.idf[s])
                prepared[i] = (code, f"{text} [{title}]", source, (*stems, key))
        self.terms: list[Term] = []
        self.code_stems: dict[str, set[str]] = defaultdict(set)
        for code, text, source, stems in prepared:
            # heaviest (most distinctive) stem first: ``anchored`` checks ``stems[0]``
            pairs = sorted(((self.idf[s], s) for s in stems), key=lambda p: -p[0])
            stems = tuple(s for _, s in pairs)
            weights = tuple(w for w, _ in pairs)
            term = Term(code, text, source, stems, weights, sum(weights))
            self.terms.append(term)
            self.code_stems[code].update(stems)

    def _equivalent(self, stems: tuple[str, ...]) -> tuple[str, ...]:
        if not self.equivalents:
            return stems
        out: list[str] = []
        for s in stems:
            c = self.equivalents.get(s, s)
            if c not in out:
                out.append(c)
        return tuple(out)

    def _matrix(self):
        """Terms x stems weight matrix (scipy CSR), built on first use."""
        if getattr(self, "_w", None) is None:
            import numpy as np
            from scipy.sparse import csr_matrix

            self._col = {s: i for i, s in enumerate(sorted(self.idf))}
            rows, cols, vals = [], [], []
            for i, term in enumerate(self.terms):
                for st, w in zip(term.stems, term.weights, strict=True):
                    rows.append(i)
                    cols.append(self._col[st])
                    vals.append(w)
            self._w = csr_matrix((vals, (rows, cols)), shape=(len(self.terms), len(self._col))).T.tocsr()
            self._totals = np.asarray([t.total for t in self.terms])
        return self._w

    def match_many(self, sentences: list[set[str]], min_coverage: float = 0.6) -> list[list[TermMatch]]:
        """``match`` for every sentence of a document at once (sparse matrix product)."""
        import numpy as np
        from scipy.sparse import csr_matrix

        w = self._matrix()
        original = sentences
        if self.equivalents:
            sentences = [{self.equivalents.get(st, st) for st in stems} for stems in sentences]
        rows, cols = [], []
        for i, stems in enumerate(sentences):
            for st in stems:
                j = self._col.get(st)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
        out: list[list[TermMatch]] = [[] for _ in sentences]
        if not rows:
            return out
        s = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(sentences), w.shape[0]))
        got = (s @ w).tocoo()
        keep = got.data >= min_coverage * self._totals[got.col] - 1e-9
        for i, j, g in zip(got.row[keep], got.col[keep], got.data[keep], strict=True):
            term = self.terms[j]
            stems = sentences[i]
            matched = tuple(st for st in term.stems if st in stems)
            if self.equivalents:
                matched = self._as_written(matched, original[i])
            # without its most distinctive word ("ocular" in ocular hypertension) a match is weak
            out[i].append(TermMatch(term, float(g) / term.total, matched, term.stems[0] in stems))
        return out

    def _as_written(self, matched: tuple[str, ...], sentence: set[str]) -> tuple[str, ...]:
        """Matched stems as the sentence has them: a stem the sentence only has through an
        equivalence ("headach" for "cephalea") is reported as the sentence's own stem, so the
        evidence span covers the word the note wrote."""
        out = []
        for st in matched:
            if st not in sentence:
                st = min((w for w in sentence if self.equivalents.get(w) == st), default=st)
            out.append(st)
        return tuple(out)

    def stems_of(self, code: str) -> set[str]:
        """Every stem any term of the code (or of its category) uses."""
        found = self.code_stems.get(code, set())
        category = code[:3]
        return found | self.code_stems.get(category, set()) if category != code else found


def build_cm_dictionary(kb, release_id: str, profile: PhraseProfile | None = None) -> TermDictionary:
    """Descriptions and inclusion terms of every code and header, Alphabetic Index entries and the
    Neoplasm Table when installed, and the phrases and word equivalents of an opt-in ``profile``."""
    entries: list[tuple[str, str, str]] = []
    titles: dict[str, str] = {}
    for code, description, billable, seventh in kb.query(
        "SELECT code, description, billable, seventh FROM cm_nodes WHERE release_id = ? "
        "AND kind IN ('category', 'subcategory', 'code') AND (seventh IS NOT NULL OR seventh_from IS NULL) "
        "ORDER BY ord",
        (release_id,),
    ):
        titles[code] = description
        if description.lower().startswith("other ") and (
            not (billable or seventh) or len(content_stems(description)) <= 1
        ):
            # "Other hypertension" (a header) and "Other appendicitis" (K36) are catch-alls for kinds
            # the note must name, not what a bare "hypertension" or "appendicitis" means
            continue
        entries.append((code, description, "description"))
    for code, text in kb.query(
        "SELECT code, text FROM cm_notes WHERE release_id = ? AND type = 'inclusionTerm' ORDER BY code, ord",
        (release_id,),
    ):
        entries.append((code, text, "inclusion"))
    for path, code in kb.query(
        "SELECT path, code FROM cm_index WHERE release_id = ? AND kind = 'index' AND code IS NOT NULL ORDER BY ord",
        (release_id,),
    ):
        entries.append((code.rstrip("-").rstrip("."), path, "index"))
    # The Neoplasm Table, read the way a coder reads it: the site from the row, the behaviour from
    # the column; a note that names no behaviour gets "unspecified behavior" (D49.-).
    for path, code, column in kb.query(
        "SELECT path, code, col FROM cm_index WHERE release_id = ? AND kind = 'neoplasm' AND code IS NOT NULL "
        "ORDER BY ord",
        (release_id,),
    ):
        words = NEOPLASM_COLUMNS.get(column or "")
        if words is None:
            continue
        site = path.split(", ", 2)[-1] if path.startswith("Neoplasm, neoplastic, ") else path
        entries.append((code.rstrip("-").rstrip("."), f"neoplasm {words} {site}".strip(), "neoplasm"))
    if profile is None:
        return TermDictionary(entries, titles)
    for code, phrase in profile.terms():
        entries.append((code, phrase, "profile"))
    with profile_equivalents(profile):
        return TermDictionary(entries, titles, profile.stem_equivalents())


NEOPLASM_COLUMNS = {
    "Malignant Primary": "malignant",
    "Malignant Secondary": "secondary",
    "Ca in situ": "in situ",
    "Benign": "benign",
    "Uncertain Behavior": "uncertain behavior",
    "Unspecified Behavior": "",
}
