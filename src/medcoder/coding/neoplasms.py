"""Chapter 2, neoplasms (OCG I.C.2).

* I.C.2.c.1: anemia associated with a malignancy is D63.0 (Index: Anemia -> in (due to) (with) ->
  neoplastic disease D63.0), the malignancy first ("code first neoplasm"); not anemia due to the
  chemotherapy or radiotherapy (I.C.2.c.2: D64.81, D64.89 with the adverse effect).
* I.C.2.n: leukemia, multiple myeloma and malignant plasma cell neoplasms documented "in
  remission" (or "in relapse") take that code of the category, not "not having achieved remission".
* I.C.2.d, I.C.21.c.8: a malignancy excised or eradicated with no further treatment and no evidence
  of disease is its personal history code (Z85); a follow-up or surveillance visit after its
  completed treatment is Z08, first-listed, with the Z85 code.
* Lipoma by site (Index: Lipoma -> site classification -> trunk D17.1, arms D17.2- ...): the site
  the note gives the lipoma, or the mass it was excised as.
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate, Mention, matched_mention
from medcoder.coding.features import fact_confidence, rule_candidate
from medcoder.coding.guidelines import Context, _drop, rule, rules_data
from medcoder.extract.prefilter import Prefiltered

ANEMIA_ID = "ocg.I.C.2.c.1.v1"
REMISSION_ID = "ocg.I.C.2.n.remission.v1"
EXCISED_ID = "ocg.I.C.2.d.excised.v1"
FOLLOW_UP_ID = "ocg.I.C.2.d.follow-up.v1"
LIPOMA_ID = "ocg.I.C.2.lipoma-site.v1"

_ANEMIA = ("D64.9", "D64.89")
_LINKED = re.compile(
    r"^\W*(?:\w+\W+){0,2}?(?:due\s+to|secondary\s+to|2/2|from|of|in|associated\s+with|related\s+to|caused\s+by|"
    r"with)(?!\w)",
    re.IGNORECASE,
)
_TREATMENT = re.compile(r"\b(?:chemo\w*|antineoplastic|radiation|radiotherapy|immunotherapy|treatment)\b", re.I)


def _malignant(code: str) -> bool:
    return code.startswith("C")


@rule(ANEMIA_ID, "I.C.2.c.1", "anemia due to a malignancy is D63.0, after the malignancy")
def _anemia_in_neoplasm(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None or any(c.code == "D63.0" for c in cands):
        return cands
    malignancies = [c for c in cands if _malignant(c.code) and any(m.affirmed for m in c.mentions)]
    for anemia in [c for c in cands if c.code in _ANEMIA]:
        for m in anemia.mentions:
            if not m.affirmed:
                continue
            document = ctx.analyzed.document(m.document_id)
            sentence = document.sentence_at(m.start)
            cause = next(
                (
                    (c, n)
                    for c in malignancies
                    for n in c.mentions
                    if n.document_id == m.document_id
                    and document.sentence_at(n.start) == sentence
                    and n.start >= m.end
                    and _LINKED.match(document.text[m.end : n.start])
                    and not _TREATMENT.search(document.text[m.end : n.start])
                ),
                None,
            )
            if cause is None:
                continue
            old = anemia.code
            anemia.code = "D63.0"
            anemia.matched.add("D63.0")
            anemia.rules.append(ANEMIA_ID)
            anemia.steps.append(
                f"{old} -> D63.0: the anemia is due to {cause[0].code} ({cause[1].text!r}); Index: Anemia -> in "
                "(due to) (with) -> neoplastic disease D63.0, the malignancy first (OCG I.C.2.c.1)"
            )
            return cands
    return cands


_REMISSION = re.compile(r"\b(?:in\s+(?:complete\s+|partial\s+|full\s+)?remission)\b", re.IGNORECASE)
_NOT_REMISSION = re.compile(
    r"\b(?:not|never|without|failed\s+to\s+achieve|no)\b[^.;]{0,25}\bremission\b|\bremission\s+not\b", re.I
)
_RELAPSE = re.compile(r"\b(?:in\s+relapse|relapsed|relapsing|recurrent)\b", re.IGNORECASE)


@rule(REMISSION_ID, "I.C.2.n", "leukemia / myeloma documented in remission or in relapse: that code of the category")
def _remission(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        node = ctx.index.get(cand.code)
        if node is None or not cand.code.startswith(("C90", "C91", "C92", "C93", "C94", "C95")):
            continue
        if "not having achieved remission" not in node.description.lower():
            continue
        for m in cand.mentions:
            if not m.affirmed or m.historical:
                continue
            document = ctx.analyzed.document(m.document_id)
            _, s_end = document.sentence_at(m.start)
            tail = document.text[m.start : s_end]
            if _NOT_REMISSION.search(tail):
                break
            state = "in remission" if _REMISSION.search(tail) else ("in relapse" if _RELAPSE.search(tail) else None)
            if state is None:
                continue
            sibling = next(
                (
                    s
                    for s in (ctx.index.get(cand.code[:-1] + d) for d in "12")
                    if s is not None and s.billable and state in s.description.lower()
                ),
                None,
            )
            if sibling is None or any(c.code == sibling.code for c in cands):
                break
            old = cand.code
            cand.code = sibling.code
            cand.matched.add(sibling.code)
            cand.rules.append(REMISSION_ID)
            cand.steps.append(f"{old} -> {sibling.code}: documented {state} (OCG I.C.2.n)")
            break
    return cands


# --- where a visit's reason is written ---------------------------------------------------------------------------

# "Reason for encounter: fraction 12 of 25 ..." written as a line of a note the section reader does
# not split (a title line above it); a title line is no reason, the sentence under it may be
_REASON_LINE = re.compile(
    r"^[ \t]*(?:reason\s+for\s+(?:the\s+)?(?:visit|encounter|admission|referral)|purpose\s+of\s+(?:the\s+)?visit|"
    r"visit\s+reason)[ \t]*:[ \t]*(?P<reason>\S[^\n]*)$",
    re.IGNORECASE | re.MULTILINE,
)
_TITLE = re.compile(r"^(?=[^a-z]*[A-Z])[^a-z]*$")


def visit_reason_spans(ctx: Context) -> list[tuple[object, object, int, int]]:
    """The reason spans of :func:`medcoder.coding.encounters.reason_spans`, and where a headerless
    note opens with a title line ("FOLLOW-UP VISIT"), the sentence under it and any "Reason for
    encounter:" line."""
    from medcoder.coding.encounters import reason_spans

    spans = list(reason_spans(ctx))
    for document in getattr(ctx.analyzed, "documents", []):
        sentences = document.sentences
        if len(sentences) > 1 and _TITLE.match(document.text[slice(*sentences[0])].strip()):
            section = document.section_at(sentences[1][0])
            if section.name == "unknown":
                spans.append((document, section, *sentences[1]))
        for line in _REASON_LINE.finditer(document.text):
            start, end = line.span("reason")
            if not any(d is document and a <= start < b for d, _s, a, b in spans):
                spans.append((document, document.section_at(start), start, end))
    return spans


# --- excised malignancy, follow-up after completed treatment -------------------------------------------------------

