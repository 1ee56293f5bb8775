"""Glaucoma: the type, the eye and the stage (OCG I.C.7.a).

* I.C.7.a.1: "Assignment of glaucoma codes is based on the type of glaucoma, the affected eye, and the
  glaucoma stage" -- the stage is the 7th character (0 unspecified, 1 mild, 2 moderate, 3 severe,
  4 indeterminate).
* I.C.7.a.2: "When a patient has bilateral glaucoma and both eyes are documented as being the same
  type and stage, and there is a code for bilateral glaucoma, report only the code for the type of
  glaucoma, bilateral, with the seventh character for the stage."
* I.C.7.a.3: "When a patient has bilateral glaucoma and each eye is documented as having a different
  type or stage, and the classification distinguishes laterality, assign the appropriate code for
  each eye rather than the code for bilateral glaucoma."
* I.C.7.a.5: "Glaucoma stage 4 indeterminate ... should be based on the clinical documentation.
  Seventh character '4' is for glaucoma whose stage cannot be clinically determined.  This seventh
  character should not be confused with the seventh character '0', unspecified."
"""

from __future__ import annotations

import re

from medcoder.codesets.icd10cm.tabular import seventh_character_form
from medcoder.coding.candidates import Candidate, Mention
from medcoder.coding.guidelines import Context, _drop, rule

GLAUCOMA_ID = "ocg.I.C.7.a.glaucoma.v1"

_SIDE = re.compile(
    r"\b(?P<bilateral>both\s+eyes|each\s+eye|bilateral(?:ly)?|(?-i:OU))\b|\b(?P<right>right(?:\s+eye)?|(?-i:OD))\b|"
    r"\b(?P<left>left(?:\s+eye)?|(?-i:OS))\b",
    re.IGNORECASE,
)
_STAGE = re.compile(
    r"\b(?P<s1>mild)\b|\b(?P<s2>moderate)\b|\b(?P<s3>severe)\b|"
    r"\b(?P<s4>indeterminate|undetermined|cannot\s+be\s+(?:clinically\s+)?determined|"
    r"unable\s+to\s+(?:be\s+)?(?:clinically\s+)?(?:determine|stage)\w*|not\s+(?:clinically\s+)?determinable)\b",
    re.IGNORECASE,
)
_PARTS = re.compile(r"[,;]|\band\b", re.IGNORECASE)


def _staged(ctx: Context, code: str):
    """The 6-character code whose 7th character is the glaucoma stage, or None."""
    if not code.startswith("H40") or len(code) != 8:
        return None
    stem = ctx.index.get(code[:-1].rstrip("X"))  # H40.10X2: the placeholder X before the stage
    if stem is None or not stem.seventh or not any("stage" in m for _, m in stem.seventh):
        return None
    return stem


def _stem_side(description: str) -> str | None:
    text = description.lower()
    for side in ("right", "left", "bilateral"):
        if side in text:
            return side
    return None


def _segment(ctx: Context, m: Mention, others: list[Mention]) -> str:
    """The words that speak of this glaucoma: its sentence, cut where another condition begins
    ("Primary open-angle glaucoma, mild stage; cataract right eye": the side is the cataract's)."""
    document = ctx.analyzed.document(m.document_id)
    s_start, s_end = document.sentence_at(m.start)
    mine = [o for o in others if o.document_id == m.document_id and s_start <= o.start < s_end]
    start = m.start if any(o.end <= m.start for o in mine) else s_start
    end = min([o.start for o in mine if o.start > m.start] + [s_end])
    return document.text[start:end]


def _stages(segment: str) -> dict[str | None, str]:
    """side ("right" / "left" / "bilateral", None when no side is written) -> stage digit, read part by
    part (commas, semicolons and "and" separate "right eye mild stage, left eye severe stage")."""
    found: dict[str | None, str] = {}
    pending_sides: list[str] = []
    pending_stages: list[str] = []
    for part in _PARTS.split(segment):
        sides = [next(k for k, v in s.groupdict().items() if v) for s in _SIDE.finditer(part)]
        stages = [next(k for k, v in s.groupdict().items() if v)[1] for s in _STAGE.finditer(part)]
        if sides and stages:
            for side in sides:
                found.setdefault(side, stages[0])
        elif sides:
            pending_sides.extend(sides)
        elif stages:
            pending_stages.append(stages[0])
    values = set(found.values()) | set(pending_stages)
    for side in pending_sides:
        if side in found:
            continue
        if len(set(pending_stages)) == 1:
            found[side] = pending_stages[0]
        elif len(values) == 1:
            found[side] = next(iter(values))
        else:
            found[side] = "0"
    if not found and pending_stages and len(set(pending_stages)) == 1:
        found[None] = pending_stages[0]
    return found


def _unspecified_eye(ctx: Context, stem):
    parent = ctx.index.get(stem.parent) if stem.parent else None
    for child in parent.children if parent else []:
        node = ctx.index.get(child)
        if node is not None and "unspecified eye" in node.description.lower():
            return node
    return None


