"""Injuries: burns by site and depth, sequelae of injuries, and abuse (OCG I.C.19.d, I.B.10, I.C.19.f).

- **Burns** (I.C.19.d): "Current burns (T20-T25) are classified by depth, extent and by agent ...
  by degree"; I.C.19.d.2: "Burns of the same anatomic site are classified to the highest degree
  recorded in the diagnosis."  A burn wording (T30.0 "burn", or a site's burn code) is coded to the
  site its sentence names and the highest degree the sentence records, from the Tabular List titles
  "Burn of <degree> degree of <site>" (T20-T25), finished by the side and the 7th character.
- **Sequelae** (I.B.10): "A sequela is the residual effect (condition produced) after the acute phase
  of an illness or injury has terminated ... Coding of sequela generally requires two codes sequenced
  in the following order: the condition or nature of the sequela is sequenced first.  The sequela code
  is sequenced second."  For an injury the sequela is its code with 7th character S (I.C.19.a).  An
  injury the note places in the past ("a fracture 4 years ago", "an old burn") that a current
  condition results from ("scar contracture from a burn", "post-traumatic osteoarthritis resulting
  from a fracture") is coded with S, after that condition -- not dropped as a past condition.
- **Abuse** (I.C.19.f): "If the documentation in the medical record states abuse or neglect it is
  coded as confirmed (T74.-).  It is coded as suspected if it is documented as suspected (T76.-)
  ... If a suspected case of abuse, neglect or mistreatment is ruled out during an encounter code
  Z04.71 ... adult physical abuse, ruled out, or code Z04.72 ... child physical abuse, ruled out,
  should be used, not a code from T76" (Z04.41 / Z04.42 for alleged rape or sexual abuse ruled out).
  The abuse code comes first, then the injuries (T74's "use additional code ... to identify any
  associated current injury").
"""

from __future__ import annotations

import dataclasses
import re

from medcoder.coding import specificity, statements  # noqa: F401 - registered first
from medcoder.coding.candidates import Candidate, Mention
from medcoder.coding.guidelines import Context, _drop, rule

BURN_ID = "ocg.I.C.19.d.burns.v1"
SEQUELA_ID = "ocg.I.B.10.sequela.v1"
ABUSE_ID = "ocg.I.C.19.f.abuse.v1"
ABUSE_ORDER_ID = "ocg.I.C.19.f.sequence.v1"


def _confidence(section: str) -> float:
    from medcoder.coding.drugs import _confidence as by_section

    return by_section([section])


def _mention(document, start: int, end: int, term: str, **extra) -> Mention:
    section = document.section_at(start)
    return Mention(
        document_id=document.document_id,
        start=start,
        end=end,
        text=document.text[start:end],
        source="index",
        term=term,
        score=1.0,
        section=section.name,
        words=len(document.text[start:end].split()),
        section_title=section.title,
        **extra,
    )


# --- burns (I.C.19.d) ---------------------------------------------------------------------------------------

_BURN_TITLE = re.compile(r"^Burn of (first|second|third|unspecified) degree of (.+)$")
_DEGREE = re.compile(
    r"\b(?:(?P<n>first|1st|second|2nd|third|3rd)[\s-]*degree|(?P<t>superficial partial|deep partial|partial|full)"
    r"[\s-]*thickness)\b",
    re.IGNORECASE,
)
DEGREE_RANK = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}
# Alphabetic Index: "Burn, partial thickness -- see Burn, by site, second degree"; "full thickness
# skin loss -- see Burn, by site, third degree"
THICKNESS_RANK = {"superficial partial": 2, "deep partial": 2, "partial": 2, "full": 3}
DEGREE_WORD = {1: "first", 2: "second", 3: "third"}
# Alphabetic Index "Burn" site subterms worded otherwise than the tabular titles
SITE_ALIASES = {
    "face": "head, face, and neck, unspecified site",
    "head": "head, face, and neck, unspecified site",
    "chest": "chest wall",
    "abdomen": "abdominal wall",
    "back of the hand": "back of hand",
    "dorsum of hand": "back of hand",
    "dorsal hand": "back of hand",
    "trunk": "trunk, unspecified site",
    "arm": "shoulder and upper limb, except wrist and hand, unspecified site",
    "upper extremity": "shoulder and upper limb, except wrist and hand, unspecified site",
    "leg": "unspecified site of lower limb, except ankle and foot",
    "lower extremity": "unspecified site of lower limb, except ankle and foot",
    "finger": "single finger except thumb",
    "toe": "toe(s)",
    "toes": "toe(s)",
    "ear": "ear",
    "lip": "lip(s)",
    "lips": "lip(s)",
}


