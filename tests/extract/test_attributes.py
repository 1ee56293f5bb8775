"""Coding attributes near a mention: tables of (text, target, attribute, expected value)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from medcoder.extract import Attributes, find_attributes
from medcoder.extract import attributes as attributes_module


def _find(text: str, target: str) -> Attributes:
    start = text.index(target)
    return find_attributes(text, (0, len(text)), (start, start + len(target)))


CASES = [
    # laterality
    ("Fracture of the left distal radius.", "Fracture", "laterality", "left"),
    ("Right-sided pleuritic chest pain.", "chest pain", "laterality", "right"),
    ("Bilateral knee osteoarthritis.", "osteoarthritis", "laterality", "bilateral"),
    ("Osteoarthritis of both knees.", "Osteoarthritis", "laterality", "bilateral"),
    ("Right and left inguinal hernias.", "hernias", "laterality", "bilateral"),
    ("Left hip pain and right knee effusion.", "effusion", "laterality", "right"),
    ("Left hip pain and right knee effusion.", "hip pain", "laterality", "left"),
    ("He left the hospital with pneumonia.", "pneumonia", "laterality", None),
    # acuity
    ("Acute kidney injury.", "kidney injury", "acuity", "acute"),
    ("Chronic obstructive pulmonary disease.", "obstructive pulmonary disease", "acuity", "chronic"),
    ("Acute on chronic diastolic heart failure.", "heart failure", "acuity", "acute_on_chronic"),
    ("Acute-on-chronic respiratory failure.", "respiratory failure", "acuity", "acute_on_chronic"),
    ("Acute and chronic cholecystitis.", "cholecystitis", "acuity", "acute_on_chronic"),
    ("Subacute thyroiditis.", "thyroiditis", "acuity", "subacute"),
    ("Long-standing hypertension.", "hypertension", "acuity", "chronic"),
    # episode of care
    ("Closed fracture of the right femur, initial encounter.", "fracture", "episode", "initial"),
    ("Wrist fracture, subsequent encounter for routine healing.", "fracture", "episode", "subsequent"),
    ("Hemiplegia as a sequela of stroke.", "Hemiplegia", "episode", "sequela"),
    ("Late effects of the burn.", "burn", "episode", "sequela"),
    # stage
    ("Chronic kidney disease stage 3a.", "Chronic kidney disease", "stage", "3a"),
    ("CKD 4 on follow-up.", "CKD", "stage", "4"),
    ("CKD stage 5.", "CKD", "stage", "5"),
    ("Stage IV lung adenocarcinoma.", "adenocarcinoma", "stage", "IV"),
    ("Stage 2 pressure ulcer of the sacrum.", "pressure ulcer", "stage", "2"),
    ("Transitional cell carcinoma pT2 N0 M0.", "carcinoma", "stage", "pT2N0M0"),
    ("Clinical stage Ta Nx Mx carcinoma.", "carcinoma", "stage", "TaNxMx"),
    ("Unstageable pressure injury of the heel.", "pressure injury", "stage", "unstageable"),
    ("End-stage renal disease on dialysis.", "renal disease", "stage", None),
    # diabetes type
    ("Type 2 diabetes mellitus with neuropathy.", "neuropathy", "dm_type", "2"),
    ("Diabetes mellitus type 1.", "Diabetes", "dm_type", "1"),
    ("Type II diabetes.", "diabetes", "dm_type", "2"),
    ("History of DM2 and hypertension.", "DM2", "dm_type", "2"),
    ("T1DM since childhood.", "T1DM", "dm_type", "1"),
    ("NIDDM, diet controlled.", "NIDDM", "dm_type", "2"),
    ("Gestational diabetes at 30 weeks.", "diabetes", "dm_type", "gestational"),
    ("Steroid-induced diabetes.", "diabetes", "dm_type", "secondary"),
    ("Diabetes due to chronic pancreatitis.", "Diabetes", "dm_type", "secondary"),
    ("Diabetes 2 years ago.", "Diabetes", "dm_type", None),
    # organisms
    ("Pneumonia due to Streptococcus pneumoniae.", "Pneumonia", "organism", "streptococcus pneumoniae"),
    ("Sepsis due to MRSA.", "Sepsis", "organism", "mrsa"),
    ("Bacteremia with methicillin-resistant Staphylococcus aureus.", "Bacteremia", "organism", "mrsa"),
    ("Cellulitis with S. aureus.", "Cellulitis", "organism", "staphylococcus aureus"),
    ("Urinary tract infection with E. coli.", "Urinary tract infection", "organism", "e. coli"),
    ("UTI, Escherichia coli.", "UTI", "organism", "e. coli"),
    ("Klebsiella pneumoniae bacteremia.", "bacteremia", "organism", "klebsiella"),
    ("Pseudomonas aeruginosa pneumonia.", "pneumonia", "organism", "pseudomonas"),
    ("Oral candidiasis.", "Oral", "organism", "candida"),
    ("Pneumonia due to COVID-19.", "Pneumonia", "organism", "covid-19"),
    ("Infection with SARS-CoV-2.", "Infection", "organism", "covid-19"),
    ("Sputum grew H. influenzae.", "Sputum", "organism", "haemophilus influenzae"),
    ("Colitis from C. difficile.", "Colitis", "organism", "clostridioides difficile"),
    ("Orchiepididymitis secondary to Brucella.", "Orchiepididymitis", "organism", "brucella"),
    ("Influenza A with pneumonia.", "pneumonia", "organism", "influenza"),
    ("Pharyngitis, group A strep.", "Pharyngitis", "organism", "streptococcus group a"),
    ("Pulmonary tuberculosis, Mycobacterium tuberculosis.", "tuberculosis", "organism", "mycobacterium tuberculosis"),
    ("Congestive heart failure.", "heart failure", "organism", None),
    # pregnancy and trimester
    ("Pyelonephritis in pregnancy, second trimester.", "Pyelonephritis", "trimester", "2"),
    ("Preeclampsia at 32 weeks gestation.", "Preeclampsia", "trimester", "3"),
    ("Hyperemesis at 10 weeks of gestation.", "Hyperemesis", "trimester", "1"),
    ("Bleeding in the 1st trimester.", "Bleeding", "trimester", "1"),
    # site
    ("Pneumonia of the right lower lobe.", "Pneumonia", "site", "lower lobe"),
    ("Fracture of the left distal radius.", "Fracture", "site", "distal radius"),
    ("Stage 2 pressure ulcer of the sacral region.", "pressure ulcer", "site", "sacral region"),
]


@pytest.mark.parametrize(("text", "target", "attribute", "expected"), CASES)
def test_attributes_table(text: str, target: str, attribute: str, expected: str | None) -> None:
    assert getattr(_find(text, target), attribute) == expected


@pytest.mark.parametrize(
    ("text", "target", "expected"),
    [
        ("Pregnant woman with pyelonephritis.", "pyelonephritis", True),
        ("Preeclampsia at 32 weeks gestation.", "Preeclampsia", True),
        ("Gestational diabetes.", "diabetes", True),
        ("Not pregnant; urinary tract infection.", "urinary tract infection", False),
        ("Negative pregnancy test, appendicitis.", "appendicitis", False),
        ("Appendicitis.", "Appendicitis", False),
    ],
)
def test_attributes_pregnancy(text: str, target: str, expected: bool) -> None:
    assert _find(text, target).pregnancy is expected


def test_attributes_nearest_to_target_wins_and_cues_have_offsets() -> None:
    text = "Chronic kidney disease stage 3b and acute kidney injury of the left kidney."
    start = text.index("acute kidney injury")
    found = find_attributes(text, (0, len(text)), (start + 6, start + 19))
    assert found.acuity == "acute"
    assert found.laterality == "left"
    assert found.stage == "3b"
    for attribute, cue, cue_start, cue_end in found.cues:
        assert text[cue_start:cue_end] == cue
        assert attribute in Attributes.__slots__
    starts = [cue[2] for cue in found.cues]
    assert starts == sorted(starts)


def test_attributes_window_limits_the_search() -> None:
    text = "Right knee pain. Left hip pain."
    found = find_attributes(text, (17, len(text)), (26, 30))
    assert found.laterality == "left"
    assert find_attributes(text, (0, 16), (11, 15)).laterality == "right"


def test_attributes_site_must_be_near() -> None:
    text = "The hand was examined carefully and extensively by the team today before pneumonia was found."
    start = text.index("pneumonia")
    assert find_attributes(text, (0, len(text)), (start, start + 9)).site is None


def test_attributes_empty_window() -> None:
    assert find_attributes("Pneumonia.", (0, 0), (0, 0)) == Attributes()


_REFERENCE = re.compile(
    r"(?<!\w)(?:"
    + "|".join(f"(?P<g{index}>{regex})" for index, (_, _, regex, _) in enumerate(attributes_module._ENTRIES))
    + r")(?!\w)",
    re.IGNORECASE,
)


def _assert_dispatch_matches_reference(text: str) -> None:
    """The word-triggered scanner must find exactly what the full alternation, tried at every word
    start, finds: this checks the hand-written trigger prefixes of each entry."""
    expected = []
    for match in _REFERENCE.finditer(text):
        attribute, _, _, normalise = attributes_module._ENTRIES[int(match.lastgroup[1:])]
        expected.append((attribute, normalise(match.group()), match.start(), match.end()))
    scanned = [
        (match.attribute, match.value, match.start, match.end)
        for match in attributes_module.scan_attributes(text, (0, len(text)))
    ]
    # the scanner adds pregnancy=True beside a gestational age or gestational diabetes
    derived = [item for item in scanned if item[0] == "pregnancy" and item not in expected]
    assert [item for item in scanned if item not in derived] == expected


def test_attributes_dispatch_finds_what_one_big_regex_finds() -> None:
    _assert_dispatch_matches_reference(" ".join(case[0] for case in CASES))


@pytest.mark.conformance
def test_attributes_dispatch_matches_reference_on_real_notes(shared_dir: Path) -> None:
    paths = sorted((shared_dir / "benchmarks/codiesp/train/text_en").glob("*.txt"))
    assert paths
    for path in paths:
        _assert_dispatch_matches_reference(path.read_text(encoding="utf-8"))
    with (shared_dir / "benchmarks/mtsamples/mtsamples-surgery-urology.csv").open(
        encoding="utf-8", newline=""
    ) as handle:
        for row in csv.DictReader(handle):
            _assert_dispatch_matches_reference(row["transcription"])
