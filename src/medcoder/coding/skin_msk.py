"""Skin and musculoskeletal rules of OCG I.C.12 and I.C.13 not in :mod:`skin` / :mod:`musculoskeletal`
(issue 9).

* I.C.12.a.5: "No code is assigned if the documentation states that the pressure ulcer is completely
  healed"; a healing ulcer keeps its documented stage.
* I.C.12.a.7: a pressure ulcer documented at one stage on admission that progresses to a higher stage
  during the stay gets two codes: the site and stage on admission, and the same site at the highest
  stage reported during the stay.
* I.C.12.b, I.A.13: the codes that carry an ulcer of the lower limb (atherosclerosis with ulceration
  I70.2-, chronic venous hypertension with ulcer I87.31-, venous insufficiency I87.2, varicose veins
  with ulcer I83.0-) say "use additional code to identify (site and) severity of ulcer (L97.-)": the
  ulcer's part of the limb, side and depth are an L97 code beside them, and the atherosclerosis code
  of "unspecified site" takes the part the note names.
* I.C.13.c (Index: Fracture, pathological -> due to neoplastic disease M84.5-; Fracture, stress M84.3-):
  a pathological fracture (M84.4-) documented as due to a neoplasm is M84.5-; a fracture the note
  calls a stress fracture is M84.3- by bone and side, not the traumatic S code.
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate, Mention
from medcoder.coding.guidelines import Context, _drop, _note_refs, ref_covers, rule
from medcoder.coding.skin import SEVERITY

HEALED_ID = "ocg.I.C.12.a.5.healed.v1"
PROGRESSION_ID = "ocg.I.C.12.a.7.progression.v1"
ULCER_CODE_ID = "ocg.I.C.12.b.additional-ulcer.v1"
NEOPLASTIC_ID = "ocg.I.C.13.c.neoplastic-m84.v1"
STRESS_ID = "ocg.I.C.13.c.stress.v1"


def _live(cand: Candidate) -> list[Mention]:
    return [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]


def _sentence(ctx: Context, m: Mention) -> tuple[int, int, str]:
    document = ctx.analyzed.document(m.document_id)
    start, end = document.sentence_at(m.start)
    return start, end, document.text


def _after(ctx: Context, m: Mention, reach: int = 120) -> str:
    """The words after the mention to the end of its sentence (a semicolon closes the clause)."""
    _, end, text = _sentence(ctx, m)
    return re.split(r"[;]", text[m.end : min(end, m.end + reach)])[0]


def _made(code: str, source: Candidate, rule_id: str, step: str) -> Candidate:
    made = Candidate(code, matched={code}, mentions=list(source.mentions), features=dict(source.features))
    made.confidence = source.confidence
    made.rules.append(rule_id)
    made.steps.append(step)
    return made


# --- I.C.12.a.5: a completely healed pressure ulcer is not coded -----------------------------------------------

_HEALED = re.compile(
    r"^[^.;]{0,60}?\b(?:(?:completely|fully|totally|now|has|is|have|are)\s+(?:\w+\s+)?healed|"
    r"(?:has|have|is|are)\s+(?:now\s+)?(?:resolved|closed)|healed\s+completely)\b",
    re.I,
)
_NOT_HEALED = re.compile(r"\b(?:not|partially|nearly|almost|not yet)\s+(?:\w+\s+)?healed\b|\bhealing\b", re.I)


@rule(
    HEALED_ID,
    "I.C.12.a.5 (healing pressure ulcers: no code is assigned if the documentation states that the pressure "
    "ulcer is completely healed)",
    "a pressure ulcer the record says is completely healed is not coded",
)
def _healed(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        live = _live(cand)
        if not cand.code.startswith("L89") or not live:
            continue
        if all(_HEALED.search(_after(ctx, m)) and not _NOT_HEALED.search(_after(ctx, m)) for m in live):
            _drop(
                cands,
                ctx,
                cand,
                HEALED_ID,
                "not coded: the record says the pressure ulcer is completely healed (OCG I.C.12.a.5)",
            )
    return cands


# --- I.C.12.a.7: a pressure ulcer that progresses during the stay ----------------------------------------------

_STAGE_WORD = re.compile(r"\bstage\s*(?P<n>[1-4]|iv|iii|ii|i)\b|\b(?P<un>unstageable)\b", re.I)
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
_PROGRESSED = re.compile(
    r"\b(?:progress(?:ed|ing)?|advanc(?:ed|ing)|deteriorat(?:ed|ing)|worsen(?:ed|ing)|evolv(?:ed|ing)|"
    r"declin(?:ed|ing))\s+(?:\w+\s+){0,3}?to\b",
    re.I,
)


def _stage_digit(match: re.Match) -> str:
    if match.group("un"):
        return "0"
    n = match.group("n").lower()
    return _ROMAN.get(n, n)


@rule(
    PROGRESSION_ID,
    "I.C.12.a.7 (pressure ulcer present on admission that progresses to a higher stage: one code for the site "
    "and stage on admission, one for the same site at the highest stage reported during the stay)",
    "a pressure ulcer documented as progressing from one stage to another gets both stages' codes",
)
def _progression(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None or ctx.setting != "inpatient":
        return cands
    for cand in list(cands):
        if not cand.code.startswith("L89") or len(cand.code) != 7 or cand.code.startswith("L89.9"):
            continue
        for m in _live(cand):
            start, end, text = _sentence(ctx, m)
            sentence = text[start:end]
            turn = _PROGRESSED.search(sentence)
            if turn is None:
                continue
            before = [_stage_digit(s) for s in _STAGE_WORD.finditer(sentence[: turn.start()])]
            after = [_stage_digit(s) for s in _STAGE_WORD.finditer(sentence[turn.end() :])]
            if len(set(before)) != 1 or not after:
                continue
            first = before[0]
            numeric = [s for s in after if s != "0"]
            last = max(numeric) if numeric and "0" not in after else after[-1]
            if last == first or (first != "0" and last != "0" and last < first):
                continue  # not a progression to a higher stage
            wanted = [cand.code[:-1] + s for s in (first, last)]
            if any(ctx.index.get(w) is None for w in wanted):
                continue
            for code, what in zip(wanted, ("the stage on admission", "the highest stage during the stay"), strict=True):
                if any(c.code == code for c in cands):
                    continue
                node = ctx.index.get(code)
                cands.append(
                    _made(
                        code,
                        cand,
                        PROGRESSION_ID,
                        f"{code} ({node.description}): {what} of a pressure ulcer that progressed (OCG I.C.12.a.7)",
                    )
                )
            for other in [c for c in cands if c.code.startswith(cand.code[:-1]) and c.code not in wanted]:
                _drop(cands, ctx, other, PROGRESSION_ID, f"the ulcer's stages are {' and '.join(wanted)} (I.C.12.a.7)")
            break
    return cands


# --- I.C.12.b / I.A.13: the L97 code the ulcer-carrying codes ask for -------------------------------------------

# Alphabetic Index "Ulcer, lower limb -> thigh L97.1-, calf L97.2-, ankle L97.3-, heel / midfoot L97.4-, foot,
# toe L97.5-, other part of lower leg L97.8-" and the I70.2- 6th character that names the same part
_ULCER_PARTS = (
    (re.compile(r"\b(?:heels?|midfoot|calcaneal)\b", re.I), "4", "heel and midfoot"),
    (re.compile(r"\b(?:ankles?|malleol\w*)\b", re.I), "3", "ankle"),
    (re.compile(r"\bcalf\b|\bcalves\b", re.I), "2", "calf"),
    (re.compile(r"\bthighs?\b", re.I), "1", "thigh"),
    (re.compile(r"\b(?:toes?|forefoot|metatarsal\w*|hallux|dorsum of the foot|dorsal foot|foot)\b", re.I), "5",
     "other part of foot"),
    (re.compile(r"\b(?:shins?|pretibial|anterior tibial|lower leg)\b", re.I), "8", "other part of lower leg"),
)  # fmt: skip
_ULCER_WORD = re.compile(r"\bulcer(?:s|ation|ated)?\b", re.I)


def _ulcer_clause(ctx: Context, m: Mention) -> str | None:
    """The sentence's words from the mention on, when they name an ulcer."""
    start, end, text = _sentence(ctx, m)
    clause = text[start:end]
    return clause if _ULCER_WORD.search(clause) else None