def burn_headers(ctx: Context) -> dict[tuple[str, str], str]:
    """(degree, site wording) -> the header code of T20-T25 (``("second", "forearm") -> T22.21``)."""
    key = "burn-headers"
    if key in ctx.cache:
        return ctx.cache[key]  # type: ignore[return-value]
    table: dict[tuple[str, str], str] = {}
    for code, node in ctx.index.nodes.items():
        if not code.startswith(("T20", "T21", "T22", "T23", "T24", "T25")) or len(code) != 6:
            continue
        m = _BURN_TITLE.match(node.description)
        if not m:
            continue
        degree, site = m.group(1), m.group(2)
        site = re.sub(r"\s*\[[^\]]*\]", "", site).strip()
        if "multiple" in site or "other site" in site:
            continue
        table[(degree, site.lower())] = code
        plain = re.sub(r"\s*\([^)]*\)", "", site).strip().lower()
        table.setdefault((degree, plain), code)
        # "forehead and cheek": 'and' is 'and/or' (OCG I.A.14)
        if " and " in plain and "," not in plain:
            for part in plain.split(" and "):
                table.setdefault((degree, part.strip()), code)
    for alias, site in SITE_ALIASES.items():
        for degree in ("first", "second", "third", "unspecified"):
            if (degree, site) in table:
                table.setdefault((degree, alias), table[(degree, site)])
    ctx.cache[key] = table  # type: ignore[assignment]
    return table


_SIDE = re.compile(r"\b(right|left|bilateral)\b", re.IGNORECASE)


def _site_in(text: str, lo: int, hi: int, sites: list[str], near: tuple[int, int]) -> tuple[str, int, int] | None:
    """The burn site the sentence names nearest the burn's wording (the most specific wording of a
    place: "back of hand" over "hand"), with its offsets."""
    best: tuple[int, int, str, int, int] | None = None
    taken: list[tuple[int, int]] = []
    for site in sites:  # longest first
        for m in re.finditer(r"\b" + re.escape(site) + r"s?\b", text[lo:hi], re.IGNORECASE):
            start, end = lo + m.start(), lo + m.end()
            if any(a <= start and end <= b for a, b in taken):
                continue  # "hand" inside "back of hand"
            taken.append((start, end))
            distance = max(near[0] - end, start - near[1], 0)
            key = (distance, -len(site), site, start, end)
            if best is None or key < best:
                best = key
    return (best[2], best[3], best[4]) if best else None


