"""The newborn's birth episode (OCG I.C.16.a.2, I.C.16.a.6; Tabular Z38).

* I.C.16.a.2: "When coding the birth episode in a newborn record, assign a code from category Z38,
  Liveborn infants according to place of birth and type of delivery, as the principal diagnosis."
* Tabular Z38: "This category is for use as the principal code on the initial record of a newborn
  baby."  The newborn's conditions (I.C.16.a.6, clinically significant ones) follow it.
* The newborn record's own codes: Z38 by place of birth and type of delivery (Index: Newborn (infant)
  (liveborn) (singleton) -> born in hospital Z38.00, by cesarean Z38.01; born outside hospital Z38.1),
  never on a record of a newborn transferred in (I.C.16.a.2: "a code from category Z38 is used only on
  the initial record"), nor the mother's outcome of delivery Z37 (I.C.15.b.5: mother's record only);
  a suspected condition ruled out after observation, Z05.- (I.C.16.b); birth weight and gestational
  age, P07.0-P07.3, weight first (I.C.16.e).
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate, Mention, matched_mention
from medcoder.coding.features import fact_confidence
from medcoder.coding.guidelines import Context, _drop, rule

BIRTH_ID = "ocg.I.C.16.a.2.birth.v1"


@rule(
    BIRTH_ID,
    "I.C.16.a.2 (Tabular Z38)",
    "the birth episode's Z38 code is the principal diagnosis of the newborn record",
    stage="sequence",
)
def _birth_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    births = [c for c in ordered if c.code.startswith("Z38")]
    if not births or ordered[0] is births[0]:
        return ordered
    birth = births[0]
    ordered.remove(birth)
    ordered.insert(0, birth)
    birth.rules.append(BIRTH_ID)
    birth.steps.append("the birth episode: Z38 is the principal diagnosis of the newborn record (OCG I.C.16.a.2)")
    return ordered


RECORD_ID = "ocg.I.C.16.a.2.newborn-record.v2"
RULED_OUT_ID = "ocg.I.C.16.b.ruled-out.v1"
MATURITY_ID = "ocg.I.C.16.e.weight-gestation.v1"
MATURITY_FIRST_ID = "ocg.I.C.16.e.sequence.v1"

# the record is the newborn's: the infant is its subject
_NEWBORN_SUBJECT = re.compile(
    r"\b(?:(?:term|full[- ]term|preterm|premature|post[- ]?term|late[- ]preterm|liveborn|live[- ]born|newborn|"
    r"singleton|twin(?:\s+[AB])?)\s+)+(?:male|female|boy|girl|infant|neonate|newborn|baby)\b"
    r"|\b(?:baby|infant)\s+(?:boy|girl)\b|\bday\s+(?:\d+|one|two|three)\s+of\s+life\b|\b(?:DOL)\s*\d+\b"
    r"|\b(?:newborn|neonate|infant)\s+(?:was\s+)?(?:born|delivered)\b",
    re.IGNORECASE,
)
# ... not the mother's (a delivery record names the mother's pregnancy)
_MOTHER_RECORD = re.compile(
    r"\b(?:G\d+\s*P\d+|gravida|primigravida|multigravida|para\s+\d|postpartum|she\s+delivered|"
    r"(?:patient|mother)\s+(?:was\s+)?delivered\s+(?:of\s+)?an?\b|laboring|in\s+labor|spontaneous\s+vaginal\s+delivery\s+of)\b",
    re.IGNORECASE,
)
# ... nor an older child's ("an 11-month-old baby boy" having surgery): a newborn is 28 days old at most
_OLDER = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)[- ]?(?:months?|mos?|years?|yrs?)"
    r"[- ]old\b|\b\d+\s*(?:yo|y/o|y\.o\.|yrs?|years?)\b|\b(?:[5-9]|\d\d+)[- ]?(?:weeks?|wks?)[- ]old\b",
    re.IGNORECASE,
)
# where a baby named in the note is someone else's ("Lives with husband and their 3 week old baby girl")
_NOT_THE_PATIENT = frozenset({"social_history", "family_history", "past_medical_history", "medications", "allergies"})
_TRANSFERRED = re.compile(
    r"\b(?:transferred|transfer(?:red)?\s+in|admitted\s+from|transported)\b[^.;]{0,40}?"
    r"\b(?:from|on\s+day|day\s+\d+|of\s+life|outside|another|referring)\b|\btransferred\s+in\b",
    re.IGNORECASE,
)
_OUTSIDE = re.compile(
    r"\b(?:born|delivered|birth)\s+(?:at\s+home|outside\s+(?:the\s+|of\s+)?hospital|en\s+route|in\s+(?:the|an)\s+"
    r"(?:car|ambulance|field)|before\s+arrival|prehospital)\b|\b(?:home|precipitous\s+field)\s+(?:birth|delivery)\b",
    re.IGNORECASE,
)
_CESAREAN = re.compile(r"\b(?:cesarean|caesarean|c-section|c\s+section|LTCS|LTCS|by\s+section)\b", re.IGNORECASE)
_VAGINAL = re.compile(r"\b(?:vaginal(?:ly)?|SVD|NSVD|spontaneous\s+delivery|vacuum|forceps)\b", re.IGNORECASE)
_IN_HOSPITAL = re.compile(r"\b(?:in|at)\s+(?:this|our|the)\s+(?:hospital|facility|birthing\s+center)\b", re.I)
_MULTIPLE = (
    (re.compile(r"\btwins?\b", re.I), "Z38.3", "Z38.4", "Z38.5"),
    (re.compile(r"\btriplets?\b", re.I), "Z38.6", "Z38.7", "Z38.8"),
)


# words only a delivery record (the mother's) has: her pregnancy, the operation on her, her blood loss
_MOTHER_OPERATION = re.compile(
    r"\b(?:intrauterine\s+pregnancy|(?-i:IUP)|(?-i:EBL)|estimated\s+blood\s+loss|hysterotomy|uterine\s+incision|"
    r"placenta\s+(?:was\s+)?(?:delivered|removed|expressed)|delivery\s+of\s+(?:the\s+)?placenta|fundal\s+height|"
    r"perineal\s+laceration|laceration\s+(?:was\s+)?repaired|trial\s+of\s+labor|(?-i:TOLAC|VBAC)|"
    r"(?:previous|prior)\s+c(?:a)?esarean|(?:delivery|delivered)\s+(?:at\s+\d+\s*(?:weeks?|wks?)\s+)?of\s+(?:a|an)\s+"
    r"(?:(?:single|singleton|healthy|viable|vigorous|term)\s+)*(?:live\s*born|infant|male|female|baby|newborn))\b",
    re.IGNORECASE,
)
# a sentence about the mother in the newborn's record ("born to a 28 yo G2P2 mother", "Mother is a 30 yo G3P3
# with chronic hypertension"): her age, gravidity and conditions are hers
_ABOUT_MOTHER = re.compile(r"\b(?:mother|mother's|maternal|mom|(?-i:MOB)|born\s+to)\b", re.IGNORECASE)


def _said_of_mother(document, start: int) -> bool:
    s_start, s_end = document.sentence_at(start)
    return bool(_ABOUT_MOTHER.search(document.text, s_start, s_end))


def _mother_or_older(document) -> bool:
    """Words of the mother's record, or of an older patient's, that are not said of the newborn's mother."""
    text = document.text
    for pattern in (_MOTHER_RECORD, _OLDER, _MOTHER_OPERATION):
        if any(not _said_of_mother(document, m.start()) for m in pattern.finditer(text)):
            return True
    return False


