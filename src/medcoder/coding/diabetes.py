"""Diabetes mellitus beyond the combination table (OCG I.A.15, I.C.4.a; issue 9).

* I.C.4.a: "the age of a patient is not the sole determining factor ... the type documented
  determines the category"; I.C.4.a.2: type not documented -> E11.  Wording that names no type
  ("diabetic ketoacidosis", "diabetic retinopathy") is the Index's default E11 code; when the record
  documents the type (type 1, or diabetes due to an underlying condition, postpancreatectomy), the
  same complication is coded in the documented category.
* I.A.15: the Index lists conditions under "with" for every diabetes category (gastroparesis,
  osteomyelitis, skin ulcers, hypoglycemia ...): the link is presumed, "unless the documentation
  clearly states the conditions are unrelated".
* I.C.4.a: "assign as many codes from categories E08 - E13 as needed to identify all of the
  associated conditions": E1x.9 "without complications" is not reported beside a complication code.
* I.C.4.a.3: Z79.4 for long-term insulin use, not when insulin is given temporarily during the
  encounter.
* I.C.4.a.6: secondary diabetes -- E08 due to an underlying condition (code first the condition),
  postpancreatectomy diabetes E89.1 with E13 and Z90.41-.
* I.C.4.a.3: Z79.4 / Z79.84 / Z79.85 identify the control of type 2 and secondary diabetes (the
  "use additional code" notes of E08, E09, E11, E13); E10 has no such note: no Z79.4 for type 1.
  Injectable GLP-1 / GIP agonists (semaglutide, liraglutide, tirzepatide) are Z79.85.
* I.C.4.a.5: insulin pump malfunction -- T85.6- (the kind of mechanical complication) first, then
  T38.3X6- (underdosing) or T38.3X1- (overdose), then the diabetes codes.
* Index "with hypoglycemia, with coma" (E1x.641); a complication the record says an amputation
  removed ("status post BKA for diabetic gangrene") is no longer present (OCG IV.J, I.C.21.c.3).
"""

from __future__ import annotations

import re

from medcoder.coding import blood as _blood  # noqa: F401 - registers ocg.I.C.2.c.2.chemo.adverse (T45.1X5-)
from medcoder.coding import drugs as _drugs  # noqa: F401 - the Table of Drugs rule runs before the pump rule
from medcoder.coding.candidates import Candidate, Mention, matched_mention
from medcoder.coding.features import rule_candidate
from medcoder.coding.guidelines import Context, _drop, _note_refs, matches_prefix, ref_covers, rule, rules_data
from medcoder.coding.guidelines import recode as _recode

DIABETES = ("E08", "E09", "E10", "E11", "E13")
TYPE_ID = "ocg.I.C.4.a.type.v1"
WITH_ID = "ocg.I.C.4.a.with.v1"
UNRELATED_ID = "ocg.I.A.15.unrelated.v1"
COMPLICATIONS_ID = "ocg.I.C.4.a.complications.v1"
INSULIN_ID = "ocg.I.C.4.a.3.insulin.v2"
SECONDARY_ID = "ocg.I.C.4.a.6.secondary.v1"

# wording that names type 2 itself (not the Index default for "diabetes" without a type)
_TYPE2 = re.compile(r"\btype\s*(?:2|ii|two)\b|\bt2d\w*|\bdm\s*(?:2|ii)\b|\bdmii\b|\bniddm\b|\bnon-?insulin", re.I)

