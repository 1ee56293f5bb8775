"""Mental, behavioral and neurodevelopmental disorders (OCG I.C.5; issue 9).

* I.C.5.d (dementia): "the ICD-10-CM classifies dementia (categories F01, F02, and F03) on the basis
  of the etiology and severity (unspecified, mild, moderate or severe) ... If the documentation does
  not provide information about the severity of the dementia, assign the appropriate code for
  unspecified severity.  If the patient is admitted to an inpatient acute care hospital with dementia
  at one severity level and it progresses to a higher severity level, assign the code for the highest
  severity level reported during the stay."  The 5th and 6th characters say the disturbance, with the
  Tabular's own examples: agitation (restlessness, pacing, exit-seeking, aggression, combativeness,
  violence) x11; other behavioral disturbance (sleep disturbance, disinhibition; wandering with
  Z91.83) x18; psychotic disturbance (hallucinations, paranoia, delusions) x2; mood disturbance
  (depression, apathy, anhedonia) x3; anxiety x4.  A dementia due to a condition in the F02 "code
  first" note (Alzheimer's G30.-, Lewy bodies G31.83, Parkinson's G20.- ...) is F02.-, never F03.-
  (G30 Excludes1 senile dementia NOS F03.-), after the etiology (I.A.13).  The symptom the
  combination code names (R44.1 hallucinations, R45.1 agitation, F41.9 anxiety) is not coded beside it.
* Index "Disorder, depressive, major": single episode F32.-, recurrent F33.-, each by severity
  (mild, moderate, severe without / with psychotic features) and remission (partial, full).
* I.C.5.c: factitious disorder imposed on another (F68.A) "should only be assigned in the
  perpetrator's record": the victim's record, where a parent or caregiver has the disorder, does not
  carry F68.A.
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate, Mention, matched_mention
from medcoder.coding.features import rule_candidate
from medcoder.coding.guidelines import Context, _drop, rule

DEMENTIA_ID = "ocg.I.C.5.d.dementia.v1"
DEPRESSION_ID = "ocg.I.C.5.depression.v1"
FDIA_ID = "ocg.I.C.5.c.fdia.v1"

_DEMENTIA = ("F01", "F02", "F03")
# the F02 "code first" note: the physiological conditions of a dementia in diseases classified elsewhere
_ETIOLOGY = (
    "G30", "G31.0", "G31.83", "G31.90", "G20", "G10", "G35", "B20", "A81.0", "A81.9", "A52.17", "E75.4",
    "E83.01", "E83.52", "E52", "E53.8", "M30.0", "M32", "B56", "B57", "G40", "S06",
)  # fmt: skip
# conditions that are a dementia of their own kind: the record's "dementia" is theirs wherever it is said
_DEMENTING = ("G30", "G31.0", "G31.83")
_SEVERITY = {"mild": "A", "moderate": "B", "severe": "C"}
_UNSPECIFIED_SEVERITY = {"F01": "5", "F02": "8", "F03": "9"}
# Tabular F01-F03 5th / 6th characters and the words of their inclusion terms
_DISTURBANCES = (
    (
        "11",
        r"agitat\w*|restless\w*|rocking|pacing|exit[- ]seeking|aggress\w*|combative\w*|violen\w*|profanity|"
        r"shouting|threatening|anger|angry|striking out|hitting",
    ),
    ("18", r"wandering|wanders|sleep disturbance|disinhibit\w*|behavioral disturbances?|behavioural disturbances?"),
    ("2", r"psychos[ie]s|psychotic|hallucinat\w*|paranoi\w*|suspicious\w*|delusion\w*"),
    ("3", r"mood disturbance|depress\w*|apathy|apathetic|anhedonia"),
    ("4", r"anxiety|anxious"),
)
_NEG = re.compile(r"\b(?:no|not|without|denies|negative for|free of)\b[\w\s,/-]{0,40}$", re.I)
_WANDERING = re.compile(r"\bwander(?:ing|s)\b", re.I)
# codes the combination code's disturbance names (Tabular inclusion terms), not coded beside it
_INCLUDED = ("R44", "R45.1", "R45.4", "R45.6", "R45.87", "F41.9", "F32.A", "F22", "F29", "G47.9", "R46.81")
_LINK = re.compile(r"\b(?:due to|in|with|secondary to|from|associated with|related to|of)\b", re.I)


def _live(cand: Candidate) -> list[Mention]:
    return [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]


def _sentence(ctx: Context, m: Mention) -> tuple[int, int, str]:
    document = ctx.analyzed.document(m.document_id)
    start, end = document.sentence_at(m.start)
    return start, end, document.text


def _clause_after(text: str, end: int, stop: int) -> tuple[int, int]:
    """From the end of a mention to the end of its clause (a semicolon, a full stop or a new line)."""
    cut = re.compile(r"[;.\n]").search(text, end, stop)
    return end, cut.start() if cut else stop


def _severity(text: str, m: Mention, lo: int, hi: int) -> str | None:
    """The severity the dementia's own words say: "moderate dementia", "dementia, severe,", "dementia of
    moderate severity", "moderate on admission, severe by discharge" (the highest, I.C.5.d); not a range
    ("moderate to severe") nor the severity of a disturbance ("with severe agitation")."""
    b = _clause_after(text, m.end, hi)[1]
    window = text[max(lo, m.start - 40) : b]
    if re.search(r"\b(?:mild|moderate)\s*(?:to|-)\s*(?:moderate|severe)\b", window, re.I):
        return None
    disturbance = "|".join(words for _, words in _DISTURBANCES)
    levels = []
    before = text[max(lo, m.start - 30) : m.start]
    found = re.search(r"\b(mild|moderate|severe)(?:[- ]stage)?[\s,]*(?:\w+'?s? ){0,3}$", before, re.I)
    spans = [(found, before)] if found else []
    spans += [(hit, text[m.start : b]) for hit in re.finditer(r"\b(mild|moderate|severe)\b", text[m.start : b], re.I)]
    for hit, where in spans:
        following = where[hit.end() : hit.end() + 30]
        if re.match(rf"\s*(?:\w+\s+)?(?:{disturbance})\b", following, re.I):
            continue  # "severe agitation", "mild anxiety"
        if re.match(r"\s+(?:neuro)?cognitive\b", following, re.I):
            continue  # "mild neurocognitive disorder" is no dementia
        levels.append(_SEVERITY[hit.group(1).lower()])
    return max(levels) if levels else None


def _disturbances(text: str, m: Mention, hi: int) -> tuple[list[str], list[tuple[int, int]], bool]:
    """The 5th/6th characters of the disturbances said with the dementia (after it, in its clause and
    the next ones of its sentence joined by "with" / "and"), their spans, and whether the note says
    "without behavioral disturbance"."""
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    a, b = _clause_after(text, m.end, hi)
    tail = text[a:b]
    head = text[m.start : m.end]
    without = bool(re.search(r"\bwithout\b[^.;]*\bdisturbance", head + tail, re.I))
    for digit, words in _DISTURBANCES:
        for hit in re.finditer(rf"\b(?:{words})\b", tail, re.I):
            left = tail[: hit.start()]
            if _NEG.search(left[-45:]) or (digit == "18" and re.search(r"\bwithout\b", left, re.I)):
                continue
            if digit == "3" and re.search(r"\bdisorder\b", tail[hit.end() : hit.end() + 12], re.I):
                continue  # "with major depressive disorder": a disorder of its own, coded apart
            if digit not in found:
                found.append(digit)
            spans.append((a + hit.start(), a + hit.end()))
    # "agitated dementia", "dementia with agitation" inside the matched words
    for digit, words in _DISTURBANCES:
        present = re.search(rf"\b(?:{words})\b", head, re.I) and not re.search(r"\bwithout\b", head, re.I)
        if present and digit not in found:
            found.append(digit)
    if (
        "11" in found and "18" in found and not re.search(r"wander|sleep|disinhibit", head + tail, re.I)
    ):  # "behavioral disturbance (agitation)"
        found.remove("18")
    return found, spans, without


def _etiology(ctx: Context, cands: list[Candidate], dementia: Candidate) -> Candidate | None:
    """The F02 "code first" condition the record gives the dementia: a dementing disease anywhere, or a
    listed condition said in the dementia's sentence ("dementia due to Parkinson's disease")."""
    for cand in cands:
        if cand is dementia or not cand.code.startswith(_ETIOLOGY) or not _live(cand):
            continue
        if cand.code.startswith(_DEMENTING):
            return cand
        for m in _live(dementia):
            lo, hi, text = _sentence(ctx, m)
            if any(n.document_id == m.document_id and lo <= n.start < hi for n in _live(cand)) and _LINK.search(
                text[lo:hi]
            ):
                return cand
    return None


