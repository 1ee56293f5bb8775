"""The reason for the admission or the visit, where a note states it in its narrative (OCG II, IV.A).

* II: the principal diagnosis is "that condition established after study to be chiefly responsible
  for occasioning the admission of the patient to the hospital for care".
* IV.A: the first-listed diagnosis is the "diagnosis, condition, problem, or other reason for
  encounter/visit shown in the medical record to be chiefly responsible for the services provided".

A short note with no diagnostic statement (no discharge, postoperative or final diagnoses, no
assessment) often says it in so many words: "Admitted for pneumonia", "Visit for acute sinusitis".
That condition is then sequenced first -- a diagnosis, not a sign or symptom (II.A, IV.D), and with
any code the Tabular List puts before it ("use additional code" / "code first", I.A.13: I11.0
before its I50.-).
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate
from medcoder.coding.guidelines import Context, _note_refs, ref_covers, rule

REASON_ID = "ocg.II.reason.v1"

# sections that hold the provider's diagnostic statement: when one names a code, it decides
_STATEMENT = frozenset({"diagnoses", "postoperative_diagnosis", "preoperative_diagnosis", "assessment_plan"})
_ADMITTED = re.compile(
    r"\b(?:admitted|admission|hospitali[sz]ed|readmitted)\s+(?:to\s+(?:the\s+)?(?:hospital|floor|icu|ward)\s+)?"
    r"(?:for|with\s+a\s+diagnosis\s+of)\s+(?:(?:an?|the|his|her|presumed|management\s+of|treatment\s+of)\s+){0,2}$",
    re.IGNORECASE,
)
_VISIT = re.compile(
    r"\b(?:visit|seen|here|presents|presenting|appointment|evaluation|encounter)\s+(?:today\s+)?for\s+"
    r"(?:(?:an?|the|his|her|management\s+of|treatment\s+of)\s+){0,2}$",
    re.IGNORECASE,
)
_SYMPTOM_OR_STATUS = ("R", "Z")


@rule(
    REASON_ID,
    "II, IV.A (the condition that occasioned the admission / the reason for the visit)",
    "without a diagnostic statement, the diagnosis the note says the patient was admitted or seen for comes first",
    stage="sequence",
)
def _reason_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None or len(ordered) < 2:
        return ordered
    if any(m.section in _STATEMENT for c in ordered for m in c.mentions if m.affirmed):
        return ordered
    pattern = _ADMITTED if ctx.setting == "inpatient" else _VISIT
    reasons = []
    for cand in ordered:
        if cand.code.startswith(_SYMPTOM_OR_STATUS):
            continue
        for m in cand.mentions:
            if m.negated or m.family or m.hypothetical or m.historical:
                continue
            document = ctx.analyzed.document(m.document_id)
            start, _ = document.sentence_at(m.start)
            # the words before the condition, allowing its own modifiers ("for acute heart failure")
            before = document.text[max(start, m.start - 80) : m.start]
            before = re.sub(r"(?:\b(?:acute|chronic|severe|mild|recurrent|bilateral|left|right)\s+)+$", "", before)
            if pattern.search(before):
                reasons.append((m.document_id, m.start, cand))
                break
    if not reasons:
        return ordered
    reason = min(reasons, key=lambda r: (r[0], r[1]))[2]
    # the Tabular List's own order around it: a code whose "use additional code" asks for it, or the
    # etiology its "code first" names, stays ahead of it (I.A.13)
    ahead = [
        c
        for c in ordered
        if c is not reason
        and (
            any(ref_covers(r, reason.code) for r in _note_refs(ctx, c.code, "useAdditionalCode"))
            or any(ref_covers(r, c.code) for r in _note_refs(ctx, reason.code, "codeFirst"))
        )
    ]
    first = ahead[0] if ahead else reason
    if ordered[0] is first:
        return ordered
    ordered.remove(first)
    ordered.insert(0, first)
    first.rules.append(REASON_ID)
    what = "the patient was admitted for" if ctx.setting == "inpatient" else "the visit was for"
    first.steps.append(f"first: the note says {what} {reason.code} (OCG II, IV.A)")
    return ordered
