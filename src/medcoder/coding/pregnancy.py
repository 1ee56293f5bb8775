"""Pregnancy, childbirth and the puerperium (ICD-10-CM chapter 15, OCG I.C.15) as guideline rules.

What a coder does on the mother's record:

- conditions of a pregnant patient are classified in chapter 15 unless the provider documents the
  pregnancy as incidental (I.C.15.a.1, then Z33.1): UTI at 28 weeks is O23.43, pre-existing type 2
  diabetes O24.11- with E11 and Z79.4 after it (I.C.15.g), gestational diabetes O24.41- by its control
  and never E11 (I.C.15.i), essential hypertension O10.01- (I.C.15.d), asthma O99.51- with J45; the
  condition's own code stays only where the O code's "use additional code" note asks for it;
- the final character is the trimester from the documented weeks or trimester (I.C.15.a.3: first
  < 14 weeks 0 days, second to < 28 weeks 0 days, third after), the "in childbirth" code when the
  delivery happens in this admission, the "puerperium" code after delivery;
- routine prenatal visits are Z34.- (no complication) or O09.- (high-risk) first-listed (I.C.15.b.1-2);
- a delivery record carries its outcome Z37.- (I.C.15.b.5) -- never the newborn's Z38 --, O80 for a
  full-term uncomplicated single live birth and nothing else from chapter 15 (I.C.15.n);
- Z3A weeks of gestation on the mother's record, not with abortive outcomes, elective termination or
  postpartum conditions;
- chapter 15 codes come first (I.C.15.a.1, I.C.15.b).

The classification data (which O code, by trimester, for which condition; the notes deciding what
stays) is ``data/pregnancy_rules.json``, validated here; the words that document the pregnancy, its
weeks, a delivery or the puerperium are read from the analysed documents with their ConText
assertion (a negated, family, hypothetical or past pregnancy is none).  Nothing outlives the call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from medcoder.coding.candidates import Candidate, Mention
from medcoder.coding.features import fact_confidence
from medcoder.coding.guidelines import Context, _drop, matches_prefix, ref_covers, rule
from medcoder.coding.newborn import newborn_record
from medcoder.extract.prefilter import Prefiltered

__all__ = ["Maternal", "PregnancyRules", "maternal_state", "pregnancy_rules"]

SOURCE = "guideline"  # Mention.source of the words these rules read themselves
TRIMESTERS = ("1", "2", "3", "9")
TRIMESTER_WORDS = {
    "1": "first trimester",
    "2": "second trimester",
    "3": "third trimester",
    "9": "unspecified trimester",
}

# --- the data ---------------------------------------------------------------------------------------------

State = Literal["1", "2", "3", "9", "pregnancy", "childbirth", "puerperium", "lactation"]
Control = Literal["diet", "insulin", "oral", "unspecified"]
_CODE = re.compile(r"^(?:[A-Z]\d[0-9A-Z]\.[0-9A-Z]{1,4}|O80)$")
_SPEC = re.compile(r"^[A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?(?:-[A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?)?$")


def _codes_ok(values: Iterable[str]) -> None:
    for code in values:
        if not _CODE.match(code):
            raise ValueError(f"not a complete ICD-10-CM code: {code!r}")


def _specs_ok(values: Iterable[str]) -> None:
    for spec in values:
        if not _SPEC.match(spec):
            raise ValueError(f"not a code, prefix or range: {spec!r}")


def _terms_ok(values: Iterable[str]) -> None:
    for term in values:
        re.compile(term)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConditionMap(_Strict):
    """A condition in pregnancy -> the chapter 15 code that classifies it, by state."""

    id: str
    section: str  # OCG section
    tabular: str  # the chapter 15 category it follows from
    conditions: tuple[str, ...] = ()  # condition codes it takes (prefixes or ranges, "D50-D64")
    exclude: tuple[str, ...] = ()  # codes of those it does not take
    exclude_pattern: str | None = None  # a regular expression on the dotted code, likewise
    terms: tuple[str, ...] = ()  # wordings that name it in a note (regular expressions)
    requires: str | None = None  # words a condition code's mention must have for it ("type 2" for O24.1-)
    codes: dict[State, str | dict[Control, str]]
    keep_condition: bool = False  # the O code's "use additional code" note asks for the condition's code
    condition_code: str | None = None  # the condition's own code, added after the O code when only its words are there
    note: str = ""  # the instructional note (or guideline) that decides keep_condition
    overlapping: tuple[
        str, ...
    ] = ()  # codes the same words name that it replaces ("diabetes" in "gestational diabetes")
    never_with: tuple[str, ...] = ()  # codes never reported with it (Z79.4 with O24.4-, OCG I.C.15.i)
    drug_status: bool = False  # add Z79.4 / Z79.84 / Z79.85 for the documented treatment (OCG I.C.15.g, I.C.4.a.3)

    @field_validator("codes")
    @classmethod
    def _valid_codes(cls, value: dict) -> dict:
        for code in value.values():
            _codes_ok(code.values() if isinstance(code, dict) else [code])
            if isinstance(code, dict) and set(code) != {"diet", "insulin", "oral", "unspecified"}:
                raise ValueError("a code by control needs diet, insulin, oral and unspecified")
        if not value:
            raise ValueError("no codes")
        return value

    @model_validator(mode="after")
    def _valid(self) -> ConditionMap:
        if not self.conditions and not self.terms:
            raise ValueError(f"{self.id}: neither conditions nor terms")
        _specs_ok(self.conditions + self.exclude + self.overlapping + self.never_with)
        _terms_ok(self.terms + tuple(p for p in (self.exclude_pattern, self.requires) if p))
        if self.condition_code is not None:
            _codes_ok([self.condition_code])
            if not self.keep_condition:
                raise ValueError(f"{self.id}: a condition_code is added only where the O code keeps the condition")
        if self.keep_condition and not self.note:
            raise ValueError(f"{self.id}: keep_condition needs the note that asks for it")
        return self

    @property
    def pregnancy_specific(self) -> bool:
        """Its words document a pregnancy themselves (gestational diabetes, pre-eclampsia)."""
        return bool(self.conditions) and all(c.startswith("O") for c in self.conditions)


class Combination(_Strict):
    id: str
    section: str
    tabular: str
    when: tuple[str, ...]  # every one of these (prefixes) reported
    codes: dict[State, str]
    replaces: tuple[str, ...] = ()
    note: str = ""

    @field_validator("codes")
    @classmethod
    def _valid_codes(cls, value: dict) -> dict:
        _codes_ok(value.values())
        return value


class HighRisk(_Strict):
    id: str
    tabular: str
    terms: tuple[str, ...]
    gravida: Literal["first", "other"] | None = None
    codes: dict[State, str]
    replaces: tuple[str, ...] = ()

    @field_validator("codes")
    @classmethod
    def _valid_codes(cls, value: dict) -> dict:
        _codes_ok(value.values())
        return value


class NormalPregnancy(_Strict):
    tabular: str
    first: dict[State, str]
    other: dict[State, str]
    unspecified: dict[State, str]


class Supervision(_Strict):
    section: str
    routine_terms: tuple[str, ...]
    normal: NormalPregnancy
    high_risk: tuple[HighRisk, ...]


class Outcome(_Strict):
    code: str
    all_of: tuple[str, ...]
    none_of: tuple[str, ...] = ()


class Laceration(_Strict):
    code: str
    terms: tuple[str, ...]


class NormalDelivery(_Strict):
    code: str
    outcome: str
    full_term_weeks: tuple[int, int]
    note: str
    complications: tuple[str, ...]


class Delivery(_Strict):
    section: str
    outcomes: tuple[Outcome, ...]
    unspecified_outcome: str
    lacerations: tuple[Laceration, ...]
    normal: NormalDelivery


class Weeks(_Strict):
    tabular: str
    unspecified: str
    under_8: str
    over_42: str
    first: int
    last: int


class PregnancyRules(_Strict):
    about: str
    version: int
    release: str
    sources: dict[str, str]
    conditions: tuple[ConditionMap, ...]
    combinations: tuple[Combination, ...]
    supervision: Supervision
    delivery: Delivery
    treatment: dict[Literal["diet", "insulin", "oral", "injectable"], tuple[str, ...]]
    treatment_status: dict[Literal["insulin", "oral", "injectable"], str]
    weeks: Weeks

    @model_validator(mode="after")
    def _unique(self) -> PregnancyRules:
        ids = [m.id for m in self.conditions]
        if len(ids) != len(set(ids)):
            raise ValueError("duplicate condition ids")
        return self

    def codes(self) -> set[str]:
        """Every code the data can produce (for validation against a release)."""
        out: set[str] = set()
        for m in self.conditions:
            for value in m.codes.values():
                out.update(value.values() if isinstance(value, dict) else [value])
        for c in self.combinations:
            out.update(c.codes.values())
        normal = self.supervision.normal
        for table in (normal.first, normal.other, normal.unspecified, *(h.codes for h in self.supervision.high_risk)):
            out.update(table.values())
        out.update(o.code for o in self.delivery.outcomes)
        out.update(lac.code for lac in self.delivery.lacerations)
        out.update({self.delivery.unspecified_outcome, self.delivery.normal.code, self.delivery.normal.outcome})
        out.update(self.treatment_status.values())
        out.update(m.condition_code for m in self.conditions if m.condition_code)
        w = self.weeks
        out.update({w.unspecified, w.under_8, w.over_42}, (f"Z3A.{n:02d}" for n in range(w.first, w.last + 1)))
        return out


@lru_cache(maxsize=1)
def pregnancy_rules() -> PregnancyRules:
    text = resources.files("medcoder").joinpath("data/pregnancy_rules.json").read_text(encoding="utf-8")
    return PregnancyRules.model_validate_json(text)


def _words(terms: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(f"(?:{t})" for t in terms) + r")\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Compiled:
    """The data's regular expressions, compiled once."""

    terms: dict[str, re.Pattern[str]]  # condition id -> its wordings
    excluded: dict[str, re.Pattern[str]]
    requires: dict[str, re.Pattern[str]]
    by_code: dict[str, tuple[ConditionMap, str]]  # chapter 15 code -> (mapping, state key)
    routine: re.Pattern[str]
    high_risk: dict[str, re.Pattern[str]]
    outcomes: list[tuple[Outcome, list[re.Pattern[str]], list[re.Pattern[str]]]]
    lacerations: list[tuple[Laceration, re.Pattern[str]]]
    complications: re.Pattern[str]
    treatment: dict[str, re.Pattern[str]]


@lru_cache(maxsize=1)
def _compiled() -> _Compiled:
    data = pregnancy_rules()
    by_code: dict[str, tuple[ConditionMap, str]] = {}
    for m in data.conditions:
        for key, value in m.codes.items():
            for code in value.values() if isinstance(value, dict) else [value]:
                by_code.setdefault(code, (m, key))
    return _Compiled(
        terms={m.id: _words(m.terms) for m in data.conditions if m.terms},
        excluded={m.id: re.compile(m.exclude_pattern) for m in data.conditions if m.exclude_pattern},
        requires={m.id: re.compile(m.requires, re.IGNORECASE) for m in data.conditions if m.requires},
        by_code=by_code,
        routine=_words(data.supervision.routine_terms),
        high_risk={h.id: _words(h.terms) for h in data.supervision.high_risk},
        outcomes=[
            (o, [_words([t]) for t in o.all_of], [_words([t]) for t in o.none_of]) for o in data.delivery.outcomes
        ],
        lacerations=[(lac, _words(lac.terms)) for lac in data.delivery.lacerations],
        complications=_words(data.delivery.normal.complications),
        treatment={k: _words(v) for k, v in data.treatment.items()},
    )


