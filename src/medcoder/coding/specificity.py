"""OCG I.B.2-3 (level of detail): of codes in one category drawn from the same words, report the
one the documentation supports best, not every sibling the words partly match."""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate
from medcoder.coding.guidelines import Context, _drop, rule


def _strength(cand: Candidate) -> tuple[int, float, float]:
    """How much of the note's wording a candidate accounts for: matched words, then coverage."""
    best = max((m for m in cand.mentions if m.source != "learned"), key=lambda m: (m.words, m.score), default=None)
    if best is None:
        return (0, 0.0, cand.confidence)
    return (best.words, round(best.score, 6), cand.confidence)


_OTHER = re.compile(r"^other\b|\bother specified\b")


def _is_other(cand: Candidate, ctx: Context) -> bool:
    """A residual "other (specified)" code: right only when the note names the kind."""
    node = ctx.index.get(cand.code)
    return node is not None and bool(_OTHER.search(node.description.lower()))


def _overlap(a: Candidate, b: Candidate) -> bool:
    return any(
        m.document_id == n.document_id and m.start < n.end and n.start < m.end for m in a.mentions for n in b.mentions
    )


def _by_category(cands: list[Candidate]) -> list[list[Candidate]]:
    """The candidates grouped by their three-character category."""
    by_category: dict[str, list[Candidate]] = {}
    for cand in cands:
        by_category.setdefault(cand.code[:3], []).append(cand)
    return list(by_category.values())