# The Alphabetic Index's "Diabetes, diabetic (by type) -> with" subterms, for every category E08-E13:
# (complication code prefixes, the combination's characters after the category, keep the
# complication's own code after it, the Index path).  E10 / E11 pairs the combination table of
# ocg.I.B.9.diabetes already joins are skipped there (the combination is found present).
WITH_INDEX = (
    (("K31.84",), ".43", True, "with gastroparesis -> E1x.43"),
    (("M86",), ".69", True, "with osteomyelitis -> E1x.69 (use additional code to identify the complication)"),
    (("N18",), ".22", True, "with chronic kidney disease -> E1x.22 (use additional code for the stage N18.-)"),
    (("G62.9", "G63", "G60.9", "G62.8"), ".42", False, "with polyneuropathy -> E1x.42"),
    (("G58.9", "G59", "G64", "G90.09"), ".40", False, "with neuropathy -> E1x.40"),
    (("H35.00", "H35.09"), ".319", False, "with retinopathy -> E1x.319"),
    (("I73.9",), ".51", False, "with peripheral angiopathy -> E1x.51"),
    (("R73.9",), ".65", False, "with hyperglycemia -> E1x.65"),
    (("E16.0", "E16.1", "E16.2"), ".649", False, "with hypoglycemia -> E1x.649"),
    (("L97",), ".621", True, "with foot ulcer -> E1x.621 (use additional code to identify the site L97.4-L97.5-)"),
    (("L98.4",), ".622", True, "with skin ulcer NEC -> E1x.622 (use additional code L98.41-L98.49)"),
    (("K05", "K06"), ".638", True, "with periodontal disease -> E1x.630; other oral complications -> E1x.638"),
)
_UNRELATED = re.compile(
    r"\b(?:not|un)\s*related to (?:the |his |her |their |patient's )?diabet\w*|"
    r"\bnot (?:due to|caused by|secondary to|a complication of|from) (?:the |his |her |their )?diabet\w*|"
    r"\bnot diabetic\b|\bnon-?diabetic (?:kidney|renal|neuropath|retinopath|ulcer|gastroparesis)\w*",
    re.I,
)
_INSULIN_USE = re.compile(
    r"\b(?:on|takes|taking|uses|using|maintained on|managed with|treated with|requires|requiring|continue\w*)\s+"
    r"(?:\w+\s+){0,2}insulin\b|\binsulin[- ](?:pump|therapy|regimen|treated|dependent|requiring)\b|"
    r"\b(?:basal[- ]bolus|basal) insulin\b",
    re.I,
)
_TEMPORARY = re.compile(
    r"\btemporar\w*|\bonly (?:during|while|in)\b|\bduring (?:this|the) (?:stay|admission|hospitalization|encounter) "
    r"only\b|\bdiscontinued (?:at|on|before) discharge\b|\bno (?:diabetic|diabetes) medication",
    re.I,
)
_DUE_TO = re.compile(r"\b(?:due to|secondary to|caused by|because of|resulting from|from)\s+", re.I)
_PANCREATECTOMY = re.compile(r"\bpancreatectom\w*|\bwhipple\b|\bpancreaticoduodenectom\w*", re.I)
_PARTIAL = re.compile(r"\b(?:partial|distal|subtotal|central|whipple|pancreaticoduodenectom\w*)", re.I)


def _category(code: str) -> str | None:
    return code[:3] if code.startswith(DIABETES) else None


def _live(cand: Candidate) -> list[Mention]:
    return [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]


def _sentence(ctx: Context, m: Mention) -> tuple[int, int, str]:
    document = ctx.analyzed.document(m.document_id)
    start, end = document.sentence_at(m.start)
    return start, end, document.text[start:end]


def _in_category(ctx: Context, code: str, category: str) -> str | None:
    """The same complication in another diabetes category (E11.43 -> E10.43), if the code exists."""
    target = category + code[3:]
    node = ctx.index.get(target)
    return target if node is not None and node.billable else None


def _type1_only(cands: list[Candidate]) -> bool:
    """Type 1 the only diabetes of the record (no E08, E09, E11, E13 and no O24 beyond pre-existing type 1)."""
    live = {c.code[:3] for c in cands if c.code.startswith((*DIABETES, "O24")) and _live(c)}
    others = {c.code[:5] for c in cands if c.code.startswith("O24") and _live(c)} - {"O24.0"}
    return "E10" in live and not (live & {"E08", "E09", "E11", "E13"}) and not others


def _default_type(ctx: Context, cand: Candidate) -> bool:
    """An E11 code reached through the Index default (no type in its words, OCG I.C.4.a.2)."""
    return cand.code.startswith("E11") and not any(_TYPE2.search(m.text) for m in cand.mentions)


