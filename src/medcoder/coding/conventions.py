"""Conventions of the classification and general coding guidelines (OCG Section I.A and I.B; issue 9).

* I.A.13 (etiology / manifestation): "Certain conditions have both an underlying etiology and multiple
  body system manifestations due to the underlying etiology ... wherever such a combination exists,
  there is a 'use additional code' note at the etiology code, and a 'code first' note at the
  manifestation code."  A condition the note says is due to (in, secondary to) an underlying disease
  is the manifestation code "<condition> in diseases classified elsewhere" when the classification
  has one -- "polyneuropathy due to hypothyroidism" is E03.9 and G63, not G62.9 -- and a combination
  code whose words name a manifestation whose own "code first" note names that combination
  ("diabetic gastroparesis": E10.43, then K31.84) is followed by it.
* I.B.8 (acute and chronic): "If the same condition is described as both acute (subacute) and
  chronic, and separate subentries exist in the Alphabetic Index at the same indentation level, code
  both and sequence the acute (subacute) code first."  Index pairs beyond the circulatory module's
  table (``data/us_lexicon/conventions.json`` is the lexicon; the pairs are here), the acute code
  sequenced first, and a chronic code an I.B.8 rule added beside a more specific code of its own
  category (CKD N18.9 beside the documented stage N18.4) not reported.
* I.B.10 (sequela): "A sequela is the residual effect (condition produced) after the acute phase of
  an illness or injury has terminated.  There is no time limit ... the condition or nature of the
  sequela is sequenced first.  The sequela code is sequenced second."  Past infections and
  nutritional deficiencies have their own sequela categories (B90-B94, E64, E68, G09): "bronchiectasis,
  residual of tuberculosis treated 10 years ago" is J47.9 then B90.9, not a past A15 dropped.
* I.B.14 and I.C.18.i: the NIH stroke scale score (R29.7-) "may be documented by clinicians other
  than the patient's provider"; it is reported with the provider's acute stroke code (I63), after it.
"""

from __future__ import annotations

import dataclasses
import json
import re
from functools import lru_cache

from medcoder.coding.candidates import Candidate, Mention, matched_mention
from medcoder.coding.circulatory import ACUTE_CHRONIC_ID, ACUTE_CHRONIC_PAIRS, acuity_of
from medcoder.coding.guidelines import Context, _drop, _note_refs, matches_prefix, ref_covers, rule

MANIFESTATION_ID = "ocg.I.A.13.manifestation.v1"
CODE_FIRST_PARTNER_ID = "ocg.I.A.13.code_first_partner.v1"
ACUTE_CHRONIC_INDEX_ID = "ocg.I.B.8.index_pairs.v1"
ACUTE_FIRST_ID = "ocg.I.B.8.acute_first.v1"
SEQUELA_CATEGORY_ID = "ocg.I.B.10.sequela_category.v1"
SEQUELA_ORDER_ID = "ocg.I.B.10.sequence.v1"
NIHSS_ID = "ocg.I.B.14.nihss.v1"


