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
from medcoder.coding.guidelines import Context, _drop, recode, rule
from medcoder.extract.prefilter import Prefiltered

BURN_ID = "ocg.I.C.19.d.burns.v2"
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


def _all_sites(text: str, lo: int, hi: int, sites: list[str]) -> list[tuple[str, int, int]]:
    """Every burn site the sentence names (the most specific wording of each place), in text order."""
    taken: list[tuple[str, int, int]] = []
    for site in sites:  # longest first
        for m in re.finditer(r"\b" + re.escape(site) + r"s?\b", text[lo:hi], re.IGNORECASE):
            start, end = lo + m.start(), lo + m.end()
            if not any(a <= start < b or a < end <= b for _, a, b in taken):
                taken.append((site, start, end))
    return sorted(taken, key=lambda t: t[1])


def _own_degrees(degrees: list[tuple[int, int, int]], sites: list[tuple[str, int, int]]) -> dict[int, list[int]]:
    """Each degree word goes with the site it precedes ("second-degree burns of the chest and third-degree
    burns of the abdomen"), or the one it follows when no site comes after it ("burn of the forearm with
    first- and second-degree areas"): site start -> its degree ranks."""
    own: dict[int, list[int]] = {}
    for rank, start, _ in degrees:
        after = [s for s in sites if s[1] >= start]
        site = after[0] if after else (sites[-1] if sites else None)
        if site is not None:
            own.setdefault(site[1], []).append(rank)
    return own


@rule(
    BURN_ID,
    "I.C.19.d, I.C.19.d.2 (burns by site and the highest degree recorded for each site)",
    "a burn coded to each site its sentence names, with the highest degree recorded for that site (T20-T25)",
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
                (DEGREE_RANK[d.group("n").lower()] if d.group("n") else THICKNESS_RANK[d.group("t").lower()], *d.span())
                for d in _DEGREE.finditer(text, lo, hi)
            ]
            found = _site_in(text, lo, hi, sites, (m.start, m.end))
            if found is None:
                continue
            named = _all_sites(text, lo, hi, sites)
            own = _own_degrees(degrees, named)
            # the burn's own site, and every other site of the sentence with degree words of its own
            picked = [found] + [s for s in named if s[1] in own and s[1] != found[1] and s[0] != found[0]]
            codes: list[str] = []
            for site, s_start, s_end in picked:
                ranks = own.get(s_start) or [r for r, _, _ in degrees]
                degree = DEGREE_WORD[max(ranks)] if ranks else "unspecified"
                header = headers.get((degree, site))
                if header is None:
                    continue
                before = text[max(lo, s_start - 12) : s_start]
                side = _SIDE.search(before)
                laterality = side.group(1).lower() if side else document.attributes((s_start, s_end)).laterality
                episode = document.attributes((m.start, m.end)).episode
                resolution = ctx.index.resolve(header, laterality, episode)
                if resolution is None or resolution.code == cand.code:
                    if resolution is not None:
                        codes.append(resolution.code)
                    continue
                mention = m  # the burn's own words: the site may be the residual's ("scar of the palm from a burn")
                target = next((c for c in cands if c.code == resolution.code), None)
                if target is None:
                    target = Candidate(
                        resolution.code, matched={header}, mentions=[mention], features=dict(cand.features)
                    )
                    cands.append(target)
                elif mention not in target.mentions:
                    target.mentions.append(mention)
                target.confidence = max(target.confidence, cand.confidence, _confidence(m.section))
                target.rules.append(BURN_ID)
                graded = (
                    f"the highest degree recorded ({degree}, OCG I.C.19.d.2)"
                    if len(set(ranks)) > 1
                    else f"{degree} degree"
                )
                target.steps.append(
                    f"burn of the {site}, {graded} -> {header} (Burn of {degree} degree of {site}) -> "
                    f"{resolution.code} (OCG I.C.19.d)"
                )
                target.steps.extend(s for s in resolution.steps if s not in target.steps)
                codes.append(resolution.code)
            if codes and cand.code not in codes and cand in cands:
                _drop(
                    cands,
                    ctx,
                    cand,
                    BURN_ID,
                    f"the burn's site and degree are documented: {', '.join(codes)} (OCG I.C.19.d)",
                )
            if codes:
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
# the same matches as the pattern's own, tried only where one can start (issue 9: speed)
_ABUSE_SCAN = Prefiltered(_ABUSE)
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
        found = list(_ABUSE_SCAN.finditer(text))
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