@rule(
    SECONDARY_ID,
    "I.C.4.a.6.a-b, I.A.13 (secondary diabetes: E08 due to an underlying condition, code first the condition; "
    "postpancreatectomy diabetes E89.1, E13 and Z90.41-)",
    "diabetes due to an underlying condition is E08; postpancreatectomy diabetes is E89.1 with E13 and Z90.41-",
    before="ocg.I.B.9.diabetes",
)
def _secondary(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.4.a.6.a: "codes under categories E08 ... identify complications/manifestations associated
    # with secondary diabetes mellitus"; the E08 "code first" note names the underlying conditions
    # (Cushing's syndrome E24.-, cystic fibrosis E84.-, pancreatitis K85-K86 ...).  I.C.4.a.6.b: "for
    # postpancreatectomy diabetes mellitus (lack of a pancreas), assign code E89.1, Postprocedural
    # hypoinsulinemia.  Assign a code from category E13 and a code from subcategory Z90.41-".
    if ctx.analyzed is None:
        return cands
    underlying_refs = _note_refs(ctx, "E08", "codeFirst")
    for cand in list(cands):
        if cand not in cands or not cand.code.startswith(("E11", "E13")):
            continue
        for m in _live(cand):
            _start, end, text = _sentence(ctx, m)
            tail = ctx.analyzed.document(m.document_id).text[m.end : end]
            if _PANCREATECTOMY.search(text) and (cand.code.startswith("E13") or _default_type(ctx, cand)):
                if cand.code.startswith("E11"):
                    target = _in_category(ctx, cand.code, "E13")
                    if target is None:
                        break
                    _recode(cands, ctx, cand, target, SECONDARY_ID, "diabetes after pancreatectomy (OCG I.C.4.a.6.b)")
                _add(cands, ctx, "E89.1", cand, m, "postpancreatectomy diabetes: E89.1 first (OCG I.C.4.a.6.b)")
                absence = "Z90.411" if _PARTIAL.search(text) else "Z90.410"
                _add(cands, ctx, absence, cand, m, "acquired absence of pancreas with postpancreatectomy diabetes")
                break
            due = _DUE_TO.match(tail.lstrip(" ,-")) if tail else None
            if due is None or not _default_type(ctx, cand) or not cand.code.startswith("E11"):
                continue
            after = m.end + (len(tail) - len(tail.lstrip(" ,-"))) + due.end()
            cause = next(
                (
                    o
                    for o in cands
                    if o is not cand
                    and any(ref_covers(r, o.code) for r in underlying_refs)
                    and any(n.document_id == m.document_id and after <= n.start < end for n in _live(o))
                ),
                None,
            )
            if cause is None:
                continue
            target = _in_category(ctx, cand.code, "E08")
            if target is not None:
                _recode(
                    cands,
                    ctx,
                    cand,
                    target,
                    SECONDARY_ID,
                    f"diabetes due to {cause.code}, an underlying condition E08's 'code first' note names "
                    "(OCG I.C.4.a.6.a)",
                )
            break
    return cands


def _add(cands: list[Candidate], ctx: Context, code: str, source: Candidate, m: Mention, why: str) -> None:
    if any(c.code == code for c in cands) or ctx.index.get(code) is None:
        return
    made = Candidate(code, matched={code}, mentions=[m], features=dict(source.features))
    made.confidence = source.confidence
    made.rules.append(SECONDARY_ID)
    made.steps.append(f"{code} ({ctx.index.get(code).description}): {why}")
    cands.append(made)


@rule(
    TYPE_ID,
    "I.C.4.a, I.C.4.a.2 (the type documented determines the category; E11 only when the type is not documented)",
    "diabetes wording without a type takes the documented type's category",
    before="ocg.I.B.9.diabetes",
)
def _documented_type(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # "diabetic ketoacidosis in a patient with type 1 diabetes": the Index's default for the
    # ketoacidosis wording is E11.10, but the record documents type 1: E10.10.
    documented = {c.code[:3] for c in cands if c.code.startswith(("E08", "E09", "E10", "E13")) and _live(c)}
    typed2 = any(c.code.startswith("E11") and not _default_type(ctx, c) and _live(c) for c in cands)
    if len(documented) != 1 or typed2:
        return cands
    category = documented.pop()
    for cand in list(cands):
        if cand in cands and _default_type(ctx, cand):
            target = _in_category(ctx, cand.code, category)
            if target is not None:
                _recode(cands, ctx, cand, target, TYPE_ID, f"the record documents the type: {category} (OCG I.C.4.a)")
    return cands


def _unrelated(ctx: Context, cand: Candidate) -> bool:
    """The provider states the condition is not related to the diabetes (OCG I.A.15)."""
    if ctx.analyzed is None:
        return False
    return any(_UNRELATED.search(_sentence(ctx, m)[2]) for m in _live(cand))


def _diabetes_category(cands: list[Candidate], ctx: Context) -> str | None:
    present = [c.code[:3] for c in cands if c.code.startswith(DIABETES) and _live(c)]
    if not present:
        present = [c.code[:3] for c, rule_id in ctx.removed if c.code.startswith(DIABETES) and "diabetes" in rule_id]
    return max(set(present), key=present.count) if present else None


def _tabled(category: str, code: str) -> bool:
    """Does ocg.I.B.9.diabetes's combination table join this pair?  That rule decides them (a site
    convention that switches it off keeps them apart)."""
    return any(
        combo["diabetes"] == category and any(matches_prefix(code, p) for p in combo["with"])
        for combo in rules_data()["combinations"]
    )


@rule(
    WITH_ID,
    "I.A.15, I.C.4.a ('with' in the Index: the diabetes combination codes of every category)",
    "diabetes with a complication the Index lists under 'with' is the combination code",
    before="ocg.I.C.9.a",
)
def _with_index(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    category = _diabetes_category(cands, ctx)
    if category is None:
        return cands
    source = next((c for c in cands if c.code.startswith(category)), None)
    if source is None:
        source = next(c for c, rule_id in ctx.removed if c.code.startswith(category))
    for prefixes, tail, keep, ref in WITH_INDEX:
        code = category + tail
        node = ctx.index.get(code)
        if node is None or not node.billable or any(c.code == code for c in cands):
            continue
        complications = [
            c
            for c in cands
            if c.code.startswith(prefixes) and _live(c) and not _unrelated(ctx, c) and not _tabled(category, c.code)
        ]
        if not complications:
            continue
        combined = Candidate(
            code,
            matched={code, *(c.code for c in complications)},
            mentions=list(source.mentions) + [m for c in complications for m in c.mentions],
            features=dict(source.features),
        )
        combined.confidence = max(source.confidence, *(c.confidence for c in complications))
        combined.rules.append(WITH_ID)
        combined.steps.append(
            f"diabetes ({category}) + {', '.join(c.code for c in complications)} -> {code} ({node.description}); "
            f"Index: Diabetes, by type, {ref} (OCG I.A.15)"
        )
        cands.append(combined)
        for comp in complications:
            if keep:
                comp.rules.append(WITH_ID)
                comp.steps.append(f"kept after {code}, which asks for it (OCG I.A.13)")
            else:
                _drop(cands, ctx, comp, WITH_ID, f"included in the combination code {code} (OCG I.A.15, I.B.9)")
    return cands


@rule(
    UNRELATED_ID,
    "I.A.15 (the 'with' link is presumed unless the documentation clearly states the conditions are unrelated)",
    "a complication the provider documents as unrelated to the diabetes is not combined with it",
    before="ocg.I.C.9.a",
)
def _not_related(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    combos = [c for c in cands if c.code.startswith(DIABETES) and any("diabetes" in r for r in c.rules)]
    for combo in combos:
        partners = [
            c
            for c in cands + [r for r, _ in ctx.removed]
            if c is not combo and c.code in combo.matched and not c.code.startswith(DIABETES)
        ]
        if not partners or not all(_unrelated(ctx, p) for p in partners):
            continue
        _drop(
            cands,
            ctx,
            combo,
            UNRELATED_ID,
            f"the provider documents {', '.join(p.code for p in partners)} as not related to the diabetes (OCG I.A.15)",
        )
        for partner in partners:
            if partner not in cands:
                cands.append(partner)
                partner.steps.append("coded on its own: documented as unrelated to the diabetes (OCG I.A.15)")
                partner.rules.append(UNRELATED_ID)
        category = combo.code[:3]
        if any(c.code.startswith(category) for c in cands):
            continue
        base = next(
            (c for c, _ in reversed(ctx.removed) if c.code == f"{category}.9" and c not in cands),
            None,
        )
        if base is not None:
            cands.append(base)
            base.rules.append(UNRELATED_ID)
            base.steps.append("restored: its only complication is documented as unrelated (OCG I.A.15)")
    return cands


@rule(
    COMPLICATIONS_ID,
    "I.C.4.a (as many E08-E13 codes as needed for the complications; E1x.9 is 'without complications')",
    "diabetes 'without complications' is not reported beside a complication code of its category",
    before="ocg.I.C.9.a",
)
def _without_complications(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    for cand in list(cands):
        category = _category(cand.code)
        if category is None or cand.code != f"{category}.9":
            continue
        other = next(
            (c for c in cands if c is not cand and c.code.startswith(category) and c.code[3:] not in (".9", ".8")),
            None,
        )
        if other is None:
            continue
        known = {(m.document_id, m.start, m.end) for m in other.mentions}
        other.mentions.extend(m for m in cand.mentions if (m.document_id, m.start, m.end) not in known)
        _drop(
            cands,
            ctx,
            cand,
            COMPLICATIONS_ID,
            f"{cand.code} is diabetes without complications; {other.code} codes the complication (OCG I.C.4.a)",
        )
    return cands


@rule(
    INSULIN_ID,
    "I.C.4.a.3 (Z79.4 for long-term insulin use in type 2 and secondary diabetes; not for insulin given "
    "temporarily during the encounter; E10 has no 'use additional code' note for it)",
    "a type 2 or secondary diabetic patient on insulin gets Z79.4; type 1, or insulin given only temporarily, does not",
    before="ocg.I.A.12.a",
)
def _insulin(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    diabetes = next((c for c in cands if c.code.startswith(DIABETES) and _live(c)), None)
    if _type1_only(cands):
        # E10 has no "use additional code" note for Z79.4: insulin is how type 1 is treated (OCG I.C.4.a.3)
        for cand in [c for c in cands if c.code == "Z79.4"]:
            _drop(cands, ctx, cand, INSULIN_ID, "type 1 diabetes: E10 asks for no Z79.4 (OCG I.C.4.a.3)")
        return cands
    for cand in [c for c in cands if c.code == "Z79.4"]:
        live = _live(cand)
        if live and all(_TEMPORARY.search(_sentence(ctx, m)[2]) for m in live):
            _drop(cands, ctx, cand, INSULIN_ID, "insulin given temporarily during the encounter (OCG I.C.4.a.3)")
    if diabetes is None or any(c.code == "Z79.4" for c in cands) or ctx.index.get("Z79.4") is None:
        return cands
    for document in ctx.analyzed.documents:
        for match in _INSULIN_USE.finditer(document.text):
            start, end = document.sentence_at(match.start())
            if _TEMPORARY.search(document.text[start:end]):
                continue
            assertion = document.assess((match.start(), match.end()))
            if assertion.negated or assertion.hypothetical or assertion.family or assertion.historical:
                continue
            section = document.section_at(match.start())
            mention = Mention(
                document_id=document.document_id,
                start=match.start(),
                end=match.end(),
                text=match.group(0),
                source="guideline",
                term="long-term (current) use of insulin",
                score=1.0,
                section=section.name,
                section_title=getattr(section, "title", "") or "",
            )
            made = Candidate("Z79.4", matched={"Z79.4"}, mentions=[mention], features=dict(diabetes.features))
            made.confidence = diabetes.confidence
            made.rules.append(INSULIN_ID)
            made.steps.append(f"{match.group(0)!r}: long-term (current) use of insulin Z79.4 (OCG I.C.4.a.3)")
            cands.append(made)
            return cands
    return cands


POSTPANCREATECTOMY_ORDER_ID = "ocg.I.C.4.a.6.b.sequence.v1"


@rule(
    POSTPANCREATECTOMY_ORDER_ID,
    "I.C.4.a.6.b.i (postpancreatectomy diabetes: assign E89.1, with E13 and Z90.41- as additional codes)",
    "E89.1 before the E13 and Z90.41- codes it comes with",
    stage="sequence",
)
def _postpancreatectomy_order(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    # The guideline names the order: "assign code E89.1, Postprocedural hypoinsulinemia.  Assign a
    # code from category E13 and a code from subcategory Z90.41-, Acquired absence of pancreas, as
    # additional codes."  (The tabular notes under E89.1, E13 and Z90.41 point at one another both
    # ways, so I.A.13 alone leaves the order to chance.)  E89.1 moves up to the place of the first
    # of them; it does not pass a code sequenced ahead of them all.
    hypoinsulinemia = next((c for c in ordered if c.code == "E89.1"), None)
    if hypoinsulinemia is None:
        return ordered
    partners = [i for i, c in enumerate(ordered) if c.code.startswith(("E13", "Z90.41"))]
    at = ordered.index(hypoinsulinemia)
    if not partners or min(partners) > at:
        return ordered
    ordered.insert(min(partners), ordered.pop(at))
    hypoinsulinemia.rules.append(POSTPANCREATECTOMY_ORDER_ID)
    hypoinsulinemia.steps.append(
        "postpancreatectomy diabetes: E89.1 first, E13 and Z90.41- additional (OCG I.C.4.a.6.b)"
    )
    return ordered


# --- I.C.4.a.3: injectable non-insulin antidiabetic drugs ---------------------------------------

INJECTABLE_ID = "ocg.I.C.4.a.3.injectable.v1"

# GLP-1 / GIP receptor agonists given by injection for diabetes (the brands approved for diabetes;
# Wegovy, Saxenda and Zepbound are the weight-management brands and say nothing of diabetes control),
# and the amylin analogue pramlintide.  Oral semaglutide (Rybelsus) is an oral antidiabetic drug.
_INJECTABLE = re.compile(
    r"\b(?:semaglutide|ozempic|liraglutide|victoza|tirzepatide|mounjaro|lixisenatide|adlyxin|pramlintide|symlin)\b",
    re.I,
)
_ORAL_FORM = re.compile(
    r"\b(?:rybelsus|oral semaglutide|semaglutide (?:\d+(?:\.\d+)?\s*mg\s+)?(?:tablets?|po|by mouth|orally|daily))\b",
    re.I,
)
_NOT_CURRENT = re.compile(
    r"\b(?:start\w*|initiat\w*|begin|consider\w*|recommend\w*|discuss\w*|stopp?\w*|discontinu\w*|held|hold\w*|"
    r"d/c\w*|off|switch\w* (?:from|off)|intoleran\w*|allerg\w*|for weight (?:loss|management)|for obesity)\b",
    re.I,
)


@rule(
    INJECTABLE_ID,
    "I.C.4.a.3 (type 2 / secondary diabetes controlled with an injectable non-insulin antidiabetic drug: Z79.85; "
    "oral hypoglycemic drugs: Z79.84)",
    "a diabetic patient on semaglutide, liraglutide or tirzepatide injections gets Z79.85 (Rybelsus: Z79.84)",
    before="ocg.I.A.12.a",
)
def _injectable(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None or _type1_only(cands):
        return cands
    diabetes = [c for c in cands if c.code.startswith(("E08", "E09", "E11", "E13")) and _live(c)]
    if not diabetes:
        return cands
    for document in ctx.analyzed.documents:
        for match in _INJECTABLE.finditer(document.text):
            start, end = document.sentence_at(match.start())
            sentence = document.text[start:end]
            clause = re.split(r"[;]", document.text[start : match.start()])[-1] + document.text[match.start() : end]
            if _NOT_CURRENT.search(clause.split(",")[0] if "," in clause else clause) or _TEMPORARY.search(sentence):
                continue
            assertion = document.assess((match.start(), match.end()))
            if assertion.negated or assertion.hypothetical or assertion.family or assertion.historical:
                continue
            oral = _ORAL_FORM.search(document.text[max(start, match.start() - 6) : min(end, match.end() + 20)])
            code = "Z79.84" if oral else "Z79.85"
            if any(c.code == code for c in cands) or ctx.index.get(code) is None:
                continue
            what = "an oral antidiabetic drug" if oral else "an injectable non-insulin antidiabetic drug"
            mention = matched_mention(document, match, f"{match.group(0)}: {what}", f"{code} (OCG I.C.4.a.3)")
            made = rule_candidate(
                code, mention, INJECTABLE_ID, f"{match.group(0)!r} is {what}: {code} with the diabetes (OCG I.C.4.a.3)"
            )
            made.features = dict(diabetes[0].features)
            cands.append(made)
    return cands


# --- I.C.4.a.5: insulin pump malfunction ----------------------------------------------------------

PUMP_ID = "ocg.I.C.4.a.5.pump.v1"
PUMP_ORDER_ID = "ocg.I.C.4.a.5.pump.sequence.v1"

_INSULIN_PUMP = re.compile(
    r"\binsulin (?:infusion )?pump\b|\bcsii\b|\bomnipod\b|\bminimed\b|\bt:slim\b|\btandem pump\b", re.I
)
_FAULT = (
    r"malfunction\w*|fail\w*|broke\w*|breakdown|defect\w*|stopped (?:working|delivering)|not (?:working|delivering)|"
    r"leak\w*|dislodg\w*|displac\w*|came out|pulled out|occlu\w*|obstruct\w*|kink\w*|block\w*|clog\w*"
)
_PUMP_FAULT = re.compile(
    rf"\bpump\b[^.;\n]{{0,50}}?\b(?:{_FAULT})|\b(?:{_FAULT})\s+(?:of\s+)?(?:the\s+|his\s+|her\s+|an?\s+)?"
    r"(?:insulin\s+)?pump\b",
    re.I,
)
_NO_FAULT = re.compile(
    r"\b(?:no|without|not|negative for|denies|ruled? out|r/o|no evidence of)\s+(?:\w+\s+){0,2}$", re.I
)
# the kind of mechanical complication (Index: Complication, insulin pump, mechanical)
_PUMP_KINDS = (
    (re.compile(r"\bleak\w*", re.I), "T85.633", "leakage"),
    (re.compile(r"\bdislodg\w*|\bdisplac\w*|\bcame out\b|\bpulled out\b|\bmigrat\w*", re.I), "T85.624", "displacement"),
    (re.compile(r"\bocclu\w*|\bobstruct\w*|\bkink\w*|\bblock\w*|\bclog\w*", re.I), "T85.694", "obstruction (other)"),
)
_UNDERDOSE = re.compile(
    r"\bunderdos\w*|\bfail\w* to deliver\b|\bnot deliver\w*|\bstopped delivering\b|\bno insulin\b|\bwithout insulin\b|"
    r"\binterrupt\w* (?:of )?(?:insulin|delivery)\b|\bunder-?deliver\w*|\bdid not (?:receive|get) (?:any )?insulin\b|"
    r"\bmissed (?:basal|bolus|insulin)\b",
    re.I,
)
_OVERDOSE = re.compile(
    r"\boverdos\w*|\btoo much insulin\b|\bexcess(?:ive)? insulin\b|\bover-?deliver\w*|\bextra insulin\b|\brunaway\b",
    re.I,
)


def _pump_faults(ctx: Context) -> list[tuple[object, re.Match, str]]:
    """(document, the fault's words, its sentence) of each live insulin pump malfunction."""
    found = []
    for document in ctx.analyzed.documents:
        if not _INSULIN_PUMP.search(document.text):
            continue
        for match in _PUMP_FAULT.finditer(document.text):
            assertion = document.assess((match.start(), match.end()))
            if assertion.negated or assertion.hypothetical or assertion.family or assertion.uncertain:
                continue
            if assertion.historical:
                continue
            start, end = document.sentence_at(match.start())
            fault = re.search(rf"\b(?:{_FAULT})", match.group(0), re.I)
            ahead = document.text[start : match.start() + (fault.start() if fault else 0)]
            if _NO_FAULT.search(ahead):
                continue  # "pump interrogated, no malfunction found"
            found.append((document, match, document.text[start:end]))
    return found


def _resolved(ctx: Context, code: str, document, match: re.Match) -> str | None:
    episode = document.attributes((match.start(), match.end())).episode
    resolution = ctx.index.resolve(code, None, episode)
    return resolution.code if resolution is not None else None


@rule(
    PUMP_ID,
    "I.C.4.a.5.a-b (insulin pump malfunction: T85.6- for the kind of malfunction, then T38.3X6- for the underdose "
    "or T38.3X1- for the overdose of insulin; no adverse effect, the insulin was not properly administered)",
    "an insulin pump that failed is T85.6- with the underdosing (T38.3X6-) or overdose (T38.3X1-) of insulin",
)
def _pump(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    faults = _pump_faults(ctx)
    if not faults:
        return cands
    document, match, _sentence_text = faults[0]
    sentences = " ".join(s for _, _, s in faults)
    code, kind = "T85.614", "breakdown (mechanical)"
    for pattern, kind_code, kind_name in _PUMP_KINDS:
        if pattern.search(sentences):
            code, kind = kind_code, kind_name
            break
    text = " ".join(d.text for d in ctx.analyzed.documents)
    crisis = any(_live(c) and re.match(r"E(?:08|09|10|11|13)\.(?:0|1|65)", c.code) for c in cands)
    low = any(_live(c) and re.match(r"E(?:08|09|10|11|13)\.64", c.code) for c in cands)
    under = bool(_UNDERDOSE.search(text)) or (crisis and not _OVERDOSE.search(text))
    over = not under and (bool(_OVERDOSE.search(text)) or low)
    added = []
    for wanted, why in (
        (code, f"insulin pump malfunction, {kind}: T85.6- first (OCG I.C.4.a.5)"),
        ("T38.3X6" if under else "T38.3X1" if over else None, "the insulin the failed pump under- or overdosed"),
    ):
        if wanted is None:
            continue
        target = _resolved(ctx, wanted, document, match)
        if target is None or any(c.code[:7] == target[:7] for c in cands):
            continue
        mention = matched_mention(document, match, f"insulin pump malfunction ({kind})", "OCG I.C.4.a.5")
        made = rule_candidate(target, mention, PUMP_ID, f"{match.group(0)!r}: {target} ({why}, OCG I.C.4.a.5)")
        made.features = dict(cands[0].features) if cands else {}
        cands.append(made)
        added.append(target)
    # the insulin the pump failed to give (or gave in excess) was not "correctly prescribed and
    # properly administered": no adverse effect; a device failure is not the patient's noncompliance
    dosing = [c for c in cands if c.code.startswith(("T38.3X6", "T38.3X1"))]
    spans = {(m.document_id, m.start, m.end) for c in dosing for m in c.mentions}
    for cand in list(cands):
        if cand.code.startswith("T38.3X5") or (cand.code.startswith(("T38.3X1",)) and under):
            _drop(cands, ctx, cand, PUMP_ID, "insulin pump malfunction: underdosing, not an adverse effect of insulin")
        elif cand.code.startswith(("Z91.12", "Z91.13", "Z91.14")) and all(
            (m.document_id, m.start, m.end) in spans for m in cand.mentions
        ):
            _drop(cands, ctx, cand, PUMP_ID, "the underdose is the pump's failure, not the patient's noncompliance")
    return cands


@rule(
    PUMP_ORDER_ID,
    "I.C.4.a.5.a-b (T85.6- as the principal or first-listed code, followed by T38.3X6- / T38.3X1-, then the "
    "diabetes and its complications)",
    "insulin pump malfunction first, the under- or overdosing of insulin next, then the diabetes",
    stage="sequence",
)
def _pump_order(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    pump = next((c for c in ordered if re.match(r"T85\.6(?:14|24|33|94)", c.code)), None)
    if pump is None:
        return ordered
    dosing = next((c for c in ordered if c.code.startswith(("T38.3X6", "T38.3X1"))), None)
    group = [i for i, c in enumerate(ordered) if c.code.startswith((*DIABETES, "T38.3X")) or c is pump]
    at = min(group)
    moved = [pump] + ([dosing] if dosing is not None else [])
    rest = [c for c in ordered if c not in moved]
    ordered[:] = rest[:at] + moved + rest[at:]
    pump.rules.append(PUMP_ORDER_ID)
    pump.steps.append(
        "insulin pump malfunction: T85.6- first, then T38.3X6- / T38.3X1-, then the diabetes (OCG I.C.4.a.5)"
    )
    return ordered


# --- Index: with hypoglycemia, with coma ---------------------------------------------------------

COMA_ID = "ocg.I.C.4.a.hypoglycemia.coma.v1"
_COMA = re.compile(r"\bcoma\b|\bcomatose\b", re.I)
_NO_COMA = re.compile(r"\b(?:without|w/o|no|not in|denies)\s+(?:\w+\s+){0,2}(?:coma|comatose)\b", re.I)


@rule(
    COMA_ID,
    "I.A.15, I.C.4.a (Index: Diabetes, by type, with hypoglycemia, with coma -> E1x.641; Coma, hypoglycemic "
    "(diabetic) -> see Diabetes, by type, with hypoglycemia, with coma)",
    "diabetic hypoglycemia with coma is E1x.641, not E1x.649 (nor nondiabetic E15)",
    before="ocg.I.C.9.a",
)
def _hypoglycemic_coma(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        category = _category(cand.code)
        if cand not in cands or category is None or cand.code[3:] != ".649":
            continue
        if not any(
            _COMA.search(text) and not _NO_COMA.search(text) for text in (_sentence(ctx, m)[2] for m in _live(cand))
        ):
            continue
        target = _in_category(ctx, cand.code[:3] + ".641", category)
        if target is None:
            continue
        why = "hypoglycemia with coma (Index: Diabetes, with hypoglycemia, with coma)"
        _recode(cands, ctx, cand, target, COMA_ID, why)
        for other in [c for c in cands if c.code in ("E15", "R40.20") and _live(c)]:
            _drop(cands, ctx, other, COMA_ID, f"the coma is in {target} (Index: Coma, hypoglycemic, diabetic)")
    # "hypoglycemic coma" in a diabetic patient: not the nondiabetic E15 (its title), E1x.641
    category = _diabetes_category(cands, ctx)
    coma = next((c for c in cands if c.code == "E15" and _live(c)), None)
    if coma is None or category is None:
        return cands
    target = _in_category(ctx, f"{category}.641", category)
    if target is None:
        return cands
    _recode(cands, ctx, coma, target, COMA_ID, "hypoglycemic coma in a diabetic (Index: Coma, hypoglycemic, diabetic)")
    plain = next((c for c in cands if c.code == f"{category}.9"), None)
    if plain is not None:
        _drop(cands, ctx, plain, COMA_ID, f"{plain.code} is without complications; {target} codes the coma (I.C.4.a)")
    return cands


# --- IV.J: a complication an amputation removed ------------------------------------------------

AMPUTATED_ID = "ocg.I.C.4.a.amputated.v1"
_AMPUTATED_FOR = re.compile(
    r"\b(?:amputat\w*|bka|aka|tma|ray resection|disarticulation)\b[^.;]*?\b(?:for|due to|secondary to|because of)\s+"
    r"(?:(?:his|her|the|a|an|wet|dry|infected|chronic|non-?healing|left|right)\s+)*$",
    re.I,
)
_PAST = re.compile(
    r"\b(?:status post|s/p|h/o|history of|prior|previous(?:ly)?|remote|old|healed|\d+\s+(?:years?|months?|yrs?)\s+ago|"
    r"(?:a|one|two|three|several)\s+(?:years?|months?)\s+ago|in (?:19|20)\d\d)\b",
    re.I,
)
# the diabetes complications (and their own codes) an amputation takes away with the limb
_REMOVED_COMPLICATION = re.compile(r"E(?:08|09|10|11|13)\.(?:52|621|69)|I96|L97|M86|I70\.2[3-6]")


@rule(
    AMPUTATED_ID,
    "IV.J, I.C.21.c.3 (conditions previously treated that no longer exist are not coded: the gangrene, ulcer or "
    "osteomyelitis a past amputation removed; the diabetes stays, as E1x.9 when nothing else is coded)",
    "'status post BKA for diabetic gangrene': the gangrene is gone -- diabetes without it, and the amputation status",
    before="ocg.I.B.9.diabetes",
)
def _amputated(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        if cand not in cands or not _REMOVED_COMPLICATION.match(cand.code):
            continue
        live = _live(cand)
        if not live:
            continue
        gone = True
        for m in live:
            start, _end, _text = _sentence(ctx, m)
            before = ctx.analyzed.document(m.document_id).text[start : m.start]
            if not (_AMPUTATED_FOR.search(before) and _PAST.search(before)):
                gone = False
                break
        if not gone:
            continue
        why = "removed by the past amputation the record names (OCG IV.J: no longer present)"
        category = _category(cand.code)
        if category is None:
            _drop(cands, ctx, cand, AMPUTATED_ID, why)
            continue
        target = _in_category(ctx, f"{category}.9", category)
        if target is None:
            continue
        _recode(cands, ctx, cand, target, AMPUTATED_ID, why)
    return cands
