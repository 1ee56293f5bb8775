"""Chapter 17 and chapter 18 rules: congenital anomalies, the coma scale (OCG I.C.17, I.C.18.e; issue 9).

* I.C.18.e: the Glasgow coma scale codes R40.21- to R40.24- (the 7th character says when the score was
  taken: 0 unspecified time, 1 in the field, 2 at arrival to the emergency department, 3 at hospital
  admission, 4 24 hours or more after admission).  One code from each component subcategory (eyes,
  verbal, motor) when the components are documented; R40.24- (total score) when only the total is.
  They go with a traumatic brain injury, or a coma, and are sequenced after the diagnosis; not for a
  sedated patient or one in a medically induced coma.
* I.C.17, I.C.21.c.4: a congenital malformation is coded at any age while present; one documented as
  corrected in the past is its personal history code Z87.7- (Tabular Z87.7: corrected congenital
  malformations).
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate, matched_mention
from medcoder.coding.features import rule_candidate
from medcoder.coding.guidelines import Context, _drop, rule

GCS_ID = "ocg.I.C.18.e.coma-scale.v1"
CORRECTED_ID = "ocg.I.C.17.corrected.v1"


def _assertion_ok(document, match: re.Match) -> bool:
    a = document.assess((match.start(), match.end()))
    return not (a.negated or a.family or a.hypothetical or a.uncertain or a.historical)


# --- I.C.18.e: Glasgow coma scale ------------------------------------------------------------------------------

_GCS = re.compile(
    r"\b(?:glasgow\s+coma\s+(?:scale|score)|gcs)\s*(?:score\s*)?(?:total\s*)?(?:of|was|is|=|:|at|on)?\s*"
    r"(?:(?P<total>1[0-5]|[3-9])\b(?!\s*[-/]\s*\d)|"
    r"\(?\s*E\s*(?P<e>[1-4])\s*,?\s*V\s*(?P<v>[1-5])\s*,?\s*M\s*(?P<m>[1-6])\b)",
    re.I,
)
_WHEN = (
    (re.compile(r"\b(?:in the field|at the scene|on scene|by (?:ems|emt|paramedics?)|prehospital|pre-hospital|"
                r"by ambulance)\b", re.I), "1"),
    (re.compile(r"\b(?:on|upon|at) (?:arrival|presentation)\b|\bin the (?:ed|er|emergency department)\b", re.I), "2"),
    (re.compile(r"\b(?:on|upon|at) (?:hospital )?admission\b", re.I), "3"),
    (re.compile(r"\b(?:24|48|72) hours (?:after|post)|\bhospital day [2-9]\b", re.I), "4"),
)  # fmt: skip
_SEDATED = re.compile(
    r"\b(?:sedat\w*|medically induced coma|induced coma|pharmacologic\w* paraly\w*|propofol|paralyzed)\b", re.I
)


def _total_code(score: int) -> str:
    return "R40.243" if score <= 8 else "R40.242" if score <= 12 else "R40.241"


@rule(
    GCS_ID,
    "I.C.18.e (coma scale: R40.21- to R40.24- with a 7th character for when it was taken; components when "
    "documented, else the total R40.24-; with a brain injury or coma, sequenced after the diagnosis; not for a "
    "sedated patient or a medically induced coma)",
    "a Glasgow coma scale documented with a brain injury or coma becomes its R40.2- codes",
)
def _coma_scale(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None or any(c.code.startswith(("R40.21", "R40.22", "R40.23", "R40.24")) for c in cands):
        return cands
    # the scale goes with the condition it measures: a traumatic brain injury or a coma
    if not any(c.code.startswith(("S06", "R40.20", "R40.2A")) and any(m.affirmed for m in c.mentions) for c in cands):
        return cands
    for document in ctx.analyzed.documents:
        for match in _GCS.finditer(document.text):
            if not _assertion_ok(document, match):
                continue
            start, end = document.sentence_at(match.start())
            sentence = document.text[start:end]
            if _SEDATED.search(sentence):
                continue  # not reported for a sedated patient or a medically induced coma (I.C.18.e)
            seventh = next((c for pattern, c in _WHEN if pattern.search(sentence)), "0")
            if match.group("total"):
                codes = [_total_code(int(match.group("total")))]
            else:
                e, v, m = match.group("e"), match.group("v"), match.group("m")
                codes = [f"R40.21{e}", f"R40.22{v}", f"R40.23{m}"]
            made = []
            for code in codes:
                full = code + seventh
                node = ctx.index.get(full)
                if node is None or not node.billable:
                    made = []
                    break
                mention = matched_mention(document, match, "Glasgow coma scale", "I.C.18.e; Tabular R40.2-")
                made.append(
                    rule_candidate(
                        full, mention, GCS_ID, f"{full} ({node.description}): the coma scale documented (I.C.18.e)"
                    )
                )
            if made:
                cands.extend(made)
                return cands  # at a minimum the initial score documented on presentation (I.C.18.e)
    return cands


# --- I.C.17: a congenital malformation corrected in the past -----------------------------------------------------

# Q code prefix -> Z87.7- code (Tabular Z87.7 Personal history of (corrected) congenital malformations)
_CORRECTED = (
    ("Q54", "Z87.710"),
    ("Q5", "Z87.718"),
    ("Q60", "Z87.718"),
    ("Q61", "Z87.718"),
    ("Q62", "Z87.718"),
    ("Q63", "Z87.718"),
    ("Q64", "Z87.718"),
    ("Q1", "Z87.720"),  # Q10-Q15 eye (ear Q16-Q17, face Q18 below)
    ("Q0", "Z87.728"),
    ("Q2", "Z87.74"),
    ("Q3", "Z87.75"),
    ("Q39.0", "Z87.731"),
    ("Q39.1", "Z87.731"),
    ("Q39.2", "Z87.731"),
    ("Q39.3", "Z87.731"),
    ("Q4", "Z87.738"),
    ("Q79.0", "Z87.760"),
    ("Q79.1", "Z87.760"),
    ("Q79.3", "Z87.761"),
    ("Q79.4", "Z87.762"),
    ("Q79.5", "Z87.763"),
    ("Q6", "Z87.768"),
    ("Q7", "Z87.768"),
)
_SPECIAL = (("Q16", "Z87.721"), ("Q17", "Z87.721"), ("Q18", "Z87.790"), ("Q35", "Z87.730"), ("Q36", "Z87.730"),
            ("Q37", "Z87.730"), ("Q43.7", "Z87.732"))  # fmt: skip
_REPAIRED = re.compile(
    r"\b(?:surgically\s+)?(?:corrected|repaired|repair|correction|closure|closed|ligat\w*|resected|"
    r"reconstructed|reconstruction)\b",
    re.I,
)


def _history_code(code: str) -> str | None:
    for prefix, z in _SPECIAL:
        if code.startswith(prefix):
            return z
    best = max(((p, z) for p, z in _CORRECTED if code.startswith(p)), key=lambda t: len(t[0]), default=None)
    return best[1] if best else None


@rule(
    CORRECTED_ID,
    "I.C.17, I.C.21.c.4 (a congenital malformation corrected in the past is Z87.7- personal history of "
    "(corrected) congenital malformations)",
    "a congenital malformation the record documents as past and corrected becomes its Z87.7- code",
    before="ocg.I.C.21.history",
)
def _corrected(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        if not cand.code.startswith("Q") or cand.code.startswith("Q9"):
            continue  # chromosomal abnormalities are not corrected
        live = [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]
        if not live or not all(m.historical for m in live):
            continue
        repaired = False
        for m in live:
            document = ctx.analyzed.document(m.document_id)
            start, end = document.sentence_at(m.start)
            if _REPAIRED.search(document.text[start:end]):
                repaired = True
        z = _history_code(cand.code)
        if not repaired or z is None or ctx.index.get(z) is None:
            continue
        node = ctx.index.get(z)
        if not any(c.code == z for c in cands):
            made = Candidate(z, matched={z}, mentions=list(live), features=dict(cand.features))
            made.confidence = cand.confidence
            made.rules.append(CORRECTED_ID)
            made.steps.append(
                f"{cand.code}, corrected in the past -> {z} ({node.description}) (OCG I.C.17, I.C.21.c.4)"
            )
            cands.append(made)
        _drop(cands, ctx, cand, CORRECTED_ID, f"a congenital malformation corrected in the past: {z}")
    return cands
