"""ConText assertion: tables of (text, target, expected status)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medcoder.errors import InputFileError
from medcoder.extract import Assertion, ContextAnalyzer, analyze, default_context
from medcoder.extract.context import parse_pattern
from medcoder.extract.sections import SectionSpan

FLAGS = ("negated", "uncertain", "historical", "family", "hypothetical")


def _span(text: str, target: str) -> tuple[int, int]:
    start = text.index(target)
    return (start, start + len(target))


def _assess(text: str, target: str) -> Assertion:
    return analyze("t", text).assess(_span(text, target))


def _flags(assertion: Assertion) -> set[str]:
    return {name for name in FLAGS if getattr(assertion, name)}


NEGATION = [
    ("No evidence of pneumonia.", "pneumonia"),
    ("Patient denies chest pain.", "chest pain"),
    ("Pneumonia was ruled out.", "Pneumonia"),
    ("Cultures negative for malignancy.", "malignancy"),
    ("She presented without fever.", "fever"),
    ("He does not have diabetes.", "diabetes"),
    ("No fever, chills or night sweats.", "night sweats"),
    ("Adenopathy, goiter or jugular vein engorgement is not present in the neck.", "Adenopathy"),
    ("Blood cultures were negative.", "Blood cultures"),
    ("Absence of retroperitoneal lymph nodes.", "retroperitoneal lymph nodes"),
    ("Neither fever nor cough.", "cough"),
    ("The CT did not show pulmonary embolism.", "pulmonary embolism"),
    ("Lesion-free renal hilum.", "Lesion"),
    ("Review of systems: chest pain: no.", "chest pain"),
    ("Respiratory: No cough or wheezing.", "wheezing"),
    ("Drug reactions: none.", "Drug reactions"),
    ("Myocardial infarction ruled out by serial troponins.", "Myocardial infarction"),
    ("Costochondritis; myocardial infarction ruled out.", "myocardial infarction"),
]


@pytest.mark.parametrize(("text", "target"), NEGATION)
def test_context_negation_cues_negate(text: str, target: str) -> None:
    assertion = _assess(text, target)
    assert _flags(assertion) == {"negated"}
    assert not assertion.affirmed


AFFIRMED = [
    ("No increase in pain since yesterday.", "pain"),
    ("No change in the mass.", "mass"),
    ("Gram-negative bacteremia.", "bacteremia"),
    ("Blood cultures grew gram negative rods.", "rods"),
    ("Not only hypertension but diabetes.", "hypertension"),
    ("No fever but reports cough.", "cough"),
    ("Denies fever, however has productive cough.", "productive cough"),
    ("No fever; reports dysuria.", "dysuria"),
    ("Negative for chills, positive for cough.", "cough"),
    ("Not well controlled diabetes.", "diabetes"),
    ("He was not compliant with insulin and developed ketoacidosis.", "ketoacidosis"),
    ("A 45-year-old man with pneumonia.", "pneumonia"),
    ("A 1-year history of left hip pain.", "hip pain"),
    ("Cough in the past 2 weeks.", "Cough"),
    ("There is no doubt about the appendicitis.", "appendicitis"),
    ("Lives with her husband and has COPD.", "COPD"),
    ("His wife reports that he has been confused.", "confused"),
    ("Pneumonia, on antibiotics.", "Pneumonia"),
    ("Orchiepididymitis secondary to Brucella.", "Orchiepididymitis"),
    ("The child had a buried penis after circumcision.", "buried penis"),
    ("First daughter of young parents, born with hydronephrosis.", "hydronephrosis"),
    ("Venous return to the right atrium with tricuspid regurgitation.", "tricuspid regurgitation"),
    ("Obstructive stricture resolved after sphincterotomy.", "sphincterotomy"),
    ("Without any urologic history, he began to pass clots with hematuria.", "hematuria"),
    ("A 51-year-old woman with no relevant past history was admitted for stroke.", "stroke"),
    ("Myocardial infarction ruled out by troponins, pneumonia treated.", "pneumonia"),
]


@pytest.mark.parametrize(("text", "target"), AFFIRMED)
def test_context_pseudo_and_termination_leave_target_affirmed(text: str, target: str) -> None:
    assertion = _assess(text, target)
    assert assertion.affirmed, assertion
    assert _flags(assertion) == set()
    assert assertion == Assertion()


def test_context_termination_keeps_negation_before_the_cue() -> None:
    text = "No fever but reports cough."
    assert _assess(text, "fever").negated
    assert not _assess(text, "cough").negated


def test_context_same_category_cue_limits_scope() -> None:
    # medSpaCy limit_scope: the first "no" stops where the pseudo cue "no increase" starts
    text = "No fever, no increase in pain."
    assert _assess(text, "fever").negated
    assert not _assess(text, "pain").negated


def test_context_history_list_after_a_comma_is_not_negated() -> None:
    text = "There was no family history of interest, personal history of asthma and pneumonia at 9 months."
    assert not _assess(text, "asthma").negated
    assert not _assess(text, "pneumonia").negated
    # without the comma the negation still reaches through "personal history"
    assert _assess("No personal history of cancer.", "cancer").negated
    assert _assess("No fever, chills or personal history of asthma.", "asthma").negated


def test_context_dating_pseudo_cue_does_not_cut_a_backward_scope() -> None:
    # "last month" is a pseudo-cue (it dates, it does not make history); "resolved" looks back past it
    text = "Urinary tract infection treated last month, resolved."
    assert _assess(text, "Urinary tract infection").historical
    assert not _assess(
        "Urinary tract infection for the last month, on nitrofurantoin.", "Urinary tract infection"
    ).historical


UNCERTAIN = [
    ("Possible pneumonia.", "pneumonia"),
    ("Suspected appendicitis.", "appendicitis"),
    ("Rule out MI.", "MI"),
    ("Admitted to rule out myocardial infarction.", "myocardial infarction"),
    ("Probable sepsis.", "sepsis"),
    ("Malignancy cannot be excluded.", "Malignancy"),
    ("Findings consistent with pyelonephritis.", "pyelonephritis"),
    ("Image compatible with renal abscess.", "renal abscess"),
    ("Pneumonia is likely.", "Pneumonia"),
    ("Concern for cholangitis.", "cholangitis"),
    ("Diagnostic suspicion of giant hydronephrosis.", "giant hydronephrosis"),
    ("Right lower lobe pneumonia versus atelectasis.", "atelectasis"),
    ("Right lower lobe pneumonia versus atelectasis.", "pneumonia"),
]


@pytest.mark.parametrize(("text", "target"), UNCERTAIN)
def test_context_uncertainty_cues_mark_uncertain(text: str, target: str) -> None:
    assertion = _assess(text, target)
    assert _flags(assertion) == {"uncertain"}
    assert not assertion.affirmed


HISTORICAL = [
    ("History of breast cancer.", "breast cancer"),
    ("She has a past medical history of asthma.", "asthma"),
    ("Patient with h/o stroke.", "stroke"),
    ("Status post appendectomy.", "appendectomy"),
    ("Prior myocardial infarction.", "myocardial infarction"),
    ("Subtotal gastrectomy four years ago.", "Subtotal gastrectomy"),
    ("Old MI on ECG.", "MI"),
    ("Fever resolved on day 2.", "Fever"),
]


@pytest.mark.parametrize(("text", "target"), HISTORICAL)
def test_context_historical_cues_mark_historical_and_stay_affirmed(text: str, target: str) -> None:
    assertion = _assess(text, target)
    assert _flags(assertion) == {"historical"}
    assert assertion.affirmed  # historical does not count against


def test_context_history_cue_stops_at_presentation() -> None:
    text = "History of MI, presents with chest pain."
    assert _assess(text, "MI").historical
    assert not _assess(text, "chest pain").historical


def test_context_history_of_present_illness_is_not_historical() -> None:
    text = "History of present illness notes acute chest pain."
    assert not _assess(text, "chest pain").historical


FAMILY = [
    ("Mother had breast cancer.", "breast cancer", {"family"}),
    ("Family history of diabetes.", "diabetes", {"family"}),
    ("Breast cancer in her mother.", "Breast cancer", {"family"}),
    ("His brother has colon cancer.", "colon cancer", {"family"}),
    ("No family history of colon cancer.", "colon cancer", {"negated", "family"}),
]


@pytest.mark.parametrize(("text", "target", "expected"), FAMILY)
def test_context_family_cues_mark_family(text: str, target: str, expected: set[str]) -> None:
    assertion = _assess(text, target)
    assert _flags(assertion) == expected
    assert not assertion.affirmed


def test_context_family_max_scope_ends_after_ten_tokens() -> None:
    text = "Her mother visited today and the patient, who is otherwise well, was diagnosed with pneumonia."
    assert not _assess(text, "pneumonia").family


HYPOTHETICAL = [
    ("Return if chest pain develops.", "chest pain"),
    ("Call the clinic should she develop fever.", "fever"),
    ("Tylenol as needed for headache.", "headache"),
    ("Discussed the risk of bleeding.", "bleeding"),
    ("Monitor for signs of infection.", "infection"),
]


@pytest.mark.parametrize(("text", "target"), HYPOTHETICAL)
def test_context_hypothetical_cues_mark_hypothetical(text: str, target: str) -> None:
    assertion = _assess(text, target)
    assert _flags(assertion) == {"hypothetical"}
    assert not assertion.affirmed


def test_context_cue_inside_target_does_not_modify_it() -> None:
    text = "No-reflow phenomenon after stenting."
    assert not _assess(text, "No-reflow phenomenon").negated


def test_context_scope_is_the_sentence() -> None:
    text = "Denies chest pain. Reports shortness of breath."
    assert _assess(text, "chest pain").negated
    assert not _assess(text, "shortness of breath").negated


def test_context_cues_carry_absolute_offsets_for_the_rationale() -> None:
    text = "Seen today. No evidence of pneumonia."
    assertion = _assess(text, "pneumonia")
    assert assertion.cues == (("negated", "No evidence of", 12, 26),)
    _, cue, start, end = assertion.cues[0]
    assert text[start:end] == cue


SECTION_TEXT = """CHIEF COMPLAINT: Cough.
PAST MEDICAL HISTORY: Hypertension. Appendectomy.
PAST SURGICAL HISTORY: Cholecystectomy.
FAMILY HISTORY: Diabetes. Mother with breast cancer.
PREOPERATIVE DIAGNOSIS: Appendicitis.
POSTOPERATIVE DIAGNOSIS: Perforated appendicitis.
PLAN: Start antibiotics for pneumonia. Return if fever recurs.
"""


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("Cough", set()),
        ("Hypertension", {"historical"}),
        ("Cholecystectomy", {"historical"}),
        ("Diabetes", {"family"}),
        ("breast cancer", {"family"}),
        ("Appendicitis", {"uncertain"}),
        ("Perforated appendicitis", set()),
        ("pneumonia", set()),
        ("fever", {"hypothetical"}),
    ],
)
def test_context_section_assertions(target: str, expected: set[str]) -> None:
    assert _flags(_assess(SECTION_TEXT, target)) == expected


def test_context_section_cue_points_at_the_header() -> None:
    assertion = _assess(SECTION_TEXT, "Diabetes")
    category, cue, start, end = assertion.cues[0]
    assert (category, cue) == ("family", "FAMILY HISTORY")
    assert SECTION_TEXT[start:end] == "FAMILY HISTORY"


def test_context_analyzer_assess_takes_section_name_or_span() -> None:
    analyzer = default_context()
    text = "Asthma."
    by_name = analyzer.assess(text, (0, 7), (0, 6), "past_medical_history")
    assert by_name.historical
    assert by_name.cues == (("historical", "section:past_medical_history", 0, 0),)
    header = SectionSpan("past_medical_history", "PMH", 0, 7)
    assert analyzer.assess(text, (0, 7), (0, 6), header).cues == (("historical", "PMH", 0, 3),)
    assert analyzer.assess(text, (0, 7), (0, 6)) == Assertion()


def test_context_analyzer_works_on_a_sentence_inside_a_longer_text() -> None:
    text = "Fever. Patient denies chest pain. Cough."
    sentence = (7, 33)
    assertion = default_context().assess(text, sentence, _span(text, "chest pain"))
    assert assertion.negated
    assert assertion.cues == (("negated", "denies", 15, 21),)


def test_context_default_is_cached() -> None:
    assert default_context() is default_context()


def test_context_apostrophe_contractions_match_like_spacy() -> None:
    assert _assess("He doesn't have diabetes.", "diabetes").negated
    assert _assess("He doesn’t have diabetes.", "diabetes").negated
    assert _assess("Sepsis can't be excluded.", "Sepsis").uncertain


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("no", [[("no",)]]),
        ("(a|b c)?", [[("a",), ("b", "c"), ()]]),
        ("h/o -?", [[("h", "/", "o")], [("-",), ()]]),
        ("<num> weeks", [[("<num>",)], [("weeks",)]]),
        ("does n't", [[("does",)], [("n't",)]]),
    ],
)
def test_context_parse_pattern(pattern: str, expected: list) -> None:
    assert parse_pattern(pattern) == expected


@pytest.mark.parametrize("pattern", ["", "(a|b", "(a||b)", "(a (b))"])
def test_context_parse_pattern_rejects_bad_syntax(pattern: str) -> None:
    with pytest.raises(ValueError):
        parse_pattern(pattern)


def test_context_custom_rule_file(tmp_path: Path) -> None:
    packaged = default_context().rule_file.model_dump(exclude_none=True)
    packaged["rules"] = [
        {"literal": "nope", "category": "NEGATED_EXISTENCE", "direction": "FORWARD", "origin": "medcoder"},
    ]
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(packaged), encoding="utf-8")
    analyzer = ContextAnalyzer(path)
    text = "Nope pneumonia. No cough."
    assert analyzer.assess(text, (0, 15), (5, 14)).negated
    assert not analyzer.assess(text, (16, 25), (19, 24)).negated


@pytest.mark.parametrize(
    "change",
    [
        {"direction": "SIDEWAYS"},
        {"category": "MAYBE"},
        {"max_scope": 0},
        {"pattern": "(unclosed"},
        {"unknown_field": 1},
    ],
)
def test_context_invalid_rule_file_names_the_file(tmp_path: Path, change: dict) -> None:
    rule = {"literal": "no", "category": "NEGATED_EXISTENCE", "direction": "FORWARD", "origin": "medcoder", **change}
    packaged = default_context().rule_file.model_dump(exclude_none=True)
    packaged["rules"] = [rule]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(packaged), encoding="utf-8")
    with pytest.raises(InputFileError) as raised:
        ContextAnalyzer(path)
    assert "bad.json" in str(raised.value)
    assert raised.value.code == "E150"


def test_context_missing_or_malformed_rule_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError):
        ContextAnalyzer(tmp_path / "absent.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputFileError):
        ContextAnalyzer(broken)


def test_context_packaged_rules_keep_medspacy_attribution() -> None:
    rule_file = default_context().rule_file
    assert rule_file.source.license == "MIT"
    assert "Copyright (c) 2020 medspacy" in rule_file.source.license_text
    assert rule_file.source.version == "1.3.1"
    origins = {rule.origin for rule in rule_file.rules}
    assert origins == {"medspacy", "medcoder"}
    assert sum(rule.origin == "medspacy" for rule in rule_file.rules) == 102
    assert {rule.direction for rule in rule_file.rules} >= {"FORWARD", "BACKWARD", "TERMINATE", "PSEUDO"}