@rule("ocg.I.B.3.specificity.v1", "I.B.2-3", "one code per condition: the sibling the words support best")
def _specificity(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    for siblings in _by_category(cands):
        if len(siblings) < 2:
            continue
        # stronger first; on a tie the "unspecified" code before an "other specified" one the note
        # does not actually specify
        siblings.sort(key=lambda c: (_strength(c)[:2], not _is_other(c, ctx), c.confidence), reverse=True)
        kept: list[Candidate] = []
        for cand in siblings:
            beaten_by = next((k for k in kept if _beats(k, cand, ctx)), None)
            if beaten_by is not None:
                _drop(cands, ctx, cand, "ocg.I.B.3.specificity.v1", f"{beaten_by.code} matches the same words better")
            else:
                kept.append(cand)
    return cands


def _beats(winner: Candidate, cand: Candidate, ctx: Context) -> bool:
    """Compare the two on the words they share: the mentions of each that overlap the other's."""
    pairs = [
        (n, m)
        for m in _lexical(cand)
        for n in _lexical(winner)
        if n.document_id == m.document_id and n.start < m.end and m.start < n.end
    ]
    if not pairs:
        return False
    best_w = max((n.words, round(n.score, 6)) for n, _ in pairs)
    best_c = max((m.words, round(m.score, 6)) for _, m in pairs)
    return best_w > best_c or (best_w == best_c and _is_other(cand, ctx) and not _is_other(winner, ctx))


def _additional_refs(ctx: Context, code: str) -> list[str]:
    """Partners the classification asks for beside this code: "use additional", "code also", and
    the etiology a manifestation's "code first" names (G30.9 under F02.80, OCG I.A.13)."""
    from medcoder.coding.guidelines import _note_refs

    return [r for kind in ("useAdditionalCode", "codeAlso", "codeFirst") for r in _note_refs(ctx, code, kind)]


def _lexical(cand: Candidate) -> list:
    return [m for m in cand.mentions if m.source != "learned"]


@rule("ocg.I.B.3.subsumed.v1", "I.B.2-3, I.B.9", "a code whose words are all inside a fuller match is not separate")
def _subsumed(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # "Type 2 diabetes mellitus with diabetic polyneuropathy" is E11.42, not also G62.9 for its last
    # word; but "use additional code" partners (N18.32 under I12.9) stay.
    from medcoder.coding.guidelines import ref_covers

    for cand in sorted(cands, key=lambda c: _strength(c)[:2]):
        mine = _lexical(cand)
        # a partner a rule added because the fuller code's note asks for it without naming a code
        # (K91.89 "use additional code ... to further specify disorder": K56.7 of "postoperative ileus")
        if not mine or cand not in cands or cand.features.get("partner_of"):
            continue
        for other in cands:
            if other is cand:
                continue
            theirs = _lexical(other)
            inside = all(
                any(
                    n.document_id == m.document_id
                    and n.start <= m.start
                    and m.end <= n.end
                    and n.words > m.words
                    and n.anchored
                    and n.score >= 0.999  # only a full match of the larger term subsumes
                    for n in theirs
                )
                for m in mine
            )
            if inside and not any(ref_covers(r, cand.code) for r in _additional_refs(ctx, other.code)):
                _drop(cands, ctx, cand, "ocg.I.B.3.subsumed.v1", f"its words are part of {other.code} (OCG I.B.2-3)")
                break
    return cands


def _words(m) -> frozenset[str]:
    from medcoder.extract.matcher import normalise_term

    return frozenset(normalise_term(m.text))


@rule("ocg.I.B.3.specificity.v2", "I.B.2-3", "one code per condition: the sibling the words support best")
def _specificity_v2(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # v2: also across mentions that do not overlap.  A code of a category one of whose wordings is
    # contained in a fuller wording of a sibling names the same condition less specifically:
    # "hematuria" beside "gross hematuria" (R31.9 / R31.0), "chronic kidney disease" beside "chronic
    # kidney disease stage 3b" (N18.9 / N18.32), "back pain" beside "low back pain".
    cands = _specificity(cands, ctx)
    rule_id = "ocg.I.B.3.specificity.v2"
    for siblings in _by_category(cands):
        # only codes the words themselves name: a combination code a rule built (E11.22 from
        # "diabetes" and "CKD") shares its wording with the other combinations of its condition
        siblings = [c for c in siblings if _worded(c)]
        if len(siblings) < 2:
            continue
        for cand in list(siblings):
            mine = [_words(m) for m in _lexical(cand) if not m.negated]
            if not mine or cand not in cands:
                continue
            fuller = next(
                (
                    other
                    for other in siblings
                    if other is not cand
                    and other in cands
                    and any(w < _words(n) for w in mine for n in _lexical(other) if not n.negated)
                ),
                None,
            )
            if fuller is not None:
                _drop(
                    cands, ctx, cand, rule_id, f"{fuller.code} names the same condition more specifically (OCG I.B.2-3)"
                )
                # the same condition: where the less specific wording stood (a diagnosis list's
                # "1. Hematuria") is where the fuller code is stated, for sequencing and evidence
                known = {(m.document_id, m.start, m.end) for m in fuller.mentions}
                fuller.mentions.extend(m for m in cand.mentions if (m.document_id, m.start, m.end) not in known)
                fuller.confidence = max(fuller.confidence, cand.confidence)
                if rule_id not in fuller.rules:
                    fuller.rules.append(rule_id)
                fuller.steps.append(f"the more specific of {fuller.code} and {cand.code} (OCG I.B.2-3)")
    return cands


def _worded(cand: Candidate) -> bool:
    """Is the code what its wording matched (resolved by side or episode), not a rule's combination?"""
    code = cand.code.replace(".", "")
    return any(code.startswith(m.replace(".", "")) for m in cand.matched)


# The Alphabetic Index's own "with" subterms a sibling's "use additional code" list does not spell
# out: "Hyperplasia, prostate -> with lower urinary tract symptoms (LUTS) N40.1; urinary obstruction
# N40.1" (a bladder-neck obstruction is a urinary obstruction).
WITH_INDEX_EXTRAS = {"N40.1": ("N32.0", "N13.9", "R33.9", "R39.1")}


@rule(
    "ocg.I.A.15.with.v1",
    'I.A.15, I.A.13 ("with"; the tabular\'s "use additional code" list names what "with" means)',
    "a code titled 'without X' becomes its sibling 'with X' when X is documented",
    before="ocg.I.B.5",  # the combination first: integral symptoms and Excludes1 then see the one code
)
def _with_sibling(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # OCG I.A.15: "with" links two conditions when the classification does.  Where a category has a
    # "... without X" code and a "... with X" sibling whose "use additional code" note lists the
    # codes of X (N40.0 "BPH without lower urinary tract symptoms" / N40.1 "with LUTS": use
    # additional code for nocturia, urinary frequency, retention, obstruction ...), a documented X
    # makes it the "with" code, and X's own code stays after it, as the note asks.
    from medcoder.coding.guidelines import ref_covers

    rule_id = "ocg.I.A.15.with.v1"
    for cand in list(cands):
        node = ctx.index.get(cand.code)
        if node is None or " without " not in f" {node.description} " or node.parent is None:
            continue
        wanted = node.description.replace(" without ", " with ", 1)
        parent = ctx.index.get(node.parent)
        siblings = [ctx.index.get(c) for c in (parent.children if parent else [])]
        sibling = next((s for s in siblings if s is not None and s.description == wanted and s.billable), None)
        if sibling is None or any(c.code == sibling.code for c in cands):
            continue
        refs = [
            r
            for n in ctx.kb.cm_notes(ctx.kb.cm(sibling.code, release_id=ctx.index.release_id)) or []
            if n.type == "useAdditionalCode" and n.source == sibling.code
            for r in n.refs
        ]  # type: ignore[attr-defined]  # the sibling's own note: a category's (E11: Z79.4) says no "with"
        refs += list(WITH_INDEX_EXTRAS.get(sibling.code, ()))
        partner = next(
            (
                o
                for o in cands
                if o is not cand and any(m.affirmed for m in o.mentions) and any(ref_covers(r, o.code) for r in refs)
            ),
            None,
        )
        if partner is None:
            continue
        old = cand.code
        cand.code = sibling.code
        cand.rules.append(rule_id)
        cand.steps.append(
            f"{old} + {partner.code} -> {sibling.code} ({sibling.description}): the 'with' code, whose "
            f"'use additional code' note names {partner.code}; {partner.code} stays after it (OCG I.A.15, I.A.13)"
        )
        if rule_id not in partner.rules:
            partner.rules.append(rule_id)
        partner.steps.append(f"kept after {sibling.code}, as its 'use additional code' note asks (OCG I.A.13)")
    return cands


# The Alphabetic Index's "with" subterms that join two conditions in one code, where neither code's
# title says "without" (OCG I.A.15, I.B.9).  (code, partner prefixes, combination, keep the
# partner's own code after it, the Index / tabular entry)
INDEX_WITH = (
    (
        "J44.9",
        ("J09", "J10", "J11", "J12", "J13", "J14", "J15", "J16", "J17", "J18", "J20", "J21", "J22"),
        "J44.0",
        True,
        "Disease, lung, obstructive (chronic) -> with lower respiratory infection J44.0; J44.0: code also to "
        "identify the infection (OCG I.C.10.a)",
    ),
    ("I25.10", ("I20.0",), "I25.110", False, "Arteriosclerosis, coronary, native vessel -> with angina, unstable"),
    ("I25.10", ("I20.1",), "I25.111", False, "Arteriosclerosis, coronary -> with angina, with documented spasm"),
    ("I25.10", ("I20.8",), "I25.118", False, "Arteriosclerosis, coronary -> with angina, specified NEC"),
    ("I25.10", ("I20.9",), "I25.119", False, "Arteriosclerosis, coronary -> with angina (OCG I.C.9.b)"),
    ("J11.1", ("J18",), "J11.00", False, "Influenza -> with pneumonia J11.00 (OCG I.C.10.d)"),
    ("J10.1", ("J18",), "J10.00", False, "Influenza, due to other identified influenza virus -> with pneumonia J10.00"),
    ("K57.32", ("K63.0", "K65.1", "K65.0"), "K57.20", False, "Diverticulitis, intestine, large -> with abscess K57.20"),
    ("K57.30", ("K63.0", "K65.1", "K65.0"), "K57.20", False, "Diverticulosis, large intestine -> with abscess K57.20"),
)


@rule(
    "ocg.I.A.15.with.v2",
    "I.A.15, I.A.13, I.B.9 (\"with\"; the Index's 'with' subterms and the tabular's 'use additional code')",
    "two documented conditions the classification joins in one 'with' code",
)
def _with_v2(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # v2: v1's "without X" -> "with X" siblings, and the Index's "with" subterms for codes whose
    # titles do not say "without": COPD with a lower respiratory infection (J44.0 and the
    # infection), coronary atherosclerosis with angina (I25.11-), influenza with pneumonia.
    cands = _with_sibling(cands, ctx)
    rule_id = "ocg.I.A.15.with.v2"
    for code, partners, combined, keep, ref in INDEX_WITH:
        cand = next((c for c in cands if c.code == code), None)
        if cand is None or any(c.code == combined for c in cands) or ctx.index.get(combined) is None:
            continue
        partner = next(
            (o for o in cands if o is not cand and o.code.startswith(partners) and any(m.affirmed for m in o.mentions)),
            None,
        )
        if partner is None:
            continue
        cand.steps.append(f"{code} + {partner.code} -> {combined} ({ctx.index.get(combined).description}); {ref}")
        cand.code = combined
        cand.rules.append(rule_id)
        if keep:
            partner.rules.append(rule_id)
            partner.steps.append(f"kept after {combined} to say which infection (OCG I.A.13)")
        else:
            cand.mentions.extend(m for m in partner.mentions if m not in cand.mentions)  # its evidence too
            _drop(cands, ctx, partner, rule_id, f"included in the combination code {combined} (OCG I.A.15, I.B.9)")
    return cands


# --- I.A.15 / I.B.9 / I.B.15: "<condition> with <X>" codes of the category, X named beside it ----------------------

WITH_WORDS_ID = "ocg.I.A.15.with.v3"
# the categories whose "with" combinations have rules of their own (diabetes I.C.4.a, hypertension I.C.9.a)
_WITH_OWN_RULES = ("E08", "E09", "E10", "E11", "E13", "I10", "I11", "I12", "I13")
_WITH_STOP = frozenset({"with", "of", "the", "and", "a", "an", "in", "to", "or", "as", "its", "his", "her"})
# plain US words and the classification's words for the same thing
_WITH_SAME = {
    "bowel": "intestinal",
    "intestine": "intestinal",
    "intestines": "intestinal",
    "bleeding": "hemorrhage",
    "bleed": "hemorrhage",
    "haemorrhage": "hemorrhage",
    "rectum": "rectal",
    "dilatation": "dilation",
    "dilated": "dilation",
    "dilatated": "dilation",
    "ectasia": "dilation",
    "abscesses": "abscess",
    "fistulae": "fistula",
    "fistulas": "fistula",
}
_UNRELATED_WORDS = re.compile(r"\b(?:unrelated|not\s+(?:related|due|secondary|caused))\b", re.I)


def _content_words(text: str) -> set[str]:
    out = set()
    for word in re.findall(r"[a-z0-9']+", text.lower()):
        word = _WITH_SAME.get(word, word)
        if word not in _WITH_STOP:
            out.add(word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word)
    return out


def _with_codes(ctx: Context, cand: Candidate) -> list[tuple[str, str]]:
    """(code, X) of the billable "<this condition> with X" codes of the candidate's category, for a
    code titled "..., unspecified" or "... without complications"."""
    node = ctx.index.get(cand.code)
    if node is None:
        return []
    title = node.description.lower()
    stem = re.sub(r"(?:,?\s+without complications|,\s*unspecified)$", "", title)
    if stem == title:
        return []
    key = f"withcodes:{cand.code}"
    if key not in ctx.cache:
        found = []
        for code, other in ctx.index.nodes.items():
            if not code.startswith(cand.code[:3]) or code == cand.code or not other.billable:
                continue
            text = other.description.lower()
            for lead in (stem + ", with ", stem + " with "):
                if text.startswith(lead):
                    rest = text[len(lead) :]
                    if not rest.startswith(("other", "unspecified", "complication")) and "without" not in rest:
                        found.append((code, rest))
        ctx.cache[key] = found
    return ctx.cache[key]


def _sentences(ctx: Context, cand: Candidate) -> set[tuple[str, int]]:
    out = set()
    for m in cand.mentions:
        if m.affirmed and not m.historical:
            out.add((m.document_id, ctx.analyzed.document(m.document_id).sentence_at(m.start)[0]))
    return out


@rule(
    WITH_WORDS_ID,
    'I.A.15, I.B.9, I.B.15 ("with"; a combination code for a condition with its complication or a syndrome '
    "with its manifestation)",
    "two documented conditions the classification joins in one 'with' code",
)
def _with_v3(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # v3: v2, and a category's own "<condition> with X" codes when X is documented with the condition
    # in its sentence: "Crohn's disease of small intestine with small bowel obstruction" is K50.012
    # (Index: Enteritis, regional, small intestine, with complication, intestinal obstruction), not
    # K50.00 and K56.609; "Marfan syndrome with dilation of the aortic root" is Q87.410 (I.B.15: the
    # syndrome's own code for the manifestation).  X's code stays after the combination only when
    # the combination's "use additional code" or "code also" note asks for it.
    from medcoder.coding.guidelines import _note_refs, ref_covers

    cands = _with_v2(cands, ctx)
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        if cand not in cands or cand.code.startswith(_WITH_OWN_RULES) or not _worded(cand):
            continue
        options = _with_codes(ctx, cand)
        if not options:
            continue
        where = _sentences(ctx, cand)
        best = None
        for partner in cands:
            if partner is cand or partner.code[:3] == cand.code[:3] or partner.code[:1] == "Z":
                continue
            if not where & _sentences(ctx, partner) or _overlap(cand, partner):
                continue  # a partner is another condition in other words, not the wording of this one
            have = _content_words(ctx.index.get(partner.code).description)
            for m in partner.mentions:
                if m.affirmed:
                    have |= _content_words(m.text)
            for code, rest in options:
                wanted = _content_words(rest)
                if wanted and wanted <= have and (best is None or len(wanted) > best[0]):
                    best = (len(wanted), code, partner)
        if best is None:
            # X named in the condition's own clause without a code of its own ("Marfan syndrome with
            # dilation of the aortic root")
            for m in cand.mentions:
                if not m.affirmed or m.historical:
                    continue
                document = ctx.analyzed.document(m.document_id)
                _, end = document.sentence_at(m.start)
                clause = re.split(r"[;.]", document.text[m.end : end])[0]
                if not re.match(r"\s*,?\s*with\b", clause, re.I):
                    continue
                have = _content_words(clause)
                for code, rest in options:
                    wanted = _content_words(rest)
                    if wanted and wanted <= have and (best is None or len(wanted) > best[0]):
                        best = (len(wanted), code, None)
        if best is None:
            continue
        _, target, partner = best
        sentence_text = " ".join(
            ctx.analyzed.document(d).text[s : ctx.analyzed.document(d).sentence_at(s)[1]] for d, s in where
        )
        if _UNRELATED_WORDS.search(sentence_text):
            continue
        node = ctx.index.get(target)
        named = partner.code if partner is not None else "the complication its clause names"
        cand.steps.append(f"{cand.code} + {named} -> {target} ({node.description}) (OCG I.A.15, I.B.9, I.B.15)")
        cand.matched.add(cand.code)
        cand.code = target
        cand.rules.append(WITH_WORDS_ID)
        if partner is None:
            continue
        asks = _note_refs(ctx, target, "useAdditionalCode") + _note_refs(ctx, target, "codeAlso")
        if any(ref_covers(r, partner.code) for r in asks):
            partner.rules.append(WITH_WORDS_ID)
            partner.steps.append(f"kept after {target}, whose note asks for it (OCG I.A.13)")
            continue
        cand.mentions.extend(m for m in partner.mentions if m not in cand.mentions)
        _drop(cands, ctx, partner, WITH_WORDS_ID, f"included in the combination code {target} (OCG I.A.15, I.B.9)")
    return cands
