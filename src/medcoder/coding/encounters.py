"""The reason for an encounter that is not a condition: routine and administrative examinations
(OCG I.C.21.c.13, Z00.0- / Z00.12-), first-listed (OCG IV, I.C.21.c.16 "first-listed only").

A visit *for* an annual physical is coded Z00.00 / Z00.01 (adult) or Z00.129 / Z00.121 (child)
first, whatever chronic conditions the visit also notes ("pre-existing and chronic conditions and
history codes may also be included as additional codes", I.C.21.c.13).  The examination must be the
visit's purpose -- said in the chief complaint, or in the HPI as what the patient presents / is seen
for -- not an earlier event the note recalls ("he was sent for the test as part of a routine
physical": the visit is for the result, not the physical).  With abnormal findings (Z00.01 /
Z00.121): a condition the visit's assessment names that is not a known chronic or history one -- a
symptom or sign (chapter 18) assessed at the visit; otherwise without (Z00.00 / Z00.129).
"""

from __future__ import annotations

import re
from dataclasses import replace

from medcoder.coding.candidates import Candidate, Mention, matched_mention
from medcoder.coding.features import fact_confidence, rule_candidate
from medcoder.coding.guidelines import Context, _drop, matches_prefix, rule, rules_data
from medcoder.extract.prefilter import Prefiltered

RULE_ID = "ocg.I.C.21.c.13.v2"
SEQUENCE_ID = "ocg.I.C.21.c.13.sequence.v1"

_EXAM = (
    r"(?:annual|yearly|routine|general|comprehensive|preventive|preventative|wellness|"
    r"well(?:[- ](?:adult|child|woman|man))?)"
    r"(?:\s+(?:adult|medical|health|physical|preventive|wellness|well))*"
    r"\s+(?:physical\s+exam(?:ination)?|physical|exam(?:ination)?|check[- ]?up|visit|evaluation)"
    r"|well[- ](?:child|baby|infant)\s+(?:check|care)"
)
# the chief complaint naming the exam ("Annual exam.", "CHIEF COMPLAINT: Annual physical")
_IN_COMPLAINT = re.compile(rf"\b{_EXAM}\b", re.IGNORECASE)
# the HPI saying the visit is for it ("presents for her annual exam", "is here for a routine physical")
_VISIT_FOR = re.compile(
    rf"\b(?:presents?|presented|presenting|comes?|came|is\s+here|are\s+here|here|seen|seeing\s+me|visit(?:s|ing)?|"
    rf"returns?)\b[^.;]{{0,40}}?\bfor\s+(?:(?:her|his|their|an?|the|a\s+routine|this)\s+)*{_EXAM}\b",
    re.IGNORECASE,
)
_AGE = re.compile(r"\b(\d{1,3})[- ](?:year|yr)s?[- ]old\b|\b(\d{1,2})[- ](?:month|week|day)s?[- ]old\b", re.IGNORECASE)
_REASON_SECTIONS = ("chief_complaint", "reason_for_visit")
_PURPOSE_SECTIONS = ("history_present_illness",)


def _exam_mention(ctx: Context) -> Mention | None:
    analyzed = ctx.analyzed
    for document in getattr(analyzed, "documents", []):
        text = document.text
        for section in document.sections:
            if section.name in _REASON_SECTIONS:
                pattern = _IN_COMPLAINT
            elif section.name == "unknown" and section.start == 0:
                # a note without headers opens with its reason ("Annual physical examination, ...")
                first = document.sentences[0] if document.sentences else (0, 0)
                match = _IN_COMPLAINT.search(text, first[0], first[1])
                if match and match.start() - first[0] <= 40:
                    found = _mention(document, section, match)
                    if found is not None:
                        return found
                continue
            elif section.name in _PURPOSE_SECTIONS:
                pattern = _VISIT_FOR
            else:
                continue
            for match in pattern.finditer(text, section.start, section.end):
                found = _mention(document, section, match)
                if found is not None:
                    return found
    return None


def _mention(document, section, match) -> Mention | None:
    assertion = document.assess((match.start(), match.end()))
    if assertion.negated or assertion.hypothetical or assertion.family or assertion.historical:
        return None
    return Mention(
        document_id=document.document_id,
        start=match.start(),
        end=match.end(),
        text=match.group(0),
        source="index",
        term="Examination (general) (routine) (of) (for) (adult) (annual) (periodic)",
        score=1.0,
        section=section.name,
        words=len(match.group(0).split()),
        share=1.0,
        ref="Examination -> adult (general) -> Z00.00; with abnormal findings -> Z00.01; "
        "child -> Z00.129 / Z00.121 (OCG I.C.21.c.13)",
    )


def _age(ctx: Context) -> int | None:
    encounter = getattr(ctx.analyzed, "encounter", None)
    patient = getattr(encounter, "patient", None)
    if patient is not None and patient.age is not None:
        return patient.age
    for document in getattr(ctx.analyzed, "documents", []):
        match = _AGE.search(document.text)
        if match:
            return int(match.group(1)) if match.group(1) else 0
    return None


_NEW = re.compile(
    r"\b(?:new(?:ly)?(?:[- ](?:onset|diagnos\w*|finding|found))?|discovered|found to have|incidental)\b", re.I
)


def _abnormal(cands: list[Candidate], ctx: Context) -> Candidate | None:
    """An abnormal finding of the examination: a sign or symptom the visit's assessment names, or a
    condition the note says the examination newly found ("new diagnosis of hypertension")."""
    for cand in cands:
        if ELEVATED_BP_ID in cand.rules or ELEVATED_PSA_ID in cand.rules:
            return cand  # a reading the note says is abnormal and not (yet) a diagnosis
        for m in cand.mentions:
            if not m.affirmed or m.historical or m.section not in ("assessment_plan", "unknown", "diagnoses"):
                continue
            if cand.code.startswith("R") and m.section != "unknown":
                return cand
            document = ctx.analyzed.document(m.document_id)
            start, end = document.sentence_at(m.start)
            if _NEW.search(document.text, start, end):
                return cand
    return None


# --- abnormal findings and history the note states in its own words (OCG I.C.18, I.C.21.c.4) ---------------------

ELEVATED_BP_ID = "ocg.I.C.18.elevated-bp-reading.v1"
ELEVATED_PSA_ID = "ocg.I.C.18.elevated-psa.v1"
TOBACCO_HISTORY_ID = "ocg.I.C.21.c.4.tobacco-history.v1"

_BP_READING = re.compile(
    r"\b(?:BP|blood\s+pressure)\s*(?:(?:reading|measured|was|is|of|at|today|:|=)\s*){0,3}(\d{2,3})\s*/\s*(\d{2,3})\b",
    re.IGNORECASE,
)
# the same matches as the pattern's own, tried only where one can start (issue 9: speed)
_BP_READING_SCAN = Prefiltered(_BP_READING)
_NO_HYPERTENSION = re.compile(
    r"\b(?:no|not|without)\s+(?:a\s+)?(?:prior\s+|previous\s+|formal\s+|established\s+|known\s+)?"
    r"(?:diagnosis\s+of\s+)?(?:hypertension|HTN)\b|\bnot\s+(?:diagnosed\s+with\s+(?:hypertension|HTN)|hypertensive)\b"
    r"|\b(?:hypertension|HTN)\s+(?:is\s+)?not\s+(?:diagnosed|established)\b",
    re.IGNORECASE,
)
_ABOUT_READING = re.compile(r"\b(?:elevated|high|BP|blood\s+pressure|reading)\b", re.IGNORECASE)


