"""Ulcers and limb infections: the depth, stage and side the codes carry (OCG I.B.13, I.B.14,
I.C.12.a-b; issue 9).

* I.C.12.b / the L97-L98.4 subcategories: a non-pressure chronic ulcer's 6th character is its
  severity ("limited to breakdown of skin", "with fat layer exposed", "with necrosis of muscle" ...);
  the words of the note choose it, the unspecified severity only when it says none.
* I.C.12.a, I.B.14: the pressure ulcer's stage may be documented by clinicians other than the
  provider (the wound care nurse); once the provider documents the ulcer, a stage stated anywhere in
  the record for it chooses the code over "unspecified stage".
* I.B.13: the side picks the code; cellulitis or abscess "of limb" codes name the limb and the side
  (L03.115 right lower limb), and a bilateral condition without a bilateral code is coded right and
  left.
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate, Mention
from medcoder.coding.guidelines import Context, rule
from medcoder.coding.guidelines import recode as _recode

SEVERITY_ID = "ocg.I.C.12.b.severity.v1"
STAGE_ID = "ocg.I.C.12.a.stage.v1"
LIMB_ID = "ocg.I.B.13.limb.v1"

# the severity words of the L97 / L98.4 6th character, most specific first
SEVERITY = (
    (
        "5",
        re.compile(
            r"\bmuscle involvement without (?:evidence of )?necrosis|\bexposed muscle\b|\bmuscle exposed\b", re.I
        ),
    ),
    (
        "6",
        re.compile(
            r"\bbone involvement without (?:evidence of )?necrosis|\bexposed bone\b|\bbone exposed\b|"
            r"\bprobes? to bone\b",
            re.I,
        ),
    ),
    ("3", re.compile(r"\bnecrosis of (?:the )?muscle\b|\bmuscle necrosis\b|\bnecrotic muscle\b", re.I)),
    ("4", re.compile(r"\bnecrosis of (?:the )?bone\b|\bbone necrosis\b|\bnecrotic bone\b", re.I)),
    (
        "2",
        re.compile(r"\bfat (?:layer )?exposed\b|\bexposed (?:subcutaneous )?fat\b|\bwith fat layer exposed\b", re.I),
    ),
    (
        "1",
        re.compile(r"\blimited to (?:the )?breakdown of (?:the )?skin\b|\bskin breakdown only\b", re.I),
    ),
)
_STAGE = re.compile(
    r"\bstage\s*(?P<n>[1-4]|iv|iii|ii|i)\b|\b(?P<un>unstageable)\b|"
    r"\b(?P<dt>deep tissue (?:pressure )?(?:injury|damage))",
    re.I,
)
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
_LOWER = re.compile(r"\b(?:lower|leg|legs|thigh|thighs|calf|calves|shin|knee|ankle|foot|feet)\b", re.I)
_UPPER = re.compile(r"\b(?:upper|arm|arms|forearm|forearms|elbow|wrist|hand|hands)\b", re.I)


def _live(cand: Candidate) -> list[Mention]:
    return [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]


def _sentence(ctx: Context, m: Mention) -> str:
    document = ctx.analyzed.document(m.document_id)
    start, end = document.sentence_at(m.start)
    return document.text[start:end]


@rule(
    SEVERITY_ID,
    "I.C.12.b, I.B.14 (non-pressure chronic ulcers: the 6th character is the severity the record documents)",
    "a non-pressure chronic ulcer of unspecified severity takes the depth its words give",
)
def _severity(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        if not cand.code.startswith(("L97", "L98.4")) or not cand.code.endswith("9") or len(cand.code) != 7:
            continue
        node = ctx.index.get(cand.code)
        if node is None or "unspecified severity" not in node.description:
            continue
        texts = [_sentence(ctx, m) for m in _live(cand)]
        digit = next((d for d, pattern in SEVERITY if any(pattern.search(t) for t in texts)), None)
        if digit is None:
            continue
        target = cand.code[:-1] + digit
        if ctx.index.get(target) is None:
            continue
        _recode(cands, ctx, cand, target, SEVERITY_ID, "the severity the note documents (OCG I.C.12.b)")
    return cands


@rule(
    STAGE_ID,
    "I.C.12.a, I.B.14 (the pressure ulcer stage may come from other clinicians' documentation)",
    "a pressure ulcer of unspecified stage takes the stage documented for it",
)
def _stage(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        node = ctx.index.get(cand.code)
        if not cand.code.startswith("L89") or node is None or "unspecified stage" not in node.description:
            continue
        stages = set()
        for m in _live(cand):
            for match in _STAGE.finditer(_sentence(ctx, m)):
                if match.group("n"):
                    stages.add(_ROMAN.get(match.group("n").lower(), match.group("n")))
                elif match.group("un"):
                    stages.add("0")
                else:
                    stages.add("6")
        if len(stages) != 1:
            continue  # none documented, or several: the note must say which belongs to this ulcer
        stage = stages.pop()
        if cand.code.startswith("L89.9") and stage == "0":
            stage = "5"  # unspecified site: L89.95 is the unstageable code (L89.90 the unspecified stage)
        target = cand.code[:-1] + stage
        if target == cand.code or ctx.index.get(target) is None:
            continue
        _recode(cands, ctx, cand, target, STAGE_ID, "the stage documented for the ulcer (OCG I.C.12.a, I.B.14)")
    return cands


def _limb_code(ctx: Context, parent: str, side: str, limb: str) -> str | None:
    node = ctx.index.get(parent)
    for code in node.children if node else []:
        child = ctx.index.get(code)
        if child is not None and child.billable and f"{side} {limb}" in child.description.lower():
            return code
    return None


@rule(
    LIMB_ID,
    "I.B.13 (laterality: the side and the limb the code names; right and left codes when bilateral)",
    "an infection 'of unspecified part of limb' takes the limb and the side the note documents",
)
def _limb(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    return _limb_sides(cands, ctx, LIMB_ID, record=False)


_LIMB_PART = {
    "lower limb": r"(?:lower\s+(?:leg|limb|extremity)|leg|calf|shin|thigh|foot|ankle|knee)",
    "upper limb": r"(?:upper\s+(?:arm|limb|extremity)|arm|forearm|elbow|wrist|hand)",
}


def _record_sides(ctx: Context, limb: str) -> set[str]:
    """The sides the whole record gives the limb ("nursing note: redness of the left lower leg"):
    laterality documented by other clinicians (OCG I.B.14)."""
    pattern = re.compile(rf"\b(right|left)\s+{_LIMB_PART[limb]}s?\b", re.I)
    both = re.compile(
        rf"\b(?:bilateral|both)\s+{_LIMB_PART[limb]}s?\b|\blegs\b"
        if limb == "lower limb"
        else rf"\b(?:bilateral|both)\s+{_LIMB_PART[limb]}s?\b|\barms\b",
        re.I,
    )
    sides: set[str] = set()
    for document in ctx.analyzed.documents:
        sides |= {m.group(1).lower() for m in pattern.finditer(document.text)}
        if both.search(document.text):
            sides |= {"right", "left"}
    return sides


def _limb_sides(cands: list[Candidate], ctx: Context, rule_id: str, record: bool) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        node = ctx.index.get(cand.code)
        if node is None or "unspecified part of limb" not in node.description.lower() or node.parent is None:
            continue
        sides: set[str] = set()
        limb = None
        for m in _live(cand):
            attrs = ctx.analyzed.document(m.document_id).attributes((m.start, m.end))
            if attrs.laterality == "bilateral":
                sides |= {"right", "left"}
            elif attrs.laterality in ("right", "left"):
                sides.add(attrs.laterality)
            words = m.text
            limb = limb or ("lower limb" if _LOWER.search(words) else "upper limb" if _UPPER.search(words) else None)
        elsewhere = False
        if not sides and limb is not None and record:
            sides = _record_sides(ctx, limb)
            elsewhere = len(sides) == 1
            if not elsewhere:
                continue
        if not sides or limb is None:
            continue
        targets = [t for t in (_limb_code(ctx, node.parent, s, limb) for s in sorted(sides, reverse=True)) if t]
        if len(targets) != len(sides):
            continue
        why = f"{' and '.join(sorted(sides, reverse=True))} {limb} (OCG I.B.13)"
        if elsewhere:
            why = f"{next(iter(sides))} {limb}, the side documented elsewhere in the record (OCG I.B.13, I.B.14)"
        for extra in targets[1:]:
            if any(c.code == extra for c in cands):
                continue
            twin = Candidate(
                extra, matched=set(cand.matched), mentions=list(cand.mentions), features=dict(cand.features)
            )
            twin.confidence = cand.confidence
            twin.rules.append(rule_id)
            twin.steps.append(f"{cand.code} -> {extra}: {why}")
            cands.append(twin)
        _recode(cands, ctx, cand, targets[0], rule_id, why)
    return cands


LIMB_V2_ID = "ocg.I.B.13.limb.v2"


@rule(
    LIMB_V2_ID,
    "I.B.13, I.B.14 (laterality: the side and the limb the code names; the side may be documented by "
    "clinicians other than the provider)",
    "an infection 'of unspecified part of limb' takes the limb and the side the record documents",
)
def _limb_v2(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # v2: I.B.14 -- "laterality" is among what other clinicians may document.  When the provider's
    # words give the limb but no side ("cellulitis of the leg") and the record gives that limb one
    # side only ("nursing: erythema of the left lower leg"), that side; two sides, or none: as v1.
    return _limb_sides(cands, ctx, LIMB_V2_ID, record=True)


# --- I.C.12.a: the pressure ulcer's site -------------------------------------------------------------------------

PRESSURE_SITE_ID = "ocg.I.C.12.a.site.v1"
# Alphabetic Index "Ulcer, pressure (pressure area) -> by site": the site words and the L89
# subcategory (for sided sites, the code before the side digit: right 1, left 2, unspecified 0).
_PRESSURE_SITES = (
    (re.compile(r"\b(?:sacrum|sacral|coccyx|coccygeal|tailbone)\b", re.I), "L89.15", False),
    (re.compile(r"\b(?:buttocks?|gluteal|glutei)\b", re.I), "L89.3", True),
    (re.compile(r"\b(?:hips?|trochanter\w*)\b", re.I), "L89.2", True),
    (re.compile(r"\b(?:heels?|calcaneal|calcaneus)\b", re.I), "L89.6", True),
    (re.compile(r"\b(?:ankles?|malleol\w*)\b", re.I), "L89.5", True),
    (re.compile(r"\belbows?\b", re.I), "L89.0", True),
    (re.compile(r"\b(?:shoulder blades?|scapula\w*|upper back)\b", re.I), "L89.1:upper", True),
    (re.compile(r"\blower back\b", re.I), "L89.1:lower", True),
    (re.compile(r"\b(?:occiput|occipital|head|scalp)\b", re.I), "L89.81", False),
)
# L89.9- (unspecified site) 5th character -> the 6th character of a site code (stage 1-4, 0
# unstageable, 6 deep tissue damage, 9 unspecified stage)
_STAGE_OF_UNSPECIFIED_SITE = {"0": "9", "1": "1", "2": "2", "3": "3", "4": "4", "5": "0", "6": "6"}
_SIDED = {"L89.1:upper": ("L89.11", "L89.12"), "L89.1:lower": ("L89.13", "L89.14")}


def _window(ctx: Context, m: Mention, reach: int = 6) -> str:
    """The words around a mention within its clause: 'sacral pressure injury', 'pressure injury of
    the left buttock, stage 3' (a semicolon or sentence end closes the clause)."""
    document = ctx.analyzed.document(m.document_id)
    start, end = document.sentence_at(m.start)
    before = document.text[max(start, m.start - 30) : m.start]
    after = document.text[m.end : min(end, m.end + 40)]
    before = " ".join(re.split(r"[;:]", before)[-1].split()[-3:])
    # the site stands right after the wording ("of the left buttock", ", right heel,"), before
    # another condition or a procedure is named ("... stage 2, s/p right hip replacement")
    after = re.split(r"[;.]|\b(?:s/p|status|history|hx|after|from|due|secondary|with|near|post)\b", after)[0]
    after = " ".join(after.split()[:reach])
    return f"{before} {m.text} {after}"


