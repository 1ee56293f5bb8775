"""OCG I.C.19.e from the Table of Drugs and Chemicals: poisoning (with its intent), adverse effect and
underdosing, with the 7th character and the sequencing a coder gives them (rules
``ocg.I.C.19.e.drugs`` and ``ocg.I.C.19.e.sequence`` of :mod:`medcoder.coding.drugs`).

The bundled knowledge base has no Table of Drugs, so the cases install the official 2026 files from
``$MEDCODER_SHARED/codesets/icd10cm/2026`` into a temporary MEDCODER_HOME (``conformance``).  Every case
also runs with the rule switched off, as a site model's ``conventions`` do it, and then reports no
Table of Drugs code: the rule is what codes it.  Notes are fictional.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from medcoder.coding.engine import Coder
from medcoder.coding.sitemodel import SiteModel
from tests.coding.helpers import codes, encounter
from tests.conftest import medcoder_home

DRUGS = "ocg.I.C.19.e.drugs"
TABLE_CODES = tuple(f"T{n}" for n in range(36, 66))  # T36-T65: the Table of Drugs and Chemicals


@pytest.fixture(scope="module", autouse=True)
def drug_rules() -> Iterator[object]:
    """The module's rules registered for these tests (the engine imports the module itself once the
    lead wires it in; until then they are taken out again afterwards, so the other rule tests see
    the registry they expect)."""
    from medcoder.coding.guidelines import REGISTRY, RULES

    before = set(RULES)
    from medcoder.coding import drugs

    ours = (drugs.RULE_ID, drugs.SEQUENCE_RULE_ID)
    for rule_id in ours:
        RULES.setdefault(rule_id, REGISTRY[rule_id])
    yield drugs
    for rule_id in ours:
        if rule_id not in before:
            RULES.pop(rule_id, None)


@pytest.fixture(scope="module")
def drug_kb(shared_dir, tmp_path_factory):
    """The bundled ICD-10-CM release plus the official 2026 Table of Drugs, Neoplasm Table and
    External Cause Index, as a user installs them."""
    from medcoder.codesets.install import install
    from medcoder.codesets.kb import KnowledgeBase

    home = tmp_path_factory.mktemp("drug-home")
    with medcoder_home(home):
        install(shared_dir / "codesets/icd10cm/2026")
        kb = KnowledgeBase.open()
    yield kb
    kb.close()


@pytest.fixture(scope="module")
def drug_coder(drug_kb) -> Coder:
    return Coder(drug_kb)


@pytest.fixture(scope="module")
def drug_coder_off(drug_kb) -> Coder:
    """The same engine with the drug rule switched off by a conventions-only site model."""
    return Coder(drug_kb, model=SiteModel(n_docs=0, code_docs={}, assoc={}, conventions={DRUGS: False}))


def _table_codes(found: list[str]) -> list[str]:
    return [c for c in found if c.startswith(TABLE_CODES)]


# --- the cases ------------------------------------------------------------------------------------------


ACCIDENTAL_ACETAMINOPHEN = """EMERGENCY DEPARTMENT NOTE
CHIEF COMPLAINT: Overdose.
HISTORY OF PRESENT ILLNESS: 19-year-old woman brought in by EMS about 4 hours after taking approximately 30 \
tablets of acetaminophen 500 mg for a toothache. She says she took too much by accident and denies any \
suicidal ideation or self-harm intent. Nausea and vomiting since.
ASSESSMENT: Accidental acetaminophen overdose. Nausea with vomiting.
PLAN: N-acetylcysteine protocol, repeat acetaminophen level at 4 hours.
"""

SUICIDE_ATTEMPT_AMITRIPTYLINE = """DISCHARGE SUMMARY
REASON FOR ADMISSION: Suicide attempt.
HOSPITAL COURSE: 34-year-old man admitted after a suicide attempt by ingesting approximately 40 tablets \
of amitriptyline. On arrival he was somnolent with QRS widening, treated with sodium bicarbonate.
DISCHARGE DIAGNOSES:
1. Intentional amitriptyline overdose, suicide attempt.
2. Major depressive disorder, single episode, severe.
"""

INTENTIONAL_FLUOXETINE = """EMERGENCY DEPARTMENT NOTE
HISTORY OF PRESENT ILLNESS: 27-year-old woman with depression who took an intentional overdose of \
fluoxetine after an argument with her partner. Drowsy but protecting her airway.
ASSESSMENT: Intentional overdose of fluoxetine.
"""

LISINOPRIL_HYPOTENSION = """OFFICE VISIT
HISTORY OF PRESENT ILLNESS: 70-year-old woman with lightheadedness on standing for three days. Blood \
pressure 84/52. Lisinopril 20 mg was started last week and she takes it as prescribed.
ASSESSMENT: Hypotension due to lisinopril taken as prescribed. Lisinopril held.
"""

METOPROLOL_RAN_OUT = """EMERGENCY DEPARTMENT NOTE
CHIEF COMPLAINT: Headache.
HISTORY OF PRESENT ILLNESS: 62-year-old man with hypertension who ran out of his metoprolol 5 days ago \
and has not refilled it. BP 190/110 in triage.
ASSESSMENT: Uncontrolled hypertension due to underdosing of metoprolol; he ran out of his metoprolol.
"""

PHENYTOIN_COST = """OFFICE VISIT
HISTORY OF PRESENT ILLNESS: 45-year-old woman with epilepsy. She stopped taking her phenytoin one week \
ago because she could not afford it. Breakthrough seizure this morning.
ASSESSMENT: Epilepsy with breakthrough seizure after stopping phenytoin, which she could not afford.
"""

MEDICATION_LIST = """OFFICE VISIT
CHIEF COMPLAINT: Right ankle sprain.
MEDICATIONS: Acetaminophen 500 mg as needed, lisinopril 10 mg daily.
ALLERGIES: Penicillin (hives).
ASSESSMENT: Sprain of right ankle, initial encounter.
"""

DENIES_OVERDOSE = """EMERGENCY DEPARTMENT NOTE
HISTORY OF PRESENT ILLNESS: 25-year-old woman with two days of epigastric pain. She denies any overdose \
or ingestion of acetaminophen or aspirin. No known drug allergies.
ASSESSMENT: Epigastric pain.
"""

HEROIN_NALOXONE = """DISCHARGE SUMMARY
HOSPITAL COURSE: 45-year-old woman admitted with an accidental heroin overdose and respiratory depression \
requiring naloxone. She was given naloxone 0.4 mg IV with good response.
DISCHARGE DIAGNOSES:
1. Heroin overdose, accidental.
2. Acute respiratory failure with hypoxia.
"""

FAMILY_AND_HYPOTHETICAL = """OFFICE VISIT
HISTORY OF PRESENT ILLNESS: Her brother died of a heroin overdose last year. She asks about her own \
medicines; advised to return if she ever takes too much acetaminophen.
ASSESSMENT: Grief reaction.
"""


@dataclass(frozen=True)
class DrugCase:
    id: str
    text: str
    setting: str
    present: tuple[str, ...]
    absent: tuple[str, ...] = ()
    first: str | None = None
    order: tuple[str, ...] = ()  # these codes, in this order
    off_present: tuple[str, ...] = ()  # what the engine reports without the rule
    off_absent: tuple[str, ...] = field(default_factory=tuple)


CASES = [
    DrugCase(
        "I.C.19.e.5.b-accidental-overdose-first",
        ACCIDENTAL_ACETAMINOPHEN,
        "outpatient",
        present=("T39.1X1A", "R11.2"),
        absent=("T39.1X2A", "T39.1X5A", "T39.91XA", "T48.4X1A"),  # not self-harm, adverse, "analgesic", the antidote
        first="T39.1X1A",
        off_present=("R11.2",),
    ),
    DrugCase(
        "I.C.19.e.5.b-suicide-attempt-self-harm",
        SUICIDE_ATTEMPT_AMITRIPTYLINE,
        "inpatient",
        present=("T43.012A", "F32.2"),
        absent=("T43.011A", "T14.91XA", "T47.1X2A"),  # the intent is in the T code; the treatment is no poisoning
        first="T43.012A",
        off_present=("T14.91XA",),
    ),
    DrugCase(
        "I.C.19.e.5.b-intentional-overdose",
        INTENTIONAL_FLUOXETINE,
        "outpatient",
        present=("T43.222A",),
        absent=("T43.221A",),
        first="T43.222A",
    ),
    DrugCase(
        "I.C.19.e.5.a-adverse-effect-after-manifestation",
        LISINOPRIL_HYPOTENSION,
        "outpatient",
        present=("I95.2", "T46.4X5A"),
        absent=("I95.9", "T46.4X1A"),
        first="I95.2",
        order=("I95.2", "T46.4X5A"),
        off_present=("I95.9",),
    ),
    DrugCase(
        "I.C.19.e.5.c-underdosing-after-condition",
        METOPROLOL_RAN_OUT,
        "outpatient",
        present=("I10", "T44.7X6A", "Z91.148"),  # intent not documented: Z91.14- (underdosing NOS)
        absent=("T44.7X1A",),
        first="I10",
        order=("I10", "T44.7X6A", "Z91.148"),
        off_present=("I10",),
    ),
    DrugCase(
        "I.C.19.e.5.c-underdosing-financial-hardship",
        PHENYTOIN_COST,
        "outpatient",
        present=("T42.0X6A", "Z91.120"),
        order=("T42.0X6A", "Z91.120"),
    ),
    DrugCase(
        "I.C.19.e.5.b-treatment-drug-is-no-poisoning",
        HEROIN_NALOXONE,
        "inpatient",
        present=("T40.1X1A", "J96.01"),
        absent=("T50.7X1A", "T50.7X5A"),
        first="T40.1X1A",
        off_present=("J96.01",),
    ),
]


@pytest.mark.conformance
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_drugs_codes_the_table_entry_with_intent_and_sequence(case: DrugCase, drug_coder, drug_coder_off):
    enc = encounter(case.text, case.setting)
    on = drug_coder.code(enc)
    found = codes(on)
    for code in case.present:
        assert code in found, (code, found)
    for code in case.absent:
        assert code not in found, (code, found)
    if case.first is not None:
        assert found[0] == case.first, found
    if case.order:
        assert [c for c in found if c in case.order] == list(case.order), found
    by_code = {a.code: a for a in on.diagnoses}
    for code in _table_codes(found):
        assignment = by_code[code]
        assert any(r.startswith(DRUGS) for r in assignment.rules), assignment.rules
        assert "Table of Drugs" in assignment.rationale, assignment.rationale
        for evidence in assignment.evidence:  # exact spans of the note
            assert case.text[evidence.start : evidence.end] == evidence.text

    # the companion: the rule switched off reports no Table of Drugs code
    off = codes(drug_coder_off.code(enc))
    assert not _table_codes(off), off
    for code in case.off_present:
        assert code in off, (code, off)
    assert not any(r.startswith(DRUGS) for r in drug_coder_off.code(enc).provenance.rules)


@pytest.mark.conformance
@pytest.mark.parametrize(
    "text",
    [MEDICATION_LIST, DENIES_OVERDOSE, FAMILY_AND_HYPOTHETICAL],
    ids=["medication-and-allergy-lists", "denied-overdose", "family-and-hypothetical"],
)
def test_drugs_lists_denials_family_and_hypotheticals_are_not_coded(text, drug_coder):
    result = drug_coder.code(encounter(text, "outpatient"))
    assert not _table_codes(codes(result)), codes(result)
    assert not any(c.startswith(("Z91.12", "Z91.13", "Z91.14")) for c in codes(result))


@pytest.mark.conformance
def test_drugs_most_specific_entry_wins(drug_coder):
    text = "ED NOTE: took too much of her analgesic, acetaminophen, for back pain; vomiting.\nASSESSMENT: Vomiting.\n"
    found = codes(drug_coder.code(encounter(text)))
    assert "T39.1X1A" in found and "T39.91XA" not in found, found


@pytest.mark.conformance
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "ED NOTE: somnolent after her partner slipped oxycodone into her drink.\n"
            "ASSESSMENT: Oxycodone poisoning, assault.\n",
            "T40.2X3A",
        ),
        ("ED NOTE: oxycodone overdose; the intent could not be determined. Somnolent.\n", "T40.2X4A"),
        ("ED NOTE: found with an empty bottle of diphenhydramine; drowsy. Intent not documented.\n", "T45.0X1A"),
    ],
    ids=["assault", "undetermined-only-when-documented", "unknown-intent-is-accidental"],
)
def test_drugs_intent_columns(text, expected, drug_coder):
    found = codes(drug_coder.code(encounter(text)))
    assert expected in found, found
    assert found[0] == expected, found


@pytest.mark.conformance
def test_drugs_uncertain_poisoning_by_setting(drug_coder):
    """OCG IV.H: a possible overdose is not coded for an outpatient; II.H: at an inpatient's
    discharge it is coded as if established."""
    text = "DISCHARGE SUMMARY\nDISCHARGE DIAGNOSES:\n1. Possible acetaminophen overdose.\n2. Acute kidney failure.\n"
    assert "T39.1X1A" in codes(drug_coder.code(encounter(text, "inpatient")))
    assert not _table_codes(codes(drug_coder.code(encounter(text, "outpatient"))))


@pytest.mark.conformance
def test_drugs_seventh_character_from_the_episode_of_care(drug_coder):
    text = "FOLLOW-UP VISIT\nASSESSMENT: Accidental acetaminophen overdose, subsequent encounter; liver tests normal.\n"
    found = codes(drug_coder.code(encounter(text)))
    assert "T39.1X1D" in found and "T39.1X1A" not in found, found


@pytest.mark.conformance
def test_drugs_table_is_built_once_per_release(drug_kb, drug_rules):
    rid = drug_kb.release("ICD-10-CM", None).release_id
    table = drug_rules.drug_table(drug_kb, rid)
    assert table is not None and drug_rules.drug_table(drug_kb, rid) is table
    words = drug_rules._words("took her analgesic acetaminophen", 0, 32)
    named = [f.substance.path for f in table.find(words, frozenset())]
    assert named == ["Analgesic", "Acetaminophen"]


@pytest.mark.conformance
def test_drugs_sentences_that_cannot_name_a_substance_are_skipped_safely(drug_kb, drug_rules):
    """``may_name`` (checked before a sentence is read for names) is never False where ``find``
    finds one; "of" and "and" begin longer names only, so they alone name nothing."""
    rid = drug_kb.release("ICD-10-CM", None).release_id
    table = drug_rules.drug_table(drug_kb, rid)
    nexts = drug_rules._cues().ambiguous_next
    texts = [case.text for case in CASES] + ["Overdose of wine and beer.", "took TCA", "of and a with in"]
    named = 0
    for text in texts:
        for sentence in text.splitlines():
            words = drug_rules._words(sentence, 0, len(sentence))
            if table.find(words, nexts):
                named += 1
                assert table.may_name([w.norm for w in words]), sentence
    assert named > 5
    assert not table.may_name(["of", "and", "with", "in"])


def test_drugs_without_the_table_of_drugs_codes_no_table_entry(coder):
    """The bundled release has no Table of Drugs: the rule does nothing (and does not fail)."""
    result = coder.code(encounter(ACCIDENTAL_ACETAMINOPHEN))
    assert not _table_codes(codes(result)), codes(result)
    assert "R11.2" in codes(result)


# --- the cue vocabulary ------------------------------------------------------------------------------------


def test_drugs_intent_data_is_valid_and_names_its_sources(drug_rules):
    data = drug_rules.intent_data()
    assert data.cues and data.version
    for name, group in data.cues.items():
        assert group.source.strip(), name
        group.regex()  # compiles
    for name in ("poisoning", "self_harm", "assault", "undetermined", "adverse_after", "underdosing"):
        assert "OCG I.C.19.e" in data.cues[name].source, name


def test_drugs_intent_data_codes_exist_in_the_classification(drug_rules, coder):
    index = coder.index(coder.release_for(None))
    data = drug_rules.intent_data()
    noncompliance = data.noncompliance.model_dump(exclude={"source"})
    for code in noncompliance.values():
        node = index.get(code)
        assert node is not None and node.billable, code
        assert node.code.startswith(("Z91.12", "Z91.13", "Z91.14")), code
    for mapping in data.drug_induced:
        for code in [mapping.to, *([mapping.localized] if mapping.localized else []), *mapping.codes]:
            node = index.get(code)
            assert node is not None and node.billable, code


def test_drugs_intent_data_rejects_a_bad_pattern(drug_rules):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="pattern"):
        drug_rules.CueGroup(source="OCG I.C.19.e", meaning="poisoning", patterns=["overdos(e"])


@pytest.mark.conformance
def test_drugs_synonyms_name_table_entries(drug_kb, drug_rules):
    """Each curated synonym (brand names, 'wine', 'TCA') leads to an entry of the installed Table."""
    rid = drug_kb.release("ICD-10-CM", None).release_id
    table = drug_rules.drug_table(drug_kb, rid)
    missing = [s.entry for s in drug_rules.intent_data().synonyms if table._resolve(s.entry) is None]
    assert not missing, missing


@pytest.mark.conformance
@pytest.mark.parametrize(
    ("text", "drug", "alcohol"),
    [
        (
            "ED NOTE: took her prescribed lorazepam with several beers; lethargic.\n"
            "ASSESSMENT: Drowsiness due to interaction of lorazepam and alcohol.\n",
            "T42.4X1A",
            "T51.0X1A",
        ),
        (
            "ED NOTE: ASSESSMENT: Somnolence from an alcohol-drug interaction (zolpidem with wine).\n",
            "T42.6X1A",
            "T51.0X1A",
        ),
        (
            "ED NOTE: ASSESSMENT: Oversedation due to the interaction between oxycodone and alcohol.\n",
            "T40.2X1A",
            "T51.0X1A",
        ),
    ],
    ids=["lorazepam-and-beer", "alcohol-drug-interaction", "interaction-between"],
)
def test_drugs_interaction_with_alcohol_is_poisoning(text, drug, alcohol, drug_coder):
    """OCG I.C.19.e.5.b (iv): a reaction from the interaction of a drug and alcohol is a poisoning by both
    (the alcohol drunk is 'Alcohol, beverage', T51.0X-), not an adverse effect."""
    found = codes(drug_coder.code(encounter(text, "inpatient")))
    assert drug in found and alcohol in found, found
    assert not [c for c in found if c.startswith(drug[:5]) and c[6] == "5"], found
    assert "T51.91XA" not in found, found
