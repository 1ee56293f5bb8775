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


# --- I.C.10.a.1: COPD in exacerbation with a lower respiratory infection -----------------------------------------

COPD_INFECTION_ID = "ocg.I.C.10.a.1.infection.v1"
# the lower respiratory infections of "Disease, lung, obstructive (chronic) -> with (acute) lower
# respiratory infection J44.0": influenza with pneumonia or lower respiratory manifestations,
# pneumonia, acute bronchitis, acute bronchiolitis, unspecified acute lower respiratory infection
_LOWER_INFECTIONS = ("J09", "J10", "J11", "J12", "J13", "J14", "J15", "J16", "J17", "J18", "J20", "J21", "J22")


@rule(
    COPD_INFECTION_ID,
    "I.C.10.a.1 (an acute exacerbation is not equivalent to an infection superimposed on a chronic condition); "
    "Tabular J44.0 (code also to identify the infection)",
    "COPD in exacerbation with a lower respiratory infection: J44.1 and J44.0, with the infection's code",
)
def _copd_exacerbation_with_infection(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # "COPD exacerbation with acute bronchitis": the exacerbation is J44.1; the infection on the
    # COPD is J44.0 (Index: Disease, lung, obstructive -> with (acute) lower respiratory infection)
    # with its own code (J20.9), as J44.0's "code also" asks.  The two J44 codes are not exclusive:
    # an exacerbation "may be triggered by an infection" without being one (I.C.10.a.1).
    exacerbation = next((c for c in cands if c.code == "J44.1" and _live_any(c)), None)
    if exacerbation is None or any(c.code == "J44.0" for c in cands) or ctx.index.get("J44.0") is None:
        return cands
    infection = next(
        (c for c in cands if c.code.startswith(_LOWER_INFECTIONS) and any(m.affirmed for m in c.mentions)), None
    )
    if infection is None:
        return cands
    made = Candidate(
        "J44.0",
        matched={"J44.0", exacerbation.code, infection.code},
        mentions=list(exacerbation.mentions) + list(infection.mentions),
        features=dict(exacerbation.features),
    )
    made.confidence = min(exacerbation.confidence, infection.confidence)
    made.rules.append(COPD_INFECTION_ID)
    made.steps.append(
        f"COPD ({exacerbation.code}) with the lower respiratory infection {infection.code} -> J44.0 "
        "(Disease, lung, obstructive -> with (acute) lower respiratory infection); J44.1 stays for the "
        "exacerbation, the infection's code after J44.0 (OCG I.C.10.a.1, Tabular J44.0 code also)"
    )
    cands.append(made)
    infection.rules.append(COPD_INFECTION_ID)
    infection.steps.append("kept after J44.0, which asks for the infection's code (OCG I.A.13)")
    return cands


def _live_any(cand: Candidate) -> bool:
    return any(not (m.negated or m.family or m.hypothetical) for m in cand.mentions)
