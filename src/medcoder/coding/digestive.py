"""Diseases of the digestive system (OCG I.C.11; issue 9).

* I.A.15, I.B.9: the K57 codes name the bleeding -- "Diverticulosis of large intestine without
  perforation or abscess with bleeding" (K57.31); Index: "Diverticulosis, large intestine -> with
  bleeding K57.31".  A diverticular disease documented with bleeding is its "with bleeding" code,
  and the bleeding the combination code includes (hemorrhage NEC R58, rectal bleeding K62.5,
  hematochezia / melena K92.1, GI hemorrhage K92.2) is not coded apart (I.B.5, I.B.9).
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate, Mention
from medcoder.coding.guidelines import Context, _drop, rule

WITH_BLEEDING_ID = "ocg.I.C.11.with_bleeding.v1"
_BLEEDING = re.compile(r"\b(?:bleed\w*|hemorrhag\w*|haemorrhag\w*)\b", re.IGNORECASE)
_NOT = re.compile(r"\b(?:no|not|without|denies|negative for|free of)\b(?:\s+\w+){0,3}\s*$", re.IGNORECASE)
# the bleeding itself, which the "with bleeding" code includes
_INCLUDED_BLEEDING = ("R58", "K62.5", "K92.1", "K92.2")


def _live(cand: Candidate) -> list[Mention]:
    return [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]


def _bleeding_in_clause(ctx: Context, m: Mention) -> bool:
    """'diverticulosis of the sigmoid colon with bleeding', 'bleeding diverticulosis': the bleeding
    word in the mention's clause (up to a semicolon or the sentence end), not negated."""
    document = ctx.analyzed.document(m.document_id)
    start, end = document.sentence_at(m.start)
    lo = max(start, m.start - 25)
    before = re.split(r"[;:]", document.text[lo : m.start])[-1]
    after = re.split(r"[;.]|,\s*(?:no|not|without)\b", document.text[m.end : min(end, m.end + 60)])[0]
    for text in (before, m.text, after):
        for match in _BLEEDING.finditer(text):
            if not _NOT.search(text[: match.start()]):
                return True
    return False


@rule(
    WITH_BLEEDING_ID,
    "I.A.15, I.B.9 (Index: Diverticulosis -> with bleeding; the K57 'with bleeding' codes)",
    "a disease 'without bleeding' documented with bleeding is its 'with bleeding' sibling; the bleeding is included",
    before="ocg.I.B.5",
)
def _with_bleeding(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        node = ctx.index.get(cand.code)
        if node is None or not node.description.endswith(" without bleeding") or node.parent is None:
            continue
        if not any(_bleeding_in_clause(ctx, m) for m in _live(cand)):
            continue
        wanted = node.description[: -len(" without bleeding")] + " with bleeding"
        parent = ctx.index.get(node.parent)
        sibling = next(
            (
                s
                for s in (ctx.index.get(c) for c in (parent.children if parent else []))
                if s and s.description == wanted
            ),
            None,
        )
        if sibling is None or not sibling.billable or any(c.code == sibling.code for c in cands):
            continue
        cand.steps.append(
            f"{cand.code} -> {sibling.code} ({sibling.description}): documented with bleeding (OCG I.A.15, I.B.9)"
        )
        cand.matched.add(cand.code)
        cand.code = sibling.code
        cand.rules.append(WITH_BLEEDING_ID)
        for other in [c for c in cands if c.code.startswith(_INCLUDED_BLEEDING)]:
            cand.mentions.extend(m for m in other.mentions if m not in cand.mentions)
            _drop(cands, ctx, other, WITH_BLEEDING_ID, f"the bleeding is included in {sibling.code} (OCG I.B.5, I.B.9)")
    return cands
