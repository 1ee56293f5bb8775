"""Acute and chronic conditions, impending conditions and the circulatory chapter's combination codes
(OCG I.B.8, I.B.11, I.C.9.a, I.C.9.e).

* I.B.8: "If the same condition is described as both acute (subacute) and chronic, and separate
  subentries exist in the Alphabetic Index at the same indentation level, code both and sequence the
  acute (subacute) code first."  Where the classification has one code per acuity ("Unspecified
  systolic (congestive) heart failure" with "Acute ...", "Chronic ...", "Acute on chronic ..."
  siblings), the documented acuity picks the child (I.B.2-3: the most specific code).
* I.B.11: "If it did not occur, reference the Alphabetic Index to determine if the condition has a
  subentry term for 'impending' or 'threatened' ... If the subterms are not listed, code the existing
  underlying condition(s) and not the condition described as impending or threatened."
* I.C.9.a: the presumed link between hypertension and heart / kidney involvement holds "unless the
  documentation clearly states the conditions are unrelated".
* I.C.9.e.4: "If a patient who has suffered a type 1 or unspecified AMI has a new AMI within the 4
  week time frame of the initial AMI, a code from category I22 must be used in conjunction with a
  code from category I21."
* Tabular I27.2-: pulmonary hypertension due to lung diseases and hypoxia (I27.23), due to left
  heart disease (I27.22), each with "code also" the associated condition.
"""

from __future__ import annotations

import datetime as dt
import re

from medcoder.coding.candidates import Candidate, Mention
from medcoder.coding.guidelines import Context, _drop, base_id, matches_prefix, rule
from medcoder.coding.guidelines import recode as _recode

ACUITY_ID = "ocg.I.B.8.acuity.v1"
ACUTE_CHRONIC_ID = "ocg.I.B.8.acute_chronic.v1"
IMPENDING_ID = "ocg.I.B.11.impending.v1"
UNRELATED_ID = "ocg.I.C.9.a.unrelated.v1"
SUBSEQUENT_MI_ID = "ocg.I.C.9.e.4.subsequent.v1"
PULMONARY_HTN_ID = "ocg.I.C.9.pulmonary_hypertension.v1"

_ACUITY = re.compile(
    r"\b(?P<aoc>acute(?:ly)?[\s-]+on[\s-]+chronic|acute\s+and\s+chronic|(?:acute|subacute)\s+exacerbation\s+of\s+"
    r"(?:the\s+|his\s+|her\s+)?chronic|sub-?acute\s+and\s+chronic)\b|\b(?P<acute>acute|sub-?acute)\b|"
    r"\b(?P<chronic>chronic|long[\s-]?standing)\b",
    re.IGNORECASE,
)


def _live(cand: Candidate) -> list[Mention]:
    return [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]


def _document(ctx: Context, m: Mention):
    return ctx.analyzed.document(m.document_id) if ctx.analyzed is not None else None


def acuity_of(ctx: Context, m: Mention) -> str | None:
    """The acuity the words next to the mention give it: "acute", "chronic", "acute_on_chronic" or
    None.  Only a word that modifies the condition counts: inside its wording, or at most two words
    before it in the same clause ("chronic heart failure with reduced ejection fraction", "acute on
    chronic pancreatitis"), never an acuity word of another condition in the sentence."""
    document = _document(ctx, m)
    if document is None:
        return None
    start, _ = document.sentence_at(m.start)
    window = document.text[max(start, m.start - 60) : m.end]
    offset = max(start, m.start - 60)
    found = None
    for match in _ACUITY.finditer(window):
        at = offset + match.start()
        if at >= m.start:  # inside the wording
            found = found or match
            continue
        between = document.text[offset + match.end() : m.start]
        if re.fullmatch(r"[\s-]*(?:[\w']+[\s,-]+){0,2}", between) and not re.search(r"[;:.]", between):
            found = match
    if found is None:
        return None
    if found.group("aoc"):
        return "acute_on_chronic"
    return "acute" if found.group("acute") else "chronic"


# --- I.B.2-3, I.B.8: the documented acuity picks the child ------------------------------------------


_ACUITY_PREFIX = {"acute": "acute ", "chronic": "chronic ", "acute_on_chronic": "acute on chronic "}


def _acuity_sibling(ctx: Context, code: str, acuity: str) -> str | None:
    node = ctx.index.get(code)
    if node is None or node.parent is None or not node.description.lower().startswith("unspecified "):
        return None
    rest = node.description.lower()[len("unspecified ") :]
    parent = ctx.index.get(node.parent)
    wanted = _ACUITY_PREFIX[acuity] + rest
    for child in parent.children if parent else []:
        sibling = ctx.index.get(child)
        if sibling is not None and sibling.billable and sibling.description.lower() == wanted:
            return child
    return None