def newborn_record(ctx: Context) -> tuple[object, re.Match] | None:
    """(document, match) of the words that make the record a newborn's, None on another record.

    v2: the mother's age, gravidity and history in a sentence about her ("born to a 28 yo G2P2 mother")
    do not make the newborn's record hers; words only a delivery record has (intrauterine pregnancy,
    estimated blood loss, hysterotomy, placenta delivered) make a delivery note's "liveborn male infant"
    the outcome of her delivery, not a newborn's record.  Read once per encounter: the newborn rules
    all ask."""
    memo = getattr(ctx.analyzed, "memo", None)
    if memo is None:
        return _find_newborn_record(ctx)
    if "newborn_record" not in memo:
        memo["newborn_record"] = _find_newborn_record(ctx)
    return memo["newborn_record"]


def _find_newborn_record(ctx: Context) -> tuple[object, re.Match] | None:
    for document in getattr(ctx.analyzed, "documents", []):
        if _mother_or_older(document):
            return None
        for match in _NEWBORN_SUBJECT.finditer(document.text):
            if document.section_at(match.start()).name not in _NOT_THE_PATIENT:
                return document, match
    return None


_mention = matched_mention


def _new(code: str, mention: Mention, rule_id: str, step: str) -> Candidate:
    cand = Candidate(code, matched={code}, mentions=[mention])
    cand.confidence = fact_confidence(cand)
    cand.rules.append(rule_id)
    cand.steps.append(step)
    return cand