def _site_code(ctx: Context, subcategory: str, sided: bool, side: str | None, stage: str) -> str | None:
    if subcategory in _SIDED:
        right, left = _SIDED[subcategory]
        if side is None:
            return None  # "upper back" without a side: L89.10 (unspecified part) is no better
        return (right if side == "right" else left) + stage
    side_digit = {"right": "1", "left": "2"}.get(side or "", "0") if sided else ""
    code = subcategory + side_digit + stage
    node = ctx.index.get(code)
    return code if node is not None and node.billable else None


@rule(
    PRESSURE_SITE_ID,
    "I.C.12.a (pressure ulcer stages: codes from category L89 identify the site, the stage and the side)",
    "a pressure ulcer (pressure injury) of unspecified site takes the site and side its words give",
)
def _pressure_site(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # "Stage 3 pressure injury of the sacrum" is L89.153 (Index: Ulcer, pressure -> sacral region
    # L89.15-), not L89.93 "of unspecified site"; one site only -- several sites in one clause are
    # several ulcers, which the note must name one by one.
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        if not cand.code.startswith("L89.9") or len(cand.code) != 6:
            continue
        stage = _STAGE_OF_UNSPECIFIED_SITE.get(cand.code[-1])
        windows = [(_window(ctx, m), m) for m in _live(cand)]
        found = {(sub, sided) for w, _ in windows for pattern, sub, sided in _PRESSURE_SITES if pattern.search(w)}
        # the whole clause too: "pressure injuries of the sacrum (stage 2) and right heel (stage 1)"
        # are two ulcers, not one of the sacrum
        clause = " ".join(_window(ctx, m, reach=40) for m in _live(cand))
        wider = {(sub, sided) for pattern, sub, sided in _PRESSURE_SITES if pattern.search(clause)}
        if stage is None or len(found) != 1 or wider != found:
            continue
        subcategory, sided = found.pop()
        sides: set[str] = set()
        for w, m in windows:
            attrs = ctx.analyzed.document(m.document_id).attributes((m.start, m.end))
            if attrs.laterality == "bilateral" or re.search(r"\bbilateral\b", w, re.I):
                sides |= {"right", "left"}
            elif attrs.laterality in ("right", "left"):
                sides.add(attrs.laterality)
            else:
                sides |= {s for s in ("right", "left") if re.search(rf"\b{s}\b", w, re.I)}
        if sided and len(sides) > 1:
            continue  # right and left: two ulcers, each its own code when the note names each
        side = next(iter(sides), None)
        target = _site_code(ctx, subcategory, sided, side, stage)
        if target is None:
            continue
        _recode(cands, ctx, cand, target, PRESSURE_SITE_ID, "the site the note documents (OCG I.C.12.a)")
    return cands


# --- I.C.12.b: the non-pressure ulcer's part of the limb -------------------------------------------------------

ULCER_SITE_ID = "ocg.I.C.12.b.site.v1"
# Alphabetic Index "Ulcer, lower limb -> heel / midfoot L97.4-; ankle L97.3-; calf L97.2-; thigh
# L97.1-; foot, toe L97.5-; other part of lower leg L97.8-": the part of the limb the words name,
# when the code reached ("foot ulcer" L97.5-, "leg ulcer" L97.9-) names a larger or vaguer part.
_LIMB_PARTS = (
    (re.compile(r"\b(?:heels?|midfoot|calcaneal)\b", re.I), "L97.4", ("L97.5", "L97.9")),
    (re.compile(r"\b(?:ankles?|malleol\w*)\b", re.I), "L97.3", ("L97.9",)),
    (re.compile(r"\bcalf\b|\bcalves\b", re.I), "L97.2", ("L97.9",)),
    (re.compile(r"\bthighs?\b", re.I), "L97.1", ("L97.9",)),
    (re.compile(r"\b(?:toes?|forefoot|metatarsal\w*|plantar|hallux|foot|feet)\b", re.I), "L97.5", ("L97.9",)),
    (re.compile(r"\b(?:shins?|pretibial|anterior tibial)\b", re.I), "L97.8", ("L97.9",)),
)


@rule(
    ULCER_SITE_ID,
    "I.C.12.b, I.B.13 (non-pressure chronic ulcers: L97 by part of the lower limb, side and severity)",
    "a 'foot ulcer' or 'leg ulcer' takes the part of the limb its clause names (the heel: L97.4-)",
)
def _ulcer_site(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # "Diabetic foot ulcer, left heel, limited to breakdown of skin": the Index sends the heel to
    # L97.4- (heel and midfoot), not L97.5- (other part of foot); the side and the severity stay.
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        source = cand.code[:5]
        if source not in ("L97.5", "L97.9") or len(cand.code) != 7:
            continue
        windows = [_window(ctx, m) for m in _live(cand)]
        found = {part for w in windows for pattern, part, where in _LIMB_PARTS if source in where and pattern.search(w)}
        if source == "L97.9" and "L97.4" in found:
            found.discard("L97.5")  # "leg ulcer at the heel of the foot": the heel
        if len(found) != 1:
            continue
        target = found.pop() + cand.code[5:]
        if target == cand.code or ctx.index.get(target) is None:
            continue
        _recode(cands, ctx, cand, target, ULCER_SITE_ID, "the part of the limb the note documents (OCG I.C.12.b)")
    return cands
