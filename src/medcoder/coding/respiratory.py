"""Influenza due to an identified virus (OCG I.C.10.c).

I.C.10.c: "Code only confirmed cases of influenza due to certain identified influenza viruses
(category J09), and due to other identified influenza virus (category J10).  This is an exception
to the hospital inpatient guideline Section II, H. (Uncertain Diagnosis).  In this context,
'confirmation' does not require documentation of positive laboratory testing specific for avian or
other novel influenza A or other identified influenza virus.  However, coding should be based on the
provider's diagnostic statement that the patient has ... other identified influenza virus.  If the
provider records 'suspected' or 'possible' or 'probable' ... other identified influenza, then the
appropriate influenza code from category J11, Influenza due to unidentified influenza virus, should
be assigned."

"Influenza A" or "influenza B" names the virus: the J11 code a plain "influenza" wording reaches
becomes its J10 counterpart (J11.00 -> J10.00, J11.1 -> J10.1 ...), unless the statement is uncertain.
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate
from medcoder.coding.guidelines import Context, _drop, rule

IDENTIFIED_ID = "ocg.I.C.10.c.identified.v1"

# "influenza A", "influenza type B", "flu A (H3N2)", "influenza A/H1N1": the virus typed; the letter
# is upper case in notes (a lower-case "a" is the article: "influenza a week ago")
_TYPED = re.compile(r"^\s*(?:(?i:type)\s+)?(?:A|B)\b|^\s*\(?(?i:H\d+N\d+)\b")


@rule(
    IDENTIFIED_ID,
    "I.C.10.c",
    "influenza stated as type A or B (identified virus) is J10, not J11 (unidentified), unless uncertain",
)
def _identified(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in [c for c in cands if c.code.startswith("J11")]:
        live = [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]
        typed = False
        for m in live:
            if m.uncertain:
                continue
            document = ctx.analyzed.document(m.document_id)
            at = m.text.lower().rfind("influenza")
            if at < 0:
                continue
            end = m.start + at + len("influenza")
            if _TYPED.match(document.text[end : end + 20]):
                typed = True
        if not typed:
            continue
        code = "J10" + cand.code[3:]
        node = ctx.index.get(code)
        if node is None or not node.billable:
            continue
        existing = next((c for c in cands if c.code == code), None)
        if existing is not None:
            existing.mentions.extend(cand.mentions)
            existing.rules.append(IDENTIFIED_ID)
            _drop(cands, ctx, cand, IDENTIFIED_ID, f"the virus is identified: {code} (OCG I.C.10.c)")
            continue
        cand.steps.append(f"{cand.code} -> {code} ({node.description}): the influenza virus is typed (OCG I.C.10.c)")
        cand.matched.add(cand.code)
        cand.code = code
        cand.rules.append(IDENTIFIED_ID)
    return cands