# --- the 7th character of an injury: episode of care, open fracture type, healing (I.C.19.a, I.C.19.c.1) --


def _seventh_options(ctx: Context, code: str) -> tuple[str, list[tuple[str, str]]] | None:
    """(the code without its 7th character, the 7th characters of its category and their meanings)."""
    if not code.startswith(("S", "T")) or len(code.replace(".", "")) != 7:
        return None
    base = code[:-1].rstrip("X").rstrip(".")
    node = ctx.index.get(base)
    if node is None or not node.seventh:
        return None
    return base, list(node.seventh)


def _reseventh(ctx: Context, code: str, episode: str | None = None, healing: str | None = None, high=None):
    """``code`` with the 7th character for another episode of care (initial | subsequent), healing
    (routine healing | delayed healing | nonunion | malunion) or open fracture type (``high``: Gustilo
    IIIA-IIIC, False: type I or II; only an open fracture) -- the rest of its meaning kept.  None
    where the category has no such 7th character."""
    from medcoder.codesets.icd10cm.tabular import seventh_character_form

    found = _seventh_options(ctx, code)
    if found is None:
        return None
    base, options = found
    meaning = dict(options).get(code[-1])
    if meaning is None:
        return None
    now_episode = next((e for e in ("initial", "subsequent", "sequela") if e in meaning), None)
    episode = episode or now_episode
    is_open = "open fracture" in meaning
    if high is not None and not is_open:
        if not any("open fracture" in m for _, m in options):
            return None
        is_open = True
    high = ("IIIA" in meaning) if high is None else high
    healing = healing or next(
        (h for h in ("delayed healing", "nonunion", "malunion") if h in meaning), "routine healing"
    )
    pool = [
        (c, m)
        for c, m in options
        if episode in m
        and ("open fracture" in m) == is_open
        and (not is_open or not any("IIIA" in x for _, x in options) or ("IIIA" in m) == high)
        and (episode != "subsequent" or not any("healing" in x for _, x in options) or healing in m)
    ]
    if not pool:
        return None
    full = seventh_character_form(base, pool[0][0])
    return full if ctx.index.get(full) is not None and full != code else None


FRACTURE_STATUS_ID = "ocg.I.C.19.c.1.seventh.v1"
_HEALING = (
    ("nonunion", re.compile(r"\b(?:non[\s-]?unions?|nonunited|ununited)\b", re.IGNORECASE)),
    ("malunion", re.compile(r"\b(?:mal[\s-]?unions?|malunited)\b", re.IGNORECASE)),
    ("delayed healing", re.compile(r"\b(?:delayed (?:healing|union)|slow(?:ly)? healing)\b", re.IGNORECASE)),
)
_GUSTILO = re.compile(
    r"\b(?:gustilo(?:[\s-]+anderson)?|open fracture)(?:[\s,]+(?:type|grade|class))?[\s-]+"
    r"(?P<g>III\s?[ABC]?|3\s?[ABC]?|II|I|[12])\b"
    r"|\b(?:type|grade)[\s-]+(?P<h>III\s?[ABC]?|3[ABC]?|II|I|[12])[\s-]+open\b",
    re.IGNORECASE,
)


def _cue_live(document, m: re.Match[str]) -> bool:
    a = document.assess(m.span())
    return not (a.negated or a.family or a.hypothetical)