def _covers(spec: str, code: str) -> bool:
    return ref_covers(spec, code)


def _covered(m: ConditionMap, code: str) -> bool:
    """Does mapping ``m`` take this condition code (its conditions, less its exclusions)?"""
    if not any(_covers(s, code) for s in m.conditions) or any(_covers(s, code) for s in m.exclude):
        return False
    pattern = _compiled().excluded.get(m.id)
    return not (pattern is not None and pattern.search(code))


def _worded(cands: list[Candidate], detected: dict[str, list[Cue]]) -> set[str]:
    """The mappings whose ``requires`` words the note has, for any of its conditions ("type 2"
    anywhere: every E11 code of the encounter is pre-existing type 2 diabetes, O24.1-)."""
    compiled = _compiled()
    out = set()
    for m in pregnancy_rules().conditions:
        wanted = compiled.requires.get(m.id)
        if wanted is None:
            continue
        if m.id in detected or any(
            _covered(m, c.code) and any(wanted.search(mm.text) or wanted.search(mm.term) for mm in _live(c))
            for c in cands
        ):
            out.add(m.id)
    return out


# --- what the documents say about the pregnancy -------------------------------------------------------------

# Sections whose words are findings or someone else's, not the provider's statement of this pregnancy.
_NOT_STATED = frozenset({"review_of_systems", "physical_exam", "labs", "imaging", "family_history"})
_CLAUSE_BREAK = re.compile(r"[,;:()]|\bnow\b|\bcurrently\b|\bbut\b", re.IGNORECASE)

