"""Where in the record a code may come from: the provider's diagnostic statement, read the way a
coder reads a note (OCG III.B, IV.J; issue 9).

A coder codes the conditions the provider documents as diagnoses -- the discharge, postoperative or
final diagnoses, the assessment -- plus the conditions that coexist and affect the care.  A word in
the review of systems, an exam line, a lab value or the narrative of a procedure is not a diagnosis:
"HEART: Without murmur", "the prostate was resected", "re-peritonealized".  These rules say so, each
with its versioned id, so a result's "why not" names them.
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate, Mention
from medcoder.coding.guidelines import Context, _drop, _note_refs, matches_prefix, ref_covers, rule, rules_data

# What the physician states as the encounter's diagnoses (OCG II, IV.A: the diagnostic statement).
STATEMENT_SECTIONS = frozenset(
    {"diagnoses", "admitting_diagnosis", "postoperative_diagnosis", "preoperative_diagnosis", "assessment_plan"}
)
# Findings: the provider's observations and results, not diagnoses (OCG III.B, IV.K-L).
FINDING_SECTIONS = frozenset({"review_of_systems", "physical_exam", "labs", "imaging", "procedures"})
# Narrative where a coder reads conditions that coexist and are cared for (OCG III, IV.J).
NARRATIVE_SECTIONS = frozenset(
    {"chief_complaint", "history_present_illness", "hospital_course", "plan", "operative_findings", "unknown", "other"}
)
# Status and history codes a coder takes from the history, medication, allergy and social sections
# (OCG I.C.21.c.3-4: status, personal history, long-term drug therapy, allergy status; I.C.5.b
# tobacco dependence from the social history).
STATUS_PREFIXES = ("Z", "F17")
# These rules decide which mentions count; they run before the rules that combine, compare or
# remove codes by what else is there (combination codes, integral symptoms, Excludes1), so those
# see only what the record supports.
COMBINING_RULES = "ocg.I.B.9.diabetes"


def _live(cand: Candidate) -> list[Mention]:
    return [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]


@rule(
    "ocg.III.B.findings.v1",
    "III.B, IV.K (abnormal findings are not coded unless the provider documents their significance)",
    "a word in the review of systems, the exam, results or a procedure narrative is not a diagnosis",
    before=COMBINING_RULES,
)
def _findings(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    for cand in list(cands):
        live = _live(cand)
        if live and all(m.section in FINDING_SECTIONS for m in live) and not _refines(cand, live, cands):
            where = sorted({m.section.replace("_", " ") for m in live})
            _drop(
                cands,
                ctx,
                cand,
                "ocg.III.B.findings.v1",
                f"not coded: only in {', '.join(where)} (a finding, not the provider's diagnosis; OCG III.B)",
            )
    return cands


def _refines(cand: Candidate, live: list[Mention], cands: list[Candidate]) -> bool:
    """The finding's wording is a fuller form of a diagnosis the provider states elsewhere in the
    encounter ("gross hematuria" in the review of systems, "Hematuria" in the diagnoses): it gives
    that diagnosis its specificity (OCG I.B.2-3), and the specificity rule keeps one of the two."""
    from medcoder.extract.matcher import normalise_term

    mine = [frozenset(normalise_term(m.text)) for m in live]
    for other in cands:
        if other is cand or other.code[:3] != cand.code[:3]:
            continue
        stated = [m for m in _live(other) if m.section not in FINDING_SECTIONS]
        if any(frozenset(normalise_term(m.text)) < w for m in stated for w in mine):
            return True
    return False


@rule(
    "ocg.IV.J.statement.v1",
    "II, III, IV.I-J (the diagnostic statement and the conditions that affect the encounter)",
    "past history, medication and social-history mentions are coded only as status / history codes, "
    "or when the condition is chronic and cared for",
    before=COMBINING_RULES,
)
def _statement(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # A past medical history line ("PMH: DVT, appendectomy") documents what the patient had, not
    # what this encounter treats.  Chronic conditions coexist and affect care (IV.I-J, III): an
    # inpatient's hypertension or diabetes is coded wherever it is listed.  For an office visit
    # with an assessment, the assessment says which of them the visit addressed (IV.J).
    chronic = tuple(rules_data()["chronic"]["prefixes"])
    has_statement = any(m.section in STATEMENT_SECTIONS for c in cands for m in _live(c))
    for cand in list(cands):
        live = _live(cand)
        if not live or cand.code.startswith(STATUS_PREFIXES):
            continue
        if all(m.section in FINDING_SECTIONS for m in live):
            continue  # findings are ocg.III.B.findings's to judge
        if any(m.section in STATEMENT_SECTIONS or m.section in NARRATIVE_SECTIONS for m in live):
            if ctx.setting == "inpatient" or not has_statement:
                continue
            # outpatient with an assessment: the narrative's conditions are the visit's only when
            # the assessment names them, or they are chronic and current; the chief complaint's
            # symptom is explained by the assessment's diagnosis (IV.D) unless it names none
            if any(m.section in STATEMENT_SECTIONS for m in live):
                continue
            if any(matches_prefix(cand.code, p) for p in chronic) and not all(m.historical for m in live):
                continue
            _drop(
                cands,
                ctx,
                cand,
                "ocg.IV.J.statement.v1",
                "not coded: in the history only, not in the assessment (OCG IV.J: code what the visit addresses)",
            )
            continue
        if (ctx.setting == "inpatient" or not has_statement) and any(matches_prefix(cand.code, p) for p in chronic):
            continue  # chronic conditions in the past history coexist (OCG III, IV.I)
        where = sorted({m.section.replace("_", " ") for m in live})
        _drop(
            cands,
            ctx,
            cand,
            "ocg.IV.J.statement.v1",
            f"not coded: only in {', '.join(where)} (a past or listed condition the encounter does not address)",
        )
    return cands


# Signs and symptoms (chapter 18, R00-R69) and the pain codes of other chapters a note's complaint
# becomes ("back pain" M54.9, "knee pain" M25.56-, "leg pain" M79.60-)
SYMPTOM_PREFIXES = (
    "R0",
    "R1",
    "R2",
    "R3",
    "R4",
    "R50",
    "R51",
    "R52",
    "R53",
    "R54",
    "R55",
    "R56",
    "R57",
    "R58",
    "R59",
    "R6",
    "M54",
    "M25.5",
    "M79.6",
)


def _stated(m: Mention) -> bool:
    return m.section in STATEMENT_SECTIONS and m.share >= 0.5 and not m.historical


_WITH_BEFORE = re.compile(r"\bwith\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
# "presents with back pain": the complaint, not a diagnosis's "with"
_PRESENTS_WITH = re.compile(
    r"\b(?:present\w*|comes?|came|seen|here|complain\w*|report\w*|admitted|arriv\w*|evaluat\w*|patient)\s+"
    r"(?:\w+\s+){0,2}with\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)


def _linked_by_with(ctx: Context, m: Mention) -> bool:
    """Is the mention joined to a diagnosis by "with" in the assessment's statement ("Benign
    prostatic hyperplasia with nocturia")?"""
    if m.section != "assessment_plan" or ctx.analyzed is None:
        return False
    document = ctx.analyzed.document(m.document_id)
    start, _ = document.sentence_at(m.start)
    before = document.text[max(start, m.start - 40) : m.start]
    return bool(_WITH_BEFORE.search(before)) and not _PRESENTS_WITH.search(before)