@rule(
    DEMENTIA_ID,
    "I.C.5.d (dementia by etiology and severity, the highest severity of the stay) and Tabular F01-F03 "
    "(behavioral, psychotic, mood disturbance, anxiety; F02 code first the underlying condition)",
    "dementia is coded F01 / F02 / F03 by its etiology, with the documented severity and disturbance",
    before="ocg.I.A.12.a",
)
def _dementia(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    group = [c for c in cands if c.code.startswith(_DEMENTIA) and _live(c)]
    if not group:
        # "dementia with Lewy bodies", "Alzheimer's dementia": Index G31.83 [F02.80], G30.9 [F02.80]
        host = next(
            (
                c
                for c in cands
                if c.code.startswith(_DEMENTING)
                and any(re.search(r"\bdementia\b|\bmajor neurocognitive\b", m.text, re.I) for m in _live(c))
            ),
            None,
        )
        if host is None:
            return cands
        made = Candidate("F02.80", matched={"F02.80"}, mentions=list(_live(host)), features=dict(host.features))
        made.confidence = host.confidence
        made.steps.append(f"F02.80: the dementia {host.code} names (Index: Dementia, in, {host.code} [F02.80])")
        made.rules.append(DEMENTIA_ID)
        cands.insert(cands.index(host) + 1, made)
        group = [made]
    # the kind: vascular where documented, in a disease classified elsewhere where the record names it
    kinds = {c.code[:3] for c in group}
    severity: str | None = None
    digits: list[str] = []
    spans: list[tuple[str, int, int]] = []
    without = False
    wandering = False
    for cand in group:
        for m in _live(cand):
            lo, hi, text = _sentence(ctx, m)
            level = _severity(text, m, lo, hi)
            if level and (severity is None or level > severity):
                severity = level  # A < B < C: the highest of the stay (I.C.5.d)
            found, where, said_without = _disturbances(text, m, hi)
            without = without or said_without
            digits.extend(d for d in found if d not in digits)
            if where:
                spans.append((m.document_id, m.start, _clause_after(text, m.end, hi)[1]))
            if _WANDERING.search(text[m.start : _clause_after(text, m.end, hi)[1]]):
                wandering = True
    etiology = None
    if "F01" not in kinds or len(kinds) > 1:
        first_other = next((c for c in group if not c.code.startswith("F01")), None)
        etiology = _etiology(ctx, cands, first_other) if first_other else None
    plans: list[tuple[str, Candidate]] = []
    keep_kinds = []
    if "F01" in kinds:
        keep_kinds.append("F01")
    if etiology is not None or "F02" in kinds:
        keep_kinds.append("F02")
    if not keep_kinds:
        keep_kinds.append("F03")
    for kind in keep_kinds:
        source = next((c for c in group if c.code.startswith(kind)), group[0])
        level = severity or (source.code[4] if source.code[4] in "ABC" else _UNSPECIFIED_SEVERITY[kind])
        wanted = digits or ([] if without else [d for d in _own_disturbance(source.code) if d])
        for digit in wanted or ["0"]:
            plans.append((f"{kind}.{level}{digit}", source))
    made: list[Candidate] = []
    used: set[int] = set()
    for code, source in plans:
        node = ctx.index.get(code)
        if node is None or not node.billable:
            continue
        if id(source) not in used:
            used.add(id(source))
            if source.code != code:
                source.steps.append(f"{source.code} -> {code} ({node.description}) (OCG I.C.5.d, Tabular F01-F03)")
                source.code = code
                source.rules.append(DEMENTIA_ID)
            made.append(source)
            continue
        extra = Candidate(code, matched={code}, mentions=list(source.mentions), features=dict(source.features))
        extra.confidence = source.confidence
        extra.rules.append(DEMENTIA_ID)
        extra.steps.append(f"{code} ({node.description}): a further disturbance of the dementia (Tabular F01-F03)")
        cands.insert(cands.index(source) + 1, extra)
        made.append(extra)
    if not made:
        return cands
    for cand in group:
        if cand not in made and cand in cands:
            made[0].mentions.extend(m for m in cand.mentions if m not in made[0].mentions)
            _drop(cands, ctx, cand, DEMENTIA_ID, f"the dementia is coded {made[0].code} (OCG I.C.5.d)")
    # the symptom the combination code names, said in the same words
    for cand in list(cands):
        if cand in made or not cand.code.startswith(_INCLUDED):
            continue
        live = _live(cand)
        if live and all(any(n.document_id == d and s <= n.start < e for d, s, e in spans) for n in live):
            _drop(cands, ctx, cand, DEMENTIA_ID, f"the disturbance is part of {made[0].code} (Tabular F01-F03)")
    if wandering and not any(c.code == "Z91.83" for c in cands):
        mention = next((m for c in made for m in _live(c)), None)
        if mention is not None:
            document = ctx.analyzed.document(mention.document_id)
            hit = _WANDERING.search(document.text, mention.start)
            if hit is not None:
                found = matched_mention(document, hit, "wandering", "Tabular F0x.x18: use additional code Z91.83")
                cands.append(
                    rule_candidate(
                        "Z91.83",
                        found,
                        DEMENTIA_ID,
                        "Z91.83 (Wandering in diseases classified elsewhere): the F01-F03 'use additional code' note",
                    )
                )
    return cands


def _own_disturbance(code: str) -> list[str]:
    tail = code[5:] if len(code) > 5 else ""
    return [tail] if tail and tail != "0" and tail != "1" else []


# --- major depressive disorder ----------------------------------------------------------------------

# major depressive disorder: single episode F32.0-F32.5, F32.9; recurrent F33.0-F33.4-, F33.9
_MDD = ("F32.0", "F32.1", "F32.2", "F32.3", "F32.4", "F32.5", "F32.9", "F33.0", "F33.1", "F33.2", "F33.3", "F33.4",
        "F33.9")  # fmt: skip
_RECURRENT = re.compile(r"\brecurrent\b|\brecurring\b", re.I)
_SINGLE = re.compile(r"\bsingle episode\b|\bsingle\b", re.I)
_MDD_STATE = (
    (re.compile(r"\bin partial remission\b|\bpartially remitted\b", re.I), ("4", "41")),
    (re.compile(r"\bin full remission\b|\bin complete remission\b|\bfully remitted\b", re.I), ("5", "42")),
    (re.compile(r"\bin remission\b", re.I), (None, "40")),
    (re.compile(r"\bsevere\b[^;.]{0,25}?\bwith(?: mood-congruent| mood-incongruent)? psychotic\b", re.I), ("3", "3")),
    (re.compile(r"\bsevere\b", re.I), ("2", "2")),
    (re.compile(r"\bmoderate\b", re.I), ("1", "1")),
    (re.compile(r"\bmild\b", re.I), ("0", "0")),
)


@rule(
    DEPRESSION_ID,
    "I.C.5 (Index: Disorder, depressive, major -> single episode F32.-, recurrent F33.-, by severity and remission)",
    "major depressive disorder is coded with the episode, severity and remission the provider documents",
    before="ocg.I.A.12.a",
)
def _depression(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in [c for c in cands if c.code.startswith(_MDD) and _live(c)]:
        for m in _live(cand):
            lo, hi, text = _sentence(ctx, m)
            b = _clause_after(text, m.end, hi)[1]
            words = text[max(lo, m.start - 20) : b]
            if re.search(r"\b(?:mild|moderate)\s*(?:to|-)\s*(?:moderate|severe)\b", words, re.I):
                continue  # a range is no one severity
            recurrent = bool(_RECURRENT.search(words)) or cand.code.startswith("F33")
            state = next((s for pattern, s in _MDD_STATE if pattern.search(words)), None)
            if state is None:
                continue
            if state[0] == "3" and re.search(r"\bwithout psychotic\b", words, re.I):
                state = ("2", "2")
            digit = state[1] if recurrent else state[0]
            if digit is None:
                continue
            target = f"F33.{digit}" if recurrent else f"F32.{digit}"
            node = ctx.index.get(target)
            if node is None or not node.billable or target == cand.code:
                break
            cand.steps.append(
                f"{cand.code} -> {target} ({node.description}): the episode, severity and remission documented "
                "(Index: Disorder, depressive, major)"
            )
            cand.code = target
            cand.rules.append(DEPRESSION_ID)
            break
    return cands


# --- factitious disorder imposed on another --------------------------------------------------------------

_VICTIM = re.compile(
    r"\b(?:victim of|perpetrated by|inflicted by|induced by|fabricated by|caused by)\b|"
    r"\b(?:his|her|the patient's|patient's|child's|infant's) (?:mother|father|parent|caregiver|guardian|"
    r"grandmother|stepmother|foster mother)\b|"
    r"\b(?:mother|father|parent|caregiver|guardian)(?:'s)? (?:has|with|is suspected of|suspected of|"
    r"diagnosed with|meets criteria for)\b",
    re.I,
)

_FACTITIOUS = re.compile(r"\bimposed on (?:another|others)\b|\bby proxy\b", re.I)


@rule(
    FDIA_ID,
    "I.C.5.c (factitious disorder imposed on another, F68.A, only in the perpetrator's record)",
    "F68.A is not coded on the record of the patient a caregiver's factitious disorder is imposed on",
)
def _fdia(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in [c for c in cands if c.code == "Z81.8"]:
        # the caregiver's factitious disorder read as a family history: the victim's record takes neither
        texts = [(m, _sentence(ctx, m)) for m in cand.mentions]
        if texts and all(_FACTITIOUS.search(m.text) and _VICTIM.search(text[lo:hi]) for m, (lo, hi, text) in texts):
            _drop(
                cands,
                ctx,
                cand,
                FDIA_ID,
                "a caregiver's factitious disorder imposed on the patient is no family history: the victim's "
                "record is coded for the maltreatment (T74 / T76), not the disorder (OCG I.C.5.c)",
            )
    for cand in [c for c in cands if c.code == "F68.A"]:
        live = _live(cand)
        if not live:
            continue
        if all(_VICTIM.search(text[lo:hi]) for lo, hi, text in (_sentence(ctx, m) for m in live)):
            _drop(
                cands,
                ctx,
                cand,
                FDIA_ID,
                "the factitious disorder is the caregiver's: F68.A only in the perpetrator's record (OCG I.C.5.c)",
            )
    return cands
