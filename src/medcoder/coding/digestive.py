"""Diseases of the digestive system (OCG I.C.11; issue 9).

* I.A.15, I.B.9: the K57 codes name the bleeding -- "Diverticulosis of large intestine without
  perforation or abscess with bleeding" (K57.31); Index: "Diverticulosis, large intestine -> with
  bleeding K57.31".  A diverticular disease documented with bleeding is its "with bleeding" code,
  and the bleeding the combination code includes (hemorrhage NEC R58, rectal bleeding K62.5,
  hematochezia / melena K92.1, GI hemorrhage K92.2) is not coded apart (I.B.5, I.B.9).
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate, Mention
from medcoder.coding.guidelines import Context, _drop, rule

WITH_BLEEDING_ID = "ocg.I.C.11.with_bleeding.v1"
_BLEEDING = re.compile(r"\b(?:bleed\w*|hemorrhag\w*|haemorrhag\w*)\b", re.IGNORECASE)
_NOT = re.compile(r"\b(?:no|not|without|denies|negative for|free of)\b(?:\s+\w+){0,3}\s*$", re.IGNORECASE)
# the bleeding itself, which the "with bleeding" code includes
_INCLUDED_BLEEDING = ("R58", "K62.5", "K92.1", "K92.2")


def _live(cand: Candidate) -> list[Mention]:
    return [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]


def _bleeding_in_clause(ctx: Context, m: Mention) -> bool:
    """'diverticulosis of the sigmoid colon with bleeding', 'bleeding diverticulosis': the bleeding
    word in the mention's clause (up to a semicolon or the sentence end), not negated."""
    document = ctx.analyzed.document(m.document_id)
    start, end = document.sentence_at(m.start)
    lo = max(start, m.start - 25)
    before = re.split(r"[;:]", document.text[lo : m.start])[-1]
    after = re.split(r"[;.]|,\s*(?:no|not|without)\b", document.text[m.end : min(end, m.end + 60)])[0]
    for text in (before, m.text, after):
        for match in _BLEEDING.finditer(text):
            if not _NOT.search(text[: match.start()]):
                return True
    return False


