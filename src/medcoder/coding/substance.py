"""Psychoactive substance use, abuse and dependence (OCG I.C.5.b; issue 9).

* I.C.5.b.2: "when the provider documentation refers to use, abuse and dependence of the same
  substance ... only one code should be assigned to identify the pattern of use": dependence over
  abuse, abuse over use (I.C.5.b.2.a-c).  A disorder the substance causes (intoxication, withdrawal)
  is coded in the series of the documented pattern: intoxication in a dependent patient is
  F1x.22-, not F1x.92-.
* I.C.5.b.3: "psychoactive substance use codes (F10.9-, F11.9- ...) are only to be used ... when the
  use is associated with a substance related disorder ... or medical condition, and such a
  relationship is documented by the provider": occasional use in a social history is not coded.
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate, Mention, matched_mention
from medcoder.coding.features import rule_candidate
from medcoder.coding.guidelines import Context, _drop, rule

HIERARCHY_ID = "ocg.I.C.5.b.2.pattern.v1"
USE_ID = "ocg.I.C.5.b.3.use.v1"
# F10-F16, F18, F19 (nicotine F17 has no abuse or use pattern)
SUBSTANCES = ("F10", "F11", "F12", "F13", "F14", "F15", "F16", "F18", "F19")
PATTERN = {"2": "dependence", "1": "abuse", "9": "use"}
RANK = {"2": 3, "1": 2, "9": 1}
_UNCOMPLICATED = re.compile(r"\buncomplicated\b|\bno complications?\b|\bwithout complications?\b", re.I)
# where the provider states the diagnoses (OCG II, IV.A)
STATEMENT = frozenset(
    {"diagnoses", "admitting_diagnosis", "postoperative_diagnosis", "preoperative_diagnosis", "assessment_plan"}
)


# a social-history account of use, or one the provider says has no related problem
_SOCIAL = re.compile(
    r"\bsocial history\b|\boccasional\w*|\brecreational\w*|\bsocially\b|\bno (?:related )?(?:problems?|issues?|"
    r"complications?)\b",
    re.I,
)


def _sentence(ctx: Context, m: Mention) -> str:
    if ctx.analyzed is None:
        return ""
    document = ctx.analyzed.document(m.document_id)
    start, end = document.sentence_at(m.start)
    return document.text[start:end]


def _live(cand: Candidate) -> list[Mention]:
    return [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]


def _pattern(code: str) -> str | None:
    return code[4] if code.startswith(SUBSTANCES) and len(code) >= 5 and code[4] in PATTERN else None


def _sentences(ctx: Context, cand: Candidate) -> str:
    out = []
    for m in _live(cand):
        document = ctx.analyzed.document(m.document_id)
        start, end = document.sentence_at(m.start)
        out.append(document.text[start:end])
    return " ".join(out)


@rule(
    HIERARCHY_ID,
    "I.C.5.b.2 (use, abuse and dependence of one substance: only the highest pattern is coded, with its disorders)",
    "dependence over abuse over use of the same substance; a disorder is coded in the documented pattern's series",
    before="ocg.I.A.12.a",
)
def _hierarchy(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    for substance in SUBSTANCES:
        group = [c for c in cands if c.code.startswith(substance) and _pattern(c.code) and _live(c)]
        if len(group) < 2:
            continue
        top = max(RANK[_pattern(c.code)] for c in group)
        level = next(k for k, v in RANK.items() if v == top)
        for cand in list(group):
            here = _pattern(cand.code)
            if here == level:
                continue
            tail = cand.code[5:]
            if tail in ("0", ""):  # "abuse, uncomplicated" / "use, uncomplicated": the higher pattern says it
                _drop(
                    cands,
                    ctx,
                    cand,
                    HIERARCHY_ID,
                    f"{PATTERN[here]} of the substance with {PATTERN[level]} documented: only "
                    f"{PATTERN[level]} is coded (OCG I.C.5.b.2)",
                )
                continue
            target = f"{cand.code[:4]}{level}{tail}"
            if tail.endswith("29") and ctx.analyzed is not None and _UNCOMPLICATED.search(_sentences(ctx, cand)):
                target = target[:-1] + "0"  # "with intoxication, uncomplicated"
            node = ctx.index.get(target)
            if node is None or not node.billable:
                continue
            existing = next((c for c in cands if c.code == target), None)
            why = f"in a patient with {PATTERN[level]}: {target} ({node.description}) (OCG I.C.5.b.2)"
            if existing is not None:
                existing.mentions.extend(m for m in cand.mentions if m not in existing.mentions)
                _drop(cands, ctx, cand, HIERARCHY_ID, why)
                continue
            cand.steps.append(f"{cand.code} -> {why}")
            cand.code = target
            cand.rules.append(HIERARCHY_ID)
        # the plain "dependence, uncomplicated" beside a dependence code that names the disorder
        plain = next((c for c in cands if c.code == f"{substance}.{level}0"), None)
        fuller = next((c for c in cands if c.code.startswith(f"{substance}.{level}") and c is not plain), None)
        if plain is not None and fuller is not None:
            fuller.mentions.extend(m for m in plain.mentions if m not in fuller.mentions)
            _drop(cands, ctx, plain, HIERARCHY_ID, f"{fuller.code} codes the {PATTERN[level]} with its disorder")
    return cands


@rule(
    USE_ID,
    "I.C.5.b.3 (substance use codes only when the provider documents the use with a related disorder or "
    "medical condition)",
    "uncomplicated substance use the provider does not state as a diagnosis is not coded",
    before="ocg.I.A.12.a",
)
def _use(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    for cand in list(cands):
        if not cand.code.startswith(SUBSTANCES) or cand.code[4:] != "90":
            continue
        live = _live(cand)
        if not live:
            continue
        stated = [m for m in live if m.section in STATEMENT and not _SOCIAL.search(_sentence(ctx, m))]
        if stated:
            continue
        _drop(
            cands,
            ctx,
            cand,
            USE_ID,
            "substance use, uncomplicated, not stated by the provider as a diagnosis with a related condition "
            "(OCG I.C.5.b.3)",
        )
    return cands


# --- blood alcohol level (Y90.-) ----------------------------------------------------------------------

BLOOD_ALCOHOL_ID = "ocg.I.C.5.b.blood_alcohol.v1"
# "BAL 250", "blood alcohol level of 0.18%", "serum ethanol 312 mg/dL", "ethanol level: 145"
_BAL = re.compile(
    r"\b(?:blood alcohol (?:level|concentration|content)|BAL|BAC|(?:serum|blood|plasma) (?:ethanol|alcohol|etoh)"
    r"(?: level| concentration)?|(?:ethanol|etoh|alcohol) (?:level|concentration))"
    r"(?:\s+(?:on arrival|at presentation|in the ED|was|is|of|came back|returned))*\s*[:=]?\s*"
    r"(?P<value>\d{1,3}(?:\.\d+)?|0?\.\d+)\s*(?P<unit>mg/dl|mg %|mg%|mg/100 ?ml|%|g/dl|mmol/l)?",
    re.I,
)
# Y90.0-Y90.8: the upper bound (mg/100 ml) of each level
_BAL_LEVELS = ((20, "Y90.0"), (40, "Y90.1"), (60, "Y90.2"), (80, "Y90.3"), (100, "Y90.4"), (120, "Y90.5"),
               (200, "Y90.6"), (240, "Y90.7"))  # fmt: skip


def _mg_per_100ml(value: float, unit: str | None) -> float | None:
    unit = (unit or "").lower().replace(" ", "")
    if unit in ("%", "g/dl"):
        return value * 1000
    if unit == "mmol/l":
        return value * 4.6
    if unit in ("mg/dl", "mg%", "mg/100ml"):
        return value
    if value < 1:  # "BAC 0.18": a percentage
        return value * 1000
    return value  # US laboratories report mg/dL


@rule(
    BLOOD_ALCOHOL_ID,
    "I.B.14 (the blood alcohol level may be taken from other clinicians' documentation; the alcohol-related "
    "condition must be the provider's) and Tabular F10 (use additional code for blood alcohol level, Y90.-)",
    "a measured blood alcohol level beside the provider's alcohol-related disorder (F10) is its Y90 code",
)
def _blood_alcohol(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None or any(c.code.startswith("Y90") for c in cands):
        return cands
    alcohol = [c for c in cands if c.code.startswith("F10") and _live(c)]
    if not alcohol:
        return cands
    for document in ctx.analyzed.documents:
        for hit in _BAL.finditer(document.text):
            before = document.text[max(0, hit.start() - 12) : hit.start()]
            after = document.text[hit.end() : hit.end() + 15]
            if re.search(r"[<>]\s*$", document.text[hit.start() : hit.start("value")]) or re.search(
                r"\b(?:negative|undetectable|not detected|none detected)\b", after + before, re.I
            ):
                continue
            level = _mg_per_100ml(float(hit.group("value")), hit.group("unit"))
            if level is None or level <= 0 or level > 1500:
                continue
            code = next((c for bound, c in _BAL_LEVELS if level < bound), "Y90.8")
            said = document.assess((hit.start(), hit.end()))
            if said.negated or said.hypothetical or said.family:
                continue
            node = ctx.index.get(code)
            if node is None:
                return cands
            mention = matched_mention(document, hit, hit.group(0), "Tabular F10: use additional code Y90.-")
            cands.append(
                rule_candidate(
                    code,
                    mention,
                    BLOOD_ALCOHOL_ID,
                    f"{code} ({node.description}): blood alcohol {level:g} mg/100 ml beside {alcohol[0].code} "
                    "(Tabular F10 'use additional code', OCG I.B.14)",
                )
            )
            return cands
    return cands