@rule(
    BURN_ID,
    "I.C.19.d, I.C.19.d.2 (burns by site and the highest degree recorded)",
    "a burn coded to the site its sentence names and the highest degree recorded there (T20-T25)",
    before="ocg.I.C.21.history",
)
def _burns(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    burns = [c for c in cands if c.code.startswith(("T20", "T21", "T22", "T23", "T24", "T25", "T30.0"))]
    if not burns:
        return cands
    headers = burn_headers(ctx)
    sites = sorted({site for _, site in headers}, key=len, reverse=True)
    for cand in burns:
        if cand not in cands:
            continue
        for m in cand.mentions:
            if m.negated or m.family or m.hypothetical:
                continue
            document = ctx.analyzed.document(m.document_id)
            lo, hi = document.sentence_at(m.start)
            text = document.text
            degrees = [
                DEGREE_RANK[d.group("n").lower()] if d.group("n") else THICKNESS_RANK[d.group("t").lower()]
                for d in _DEGREE.finditer(text, lo, hi)
            ]
            degree = DEGREE_WORD[max(degrees)] if degrees else "unspecified"
            found = _site_in(text, lo, hi, sites, (m.start, m.end))
            if found is None:
                continue
            site, s_start, s_end = found
            header = headers.get((degree, site))
            if header is None:
                continue
            before = text[max(lo, s_start - 12) : s_start]
            side = _SIDE.search(before)
            laterality = side.group(1).lower() if side else document.attributes((s_start, s_end)).laterality
            episode = document.attributes((m.start, m.end)).episode
            resolution = ctx.index.resolve(header, laterality, episode)
            if resolution is None or resolution.code == cand.code:
                continue
            mention = m  # the burn's own words: the site may be the residual's ("scar of the palm from a burn")
            target = next((c for c in cands if c.code == resolution.code), None)
            if target is None:
                target = Candidate(resolution.code, matched={header}, mentions=[mention], features=dict(cand.features))
                cands.append(target)
            else:
                target.mentions.append(mention)
            target.confidence = max(target.confidence, cand.confidence, _confidence(m.section))
            target.rules.append(BURN_ID)
            graded = (
                f"the highest degree recorded ({degree}, OCG I.C.19.d.2)"
                if len(set(degrees)) > 1
                else f"{degree} degree"
            )
            target.steps.append(
                f"burn of the {site}, {graded} -> {header} (Burn of {degree} degree of {site}) -> "
                f"{resolution.code} (OCG I.C.19.d)"
            )
            target.steps.extend(s for s in resolution.steps if s not in target.steps)
            _drop(
                cands,
                ctx,
                cand,
                BURN_ID,
                f"the burn's site and degree are documented: {resolution.code} (OCG I.C.19.d)",
            )
            break
    return cands


# --- sequelae (I.B.10) --------------------------------------------------------------------------------------

_LINK = re.compile(
    r"\b(?:resulting from|result(?:s|ed)? from|as a result of|from|due to|secondary to|caused by|sequelae? of|"
    r"late effects? of|following|after)\b",
    re.IGNORECASE,
)
_SEQUELA_WORDS = re.compile(r"\b(?:sequelae?|late effects?|old|healed|remote)\b", re.IGNORECASE)


def _sequela_code(ctx: Context, code: str) -> str | None:
    node = ctx.index.get(code)
    if node is None or not code.startswith(("S", "T")) or len(code.replace(".", "")) != 7:
        return None
    base = ctx.index.get(code[:-1].rstrip("X").rstrip("."))
    full = code[:-1] + "S"
    if ctx.index.get(full) is None:
        return None
    if base is not None and base.seventh and not any(c == "S" for c, _ in base.seventh):
        return None
    return full


@rule(
    SEQUELA_ID,
    "I.B.10, I.C.19.a (sequela: the injury with 7th character S after its residual)",
    "a past injury a current condition results from is coded with 7th character S, not dropped as past",
    before="ocg.I.C.21.history",
)
def _sequela(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        if cand not in cands or not cand.code.startswith(("S", "T")) or cand.code.endswith("S"):
            continue
        full = _sequela_code(ctx, cand.code)
        if full is None:
            continue
        live = [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]
        if not live:
            continue
        for m in live:
            document = ctx.analyzed.document(m.document_id)
            lo, hi = document.sentence_at(m.start)
            text = document.text
            if not (m.historical or _SEQUELA_WORDS.search(text, lo, hi)):
                continue
            residual = next(
                (
                    r
                    for r in cands
                    if r is not cand
                    and not r.code.startswith(("S", "T", "Z", "V", "W", "X", "Y", "R"))
                    and any(
                        n.document_id == m.document_id
                        and lo <= n.start
                        and n.end <= m.start
                        and not (n.negated or n.family or n.hypothetical)
                        and _LINK.search(text, n.end, m.start)
                        for n in r.mentions
                    )
                ),
                None,
            )
            if residual is None:
                continue
            link = _LINK.search(text, next(n.end for n in residual.mentions if lo <= n.start < m.start), m.start)
            mentions = [dataclasses.replace(n, historical=False) for n in cand.mentions]
            target = next((c for c in cands if c.code == full), None)
            if target is None:
                target = Candidate(full, matched=set(cand.matched), mentions=mentions, features=dict(cand.features))
                cands.append(target)
            else:
                target.mentions.extend(mentions)
            target.confidence = max(target.confidence, min(cand.confidence, residual.confidence) - 0.01)
            target.rules.append(SEQUELA_ID)
            target.steps.append(
                f"the residual {residual.code} results from ({link.group(0)!r}) the past injury {cand.code}: "
                f"the injury with 7th character S (sequela) -> {full}, sequenced after the residual (OCG I.B.10)"
            )
            target.features["sequela_of"] = 1.0
            _drop(cands, ctx, cand, SEQUELA_ID, f"a sequela of the injury: {full} after {residual.code} (OCG I.B.10)")
            break
    return cands


# --- abuse, neglect and other maltreatment (I.C.19.f) ------------------------------------------------------

_ABUSE = re.compile(
    r"\b(?P<type>physical|sexual|psychological|emotional)(?:ly)?\s+(?:abuse|abused|assault(?:ed)?)\b"
    r"|\b(?P<neglect>child neglect|neglect of (?:a |the )?child|elder neglect|abandonment)\b",
    re.IGNORECASE,
)
_ABUSE_WORD = re.compile(r"\b(?:abuse|abused|maltreatment|neglect)\b", re.IGNORECASE)
_RULED_OUT = re.compile(
    r"\b(?:ruled out|was excluded|not (?:consistent|suspicious) (?:with|for)|no (?:evidence|signs?|findings?) "
    r"(?:of|suggestive of|concerning for))\b",
    re.IGNORECASE,
)
_SUSPECTED = re.compile(r"\b(?:suspected|suspicion of|concern(?:ing)? for|possible|probable|alleged)\b", re.IGNORECASE)
_CHILD = re.compile(
    r"\b(?:child|infant|toddler|newborn|baby|boy|girl|(?:\d{1,2})[\s-]*(?:month|week|day)s?[\s-]*old|"
    r"(?:[0-9]|1[0-7])[\s-]*(?:year|yr)s?[\s-]*old)\b",
    re.IGNORECASE,
)
_ADULT = re.compile(
    r"\b(?:adult|woman|man|wife|husband|elder|elderly|(?:1[89]|[2-9][0-9]|1[0-9][0-9])[\s-]*(?:year|yr)s?[\s-]*old)\b",
    re.IGNORECASE,
)
TYPE_DIGIT = {"physical": "1", "sexual": "2", "psychological": "3", "emotional": "3", "neglect": "0"}
RULED_OUT_CODES = {
    ("1", "adult"): "Z04.71",
    ("1", "child"): "Z04.72",
    ("2", "adult"): "Z04.41",
    ("2", "child"): "Z04.42",
}


@rule(
    ABUSE_ID,
    "I.C.19.f (adult and child abuse, neglect and other maltreatment)",
    "documented abuse is confirmed (T74.-), suspected abuse suspected (T76.-), suspected abuse ruled out Z04.71 / "
    "Z04.72 (Z04.41 / Z04.42 for sexual abuse)",
)
def _abuse(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for document in ctx.analyzed.documents:
        text = document.text
        found = list(_ABUSE.finditer(text))
        if not found:
            continue
        first = found[0]
        kind = (first.group("type") or "neglect").lower()
        digit = TYPE_DIGIT[kind]
        adult = _ADULT.search(text)
        child = _CHILD.search(text)
        if bool(adult) == bool(child):
            if not (adult and child):
                continue  # adult or child: the note does not say
            group = "child" if child.start() < adult.start() else "adult"
        else:
            group = "child" if child else "adult"
        age = "2" if group == "child" else "1"
        statuses = []
        for m in found + [
            w for w in _ABUSE_WORD.finditer(text) if not any(f.start() <= w.start() < f.end() for f in found)
        ]:
            lo, hi = document.sentence_at(m.start())
            a = document.assess(m.span())
            if a.family or a.hypothetical or a.historical:
                continue
            if a.negated or _RULED_OUT.search(text, lo, hi):
                statuses.append(("ruled_out", m))
            elif a.uncertain or _SUSPECTED.search(text, max(lo, m.start() - 40), m.start()):
                statuses.append(("suspected", m))
            elif m in found:
                statuses.append(("confirmed", m))
        kinds = {s for s, _ in statuses}
        if "ruled_out" in kinds and "confirmed" not in kinds:
            code = RULED_OUT_CODES.get((digit, group))
            status = "ruled_out"
        elif "confirmed" in kinds:
            code, status = f"T74.{digit}{age}", "confirmed"
        elif "suspected" in kinds:
            code, status = f"T76.{digit}{age}", "suspected"
        else:
            continue
        if code is None:
            continue
        cue = next(m for s, m in statuses if s == status)
        resolution = ctx.index.resolve(code, None, document.attributes(cue.span()).episode)
        if resolution is None:
            continue
        mention = _mention(document, first.start(), first.end(), ctx.index.get(resolution.code).description)
        cand = next((c for c in cands if c.code == resolution.code), None)
        if cand is None:
            cand = Candidate(resolution.code, matched={code}, mentions=[mention])
            cands.append(cand)
        cand.confidence = max(cand.confidence, _confidence(mention.section))
        cand.rules.append(ABUSE_ID)
        why = {
            "confirmed": "documented as abuse: coded as confirmed",
            "suspected": "documented as suspected",
            "ruled_out": "suspected and ruled out during the encounter: the Z04 code, not T76",
        }[status]
        cand.steps.append(
            f"{kind} abuse of {'a child' if group == 'child' else 'an adult'}, {why} -> {code} (OCG I.C.19.f)"
        )
        cand.steps.extend(s for s in resolution.steps if s not in cand.steps)
        ctx.cache["abuse-code"] = resolution.code  # type: ignore[assignment]
        for other in list(cands):
            if other is not cand and other.code.startswith(("T74", "T76", "Z04.7", "Z04.4")):
                _drop(
                    cands,
                    ctx,
                    other,
                    ABUSE_ID,
                    f"the abuse is {status.replace('_', ' ')}: {resolution.code} (OCG I.C.19.f)",
                )
    return cands


@rule(
    ABUSE_ORDER_ID,
    "I.C.19.f (the abuse code first, then the associated injuries)",
    "a confirmed or suspected abuse code (T74.-, T76.-) or its ruled-out encounter (Z04.7-, Z04.4-) first",
    stage="sequence",
)
def _abuse_order(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    code = ctx.cache.get("abuse-code")
    cand = next((c for c in ordered if c.code == code), None)
    if cand is None or ordered.index(cand) == 0:
        return ordered
    ordered.remove(cand)
    ordered.insert(0, cand)
    cand.rules.append(ABUSE_ORDER_ID)
    cand.steps.append(
        "sequenced first: the maltreatment code, then the injuries its 'use additional code' note asks for "
        "(OCG I.C.19.f)"
    )
    return ordered


# --- fracture type and displacement (I.C.19.c.1) ----------------------------------------------------------

FRACTURE_TYPE_ID = "ocg.I.C.19.c.1.fracture_type.v1"
SUPERFICIAL_ID = "ocg.I.C.19.b.superficial.v1"

_UNSPECIFIED_FRACTURE = re.compile(r"^Unspecified (fracture of .+)$")
_NONDISPLACED = re.compile(r"\b(?:non[\s-]?displaced|undisplaced)\b", re.IGNORECASE)
_OPEN = re.compile(r"\bopen\b(?![\s-]+(?:reduction|repair|surgery|procedure|approach))", re.IGNORECASE)
_TYPE_CLAUSE_BREAK = re.compile(r"[;:(]|,(?!\s*(?:closed|open|displaced|nondisplaced|non-displaced)\b)")


def _plain(title: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\bthe\b", " ", title.lower())).strip()


def _typed_siblings(ctx: Context, header: str) -> list[tuple[str, set[str]]]:
    """The subcategories beside an "Unspecified fracture of <part>" one that name a fracture type of
    the same part ("Transverse fracture of shaft of femur" beside "Unspecified fracture of shaft of
    femur"), each with the type's words."""
    key = f"fracture-types:{header}"
    if key in ctx.cache:
        return ctx.cache[key]  # type: ignore[return-value]
    found: list[tuple[str, set[str]]] = []
    node = ctx.index.get(header)
    m = _UNSPECIFIED_FRACTURE.match(node.description) if node else None
    parent = ctx.index.get(node.parent) if node and node.parent else None
    if m and parent is not None:
        base = _plain(m.group(1))
        for code in parent.children:
            title = _plain(ctx.index.get(code).description)
            if code == header or not title.endswith(" " + base):
                continue
            words = set(re.findall(r"[a-z]+", title[: -len(base)])) - {"other", "unspecified"}
            if words and len(words) == len(re.findall(r"[a-z]+", title[: -len(base)])):
                found.append((code, words))
    ctx.cache[key] = found  # type: ignore[assignment]
    return found


def _typed_code(ctx: Context, typed: str, side: str | None, nondisplaced: bool, seventh: str) -> str | None:
    """The billable code of a fracture type subcategory for the side and displacement (displaced by
    default, I.C.19.c.1), with the 7th character the unspecified code had."""
    node = ctx.index.get(typed)
    children = [ctx.index.get(c) for c in node.children] if node else []
    wanted_side = side or "unspecified"
    pool = [
        c
        for c in children
        if re.search(rf"\b{wanted_side}\b", c.description.lower())
        and (
            bool(_NONDISPLACED.search(c.description)) == nondisplaced
            or not re.search(r"\bdisplaced\b", c.description.lower())
        )
    ]
    if not pool:
        return None
    base = pool[0].code
    from medcoder.codesets.icd10cm.tabular import seventh_character_form

    full = seventh_character_form(base, seventh)
    return full if ctx.index.get(full) is not None else None


@rule(
    FRACTURE_TYPE_ID,
    "I.C.19.c.1 (a fracture not indicated as displaced or nondisplaced is coded as displaced, one not "
    "indicated as open or closed as closed), I.B.3 (the type of fracture documented)",
    "a fracture whose clause names its type (transverse, oblique, spiral, comminuted, segmental ...) is coded to "
    "that type's subcategory, displaced unless documented nondisplaced",
)
def _fracture_type(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        if not cand.code.startswith("S") or len(cand.code) != 8:
            continue
        node = ctx.index.get(cand.code[:-1].rstrip("X").rstrip("."))
        header = node.parent if node is not None else None
        if header is None or not _typed_siblings(ctx, header):
            continue
        for m in cand.mentions:
            if not m.affirmed:
                continue
            document = ctx.analyzed.document(m.document_id)
            lo, _ = document.sentence_at(m.start)
            text = document.text
            breaks = [b.end() for b in _TYPE_CLAUSE_BREAK.finditer(text, lo, m.start)]
            clause = text[breaks[-1] if breaks else lo : m.end].lower()
            words = set(re.findall(r"[a-z]+", clause))
            typed = [(code, need) for code, need in _typed_siblings(ctx, header) if need <= words]
            if len(typed) != 1:
                continue  # no type, or two ("comminuted and segmental"): the note decides nothing more
            code, need = typed[0]
            title = node.description.lower()
            side = "right" if "right" in title else "left" if "left" in title else None
            nondisplaced = bool(_NONDISPLACED.search(clause))
            target_code = _typed_code(ctx, code, side, nondisplaced, cand.code[-1])
            if target_code is None or target_code == cand.code:
                continue
            target = next((c for c in cands if c.code == target_code), None)
            if target is None:
                target = Candidate(
                    target_code, matched=set(cand.matched), mentions=list(cand.mentions), features=dict(cand.features)
                )
                target.confidence = cand.confidence
                cands.append(target)
            target.rules.append(FRACTURE_TYPE_ID)
            target.steps.append(
                f"{cand.code} with the documented type ({' '.join(sorted(need))}) -> {code} "
                f"({ctx.index.get(code).description}), "
                f"{'nondisplaced as documented' if nondisplaced else 'displaced (the default, OCG I.C.19.c.1)'} -> "
                f"{target_code}"
            )
            _drop(cands, ctx, cand, FRACTURE_TYPE_ID, f"the fracture's type is documented: {target_code}")
            break
    return cands


# --- superficial injuries with a more severe injury of the same site (I.C.19.b) ---------------------------

# In each body-region block of chapter 19 (S00-S09 head ... S90-S99 ankle and foot) the category ending in
# 0 is its superficial injury (abrasion, contusion, blister, nonvenomous bite, superficial foreign body);
# 1 its open wound, 2 its fracture, 3 its dislocation and sprain.
_SEVERE_DIGIT = ("1", "2", "3")


def _region(code: str) -> str | None:
    return code[:2] if code.startswith("S") and code[1:3].isdigit() else None


def _severe(ctx: Context, code: str) -> bool:
    if code[2] in _SEVERE_DIGIT:
        return True
    node = ctx.index.get(code[:3])
    return bool(node) and bool(re.search(r"\b(?:crushing|amputation)\b", node.description, re.IGNORECASE))


# the sites within a body region a superficial injury shares with a deeper one (the skin over the bone):
# "abrasion of the thigh" with a femoral shaft fracture, not "abrasion of the forehead" with a scalp laceration
_SITE_GROUPS: tuple[frozenset[str], ...] = tuple(
    frozenset(words.split(","))
    for words in (
        "scalp,skull,vault",
        "nose,nasal",
        "eyelid,periocular,orbit,orbital,eye",
        "ear",
        "lip,oral,mouth,mandible,jaw,tooth,teeth",
        "cheek,face,forehead,malar,maxilla,zygoma,zygomatic,temporomandibular",
        "neck,throat,cervical,larynx,trachea",
        "thorax,chest,rib,ribs,sternum,breast,thoracic",
        "back,pelvis,lumbar,sacrum,coccyx,buttock,ilium,acetabulum,pubis,ischium",
        "abdominal,abdomen,flank,groin",
        "shoulder,clavicle,scapula,arm,humerus",
        "elbow,forearm,radius,ulna,olecranon",
        "wrist,hand,finger,thumb,metacarpal,carpal,scaphoid,navicular",
        "hip,thigh,femur",
        "knee,patella,leg,tibia,fibula",
        "ankle,foot,toe,metatarsal,calcaneus,talus,tarsal,malleolus,bimalleolar,trimalleolar",
    )
)


def _site_groups(ctx: Context, code: str) -> set[int]:
    node = ctx.index.get(code)
    words = set(re.findall(r"[a-z]+", node.description.lower())) if node else set()
    return {i for i, group in enumerate(_SITE_GROUPS) if words & group}


def _same_site(ctx: Context, superficial: str, severe: str) -> bool:
    """Do the two codes name the same site (a title without a known site word: the region decides)?"""
    mine, theirs = _site_groups(ctx, superficial), _site_groups(ctx, severe)
    return not mine or not theirs or bool(mine & theirs)


def _code_side(ctx: Context, code: str) -> str | None:
    node = ctx.index.get(code)
    text = node.description.lower() if node else ""
    return "right" if re.search(r"\bright\b", text) else "left" if re.search(r"\bleft\b", text) else None


@rule(
    SUPERFICIAL_ID,
    "I.C.19.b (superficial injuries such as abrasions or contusions are not coded when associated with more "
    "severe injuries of the same site)",
    "an abrasion or contusion documented with a fracture, open wound or dislocation of the same body region and "
    "side (in the same statement) is not coded",
)
def _superficial(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        region = _region(cand.code)
        if region is None or cand.code[2] != "0" or cand not in cands:
            continue
        side = _code_side(ctx, cand.code)
        for other in cands:
            if other is cand or _region(other.code) != region or not _severe(ctx, other.code):
                continue
            if not _same_site(ctx, cand.code, other.code):
                continue
            other_side = _code_side(ctx, other.code)
            if side and other_side and side != other_side:
                continue
            together = any(
                m.affirmed
                and n.affirmed
                and m.document_id == n.document_id
                and ctx.analyzed.document(m.document_id).sentence_at(m.start)
                == ctx.analyzed.document(n.document_id).sentence_at(n.start)
                for m in cand.mentions
                for n in other.mentions
            )
            if not together:
                continue
            _drop(
                cands,
                ctx,
                cand,
                SUPERFICIAL_ID,
                f"a superficial injury with the more severe injury {other.code} of the same site (OCG I.C.19.b)",
            )
            break
    return cands


# --- animal and human bites (Index: Bite -> by site -> open bite) ------------------------------------------

BITE_ID = "ocg.I.C.19.bite.v1"
_OPEN_BITE_TITLE = re.compile(r"^Open bite,? (?:of )?(?:right |left |unspecified )?(.+?)$")
# "bit" as the verb ("the cat bit her on the hand"), not "a little bit of pain"
_BITE = re.compile(
    r"\b(?:bitten|bites?|bit(?= (?:him|her|them|me|us|his|their|the|a|an|on|in|into)\b))\b", re.IGNORECASE
)
# insect bites are superficial injuries (S?0.86-), venomous ones toxic effects (T63): not open bites
_NOT_OPEN_BITE = re.compile(
    r"\b(?:insects?|mosquito(?:es)?|ticks?|spiders?|fleas?|bugs?|bedbugs?|bees?|wasps?|hornets?|ants?|chiggers?|"
    r"mites?|snakes?|rattlesnakes?|scorpions?|jellyfish|venom\w*)\b",
    re.IGNORECASE,
)
# a bite spoken of, not one that happened ("dog bite prevention discussed")
_NO_EVENT = re.compile(r"\b(?:prevention|safety|precautions?|counsel\w*|educat\w*|discuss\w*|risks?)\b", re.I)
# Index "Bite" site subterms worded otherwise than the tabular titles
BITE_SITE_ALIASES = {
    "arm": "upper arm",
    "leg": "lower leg",
    "shin": "lower leg",
    "calf": "lower leg",
}


def bite_headers(ctx: Context) -> dict[str, str]:
    """Site wording -> the "Open bite of <site>" code (S01-S91) to finish with the side and episode."""
    key = "bite-headers"
    if key in ctx.cache:
        return ctx.cache[key]  # type: ignore[return-value]
    table: dict[str, str] = {}
    for code, node in ctx.index.nodes.items():
        if not code.startswith("S") or (node.seventh and node.kind != "code"):
            continue
        m = _OPEN_BITE_TITLE.match(node.description)
        if not m or len(code.replace(".", "")) > 6:
            continue
        site = re.sub(r"\s*\[[^\]]*\]", "", m.group(1)).strip().lower()
        site = re.sub(r"\b(?:right|left|unspecified)\b\s*", "", site).strip()
        site = site.removesuffix(" without damage to nail")  # the default: a nail damaged is documented
        if " without " in site or " with " in site or "other" in site or "part of" in site:
            continue
        header = code if len(code.replace(".", "")) <= 5 else code[:-1]
        parent = ctx.index.get(header)
        if parent is None or not _OPEN_BITE_TITLE.match(parent.description):
            header = code
        table.setdefault(site, header)
    for alias, site in BITE_SITE_ALIASES.items():
        if site in table:
            table.setdefault(alias, table[site])
    ctx.cache[key] = table  # type: ignore[assignment]
    return table


@rule(
    BITE_ID,
    "I.C.19 (injuries by type and site), Alphabetic Index 'Bite (animal) (human) -> <site>' (open bite)",
    "an animal or human bite of a documented site is the open bite of that site (S01-S91), with the side and the "
    "7th character; a puncture or open wound of the same sentence is that bite",
    before="ocg.I.C.20.external_cause",  # the bite is the injury the external cause explains
)
def _bite(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    headers = None
    for document in ctx.analyzed.documents:
        text = document.text
        for lo, hi in document.sentences:
            bite = _BITE.search(text, lo, hi)
            if bite is None:
                continue
            a = document.assess(bite.span())
            if a.negated or a.family or a.hypothetical or a.historical:
                continue
            if _NO_EVENT.search(text, lo, hi) or _NOT_OPEN_BITE.search(text, lo, hi):
                continue
            if any(
                "open bite" in (getattr(ctx.index.get(c.code), "description", "").lower())
                and any(m.document_id == document.document_id and lo <= m.start < hi for m in c.mentions)
                for c in cands
            ):
                continue  # already coded from the note's own words
            headers = headers if headers is not None else bite_headers(ctx)
            sites = sorted(headers, key=len, reverse=True)
            found = _site_in(text, lo, hi, sites, bite.span())
            if found is None:
                continue
            site, s_start, s_end = found
            before = text[max(lo, s_start - 12) : s_start]
            side = _SIDE.search(before)
            laterality = side.group(1).lower() if side else document.attributes((s_start, s_end)).laterality
            episode = document.attributes(bite.span()).episode
            resolution = ctx.index.resolve(headers[site], laterality, episode)
            if resolution is None or any(c.code == resolution.code for c in cands):
                continue
            start, end = min(bite.start(), s_start), max(bite.end(), s_end)
            mention = _mention(document, start, end, f"Bite, {site}")
            cand = Candidate(resolution.code, matched={headers[site]}, mentions=[mention])
            cand.confidence = _confidence(mention.section)
            cand.rules.append(BITE_ID)
            cand.steps.append(
                f"bite of the {site} -> {headers[site]} ({ctx.index.get(headers[site]).description}) -> "
                f"{resolution.code} (Index: Bite, {site}; OCG I.C.19)"
            )
            cand.steps.extend(resolution.steps)
            cands.append(cand)
            for other in list(cands):
                if other is cand or not other.code.startswith("S") or other.code[2] != "1":
                    continue
                if all(m.document_id == document.document_id and lo <= m.start < hi for m in other.mentions):
                    _drop(cands, ctx, other, BITE_ID, f"the open wound of this sentence is the bite {cand.code}")
    return cands
