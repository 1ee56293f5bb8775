"""OCG I.B.2-3 (level of detail): of codes in one category drawn from the same words, report the
one the documentation supports best, not every sibling the words partly match."""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate
from medcoder.coding.guidelines import Context, _drop, rule


def _strength(cand: Candidate) -> tuple[int, float, float]:
    """How much of the note's wording a candidate accounts for: matched words, then coverage."""
    best = max((m for m in cand.mentions if m.source != "learned"), key=lambda m: (m.words, m.score), default=None)
    if best is None:
        return (0, 0.0, cand.confidence)
    return (best.words, round(best.score, 6), cand.confidence)


_OTHER = re.compile(r"^other\b|\bother specified\b")


def _is_other(cand: Candidate, ctx: Context) -> bool:
    """A residual "other (specified)" code: right only when the note names the kind."""
    node = ctx.index.get(cand.code)
    return node is not None and bool(_OTHER.search(node.description.lower()))


def _overlap(a: Candidate, b: Candidate) -> bool:
    return any(
        m.document_id == n.document_id and m.start < n.end and n.start < m.end for m in a.mentions for n in b.mentions
    )


@rule("ocg.I.B.3.specificity.v1", "I.B.2-3", "one code per condition: the sibling the words support best")
def _specificity(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    by_category: dict[str, list[Candidate]] = {}
    for cand in cands:
        by_category.setdefault(cand.code[:3], []).append(cand)
    for siblings in by_category.values():
        if len(siblings) < 2:
            continue
        # stronger first; on a tie the "unspecified" code before an "other specified" one the note
        # does not actually specify
        siblings.sort(key=lambda c: (_strength(c)[:2], not _is_other(c, ctx), c.confidence), reverse=True)
        kept: list[Candidate] = []
        for cand in siblings:
            beaten_by = next((k for k in kept if _beats(k, cand, ctx)), None)
            if beaten_by is not None:
                _drop(cands, ctx, cand, "ocg.I.B.3.specificity.v1", f"{beaten_by.code} matches the same words better")
            else:
                kept.append(cand)
    return cands


def _beats(winner: Candidate, cand: Candidate, ctx: Context) -> bool:
    """Compare the two on the words they share: the mentions of each that overlap the other's."""
    pairs = [
        (n, m)
        for m in _lexical(cand)
        for n in _lexical(winner)
        if n.document_id == m.document_id and n.start < m.end and m.start < n.end
    ]
    if not pairs:
        return False
    best_w = max((n.words, round(n.score, 6)) for n, _ in pairs)
    best_c = max((m.words, round(m.score, 6)) for _, m in pairs)
    return best_w > best_c or (best_w == best_c and _is_other(cand, ctx) and not _is_other(winner, ctx))


def _additional_refs(ctx: Context, code: str) -> list[str]:
    """Partners the classification asks for beside this code: "use additional", "code also", and
    the etiology a manifestation's "code first" names (G30.9 under F02.80, OCG I.A.13)."""
    from medcoder.coding.guidelines import _note_refs

    return [r for kind in ("useAdditionalCode", "codeAlso", "codeFirst") for r in _note_refs(ctx, code, kind)]


def _lexical(cand: Candidate) -> list:
    return [m for m in cand.mentions if m.source != "learned"]


@rule("ocg.I.B.3.subsumed.v1", "I.B.2-3, I.B.9", "a code whose words are all inside a fuller match is not separate")
def _subsumed(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # "Type 2 diabetes mellitus with diabetic polyneuropathy" is E11.42, not also G62.9 for its last
    # word; but "use additional code" partners (N18.32 under I12.9) stay.
    from medcoder.coding.guidelines import ref_covers

    for cand in sorted(cands, key=lambda c: _strength(c)[:2]):
        mine = _lexical(cand)
        if not mine or cand not in cands:
            continue
        for other in cands:
            if other is cand:
                continue
            theirs = _lexical(other)
            inside = all(
                any(
                    n.document_id == m.document_id
                    and n.start <= m.start
                    and m.end <= n.end
                    and n.words > m.words
                    and n.anchored
                    and n.score >= 0.999  # only a full match of the larger term subsumes
                    for n in theirs
                )
                for m in mine
            )
            if inside and not any(ref_covers(r, cand.code) for r in _additional_refs(ctx, other.code)):
                _drop(cands, ctx, cand, "ocg.I.B.3.subsumed.v1", f"its words are part of {other.code} (OCG I.B.2-3)")
                break
    return cands