_TREATED_FOR = re.compile(
    r"\b(?:after|following|s/p|status\s+post|post|underwent|had|treated\s+with|completed)\b[^.;]{0,60}?"
    r"\b(?:\w*ectomy|resection|excision|excised|resected|surgery|chemotherapy|radiation|radiotherapy|"
    r"ablation|treatment|therapy|TURBT|TURP|LEEP|transurethral\s+resection)\b[^.;]{0,30}?\bfor\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
# the treatment told after the malignancy: "colon cancer (ascending colon) resected 6 years ago"
_TREATED_AFTER = re.compile(
    r"^[^.;]{0,40}?\b(?:was\s+|were\s+)?(?:resected|excised|removed|treated|eradicated|ablated|"
    r"s/p\s+\w+ectomy|status\s+post\s+\w+ectomy)\b[^.;]{0,30}?\b(?:ago|(?:in\s+)?(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_NO_DISEASE = re.compile(
    r"\bno\s+(?:\w+\s+)?(?:evidence|signs?)\s+of\s+(?:recurrence|recurrent\s+disease|residual\s+disease|disease|"
    r"malignancy|cancer|recurrent\s+cancer)\b|\bNED\b|\b(?:disease|cancer|tumor|recurrence)[- ]free\b"
    r"|\bno\s+(?:local\s+|new\s+)?(?:recurrence|residual\s+(?:tumor|disease|cancer))\b",
    re.IGNORECASE,
)
_ONCOLOGIC = re.compile(r"\b(?:oncolog\w*|cancer|malignan\w*|tumor|surveillance)\b", re.IGNORECASE)
_FOLLOW_UP = re.compile(
    r"\bfollow[- ]?up\b|\bf/u\b|\bsurveillance\b|\bpost-?treatment\s+(?:visit|check)\b", re.IGNORECASE
)


def _history_code(code: str, ctx: Context) -> str | None:
    table = {k: v for k, v in rules_data()["history"].items() if k != "about"}
    prefixes = [p for p in table if code.startswith(p)]
    if not prefixes:
        return None
    z = table[max(prefixes, key=len)]
    return z if ctx.index.get(z) is not None else None


def _treated_before(document, m: Mention) -> bool:
    """The mention is what a past operation or treatment was for ("3 years after right hemicolectomy
    for colon cancer")."""
    s_start, s_end = document.sentence_at(m.start)
    if _TREATED_FOR.search(document.text[max(s_start, m.start - 120) : m.start]):
        return True
    return bool(_TREATED_AFTER.match(document.text[m.end : s_end]))


@rule(
    EXCISED_ID,
    "I.C.2.d",
    "a malignancy excised or treated, with no further treatment and no evidence of disease: its history code Z85",
)
def _excised(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.2.d: "When a primary malignancy has been previously excised or eradicated from its site and
    # there is no further treatment directed to that site and there is no evidence of any existing
    # primary malignancy at that site, a code from category Z85 ... should be used."  The note says
    # both: the malignancy is what a past operation or treatment was for, and there is no evidence of
    # disease (or of recurrence).
    return _excised_as_history(cands, ctx, EXCISED_ID)


def _excised_as_history(cands: list[Candidate], ctx: Context, rule_id: str) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in [c for c in cands if _malignant(c.code) and not c.code.startswith(("C77", "C78", "C79"))]:
        live = [m for m in cand.mentions if not m.negated and not m.family and not m.hypothetical]
        if not live:
            continue
        document = ctx.analyzed.document(live[0].document_id)
        if not _NO_DISEASE.search(document.text):
            continue
        if rule_id != EXCISED_ID and _under_treatment(cands, ctx, cand) is not None:
            continue  # still treated: a current malignancy (v2)
        current = [m for m in live if not m.historical]  # a past mention is the history rule's (I.C.21.c.4)
        if not current or not all(_treated_before(ctx.analyzed.document(m.document_id), m) for m in current):
            continue
        z = _history_code(cand.code, ctx)
        if z is None:
            continue
        _drop(cands, ctx, cand, rule_id, f"excised / treated, no evidence of disease: history {z} (OCG I.C.2.d)")
        existing = next((c for c in cands if c.code == z), None)
        if existing is None:
            history = Candidate(z, matched={cand.code}, mentions=list(live), features=dict(cand.features))
            history.confidence = cand.confidence
            history.rules.append(rule_id)
            history.steps.append(
                f"{cand.code} was treated ({live[0].text!r}), no further treatment and no evidence of disease -> "
                f"personal history {z} (OCG I.C.2.d)"
            )
            cands.append(history)
    return cands


EXCISED_V2 = "ocg.I.C.2.d.excised.v2"
# treatment still directed at the malignancy (I.C.2.d: "no further treatment directed to that site"):
# adjuvant hormone therapy ("currently on anastrozole", "continues tamoxifen"), chemotherapy,
# immunotherapy or radiation being given now -- not one completed ("completed adjuvant chemotherapy")
_ANTINEOPLASTIC = (
    r"(?:tamoxifen|anastrozole|letrozole|exemestane|fulvestrant|raloxifene|toremifene|leuprolide|goserelin|"
    r"degarelix|bicalutamide|enzalutamide|abiraterone|apalutamide|darolutamide|trastuzumab|pertuzumab|"
    r"capecitabine|imatinib|osimertinib|pembrolizumab|nivolumab|palbociclib|ribociclib|abemaciclib|"
    r"(?:adjuvant\s+|maintenance\s+|hormonal\s+|endocrine\s+|androgen[- ]deprivation\s+)?"
    r"(?:hormone\s+therapy|hormonal\s+therapy|endocrine\s+therapy|chemotherapy|chemo|immunotherapy|"
    r"radiation(?:\s+therapy)?|radiotherapy|ADT|aromatase\s+inhibitors?))"
)
_UNDER_TREATMENT = re.compile(
    r"\b(?:(?:currently|now|still)\s+(?:on|receiving|taking|undergoing)|on|"
    r"receiving|undergoing|continues?|continuing|taking|remains\s+on|started\s+on|"
    r"will\s+continue)\s+(?:\w+\s+){0,2}?" + _ANTINEOPLASTIC + r"\b",
    re.IGNORECASE,
)
# long-term drug therapy codes that are antineoplastic treatment (Tabular Z79.81-: agents affecting
# estrogen receptors and levels; Z79.63-: long term (current) use of chemotherapeutic agent)
_TREATMENT_CODES = ("Z79.81", "Z79.63")
# treatment that was ("completed 5 years of tamoxifen", "was on letrozole until 2021")
_DONE_BEFORE = re.compile(
    r"\b(?:completed|finished|stopped|discontinued|was|were|previously|formerly)\W+(?:\w+\W+){0,3}$", re.I
)
_DONE_AFTER = re.compile(r"^[^.;]{0,30}?\b(?:completed|finished|stopped|discontinued|until|ago|ended)\b", re.I)


def _under_treatment(cands: list[Candidate], ctx: Context, cand: Candidate) -> str | None:
    """Words of the note (or a long-term drug code) saying the malignancy is still being treated."""
    for c in cands:
        if c.code.startswith(_TREATMENT_CODES) and any(m.affirmed for m in c.mentions):
            return c.code
    for m in cand.mentions:
        document = ctx.analyzed.document(m.document_id)
        for found in _UNDER_TREATMENT.finditer(document.text):
            assertion = document.assess((found.start(), found.end()))
            if assertion.negated or assertion.hypothetical or assertion.family:
                continue
            start, _ = document.sentence_at(found.start())
            _, end = document.sentence_at(found.start())
            started = found.group(0).lower().startswith("started")
            if (not started and _DONE_BEFORE.search(document.text[start : found.start()])) or _DONE_AFTER.match(
                document.text[found.end() : end]
            ):
                continue  # "completed radiation and was on tamoxifen for 5 years"
            return found.group(0)
    return None


@rule(
    EXCISED_V2,
    "I.C.2.d",
    "a malignancy excised or treated, no further treatment and no evidence of disease: Z85; not while treatment "
    "is still directed at it (adjuvant hormone therapy, chemotherapy, radiation)",
)
def _excised_v2(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.2.d: the history code only when "there is no further treatment directed to that site";
    # a breast cancer excised and irradiated, now on adjuvant anastrozole (Z79.811), is still a
    # current malignancy however the note says "no evidence of disease".
    return _excised_as_history(cands, ctx, EXCISED_V2)


@rule(
    FOLLOW_UP_ID,
    "I.C.2.d, I.C.21.c.8",
    "a follow-up or surveillance visit after completed treatment of a malignancy: Z08 first, with its Z85",
)
def _follow_up(cands: list[Candidate], ctx: Context, spans=None) -> list[Candidate]:
    # I.C.21.c.8: the follow-up codes "explain continuing surveillance following completed treatment
    # of a disease ... They imply that the condition has been fully treated and no longer exists";
    # Z08 "Encounter for follow-up examination after completed treatment for malignant neoplasm",
    # with the Z85 history code (I.C.2.d).  Not while a malignancy is current.
    from medcoder.coding.encounters import reason_spans

    if ctx.setting == "inpatient" or ctx.analyzed is None or any(c.code == "Z08" for c in cands):
        return cands
    history = [c for c in cands if c.code.startswith("Z85")]
    if not history or any(_malignant(c.code) for c in cands):
        return cands
    for document, section, start, end in spans if spans is not None else reason_spans(ctx):
        match = _FOLLOW_UP.search(document.text, start, end)
        if match is None:
            continue
        # the follow-up is the malignancy's: its history stated in the reason, or an oncologic visit
        # ("Oncology follow-up", "surveillance colonoscopy"), not a heart failure follow-up that also
        # lists a skin cancer excised years ago
        about = any(
            m.document_id == document.document_id and start <= m.start < end for h in history for m in h.mentions
        )
        if not about and not _ONCOLOGIC.search(document.text, start, end):
            continue
        mention = Mention(
            document_id=document.document_id,
            start=match.start(),
            end=match.end(),
            text=match.group(0),
            source="index",
            term="follow-up examination after completed treatment for malignant neoplasm",
            score=1.0,
            section=section.name,
            words=len(match.group(0).split()),
            share=1.0,
            ref="Examination -> follow-up (routine) (following) -> malignant neoplasm -> Z08 (OCG I.C.21.c.8)",
        )
        cand = Candidate("Z08", matched={"Z08"}, mentions=[mention])
        cand.confidence = max(fact_confidence(cand), history[0].confidence)
        cand.rules.append(FOLLOW_UP_ID if spans is None else FOLLOW_UP_V2)
        cand.steps.append(
            f"the visit is a {match.group(0)!r} after completed treatment of a malignancy ({history[0].code}) -> Z08, "
            "first-listed (OCG I.C.21.c.8, I.C.2.d)"
        )
        cands.append(cand)
        return cands
    return cands


FOLLOW_UP_V2 = "ocg.I.C.2.d.follow-up.v2"


@rule(
    FOLLOW_UP_V2,
    "I.C.2.d, I.C.21.c.8",
    "a follow-up or surveillance visit after completed treatment of a malignancy: Z08 first, with its Z85 (v2: the "
    "reason read under a title line or on a 'Reason for encounter:' line too)",
)
def _follow_up_v2(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # v2: "FOLLOW-UP VISIT\n6-month surveillance after a right hemicolectomy for ..." -- the title line
    # says follow-up of nothing; the sentence under it is the visit's reason
    if ctx.analyzed is None:
        return cands
    return _follow_up(cands, ctx, visit_reason_spans(ctx))


# --- an encounter for antineoplastic radiation therapy or immunotherapy (I.C.2.e.2) ----------------------------------

THERAPY_ID = "ocg.I.C.2.e.2.therapy.v1"
_RT = (
    r"(?:(?:external[- ]beam|stereotactic(?:\s+body)?|whole[- ]brain|intensity[- ]modulated|proton(?:\s+beam)?|"
    r"palliative|adjuvant|definitive|daily|scheduled|next)\s+)*"
    r"(?:radiation(?:\s+therapy|\s+treatment)?|radiotherapy|IMRT|SBRT|EBRT|XRT)"
)
_IO_DRUG = (
    r"(?:pembrolizumab|nivolumab|atezolizumab|durvalumab|ipilimumab|cemiplimab|avelumab|dostarlimab|tremelimumab|"
    r"Keytruda|Opdivo|Tecentriq|Imfinzi|Yervoy|Libtayo|Bavencio|Jemperli)"
)
# (pattern of the visit's reason, code, Tabular title)
THERAPIES = (
    (
        r"\b(?:fraction|fx|session|treatment)\s*#?\s*\d+(?:\s*(?:of|/)\s*\d+)?\s+(?:of\s+)?(?:(?:his|her|the)\s+)?"
        + _RT
        + r"|\b(?:for|here\s+for|presents\s+for|admitted\s+for|receives?|received)\s+(?:(?:his|her|the)\s+)?"
        + _RT
        + r"(?!\s+(?:planning|simulation|consult\w*|evaluation|oncology))\b"
        + r"|\b"
        + _RT
        + r"\s+(?:fraction|session)\s*#?\s*\d+",
        "Z51.0",
        "Z51.0 Encounter for antineoplastic radiation therapy",
    ),
    (
        r"\b(?:cycle|course|dose|infusion|C)\s*#?\s*\d+(?:\s+of\s+\d+)?\s+(?:of\s+)?(?:\w+\s+){0,3}?"
        r"(?:immunotherapy|" + _IO_DRUG + r")"
        r"|\b(?:for|here\s+for|presents\s+for|admitted\s+for|receives?|received)\s+(?:(?:his|her|the|scheduled|next|"
        r"maintenance)\s+)*(?:\w+\s+){0,2}?(?:immunotherapy|" + _IO_DRUG + r"\s+(?:infusion|dose|cycle))"
        r"|\b(?:immunotherapy|" + _IO_DRUG + r")\s+(?:infusion|cycle|session|treatment|dose)\b",
        "Z51.12",
        "Z51.12 Encounter for antineoplastic immunotherapy",
    ),
)
_THERAPIES = tuple((re.compile(p, re.IGNORECASE), code, title) for p, code, title in THERAPIES)
# not the administration: a consultation or planning visit about it
_NOT_GIVEN = re.compile(
    r"\b(?:consult\w*|evaluat\w*|referr\w*|candidate|discuss\w*|planning|simulation|consider\w*|completed|"
    r"finished|s/p|status\s+post|after)\b[^.;]{0,25}$",
    re.IGNORECASE,
)


def _current_neoplasm(cands: list[Candidate]) -> Candidate | None:
    return next(
        (
            c
            for c in cands
            if c.code.startswith(("C", "D45", "D46", "D47"))
            and any(m.affirmed and not m.historical for m in c.mentions)
        ),
        None,
    )


@rule(
    THERAPY_ID,
    "I.C.2.e.2",
    "a visit solely for antineoplastic radiation therapy or immunotherapy: Z51.0 / Z51.12, the malignancy after it",
)
def _therapy(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.2.e.2: "If a patient admission/encounter is solely for the administration of chemotherapy,
    # immunotherapy or external beam radiation therapy, assign code Z51.0, Z51.11, or Z51.12 as the
    # first-listed or principal diagnosis."  The reason for the visit is the treatment ("fraction 12
    # of 25 of external beam radiation", "here for cycle 6 of pembrolizumab immunotherapy"), given
    # for a malignancy the note documents; not a consultation about it, nor one completed.
    if ctx.analyzed is None:
        return cands
    neoplasm = _current_neoplasm(cands)
    if neoplasm is None:
        return cands
    for document, _section, start, end in visit_reason_spans(ctx):
        for pattern, code, title in _THERAPIES:
            if any(c.code == code for c in cands) or ctx.index.get(code) is None:
                continue
            found = pattern.search(document.text, start, end)
            if found is None:
                continue
            s_start, _ = document.sentence_at(found.start())
            if _NOT_GIVEN.search(document.text[s_start : found.start()]):
                continue
            assertion = document.assess((found.start(), found.end()))
            if assertion.negated or assertion.hypothetical or assertion.family or assertion.historical:
                continue
            mention = matched_mention(document, found, title, f"OCG I.C.2.e.2: {title}, first-listed")
            cands.append(
                rule_candidate(
                    code,
                    mention,
                    THERAPY_ID,
                    f"the visit is for {found.group(0)!r} of {neoplasm.code} -> {code}, first-listed (OCG I.C.2.e.2)",
                )
            )
    return cands


# --- lipoma by site ------------------------------------------------------------------------------------------------

# (pattern, code or limb header, Index: Lipoma -> site classification -> ...)
LIPOMA_SITES = (
    (r"spermatic\s+cord", "D17.6", "spermatic cord D17.6"),
    (r"kidney|renal", "D17.71", "kidney D17.71"),
    (r"intrathoracic|mediastin\w*", "D17.4", "intrathoracic D17.4"),
    (r"intra-?abdominal|mesenter\w*", "D17.5", "intra-abdominal D17.5"),
    (
        r"head|face|facial|neck|scalp|forehead|cheek|temple|chin|nape|eyebrow|brow",
        "D17.0",
        "face / head / neck (skin) (subcutaneous) D17.0",
    ),
    (
        r"(?:upper\s+|lower\s+|mid\s+)?back|trunk|torso|chest\s+wall|abdominal\s+wall|flank|scapula\w*|"
        r"interscapular|paraspinal|buttock|axilla|axillary",
        "D17.1",
        "trunk (skin) (subcutaneous) D17.1",
    ),
    (
        r"(?:upper\s+)?arm|forearm|elbow|wrist|hand|finger|shoulder|deltoid",
        "D17.2:arm",
        "arms (skin) (subcutaneous) D17.2-",
    ),
    (r"leg|thigh|knee|calf|shin|ankle|foot|toe|hip", "D17.2:leg", "legs (skin) (subcutaneous) D17.2-"),
)
_LIPOMA_SITES = tuple(
    (re.compile(rf"\b(?:of|on|over|in|at)\s+(?:the\s+)?(?:(right|left)\s+)?(?:{p})\b", re.IGNORECASE), code, ref)
    for p, code, ref in LIPOMA_SITES
)
_MASS = re.compile(r"\b(?:lipoma|mass|lump|lesion|nodule|swelling|growth|tumor)\b", re.IGNORECASE)


def _lipoma_site(text: str, start: int, end: int) -> tuple[str, str, re.Match] | None:
    for pattern, code, ref in _LIPOMA_SITES:
        match = pattern.search(text, start, end)
        if match is None:
            continue
        if code.startswith("D17.2:"):
            limb = code.split(":")[1]
            side = (match.group(1) or "").lower()
            code = {("arm", "right"): "D17.21", ("arm", "left"): "D17.22", ("leg", "right"): "D17.23"}.get(
                (limb, side), "D17.24" if (limb, side) == ("leg", "left") else "D17.20"
            )
        return code, ref, match
    return None


@rule(LIPOMA_ID, "I.C.2 (Alphabetic Index: Lipoma -> site)", "a lipoma by its site, D17.0-D17.7, not D17.9")
def _lipoma(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # The Index classifies a lipoma by site (head, face and neck D17.0; trunk D17.1; arms and legs
    # D17.2-; intrathoracic D17.4; intra-abdominal D17.5 ...); D17.9 only where no site is given.
    # The site is the lipoma's own ("lipoma of the upper back") or, where the note names one mass,
    # the site of the mass that proved to be the lipoma ("mass of the upper back ... excised;
    # pathology: lipoma").
    if ctx.analyzed is None:
        return cands
    for cand in [c for c in cands if c.code == "D17.9"]:
        live = [m for m in cand.mentions if m.affirmed]
        if not live:
            continue
        m = live[0]
        document = ctx.analyzed.document(m.document_id)
        _, s_end = document.sentence_at(m.start)
        found = _lipoma_site(document.text, m.end, min(s_end, m.end + 60))
        if found is None:
            sites = {}
            for start, end in document.sentences:
                mass = _MASS.search(document.text, start, end)
                if mass is None:
                    continue
                site = _lipoma_site(document.text, mass.end(), min(end, mass.end() + 60))
                if site is not None:
                    sites.setdefault(site[0], site)
            if len(sites) != 1:
                continue
            found = next(iter(sites.values()))
        code, ref, match = found
        if ctx.index.get(code) is None or any(c.code == code for c in cands):
            continue
        cand.code = code
        cand.matched.add(code)
        cand.rules.append(LIPOMA_ID)
        cand.steps.append(f"D17.9 -> {code}: {match.group(0).strip()!r}; Index: Lipoma -> {ref}")
    return cands


# --- treatment directed at the secondary site ----------------------------------------------------------------------

SECONDARY_ID = "ocg.I.C.2.b.v1"
_SECONDARY = ("C77", "C78", "C79")
_DIRECTED = re.compile(
    r"\b(?:admitted|admission|presents?|presented|here|scheduled|referred|seen)\b[^.;]{0,30}?\bfor\b[^.;]{0,20}?"
    r"\b(?:\w+ectomy|resection|excision|ablation|radiofrequency|embolization|chemoembolization|radiation|radiotherapy|"
    r"radiosurgery|stereotactic|irradiation|debulking|surgery|biopsy|stabilization|fixation|management|treatment)\b",
    re.IGNORECASE,
)


@rule(
    SECONDARY_ID,
    "I.C.2.b",
    "treatment directed at the secondary site only: the secondary neoplasm before the primary",
    stage="sequence",
)
def _secondary_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.2.b: "When a patient is admitted because of a primary neoplasm with metastasis and treatment
    # is directed toward the secondary site only, the secondary neoplasm is designated as the principal
    # diagnosis even though the primary malignancy is still present."  The reason for the encounter
    # ("admitted for radiofrequency ablation of liver metastases") names the secondary site and a
    # treatment of it, not the primary.
    if ctx.analyzed is None:
        return ordered
    primaries = [c for c in ordered if _malignant(c.code) and not c.code.startswith(_SECONDARY)]
    if not primaries:
        return ordered
    for secondary in [c for c in ordered if c.code.startswith(_SECONDARY)]:
        for m in secondary.mentions:
            if not m.affirmed or m.historical:
                continue
            document = ctx.analyzed.document(m.document_id)
            start, end = document.sentence_at(m.start)
            directed = _DIRECTED.search(document.text, start, m.start)
            if directed is None:
                continue
            if any(
                document.sentence_at(n.start) == (start, end) and n.document_id == m.document_id
                for p in primaries
                for n in p.mentions
            ):
                continue  # the same statement names the primary: treatment not of the secondary only
            first = min(ordered.index(p) for p in primaries)
            if ordered.index(secondary) < first:
                return ordered
            ordered.remove(secondary)
            ordered.insert(first, secondary)
            secondary.rules.append(SECONDARY_ID)
            secondary.steps.append(
                f"before the primary {ordered[first + 1].code}: the encounter is for treatment of the secondary "
                f"site ({document.text[directed.start() : m.end].strip()!r}) (OCG I.C.2.b)"
            )
            return ordered
    return ordered


# --- pain due to a neoplasm (OCG I.C.6.b.5) ------------------------------------------------------------------------

NEOPLASM_PAIN_ID = "ocg.I.C.6.b.5.neoplasm-pain.v1"
_PAIN_DUE = re.compile(
    r"\b(?:pain|pains)\b[^.;]{0,25}?\b(?:due\s+to|from|secondary\s+to|related\s+to|caused\s+by|associated\s+with|"
    r"because\s+of)\s+(?:(?:her|his|their|the|known|metastatic|widespread)\s+)*",
    re.IGNORECASE,
)


@rule(
    NEOPLASM_PAIN_ID,
    "I.C.6.b.5",
    "pain documented as due to a malignancy or tumor is G89.3, whatever its acuity",
    before="ocg.I.C.6.b.1.pain.v1",
)
def _neoplasm_pain(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.6.b.5: "Code G89.3 is assigned to pain documented as being related, associated or due to
    # cancer, primary or secondary malignancy, or tumor.  This code is assigned regardless of whether
    # the pain is acute or chronic."  First-listed when the encounter is for pain control (the pain
    # sequencing rule, I.C.6.b.1.a), the neoplasm after it.
    if ctx.analyzed is None or any(c.code == "G89.3" for c in cands) or ctx.index.get("G89.3") is None:
        return cands
    tumors = [c for c in cands if c.code.startswith(("C", "D0", "D1", "D2", "D3", "D4"))]
    for tumor in tumors:
        for m in tumor.mentions:
            if not m.affirmed:
                continue
            document = ctx.analyzed.document(m.document_id)
            s_start, _ = document.sentence_at(m.start)
            head = document.text[max(s_start, m.start - 60) : m.start]
            due = next((d for d in _PAIN_DUE.finditer(head) if d.end() == len(head)), None)
            if due is None:
                continue
            start = max(s_start, m.start - 60) + due.start()
            mention = Mention(
                document_id=m.document_id,
                start=start,
                end=m.end,
                text=document.text[start : m.end],
                source="index",
                term="Pain -> neoplasm related (acute) (chronic)",
                score=1.0,
                section=m.section,
                words=len(document.text[start : m.end].split()),
                share=1.0,
                ref="Pain(s) -> neoplasm related (acute) (chronic) -> G89.3 (OCG I.C.6.b.5)",
            )
            # the pain's other codes (chronic pain G89.29, R52) are this pain's: G89.3 whatever its acuity
            for other in [c for c in cands if c.code.startswith(("G89.1", "G89.2", "G89.4", "R52"))]:
                if all(n.document_id == m.document_id and start <= n.start < m.end for n in other.mentions):
                    _drop(cands, ctx, other, NEOPLASM_PAIN_ID, "pain due to the neoplasm: G89.3 (OCG I.C.6.b.5)")
            cand = Candidate("G89.3", matched={"G89.3"}, mentions=[mention])
            cand.confidence = max(fact_confidence(cand), tumor.confidence)
            cand.rules.append(NEOPLASM_PAIN_ID)
            cand.steps.append(f"pain due to {tumor.code} ({m.text!r}) -> G89.3 (OCG I.C.6.b.5)")
            cands.append(cand)
            return cands
    return cands


# --- metastasis wording: "metastases from X" names the primary, "metastatic X cancer to bone" the secondary --------

METASTASIS_ID = "ocg.I.C.2.metastasis-wording.v1"
_FROM = re.compile(r"\b(?:metastas[ie]s|metastatic\s+disease|mets)\s+from\b", re.IGNORECASE)
_TO_BONE = re.compile(r"\b(?:metasta\w*|mets)\b[^.;]{0,40}?\bto\s+(?:the\s+)?(?:bone|bones|skeleton|spine)\b", re.I)


def _to_bone(ctx: Context, m: Mention) -> bool:
    """The bone mention is a metastasis's ("metastatic prostate cancer to bone", "bone metastases from")."""
    document = ctx.analyzed.document(m.document_id)
    s_start, _ = document.sentence_at(m.start)
    text = document.text[max(s_start, m.start - 40) : m.end]
    return bool(_FROM.search(m.text) or _TO_BONE.search(text))


@rule(
    METASTASIS_ID,
    "I.C.2 (Alphabetic Index: Metastasis, metastatic -> from specified site: see Neoplasm, malignant, by site; "
    "to specified site: see Neoplasm, secondary, by site)",
    "'metastases from' a site names the primary; 'metastatic ... to bone' is secondary bone (C79.51), not primary",
)
def _metastasis_wording(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # Index: "Metastasis, metastatic -> from specified site -- see Neoplasm, malignant, by site; to
    # specified site -- see Neoplasm, secondary, by site".  "Bone metastases from adenocarcinoma of
    # the lung": the lung is the primary (C34.-), the bone the secondary site; not a secondary lung
    # code, nor a primary bone code read from "metastases ... bone".
    if ctx.analyzed is None:
        return cands
    secondary_bone = any(c.code == "C79.51" for c in cands)
    for cand in list(cands):
        live = [m for m in cand.mentions if m.affirmed]
        if not live:
            continue
        if cand.code.startswith(("C77", "C78", "C79")) and all(_FROM.search(m.text) for m in live):
            primary = next(
                (
                    c
                    for c in cands
                    if c is not cand
                    and c.code.startswith("C")
                    and not c.code.startswith(("C77", "C78", "C79"))
                    and any(
                        n.document_id == m.document_id and n.start < m.end and m.start < n.end
                        for n in c.mentions
                        for m in live
                    )
                ),
                None,
            )
            if primary is not None:
                _drop(cands, ctx, cand, METASTASIS_ID, f"'metastases from' names the primary site {primary.code}")
        elif cand.code.startswith(("C40", "C41")) and all(_to_bone(ctx, m) for m in live):
            if secondary_bone:
                _drop(cands, ctx, cand, METASTASIS_ID, "metastases to bone: secondary C79.51, not a primary of bone")
                continue
            old = cand.code
            cand.code = "C79.51"
            cand.matched.add("C79.51")
            cand.rules.append(METASTASIS_ID)
            cand.steps.append(f"{old} -> C79.51: {live[0].text!r} is metastasis to bone (Index: Metastasis -> to bone)")
            secondary_bone = True
    return cands


# --- "metastatic pancreatic cancer to the liver": the liver is the secondary site -----------------------------------

METASTASIS_TO_ID = "ocg.I.C.2.metastasis-to-site.v1"
# primary category (or code) of the site -> (Neoplasm Table, Malignant Secondary column of the same
# site; the last character by side for the paired organs: 1 right, 2 left, else unspecified)
SECONDARY_OF = (
    ("C22", "C78.7", None),
    ("C34", "C78.0", "side"),
    ("C71", "C79.31", None),
    ("C70.0", "C79.32", None),
    ("C74", "C79.7", "side"),
    ("C38.4", "C78.2", None),
    ("C48", "C78.6", None),
    ("C17", "C78.4", None),
    ("C18", "C78.5", None),
    ("C19", "C78.5", None),
    ("C20", "C78.5", None),
    ("C64", "C79.0", "side"),
    ("C67", "C79.11", None),
    ("C56", "C79.6", "side"),
    ("C50", "C79.81", None),
    ("C44", "C79.2", None),
)
# the malignancy word carried to a site: "cancer to the liver", "carcinoma metastatic to the lung"
_CARRIED_TO = re.compile(
    r"^(?:\w+\s+){0,3}?(?:cancer|carcinoma|adenocarcinoma|malignancy|melanoma|sarcoma|neoplasm|disease)\s+"
    r"(?:(?:metastatic|metastasized|metastasised|spread)\s+)?(?:to|into)\s+(?:the\s+)?",
    re.IGNORECASE,
)
_SPREAD = re.compile(r"\b(?:metasta\w*|mets|spread)\b", re.IGNORECASE)


def _secondary_of(code: str, ctx: Context) -> str | None:
    for prefix, target, how in SECONDARY_OF:
        if not code.startswith(prefix):
            continue
        if how == "side":
            node = ctx.index.get(code)
            words = node.description.lower() if node is not None else ""
            target += "1" if "right" in words else ("2" if "left" in words else "0")
        return target if ctx.index.get(target) is not None else None
    return None


@rule(
    METASTASIS_TO_ID,
    "I.C.2 (Alphabetic Index: Metastasis, metastatic -> to specified site: see Neoplasm, secondary, by site)",
    "'metastatic <primary> cancer to the liver': the site the cancer spread to is secondary (C78.7), not a primary",
)
def _metastasis_to(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # Index: "Metastasis, metastatic -> to specified site -- see Neoplasm, secondary, by site".  In
    # "metastatic pancreatic cancer to the liver" the liver is where the pancreatic cancer went: C78.7,
    # not a primary liver cancer (C22.9) read from the words "cancer to the liver".  Bone is the
    # metastasis-wording rule's (C79.51).
    if ctx.analyzed is None:
        return cands
    for cand in [c for c in cands if _malignant(c.code) and not c.code.startswith((*_SECONDARY, "C80"))]:
        live = [m for m in cand.mentions if m.affirmed]
        target = _secondary_of(cand.code, ctx)
        if not live or target is None:
            continue
        carried = True
        for m in live:
            document = ctx.analyzed.document(m.document_id)
            start, _ = document.sentence_at(m.start)
            if not (_CARRIED_TO.match(m.text) and _SPREAD.search(document.text, max(start, m.start - 80), m.end)):
                carried = False
                break
        if not carried:
            continue
        existing = next((c for c in cands if c.code == target), None)
        if existing is not None:
            existing.mentions.extend(m for m in cand.mentions if m not in existing.mentions)
            _drop(cands, ctx, cand, METASTASIS_TO_ID, f"{live[0].text!r} is the secondary {target}, already coded")
            continue
        old = cand.code
        cand.code = target
        cand.matched.add(target)
        cand.rules.append(METASTASIS_TO_ID)
        cand.steps.append(
            f"{old} -> {target}: {live[0].text!r} is the site the malignancy spread to (Index: Metastasis -> to "
            "specified site -- see Neoplasm, secondary, by site)"
        )
    return cands


# --- disseminated malignancy, no site known (I.C.2.l) -------------------------------------------------------------

DISSEMINATED_ID = "ocg.I.C.2.l.disseminated.v1"


@rule(
    DISSEMINATED_ID,
    "I.C.2.l",
    "C80.0 (carcinomatosis, disseminated malignancy) only when no primary or secondary site is known; C80.1 not "
    "beside it",
)
def _disseminated(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.2.l.1: "Code C80.0, Disseminated malignant neoplasm, unspecified, is for use only in those
    # cases where the patient has advanced metastatic disease and no known primary or secondary
    # sites are specified."  I.C.2.l.2: C80.1 is for "no determination ... of the primary site".
    # With C80.0 the unknown primary is already said (its inclusion terms: "Generalized cancer,
    # unspecified site (primary) (secondary)"): no C80.1 beside it; with a known site, no C80.0.
    dissem = next((c for c in cands if c.code == "C80.0"), None)
    if dissem is None:
        return cands
    known = [
        c for c in cands if _malignant(c.code) and not c.code.startswith("C80") and any(m.affirmed for m in c.mentions)
    ]
    if known:
        _drop(
            cands,
            ctx,
            dissem,
            DISSEMINATED_ID,
            f"not coded: C80.0 only when no primary or secondary site is known; {known[0].code} is (OCG I.C.2.l.1)",
        )
        return cands
    for nos in [c for c in cands if c.code == "C80.1"]:
        dissem.mentions.extend(m for m in nos.mentions if m not in dissem.mentions)
        _drop(cands, ctx, nos, DISSEMINATED_ID, "not coded: C80.0 already says no site is known (OCG I.C.2.l)")
    return cands


# --- pathological fracture due to a neoplasm (M84.5-) --------------------------------------------------------------

PATHOLOGICAL_ID = "ocg.I.C.13.c.neoplastic-fracture.v1"
PATHOLOGICAL_FIRST_ID = "ocg.I.C.2.c.neoplastic-fracture.sequence.v1"
# traumatic fracture category -> M84.5- subcategory for (right, left, unspecified) side
_PATHOLOGICAL_SITES = (
    ("S72", ("M84.551", "M84.552", "M84.553")),
    ("S42.2", ("M84.521", "M84.522", "M84.529")),
    ("S42.3", ("M84.521", "M84.522", "M84.529")),
    ("S42.4", ("M84.521", "M84.522", "M84.529")),
    ("S82.1", ("M84.561", "M84.562", "M84.569")),
    ("S82.2", ("M84.561", "M84.562", "M84.569")),
    ("S82.3", ("M84.561", "M84.562", "M84.569")),
    ("S82.4", ("M84.563", "M84.564", "M84.569")),
    ("S32.4", ("M84.550", "M84.550", "M84.550")),
    ("S32.5", ("M84.550", "M84.550", "M84.550")),
    ("S32.8", ("M84.550", "M84.550", "M84.550")),
    ("S32.0", ("M84.58X", "M84.58X", "M84.58X")),
    ("S22.0", ("M84.58X", "M84.58X", "M84.58X")),
    ("S12", ("M84.58X", "M84.58X", "M84.58X")),
)
_PATHOLOGIC = re.compile(r"\b(?:pathologic(?:al)?|insufficiency)\b[^.;]{0,40}$", re.IGNORECASE)
_NEOPLASTIC_CAUSE = re.compile(
    r"^[^.;]{0,80}?\b(?:due\s+to|from|secondary\s+to|caused\s+by|through|in|related\s+to)\b", re.IGNORECASE
)


@rule(
    PATHOLOGICAL_ID,
    "I.C.13.c, I.C.19.c.1 (Index: Fracture, pathological -> due to neoplastic disease M84.5-)",
    "a pathological fracture due to a neoplasm is M84.5- by site and side, not the traumatic S code",
)
def _neoplastic_fracture(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # Index: "Fracture, pathological (pathologic) -> due to neoplastic disease NEC M84.50 -> femur
    # M84.55- ...".  A fracture the note calls pathological, in the same sentence as the neoplasm it is
    # due to, is not traumatic (I.C.19.c.1: a fracture not due to trauma is coded to M84.4-M84.6);
    # its 7th character is the episode of care the S code carried.
    if ctx.analyzed is None:
        return cands
    tumors = [c for c in cands if c.code.startswith(("C", "D0", "D3", "D4")) and any(m.affirmed for m in c.mentions)]
    if not tumors:
        return cands
    for cand in [c for c in cands if c.code.startswith(("S72", "S42", "S82", "S32", "S22", "S12"))]:
        site = next((t for prefix, t in _PATHOLOGICAL_SITES if cand.code.startswith(prefix)), None)
        live = [m for m in cand.mentions if m.affirmed]
        if site is None or not live:
            continue
        m = live[0]
        document = ctx.analyzed.document(m.document_id)
        s_start, s_end = document.sentence_at(m.start)
        if not _PATHOLOGIC.search(document.text[max(s_start, m.start - 40) : m.start] + m.text[:20]):
            continue
        cause = next(
            (
                t
                for t in tumors
                for n in t.mentions
                if n.document_id == m.document_id
                and m.end <= n.start < s_end
                and _NEOPLASTIC_CAUSE.match(document.text[m.end : n.start + 1])
            ),
            None,
        )
        if cause is None:
            continue
        words = m.text.lower()
        base = site[0 if "right" in words else (1 if "left" in words else 2)]
        seventh = cand.code[7] if len(cand.code) == 8 and cand.code[7] in "ADGKPS" else "A"
        code = base + seventh
        if ctx.index.get(code) is None:
            continue
        old = cand.code
        cand.code = code
        cand.matched.add(code)
        cand.rules.append(PATHOLOGICAL_ID)
        cand.steps.append(
            f"{old} -> {code}: a pathological fracture due to {cause.code}; Index: Fracture, pathological -> due to "
            "neoplastic disease M84.5- (OCG I.C.19.c.1)"
        )
    return cands


# --- skin carcinoma by site (C44) ----------------------------------------------------------------------------------

SKIN_SITE_ID = "ocg.I.C.2.skin-site.v1"
# (site words, C44 subcategory prefix, how its last digit is chosen): "face" nose 1 / other 9;
# "side" unspecified 1 / right 2 / left 9 (ear, limbs); "trunk" breast 1 / other 9; "" none
SKIN_SITES = (
    (r"nose|nasal\s+(?:tip|ala|bridge|sidewall)|ala|alar", "C44.3", "nose"),
    (r"lip|vermilion", "C44.0", ""),
    (r"ear|auricle|pinna|helix|external\s+(?:auditory\s+)?canal", "C44.2", "side"),
    (r"cheek|forehead|temple|chin|jaw|brow|eyebrow|face|malar|nasolabial\s+fold|preauricular", "C44.3", "other"),
    (r"scalp|neck", "C44.4", ""),
    (r"breast", "C44.5", "breast"),
    (r"back|chest|trunk|abdomen|abdominal\s+wall|flank|buttock|shoulder\s+blade|scapula", "C44.5", "other"),
    (r"(?:upper\s+)?arm|forearm|elbow|wrist|hand|finger|thumb|shoulder", "C44.6", "side"),
    (r"leg|thigh|knee|calf|shin|ankle|foot|toe|hip", "C44.7", "side"),
)
_SKIN_SITES = tuple(
    (
        re.compile(rf"\b(?:of|on|over|at|in)\s+(?:the\s+)?(?:(right|left)\s+)?(?:{p})\b", re.IGNORECASE),
        prefix,
        digit,
    )
    for p, prefix, digit in SKIN_SITES
)
_SKIN_LESION = re.compile(r"\b(?:lesion|lump|nodule|papule|plaque|growth|mass|ulcer|spot|carcinoma)\b", re.I)


def _skin_site(text: str, start: int, end: int, kind: str) -> tuple[str, re.Match] | None:
    for pattern, prefix, how in _SKIN_SITES:
        match = pattern.search(text, start, end)
        if match is None:
            continue
        side = (match.group(1) or "").lower()
        if how == "side":
            last = {"right": "2", "left": "9"}.get(side, "1")
        else:
            last = {"nose": "1", "other": "9", "breast": "1", "": ""}[how]
            if how == "other" and prefix == "C44.5":
                last = "9"
        return f"{prefix}{kind}{last}", match
    return None


@rule(
    SKIN_SITE_ID,
    "I.C.2 (Neoplasm Table: skin, by site -> C44.-)",
    "a basal / squamous cell carcinoma of skin by the site documented, not C44.9-",
)
def _skin_carcinoma_site(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # Neoplasm Table: "skin NOS C44.9-; face C44.30-; nose (external) C44.3-; ear C44.2-; scalp C44.4-;
    # trunk C44.5-; limb, upper C44.6-; lower C44.7-", the type of carcinoma by the 5th character
    # (basal cell 1, squamous cell 2, other specified 9).  The site is the carcinoma's own ("basal
    # cell carcinoma of the left cheek") or, where the note names one lesion site, that of the lesion
    # the pathology proved to be the carcinoma ("excision of lesion of the nose; pathology: BCC").
    if ctx.analyzed is None:
        return cands
    for cand in [c for c in cands if c.code.startswith("C44") and len(c.code) >= 6 and c.code[5] == "0"]:
        # the Table's site row gives the unspecified type: the words name it ("squamous cell carcinoma")
        words = " ".join(
            ctx.analyzed.document(m.document_id).text[max(0, m.start - 15) : m.end] for m in cand.mentions if m.affirmed
        ).lower()
        kind = "1" if "basal cell" in words else ("2" if "squamous cell" in words else None)
        code = cand.code[:5] + kind + cand.code[6:] if kind else None
        if code and cand.code != "C44.90" and ctx.index.get(code) is not None and ctx.index.get(code).billable:
            cand.steps.append(f"{cand.code} -> {code}: {'basal' if kind == '1' else 'squamous'} cell carcinoma")
            cand.code = code
            cand.matched.add(code)
            cand.rules.append(SKIN_SITE_ID)
    for cand in [c for c in cands if c.code in ("C44.90", "C44.91", "C44.92", "C44.99")]:
        live = [m for m in cand.mentions if m.affirmed]
        if not live:
            continue
        kind = cand.code[5]
        m = live[0]
        document = ctx.analyzed.document(m.document_id)
        _, s_end = document.sentence_at(m.start)
        found = _skin_site(document.text, m.end, min(s_end, m.end + 40), kind)
        if found is None:
            sites = {}
            for start, end in document.sentences:
                for lesion in _SKIN_LESION.finditer(document.text, start, end):
                    site = _skin_site(document.text, lesion.end(), min(end, lesion.end() + 40), kind)
                    if site is not None:
                        sites.setdefault(site[0], site)
            if len(sites) != 1:
                continue
            found = next(iter(sites.values()))
        code, match = found
        node = ctx.index.get(code)
        if node is None or not node.billable or any(c.code == code for c in cands):
            continue
        old = cand.code
        cand.code = code
        cand.matched.add(code)
        cand.rules.append(SKIN_SITE_ID)
        cand.steps.append(f"{old} -> {code}: the skin site {match.group(0).strip()!r} (Neoplasm Table: skin, by site)")
    return cands


# --- a metastatic carcinoma found in a lesion of a named site (the secondary site) ---------------------------------

METASTATIC_SITE_ID = "ocg.I.C.2.metastatic-lesion-site.v1"
_METASTATIC = re.compile(
    r"\bmetastatic\s+(?:(?:poorly|moderately|well)[- ]differentiated\s+|squamous\s+cell\s+|small\s+cell\s+|"
    r"neuroendocrine\s+|mucinous\s+|signet[- ]ring\s+(?:cell\s+)?)*"
    r"(?:carcinoma|adenocarcinoma|malignancy|cancer|neoplasm|melanoma)\b",
    re.IGNORECASE,
)
# the same matches as the pattern's own, tried only where one can start (issue 9: speed)
_METASTATIC_SCAN = Prefiltered(_METASTATIC)
# (site words of the lesion, secondary code): Neoplasm Table, Malignant Secondary column
METASTATIC_SITES = (
    (
        r"spine|spinal|vertebra|vertebrae|vertebral|bone|bony|osseous|lytic|blastic|rib|ribs|femur|femoral|pelvis|"
        r"iliac|ilium|sacrum|sacral|skull|humerus|humeral|acetabul\w*|scapula|sternum|[CTL]\d{1,2}",
        "C79.51",
    ),
    (r"liver|hepatic", "C78.7"),
    (r"brain|cerebral|cerebellar|frontal\s+lobe|parietal\s+lobe|temporal\s+lobe|occipital\s+lobe", "C79.31"),
    (r"adrenal", "C79.70"),
    (r"peritoneum|peritoneal|omentum|omental", "C78.6"),
    (r"pleura|pleural", "C78.2"),
)
_METASTATIC_SITES = tuple((re.compile(rf"\b(?:{p})\b", re.IGNORECASE), code) for p, code in METASTATIC_SITES)
_LESION = re.compile(
    r"\b(?:lesion|lesions|mass|masses|nodule|nodules|tumor|biopsy|biopsied|resection|specimen)\b", re.I
)


_PAST_YEAR = re.compile(r"\b(?:in|since)\s+(?:19|20)\d\d\b|\b\d+\s+(?:years?|months?)\s+ago\b", re.IGNORECASE)


@rule(
    METASTATIC_SITE_ID,
    "I.C.2 (Index: Carcinoma -> metastatic -> see Neoplasm, secondary, by site)",
    "'metastatic carcinoma' found in a lesion of a named site: the secondary neoplasm of that site",
)
def _metastatic_lesion(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # Index: "Carcinoma ... metastatic -- see Neoplasm, secondary, by site".  The pathology of a
    # lesion ("biopsy of the lytic lesion of the spine: metastatic carcinoma", "liver mass biopsy
    # shows metastatic adenocarcinoma") places the secondary neoplasm at the lesion's site; the primary
    # is coded from its own wording (C80.1 when the note says it is unknown, I.C.2.l).
    if ctx.analyzed is None or any(c.code.startswith(("C77", "C78", "C79")) for c in cands):
        return cands
    for document in ctx.analyzed.documents:
        for found in _METASTATIC_SCAN.finditer(document.text):
            assertion = document.assess((found.start(), found.end()))
            if assertion.negated or assertion.hypothetical or assertion.family or assertion.uncertain:
                continue
            start, _ = document.sentence_at(found.start())
            if assertion.historical or _PAST_YEAR.search(document.text, start, found.start()):
                continue  # "In 2015 a biopsy of a lytic lesion showed metastatic carcinoma": not current
            head = document.text[start : found.start()]
            lesion = _LESION.search(head)
            if lesion is None:
                continue
            site = next(((p.search(head), code) for p, code in _METASTATIC_SITES if p.search(head)), None)
            if site is None or ctx.index.get(site[1]) is None:
                continue
            match, code = site
            mention = Mention(
                document_id=document.document_id,
                start=found.start(),
                end=found.end(),
                text=found.group(0),
                source="index",
                term="Carcinoma -> metastatic -> see Neoplasm, secondary, by site",
                score=1.0,
                section=document.section_at(found.start()).name,
                words=len(found.group(0).split()),
                share=1.0,
                ref=f"Neoplasm, neoplastic -> {match.group(0)} -> Malignant Secondary -> {code}",
            )
            cand = Candidate(code, matched={code}, mentions=[mention])
            cand.confidence = fact_confidence(cand)
            cand.rules.append(METASTATIC_SITE_ID)
            cand.steps.append(
                f"{found.group(0)!r} in the lesion of {match.group(0)!r} -> secondary {code} (Neoplasm Table)"
            )
            cands.append(cand)
            return cands
    return cands


# --- "metastatic colon cancer": a primary that has spread, not a secondary of the colon ----------------------------

METASTATIC_PRIMARY_ID = "ocg.I.C.2.metastatic-primary.v1"
# "metastatic <site words> <malignancy word>": the malignancy word right after the site makes the
# site the cancer's own (the primary); "metastatic to the colon" / "colon metastasis" is the secondary
_METASTATIC_PRIMARY = re.compile(
    r"\bmetastatic\s+(?:[a-z-]+\s+){0,3}?(?:cancer|carcinoma|adenocarcinoma|malignancy|melanoma|sarcoma)\b",
    re.IGNORECASE,
)
_TO_SITE = re.compile(r"\s+(?:metastatic\s+)?(?:to|in|into|involving)\s+(?:the\s+)?\w", re.IGNORECASE)


@rule(
    METASTATIC_PRIMARY_ID,
    "I.C.2 (Index: Metastasis, metastatic -> from specified site: see Neoplasm, malignant, by site; "
    "C79.9 inclusion term 'Metastatic cancer NOS')",
    "'metastatic <site> cancer' is the primary of that site that has spread (C79.9 when no secondary site is "
    "documented), not a secondary neoplasm of the site",
)
def _metastatic_primary(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # "Metastatic colon cancer", "metastatic prostate cancer": the cancer of the colon (prostate) has
    # metastasised -- the site is the primary's (Index: Metastasis -> from specified site -- see
    # Neoplasm, malignant, by site); only "metastatic to" (or "metastases of") a site is secondary.
    # Where the note names no secondary site, the spread is C79.9 (inclusion term "Metastatic cancer
    # NOS"); where it does ("with metastases to the liver"), that site's code says it all.
    if ctx.analyzed is None:
        return cands
    for cand in [c for c in cands if c.code.startswith(_SECONDARY)]:
        live = [m for m in cand.mentions if m.affirmed]
        if not live:
            continue
        primaries = []
        named = False
        for m in live:
            document = ctx.analyzed.document(m.document_id)
            start, end = document.sentence_at(m.start)
            match = next(
                (
                    x
                    for x in _METASTATIC_PRIMARY.finditer(document.text, start, end)
                    if x.start() <= m.start and m.end <= x.end()
                ),
                None,
            )
            primary = match and next(
                (
                    c
                    for c in cands
                    if _malignant(c.code)
                    and not c.code.startswith(_SECONDARY)
                    and any(
                        n.document_id == m.document_id and match.start() <= n.start < match.end() for n in c.mentions
                    )
                ),
                None,
            )
            if primary is None:
                break
            primaries.append(primary)
            # "metastatic prostate cancer to bone": the sentence names the secondary site
            named |= bool(_TO_SITE.match(document.text, match.end()))
        else:
            others = [c for c in cands if c is not cand and c.code.startswith(_SECONDARY)]
            if others or named or any(c.code == "C79.9" for c in cands):
                _drop(
                    cands,
                    ctx,
                    cand,
                    METASTATIC_PRIMARY_ID,
                    f"not coded: 'metastatic ... cancer' names the primary {primaries[0].code}; the metastases are "
                    f"coded by their site ({', '.join(c.code for c in others) or 'as the note names it'})",
                )
                continue
            old = cand.code
            cand.code = "C79.9"
            cand.matched.add("C79.9")
            cand.rules.append(METASTATIC_PRIMARY_ID)
            cand.steps.append(
                f"{old} -> C79.9: {live[0].text!r} is the primary {primaries[0].code} that has spread, to no "
                "documented site (C79.9 inclusion term 'Metastatic cancer NOS')"
            )
    return cands


# --- one primary: "colon cancer" and "adenocarcinoma of the sigmoid colon" are one malignancy ----------------------

ONE_PRIMARY_ID = "ocg.I.C.2.one-primary-site.v1"
_SEVERAL_PRIMARIES = re.compile(
    r"\b(?:synchronous|metachronous|second\s+primary|two\s+(?:separate\s+)?primar\w*|multiple\s+primar\w*|"
    r"separate\s+primar\w*|multifocal|multicentric|bilateral)\b",
    re.IGNORECASE,
)
_SIDE = re.compile(r"\b(right|left)\b", re.IGNORECASE)


@rule(
    ONE_PRIMARY_ID,
    "I.C.2, I.B.2-3, I.A.9.a (unspecified codes only when nothing more specific is documented)",
    "a malignancy of an unspecified part of a site beside the same site's specified part is one neoplasm: the "
    "specific code",
)
def _one_primary(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # "1. Anemia due to metastatic colon cancer. 2. Adenocarcinoma of the sigmoid colon": one cancer,
    # worded twice -- C18.7, not C18.9 beside it.  The title of C18.9 (C34.90, C50.919 ...) says the
    # part is unspecified; here the note specifies it.  Two primaries of one organ are coded as such
    # only when the note says so ("synchronous", "second primary"), and a right and a left organ are
    # two sites.
    if ctx.analyzed is None:
        return cands
    texts = " ".join(ctx.analyzed.document(m.document_id).text for c in cands for m in c.mentions[:1])
    if _SEVERAL_PRIMARIES.search(texts):
        return cands
    for cand in list(cands):
        if not _malignant(cand.code) or cand.code.startswith((*_SECONDARY, "C80")) or cand not in cands:
            continue
        node = ctx.index.get(cand.code)
        if node is None or "unspecified" not in node.description.lower() or not any(m.affirmed for m in cand.mentions):
            continue
        side = _SIDE.search(node.description)
        for other in cands:
            if other is cand or other.code[:3] != cand.code[:3] or not any(m.affirmed for m in other.mentions):
                continue
            other_node = ctx.index.get(other.code)
            if other_node is None or "unspecified site" in other_node.description.lower():
                continue
            other_side = _SIDE.search(other_node.description)
            if side and other_side and side.group(1).lower() != other_side.group(1).lower():
                continue
            if other_node.description.lower().count("unspecified") >= node.description.lower().count("unspecified"):
                continue
            other.mentions.extend(m for m in cand.mentions if m not in other.mentions)
            other.rules.append(ONE_PRIMARY_ID)
            other.steps.append(f"also documented as {cand.code} in less specific words: one malignancy (OCG I.B.3)")
            _drop(
                cands,
                ctx,
                cand,
                ONE_PRIMARY_ID,
                f"not coded: the same malignancy as {other.code}, whose part of the site the note specifies "
                "(OCG I.B.3, I.A.9.a)",
            )
            break
    return cands
