"""Dialysis status with end-stage renal disease (OCG I.A.13, I.C.14.a, I.C.21.c.3; issue 9).

N18.6 (and the hypertensive and diabetic codes with ESRD) say "use additional code to identify
dialysis status (Z99.2)": a patient the record documents as on maintenance dialysis gets Z99.2 beside
them.  The status is read from the record's words ("on hemodialysis three times weekly"), not from a
dialysis the encounter itself performs for an acute condition.
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate, Mention
from medcoder.coding.guidelines import Context, _note_refs, ref_covers, rule

DIALYSIS_ID = "ocg.I.C.14.a.dialysis.v1"
_ON_DIALYSIS = re.compile(
    r"\b(?:on|receiving|undergoing|maintenance|maintained on|chronic|dependent on|requires|requiring)\s+"
    r"(?:\w+\s+){0,2}(?:hemodialysis|peritoneal dialysis|dialysis|hd|pd)\b|"
    r"\b(?:hemodialysis|dialysis)[- ]dependent\b|\b(?:hemodialysis|dialysis)\s+(?:\w+\s+){0,2}(?:times|x)\s*"
    r"(?:\w+\s+)?(?:weekly|a week|per week)\b",
    re.I,
)


@rule(
    DIALYSIS_ID,
    "I.A.13, I.C.14.a, I.C.21.c.3 (ESRD: use additional code to identify dialysis status Z99.2)",
    "a code whose note asks for the dialysis status gets Z99.2 when the record says the patient is on dialysis",
)
def _dialysis(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None or any(c.code == "Z99.2" for c in cands) or ctx.index.get("Z99.2") is None:
        return cands
    asking = next(
        (c for c in cands if any(ref_covers(r, "Z99.2") for r in _note_refs(ctx, c.code, "useAdditionalCode"))),
        None,
    )
    if asking is None:
        return cands
    for document in ctx.analyzed.documents:
        for match in _ON_DIALYSIS.finditer(document.text):
            assertion = document.assess((match.start(), match.end()))
            if assertion.negated or assertion.hypothetical or assertion.family or assertion.uncertain:
                continue
            section = document.section_at(match.start())
            mention = Mention(
                document_id=document.document_id,
                start=match.start(),
                end=match.end(),
                text=match.group(0),
                source="guideline",
                term="dependence on renal dialysis",
                score=1.0,
                section=section.name,
            )
            made = Candidate("Z99.2", matched={"Z99.2"}, mentions=[mention], features=dict(asking.features))
            made.confidence = asking.confidence
            made.rules.append(DIALYSIS_ID)
            made.steps.append(
                f"{match.group(0)!r}: dialysis status Z99.2, which {asking.code}'s 'use additional code' note asks for "
                "(OCG I.A.13, I.C.14.a)"
            )
            cands.append(made)
            return cands
    return cands
