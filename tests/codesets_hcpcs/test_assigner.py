"""HcpcsAssigner: drugs with billing units, services and supplies, assertion, dates, evidence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from medcoder.codesets.install import install
from medcoder.codesets.kb import KnowledgeBase
from medcoder.coding.hcpcs import HcpcsAssigner
from medcoder.models import Document, Encounter
from tests.conftest import medcoder_home

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FEB = dt.date(2026, 2, 10)


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    home = tmp_path_factory.mktemp("hcpcs-assigner-home")
    cpt = tmp_path_factory.mktemp("cpt") / "LONGULT.txt"
    # invented wording in the AMA text layout (never real CPT descriptors)
    cpt.write_text(
        "93000\tElectrocardiogram, test wording, with interpretation and report\n"
        "99213\tTest descriptor for an established-patient office visit\n",
        encoding="utf-8",
    )
    with medcoder_home(home):
        install(FIXTURES / "hcpcs" / "HCPC2026_JAN_ANWEB_v2.txt")
        install(cpt, release_id="cpt-2026")
        kb = KnowledgeBase.open()
    yield kb
    kb.close()


def _code(kb, text: str, day: dt.date | None = FEB):
    encounter = Encounter(id="enc-1", service_date=day, documents=[Document(id="note", text=text)])
    assignments = HcpcsAssigner(kb).assign(encounter)
    for assignment in assignments:
        for evidence in assignment.evidence:
            assert text[evidence.start : evidence.end] == evidence.text
    return assignments


@pytest.mark.parametrize(
    ("text", "code", "units", "span"),
    [
        ("Administered 1 g ceftriaxone IM in the clinic.", "J0696", "= 4 unit(s)", "ceftriaxone"),
        ("Rocephin 500 mg IM given.", "J0696", "= 2 unit(s)", "Rocephin"),
        (
            "Methylprednisolone acetate 80 mg IM injected into the gluteus.",
            "J1040",
            "= 1 unit(s)",
            "Methylprednisolone",
        ),
        ("Methylprednisolone acetate 40 mg IM given.", "J1030", "= 1 unit(s)", "Methylprednisolone"),
        ("Toradol 30 mg IM given for pain.", "J1885", "= 2 unit(s)", "Toradol"),
        ("Dexamethasone 10 mg IV administered.", "J1100", "= 10 unit(s)", "Dexamethasone"),
        ("Ondansetron 4 mg IV push given for nausea.", "J2405", "= 4 unit(s)", "Ondansetron"),
        ("1000 mL NS bolus infused IV.", "J7030", "= 1 unit(s)", "NS"),
    ],
)
def test_drug_codes_with_units(kb, text, code, units, span):
    [assignment] = _code(kb, text)
    assert (assignment.system, assignment.code) == ("HCPCS", code)
    assert units in assignment.rationale
    assert assignment.evidence[0].text == span and assignment.evidence[0].supports == "drug"
    assert assignment.evidence[1].supports == "dose"
    assert "hcpcs.drug-units.v1" in assignment.rules


def test_drug_without_dose_is_coded_with_lower_confidence(kb):
    [assignment] = _code(kb, "Ceftriaxone given IM.")
    assert assignment.code == "J0696" and "cannot be calculated" in assignment.rationale
    assert assignment.confidence < 0.8


@pytest.mark.parametrize(
    ("text", "expected", "span"),
    [
        ("Patient transported by ambulance, ALS emergency transport to the ED.", ["A0427"], "ambulance"),
        ("Ambulance transport BLS emergency from home.", ["A0429"], "Ambulance"),
        ("Flu vaccine administered in the left deltoid.", ["G0008", "Q2039"], "Flu vaccine"),
        ("Crutches provided and gait training done.", ["E0114"], "Crutches"),
        ("Folding walker with wheels dispensed.", ["E0143"], "Folding walker with wheels"),
    ],
)
def test_service_and_supply_codes(kb, text, expected, span):
    assignments = _code(kb, text)
    assert [a.code for a in assignments] == expected
    assert span in assignments[0].evidence[0].text
    assert all(a.system == "HCPCS" and "hcpcs.descriptor-match.v1" in a.rules for a in assignments)


def test_walker_without_type_names_the_alternatives(kb):
    [assignment] = _code(kb, "Walker provided for ambulation.")
    assert assignment.code in {"E0130", "E0135"}
    assert "equally supported" in assignment.rationale and "E0130" in assignment.rationale + assignment.code
    assert assignment.evidence[0].text == "Walker"


@pytest.mark.parametrize(
    "text",
    [
        "Ceftriaxone was not given.",
        "No flu vaccine was administered today.",
        "Patient denies receiving a flu vaccine.",
        "Will give ceftriaxone 1 g IM tomorrow if fever persists.",
        "Plan to provide a walker at the next visit.",
        "Patient uses a walker at home.",  # not provided in this encounter
        "Patient refused the flu vaccine administration.",
        "Ambulation improving.",  # not an ambulance
    ],
)
def test_negated_planned_or_not_provided_items_are_not_coded(kb, text):
    assert _code(kb, text) == []


def test_plan_section_is_not_coded(kb):
    text = "ASSESSMENT: Otitis media.\nPLAN: Ceftriaxone 1 g IM administered if no improvement.\n"
    assert _code(kb, text) == []


def test_codes_only_when_active_on_date_of_service(kb):
    # J7199 was terminated on 2025-12-31: the January 2026 release keeps it, but not for a February visit
    assert _code(kb, "Hemophilia clotting factor administered IV.") == []
    # G0999 is added on 2026-04-01 (in the January file) and the January release ends on 03-31
    assert _code(kb, "Remote monitoring of a home oxygen concentrator provided.") == []


def test_not_available_outside_installed_windows(kb):
    assigner = HcpcsAssigner(kb)
    assert assigner.available(FEB)
    assert not assigner.available(dt.date(2024, 6, 1))
    assert _code(kb, "Administered 1 g ceftriaxone IM.", day=dt.date(2024, 6, 1)) == []


def test_cpt_codes_when_installed(kb):
    [assignment] = _code(kb, "ECG performed and interpreted.")
    assert (assignment.system, assignment.code) == ("CPT", "93000")
    assert assignment.evidence[0].text.startswith("ECG")


def test_nothing_installed_means_unavailable(tmp_path):
    with medcoder_home(tmp_path / "empty"):
        kb = KnowledgeBase.open()
        try:
            assigner = HcpcsAssigner(kb)
            assert not assigner.available(FEB)
            encounter = Encounter(
                id="e", service_date=FEB, documents=[Document(id="d", text="Administered 1 g ceftriaxone IM.")]
            )
            assert assigner.assign(encounter) == []
        finally:
            kb.close()


def test_evidence_from_each_document_and_repeats_merged(kb):
    encounter = Encounter(
        id="enc-2",
        service_date=FEB,
        documents=[
            Document(id="ed", text="Triage. Ceftriaxone 1 g IM given."),
            Document(id="mar", text="MAR: ceftriaxone 1 g IM administered at 10:00."),
        ],
    )
    [assignment] = HcpcsAssigner(kb).assign(encounter)
    assert assignment.code == "J0696"
    assert {e.document_id for e in assignment.evidence} == {"ed", "mar"}
    for evidence in assignment.evidence:
        assert encounter.document(evidence.document_id).text[evidence.start : evidence.end] == evidence.text