def _reading_not_hypertension(document) -> bool:
    """A statement elsewhere that the (elevated) reading is not a diagnosis of hypertension ("Elevated
    reading today, no diagnosis of hypertension at this time")."""
    for match in _NO_HYPERTENSION.finditer(document.text):
        start, end = document.sentence_at(match.start())
        if _ABOUT_READING.search(document.text[start : match.start()] + " " + document.text[match.end() : end]):
            return True
    return False


_HYPERTENSIVE = ("I10", "I11", "I12", "I13", "I15", "I16", "O10", "O11", "O13", "O14", "O16", "R03.0")


def _finding(code: str, document, match: re.Match, term: str, ref: str, rule_id: str, step: str) -> Candidate:
    return rule_candidate(code, matched_mention(document, match, term, ref), rule_id, step)


@rule(
    ELEVATED_BP_ID,
    "I.C.18, I.C.9.a (Index: Elevated, blood pressure -> reading, no diagnosis of hypertension R03.0)",
    "a high blood pressure reading the note says is not (yet) hypertension: R03.0",
)
def _elevated_bp(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # Index: "Elevated, elevation -> blood pressure -> reading (incidental) (isolated) (nonspecific), no
    # diagnosis of hypertension R03.0".  The note gives a reading above normal (130/80, ACC/AHA 2017)
    # and states that hypertension is not diagnosed; never beside a hypertension or pregnancy code.
    if ctx.analyzed is None or any(c.code.startswith(_HYPERTENSIVE) for c in cands):
        return cands
    for document in ctx.analyzed.documents:
        for reading in _BP_READING_SCAN.finditer(document.text):
            systolic, diastolic = int(reading.group(1)), int(reading.group(2))
            if (systolic < 130 and diastolic < 80) or systolic > 300 or diastolic > 200:
                continue
            start, end = document.sentence_at(reading.start())
            if not _NO_HYPERTENSION.search(document.text, start, end) and not _reading_not_hypertension(document):
                continue
            cands.append(
                _finding(
                    "R03.0",
                    document,
                    reading,
                    "Elevated, blood pressure -> reading, no diagnosis of hypertension",
                    "Elevated, elevation -> blood pressure -> reading (incidental) (isolated) (nonspecific), no "
                    "diagnosis of hypertension -> R03.0",
                    ELEVATED_BP_ID,
                    f"the reading {reading.group(0)!r} with no diagnosis of hypertension -> R03.0",
                )
            )
            return cands
    return cands


_PSA = re.compile(
    r"\b(?:PSA|prostate[- ]specific\s+antigen)\s*(?:(?:level|value|result|was|is|of|at|:|=)\s*){0,3}"
    r"(\d{1,3}(?:\.\d{1,2})?)\b(?!\s*(?:%|percent|years?|months?|weeks?|days?))",
    re.IGNORECASE,
)
# the same matches as the pattern's own, tried only where one can start (issue 9: speed)
_PSA_SCAN = Prefiltered(_PSA)
# the provider acts on the value: it is clinically significant (OCG III.B: abnormal findings are
# coded when the provider indicates their significance)
_ACTED_ON = re.compile(
    r"\b(?:referr\w*|refer|urolog\w*|repeat\w*|recheck\w*|biopsy|elevated|abnormal|high|rising|increas\w*|"
    r"follow[- ]?up)\b",
    re.IGNORECASE,
)
_PSA_LIMIT = 4.0  # ng/mL, the conventional upper reference limit


@rule(
    ELEVATED_PSA_ID,
    "I.C.18, III.B (Index: Elevated, prostate specific antigen [PSA] R97.20)",
    "a PSA above the reference limit the provider acts on, without a prostate cancer diagnosis: R97.20",
)
def _elevated_psa(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # Index: "Elevated, elevation -> prostate specific antigen [PSA] R97.20"; chapter 18 codes abnormal
    # tumor markers "for which no diagnosis classifiable elsewhere is recorded".  A value above 4.0
    # ng/mL that the note acts on (a referral, a repeat test) without a prostate cancer diagnosis (or
    # history: a rising PSA after treatment is R97.21, read from its own wording).
    if ctx.analyzed is None or any(c.code.startswith(("R97.2", "C61", "Z85.46", "D07.5", "D40.0")) for c in cands):
        return cands
    for document in ctx.analyzed.documents:
        for value in _PSA_SCAN.finditer(document.text):
            if float(value.group(1)) <= _PSA_LIMIT:
                continue
            start, end = document.sentence_at(value.start())
            if not _ACTED_ON.search(document.text, start, max(end, min(len(document.text), value.end() + 300))):
                continue
            assertion = document.assess((value.start(), value.end()))
            if assertion.negated or assertion.hypothetical or assertion.family:
                continue
            cands.append(
                _finding(
                    "R97.20",
                    document,
                    value,
                    "Elevated, prostate specific antigen [PSA]",
                    "Elevated, elevation -> prostate specific antigen [PSA] -> R97.20",
                    ELEVATED_PSA_ID,
                    f"{value.group(0)!r} above {_PSA_LIMIT} ng/mL, acted on, no prostate cancer diagnosed -> R97.20",
                )
            )
            return cands
    return cands


_QUIT = re.compile(
    r"\b(?:quit|stopped|gave\s+up|ceased|discontinued)\s+(?:smoking|tobacco|cigarettes|chewing\s+tobacco|"
    r"using\s+tobacco|vaping|nicotine)\b",
    re.IGNORECASE,
)
# the same matches as the pattern's own, tried only where one can start (issue 9: speed)
_QUIT_SCAN = Prefiltered(_QUIT)
_NOT_QUIT = re.compile(
    r"\b(?:to|advised|counsel\w*|wants?|wanted|plans?|planning|trying|tried|will|ready|should|encourag\w*|unable|"
    r"interested|considering|attempt\w*|never|not|hasn't|has\s+not|didn't|did\s+not|help)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
_WHEN = re.compile(r"\b(?:ago|in\s+(?:19|20)\d\d|since|years?|decades?|months?)\b", re.IGNORECASE)


@rule(
    TOBACCO_HISTORY_ID,
    "I.C.21.c.4, I.C.5.b (Index: History, personal -> nicotine dependence Z87.891)",
    "a patient who quit smoking (stated with when): history of nicotine dependence Z87.891, not current F17",
)
def _tobacco_history(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # Index: "History, personal -> nicotine dependence Z87.891"; F17.2- is current dependence
    # (I.C.5.b: "in remission" needs the provider's wording).  "Quit smoking 10 years ago", "stopped
    # smoking in 2012" is the history, and the dependence it describes ("was a pack-a-day smoker") is
    # past; "advised to quit smoking" is counselling of a current smoker, not a history.
    if ctx.analyzed is None or any(c.code == "Z87.891" for c in cands):
        return cands
    for document in ctx.analyzed.documents:
        for quit in _QUIT_SCAN.finditer(document.text):
            start, end = document.sentence_at(quit.start())
            if _NOT_QUIT.search(document.text[max(start, quit.start() - 40) : quit.start()]):
                continue
            if not _WHEN.search(document.text, quit.end(), end):
                continue
            assertion = document.assess((quit.start(), quit.end()))
            if assertion.negated or assertion.hypothetical or assertion.family:
                continue
            for cand in [c for c in cands if c.code.startswith(("F17.2", "Z72.0"))]:
                if all(start <= m.start < end for m in cand.mentions if m.document_id == document.document_id):
                    _drop(cands, ctx, cand, TOBACCO_HISTORY_ID, "the patient quit: history Z87.891 (OCG I.C.21.c.4)")
            cands.append(
                _finding(
                    "Z87.891",
                    document,
                    quit,
                    "History, personal -> nicotine dependence",
                    "History, personal (of) -> nicotine dependence -> Z87.891",
                    TOBACCO_HISTORY_ID,
                    f"{quit.group(0)!r}, in the past -> personal history of nicotine dependence Z87.891",
                )
            )
            return cands
    return cands


@rule(RULE_ID, "I.C.21.c.13", "a visit for a routine or annual examination: Z00.0- / Z00.12- as its reason")
def _routine_exam(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.setting == "inpatient" or ctx.analyzed is None:
        return cands
    if any(c.code.startswith(("Z00", "Z34", "Z01")) for c in cands):
        return cands
    mention = _exam_mention(ctx)
    if mention is None:
        return cands
    age = _age(ctx)
    child = age is not None and age < 18
    finding = _abnormal(cands, ctx)
    codes = ("Z00.121", "Z00.129") if child else ("Z00.01", "Z00.00")
    code = codes[0] if finding else codes[1]
    if ctx.index.get(code) is None:
        return cands
    cand = Candidate(code, matched={code}, mentions=[mention])
    cand.confidence = fact_confidence(cand)
    cand.rules.append(RULE_ID)
    who = "a child" if child else ("an adult" if age is not None else "age not stated: adult")
    why = f"the visit is for {mention.text!r} ({who})"
    why += f"; with the abnormal finding {finding.code} assessed" if finding else "; no abnormal finding assessed"
    cand.steps.append(f"{why} -> {code} (OCG I.C.21.c.13)")
    cands.append(cand)
    return cands


@rule(
    SEQUENCE_ID, "I.C.21.c.13, IV", "the routine examination is the first-listed reason for the visit", stage="sequence"
)
def _exam_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    # Z00.0- / Z00.12- are first-listed: the examination is why the patient came; the chronic
    # conditions it also notes follow, and its abnormal findings after it (I.C.21.c.13)
    exams = [c for c in ordered if c.code.startswith("Z00") and RULE_ID in c.rules]
    if not exams or ordered[0] is exams[0]:
        return ordered
    ordered.remove(exams[0])
    ordered.insert(0, exams[0])
    exams[0].rules.append(SEQUENCE_ID)
    exams[0].steps.append("first-listed: the reason for the visit (OCG I.C.21.c.13, IV)")
    return ordered


# A family member's condition, reported for the patient as the family-history code of its kind
# (OCG I.C.21.c.4).  Prefixes of the condition's code, most specific first -> the Z80-Z84 code whose
# tabular title (and inclusion note, "conditions classifiable to ...") names that kind.
FAMILY_HISTORY = (
    (("C15", "C16", "C17", "C18", "C19", "C20", "C21", "C22", "C23", "C24", "C25", "C26"), "Z80.0"),
    (("C33", "C34"), "Z80.1"),
    (("C30", "C31", "C32", "C37", "C38", "C39"), "Z80.2"),
    (("C50",), "Z80.3"),
    (("C56",), "Z80.41"),
    (("C61",), "Z80.42"),
    (("C62",), "Z80.43"),
    (("C51", "C52", "C53", "C54", "C55", "C57", "C58", "C60", "C63"), "Z80.49"),
    (("C64", "C65"), "Z80.51"),
    (("C67",), "Z80.52"),
    (("C66", "C68"), "Z80.59"),
    (("C91", "C92", "C93", "C94", "C95"), "Z80.6"),
    (("C81", "C82", "C83", "C84", "C85", "C86", "C88", "C90", "C96"), "Z80.7"),
    (("C80",), "Z80.9"),
    (("C",), "Z80.8"),
    (("E08", "E09", "E10", "E11", "E13"), "Z83.3"),
    (("E78.01",), "Z83.42"),
    (("E78",), "Z83.438"),
    (("E",), "Z83.49"),
    (("I60", "I61", "I62", "I63", "I64", "I69"), "Z82.3"),
    (("I46",), "Z82.41"),
    (("I",), "Z82.49"),
    (("F10",), "Z81.1"),
    (("F11", "F12", "F13", "F14", "F15", "F16", "F18", "F19"), "Z81.3"),
    (("F70", "F71", "F72", "F73", "F78", "F79"), "Z81.0"),
    (("F",), "Z81.8"),
    (("G",), "Z82.0"),
    (("J40", "J41", "J42", "J43", "J44", "J45", "J47"), "Z82.5"),
    (("J",), "Z83.6"),
    (("Q61",), "Z82.71"),
    (("Q",), "Z82.79"),
    (("M80", "M81"), "Z82.62"),
    (("M05", "M06", "M08", "M15", "M16", "M17", "M18", "M19"), "Z82.61"),
    (("M",), "Z82.69"),
    (("D5", "D6", "D7", "D80", "D81", "D82", "D83", "D84", "D86", "D89"), "Z83.2"),
    (("K",), "Z83.79"),
    (("L",), "Z84.0"),
    (("N0", "N1", "N20", "N21", "N22", "N23", "N25", "N26", "N27", "N28", "N29"), "Z84.1"),
    (("B20",), "Z83.0"),
    (("A", "B"), "Z83.1"),
    (("H40",), "Z83.511"),
    (("H54",), "Z82.1"),
    (("H90", "H91"), "Z82.2"),
    (("H6", "H7", "H8", "H9"), "Z83.52"),
    (("H",), "Z83.518"),
)
FAMILY_ID = "ocg.I.C.21.c.4.family.v1"
# words that name a kind of disease, not where it is: they relate nothing ("cancer" and "cancer")
_KIND_WORDS = frozenset(
    "cancer carcinoma malignancy malignant neoplasm tumor disease disorder syndrome chronic acute history "
    "of the and with type failure infection".split()
)


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in _KIND_WORDS}


def family_history_code(code: str) -> str | None:
    """The Z80-Z84 category for a family member's condition coded ``code`` (None: none fits)."""
    plain = code.replace(".", "")
    for prefixes, target in FAMILY_HISTORY:
        if any(plain.startswith(p.replace(".", "")) for p in prefixes):
            return target
    return None


@rule(FAMILY_ID, "I.C.21.c.4", "a family member's condition is the patient's family-history Z code (Z80-Z84)")
def _family_history(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # The family rule removed the condition's own code ("Father has type 2 diabetes" is not the
    # patient's E11.9); the family history it documents is reported with Z80-Z84 (I.C.21.c.4).
    # A family history list (the FAMILY HISTORY section) is background a coder reports only when it
    # bears on the encounter: a screening or examination visit, or where the HPI / assessment
    # discusses it ("Mother had colon cancer at 50; colonoscopy today").
    # A family history list entry also bears on the visit when it names the site of a condition the
    # patient is seen for ("breast cancer" in the mother, bilateral breast cysts followed today).
    screening = any(c.code.startswith(("Z00", "Z01", "Z12", "Z13")) for c in cands)
    have = {c.code[:5] for c in cands if c.code.startswith(("Z80", "Z81", "Z82", "Z83", "Z84"))}
    own_words = {
        w
        for c in cands
        for m in c.mentions
        if m.affirmed and not m.historical and m.section != "family_history"
        for w in _content_words(m.text)
    }
    for removed, rule_id in list(ctx.removed):
        if not rule_id.startswith("ocg.assertion.family"):
            continue
        family = [
            m
            for m in removed.mentions
            if m.family
            and not m.negated
            and (screening or m.section != "family_history" or _content_words(m.text) & own_words)
        ]
        target = family_history_code(removed.code)
        if not family or target is None:
            continue
        resolution = ctx.index.resolve(target, None, None, False)
        if resolution is None or resolution.code[:5] in have:
            continue
        code = resolution.code
        existing = next((c for c in cands if c.code == code), None)
        if existing is None:
            existing = Candidate(code, matched={target}, mentions=list(family))
            existing.confidence = fact_confidence(existing)
            cands.append(existing)
            have.add(code[:5])
        existing.rules.append(FAMILY_ID)
        existing.steps.append(
            f"a family member's {removed.code} ({family[0].text!r}) -> family history {code} (OCG I.C.21.c.4)"
        )
    return cands


BMI_ID = "ocg.I.B.14.bmi.v1"
_BMI = re.compile(
    r"\b(?:BMI|body mass index)\b(?:\s+(?:of|is|was|=|:|at|today))*\s*:?\s*(\d{2}(?:\.\d)?)\b", re.IGNORECASE
)
# the conditions a BMI code goes with (I.B.14: "the associated diagnosis (such as overweight,
# obesity, or pressure ulcer) must be documented by the patient's provider")
_WEIGHT_CONDITIONS = ("E66", "E40", "E41", "E42", "E43", "E44", "E45", "E46", "R63.6", "E88.82")


def bmi_code(value: float) -> str:
    """Z68 code for an adult's BMI (Z68.1 under 20 ... Z68.45 at 70 and over)."""
    if value < 20:
        return "Z68.1"
    if value < 40:
        return f"Z68.{int(value)}"
    for limit, code in ((45, "Z68.41"), (50, "Z68.42"), (60, "Z68.43"), (70, "Z68.44")):
        if value < limit:
            return code
    return "Z68.45"


@rule(BMI_ID, "I.B.14, I.C.21.c.3", "an adult's documented BMI (Z68) with the weight diagnosis the provider states")
def _bmi(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.B.14: the BMI may come from a dietitian or nurse; it is reported only with an associated
    # condition the provider documents (obesity, overweight, malnutrition, underweight).  Adults
    # (20 and over) only: children's BMI is a percentile (Z68.5-).
    if ctx.analyzed is None or any(c.code.startswith("Z68") for c in cands):
        return cands
    condition = next((c for c in cands if c.code.startswith(_WEIGHT_CONDITIONS)), None)
    age = _age(ctx)
    if condition is None or (age is not None and age < 20):
        return cands
    for document in ctx.analyzed.documents:
        match = _BMI.search(document.text)
        if match is None:
            continue
        value = float(match.group(1))
        if not 10 <= value <= 100:
            continue
        code = bmi_code(value)
        if ctx.index.get(code) is None:
            return cands
        mention = Mention(
            document_id=document.document_id,
            start=match.start(),
            end=match.end(),
            text=match.group(0),
            source="index",
            term="Body mass index (BMI) -> adult",
            score=1.0,
            section=document.section_at(match.start()).name,
            words=2,
            share=1.0,
            ref="Body, bodies -> mass index (BMI) -> adult -> Z68.- by value (OCG I.B.14)",
        )
        cand = Candidate(code, matched={code}, mentions=[mention])
        cand.confidence = fact_confidence(cand)
        cand.rules.append(BMI_ID)
        cand.steps.append(f"BMI {value:g} with {condition.code} -> {code} (OCG I.B.14)")
        cands.append(cand)
        return cands
    return cands


# Reasons for an encounter that are not a condition (OCG I.C.21.c, IV), each first-listed when it is
# why the patient came: (id, pattern, code, the guideline and tabular title).  Read where a visit's
# reason is written: the chief complaint / reason for visit, a headerless note's first sentence, or
# the HPI's "presents for ...".
REASONS = (
    (
        "screening-mammogram",
        r"\bscreening\s+(?:bilateral\s+)?(?:mammogram|mammography)\b|\bmammogram\s+for\s+screening\b",
        "Z12.31",
        "I.C.21.c.5: Z12.31 Encounter for screening mammogram for malignant neoplasm of breast",
    ),
    (
        "screening-colonoscopy",
        r"\bscreening\s+colonoscopy\b|\bcolonoscopy\s+for\s+(?:colon\s+cancer\s+)?screening\b",
        "Z12.11",
        "I.C.21.c.5: Z12.11 Encounter for screening for malignant neoplasm of colon",
    ),
    (
        "chemotherapy",
        r"\b(?:cycle|course|session|infusion|dose)\s+(?:\d+\s+|#\d+\s+)?of\s+(?:\w+\s+){0,5}?chemotherapy\b"
        r"|\bfor\s+(?:her|his|their|scheduled)?\s*chemotherapy\b|\bchemotherapy\s+(?:infusion|session|cycle)\b",
        "Z51.11",
        "I.C.2.e.2: Z51.11 Encounter for antineoplastic chemotherapy, first-listed, the malignancy after",
    ),
    (
        "radiotherapy",
        r"\b(?:session|fraction|course)\s+(?:\d+\s+)?of\s+(?:\w+\s+){0,3}?(?:radiation therapy|radiotherapy)\b",
        "Z51.0",
        "I.C.2.e.2: Z51.0 Encounter for antineoplastic radiation therapy",
    ),
    (
        "preop-cardiovascular",
        r"\bpre-?op(?:erative)?\s+(?:cardiovascular|cardiac|cardiology)\s+(?:evaluation|examination|exam|clearance|assessment)\b",
        "Z01.810",
        "IV.M, I.C.21.c.13: Z01.810 Encounter for preprocedural cardiovascular examination",
    ),
    (
        "preop-respiratory",
        r"\bpre-?op(?:erative)?\s+(?:respiratory|pulmonary)\s+(?:evaluation|examination|exam|clearance|assessment)\b",
        "Z01.811",
        "IV.M, I.C.21.c.13: Z01.811 Encounter for preprocedural respiratory examination",
    ),
    (
        "preop",
        r"\bpre-?op(?:erative)?\s+(?:medical\s+)?(?:evaluation|examination|exam|clearance|assessment|physical)\b",
        "Z01.818",
        "IV.M, I.C.21.c.13: Z01.818 Encounter for other preprocedural examination",
    ),
    (
        "preop-labs",
        r"\bpre-?op(?:erative)?\s+(?:lab(?:oratory)?s?|blood\s*work|laboratory\s+(?:testing|tests|studies|work))\b",
        "Z01.812",
        "IV.M, I.C.21.c.13: Z01.812 Encounter for preprocedural laboratory examination",
    ),
    (
        "sports-exam",
        r"\b(?:sports?|athletic|pre-?participation)\s+(?:physical|exam(?:ination)?|evaluation|clearance)\b",
        "Z02.5",
        "I.C.21.c.13: Z02.5 Encounter for examination for participation in sport",
    ),
    (
        "employment-exam",
        r"\bpre-?employment\s+(?:physical|exam(?:ination)?|evaluation)\b",
        "Z02.1",
        "I.C.21.c.13: Z02.1 Encounter for pre-employment examination",
    ),
    (
        "school-exam",
        r"\b(?:school|college|preschool|kindergarten)(?:\s+(?:entry|entrance|admission))?\s+(?:physical|exam(?:ination)?)\b",
        "Z02.0",
        "I.C.21.c.13: Z02.0 Encounter for examination for admission to educational institution",
    ),
    (
        "insurance-exam",
        r"\b(?:life\s+)?insurance\s+(?:physical|exam(?:ination)?)\b",
        "Z02.6",
        "I.C.21.c.13: Z02.6 Encounter for examination for insurance purposes",
    ),
    (
        "driving-exam",
        r"\bdriver'?s'?\s+licen[cs]e\s+(?:physical|exam(?:ination)?|evaluation)\b",
        "Z02.4",
        "I.C.21.c.13: Z02.4 Encounter for examination for driving license",
    ),
    (
        "disability-exam",
        r"\bdisability\s+(?:determination|exam(?:ination)?)\b",
        "Z02.71",
        "I.C.21.c.13: Z02.71 Encounter for disability determination",
    ),
    (
        "iud-reinsertion",
        r"\b(?:IUD|intrauterine\s+(?:contraceptive\s+)?device)\s+(?:removal\s+and\s+(?:re-?insertion|replacement)|"
        r"replacement|exchange)\b",
        "Z30.433",
        "I.C.21.c.11: Z30.433 Encounter for removal and reinsertion of intrauterine contraceptive device",
    ),
    (
        "iud-insertion",
        r"\b(?:IUD|intrauterine\s+(?:contraceptive\s+)?device)\s+(?:insertion|placement)\b"
        r"|\b(?:insertion|placement)\s+of\s+(?:an?\s+)?(?:[\w-]+\s+){0,2}(?:IUD|intrauterine\s+(?:contraceptive\s+)?device)\b",
        "Z30.430",
        "I.C.21.c.11: Z30.430 Encounter for insertion of intrauterine contraceptive device",
    ),
    (
        "iud-removal",
        r"\b(?:IUD|intrauterine\s+(?:contraceptive\s+)?device)\s+removal\b"
        r"|\bremoval\s+of\s+(?:an?\s+|the\s+|her\s+)?(?:[\w-]+\s+){0,2}(?:IUD|intrauterine\s+(?:contraceptive\s+)?device)\b",
        "Z30.432",
        "I.C.21.c.11: Z30.432 Encounter for removal of intrauterine contraceptive device",
    ),
    (
        "contraceptive-pills",
        r"\b(?:start|starting|initiat\w*|begin|initial\s+prescription\s+(?:of|for)|requesting|wants?\s+to\s+start)\s+"
        r"(?:(?:on|the|an?|combined|combination|progestin-only)\s+)*(?:oral\s+contraceptive(?:\s+pills?)?|OCPs?|"
        r"birth\s+control\s+pills?)\b",
        "Z30.011",
        "I.C.21.c.11: Z30.011 Encounter for initial prescription of contraceptive pills",
    ),
    (
        "postpartum",
        r"\b(?:routine\s+)?(?:\d+[- ]week\s+)?post-?partum\s+"
        r"(?:visit|check(?:[- ]?up)?|follow[- ]?up|exam(?:ination)?)\b",
        "Z39.2",
        "I.C.21.c.11, I.C.15.p: Z39.2 Encounter for routine postpartum follow-up",
    ),
    (
        "surgical-dressing",
        r"\b(?:change|changes)\s+of\s+(?:the\s+)?surgical\s+dressings?\b|\bsurgical\s+dressing\s+change\b"
        r"|\b(?:change|changes)\s+of\s+(?:the\s+)?dressings?\b(?=[^.]*\b(?:after|following|post)\b[^.]*\b(?:-?ectomy|-?otomy|-?plasty|surgery|repair)\b)",
        "Z48.01",
        "I.C.21.c.7: Z48.01 Encounter for change or removal of surgical wound dressing",
    ),
    (
        "immunization",
        r"\b(?:for|receive|receiving|get|getting|administer(?:ed)?|give|given|due\s+for)\s+(?:(?:an?|the|her|his|their|"
        r"annual|yearly|seasonal|routine|booster|first|second|third|\d+(?:st|nd|rd|th))\s+)*(?:[\w-]+\s+){0,3}?"
        r"(?:vaccine|vaccines|vaccination|vaccinations|immunization|immunizations|flu\s+shot|booster\s+shot)\b",
        "Z23",
        "I.C.21.c.2: Z23 Encounter for immunization",
    ),
    (
        "pacemaker-check",
        r"\b(?:interrogat\w*|check(?:ing)?|test(?:ing)?)\b[^.;]{0,40}?\b(?:cardiac\s+)?(?:pacemaker|PPM)\b"
        r"(?!\s+(?:lead|leads|electrode|electrodes)\b)"
        r"|\b(?:pacemaker|PPM)\s+(?:check|interrogation|battery\s+check|generator\s+check)\b",
        "Z45.010",
        "I.C.21.c.3: Z45.010 Encounter for checking and testing of cardiac pacemaker pulse generator [battery]",
    ),
    (
        "defibrillator-check",
        r"\b(?:interrogat\w*|check(?:ing)?|test(?:ing)?|reprogram\w*|adjust\w*)\b[^.;]{0,40}?"
        r"\b(?:AICD|ICD|(?:implantable\s+)?(?:cardioverter[- ])?defibrillator)\b"
        r"|\b(?:AICD|ICD|defibrillator)\s+(?:check|interrogation)\b",
        "Z45.02",
        "I.C.21.c.3: Z45.02 Encounter for adjustment and management of automatic implantable cardiac defibrillator",
    ),
    (
        "drug-monitoring",
        r"\b(?:INR|PT/INR|protime|prothrombin\s+time)\s+(?:check|checks|monitoring|recheck|draw|testing)\b"
        r"|\bcheck\w*\s+(?:(?:her|his|their|the|an?)\s+)?(?:INR|PT/INR|protime)\b"
        r"|\b(?:anticoagulation|coumadin|warfarin)\s+(?:clinic|monitoring)\b"
        r"|\btherapeutic\s+drug\s+(?:level\s+)?monitoring\b"
        r"|\b(?:drug|lithium|digoxin|vancomycin|phenytoin|dilantin|valproate|valproic\s+acid|depakote|"
        r"tacrolimus|cyclosporine|carbamazepine)\s+(?:trough\s+)?levels?\s+(?:check|monitoring|draw)\b",
        "Z51.81",
        "I.C.21.c.14: Z51.81 Encounter for therapeutic drug level monitoring (code also the Z79.- drug)",
    ),
    (
        "joint-aftercare",
        r"\b(?:aftercare|rehabilitation|physical\s+therapy|home\s+health|post-?op(?:erative)?\s+(?:visit|check))\b"
        r"[^.;]{0,40}?\b(?:after|following|s/p|status\s+post|post)\s+(?:(?:a|an|the|her|his|their)\s+)?"
        r"(?:(?:right|left|bilateral)\s+)?(?:total\s+|partial\s+)?(?:(?:right|left|bilateral)\s+)?"
        r"(?:(?:hip|knee|shoulder|elbow|wrist|ankle)\s+(?:joint\s+)?(?:replacement|arthroplasty)|joint\s+replacement|"
        r"THA|TKA|THR|TKR)\b",
        "Z47.1",
        "I.C.21.c.7: Z47.1 Aftercare following joint replacement surgery (with the joint's Z96.6- code)",
    ),
    (
        "suture-removal",
        r"\b(?:suture|sutures|staple|staples)\s+removal\b|\bremoval\s+of\s+(?:the\s+)?(?:sutures|staples)\b",
        "Z48.02",
        "I.C.21.c.7: Z48.02 Encounter for removal of sutures",
    ),
)
REASON_ID = "ocg.I.C.21.c.reason.v3"
REASON_SEQUENCE_ID = "ocg.I.C.21.c.reason.sequence.v1"
_REASONS = tuple((name, re.compile(pattern, re.IGNORECASE), code, ref) for name, pattern, code, ref in REASONS)


def opening_sentences(document, section, n: int) -> list[tuple[int, int]]:
    """The first ``n`` sentences of ``section``, its header label ("HPI:", "EXAM:") not counted as one."""
    out = []
    for start, end in document.sentences:
        if end <= section.start or start >= section.end:
            continue
        if not out and re.fullmatch(r"[\w /&-]{1,40}:?", document.text[start:end].strip()):
            continue  # the header alone
        out.append((start, min(end, section.end)))
        if len(out) == n:
            break
    return out


def reason_spans(ctx: Context) -> list[tuple[object, object, int, int]]:
    """(document, section, start, end) of where a visit's reason is written: the chief complaint /
    reason for visit, a headerless note's first sentence, the HPI's opening sentences."""
    out = []
    for document in getattr(ctx.analyzed, "documents", []):
        for section in document.sections:
            if section.name in _REASON_SECTIONS:
                spans = [(section.start, section.end)]
            elif section.name == "unknown" and section.start == 0 and document.sentences:
                spans = [document.sentences[0]]
            elif section.name in _PURPOSE_SECTIONS and document.sentences:
                spans = opening_sentences(document, section, 2)  # the HPI's opening sentences
            else:
                continue
            out.extend((document, section, start, end) for start, end in spans)
    return out


# "Admitted with neutropenic fever 8 days after cycle 2 of chemotherapy": the chemotherapy is an
# earlier encounter's, not this one's reason (reason v3)
_EARLIER = re.compile(
    r"\b(?:after|following|since|post|status\s+post|s/p)\s+(?:(?:his|her|their|the|a|an|last|recent|prior|"
    r"previous|\w+)\s+){0,3}$",
    re.IGNORECASE,
)


def _reason_mentions(ctx: Context, earlier: bool = False) -> list[tuple[str, str, str, Mention]]:
    """(name, code, ref, mention) of each reason the visit states (``earlier``: not one the words
    place before the visit, "8 days after cycle 2 of chemotherapy")."""
    found = []
    for document, section, start, end in reason_spans(ctx):
        for name, pattern, code, ref in _REASONS:
            if any(f[0] == name for f in found):
                continue
            match = pattern.search(document.text, start, end)
            if match is None:
                continue
            if earlier and _EARLIER.search(document.text[max(start, match.start() - 60) : match.start()]):
                continue
            mention = _mention(document, section, match)
            if mention is not None:
                found.append((name, code, ref, mention))
    return found


# Reasons that are also an inpatient admission's (I.C.2.e.2: "If a patient admission/encounter is
# solely for the administration of chemotherapy, immunotherapy or external beam radiation therapy,
# assign code Z51.0, Z51.11, or Z51.12 as the first-listed or principal diagnosis").
INPATIENT_REASONS = frozenset({"chemotherapy", "radiotherapy"})


@rule(
    "ocg.I.C.21.c.reason.v2",
    "I.C.21.c.2-16, IV",
    "a visit for screening, chemotherapy, a preoperative examination, aftercare",
)
def _reasons(
    cands: list[Candidate], ctx: Context, earlier: bool = False, rule_id: str = "ocg.I.C.21.c.reason.v2"
) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for name, code, ref, mention in _reason_mentions(ctx, earlier):
        if ctx.setting == "inpatient" and name not in INPATIENT_REASONS:
            continue
        if code.startswith("Z01.81") and any(c.code.startswith("Z01.81") for c in cands):
            continue  # one preprocedural examination: the most specific pattern came first
        if any(c.code == code for c in cands) or ctx.index.get(code) is None:
            continue
        cand = Candidate(code, matched={code}, mentions=[replace(mention, term=name, ref=ref)])
        cand.confidence = fact_confidence(cand)
        cand.rules.append(rule_id)
        cand.steps.append(f"the visit is for {mention.text!r} -> {code} (OCG {ref})")
        cands.append(cand)
    return cands


@rule(REASON_ID, "I.C.21.c.2-16, IV", "a visit for screening, chemotherapy, a preoperative examination, aftercare")
def _reasons_v3(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # v3: a reason the words place before the visit ("admitted with neutropenic fever 8 days after
    # cycle 2 of chemotherapy") is an earlier encounter's, not this one's (v2 coded Z51.11 first).
    return _reasons(cands, ctx, earlier=True, rule_id=REASON_ID)


@rule(
    REASON_SEQUENCE_ID,
    "I.C.21.c, IV",
    "the reason for the visit first-listed, the condition it is for after it",
    stage="sequence",
)
def _reason_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    reasons = [c for c in ordered if REASON_ID in c.rules]
    for reason in reversed(reasons):
        if ordered[0] is reason:
            continue
        ordered.remove(reason)
        ordered.insert(0, reason)
        reason.rules.append(REASON_SEQUENCE_ID)
        reason.steps.append("first-listed: the reason for the visit (OCG I.C.21.c, IV)")
    return ordered


# --- observation, follow-up and aftercare (OCG I.C.21.c.6-8) -------------------------------------------------------

OBSERVATION_ID = "ocg.I.C.21.c.6.observation.v1"
FOLLOW_UP_ID = "ocg.I.C.21.c.8.follow-up.v1"
AFTERCARE_ID = "ocg.I.C.21.c.7.treated.v1"
REASON_FIRST_ID = "ocg.I.C.21.c.6-8.sequence.v1"

# (pattern of the accident, code): Z04.1-Z04.3 titles, "Encounter for examination and observation
# following transport / work / other accident"
_ACCIDENTS = (
    (
        r"(?:motor\s+vehicle|car|auto(?:mobile)?|traffic|road|bicycle|bike|motorcycle|pedestrian|bus|truck)\s+"
        r"(?:collision|accident|crash|versus\s+\w+)|\bMVC\b|\bMVA\b|\bcar\s+wreck",
        "Z04.1",
    ),
    (r"(?:work|workplace|occupational|industrial|on[- ]the[- ]job)\s+(?:accident|incident)", "Z04.2"),
    (r"(?:a\s+|an\s+)?(?:fall|accident|sports\s+collision)", "Z04.3"),
)
_OBSERVE = re.compile(
    r"\b(?:observation|observed|observe|evaluation|evaluated|examination|examined|checked|check)\b[^.;]{0,40}?"
    r"\b(?:after|following)\s+(?:an?\s+|the\s+)?(?:minor\s+|low[- ]speed\s+|high[- ]speed\s+)?",
    re.IGNORECASE,
)
_ACCIDENT_PATTERNS = tuple((re.compile(p, re.IGNORECASE), code) for p, code in _ACCIDENTS)
_INJURY = ("S", "T0", "T1", "T2", "T3")


@rule(
    OBSERVATION_ID,
    "I.C.21.c.6",
    "observation after an accident for a suspected injury that is ruled out: Z04.1-Z04.3",
)
def _observation(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.21.c.6: the observation codes are "for use in very limited circumstances when a person is
    # being observed for a suspected condition that is ruled out"; Z04.1 after a transport
    # accident, Z04.2 a work accident, Z04.3 another accident.  Not when an injury is diagnosed (it
    # is coded instead).  The reason for the encounter, first-listed (or principal).
    if ctx.analyzed is None or any(c.code.startswith("Z04") for c in cands):
        return cands
    if any(c.code.startswith(_INJURY) and any(m.affirmed for m in c.mentions) for c in cands):
        return cands
    for document, section, start, end in reason_spans(ctx):
        observe = _OBSERVE.search(document.text, start, end)
        if observe is None:
            continue
        for pattern, code in _ACCIDENT_PATTERNS:
            accident = pattern.match(document.text, observe.end(), end)
            if accident is None or ctx.index.get(code) is None:
                continue
            match = re.compile(re.escape(document.text[observe.start() : accident.end()])).search(document.text, start)
            mention = _mention(document, section, match) if match else None
            if mention is None:
                break
            title = ctx.index.get(code).description
            cand = Candidate(
                code, matched={code}, mentions=[replace(mention, term=title, ref=f"I.C.21.c.6: {code} {title}")]
            )
            cand.confidence = fact_confidence(cand)
            cand.rules.append(OBSERVATION_ID)
            cand.steps.append(
                f"observed after the accident ({accident.group(0)!r}), no injury found -> {code} (OCG I.C.21.c.6)"
            )
            cands.append(cand)
            return cands
    return cands


# Personal history codes of conditions that no longer exist (Tabular Z86-Z87 titles): the
# condition's code prefix -> its history code (OCG I.C.21.c.4)
HISTORY_CODES = (
    (("J12", "J13", "J14", "J15", "J16", "J17", "J18"), "Z87.01"),
    (("N39.0", "N30", "N10"), "Z87.440"),
    (("I80", "I81", "I82"), "Z86.718"),
    (("I26",), "Z86.711"),
    (("I63", "G45"), "Z86.73"),
    (("K25", "K26", "K27", "K28"), "Z87.11"),
    (("N20", "N21", "N22", "N23"), "Z87.442"),
    (("A15", "A16", "A17", "A18", "A19"), "Z86.11"),
    (("U07.1",), "Z86.16"),
    (("A41.02", "B95.62", "J15.212"), "Z86.14"),
    (("A", "B"), "Z86.19"),
)
_COMPLETED = re.compile(
    r"\b(?:after|following)\s+(?:completing|completion\s+of|completed|finishing|finished|a\s+completed)\b"
    r"|\b(?:completed|finished)\s+(?:(?:a|the|her|his|their)\s+)?(?:\w+\s+){0,3}?(?:treatment|therapy|course|antibiotics?)\b",
    re.IGNORECASE,
)
_RESOLVED = re.compile(r"\b(?:resolved|cleared|clear|normal|recovered|healed|no\s+residual)\b", re.IGNORECASE)
_FOLLOW = re.compile(r"\bfollow[- ]?up\b|\brecheck\b|\bre-?evaluation\b", re.IGNORECASE)


def history_code(code: str) -> str | None:
    """The personal history code (Z86-Z87) of a condition that no longer exists (None: none listed)."""
    for prefixes, target in HISTORY_CODES:
        if code.startswith(prefixes):
            return target
    return None


@rule(
    FOLLOW_UP_ID,
    "I.C.21.c.8, I.C.21.c.4",
    "a follow-up visit after completed treatment of a resolved condition: Z09 first, its history code",
)
def _follow_up(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.21.c.8: "The follow-up codes are used to explain continuing surveillance following
    # completed treatment of a disease, condition, or injury.  They imply that the condition has been
    # fully treated and no longer exists ... The follow-up code is sequenced first, followed by the
    # history code."  Z09 (conditions other than malignant neoplasm; Z08 is chapter 2's).  The visit's
    # reason says follow-up after completed treatment, the note that it resolved; the condition
    # followed up is the one its reason names.  A chronic condition is never "no longer existing".
    if ctx.setting == "inpatient" or ctx.analyzed is None or any(c.code in ("Z08", "Z09") for c in cands):
        return cands
    chronic = tuple(rules_data()["chronic"]["prefixes"])
    for document, section, start, end in reason_spans(ctx):
        follow = _FOLLOW.search(document.text, start, end)
        completed = _COMPLETED.search(document.text, start, end) if follow else None
        if follow is None or completed is None or not _RESOLVED.search(document.text):
            continue
        treated = [
            c
            for c in cands
            if not c.code.startswith(("Z", "C", "D0", "D3", "D4"))
            and not any(matches_prefix(c.code, p) for p in chronic)
            and c.mentions
            and all(
                m.document_id == document.document_id and start <= m.start < end for m in c.mentions if not m.negated
            )
        ]
        if not treated:
            continue
        mention = _mention(document, section, follow)
        if mention is None:
            return cands
        for cand in treated:
            z = history_code(cand.code)
            _drop(cands, ctx, cand, FOLLOW_UP_ID, "treatment completed, resolved: no longer exists (OCG I.C.21.c.8)")
            if z is None or ctx.index.get(z) is None or any(c.code == z for c in cands):
                continue
            history = Candidate(z, matched={cand.code}, mentions=list(cand.mentions))
            history.confidence = cand.confidence
            history.rules.append(FOLLOW_UP_ID)
            history.steps.append(
                f"{cand.code}, treated and resolved -> personal history {z} (OCG I.C.21.c.8, I.C.21.c.4)"
            )
            cands.append(history)
        cand = Candidate(
            "Z09",
            matched={"Z09"},
            mentions=[
                replace(
                    mention,
                    term="follow-up examination after completed treatment",
                    ref="Examination -> follow-up (routine) (following) -> Z09 (OCG I.C.21.c.8)",
                )
            ],
        )
        cand.confidence = fact_confidence(cand)
        cand.rules.append(FOLLOW_UP_ID)
        cand.steps.append(
            f"the visit is a {follow.group(0)!r} {completed.group(0)!r} treatment of "
            f"{', '.join(c.code for c in treated)} -> Z09, first-listed (OCG I.C.21.c.8)"
        )
        cands.append(cand)
        return cands
    return cands


_AFTERCARE = ("Z48.0", "Z47.1")
_OPERATION_FOR = re.compile(
    r"\b(?:after|following|s/p|status\s+post|post)\b[^.;]{0,50}?"
    r"\b(?:\w+ectomy|\w+otomy|\w+plasty|\w+pexy|surgery|repair|resection|excision|operation|procedure|replacement|"
    r"TKA|THA|TKR|THR)\b(?:\s+(?:performed|done|undertaken|\d+|weeks?|days?|months?|ago))*"
    r"\s+for\s+(?:(?:an?|the|her|his|their)\s+)?$",
    re.IGNORECASE,
)
# the condition a joint replacement treated, read inside the matched words ("knee arthroplasty for
# osteoarthritis" matched as knee osteoarthritis)
_REPLACED_FOR = re.compile(r"\b(?:replacement|arthroplasty)\s+(?:(?:performed|done)\s+)?for\b", re.IGNORECASE)
# ... or told before it ("Left TKA 3 weeks ago for osteoarthritis of the left knee")
_REPLACED_BEFORE = re.compile(
    r"\b(?:replacement|arthroplasty|TKA|THA|TKR|THR)\b(?:\s+(?:performed|done|\d+|weeks?|days?|months?|ago))*"
    r"\s+for\s+(?:[\w-]+\s+){0,2}$",
    re.IGNORECASE,
)


@rule(
    AFTERCARE_ID,
    "I.C.21.c.7",
    "an aftercare visit: the condition the operation treated is not coded",
)
def _aftercare_treated(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.21.c.7: "Aftercare visit codes cover situations when the initial treatment of a disease has
    # been performed and the patient requires continued care during the healing or recovery phase";
    # the condition the operation removed or repaired ("dressing change after appendectomy for
    # acute appendicitis") no longer exists.  A chronic condition stays; a malignancy is chapter 2's.
    if ctx.analyzed is None or not any(c.code.startswith(_AFTERCARE) and REASON_ID in c.rules for c in cands):
        return cands
    chronic = tuple(rules_data()["chronic"]["prefixes"])
    # a joint replaced no longer has the arthritis (or fracture, necrosis) the replacement was for
    joint = any(c.code == "Z47.1" and REASON_ID in c.rules for c in cands)
    for cand in list(cands):
        if cand.code.startswith(("Z", "C", "D0", "D3", "D4")):
            continue
        if any(matches_prefix(cand.code, p) for p in chronic) and not (joint and cand.code.startswith(("M", "S7"))):
            continue
        live = [m for m in cand.mentions if not m.negated]
        if not live:
            continue
        fors = []
        for m in live:
            document = ctx.analyzed.document(m.document_id)
            s_start, _ = document.sentence_at(m.start)
            found = _OPERATION_FOR.search(document.text[max(s_start, m.start - 100) : m.start])
            if joint and found is None:
                found = _REPLACED_FOR.search(m.text) or _REPLACED_BEFORE.search(
                    document.text[max(s_start, m.start - 60) : m.start]
                )
            fors.append(found)
        if all(fors):
            _drop(
                cands,
                ctx,
                cand,
                AFTERCARE_ID,
                f"what the operation treated ({fors[0].group(0).strip()!r}): aftercare, not coded (OCG I.C.21.c.7)",
            )
    return cands


# --- IV.J: a condition an earlier operation removed ----------------------------------------------------------------

TREATED_BEFORE_ID = "ocg.IV.J.removed-before.v1"
_REMOVED_FOR = re.compile(
    r"\b(?:\w+ectomy|resection|excision|removal|amputation|repair|replacement|arthroplasty|ostomy|stomy)\s+"
    r"(?:\([^)]{0,20}\)\s+)?(?:\w+\s+){0,2}?(?:for|of|due\s+to)\s+(?:(?:symptomatic|recurrent|complicated|acute|"
    r"chronic|perforated|ruptured|severe|the|a|an|her|his)\s+)*$",
    re.IGNORECASE,
)
_BEFORE_VISIT = re.compile(
    r"\b(?:s/p|status\s+post|post-?op\w*|ago|(?:days?|weeks?|months?|years?)\s+after|after\s+(?:her|his|a|an|the)?\s*"
    r"\w*\s*(?:\w+ectomy|resection|surgery|repair)|(?:in|since)\s+(?:19|20)\d\d|(?:19|20)\d\d\b)",
    re.IGNORECASE,
)


@rule(
    TREATED_BEFORE_ID,
    "IV.J (code all documented conditions that coexist at the time of the encounter), I.C.21.c.7 (aftercare when "
    "the condition no longer exists)",
    "in an office visit, the condition an earlier operation was for ('2 weeks after cholecystectomy for "
    "cholelithiasis') no longer exists: not coded",
)
def _removed_before(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # OCG IV.J: "Code all documented conditions that coexist at the time of the encounter/visit";
    # I.C.21.c.7: aftercare codes are for "when the initial treatment of a disease has been performed
    # and the patient requires continued care during the healing or recovery phase" -- the gallstones
    # removed two weeks ago are not the patient's now.  Office and ED visits only: a discharge summary's
    # "s/p cholecystectomy for acute cholecystitis" is the stay's own operation.
    if ctx.analyzed is None or ctx.setting == "inpatient":
        return cands
    if any(c.code.startswith(_AFTERCARE) and REASON_ID in c.rules for c in cands):
        return cands  # an aftercare visit: ocg.I.C.21.c.7.treated says what the operation treated
    for cand in list(cands):
        live = [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]
        if not live or cand.code.startswith(("Z", "C", "T", "S")):
            continue
        removed = True
        for m in live:
            document = ctx.analyzed.document(m.document_id)
            start, _ = document.sentence_at(m.start)
            # "sigmoid colectomy for diverticulitis" may itself be the gapped wording of the mention
            inner = re.search(r"\b(?:for|due\s+to)\s+", m.text)
            cut = m.start + inner.end() if inner else m.start
            before = document.text[max(start, m.start - 80) : cut]
            if not (_REMOVED_FOR.search(before) and _BEFORE_VISIT.search(document.text[start : m.end + 20])):
                removed = False
                break
        if removed:
            _drop(
                cands,
                ctx,
                cand,
                TREATED_BEFORE_ID,
                "not coded: the condition an earlier operation removed or repaired no longer exists (OCG IV.J)",
            )
    return cands


JOINT_ID = "ocg.I.C.21.c.7.joint-status.v1"
# Z47.1 "Use additional code to identify the joint (Z96.6-)": the joint's status code by joint and side
_JOINT_STATUS = (
    (r"hip|THA|THR", "Z96.64"),
    (r"knee|TKA|TKR", "Z96.65"),
    (r"shoulder", "Z96.61"),
    (r"elbow", "Z96.62"),
    (r"wrist", "Z96.63"),
    (r"ankle", "Z96.66"),
)
_SIDE_DIGIT = {"right": "1", "left": "2", "bilateral": "3"}


@rule(JOINT_ID, "I.C.21.c.7 (Tabular Z47.1)", "aftercare following joint replacement: the joint's Z96.6- status code")
def _joint_status(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # Tabular Z47.1 Aftercare following joint replacement surgery: "Use additional code to identify
    # the joint (Z96.6-)"; the joint and side are those of the replacement the visit is after.
    aftercare = next((c for c in cands if c.code == "Z47.1" and REASON_ID in c.rules), None)
    if aftercare is None:
        return cands
    words = aftercare.mentions[0].text
    for pattern, prefix in _JOINT_STATUS:
        if not re.search(rf"\b(?:{pattern})\b", words, re.IGNORECASE):
            continue
        side = re.search(r"\b(right|left|bilateral)\b", words, re.IGNORECASE)
        code = prefix + _SIDE_DIGIT.get(side.group(1).lower() if side else "", "9")
        if ctx.index.get(code) is None:
            return cands
        for other in [c for c in cands if c.code.startswith(prefix)]:
            if other.code == code:
                return cands
            _drop(cands, ctx, other, JOINT_ID, f"the joint's side is documented: {code} (OCG I.C.21.c.7)")
        cand = Candidate(code, matched={code}, mentions=list(aftercare.mentions))
        cand.confidence = aftercare.confidence
        cand.rules.append(JOINT_ID)
        cand.steps.append(f"aftercare following {words!r}: the joint's status {code} (Tabular Z47.1, OCG I.C.21.c.7)")
        cands.append(cand)
        return cands
    return cands


DEVICE_ID = "ocg.I.C.21.c.3.device-status.v1"
# Z45.- encounter code -> the status codes of the same device it already identifies
_DEVICE_STATUS = (("Z45.01", ("Z95.0",)), ("Z45.02", ("Z95.810",)))


@rule(DEVICE_ID, "I.C.21.c.3", "a status code is not used with the Z45 encounter code of the same device")
def _device_status(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.21.c.3: "A status code should not be used with a diagnosis code from one of the body
    # system chapters, if the diagnosis code includes the information provided by the status code";
    # Z45.0- (adjustment and management of a cardiac device) already says the device is present.
    for prefix, statuses in _DEVICE_STATUS:
        if not any(c.code.startswith(prefix) for c in cands):
            continue
        for cand in [c for c in cands if c.code in statuses]:
            _drop(cands, ctx, cand, DEVICE_ID, f"the {prefix} encounter code identifies the device (OCG I.C.21.c.3)")
    return cands


@rule(
    REASON_FIRST_ID,
    "I.C.21.c.6-8, IV",
    "observation and follow-up codes first-listed: the reason for the encounter",
    stage="sequence",
)
def _observation_follow_up_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    from medcoder.coding.neoplasms import FOLLOW_UP_ID as CANCER_FOLLOW_UP_ID

    ids = (OBSERVATION_ID, FOLLOW_UP_ID, CANCER_FOLLOW_UP_ID)
    reasons = [c for c in ordered if c.code.startswith(("Z04", "Z08", "Z09")) and any(r in c.rules for r in ids)]
    for reason in reversed(reasons):
        if ordered[0] is reason:
            continue
        ordered.remove(reason)
        ordered.insert(0, reason)
        reason.rules.append(REASON_FIRST_ID)
        reason.steps.append("first-listed: the reason for the encounter (OCG I.C.21.c.6-8, IV)")
    return ordered
