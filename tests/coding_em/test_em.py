"""Office / outpatient E/M levels (99202-99205, 99211-99215) from MDM or total time.

Notes are fictional and hand-written.  Codes are referred to by number only (no CPT descriptors).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from medcoder.coding.em import (
    MdmElements,
    assess_note,
    extract_elements,
    level_from_mdm,
    level_from_time,
    load_em_rules,
)
from medcoder.errors import InputFileError

NOTE_99202 = """CHIEF COMPLAINT: Bug bite on left forearm.

HISTORY OF PRESENT ILLNESS: 24-year-old new patient with a small itchy bump on the left forearm since
yesterday after gardening. No fever, no spreading redness.

PHYSICAL EXAM: 4 mm erythematous papule, no warmth, no streaking.

ASSESSMENT AND PLAN:
1. Insect bite of left forearm, minor. Reassurance, cool compresses.
"""

NOTE_99203 = """CHIEF COMPLAINT: Sore throat for 3 days.

HISTORY OF PRESENT ILLNESS: 31-year-old woman, new to the practice, with sore throat and mild
fatigue. No drooling, no trouble breathing, no rash.

PHYSICAL EXAM: Temp 37.6 C. Tonsils erythematous without exudate. No cervical adenopathy.

ASSESSMENT AND PLAN:
1. Acute pharyngitis, uncomplicated. Rapid strep ordered in clinic, negative. Throat culture sent.
   CBC ordered given fatigue. Ibuprofen as needed for pain (over-the-counter); salt water gargles.
Follow up if not improving in 1 week.
"""

NOTE_99204 = """CHIEF COMPLAINT: Establish care.

HISTORY OF PRESENT ILLNESS: 58-year-old man moving from out of state to establish care for
hypertension and hyperlipidemia. Reviewed outside records from his prior primary care office.

MEDICATIONS: amlodipine 5 mg daily, atorvastatin 20 mg daily.

ASSESSMENT AND PLAN:
1. Essential hypertension, stable, at goal on amlodipine. Continue amlodipine 5 mg daily.
2. Hyperlipidemia, well controlled. Continue atorvastatin 20 mg nightly. Lipid panel ordered.
3. Health maintenance: CMP ordered.
Follow up in 6 months.
"""

NOTE_99205 = """CHIEF COMPLAINT: Chest pressure.

HISTORY OF PRESENT ILLNESS: 66-year-old woman, new patient, with two days of exertional chest
pressure radiating to the left arm, today at rest for 20 minutes. History obtained from the patient's
daughter because the patient is hard of hearing.

PHYSICAL EXAM: Diaphoretic. BP 168/94, HR 102.

ASSESSMENT AND PLAN:
1. Chest pain concerning for acute coronary syndrome, a threat to life. ECG obtained in clinic;
   my independent interpretation of the ECG: sinus tachycardia with new 1 mm ST depression in V4-V6.
   Troponin ordered stat.
   Discussed with Dr. Patel (cardiology), who agrees with transfer.
   Sent to the emergency department by ambulance for admission.
"""

NOTE_99211 = """Nurse visit: blood pressure check per standing order.
BP 128/78 right arm seated, HR 72. Patient reports no new problems and takes medications as directed.
Results forwarded to the primary care physician.
"""

NOTE_99212 = """CHIEF COMPLAINT: Seasonal sneezing.

HISTORY OF PRESENT ILLNESS: Established patient with itchy eyes and sneezing each spring.

ASSESSMENT AND PLAN:
1. Seasonal allergic rhinitis. Continue cetirizine 10 mg daily.
"""

NOTE_99213 = """CHIEF COMPLAINT: Thyroid follow-up.

HISTORY OF PRESENT ILLNESS: 45-year-old woman with hypothyroidism, feels well, energy good.

LABS: TSH 2.1 last week.

ASSESSMENT AND PLAN:
1. Hypothyroidism, stable. TSH reviewed and at goal. Continue levothyroxine 75 mcg daily.
Return in 12 months.
"""

NOTE_99214 = """CHIEF COMPLAINT: Follow-up of diabetes and blood pressure.

HISTORY OF PRESENT ILLNESS: 62-year-old man with type 2 diabetes and hypertension. Home sugars
running 180-220. No chest pain.

