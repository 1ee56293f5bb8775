"""Coding attributes of a mention: laterality, acuity, episode, stage, diabetes type, organism,
pregnancy / trimester and anatomical site.

ICD-10-CM spends most of its specificity on these axes (laterality in the 5th/6th character of
injuries and musculoskeletal codes, the 7th-character encounter of injuries -- OCG I.C.19.a --,
CKD stage N18.1-N18.6, diabetes type E08-E13, organism in B95-B97 and the pneumonia / sepsis
combination codes, trimester in chapter 15 -- OCG I.C.15.a.3), so the coding stage asks for them
near every diagnosis mention.  The words are few and regular: one combined regular expression per
call finds all candidates in the window (usually the sentence) and, for each attribute, the
candidate nearest to the target wins (inside the target counts as distance 0).  The vocabulary is
ours, written from the ICD-10-CM index terms; no spaCy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["AttributeMatch", "Attributes", "find_attributes", "scan_attributes", "select_attributes"]


@dataclass(frozen=True, slots=True)
class Attributes:
    """Attributes found near a mention; ``cues`` are ``(attribute, text, start, end)`` with absolute
    offsets, one per attribute set, for the rationale."""

    laterality: str | None = None  # "right" | "left" | "bilateral"
    acuity: str | None = None  # "acute" | "chronic" | "acute_on_chronic" | "subacute"
    episode: str | None = None  # "initial" | "subsequent" | "sequela"
    stage: str | None = None  # "3", "3a", "IV", "T2N0M0", "unstageable"
    dm_type: str | None = None  # "1" | "2" | "gestational" | "secondary"
    organism: str | None = None
    pregnancy: bool = False
    trimester: str | None = None  # "1" | "2" | "3"
    site: str | None = None
    cues: tuple[tuple[str, str, int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class AttributeMatch:
    """One candidate found in a window."""

    attribute: str
    value: str | bool
    start: int
    end: int


# --- vocabulary -------------------------------------------------------------------------------

_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5"}


def _const(value: str | bool) -> Callable[[str], str | bool]:
    return lambda _text: value


def _stage(text: str) -> str:
    value = re.sub(r"(?i)^(?:ckd|chronic kidney disease)?[\s-]*(?:stage)?[\s-]*", "", text).strip()
    if value[:1].isdigit():
        return value.lower()
    return value.upper()


def _tnm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _dm_type(text: str) -> str:
    lowered = text.lower()
    if "niddm" in lowered:
        return "2"
    digit = re.search(r"[12]", lowered)
    if digit is not None:
        return digit.group()
    if re.search(r"\bii\b|\btwo\b", lowered):
        return "2"
    return "1"


def _weeks_trimester(text: str) -> str:
    weeks = int(re.search(r"\d{1,2}", text).group())  # type: ignore[union-attr]
    # ICD-10-CM chapter 15: 1st < 14 weeks 0 days <= 2nd < 28 weeks 0 days <= 3rd
    if weeks < 14:
        return "1"
    return "2" if weeks < 28 else "3"


def _ordinal_trimester(text: str) -> str:
    lowered = text.lower()
    if lowered.startswith(("first", "1")):
        return "1"
    return "2" if lowered.startswith(("second", "2")) else "3"


def _lower(text: str) -> str:
    return " ".join(text.lower().split())


# Site words (regex fragments, each starting with two literal letters) and their qualifiers.
_SITE_WORDS = (
    "head|scalp|face|forehead|cheek|jaw|mandible|maxilla|nose|ear|eye|eyelid|orbit|neck|throat|shoulder|clavicle|"
    "scapula|upper arm|arm|humerus|elbow|forearm|radius|ulna|wrist|hand|fingers?|thumb|chest wall|chest|ribs?|"
    "sternum|breast|back|spine|sacrum|coccyx|abdomen|abdominal wall|pelvis|hip|groin|buttocks?|thigh|femur|knee|"
    "patella|lower leg|leg|tibia|fibula|calf|ankle|foot|feet|heel|toes?|lung|upper lobe|middle lobe|lower lobe|"
    "lobe|kidney|ureter|bladder|prostate|testis|testicle|epididymis|ovary|uterus|cervix|liver|gallbladder|"
    "pancreas|spleen|stomach|colon|rectum|appendix|esophagus|duodenum|ileum|jejunum|small bowel|brain|cerebellum|"
    "thyroid|adrenal gland|atrium|ventricle|aorta|carotid artery|femoral artery|skin|sacral region|sacral|gluteal|"
    "lumbar spine|thoracic spine|cervical spine|lumbar|inguinal|axillary?|popliteal|plantar|retina|cornea|lens|"
    "parotid|tonsils?|larynx|trachea|bronchus|pleura"
).split("|")
_SITE_QUALIFIER_WORDS = (
    "upper lower distal proximal mid middle anterior posterior medial lateral inferior superior".split()
)
_SITE_QUALIFIERS = r"(?:(?:" + "|".join(_SITE_QUALIFIER_WORDS) + r")[\s-]+){0,2}"
_SITE_REGEX = _SITE_QUALIFIERS + r"(?:" + "|".join(word.replace(" ", r"\s+") for word in _SITE_WORDS) + r")"
_SITE_TRIGGERS = " ".join(sorted({word[:2] for word in (*_SITE_WORDS, *_SITE_QUALIFIER_WORDS)}))

# (attribute, triggers, regex, value-from-matched-text).  ``triggers`` are the lower-case beginnings
# (one or two characters are used) of the words a match can start with: the scanner only tries an
# entry at a word that starts so, which is what makes a scan ~10x cheaper than one big alternation
# tried at every word.  Order matters where entries can match at the same word: the longer, more
# specific form comes first.  ``(?-i:...)`` marks case-sensitive acronyms.
_ENTRIES: list[tuple[str, str, str, Callable[[str], str | bool]]] = [
    # laterality
    (
        "laterality",
        "bi b bo ri le",
        r"bilateral(?:ly)?|b/l|both[\s-]+(?:sides|eyes|ears|lungs|kidneys|breasts|(?:lower\s+)?legs|(?:upper\s+)?arms|knees|hips|feet|hands|"
        r"thighs|ankles|wrists|elbows|shoulders|heels|"
        r"lower\s+extremities|upper\s+extremities|lower\s+limbs|upper\s+limbs|ovaries|testes|testicles|ureters)"
        r"|right\s+and\s+left|left\s+and\s+right",
        _const("bilateral"),
    ),
    ("laterality", "ri", r"right(?:[\s-]+sided)?(?!\s+(?:away|now|here|there))", _const("right")),
    (
        "laterality",
        "le",
        r"left(?:[\s-]+sided)?(?!\s+(?:the|against|home|hospital|work|without|ama|his|her|a|an|in|after|on)\b)",
        _const("left"),
    ),
    # acuity
    (
        "acuity",
        "ac",
        r"acute(?:ly)?[\s-]+on[\s-]+chronic|acute\s+and\s+chronic|acute\s+exacerbation\s+of\s+(?:the\s+)?chronic",
        _const("acute_on_chronic"),
    ),
    ("acuity", "su", r"sub[\s-]?acute", _const("subacute")),
    ("acuity", "ac hy", r"(?:hyper)?acute", _const("acute")),
    ("acuity", "ch lo", r"chronic(?:ally)?|long[\s-]?standing", _const("chronic")),
    # episode of care (7th character)
    (
        "episode",
        "in ac",
        r"initial\s+(?:encounter|visit|evaluation|treatment|presentation)|active\s+treatment",
        _const("initial"),
    ),
    (
        "episode",
        "su ro de no ma fo",
        r"subsequent\s+(?:encounter|visit|care|treatment)|routine\s+healing"
        # "no signs of nonunion" at a first visit is no subsequent encounter
        r"|(?<!no\s)(?<!not\s)(?<!without\s)(?<!no\ssigns\sof\s)(?<!no\sevidence\sof\s)(?<!negative\sfor\s)"
        r"(?:delayed\s+healing|non-?union|malunion)"
        r"|follow[\s-]?up\s+(?:visit|encounter)",
        _const("subsequent"),
    ),
    ("episode", "se la", r"sequela[e]?|late\s+effects?", _const("sequela")),
    # stage
    (
        "stage",
        "ck ch",
        r"(?:ckd|chronic\s+kidney\s+disease)[\s-]*(?:stage[\s-]*)?(?:[1-5][ab]?|iv|v|i{1,3}[ab]?)(?!\w|\.\d)",
        _stage,
    ),
    ("stage", "st", r"stage[\s-]*(?:[0-5][a-c]?|iv[a-c]?|v|i{1,3}[a-c]?)(?!\w|\.\d)", _stage),
    ("stage", "t c p y", r"(?-i:[cpy]?T(?:[0-4][a-d]?|is|x|a)\s*N(?:[0-3][a-c]?|x)\s*M(?:[01][a-c]?|x))", _tnm),
    ("stage", "un", r"unstageable", _const("unstageable")),
    # diabetes type
    ("dm_type", "ge gd", r"gestational\s+diabet\w*|(?-i:GDM)", _const("gestational")),
    (
        "dm_type",
        "se st dr ch pa di",
        r"(?:secondary|steroid[\s-]induced|drug[\s-]induced|chemical[\s-]induced|pancreatogenic)\s+diabet\w*"
        r"|diabetes(?:\s+mellitus)?\s+(?:due|secondary)\s+to",
        _const("secondary"),
    ),
    (
        "dm_type",
        "ty di dm t1 t2 ni",
        r"type[\s-]*(?:1|2|ii|i|one|two)(?!\w|\.\d)(?=[\s-]*(?:diabet|dm\b|mellitus))"
        r"|(?:diabetes(?:\s+mellitus)?|dm)[\s,-]*(?:type|t)[\s-]*(?:1|2|ii|i)(?!\w|\.\d)"
        r"|(?:diabetes\s+mellitus|dm)[\s-]?(?:1|2|ii|i)(?!\w|\.\d)(?!\s*(?:years?|yrs?|months?|weeks?|days?|mg|%|hours?))"
        r"|t[12]dm|dmt[12]|niddm",
        _dm_type,
    ),
    ("dm_type", "ju", r"juvenile(?:[\s-]onset)?\s+diabet\w*", _const("1")),
    ("dm_type", "ad", r"adult[\s-]onset\s+diabet\w*", _const("2")),
    # organisms (normalised names)
    (
        "organism",
        "mr me",
        r"(?-i:MRSA)|methicillin[\s-]resistant\s+(?:staphylococcus|staph\.?|s\.)\s*aureus",
        _const("mrsa"),
    ),
    (
        "organism",
        "ms me",
        r"(?-i:MSSA)|methicillin[\s-](?:susceptible|sensitive)\s+(?:staphylococcus|staph\.?|s\.)\s*aureus",
        _const("mssa"),
    ),
    ("organism", "st s", r"staphylococcus\s+aureus|staph\.?\s+aureus|s\.\s*aureus", _const("staphylococcus aureus")),
    (
        "organism",
        "co st s",
        r"coagulase[\s-]negative\s+(?:staphylococc(?:us|i)|staph)|staphylococcus\s+epidermidis|s\.\s*epidermidis"
        r"|(?-i:CoNS)",
        _const("coagulase-negative staphylococcus"),
    ),
    ("organism", "st", r"staphylococc(?:us|i|al)|staph(?![a-z])", _const("staphylococcus")),
    (
        "organism",
        "st s pn",
        r"streptococcus\s+pneumoniae|s\.\s*pneumoniae|strep\.?\s+pneumo(?:niae)?|pneumococc(?:us|al|i)",
        _const("streptococcus pneumoniae"),
    ),
    (
        "organism",
        "gr st s",
        r"group\s+a\s+(?:beta[\s-]hemolytic\s+)?strep(?:tococc(?:us|al|i))?|streptococcus\s+pyogenes|s\.\s*pyogenes"
        r"|strep\s+throat",
        _const("streptococcus group a"),
    ),
    (
        "organism",
        "gr st s",
        r"group\s+b\s+strep(?:tococc(?:us|al|i))?|streptococcus\s+agalactiae|s\.\s*agalactiae",
        _const("streptococcus group b"),
    ),
    ("organism", "st", r"streptococc(?:us|i|al)|strep(?![a-z])", _const("streptococcus")),
    (
        "organism",
        "en e vr",
        r"enterococc(?:us|i|al)(?:\s+(?:faecalis|faecium))?|e\.\s*faecalis|e\.\s*faecium|(?-i:VRE)",
        _const("enterococcus"),
    ),
    ("organism", "es e ec", r"escherichia\s+coli|e\.\s*coli|e\s+coli|ecoli", _const("e. coli")),
    ("organism", "kl k", r"klebsiella(?:\s+pneumoniae|\s+oxytoca)?|k\.\s*pneumoniae", _const("klebsiella")),
    ("organism", "ps p", r"pseudomonas(?:\s+aeruginosa)?|p\.\s*aeruginosa", _const("pseudomonas")),
    (
        "organism",
        "ha he h",
        r"h(?:a)?emophilus(?:\s+influenzae)?|h\.\s*influenzae|h\.\s*flu(?![a-z])",
        _const("haemophilus influenzae"),
    ),
    ("organism", "my", r"mycoplasma(?:\s+pneumoniae)?", _const("mycoplasma pneumoniae")),
    (
        "organism",
        "cl c cd",
        r"clostridi(?:um|oides)\s+difficile|c\.\s*diff(?:icile)?|(?-i:C\s?diff|CDI)",
        _const("clostridioides difficile"),
    ),
    (
        "organism",
        "my m ko mt",
        r"mycobacterium\s+tuberculosis|m\.\s*tuberculosis|koch'?s?\s+bacill(?:us|i)|(?-i:MTB)",
        _const("mycobacterium tuberculosis"),
    ),
    ("organism", "he h", r"helicobacter(?:\s+pylori)?|h\.\s*pylori", _const("helicobacter pylori")),
    ("organism", "ca", r"candid(?:a|iasis)(?:\s+albicans)?", _const("candida")),
    ("organism", "as", r"aspergill(?:us|osis)", _const("aspergillus")),
    ("organism", "pn", r"pneumocystis(?:\s+jirovecii|\s+jiroveci|\s+carinii)?", _const("pneumocystis")),
    ("organism", "cr", r"cryptococc(?:us|al|osis)", _const("cryptococcus")),
    (
        "organism",
        "co sa 20 no",
        r"covid[\s-]?19|covid|sars[\s-]?cov[\s-]?2|2019[\s-]ncov|coronavirus\s+disease\s+2019|novel\s+coronavirus",
        _const("covid-19"),
    ),
    ("organism", "re rs", r"respiratory\s+syncytial\s+virus|(?-i:RSV)", _const("respiratory syncytial virus")),
    ("organism", "in fl", r"influenza(?!e)(?:\s+[ab](?![a-z]))?|(?<!h\.\s)(?<!h\.)flu(?![a-z])", _const("influenza")),
    ("organism", "hu hi", r"human\s+immunodeficiency\s+virus|(?-i:HIV)", _const("hiv")),
    ("organism", "he hb", r"hepatitis\s+b\s+virus|(?-i:HBV)", _const("hepatitis b virus")),
    ("organism", "he hc", r"hepatitis\s+c\s+virus|(?-i:HCV)", _const("hepatitis c virus")),
    ("organism", "cy cm", r"cytomegalovirus|(?-i:CMV)", _const("cytomegalovirus")),
    ("organism", "ep eb", r"epstein[\s-]barr(?:\s+virus)?|(?-i:EBV)", _const("epstein-barr virus")),
    ("organism", "he hs", r"herpes\s+simplex(?:\s+virus)?|(?-i:HSV(?:-?[12])?)", _const("herpes simplex virus")),
    (
        "organism",
        "va he vz",
        r"varicella[\s-]zoster(?:\s+virus)?|herpes\s+zoster|(?-i:VZV)",
        _const("varicella zoster virus"),
    ),
    ("organism", "hu hp", r"human\s+papilloma\s*virus|(?-i:HPV)", _const("human papillomavirus")),
    (
        "organism",
        "ad ro no pa en rh",
        r"adenovirus|rotavirus|norovirus|parvovirus(?:\s+b19)?|enterovirus|rhinovirus",
        _lower,
    ),
    (
        "organism",
        "pr en se ac ci mo le br sa sh ca li bo ba pl to hi co no bac fu tr ne",
        r"(?:proteus|enterobacter|serratia|acinetobacter|citrobacter|morganella|legionella|brucella|salmonella|"
        r"shigella|campylobacter|listeria|bordetella|bartonella|borrelia|leishmania|plasmodium|toxoplasma|"
        r"histoplasma|coccidioides|nocardia|actinomyces|bacteroides|fusobacterium|treponema|neisseria)"
        r"(?:\s+(?:mirabilis|cloacae|aerogenes|marcescens|baumannii|pneumophila|melitensis|typhi|enteritidis|"
        r"jejuni|monocytogenes|pertussis|henselae|burgdorferi|gondii|fragilis|pallidum|gonorrhoeae|meningitidis|"
        r"falciparum|vivax))?",
        _lower,
    ),
    # pregnancy
    (
        "pregnancy",
        "no ne pr",
        r"(?:not|non|no)[\s-]+(?:currently\s+)?pregnan\w*|negative\s+pregnancy\s+test"
        r"|pregnancy\s+test\s+(?:was\s+|is\s+)?negative",
        _const(False),
    ),
    (
        "pregnancy",
        "pr gr in iu an ge",
        r"pregnan(?:t|cy|cies)|gravid(?![a-z])|intrauterine\s+pregnancy|(?-i:IUP)|antepartum|prenatal|gestation(?:al\s+age)?",
        _const(True),
    ),
    # trimester, stated or from the gestational age
    ("trimester", "fi 1 se 2 th 3", r"(?:first|1st|second|2nd|third|3rd)\s+trimester", _ordinal_trimester),
    (
        "trimester",
        "0 1 2 3 4 5 6 7 8 9 ge",
        r"\d{1,2}(?:\s*(?:\+\s*\d|and\s+\d/7|\d/7))?\s*(?:weeks?|wks?)['’]?\s*(?:of\s+)?(?:gestation|pregnan\w*|ga(?![a-z]))"
        r"|gestational\s+age\s+(?:of\s+)?\d{1,2}\s*(?:weeks?|wks?)",
        _weeks_trimester,
    ),
    # anatomical site
    ("site", _SITE_TRIGGERS, _SITE_REGEX, _lower),
]

_COMPILED: list[tuple[str, re.Pattern[str], Callable[[str], str | bool]]] = [
    (attribute, re.compile(r"(?:" + regex + r")(?!\w)", re.IGNORECASE), normalise)
    for attribute, _, regex, normalise in _ENTRIES
]


def _dispatch_tables() -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
    """Entry indices by the first character (one-character triggers) and by the first two
    characters of a word (two-character triggers plus the one-character ones they extend)."""
    by_one: dict[str, set[int]] = {}
    by_two: dict[str, set[int]] = {}
    for index, (_, triggers, _, _) in enumerate(_ENTRIES):
        for trigger in triggers.split():
            if len(trigger) == 1:
                by_one.setdefault(trigger, set()).add(index)
            else:
                by_two.setdefault(trigger[:2], set()).add(index)
    two = {key: tuple(sorted(indices | by_one.get(key[0], set()))) for key, indices in by_two.items()}
    one = {key: tuple(sorted(indices)) for key, indices in by_one.items()}
    return one, two


_BY_ONE, _BY_TWO = _dispatch_tables()
_WORD = re.compile(r"\w+")
# how far (characters) a site may be from the target and still be "its" site
_SITE_DISTANCE = 40


def scan_attributes(text: str, window: tuple[int, int]) -> list[AttributeMatch]:
    """All attribute candidates in ``text[window[0]:window[1]]`` (absolute offsets), in text order.

    At each word, the entries its first characters trigger are tried in order; the first that
    matches wins and the scan resumes after it.
    """
    start, end = window
    found: list[AttributeMatch] = []
    resume = start
    by_one, by_two = _BY_ONE, _BY_TWO
    for word in _WORD.finditer(text, start, end):
        position = word.start()
        if position < resume:
            continue
        lowered = word.group()[:2].lower()
        candidates = by_two.get(lowered)
        if candidates is None:
            candidates = by_one.get(lowered[:1])
            if candidates is None:
                continue
        for index in candidates:
            attribute, pattern, normalise = _COMPILED[index]
            match = pattern.match(text, position, end)
            if match is None:
                continue
            value = normalise(match.group())
            found.append(AttributeMatch(attribute, value, position, match.end()))
            if normalise is _weeks_trimester or value == "gestational":
                # a gestational age, or gestational diabetes, is also a statement of pregnancy
                found.append(AttributeMatch("pregnancy", True, position, match.end()))
            resume = match.end()
            break
    return found


def select_attributes(text: str, matches: list[AttributeMatch], target: tuple[int, int]) -> Attributes:
    """For each attribute, the candidate nearest to ``target`` (inside it = 0, then by gap)."""
    t_start, t_end = target
    best: dict[str, tuple[int, int, AttributeMatch]] = {}
    for match in matches:
        if match.end <= t_start:
            distance, after = t_start - match.end, 1
        elif match.start >= t_end:
            distance, after = match.start - t_end, 2
        else:
            distance, after = 0, 0
        if match.attribute == "site" and distance > _SITE_DISTANCE:
            continue
        key = (distance, after)
        current = best.get(match.attribute)
        if current is None or key < current[:2]:
            best[match.attribute] = (distance, after, match)
    if not best:
        return _EMPTY
    values: dict[str, str | bool | None] = {}
    cues: list[tuple[str, str, int, int]] = []
    for attribute, (_, _, match) in sorted(best.items(), key=lambda item: item[1][2].start):
        values[attribute] = match.value
        cues.append((attribute, text[match.start : match.end], match.start, match.end))
    return Attributes(
        laterality=_str(values.get("laterality")),
        acuity=_str(values.get("acuity")),
        episode=_str(values.get("episode")),
        stage=_str(values.get("stage")),
        dm_type=_str(values.get("dm_type")),
        organism=_str(values.get("organism")),
        pregnancy=values.get("pregnancy") is True,
        trimester=_str(values.get("trimester")),
        site=_str(values.get("site")),
        cues=tuple(cues),
    )


def _str(value: str | bool | None) -> str | None:
    return value if isinstance(value, str) else None


_EMPTY = Attributes()


def find_attributes(text: str, window: tuple[int, int], target: tuple[int, int]) -> Attributes:
    """Attributes of the mention ``text[target[0]:target[1]]`` found in ``window`` (usually its
    sentence), nearest to the target first."""
    return select_attributes(text, scan_attributes(text, window), target)
