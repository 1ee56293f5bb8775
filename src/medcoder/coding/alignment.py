"""Sentence alignment of a coded history: which sentence of an encounter explains each of its codes.

A coded encounter says *which* codes its coders reported, not *where*.  Counting every phrase of
the encounter as evidence for every one of its codes (whole-document co-occurrence) ties "fever"
as much to the fracture as to the fever.  Alignment finds, for each reported code, the sentences
whose words best explain it, and counts only their phrases:

* a sentence where a code-set term of the code (title, inclusion term, index entry, lexicon) is
  matched explains it best, one matching a term of a sibling in its category next;
* otherwise, the sentences holding the phrases most associated with the code by document-level
  co-occurrence over the whole history (one EM-like step: the co-occurrence statistics pick the
  sentence, the sentence then gives the cleaner statistics) -- which is how wording the code set
  never uses ("picture of", "eupneic", a machine translation's false friends) is learned.

The phrase statistics are then those of ``training.associations`` with aligned sentences in
place of whole documents.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

EXACT = 2.0  # a term of the code itself (or of a header above it) matched in the sentence
CATEGORY = 1.0  # a term of another code of its 3-character category matched
KEEP = 0.75  # sentences scoring at least this share of the best one are aligned


@dataclass(slots=True)
class AlignedDocument:
    """One coded encounter: each sentence's phrase keys and the codes the term dictionary matched
    in it (headers included, as matched)."""

    sentences: list[set[str]]
    lexical: list[set[str]]

    @property
    def phrases(self) -> set[str]:
        return set().union(*self.sentences) if self.sentences else set()


def lexical_score(code: str, matched: set[str]) -> float:
    """How well the dictionary's matches in a sentence name ``code``."""
    best = 0.0
    for m in matched:
        if code == m or code.startswith(m):
            return EXACT
        if m[:3] == code[:3]:
            best = CATEGORY
    return best


def align(
    doc: AlignedDocument, codes: set[str], assoc: dict[str, list[tuple[str, float, int]]]
) -> dict[str, list[int]]:
    """For each code, the indices of the sentences that explain it (none when nothing does).

    ``assoc``: phrase -> [(code, P(code | phrase), documents)] from whole-document co-occurrence."""
    scores: dict[str, list[float]] = {code: [0.0] * len(doc.sentences) for code in codes}
    for i, (phrases, matched) in enumerate(zip(doc.sentences, doc.lexical, strict=True)):
        for code in codes:
            scores[code][i] = lexical_score(code, matched)
        best: dict[str, float] = {}
        for g in phrases:
            for code, p, _n in assoc.get(g, ()):
                if code in codes and p > best.get(code, 0.0):
                    best[code] = p
        for code, p in best.items():
            scores[code][i] += p
    out: dict[str, list[int]] = {}
    for code in sorted(codes):
        row = scores[code]
        top = max(row, default=0.0)
        if top > 0.0:
            out[code] = [i for i, s in enumerate(row) if s >= KEEP * top]
    return out


def aligned_counts(
    docs: list[AlignedDocument], gold_sets: list[set[str]], assoc: dict[str, list[tuple[str, float, int]]]
) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Documents per phrase, and documents per (phrase, code) where the phrase is in a sentence
    aligned to the code."""
    n_g: Counter[str] = Counter()
    n_gc: Counter[tuple[str, str]] = Counter()
    for doc, gold in zip(docs, gold_sets, strict=True):
        n_g.update(doc.phrases)
        for code, rows in align(doc, gold, assoc).items():
            seen: set[str] = set()
            for i in rows:
                seen |= doc.sentences[i]
            for g in seen:
                n_gc[(g, code)] += 1
    return n_g, n_gc
