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

from medcoder.coding.candidates import Candidate, Mention
from medcoder.coding.features import fact_confidence
from medcoder.coding.guidelines import Context, _drop, rule, rules_data

ANEMIA_ID = "ocg.I.C.2.c.1.v1"
REMISSION_ID = "ocg.I.C.2.n.remission.v1"
EXCISED_ID = "ocg.I.C.2.d.excised.v1"
FOLLOW_UP_ID = "ocg.I.C.2.d.follow-up.v1"
LIPOMA_ID = "ocg.I.C.2.lipoma-site.v1"

_ANEMIA = ("D64.9", "D64.89")
_LINKED = re.compile(
    r"^\W*(?:\w+\W+){0,2}?(?:due\s+to|secondary\s+to|from|of|in|associated\s+with|related\s+to|caused\s+by|with)\b",
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


# --- excised malignancy, follow-up after completed treatment -------------------------------------------------------

_TREATED_FOR = re.compile(
    r"\b(?:after|following|s/p|status\s+post|post|underwent|had|treated\s+with|completed)\b[^.;]{0,60}?"
    r"\b(?:\w*ectomy|resection|excision|excised|resected|surgery|chemotherapy|radiation|radiotherapy|"
    r"ablation|treatment|therapy)\b[^.;]{0,30}?\bfor\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
_NO_DISEASE = re.compile(
    r"\bno\s+(?:\w+\s+)?(?:evidence|signs?)\s+of\s+(?:recurrence|recurrent\s+disease|residual\s+disease|disease|"
    r"malignancy|cancer|recurrent\s+cancer)\b|\bNED\b|\b(?:disease|cancer|tumor)[- ]free\b",
    re.IGNORECASE,
)
_ONCOLOGIC = re.compile(r"\b(?:oncolog\w*|cancer|malignan\w*|tumor|surveillance)\b", re.IGNORECASE)
_FOLLOW_UP = re.compile(r"\bfollow[- ]?up\b|\bsurveillance\b|\bpost-?treatment\s+(?:visit|check)\b", re.IGNORECASE)


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
    s_start, _ = document.sentence_at(m.start)
    return bool(_TREATED_FOR.search(document.text[max(s_start, m.start - 120) : m.start]))


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
    if ctx.analyzed is None:
        return cands
    for cand in [c for c in cands if _malignant(c.code) and not c.code.startswith(("C77", "C78", "C79"))]:
        live = [m for m in cand.mentions if not m.negated and not m.family and not m.hypothetical]
        if not live:
            continue
        document = ctx.analyzed.document(live[0].document_id)
        if not _NO_DISEASE.search(document.text):
            continue
        current = [m for m in live if not m.historical]  # a past mention is the history rule's (I.C.21.c.4)
        if not current or not all(_treated_before(ctx.analyzed.document(m.document_id), m) for m in current):
            continue
        z = _history_code(cand.code, ctx)
        if z is None:
            continue
        _drop(cands, ctx, cand, EXCISED_ID, f"excised / treated, no evidence of disease: history {z} (OCG I.C.2.d)")
        existing = next((c for c in cands if c.code == z), None)
        if existing is None:
            history = Candidate(z, matched={cand.code}, mentions=list(live), features=dict(cand.features))
            history.confidence = cand.confidence
            history.rules.append(EXCISED_ID)
            history.steps.append(
                f"{cand.code} was treated ({live[0].text!r}), no further treatment and no evidence of disease -> "
                f"personal history {z} (OCG I.C.2.d)"
            )
            cands.append(history)
    return cands


@rule(
    FOLLOW_UP_ID,
    "I.C.2.d, I.C.21.c.8",
    "a follow-up or surveillance visit after completed treatment of a malignancy: Z08 first, with its Z85",
)
def _follow_up(cands: list[Candidate], ctx: Context) -> list[Candidate]:
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
    for document, section, start, end in reason_spans(ctx):
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
        cand.rules.append(FOLLOW_UP_ID)
        cand.steps.append(
            f"the visit is a {match.group(0)!r} after completed treatment of a malignancy ({history[0].code}) -> Z08, "
            "first-listed (OCG I.C.21.c.8, I.C.2.d)"
        )
        cands.append(cand)
        return cands
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


# --- treatment directed at the secondary site ------------------------------------------------------------------------

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
