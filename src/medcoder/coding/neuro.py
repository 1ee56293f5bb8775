"""Cerebral infarction by the vessel and the mechanism the record documents (OCG I.A.15, I.B.13,
I.C.9; issue 9).

The Index codes an infarction "due to" the occlusion, stenosis, thrombosis or embolism of a named
artery in I63.0-I63.5, whose 5th and 6th characters are the artery and its side: "acute embolic
stroke due to occlusion of the left middle cerebral artery" is I63.412.  I65 / I66 (occlusion and
stenosis not resulting in infarction) carry Excludes1 notes for the same occlusion "causing cerebral
infarction (I63.-)": the occlusion is part of the I63 code, not a code beside it.
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate, Mention
from medcoder.coding.guidelines import Context, _drop, rule

ARTERY_ID = "ocg.I.C.9.infarction.artery.v1"

# occlusion codes -> (cerebral or precerebral, the artery's character in I63.xY-)
_VESSEL = (
    ("I66.0", "cerebral", "1"),  # middle cerebral
    ("I66.1", "cerebral", "2"),  # anterior cerebral
    ("I66.2", "cerebral", "3"),  # posterior cerebral
    ("I66.3", "cerebral", "4"),  # cerebellar
    ("I65.0", "precerebral", "1"),  # vertebral
    ("I65.1", "precerebral", "2"),  # basilar
    ("I65.2", "precerebral", "3"),  # carotid
)
# mechanism -> I63 4th character: (precerebral, cerebral)
_MECHANISM = (
    (re.compile(r"\bembol\w*|\bcardioembolic\b", re.I), ("1", "4")),
    (re.compile(r"\bthromb\w*", re.I), ("0", "3")),
)
_UNSPECIFIED_ARTERY = ("I63.9", "I63.1", "I63.3", "I63.4", "I63.5", "I63.0", "I63.2")


def _infarction_code(ctx: Context, kind: str, artery: str, mech: tuple[str, str], side: str):
    """(code, node) of the I63 code for the artery (cerebral or precerebral), mechanism and side
    digit; the artery's header resolved to its default where the side gives no billable code."""
    fourth = mech[0] if kind == "precerebral" else mech[1]
    target = f"I63.{fourth}{artery}{side}"
    node = ctx.index.get(target)
    if node is None or not node.billable:
        resolution = ctx.index.resolve(f"I63.{fourth}{artery}")
        if resolution is None:
            return None
        target, node = resolution.code, ctx.index.get(resolution.code)
    return target, node


def _live(cand: Candidate) -> list[Mention]:
    return [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]


def _same_sentence(ctx: Context, a: Candidate, b: Candidate) -> str | None:
    for m in _live(a):
        document = ctx.analyzed.document(m.document_id)
        start, end = document.sentence_at(m.start)
        if any(n.document_id == m.document_id and start <= n.start < end for n in _live(b)):
            return document.text[start:end]
    return None


