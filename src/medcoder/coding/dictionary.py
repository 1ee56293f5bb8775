"""The term dictionary: every way the code set (and the project lexicon) names a condition,
reduced to content stems, with an index for matching whole sentences quickly.

A term matches a sentence when its rarest stems are present and enough of its weighted stems are
(``coverage``); the weights are inverse term frequencies over the dictionary, so "orchiepididymitis"
counts for more than "disease".  Matching is by bag of stems within a sentence: word order,
plurals and the phrasing of machine-translated notes matter less than with exact phrases.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from medcoder.coding.text import content_stems


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


@lru_cache(maxsize=1)
def stem_synonyms() -> dict[str, str]:
    """Stem equivalences (``renal`` -> ``kidney``) from the project lexicon, as stems."""
    from medcoder.coding.text import stem

    raw = json.loads(resources.files("medcoder").joinpath("data/cm_synonyms.json").read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for word, canonical in raw["word_equivalents"].items():
        out[stem(word)] = stem(canonical)
    return out


@lru_cache(maxsize=1)
def lexicon_terms() -> list[tuple[str, str]]:
    """(code, phrase) pairs authored in the project: clinical wording the code titles do not use."""
    raw = json.loads(resources.files("medcoder").joinpath("data/cm_synonyms.json").read_text(encoding="utf-8"))
    return [(code, phrase) for code, phrases in sorted(raw["phrases"].items()) for phrase in phrases]


def canonical(stems: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    syn = stem_synonyms()
    out: list[str] = []
    for s in stems:
        c = syn.get(s, s)
        if c not in out:
            out.append(c)
    return tuple(out)


class TermDictionary:
    """Terms by code, with an anchor index: each term is filed under its two rarest stems."""

    def __init__(self, entries: list[tuple[str, str, str]]) -> None:
        prepared = []
        df: dict[str, int] = defaultdict(int)
        for code, text, source in entries:
            stems = canonical(content_stems(text))
            if not stems:
                continue
            prepared.append((code, text, source, stems))
            for s in stems:
                df[s] += 1
        n = max(len(prepared), 1)
        self.idf = {s: math.log(1 + n / c) for s, c in df.items()}
        self.terms: list[Term] = []
        self.anchors: dict[str, list[int]] = defaultdict(list)
        self.code_stems: dict[str, set[str]] = defaultdict(set)
        for code, text, source, stems in prepared:
            weights = tuple(self.idf[s] for s in stems)
            term = Term(code, text, source, stems, weights, sum(weights))
            idx = len(self.terms)
            self.terms.append(term)
            self.code_stems[code].update(stems)
            ranked = sorted(range(len(stems)), key=lambda i: -weights[i])
            for i in ranked[:2]:
                self.anchors[stems[i]].append(idx)

    def stems_of(self, code: str) -> set[str]:
        """Every stem any term of the code (or of its category) uses."""
        found = self.code_stems.get(code, set())
        category = code[:3]
        return found | self.code_stems.get(category, set()) if category != code else found

    def match(self, stems: set[str], min_coverage: float = 0.6) -> list[TermMatch]:
        """Terms whose weighted stems are covered by a sentence's stems."""
        seen: set[int] = set()
        out: list[TermMatch] = []
        for s in stems:
            for idx in self.anchors.get(s, ()):
                if idx in seen:
                    continue
                seen.add(idx)
                term = self.terms[idx]
                got = 0.0
                matched = []
                for st, w in zip(term.stems, term.weights, strict=True):
                    if st in stems:
                        got += w
                        matched.append(st)
                coverage = got / term.total
                if coverage >= min_coverage:
                    out.append(TermMatch(term, coverage, tuple(matched)))
        return out


def build_cm_dictionary(kb, release_id: str) -> TermDictionary:
    """Descriptions and inclusion terms of every code and header, Alphabetic Index entries when
    installed, and the project lexicon."""
    entries: list[tuple[str, str, str]] = []
    for code, description in kb.query(
        "SELECT code, description FROM cm_nodes WHERE release_id = ? "
        "AND kind IN ('category', 'subcategory', 'code') AND (seventh IS NOT NULL OR seventh_from IS NULL) "
        "ORDER BY ord",
        (release_id,),
    ):
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
    for code, phrase in lexicon_terms():
        entries.append((code, phrase, "lexicon"))
    return TermDictionary(entries)
