"""Cerebrovascular deficits: the dominant side (OCG I.C.6.a) and the sequelae of a past stroke
(OCG I.C.9.d, category I69).

* Hemiplegia, hemiparesis and monoplegia codes say whether the dominant or the nondominant side is
  affected.  I.C.6.a: "should the affected side be documented, but not specified as dominant or
  nondominant, and the classification system does not indicate a default, code selection is as
  follows: for ambidextrous patients, the default should be dominant; if the left side is affected,
  the default is non-dominant; if the right side is affected, the default is dominant."
* I.C.9.d: "Category I69 is used to indicate conditions classifiable to categories I60-I67 as the
  causes of sequela (neurologic deficits), themselves classified elsewhere.  These 'late effects'
  include neurologic deficits that persist after initial onset of conditions classifiable to
  categories I60-I67."  A deficit of a stroke that is over (a stroke last year, "a late effect of",
  "residual", an admission for rehabilitation after it) is the I69 combination code, by the type of
  the stroke and the deficit; the stroke's own code is not reported, nor Z86.73 (history of a
  cerebral infarction *without* residual deficits).  A stroke being treated now keeps its I60-I63
  code with the deficit's own code (G81.9-).
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate
from medcoder.coding.guidelines import Context, _drop, rule
from medcoder.extract.prefilter import Prefiltered

DOMINANCE_ID = "ocg.I.C.6.a.dominance.v1"
SEQUELA_ID = "ocg.I.C.9.d.sequelae.v1"

# codes whose last character is the side and dominance: 1 right dominant, 2 left dominant,
# 3 right nondominant, 4 left nondominant (G81.0-, G81.1-, G81.9-, G83.1-, G83.2-, G83.3-, I69.x3-5)
_SIDED = ("G81.0", "G81.1", "G81.9", "G83.1", "G83.2", "G83.3")
_HANDED = re.compile(r"\b(?P<side>right|left)[- ]hand(?:ed|edness)\b|\b(?P<amb>ambidextrous)\b", re.IGNORECASE)
_HAND_DOMINANT = re.compile(
    r"\b(?P<side>right|left)[- ]hand(?:ed)? dominant\b|\bdominant (?P<side2>right|left) hand\b", re.I
)
# the same matches as the patterns' own search, tried only where they can start (issue 9: speed)
_HANDEDNESS_SCANS = (Prefiltered(_HANDED), Prefiltered(_HAND_DOMINANT))

# stroke categories -> the I69 category of their sequelae
_STROKE_TYPE = (("I60", "I69.0"), ("I61", "I69.1"), ("I62", "I69.2"), ("I63", "I69.3"), ("I67", "I69.8"))
# deficit codes -> (I69 subcategory digits, sided, keep the deficit's own code after the I69 code)
_DEFICITS = (
    (("G81",), "5", True, False),  # hemiplegia / hemiparesis -> I69.x5-
    (("G83.2",), "3", True, False),  # monoplegia of upper limb -> I69.x3-
    (("G83.1",), "4", True, False),  # monoplegia of lower limb -> I69.x4-
    (("R13.1",), "91", False, True),  # dysphagia -> I69.x91, "use additional code to identify the type"
    (("R47.01",), "20", False, False),  # aphasia -> I69.x20
    (("R47.1",), "22", False, False),  # dysarthria -> I69.x22
    (("R29.810",), "92", False, False),  # facial weakness -> I69.x92
    (("R27.0",), "93", False, False),  # ataxia -> I69.x93
)
_OVER = re.compile(
    r"\b(?:late effects?|sequelae?|residual|residuals|old|prior|previous|remote|history of|ago|"
    r"last (?:year|month|week)|in (?:19|20)\d\d|rehabilitation|rehab)\b",
    re.IGNORECASE,
)
_ACUTE = re.compile(r"\b(?:acute|new|evolving|hyperacute|thrombectomy|tpa|alteplase|thrombolysis)\b", re.IGNORECASE)


def _handedness(ctx: Context) -> str | None:
    """ "right", "left", "ambidextrous" or None (not documented)."""
    for document in getattr(ctx.analyzed, "documents", []):
        for pattern in _HANDEDNESS_SCANS:
            match = pattern.search(document.text)
            if match:
                if match.groupdict().get("amb"):
                    return "ambidextrous"
                side = match.groupdict().get("side") or match.groupdict().get("side2")
                return side.lower() if side else None
    return None


def _side_of(code: str) -> str | None:
    digit = code[-1]
    return {"1": "right", "3": "right", "2": "left", "4": "left"}.get(digit)


def _dominance_digit(side: str | None, handed: str | None) -> str:
    if side is None:
        return "9"
    if handed == "ambidextrous":
        dominant = True
    elif handed in ("right", "left"):
        dominant = handed == side
    else:
        dominant = side == "right"  # I.C.6.a defaults: right side dominant, left side nondominant
    return {("right", True): "1", ("left", True): "2", ("right", False): "3", ("left", False): "4"}[(side, dominant)]


@rule(DOMINANCE_ID, "I.C.6.a", "hemiplegia and monoplegia: the dominant or nondominant side, by handedness or default")
def _dominance(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    handed = _handedness(ctx)
    for cand in cands:
        if not cand.code.startswith(_SIDED) or len(cand.code) != 6:
            continue
        side = _side_of(cand.code)
        if side is None:
            continue
        code = cand.code[:-1] + _dominance_digit(side, handed)
        node = ctx.index.get(code)
        if code == cand.code or node is None or not node.billable:
            continue
        why = (
            f"{handed}-handed"
            if handed in ("right", "left")
            else handed or "handedness not documented: I.C.6.a default"
        )
        cand.steps.append(f"{cand.code} -> {code} ({node.description}): {side} side, {why} (OCG I.C.6.a)")
        cand.code = code
        cand.rules.append(DOMINANCE_ID)
    return cands


def _stroke_category(code: str) -> str | None:
    return next((target for prefix, target in _STROKE_TYPE if code.startswith(prefix)), None)


def _over(ctx: Context, cand: Candidate) -> bool:
    """Is the stroke over: historical, or its sentence dates it or calls its deficit a late effect?"""
    live = [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]
    if live and all(m.historical for m in live):
        return True
    for m in live:
        document = ctx.analyzed.document(m.document_id)
        start, end = document.sentence_at(m.start)
        sentence = document.text[start:end]
        if _OVER.search(sentence) and not _ACUTE.search(sentence):
            return True
    return False


@rule(SEQUELA_ID, "I.C.9.d, I.C.6.a", "a deficit of a past stroke is its I69 sequela code, not the stroke's code")
def _sequelae(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    strokes = [c for c in cands if _stroke_category(c.code)]
    # the history rule may already have replaced a past stroke (Z86.73) or removed it
    past = [c for c, rule_id in ctx.removed if _stroke_category(c.code) and "history" in rule_id]
    strokes_over = [c for c in strokes if _over(ctx, c)] + past
    if not strokes_over:
        return cands
    stroke = strokes_over[0]
    category = _stroke_category(stroke.code)
    handed = _handedness(ctx)
    made = []
    for cand in list(cands):
        deficit = next((d for d in _DEFICITS if cand.code.startswith(d[0])), None)
        if deficit is None:
            continue
        _, digits, sided, keep = deficit
        code = f"{category}{digits}" + (_dominance_digit(_side_of(cand.code), handed) if sided else "")
        node = ctx.index.get(code)
        if node is None or not node.billable:
            continue
        step = (
            f"{cand.code} is a deficit of the past {stroke.code} ({stroke.mentions[0].text!r}) -> {code} "
            f"({node.description}) (OCG I.C.9.d)"
        )
        if keep:
            sequela = Candidate(code, matched={code}, mentions=list(cand.mentions), confidence=cand.confidence)
            sequela.rules.append(SEQUELA_ID)
            sequela.steps.append(step)
            cands.insert(cands.index(cand), sequela)
            cand.rules.append(SEQUELA_ID)
            cand.steps.append(f"kept after {code} to say which dysphagia, as its note asks (OCG I.A.13)")
            made.append(sequela)
        else:
            cand.steps.append(step)
            cand.code = code
            cand.rules.append(SEQUELA_ID)
            made.append(cand)
    if not made:
        return cands
    for cand in list(cands):
        if cand in made:
            continue
        if _stroke_category(cand.code) and cand in strokes_over:
            _drop(
                cands, ctx, cand, SEQUELA_ID, f"the stroke is past: its deficits are coded {made[0].code} (OCG I.C.9.d)"
            )
        elif cand.code.startswith("Z86.73"):
            _drop(
                cands,
                ctx,
                cand,
                SEQUELA_ID,
                f"Z86.73 is a past stroke without residual deficits; {made[0].code} has them",
            )
    return cands