@rule(
    ARTERY_ID,
    "I.A.15, I.B.13, I.C.9 (cerebral infarction due to occlusion, stenosis, thrombosis or embolism of a named "
    "artery: I63.0-I63.5 by artery and side; I65-I66 exclude the occlusion that causes the infarction)",
    "a stroke documented with the occluded artery is the I63 code of that artery, side and mechanism",
    before="ocg.I.A.12.a",
)
def _artery(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    strokes = [
        c
        for c in cands
        if c.code.startswith(_UNSPECIFIED_ARTERY) and (c.code == "I63.9" or len(c.code) <= 6) and _live(c)
    ]
    for stroke in strokes:
        for occlusion in [c for c in cands if c.code.startswith(("I65", "I66")) and _live(c)]:
            vessel = next((v for v in _VESSEL if occlusion.code.startswith(v[0])), None)
            sentence = _same_sentence(ctx, stroke, occlusion) if vessel else None
            if sentence is None:
                continue
            kind, artery = vessel[1], vessel[2]
            mech = next((m[1] for m in _MECHANISM if m[0].search(sentence)), ("2", "5"))
            side = occlusion.code[5] if len(occlusion.code) == 6 else ""  # I66.02: the 5th character is the side
            found = _infarction_code(ctx, kind, artery, mech, side)
            if found is None:
                continue
            target, node = found
            stroke.steps.append(
                f"{stroke.code} + {occlusion.code} -> {target} ({node.description}): the infarction due to the "
                "documented artery (OCG I.C.9, I.B.13)"
            )
            stroke.code = target
            stroke.rules.append(ARTERY_ID)
            stroke.mentions.extend(m for m in occlusion.mentions if m not in stroke.mentions)
            _drop(cands, ctx, occlusion, ARTERY_ID, f"the occlusion that caused the infarction is part of {target}")
            break
    return cands


# the artery named in the stroke's own words: "acute ischemic stroke of the left middle cerebral artery
# territory due to embolism" (no separate I66 occlusion wording to combine with)
_NAMED_ARTERY = (
    (re.compile(r"\bmiddle\s+cerebral(?:\s+artery)?\b|\bMCA\b"), "cerebral", "1"),
    (re.compile(r"\banterior\s+cerebral(?:\s+artery)?\b|\bACA\b"), "cerebral", "2"),
    (re.compile(r"\bposterior\s+cerebral(?:\s+artery)?\b|\bPCA\b"), "cerebral", "3"),
    (re.compile(r"\bcerebellar\s+artery\b|\b(?:PICA|AICA|SCA)\b"), "cerebral", "4"),
    (re.compile(r"\bvertebral\s+artery\b"), "precerebral", "1"),
    (re.compile(r"\bbasilar\s+artery\b"), "precerebral", "2"),
    (re.compile(r"\b(?:internal\s+)?carotid\s+artery\b|\bICA\b"), "precerebral", "3"),
)
# the mechanism words that make the artery the infarction's cause (Index: Infarction, cerebral, due to
# embolism / thrombosis / occlusion or stenosis of ...); the I63 4th character (precerebral, cerebral)
_NAMED_MECHANISM = (
    (re.compile(r"\bembol\w*|\bcardioembolic\b", re.I), ("1", "4")),
    (re.compile(r"\bthromb\w*", re.I), ("0", "3")),
    (re.compile(r"\bocclu\w*|\bstenos[ie]s\b|\bstenotic\b", re.I), ("2", "5")),
)
_ARTERY_SIDE = re.compile(r"\b(right|left)\b\W*$", re.I)


@rule(
    "ocg.I.C.9.infarction.artery.v2",
    "I.A.15, I.B.13, I.C.9 (cerebral infarction due to occlusion, stenosis, thrombosis or embolism of a named "
    "artery: I63.0-I63.5 by artery and side; I65-I66 exclude the occlusion that causes the infarction)",
    "a stroke documented with the occluded artery is the I63 code of that artery, side and mechanism",
    before="ocg.I.A.12.a",
)
def _artery_v2(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # v2: also the artery the stroke's own wording names with the mechanism ("stroke of the left
    # middle cerebral artery territory due to embolism" -> I63.412), where v1 needed a separate
    # occlusion code (I66.-) to combine with.  The artery and the mechanism must both be in the
    # stroke's sentence; a side the sentence gives once goes into the code.
    cands = _artery(cands, ctx)
    if ctx.analyzed is None:
        return cands
    for stroke in [c for c in cands if c.code == "I63.9" and _live(c)]:
        found = set()
        for m in _live(stroke):
            document = ctx.analyzed.document(m.document_id)
            start, end = document.sentence_at(m.start)
            sentence = document.text[start:end]
            arteries = [(kind, char, hit) for rx, kind, char in _NAMED_ARTERY if (hit := rx.search(sentence))]
            mechanisms = [chars for rx, chars in _NAMED_MECHANISM if rx.search(sentence)]
            if len(arteries) == 1 and len(mechanisms) == 1:
                kind, char, hit = arteries[0]
                # the side the artery's own words give ("left middle cerebral artery"), not the
                # deficit's ("with right hemiparesis")
                side = _ARTERY_SIDE.search(sentence[max(0, hit.start() - 12) : hit.start()])
                found.add(((kind, char), mechanisms[0], side.group(1).lower() if side else ""))
        if len(found) != 1:
            continue
        (kind, artery), mech, side = found.pop()
        code = _infarction_code(ctx, kind, artery, mech, {"right": "1", "left": "2"}.get(side, "9"))
        if code is None:
            continue
        target, node = code
        stroke.steps.append(
            f"I63.9 -> {target} ({node.description}): the infarction due to the artery and mechanism its own "
            "words name (OCG I.C.9, I.B.13)"
        )
        stroke.matched.add(stroke.code)
        stroke.code = target
        stroke.rules.append("ocg.I.C.9.infarction.artery.v2")
    return cands


# --- hemiplegia and monoplegia: the side the note names (OCG I.C.6.a) ---------------------------------

SIDE_ID = "ocg.I.C.6.a.side.v1"
# G81.x0, G83.1-G83.3 x0: "affecting unspecified side"
_UNSIDED = ("G81.00", "G81.10", "G81.90", "G83.10", "G83.20", "G83.30")
_SIDE_WORD = re.compile(
    r"\b(?P<side>right|left)(?:[- ]sided)?\b(?! (?:hand(?:ed)?|dominant)\b)|\b(?P<abbr>R|L)(?=[- ]sided\b)", re.I
)


@rule(
    SIDE_ID,
    "I.C.6.a, I.B.13 (hemiplegia, hemiparesis and monoplegia: the side documented, dominant or nondominant by "
    "handedness or the I.C.6.a defaults)",
    "hemiplegia or monoplegia whose side the note names is coded with that side and its dominance",
    before="ocg.I.C.6.a.dominance",
)
def _side(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    from medcoder.coding.cerebrovascular import _dominance_digit, _handedness

    handed = _handedness(ctx)
    for cand in [c for c in cands if c.code in _UNSIDED]:
        sides = set()
        for m in _live(cand):
            document = ctx.analyzed.document(m.document_id)
            start, end = document.sentence_at(m.start)
            text = document.text
            # the words of the mention's own clause: "left hemiparesis", "hemiplegia affecting the right side"
            lo = max(start, m.start - 25)
            stop = re.compile(r"[;.\n]|\band\b|\bwith\b").search(text, m.end, end)
            hi = stop.start() if stop else end
            for hit in _SIDE_WORD.finditer(text, lo, hi):
                word = (hit.group("side") or hit.group("abbr")).lower()
                sides.add("right" if word.startswith("r") else "left")
        if len(sides) != 1:
            continue
        side = sides.pop()
        target = cand.code[:-1] + _dominance_digit(side, handed)
        node = ctx.index.get(target)
        if node is None or not node.billable:
            continue
        cand.steps.append(
            f"{cand.code} -> {target} ({node.description}): {side} side documented, "
            f"{handed + '-handed' if handed in ('right', 'left') else handed or 'I.C.6.a default'} (OCG I.C.6.a)"
        )
        cand.code = target
        cand.rules.append(SIDE_ID)
    return cands


# --- epilepsy and migraine: intractable, status (Tabular G40, G43) ------------------------------------

INTRACTABLE_ID = "ocg.I.C.6.intractable.v1"
# Tabular G40 and G43: "the following terms are to be considered equivalent to intractable:
# pharmacoresistant (pharmacologically resistant), treatment resistant, refractory (medically) and
# poorly controlled"
_INTRACTABLE = re.compile(
    r"\b(?<!not )(?<!non-)(?<!non)intractable\b|\bpharmaco-?resistant\b|\bpharmacologically resistant\b|"
    r"\b(?:treatment|drug|medication|medically)[- ]resistant\b|\b(?:medically )?refractory\b|\bpoorly controlled\b",
    re.I,
)
_NOT_INTRACTABLE = re.compile(r"\bnot intractable\b|\bnonintractable\b|\bnon-intractable\b", re.I)
_STATUS = {"G40": re.compile(r"\bstatus epilepticus\b", re.I), "G43": re.compile(r"\bstatus migrainosus\b", re.I)}
_NO_STATUS = re.compile(r"\b(?:without|no|not in|negative for)\s+(?:\w+\s+){0,2}status\b", re.I)
_UNSPECIFIED_TYPE = {"G40": ("G40.90", "G40.91"), "G43": ("G43.90", "G43.91")}


def _variant(ctx: Context, code: str, intractable: bool | None, status: bool | None) -> str | None:
    """The code of the same type with the intractability / status asked (None: as it is), by the
    Tabular titles of the codes beside it."""
    node = ctx.index.get(code)
    if node is None or len(code) < 7:
        return None
    best = code
    for fifth in "01":
        for sixth in "19":
            other = code[:5] + fifth + sixth + code[7:]
            other_node = ctx.index.get(other)
            if other_node is None or not other_node.billable:
                continue
            title = other_node.description.lower()
            if intractable is not None and (("not intractable" in title) == intractable or "intractable" not in title):
                continue
            if intractable is None and fifth != code[5]:
                continue
            if status is not None and (title.find(", with status") >= 0) != status:
                continue
            if status is None and sixth != code[6]:
                continue
            best = other
    return best


# the word after "poorly controlled" / "refractory" that shows it qualifies another condition ("poorly
# controlled diabetes", "treatment resistant depression")
_QUALIFIES_OTHER = re.compile(
    r"\s+(?!to\b|despite\b|on\b|with\b|by\b|and\b|or\b|seizures?\b|epilep|migraines?\b|headaches?\b|"
    r"status\b|focal\b|generali[sz]ed\b|chronic\b|complex\b|absence\b)[a-z]",
    re.I,
)
_PAST = re.compile(r"\b(?:history of|hx of|prior|previous|past|remote)\b[\w\s,]{0,25}$", re.I)


def _said(pattern: re.Pattern[str], text: str, qualifier: bool = False) -> bool:
    """``pattern`` said of the disorder itself: not as past history, nor (a ``qualifier`` such as
    "poorly controlled") of another condition."""
    for hit in pattern.finditer(text):
        if (qualifier and _QUALIFIES_OTHER.match(text, hit.end())) or _PAST.search(text[: hit.start()]):
            continue
        return True
    return False


def _words(ctx: Context, cand: Candidate) -> list[str]:
    out = []
    for m in _live(cand):
        document = ctx.analyzed.document(m.document_id)
        start, end = document.sentence_at(m.start)
        out.append(document.text[start:end])
    return out


@rule(
    INTRACTABLE_ID,
    "I.C.6, I.B.9 (Tabular G40, G43: intractable and its equivalents -- pharmacoresistant, treatment resistant, "
    "refractory, poorly controlled; with / without status epilepticus or status migrainosus in one code)",
    "epilepsy and migraine are coded intractable or not and with or without status as documented, in one code",
    before="ocg.I.A.12.a",
)
def _intractable(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for category in ("G40", "G43"):
        group = [c for c in cands if c.code.startswith(category) and len(c.code) == 7 and _live(c)]
        if not group:
            continue
        # one disorder said in several codes: the unspecified type joins the documented type
        typed = [c for c in group if not c.code.startswith(_UNSPECIFIED_TYPE[category])]
        loose = [c for c in group if c.code.startswith(_UNSPECIFIED_TYPE[category])]
        if not typed and len(loose) > 1:  # "epilepsy with a history of status epilepticus": one epilepsy
            typed, loose = loose[:1], loose[1:]
        if len(typed) == 1 and loose:
            for other in loose:
                typed[0].mentions.extend(m for m in other.mentions if m not in typed[0].mentions)
                typed[0].steps.append(f"{other.code} said of the same {category} disorder")
                _drop(cands, ctx, other, INTRACTABLE_ID, f"the same disorder as {typed[0].code} (OCG I.B.9)")
            group = typed
        for cand in group:
            sentences = _words(ctx, cand)
            said = " ".join(sentences)
            intractable = None
            if _NOT_INTRACTABLE.search(said):
                intractable = False
            elif _said(_INTRACTABLE, said, qualifier=True):
                intractable = True
            status = None
            if _said(_STATUS[category], said) and not _NO_STATUS.search(said):
                status = True
            elif _STATUS[category].search(said) or _NO_STATUS.search(said):
                status = False  # a past status epilepticus, or "without status"
            if intractable is None and status is None:
                continue
            target = _variant(ctx, cand.code, intractable, status)
            if target is None or target == cand.code:
                continue
            node = ctx.index.get(target)
            cand.steps.append(
                f"{cand.code} -> {target} ({node.description}): as documented (Tabular {category}: intractable "
                "equivalents; status)"
            )
            cand.code = target
            cand.rules.append(INTRACTABLE_ID)
    return cands


# --- Parkinson's disease: dyskinesia and fluctuations (Tabular G20.A-, G20.B-) ---------------------------

PARKINSON_ID = "ocg.I.C.6.parkinson.v1"
_FLUCTUATION = re.compile(
    r"\bfluctuat\w*|\bwearing[- ]off\b|\bwear[- ]off\b|\bon[- /]off\b|\boff (?:episodes?|periods?|time|states?)\b", re.I
)
_DYSKINESIA = re.compile(r"\bdyskinesias?\b", re.I)
_NEGATED_BEFORE = re.compile(r"\b(?:without|no|denies|not|none)\b[\w\s,'-]{0,30}$", re.I)


def _present(pattern: re.Pattern[str], sentence: str) -> bool:
    return any(not _NEGATED_BEFORE.search(sentence[: hit.start()][-45:]) for hit in pattern.finditer(sentence))


@rule(
    PARKINSON_ID,
    "I.C.6 (Tabular G20.A-, G20.B-: Parkinson's disease with or without dyskinesia, with or without "
    "fluctuations, 'with OFF episodes')",
    "Parkinson's disease is coded with the dyskinesia and the motor fluctuations documented with it",
    before="ocg.I.A.12.a",
)
def _parkinson(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in [c for c in cands if c.code in ("G20.A1", "G20.A2", "G20.B1") and _live(c)]:
        said = " ".join(_words(ctx, cand))
        dyskinesia = cand.code.startswith("G20.B") or _present(_DYSKINESIA, said)
        fluctuations = cand.code.endswith("2") or _present(_FLUCTUATION, said)
        target = f"G20.{'B' if dyskinesia else 'A'}{'2' if fluctuations else '1'}"
        if target == cand.code:
            continue
        node = ctx.index.get(target)
        cand.steps.append(f"{cand.code} -> {target} ({node.description}): as documented (Tabular G20)")
        cand.code = target
        cand.rules.append(PARKINSON_ID)
    return cands