_ANY = re.compile(
    r"pregnan|gestation|gravid|trimester|natal|antepartum|partum|puerper|deliver|c(?:a)?esarean|c-section|"
    r"\bIUP\b|\bED[CD]\b|\bGDM\b|eclampsia|hyperemesis|newborn|liveborn|\bweeks?\b|\bwks?\b|breast-?\s?feeding|"
    r"lactat|\bN?SVD\b|\bwk\b|\d\s*w\s*\d\s*d\b",
    re.IGNORECASE,
)
_PREGNANT = re.compile(
    r"\bpregnan(?:t|cy)\b|\bgravid\b|\bintrauterine\s+pregnancy\b|\bIUP\b|\bantepartum\b|\bante-?natal\b"
    r"|\bprenatal\b(?!\s+vitamins?)|\b(?:EDC|EDD)\b|\bestimated\s+(?:date\s+of\s+)?(?:delivery|confinement)\b"
    r"|\bdue\s+date\b|\bgestation\b|\bprimigravida\b|\bmultigravida\b",
    re.IGNORECASE,
)
# a word that is about a pregnancy test, a past or future pregnancy, or its prevention
_PREGNANT_LEFT = re.compile(
    r"(?:\b(?:prior|previous|last|past|future|planning|planned|plans?|trying|desires?|wants?|avoid\w*|prevent\w*|"
    r"contracept\w*)\s+(?:\w+\s+){0,2}|\b(?:pre|post|after|since|before|between|first|second|third|each|every|all|no)"
    r"\s*-?\s*)$",
    re.IGNORECASE,
)
_PREGNANT_RIGHT = re.compile(
    r"^\s*(?:tests?|testing|prevention|losse?s?|counsel\w*|planning|intention|screen\w*|status|history|hx|risk|"
    r"category|class|registry|outcomes?)\b",
    re.IGNORECASE,
)
_NOT_PREGNANT = re.compile(
    r"\b(?:not|non|no)[\s-]*(?:currently\s+)?pregnan\w*|\bpregnancy\s+test\s+(?:\w+\s+){0,2}negative\b"
    r"|\bnegative\s+(?:\w+\s+){0,2}pregnancy\s+test\b|\b(?:urine\s+|serum\s+|beta[\s-]*|b)?h?CG\s+(?:\w+\s+){0,2}negative\b"
    r"|\bnegative\s+(?:urine\s+|serum\s+)?(?:beta[\s-]*|b)?h?CG\b|\bdenies\s+(?:\w+\s+){0,2}pregnan\w*"
    r"|\bpregnan\w*\s*[:=-]?\s*(?:none|no|negative|denies|n/a|0)\b",
    re.IGNORECASE,
)
_WEEKS_CORE = (
    r"(?<![\d.])(?P<w>\d{1,2})(?:\s*(?:\+|and)\s*\d(?:\s*/\s*7)?|\s+\d\s*/\s*7)?\s*-?\s*"
    r"(?:weeks?|wks?|w(?=\s*\d\s*d))(?:\s*(?:and\s*)?\d\s*(?:d|days?)\b)?"
)
_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_NUMBER_WORD = rf"(?:twenty|thirty|forty)(?:[\s-](?:{_UNITS}))?|{_TEENS}|{_UNITS}"
_WEEKS = re.compile(
    _WEEKS_CORE + rf"|\b(?P<n>{_NUMBER_WORD})\s*-?\s*weeks?\b|"
    r"\b(?:E?GA|gestational\s+age)\s*(?:of|is|was|:|=|~)?\s*(?:approximately\s+|about\s+)?"
    r"(?P<g>\d{1,2})(?:\s*(?:\+|and)\s*\d(?:\s*/\s*7)?|\s+\d\s*/\s*7)?(?!\s*(?:days?|d\b|months?|years?|y))",
    re.IGNORECASE,
)
_WEEKS_STRONG_RIGHT = re.compile(
    r"^\s*(?:['’]s?\s*)?(?:of\s+)?(?:gestation\w*|pregnan\w*|(?-i:E?GA)\b|(?-i:IUP)\b|intrauterine|"
    r"by\s+(?:(?-i:LMP)|dates|(?:early\s+|dating\s+|first[\s-]trimester\s+)?(?:ultrasound|(?-i:US)|sono\w*)))",
    re.IGNORECASE,
)
_WEEKS_STRONG_LEFT = re.compile(
    r"(?:(?-i:E?GA|IUP)|gestational\s+age|gestation|intrauterine\s+pregnancy|pregnant|pregnancy|gravid|"
    r"(?-i:G)\s*\d+\s*(?-i:P)\s*[\d-]+|primigravida|multigravida|gravida\s*\d+(?:\s*para\s*\d+)?)"
    r"\s*(?:of|at|is|:|=|,|was|who\s+is)?\s*(?:approximately|about|~|currently|now)?\s*$",
    re.IGNORECASE,
)
_WEEKS_WEAK_LEFT = re.compile(r"(?:\bat|\bcurrently|\bnow|\bis|^)\s*$", re.IGNORECASE)
_WEEKS_NOT_RIGHT = re.compile(
    r"^\s*(?:ago|post[\s-]?partum|after|following|old|of\s+age|of\s+life|later|prior|before|earlier|"
    r"postop\w*|post[\s-]?op\w*|"
    r"of\s+(?!gestation|pregnan|a\b|an\b|the\b|twins?\b|triplets?\b|single\b|live\w*|viable\b|healthy\b)\w+)",
    re.IGNORECASE,
)
_WEEKS_PLAN_LEFT = re.compile(
    r"\b(?:return\w*|follow[\s-]?up|f/u|recheck|repeat|next|plan\w*|schedul\w*|due|consider\w*|until|before|"
    r"growth|scan|glucose|(?-i:GTT)|screen\w*|visits?|appointments?|booster|vaccin\w*|(?-i:Tdap)|RhoGAM|rhogam)\b",
    re.IGNORECASE,
)
# this encounter's own prenatal visit at its gestational age ("Prenatal visit at 18 weeks", "OB visit, 34 weeks"),
# unless a plan names it ("next prenatal visit at 32 weeks", "return for OB visit at 36 weeks")
_WEEKS_VISIT_LEFT = re.compile(
    r"\b(?:routine\s+|initial\s+|new\s+)?(?:prenatal|antenatal|obstetric|(?-i:OB))\s+(?:care\s+)?"
    r"(?:visit|check[\s-]?up|check|exam|appointment)\s*(?:at|,|:|-|today\s+at)?\s*$",
    re.IGNORECASE,
)
_WEEKS_NEXT = re.compile(r"\b(?:return\w*|follow[\s-]?up|f/u|next|schedul\w*|plan\w*|due|until|before)\b", re.I)
_PAST = re.compile(r"\b(?:prior|previous|last|former|earlier|hx|history\s+of)\b", re.IGNORECASE)
_TRIMESTER = re.compile(r"\b(?P<t>first|1st|second|2nd|third|3rd)[\s-]+trimester\b", re.IGNORECASE)
# obstetric wording only ("oxygen delivered via nasal cannula" is no delivery)
_DELIVERY = re.compile(
    r"\b(?:(?:spontaneous|normal|vaginal|c(?:a)?esarean|operative|assisted|vacuum|forceps|breech|precipitous|"
    r"uncomplicated|term|preterm)(?:\s+\w+)?\s+(?:delivery|birth)|(?-i:N?SVD|SVB|LTCS)|c(?:a)?esarean(?:\s+section)?|"
    r"c-?section|gave\s+birth|delivered\s+(?:of\s+)?(?:(?:a|an|her|twin)\s+)?(?:\w+\s+){0,2}?(?:infant|baby|boy|"
    r"girl|male|female|neonate|newborn|fetus|twins?|liveborn)|delivered\s+(?:vaginally|via\s+(?:vaginal|c(?:a)?esarean|"
    r"c-?section|spontaneous|repeat|primary))|delivery\s+of\s+(?:a|an|twins?|the\s+(?:infant|baby|fetus))|"
    r"live[\s-]?born|live\s+birth|stillborn|stillbirth)\b",
    re.IGNORECASE,
)
_DELIVERY_LEFT = re.compile(
    r"\b(?:prior|previous|history\s+of|hx\s+of|s/p|status\s+post|plan\w*|schedul\w*|expect\w*|anticipat\w*|await\w*|discuss\w*|"
    r"counsel\w*|consider\w*|after|following|since|post|until|before|for|mode\s+of|route\s+of|timing\s+of|"
    r"date\s+of|labor\s+and|L\s*&\s*D|desires?|wants?|trial\s+of|candidate\s+for)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
_DELIVERY_RIGHT = re.compile(r"^\s*(?:room|unit|suite|plan\w*|precautions?|date|floor)\b", re.IGNORECASE)
_PUERPERIUM_STRONG = re.compile(
    r"\b(?:post[\s-]?partum\s+day|(?-i:PPD)\s*#?\s*\d|(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
    r"twelve|fourteen|several|a\s+few)\s+(?:days?|weeks?)\s+(?:after|following|post|s/p)\s+(?:a\s+|an\s+|her\s+|the\s+)?"
    r"(?:\w+\s+){0,2}(?:delivery|birth|c(?:a)?esarean(?:\s+section)?|c-?section)|(?:delivered|gave\s+birth)\s+"
    r"(?:\w+\s+){0,2}(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|several|a\s+few)\s+(?:days?|weeks?)\s+ago|"
    r"(?:\d+|one|two|three|four|five|six)\s+(?:days?|weeks?)\s+post[\s-]?partum)",
    re.IGNORECASE,
)
# "postpartum" as the patient's state, not a past episode ("postpartum hemorrhage with her first child")
_PUERPERIUM = re.compile(
    r"\bpost[\s-]?partum\s+(?:day|visit|check|patient|woman|female|mother|follow[\s-]?up|exam\w*|period|state|course|"
    r"pre-?eclampsia|eclampsia|hypertension|mastitis|anemia|endometritis|infection|fever|hemorrhage|depression|"
    r"thyroiditis|cardiomyopathy|(?-i:UTI)|urinary)|\b(?:is|now|currently|remains)\s+(?:\w+\s+)?post[\s-]?partum\b|"
    r"\bpuerperal\s+\w+|\bafter\s+(?:her\s+)?(?:recent\s+)?(?:vaginal\s+|c(?:a)?esarean\s+)?delivery\b",
    re.IGNORECASE,
)
# a sentence about a past delivery ("postpartum hemorrhage with her first child in 2010")
_PAST_SENTENCE = re.compile(
    r"\b(?:prior|previous|last|former|history|hx|had|(?:19|20)\d\d|years?\s+ago|"
    r"with\s+(?:her|each|both)\s+(?:\w+\s+)?(?:child|children|baby|babies|son|daughter|pregnanc\w+|deliver\w+))\b",
    re.IGNORECASE,
)
_PUERPERIUM_NOT_RIGHT = re.compile(
    r"^\s*(?:contracept\w*|birth\s+control|plan\w*|care\s+plan|depression\s+screen\w*|hemorrhage\s+risk|period\s+plan)",
    re.IGNORECASE,
)
_NONE_RIGHT = re.compile(r"\s*[:=-]?\s*(?:none|no|nil|n/a|denied)\b", re.IGNORECASE)  # "Complications: none"
_LACTATION = re.compile(r"\b(?:breast[\s-]?feeding|lactating|lactation|nursing\s+mother|breastfeeds?)\b", re.IGNORECASE)
_INCIDENTAL = re.compile(
    r"\bpregnan\w*\s+(?:\w+[\s,]+){0,3}incidental\b|\bincidental\s+(?:\w+\s+){0,3}pregnan\w*|\bincidentally\s+pregnant\b"
    r"|\bnot\s+(?:affecting|complicating|related\s+to|affected\s+by)\s+(?:the\s+|her\s+)?pregnancy\b"
    r"|\bunrelated\s+to\s+(?:the\s+|her\s+)?pregnancy\b",
    re.IGNORECASE,
)
_NEWBORN_START = re.compile(
    r"^\W*(?:newborn|neonat\w*|infant|baby|(?:single\s+)?live[\s-]?born\s+(?:male|female|infant)|"
    r"(?:term|preterm|full[\s-]term)\s+(?:live[\s-]?born\s+)?(?:male|female|infant|newborn|neonate))\b",
    re.IGNORECASE,
)
_NEWBORN = re.compile(
    r"\bnewborn\s+(?:record|admission|h\s*&\s*p|nursery\s+admission)\b|\bborn\s+to\s+an?\s+\d", re.IGNORECASE
)
_GRAVIDA = re.compile(
    r"\b(?-i:G)\s*(?P<g>\d{1,2})\s*(?-i:P)\s*\d|\bgravida\s*(?P<g2>\d{1,2})\b|\b(?P<first>primigravida|primigravid|"
    r"first\s+pregnancy|nulligravida)\b|\b(?P<other>multigravida|multigravid|second\s+pregnancy|third\s+pregnancy)\b",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Cue:
    """Words of a document that say something about the pregnancy."""

    document: object  # AnalyzedDocument
    start: int
    end: int
    what: str

    @property
    def text(self) -> str:
        return self.document.text[self.start : self.end]  # type: ignore[attr-defined]


@dataclass(slots=True)
class Maternal:
    """The mother's record as a coder reads it (the state of pregnancy for this encounter)."""

    newborn: bool = False  # a newborn's record: chapter 15 codes never apply (I.C.15.a.2)
    pregnant: list[Cue] = field(default_factory=list)
    weeks: int | None = None
    weeks_cue: Cue | None = None
    stated_trimester: str | None = None
    trimester_cue: Cue | None = None
    delivery: Cue | None = None  # a delivery in this admission
    puerperium: Cue | None = None
    lactation: Cue | None = None
    incidental: Cue | None = None
    routine: Cue | None = None  # a routine prenatal visit
    gravida: str | None = None  # "first" | "other"

    @property
    def trimester(self) -> str | None:
        """From the weeks (ICD-10-CM chapter 15 definitions), else as stated (OCG I.C.15.a.3)."""
        if self.weeks is not None:
            return "1" if self.weeks < 14 else "2" if self.weeks < 28 else "3"
        return self.stated_trimester

    @property
    def state(self) -> str | None:
        if self.newborn:
            return None
        if self.delivery is not None:
            return "childbirth"
        strong_puerperium = self.puerperium is not None and self.puerperium.what == "puerperium"
        if self.puerperium is not None and (strong_puerperium or not self.pregnant):
            return "puerperium"
        if self.pregnant:
            return self.trimester or "9"
        if self.lactation is not None:
            return "lactation"
        return None

    @property
    def pregnant_now(self) -> bool:
        return self.state in TRIMESTERS

    def evidence(self) -> Cue | None:
        """The words that give the state (and its trimester) for the rationale and evidence."""
        state = self.state
        if state == "childbirth":
            return self.delivery
        if state == "puerperium":
            return self.puerperium
        if state == "lactation":
            return self.lactation
        return self.weeks_cue or self.trimester_cue or (self.pregnant[0] if self.pregnant else None)

    def describe(self) -> str:
        state = self.state
        cue = self.evidence()
        said = f" ({cue.text!r})" if cue is not None else ""
        if state == "childbirth":
            return f"delivery in this admission{said}: the 'in childbirth' code where there is one (OCG I.C.15.a.3)"
        if state == "puerperium":
            return f"puerperium{said} (OCG I.C.15.o)"
        if state == "lactation":
            return f"lactation{said}"
        if state == "9":
            return f"pregnant{said}, trimester not documented (OCG I.C.15.a.5)"
        source = f"{self.weeks} weeks" if self.weeks is not None else "as stated"
        return f"{TRIMESTER_WORDS[state or '9']} from {source}{said} (OCG I.C.15.a.3)"


def _affirmed(document, start: int, end: int, *, historical: bool = False, uncertain: bool = False) -> bool:
    a = document.assess((start, end))
    if a.negated or a.family or a.hypothetical:
        return False
    if a.historical and not historical:
        return False
    return not (a.uncertain and not uncertain)


def _left(document, start: int, span: int = 60) -> str:
    """The words of the clause before ``start`` (its sentence, after the last clause break)."""
    s_start, _ = document.sentence_at(start)
    before = document.text[max(s_start, start - span) : start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    return before[breaks[-1].end() :] if breaks else before


_SCANS: dict[re.Pattern[str], Prefiltered] = {}


def _scan(pattern: re.Pattern[str]) -> Prefiltered:
    """``pattern`` searched over a whole document only where its first letters occur (the same
    matches as its own ``finditer`` / ``search``, several times faster on a note)."""
    found = _SCANS.get(pattern)
    if found is None:
        found = _SCANS[pattern] = Prefiltered(pattern)
    return found


def _sentence_left(document, start: int) -> str:
    s_start, _ = document.sentence_at(start)
    return document.text[s_start:start]


def _stated(document, start: int) -> bool:
    return document.section_at(start).name not in _NOT_STATED


def _find(
    documents, pattern: re.Pattern[str], *, historical: bool = False, uncertain: bool = False, stated: bool = True
) -> Iterator[tuple[object, re.Match[str]]]:
    """Matches of ``pattern`` documented for the patient (not negated, family or hypothetical)."""
    for document in documents:
        for match in _scan(pattern).finditer(document.text):
            if stated and not _stated(document, match.start()):
                continue
            if _affirmed(document, match.start(), match.end(), historical=historical, uncertain=uncertain):
                yield document, match


def _overlapping(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def _weeks(documents, pregnant: bool, admission: bool) -> tuple[int | None, Cue | None, list[Cue]]:
    """The gestational age of this encounter: strong wording first ("28 weeks gestation", "GA 28w3d",
    "G2P1 at 28 weeks"; "at 28 weeks" only once the pregnancy is documented otherwise).  Of several,
    a visit's latest ("dating scan at 8 weeks ... now 30 weeks"); an admission's first, as the date
    of admission gives the weeks of a stay that spans more than one (chapter 21 guideline for Z3A)."""
    strong: list[tuple[int, Cue]] = []
    weak: list[tuple[int, Cue]] = []
    for document in documents:
        text = document.text
        for match in _scan(_WEEKS).finditer(text):
            value = match.group("w") or match.group("g")
            weeks = int(value) if value else _number(match.group("n"))
            if not 1 <= weeks <= 45:
                continue
            start, end = match.start(), match.end()
            right = text[end : end + 60]
            if _WEEKS_NOT_RIGHT.match(right):
                continue
            # the gestational age a preoperative diagnosis states is a fact, not a diagnosis to confirm
            if not _affirmed(document, start, end, uncertain=True):
                continue
            left = _left(document, start)
            if _PAST.search(left):
                continue  # a previous pregnancy's weeks
            # across a clause break: "Routine OB visit, 34 weeks"
            before = text[max(document.sentence_at(start)[0], start - 60) : start]
            visit = _WEEKS_VISIT_LEFT.search(before)
            this_visit = visit is not None and not _WEEKS_NEXT.search(before, 0, visit.start())
            if _WEEKS_PLAN_LEFT.search(left) and not this_visit:
                continue  # a plan ("glucose screen at 28 weeks", "return at 32 weeks")
            cue = Cue(document, start, end, "weeks")
            if match.group("g") or this_visit or _WEEKS_STRONG_RIGHT.match(right) or _WEEKS_STRONG_LEFT.search(left):
                strong.append((weeks, cue))
            elif _WEEKS_WEAK_LEFT.search(left):
                weak.append((weeks, cue))
    if strong:
        weeks, cue = strong[0] if admission else max(strong, key=lambda item: item[0])
    elif weak and pregnant:  # the first, as a note states the gestational age up front
        weeks, cue = weak[0]
    else:
        return None, None, []
    return weeks, cue, [c for _, c in strong]


def maternal_state(ctx: Context) -> Maternal | None:
    """What the encounter's documents say about a pregnancy, or ``None`` when nothing does (read
    once per encounter: every chapter 15 rule asks)."""
    analyzed = ctx.analyzed
    if analyzed is None:
        return None
    memo = getattr(analyzed, "memo", None)
    if memo is None:
        return _maternal_state(ctx)
    if "maternal" not in memo:
        memo["maternal"] = _maternal_state(ctx)
    return memo["maternal"]


# the patient is a child (or a male infant): pregnancy words in the note are the mother's, at his or
# her birth ("born at 39 weeks by cesarean"), not a pregnancy of the patient's
_CHILD_SUBJECT = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven)[- ]?(?:months?|mos?|weeks?|wks?)[- ]old\b"
    r"|\b(?:[1-8])[- ]?(?:years?|yrs?)[- ]old\b|\b(?:infant|baby|toddler)\s+boy\b|\bbirth\s+history\s*:",
    re.IGNORECASE,
)


def _maternal_state(ctx: Context) -> Maternal | None:
    analyzed = ctx.analyzed
    documents = list(getattr(analyzed, "documents", []))
    if not any(_scan(_ANY).search(d.text) for d in documents):
        return None
    patient = getattr(getattr(analyzed, "encounter", None), "patient", None)
    sex = str(getattr(patient, "sex", "U"))
    age = getattr(patient, "age", None)
    if sex == "M":
        return None
    state = Maternal()
    if (
        age == 0
        or any(_NEWBORN_START.match(d.text) or _scan(_NEWBORN).search(d.text) for d in documents)
        or newborn_record(ctx) is not None
    ):
        state.newborn = True
        return state
    if age is not None and not 9 <= age <= 65:
        return None
    if any(_scan(_CHILD_SUBJECT).search(d.text) for d in documents):
        return None  # "3 month old boy ... BIRTH HISTORY: Born at 39 weeks by cesarean": the infant's birth

    negatives = {id(d): [m.span() for m in _scan(_NOT_PREGNANT).finditer(d.text)] for d in documents}
    for document, match in _find(documents, _PREGNANT, stated=False):
        start, end = match.span()
        if _overlapping(negatives[id(document)], start, end):
            continue
        if _PREGNANT_LEFT.search(document.text[max(0, start - 30) : start]):
            continue
        if _PREGNANT_RIGHT.match(document.text[end : end + 30]):
            continue
        state.pregnant.append(Cue(document, start, end, "pregnancy"))
    data = pregnancy_rules()
    compiled = _compiled()
    for m in data.conditions:
        if m.pregnancy_specific and m.terms:
            for document, match in _find(documents, compiled.terms[m.id]):
                state.pregnant.append(Cue(document, match.start(), match.end(), m.id))
    for document, match in _find(documents, _TRIMESTER):
        if not _PAST.search(_left(document, match.start())):
            state.stated_trimester = _ordinal(match.group("t"))
            state.trimester_cue = Cue(document, match.start(), match.end(), "trimester")
            state.pregnant.append(state.trimester_cue)
            break
    # a delivery in this admission (inpatient): the words, not a plan, a history or another stay
    if ctx.setting == "inpatient":
        for document, match in _find(documents, _DELIVERY, stated=False):
            start, end = match.span()
            if _DELIVERY_LEFT.search(_sentence_left(document, start)[-60:]):
                continue
            if _DELIVERY_RIGHT.match(document.text[end : end + 20]):
                continue
            if _PUERPERIUM_STRONG.search(document.text[slice(*document.sentence_at(start))]):
                continue
            state.delivery = Cue(document, start, end, "delivery")
            break
    for document, match in _find(documents, _PUERPERIUM_STRONG, stated=False):
        state.puerperium = Cue(document, match.start(), match.end(), "puerperium")
        break
    if state.puerperium is None:
        for document, match in _find(documents, _PUERPERIUM, stated=False):
            if _PUERPERIUM_NOT_RIGHT.match(document.text[match.end() : match.end() + 30]):
                continue
            if _DELIVERY_LEFT.search(_sentence_left(document, match.start())[-40:]):
                continue
            if _PAST_SENTENCE.search(document.text[slice(*document.sentence_at(match.start()))]):
                continue
            state.puerperium = Cue(document, match.start(), match.end(), "postpartum")
            break
    state.weeks, state.weeks_cue, strong = _weeks(
        documents, bool(state.pregnant) or state.delivery is not None, ctx.setting == "inpatient"
    )
    state.pregnant.extend(strong)
    for document, match in _find(documents, _LACTATION, stated=False):
        state.lactation = Cue(document, match.start(), match.end(), "lactation")
        break
    for document in documents:
        match = _scan(_INCIDENTAL).search(document.text)
        if match is not None:
            state.incidental = Cue(document, match.start(), match.end(), "incidental")
            break
    if ctx.setting != "inpatient":
        for document, match in _find(documents, compiled.routine, stated=False):
            state.routine = Cue(document, match.start(), match.end(), "routine")
            break
    state.gravida = _gravida(documents)
    return state


def _number(words: str) -> int:
    """ "twenty-four" -> 24."""
    names = [*_UNITS.split("|"), *_TEENS.split("|")]
    values = {name: i + 1 for i, name in enumerate(names[:9])} | {name: i + 10 for i, name in enumerate(names[9:])}
    values |= {"twenty": 20, "thirty": 30, "forty": 40}
    return sum(values[w] for w in re.split(r"[\s-]+", words.lower()) if w in values)


def _ordinal(word: str) -> str:
    word = word.lower()
    return "1" if word.startswith(("first", "1")) else "2" if word.startswith(("second", "2")) else "3"


def _gravida(documents) -> str | None:
    for document in documents:
        for match in _scan(_GRAVIDA).finditer(document.text):
            if match.group("first"):
                return "first"
            if match.group("other"):
                return "other"
            number = int(match.group("g") or match.group("g2"))
            if number >= 1:
                return "first" if number == 1 else "other"
    return None


# --- helpers on candidates ----------------------------------------------------------------------------------


def _billable(ctx: Context, code: str) -> bool:
    node = ctx.index.get(code)
    return node is not None and node.billable


def _title(ctx: Context, code: str) -> str:
    node = ctx.index.get(code)
    return node.description if node is not None else code


def _mention(cue: Cue, term: str, ref: str, score: float = 1.0) -> Mention:
    document = cue.document
    a = document.assess((cue.start, cue.end))  # type: ignore[attr-defined]
    section = document.section_at(cue.start)  # type: ignore[attr-defined]
    s_start, s_end = document.sentence_at(cue.start)  # type: ignore[attr-defined]
    words = len(cue.text.split())
    sentence_words = max(1, len(document.text[s_start:s_end].split()))  # type: ignore[attr-defined]
    return Mention(
        document_id=document.document_id,  # type: ignore[attr-defined]
        start=cue.start,
        end=cue.end,
        text=cue.text,
        source=SOURCE,
        term=term,
        score=score,
        section=section.name,
        negated=a.negated,
        uncertain=a.uncertain,
        historical=a.historical,
        family=a.family,
        hypothetical=a.hypothetical,
        cues=tuple(f"{c[0]}: {c[1]!r}" for c in a.cues),
        words=words,
        section_title=section.title,
        ref=ref,
        share=min(1.0, words / sentence_words),
    )


def _state_mention(state: Maternal) -> list[Mention]:
    cue = state.evidence()
    if cue is None:
        return []
    # score below the condition's words: evidence lists the condition first
    return [_mention(cue, cue.what, "documentation of the pregnancy (OCG I.C.15.a.3)", score=0.9)]


def _add(
    cands: list[Candidate],
    ctx: Context,
    code: str,
    mentions: list[Mention],
    rule_id: str,
    step: str,
    matched: set[str] | None = None,
    confidence: float | None = None,
    features: dict | None = None,
) -> Candidate:
    """Add ``code`` (or merge into the candidate already there) with its evidence and why."""
    existing = next((c for c in cands if c.code == code), None)
    if existing is None:
        existing = Candidate(
            code, matched=set(matched or {code}), mentions=list(mentions), features=dict(features or {})
        )
        existing.confidence = confidence if confidence is not None else fact_confidence(existing)
        cands.append(existing)
    else:
        seen = {(m.document_id, m.start, m.end) for m in existing.mentions}
        existing.mentions.extend(m for m in mentions if (m.document_id, m.start, m.end) not in seen)
        existing.matched |= set(matched or ())
        if confidence is not None:
            existing.confidence = max(existing.confidence, confidence)
    if rule_id not in existing.rules:
        existing.rules.append(rule_id)
    if step not in existing.steps:
        existing.steps.append(step)
    return existing


def _live(cand: Candidate) -> list[Mention]:
    return [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)] or cand.mentions


def _within(cand: Candidate, spans: dict[str, list[tuple[int, int]]]) -> bool:
    """Are all of ``cand``'s live mentions inside (overlapping) the given spans?"""
    live = [m for m in _live(cand) if m.source != "learned"]
    return bool(live) and all(_overlapping(spans.get(m.document_id, []), m.start, m.end) for m in live)


def _chapter15(code: str) -> bool:
    return code.startswith("O")


def _removed_here(ctx: Context, document_id: str, start: int, end: int) -> bool:
    """Did an assertion or statement rule already remove a code documented by these words?"""
    prefixes = ("ocg.assertion.", "ocg.II.H", "ocg.I.C.21.history", "ocg.III.B", "ocg.IV.J")
    for cand, rule_id in ctx.removed:
        if rule_id.startswith(prefixes) and any(
            m.document_id == document_id and m.start < end and start < m.end for m in cand.mentions
        ):
            return True
    return False


# --- rules ------------------------------------------------------------------------------------------------------

CONDITIONS_RULE = "ocg.I.C.15.a.1.v2"
SUPERVISION_RULE = "ocg.I.C.15.b.1.v1"
DELIVERY_RULE = "ocg.I.C.15.b.5.v1"
NORMAL_DELIVERY_RULE = "ocg.I.C.15.n.v1"
WEEKS_RULE = "ocg.I.C.15.weeks.v2"
SEQUENCE_RULE = "ocg.I.C.15.sequence.v1"


@rule(
    DELIVERY_RULE,
    "I.C.15.b.4-5 (outcome of delivery Z37 on every maternal delivery record), I.C.16.a.2 (Z38 is the newborn's)",
    "a delivery record: the outcome of delivery Z37, perineal lacerations O70, never the newborn's Z38",
)
def _delivery(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    state = maternal_state(ctx)
    if state is None or state.state != "childbirth" or state.delivery is None:
        return cands
    data = pregnancy_rules().delivery
    compiled = _compiled()
    documents = ctx.analyzed.documents  # type: ignore[attr-defined]
    outcome, outcome_cue = data.unspecified_outcome, state.delivery
    for spec, wanted, unwanted in compiled.outcomes:
        found = [next(_find(documents, p, stated=False), None) for p in wanted]
        if all(found) and not any(next(_find(documents, p, stated=False), None) for p in unwanted):
            document, match = found[-1]  # type: ignore[misc]
            outcome, outcome_cue = spec.code, Cue(document, match.start(), match.end(), "outcome")
            break
    if _billable(ctx, outcome) and not any(c.code.startswith("Z37") for c in cands):
        mention = _mention(outcome_cue, "outcome of delivery", data.section)
        _add(
            cands,
            ctx,
            outcome,
            [mention],
            DELIVERY_RULE,
            f"outcome of delivery on the mother's record: {outcome} ({_title(ctx, outcome)}), OCG I.C.15.b.5",
        )
    for cand in list(cands):
        if cand.code.startswith("Z38"):
            _drop(
                cands,
                ctx,
                cand,
                DELIVERY_RULE,
                "not coded: Z38 is the newborn's birth code, not for the mother's record; "
                f"the outcome of delivery is {outcome} (OCG I.C.15.b.5)",
            )
    claimed: dict[str, list[tuple[int, int]]] = {}
    for spec, pattern in compiled.lacerations:
        for document, match in _find(documents, pattern, stated=False):
            spans = claimed.setdefault(document.document_id, [])  # type: ignore[attr-defined]
            if _overlapping(spans, *match.span()) or not _billable(ctx, spec.code):
                continue
            spans.append(match.span())
            cue = Cue(document, match.start(), match.end(), "laceration")
            added = _add(
                cands,
                ctx,
                spec.code,
                [_mention(cue, cue.text, "O70 Perineal laceration during delivery")],
                DELIVERY_RULE,
                f"perineal laceration during this delivery -> {spec.code} ({_title(ctx, spec.code)})",
            )
            for cand in list(cands):
                if (
                    cand is not added
                    and cand.code[:1] in "ST"
                    and _within(cand, {document.document_id: [match.span()]})
                ):  # type: ignore[attr-defined]
                    _drop(
                        cands,
                        ctx,
                        cand,
                        DELIVERY_RULE,
                        f"replaced by {spec.code}: an obstetric laceration during delivery is coded in chapter 15 "
                        "(OCG I.C.15.a.1), not as an injury",
                    )
    return cands


def _trimester_code(codes: dict, trimester: str | None):
    return codes.get(trimester or "9") or codes.get("9") or codes.get("pregnancy")


def _state_code(codes: dict, state: Maternal):
    """The entry of a table by state: the trimester's (or the unspecified trimester's, or the one code
    without a trimester axis); "in childbirth" where there is one, else the trimester at admission
    (OCG I.C.15.a.3-4); "puerperium" and "lactation" only where the table has them."""
    key = state.state
    if key == "childbirth":
        return codes.get("childbirth") or _trimester_code(codes, state.trimester)
    if key in ("puerperium", "lactation"):
        return codes.get(key)
    return _trimester_code(codes, key)


def _pick(m: ConditionMap, state: Maternal, ctx: Context, cue: Cue | None) -> str | None:
    """The code of mapping ``m`` for the encounter's state (and the treatment, for a code by control)."""
    value = _state_code(m.codes, state)
    if isinstance(value, dict):
        value = value[_control(ctx, cue)]
    return value


def _treatments(ctx: Context, near: Cue | None, kinds: Iterable[str]) -> dict[str, Cue]:
    """The treatments documented (insulin, oral hypoglycemics, diet): diet in the condition's own
    section, drugs there or in the medication, plan and history sections."""
    compiled = _compiled()
    documents = ctx.analyzed.documents  # type: ignore[attr-defined]
    wanted = ("medications", "assessment_plan", "plan", "history_present_illness", "hospital_course", "unknown")
    found: dict[str, Cue] = {}
    for kind in kinds:
        for document, match in _find(documents, compiled.treatment[kind], stated=False):
            section = document.section_at(match.start())  # type: ignore[attr-defined]
            same = (
                near is not None
                and document is near.document
                and section.start == document.section_at(near.start).start
            )  # type: ignore[attr-defined]
            if (same or (kind != "diet" and section.name in wanted)) and not _PAST.search(
                _left(document, match.start())
            ):
                found[kind] = Cue(document, match.start(), match.end(), kind)
                break
    return found


def _control(ctx: Context, cue: Cue | None) -> str:
    # OCG I.C.15.i: diet and insulin -> insulin-controlled only; diet and oral drugs -> oral only
    found = _treatments(ctx, cue, ("insulin", "oral", "diet"))
    return next((k for k in ("insulin", "oral", "diet") if k in found), "unspecified")


def _cue_of(ctx: Context, cand: Candidate) -> Cue | None:
    live = [m for m in _live(cand) if m.source != "learned"]
    if not live:
        return None
    m = max(live, key=lambda x: (x.affirmed, x.words, -x.start))
    try:
        document = ctx.analyzed.document(m.document_id)  # type: ignore[attr-defined]
    except (AttributeError, KeyError):
        return None
    return Cue(document, m.start, m.end, "condition")


def _retrimester(ctx: Context, code: str, state: Maternal) -> str | None:
    """An engine-found chapter 15 code of unspecified trimester at the documented trimester: the
    sibling whose title says so (the tabular's own wording).  v2: a code with a 7th character (the
    fetus, O36.8190) keeps it on the sibling of its unspecified-trimester subcategory (O36.8130); a
    sibling titled by the trimester twice ("Preterm labor third trimester with preterm delivery third
    trimester", O60.14) is that trimester's."""
    node = ctx.index.get(code)
    trimester = state.trimester if state.state == "childbirth" else state.state
    if node is None or node.parent is None or trimester not in ("1", "2", "3"):
        return None
    base, suffix = node, ""
    if not node.description.endswith("unspecified trimester"):
        parent = ctx.index.get(node.parent)
        if parent is None or parent.parent is None or not parent.description.endswith("unspecified trimester"):
            return None
        base, suffix = parent, code[len(node.parent) :]
    words = TRIMESTER_WORDS[trimester]
    others = [w for k, w in TRIMESTER_WORDS.items() if k != trimester]
    wanted = base.description[: -len("unspecified trimester")] + words
    grand = ctx.index.get(base.parent)
    siblings = [ctx.index.get(c) for c in (grand.children if grand is not None else [])]
    siblings = [x for x in siblings if x is not None]
    match = next((x for x in siblings if x.description == wanted), None)
    if match is None:
        only = [x for x in siblings if words in x.description and not any(w in x.description for w in others)]
        match = only[0] if len(only) == 1 else None
    if match is None:
        return None
    found = ctx.index.get(match.code + suffix) if suffix else match
    return found.code if found is not None and found.billable else None


@dataclass(slots=True)
class _Target:
    code: str
    mapping: ConditionMap | None
    sources: list[tuple[Candidate, bool, str]] = field(default_factory=list)  # (candidate, kept, why)
    mentions: list[Mention] = field(default_factory=list)  # words these rules found themselves


def _detect(ctx: Context, state: Maternal) -> dict[str, list[Cue]]:
    """Wordings that document a condition of the classification in pregnancy (gestational diabetes,
    pre-eclampsia, UTI ...); the first mapping listed claims its words (severe pre-eclampsia before
    pre-eclampsia)."""
    documents = ctx.analyzed.documents  # type: ignore[attr-defined]
    compiled = _compiled()
    detected: dict[str, list[Cue]] = {}
    claimed: dict[str, list[tuple[int, int]]] = {}
    for m in pregnancy_rules().conditions:
        if not m.terms:
            continue
        # OCG II.H / IV.H: an uncertain diagnosis is coded as established for inpatients only
        for document, match in _find(documents, compiled.terms[m.id], uncertain=ctx.setting == "inpatient"):
            doc_id = document.document_id  # type: ignore[attr-defined]
            spans = claimed.setdefault(doc_id, [])
            if _overlapping(spans, *match.span()):
                continue
            if m.pregnancy_specific and _other_pregnancy(document, *match.span()):
                continue  # a previous pregnancy's, or a test or prevention of it ("preeclampsia labs")
            if not m.pregnancy_specific and _removed_here(ctx, doc_id, *match.span()):
                continue  # already judged not to be coded (negated, past, only a finding ...)
            spans.append(match.span())
            detected.setdefault(m.id, []).append(Cue(document, match.start(), match.end(), m.id))
    return detected


NOT_THIS_RULE = "ocg.I.C.15.a.not-this-pregnancy.v1"

# a previous pregnancy's condition: a sentence dated or said of another pregnancy or delivery
_OTHER_PREGNANCY = re.compile(
    r"\b(?:(?:19|20)\d\d|\d+\s+years?\s+ago|(?:previous|prior|last|former|first|second|other|earlier|past)\s+"
    r"(?:pregnanc(?:y|ies)|deliver(?:y|ies)|gestations?|births?)|with\s+(?:her|each|both)\s+(?:\w+\s+)?(?:child|children|"
    r"baby|babies|son|daughter|pregnanc\w+|deliver\w+))\b",
    re.IGNORECASE,
)
_HISTORY_SECTION = re.compile(
    r"\b(?:OB|obstetric\w*|pregnancy|gyn\w*|past\s+medical|past\s+surgical)\b.*\bhistory\b", re.I
)
# a condition named as a test, a risk or a prevention, not as the patient's ("baseline preeclampsia labs")
_CONDITION_NOT_RIGHT = re.compile(
    r"\s*(?:labs?|laborator\w+|panels?|work-?up|precautions|warning\s+signs|signs\s+and\s+symptoms|screen\w*|"
    r"prophylaxis|prevention|risk\s+(?:factors?|assessment|reduction)|protocol|education|counsel\w*)\b",
    re.IGNORECASE,
)
_CONDITION_NOT_LEFT = re.compile(
    r"\b(?:risk\s+(?:of|for)|at\s+risk|signs\s+(?:and\s+symptoms\s+)?of|symptoms\s+of|precautions\s+for|"
    r"screen\w*\s+for|prevent\w*(?:\s+of)?|reduce\s+(?:the\s+)?risk\s+of)\s+$",
    re.IGNORECASE,
)


def _other_pregnancy(document, start: int, end: int) -> bool:
    """Are these words a previous pregnancy's, or a test, risk or prevention of the condition?"""
    text = document.text
    if _CONDITION_NOT_RIGHT.match(text, end) or _CONDITION_NOT_LEFT.search(text[max(0, start - 40) : start]):
        return True
    if _HISTORY_SECTION.search(document.section_at(start).title or ""):
        return True
    s_start, s_end = document.sentence_at(start)
    return bool(_OTHER_PREGNANCY.search(text, s_start, s_end))


@rule(
    NOT_THIS_RULE,
    "I.C.15.a.1 (chapter 15 codes for this pregnancy's conditions), III (a past condition is not coded)",
    "a previous pregnancy's complication, or one named as a test, risk or prevention, is not this pregnancy's",
)
def _not_this_pregnancy(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # "OB HISTORY: Primary cesarean in 2021 for arrest of dilation", "pre-eclampsia with her first child",
    # "baseline preeclampsia labs", "aspirin for preeclampsia prophylaxis": not this pregnancy's condition.
    # A high-risk supervision code (O09, a history by definition) and the scar from a previous cesarean
    # (O34.2-, this pregnancy's) are not affected.
    state = maternal_state(ctx)
    if state is None or state.newborn or ctx.analyzed is None:
        return cands
    for cand in list(cands):
        if not _chapter15(cand.code) or cand.code.startswith(("O09", "O34.2")):
            continue
        live = [m for m in _live(cand) if m.source != "learned"]
        if not live:
            continue
        docs = []
        for m in live:
            try:
                docs.append((ctx.analyzed.document(m.document_id), m))  # type: ignore[attr-defined]
            except (AttributeError, KeyError):
                docs = []
                break
        if docs and all(m.historical or _other_pregnancy(d, m.start, m.end) for d, m in docs):
            _drop(
                cands,
                ctx,
                cand,
                NOT_THIS_RULE,
                f"not coded: {live[0].text!r} is a previous pregnancy's condition, or a test, risk or prevention "
                "of it, not a condition of this pregnancy (OCG I.C.15.a.1, III)",
            )
    return cands


@rule(
    CONDITIONS_RULE,
    "I.C.15.a.1-3 (chapter 15 codes for conditions in pregnancy; trimester), I.C.15.c-m, I.C.15.r-s",
    "conditions of a pregnant, delivering or postpartum patient as the chapter 15 codes that classify them",
)
def _conditions(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    state = maternal_state(ctx)
    if state is None:
        return cands
    rule_id = CONDITIONS_RULE
    if state.newborn:
        # chapter 15 note and OCG I.C.15.a.2: maternal records only, never the newborn's
        for cand in list(cands):
            if _chapter15(cand.code) or cand.code.startswith(("Z3A", "Z37", "Z34", "Z33")):
                _drop(
                    cands,
                    ctx,
                    cand,
                    rule_id,
                    "not coded: chapter 15, Z3A and Z37 codes are for the mother's record, never the newborn's "
                    "(OCG I.C.15.a.2)",
                )
        return cands
    if state.state is None:
        return cands
    if state.incidental is not None and state.pregnant_now:
        # OCG I.C.15.a.1: the provider documents that the pregnancy is incidental: Z33.1, no chapter 15 code
        if _billable(ctx, "Z33.1"):
            cue = state.incidental
            _add(
                cands,
                ctx,
                "Z33.1",
                [_mention(cue, cue.text, "OCG I.C.15.a.1")],
                rule_id,
                "pregnancy documented as incidental to the encounter: Z33.1 instead of a chapter 15 code "
                "(OCG I.C.15.a.1)",
            )
        return cands
    data = pregnancy_rules()
    compiled = _compiled()
    by_id = {m.id: m for m in data.conditions}
    described = state.describe()
    detected = _detect(ctx, state)
    worded = _worded(cands, detected)
    targets: dict[str, _Target] = {}

    def target(code: str | None, m: ConditionMap | None) -> _Target | None:
        if code is None or not _billable(ctx, code):
            return None
        return targets.setdefault(code, _Target(code, m))

    for m_id, found in detected.items():
        m = by_id[m_id]
        for cue in found:
            entry = target(_pick(m, state, ctx, cue), m)
            if entry is not None:
                entry.mentions.append(_mention(cue, cue.text, f"pregnancy_rules {m.id}: {m.tabular}"))
    for cand in list(cands):
        code = cand.code
        if _chapter15(code):
            # a chapter 15 code found in the words: at the documented trimester (only where the words
            # left it unspecified), "in childbirth" when she delivers, by the documented control
            mapped = compiled.by_code.get(code)
            new = None
            if mapped is not None:
                m, key = mapped
                by_control = isinstance(m.codes[key], dict)  # type: ignore[index]
                if key == "9" or by_control or (state.state in ("childbirth", "puerperium") and key in TRIMESTERS):
                    new = _pick(m, state, ctx, _cue_of(ctx, cand))
            else:
                new = _retrimester(ctx, code, state)
            entry = target(new, mapped[0] if mapped else None) if new != code else None
            if entry is not None:
                entry.sources.append((cand, False, f"{_title(ctx, entry.code)}: {described}"))
            continue
        overlapped = next(
            (
                (by_id[m_id], cue)
                for m_id, found in detected.items()
                for cue in found
                if any(_covers(p, code) for p in by_id[m_id].overlapping)
                and _within(cand, {cue.document.document_id: [(cue.start, cue.end)]})  # type: ignore[attr-defined]
            ),
            None,
        )
        if overlapped is not None:
            m, cue = overlapped
            entry = target(_pick(m, state, ctx, cue), m)
            if entry is not None:
                entry.sources.append((cand, False, f"its words ({cue.text!r}) document {m.tabular}"))
                continue
        m = next((x for x in data.conditions if _covered(x, code) and (x.requires is None or x.id in worded)), None)
        if m is None:
            continue
        entry = target(_pick(m, state, ctx, _cue_of(ctx, cand)), m)
        if entry is not None:
            entry.sources.append((cand, m.keep_condition, m.note))
    context = _state_mention(state)
    applied: list[ConditionMap] = []
    for code, entry in targets.items():
        sources = [s for s in entry.sources if s[0] in cands]
        if not sources and not entry.mentions:
            continue
        m = entry.mapping
        mentions = [mm for cand, _, _ in sources for mm in cand.mentions] + entry.mentions + context
        if sources:
            confidence = max(cand.confidence for cand, _, _ in sources)
        else:
            confidence = fact_confidence(Candidate(code, mentions=list(entry.mentions)))
        names = ", ".join(cand.code for cand, _, _ in sources) or ", ".join(repr(mm.text) for mm in entry.mentions)
        step = f"{names} in pregnancy -> {code} ({_title(ctx, code)}); {described}"
        if m is not None:
            step += f"; {m.tabular}, OCG {m.section}"
        _add(
            cands,
            ctx,
            code,
            mentions,
            rule_id,
            step,
            matched={cand.code for cand, _, _ in sources} | {code},
            confidence=confidence,
            features=dict(sources[0][0].features) if sources else None,
        )
        if m is not None and m not in applied:
            applied.append(m)
        if (
            m is not None
            and m.condition_code
            and entry.mentions
            and not any(any(_covers(p, c.code) for p in m.conditions) for c in cands)
            and _billable(ctx, m.condition_code)
        ):
            # only the words were there (the vocabulary has no code for them): the condition's code
            # the O code's note asks for (E11.9 after O24.11-, OCG I.C.15.g)
            _add(
                cands,
                ctx,
                m.condition_code,
                list(entry.mentions),
                rule_id,
                f"the condition's own code after {code} ({_title(ctx, m.condition_code)}): {m.note}",
                confidence=fact_confidence(Candidate(m.condition_code, mentions=list(entry.mentions))),
            )
        # the O code's "use additional code" note keeps the condition's own code after it; otherwise
        # the O code replaces it
        for cand, keep, note in sources:
            if cand not in cands or cand.code == code:
                continue
            if keep:
                if rule_id not in cand.rules:
                    cand.rules.append(rule_id)
                cand.steps.append(f"kept after {code} as an additional code: {note}")
            else:
                why = note or "the chapter 15 code classifies the condition"
                _drop(cands, ctx, cand, rule_id, f"replaced by {code}: {why} (OCG I.C.15.a.1)")
    _never_with(cands, ctx, applied)
    _drug_status(cands, ctx, state, applied)
    _combinations(cands, ctx, state)
    if any(_chapter15(c.code) for c in cands):
        for cand in list(cands):
            if cand.code == "Z33.1":
                _drop(cands, ctx, cand, rule_id, "not coded: Z33.1 Excludes1 complications of pregnancy (O00-O9A)")
    return cands


def _never_with(cands: list[Candidate], ctx: Context, applied: list[ConditionMap]) -> None:
    for m in applied:
        for cand in list(cands):
            if any(_covers(p, cand.code) for p in m.never_with):
                _drop(cands, ctx, cand, CONDITIONS_RULE, f"not coded with {m.tabular} (OCG {m.section})")


def _drug_status(cands: list[Candidate], ctx: Context, state: Maternal, applied: list[ConditionMap]) -> None:
    """The long-term drug therapy a pre-existing diabetes code asks for (O24.1-, O24.8-: "use
    additional code ... Z79.4, Z79.85"; OCG I.C.15.g, I.C.4.a.3)."""
    if state.state == "lactation":
        return
    status = pregnancy_rules().treatment_status
    for m in applied:
        if not m.drug_status:
            continue
        for kind, cue in _treatments(ctx, None, status).items():
            z = status[kind]  # type: ignore[index]
            if _billable(ctx, z) and not any(c.code == z for c in cands):
                _add(
                    cands,
                    ctx,
                    z,
                    [_mention(cue, cue.text, "OCG I.C.4.a.3")],
                    CONDITIONS_RULE,
                    f"long-term drug therapy of the pre-existing diabetes ({cue.text!r}) -> {z}, as the note of "
                    f"{m.tabular.split(' ', 1)[0]} asks (OCG I.C.15.g, I.C.4.a.3)",
                )


def _combinations(cands: list[Candidate], ctx: Context, state: Maternal) -> None:
    """Pre-existing hypertension with pre-eclampsia is O11 (+ the O10 code; OCG I.C.15.d)."""
    for combo in pregnancy_rules().combinations:
        present = [next((c for c in cands if matches_prefix(c.code, p)), None) for p in combo.when]
        found = [c for c in present if c is not None]
        if len(found) < len(present):
            continue
        code = _state_code(combo.codes, state)
        if not isinstance(code, str) or not _billable(ctx, code):
            continue
        _add(
            cands,
            ctx,
            code,
            [mm for c in found for mm in c.mentions],
            CONDITIONS_RULE,
            f"{' + '.join(c.code for c in found)} -> {code} ({_title(ctx, code)}); {combo.note} (OCG {combo.section})",
            confidence=max(c.confidence for c in found),
        )
        for cand in list(cands):
            if cand.code != code and any(matches_prefix(cand.code, p) for p in combo.replaces):
                _drop(cands, ctx, cand, CONDITIONS_RULE, f"combined into {code}: {combo.tabular} (OCG {combo.section})")


# --- the cesarean scar and the symptoms integral to a chapter 15 condition ------------------------------------

SCAR_RULE = "ocg.I.C.15.b.4.cesarean-scar.v1"
INTEGRAL_RULE = "ocg.I.C.15.integral.v1"

_CESAREAN_WORD = r"(?:c(?:a)?esarean(?:\s+(?:sections?|deliver(?:y|ies)|births?))?s?|c-?sections?|(?-i:R?LTCS|C/S))"
_SCAR_TYPE_WORDS = (
    r"(?:\d|one|two|three|x\s*\d|low|transverse|vertical|classical|primary|elective|emergent|emergency|urgent|"
)
_SCAR_TYPE_WORDS += r"scheduled|planned|uncomplicated|uterine|segment|kerr|-)"
# words that document a scar from a previous cesarean in this pregnancy: a previous / prior cesarean, a
# repeat cesarean, a trial of labor (or vaginal birth) after cesarean
_PREVIOUS_CESAREAN = re.compile(
    rf"\b(?:previous|prior|history\s+of|hx\s+of|h/o|s/p|status\s+post)\s+(?:{_SCAR_TYPE_WORDS}\s*){{0,4}}"
    rf"{_CESAREAN_WORD}(?:\s*(?:x|times)\s*\d)?"
    rf"|\brepeat\s+(?:{_SCAR_TYPE_WORDS}\s*){{0,4}}{_CESAREAN_WORD}|\b(?-i:RLTCS|VBAC|TOLAC)\b"
    rf"|\b(?:trial\s+of\s+labor|vaginal\s+birth)\s+after\s+(?:a\s+|previous\s+|prior\s+)?{_CESAREAN_WORD}",
    re.IGNORECASE,
)
# the type of the previous uterine scar (a skin incision's type is not the uterine scar's)
_SCAR_VERTICAL = re.compile(
    r"\b(?:classical|vertical|low\s+vertical|T-?shaped|inverted\s+T|J-?shaped|fundal)\b(?!\s+(?:skin|abdominal))"
    r"(?:\s+(?:uterine\s+)?(?:incision|scar|hysterotomy|cesarean|c-?section))?",
    re.IGNORECASE,
)
_SCAR_TRANSVERSE = re.compile(
    r"\b(?:low\s+(?:segment\s+)?transverse|(?-i:R?LTCS)|Kerr)\b(?!\s+(?:skin|abdominal))", re.IGNORECASE
)
_SCAR_DEFECT = re.compile(r"\bcesarean\s+scar\s+(?:pregnancy|defect|niche|ectopic)|\bisthmocele\b", re.IGNORECASE)
_SCAR_CODES = {"vertical": "O34.212", "transverse": "O34.211", "unspecified": "O34.219"}


def _scar_type(document, match: re.Match[str]) -> str | None:
    """The previous scar's type in the words about it (the match, or the rest of its sentence)."""
    s_start, s_end = document.sentence_at(match.start())
    text = document.text
    for lo, hi in ((match.start(), match.end()), (s_start, s_end)):
        vertical = _SCAR_VERTICAL.search(text, lo, hi)
        transverse = _SCAR_TRANSVERSE.search(text, lo, hi)
        if vertical is not None and (transverse is None or vertical.start() < transverse.start()):
            return "vertical"
        if transverse is not None:
            return "transverse"
    return None


@rule(
    SCAR_RULE,
    "I.C.15.b.4 (a cesarean's principal diagnosis is the condition responsible for it), Tabular O34.21-",
    "a scar from a previous cesarean in this pregnancy or delivery: O34.21- by the previous scar's type",
)
def _cesarean_scar(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # Index: Pregnancy, complicated by, scar (uterine) (from), cesarean delivery (previous) -> O34.21-
    # (low transverse O34.211, vertical / classical O34.212, unspecified O34.219).  A repeat cesarean,
    # a trial of labor or a vaginal birth after cesarean each document the previous cesarean's scar.
    # The previous delivery is history, but its scar is this pregnancy's: only a negated, family or
    # hypothetical statement is none.  Not on a newborn's, a postpartum or an incidental record, and not
    # for a cesarean scar pregnancy or defect (O34.22, other codes).
    state = maternal_state(ctx)
    if state is None or state.state not in (*TRIMESTERS, "childbirth") or state.incidental is not None:
        return cands
    if any(c.code.startswith("O34.2") for c in cands):
        return cands
    documents = ctx.analyzed.documents  # type: ignore[attr-defined]
    found: list[tuple[object, re.Match[str], str | None]] = []
    for document, match in _find(documents, _PREVIOUS_CESAREAN, historical=True, uncertain=True, stated=False):
        if _NOT_PREGNANT.search(document.text, *document.sentence_at(match.start())):  # type: ignore[attr-defined]
            continue
        if _SCAR_DEFECT.search(document.text, *document.sentence_at(match.start())):  # type: ignore[attr-defined]
            continue
        found.append((document, match, _scar_type(document, match)))
    if not found:
        return cands
    # the previous scar named ("prior classical cesarean") before the repeat operation's words
    previous = [f for f in found if f[2] is not None and not f[1].group(0).lower().startswith("repeat")]
    document, match, kind = (previous or [f for f in found if f[2] is not None] or found)[0]
    code = _SCAR_CODES[kind or "unspecified"]
    if not _billable(ctx, code):
        return cands
    cue = Cue(document, match.start(), match.end(), "scar")
    _add(
        cands,
        ctx,
        code,
        [_mention(cue, cue.text, "Pregnancy, complicated by, scar, cesarean delivery (previous) -> O34.21-")],
        SCAR_RULE,
        f"scar from a previous cesarean delivery ({cue.text!r}) -> {code} ({_title(ctx, code)}); "
        "the condition responsible for a repeat cesarean (OCG I.C.15.b.4)",
    )
    return cands


# OCG I.B.5: symptoms routinely associated with a chapter 15 condition are not coded with it (the
# condition's definition in its Tabular title or inclusion terms).  condition prefix -> symptom prefixes.
_INTEGRAL: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...] = (
    # hypertensive disorders of pregnancy: elevated blood pressure, proteinuria, edema
    (
        ("O11", "O13", "O14", "O15", "O16"),
        ("R03.0", "R80", "R60"),
        "Tabular O13-O16: hypertension with or without proteinuria and edema",
    ),
    # severe features of pre-eclampsia, HELLP and eclampsia: headache, visual disturbance, epigastric pain
    (
        ("O11", "O14.1", "O14.2", "O15"),
        ("R51", "H53.1", "H53.8", "H53.9", "R10.1"),
        "severe features of pre-eclampsia (O14.1-, O14.2-, O15)",
    ),
    # HELLP: hemolysis, elevated liver enzymes, low platelets
    (
        ("O14.2",),
        ("D69.6", "D59.9", "R74.0", "R74.8"),
        "Tabular O14.2 HELLP syndrome: hemolysis, elevated liver enzymes and low platelet count",
    ),
    # hyperemesis with metabolic disturbance: dehydration, electrolyte imbalance, carbohydrate depletion
    (
        ("O21.1",),
        ("O21.0", "E86", "E87", "R11"),
        "Tabular O21.1 Hyperemesis gravidarum with metabolic disturbance (dehydration, electrolyte imbalance)",
    ),
    (("O21.0", "O21.2", "O21.8", "O21.9"), ("R11",), "Tabular O21: vomiting of pregnancy"),
    # sepsis and infections following delivery, abortion or an obstetric procedure: fever, tachycardia, SIRS
    (
        ("O85", "O86", "O03.37", "O03.87", "O04.87", "O07.37", "O08.82", "O75.3", "O41.12"),
        ("R50", "R00.0", "R65.10", "R65.11", "R68.83"),
        "fever and tachycardia of the infection (O85 Puerperal sepsis, O86 Other puerperal infections)",
    ),
    # peripartum cardiomyopathy: the heart failure's dyspnea and edema
    (("O90.3",), ("R06.0", "R60"), "the heart failure of peripartum cardiomyopathy (O90.3)"),
    # hemorrhage named by the chapter 15 code
    (
        ("O72", "O20", "O46", "O67", "O44.1", "O44.2", "O44.3", "O45", "O03.1", "O03.6", "O08.1"),
        ("R58", "N93.9", "O62.2"),
        "the hemorrhage its chapter 15 code names (O72 Postpartum hemorrhage, O20, O46, O67)",
    ),
)


def _source_codes(cand: Candidate) -> set[str]:
    return {m for m in cand.matched if m != cand.code}


@rule(
    INTEGRAL_RULE,
    "I.B.5 with I.C.15 (signs and symptoms integral to a chapter 15 condition), I.C.15.i (COVID-19 manifestations)",
    "symptoms integral to a chapter 15 condition are not coded with it, nor the O99 code made of them",
)
def _integral(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    state = maternal_state(ctx)
    if state is None or state.newborn or not any(_chapter15(c.code) for c in cands):
        return cands
    dropped: set[str] = set()
    for conditions, symptoms, why in _INTEGRAL:
        explains = next((c for c in cands if any(matches_prefix(c.code, p) for p in conditions)), None)
        if explains is None:
            continue
        for cand in list(cands):
            if cand is explains or not any(matches_prefix(cand.code, p) for p in symptoms):
                continue
            if any(matches_prefix(explains.code, p) for p in symptoms):
                continue
            dropped.add(cand.code)
            _drop(cands, ctx, cand, INTEGRAL_RULE, f"integral to {explains.code}: {why} (OCG I.B.5)")
    # OCG I.C.15.i: COVID-19 in pregnancy is O98.5- followed by U07.1 and the codes of its manifestations;
    # its pneumonia is one of them, not a respiratory condition complicating pregnancy (O99.5-)
    covid = any(c.code == "U07.1" for c in cands) and any(c.code.startswith("O98.5") for c in cands)
    for cand in list(cands):
        sources = _source_codes(cand)
        if not cand.code.startswith("O99") or not sources:
            continue
        if sources <= dropped:
            _drop(
                cands,
                ctx,
                cand,
                INTEGRAL_RULE,
                f"made of {', '.join(sorted(sources))}, integral to its condition (OCG I.B.5)",
            )
        elif covid and cand.code.startswith("O99.5") and all(c.startswith("J") for c in sources):
            _drop(
                cands,
                ctx,
                cand,
                INTEGRAL_RULE,
                f"{', '.join(sorted(sources))} is a manifestation of COVID-19, coded after O98.5- and U07.1 "
                "(OCG I.C.15.i)",
            )
    return cands


@rule(
    SUPERVISION_RULE,
    "I.C.15.b.1-2 (routine prenatal visits: Z34 without complications, O09 for a high-risk pregnancy)",
    "routine prenatal visits as supervision of a normal (Z34) or high-risk (O09) pregnancy",
)
def _supervision(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    state = maternal_state(ctx)
    if state is None or not state.pregnant_now or state.incidental is not None:
        return cands
    data = pregnancy_rules().supervision
    compiled = _compiled()
    trimester = state.state or "9"
    documents = ctx.analyzed.documents  # type: ignore[attr-defined]
    complications = [c for c in cands if _chapter15(c.code) and not c.code.startswith("O09")]
    if state.routine is not None:
        high = []
        for spec in data.high_risk:
            if spec.gravida is not None and spec.gravida != state.gravida:
                continue
            found = next(_find(documents, compiled.high_risk[spec.id], historical=True, stated=False), None)
            if found is None:
                continue
            document, match = found
            code = spec.codes.get(trimester) or spec.codes.get("9")
            if code is None or not _billable(ctx, code):
                continue
            cue = Cue(document, match.start(), match.end(), spec.id)
            high.append(
                _add(
                    cands,
                    ctx,
                    code,
                    [_mention(cue, cue.text, spec.tabular), *_state_mention(state)],
                    SUPERVISION_RULE,
                    f"routine prenatal visit, high-risk pregnancy ({cue.text!r}) -> {code} ({_title(ctx, code)}); "
                    f"{state.describe()}; OCG I.C.15.b.2",
                )
            )
            for cand in list(cands):
                if any(matches_prefix(cand.code, p) for p in spec.replaces):
                    _drop(cands, ctx, cand, SUPERVISION_RULE, f"replaced by {code}: {spec.tabular} (Excludes1)")
            if spec.id == "unspecified":
                break
        # "unspecified" high risk only when no specific factor is documented
        specific = [c for c in high if not c.code.startswith("O09.9")]
        if specific:
            for cand in [c for c in high if c.code.startswith("O09.9")]:
                _drop(
                    cands,
                    ctx,
                    cand,
                    SUPERVISION_RULE,
                    f"a specific high-risk factor is documented ({specific[0].code})",
                )
        if not complications and not high:
            table = getattr(data.normal, state.gravida or "unspecified")
            code = table.get(trimester) or table.get("9")
            if code and _billable(ctx, code):
                gravida = {"first": "first pregnancy", "other": "not the first pregnancy"}.get(state.gravida or "", "")
                _add(
                    cands,
                    ctx,
                    code,
                    [_mention(state.routine, state.routine.text, data.normal.tabular), *_state_mention(state)],
                    SUPERVISION_RULE,
                    f"routine prenatal visit without complications -> {code} ({_title(ctx, code)})"
                    + (f"; {gravida}" if gravida else "")
                    + f"; {state.describe()}; OCG I.C.15.b.1",
                )
                for cand in list(cands):
                    if cand.code.startswith("Z34") and cand.code != code:
                        _drop(
                            cands, ctx, cand, SUPERVISION_RULE, f"replaced by {code} (gravida and trimester documented)"
                        )
    if any(_chapter15(c.code) for c in cands):
        for cand in list(cands):
            if cand.code.startswith("Z34"):
                _drop(
                    cands,
                    ctx,
                    cand,
                    SUPERVISION_RULE,
                    "not coded: Z34 is not used with chapter 15 codes (Excludes1 O00-O9A, O09; OCG I.C.15.b.1)",
                )
    return cands


@rule(
    NORMAL_DELIVERY_RULE,
    "I.C.15.n (O80: full-term uncomplicated delivery of a single liveborn, the only chapter 15 code)",
    "a normal delivery is O80 with Z37.0, and O80 is never reported with a complication",
)
def _normal_delivery(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    state = maternal_state(ctx)
    if state is None or state.state != "childbirth":
        return cands
    spec = pregnancy_rules().delivery.normal
    documents = ctx.analyzed.documents  # type: ignore[attr-defined]
    others = [c for c in cands if _chapter15(c.code) and c.code != spec.code]
    complicated = next(
        (
            (document, match)
            for document, match in _find(documents, _compiled().complications, stated=False)
            if not _NONE_RIGHT.match(document.text, match.end())  # type: ignore[attr-defined]
        ),
        None,
    )
    low, high = spec.full_term_weeks
    term = state.weeks is None or low <= state.weeks <= high
    single_live = any(c.code == spec.outcome for c in cands)
    reasons = []
    if others:
        reasons.append(f"another chapter 15 code ({others[0].code})")
    if complicated is not None:
        reasons.append(f"documented {complicated[1].group()!r}")
    if not term:
        reasons.append(f"not full term ({state.weeks} weeks)")
    if not single_live:
        reasons.append(f"the outcome is not a single live birth ({spec.outcome})")
    existing = next((c for c in cands if c.code == spec.code), None)
    if reasons:
        if existing is not None:
            _drop(
                cands,
                ctx,
                existing,
                NORMAL_DELIVERY_RULE,
                f"not coded: O80 is not used with {'; '.join(reasons)} (OCG I.C.15.n.1)",
            )
        return cands
    if _billable(ctx, spec.code):
        assert state.delivery is not None
        _add(
            cands,
            ctx,
            spec.code,
            [_mention(state.delivery, state.delivery.text, spec.note), *_state_mention(state)],
            NORMAL_DELIVERY_RULE,
            "full-term vaginal delivery of a single liveborn without complication -> O80 (OCG I.C.15.n.1)",
        )
    return cands


@rule(
    WEEKS_RULE,
    "I.C.15 (chapter note: use additional code from Z3A, weeks of gestation, if known), I.C.21.c (Z3A)",
    "weeks of gestation (Z3A) on the mother's record; never with abortive outcomes, elective termination or postpartum",
)
def _weeks_rule(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    state = maternal_state(ctx)
    if state is None or state.state is None:
        return cands
    spec = pregnancy_rules().weeks
    abortive = next((c for c in cands if c.code[:3] in {f"O0{i}" for i in range(9)} or c.code == "Z33.2"), None)
    if abortive is not None or state.state not in (*TRIMESTERS, "childbirth"):
        why = (
            f"an abortive outcome or termination ({abortive.code})"
            if abortive is not None
            else f"a postpartum condition ({state.describe()})"
        )
        for cand in list(cands):
            if cand.code.startswith("Z3A"):
                _drop(cands, ctx, cand, WEEKS_RULE, f"not coded: Z3A is not assigned for {why}")
        return cands
    obstetric = any(_chapter15(c.code) or c.code.startswith(("Z34", "Z33.1")) for c in cands)
    if state.weeks is not None:
        weeks = state.weeks
        code = spec.under_8 if weeks < spec.first else spec.over_42 if weeks > spec.last else f"Z3A.{weeks:02d}"
        cue = state.weeks_cue
    elif obstetric:
        code, cue = spec.unspecified, state.evidence()
    else:
        return cands
    if not _billable(ctx, code) or cue is None:
        return cands
    for cand in list(cands):
        if cand.code.startswith("Z3A") and cand.code != code:
            _drop(cands, ctx, cand, WEEKS_RULE, f"replaced by {code}, the weeks documented ({cue.text!r})")
    said = f"{weeks} weeks" if state.weeks is not None else "weeks not documented"
    _add(
        cands,
        ctx,
        code,
        [_mention(cue, cue.text, spec.tabular)],
        WEEKS_RULE,
        f"weeks of gestation on the mother's record: {said} ({cue.text!r}) -> {code}",
    )
    return cands


@rule(
    SEQUENCE_RULE,
    "I.C.15.a.1 (chapter 15 codes have sequencing priority), I.C.15.b.1-2, I.C.15.b.4, I.C.15.n.1",
    "the chapter 15 code first: O80 for a normal delivery, Z34 / O09 for a routine prenatal visit",
    stage="sequence",
)
def _sequence(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    state = maternal_state(ctx)
    if state is None or state.state is None:
        return ordered
    if state.incidental is not None and state.pregnant_now:
        # OCG I.C.15.a.1: with an incidental pregnancy the condition is first, Z33.1 after it
        # (and the weeks of gestation, which describe the pregnancy, after both)
        z = next((c for c in ordered if c.code == "Z33.1"), None)
        weeks = [c for c in ordered if c.code.startswith("Z3A")]
        rest = [c for c in ordered if c is not z and c not in weeks]
        if z is not None and rest and ordered[0] in [z, *weeks]:
            ordered = [rest[0], z, *rest[1:], *weeks]
            z.rules.append(SEQUENCE_RULE)
            z.steps.append("sequenced after the condition: the pregnancy is incidental (OCG I.C.15.a.1)")
        return ordered
    chapter = [c for c in ordered if _chapter15(c.code)]
    first = next((c for c in ordered if c.code == "O80"), None)
    why = "O80 is always the principal diagnosis (OCG I.C.15.n.1)"
    if first is None and state.routine is not None:
        first = next((c for c in ordered if c.code.startswith(("Z34", "O09"))), None)
        why = "supervision of pregnancy first-listed for a routine prenatal visit (OCG I.C.15.b.1-2)"
    if first is None and chapter:
        first = chapter[0]
        why = "chapter 15 codes have sequencing priority over codes from other chapters (OCG I.C.15.a.1)"
    if first is None:
        return ordered
    head = [first, *(c for c in chapter if c is not first)]
    rest = [c for c in ordered if not any(c is h for h in head)]
    # the outcome of delivery and the weeks of gestation describe the chapter 15 codes: last
    tail = [c for c in rest if c.code.startswith(("Z37", "Z3A"))]
    tail.sort(key=lambda c: c.code.startswith("Z3A"))
    result = head + [c for c in rest if c not in tail] + tail
    for place, cand in enumerate(head):
        if ordered.index(cand) != place:
            if SEQUENCE_RULE not in cand.rules:
                cand.rules.append(SEQUENCE_RULE)
            step = why if cand is first else "chapter 15 codes before the codes of other chapters (OCG I.C.15.a.1)"
            if step not in cand.steps:
                cand.steps.append(step)
    return result


CESAREAN_FIRST_RULE = "ocg.I.C.15.b.4.cesarean.v1"
_CESAREAN = re.compile(r"\b(?:c(?:a)?esarean|c-?section|(?-i:R?LTCS))\b", re.IGNORECASE)
_FOR_REASON = re.compile(r"\b(?:for|due\s+to|secondary\s+to|because\s+of|indicated\s+for|indication)\b", re.IGNORECASE)
_INDICATION_SECTION = re.compile(r"\bindications?\b", re.IGNORECASE)
_ADMITTED_FOR_CESAREAN = re.compile(
    r"\b(?:admitted|presents?|presented|scheduled)\b[^.;]{0,40}?\b(?:for|with)\s+(?:a\s+|an\s+|her\s+)?"
    r"(?:scheduled\s+|planned\s+|elective\s+)*(?:repeat\s+|primary\s+)?(?:low\s+transverse\s+)?"
    r"(?:c(?:a)?esarean|c-?section|(?-i:R?LTCS))",
    re.IGNORECASE,
)
# conditions that coexist with the pregnancy rather than bring on the delivery (OCG I.C.15.b.4: "if the
# reason for the admission was unrelated to the condition resulting in the cesarean delivery ...")
_COEXISTING = ("O09", "O10", "O22", "O23", "O24", "O25", "O26", "O98", "O99", "O9A")


def _indication_spans(ctx: Context) -> dict[str, list[tuple[int, int]]]:
    """The words a note gives as the reason for this cesarean: after 'for' / 'due to' in a sentence naming
    the cesarean, and an 'Indication(s)' section."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for document in ctx.analyzed.documents:  # type: ignore[union-attr]
        text = document.text
        doc_spans = spans.setdefault(document.document_id, [])
        for match in _scan(_CESAREAN).finditer(text):
            s_start, s_end = document.sentence_at(match.start())
            if _OTHER_PREGNANCY.search(text, s_start, s_end) or _DELIVERY_LEFT.search(
                text[s_start : match.start()][-60:]
            ):
                continue
            reason = _FOR_REASON.search(text, match.end(), s_end)
            if reason is not None:
                doc_spans.append((reason.start(), s_end))
        for section in getattr(document, "sections", []) or []:
            if _INDICATION_SECTION.search(getattr(section, "title", "") or ""):
                doc_spans.append((section.start, section.end))
    return spans


@rule(
    CESAREAN_FIRST_RULE,
    "I.C.15.b.4 (cesarean delivery: the condition responsible for the cesarean is the principal diagnosis)",
    "a cesarean's stated indication first, ahead of a coexisting condition or when she was admitted for the cesarean",
    stage="sequence",
)
def _cesarean_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    state = maternal_state(ctx)
    if state is None or state.state != "childbirth" or not ordered or ctx.analyzed is None:
        return ordered
    documents = ctx.analyzed.documents  # type: ignore[attr-defined]
    if not any(_CESAREAN.search(d.text) for d in documents):
        return ordered
    spans = _indication_spans(ctx)
    indicated = [
        c
        for c in ordered
        if _chapter15(c.code)
        and any(
            _overlapping(spans.get(m.document_id, []), m.start, m.end)
            for m in c.mentions
            if not (m.negated or m.family or m.hypothetical)
        )
    ]
    if not indicated or ordered[0] is indicated[0]:
        return ordered
    first = indicated[0]
    for_cesarean = any(_ADMITTED_FOR_CESAREAN.search(d.text) for d in documents)
    if not (for_cesarean or ordered[0].code.startswith(_COEXISTING) or not _chapter15(ordered[0].code)):
        return ordered  # admitted for another complication (severe pre-eclampsia): that one stays first
    ordered.remove(first)
    ordered.insert(0, first)
    first.rules.append(CESAREAN_FIRST_RULE)
    first.steps.append(
        "the condition responsible for the cesarean delivery is the principal diagnosis (OCG I.C.15.b.4)"
    )
    return ordered