def _codes(ctx: Context, stem, stages: dict[str | None, str]) -> list[str]:
    """The glaucoma codes for the documented eyes and stages (OCG I.C.7.a.2-3)."""
    side = _stem_side(stem.description)
    family = ctx.index.get(stem.parent) if side is not None or "unspecified eye" in stem.description.lower() else None
    if None in stages:
        stages = {side: stages[None]}
    if "bilateral" in stages:
        stages.setdefault("right", stages["bilateral"])
        stages.setdefault("left", stages["bilateral"])
    if family is None:
        # no laterality in the classification (H40.10-, H40.20-): one code per documented stage
        # (I.C.7.a.4: one code for each type, with the seventh character for its stage)
        values = sorted({v for k, v in stages.items() if k != "bilateral" or len(stages) == 1} - {"0"}) or ["0"]
        return [seventh_character_form(stem.code, v) for v in values]

    def member(word: str) -> str | None:
        for child in family.children:
            node = ctx.index.get(child)
            if node is not None and word in node.description.lower():
                return child
        return None

    right, left = stages.get("right"), stages.get("left")
    if right is not None and left is not None:
        bilateral = member("bilateral")
        if right == left and bilateral:
            return [seventh_character_form(bilateral, right)]
        sides = [(member("right"), right), (member("left"), left)]
    elif right is not None:
        sides = [(member("right"), right)]
    elif left is not None:
        sides = [(member("left"), left)]
    elif side is not None or stages:
        value = next(iter(stages.values()))
        sides = [(stem.code, value)]
    else:
        return []
    return [seventh_character_form(code, value) for code, value in sides if code]


@rule(GLAUCOMA_ID, "I.C.7.a.1-5", "glaucoma by type, eye and stage: bilateral when both eyes share type and stage")
def _glaucoma(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    glaucomas = [c for c in cands if _staged(ctx, c.code) is not None]
    for cand in glaucomas:
        if cand not in cands:
            continue
        stem = _staged(ctx, cand.code)
        live = [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]
        others = [m for o in cands if o is not cand for m in o.mentions if not m.covered_by]
        stages: dict[str | None, str] = {}
        for m in live:
            for side, stage in _stages(_segment(ctx, m, others)).items():
                stages.setdefault(side, stage)
        if not stages:
            continue
        if set(stages) == {None} and _stem_side(stem.description) is not None:
            # no eye in the glaucoma's own words: a side elsewhere in the sentence is another
            # condition's (I.B.13: the side documented for this condition)
            unspecified = _unspecified_eye(ctx, stem)
            stem = unspecified or stem
        codes = [c for c in _codes(ctx, stem, stages) if ctx.index.get(c) is not None and ctx.index.get(c).billable]
        if not codes or codes == [cand.code]:
            continue
        described = "; ".join(f"{c} ({ctx.index.get(c).description})" for c in codes)
        step = f"{cand.code} -> {described}: the documented eye(s) and stage (OCG I.C.7.a)"
        for i, code in enumerate(codes):
            existing = next((c for c in cands if c.code == code and c is not cand), None)
            if existing is not None:
                existing.rules.append(GLAUCOMA_ID)
                existing.steps.append(step)
                continue
            if i == 0:
                continue
            extra = Candidate(
                code, matched=set(cand.matched), mentions=list(cand.mentions), features=dict(cand.features)
            )
            extra.confidence = cand.confidence
            extra.rules.append(GLAUCOMA_ID)
            extra.steps.append(step)
            cands.insert(cands.index(cand) + 1, extra)
        if any(c.code == codes[0] and c is not cand for c in cands):
            _drop(cands, ctx, cand, GLAUCOMA_ID, f"the documented eye and stage: {codes[0]} (OCG I.C.7.a)")
            continue
        cand.matched.add(cand.code)
        cand.code = codes[0]
        cand.rules.append(GLAUCOMA_ID)
        cand.steps.append(step)
    return cands


PREOP_ID = "ocg.IV.M.preop.eye.v1"
_SURGERY = re.compile(
    r"\b(?:surgery|extraction|phaco\w*|ce/iol|iol|lens implant\w*|trabeculectomy|vitrectomy|procedure|operation)\b",
    re.IGNORECASE,
)


@rule(
    PREOP_ID,
    "IV.M (preoperative evaluation: Z01.81- first, and a code for the condition that is the reason for the surgery "
    "as an additional diagnosis)",
    "a pre-op visit for eye surgery keeps the eye condition the surgery is for, named only in the reason for visit",
)
def _preop_reason(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None or not any(c.code.startswith("Z01.81") for c in cands):
        return cands
    if any(c.code[:1] == "H" and c.code[1:3].isdigit() and int(c.code[1:3]) < 60 for c in cands):
        return cands  # the eye condition is coded already
    removed = [
        c
        for c, rule_id in ctx.removed
        if rule_id.startswith("ocg.IV.J.statement")
        and c.code[:1] == "H"
        and c.code[1:3].isdigit()
        and int(c.code[1:3]) < 60
        and c not in cands
    ]
    reasons = []
    for cand in removed:
        for m in cand.mentions:
            if m.negated or m.family or m.hypothetical:
                continue
            document = ctx.analyzed.document(m.document_id)
            start, end = document.sentence_at(m.start)
            if _SURGERY.search(document.text[start:end]):
                # the condition's own words, or only the name of the procedure ("cataract extraction")?
                named = bool(_SURGERY.match(document.text[m.end : end].lstrip(" ,")))
                reasons.append((named, -len(m.text), cand))
                break
    if not reasons:
        return cands
    reasons.sort(key=lambda r: (r[0], r[1]))
    chosen = reasons[0][2]
    ctx.removed[:] = [(c, rule_id) for c, rule_id in ctx.removed if c is not chosen]
    chosen.rules.append(PREOP_ID)
    chosen.steps.append("the reason for the surgery of a preoperative evaluation: an additional diagnosis (OCG IV.M)")
    cands.append(chosen)
    return cands