@rule(
    ACUITY_ID,
    "I.B.2-3, I.B.8",
    "an unspecified-acuity code becomes its acute, chronic or acute on chronic sibling when the note says which",
)
def _acuity(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        acuities = {a for m in _live(cand) if (a := acuity_of(ctx, m))}
        if len(acuities) != 1:
            continue
        acuity = acuities.pop()
        code = _acuity_sibling(ctx, cand.code, acuity)
        if code is None:
            continue
        node = ctx.index.get(code)
        existing = next((c for c in cands if c.code == code), None)
        step = f"{cand.code} -> {code} ({node.description}): the documented acuity ({acuity.replace('_', ' ')})"
        if existing is not None:
            existing.mentions.extend(cand.mentions)
            existing.confidence = max(existing.confidence, cand.confidence)
            existing.rules.append(ACUITY_ID)
            existing.steps.append(step)
            _drop(cands, ctx, cand, ACUITY_ID, f"{code} names the documented acuity (OCG I.B.2-3)")
            continue
        cand.steps.append(step + " (OCG I.B.2-3, I.B.8)")
        cand.matched.add(cand.code)
        cand.code = code
        cand.rules.append(ACUITY_ID)
    return cands


# --- I.B.8: acute and chronic, separate index subentries: both, acute first -------------------------------

# (acute code, chronic code prefix, chronic code to add): conditions whose Alphabetic Index entry has
# "acute" and "chronic" subentries at the same level and no combination code
ACUTE_CHRONIC_PAIRS = (
    ("K85.90", "K86.1", "K86.1"),  # Pancreatitis -> acute K85.90; chronic K86.1
    ("N10", "N11", "N11.9"),  # Pyelonephritis -> acute N10; chronic N11.9
    ("N30.00", "N30.2", "N30.20"),  # Cystitis -> acute N30.00; chronic N30.20
    ("J01.90", "J32", "J32.9"),  # Sinusitis -> acute J01.90; chronic J32.9
    ("J03.90", "J35.01", "J35.01"),  # Tonsillitis -> acute J03.90; chronic J35.01
    ("N41.0", "N41.1", "N41.1"),  # Prostatitis -> acute N41.0; chronic N41.1
    ("K29.00", "K29.5", "K29.50"),  # Gastritis -> acute K29.00; chronic K29.50
    ("K35.80", "K36", "K36"),  # Appendicitis -> acute K35.80; chronic K36
    ("N17.9", "N18", "N18.9"),  # Failure, renal -> acute N17.9; chronic N18.9
)


@rule(
    ACUTE_CHRONIC_ID,
    "I.B.8",
    "a condition described as both acute and chronic, with separate index subentries: both codes, acute first",
)
def _acute_chronic(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for acute, chronic_prefix, chronic in ACUTE_CHRONIC_PAIRS:
        for cand in list(cands):
            is_acute = cand.code == acute
            if not is_acute and not matches_prefix(cand.code, chronic_prefix):
                continue
            if not any(acuity_of(ctx, m) == "acute_on_chronic" for m in _live(cand)):
                continue
            other = chronic if is_acute else acute
            if not is_acute and any(c.code == acute for c in cands):
                continue
            if is_acute and any(matches_prefix(c.code, chronic_prefix) for c in cands):
                continue
            node = ctx.index.get(other)
            if node is None or not node.billable:
                continue
            added = Candidate(other, matched={cand.code}, mentions=list(cand.mentions), features=dict(cand.features))
            added.confidence = cand.confidence
            added.rules.append(ACUTE_CHRONIC_ID)
            added.steps.append(
                f"described as acute and chronic: {acute} and {chronic_prefix} are separate index subentries, "
                "both coded, the acute first (OCG I.B.8)"
            )
            cand.rules.append(ACUTE_CHRONIC_ID)
            if is_acute:
                cands.insert(cands.index(cand) + 1, added)
            else:
                # the acute code first: a little surer, so it sorts ahead of the chronic one
                added.confidence = cand.confidence + 1e-6
                cands.insert(cands.index(cand), added)
    return cands


# --- I.B.11: impending or threatened, and it did not occur ----------------------------------------------------

_IMPENDING = re.compile(r"\b(?:impending|threatened|threat of)\s+(?:[\w-]+\s+){0,1}$", re.IGNORECASE)


@rule(
    IMPENDING_ID,
    "I.B.11",
    "a condition described as impending or threatened, with no such index subentry, is not coded",
    before="ocg.I.B.9.diabetes",
)
def _impending(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        live = _live(cand)
        if not live:
            continue
        threatened = []
        for m in live:
            document = _document(ctx, m)
            start, _ = document.sentence_at(m.start)
            before = document.text[max(start, m.start - 30) : m.start]
            # the index's own "impending" / "threatened" wording (I20.0, O20.0) names the code
            own = re.search(r"\b(?:impending|threatened)\b", m.text + " " + m.term, re.IGNORECASE)
            threatened.append(bool(_IMPENDING.search(before)) and not own)
        if all(threatened):
            _drop(
                cands,
                ctx,
                cand,
                IMPENDING_ID,
                "not coded: described as impending or threatened, and the index has no such subentry; "
                "the underlying condition is coded (OCG I.B.11)",
            )
    return cands


# --- I.C.9.a: hypertension documented as unrelated ---------------------------------------------------------------

_UNRELATED = re.compile(
    r"\b(?:not\s+(?:due|related|secondary|attributable)\s+to|unrelated\s+to|not\s+caused\s+by|independent\s+of)\s+"
    r"(?:(?:his|her|their|the|patient's|known|essential|chronic|longstanding|primary)\s+){0,3}(?:hypertension|htn)\b",
    re.IGNORECASE,
)
_UNRELATED_AFTER = re.compile(
    r"\b(?:hypertension|htn)\s+(?:is\s+|was\s+)?(?:not\s+(?:the\s+)?cause|unrelated|not\s+related)\b", re.IGNORECASE
)
_HEART_WORDS = re.compile(r"\b(?:heart|cardiac|cardiomyopathy|hf|chf|hfref|hfpef|ventricular)\b", re.IGNORECASE)
_KIDNEY_WORDS = re.compile(r"\b(?:kidney|renal|ckd|nephropathy|esrd)\b", re.IGNORECASE)


def _unrelated_parts(ctx: Context) -> tuple[bool, bool]:
    """(heart, kidney): does the documentation clearly state that heart / kidney involvement is
    unrelated to the hypertension?"""
    heart = kidney = False
    for document in getattr(ctx.analyzed, "documents", []):
        for start, end in document.sentences:
            sentence = document.text[start:end]
            if not (_UNRELATED.search(sentence) or _UNRELATED_AFTER.search(sentence)):
                continue
            heart = heart or bool(_HEART_WORDS.search(sentence))
            kidney = kidney or bool(_KIDNEY_WORDS.search(sentence))
    return heart, kidney


def _without(code: str, heart: bool, kidney: bool) -> str:
    """The I10-I13 code once unrelated heart and/or kidney involvement is taken out."""
    has_heart = code.startswith(("I11", "I13")) and not heart
    has_kidney = code.startswith(("I12", "I13")) and not kidney
    late = code in ("I12.0", "I13.11", "I13.2")
    failure = code in ("I11.0", "I13.0", "I13.2")
    if has_heart and has_kidney:
        return code
    if has_kidney:
        return "I12.0" if late else "I12.9"
    if has_heart:
        return "I11.0" if failure else "I11.9"
    return "I10"


@rule(
    UNRELATED_ID,
    "I.C.9.a",
    "no presumed hypertensive heart or kidney disease when the documentation states they are unrelated",
)
def _unrelated(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    combined = [
        c
        for c in cands
        if c.code.startswith(("I11", "I12", "I13")) and any(base_id(r) == "ocg.I.C.9.a" for r in c.rules)
    ]
    if not combined:
        return cands
    heart, kidney = _unrelated_parts(ctx)
    if not heart and not kidney:
        return cands
    for cand in combined:
        code = _without(cand.code, heart, kidney)
        if code == cand.code or ctx.index.get(code) is None:
            continue
        parts = " and ".join(p for p, on in (("heart", heart), ("kidney", kidney)) if on)
        cand.steps.append(
            f"{cand.code} -> {code}: the documentation states the {parts} involvement is unrelated to the "
            "hypertension, so no causal link is presumed (OCG I.C.9.a)"
        )
        cand.code = code
        cand.rules.append(UNRELATED_ID)
        # the unspecified heart disease the combination had absorbed is its own condition again
        for gone, rule_id in list(ctx.removed):
            if base_id(rule_id) == "ocg.I.C.9.a" and gone.code.startswith("I51") and heart and gone not in cands:
                gone.rules.append(UNRELATED_ID)
                gone.steps.append("unrelated to the hypertension: coded on its own (OCG I.C.9.a)")
                cands.append(gone)
    return cands


# --- I.C.9.e.4: a new AMI within 4 weeks of the first --------------------------------------------------------------

_SUBSEQUENT_TARGET = (
    ("I21.0", "I22.0"),
    ("I21.1", "I22.1"),
    ("I21.4", "I22.2"),
    ("I21.2", "I22.8"),
    ("I21.3", "I22.8"),
    ("I21.9", "I22.9"),
)
_AFTER = re.compile(
    r"^\W*(?:(?P<n>\d+|one|two|three|four|a few|several)\s+(?P<unit>days?|weeks?)\s+)?(?:after|following)\b",
    re.IGNORECASE,
)
_WITHIN_4_WEEKS = {"one": 1, "two": 2, "three": 3, "four": 4}


def _within_four_weeks(match: re.Match) -> bool:
    n, unit = match.group("n"), match.group("unit")
    if not n or not unit:
        return True  # "a new NSTEMI after the STEMI" in the same stay
    value = int(n) if n.isdigit() else _WITHIN_4_WEEKS.get(n.lower(), 1)
    days = value * 7 if unit.lower().startswith("week") else value
    return days <= 28


@rule(
    SUBSEQUENT_MI_ID,
    "I.C.9.e.4",
    "a new acute MI within 4 weeks of an earlier one is I22 (subsequent), with the I21 code of the first",
)
def _subsequent_mi(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    infarcts = [c for c in cands if c.code.startswith(("I21.0", "I21.1", "I21.2", "I21.3", "I21.4", "I21.9"))]
    if len(infarcts) < 2:
        return cands
    for later in infarcts:
        for first in infarcts:
            if first is later or later not in cands:
                continue
            hit = None
            for m in _live(later):
                for n in _live(first):
                    if m.document_id != n.document_id or n.start <= m.end:
                        continue
                    document = _document(ctx, m)
                    if document.sentence_at(m.start) != document.sentence_at(n.start):
                        continue
                    between = re.sub(
                        r"\b(?:an?|the|his|her|prior|previous|recent|initial)\b", " ", document.text[m.end : n.start]
                    )
                    match = _AFTER.match(between.strip() or "-")
                    if match and _within_four_weeks(match):
                        hit = (m, n)
            if hit is None:
                continue
            target = next((t for p, t in _SUBSEQUENT_TARGET if later.code.startswith(p)), None)
            node = ctx.index.get(target) if target else None
            if node is None:
                continue
            later.steps.append(
                f"{later.code} -> {target} ({node.description}): a new AMI within 4 weeks of the {first.code} "
                f"({hit[1].text!r}); {first.code} stays for the first (OCG I.C.9.e.4)"
            )
            later.matched.add(later.code)
            later.code = target
            later.rules.append(SUBSEQUENT_MI_ID)
            first.rules.append(SUBSEQUENT_MI_ID)
    return cands


# --- Tabular I27.2-: pulmonary hypertension due to ... -------------------------------------------------------------

_DUE_TO = re.compile(
    r"^\W*(?:(?:is|was|likely|probably|felt|thought)\s+){0,2}(?:due\s+to|secondary\s+to|caused\s+by|from|"
    r"related\s+to|in\s+the\s+setting\s+of|attributed\s+to)\b",
    re.IGNORECASE,
)
# the associated condition -> the I27.2- code (I27.23: lung diseases and hypoxia; I27.22: left heart disease)
_PH_CAUSES = (
    (
        (
            "J4",
            "J84",
            "J98.4",
            "J96.1",
            "J96.2",
            "J60",
            "J61",
            "J62",
            "J63",
            "J64",
            "J65",
            "J66",
            "J67",
            "J68",
            "J69",
            "J70",
            "J90",
            "J47",
            "E84.0",
            "G47.3",
            "R09.02",
            "E66.2",
        ),
        "I27.23",
    ),
    (("I50", "I34", "I35", "I42", "I11.0", "I13.0", "I13.2", "I51.7"), "I27.22"),
)
# conditions the I27.23 title itself names ("... and hypoxia"): not coded beside it (OCG I.B.9)
_PH_INCLUDED = ("R09.02",)


@rule(
    PULMONARY_HTN_ID,
    "I.A.15, I.B.9 (Tabular I27.2-)",
    "pulmonary hypertension documented as due to lung disease / hypoxia (I27.23) or left heart disease (I27.22)",
)
def _pulmonary_hypertension(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in [c for c in cands if c.code == "I27.20"]:
        found: list[tuple[Candidate, str]] = []
        for m in _live(cand):
            document = _document(ctx, m)
            _, s_end = document.sentence_at(m.start)
            tail = document.text[m.end : s_end]
            due = _DUE_TO.match(tail)
            if not due:
                continue
            stop = re.search(r"[;.]", tail[due.end() :])
            lo, hi = m.end + due.end(), m.end + due.end() + (stop.start() if stop else len(tail))
            for other in cands:
                if other is cand:
                    continue
                if any(n.document_id == m.document_id and lo <= n.start < hi for n in _live(other)):
                    target = next((t for prefixes, t in _PH_CAUSES if other.code.startswith(prefixes)), None)
                    if target:
                        found.append((other, target))
        targets = sorted({t for _, t in found})
        if len(targets) != 1 or ctx.index.get(targets[0]) is None:
            continue
        target = targets[0]
        causes = [o for o, _ in found]
        cand.steps.append(
            f"I27.20 due to {', '.join(o.code for o in causes)} -> {target} "
            f"({ctx.index.get(target).description}); code also the associated condition (Tabular I27.2-)"
        )
        cand.matched.add(cand.code)
        cand.code = target
        cand.rules.append(PULMONARY_HTN_ID)
        for other in causes:
            if other.code.startswith(_PH_INCLUDED) and target == "I27.23" and other in cands:
                _drop(
                    cands, ctx, other, PULMONARY_HTN_ID, f"included in {target} (pulmonary hypertension due to hypoxia)"
                )
    return cands


# --- a condition documented as due to another: the code the Index gives the pair ------------------------------------

_CAUSED_BY = re.compile(
    r"^\W*(?:(?:is|was|likely|probably|felt|thought|presumed|believed)\s+){0,2}(?:to\s+be\s+)?"
    r"(?:due\s+to|secondary\s+to|caused\s+by|from|related\s+to|in\s+the\s+setting\s+of|attributed\s+to|"
    r"because\s+of|resulting\s+from)\b",
    re.IGNORECASE,
)
_CAUSING = re.compile(r"^\W*(?:with|causing|complicated\s+by|leading\s+to|and\s+resultant|resulting\s+in)\b", re.I)


def _caused_by(ctx: Context, effect: Candidate, cause: Candidate, with_ok: bool = True) -> bool:
    """Does the note say ``effect`` is due to ``cause`` in one clause?  "cardiomyopathy due to
    transthyretin amyloidosis", "hypertension secondary to renal artery stenosis", or the cause
    first: "amyloidosis with cardiomyopathy", "renal artery stenosis causing hypertension"."""
    for m in _live(effect):
        document = _document(ctx, m)
        if document is None:
            continue
        s_start, s_end = document.sentence_at(m.start)
        for n in _live(cause):
            if n.document_id != m.document_id or document.sentence_at(n.start) != (s_start, s_end):
                continue
            if n.start >= m.end:
                link, between = _CAUSED_BY, document.text[m.end : n.start]
            elif m.start >= n.end:
                link, between = _CAUSING, document.text[n.end : m.start]
            else:
                continue
            match = link.match(between)
            if match and not with_ok and link is _CAUSING and match.group(0).strip().lower() == "with":
                continue  # "acute kidney injury with hypertension" says no cause
            rest = between[match.end() :] if match else ""
            if match and not re.search(r"[;.]", rest) and len(rest.split()) <= 6:
                return True
    return False


CARDIOMYOPATHY_IN_ID = "ocg.I.A.13.cardiomyopathy.v1"


@rule(
    CARDIOMYOPATHY_IN_ID,
    "I.A.13 (etiology/manifestation: I43 Cardiomyopathy in diseases classified elsewhere, code first the "
    "underlying disease)",
    "cardiomyopathy documented as due to a disease I43's 'code first' note names is I43, after that disease",
)
def _cardiomyopathy_in(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # Index: "Cardiomyopathy -> amyloid E85.4 [I43]; glycogen storage E74.02 [I43]; gouty M10.0-
    # [I43]; thyrotoxic E05.90 [I43]": the etiology and the manifestation I43 (in italics, never
    # first).  The diseases come from I43's own "code first" note; the link from the note's words
    # ("due to", "secondary to" -- or "amyloidosis with cardiomyopathy").
    from medcoder.coding.guidelines import _note_refs, ref_covers

    if ctx.analyzed is None or ctx.index.get("I43") is None:
        return cands
    refs = _note_refs(ctx, "I43", "codeFirst")
    for cand in [c for c in cands if c.code in ("I42.9", "I42.8")]:
        cause = next(
            (
                o
                for o in cands
                if o is not cand and any(ref_covers(r, o.code) for r in refs) and _caused_by(ctx, cand, o)
            ),
            None,
        )
        if cause is None:
            continue
        _recode(
            cands,
            ctx,
            cand,
            "I43",
            CARDIOMYOPATHY_IN_ID,
            f"cardiomyopathy due to {cause.code}, a disease I43's 'code first' note names (OCG I.A.13)",
        )
    return cands


SECONDARY_HTN_ID = "ocg.I.C.9.a.6.secondary.v1"
# Index: Hypertension -> secondary NEC I15.9 -> due to renovascular disorders / renal artery
# (stenosis, atherosclerosis, fibromuscular dysplasia, aneurysm) I15.0; renal disorders NEC I15.1;
# endocrine disorders, pheochromocytoma I15.2.  CKD (N18) is left to the hypertensive CKD codes
# (I.C.9.a.2), which presume the other direction; acute kidney injury (N17) and stones (N20-N23) do
# not cause a secondary hypertension, nor does diabetes (E08-E13) make it "endocrine".
_SECONDARY_CAUSES = (
    (("I70.1", "I77.3", "I72.2", "Q27.1", "I77.1"), "I15.0"),
    (tuple(f"N{n:02d}" for n in (*range(0, 17), *range(25, 30))), "I15.1"),
    (("E0", "E2", "E3", "D35.0", "D44.1", "C74"), "I15.2"),
)


@rule(
    SECONDARY_HTN_ID,
    "I.C.9.a.6 (secondary hypertension: a code for the underlying etiology and one from category I15)",
    "hypertension documented as due to a renovascular, renal or endocrine disorder is I15.0 / I15.1 / I15.2",
    before="ocg.I.C.9.a",
)
def _secondary_hypertension(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.9.a.6: "Secondary hypertension is due to an underlying condition.  Two codes are required:
    # one to identify the underlying etiology and one from category I15 to identify the
    # hypertension."  (I15: code also the underlying condition.)
    if ctx.analyzed is None:
        return cands
    for cand in [c for c in cands if c.code in ("I10", "I15.9")]:
        found = []
        for other in cands:
            if other is cand or other.code in ("I10",) or other.code.startswith("I15") or not _live(other):
                continue
            target = next((t for prefixes, t in _SECONDARY_CAUSES if other.code.startswith(prefixes)), None)
            if target and _caused_by(ctx, cand, other, with_ok=False):
                found.append((other, target))
        targets = {t for _, t in found}
        if len(targets) != 1:
            continue
        target = targets.pop()
        if ctx.index.get(target) is None:
            continue
        causes = ", ".join(o.code for o, _ in found)
        _recode(
            cands,
            ctx,
            cand,
            target,
            SECONDARY_HTN_ID,
            f"hypertension due to {causes}: secondary hypertension, with the underlying condition (OCG I.C.9.a.6)",
        )
        for other, _ in found:
            other.rules.append(SECONDARY_HTN_ID)
            other.steps.append(f"the underlying condition of {target}, coded also (OCG I.C.9.a.6)")
    return cands


# --- I.C.9.e.4 v2: the first AMI dated days or weeks ago, the new one now ----------------------------------------

SUBSEQUENT_MI_V2 = "ocg.I.C.9.e.4.subsequent.v2"
SUBSEQUENT_ORDER_ID = "ocg.I.C.9.e.4.sequence.v1"
_AGO = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(?P<n>\d+|one|two|three|four|five|six|a few|several)\s+"
    r"(?P<unit>days?|weeks?|months?|years?)\s+"
    r"(?:ago|prior|earlier|before\s+(?:this\s+)?(?:admission|presentation))\b",
    re.IGNORECASE,
)
_INFARCTS = ("I21.0", "I21.1", "I21.2", "I21.3", "I21.4", "I21.9")


def _dated(ctx: Context, m: Mention) -> bool | None:
    """The AMI mention is dated days or weeks before now: True within 4 weeks, False older, None
    undated ("NSTEMI 10 days ago, treated medically")."""
    document = _document(ctx, m)
    _, s_end = document.sentence_at(m.start)
    tail = re.split(r"[;,.](?!\d)", document.text[m.end : min(s_end, m.end + 40)])[0]
    match = _AGO.match(tail)
    if match is None:
        return None
    if match.group("unit").lower().startswith(("month", "year")):
        return False
    return _within_four_weeks(match)


@rule(
    SUBSEQUENT_MI_V2,
    "I.C.9.e.4",
    "a new acute MI within 4 weeks of an earlier one is I22 (subsequent), with the I21 code of the first",
)
def _subsequent_mi_v2(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # v2: also the first AMI dated in its own sentence ("NSTEMI 10 days ago, treated medically.
    # Readmitted today with new acute anterior wall STEMI"): an undated AMI beside one dated within
    # 4 weeks is the new one -- I22 -- and the dated one keeps its I21 code (I.C.9.e.4; the first is
    # still within the 4 weeks I21 covers, I.C.9.e.1).  An AMI dated longer ago is not the first of
    # a pair here.
    cands = _subsequent_mi(cands, ctx)
    if ctx.analyzed is None:
        return cands
    infarcts = [c for c in cands if c.code.startswith(_INFARCTS)]
    firsts = [c for c in infarcts if _live(c) and all(_dated(ctx, m) is True for m in _live(c))]
    if len(firsts) != 1:
        return cands
    first = firsts[0]
    news = [c for c in infarcts if c is not first and _live(c) and all(_dated(ctx, m) is None for m in _live(c))]
    if len(news) != 1:
        return cands
    new = news[0]
    target = next((t for p, t in _SUBSEQUENT_TARGET if new.code.startswith(p)), None)
    node = ctx.index.get(target) if target else None
    if node is None or any(c.code == target for c in cands):
        return cands
    new.steps.append(
        f"{new.code} -> {target} ({node.description}): a new AMI within 4 weeks of the {first.code} dated "
        f"{_live(first)[0].text!r} ... ago; {first.code} stays for the first (OCG I.C.9.e.4)"
    )
    new.matched.add(new.code)
    new.code = target
    new.rules.append(SUBSEQUENT_MI_V2)
    first.rules.append(SUBSEQUENT_MI_V2)
    first.steps.append(f"the first AMI, before this encounter: sequenced after {target} (OCG I.C.9.e.4)")
    return cands


@rule(
    SUBSEQUENT_ORDER_ID,
    "I.C.9.e.4 (the sequencing of the I22 and I21 codes depends on the circumstances of the admission)",
    "a new AMI that brings the patient in (the first dated before the encounter) is sequenced before the I21",
    stage="sequence",
)
def _subsequent_order(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    # When the first AMI happened before this encounter ("10 days ago"), the new one (I22) is what
    # occasioned the admission; when the new one occurs during the stay, the I21 stays first.
    if ctx.analyzed is None:
        return ordered
    new = next((c for c in ordered if c.code.startswith("I22") and SUBSEQUENT_MI_V2 in c.rules), None)
    first = next((c for c in ordered if c.code.startswith("I21") and SUBSEQUENT_MI_V2 in c.rules), None)
    if new is None or first is None or ordered.index(new) < ordered.index(first):
        return ordered
    ordered.remove(new)
    ordered.insert(ordered.index(first), new)
    new.rules.append(SUBSEQUENT_ORDER_ID)
    new.steps.append(
        f"before {first.code}: the new AMI occasioned the encounter, the first came before it (OCG I.C.9.e.4)"
    )
    return ordered


OLD_MI_ID = "ocg.I.C.9.e.old.v1"


@rule(
    OLD_MI_ID,
    "I.C.9.e.1 (I21 for an AMI four weeks old or less); Tabular I25.2 (old myocardial infarction: healed, or past "
    "and presenting no symptoms)",
    "an AMI the note dates more than 4 weeks ago is an old MI, I25.2, not I21",
)
def _old_mi(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # "NSTEMI 3 months ago, s/p stent to the LAD": I21 codes an AMI while it is four weeks old or
    # less (I.C.9.e.1); older, it is I25.2 (Index: Infarct, myocardium -> healed or old I25.2).
    if ctx.analyzed is None or ctx.index.get("I25.2") is None:
        return cands
    for cand in [c for c in cands if c.code.startswith(("I21", "I22"))]:
        live = _live(cand)
        if not live or not all(_dated(ctx, m) is False for m in live):
            continue
        _recode(cands, ctx, cand, "I25.2", OLD_MI_ID, "an AMI dated more than 4 weeks ago is an old MI (OCG I.C.9.e.1)")
    # an AMI of the past history dropped as "not current": the old MI is still reported (I25.2 is
    # the history code of a myocardial infarction)
    if any(c.code == "I25.2" for c in cands):
        return cands
    for gone, rule_id in ctx.removed:
        if not gone.code.startswith(("I21", "I22")) or base_id(rule_id) != "ocg.I.C.21.history":
            continue
        live = _live(gone)
        if not live or not all(_dated(ctx, m) is False for m in live):
            continue
        old = Candidate(
            "I25.2", matched={gone.code, "I25.2"}, mentions=list(gone.mentions), features=dict(gone.features)
        )
        old.confidence = gone.confidence
        old.rules.append(OLD_MI_ID)
        old.steps.append(f"{gone.code} dated more than 4 weeks ago -> I25.2 old myocardial infarction (OCG I.C.9.e.1)")
        cands.append(old)
        break
    return cands


OLD_MI_ORDER_ID = "ocg.I.C.9.e.old.sequence.v1"


@rule(
    OLD_MI_ORDER_ID,
    "I.C.9.e.1, II (the condition chiefly responsible for the admission first)",
    "an old MI (I25.2) the note dates in the past is not sequenced before the current AMI",
    stage="sequence",
)
def _old_mi_order(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    # "NSTEMI 3 months ago. Admitted today with acute anterior STEMI": the old infarct is history
    # (I25.2); the AMI of this admission is what occasioned it.
    old = next((c for c in ordered if c.code == "I25.2" and base_id_in(c.rules, OLD_MI_ID)), None)
    current = next((c for c in ordered if c.code.startswith(("I21", "I22"))), None)
    if old is None or current is None or ordered.index(old) > ordered.index(current):
        return ordered
    ordered.remove(old)
    ordered.insert(ordered.index(current) + 1, old)
    old.rules.append(OLD_MI_ORDER_ID)
    old.steps.append(f"after {current.code}: the old MI is history, the current AMI occasioned the encounter")
    return ordered


# --- an old MI: dated by its year, or a past MI with no date (Index: History, personal -> myocardial infarction) -----

OLD_MI_V2 = "ocg.I.C.9.e.old.v2"
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_YEAR = re.compile(
    rf"^\W*(?:(?:in|on|from|during|of)\s+)?(?:(?:{_MONTH}|\d{{1,2}}/)\s*(?:\d{{1,2}},?\s+)?)?(?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_RECENT = re.compile(r"\b(?:recent(?:ly)?|this\s+(?:admission|hospitalization|stay)|current)\b", re.IGNORECASE)


def _dated_v2(ctx: Context, m: Mention) -> bool | None:
    """As :func:`_dated`, and an AMI dated by a year before this one ("MI in 2015", "NSTEMI (2019)")
    is more than 4 weeks old."""
    when = _dated(ctx, m)
    if when is not None:
        return when
    document = _document(ctx, m)
    _, s_end = document.sentence_at(m.start)
    match = _YEAR.match(document.text[m.end : min(s_end, m.end + 30)].replace("(", " "))
    if match and int(match.group("year")) < dt.date.today().year:
        return False
    return None


@rule(
    OLD_MI_V2,
    "I.C.9.e.1 (I21 for an AMI four weeks old or less); Tabular I25.2 (old myocardial infarction: healed, or past "
    "and presenting no symptoms); Index: History, personal -> myocardial infarction (old) I25.2",
    "an AMI dated more than 4 weeks ago (or by an earlier year), or a past MI of the history, is an old MI, I25.2",
)
def _old_mi_v2(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # v2: "myocardial infarction in 2015" is dated too; and a past MI the history rule set aside
    # ("Past medical history: myocardial infarction") is an old MI unless dated within 4 weeks or
    # called recent -- the Index's "History, personal -> myocardial infarction (old)" is I25.2.
    if ctx.analyzed is None or ctx.index.get("I25.2") is None:
        return cands
    for cand in [c for c in cands if c.code.startswith(("I21", "I22"))]:
        live = _live(cand)
        if not live or not all(_dated_v2(ctx, m) is False for m in live):
            continue
        _recode(cands, ctx, cand, "I25.2", OLD_MI_V2, "an AMI dated more than 4 weeks ago is an old MI (OCG I.C.9.e.1)")
    if any(c.code.startswith(("I25.2", "I21", "I22")) for c in cands):
        return cands
    for gone, rule_id in ctx.removed:
        if not gone.code.startswith(("I21", "I22")) or base_id(rule_id) != "ocg.I.C.21.history":
            continue
        live = _live(gone)
        if not live or any(_dated_v2(ctx, m) is True for m in live):
            continue
        if any(_RECENT.search(_document(ctx, m).text, _document(ctx, m).sentence_at(m.start)[0], m.end) for m in live):
            continue
        old = Candidate(
            "I25.2", matched={gone.code, "I25.2"}, mentions=list(gone.mentions), features=dict(gone.features)
        )
        old.confidence = gone.confidence
        old.rules.append(OLD_MI_V2)
        old.steps.append(
            f"{gone.code} is a past MI ({live[0].text!r}), not within 4 weeks -> I25.2 old myocardial infarction "
            "(OCG I.C.9.e.1; Index: History, personal -> myocardial infarction (old) I25.2)"
        )
        cands.append(old)
        break
    return cands


# --- chronic deep vein thrombosis (I82.5-, I82.7-, I82.A2-, I82.B2-, I82.C2-) ---------------------------------------

CHRONIC_DVT_ID = "ocg.I.B.8.chronic-dvt.v1"
# the acute category's prefix -> the chronic one's (Tabular I82: "acute" and "chronic" are separate
# subcategories of each vein; the Index defaults "Thrombosis, vein, deep" to acute)
_CHRONIC_VEIN = (
    ("I82.4", "I82.5"),
    ("I82.6", "I82.7"),
    ("I82.A1", "I82.A2"),
    ("I82.B1", "I82.B2"),
    ("I82.C1", "I82.C2"),
)


@rule(
    CHRONIC_DVT_ID,
    "I.B.8, I.B.2-3 (Tabular I82: acute and chronic embolism and thrombosis by vein)",
    "a venous thrombosis documented as chronic is the chronic code of its vein (I82.5-), not the acute default",
)
def _chronic_dvt(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # "Chronic DVT of the left femoral vein": Tabular I82.4- is "Acute embolism and thrombosis of deep
    # veins of lower extremity", I82.5- "Chronic ..."; the word "chronic" that modifies the
    # thrombosis picks I82.5- with the same vein and side (I82.412 -> I82.512).  A chronic
    # anticoagulation is no chronic thrombosis: only a word modifying the condition counts.
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        acute = next(((a, c) for a, c in _CHRONIC_VEIN if cand.code.startswith(a)), None)
        if acute is None or cand not in cands:
            continue
        live = _live(cand)
        if not live or not all(acuity_of(ctx, m) == "chronic" for m in live):
            continue
        target = acute[1] + cand.code[len(acute[0]) :]
        node = ctx.index.get(target)
        if node is None or not node.billable or "chronic" not in node.description.lower():
            continue
        _recode(cands, ctx, cand, target, CHRONIC_DVT_ID, "documented as chronic (OCG I.B.8; Tabular I82)")
    return cands


def base_id_in(rules: list[str], rule_id: str) -> bool:
    """Did a version of ``rule_id`` (any, ``.v1`` or later) tag the candidate?"""
    return any(base_id(r) == base_id(rule_id) for r in rules)