MEDICATIONS: metformin 1000 mg twice daily, lisinopril 20 mg daily.

LABS: Hemoglobin A1c 8.9% (was 7.4%). BMP normal, creatinine 0.9.

ASSESSMENT AND PLAN:
1. Type 2 diabetes mellitus, uncontrolled - A1c above goal. Start glipizide 5 mg daily.
2. Hypertension, stable on lisinopril. Continue lisinopril 20 mg daily.
3. No new problems today.
Follow up in 3 months.
"""

NOTE_99215 = """CHIEF COMPLAINT: Shortness of breath and leg swelling.

HISTORY OF PRESENT ILLNESS: 74-year-old man with heart failure, 4 kg weight gain in a week,
orthopnea, now short of breath walking across the room.

PHYSICAL EXAM: SpO2 89% on room air, crackles to mid lung fields, 3+ leg edema.

ASSESSMENT AND PLAN:
1. Acute on chronic systolic heart failure, severe exacerbation. BNP, BMP and troponin ordered.
   Chest x-ray done at the urgent care today; my independent interpretation of the chest x-ray:
   bilateral pleural effusions and vascular congestion.
   Direct admission to the hospital arranged for IV diuresis.
"""


NOTES = {
    "NOTE_99202": NOTE_99202,
    "NOTE_99203": NOTE_99203,
    "NOTE_99204": NOTE_99204,
    "NOTE_99205": NOTE_99205,
    "NOTE_99211": NOTE_99211,
    "NOTE_99212": NOTE_99212,
    "NOTE_99213": NOTE_99213,
    "NOTE_99214": NOTE_99214,
    "NOTE_99215": NOTE_99215,
}

LEVEL_CASES = [
    (
        "NOTE_99202",
        "new",
        "99202",
        [
            "Problems: 1 self-limited or minor problem → minimal (CMS MDM table)",
            "Data: none documented → minimal (CMS MDM table)",
            "Risk: no management risk documented beyond minimal → minimal (CMS MDM table)",
            (
                "MDM: problems and data and risk meet or exceed straightforward (2 of 3 elements "
                "required; problems minimal, data minimal, risk minimal) → straightforward MDM → "
                "99202"
            ),
        ],
    ),
    (
        "NOTE_99203",
        "new",
        "99203",
        [
            (
                "Problems: 1 acute uncomplicated illness or injury [1 stable chronic illness or 1"
                " acute uncomplicated illness] → low (CMS MDM table)"
            ),
            "Data: 2 unique tests ordered/reviewed → limited (CMS MDM table)",
            ("Risk: 'over-the-counter': CMS MDM risk example: over-the-counter drugs (low) → low (CMS MDM table)"),
            (
                "MDM: problems and data and risk meet or exceed low (2 of 3 elements required; pr"
                "oblems low, data limited, risk low) → low MDM → 99203"
            ),
        ],
    ),
    (
        "NOTE_99204",
        "new",
        "99204",
        [
            ("Problems: 2 stable chronic illnesses [2+ stable chronic illnesses] → moderate (CMS MDM table)"),
            (
                "Data: 2 unique tests ordered/reviewed, 1 external note source [1 of 3 categories"
                " met] → moderate (CMS MDM table)"
            ),
            (
                "Risk: 'Continue amlodipine 5 mg': a dosed drug started, changed, stopped or cont"
                "inued after review: prescription drug management unless the drug is over the cou"
                "nter → moderate (CMS MDM table)"
            ),
            (
                "MDM: problems and data and risk meet or exceed moderate (2 of 3 elements require"
                "d; problems moderate, data moderate, risk moderate) → moderate MDM → 99204"
            ),
        ],
    ),
    (
        "NOTE_99205",
        "new",
        "99205",
        [
            (
                "Problems: 1 illness or injury posing a threat to life or bodily function [1+ sev"
                "ere exacerbation or threat to life or bodily function] → high (CMS MDM table)"
            ),
            (
                "Data: 1 unique test ordered/reviewed, independent historian, independent interpr"
                "etation of a test, discussion with external physician/QHP [2 of 3 categories met"
                "] → extensive (CMS MDM table)"
            ),
            "Risk: 'Sent to the emergency department': high risk → high (CMS MDM table)",
            (
                "MDM: problems and data and risk meet or exceed high (2 of 3 elements required; p"
                "roblems high, data extensive, risk high) → high MDM → 99205"
            ),
        ],
    ),
    (
        "NOTE_99211",
        "established",
        "99211",
        [
            "Problems: no problem addressed, no data or management risk documented",
            ("99211: established patient, no MDM or time requirement (may not need physician presence)"),
        ],
    ),
    (
        "NOTE_99212",
        "established",
        "99212",
        [
            "Problems: 1 self-limited or minor problem → minimal (CMS MDM table)",
            "Data: none documented → minimal (CMS MDM table)",
            ("Risk: 'Continue cetirizine 10 mg': over-the-counter drug (low) → low (CMS MDM table)"),
            (
                "MDM: problems and data and risk meet or exceed straightforward (2 of 3 elements "
                "required; problems minimal, data minimal, risk low) → straightforward MDM → 9921"
                "2"
            ),
        ],
    ),
    (
        "NOTE_99213",
        "established",
        "99213",
        [
            (
                "Problems: 1 stable chronic illness [1 stable chronic illness or 1 acute uncompli"
                "cated illness] → low (CMS MDM table)"
            ),
            "Data: 1 unique test ordered/reviewed → minimal (CMS MDM table)",
            (
                "Risk: 'Continue levothyroxine 75 mcg': a dosed drug started, changed, stopped or"
                " continued after review: prescription drug management unless the drug is over th"
                "e counter → moderate (CMS MDM table)"
            ),
            (
                "MDM: problems and risk meet or exceed low (2 of 3 elements required; problems lo"
                "w, data minimal, risk moderate) → low MDM → 99213"
            ),
        ],
    ),
    (
        "NOTE_99214",
        "established",
        "99214",
        [
            (
                "Problems: 1 chronic illness with exacerbation, progression or side effects of tr"
                "eatment, 1 stable chronic illness [1+ chronic illness with exacerbation / undiag"
                "nosed new problem / acute systemic] → moderate (CMS MDM table)"
            ),
            "Data: 2 unique tests ordered/reviewed → limited (CMS MDM table)",
            (
                "Risk: 'Start glipizide 5 mg': a dosed drug started, changed, stopped or continue"
                "d after review: prescription drug management unless the drug is over the counter"
                " → moderate (CMS MDM table)"
            ),
            (
                "MDM: problems and risk meet or exceed moderate (2 of 3 elements required; proble"
                "ms moderate, data limited, risk moderate) → moderate MDM → 99214"
            ),
        ],
    ),
    (
        "NOTE_99215",
        "established",
        "99215",
        [
            (
                "Problems: 1 chronic illness with severe exacerbation or progression [1+ severe e"
                "xacerbation or threat to life or bodily function] → high (CMS MDM table)"
            ),
            (
                "Data: 3 unique tests ordered/reviewed, independent interpretation of a test [2 o"
                "f 3 categories met] → extensive (CMS MDM table)"
            ),
            "Risk: 'Direct admission to the hospital': high risk → high (CMS MDM table)",
            (
                "MDM: problems and data and risk meet or exceed high (2 of 3 elements required; p"
                "roblems high, data extensive, risk high) → high MDM → 99215"
            ),
        ],
    ),
]


@pytest.mark.parametrize(("name", "patient_type", "code", "reasoning"), LEVEL_CASES, ids=[c[2] for c in LEVEL_CASES])
def test_em_assess_note_level(name: str, patient_type: str, code: str, reasoning: list[str]) -> None:
    result = assess_note(name, NOTES[name], patient_type)  # type: ignore[arg-type]
    assert result.code == code
    assert result.reasoning == reasoning
    assert result.supported
    assert result.basis == ("minimal" if code == "99211" else "mdm")


@pytest.mark.parametrize("name", list(NOTES))
def test_em_evidence_offsets_exact(name: str) -> None:
    text = NOTES[name]
    result = assess_note(name, text, "established")
    assert result.elements is not None
    for item in result.elements.evidence:
        assert text[item.start : item.end] == item.text
    for evidence in result.evidence:
        assert evidence.document_id == name
        assert text[evidence.start : evidence.end] == evidence.text


def test_em_evidence_spans_named() -> None:
    result = assess_note("n", NOTE_99214, "established")
    spans = {(e.text, e.supports.split(":")[0]) for e in result.evidence if e.supports}
    assert ("Start glipizide 5 mg", "risk") in spans
    assert ("Hemoglobin A1c", "data") in spans
    assert ("Hypertension, stable on lisinopril. Continue lisinopril 20 mg daily.", "problems") in spans
    start = NOTE_99214.index("Start glipizide")
    risk = next(e for e in result.evidence if e.text == "Start glipizide 5 mg")
    assert (risk.start, risk.end) == (start, start + len("Start glipizide 5 mg"))


def test_em_no_new_problems_is_not_a_problem() -> None:
    elements, _, _ = extract_elements("n", NOTE_99214)
    problems = [e for e in elements.evidence if e.element == "problems"]
    assert len(problems) == 2
    assert all("No new problems" not in e.text for e in problems)


def test_em_negated_cues_ignored() -> None:
    text = "ASSESSMENT AND PLAN:\n1. Asthma, stable, no exacerbation. Not discussed with Dr. Lee. No CBC ordered.\n"
    elements, minutes, _ = extract_elements("n", text)
    assert elements.problems == "low"
    assert elements.data == "minimal"
    assert minutes is None


def test_em_two_of_three_rule_high_problems_minimal_data_low_risk_is_low() -> None:
    elements = MdmElements(problems="high", data="minimal", risk="low")
    result = level_from_mdm(elements, "established")
    assert result.mdm_level == "low"
    assert result.code == "99213"
    assert result.reasoning[-1] == (
        "MDM: problems and risk meet or exceed low (2 of 3 elements required; problems high, data minimal, "
        "risk low) → low MDM → 99213"
    )


@pytest.mark.parametrize(
    ("problems", "data", "risk", "new", "established"),
    [
        ("minimal", "minimal", "minimal", "99202", "99212"),
        ("moderate", "extensive", "minimal", "99204", "99214"),
        ("high", "extensive", "minimal", "99205", "99215"),
        ("low", "moderate", "high", "99204", "99214"),
        ("minimal", "limited", "low", "99203", "99213"),
        ("high", "minimal", "moderate", "99204", "99214"),
    ],
)
def test_em_level_from_mdm_two_of_three(problems: str, data: str, risk: str, new: str, established: str) -> None:
    elements = MdmElements(problems=problems, data=data, risk=risk)  # type: ignore[arg-type]
    assert level_from_mdm(elements, "new").code == new
    assert level_from_mdm(elements, "established").code == established


@pytest.mark.parametrize(
    ("minutes", "patient_type", "code"),
    [
        (15, "new", "99202"),
        (29, "new", "99202"),
        (30, "new", "99203"),
        (44, "new", "99203"),
        (45, "new", "99204"),
        (59, "new", "99204"),
        (60, "new", "99205"),
        (74, "new", "99205"),
        (9, "established", "99211"),
        (10, "established", "99212"),
        (19, "established", "99212"),
        (20, "established", "99213"),
        (30, "established", "99214"),
        (39, "established", "99214"),
        (40, "established", "99215"),
        (54, "established", "99215"),
    ],
)
def test_em_level_from_time_cy2024_thresholds(minutes: int, patient_type: str, code: str) -> None:
    result = level_from_time(minutes, patient_type)  # type: ignore[arg-type]
    assert result.code == code
    assert result.time_minutes == minutes
    assert result.supported


def test_em_level_from_time_reasoning_and_floor() -> None:
    assert level_from_time(35, "established").reasoning == [
        "Time: 35 minutes total on the date of the encounter ≥ 30 (CY2024+ minimum for 99214, met or exceeded) → 99214"
    ]
    under = level_from_time(12, "new")
    assert under.code == "99202"
    assert not under.supported
    prolonged = level_from_time(80, "new")
    assert prolonged.code == "99205"
    assert "99417" in prolonged.reasoning[-1]
    with pytest.raises(ValueError, match="negative"):
        level_from_time(-1, "new")


def test_em_time_higher_than_mdm_is_chosen() -> None:
    text = NOTE_99213 + "I spent 42 minutes on the date of the encounter reviewing records and counseling.\n"
    result = assess_note("n", text, "established")
    assert result.code == "99215"
    assert result.basis == "time"
    assert result.mdm_level == "low"
    assert result.time_minutes == 42
    assert result.reasoning[-2:] == [
        "Time: 42 minutes total on the date of the encounter ≥ 40 (CY2024+ minimum for 99215, met or exceeded) → 99215",
        "Chosen: time (99215) is higher than MDM (99213); either may be used, the higher is reported",
    ]
    time_evidence = [e for e in result.evidence if e.supports and e.supports.startswith("time")]
    assert [e.text for e in time_evidence] == ["I spent 42 minutes"]
    assert text[time_evidence[0].start : time_evidence[0].end] == "I spent 42 minutes"


def test_em_mdm_higher_than_time_is_chosen() -> None:
    text = NOTE_99214 + "Time spent: 15 minutes.\n"
    result = assess_note("n", text, "established")
    assert result.code == "99214"
    assert result.basis == "mdm"
    assert result.time_minutes == 15
    assert (
        result.reasoning[-1]
        == "Chosen: MDM (99214) is higher than time (99212); either may be used, the higher is reported"
    )


@pytest.mark.parametrize(
    ("sentence", "patient_type", "minutes", "code"),
    [
        ("Total time 42 min on the date of service.", "new", 42, "99203"),
        ("Total time: 25 minutes, all in counseling.", "established", 25, "99213"),
        ("Time spent: 31 minutes.", "established", 31, "99214"),
        ("I spent a total of 62 minutes with the patient and family today.", "new", 62, "99205"),
        ("45 minutes were spent on the date of the encounter.", "new", 45, "99204"),
    ],
)
def test_em_time_only_note(sentence: str, patient_type: str, minutes: int, code: str) -> None:
    text = "Telehealth visit to discuss results and options with the patient and his wife.\n" + sentence + "\n"
    result = assess_note("n", text, patient_type)  # type: ignore[arg-type]
    assert result.code == code
    assert result.basis == "time"
    assert result.time_minutes == minutes
    assert result.mdm_level is None
    assert result.reasoning[-1] == f"Chosen: time ({code}) — no MDM documented"


def test_em_new_patient_without_mdm_or_time_not_supported() -> None:
    result = assess_note("n", NOTE_99211, "new")
    assert result.code == "99202"
    assert not result.supported
    assert result.basis == "minimal"


def test_em_otc_drug_is_low_risk() -> None:
    text = "ASSESSMENT AND PLAN:\n1. Ankle sprain, acute. Start ibuprofen 400 mg three times daily with food.\n"
    elements, _, _ = extract_elements("n", text)
    assert elements.risk == "low"


def test_em_conditional_ed_referral_is_not_hospitalization() -> None:
    text = "ASSESSMENT AND PLAN:\n1. Acute bronchitis. If short of breath, go to the emergency department.\n"
    elements, _, _ = extract_elements("n", text)
    assert elements.risk == "minimal"


def test_em_packaged_rules_load() -> None:
    rules = load_em_rules()
    assert rules.version == "em-rules.v1"
    assert rules.problem_cues


def _packaged() -> dict:
    return json.loads(resources.files("medcoder").joinpath("data/em_rules.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda raw: raw["problem_cues"].append({"phrase": "x", "category": "grave"}), "problem_cues"),
        (lambda raw: raw["risk_cues"].append({"category": "high"}), "exactly one of 'phrase' or 'regex'"),
        (lambda raw: raw["data_cues"].append({"regex": "(unclosed", "category": "discussion"}), "bad regex"),
        (lambda raw: raw.update(time_patterns=["\\d+ minutes"]), "no (?P<minutes>...) group"),
        (lambda raw: raw.pop("version"), "version"),
    ],
)
def test_em_malformed_rules_raise_clear_error(tmp_path: Path, mutate, message: str) -> None:
    raw = _packaged()
    mutate(raw)
    path = tmp_path / "em_rules.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        load_em_rules(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)
    assert caught.value.code == "E150"


def test_em_rules_not_json_raises_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "em_rules.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputFileError, match="invalid E/M rule file"):
        load_em_rules(path)
