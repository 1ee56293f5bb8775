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

from medcoder.coding.candidates import Candidate, Mention
from medcoder.coding.features import fact_confidence
from medcoder.coding.guidelines import Context, _drop, matches_prefix, rule, rules_data

RULE_ID = "ocg.I.C.21.c.13.v1"
SEQUENCE_ID = "ocg.I.C.21.c.13.sequence.v1"

_EXAM = (
    r"(?:annual|yearly|routine|general|comprehensive|preventive|preventative|wellness|"
    r"well(?:[- ](?:adult|child|woman|man))?)"
    r"(?:\s+(?:adult|medical|health|physical|preventive|wellness|well))*"
    r"\s+(?:physical\s+exam(?:ination)?|physical|exam(?:ination)?|check[- ]?up|visit|evaluation)"
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
        r"\bpre-?operative\s+(?:cardiovascular|cardiac|cardiology)\s+(?:evaluation|examination|exam|clearance|assessment)\b",
        "Z01.810",
        "IV.M, I.C.21.c.13: Z01.810 Encounter for preprocedural cardiovascular examination",
    ),
    (
        "preop-respiratory",
        r"\bpre-?operative\s+(?:respiratory|pulmonary)\s+(?:evaluation|examination|exam|clearance|assessment)\b",
        "Z01.811",
        "IV.M, I.C.21.c.13: Z01.811 Encounter for preprocedural respiratory examination",
    ),
    (
        "preop",
        r"\bpre-?operative\s+(?:medical\s+)?(?:evaluation|examination|exam|clearance|assessment|physical)\b",
        "Z01.818",
        "IV.M, I.C.21.c.13: Z01.818 Encounter for other preprocedural examination",
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
        "suture-removal",
        r"\b(?:suture|sutures|staple|staples)\s+removal\b|\bremoval\s+of\s+(?:the\s+)?(?:sutures|staples)\b",
        "Z48.02",
        "I.C.21.c.7: Z48.02 Encounter for removal of sutures",
    ),
)
REASON_ID = "ocg.I.C.21.c.reason.v1"
REASON_SEQUENCE_ID = "ocg.I.C.21.c.reason.sequence.v1"
_REASONS = tuple((name, re.compile(pattern, re.IGNORECASE), code, ref) for name, pattern, code, ref in REASONS)


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
                spans = [document.sentence_at(section.start)]  # the HPI's opening sentence
                if spans[0][1] < section.end:
                    spans.append(document.sentence_at(spans[0][1] + 1))
            else:
                continue
            out.extend((document, section, start, end) for start, end in spans)
    return out


def _reason_mentions(ctx: Context) -> list[tuple[str, str, str, Mention]]:
    """(name, code, ref, mention) of each reason the visit states."""
    found = []
    for document, section, start, end in reason_spans(ctx):
        for name, pattern, code, ref in _REASONS:
            if any(f[0] == name for f in found):
                continue
            match = pattern.search(document.text, start, end)
            if match is None:
                continue
            mention = _mention(document, section, match)
            if mention is not None:
                found.append((name, code, ref, mention))
    return found


@rule(REASON_ID, "I.C.21.c.2-16, IV", "a visit for screening, chemotherapy, a preoperative examination, aftercare")
def _reasons(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.setting == "inpatient" or ctx.analyzed is None:
        return cands
    for name, code, ref, mention in _reason_mentions(ctx):
        if code.startswith("Z01.81") and any(c.code.startswith("Z01.81") for c in cands):
            continue  # one preprocedural examination: the most specific pattern came first
        if any(c.code == code for c in cands) or ctx.index.get(code) is None:
            continue
        cand = Candidate(code, matched={code}, mentions=[replace(mention, term=name, ref=ref)])
        cand.confidence = fact_confidence(cand)
        cand.rules.append(REASON_ID)
        cand.steps.append(f"the visit is for {mention.text!r} -> {code} (OCG {ref})")
        cands.append(cand)
    return cands


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


_AFTERCARE = ("Z48.0",)
_OPERATION_FOR = re.compile(
    r"\b(?:after|following|s/p|status\s+post|post)\b[^.;]{0,50}?"
    r"\b(?:\w+ectomy|\w+otomy|\w+plasty|\w+pexy|surgery|repair|resection|excision|operation|procedure)\b"
    r"\s+for\s+(?:(?:an?|the|her|his|their)\s+)?$",
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
    for cand in list(cands):
        if cand.code.startswith(("Z", "C", "D0", "D3", "D4")) or any(matches_prefix(cand.code, p) for p in chronic):
            continue
        live = [m for m in cand.mentions if not m.negated]
        if not live:
            continue
        fors = []
        for m in live:
            document = ctx.analyzed.document(m.document_id)
            s_start, _ = document.sentence_at(m.start)
            fors.append(_OPERATION_FOR.search(document.text[max(s_start, m.start - 100) : m.start]))
        if all(fors):
            _drop(
                cands,
                ctx,
                cand,
                AFTERCARE_ID,
                f"what the operation treated ({fors[0].group(0).strip()!r}): aftercare, not coded (OCG I.C.21.c.7)",
            )
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
