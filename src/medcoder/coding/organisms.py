"""The infectious agent of an infection coded elsewhere (OCG I.C.1.b, I.C.1.c; categories B95-B97,
Z16).

I.C.1.b: "Certain infections are classified in chapters other than Chapter 1 and no organism is
identified as part of the infection code.  In these instances, it is necessary to use an additional
code from Chapter 1 to identify the organism" -- the tabular says so with a "use additional code
(B95-B97) to identify infectious agent" note (L03 cellulitis, N39.0 urinary tract infection, J95.851
ventilator associated pneumonia ...).  When the documentation names the organism (the culture grew
it, "due to E. coli"), the B95-B96 code of that organism follows the infection.  I.C.1.c: an
infection with a drug-resistant organism also gets the Z16 resistance code, unless the infection
code already says so (MRSA: B95.62 includes the resistance).
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate, Mention
from medcoder.coding.features import fact_confidence
from medcoder.coding.guidelines import Context, _note_refs, rule

ORGANISM_ID = "ocg.I.C.1.b.organism.v2"

# organism (the attribute's normalised name) -> code, from the tabular titles of B95-B96
ORGANISM_CODES = {
    "streptococcus group a": "B95.0",
    "streptococcus group b": "B95.1",
    "enterococcus": "B95.2",
    "streptococcus pneumoniae": "B95.3",
    "streptococcus": "B95.5",
    "mssa": "B95.61",
    "staphylococcus aureus": "B95.61",
    "mrsa": "B95.62",
    "coagulase-negative staphylococcus": "B95.7",
    "staphylococcus": "B95.8",
    "mycoplasma pneumoniae": "B96.0",
    "klebsiella": "B96.1",
    "haemophilus influenzae": "B96.3",
    "e. coli": "B96.20",
    "pseudomonas": "B96.5",
    "helicobacter pylori": "B96.81",
}
_PROTEUS = re.compile(r"\bproteus(?:\s+mirabilis)?\b", re.IGNORECASE)
# drug resistance the organism code does not carry (I.C.1.c; Z16.- titles)
_RESISTANCE = (
    (re.compile(r"\b(?:extended[\s-]spectrum\s+beta[\s-]lactamase|ESBL)\b", re.IGNORECASE), "Z16.12"),
    (re.compile(r"\b(?:vancomycin[\s-]resistant|VRE)\b"), "Z16.21"),
    (re.compile(r"\bcarbapenem[\s-]resistant\b|\bCRE\b"), "Z16.19"),
)
_AGENT_NOTE = re.compile(r"^B9[5-7]")


def _asks_for_agent(ctx: Context, code: str) -> bool:
    refs = _note_refs(ctx, code, "useAdditionalCode")
    return any(_AGENT_NOTE.match(r.replace(".", "")) for r in refs)


def _organism(ctx: Context, m: Mention) -> tuple[str, str, int, int, int, int] | None:
    """(name, code, start, end, sentence start, sentence end) of the organism the mention's
    sentence -- or the next one, where the culture result usually is -- names; start and end are
    the organism's own words."""
    document = ctx.analyzed.document(m.document_id)
    start, end = document.sentence_at(m.start)
    spans = [(start, end)]
    if end < len(document.text):
        spans.append(document.sentence_at(end + 1))
    for s_start, s_end in spans:
        attributes = document.attributes((s_start, s_end))
        name = getattr(attributes, "organism", None)
        if name in ORGANISM_CODES:
            cue = next((c for c in getattr(attributes, "cues", ()) if c[0] == "organism"), None)
            if cue is not None and document.text[cue[2] : cue[3]] == cue[1]:
                return name, ORGANISM_CODES[name], cue[2], cue[3], s_start, s_end
            return name, ORGANISM_CODES[name], s_start, s_end, s_start, s_end
        match = _PROTEUS.search(document.text, s_start, s_end)
        if match:
            return "proteus", "B96.4", match.start(), match.end(), s_start, s_end
    return None


@rule(ORGANISM_ID, "I.C.1.b, I.C.1.c", "the organism (B95-B96) and resistance (Z16) of an infection coded elsewhere")
def _organisms(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        if not _asks_for_agent(ctx, cand.code):
            continue
        live = [m for m in cand.mentions if m.affirmed]
        found = next((o for m in live if (o := _organism(ctx, m)) is not None), None)
        if found is None:
            continue
        name, code, o_start, o_end, s_start, s_end = found
        document = ctx.analyzed.document(live[0].document_id)
        spans = {code: (o_start, o_end)}
        for pattern, z in _RESISTANCE:
            match = pattern.search(document.text, s_start, s_end)
            # v2: vancomycin-resistant Enterococcus is B95.2 and Z16.21 -- no code names the resistance
            if match:
                spans[z] = (match.start(), match.end())
        added = list(spans)
        for new in added:
            if ctx.index.get(new) is None or any(c.code == new for c in cands):
                continue
            w_start, w_end = spans[new]
            mention = Mention(
                document_id=document.document_id,
                start=w_start,
                end=w_end,
                text=document.text[w_start:w_end],
                source="index",
                term=name if new == code else "drug resistance",
                score=1.0,
                section=live[0].section,
                words=1,
                share=live[0].share,
            )
            extra = Candidate(new, matched={new}, mentions=[mention])
            extra.confidence = min(cand.confidence, fact_confidence(extra))
            extra.rules.append(ORGANISM_ID)
            what = f"the organism {name}" if new == code else "the organism's drug resistance"
            extra.steps.append(
                f"{what} of {cand.code}, whose 'use additional code (B95-B97)' note asks for it -> {new} "
                "(OCG I.C.1.b, I.C.1.c)"
            )
            cands.append(extra)
        if ORGANISM_ID not in cand.rules:
            cand.rules.append(ORGANISM_ID)
            cand.steps.append(f"its infectious agent follows it: {', '.join(added)} (OCG I.C.1.b)")
    return cands
