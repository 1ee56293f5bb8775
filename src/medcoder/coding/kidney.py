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


# --- I.A.13, I.C.14: BPH with LUTS and the symptoms its note asks for ------------------------------------------

ASSOCIATED_SYMPTOMS_ID = "ocg.I.C.14.associated-symptoms.v1"
# the rules that remove a symptom as explained by (integral to) a diagnosis
_EXPLAINING_RULES = ("ocg.IV.D.symptoms", "ocg.I.B.5")


@rule(
    ASSOCIATED_SYMPTOMS_ID,
    "I.A.13, I.C.14 (N40.1 / N40.3: 'use additional code for associated symptoms, when specified' -- nocturia "
    "R35.1, frequency R35.0, weak stream R39.12, retention R33.8 ...)",
    "a symptom the diagnosis's 'use additional code for associated symptoms' note lists is coded beside it, not "
    "dropped as explained by it",
)
def _associated_symptoms(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # Benign prostatic hyperplasia with lower urinary tract symptoms (N40.1) is the combination code, yet
    # its note asks for the symptoms themselves when specified: they are not integral to it (I.B.5 gives
    # way to the classification's instruction, I.A.13).  A symptom the symptom rules removed as explained
    # by the diagnosis comes back when a code the record keeps asks for it in such a note.
    askers = []
    for cand in cands:
        node = ctx.kb.cm(cand.code, release_id=ctx.index.release_id)  # type: ignore[attr-defined]
        notes = ctx.kb.cm_notes(node) if node else []  # type: ignore[attr-defined]
        if any(n.type == "useAdditionalCode" and "associated symptoms" in n.text.lower() for n in notes):
            askers.append(cand)
    if not askers:
        return cands
    for victim, rule_id in list(ctx.removed):
        if not rule_id.startswith(_EXPLAINING_RULES) or victim in cands:
            continue
        if not any(m.affirmed and not m.historical for m in victim.mentions):
            continue
        asker = next(
            (
                a
                for a in askers
                if any(ref_covers(r, victim.code) for r in _note_refs(ctx, a.code, "useAdditionalCode"))
            ),
            None,
        )
        if asker is None:
            continue
        ctx.removed.remove((victim, rule_id))
        victim.rules.append(ASSOCIATED_SYMPTOMS_ID)
        victim.steps.append(
            f"coded: {asker.code}'s note asks for its associated symptoms when specified (OCG I.A.13, I.C.14)"
        )
        cands.append(victim)
    return cands