@rule(
    FRACTURE_STATUS_ID,
    "I.C.19.c.1 (7th character for fractures: open fracture type by the Gustilo classification; subsequent care "
    "with delayed healing G, nonunion K, malunion P)",
    "a fracture whose statement documents a Gustilo type III open fracture (7th C, F, N, R ...), delayed healing, "
    "nonunion or malunion (subsequent encounter: G, K, P ...) gets that 7th character",
)
def _fracture_status(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        if cand not in cands or not cand.code.startswith("S") or cand.code.endswith("S"):
            continue
        found = _seventh_options(ctx, cand.code)
        if found is None or not any("fracture" in m for _, m in found[1]):
            continue
        for mention in cand.mentions:
            if not mention.affirmed:
                continue
            document = ctx.analyzed.document(mention.document_id)
            lo, hi = document.sentence_at(mention.start)
            text = document.text
            healing = next(
                (
                    (name, m)
                    for name, pattern in _HEALING
                    for m in pattern.finditer(text, lo, hi)
                    if _cue_live(document, m)
                ),
                None,
            )
            gustilo = next((m for m in _GUSTILO.finditer(text, lo, hi) if _cue_live(document, m)), None)
            if healing is None and gustilo is None:
                continue
            grade = (gustilo.group("g") or gustilo.group("h")).upper().replace(" ", "") if gustilo else None
            high = None if grade is None else grade.startswith(("III", "3"))
            target_code = _reseventh(
                ctx, cand.code, "subsequent" if healing else None, healing[0] if healing else None, high
            )
            if target_code is None:
                continue
            said = " and ".join(
                x
                for x in (
                    f"{healing[0]} ({healing[1].group(0)!r})" if healing else "",
                    gustilo and f"open fracture Gustilo type {grade}",
                )
                if x
            )
            recode(
                cands,
                ctx,
                cand,
                target_code,
                FRACTURE_STATUS_ID,
                f"the fracture is documented with {said}: 7th character {target_code[-1]} "
                f"({dict(found[1])[target_code[-1]]}) (OCG I.C.19.c.1)",
            )
            break
    return cands


SUBSEQUENT_ID = "ocg.I.C.19.a.subsequent.v1"
# I.C.19.a: "7th character 'D' subsequent encounter is used for encounters after the patient has completed
# active treatment of the condition and is receiving routine care for the condition during the healing or
# recovery phase.  Examples ... cast change or removal, x-ray to check healing status of fracture, removal of
# external or internal fixation device, medication adjustment, other aftercare and follow up visits"
_AFTERCARE = re.compile(
    r"\b(?:(?:here|returns?|returned|presents?|seen|back|comes? in) (?:today )?for (?:a |the )?"
    r"(?:suture|staple|stitch|cast|pin|hardware|fixator) (?:removal|change|check)"
    r"|(?:sutures?|staples?|stitches|cast|pins?|external fixator|hardware) (?:was |were )?(?:removed|changed)"
    r"(?: (?:today|in (?:the )?(?:office|clinic)))?"
    r"|(?:suture|staple|cast) removal (?:today|performed|done)"
    r"|(?:is |are |has been )?healing (?:well|nicely|appropriately|as expected)"
    r"|x-?rays? (?:today )?(?:shows?|showed|demonstrates?|with) (?:\w+ )?(?:callus|interval healing|healing))\b",
    re.IGNORECASE,
)
_FUTURE = re.compile(
    r"\b(?:in \d+(?:\s*(?:-|to)\s*\d+)? (?:days?|weeks?)|will|plan(?:ned)?|return for|follow up for)\b", re.I
)
_ACTIVE = re.compile(
    r"\b(?:initial (?:encounter|visit|evaluation)|active treatment|reduc(?:ed|tion)|repaired (?:today|with)|"
    r"(?:ORIF|open reduction|surgery|surgical repair|debridement) (?:today|performed)|splinted|sutured)\b",
    re.IGNORECASE,
)


@rule(
    SUBSEQUENT_ID,
    "I.C.19.a (7th character D: routine care during the healing or recovery phase, e.g. cast change or removal, "
    "suture removal, x-ray to check healing)",
    "an injury coded with the default 7th character A at a visit the note documents as aftercare of it (sutures "
    "or a cast removed, healing well) gets the subsequent-encounter character",
)
def _subsequent(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for document in ctx.analyzed.documents:
        text = document.text
        cue = next(
            (
                m
                for m in _AFTERCARE.finditer(text)
                if _cue_live(document, m) and not _FUTURE.search(text, *document.sentence_at(m.start()))
            ),
            None,
        )
        if cue is None or _ACTIVE.search(text):
            continue
        for cand in list(cands):
            if cand not in cands or not cand.code.endswith("A") or not cand.code.startswith(("S", "T")):
                continue
            mentions = [m for m in cand.mentions if m.document_id == document.document_id and m.affirmed]
            if not mentions or any(document.attributes((m.start, m.end)).episode for m in mentions):
                continue  # the note states the episode of care itself
            target_code = _reseventh(ctx, cand.code, "subsequent")
            if target_code is None:
                continue
            recode(
                cands,
                ctx,
                cand,
                target_code,
                SUBSEQUENT_ID,
                f"a visit of routine care in the healing phase ({cue.group(0)!r}): 7th character "
                f"{target_code[-1]} (subsequent encounter) (OCG I.C.19.a)",
            )
    return cands


# --- the most serious injury first (I.C.19.b, I.C.19.c) -----------------------------------------------------

SERIOUS_ID = "ocg.I.C.19.b.sequence.v1"
# I.C.19.b: "The code for the most serious injury, as determined by the provider and the focus of treatment,
# is sequenced first"; I.C.19.c: "Multiple fractures are sequenced in accordance with the severity of the
# fracture."  The severity by the kind of injury (the 3rd character of a body-region block: 0 superficial,
# 1 open wound, 2 fracture, 3 dislocation / sprain, 4 nerve, 5 blood vessel, 6 muscle and tendon, 7 crushing,
# 8 amputation); the focus of treatment by the operation its statement names.
_INTERNAL = ("S06.1", "S06.2", "S06.3", "S06.4", "S06.5", "S06.6", "S06.8", "S26", "S27", "S36", "S37", "S14.1")
_INTERNAL += ("S24.1", "S34.1")
_OPERATED = re.compile(
    r"\b(?:ORIF|open reduction|internal fixation|external fixation|fixator|intramedullary (?:nail\w*|rod\w*)|"
    r"nailing|arthroplasty|hemiarthroplasty|surgical(?:ly)? (?:repair|fixation|management)|operative(?:ly)? "
    r"(?:repair|fixation|management)|taken to the (?:OR|operating room)|craniotomy|laparotomy|splenectomy)\b",
    re.IGNORECASE,
)


def _severity(code: str) -> int:
    if code.startswith(_INTERNAL):
        return 5
    digit = code[2]
    if digit in "78":
        return 5
    if digit == "2" or code.startswith("S06"):
        return 4 if digit == "2" else 3
    if digit in "35":
        return 3
    if digit == "0":
        return 1
    return 2


def _operated(cand: Candidate, ctx: Context) -> bool:
    for m in cand.mentions:
        if not m.affirmed:
            continue
        document = ctx.analyzed.document(m.document_id)
        lo, hi = document.sentence_at(m.start)
        if _OPERATED.search(document.text, lo, hi):
            return True
    return False


@rule(
    SERIOUS_ID,
    "I.C.19.b, I.C.19.c (the most serious injury, as determined by the provider and the focus of treatment, "
    "is sequenced first; multiple fractures by severity)",
    "of several current injuries, a clearly more serious one (an internal organ, a fracture over a wound or a "
    "bruise) or the one the note says was operated on is sequenced before the others",
    stage="sequence",
)
def _serious_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None or not ordered:
        return ordered
    first = ordered[0]
    if not first.code.startswith("S") or first.code.endswith("S"):
        return ordered
    from medcoder.coding.guidelines import RULES, base_id

    placed = {base_id(k) for k, r in RULES.items() if r.stage == "sequence" and base_id(k) != SERIOUS_ID[:-3]}
    if any(base_id(r) in placed for r in first.rules):
        return ordered  # another sequencing rule put it first (the stated reason for admission ...)
    injuries = [c for c in ordered if c.code.startswith("S") and not c.code.endswith("S")]
    if len(injuries) < 2:
        return ordered

    def weight(c: Candidate) -> float:
        return _severity(c.code) + (0.5 if _operated(c, ctx) else 0.0)

    best = max(injuries, key=lambda c: (weight(c), -ordered.index(c)))
    if best is first or weight(best) - weight(first) < 0.5:
        return ordered
    ordered.remove(best)
    ordered.insert(0, best)
    best.rules.append(SERIOUS_ID)
    why = "operated on" if _operated(best, ctx) and _severity(best.code) <= _severity(first.code) else "more serious"
    best.steps.append(f"sequenced first: the most serious injury ({why} than {first.code}), OCG I.C.19.b / I.C.19.c")
    return ordered


# --- an unspecified fracture of a region beside a specified one (I.C.19.c, I.B.3) -----------------------

UNSPECIFIED_FRACTURE_ID = "ocg.I.C.19.c.unspecified.v1"


@rule(
    UNSPECIFIED_FRACTURE_ID,
    "I.C.19.c, I.A.9.b (a specified fracture is not also coded as an unspecified fracture of its region)",
    "an 'unspecified fracture of <region>' code read from the same statement as a specified fracture of that "
    "region and side is the same fracture: not coded",
)
def _unspecified_fracture(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        node = ctx.index.get(cand.code)
        # S42.9-, S52.9-, S72.9-, S82.9- ...: the fracture of the region, part unspecified
        if node is None or not cand.code.startswith("S") or cand.code[2] != "2" or cand.code[4:5] != "9":
            continue
        side = _code_side(ctx, cand.code)
        for other in cands:
            if other is cand or other.code[:3] != cand.code[:3] or other.code[-1] != cand.code[-1]:
                continue
            if other.code[4:5] == "9":
                continue
            if side and _code_side(ctx, other.code) not in (side, None):
                continue
            together = any(
                m.document_id == n.document_id
                and ctx.analyzed.document(m.document_id).sentence_at(m.start)
                == ctx.analyzed.document(n.document_id).sentence_at(n.start)
                for m in cand.mentions
                for n in other.mentions
                if m.affirmed and n.affirmed
            )
            if together:
                _drop(
                    cands,
                    ctx,
                    cand,
                    UNSPECIFIED_FRACTURE_ID,
                    f"the fracture of this statement is specified: {other.code} (OCG I.C.19.c)",
                )
                break
    return cands


# --- corrosions, extent of burns, and the highest degree first (I.C.19.d) -----------------------------------

CORROSION_ID = "ocg.I.C.19.d.corrosion.v1"
EXTENT_ID = "ocg.I.C.19.d.6.extent.v1"
BURN_ORDER_ID = "ocg.I.C.19.d.1.sequence.v1"
_BURN_SITES = ("T20", "T21", "T22", "T23", "T24", "T25")
_CHEMICAL = re.compile(
    r"\b(?:chemical(?:ly)?|caustic|corrosive|corrosion|acid|alkali(?:ne)?|lye|drain cleaner|oven cleaner|bleach)\b",
    re.IGNORECASE,
)
_CHEMICAL_EVENT = re.compile(r"\b(?:splash\w*|spill\w*|expos\w*|contact|sprayed|poured)\b", re.IGNORECASE)
_INTENT_COLUMN = (
    ("self_harm", re.compile(r"\b(?:self[\s-]inflicted|intentional self[\s-]harm|suicid\w*)\b", re.IGNORECASE)),
    ("assault", re.compile(r"\b(?:assault\w*|thrown at (?:him|her|them) by|attack\w*)\b", re.IGNORECASE)),
)


def _burn_degree(code: str) -> int | None:
    """0-3 (unspecified, first, second, third) of a burn or corrosion of T20-T25, else None."""
    if not code.startswith(_BURN_SITES) or len(code) < 5 or not code[4].isdigit():
        return None
    digit = int(code[4])
    return digit - 4 if digit >= 4 else digit


def _toxic_substance(ctx: Context, document, sentences: list[tuple[int, int]]):
    """(Table of Drugs entry, its match) of a nonmedicinal substance (T51-T65) the sentences name."""
    from medcoder.coding.drugs import _cues, _words, drug_table

    table = drug_table(ctx.kb, ctx.index.release_id)
    if table is None:
        return None
    for lo, hi in sentences:
        for found in table.find(_words(document.text, lo, hi), _cues().ambiguous_next):
            code = found.substance.codes.get("accidental", "")
            if code.startswith(tuple(f"T{n}" for n in range(51, 66))):
                return found
    return None


@rule(
    CORROSION_ID,
    "I.C.19.d (burns and corrosions: a corrosion is a burn due to a chemical; T20-T25 'code first (T51-T65) to "
    "identify chemical and intent')",
    "a burn the note says a chemical caused is the corrosion of that site and degree, after the toxic effect of "
    "the chemical (Table of Drugs, accidental unless documented otherwise) where the note names it",
    before="ocg.I.C.19.e.sequence",
)
def _corrosion(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    from medcoder.coding.candidates import matched_mention
    from medcoder.coding.features import rule_candidate

    for cand in list(cands):
        degree = _burn_degree(cand.code)
        if cand not in cands or degree is None or int(cand.code[4]) >= 4:
            continue
        for m in cand.mentions:
            if not m.affirmed:
                continue
            document = ctx.analyzed.document(m.document_id)
            lo, hi = document.sentence_at(m.start)
            text = document.text
            cue = _CHEMICAL.search(text, lo, hi)
            if cue is None or not _cue_live(document, cue):
                continue
            target_code = cand.code[:4] + str(int(cand.code[4]) + 4) + cand.code[5:]
            if ctx.index.get(target_code) is None:
                continue
            target = next((c for c in cands if c.code == target_code), None)
            if target is None:
                target = Candidate(
                    target_code, matched=set(cand.matched), mentions=list(cand.mentions), features=dict(cand.features)
                )
                target.confidence = cand.confidence
                cands.append(target)
            target.rules.append(CORROSION_ID)
            target.steps.append(
                f"a burn due to a chemical ({cue.group(0)!r}) is a corrosion: {cand.code} -> {target_code} "
                "(OCG I.C.19.d)"
            )
            _drop(cands, ctx, cand, CORROSION_ID, f"a chemical burn: the corrosion {target_code} (OCG I.C.19.d)")
            # the chemical and intent, coded first: the burn's sentence, else one that tells the exposure
            pool = [(lo, hi)] + [s for s in document.sentences if s != (lo, hi) and _CHEMICAL_EVENT.search(text, *s)]
            found = _toxic_substance(ctx, document, pool)
            match = re.compile(re.escape(text[found.start : found.end])).search(text, found.start) if found else None
            if found is not None and match is not None and _cue_live(document, match):
                column = next((c for c, p in _INTENT_COLUMN if p.search(text)), "accidental")
                column_code = found.substance.codes.get(column) or found.substance.codes["accidental"]
                resolution = ctx.index.resolve(column_code, None, document.attributes((m.start, m.end)).episode)
                if resolution is not None and not any(c.code == resolution.code for c in cands):
                    mention = matched_mention(document, match, found.substance.path, "Table of Drugs and Chemicals")
                    cands.append(
                        rule_candidate(
                            resolution.code,
                            mention,
                            CORROSION_ID,
                            f"Table of Drugs: {found.substance.path}, {column} -> {column_code}: the chemical and "
                            f"intent of the corrosion {target_code}, coded first (T20-T25 'code first (T51-T65)', "
                            "OCG I.C.19.d)",
                        )
                    )
            break
    return cands


_TBSA = re.compile(
    r"(?P<a>\d{1,3}(?:\.\d+)?)\s*%\s*(?:of\s+(?:the\s+)?)?(?:total\s+)?(?:TBSA|BSA|body surface(?:\s+area)?)"
    r"|\b(?:TBSA|BSA|total body surface area|body surface area)(?:\s+(?:burned|burnt|involved|affected))?"
    r"\s*(?:of|is|was|=|:|approximately|about|~|\s)*(?P<b>\d{1,3}(?:\.\d+)?)\s*%",
    re.IGNORECASE,
)
_THIRD_SHARE = re.compile(
    r"(?P<a>\d{1,3}(?:\.\d+)?)\s*%\s*(?:(?:TBSA|BSA)\s+)?(?:(?:third|3rd)[\s-]degree|full[\s-]thickness)"
    r"|\b(?:third|3rd)[\s-]degree(?:\s+burns?)?(?:\s+(?:component|portion|involving|of|is|was|=|:|approximately|"
    r"about))*\s*(?P<b>\d{1,3}(?:\.\d+)?)\s*%",
    re.IGNORECASE,
)


@rule(
    EXTENT_ID,
    "I.C.19.d.6 (burns and corrosions classified according to extent of body surface involved, T31 / T32, "
    "with the percentage of third-degree burns)",
    "a current burn documented with the percentage of body surface burned gets its extent code (T31 burns, "
    "T32 corrosions): the tens of the total and of the third-degree share",
)
def _extent(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    burns = [c for c in cands if _burn_degree(c.code) is not None and not c.code.endswith("S")]
    if not burns or any(c.code.startswith(("T31", "T32")) for c in cands):
        return cands
    from medcoder.coding.candidates import matched_mention
    from medcoder.coding.features import rule_candidate

    corrosion = all(int(c.code[4]) >= 4 for c in burns)
    for document in ctx.analyzed.documents:
        total = next((m for m in _TBSA.finditer(document.text) if _cue_live(document, m)), None)
        if total is None:
            continue
        percent = float(total.group("a") or total.group("b"))
        third = next((m for m in _THIRD_SHARE.finditer(document.text) if _cue_live(document, m)), None)
        third_percent = float(third.group("a") or third.group("b")) if third else 0.0
        if not 0 < percent <= 100 or third_percent > percent:
            continue
        tens = min(int(percent) // 10, 9)
        category = "T32" if corrosion else "T31"
        code = f"{category}.0" if tens == 0 else f"{category}.{tens}{min(int(third_percent) // 10, tens)}"
        node = ctx.index.get(code)
        if node is None or not node.billable:
            continue
        mention = matched_mention(document, total, node.description, "Tabular T31 / T32; OCG I.C.19.d.6")
        cands.append(
            rule_candidate(
                code,
                mention,
                EXTENT_ID,
                f"{percent:g}% of the body surface burned"
                + (f", {third_percent:g}% third degree" if third else "")
                + f" -> {code} ({node.description}), an additional code after the burns by site (OCG I.C.19.d.6)",
            )
        )
        break
    return cands


@rule(
    BURN_ORDER_ID,
    "I.C.19.d.1 (sequence first the code that reflects the highest degree of burn when more than one burn is "
    "present), I.C.19.d.6 (T31 / T32 as additional codes)",
    "of several burns, the one of the highest degree first; the extent code (T31 / T32) after the burns by site",
    stage="sequence",
)
def _burn_order(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    burns = [c for c in ordered if _burn_degree(c.code) is not None]
    if not burns:
        return ordered
    first = ordered[0]
    if _burn_degree(first.code) is not None:
        best = max(burns, key=lambda c: (_burn_degree(c.code), -ordered.index(c)))
        if _burn_degree(best.code) > _burn_degree(first.code):
            ordered.remove(best)
            ordered.insert(0, best)
            best.rules.append(BURN_ORDER_ID)
            best.steps.append("sequenced first: the highest degree of burn (OCG I.C.19.d.1)")
    for extent in [c for c in ordered if c.code.startswith(("T31", "T32"))]:
        last = max(burns, key=ordered.index)
        if ordered.index(extent) < ordered.index(last):
            ordered.remove(extent)
            ordered.insert(ordered.index(last) + 1, extent)
            extent.rules.append(BURN_ORDER_ID)
            extent.steps.append("sequenced after the burns by site: the extent is an additional code (OCG I.C.19.d.6)")
    return ordered


# --- the perpetrator of confirmed abuse (I.C.19.f) -----------------------------------------------------------

PERPETRATOR_ID = "ocg.I.C.19.f.perpetrator.v1"
# I.C.19.f: "A perpetrator code (Y07) should be added when the perpetrator of the abuse is known"; Y07: "codes
# from this category are for use only in cases of confirmed abuse (T74.-)".  The note's word for the person ->
# the External Cause Index path "Perpetrator, perpetration, of assault, maltreatment and neglect, <who>".
_PERPETRATORS = (
    (r"(?:ex-?husband|former husband)", "husband, former"),
    (r"(?:ex-?wife|former wife)", "wife, former"),
    (r"(?:ex-?boyfriend|former boyfriend)", "boyfriend, former"),
    (r"(?:ex-?girlfriend|former girlfriend)", "girl friend, former"),
    (r"mother'?s (?:boyfriend|male partner)", "partner, of parent, male"),
    (r"father'?s (?:girlfriend|female partner)", "partner, of parent, female"),
    (r"husband", "husband, current"),
    (r"wife", "wife, current"),
    (r"boyfriend", "boyfriend, current"),
    (r"girlfriend", "girl friend, current"),
    (r"stepfather", "stepfather"),
    (r"stepmother", "stepmother"),
    (r"foster father", "foster father"),
    (r"foster mother", "foster mother"),
    (r"(?:biological )?father", "father"),
    (r"(?:biological )?mother", "mother"),
    (r"brother", "brother"),
    (r"sister", "sister"),
    (r"grandfather|grandmother|grandparent", "grandparent"),
    (r"uncle", "uncle"),
    (r"aunt", "aunt"),
    (r"(?:son|daughter)", "child"),
    (r"(?:teacher|coach)", "teacher"),
    (r"babysitter|daycare provider", "daycare provider"),
)
_BY_PERPETRATOR = re.compile(
    r"\bby (?:her|his|their|the patient'?s|the child'?s|a|the) (?P<who>"
    + "|".join(f"(?:{p})" for p, _ in _PERPETRATORS)
    + r")\b",
    re.IGNORECASE,
)


_VIOLENCE = re.compile(
    r"\b(?:hit|struck|punched|kicked|beaten|slapped|choked|strangled|pushed|shoved|assaulted|burned)\b", re.IGNORECASE
)


@rule(
    PERPETRATOR_ID,
    "I.C.19.f (a perpetrator code, Y07, is added when the perpetrator of confirmed abuse is known)",
    "confirmed abuse (T74.-) by a person the note names (her husband, his stepfather): the perpetrator code from "
    "the External Cause Index",
)
def _perpetrator(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None or not any(c.code.startswith("T74") for c in cands):
        return cands
    if any(c.code.startswith("Y07") for c in cands):
        return cands
    from medcoder.coding.candidates import matched_mention
    from medcoder.coding.external import _index_code
    from medcoder.coding.features import rule_candidate

    for document in ctx.analyzed.documents:
        text = document.text
        for m in _BY_PERPETRATOR.finditer(text):
            lo, hi = document.sentence_at(m.start())
            told = _ABUSE_WORD.search(text, lo, hi) or _VIOLENCE.search(text, lo, hi)
            if not told or not _cue_live(document, m):
                continue
            who = m.group("who").lower()
            path = next(name for p, name in _PERPETRATORS if re.fullmatch(p, who, re.IGNORECASE))
            full_path = "Perpetrator, perpetration, of assault, maltreatment and neglect, " + path
            code = _index_code(ctx, full_path)
            node = ctx.index.get(code) if code else None
            if node is None or not node.billable:
                continue
            mention = matched_mention(document, m, full_path, f"External Cause Index: {full_path}")
            cands.append(
                rule_candidate(
                    code,
                    mention,
                    PERPETRATOR_ID,
                    f"External Cause Index: {full_path} -> {code}: the perpetrator of the confirmed abuse "
                    "(OCG I.C.19.f)",
                )
            )
            return cands
    return cands