@rule(
    WITH_BLEEDING_ID,
    "I.A.15, I.B.9 (Index: Diverticulosis -> with bleeding; the K57 'with bleeding' codes)",
    "a disease 'without bleeding' documented with bleeding is its 'with bleeding' sibling; the bleeding is included",
    before="ocg.I.B.5",
)
def _with_bleeding(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        node = ctx.index.get(cand.code)
        if node is None or not node.description.endswith(" without bleeding") or node.parent is None:
            continue
        if not any(_bleeding_in_clause(ctx, m) for m in _live(cand)):
            continue
        wanted = node.description[: -len(" without bleeding")] + " with bleeding"
        parent = ctx.index.get(node.parent)
        sibling = next(
            (
                s
                for s in (ctx.index.get(c) for c in (parent.children if parent else []))
                if s and s.description == wanted
            ),
            None,
        )
        if sibling is None or not sibling.billable or any(c.code == sibling.code for c in cands):
            continue
        cand.steps.append(
            f"{cand.code} -> {sibling.code} ({sibling.description}): documented with bleeding (OCG I.A.15, I.B.9)"
        )
        cand.matched.add(cand.code)
        cand.code = sibling.code
        cand.rules.append(WITH_BLEEDING_ID)
        for other in [c for c in cands if c.code.startswith(_INCLUDED_BLEEDING)]:
            cand.mentions.extend(m for m in other.mentions if m not in cand.mentions)
            _drop(cands, ctx, other, WITH_BLEEDING_ID, f"the bleeding is included in {sibling.code} (OCG I.B.5, I.B.9)")
    return cands


# --- complications the code's axes name: obstruction / gangrene / recurrence / side of a hernia, --------------
# --- perforation / abscess of diverticular disease, perforation / hemorrhage of a peptic ulcer ---------------

COMPLICATIONS_ID = "ocg.I.C.11.complications.v1"
_OBSTRUCTION = re.compile(r"\b(?:obstruct\w*|incarcerat\w*|irreducible|strangulat\w*)", re.IGNORECASE)
_GANGRENE = re.compile(r"\bgangren\w*", re.IGNORECASE)
_RECURRENT = re.compile(r"\brecurren(?:t|ce)\b", re.IGNORECASE)
_BILATERAL = re.compile(r"\b(?:bilateral\w*|both\s+sides|right\s+and\s+left|left\s+and\s+right)\b", re.IGNORECASE)
_ONE_SIDE = re.compile(r"\b(?:right|left|unilateral)\b", re.IGNORECASE)
_PERFORATION = re.compile(r"\b(?:perforat\w*|ruptur\w*)", re.IGNORECASE)
_ABSCESS = re.compile(r"\babscess\w*", re.IGNORECASE)
_NEG = re.compile(r"\b(?:no|not|without|denies|negative for|free of|rule[sd]? out)\b(?:\s+\w+){0,5}\s*$", re.IGNORECASE)
_PEPTIC = ("K25", "K26", "K27", "K28")
_HERNIA = ("K40", "K41", "K42", "K43", "K44", "K45", "K46")
# intestinal obstruction / gangrene the hernia code includes (K56 Excludes1: intestinal obstruction with hernia
# (K40-K46)); K55.0 acute vascular disorders (gangrene of the bowel) the hernia's gangrene is
_HERNIA_INCLUDES = {"obstruction": ("K56.5", "K56.6", "K56.69"), "gangrene": ("K55.0",)}


def _clause_text(ctx: Context, m: Mention) -> str:
    """The mention's clause: its words, what precedes them since a ';' / ':' (at most 40 characters)
    and what follows them up to a ';' or the sentence end (at most 80 characters)."""
    document = ctx.analyzed.document(m.document_id)
    start, end = document.sentence_at(m.start)
    before = re.split(r"[;:]", document.text[max(start, m.start - 40) : m.start])[-1]
    after = re.split(r"[;.]", document.text[m.end : min(end, m.end + 80)])[0]
    return f"{before} {m.text} {after}"


def _stated(pattern: re.Pattern, text: str) -> bool:
    """A word of ``pattern`` in ``text``, not negated ('without obstruction or gangrene', 'non-incarcerated')."""
    for match in pattern.finditer(text):
        head = text[: match.start()]
        if _NEG.search(head) or re.search(r"\bnon-?\s*$", head, re.IGNORECASE):
            continue
        return True
    return False


def _with_hernia(ctx: Context, m: Mention, sentences: set) -> bool:
    """The obstruction / gangrene stated with the hernia: in one of its sentences, or in a sentence
    that names the hernia ('small bowel obstruction due to the incarcerated hernia')."""
    document = ctx.analyzed.document(m.document_id)
    span = document.sentence_at(m.start)
    return (m.document_id, span) in sentences or re.search(
        r"\bhernia", document.text[span[0] : span[1]], re.I
    ) is not None


def _side_text(ctx: Context, m: Mention) -> str:
    """The words that can give the hernia its side: the mention and the two words before it, and what
    follows it up to a comma ("Left inguinal hernia, bilateral hydroceles": the hydroceles'
    "bilateral" is not the hernia's)."""
    document = ctx.analyzed.document(m.document_id)
    start, end = document.sentence_at(m.start)
    before = " ".join(document.text[max(start, m.start - 30) : m.start].split()[-2:])
    after = re.split(r"[,;.]", document.text[m.end : min(end, m.end + 40)])[0]
    return f"{before} {m.text} {after}"


def _hernia_code(code: str, text: str, side_text: str | None = None) -> str | None:
    category, fourth = code[:3], code[4:5] if len(code) > 4 else ""
    side_text = text if side_text is None else side_text
    obstruction = _stated(_OBSTRUCTION, text) or (category in ("K40", "K41") and fourth in "03" and fourth != "")
    gangrene = _stated(_GANGRENE, text) or (category in ("K40", "K41") and fourth in "14" and fourth != "")
    state = "gangrene" if gangrene else "obstruction" if obstruction else "none"
    if category in ("K40", "K41"):
        if _BILATERAL.search(side_text):
            bilateral = True
        elif _ONE_SIDE.search(side_text):
            bilateral = False
        else:
            bilateral = fourth in ("0", "1", "2")
        digit = {"obstruction": "03", "gangrene": "14", "none": "29"}[state][0 if bilateral else 1]
        recurrent = _stated(_RECURRENT, text) or code[5:6] == "1"
        return f"{category}.{digit}{'1' if recurrent else '0'}"
    if category == "K43":
        base = "0" if fourth in "012" else "3" if fourth in "345" else "6"
        digits = {"0": "012", "3": "345", "6": "679"}[base]
        return f"K43.{digits[{'obstruction': 0, 'gangrene': 1, 'none': 2}[state]]}"
    if fourth in ("0", "1", "9"):
        return f"{category}.{ {'obstruction': '0', 'gangrene': '1', 'none': '9'}[state] }"
    return None


def _ulcer_code(code: str, text: str) -> str | None:
    fourth = code[4:5]
    if not fourth:
        return None
    bleeding = fourth in "0246" or _stated(_BLEEDING, text)
    perforation = fourth in "1256" or _stated(_PERFORATION, text)
    acute = fourth in "0123"
    index = (1 if bleeding else 0) + (2 if perforation else 0)
    if index == 0:
        return None
    return f"{code[:3]}.{('-012' if acute else '-456')[index]}"


def _diverticular_code(code: str, text: str) -> str | None:
    if len(code) < 6 or code[4] not in "1359":
        return None
    if not (_stated(_PERFORATION, text) or _stated(_ABSCESS, text)):
        return None
    bleeding = code[5] in "13" or _stated(_BLEEDING, text)
    return f"K57.{ {'1': '0', '3': '2', '5': '4', '9': '8'}[code[4]] }{'1' if bleeding else '0'}"


@rule(
    COMPLICATIONS_ID,
    "I.A.15 ('with'), I.B.9 (combination codes); Tabular K40-K46 (with obstruction: incarcerated, irreducible, "
    "strangulated; with gangrene; bilateral; recurrent), K25-K28 (with hemorrhage / perforation), K57 (with "
    "perforation and abscess)",
    "a hernia, peptic ulcer or diverticular disease documented with its complication is the code naming it",
    before="ocg.I.B.5",
)
def _complications(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        if cand not in cands:
            continue
        if cand.code.startswith(_HERNIA):
            pick = _hernia_code
        elif cand.code.startswith(_PEPTIC):
            pick = _ulcer_code
        elif cand.code.startswith("K57"):
            pick = _diverticular_code
        else:
            continue
        live = _live(cand)
        if not live:
            continue
        if any(m.section == "postoperative_diagnosis" for m in live):
            # OCG IV.N: the postoperative diagnosis is the most definitive ("Bilateral inguinal hernias"
            # before, "Left inguinal hernia" after: one side)
            live = [m for m in live if m.section != "preoperative_diagnosis"]
        text = " ".join(_clause_text(ctx, m) for m in live)
        if pick is _hernia_code:
            code = _hernia_code(cand.code, text, " ".join(_side_text(ctx, m) for m in live))
        else:
            code = pick(cand.code, text)
        node = ctx.index.get(code) if code else None
        if node is None or not node.billable or code == cand.code:
            continue
        existing = next((c for c in cands if c.code == code), None)
        if existing is not None:
            existing.mentions.extend(m for m in cand.mentions if m not in existing.mentions)
            existing.rules.append(COMPLICATIONS_ID)
            _drop(cands, ctx, cand, COMPLICATIONS_ID, f"documented with its complication: {code} (OCG I.A.15)")
            cand = existing
        else:
            cand.steps.append(f"{cand.code} -> {code} ({node.description}): as documented (OCG I.A.15, I.B.9)")
            cand.matched.add(cand.code)
            cand.code = code
            cand.rules.append(COMPLICATIONS_ID)
        if not code.startswith(_HERNIA):
            continue
        description = node.description.lower()
        included = [
            prefix
            for what, prefixes in _HERNIA_INCLUDES.items()
            if f"with {what}" in description
            for prefix in prefixes
        ]
        sentences = {(m.document_id, ctx.analyzed.document(m.document_id).sentence_at(m.start)) for m in live}
        for other in [c for c in cands if included and c.code.startswith(tuple(included))]:
            if all(_with_hernia(ctx, m, sentences) for m in other.mentions):
                cand.mentions.extend(m for m in other.mentions if m not in cand.mentions)
                _drop(cands, ctx, other, COMPLICATIONS_ID, f"included in {code} (Excludes1 at K56: with hernia)")
    return cands


# --- combination codes of two documented conditions: gallstones with cholecystitis, bile duct stones ---------
# --- with cholangitis, reflux disease with esophagitis ------------------------------------------------------

COMBINATION_ID = "ocg.I.C.11.combination.v1"
_ACUTE = re.compile(r"\bacute\b", re.IGNORECASE)
_CHRONIC = re.compile(r"\bchronic\b", re.IGNORECASE)
_OTHER_CAUSE = re.compile(r"\b(?:due to|from|secondary to|caused by|induced|related to)\b|\bpill\b", re.IGNORECASE)
_REFLUX = re.compile(r"\b(?:GERD|GORD|reflux)\b", re.IGNORECASE)


def _gallbladder(stone: Candidate, other: Candidate, ctx: Context) -> str | None:
    """K80.2- with K81.- (Index: Cholelithiasis -> with cholecystitis; Calculus, gallbladder -> with
    cholecystitis): K80.0- acute, K80.1- chronic / acute and chronic / other."""
    obstruction = stone.code.endswith("1")
    kind = {"K81.0": "0", "K81.1": "10", "K81.2": "12", "K81.9": "18"}.get(other.code)
    if kind is None:
        return None
    if kind == "0":
        return f"K80.0{'1' if obstruction else '0'}"
    return f"K80.1{int(kind[1]) + (1 if obstruction else 0)}"


def _bile_duct(stone: Candidate, other: Candidate, ctx: Context) -> str | None:
    """K80.5- with cholangitis K83.09 (Index: Calculus, bile duct -> with cholangitis K80.3-)."""
    if other.code != "K83.09":
        return None
    text = " ".join(_clause_text(ctx, m) for m in _live(other))
    acute, chronic = _stated(_ACUTE, text), _stated(_CHRONIC, text)
    base = 6 if acute and chronic else 2 if acute else 4 if chronic else 0
    return f"K80.3{base + (1 if stone.code.endswith('1') else 0)}"


@rule(
    COMBINATION_ID,
    "I.B.9 (combination codes), I.A.15 ('with'); Index: Cholelithiasis -> with cholecystitis (K80.0-, K80.1-), "
    "Calculus, bile duct -> with cholangitis (K80.3-); Esophagitis, reflux K21.0- (Excludes1 at K20)",
    "two conditions a combination code names together are that code: gallstones with cholecystitis, duct stones "
    "with cholangitis, reflux with esophagitis",
    before="ocg.I.B.5",
)
def _combinations(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for first, second, pick in (("K80.2", "K81", _gallbladder), ("K80.5", "K83.0", _bile_duct)):
        stone = next((c for c in cands if c.code.startswith(first) and _affirmed(c)), None)
        other = next((c for c in cands if c.code.startswith(second) and _affirmed(c)), None)
        if stone is None or other is None:
            continue
        code = pick(stone, other, ctx)
        node = ctx.index.get(code) if code else None
        if node is None or not node.billable or any(c.code == code for c in cands):
            continue
        _combine(cands, ctx, stone, other, code, node.description)
    # esophagitis with reflux disease in its clause, or reflux disease coded in its sentence: K21.0-
    for esophagitis in [c for c in cands if c.code.startswith(("K20.8", "K20.9")) and _affirmed(c)]:
        live = _live(esophagitis)
        clauses = [_clause_text(ctx, m) for m in live]
        stated = any(_stated(_REFLUX, text) for text in clauses)
        # 'with' (I.A.15): reflux disease coded anywhere is linked to an esophagitis of no other stated cause
        reflux = next(
            (
                c
                for c in cands
                if c.code == "K21.9"
                and _affirmed(c)
                and (_same_sentence(ctx, c, live) or (esophagitis.code.startswith("K20.9") and not stated))
            ),
            None,
        )
        if reflux is not None and not stated and any(_OTHER_CAUSE.search(text) for text in clauses):
            reflux = None
        if reflux is None and not stated:
            continue
        code = f"K21.0{'1' if esophagitis.code.endswith('1') else '0'}"
        node = ctx.index.get(code)
        if node is None or any(c.code == code for c in cands):
            continue
        _combine(cands, ctx, esophagitis, reflux, code, node.description)
    return cands


def _affirmed(cand: Candidate) -> bool:
    return any(m.affirmed for m in cand.mentions)


def _same_sentence(ctx: Context, cand: Candidate, live: list[Mention]) -> bool:
    spans = {(m.document_id, ctx.analyzed.document(m.document_id).sentence_at(m.start)) for m in live}
    return any(
        (m.document_id, ctx.analyzed.document(m.document_id).sentence_at(m.start)) in spans for m in cand.mentions
    )


def _combine(
    cands: list[Candidate], ctx: Context, keep: Candidate, other: Candidate | None, code: str, description: str
) -> None:
    names = f"{keep.code} and {other.code}" if other is not None else keep.code
    keep.steps.append(f"{names} -> {code} ({description}): one combination code (OCG I.B.9)")
    keep.matched.add(keep.code)
    keep.code = code
    keep.rules.append(COMBINATION_ID)
    if other is not None:
        keep.matched.add(other.code)
        keep.mentions.extend(m for m in other.mentions if m not in keep.mentions)
        _drop(cands, ctx, other, COMBINATION_ID, f"included in the combination code {code} (OCG I.B.9)")