def _part(clause: str) -> tuple[str, str] | None:
    words = clause[_ULCER_WORD.search(clause).start() :]
    found = {(digit, name) for pattern, digit, name in _ULCER_PARTS if pattern.search(words)}
    if len(found) != 1:
        return None  # no part, or several (several ulcers): the note must name each
    return found.pop()


def _side(ctx: Context, cand: Candidate, m: Mention) -> str | None:
    node = ctx.index.get(cand.code)
    text = node.description.lower() if node else ""
    if "right" in text or "left" in text:
        return "right" if "right" in text else "left"
    side = ctx.analyzed.document(m.document_id).attributes((m.start, m.end)).laterality
    return side if side in ("right", "left") else None


@rule(
    ULCER_CODE_ID,
    "I.C.12.b, I.A.13 (non-pressure chronic ulcers: the underlying condition first, then L97 by site, side and "
    "severity; 'use additional code to identify severity of ulcer (L97.-)')",
    "a code that asks for the ulcer's L97 code (atherosclerosis, venous hypertension or insufficiency, varicose "
    "veins with ulcer) gets it from the ulcer's documented part, side and depth",
)
def _ulcer_code(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None or any(c.code.startswith(("L97", "L98.4")) for c in cands):
        return cands
    for cand in list(cands):
        if not cand.code.startswith(("I70", "I83", "I87")):
            continue
        if not any(ref_covers(r, "L97.919") for r in _note_refs(ctx, cand.code, "useAdditionalCode")):
            continue
        for m in [m for m in _live(cand) if m.affirmed]:
            clause = _ulcer_clause(ctx, m)
            part = _part(clause) if clause else None
            side = _side(ctx, cand, m)
            if part is None:
                continue
            digit, name = part
            node = ctx.index.get(cand.code)
            if node is not None and node.description.endswith("ulceration of unspecified site") and node.parent:
                parent = ctx.index.get(node.parent)
                sited = next(
                    (c for c in parent.children if ctx.index.get(c).description.endswith(f"ulceration of {name}")),
                    None,
                )
                if sited is not None:
                    cand.steps.append(f"{cand.code} -> {sited}: the ulcer of the {name} (OCG I.C.12.b)")
                    cand.code = sited
                    cand.rules.append(ULCER_CODE_ID)
            severity = next((d for d, pattern in SEVERITY if pattern.search(clause)), "9")
            side_digit = {"right": "1", "left": "2"}.get(side or "", "0")
            code = f"L97.{digit}{side_digit}{severity}"
            target = ctx.index.get(code)
            if target is None or not target.billable:
                continue
            cands.append(
                _made(
                    code,
                    cand,
                    ULCER_CODE_ID,
                    f"{code} ({target.description}): the ulcer {cand.code}'s note asks for, by the part of the limb, "
                    "side and severity the note documents (OCG I.C.12.b, I.A.13)",
                )
            )
            break
    return cands


# --- I.C.13.c: pathological fracture due to a neoplasm, stress fracture ------------------------------------------

_NEOPLASM_CAUSE = re.compile(
    r"\b(?:due\s+to|from|secondary\s+to|caused\s+by|through|related\s+to)\s+(?:\w+\s+){0,3}?"
    r"(?:metasta\w*|malignan\w*|cancer|carcinoma|tumou?r|neoplas\w*|myeloma|lymphoma|sarcoma|lesion)",
    re.I,
)


def _sibling_by_description(ctx: Context, parent: str, wanted: str) -> str | None:
    node = ctx.index.get(parent)
    for code in node.children if node else []:
        child = ctx.index.get(code)
        if child is not None and child.description.lower() == wanted:
            return code
        if child is not None and child.children:
            found = _sibling_by_description(ctx, code, wanted)
            if found:
                return found
    return None


@rule(
    NEOPLASTIC_ID,
    "I.C.13.c, I.C.19.c.1 (Index: Fracture, pathological -> due to neoplastic disease M84.5-)",
    "a pathological fracture (M84.4-) documented as due to a neoplasm is M84.5- at the same site and side",
)
def _neoplastic(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # the S-code case is ocg.I.C.13.c.neoplastic-fracture (neoplasms.py); this one turns the Index's
    # "Fracture, pathological" code M84.4- into the neoplastic disease subcategory of the same site
    if ctx.analyzed is None:
        return cands
    tumors = [c for c in cands if c.code.startswith(("C", "D0", "D3", "D4")) and any(m.affirmed for m in c.mentions)]
    if not tumors:
        return cands
    for cand in list(cands):
        if not cand.code.startswith("M84.4") or len(cand.code) != 8:
            continue
        live = [m for m in cand.mentions if m.affirmed]
        if not any(_NEOPLASM_CAUSE.search(_after(ctx, m)) for m in live):
            continue
        node = ctx.index.get(cand.code[:7].rstrip("X"))
        if node is None:
            continue
        wanted = node.description.lower().replace(
            "pathological fracture,", "pathological fracture in neoplastic disease,"
        )
        target = _sibling_by_description(ctx, "M84.5", wanted)
        if target is None:
            continue
        code = target.ljust(7, "X") + cand.code[-1]
        if ctx.index.get(code) is None or any(c.code == code for c in cands):
            continue
        old = cand.code
        cand.code = code
        cand.rules.append(NEOPLASTIC_ID)
        cand.steps.append(
            f"{old} -> {code}: a pathological fracture documented as due to a neoplasm; Index: Fracture, "
            "pathological -> due to neoplastic disease M84.5- (OCG I.C.13.c)"
        )
    return cands


# traumatic fracture category -> (M84.3 subcategory, the part word its codes name)
_STRESS_SITES = (
    ("S92.4", "M84.37", "toe(s)"),
    ("S92.5", "M84.37", "toe(s)"),
    ("S92.9", "M84.37", "foot"),
    ("S92", "M84.37", "foot"),
    ("S82.5", "M84.37", "ankle"),
    ("S82.6", "M84.37", "ankle"),
    ("S82.1", "M84.36", "tibia"),
    ("S82.2", "M84.36", "tibia"),
    ("S82.3", "M84.36", "tibia"),
    ("S82.4", "M84.36", "fibula"),
    ("S72", "M84.35", "femur"),
    ("S32.3", "M84.35", "pelvis"),
    ("S32.4", "M84.35", "pelvis"),
    ("S32.5", "M84.35", "pelvis"),
    ("S32.6", "M84.35", "pelvis"),
    ("S42.2", "M84.32", "humerus"),
    ("S42.3", "M84.32", "humerus"),
    ("S42.4", "M84.32", "humerus"),
    ("S52.0", "M84.33", "ulna"),
    ("S52.2", "M84.33", "ulna"),
    ("S52.6", "M84.33", "ulna"),
    ("S52.1", "M84.33", "radius"),
    ("S52.3", "M84.33", "radius"),
    ("S52.5", "M84.33", "radius"),
    ("S62.5", "M84.34", "finger(s)"),
    ("S62.6", "M84.34", "finger(s)"),
    ("S62", "M84.34", "hand"),
)
_STRESS = re.compile(r"\b(?:stress|fatigue|march)\s+fractures?\b|\bstress\s+(?:\w+\s+){0,2}fractures?\b", re.I)
_EPISODE = {
    "A": "A",
    "B": "A",
    "D": "D",
    "E": "D",
    "G": "G",
    "H": "G",
    "K": "K",
    "M": "K",
    "P": "P",
    "N": "P",
    "S": "S",
}


@rule(
    STRESS_ID,
    "I.C.13.c (Index: Fracture, stress M84.3- by site; a stress fracture is not a traumatic fracture code)",
    "a fracture the note calls a stress (fatigue) fracture is M84.3- by bone and side, not the S code",
)
def _stress(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        if not cand.code.startswith(("S92", "S82", "S72", "S32", "S42", "S52", "S62")) or len(cand.code) != 8:
            continue
        live = [m for m in cand.mentions if m.affirmed and not m.historical]
        if not live:
            continue
        words = [ctx.analyzed.document(m.document_id).text[max(0, m.start - 30) : m.end] for m in live]
        if not any(_STRESS.search(w) for w in words):
            continue
        site = next(((sub, part) for prefix, sub, part in _STRESS_SITES if cand.code.startswith(prefix)), None)
        if site is None:
            continue
        sub, part = site
        description = ctx.index.get(cand.code).description.lower()
        side = "right" if "right" in description else "left" if "left" in description else "unspecified"
        wanted = f"stress fracture, {part}" if part == "pelvis" else f"stress fracture, {side} {part}"
        parent = ctx.index.get(sub)
        target = next((c for c in parent.children if ctx.index.get(c).description.lower() == wanted), None)
        if target is None:
            continue
        code = target + _EPISODE.get(cand.code[-1], "A")
        if ctx.index.get(code) is None:
            continue
        old = cand.code
        cand.code = code
        cand.rules.append(STRESS_ID)
        cand.steps.append(f"{old} -> {code}: a stress fracture; Index: Fracture, stress M84.3- (OCG I.C.13.c)")
    return cands