def _live(cand: Candidate) -> list[Mention]:
    return [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


# --- I.A.13: "<condition> due to <disease>" is the manifestation code ------------------------------------------

# "Polyneuropathy in diseases classified elsewhere", "Otitis media in diseases classified elsewhere, right ear"
_IN_DCE = re.compile(
    r"^(?P<stem>.+?) in (?:other )?(?:[a-z]+ )?(?:chronic )?(?:and parasitic )?diseases? classified elsewhere"
    r"(?:, (?P<side>right ear|left ear|bilateral|unspecified ear))?$",
    re.I,
)
# manifestation codes other rules (or other guidelines) own: dementia (I.C.5.d, mental.py), anemia in
# neoplastic / kidney disease (I.C.2.c.1, I.C.14), the organism codes, pneumonia in COVID-19 and
# influenza (I.C.1.g.1, I.C.10.d: their own combination or pairing rules), cardiomyopathy in
# amyloidosis and the like (circulatory.py's ocg.I.A.13.cardiomyopathy)
_MANIFESTATION_SKIP = ("F02", "D63.0", "D63.1", "B95", "B96", "B97", "J17", "I43")
_SIDE = re.compile(r",? (?:right ear|left ear|bilateral|unspecified ear)$", re.I)
_LINK_TO_CAUSE = re.compile(
    r"^[\s,]*(?:(?:is|are|was|were|felt|thought|likely|probably|believed)\s+(?:to\s+be\s+)?)?"
    r"(?:due\s+to|secondary\s+to|caused\s+by|from|in|attributed\s+to|related\s+to|associated\s+with|"
    r"in\s+the\s+setting\s+of|as\s+a\s+(?:manifestation|complication)\s+of)\s+"
    r"(?:(?:his|her|their|the|known|underlying|long[\s-]?standing|untreated|poorly\s+controlled)\s+)*$",
    re.I,
)


# the chapters an open "code first underlying disease, such as: ..." list is read to admit when the
# disease is not among its examples: infections, neoplasms and blood, endocrine / nutritional /
# metabolic, musculoskeletal and connective tissue, genitourinary (uremia: N18.9 [G63]).  Not a
# substance use disorder: "neuropathy due to alcohol" is alcoholic polyneuropathy G62.1 (Index).
_OPEN_LIST_CHAPTERS = frozenset("ABCDEMN")


def _stem(description: str) -> tuple[str, str]:
    """(condition words, side) of an unspecified code's title: "Polyneuropathy, unspecified" ->
    ("polyneuropathy", ""); "Otitis media, unspecified, right ear" -> ("otitis media", "right ear")."""
    side = ""
    found = _SIDE.search(description)
    if found:
        side = found.group(0).strip(", ").lower()
        description = description[: found.start()]
    text = re.sub(r"(?:^|,\s*|\s)unspecified\b", " ", description, flags=re.I)
    return " ".join(_words(text)), side


@lru_cache(maxsize=8)
def _manifestations(kb, release_id: str) -> dict[tuple[str, str], str]:
    """(condition words, side) -> the billable "<condition> in diseases classified elsewhere" code."""
    out: dict[tuple[str, str], str] = {}
    seen: set[tuple[str, str]] = set()
    for code, description in kb.query(
        "SELECT code, description FROM cm_nodes WHERE release_id = ? AND billable = 1 "
        "AND description LIKE '%classified elsewhere%'",
        (release_id,),
    ):
        found = _IN_DCE.match(description)
        if found is None or code.startswith(_MANIFESTATION_SKIP):
            continue
        key = (" ".join(_words(found.group("stem"))), (found.group("side") or "").lower())
        if key in seen:
            out.pop(key, None)  # two codes for one condition: the words cannot choose
            continue
        seen.add(key)
        out[key] = code
    return out


def _open_code_first(ctx: Context, code: str) -> bool:
    """Is the manifestation's "code first" note an open list ("underlying disease, such as: ...")?"""
    key = f"codeFirstOpen:{code}"
    if key not in ctx.cache:
        node = ctx.kb.cm(code, release_id=ctx.index.release_id)  # type: ignore[attr-defined]
        notes = ctx.kb.cm_notes(node) if node else []  # type: ignore[attr-defined]
        ctx.cache[key] = [
            "open" for n in notes if n.type == "codeFirst" and not n.refs and "underlying" in n.text.lower()
        ]
    return bool(ctx.cache[key])


def _cause_after(ctx: Context, cand: Candidate, cands: list[Candidate]) -> tuple[Candidate, str] | None:
    """The disease the condition's own clause says it is due to: "polyneuropathy due to
    hypothyroidism", "cardiomyopathy secondary to amyloidosis"."""
    for m in _live(cand):
        if not m.affirmed:
            continue
        document = ctx.analyzed.document(m.document_id)
        _, end = document.sentence_at(m.start)
        for other in cands:
            if other is cand:
                continue
            for n in other.mentions:
                if n.document_id != m.document_id or not (m.end <= n.start < end) or not n.affirmed:
                    continue
                between = document.text[m.end : n.start]
                if len(between) <= 60 and _LINK_TO_CAUSE.match(between):
                    return other, between.strip(" ,")
    return None


@rule(
    MANIFESTATION_ID,
    "I.A.13 (etiology / manifestation: 'code first' the underlying disease, then the 'in diseases "
    "classified elsewhere' code)",
    "a condition documented as due to an underlying disease is its manifestation code, after the disease",
    before="ocg.I.A.12.a",
)
def _manifestation(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    table = _manifestations(ctx.kb, ctx.index.release_id)
    for cand in list(cands):
        node = ctx.index.get(cand.code)
        if cand not in cands or node is None or "unspecified" not in node.description.lower():
            continue
        target = table.get(_stem(node.description))
        if target is None or target == cand.code or ctx.index.get(target) is None:
            continue
        found = _cause_after(ctx, cand, cands)
        if found is None:
            continue
        cause, link = found
        if cause.code[:1] in "RSTVWXYZ" or cause.code[:1] == target[:1]:
            continue  # a symptom, an injury or a status is no underlying disease; nor a code of the same chapter
        if any(
            code != target
            and code.startswith(target[:3])
            and node_.billable
            and any(ref_covers(r, cause.code) for r in _note_refs(ctx, code, "codeFirst"))
            for code, node_ in ctx.index.nodes.items()
            if code.startswith(target[:3])
        ):
            continue  # a manifestation of its own for this disease (D63.0 anemia in neoplastic disease)
        listed = _note_refs(ctx, target, "codeFirst")
        if not any(ref_covers(r, cause.code) for r in listed) and not (
            _open_code_first(ctx, target) and cause.code[:1] in _OPEN_LIST_CHAPTERS
        ):
            continue
        excluded = _note_refs(ctx, target, "excludes1")
        if any(ref_covers(r, c.code) for r in excluded for c in cands if c is not cand):
            continue  # the classification codes this pair another way (G63 excludes diabetic polyneuropathy)
        described = ctx.index.get(target).description
        cand.steps.append(
            f"{cand.code} -> {target} ({described}): documented as {link!r} {cause.code}; the underlying "
            "disease is coded first (OCG I.A.13)"
        )
        existing = next((c for c in cands if c.code == target and c is not cand), None)
        if existing is not None:
            existing.mentions.extend(m for m in cand.mentions if m not in existing.mentions)
            _drop(cands, ctx, cand, MANIFESTATION_ID, f"the manifestation is {target} (OCG I.A.13)")
            continue
        cand.matched.add(cand.code)
        cand.code = target
        cand.rules.append(MANIFESTATION_ID)
        cand.features[f"after:{cause.code}"] = 1.0
    return cands


MANIFESTATION_ORDER_ID = "ocg.I.A.13.manifestation.sequence.v1"


@rule(
    MANIFESTATION_ORDER_ID,
    "I.A.13 ('code first' the underlying condition: the manifestation is never before its etiology)",
    "a manifestation code a rule linked to its documented underlying disease is sequenced after it",
    stage="sequence",
)
def _manifestation_order(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    for cand in [c for c in ordered if MANIFESTATION_ID in c.rules]:
        causes = [c for c in ordered if c is not cand and cand.features.get(f"after:{c.code}")]
        if not causes:
            continue
        last = max(ordered.index(c) for c in causes)
        if ordered.index(cand) > last:
            continue
        ordered.remove(cand)
        ordered.insert(last, cand)
        cand.rules.append(MANIFESTATION_ORDER_ID)
        cand.steps.append(f"sequenced after its underlying disease {causes[0].code} (OCG I.A.13)")
    return ordered


# --- I.A.13: a combination code's manifestation whose "code first" note names it ------------------------------


def _noted_by(ctx: Context, code: str) -> list[str]:
    """Billable codes whose own "code first" note names ``code`` itself (K31.84 names E10.43)."""
    key = f"codeFirstOf:{code}"
    if key not in ctx.cache:
        rows = ctx.kb.query(  # type: ignore[attr-defined]
            "SELECT n.code, n.refs FROM cm_notes n JOIN cm_nodes c ON c.release_id = n.release_id "
            "AND c.code = n.code WHERE n.release_id = ? AND n.type = 'codeFirst' AND c.billable = 1 AND n.refs LIKE ?",
            (ctx.index.release_id, f'%"{code}"%'),
        )
        ctx.cache[key] = sorted({noted for noted, refs in rows if code in json.loads(refs)})
    return ctx.cache[key]


_GENERIC = frozenset({"in", "of", "the", "and", "with", "without", "unspecified", "other", "nos", "disease"})


@rule(
    CODE_FIRST_PARTNER_ID,
    "I.A.13, I.B.9 (a manifestation whose 'code first' note names the combination code is coded after it)",
    "a combination code whose words name a manifestation that the manifestation's own 'code first' note "
    "pairs with it: the manifestation code follows",
    before="ocg.I.A.12.a",
)
def _code_first_partner(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # "Type 1 diabetes mellitus with diabetic gastroparesis" is E10.43; K31.84 Gastroparesis says
    # "code first underlying disease, if known, such as: diabetes mellitus (E08.43, E09.43, E10.43
    # ...)", so the coder reports E10.43 and then K31.84 (the Excludes2 at K31 allows both).
    for cand in list(cands):
        live = [m for m in _live(cand) if m.affirmed]
        if not live:
            continue
        text = set(_words(" ".join(m.text for m in live)))
        for noted in _noted_by(ctx, cand.code):
            node = ctx.index.get(noted)
            if node is None or any(c.code[:3] == noted[:3] for c in cands):
                continue
            wanted = [w for w in _words(node.description) if w not in _GENERIC]
            if not wanted or not all(w in text for w in wanted):
                continue
            refs = _note_refs(ctx, noted, "excludes1") + _note_refs(ctx, cand.code, "excludes1")
            if any(ref_covers(r, c) for r in refs for c in (cand.code, noted)):
                continue
            partner = Candidate(noted, matched={noted}, mentions=list(live), features=dict(cand.features))
            partner.confidence = cand.confidence - 1e-6
            partner.features["partner_of"] = 1.0
            partner.rules.append(CODE_FIRST_PARTNER_ID)
            partner.steps.append(
                f"{noted} ({node.description}): named in {cand.code}'s words, and its 'code first' note names "
                f"{cand.code}: coded after it (OCG I.A.13)"
            )
            cands.append(partner)
    return cands


# --- I.B.8: acute and chronic, more Index pairs; the acute code first ----------------------------------------------

# (acute code, chronic code prefix, chronic code): Alphabetic Index entries with "acute" and
# "chronic" subentries at the same level and no combination code, beyond circulatory.py's table
INDEX_PAIRS = (
    ("J20.9", "J42", "J42"),  # Bronchitis -> acute or subacute J20.9; chronic J42
    ("J04.0", "J37.0", "J37.0"),  # Laryngitis -> acute J04.0; chronic J37.0
    ("J02.9", "J31.2", "J31.2"),  # Pharyngitis -> acute J02.9; chronic J31.2
    ("J00", "J31.0", "J31.0"),  # Rhinitis -> acute J00; chronic J31.0
    ("E06.0", "E06.5", "E06.5"),  # Thyroiditis -> acute E06.0; chronic E06.5
    ("L04.9", "I88.1", "I88.1"),  # Lymphadenitis -> acute L04.9; chronic I88.1
    ("N70.01", "N70.11", "N70.11"),  # Salpingitis -> acute N70.01; chronic N70.11
    ("N71.0", "N71.1", "N71.1"),  # Endometritis -> acute N71.0; chronic N71.1
)
_PAIR_RULES = (ACUTE_CHRONIC_ID, ACUTE_CHRONIC_INDEX_ID)


def _paired(ctx: Context, cand: Candidate) -> bool:
    """Coded as one of an acute and chronic pair: by an I.B.8 rule, or its words say "acute on chronic"."""
    return any(r in cand.rules for r in _PAIR_RULES) or any(
        acuity_of(ctx, m) == "acute_on_chronic" for m in _live(cand)
    )


def _worded(cand: Candidate) -> bool:
    code = cand.code.replace(".", "")
    return any(code.startswith(m.replace(".", "")) for m in cand.matched)


@rule(
    ACUTE_CHRONIC_INDEX_ID,
    "I.B.8 (acute and chronic: separate Index subentries at the same level, code both, acute first)",
    "a condition described as both acute and chronic whose Index has separate subentries: both codes; a "
    "chronic code so added yields to the more specific code of its category the note documents",
)
def _index_pairs(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for acute, chronic_prefix, chronic in INDEX_PAIRS:
        for cand in list(cands):
            is_acute = cand.code == acute
            if not is_acute and not matches_prefix(cand.code, chronic_prefix):
                continue
            if not any(acuity_of(ctx, m) == "acute_on_chronic" for m in _live(cand)):
                continue
            other = chronic if is_acute else acute
            if any(c.code == other or (not is_acute and c.code == acute) for c in cands):
                continue
            if is_acute and any(matches_prefix(c.code, chronic_prefix) for c in cands):
                continue
            node = ctx.index.get(other)
            if node is None or not node.billable:
                continue
            added = Candidate(other, matched={cand.code}, mentions=list(cand.mentions), features=dict(cand.features))
            added.confidence = cand.confidence + (0.0 if is_acute else 1e-6)
            added.rules.append(ACUTE_CHRONIC_INDEX_ID)
            added.steps.append(
                f"described as acute and chronic: {acute} and {chronic} are separate Index subentries at the same "
                "level, both coded, the acute first (OCG I.B.8)"
            )
            cand.rules.append(ACUTE_CHRONIC_INDEX_ID)
            cands.append(added)
    # "acute on chronic kidney failure; CKD stage 4": the chronic code the pair added (N18.9) is the
    # documented stage's less specific sibling (OCG I.B.2-3)
    chronic_prefixes = tuple(p for _, p, _ in (*ACUTE_CHRONIC_PAIRS, *INDEX_PAIRS))
    for cand in list(cands):
        node = ctx.index.get(cand.code)
        if node is None or not cand.code.startswith(chronic_prefixes) or not _paired(ctx, cand):
            continue
        vague = not _worded(cand) or "unspecified" in node.description.lower()
        fuller = next(
            (
                o
                for o in cands
                if o is not cand
                and o.code[:3] == cand.code[:3]
                and o.code != cand.code
                and _worded(o)
                and _live(o)
                and "unspecified" not in ctx.index.get(o.code).description.lower()
            ),
            None,
        )
        if vague and fuller is not None:
            fuller.rules.append(ACUTE_CHRONIC_INDEX_ID)
            fuller.steps.append("the chronic condition, at the documented specificity (OCG I.B.8, I.B.2-3)")
            fuller.mentions.extend(m for m in cand.mentions if m not in fuller.mentions)
            _drop(
                cands,
                ctx,
                cand,
                ACUTE_CHRONIC_INDEX_ID,
                f"{fuller.code} documents the chronic condition more specifically (OCG I.B.8, I.B.2-3)",
            )
    return cands


@rule(
    ACUTE_FIRST_ID,
    "I.B.8 ('code both and sequence the acute (subacute) code first')",
    "of a condition coded as both acute and chronic, the acute code is sequenced first",
    stage="sequence",
)
def _acute_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    for acute, chronic_prefix, _ in (*ACUTE_CHRONIC_PAIRS, *INDEX_PAIRS):
        first = next((c for c in ordered if c.code == acute), None)
        if first is None or ctx.analyzed is None:
            continue
        chronic = [c for c in ordered if matches_prefix(c.code, chronic_prefix) and c is not first]
        if not chronic or not (_paired(ctx, first) or any(_paired(ctx, c) for c in chronic)):
            continue
        at = min(ordered.index(c) for c in chronic)
        if ordered.index(first) < at:
            continue
        ordered.remove(first)
        ordered.insert(at, first)
        first.rules.append(ACUTE_FIRST_ID)
        first.steps.append(f"sequenced before the chronic {chronic[0].code}: the acute code first (OCG I.B.8)")
    return ordered


# --- I.B.10: sequelae of infections and nutritional disorders -----------------------------------------------------

# the past condition's code -> its sequela category (Tabular notes at B90-B94, E64, E68, G09: "to be
# used to indicate conditions in categories ... as the cause of sequelae, themselves classified
# elsewhere"); most specific prefix first
SEQUELA_OF: tuple[tuple[tuple[str, ...], str], ...] = (
    (("A17",), "B90.0"),  # tuberculosis of nervous system
    (("A18.1",), "B90.1"),  # genitourinary tuberculosis
    (("A18.0",), "B90.2"),  # tuberculosis of bones and joints
    (("A18", "A19"), "B90.8"),  # tuberculosis of other organs
    (("A15", "A16"), "B90.9"),  # respiratory and unspecified tuberculosis
    (("A80",), "B91"),  # poliomyelitis
    (("A30",), "B92"),  # leprosy
    (("A71",), "B94.0"),  # trachoma
    (("A83", "A84", "A85", "A86", "B00.4", "B02.0"), "B94.1"),  # viral encephalitis
    (("B15", "B16", "B17", "B18", "B19"), "B94.2"),  # viral hepatitis
    (("B99",), "B94.9"),  # unspecified infectious disease
    (("E40", "E41", "E42", "E43", "E44", "E45", "E46"), "E64.0"),  # protein-calorie malnutrition
    (("E50",), "E64.1"),  # vitamin A deficiency
    (("E54",), "E64.2"),  # vitamin C deficiency
    (("E55.0",), "E64.3"),  # rickets
    (("E51", "E52", "E53", "E55.9", "E56", "E58", "E59", "E60", "E61", "E63"), "E64.8"),
    (("E67",), "E68"),  # hyperalimentation
    (("G00", "G01", "G02", "G03", "G04", "G05", "G06", "G07", "G08"), "G09"),  # inflammatory CNS disease
)
# other infectious and parasitic diseases (A00-B89) -> B94.8, except those with their own sequela
# rules or codes: sepsis (I.C.1.d), HIV (never a sequela, I.C.1.a), zoster (postherpetic B02.2-),
# COVID-19 (post COVID-19 condition U09.9, I.C.1.g.1.m)
_B948_EXCEPT = ("A40", "A41", "B20", "B02")
SEQUELA_CODES = ("B90", "B91", "B92", "B94", "E64", "E68", "G09")
_RESIDUAL_LINK = re.compile(
    r"^[\s,(-]*(?:(?:is|are|was|were)\s+)?(?:an?\s+)?(?:(?:late\s+effects?|sequelae?|residuals?|result)\s+of|due\s+to|"
    r"from|following|after|secondary\s+to|caused\s+by|resulting\s+from|as\s+a\s+(?:late\s+effect|sequela|result)\s+of|"
    r"attributed\s+to|related\s+to)\s+(?:(?:an?|the|his|her|their|prior|previous|remote|old|past|childhood)\s+)*$",
    re.I,
)
_PAST = re.compile(
    r"\b(?:late\s+effects?|sequelae?|residuals?|old|healed|remote|prior|previous|past|treated|resolved|cured|"
    r"childhood|as\s+an?\s+(?:child|infant|teenager|adolescent)|history\s+of|years?\s+ago|months?\s+ago|in\s+(?:19|20)\d\d)\b",
    re.I,
)


# the past condition named in words after the residual's link ("residual of tuberculosis", "due to old
# poliomyelitis"), Index: Sequelae (of) -> tuberculosis B90.9 (bones and joints B90.2, central nervous
# system B90.0, genitourinary B90.1); poliomyelitis B91; leprosy B92; trachoma B94.0; encephalitis,
# viral B94.1; hepatitis, viral B94.2; infection, pyogenic, intracranial / meningitis / encephalitis
# G09; malnutrition, protein or calorie E64.0; vitamin A E64.1, C E64.2; rickets E64.3
SEQUELA_WORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.I), code)
    for p, code in (
        (
            r"tuberculo(?:sis|us)\s+(?:of\s+(?:the\s+)?)?(?:spine|spinal|vertebra\w*|bones?|joints?|hip|knee)|pott'?s",
            "B90.2",
        ),
        (r"tuberculous\s+meningitis|tuberculosis\s+of\s+(?:the\s+)?(?:brain|meninges|nervous\s+system)", "B90.0"),
        (r"(?:renal|genitourinary|kidney)\s+tuberculosis|tuberculosis\s+of\s+(?:the\s+)?kidneys?", "B90.1"),
        (r"(?:pulmonary\s+)?tuberculosis|(?:pulmonary\s+)?\btb\b", "B90.9"),
        (r"(?:acute\s+)?(?:paralytic\s+)?polio(?:myelitis)?", "B91"),
        (r"leprosy|hansen'?s\s+disease", "B92"),
        (r"trachoma", "B94.0"),
        (r"(?:viral|herpes(?:\s+simplex)?|hsv|west\s+nile)\s+encephalitis", "B94.1"),
        (r"(?:viral\s+)?hepatitis\s+[abce]\b|viral\s+hepatitis", "B94.2"),
        (r"(?:\w+\s+)?meningitis|(?:\w+\s+)?meningoencephalitis|encephalitis|brain\s+abscess", "G09"),
        (r"(?:severe\s+)?(?:protein[\s-]+calorie\s+)?malnutrition|kwashiorkor|marasmus", "E64.0"),
        (r"vitamin\s+a\s+deficiency", "E64.1"),
        (r"scurvy|vitamin\s+c\s+deficiency", "E64.2"),
        (r"rickets", "E64.3"),
    )
)
_SEQUELA_LINK_WORDS = re.compile(r"\b(?:late\s+effects?|sequelae?|residuals?)\s+of\b", re.I)


_SIDE_AFTER = re.compile(r"^\s*,?\s*(?:(?:on\s+)?(?:the\s+)?(?:right|left|both|bilateral)(?:\s+side)?)\s*,?", re.I)


def _past_side(text: str) -> str:
    """The words between a residual and its link, less a side phrase the residual's wording left
    out ("hemiparesis, left side, late effect of ...")."""
    found = _SIDE_AFTER.match(text)
    return text[found.end() :] if found else text


def _sequela_target(code: str) -> str | None:
    for prefixes, target in SEQUELA_OF:
        if code.startswith(prefixes):
            return target
    if code[:1] in "AB" and code[:3] <= "B89" and not code.startswith(_B948_EXCEPT):
        return "B94.8"
    return None


def _residual_before(ctx: Context, cand: Candidate, cands: list[Candidate]) -> tuple[Candidate, Mention] | None:
    """A current condition the sentence says is the residual of the past condition ``cand``:
    "<residual> due to old / residual of / late effect of / following <cand>"."""
    for m in _live(cand):
        document = ctx.analyzed.document(m.document_id)
        lo, hi = document.sentence_at(m.start)
        if not (m.historical or _PAST.search(document.text, lo, hi)):
            continue
        for other in cands:
            if other is cand or other.code[:1] in "RSTVWXYZ" or other.code.startswith(SEQUELA_CODES):
                continue
            for n in other.mentions:
                if n.document_id != m.document_id or not (lo <= n.start and n.end <= m.start) or not n.affirmed:
                    continue
                if n.historical or not _RESIDUAL_LINK.match(_past_side(document.text[n.end : m.start])):
                    continue
                return other, m
    return None


@rule(
    SEQUELA_CATEGORY_ID,
    "I.B.10 (sequela: the residual first, then the sequela code; no time limit), Tabular B90-B94, E64, E68, G09",
    "a residual of a past infection or nutritional disorder: the residual's code, then the sequela category's",
    before="ocg.I.C.21.history",
)
def _sequela_category(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        target = _sequela_target(cand.code)
        if cand not in cands or target is None or ctx.index.get(target) is None:
            continue
        found = _residual_before(ctx, cand, cands)
        if found is None:
            continue
        residual, _ = found
        node = ctx.index.get(target)
        made = next((c for c in cands if c.code == target), None)
        if made is None:
            mentions = [dataclasses.replace(x, historical=False) for x in _live(cand)]
            made = Candidate(target, matched={cand.code}, mentions=mentions, features=dict(cand.features))
            made.confidence = min(cand.confidence, residual.confidence) - 1e-6
            cands.append(made)
        made.rules.append(SEQUELA_CATEGORY_ID)
        made.steps.append(
            f"{residual.code} is the residual of the past {cand.code}: {target} ({node.description}), sequenced after "
            "the residual (OCG I.B.10)"
        )
        made.features[f"after:{residual.code}"] = 1.0
        _drop(cands, ctx, cand, SEQUELA_CATEGORY_ID, f"the acute phase is over: its sequela is {target} (OCG I.B.10)")
    for residual in list(cands):
        if residual.code[:1] in "RSTVWXYZ" or residual.code.startswith(SEQUELA_CODES):
            continue
        found = _sequela_in_words(ctx, residual)
        if found is None:
            continue
        document, match, target = found
        node = ctx.index.get(target)
        if node is None or any(c.code == target for c in cands):
            continue
        mention = matched_mention(document, match, match.group(0), "Sequelae (of) -> " + match.group(0).lower())
        made = Candidate(target, matched={target}, mentions=[mention], features=dict(residual.features))
        made.confidence = residual.confidence - 1e-6
        made.rules.append(SEQUELA_CATEGORY_ID)
        made.steps.append(
            f"{residual.code} is the residual of past {match.group(0)!r}: {target} ({node.description}), sequenced "
            "after the residual (OCG I.B.10)"
        )
        made.features[f"after:{residual.code}"] = 1.0
        cands.append(made)
    return cands


def _sequela_in_words(ctx: Context, residual: Candidate):
    """(document, match, sequela code) of a past condition the residual's own sentence names after a
    link: "bronchiectasis, residual of tuberculosis treated 10 years ago"."""
    for n in residual.mentions:
        if not n.affirmed or n.historical:
            continue
        document = ctx.analyzed.document(n.document_id)
        lo, hi = document.sentence_at(n.start)
        text = document.text
        tail = text[n.end : hi]
        skipped = len(tail) - len(_past_side(tail))
        link = re.match(
            r"[\s,(-]*(?:(?:is|are|was|were)\s+)?(?:an?\s+)?(?:(?:late\s+effects?|sequelae?|residuals?|result)\s+of|"
            r"due\s+to|from|following|after|secondary\s+to|caused\s+by|resulting\s+from|"
            r"as\s+a\s+(?:late\s+effect|sequela|result)\s+of)\s+"
            r"(?:(?:an?|the|his|her|their|prior|previous|remote|old|past|childhood|healed|treated)\s+)*",
            tail[skipped:],
            re.I,
        )
        if link is None:
            continue
        at = n.end + skipped + link.end()
        sentence = text[lo:hi]
        if not (_PAST.search(sentence) or _SEQUELA_LINK_WORDS.search(link.group(0))):
            continue
        for pattern, target in SEQUELA_WORDS:
            match = pattern.match(text, at, hi)
            if match is not None:
                return document, match, target
    return None


def _is_sequela(code: str) -> bool:
    return code.startswith(SEQUELA_CODES) or (code[:1] in "ST" and len(code) == 8 and code.endswith("S"))


def _same_sentence(ctx: Context, a: Candidate, b: Candidate) -> bool:
    for m in _live(a):
        document = ctx.analyzed.document(m.document_id)
        lo, hi = document.sentence_at(m.start)
        if any(n.document_id == m.document_id and lo <= n.start < hi for n in _live(b)):
            return True
    return False


@rule(
    SEQUELA_ORDER_ID,
    "I.B.10 ('the condition or nature of the sequela is sequenced first; the sequela code is sequenced second')",
    "a sequela code (7th character S, B90-B94, E64, E68, G09) after the residual condition it explains",
    stage="sequence",
)
def _sequela_order(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return ordered
    for seq in [c for c in ordered if _is_sequela(c.code)]:
        residuals = [
            c
            for c in ordered
            if c is not seq
            and not _is_sequela(c.code)
            and c.code[:1] not in "VWXYZ"
            and (seq.features.get(f"after:{c.code}") or _same_sentence(ctx, seq, c))
        ]
        if not residuals:
            continue
        last = max(ordered.index(c) for c in residuals)
        if ordered.index(seq) > last:
            continue
        ordered.remove(seq)
        ordered.insert(last, seq)
        seq.rules.append(SEQUELA_ORDER_ID)
        seq.steps.append(
            f"sequenced after the residual {residuals[0].code}: the nature of the sequela first (OCG I.B.10)"
        )
    return ordered


# --- I.B.14, I.C.18.i: the NIH stroke scale with the provider's stroke diagnosis ---------------------------------

_NIHSS = re.compile(
    r"\b(?:nihss|nih\s+stroke\s+scale|nih\s+stroke\s+score|national\s+institutes?\s+of\s+health\s+stroke\s+scale)"
    r"(?:\s*\(nihss\))?(?:\s+(?:score|total))?\s*(?:of|was|is|=|:|-|at)?\s*(?:was\s+|is\s+|of\s+)?(?P<n>\d{1,2})\b"
    r"(?!\s*(?:hours?|hrs?|days?|minutes?|min)\b)",
    re.I,
)


@rule(
    NIHSS_ID,
    "I.B.14, I.C.18.i (the NIHSS score, R29.7-, may come from other clinicians; reported with the acute stroke "
    "code I63, after it; at a minimum the initial score)",
    "an NIH stroke scale score documented for a patient with an acute cerebral infarction is its R29.7- code",
)
def _nihss(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    stroke = next((c for c in cands if c.code.startswith("I63") and any(m.affirmed for m in c.mentions)), None)
    if stroke is None:
        # I.C.18.i: the NIHSS codes go with the acute stroke codes; a TIA's "NIHSS score 0" is a finding
        for cand in [c for c in cands if c.code.startswith("R29.7")]:
            _drop(cands, ctx, cand, NIHSS_ID, "not coded: the NIHSS codes go with an acute stroke (I63) (OCG I.C.18.i)")
        return cands
    if any(c.code.startswith("R29.7") for c in cands):
        return cands
    for document in ctx.analyzed.documents:
        found = _NIHSS.search(document.text)
        if found is None:
            continue
        score = int(found.group("n"))
        code = f"R29.7{score:02d}"
        node = ctx.index.get(code)
        if node is None or not node.billable:
            return cands
        mention = matched_mention(document, found, found.group(0), "Score, NIHSS (R29.7-); OCG I.C.18.i")
        made = Candidate(code, matched={code}, mentions=[mention], features=dict(stroke.features))
        made.confidence = stroke.confidence - 1e-6
        made.rules.append(NIHSS_ID)
        made.steps.append(
            f"{code} ({node.description}): the initial NIHSS score, reported with the acute stroke {stroke.code} and "
            "after it; other clinicians may document it (OCG I.B.14, I.C.18.i)"
        )
        made.features[f"after:{stroke.code}"] = 1.0
        cands.append(made)
        return cands
    return cands
