"""Diseases of the ear and mastoid process (OCG I.C.8; issue 9).

* Index "Otitis, media, suppurative, acute H66.00- -> with rupture of ear drum H66.01-": acute
  suppurative otitis media with a spontaneous rupture (perforation) of the tympanic membrane is one
  combination code (I.B.9), with the side in its 6th character (I.B.13); the perforation is not coded
  apart (H72 Excludes1: acute suppurative otitis media with rupture of the tympanic membrane,
  H66.01-), and "suppurative otitis media, unspecified" (H66.4-) is not reported beside the acute
  code of the same ear.
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate, Mention
from medcoder.coding.guidelines import Context, _drop, rule

RUPTURE_ID = "ocg.I.C.8.otitis_rupture.v1"

_RUPTURE = re.compile(
    r"\b(?:rupture[ds]?|perforat\w*)\b(?:\s+of)?(?:\s+(?:the|her|his|right|left))*\s+"
    r"(?:tympanic\s+membranes?|tms?|ear\s*drums?)\b|"
    r"\b(?:ruptured|perforated)\s+(?:tympanic\s+membranes?|tms?|ear\s*drums?)\b|\bwith\s+(?:spontaneous\s+)?"
    r"(?:rupture|perforation)\b",
    re.IGNORECASE,
)


_MAY = re.compile(r"\b(?:may|might|could|would|if|return\s+for|signs?\s+of|watch\s+for|counsel\w*)\b", re.IGNORECASE)


def _live(cand: Candidate) -> list[Mention]:
    return [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]


def _clause(ctx: Context, m: Mention) -> tuple[int, int, str]:
    document = ctx.analyzed.document(m.document_id)
    start, end = document.sentence_at(m.start)
    return start, end, document.text[start:end]


@rule(
    RUPTURE_ID,
    "I.C.8, I.B.9 (Index: Otitis, media, suppurative, acute -> with rupture of ear drum H66.01-)",
    "acute suppurative otitis media with spontaneous rupture of the tympanic membrane is H66.01-",
    before="ocg.I.A.12.a",
)
def _otitis_rupture(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in [c for c in cands if c.code.startswith("H66.00")]:
        spans = []
        for m in _live(cand):
            start, end, text = _clause(ctx, m)
            match = _RUPTURE.search(text)
            if match is None or re.search(
                r"\b(?:no|without|intact)\b", text[max(0, match.start() - 25) : match.start()], re.I
            ):
                continue
            said = ctx.analyzed.document(m.document_id).assess((start + match.start(), start + match.end()))
            if said.negated or said.hypothetical or said.uncertain or _MAY.search(text[: match.start()]):
                continue  # "return for drainage, which may indicate rupture of the tympanic membrane"
            spans.append((m.document_id, start, end))
        if not spans:
            continue
        target = "H66.01" + cand.code[6:]
        node = ctx.index.get(target)
        if node is None or not node.billable:
            continue
        cand.steps.append(
            f"{cand.code} -> {target} ({node.description}): with spontaneous rupture of the ear drum "
            "(Index: Otitis, media, suppurative, acute -> with rupture of ear drum, OCG I.B.9)"
        )
        cand.matched.add(cand.code)
        cand.code = target
        cand.rules.append(RUPTURE_ID)
        for other in list(cands):
            if other is cand or not other.code.startswith(("H72", "H66.4", "H66.9")):
                continue
            if all(any(n.document_id == d and s <= n.start < e for d, s, e in spans) for n in other.mentions):
                _drop(cands, ctx, other, RUPTURE_ID, f"included in {target} (OCG I.B.9; H72 Excludes1 H66.01-)")
    return cands
