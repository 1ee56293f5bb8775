"""Musculoskeletal and pain conventions (OCG I.B.13, I.C.6.b, I.C.13.d, I.C.21.c.4; issue 9).

* I.B.13: "when a bilateral code is provided and the condition is bilateral, assign the bilateral
  code" -- primary osteoarthritis of both knees is M17.0, not M17.11 and M17.12.
* I.C.13.d.2: "a code from category M80, not a traumatic fracture code, should be used for any patient
  with known osteoporosis who suffers a fracture, even if the patient had a minor fall or trauma".
* I.C.21.c.4 (history): a healed fracture of the past is its personal history code -- Z87.310 for an
  osteoporosis (fragility) fracture, Z87.311 pathological, Z87.312 stress, Z87.81 traumatic.
* I.C.6.b.1: G89 codes are not assigned when the underlying (definitive) diagnosis is known, unless
  the encounter is for pain control; a chronic site pain without a definitive diagnosis is the site
  code with G89.29 (I.C.6.b.1.b); in an encounter for pain control (an injection, a nerve block),
  the G89 code is first-listed, followed by the underlying condition (I.C.6.b.1.a).
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate, Mention
from medcoder.coding.guidelines import Context, _drop, rule

BILATERAL_ID = "ocg.I.B.13.bilateral.v1"
OSTEOPOROSIS_ID = "ocg.I.C.13.d.2.osteoporotic.v1"
FRACTURE_HISTORY_ID = "ocg.I.C.21.c.4.fracture.v1"
PAIN_ID = "ocg.I.C.6.b.1.pain.v1"
PAIN_FIRST_ID = "ocg.I.C.6.b.1.a.control.v1"

_EPISODE = {"A": "initial", "D": "subsequent", "G": "subsequent", "K": "subsequent", "P": "subsequent", "S": "sequela"}
# pathological fracture site (M84.4x 5th character) -> the M80.0- site character
_M84_SITE = {"0": "0", "1": "1", "2": "2", "3": "3", "4": "4", "5": "5", "6": "6", "7": "7", "8": "A"}
_VERTEBRAL = ("M48.5", "S12", "S22.0", "S32.0")
_NO_TRAUMA = re.compile(
    r"\bpatholog\w*|\bosteoporotic\b|\bfragility\b|\binsufficiency\b|\bno (?:trauma|injury|fall)\b|"
    r"\bwithout (?:trauma|injury)\b|\batraumatic\b|\bnontraumatic\b|\bdue to (?:\w+[- ])*osteoporosis\b",
    re.I,
)
# pain codes of a site (chapter 13 and chapter 18)
PAIN_CODES = ("M54.2", "M54.5", "M54.6", "M54.9", "M25.5", "M79.6", "M79.1", "R10", "R52", "R07")
_DUE_TO = re.compile(r"^\s*,?\s*(?:due to|secondary to|caused by|from|related to|because of)\b", re.I)
_CONTROL = re.compile(
    r"\b(?:encounter|visit|admitted|admission|presents?|here|scheduled|referred|comes?) for "
    r"(?:an? |the )?(?:\w+[- ]){0,6}"
    r"(?:injection|block|ablation|rhizotomy|stimulator|pain pump|pain management|pain control)\b",
    re.I,
)


def _live(cand: Candidate) -> list[Mention]:
    return [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]


def _sentence(ctx: Context, m: Mention) -> tuple[int, int, str]:
    document = ctx.analyzed.document(m.document_id)
    start, end = document.sentence_at(m.start)
    return start, end, document.text[start:end]


def _made(code: str, source: Candidate, rule_id: str, step: str, mentions: list[Mention] | None = None) -> Candidate:
    made = Candidate(code, matched={code}, mentions=list(mentions or source.mentions), features=dict(source.features))
    made.confidence = source.confidence
    made.rules.append(rule_id)
    made.steps.append(step)
    return made


@rule(
    BILATERAL_ID,
    "I.B.13 (a bilateral condition with a bilateral code is coded with it)",
    "right and left codes of a 'unilateral' subcategory become the category's bilateral code",
    before="ocg.I.A.12.a",
)
def _bilateral(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    by_parent: dict[str, list[Candidate]] = {}
    for cand in cands:
        node = ctx.index.get(cand.code)
        if node is not None and node.parent:
            by_parent.setdefault(node.parent, []).append(cand)
    for parent_code, group in by_parent.items():
        parent = ctx.index.get(parent_code)
        if parent is None or "unilateral" not in parent.description.lower() or parent.parent is None:
            continue
        right = [c for c in group if "right" in ctx.index.get(c.code).description.lower()]
        left = [c for c in group if "left" in ctx.index.get(c.code).description.lower()]
        if not right or not left:
            continue
        wanted = re.sub("unilateral", "bilateral", parent.description, flags=re.I).lower()
        grand = ctx.index.get(parent.parent)
        target = next(
            (
                c
                for c in (grand.children if grand else [])
                if ctx.index.get(c).description.lower() == wanted and ctx.index.get(c).billable
            ),
            None,
        )
        if target is None or any(c.code == target for c in cands):
            continue
        keep, others = right[0], right[1:] + left
        node = ctx.index.get(target)
        keep.steps.append(
            f"{keep.code} + {', '.join(c.code for c in left)} -> {target} ({node.description}): the condition is "
            "bilateral and a bilateral code exists (OCG I.B.13)"
        )
        keep.code = target
        keep.rules.append(BILATERAL_ID)
        for other in others:
            keep.mentions.extend(m for m in other.mentions if m not in keep.mentions)
            _drop(cands, ctx, other, BILATERAL_ID, f"coded with the bilateral code {target} (OCG I.B.13)")
    return cands


# Alphabetic Index "Osteoporosis, age-related / other, with current pathological fracture" and "Fracture,
# pathological" by site, as notes name it: the M80 6th character (M80.08- vertebra(e), M80.05- femur ...)
_M80_SITES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.I), char)
    for p, char in (
        (
            r"\b(?:[CTL]\d{1,2}|[CTL]\d{1,2}-[CTL]?\d{1,2}|vertebra[el]?|vertebral body|vertebrae|spine|spinal|"
            r"lumbar|thoracic|thoracolumbar|cervical)\b",
            "8",
        ),
        (r"\b(?:hip|femur|femoral(?: neck)?)\b", "5"),
        (r"\b(?:pelvis|pelvic|pubic rami|pubic ramus|ischium|ilium|acetabulum|sacrum|sacral)\b", "B"),
        (r"\b(?:humerus|humeral)\b", "2"),
        (r"\bshoulder\b", "1"),
        (r"\b(?:wrist|forearm|radius|radial|ulna|ulnar|distal radius)\b", "3"),
        (r"\b(?:hand|metacarpal|finger)\b", "4"),
        (r"\b(?:tibia|tibial|fibula|fibular|lower leg)\b", "6"),
        (r"\b(?:ankle|foot|calcaneus|metatarsal|toe)\b", "7"),
    )
)
_CLAUSE_END = re.compile(r"[;.]|\band\b|\bwith\b")


def _documented_site(ctx: Context, cand: Candidate) -> str | None:
    """The M80 site character the fracture's own clause names ("pathological compression fracture of
    L2": vertebra, 8): the words after the fracture up to the end of its clause, then the words just
    before it ("L2 pathological fracture")."""
    for m in _live(cand):
        document = ctx.analyzed.document(m.document_id)
        lo, hi = document.sentence_at(m.start)
        text = document.text
        stop = _CLAUSE_END.search(text, m.end, hi)
        after = text[m.end : stop.start() if stop else hi]
        before = text[max(lo, m.start - 25) : m.start]
        for span in (text[m.start : m.end] + " " + after, before):
            hits = [(found.start(), char) for pattern, char in _M80_SITES if (found := pattern.search(span))]
            if hits:
                return min(hits)[1]
    return None


def _side_of(ctx: Context, cand: Candidate) -> str | None:
    """The side the fracture's wording is documented with (a limb's M80 code is by side, I.B.13)."""
    for m in _live(cand):
        side = ctx.analyzed.document(m.document_id).attributes((m.start, m.end)).laterality
        if side in ("right", "left"):
            return side
    return None


def _m80_site(code: str) -> str | None:
    if code.startswith(_VERTEBRAL):
        return "8"
    if code.startswith("M84.4") and len(code) >= 6:
        if code.startswith("M84.454"):
            return "B"  # pelvis
        return _M84_SITE.get(code[5])
    return None


@rule(
    OSTEOPOROSIS_ID,
    "I.C.13.d.2 (a fracture in a patient with osteoporosis is M80, not a traumatic or NOS fracture code)",
    "osteoporosis with a current fracture (pathological, collapsed vertebra, no trauma) is M80",
    before="ocg.I.A.12.a",
)
def _osteoporotic(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    osteoporosis = next((c for c in cands if c.code.startswith(("M81.0", "M81.8")) and _live(c)), None)
    if osteoporosis is None:
        return cands
    category = "M80.0" if osteoporosis.code.startswith("M81.0") else "M80.8"
    done = False
    for cand in list(cands):
        site = _m80_site(cand.code)
        live = _live(cand)
        if site is None or not live or all(m.historical for m in live):
            continue
        if cand.code.startswith("S") and not any(_NO_TRAUMA.search(_sentence(ctx, m)[2]) for m in live):
            continue  # a traumatic fracture code stays unless the note says it is not traumatic
        if site == "0":  # the code names no site (M84.40): the one the note's clause names
            site = _documented_site(ctx, cand) or site
        node = ctx.index.get(cand.code)
        text = node.description.lower() if node else ""
        side = "right" if "right" in text else "left" if "left" in text else None
        if side is None and site not in ("8", "B", "A", "0"):
            side = _side_of(ctx, cand)
        seventh = cand.code[-1] if len(cand.code) == 8 else "A"
        resolution = ctx.index.resolve(category + site, side, _EPISODE.get(seventh, "initial"))
        if resolution is None:
            continue
        target = resolution.code
        cand.steps.append(
            f"{cand.code} with {osteoporosis.code} -> {target} ({ctx.index.get(target).description}): a fracture "
            "in known osteoporosis (OCG I.C.13.d.2)"
        )
        cand.mentions.extend(m for m in osteoporosis.mentions if m not in cand.mentions)
        cand.code = target
        cand.rules.append(OSTEOPOROSIS_ID)
        done = True
    # a fracture named twice ("pathological compression fracture of the L2 vertebra"): the site-specific code
    made = [c for c in cands if c.code.startswith(category) and OSTEOPOROSIS_ID in c.rules]
    sited = [c for c in made if c.code[5] != "0"]
    for cand in made:
        if cand.code[5] == "0" and sited:
            sited[0].mentions.extend(m for m in cand.mentions if m not in sited[0].mentions)
            _drop(cands, ctx, cand, OSTEOPOROSIS_ID, f"{sited[0].code} gives the fracture's site")
    if done and osteoporosis in cands:
        _drop(
            cands, ctx, osteoporosis, OSTEOPOROSIS_ID, f"{osteoporosis.code} is osteoporosis without a current fracture"
        )
    return cands


@rule(
    FRACTURE_HISTORY_ID,
    "I.C.21.c.4, I.C.13.d (a healed fracture of the past is a personal history code: Z87.310 osteoporosis, "
    "Z87.311 pathological, Z87.312 stress, Z87.81 traumatic)",
    "a past (healed) fracture becomes its personal history code",
    before="ocg.I.C.21.history",
)
def _fracture_history(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        node = ctx.index.get(cand.code)
        if node is None or "fracture" not in node.description.lower() or not cand.code.startswith(("S", "M80", "M84")):
            continue
        live = [m for m in cand.mentions if not (m.negated or m.family)]
        if not live or not all(m.historical for m in live):
            continue
        text = " ".join(_sentence(ctx, m)[2] for m in live).lower()
        if cand.code.startswith("M80") or "osteoporo" in text or "fragility" in text:
            z = "Z87.310"
        elif "stress" in text or cand.code.startswith("M84.3"):
            z = "Z87.312"
        elif cand.code.startswith("M84") or "patholog" in text:
            z = "Z87.311"
        else:
            z = "Z87.81"
        if ctx.index.get(z) is None:
            continue
        step = f"past fracture {cand.code} -> personal history {z} ({ctx.index.get(z).description}) (OCG I.C.21.c.4)"
        if not any(c.code == z for c in cands):
            cands.append(_made(z, cand, FRACTURE_HISTORY_ID, step))
        _drop(cands, ctx, cand, FRACTURE_HISTORY_ID, f"a past, healed fracture: {z}")
    return cands


def _pain_control(ctx: Context) -> bool:
    return ctx.analyzed is not None and any(_CONTROL.search(d.text) for d in ctx.analyzed.documents)


def _cause(cands: list[Candidate], ctx: Context, pain: Candidate) -> Candidate | None:
    """The definitive diagnosis the pain is documented as due to, in the same sentence."""
    for m in _live(pain):
        _start, end, _ = _sentence(ctx, m)
        document = ctx.analyzed.document(m.document_id)
        tail = document.text[m.end : end]
        due = _DUE_TO.match(tail)
        if due is None:
            continue
        after = m.end + due.end()
        for other in cands:
            if other is pain or other.code.startswith(("R", "Z", "G89")) or other.code.startswith(PAIN_CODES):
                continue
            if any(n.document_id == m.document_id and after <= n.start < end and n.affirmed for n in other.mentions):
                return other
    return None


def _chronic(ctx: Context, cand: Candidate) -> Mention | None:
    for m in _live(cand):
        document = ctx.analyzed.document(m.document_id)
        start, _ = document.sentence_at(m.start)
        before = document.text[max(start, m.start - 30) : m.end].lower()
        if re.search(r"\bchronic\b", before):
            return m
    return None


@rule(
    PAIN_ID,
    "I.C.6.b.1 (G89: not when the definitive diagnosis is known, unless the encounter is for pain control; "
    "chronic site pain is the site code with G89.29)",
    "pain due to a documented diagnosis is integral to it; chronic pain adds G89.29; an encounter for pain "
    "control codes the G89 pain and the underlying condition",
    before="ocg.I.A.12.a",
)
def _pain(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    control = _pain_control(ctx)
    for pain in [c for c in cands if c.code.startswith(PAIN_CODES)]:
        if pain not in cands:
            continue
        cause = _cause(cands, ctx, pain)
        chronic = _chronic(ctx, pain)
        if chronic is not None and (cause is None or control) and not any(c.code.startswith("G89") for c in cands):
            node = ctx.index.get("G89.29")
            why = (
                "an encounter for pain control: the chronic pain code, then the underlying condition (OCG I.C.6.b.1.a)"
                if cause is not None
                else "chronic pain at a site: the site code with G89.29 (OCG I.C.6.b.1.b)"
            )
            if node is not None:
                cands.append(_made("G89.29", pain, PAIN_ID, f"G89.29 ({node.description}): {why}", [chronic]))
        if cause is not None:
            _drop(
                cands,
                ctx,
                pain,
                PAIN_ID,
                f"the pain is documented as due to {cause.code}: integral to the definitive diagnosis (OCG I.C.6.b.1, "
                "I.B.5)",
            )
    return cands


@rule(
    PAIN_FIRST_ID,
    "I.C.6.b.1.a (an encounter for pain control or management: the G89 code first, then the underlying condition)",
    "in an encounter for pain control the G89 pain code is first-listed",
    stage="sequence",
)
def _pain_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.setting == "inpatient" or not _pain_control(ctx):
        return ordered
    pain = next((c for c in ordered if c.code.startswith("G89")), None)
    if pain is None or ordered[0] is pain:
        return ordered
    ordered.remove(pain)
    ordered.insert(0, pain)
    pain.rules.append(PAIN_FIRST_ID)
    pain.steps.append("first-listed: the encounter is for pain control (OCG I.C.6.b.1.a)")
    return ordered


# --- I.B.13: a bilateral condition whose one side was treated at an earlier encounter --------------------------

REMAINING_SIDE_ID = "ocg.I.B.13.remaining_side.v1"
_TREATED_SIDE = re.compile(
    r"\b(?P<side>right|left)\s+(?:[\w-]+\s+){0,4}?(?:(?:was|were|has\s+been|had\s+been)\s+)?"
    r"(?:extraction|extracted|removal|removed|release|released|replacement|replaced|arthroplasty|repair|repaired|"
    r"surgery|surgically\s+treated|operated(?:\s+on)?|phacoemulsification|excision|excised|decompression|"
    r"decompressed|fixation|fixed|corrected|correction)\b",
    re.I,
)
_BEFORE = re.compile(
    r"\b(?:s/p|status\s+post|previously|prior|already|last\s+(?:week|month|year)|(?:weeks?|months?|years?)\s+ago|"
    r"(?:was|were|has\s+been|had\s+been)\s+(?:performed|done|removed|released|replaced|extracted|repaired|treated)|"
    r"underwent|had\s+(?:a|an|the|her|his)?\s*(?:right|left)|history\s+of|in\s+(?:19|20)\d\d|earlier\s+this\s+year)\b",
    re.I,
)
_PLANNED = re.compile(r"\b(?:scheduled|planned|plan|will|to\s+be|pending|next|upcoming|today)\b", re.I)
_SIDE_WORDS = frozenset({"right", "left", "bilateral", "unilateral", "eye", "eyes", "ear", "ears", "limb", "limbs"})


def _title_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _SIDE_WORDS and len(w) > 2}


def _one_side(ctx: Context, bilateral: str, side: str) -> str | None:
    """The unilateral code of the bilateral code's condition for ``side``: the billable code of the
    category whose title names the side and shares the most words with the bilateral title."""
    node = ctx.index.get(bilateral)
    wanted = _title_words(node.description)
    best: list[tuple[int, int, str]] = []
    for code, other in ctx.index.nodes.items():
        if not code.startswith(bilateral[:3]) or not other.billable or code == bilateral:
            continue
        text = other.description.lower()
        if not re.search(rf"\b{side}\b", text) or "bilateral" in text:
            continue
        words = _title_words(text)
        best.append((len(wanted & words), -len(words - wanted), code))
    if not best:  # codes without a side: the "unilateral" one (K40.20 bilateral -> K40.90 unilateral)
        for code, other in ctx.index.nodes.items():
            text = other.description.lower()
            if code.startswith(bilateral[:3]) and other.billable and re.search(r"\bunilateral\b", text):
                words = _title_words(text)
                best.append((len(wanted & words), -len(words - wanted), code))
    best.sort(reverse=True)
    if not best or best[0][0] < max(1, len(wanted) - 1) or (len(best) > 1 and best[1][:2] == best[0][:2]):
        return None
    return best[0][2]


@rule(
    REMAINING_SIDE_ID,
    "I.B.13 (a bilateral condition treated one side at a time: after the first side is treated and the condition "
    "no longer exists there, the unilateral code of the side where it remains)",
    "a bilateral code whose one side the record says was treated at an earlier encounter becomes the other side's",
    before="ocg.I.A.12.a",
)
def _remaining_side(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # "Bilateral age-related nuclear cataracts. Right cataract was removed last month; today
    # evaluated for the left eye": H25.12, not H25.13 -- the condition no longer exists on the right.
    # Before the first side is treated the bilateral code stays (I.B.13: "including for the encounter
    # to treat the first side").
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        node = ctx.index.get(cand.code)
        if node is None or "bilateral" not in node.description.lower() or not _live(cand):
            continue
        condition = _title_words(node.description)
        treated: set[str] = set()
        stated = []  # the condition's own statement: from its words to the end of the line or sentence
        for m in _live(cand):
            text = ctx.analyzed.document(m.document_id).text
            stop = re.compile(r"[.\n]").search(text, m.end)
            stated.append((m.document_id, m.start, stop.start() if stop else len(text)))
        for document in ctx.analyzed.documents:
            for found in _TREATED_SIDE.finditer(document.text):
                lo, hi = document.sentence_at(found.start())
                sentence = document.text[lo:hi]
                words = _title_words(found.group(0))
                # the treated side's words name the condition, or its sentence is the condition's own
                about = bool(words & condition) or any(
                    d == document.document_id and a <= found.start() < b for d, a, b in stated
                )
                # the words about this side only: its clause, up to the next comma, semicolon or "now"
                clause = re.split(r"[;,]|\bnow\b|\bbut\b", sentence[found.start() - lo :], maxsplit=1)[0]
                before = sentence[max(0, found.start() - lo - 30) : found.start() - lo]
                before = re.split(r"[;,]", before)[-1]
                if about and (_BEFORE.search(clause) or _BEFORE.search(before)) and not _PLANNED.search(clause):
                    treated.add(found.group("side").lower())
        if len(treated) != 1:
            continue
        remaining = "left" if treated == {"right"} else "right"
        target = _one_side(ctx, cand.code, remaining)
        if target is None or any(c.code == target for c in cands):
            continue
        described = ctx.index.get(target).description
        cand.steps.append(
            f"{cand.code} -> {target} ({described}): the {treated.pop()} side was treated at an earlier encounter and "
            f"the condition remains on the {remaining} (OCG I.B.13)"
        )
        cand.matched.add(cand.code)
        cand.code = target
        cand.rules.append(REMAINING_SIDE_ID)
    return cands


# --- I.B.13: both sides named in the condition's clause ---------------------------------------------------------

BOTH_SIDES_ID = "ocg.I.B.13.both_sides.v1"
_BOTH_SIDES = re.compile(
    r"\b(?P<one>right|left)\s+(?P<part>[a-z]+)\s*,?\s*(?:and|&)\s+(?:(?:of|in|on)\s+)?(?:the\s+)?"
    r"(?P<two>right|left)\s+(?P=part)\b",
    re.I,
)


def _bilateral_of(ctx: Context, code: str) -> str | None:
    """The category's bilateral code for a one-sided code's condition (H25.11 -> H25.13, M17.11 -> M17.0)."""
    wanted = _title_words(ctx.index.get(code).description)
    best: list[tuple[int, int, str]] = []
    for other_code, other in ctx.index.nodes.items():
        if not other_code.startswith(code[:3]) or not other.billable:
            continue
        text = other.description.lower()
        if "bilateral" not in text:
            continue
        words = _title_words(text)
        best.append((len(wanted & words), -len(words - wanted), other_code))
    best.sort(reverse=True)
    if not best or best[0][0] < max(1, len(wanted) - 1) or (len(best) > 1 and best[1][:2] == best[0][:2]):
        return None
    return best[0][2]


@rule(
    BOTH_SIDES_ID,
    "I.B.13 (a condition documented on both sides: the bilateral code, or the right and the left codes where the "
    "classification has no bilateral code)",
    "a one-sided code whose clause names the same part on the other side too ('of the right knee and of the left "
    "knee') is the bilateral code, or both sides' codes",
)
def _both_sides(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        node = ctx.index.get(cand.code)
        if node is None or cand not in cands:
            continue
        title = node.description.lower()
        side = "right" if re.search(r"\bright\b", title) else "left" if re.search(r"\bleft\b", title) else None
        if side is None:
            continue
        both = None
        for m in _live(cand):
            document = ctx.analyzed.document(m.document_id)
            _, hi = document.sentence_at(m.start)
            clause = re.split(r"[;.]", document.text[m.start : hi])[0]
            found = _BOTH_SIDES.search(clause)
            if found and found.group("one").lower() != found.group("two").lower():
                both = found
                break
        if both is None:
            continue
        other = "left" if side == "right" else "right"
        target = _bilateral_of(ctx, cand.code)
        if target is not None:
            if any(c.code == target for c in cands):
                continue
            cand.steps.append(
                f"{cand.code} -> {target} ({ctx.index.get(target).description}): documented on both sides "
                f"({both.group(0)!r}) and a bilateral code exists (OCG I.B.13)"
            )
            cand.matched.add(cand.code)
            cand.code = target
            cand.rules.append(BOTH_SIDES_ID)
            continue
        twin_code = _one_side(ctx, cand.code, other)
        if twin_code is None or any(c.code == twin_code for c in cands):
            continue
        step = f"{twin_code} ({ctx.index.get(twin_code).description}): documented on both sides ({both.group(0)!r}), "
        step += "no bilateral code: right and left (OCG I.B.13)"
        twin = _made(twin_code, cand, BOTH_SIDES_ID, step)
        cands.append(twin)
        cand.rules.append(BOTH_SIDES_ID)
    return cands
