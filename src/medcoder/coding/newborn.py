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


RECORD_ID = "ocg.I.C.16.a.2.newborn-record.v1"
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


def newborn_record(ctx: Context) -> tuple[object, re.Match] | None:
    """(document, match) of the words that make the record a newborn's, None on another record."""
    for document in getattr(ctx.analyzed, "documents", []):
        if _MOTHER_RECORD.search(document.text) or _OLDER.search(document.text):
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
