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
    anchored: bool = True  # the term's most distinctive word is among them


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

    def __init__(self, entries: list[tuple[str, str, str]], context: dict[str, str] | None = None) -> None:
        """``context``: code -> title, for inclusion terms that only make sense under their code."""
        prepared = []
        df: dict[str, int] = defaultdict(int)
        for code, text, source in entries:
            stems = canonical(content_stems(text))
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
                title_stems = [s for s in canonical(content_stems(title)) if s in self.idf]
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
            # without its most distinctive word ("ocular" in ocular hypertension) a match is weak
            out[i].append(
                TermMatch(
                    term, float(g) / term.total, tuple(st for st in term.stems if st in stems), term.stems[0] in stems
                )
            )
        return out

    def stems_of(self, code: str) -> set[str]:
        """Every stem any term of the code (or of its category) uses."""
        found = self.code_stems.get(code, set())
        category = code[:3]
        return found | self.code_stems.get(category, set()) if category != code else found


def build_cm_dictionary(kb, release_id: str) -> TermDictionary:
    """Descriptions and inclusion terms of every code and header, Alphabetic Index entries when
    installed, and the project lexicon."""
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
    for code, phrase in lexicon_terms():
        entries.append((code, phrase, "lexicon"))
    return TermDictionary(entries, titles)


NEOPLASM_COLUMNS = {
    "Malignant Primary": "malignant",
    "Malignant Secondary": "secondary",
    "Ca in situ": "in situ",
    "Benign": "benign",
    "Uncertain Behavior": "uncertain behavior",
    "Unspecified Behavior": "",
}
