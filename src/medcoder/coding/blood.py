"""Blood and blood-forming organs (OCG I.C.3) with the adverse effect of chemotherapy (I.C.2.c.2,
I.C.19.e.5.a; issue 9).

* I.C.2.c.2: "When the admission/encounter is for management of an anemia associated with an adverse
  effect of the administration of chemotherapy or immunotherapy and the only treatment is for the
  anemia, the anemia code is sequenced first followed by the appropriate codes for the neoplasm and
  the adverse effect (T45.1X5-)."  The same adverse-effect code identifies the drug for the other
  cytopenias the classification names as due to antineoplastic chemotherapy: D61.810 pancytopenia,
  D70.1 agranulocytosis ("use additional code for adverse effect ... (T45.1X5)"), and secondary
  thrombocytopenia D69.59 the record ties to chemotherapy.
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate
from medcoder.coding.guidelines import Context, rule

CHEMO_ID = "ocg.I.C.2.c.2.chemo.adverse.v1"

_CHEMO_CODES = ("D64.81", "D61.810", "D70.1")
_CHEMO = re.compile(r"\bchemo\w*|\bantineoplastic\b|\bcytotoxic\b", re.I)


def _live(cand: Candidate):
    return [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]


@rule(
    CHEMO_ID,
    "I.C.2.c.2, I.C.19.e.5.a (anemia or another cytopenia due to antineoplastic chemotherapy: the adverse effect "
    "T45.1X5- identifies the drug, after the cytopenia and the neoplasm)",
    "a cytopenia due to chemotherapy gets the adverse effect of antineoplastic drugs T45.1X5-",
)
def _chemo_adverse(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None or any(c.code.startswith("T45.1X5") for c in cands):
        return cands
    for cand in cands:
        live = _live(cand)
        if not live:
            continue
        chemo = cand.code in _CHEMO_CODES
        if cand.code == "D69.59":
            for m in live:
                document = ctx.analyzed.document(m.document_id)
                start, end = document.sentence_at(m.start)
                chemo = chemo or bool(_CHEMO.search(document.text[start:end]))
        if not chemo:
            continue
        m = live[0]
        document = ctx.analyzed.document(m.document_id)
        resolution = ctx.index.resolve("T45.1X5", None, document.attributes((m.start, m.end)).episode)
        if resolution is None:
            return cands
        made = Candidate(resolution.code, matched={resolution.code}, mentions=[m], features=dict(cand.features))
        made.confidence = cand.confidence
        made.rules.append(CHEMO_ID)
        made.steps.append(
            f"{cand.code} is due to antineoplastic chemotherapy: adverse effect {resolution.code} identifies the drug "
            "(OCG I.C.2.c.2, I.C.19.e.5.a)"
        )
        cands.append(made)
        return cands
    return cands


# --- neutropenia: due to chemotherapy D70.1, with fever R50.81 (Tabular D70) ----------------------------------------

NEUTROPENIA_ID = "ocg.I.C.3.neutropenia.v1"
_NEUTROPENIA_CHEMO = re.compile(
    r"\b(?:after|following|post|from|due\s+to|secondary\s+to|induced\s+by|related\s+to)\s+(?:\w+\s+){0,4}?"
    r"(?:chemo\w*|antineoplastic|cytotoxic)|\bchemo\w*[\s-]+(?:induced|related|associated)\b|"
    r"\b(?:chemo\w*|cytotoxic)\b[^.;]{0,30}\b(?:neutropeni\w*|agranulocytosis)\b",
    re.IGNORECASE,
)
_FEBRILE = re.compile(r"\bneutropenic\s+fever\b|\bfebrile\s+neutropeni\w*|\bneutropeni\w*\s+with\s+fever\b", re.I)


@rule(
    NEUTROPENIA_ID,
    "I.C.3 (Index: Neutropenia -> drug induced -> due to cytoreductive cancer chemotherapy D70.1; Tabular D70 "
    "'use additional code for any associated fever R50.81')",
    "neutropenia due to chemotherapy is D70.1; neutropenic fever also gets R50.81",
    before="ocg.I.C.2.c.2.chemo.adverse",
)
def _neutropenia(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in [c for c in cands if c.code.startswith("D70")]:
        live = _live(cand)
        if not live:
            continue
        sentences = []
        for m in live:
            document = ctx.analyzed.document(m.document_id)
            start, end = document.sentence_at(m.start)
            sentences.append(document.text[start:end])
        if cand.code == "D70.9" and any(_NEUTROPENIA_CHEMO.search(s) for s in sentences):
            cand.steps.append(
                "D70.9 -> D70.1: neutropenia due to antineoplastic chemotherapy "
                "(Index: Neutropenia, due to cytoreductive cancer chemotherapy)"
            )
            cand.matched.add(cand.code)
            cand.code = "D70.1"
            cand.rules.append(NEUTROPENIA_ID)
        fever = next((m for m in live if _FEBRILE.search(m.text) or _FEBRILE.search(sentences[live.index(m)])), None)
        if fever is not None and not any(c.code.startswith("R50") for c in cands) and ctx.index.get("R50.81"):
            made = Candidate("R50.81", matched={"R50.81"}, mentions=[fever], features=dict(cand.features))
            made.confidence = cand.confidence
            made.rules.append(NEUTROPENIA_ID)
            made.steps.append(f"{cand.code} 'use additional code for any associated fever': R50.81 (Tabular D70)")
            cands.append(made)
    return cands