@rule(
    RECORD_ID,
    "I.C.16.a.2, I.C.15.b.5 (Index: Newborn -> born in hospital Z38.00, by cesarean Z38.01; outside hospital Z38.1)",
    "the newborn's birth episode is Z38 by place and delivery (not the mother's Z37); not after a transfer in",
)
def _newborn_record(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.16.a.2: a Z38 code is the principal diagnosis of the birth episode, "used only on the
    # initial record of a newborn baby": not when the newborn is transferred in.  Z37 (outcome of
    # delivery) "is intended for use only on the maternal record" (I.C.15.b.5), chapter 15 codes
    # likewise (I.C.15.a.1).
    if ctx.setting != "inpatient" or ctx.analyzed is None:
        return cands
    found = newborn_record(ctx)
    if found is None:
        return cands
    document, subject = found
    for cand in [c for c in cands if c.code.startswith(("Z37", "O", "Z3A"))]:
        _drop(cands, ctx, cand, RECORD_ID, "the newborn's record: the mother's pregnancy and delivery codes are hers")
    if any(c.code.startswith("Z38") for c in cands) or _TRANSFERRED.search(document.text):
        return cands
    single, hospital, outside = "Z38.0", "Z38.0", "Z38.1"
    for pattern, hosp, out, _unspecified in _MULTIPLE:
        if pattern.search(document.text):
            hospital, outside = hosp, out
            break
    if _OUTSIDE.search(document.text):
        code, why = outside, "born outside hospital"
    else:
        cesarean = _CESAREAN.search(document.text)
        code = hospital + ("1" if cesarean else "0")
        why = "born in hospital, " + ("by cesarean" if cesarean else "delivered vaginally (the Index default)")
    del single
    if ctx.index.get(code) is None:
        return cands
    mention = _mention(
        document,
        subject,
        "Newborn (infant) (liveborn) (singleton)",
        "Newborn -> born in hospital Z38.00; by cesarean "
        "Z38.01; born outside hospital Z38.1; twin Z38.3-/Z38.4 (OCG I.C.16.a.2)",
    )
    cands.append(_new(code, mention, RECORD_ID, f"the newborn's birth episode ({subject.group(0)!r}), {why} -> {code}"))
    return cands


# suspected newborn condition -> Z05.- (Tabular Z05 titles: the kind of condition ruled out)
RULED_OUT_KINDS = (
    (r"sepsis|septic|infection|infectious|chorioamnionitis|GBS|group\s+B\s+strep\w*|meningitis|HSV|herpes", "Z05.1"),
    (r"cardiac|heart|murmur|congenital\s+heart|CHD|arrhythmia", "Z05.0"),
    (r"seizure|neurologic\w*|intraventricular|hemorrhage|encephalopathy|stroke", "Z05.2"),
    (r"respiratory|pneumonia|TTN|tachypnea|apnea|RDS|pneumothorax", "Z05.3"),
    (r"genetic|chromosomal|trisomy", "Z05.41"),
    (r"metabolic|hypoglycemia|inborn\s+error", "Z05.42"),
    (r"immunologic\w*", "Z05.43"),
    (r"gastrointestinal|NEC|necrotizing|obstruction|feeding", "Z05.5"),
    (r"genitourinary|urinary|renal|kidney", "Z05.6"),
    (r"skin", "Z05.71"),
    (r"musculoskeletal|hip\s+dysplasia|fracture", "Z05.72"),
)
_RULED_OUT_KINDS = tuple((re.compile(rf"\b(?:{p})\b", re.IGNORECASE), code) for p, code in RULED_OUT_KINDS)
_OBSERVED_FOR = re.compile(
    r"\b(?:observ\w*|evaluat\w*|monitor\w*|work(?:ed)?[- ]?up|watched)\b[^.;]{0,20}?\bfor\s+(?:(?:a|an|the|possible|"
    r"suspected|presumed|potential|probable|concern\s+for|rule[- ]out)\s+)+([^.;]{3,60})",
    re.IGNORECASE,
)
_RULED_OUT = re.compile(
    r"\bruled\s+out\b|\bexcluded\b|\bcultures?\s+(?:were\s+|was\s+|remained\s+)?negative\b|\bno\s+evidence\s+of\b",
    re.IGNORECASE,
)


@rule(
    RULED_OUT_ID,
    "I.C.16.b",
    "a healthy newborn observed for a suspected condition that is ruled out: Z05.- by its kind",
)
def _newborn_ruled_out(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.16.b: "Assign a code from category Z05 ... to identify those instances when a healthy
    # newborn is evaluated for a suspected condition that is determined after study not to be
    # present.  Do not use a code from category Z05 when the patient has identified signs or
    # symptoms of a suspected problem"; a Z05 code may follow the Z38 code.
    if ctx.analyzed is None or any(c.code.startswith("Z05") for c in cands) or newborn_record(ctx) is None:
        return cands
    for document in ctx.analyzed.documents:
        for observed in _OBSERVED_FOR.finditer(document.text):
            _, s_end = document.sentence_at(observed.start())
            # the result in the same or the next sentence ("... for possible sepsis.  Cultures negative, ruled out.")
            _, next_end = document.sentence_at(s_end + 1) if s_end + 1 < len(document.text) else (0, s_end)
            if not _RULED_OUT.search(
                document.text, observed.end(1), max(s_end, next_end) + 1
            ) and not _RULED_OUT.search(observed.group(1)):
                continue
            code = next((c for pattern, c in _RULED_OUT_KINDS if pattern.search(observed.group(1))), "Z05.9")
            if ctx.index.get(code) is None:
                continue
            # a symptom the newborn has is not a healthy newborn's (I.C.16.b): none coded in the sentence
            if any(
                c.code.startswith(("R", "P"))
                and any(m.affirmed and observed.start() <= m.start < s_end for m in c.mentions)
                for c in cands
            ):
                continue
            mention = _mention(
                document, observed, "Observation -> newborn -> suspected condition, ruled out", "Z05.- (OCG I.C.16.b)"
            )
            for cand in [c for c in cands if c.code.startswith(("P00.2", "P36", "P39")) and c.mentions]:
                if all(observed.start() <= m.start < s_end for m in cand.mentions):
                    _drop(cands, ctx, cand, RULED_OUT_ID, "the suspected condition was ruled out (OCG I.C.16.b)")
            cands.append(
                _new(code, mention, RULED_OUT_ID, f"observed for {observed.group(1).strip()!r}, ruled out -> {code}")
            )
            return cands
    return cands


_WEIGHT = re.compile(
    r"\b(?:birth\s*weight|BW|weigh(?:ed|ing|s)?\s+at\s+birth)\s*(?:of|was|is|:|=)?\s*(\d{3,4})\s*(?:g|gm|gms|grams)\b"
    r"|\b(\d{3,4})\s*(?:g|gm|gms|grams)\s+(?:at\s+birth|birth\s*weight)\b",
    re.IGNORECASE,
)
_GESTATION = re.compile(
    r"\b(\d{2})\s*(?:\+\s*\d|and\s+\d\s*/\s*7|\d/7)?\s*(?:completed\s+)?(?:weeks?|wks?)(?:'|\s+of)?\s*"
    r"(?:gestation(?:al\s+age)?|GA|estimated\s+gestational\s+age)\b"
    r"|\b(?:GA|gestational\s+age)\s*(?:of|:|=)?\s*(\d{2})\s*(?:\+\s*\d|\d/7)?\s*(?:completed\s+)?(?:weeks?|wks?)?\b"
    r"|\b(\d{2})[- ]week(?:er|\s+(?:preterm|premature))\b",
    re.IGNORECASE,
)


def weight_code(grams: int) -> str | None:
    """P07.0- / P07.1- for a birth weight under 2500 g (Tabular P07.0-P07.1 titles)."""
    bands = (
        (500, "P07.01"), (750, "P07.02"), (1000, "P07.03"), (1250, "P07.14"), (1500, "P07.15"),
        (1750, "P07.16"), (2000, "P07.17"), (2500, "P07.18"),
    )  # fmt: skip
    return next((code for limit, code in bands if grams < limit), None)


def gestation_code(weeks: int) -> str | None:
    """P07.2- / P07.3- for a gestational age under 37 completed weeks (Tabular P07.2-P07.3 titles)."""
    if weeks < 23:
        return "P07.21"
    if weeks < 28:
        return f"P07.2{weeks - 21}"
    if weeks < 37:
        return f"P07.3{weeks - 27}"
    return None


@rule(
    MATURITY_ID,
    "I.C.16.e (Tabular P07)",
    "a newborn's low birth weight and preterm gestational age: both P07 codes, by the documented grams and weeks",
)
def _weight_gestation(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.16.e: "Codes from category P07 ... are for use for a child or adult who was premature ...
    # When both birth weight and gestational age are available, two codes from category P07 should be
    # assigned, with the code for birth weight sequenced before the code for gestational age."  The
    # documented grams and completed weeks give the 5th character; the unspecified P07.10 / P07.30
    # give way.  The newborn's record only (a maternal record's weeks are Z3A).
    if ctx.analyzed is None or newborn_record(ctx) is None:
        return cands
    found: list[tuple[str, Mention, str]] = []
    for document in ctx.analyzed.documents:
        weight = _WEIGHT.search(document.text)
        if weight is not None and not any(code.startswith(("P07.0", "P07.1")) for code, _, _ in found):
            code = weight_code(int(weight.group(1) or weight.group(2)))
            if code is not None:
                mention = _mention(document, weight, "Low birthweight (infant) -> grams", "P07.0-/P07.1- by grams")
                found.append((code, mention, f"birth weight {weight.group(0)!r}"))
        weeks = _GESTATION.search(document.text)
        if weeks is not None and not any(code.startswith(("P07.2", "P07.3")) for code, _, _ in found):
            code = gestation_code(int(weeks.group(1) or weeks.group(2) or weeks.group(3)))
            if code is not None:
                mention = _mention(document, weeks, "Preterm (infant) -> gestational age", "P07.2-/P07.3- by weeks")
                found.append((code, mention, f"gestational age {weeks.group(0)!r}"))
    for code, mention, why in found:
        if ctx.index.get(code) is None or any(c.code == code for c in cands):
            continue
        group = code[:5]
        for other in [
            c for c in cands if c.code.startswith(group) or c.code in ("P07.10", "P07.30", "P07.20", "P07.00")
        ]:
            if other.code[:5] == group or other.code in (group + "0",):
                _drop(cands, ctx, other, MATURITY_ID, f"the documented {why} gives {code} (OCG I.C.16.e)")
        cands.append(_new(code, mention, MATURITY_ID, f"{why} -> {code} (OCG I.C.16.e)"))
    return cands


@rule(
    MATURITY_FIRST_ID,
    "I.C.16.e",
    "birth weight (P07.0-/P07.1-) before gestational age (P07.2-/P07.3-), after the birth episode's Z38",
    stage="sequence",
)
def _weight_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    weight = next((c for c in ordered if c.code.startswith(("P07.0", "P07.1"))), None)
    weeks = next((c for c in ordered if c.code.startswith(("P07.2", "P07.3"))), None)
    if weight is None or weeks is None or ordered.index(weight) < ordered.index(weeks):
        return ordered
    ordered.remove(weight)
    ordered.insert(ordered.index(weeks), weight)
    weight.rules.append(MATURITY_FIRST_ID)
    weight.steps.append("sequenced before the gestational age: birth weight first (OCG I.C.16.e)")
    return ordered


MOTHER_ID = "ocg.I.C.16.a.6.mother.v1"
_THE_INFANT = re.compile(r"\b(?:infant|newborn|neonate|baby|boy|girl|twin\s+[AB]|he|his|him)\b", re.IGNORECASE)


@rule(
    MOTHER_ID,
    "I.C.16.a.6 (the newborn's own clinically significant conditions), Tabular P00-P04",
    "on the newborn's record, the mother's own conditions ('Mother is a 30 yo with chronic hypertension') are hers",
)
def _mothers_conditions(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # The newborn's record codes the newborn's conditions (I.C.16.a.6); a maternal condition is the
    # newborn's only as its effect on the newborn, P00-P04 ("Newborn affected by maternal ..."), when
    # the provider says so.  A code whose every mention is in a sentence about the mother that does not
    # name the infant is hers.  P codes, the birth episode Z38 and the observation Z05 stay.
    if ctx.analyzed is None or newborn_record(ctx) is None:
        return cands
    for cand in list(cands):
        if cand.code.startswith(("P", "Z38", "Z05")):
            continue
        live = [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical) and m.source != "learned"]
        if not live:
            continue
        hers = True
        for m in live:
            try:
                document = ctx.analyzed.document(m.document_id)
            except (AttributeError, KeyError):
                hers = False
                break
            s_start, s_end = document.sentence_at(m.start)
            sentence = document.text[s_start:s_end]
            if not _ABOUT_MOTHER.search(sentence) or _THE_INFANT.search(sentence):
                hers = False
                break
        if hers:
            _drop(
                cands,
                ctx,
                cand,
                MOTHER_ID,
                f"not coded: {live[0].text!r} is said of the mother, not the newborn; her conditions are coded on "
                "her record, on the newborn's only as they affect the newborn (P00-P04; OCG I.C.16.a.6)",
            )
    return cands


SEPSIS_ID = "ocg.I.C.16.f.newborn-sepsis.v1"
# sepsis code -> the newborn's P36 code by organism (Tabular A40, A41 Excludes1: neonatal sepsis P36.-)
_NEWBORN_SEPSIS = (
    ("A40.1", "P36.0"),
    ("A40", "P36.19"),
    ("A41.0", "P36.2"),
    ("A41.1", "P36.39"),
    ("A41.2", "P36.30"),
    ("A41.51", "P36.4"),
    ("A41.4", "P36.5"),
    ("A41.9", "P36.9"),
    ("A41", "P36.8"),
)
# an organism code documented with an unspecified sepsis -> the P36 code naming it
_ORGANISM_SEPSIS = (
    ("B95.1", "P36.0"),
    ("B95.5", "P36.10"),
    ("B95.0", "P36.19"),
    ("B95.2", "P36.19"),
    ("B95.3", "P36.19"),
    ("B95.4", "P36.19"),
    ("B95.6", "P36.2"),
    ("B95.7", "P36.39"),
    ("B95.8", "P36.30"),
    ("B96.2", "P36.4"),
    ("B96", "P36.8"),
)


# the organism named in the sepsis's own sentence (Index: Sepsis, newborn, due to ...)
_ORGANISM_WORDS = (
    (re.compile(r"\b(?:group\s+B\s+strep\w*|(?-i:GBS)|streptococcus\s+agalactiae)\b", re.I), "P36.0"),
    (re.compile(r"\b(?:E\.?\s*coli|escherichia\s+coli)\b", re.I), "P36.4"),
    (re.compile(r"\b(?:staph\w*\s+aureus|(?-i:MRSA|MSSA))\b", re.I), "P36.2"),
    (re.compile(r"\b(?:coagulase[\s-]negative\s+staph\w*|staph\w*\s+epidermidis|(?-i:CoNS))\b", re.I), "P36.39"),
)


def _organism_in_sentence(ctx: Context, cand: Candidate) -> str | None:
    for m in cand.mentions:
        if m.negated or m.family or m.hypothetical:
            continue
        try:
            document = ctx.analyzed.document(m.document_id)  # type: ignore[union-attr]
        except (AttributeError, KeyError):
            continue
        s_start, s_end = document.sentence_at(m.start)
        sentence = document.text[s_start:s_end]
        found = next((code for pattern, code in _ORGANISM_WORDS if pattern.search(sentence)), None)
        if found is not None:
            return found
    return None


def _same_sentence(ctx: Context, a: Candidate, b: Candidate) -> bool:
    for m in a.mentions:
        try:
            document = ctx.analyzed.document(m.document_id)  # type: ignore[union-attr]
        except (AttributeError, KeyError):
            continue
        s_start, s_end = document.sentence_at(m.start)
        if any(n.document_id == m.document_id and s_start <= n.start < s_end for n in b.mentions):
            return True
    return False


@rule(
    SEPSIS_ID,
    "I.C.16.f (bacterial sepsis of newborn: P36, the organism in the code, no B95-B96), Tabular A40-A41 Excludes1",
    "a newborn's sepsis is P36 by organism, not A40-A41, and no additional organism code",
)
def _newborn_sepsis(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.16.f: "Category P36, Bacterial sepsis of newborn, includes congenital sepsis.  If a perinate
    # is documented as having sepsis without documentation of congenital or community acquired, the
    # default is congenital and a code from category P36 should be assigned.  If the P36 code includes
    # the causal organism, an additional code from category B95 ... or B96 ... should not be assigned."
    if ctx.analyzed is None or newborn_record(ctx) is None:
        return cands
    for cand in [c for c in cands if c.code.startswith(("A40", "A41"))]:
        code = next((p36 for prefix, p36 in _NEWBORN_SEPSIS if cand.code.startswith(prefix)), None)
        if cand.code == "A41.9":  # the organism documented with it ("sepsis of newborn due to group B strep")
            for organism in [c for c in cands if c.code.startswith(("B95", "B96")) and _same_sentence(ctx, cand, c)]:
                code = next((p36 for prefix, p36 in _ORGANISM_SEPSIS if organism.code.startswith(prefix)), code)
                break
            else:
                code = _organism_in_sentence(ctx, cand) or code
        if code is None or ctx.index.get(code) is None:
            continue
        existing = next((c for c in cands if c.code == code), None)
        if existing is None:
            new = _new(
                code, cand.mentions[0], SEPSIS_ID, f"sepsis of the newborn ({cand.code}) -> {code} (OCG I.C.16.f)"
            )
            new.mentions = list(cand.mentions)
            new.confidence = cand.confidence
            cands.insert(cands.index(cand), new)
        _drop(
            cands,
            ctx,
            cand,
            SEPSIS_ID,
            f"replaced by {code}: a newborn's sepsis is P36 (OCG I.C.16.f; A40-A41 Excludes1)",
        )
        if code not in ("P36.8", "P36.9"):
            for other in [c for c in cands if c.code.startswith(("B95", "B96"))]:
                _drop(cands, ctx, other, SEPSIS_ID, f"the organism is in {code} (OCG I.C.16.f)")
    return cands
