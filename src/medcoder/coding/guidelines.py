"""The ICD-10-CM Official Guidelines for Coding and Reporting as explicit rules.

Each rule has a versioned id and the guideline section it implements.  Filter rules work on the
scored candidates of one encounter (remove, combine, replace); sequence rules put the reported codes
in order.  The engine applies the current version of each, in registry order; a site model may turn
a rule off where the site's own coded history shows its coders do otherwise (recorded in the
model's ``conventions``, keyed by the id without its version, and in the result's provenance).

A behaviour change gets a new version (``ocg.I.B.5.v2``); the old version stays registered and
resolvable with :func:`get_rule`, so a result's provenance can be re-run with the rules it names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from medcoder.coding.candidates import Candidate
from medcoder.coding.codeindex import CodeIndex

FAMILY_HISTORY_CODES = ("Z80", "Z81", "Z82", "Z83", "Z84")  # "family history of ..." (OCG I.C.21.c.4)


@dataclass(slots=True)
class Context:
    setting: str  # inpatient | outpatient | professional
    index: CodeIndex
    kb: object
    conventions: dict[str, bool] = field(default_factory=dict)
    removed: list[tuple[Candidate, str]] = field(default_factory=list)  # (candidate, rule id) for the audit trail
    cache: dict[str, list[str]] = field(default_factory=dict)
    # the AnalyzedEncounter (documents with sections, sentences, assertion; condition facts), for
    # rules that read more than the candidates (drugs and their intent, pregnancy weeks)
    analyzed: object = None

    def enabled(self, rule_id: str) -> bool:
        """Is the rule on?  Conventions name rules without their version (``ocg.I.B.5``).  Safety
        rules (negated, family, hypothetical, uncertain by setting) are always on (DESIGN §8)."""
        if not self.conventions:
            return True  # no site conventions (no site model): every rule is on, asked per rule per encounter
        safety, base = _rule_kind(rule_id)
        return safety or self.conventions.get(base, True)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    section: str
    summary: str
    apply: Callable[[list[Candidate], Context], list[Candidate]]
    # "filter": applied to the scored candidates (may remove, add or combine them);
    # "sequence": applied to the reported codes in order (may only reorder them).
    stage: str = "filter"


REGISTRY: dict[str, Rule] = {}  # every version ever registered, so an old result's rule ids still resolve
RULES: dict[str, Rule] = {}  # what the engine applies: the latest version of each rule, in registry order


def base_id(rule_id: str) -> str:
    """``ocg.I.B.5.v2`` -> ``ocg.I.B.5`` (what site conventions are keyed by)."""
    return rule_id.rsplit(".v", 1)[0]


@lru_cache(maxsize=4096)
def _rule_kind(rule_id: str) -> tuple[bool, str]:
    """(is a safety rule, base id) of a rule id: asked for every rule of every encounter."""
    from medcoder.coding.sitemodel import is_safety_rule

    return is_safety_rule(rule_id), base_id(rule_id)


def _version(rule_id: str) -> int:
    tail = rule_id.rsplit(".v", 1)
    return int(tail[1]) if len(tail) == 2 and tail[1].isdigit() else 0


def rule(rule_id: str, section: str, summary: str, stage: str = "filter", before: str | None = None) -> Callable:
    """Register a rule.  A later version of a rule replaces the earlier one in :data:`RULES` (at
    its place in the order); every version stays in :data:`REGISTRY`.  ``before``: the base id of a
    registered rule this new one must run ahead of (rules that decide which mentions count run
    before those that combine codes)."""

    def register(fn: Callable[[list[Candidate], Context], list[Candidate]]) -> Callable:
        new = Rule(rule_id, section, summary, fn, stage)
        REGISTRY[rule_id] = new
        base = base_id(rule_id)
        current = next((k for k in RULES if base_id(k) == base), None)
        ahead = next((k for k in RULES if base_id(k) == before), None) if before else None
        if current is None and ahead is not None:
            items = [(k, v) for k, v in RULES.items()]
            at = [k for k, _ in items].index(ahead)
            items.insert(at, (rule_id, new))
            RULES.clear()
            RULES.update(items)
        elif current is None:
            RULES[rule_id] = new
        elif _version(rule_id) >= _version(current):
            items = [(rule_id, new) if k == current else (k, v) for k, v in RULES.items()]
            RULES.clear()
            RULES.update(items)
        return fn

    return register


def get_rule(rule_id: str) -> Rule:
    """A rule by its full versioned id (``ocg.I.B.5.v1``), current or superseded."""
    try:
        return REGISTRY[rule_id]
    except KeyError:
        raise KeyError(f"unknown guideline rule {rule_id!r}; known: {', '.join(sorted(REGISTRY))}") from None


@lru_cache(maxsize=1)
def rules_data() -> dict:
    return json.loads(resources.files("medcoder").joinpath("data/cm_rules.json").read_text(encoding="utf-8"))


def matches_prefix(code: str, prefix: str) -> bool:
    return code.replace(".", "").startswith(prefix.replace(".", ""))


def _drop(cands: list[Candidate], ctx: Context, victim: Candidate, rule_id: str, why: str) -> None:
    victim.rules.append(rule_id)
    victim.steps.append(why)
    ctx.removed.append((victim, rule_id))
    cands.remove(victim)


def recode(cands: list[Candidate], ctx: Context, cand: Candidate, target: str, rule_id: str, why: str) -> None:
    """Give ``cand`` the more specific code ``target`` a rule found (with the title and the reason in
    its steps); a candidate already at ``target`` takes its mentions instead, and ``cand`` goes."""
    existing = next((c for c in cands if c.code == target and c is not cand), None)
    if existing is not None:
        existing.mentions.extend(m for m in cand.mentions if m not in existing.mentions)
        existing.confidence = max(existing.confidence, cand.confidence)
        if rule_id not in existing.rules:
            existing.rules.append(rule_id)
        _drop(cands, ctx, cand, rule_id, f"{why}: {target}")
        return
    node = ctx.index.get(target)
    cand.steps.append(f"{cand.code} -> {target} ({node.description if node else ''}): {why}")
    cand.matched.add(cand.code)
    cand.code = target
    cand.rules.append(rule_id)


# --- assertion ------------------------------------------------------------------------------------


@rule("ocg.assertion.negated.v1", "I.B.1 (code what is documented as present)", "conditions stated as absent")
def _negated(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    for cand in list(cands):
        if all(m.negated for m in cand.mentions):
            cue = next((c for m in cand.mentions for c in m.cues), "negation")
            _drop(cands, ctx, cand, "ocg.assertion.negated.v1", f"not coded: documented as absent ({cue})")
    return cands


@rule("ocg.assertion.family.v1", "I.C.21.c.4 (family history is a Z code, not the condition)", "family history")
def _family(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    for cand in list(cands):
        if all(m.family or m.negated for m in cand.mentions):
            _drop(cands, ctx, cand, "ocg.assertion.family.v1", "not coded for the patient: a family member's condition")
    return cands


ASSERTION_RULES = {
    "negated": "ocg.assertion.negated",
    "family": "ocg.assertion.family",
    "hypothetical": "ocg.assertion.hypothetical",
}


def _not_for_patient(cand: Candidate, ctx: Context, kind: str) -> bool:
    """Every mention of ``cand`` is of assertion ``kind`` or of another kind whose rule is on, and
    one at least is of ``kind``: the rule for ``kind`` is the one that drops it.  (v1 rules also
    dropped the other kinds, so switching one off, as a site model may, changed nothing.)"""
    kinds = {k for k, base in ASSERTION_RULES.items() if k == kind or ctx.enabled(base)}
    return any(getattr(m, kind) for m in cand.mentions) and all(
        any(getattr(m, k) for k in kinds) for m in cand.mentions
    )


@rule("ocg.assertion.family.v2", "I.C.21.c.4 (family history is a Z code, not the condition)", "family history")
def _family_v2(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # v2: (1) a family history code (Z80-Z84) is how a family member's condition is reported for
    # the patient (OCG I.C.21.c.4): its "family history of" wording is no reason to drop it;
    # (2) negated mentions count against a code only while the negation rule is on.
    for cand in list(cands):
        if cand.code.startswith(FAMILY_HISTORY_CODES):
            continue
        if _not_for_patient(cand, ctx, "family"):
            _drop(cands, ctx, cand, "ocg.assertion.family.v2", "not coded for the patient: a family member's condition")
    return cands


@rule("ocg.assertion.hypothetical.v1", "I.B.1", "conditions mentioned only as possibilities to watch for")
def _hypothetical(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    for cand in list(cands):
        if all(m.hypothetical or m.negated or m.family for m in cand.mentions):
            _drop(cands, ctx, cand, "ocg.assertion.hypothetical.v1", "not coded: hypothetical (e.g. 'return if ...')")
    return cands


@rule("ocg.assertion.hypothetical.v2", "I.B.1", "conditions mentioned only as possibilities to watch for")
def _hypothetical_v2(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # v2: negated and family mentions count against a code only while their own rules are on.
    for cand in list(cands):
        if _not_for_patient(cand, ctx, "hypothetical"):
            _drop(cands, ctx, cand, "ocg.assertion.hypothetical.v2", "not coded: hypothetical (e.g. 'return if ...')")
    return cands


@rule("ocg.II.H.v1", "II.H (inpatient) / IV.H (outpatient)", "uncertain diagnoses by setting")
def _uncertain(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # OCG II.H: at discharge, "probable", "suspected", "likely", "rule out" ... are coded as if
    # established for inpatients.  OCG IV.H: not for outpatient encounters, where the signs and
    # symptoms are coded instead.
    if ctx.setting == "inpatient":
        for cand in cands:
            if all(m.uncertain for m in cand.mentions if not m.negated):
                cand.rules.append("ocg.II.H.v1")
                cand.steps.append("uncertain diagnosis coded as if established (inpatient, OCG II.H)")
        return cands
    for cand in list(cands):
        live = [m for m in cand.mentions if not m.negated and not m.family and not m.hypothetical]
        if live and all(m.uncertain for m in live):
            _drop(cands, ctx, cand, "ocg.II.H.v1", "not coded: uncertain diagnosis in an outpatient setting (OCG IV.H)")
    return cands


# where the provider states the diagnoses at discharge (or the final assessment)
DISCHARGE_STATEMENT = frozenset({"diagnoses", "postoperative_diagnosis", "preoperative_diagnosis", "assessment_plan"})


# a diagnosis stated inline as the one at discharge ("at discharge: probable UTI", "final diagnosis: ...")
_AT_DISCHARGE = re.compile(
    r"\b(?:at|on|upon)\s+(?:the\s+time\s+of\s+)?discharge\b|\b(?:discharge|final)\s+(?:diagnos[ie]s|dx|impression)\b",
    re.IGNORECASE,
)


def _at_discharge(ctx: Context, m) -> bool:
    if ctx.analyzed is None:
        return False
    document = ctx.analyzed.document(m.document_id)
    start, _ = document.sentence_at(m.start)
    head = document.text[start : m.start]
    found = list(_AT_DISCHARGE.finditer(head))
    return bool(found) and ";" not in head[found[-1].end() :] and len(head) - found[-1].end() <= 40


@rule("ocg.II.H.v2", "II.H (inpatient) / IV.H (outpatient)", "uncertain diagnoses by setting")
def _uncertain_v2(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # OCG II.H: "if the diagnosis documented at the time of discharge is qualified as probable,
    # suspected, likely ... code the condition as if it existed".  v2 (v1 coded every uncertain
    # inpatient mention): only the discharge statement's uncertain diagnoses; "chest x-ray to rule
    # out pneumonia" in the plan or the history is a work-up, not a diagnosis at discharge.
    # Outpatient (IV.H): never; the signs and symptoms are coded instead.
    rule_id = "ocg.II.H.v2"
    for cand in list(cands):
        live = [m for m in cand.mentions if not m.negated and not m.family and not m.hypothetical]
        if not live or not all(m.uncertain for m in live):
            continue
        if ctx.setting == "inpatient" and any(m.section in DISCHARGE_STATEMENT or _at_discharge(ctx, m) for m in live):
            cand.rules.append(rule_id)
            cand.steps.append("uncertain diagnosis at discharge coded as if established (inpatient, OCG II.H)")
        elif ctx.setting == "inpatient":
            _drop(cands, ctx, cand, rule_id, "not coded: uncertain, and not a diagnosis at discharge (OCG II.H)")
        else:
            _drop(cands, ctx, cand, rule_id, "not coded: uncertain diagnosis in an outpatient setting (OCG IV.H)")
    return cands


@rule("ocg.I.C.21.history.v1", "I.C.21.c.4", "resolved conditions become personal history codes")
def _history(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    table = {k: v for k, v in rules_data()["history"].items() if k != "about"}
    for cand in list(cands):
        live = [m for m in cand.mentions if not m.negated and not m.family]
        if not live or not all(m.historical for m in live):
            continue
        if cand.code.startswith("C"):
            prefix = max((p for p in table if cand.code.startswith(p)), key=len)
            z = table[prefix]
            if ctx.index.get(z) is None:
                continue
            history = Candidate(z, matched={cand.code}, mentions=list(cand.mentions), features=dict(cand.features))
            history.confidence = cand.confidence
            history.rules.append("ocg.I.C.21.history.v1")
            described = ctx.index.get(cand.code)
            what = described.description if described else cand.code
            history.steps.append(f"history of {cand.code} ({what}) -> {z}, OCG I.C.21.c.4")
            _drop(cands, ctx, cand, "ocg.I.C.21.history.v1", f"replaced by personal history code {z}")
            if not any(c.code == z for c in cands):
                cands.append(history)
        else:
            _drop(cands, ctx, cand, "ocg.I.C.21.history.v1", "not coded: a past condition, not current")
    return cands


@rule("ocg.I.C.21.history.v2", "I.C.21.c.4, IV.I-J", "resolved conditions become personal history codes")
def _history_v2(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # v2: (1) Z codes are themselves the history / status codes ("history of breast cancer" is
    # Z85.3): never dropped for being historical.  (2) Chronic conditions listed in a past history
    # (hypertension, diabetes, COPD ...) still coexist and are coded (OCG IV.I-J, III.B).
    data = rules_data()
    table = {k: v for k, v in data["history"].items() if k != "about"}
    chronic = tuple(data["chronic"]["prefixes"])
    rule_id = "ocg.I.C.21.history.v2"
    for cand in list(cands):
        live = [m for m in cand.mentions if not m.negated and not m.family]
        if not live or not all(m.historical for m in live) or cand.code.startswith("Z"):
            continue
        if cand.code.startswith("C"):
            prefix = max((p for p in table if cand.code.startswith(p)), key=len)
            z = table[prefix]
            if ctx.index.get(z) is None:
                continue
            existing = next((c for c in cands if c.code == z), None)
            described = ctx.index.get(cand.code)
            what = described.description if described else cand.code
            _drop(cands, ctx, cand, rule_id, f"replaced by personal history code {z}")
            if existing is None:
                history = Candidate(z, matched={cand.code}, mentions=list(cand.mentions), features=dict(cand.features))
                history.confidence = cand.confidence
                history.rules.append(rule_id)
                history.steps.append(f"history of {cand.code} ({what}) -> {z}, OCG I.C.21.c.4")
                cands.append(history)
            else:
                existing.confidence = max(existing.confidence, cand.confidence)
        elif not any(matches_prefix(cand.code, p) for p in chronic):
            _drop(cands, ctx, cand, rule_id, "not coded: a past condition, not current")
    return cands


_REMISSION = re.compile(r"\bin\s+(?:early\s+|sustained\s+|full\s+|partial\s+|complete\s+)*remission\b", re.I)
_DEPENDENCE = re.compile(r"^F1[0-69]\.2")


def _in_remission(cand: Candidate, ctx: Context) -> bool:
    """A substance dependence its own clause documents "in (early / sustained) remission"."""
    if ctx.analyzed is None or not _DEPENDENCE.match(cand.code):
        return False
    for m in cand.mentions:
        document = ctx.analyzed.document(m.document_id)
        _, end = document.sentence_at(m.start)
        stop = next((i for i in range(m.end, end) if document.text[i] in ";\n"), end)
        if _REMISSION.search(document.text, m.start, stop):
            return True
    return False


_STOPPED_BEFORE = re.compile(
    r"\b(?:completed|finished|stopped|discontinued|d/c'?d|came\s+off|taken\s+off|no\s+longer\s+(?:on|taking))\b"
    r"(?:\s+(?:\w+|\d+))?(?:\s+(?:months?|years?|weeks?|days?|courses?|cycles?))?(?:\s+(?:of|on))?\s*$",
    re.IGNORECASE,
)
_STOPPED_AFTER = re.compile(
    r"^\W{0,3}(?:\s*(?:was|were|is|has\s+been|now))?\s*(?:completed|finished|stopped|discontinued|d/c'?d)\b"
    r"|^\s*(?:in|until)\s+(?:19|20)\d\d\b.{0,20}\b(?:completed|finished|stopped)\b",
    re.IGNORECASE,
)


def _stopped_drug(ctx: Context, m) -> bool:
    """Is the drug the mention names one the record says was completed, finished or stopped?"""
    document = ctx.analyzed.document(m.document_id)
    start, end = document.sentence_at(m.start)
    before = document.text[max(start, m.start - 45) : m.start]
    after = document.text[m.end : min(end, m.end + 40)]
    return bool(_STOPPED_BEFORE.search(before) or _STOPPED_AFTER.search(after))


@rule("ocg.I.C.21.history.v3", "I.C.21.c.4, IV.I-J, I.C.5.b.1", "resolved conditions become personal history codes")
def _history_v3(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # v3: I.C.5.b.1 -- "History of alcohol dependence, in sustained remission": a dependence the
    # provider documents in remission is its "in remission" code (F10.21), not a past condition
    # dropped (the selection of "in remission" codes is the provider's clinical judgment, which the
    # wording states); and a Z79 drug the record says was completed or stopped is no current use.
    # Everything else as v2.
    rule_id = "ocg.I.C.21.history.v3"
    for cand in list(cands):
        live = [m for m in cand.mentions if not m.negated and not m.family]
        if not live or not all(m.historical for m in live) or not _in_remission(cand, ctx):
            continue
        target = cand.code[:5] + "1"
        if cand.code == target or ctx.index.get(target) is None:
            continue
        cand.steps.append(f"{cand.code} -> {target}: dependence documented in remission (OCG I.C.5.b.1)")
        cand.matched.add(cand.code)
        cand.code = target
        cand.rules.append(rule_id)
    # I.C.21.c.3 (Z79: "long-term (current) use"): a drug the record says was completed, finished,
    # stopped or discontinued is no current use ("completed 6 months of apixaban, off
    # anticoagulation"; "finished tamoxifen 2021")
    for cand in [c for c in cands if c.code.startswith("Z79")]:
        live = [m for m in cand.mentions if not m.negated and not m.family]
        if live and ctx.analyzed is not None and all(_stopped_drug(ctx, m) for m in live):
            _drop(
                cands,
                ctx,
                cand,
                rule_id,
                "not coded: the record says this drug was completed or stopped (no current use)",
            )
    kept = {id(c) for c in cands if c.code[:3] in {f"F1{d}" for d in "0123456789"} and rule_id in c.rules}
    rest = _history_v2([c for c in cands if id(c) not in kept], ctx)
    return [c for c in cands if id(c) in kept or c in rest] + [c for c in rest if c not in cands]


# --- combination codes ------------------------------------------------------------------------------


def _find(cands: list[Candidate], prefixes: list[str] | str) -> list[Candidate]:
    prefixes = [prefixes] if isinstance(prefixes, str) else prefixes
    return [c for c in cands if any(matches_prefix(c.code, p) for p in prefixes)]


@rule("ocg.I.B.9.diabetes.v1", "I.A.15, I.B.9, I.C.4.a", "diabetes with its complications as combination codes")
def _diabetes(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # "with" in the Index presumes a causal link between diabetes and these conditions (I.A.15);
    # one combination code replaces the separate codes (I.B.9).
    for combo in rules_data()["combinations"]:
        diabetes = [c for c in _find(cands, combo["diabetes"]) if c.code in (f"{combo['diabetes']}.9", combo["code"])]
        complications = _find(cands, combo["with"])
        if not diabetes or not complications or ctx.index.get(combo["code"]) is None:
            continue
        base = diabetes[0]
        if base.code == combo["code"]:
            continue
        combined = Candidate(
            combo["code"],
            matched=base.matched | {c.code for c in complications},
            mentions=base.mentions + [m for c in complications for m in c.mentions],
            features=dict(base.features),
        )
        combined.confidence = max(base.confidence, *(c.confidence for c in complications))
        combined.rules.append("ocg.I.B.9.diabetes.v1")
        combined.steps.append(
            f"{base.code} + {', '.join(c.code for c in complications)} -> combination code {combo['code']} "
            f"(OCG {combo['section']})"
        )
        _drop(cands, ctx, base, "ocg.I.B.9.diabetes.v1", f"combined into {combo['code']}")
        if combo["drop_with"]:
            for comp in complications:
                if comp in cands:
                    _drop(cands, ctx, comp, "ocg.I.B.9.diabetes.v1", f"included in combination code {combo['code']}")
        if not any(c.code == combo["code"] for c in cands):
            cands.append(combined)
    return cands


@rule("ocg.I.B.9.diabetes.v2", "I.A.15, I.B.9, I.C.4.a", "diabetes with its complications as combination codes")
def _diabetes_v2(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # v2: OCG I.C.4.a "assign as many codes from categories E08-E13 as needed to identify all of
    # the associated conditions": diabetes with CKD and polyneuropathy is E11.22 + E11.42 (+ N18.x),
    # so the diabetes mention stays available after its first combination.
    rule_id = "ocg.I.B.9.diabetes.v2"
    bases: dict[str, Candidate] = {}
    for combo in rules_data()["combinations"]:
        code, dm = combo["code"], combo["diabetes"]
        base = bases.get(dm) or next((c for c in cands if c.code == f"{dm}.9"), None)
        if base is None:
            continue
        complications = _find(cands, combo["with"])
        if not complications or ctx.index.get(code) is None:
            continue
        bases[dm] = base
        if not any(c.code == code for c in cands):
            combined = Candidate(
                code,
                matched=base.matched | {c.code for c in complications},
                mentions=base.mentions + [m for c in complications for m in c.mentions],
                features=dict(base.features),
            )
            combined.confidence = max(base.confidence, *(c.confidence for c in complications))
            combined.rules.append(rule_id)
            combined.steps.append(
                f"{base.code} + {', '.join(c.code for c in complications)} -> combination code {code} "
                f"(OCG {combo['section']})"
            )
            cands.append(combined)
        if base in cands:
            _drop(cands, ctx, base, rule_id, f"combined into {code}")
        if combo["drop_with"]:
            for comp in complications:
                if comp in cands:
                    _drop(cands, ctx, comp, rule_id, f"included in combination code {code}")
    # E1x.8 "with unspecified complications" is for complications documented but not specified:
    # not when a combination code specifies them, nor when the words say only "diabetes" (that is
    # E1x.9, "without complications").
    combination_codes = {combo["code"] for combo in rules_data()["combinations"]}
    for dm in sorted({combo["diabetes"] for combo in rules_data()["combinations"]}):
        vague = next((c for c in cands if c.code == f"{dm}.8"), None)
        if vague is None:
            continue
        specific = [c for c in cands if c.code in combination_codes and c.code.startswith(dm)]
        plain = bases.get(dm) or next((c for c in cands if c.code == f"{dm}.9"), None)
        if specific:
            _drop(cands, ctx, vague, rule_id, f"the complications are specified by {specific[0].code}")
        elif plain is not None and not any("complicat" in m.text.lower() for m in vague.mentions):
            _drop(cands, ctx, vague, rule_id, f"no complication documented: {plain.code}")
    return cands


@rule("ocg.I.C.9.a.v1", "I.C.9.a.1-3", "hypertension with heart disease and/or chronic kidney disease")
def _hypertension(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.9.a: a causal relationship between hypertension and heart involvement / CKD is presumed.
    htn = _find(cands, "I10")
    if not htn:
        return cands
    heart_failure = _find(cands, "I50")
    heart_disease = _find(cands, ["I51.4", "I51.5", "I51.7", "I51.89", "I51.9"])
    ckd = _find(cands, "N18")
    late_ckd = any(c.code in ("N18.5", "N18.6") for c in ckd)
    if ckd and (heart_failure or heart_disease):
        target = ("I13.2" if late_ckd else "I13.0") if heart_failure else ("I13.11" if late_ckd else "I13.10")
    elif ckd:
        target = "I12.0" if late_ckd else "I12.9"
    elif heart_failure:
        target = "I11.0"
    elif heart_disease:
        target = "I11.9"
    else:
        return cands
    base = htn[0]
    combined = Candidate(
        target,
        matched=base.matched | {c.code for c in heart_failure + ckd + heart_disease},
        mentions=list(base.mentions),
        features=dict(base.features),
    )
    combined.confidence = base.confidence
    combined.rules.append("ocg.I.C.9.a.v1")
    parts = ", ".join(c.code for c in heart_failure + heart_disease + ckd)
    combined.steps.append(f"I10 with {parts} -> {target}; the I50/N18 codes stay to give type and stage (OCG I.C.9.a)")
    _drop(cands, ctx, base, "ocg.I.C.9.a.v1", f"combined into {target}")
    for c in heart_disease:  # the I11/I13 code includes the unspecified heart disease
        if c in cands:
            _drop(cands, ctx, c, "ocg.I.C.9.a.v1", f"included in {target}")
    if not any(c.code == target for c in cands):
        cands.append(combined)
    return cands


@rule("ocg.I.C.9.a.v2", "I.C.9.a.1-3", "hypertension with heart disease and/or chronic kidney disease")
def _hypertension_v2(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.9.a: a causal relationship between hypertension and heart involvement / CKD is presumed.
    # v2 (v1 only combined a plain I10): hypertensive codes the note names itself ("hypertensive
    # CKD" I12.9, "hypertensive heart disease" I11.9) are hypertension too, and exactly one code of
    # I10-I13 is reported: the one every documented heart and kidney condition makes.
    rule_id = "ocg.I.C.9.a.v2"
    htn = _find(cands, ["I10", "I11", "I12", "I13"])
    if not htn:
        return cands
    heart_failure = _find(cands, "I50")
    heart_disease = _find(cands, ["I51.4", "I51.5", "I51.7", "I51.89", "I51.9"])
    ckd = _find(cands, "N18")
    named = {c.code for c in htn}
    has_hf = bool(heart_failure) or bool(named & {"I11.0", "I13.0", "I13.2"})
    has_heart = has_hf or bool(heart_disease) or any(c.startswith(("I11", "I13")) for c in named)
    has_ckd = bool(ckd) or any(c.startswith(("I12", "I13")) for c in named)
    late_ckd = any(c.code in ("N18.5", "N18.6") for c in ckd) or bool(named & {"I12.0", "I13.11", "I13.2"})
    if has_ckd and has_heart:
        target = ("I13.2" if late_ckd else "I13.0") if has_hf else ("I13.11" if late_ckd else "I13.10")
    elif has_ckd:
        target = "I12.0" if late_ckd else "I12.9"
    elif has_hf:
        target = "I11.0"
    elif has_heart:
        target = "I11.9"
    else:
        return cands
    if [c.code for c in htn] == [target]:
        return cands
    base = max(htn, key=lambda c: (c.confidence, c.code == target))
    combined = next((c for c in htn if c.code == target), None)
    if combined is None:
        combined = Candidate(target, matched=set(), mentions=[], features=dict(base.features))
        cands.append(combined)
    for c in htn:
        combined.matched |= c.matched
        if c is not combined:
            combined.mentions.extend(c.mentions)
    combined.matched |= {c.code for c in heart_failure + ckd + heart_disease}
    combined.confidence = max(combined.confidence, base.confidence)
    combined.rules.append(rule_id)
    parts = ", ".join(c.code for c in heart_failure + heart_disease + ckd) or "the named hypertensive disease"
    combined.steps.append(
        f"hypertension with {parts} -> {target}; the I50/N18 codes stay to give type and stage (OCG I.C.9.a)"
    )
    for c in htn:
        if c is not combined:
            _drop(cands, ctx, c, rule_id, f"combined into {target}")
    for c in heart_disease:  # the I11/I13 code includes the unspecified heart disease
        if c in cands:
            _drop(cands, ctx, c, rule_id, f"included in {target}")
    return cands


# --- signs and symptoms ---------------------------------------------------------------------------------


@rule("ocg.I.B.5.v1", "I.B.4-5", "signs and symptoms integral to a confirmed diagnosis are not coded")
def _integral(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    table = {k: v for k, v in rules_data()["integral_symptoms"].items() if k != "about"}
    confirmed = [c for c in cands if any(m.affirmed for m in c.mentions) and not c.code.startswith("R")]
    for cand in [c for c in cands if c.code.startswith("R")]:
        prefix = next((p for p in sorted(table, key=len, reverse=True) if matches_prefix(cand.code, p)), None)
        if prefix is None:
            continue
        explains = [d for d in confirmed if any(matches_prefix(d.code, p) for p in table[prefix])]
        if explains:
            _drop(cands, ctx, cand, "ocg.I.B.5.v1", f"integral to {explains[0].code} (OCG I.B.4-5)")
    return cands


def _established(cand: Candidate, ctx: Context) -> bool:
    """Documented as present: affirmed, or (inpatient) uncertain and so coded as if established
    (OCG II.H)."""
    if any(m.affirmed for m in cand.mentions):
        return True
    return ctx.setting == "inpatient" and any(
        m.uncertain and not (m.negated or m.family or m.hypothetical) for m in cand.mentions
    )


@rule("ocg.I.B.5.v2", "I.B.4-5", "signs and symptoms integral to a confirmed diagnosis are not coded")
def _integral_v2(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # v2: (1) an inpatient's "probable pneumonia" is coded as established (OCG II.H), so its fever
    # and cough are integral to it as well; (2) a symptom also yields to a more specific symptom
    # of the same kind (unspecified pain R52 when the note says where: R10.-, R07.-, M54.- ...);
    # (3) the symptoms the table lists outside chapter 18 (otalgia H92.0-) are symptoms too.
    table = {k: v for k, v in rules_data()["integral_symptoms"].items() if k != "about"}
    keys = sorted(table, key=len, reverse=True)
    elsewhere = [p for p in keys if not p.startswith("R")]  # symptoms classified in other chapters
    symptoms = [c for c in cands if c.code.startswith("R") or any(matches_prefix(c.code, p) for p in elsewhere)]
    ids = {id(c) for c in symptoms}
    confirmed = [c for c in cands if id(c) not in ids and _established(c, ctx)]
    pool = confirmed + [c for c in symptoms if any(m.affirmed for m in c.mentions)]
    plain = [(d, d.code.replace(".", "")) for d in pool]
    for cand in symptoms:
        prefix = next((p for p in keys if matches_prefix(cand.code, p)), None)
        if prefix is None:
            continue
        wanted = tuple(p.replace(".", "") for p in table[prefix])
        explains = [d for d, code in plain if d is not cand and code[:3] != cand.code[:3] and code.startswith(wanted)]
        if explains:
            _drop(cands, ctx, cand, "ocg.I.B.5.v2", f"integral to {explains[0].code} (OCG I.B.4-5)")
    return cands


_UNSPECIFIED = re.compile(r"\bunspecified\b", re.IGNORECASE)


def _wording(m) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", m.term.lower()))


@rule(
    "ocg.I.B.3.unspecified.v1",
    "I.B.2-3, I.A.9.a (unspecified codes only when nothing more specific is documented)",
    "an unspecified code whose wording is the head of a more specific condition the note documents",
    before="ocg.I.B.5",
)
def _unspecified_head(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # "Cataract surgery ... for age-related nuclear cataract": the bare "cataract" (H26.9 Unspecified
    # cataract) is the same condition the longer wording names (H25.11); so are "anemia" beside
    # "iron deficiency anemia" and "pneumonia" beside "aspiration pneumonia".  I.A.9.a: codes titled
    # "unspecified" are for when the documentation says no more -- here it does.  A code the more
    # specific one asks to be added ("use additional code", "code also": N18.- with I12.-) stays.
    worded = {
        id(c): {_wording(m) for m in c.mentions if not (m.negated or m.family or m.hypothetical) and m.term}
        for c in cands
    }
    for cand in list(cands):
        node = ctx.index.get(cand.code)
        if node is None or not _UNSPECIFIED.search(node.description) or not worded[id(cand)]:
            continue
        for other in cands:
            if other is cand or other.code[:1] == "Z" or other.code[:3] == cand.code[:3] or other not in cands:
                continue  # within a category the specificity rule (I.B.3) merges them
            # longest wording first, then alphabetical: the same reason whatever the set order (hash seed)
            longer = [w for w in worded[id(other)] for mine in worded[id(cand)] if mine and w.endswith(" " + mine)]
            longer.sort(key=lambda w: (-len(w), w))
            if not longer or not all(
                any(w.endswith(" " + mine) for w in worded[id(other)]) for mine in worded[id(cand)]
            ):
                continue
            partners = [*_note_refs(ctx, other.code, "useAdditionalCode"), *_note_refs(ctx, other.code, "codeAlso")]
            partners += _note_refs(ctx, other.code, "codeFirst")  # R65.20 "code first ... sepsis NOS (A41.9)"
            if any(ref_covers(r, cand.code) for r in partners):
                continue
            # the same condition: its mentions (a discharge diagnosis "1. Hematuria") become the
            # specific code's evidence, so where and how it is documented still counts
            other.mentions.extend(m for m in cand.mentions if m not in other.mentions)
            other.rules.append("ocg.I.B.3.unspecified.v1")
            other.steps.append(f"also documented as {cand.code} in less specific words (OCG I.B.3)")
            _drop(
                cands,
                ctx,
                cand,
                "ocg.I.B.3.unspecified.v1",
                f"not coded: {other.code} ({longer[0]!r}) documents this condition more specifically "
                "(OCG I.B.3, I.A.9.a)",
            )
            break
    return cands


# --- conventions of the classification -----------------------------------------------------------------


def _excludes1_refs(ctx: Context, code: str) -> list[str]:
    return _note_refs(ctx, code, "excludes1")


@lru_cache(maxsize=262_144)
def ref_covers(ref: str, code: str) -> bool:
    """Does a note reference (``E10-``, ``P70-P74``, ``O24.4-``, ``J45.909``) cover ``code``?"""
    plain = code.replace(".", "")
    if ref.endswith("-") and ref.count("-") == 1:
        ref = ref[:-1]
    if "-" in ref:  # a range, compared at the length of its bounds
        first, last = (x.replace(".", "").rstrip("-") for x in ref.split("-", 1))
        return first <= plain[: len(first)] and plain[: len(last)] <= last
    return plain.startswith(ref.replace(".", ""))


@rule("ocg.I.A.12.a.v1", "I.A.12.a", "Excludes1 pairs are never reported together")
def _excludes1(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    for cand in sorted(cands, key=lambda c: -c.confidence):
        if cand not in cands:
            continue
        refs = _excludes1_refs(ctx, cand.code)
        for other in list(cands):
            if other is cand or other.confidence > cand.confidence:
                continue
            if any(ref_covers(r, other.code) for r in refs):
                _drop(cands, ctx, other, "ocg.I.A.12.a.v1", f"Excludes1 of {cand.code}: not reported together")
    return cands


def _lexical(cand: Candidate) -> list:
    return [m for m in cand.mentions if m.source != "learned"]


def _shared_strength(a: Candidate, b: Candidate) -> tuple[tuple[int, float], tuple[int, float]] | None:
    """How well each of two candidates accounts for the words they share (matched words, then
    coverage of the best overlapping mention of each); ``None`` if their mentions do not overlap."""
    pairs = [
        (m, n)
        for m in _lexical(a)
        for n in _lexical(b)
        if m.document_id == n.document_id and m.start < n.end and n.start < m.end
    ]
    if not pairs:
        return None
    return max((m.words, round(m.score, 6)) for m, _ in pairs), max((n.words, round(n.score, 6)) for _, n in pairs)


def _excluded_pairs(ctx: Context, cands: list[Candidate]) -> set[tuple[int, int]]:
    """(id, id) of the candidates an Excludes1 note of either one keeps apart, both ways round."""
    pairs: set[tuple[int, int]] = set()
    for a in cands:
        refs = _excludes1_refs(ctx, a.code)
        if not refs:
            continue
        for b in cands:
            if b is a:
                continue
            for r in refs:  # a plain loop: this runs for every pair of candidates
                if ref_covers(r, b.code):
                    pairs.add((id(a), id(b)))
                    pairs.add((id(b), id(a)))
                    break
    return pairs


@rule("ocg.I.A.12.a.v2", "I.A.12.a", "Excludes1 pairs are never reported together")
def _excludes1_v2(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # v2: of the two codes, the one the documentation supports: where both come from the same
    # words, the reading that accounts for more of them ("abdominal pain" is R10.9, not "pain" R52;
    # "acute bronchitis" is J20.9, not J40 "bronchitis not specified as acute or chronic");
    # otherwise the more confident.  The notes of both codes are read (v1 read only the surer's).
    rule_id = "ocg.I.A.12.a.v2"
    order = sorted(cands, key=lambda c: (-c.confidence, c.code))
    pairs = _excluded_pairs(ctx, order)
    gone: set[int] = set()
    for i, cand in enumerate(order):
        for j, other in enumerate(order):
            if id(cand) in gone:
                break
            if j == i or id(other) in gone or (id(cand), id(other)) not in pairs:
                continue
            strength = _shared_strength(cand, other)
            if strength is not None and strength[0] != strength[1]:
                keep, drop = (cand, other) if strength[0] > strength[1] else (other, cand)
                why = "the note's words support it better"
            else:
                keep, drop = (cand, other) if i < j else (other, cand)
                why = "more confident"
            _drop(cands, ctx, drop, rule_id, f"Excludes1 with {keep.code} ({why}): not reported together")
            gone.add(id(drop))
    return cands


def _inside(cand: Candidate) -> bool:
    """Every wording of the candidate lies inside a longer wording that names another condition
    ("Alzheimer's disease" in "major neurocognitive disorder due to Alzheimer's disease")."""
    mine = _lexical(cand)
    return bool(mine) and all(m.covered_by for m in mine)


@rule("ocg.I.A.12.a.v3", "I.A.12.a", "Excludes1 pairs are never reported together")
def _excludes1_v3(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # v3: a candidate whose words all lie inside a longer wording is not weighed here: whether it is
    # reported beside that wording's code (a "code first" etiology such as G30.9 under F02.80) or
    # not at all is ocg.I.B.3.subsumed's decision; v2 let it knock out the etiology first (G30.9
    # dropped for F03.90, both inside "neurocognitive disorder due to Alzheimer's disease").
    rule_id = "ocg.I.A.12.a.v3"
    order = sorted(cands, key=lambda c: (-c.confidence, c.code))
    pairs = _excluded_pairs(ctx, order)
    gone: set[int] = {id(c) for c in order if _inside(c)}
    for i, cand in enumerate(order):
        for j, other in enumerate(order):
            if id(cand) in gone:
                break
            if j == i or id(other) in gone or (id(cand), id(other)) not in pairs:
                continue
            strength = _shared_strength(cand, other)
            names_other = any(ref_covers(r, other.code) for r in _excludes1_refs(ctx, cand.code))
            named_by_other = any(ref_covers(r, cand.code) for r in _excludes1_refs(ctx, other.code))
            if strength is not None and strength[0] != strength[1]:
                keep, drop = (cand, other) if strength[0] > strength[1] else (other, cand)
                why = "the note's words support it better"
            elif names_other != named_by_other:
                # one-way note: J42's Excludes1 sends "chronic bronchitis with airways obstruction"
                # to J44.-, R52's sends site-specific pain to its site: the code it names classifies
                # the combination
                keep, drop = (other, cand) if names_other else (cand, other)
                why = f"{drop.code}'s Excludes1 note sends it to {keep.code}"
            else:
                keep, drop = (cand, other) if i < j else (other, cand)
                why = "more confident"
            _drop(cands, ctx, drop, rule_id, f"Excludes1 with {keep.code} ({why}): not reported together")
            gone.add(id(drop))
    return cands


def apply_rules(cands: list[Candidate], ctx: Context, rules: Iterable[Rule] | None = None) -> list[Candidate]:
    """The filter rules (default: the current ones), in order, each unless the conventions turn it off."""
    for r in RULES.values() if rules is None else rules:
        if r.stage == "filter" and ctx.enabled(r.id):
            cands = r.apply(cands, ctx)
    return cands


# --- sequencing -------------------------------------------------------------------------------------------


def sequence(cands: list[Candidate], ctx: Context, rules: Iterable[Rule] | None = None) -> list[Candidate]:
    """The reported codes in order: most confident first, then the sequencing rules (principal /
    first-listed diagnosis, OCG II / IV; "code first" / "use additional code", OCG I.A.13)."""
    ordered = sorted(cands, key=lambda c: (-c.confidence, c.code))
    for r in RULES.values() if rules is None else rules:
        if r.stage == "sequence" and ctx.enabled(r.id):
            ordered = r.apply(ordered, ctx)
    return ordered


# The physician's diagnostic statement: final diagnoses first, then provisional ones.
STATEMENT_TIERS = (
    frozenset({"diagnoses", "postoperative_diagnosis", "assessment_plan"}),
    frozenset({"preoperative_diagnosis", "chief_complaint"}),
)


def _statement_place(cands: list[Candidate]) -> dict[int, tuple[int, int]]:
    """(tier, place) of each candidate: the tier of the best diagnostic statement that documents
    it, and how many other candidates that statement lists before it (in the same document)."""
    none = len(STATEMENT_TIERS)
    first: dict[int, tuple[int, int, str]] = {}
    for cand in cands:
        live = [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)] or cand.mentions
        first[id(cand)] = min(
            (
                (
                    next((i for i, names in enumerate(STATEMENT_TIERS) if m.section in names), none),
                    m.start,
                    m.document_id,
                )
                for m in live
            ),
            default=(none, 0, ""),
        )
    places = {}
    for cand in cands:
        tier, start, doc = first[id(cand)]
        before = sum(1 for o in cands if (first[id(o)][0], first[id(o)][2]) == (tier, doc) and first[id(o)][1] < start)
        places[id(cand)] = (tier, before if tier < none else 0)
    return places


@rule(
    "ocg.II.principal.v1",
    "II (principal diagnosis), IV.A-D (first-listed diagnosis)",
    "the condition chiefly responsible first: a definitive diagnosis, as the diagnostic statement lists it",
    stage="sequence",
)
def _principal(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    # OCG II / IV: the condition established after study to be chiefly responsible for the admission
    # (or the visit) is sequenced first.  Not a symptom when a related definitive diagnosis is
    # established (II.A, IV.D), nor a history / status Z code; the physician's discharge diagnoses
    # or assessment name it, normally first in their list.  Ties keep the confidence order.
    places = _statement_place(ordered)
    return sorted(ordered, key=lambda c: (c.code.startswith(("R", "Z")), *places[id(c)]))


# v2 tiers: the final statement (discharge / final / postoperative diagnoses), the assessment,
# the provisional statement (admitting, preoperative), the chief complaint, then the narrative.
PRINCIPAL_TIERS = (
    frozenset({"diagnoses", "postoperative_diagnosis"}),
    frozenset({"assessment_plan"}),
    frozenset({"admitting_diagnosis", "preoperative_diagnosis"}),
    frozenset({"chief_complaint"}),
    frozenset({"history_present_illness", "hospital_course", "unknown", "other", "plan"}),
)
# Z codes that are the reason for an encounter (OCG I.C.21.c: examination, screening, aftercare,
# follow-up, pregnancy supervision ...) may be first-listed; status and history Z codes never are.
REASON_Z = ("Z00", "Z01", "Z02", "Z03", "Z04", "Z08", "Z09", "Z11", "Z12", "Z13", "Z3", "Z4", "Z51")
# principal v5: the outcome of delivery (Z37, I.C.15.b.5 "Z37 ... only on the maternal record,
# never first") and the weeks of gestation (Z3A, I.C.15.b.1 "Z3A codes are not assigned as principal
# or first-listed") are never first
REASON_Z_V5 = (*(p for p in REASON_Z if p != "Z3"), "Z30", "Z31", "Z32", "Z33", "Z34", "Z36", "Z39")


def _principal_key(cand: Candidate, reasons: tuple[str, ...] = REASON_Z) -> tuple:
    live = [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)] or cand.mentions
    best = (len(PRINCIPAL_TIERS), 1, 1 << 30, 1 << 30)
    for m in live:
        tier = next((i for i, names in enumerate(PRINCIPAL_TIERS) if m.section in names), len(PRINCIPAL_TIERS))
        # "Acute lumbar strain." vs a mention in a sentence; a final diagnosis "resolved" was treated
        # and resolved during the stay ("1. Hematuria, resolved."), still what occasioned it
        settled = m.historical and tier == 0 and all("resolv" in c.lower() for c in m.cues if c)
        stated = 0 if m.share >= 0.5 and (not m.historical or settled) else 1
        best = min(best, (tier, stated, m.statement, m.start))
    status = cand.code.startswith("Z") and not cand.code.startswith(reasons)
    return (status, best)


@rule(
    "ocg.II.principal.v2",
    "II (principal diagnosis), IV.A-D (first-listed diagnosis)",
    "the condition chiefly responsible first: the final diagnostic statement's first stated diagnosis",
    stage="sequence",
)
def _principal_v2(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    # OCG II: the condition established after study to be chiefly responsible for the admission is
    # principal; the discharge (or postoperative) diagnoses name it, normally first.  IV.A-D: the
    # first-listed diagnosis is the main reason for the visit, as the assessment states it; a
    # symptom is first-listed when no diagnosis is established (IV.D), so symptoms are not demoted
    # (integral ones are already gone, I.B.4-5).  Status and history Z codes never come first.
    # v2 (v1 demoted every R and Z code and took the first mention of any kind): a stated diagnosis
    # -- a list item or short sentence the wording fills -- before one mentioned in passing, the
    # final statement before the provisional one.
    return sorted(ordered, key=_principal_key)


# What the plan does for a problem: changed, started, ordered, referred -- or only continued.
_MANAGED = re.compile(
    r"\b(?:uncontrolled|not (?:well )?controlled|poorly controlled|worsen\w*|worse|exacerbat\w*|flare\w*|"
    r"increas\w*|decreas\w*|start\w*|initiat\w*|prescrib\w*|begin|began|chang\w*|adjust\w*|switch\w*|"
    r"titrat\w*|refer\w*|order\w*|schedul\w*|biops\w*|surgery|surgical|inject\w*|drain\w*|splint\w*|"
    r"brace|immobiliz\w*|physical therapy|imaging|x-ray|mri|ct scan|ultrasound|labs?|blood work)\b",
    re.IGNORECASE,
)
_QUIET = re.compile(
    r"\b(?:stable|well[- ]controlled|(?<!un)controlled|doing well|continue\w*|unchanged|at goal|no changes?)\b",
    re.IGNORECASE,
)


def _quiet_problems(ordered: list[Candidate], ctx: Context, explicit: bool = False) -> set[int]:
    """Outpatient assessment problems the plan only continues ("stable, continue current
    management") while another stated problem is worked on (a medication changed, tests ordered):
    not the condition chiefly responsible for the services provided (OCG IV.G).  ``explicit``
    (principal v5): only a problem its own words call stable or continued is quiet, not one the
    assessment states without a plan of its own ("Dizziness, etiology unclear. Fatigue. Labs
    ordered.")."""
    analyzed = ctx.analyzed
    if analyzed is None or ctx.setting == "inpatient":
        return set()
    heads: list[tuple[str, int, int, Candidate]] = []  # (document, sentence start, section end, cand)
    for cand in ordered:
        for m in cand.mentions:
            if m.section == "assessment_plan" and m.share >= 0.5 and m.affirmed and not m.historical:
                document = analyzed.document(m.document_id)
                heads.append((m.document_id, document.sentence_at(m.start)[0], document.section_at(m.start).end, cand))
    if len({id(c) for *_, c in heads}) < 2:
        return set()
    heads.sort(key=lambda h: (h[0], h[1]))
    busy: dict[int, bool] = {}
    said_quiet: set[int] = set()
    for i, (doc_id, start, section_end, cand) in enumerate(heads):
        end = section_end
        for later in heads[i + 1 :]:
            if later[0] == doc_id and later[1] > start and later[3] is not cand:
                end = min(end, later[1])
                break
        block = analyzed.document(doc_id).text[start:end]
        managed = bool(_MANAGED.search(block))
        quiet = not managed and bool(_QUIET.search(block))
        busy[id(cand)] = busy.get(id(cand), False) or managed
        if quiet:
            busy.setdefault(id(cand), False)
            said_quiet.add(id(cand))
    if not any(busy.values()):
        return set()
    return {key for key, worked in busy.items() if not worked and (not explicit or key in said_quiet)}


def _continued_step(ordered: list[Candidate], quiet: set[int]) -> str:
    """The step that says why the first-listed problem passed over the ones the plan continues."""
    continued = ", ".join(c.code for c in ordered if id(c) in quiet)
    return f"first-listed: the problem the plan works on; {continued} only continued (OCG IV.G)"


@rule(
    "ocg.II.principal.v3",
    "II (principal diagnosis), IV.A-D, IV.G (first-listed diagnosis)",
    "the condition chiefly responsible first: the final statement's first stated diagnosis; in an office "
    "visit, a problem the plan works on before one it only continues",
    stage="sequence",
)
def _principal_v3(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    # v3: IV.G -- the first-listed diagnosis is the one "chiefly responsible for the services
    # provided".  When an office visit's assessment lists several problems and the plan only
    # continues one ("stable, continue current management") while it changes a medication or
    # orders tests for another, the one worked on is first, whatever the order of the list.
    quiet = _quiet_problems(ordered, ctx)

    def key(cand: Candidate) -> tuple:
        status, (tier, stated, *rest) = _principal_key(cand)
        return (status, tier, stated, id(cand) in quiet, *rest)

    out = sorted(ordered, key=key)
    if quiet and out and out != sorted(ordered, key=_principal_key):
        out[0].rules.append("ocg.II.principal.v3")
        out[0].steps.append(_continued_step(ordered, quiet))
    return out


def _principal_key_v4(cand: Candidate, quiet: set[int], reasons: tuple[str, ...] = REASON_Z) -> tuple:
    """v3's key, except in the final diagnostic statement (discharge / final / postoperative
    diagnoses), where the list's order comes before how much of its item a wording fills: "1.
    Epigastric pain due to either gastritis or peptic ulcer disease. 2. Hypertension." -- the first
    item's diagnoses before the short second one."""
    status, (tier, stated, statement, start) = _principal_key(cand, reasons)
    if tier == 0:
        live = [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)] or cand.mentions
        first = min((m.statement, 0 if m.share >= 0.5 else 1, m.start) for m in live if m.section in PRINCIPAL_TIERS[0])
        return (status, tier, first[0], first[1], id(cand) in quiet, first[2])
    return (status, tier, stated, id(cand) in quiet, statement, start)


@rule(
    "ocg.II.principal.v4",
    "II (principal diagnosis), IV.A-D, IV.G (first-listed diagnosis)",
    "the condition chiefly responsible first: the final statement's first listed diagnosis; in an office "
    "visit, a problem the plan works on before one it only continues",
    stage="sequence",
)
def _principal_v4(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    # v4: in the final diagnostic statement the list's order decides (II: "the circumstances of
    # admission ... the discharge diagnoses list it first"); v3 ranked a short item ("2.
    # Hypertension.") over a first item that names two contrasting diagnoses (II.D).
    quiet = _quiet_problems(ordered, ctx)
    out = sorted(ordered, key=lambda c: _principal_key_v4(c, quiet))
    if quiet and out and out != sorted(ordered, key=lambda c: _principal_key_v4(c, set())):
        out[0].rules.append("ocg.II.principal.v4")
        out[0].steps.append(_continued_step(ordered, quiet))
    return out


@rule(
    "ocg.II.principal.v5",
    "II (principal diagnosis), IV.A-D, IV.G (first-listed diagnosis)",
    "the condition chiefly responsible first: the final statement's first listed diagnosis; in an office "
    "visit, a problem the plan works on before one the plan says it only continues",
    stage="sequence",
)
def _principal_v5(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    # v5: a problem is passed over for one the plan works on only when its own words say the plan
    # continues it ("stable, continue"); v4 also passed over an assessment problem that had no plan
    # words of its own ("1. Dizziness, etiology unclear. 2. Fatigue. Labs ordered.": the dizziness,
    # listed first and the complaint, stays first -- IV.G, the reason for the visit).
    # v5 too: Z37 (outcome of delivery) and Z3A (weeks of gestation) are never first.
    quiet = _quiet_problems(ordered, ctx, explicit=True)
    out = sorted(ordered, key=lambda c: _principal_key_v4(c, quiet, REASON_Z_V5))
    if quiet and out and out != sorted(ordered, key=lambda c: _principal_key_v4(c, set(), REASON_Z_V5)):
        out[0].rules.append("ocg.II.principal.v5")
        out[0].steps.append(_continued_step(ordered, quiet))
    return out


def _visit_reasons(ordered: list[Candidate], ctx: Context) -> set[int]:
    """Office / ED visit: the assessment diagnoses the chief complaint names or accounts for -- the
    complaint's own condition, or one its symptom is integral to (OCG I.B.4-5 table: "cough" for
    acute bronchitis), even when the symptom itself is not coded."""
    if ctx.setting == "inpatient":
        return set()

    def in_complaint(cand: Candidate) -> bool:
        return any(m.section == "chief_complaint" and m.affirmed for m in cand.mentions)

    complaints = [c for c in ordered if in_complaint(c)]
    complaints += [c for c, _ in ctx.removed if in_complaint(c) and c not in complaints]
    if not complaints:
        return set()
    table = {k: v for k, v in rules_data()["integral_symptoms"].items() if k != "about"}
    reasons = set()
    for cand in ordered:
        if not any(m.section == "assessment_plan" and m.affirmed for m in cand.mentions):
            continue
        for symptom in complaints:
            if symptom.code == cand.code or any(m in cand.mentions for m in symptom.mentions):
                reasons.add(id(cand))
                break
            wanted = next(
                (v for k, v in sorted(table.items(), key=lambda kv: -len(kv[0])) if matches_prefix(symptom.code, k)), ()
            )
            if any(matches_prefix(cand.code, p) for p in wanted):
                reasons.add(id(cand))
                break
    return reasons if 0 < len(reasons) < len(ordered) else set()


@rule(
    "ocg.II.principal.v6",
    "II (principal diagnosis), IV.A-D, IV.G (first-listed diagnosis)",
    "the condition chiefly responsible first: the final statement's first listed diagnosis; in an office "
    "visit, the diagnosis the chief complaint is about, and a problem the plan works on before one it only continues",
    stage="sequence",
)
def _principal_v6(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    # v6: IV.G -- "List first the ICD-10-CM code for the diagnosis, condition, problem, or other
    # reason for encounter/visit shown in the medical record to be chiefly responsible for the
    # services provided."  In an office or ED visit the chief complaint says what the visit is for:
    # "Chief complaint: cough. Assessment: 1. Hypertension. 2. Acute bronchitis" lists the
    # bronchitis first (the cough is integral to it).  Among stated assessment diagnoses only; the
    # final statement of a stay keeps its order (II).
    quiet = _quiet_problems(ordered, ctx, explicit=True)
    reasons = _visit_reasons(ordered, ctx)

    def key(cand: Candidate) -> tuple:
        status, tier, stated, *rest = _principal_key_v4(cand, quiet, REASON_Z_V5)
        if tier == 0:
            return (status, tier, stated, *rest)
        return (status, tier, stated, bool(reasons) and id(cand) not in reasons, *rest)

    out = sorted(ordered, key=key)
    plain = sorted(ordered, key=lambda c: _principal_key_v4(c, set(), REASON_Z_V5))
    if out and out != plain:
        out[0].rules.append("ocg.II.principal.v6")
        if id(out[0]) in reasons:
            out[0].steps.append("first-listed: the diagnosis the chief complaint is about (OCG IV.G)")
        if quiet:
            out[0].steps.append(_continued_step(ordered, quiet))
    return out


# a manifestation code's title (OCG I.A.13); the claim edits use it too
MANIFESTATION = re.compile(r"\bin (?:other )?diseases classified elsewhere\b", re.IGNORECASE)


def _note_refs(ctx: Context, code: str, kind: str) -> list[str]:
    key = f"{kind}:{code}"
    if key not in ctx.cache:
        node = ctx.kb.cm(code, release_id=ctx.index.release_id)  # type: ignore[attr-defined]
        notes = ctx.kb.cm_notes(node) if node else []  # type: ignore[attr-defined]
        ctx.cache[key] = [r for n in notes if n.type == kind for r in n.refs]
    return ctx.cache[key]


def _covered(cands: list[Candidate], owner: Candidate, refs: list[str]) -> list[Candidate]:
    """The candidates (other than ``owner``) that one of a note's references covers."""
    if not refs:
        return []
    return [c for c in cands if c is not owner and any(ref_covers(r, c.code) for r in refs)]


@rule(
    "ocg.I.A.13.v1",
    "I.A.13",
    "manifestation codes ('in diseases classified elsewhere') after their etiology",
    stage="sequence",
)
def _etiology_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    for cand in list(ordered):
        node = ctx.index.get(cand.code)
        if node is None or "in diseases classified elsewhere" not in node.description:
            continue
        refs = _note_refs(ctx, cand.code, "codeFirst")
        etiologies = [c for c in ordered if c is not cand and any(ref_covers(r, c.code) for r in refs)]
        if etiologies:
            pos = max(ordered.index(e) for e in etiologies)
            if ordered.index(cand) < pos:
                ordered.remove(cand)
                ordered.insert(pos, cand)
                cand.rules.append("ocg.I.A.13.v1")
                cand.steps.append(f"sequenced after its etiology {etiologies[0].code} (code first, OCG I.A.13)")
        else:
            cand.rules.append("ocg.I.A.13.v1")
            cand.steps.append("manifestation code: its etiology ('code first') is not documented; query the provider")
    return ordered


@rule(
    "ocg.I.A.13.v2",
    "I.A.13",
    "'code first' and 'use additional code' notes: the etiology, and the code carrying the note, first",
    stage="sequence",
)
def _instructed_order(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    # OCG I.A.13: a code with a "code first" note is sequenced after the condition it names (the
    # etiology before its manifestation "in diseases classified elsewhere"); a code with a "use
    # additional code" note is sequenced before the code it asks for (I11.0 before its I50.-).
    # v2 (v1 handled only manifestation codes, and missed "in other diseases classified
    # elsewhere"): the one that belongs first moves up to the other's place.
    rule_id = "ocg.I.A.13.v2"
    edges: list[tuple[Candidate, Candidate, str]] = []
    for cand in ordered:
        etiologies = _covered(ordered, cand, _note_refs(ctx, cand.code, "codeFirst"))
        edges.extend(
            (c, cand, f"sequenced before {cand.code}, whose 'code first' note names it (OCG I.A.13)")
            for c in etiologies
        )
        edges.extend(
            (cand, c, f"sequenced before {c.code}, which its 'use additional code' note asks for (OCG I.A.13)")
            for c in _covered(ordered, cand, _note_refs(ctx, cand.code, "useAdditionalCode"))
        )
        node = ctx.index.get(cand.code)
        if not etiologies and node is not None and MANIFESTATION.search(node.description):
            cand.rules.append(rule_id)
            cand.steps.append("manifestation code: its etiology ('code first') is not documented; query the provider")
    for _ in range(len(ordered) + 1):
        moved = False
        for first, then, why in edges:
            i, j = ordered.index(first), ordered.index(then)
            if i > j:
                ordered.insert(j, ordered.pop(i))
                moved = True
                if why not in first.steps:
                    first.rules.append(rule_id)
                    first.steps.append(why)
        if not moved:
            break
    return ordered
