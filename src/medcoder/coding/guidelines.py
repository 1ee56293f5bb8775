"""The ICD-10-CM Official Guidelines for Coding and Reporting as explicit rules.

Each rule has a versioned id and the guideline section it implements, and works on the scored
candidates of one encounter.  The engine applies them in registry order; a site model may turn a
rule off where the site's own coded history shows its coders do otherwise (recorded in the model's
``conventions`` and in the result's provenance).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from medcoder.coding.candidates import Candidate
from medcoder.coding.codeindex import CodeIndex


@dataclass(slots=True)
class Context:
    setting: str  # inpatient | outpatient | professional
    index: CodeIndex
    kb: object
    conventions: dict[str, bool] = field(default_factory=dict)
    removed: list[tuple[Candidate, str]] = field(default_factory=list)  # (candidate, rule id) for the audit trail
    cache: dict[str, list[str]] = field(default_factory=dict)

    def enabled(self, rule_id: str) -> bool:
        return self.conventions.get(rule_id.rsplit(".v", 1)[0], True)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    section: str
    summary: str
    apply: Callable[[list[Candidate], Context], list[Candidate]]


RULES: dict[str, Rule] = {}


def rule(rule_id: str, section: str, summary: str) -> Callable:
    def register(fn: Callable[[list[Candidate], Context], list[Candidate]]) -> Callable:
        RULES[rule_id] = Rule(rule_id, section, summary, fn)
        return fn

    return register


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


@rule("ocg.assertion.hypothetical.v1", "I.B.1", "conditions mentioned only as possibilities to watch for")
def _hypothetical(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    for cand in list(cands):
        if all(m.hypothetical or m.negated or m.family for m in cand.mentions):
            _drop(cands, ctx, cand, "ocg.assertion.hypothetical.v1", "not coded: hypothetical (e.g. 'return if ...')")
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


# --- conventions of the classification -----------------------------------------------------------------


def _excludes1_refs(ctx: Context, code: str) -> list[str]:
    if code not in ctx.cache:
        node = ctx.kb.cm(code, release_id=ctx.index.release_id)  # type: ignore[attr-defined]
        notes = ctx.kb.cm_notes(node) if node else []  # type: ignore[attr-defined]
        ctx.cache[code] = [r for n in notes if n.type == "excludes1" for r in n.refs]
    return ctx.cache[code]


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


def apply_rules(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    for r in RULES.values():
        if ctx.enabled(r.id):
            cands = r.apply(cands, ctx)
    return cands


# --- sequencing -------------------------------------------------------------------------------------------


def sequence(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    """Principal (inpatient, OCG II) or first-listed (outpatient, OCG IV) diagnosis first.

    The first is the condition chiefly responsible: a definitive diagnosis before symptoms (II.A),
    documented in the diagnosis or assessment sections, most confident; then the rest by confidence.
    Etiology codes come before their manifestation ("code first", OCG I.A.13).
    """
    ordered = sorted(
        cands,
        key=lambda c: (
            c.code.startswith(("R", "Z")),
            -c.features.get("dx_section", 0.0),
            -c.confidence,
            c.code,
        ),
    )
    ordered = _etiology_first(ordered, ctx)
    return ordered


def _etiology_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    for cand in list(ordered):
        node = ctx.index.get(cand.code)
        if node is None or "in diseases classified elsewhere" not in node.description:
            continue
        kb_node = ctx.kb.cm(cand.code, release_id=ctx.index.release_id)  # type: ignore[attr-defined]
        refs = [r for n in ctx.kb.cm_notes(kb_node) if n.type == "codeFirst" for r in n.refs]  # type: ignore[attr-defined]
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