@rule(
    "ocg.IV.D.symptoms.v1",
    "IV.D, I.B.4-5 (signs and symptoms are not coded when a definitive diagnosis explains them)",
    "an office visit's complaint, when the assessment states the diagnoses and does not list it",
    before=COMBINING_RULES,
)
def _explained_symptoms(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # IV.D: "codes for signs and symptoms ... are acceptable for reporting purposes when a related
    # definitive diagnosis has not been established".  When the assessment states its diagnoses as
    # a list ("Acute lumbar strain.", "Kidney stone.") and a symptom appears only in the complaint,
    # the HPI or the assessment's opening summary ("presents with back pain"), the diagnoses are
    # what the visit found: the symptom is theirs, not a problem of its own.  A symptom the
    # assessment lists as a problem stays (IV.D: no diagnosis established for it).
    if ctx.setting == "inpatient":
        return cands
    diagnosed = [
        c
        for c in cands
        if not c.code.startswith(SYMPTOM_PREFIXES)
        and not c.code.startswith(STATUS_PREFIXES)
        and any(_stated(m) and m.section == "assessment_plan" for m in _live(c))
    ]
    if not diagnosed:
        return cands
    for cand in list(cands):
        live = _live(cand)
        if not live or not cand.code.startswith(SYMPTOM_PREFIXES) or any(_stated(m) for m in live):
            continue
        if any(_linked_by_with(ctx, m) for m in live):
            continue  # "BPH with nocturia": the statement joins them; "with" is the classification's (I.A.15)
        _drop(
            cands,
            ctx,
            cand,
            "ocg.IV.D.symptoms.v1",
            f"not coded: a complaint the assessment's diagnoses ({', '.join(c.code for c in diagnosed[:3])}) "
            "account for; the assessment does not list it (OCG IV.D)",
        )
    return cands


@rule(
    "ocg.IV.M.postoperative.v1",
    "IV.N, II (the postoperative diagnosis is the most definitive)",
    "a preoperative diagnosis the postoperative diagnosis does not repeat is not coded",
    before=COMBINING_RULES,
)
def _postoperative(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # OCG IV.N (ambulatory surgery): when the postoperative diagnosis differs from the preoperative one, the
    # postoperative diagnosis is coded, since it is the most definitive ("acute appendicitis" before,
    # "acute appendicitis with localized peritonitis" after: K35.30, not also K35.80).
    if not any(m.section == "postoperative_diagnosis" for c in cands for m in _live(c)):
        return cands
    for cand in list(cands):
        live = _live(cand)
        if live and all(m.section == "preoperative_diagnosis" for m in live):
            _drop(
                cands,
                ctx,
                cand,
                "ocg.IV.M.postoperative.v1",
                "not coded: only in the preoperative diagnosis; the postoperative diagnosis is the most definitive "
                "(OCG IV.N)",
            )
    return cands


# the words of an operative note that say why the operation was done, before the surgeon knew
_BEFORE_SURGERY = frozenset({"preoperative_diagnosis", "procedures"})
# what the procedure line calls the reason before the pathology is known: a sign or symptom, a lump
# or mass (N63), a neoplasm of uncertain or unspecified behaviour (D48, D49); a condition the
# procedure treats ("2. Repair of umbilical hernia") is coded from it
_PROVISIONAL = ("R", "N63", "D48", "D49")


@rule(
    "ocg.IV.M.postoperative.v2",
    "IV.N, II (the postoperative diagnosis is the most definitive)",
    "a preoperative diagnosis (or the procedure line's reason) the postoperative diagnosis does not repeat is "
    "not coded",
    before=COMBINING_RULES,
)
def _postoperative_v2(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # v2: the procedure line's words for the reason ("Excisional biopsy of the right breast mass")
    # are the preoperative diagnosis too: with a postoperative diagnosis "Fibroadenoma of the right
    # breast", the mass (N63.-) is not coded (v1 dropped only the preoperative diagnosis section's).
    # Only such provisional words: a condition the procedure line names as treated stays.
    if not any(m.section == "postoperative_diagnosis" for c in cands for m in _live(c)):
        return cands
    for cand in list(cands):
        live = _live(cand)
        if not live or not all(m.section in _BEFORE_SURGERY for m in live):
            continue
        preoperative = any(m.section == "preoperative_diagnosis" for m in live)
        if preoperative or cand.code.startswith(_PROVISIONAL):
            where = "preoperative diagnosis" if preoperative else "procedure"
            _drop(
                cands,
                ctx,
                cand,
                "ocg.IV.M.postoperative.v2",
                f"not coded: only in the {where}; the postoperative diagnosis is the most definitive (OCG IV.N)",
            )
    return cands


# --- III.B / IV.J: a condition the record says was not evaluated or treated ------------------------------------

NOT_ADDRESSED_ID = "ocg.III.not-addressed.v1"
_NOT_ADDRESSED = re.compile(
    r"\bnot\s+(?:worked\s+up|addressed|evaluated|investigated|treated|pursued)\b|"
    r"\bno\s+(?:work-?up|evaluation|treatment|intervention)\s+(?:was\s+)?"
    r"(?:done|performed|needed|required|pursued|given|indicated)\b|"
    r"\bdid\s+not\s+require\s+(?:any\s+)?(?:treatment|evaluation|work-?up)\b",
    re.IGNORECASE,
)
# chronic systemic conditions are reported whenever documented (they affect care by their nature):
# hypertension, diabetes, CKD, COPD, asthma, heart failure, atrial fibrillation, obesity
_ALWAYS_REPORTED = ("I10", "I11", "I12", "I13", "I15", "I16", "E08", "E09", "E10", "E11", "E13", "N18", "J44", "J45",
                    "I50", "I48", "E66", "Z")  # fmt: skip


@rule(
    NOT_ADDRESSED_ID,
    "III (reporting additional diagnoses: clinical evaluation, therapeutic treatment, diagnostic procedures, "
    "extended length of stay, increased nursing care), IV.J",
    "a condition the record says was not worked up, addressed or treated is not an additional diagnosis",
)
def _not_addressed(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # OCG III: "For reporting purposes the definition for 'other diagnoses' is interpreted as
    # additional conditions that affect patient care in terms of requiring: clinical evaluation; or
    # therapeutic treatment; or diagnostic procedures; or extended length of hospital stay; or
    # increased nursing care and/or monitoring."  "Incidentally noted mild anemia, not worked up"
    # requires none of them.  Chronic systemic conditions are left alone (they are reported whenever
    # documented), and so is a condition documented elsewhere without such words; "no further
    # work-up needed" says some was done.
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        live = _live(cand)
        if not live or cand.code.startswith(_ALWAYS_REPORTED):
            continue
        quiet = True
        for m in live:
            document = ctx.analyzed.document(m.document_id)
            _, end = document.sentence_at(m.start)
            clause_end = next((i for i in range(m.end, end) if document.text[i] in ";\n"), end)
            if not _NOT_ADDRESSED.search(document.text, m.end, clause_end):
                quiet = False
                break
        if quiet:
            _drop(
                cands,
                ctx,
                cand,
                NOT_ADDRESSED_ID,
                "not coded: the record says it was not worked up or treated; an other diagnosis must affect care "
                "(OCG III, IV.J)",
            )
    return cands


# --- I.A.13: 'use additional code ... if known' asks for the specified type only ------------------------------


def _if_known_refs(ctx: Context, code: str) -> list[str]:
    """The ranges of the code's "use additional code ... if known" notes (R13.11-R13.19)."""
    key = f"if-known:{code}"
    if key not in ctx.cache:
        node = ctx.kb.cm(code, release_id=ctx.index.release_id)  # type: ignore[attr-defined]
        notes = ctx.kb.cm_notes(node) if node else []  # type: ignore[attr-defined]
        ctx.cache[key] = [
            r
            for n in notes
            if n.type == "useAdditionalCode" and "if known" in n.text.lower()
            for r in n.refs
            if "-" in r.strip("-")
        ]
    return ctx.cache[key]


@rule(
    "ocg.I.A.13.if-known.v1",
    "I.A.13 (use additional code ... if known), I.B.4-5",
    "beside a combination code whose 'use additional code' note asks only for the specified types of its "
    "manifestation, the manifestation's unspecified code is not reported",
)
def _if_known(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I69.391 "Dysphagia following cerebral infarction: use additional code to identify the type of
    # dysphagia, if known (R13.11-R13.19)": the combination code says the dysphagia; the note asks
    # for its type, and R13.10 "Dysphagia, unspecified" names none -- it is the same dysphagia again.
    for cand in list(cands):
        if cand not in cands:
            continue
        refs = _if_known_refs(ctx, cand.code)
        if not refs:
            continue
        everything = _note_refs(ctx, cand.code, "useAdditionalCode")
        for other in list(cands):
            if other is cand or any(ref_covers(r, other.code) for r in everything):
                continue
            node = ctx.index.get(other.code)
            if node is None or "unspecified" not in node.description.lower():
                continue
            if not any(other.code[:3] == r.replace(".", "")[:3] for r in refs):
                continue
            _drop(
                cands,
                ctx,
                other,
                "ocg.I.A.13.if-known.v1",
                f"not coded: {cand.code} says this condition; its note asks only for the specified type "
                f"({', '.join(refs)}) (OCG I.A.13)",
            )
    return cands
