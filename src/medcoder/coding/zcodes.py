"""Chapter 21 Z codes a certified coder reads from the note's own words (OCG I.C.21.c), beside the
encounter reasons of :mod:`medcoder.coding.encounters`:

- screening (I.C.21.c.5): a visit *for* screening is coded Z11-Z13 first-listed, a condition it
  finds after it; the condition screened for is not a diagnosis ("cervical cancer screening" is no
  C53.9);
- immunization (I.C.21.c.2): a vaccine administered at a visit for something else is Z23 as an
  additional code; one the patient or a parent declines is Z28.2- / Z28.82;
- counseling (I.C.21.c.10): tobacco, dietary, alcohol and exercise counseling the provider documents;
- donors (I.C.21.c.9, c.13): evaluating a potential donor is Z00.5, not Z52 (an actual donation);
- social determinants of health (I.C.21.c.17): homelessness, sheltered or not (Z59.01 / Z59.02);
- status (I.C.21.c.3): no status code beside a code that already says it (Z94.1 with T86.2-);
- aftercare of an injury (I.C.21.c.7, I.C.19.a): the injury's code with the 7th character D, no
  aftercare Z code;
- the "first-listed only" Z codes of I.C.21.c.16 sequenced first.
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate, matched_mention
from medcoder.coding.encounters import REASON_ID, opening_sentences, reason_spans
from medcoder.coding.features import rule_candidate
from medcoder.coding.guidelines import Context, _drop, rule

SCREENING_ID = "ocg.I.C.21.c.5.screening.v1"
SCREENED_ID = "ocg.I.C.21.c.5.screened-not-found.v1"
SCREENING_FIRST_ID = "ocg.I.C.21.c.5.sequence.v1"
IMMUNIZATION_ID = "ocg.I.C.21.c.2.given.v1"
COUNSELING_ID = "ocg.I.C.21.c.10.counseling.v1"
DONOR_ID = "ocg.I.C.21.c.9.donor-evaluation.v1"
HOMELESS_ID = "ocg.I.C.21.c.17.homelessness.v1"
STATUS_ID = "ocg.I.C.21.c.3.status-included.v1"
INJURY_AFTERCARE_ID = "ocg.I.C.21.c.7.injury.v1"
FIRST_ONLY_ID = "ocg.I.C.21.c.16.first-listed.v1"


def _live(document, start: int, end: int) -> bool:
    assertion = document.assess((start, end))
    return not (assertion.negated or assertion.hypothetical or assertion.family)


# --- screening (OCG I.C.21.c.5) --------------------------------------------------------------------------------------

# (what is screened for, the Z code of the Tabular title "Encounter for screening for ...")
_TARGETS = (
    (r"colo(?:n|rectal)(?:\s+(?:cancer|carcinoma|neoplasm|malignancy))?|colonoscopy|cologuard|FIT(?:-DNA)?", "Z12.11"),
    (r"(?:cervical|cervix)(?:\s+(?:cancer|carcinoma|neoplasm|malignancy))?|pap(?:\s+(?:smear|test))?", "Z12.4"),
    (r"prostate(?:\s+(?:cancer|carcinoma|neoplasm|malignancy))?|PSA", "Z12.5"),
    (r"lung(?:\s+(?:cancer|carcinoma|neoplasm|malignancy))|low[- ]dose\s+(?:chest\s+)?CT|LDCT", "Z12.2"),
    (r"skin(?:\s+(?:cancer|carcinoma|neoplasm|malignancy))", "Z12.83"),
    (r"mammogra(?:m|phy)", "Z12.31"),
    (r"HIV|human\s+immunodeficiency\s+virus", "Z11.4"),
    (
        r"STDs?|STIs?|sexually\s+transmitted\s+(?:infections?|diseases?)|gonorrh?ea|chlamydia|GC(?:/|\s+and\s+)chlamydia"
        r"|syphilis",
        "Z11.3",
    ),
    (r"hepatitis\s+[BC](?:\s+virus)?|hep\s+[BC]|HCV|HBV", "Z11.59"),
    (r"COVID(?:-19)?|SARS-CoV-2", "Z11.52"),
    (r"diabet(?:es(?:\s+mellitus)?|ic)|(?:blood\s+)?glucose|hemoglobin\s+A1c|A1c", "Z13.1"),
    (r"lipids?|lipid\s+panel|cholesterol|hyperlipidemia|dyslipidemia", "Z13.220"),
    (r"depression", "Z13.31"),
    (r"osteoporosis|bone\s+density|DEXA|DXA", "Z13.820"),
    (r"abdominal\s+aortic\s+aneurysm|AAA", "Z13.6"),
    (r"anemia", "Z13.0"),
)
_TARGET = re.compile(
    "|".join(rf"(?P<t{i}>\b(?:{pattern})\b)" for i, (pattern, _) in enumerate(_TARGETS)), re.IGNORECASE
)
_SCREEN = re.compile(r"\bscreen(?:ing|ed)?\b", re.IGNORECASE)
# "screening for X", "screen for X and Y", "X screening", "X and Y screening", "screening X" (one clause)
_CLAUSE_END = re.compile(r"[.;:\n]|\b(?:but|which|showed|shows|revealed|found|with|due|because)\b", re.IGNORECASE)
# a gynecological examination includes the Pap smear (I.C.21.c.5: "A screening code is not necessary
# if the screening is inherent to a routine examination, such as a pap smear done during a routine
# pelvic examination")
_GYN_EXAM = re.compile(r"\b(?:gyn(?:ecolog\w*)?|pelvic|well[- ]woman)\s+(?:exam|examination|visit)\b", re.I)
_NOT_SCREENING = re.compile(
    r"\b(?:positive|negative|abnormal|results?|due|overdue|declined|refused|up\s+to\s+date|last|previous|prior|"
    r"recommend\w*|discussed|will|plan\w*|schedul\w*|order\w*|refer\w*)\b",
    re.IGNORECASE,
)


def _screened(text: str, start: int, end: int, visit: bool = False) -> list[tuple[re.Match, str]]:
    """(target match, code) of what the screening words in ``text[start:end]`` screen for; with
    ``visit``, only a screening done now (not one due, declined, planned or resulted before)."""
    found = []
    for screen in _SCREEN.finditer(text, start, end):
        if visit and _NOT_SCREENING.search(text, max(start, screen.start() - 40), screen.start()):
            continue
        # after "screening": up to the clause's end; before it: the words back to the clause's start
        after_end = min(end, screen.end() + 60)
        stop = _CLAUSE_END.search(text, screen.end(), after_end)
        after_end = stop.start() if stop else after_end
        before_start = max(start, screen.start() - 50)
        cut = [m.end() for m in _CLAUSE_END.finditer(text, before_start, screen.start())]
        before_start = cut[-1] if cut else before_start
        for window_start, window_end in ((screen.end(), after_end), (before_start, screen.start())):
            for target in _TARGET.finditer(text, window_start, window_end):
                index = int(next(k for k, v in target.groupdict().items() if v is not None)[1:])
                found.append((target, _TARGETS[index][1]))
    return found


def _screening_spans(ctx: Context) -> list[tuple[object, int, int]]:
    """Where a visit's screening reason is written: the reason spans, the opening sentence of a
    procedure or examination header ("PROCEDURE: Screening colonoscopy.", "EXAM: Screening
    mammogram.")."""
    spans = [(document, start, end) for document, _, start, end in reason_spans(ctx)]
    for document in getattr(ctx.analyzed, "documents", []):
        for i, section in enumerate(document.sections):
            if section.name == "procedures" or (section.name == "physical_exam" and i == 0):
                spans.extend((document, start, end) for start, end in opening_sentences(document, section, 1))
    return spans


@rule(SCREENING_ID, "I.C.21.c.5", "a visit for screening: the Z11-Z13 screening code of what is screened for")
def _screening(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.21.c.5: "Screening is the testing for disease or disease precursors in seemingly well
    # individuals so that early detection and treatment can be provided for those who test positive
    # for the disease."  The visit's reason says screening and what for; the Tabular title of
    # Z11-Z13 names it.  A plan or a reminder ("due for colon cancer screening") is no encounter
    # for it.
    if ctx.analyzed is None or ctx.setting == "inpatient":
        return cands
    for document, start, end in _screening_spans(ctx):
        for target, code in _screened(document.text, start, end, visit=True):
            if code == "Z12.4" and (_GYN_EXAM.search(document.text) or any(c.code.startswith("Z01.41") for c in cands)):
                continue
            if ctx.index.get(code) is None or not _live(document, target.start(), target.end()):
                continue
            existing = next((c for c in cands if c.code == code), None)
            if existing is not None:
                if SCREENING_ID not in existing.rules:
                    existing.rules.append(SCREENING_ID)
                    existing.steps.append("the visit is for this screening (OCG I.C.21.c.5)")
                continue
            ref = f"{code} {ctx.index.get(code).description} (OCG I.C.21.c.5)"
            mention = matched_mention(document, target, f"Screening (for) -> {target.group(0).lower()}", ref)
            cands.append(
                rule_candidate(
                    code, mention, SCREENING_ID, f"the visit is a screening for {target.group(0)!r} -> {code}"
                )
            )
    return cands


@rule(
    SCREENED_ID,
    "I.C.21.c.5",
    "the condition a screening looks for is not diagnosed by the screening's name",
    before="ocg.I.B.3.specificity",
)
def _screened_not_found(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # "Cervical cancer screening", "screening for diabetes": the condition is what is looked for, not
    # a finding (I.C.21.c.5; I.B.1: code what is documented as present).  A condition's code whose
    # every mention is the object of screening words is not reported.
    if ctx.analyzed is None:
        return cands
    spans: dict[str, list[tuple[int, int]]] = {}
    for document in ctx.analyzed.documents:
        spans[document.document_id] = [(t.start(), t.end()) for t, _ in _screened(document.text, 0, len(document.text))]
    for cand in list(cands):
        if cand.code.startswith("Z"):
            continue
        live = [m for m in cand.mentions if not m.negated]
        if live and all(
            any(s <= m.start < e or m.start <= s < m.end for s, e in spans.get(m.document_id, [])) for m in live
        ):
            _drop(cands, ctx, cand, SCREENED_ID, "what a screening looks for, not a finding (OCG I.C.21.c.5)")
    return cands


PLANNED_ID = "ocg.I.C.21.c.5.planned.v1"
_PLANNED = re.compile(
    r"\b(?:due|overdue|will|plan\w*|schedul\w*|order\w*|refer\w*|recommend\w*|discuss\w*|declin\w*|refus\w*|"
    r"consider\w*|next\s+(?:year|visit)|up\s+to\s+date)\b",
    re.IGNORECASE,
)


@rule(PLANNED_ID, "I.C.21.c.5", "a screening the note plans or says is due is no encounter for screening (Z11-Z13)")
def _screening_planned(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # The screening codes are for an "encounter for screening" (Z11-Z13 titles, I.C.21.c.5); one the
    # plan orders, schedules or says is due ("due for colon cancer screening; will schedule") is done
    # at another encounter.
    if ctx.analyzed is None:
        return cands
    for cand in [c for c in cands if c.code.startswith(("Z11", "Z12", "Z13"))]:
        if SCREENING_ID in cand.rules or REASON_ID in cand.rules or not cand.mentions:
            continue
        planned = []
        for m in cand.mentions:
            document = ctx.analyzed.document(m.document_id)
            start, _ = document.sentence_at(m.start)
            planned.append(bool(_PLANNED.search(document.text, max(start, m.start - 60), m.start)))
        if all(planned):
            _drop(
                cands, ctx, cand, PLANNED_ID, "a screening planned or due, not done at this encounter (OCG I.C.21.c.5)"
            )
    return cands


@rule(
    SCREENING_FIRST_ID,
    "I.C.21.c.5, IV",
    "the screening the visit is for first-listed, a condition it found after it",
    stage="sequence",
)
def _screening_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.21.c.5: "Should a condition be discovered during the screening then the code for the
    # condition may be assigned as an additional diagnosis."
    screenings = [c for c in ordered if SCREENING_ID in c.rules or (REASON_ID in c.rules and c.code.startswith("Z12"))]
    if not screenings or ordered[0] in screenings:
        return ordered
    for screening in reversed(screenings):
        ordered.remove(screening)
        ordered.insert(0, screening)
    screenings[0].rules.append(SCREENING_FIRST_ID)
    screenings[0].steps.append("first-listed: the screening the visit is for (OCG I.C.21.c.5)")
    return ordered


# --- immunization given or declined (OCG I.C.21.c.2, Z28) --------------------------------------------------------

_VACCINE = (
    r"(?:(?:influenza|flu|pneumococcal|PCV\d*|PPSV\d*|Prevnar|Pneumovax|tetanus|Tdap|Td|DTaP|MMR|MMRV|varicella|"
    r"zoster|shingles|Shingrix|HPV|Gardasil|hepatitis\s+[AB]|hep\s+[AB]|meningococcal|MenACWY|MenB|polio|IPV|Hib|"
    r"rotavirus|RSV|COVID(?:-19)?|mRNA|routine|childhood|\d+[- ](?:month|year))[- ]?)*"
    r"(?:vaccines?|vaccinations?|immunizations?|shots?|booster)"
    r"|\b(?:Tdap|Td|DTaP|MMR|Shingrix|Prevnar\s*\d*|Pneumovax|Gardasil|Arexvy|Abrysvo)\b"
)
_GIVEN = re.compile(
    rf"\b(?P<v1>{_VACCINE})\b(?:\s*(?:,|and|&)\s*[\w-]+(?:\s+vaccines?)?)*(?:\s*(?:#\s*\d+|\d+(?:st|nd|rd|th)\s+dose|dose\s*\d*|\([^)]*\)))*\s+(?:was\s+|were\s+)?"
    rf"(?:given|administered)\b(?!\s+(?:in|on)\s+(?:\d|19|20|last|january|february|march|april|may|june|july|"
    rf"august|september|october|november|december))"
    rf"|\b(?:administered|gave|given)\s+(?:(?:the|her|his|their|an?|first|second|third|\d+(?:st|nd|rd|th)|dose\s+of|"
    rf"today'?s?)\s+)*(?P<v2>{_VACCINE})\b",
    re.IGNORECASE,
)
_NOT_GIVEN = re.compile(
    r"\b(?:declin\w*|refus\w*|defer\w*|will|plan\w*|next\s+(?:visit|time)|recommend\w*|offered|due|previously|"
    r"history|up\s+to\s+date|UTD|last\s+(?:year|season|fall)|prior|not|never|ago|in\s+(?:19|20)\d\d|(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_DECLINED = re.compile(
    rf"\b(?:declin(?:ed|es)|refus(?:ed|es))\s+(?:(?:the|her|his|their|an?|this\s+year'?s?|today'?s?)\s+)*"
    rf"(?:{_VACCINE})\b|\b(?:{_VACCINE})\b\s*(?::|-)?\s*(?:was\s+)?(?:declined|refused)\b",
    re.IGNORECASE,
)
_CAREGIVER = re.compile(r"\b(?:parents?|mother|mom|father|dad|guardian|caregiver|family)\b", re.IGNORECASE)


@rule(
    IMMUNIZATION_ID,
    "I.C.21.c.2 (Z23; Z28.2- / Z28.82 immunization not carried out)",
    "a vaccine given at the visit is Z23 (additional when the visit is for something else); one declined Z28",
)
def _immunization(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.21.c.2: "Code Z23 is for encounters for inoculations and vaccinations ... Code Z23 may be
    # used as a secondary code if the inoculation is given as a routine part of preventive health
    # care"; the note says the vaccine was given or administered (not planned, due, up to date or
    # given before).  Index: Immunization -> not done (not carried out) -> because (of) -> patient
    # refusal Z28.21; caregiver refusal Z28.82.
    if ctx.analyzed is None or ctx.setting == "inpatient":
        return cands
    for document in ctx.analyzed.documents:
        for match in _GIVEN.finditer(document.text):
            start, end = document.sentence_at(match.start())
            cut = [m.end() for m in re.finditer(r"[;,]", document.text[start : match.start()])]
            start += cut[-1] if cut else 0
            stop = re.search(r"[;,]", document.text[match.end() : end])
            clause = document.text[start : match.end() + stop.start() if stop else end]
            if _NOT_GIVEN.search(clause) or not _live(document, match.start(), match.end()):
                continue
            if any(c.code == "Z23" for c in cands) or ctx.index.get("Z23") is None:
                break
            mention = matched_mention(
                document, match, "Vaccination -> encounter for", "Immunization -> encounter for -> Z23 (OCG I.C.21.c.2)"
            )
            cands.append(rule_candidate("Z23", mention, IMMUNIZATION_ID, f"{match.group(0)!r} at the visit -> Z23"))
            break
        for match in _DECLINED.finditer(document.text):
            if any(c.code.startswith("Z28") for c in cands):
                break
            start, _ = document.sentence_at(match.start())
            code = "Z28.82" if _CAREGIVER.search(document.text, start, match.start()) else "Z28.21"
            if ctx.index.get(code) is None:
                break
            mention = matched_mention(
                document,
                match,
                "Immunization -> not done -> because (of) -> "
                + ("caregiver refusal" if code == "Z28.82" else "refusal"),
                f"Immunization -> not done (not carried out) -> because (of) -> {code} "
                f"{ctx.index.get(code).description}",
            )
            cands.append(rule_candidate(code, mention, IMMUNIZATION_ID, f"{match.group(0)!r} -> {code}"))
            break
    return cands


# --- counseling (OCG I.C.21.c.10) --------------------------------------------------------------------------------

_COUNSELED = (
    r"(?:counsel(?:l?ed|l?ing)|advised|educated|education\s+provided)\s+(?:\w+\s+){0,4}?"
    r"(?:on|about|regarding|re:?|for)\s+(?:\w+\s+){0,3}?"
)
# (what the counseling is about, the code, the codes the counseling goes with: the patient's use)
_COUNSELING = (
    (
        rf"\b{_COUNSELED}(?:smoking|tobacco|cigarettes?|vaping|nicotine)\b"
        r"|\b(?:smoking|tobacco)\s+cessation\s+(?:counsel(?:l?ing|l?ed)|was\s+discussed|discussed)\b",
        "Z71.6",
        ("F17.2", "Z72.0", "O99.33"),
        "Counseling -> tobacco use Z71.6",
    ),
    (
        rf"\b{_COUNSELED}(?:alcohol|drinking)\b|\balcohol\s+(?:cessation\s+)?counsel(?:l?ing|l?ed)\b",
        "Z71.41",
        ("F10.1", "F10.2"),
        "Counseling -> alcohol abuser Z71.41",
    ),
    (
        r"\b(?:dietary|diet|nutrition(?:al)?)\s+counsel(?:l?ing|l?ed)\b|\bcounsel(?:l?ed|l?ing)\s+(?:\w+\s+){0,4}?"
        r"(?:on|about|regarding)\s+(?:\w+\s+){0,3}?(?:diet|dietary|nutrition)\b",
        "Z71.3",
        ("E66", "E78", "E11", "E13", "I10", "R63.5", "E88.81", "K76.0", "Z68"),
        "Counseling -> dietary Z71.3",
    ),
    (
        r"\bexercise\s+counsel(?:l?ing|l?ed)\b|\bcounsel(?:l?ed|l?ing)\s+(?:\w+\s+){0,4}?(?:on|about|regarding)\s+"
        r"(?:\w+\s+){0,3}?(?:exercise|physical\s+activity)\b",
        "Z71.82",
        ("E66", "E78", "E11", "E13", "I10", "R63.5", "E88.81", "K76.0", "Z68"),
        "Counseling -> exercise Z71.82",
    ),
)
_COUNSELING_PATTERNS = tuple((re.compile(p, re.IGNORECASE), c, w, ref) for p, c, w, ref in _COUNSELING)
_NOT_DONE = re.compile(r"\b(?:will|plan\w*|next\s+visit|declined|refused|not\s+interested|consider)\b", re.I)


@rule(COUNSELING_ID, "I.C.21.c.10", "counseling the provider documents giving (tobacco, alcohol, diet, exercise): Z71")
def _counseling(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.21.c.10: "Counseling Z codes are used when a patient or family member receives assistance
    # in the aftermath of an illness or injury, or when support is required in coping with family or
    # social problems."  Z71.6 (tobacco), Z71.41 (alcohol, with the alcohol use disorder), Z71.3
    # (dietary) and Z71.82 (exercise) with the condition the counseling addresses; counseling given
    # at the visit, not planned or declined.
    if ctx.analyzed is None:
        return cands
    for pattern, code, with_codes, ref in _COUNSELING_PATTERNS:
        if any(c.code == code for c in cands) or not any(c.code.startswith(with_codes) for c in cands):
            continue
        for document in ctx.analyzed.documents:
            match = next(
                (
                    m
                    for m in pattern.finditer(document.text)
                    if not _NOT_DONE.search(document.text, *document.sentence_at(m.start()))
                    and _live(document, m.start(), m.end())
                ),
                None,
            )
            if match is None or ctx.index.get(code) is None:
                continue
            mention = matched_mention(document, match, ref.rsplit(" ", 1)[0], f"{ref} (OCG I.C.21.c.10)")
            cands.append(rule_candidate(code, mention, COUNSELING_ID, f"{match.group(0)!r} -> {code}"))
            break
    return cands


# --- donors (OCG I.C.21.c.9, I.C.21.c.13) -------------------------------------------------------------------------

_DONOR_EVALUATION = re.compile(
    r"\b(?:evaluation|evaluated|work-?up|screening|assessment|testing|examination)\s+(?:as\s+|for\s+)?(?:an?\s+)?"
    r"(?:potential\s+|prospective\s+|possible\s+)?(?:living\s+)?(?:related\s+|unrelated\s+)?"
    r"(?:(?:kidney|renal|liver|bone\s+marrow|stem\s+cell|organ)\s+)?donor\b"
    r"|\b(?:potential|prospective)\s+(?:living\s+)?(?:(?:kidney|renal|liver|bone\s+marrow|stem\s+cell|organ)\s+)?donor\b"
    r"|\bdonor\s+(?:evaluation|work-?up|screening)\b",
    re.IGNORECASE,
)


@rule(DONOR_ID, "I.C.21.c.9, I.C.21.c.13", "a potential donor's evaluation is Z00.5, not the Z52 donor code")
def _donor_evaluation(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.21.c.9: Z52 codes "are used for living individuals who are donating blood or other body
    # tissue"; the examination of a potential donor is Z00.5 (Encounter for examination of
    # potential donor of organ and tissue), a routine examination of I.C.21.c.13, first-listed.
    if ctx.analyzed is None or ctx.setting == "inpatient" or any(c.code == "Z00.5" for c in cands):
        return cands
    for document, _, start, end in reason_spans(ctx):
        match = _DONOR_EVALUATION.search(document.text, start, end)
        if match is None or not _live(document, match.start(), match.end()) or ctx.index.get("Z00.5") is None:
            continue
        for cand in [c for c in cands if c.code.startswith("Z52")]:
            _drop(cands, ctx, cand, DONOR_ID, "a potential donor evaluated, not donating: Z00.5 (OCG I.C.21.c.9)")
        mention = matched_mention(
            document,
            match,
            "Examination -> donor (potential)",
            "Examination -> donor (potential) -> Z00.5 (OCG I.C.21.c.9, I.C.21.c.13)",
        )
        cands.append(rule_candidate("Z00.5", mention, DONOR_ID, f"{match.group(0)!r} -> Z00.5"))
        return cands
    return cands


# --- homelessness (OCG I.C.21.c.17) ---------------------------------------------------------------------------------

_SHELTERED = re.compile(
    r"\b(?:(?:homeless|emergency|family|women'?s|domestic\s+violence)\s+shelter|(?:stays?|staying|lives?|living|resides?|"
    r"residing|sleeps?|sleeping)\s+(?:\w+\s+){0,2}(?:at|in)\s+(?:an?\s+|the\s+)?(?:\w+\s+)?shelter|transitional\s+housing|"
    r"sheltered\s+homeless\w*)\b",
    re.IGNORECASE,
)
_UNSHELTERED = re.compile(
    r"\b(?:(?:lives?|living|sleeps?|sleeping|stays?|staying|resides?|residing)\s+(?:\w+\s+){0,2}"
    r"(?:in\s+(?:(?:his|her|their|a|an|the)\s+)?(?:car|vehicle|van|truck|tent|encampment|park|abandoned\s+building)|"
    r"on\s+the\s+streets?|outside|outdoors|under\s+(?:a|the)\s+bridge)|unsheltered(?:\s+homeless\w*)?|street\s+homeless\w*)\b",
    re.IGNORECASE,
)


@rule(HOMELESS_ID, "I.C.21.c.17", "homelessness the note says is sheltered or unsheltered: Z59.01 / Z59.02")
def _homelessness(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.21.c.17 (SDOH from any clinician); Tabular Z59.01 Sheltered homelessness ("doubled up,
    # living in a shelter such as motel, scattered site housing, temporary or transitional living
    # situation"), Z59.02 Unsheltered homelessness ("residing in place not meant for human
    # habitation such as cars, parks, sidewalk, abandoned buildings").
    if ctx.analyzed is None:
        return cands
    homeless = next((c for c in cands if c.code == "Z59.00"), None)
    if homeless is None:
        return cands
    for document in ctx.analyzed.documents:
        for pattern, code, kind in ((_UNSHELTERED, "Z59.02", "unsheltered"), (_SHELTERED, "Z59.01", "sheltered")):
            match = next((m for m in pattern.finditer(document.text) if _live(document, m.start(), m.end())), None)
            if match is None or ctx.index.get(code) is None:
                continue
            if document.assess((match.start(), match.end())).historical:
                continue
            _drop(cands, ctx, homeless, HOMELESS_ID, f"{match.group(0)!r}: {kind} homelessness {code}")
            if any(c.code == code for c in cands):
                return cands
            mention = matched_mention(
                document, match, f"Homelessness -> {kind}", f"Homelessness -> {kind} -> {code} (OCG I.C.21.c.17)"
            )
            cands.append(rule_candidate(code, mention, HOMELESS_ID, f"{match.group(0)!r} -> {kind} {code}"))
            return cands
    return cands


# --- status codes a diagnosis code already includes (OCG I.C.21.c.3) ------------------------------------------------

# (status code prefix, the diagnosis code prefixes that already say it)
_STATUS_INCLUDED = (
    ("Z94.0", ("T86.1",)),
    ("Z94.1", ("T86.2",)),
    ("Z94.2", ("T86.81",)),
    ("Z94.3", ("T86.3",)),
    ("Z94.4", ("T86.4",)),
    ("Z94.5", ("T86.82",)),
    ("Z94.7", ("T86.84",)),
    ("Z94.81", ("T86.0",)),
    ("Z94.84", ("T86.5",)),
    ("Z93.0", ("J95.0",)),
    ("Z93.1", ("K94.2",)),
    ("Z93.2", ("K94.1",)),
    ("Z93.3", ("K94.0",)),
    ("Z93.5", ("N99.51",)),
    ("Z95.0", ("T82.1",)),
    ("Z95.810", ("T82.1",)),
)


@rule(
    STATUS_ID,
    "I.C.21.c.3",
    "a status code is not used with a diagnosis code that includes it (Z94.1 with T86.2-, Z93.- with its stoma's)",
)
def _status_included(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.21.c.3: "A status code should not be used with a diagnosis code from one of the body
    # system chapters, if the diagnosis code includes the information provided by the status code.
    # For example, code Z94.1, Heart transplant status, should not be used with a code from
    # subcategory T86.2, Complications of heart transplant."
    for status, included in _STATUS_INCLUDED:
        holder = next((c for c in cands if c.code.startswith(included)), None)
        if holder is None:
            continue
        for cand in [c for c in cands if c.code.startswith(status)]:
            _drop(cands, ctx, cand, STATUS_ID, f"{holder.code} already says {cand.code}'s status (OCG I.C.21.c.3)")
    return cands


# --- aftercare of an injury (OCG I.C.21.c.7, I.C.19.a) ------------------------------------------------------------

_AFTERCARE_VISIT = re.compile(
    r"\bfollow[- ]?up\b|\bre-?check\b|\bcast\s+(?:change|removal|check)\b"
    r"|\b(?:pin|hardware|suture|staple|splint|cast)s?\s+removal\b|\bremov(?:al|e)\s+(?:of\s+)?(?:the\s+)?(?:cast|pins?|sutures|stitches|staples|hardware|external\s+fixator)\b"
    r"|\bpost-?op(?:erative)?\s+(?:visit|check)\b|\bwound\s+check\b|\bcheck\s+(?:the\s+)?healing\b",
    re.IGNORECASE,
)
_TREATED_BEFORE = re.compile(
    r"\b(?:ago|previously|last\s+(?:week|month)|s/p|status\s+post|treated\s+(?:with|by|in)|underwent|healing|healed|"
    r"placed|repaired|reduced|splinted|casted|sutured|closed\s+with|seen\s+in\s+the\s+(?:ED|ER|emergency))\b",
    re.IGNORECASE,
)
_ACTIVE_TODAY = re.compile(
    r"\b(?:ORIF|open\s+reduction|closed\s+reduction|surgery|surgical\s+repair|manipulation)\b[^.;]{0,40}"
    r"\b(?:today|scheduled|planned|tomorrow|indicated|recommended)\b|\b(?:displaced|worsen\w*|infected|infection|"
    r"dehiscence|nonunion|non-union|malunion|delayed\s+(?:union|healing))\b",
    re.IGNORECASE,
)
# 7th characters of the initial encounter -> the subsequent encounter for routine healing
_SUBSEQUENT = {"A": "D", "B": "E", "C": "F"}
_OPERATION = re.compile(r"\b\w+(?:ectomy|otomy|plasty|pexy)\b|\bsurgery\b|\bORIF\b|\bfixation\b", re.IGNORECASE)


def _is_injury(code: str) -> bool:
    return code.startswith("S") or code[:3] in {f"T{n}" for n in range(20, 35)}


@rule(
    INJURY_AFTERCARE_ID,
    "I.C.21.c.7, I.C.19.a",
    "aftercare of an injury: the injury's code with the 7th character D, not an aftercare Z code",
)
def _injury_aftercare(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.21.c.7: "The aftercare Z codes should not be used for aftercare for injuries.  For
    # aftercare of an injury, assign the acute injury code with the 7th character 'D' (subsequent
    # encounter)."  I.C.19.a: 7th character D for "encounters after the patient has completed active
    # treatment ... cast change or removal, x-ray to check healing status of fracture, removal of
    # external or internal fixation device ... other aftercare and follow up visits following
    # treatment of the injury".  The visit's reason says the aftercare, the note that the injury was
    # treated before; not when the visit treats it actively (a reduction today, a complication).
    if ctx.analyzed is None or ctx.setting == "inpatient":
        return cands
    spans = [
        (document, start, end)
        for document, _, start, end in reason_spans(ctx)
        if _AFTERCARE_VISIT.search(document.text, start, end)
    ]
    if not spans:
        return cands
    documents = {document.document_id: document for document, _, _ in spans}
    active = [(d, m) for d in documents.values() for m in _ACTIVE_TODAY.finditer(d.text)]
    if any(_live(d, m.start(), m.end()) for d, m in active) or not any(
        _TREATED_BEFORE.search(d.text) for d in documents.values()
    ):
        return cands
    changed = []
    for cand in list(cands):
        if not _is_injury(cand.code) or cand.code[-1] not in _SUBSEQUENT:
            continue
        live = [m for m in cand.mentions if m.affirmed and m.document_id in documents]
        if not live or not any(
            any(m.document_id == d.document_id and s <= m.start < e for d, s, e in spans) for m in live
        ):
            continue
        code = cand.code[:-1] + _SUBSEQUENT[cand.code[-1]]
        if ctx.index.get(code) is None or any(c.code == code for c in cands):
            continue
        new = Candidate(code, matched=set(cand.matched) | {code}, mentions=list(cand.mentions))
        new.confidence = cand.confidence
        new.rules = [*cand.rules, INJURY_AFTERCARE_ID]
        new.steps = [*cand.steps, f"aftercare of the injury: 7th character D, {cand.code} -> {code} (OCG I.C.21.c.7)"]
        _drop(cands, ctx, cand, INJURY_AFTERCARE_ID, f"aftercare of the injury: {code} (OCG I.C.21.c.7, I.C.19.a)")
        cands.append(new)
        changed.append(code)
    subsequent = changed or [c.code for c in cands if _is_injury(c.code) and c.code[-1] in "DEF"]
    if subsequent and not any(_OPERATION.search(d.text) for d in documents.values()):
        for cand in [c for c in cands if c.code.startswith(("Z48.0", "Z48.8", "Z09", "Z47.89"))]:
            _drop(cands, ctx, cand, INJURY_AFTERCARE_ID, "no aftercare Z code for an injury (OCG I.C.21.c.7)")
    return cands


# --- "first-listed only" Z codes (OCG I.C.21.c.16) -------------------------------------------------------------------

# I.C.21.c.16 "Z Codes That May Only be Principal/First-Listed Diagnosis" (Z00 except Z00.6, Z01,
# Z02 except Z02.9, Z03, Z04, Z31.81, Z31.83, Z31.84, Z33.2, Z34, Z38, Z39, Z40, Z42, Z51.0, Z51.1-,
# Z52 except Z52.9, Z76.1, Z76.2, Z99.12)
FIRST_ONLY = ("Z00", "Z01", "Z02", "Z03", "Z04", "Z31.81", "Z31.83", "Z31.84", "Z33.2", "Z34", "Z38", "Z39", "Z40")
FIRST_ONLY += ("Z42", "Z51.0", "Z51.1", "Z52", "Z76.1", "Z76.2", "Z99.12")
_NOT_FIRST_ONLY = ("Z00.6", "Z02.9", "Z52.9")


def first_listed_only(code: str) -> bool:
    """Is ``code`` one of the Z codes that may only be principal / first-listed (I.C.21.c.16)?"""
    return code.startswith(FIRST_ONLY) and not code.startswith(_NOT_FIRST_ONLY)


@rule(
    FIRST_ONLY_ID,
    "I.C.21.c.16",
    "a Z code that may only be principal / first-listed is sequenced first",
    stage="sequence",
)
def _first_only(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.21.c.16: these codes "may only be reported as the principal/first-listed diagnosis, except
    # when there are multiple encounters on the same day and the medical records for the
    # encounters are combined or when there is more than one code that meets the definition of
    # principal diagnosis".  Only a code the note states as the encounter's (an affirmed, current
    # mention).
    # A code a reason rule of encounters.py made is sequenced by that rule's own sequencing (each
    # switched off on its own by a site convention); this rule places the others (the Index's or
    # the lexicon's: "encounter for routine postpartum follow-up", a donor's Z52).
    from medcoder.coding import encounters

    placed = (encounters.RULE_ID, encounters.REASON_ID, encounters.OBSERVATION_ID, encounters.FOLLOW_UP_ID)
    firsts = [
        c
        for c in ordered
        if first_listed_only(c.code)
        and not c.code.startswith("Z38")  # the newborn record's own sequencing (I.C.16.a.2, newborn.py)
        and not any(r in c.rules for r in placed)
        and any(m.affirmed and not m.historical for m in c.mentions)
    ]
    if not firsts or first_listed_only(ordered[0].code) or any(r in ordered[0].rules for r in placed):
        return ordered
    first = firsts[0]
    ordered.remove(first)
    ordered.insert(0, first)
    first.rules.append(FIRST_ONLY_ID)
    first.steps.append("first-listed: a Z code that may only be first-listed (OCG I.C.21.c.16)")
    return ordered


# --- exposure to someone else's disease (OCG I.C.21.c.1) -----------------------------------------------------------

EXPOSED_ID = "ocg.I.C.21.c.1.exposed-to.v1"
_EXPOSED_TO = re.compile(
    r"\b(?:exposed|exposure|contact)\s+(?:to|with)\s+(?:(?:an?|the|several|multiple|two|three)\s+)?"
    r"(?:(?:sick\s+)?(?:patients?|persons?|people|individuals?|someone|somebody|residents?|inmates?|students?|"
    r"case|cases|coworkers?|co-workers?|visitors?)\s+)?(?:(?:with|who\s+(?:has|had|have|tested\s+positive\s+for)|"
    r"diagnosed\s+with|positive\s+for)\s+)?(?:(?:known|confirmed|documented|active|untreated)\s+)*(?:[\w-]+\s+){0,2}$"
    r"|\bsick\s+contacts?\s+(?:with\s+)?(?:[\w-]+\s+){0,2}$",
    re.IGNORECASE,
)


@rule(
    EXPOSED_ID,
    "I.C.21.c.1",
    "a disease the patient was exposed to (in someone else) is the exposure code Z20.-, not the disease",
)
def _exposed_to(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.21.c.1: "Category Z20 indicates contact with, and suspected exposure to, communicable
    # diseases.  These codes are for patients who are suspected to have been exposed to a disease by
    # close personal contact with an infected individual or are in an area where a disease is
    # epidemic."  "Exposed to a patient with active tuberculosis" is the patient's Z20.1, not A15.0.
    return _exposures(cands, ctx, _EXPOSED_TO, EXPOSED_ID)


# v2: the source of a needlestick, sharps injury or splash is someone else ("needlestick from a
# patient with known hepatitis C": the nurse's Z20.5, not B19.20)
_EXPOSED_TO_V2 = re.compile(
    _EXPOSED_TO.pattern
    + r"|\b(?:needle\s*-?\s*stick|sharps?\s+injury|splash|blood\s+exposure|body\s+fluid\s+exposure)\b[^.;]{0,40}?"
    r"\bfrom\s+(?:an?|the|her|his)\s+(?:source\s+)?(?:patient|person|individual|client|resident)\s+"
    r"(?:with|who\s+(?:has|had)|positive\s+for)\s+(?:(?:known|confirmed|chronic|active|untreated)\s+)*(?:[\w-]+\s+){0,2}$"
    r"|\bsource\s+patient\s+(?:with|has|had|is\s+positive\s+for)\s+(?:(?:known|confirmed|chronic|active)\s+)*"
    r"(?:[\w-]+\s+){0,2}$",
    re.IGNORECASE,
)


@rule(
    "ocg.I.C.21.c.1.exposed-to.v2",
    "I.C.21.c.1",
    "a disease the patient was exposed to (in someone else, or the source of a needlestick) is the exposure code "
    "Z20.-, not the disease",
)
def _exposed_to_v2(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    return _exposures(cands, ctx, _EXPOSED_TO_V2, "ocg.I.C.21.c.1.exposed-to.v2")


def _exposures(cands: list[Candidate], ctx: Context, pattern: re.Pattern, rule_id: str) -> list[Candidate]:
    from medcoder.coding.infections import exposure_code

    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        target = exposure_code(cand.code)
        live = [m for m in cand.mentions if not m.negated and not m.hypothetical and not m.family]
        if target is None or not live or ctx.index.get(target) is None:
            continue
        leads = []
        for m in live:
            document = ctx.analyzed.document(m.document_id)
            start, _ = document.sentence_at(m.start)
            lead = pattern.search(document.text[max(start, m.start - 120) : m.start])
            leads.append(lead)
        if not all(leads):
            continue  # the patient's own disease somewhere: coded as such
        _drop(cands, ctx, cand, rule_id, f"{leads[0].group(0).strip()!r}: an exposure, not the patient's disease")
        if any(c.code == target for c in cands):
            continue
        exposure = Candidate(target, matched={cand.code}, mentions=list(live))
        exposure.confidence = cand.confidence
        exposure.rules.append(rule_id)
        exposure.steps.append(f"exposed to {cand.code} -> {target} (OCG I.C.21.c.1)")
        cands.append(exposure)
    return cands
