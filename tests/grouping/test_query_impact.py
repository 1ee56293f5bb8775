"""What-if grouping: removing a code (impact), answering a physician query (query impact), and the
specificity queries that an unspecified diagnosis raises when specific codes group differently."""

from __future__ import annotations

import pytest

from medcoder.cdi import specificity_queries
from medcoder.errors import MissingClaimDataError
from medcoder.grouping.claims import Claim
from medcoder.grouping.msdrg import DrgGrouper
from medcoder.models import CodeAssignment, Query, QueryOption

PNEUMONIA_HF = {
    "id": "c1",
    "discharge_date": "2026-05-01",
    "age": 70,
    "sex": "F",
    "discharge_status": 1,
    "diagnoses": [{"code": "J18.9", "poa": "Y"}, {"code": "I50.9", "poa": "Y"}, {"code": "E11.9", "poa": "Y"}],
}


@pytest.fixture(scope="module")
def grouper():
    with DrgGrouper() as g:
        yield g


def _assignments(bundled_kb, claim: Claim) -> list[CodeAssignment]:
    return [
        CodeAssignment(system="ICD-10-CM", code=bundled_kb.cm(d.code).code, description="", confidence=0.9)
        for d in claim.diagnoses
    ]


def test_group_without_age_or_discharge_date_is_a_clear_error(grouper) -> None:
    claim = Claim.model_validate({**PNEUMONIA_HF, "id": "c9", "age": None})
    with pytest.raises(MissingClaimDataError, match="claim c9 cannot be grouped: no age"):
        grouper.group(claim)


def test_query_impact_answering_with_an_mcc_changes_the_drg(grouper) -> None:
    claim = Claim.model_validate(PNEUMONIA_HF)
    now = grouper.group(claim)
    assert now.drg == "195"  # simple pneumonia without CC/MCC: I50.9 is not a CC in v43.1
    query = Query(
        id="q1",
        question="Type and acuity of the heart failure?",
        reason="unspecified",
        system="ICD-10-CM",
        code="I50.9",
        options=[
            QueryOption(code="I50.23", description="Acute on chronic systolic heart failure"),
            QueryOption(code="I50.22", description="Chronic systolic heart failure"),
        ],
    )
    acute, chronic = grouper.query_impact(claim, [query], now)
    assert (acute.drg_if_answered, acute.changes_drg, acute.severity_if_answered) == ("193", True, "MCC")
    assert (chronic.drg_if_answered, chronic.changes_drg, chronic.severity_if_answered) == ("194", True, "CC")
    assert acute.replaces == "I50.9" and acute.query_id == "q1"
    # the claim itself is unchanged
    assert [d.code for d in claim.diagnoses] == ["J189", "I509", "E119"]


def test_what_if_adds_a_code_when_the_query_replaces_none(grouper) -> None:
    claim = Claim.model_validate(PNEUMONIA_HF)
    assert grouper.what_if(claim, None, "N17.0").drg == "193"  # acute tubular necrosis: an MCC


def test_specificity_queries_offer_codes_that_raise_severity(bundled_kb, grouper) -> None:
    claim = Claim.model_validate(PNEUMONIA_HF)
    grouped = grouper.group(claim)
    queries = specificity_queries(
        bundled_kb, "icd10cm-2026-04", _assignments(bundled_kb, claim), grouper, claim, grouped
    )
    by_code = {q.code: q for q in queries}
    assert set(by_code) == {"I50.9"}  # J18.9's siblings group the same; E11.9's specific codes add nothing
    options = [o.code for o in by_code["I50.9"].options]
    assert options[:2] == ["I50.21", "I50.23"] and "I50.22" in options
    assert all(not o.description.lower().startswith("unspecified") for o in by_code["I50.9"].options)
    query = by_code["I50.9"]
    assert query.rules == ["cdi.specificity.v1"] and "clinically undetermined" in query.question
    assert "pay" not in query.question.lower()  # compliant query: no payment talk to the provider


def test_specificity_queries_none_when_nothing_would_change(bundled_kb, grouper) -> None:
    claim = Claim.model_validate(
        {**PNEUMONIA_HF, "diagnoses": [{"code": "J18.9", "poa": "Y"}, {"code": "I10", "poa": "Y"}]}
    )
    grouped = grouper.group(claim)
    assert (
        specificity_queries(bundled_kb, "icd10cm-2026-04", _assignments(bundled_kb, claim), grouper, claim, grouped)
        == []
    )


def test_what_if_groups_the_claim_with_one_code_changed(grouper) -> None:
    """A what-if is the grouping of the claim with that one code replaced (or added): the same
    result as grouping that claim written out; the claim itself is left as it was."""
    claim = Claim.model_validate(
        {**PNEUMONIA_HF, "procedures": [{"code": "0BH17EZ"}, {"code": "5A1955Z", "system": "ICD-10-PCS"}]}
    )
    before = claim.model_dump()
    diagnoses = [dict(d) for d in PNEUMONIA_HF["diagnoses"]]
    cases = [
        (("I50.9", "I50.23", False), {"diagnoses": [diagnoses[0], {"code": "I50.23", "poa": "Y"}, diagnoses[2]]}),
        ((None, "N17.0", False), {"diagnoses": [*diagnoses, {"code": "N17.0", "poa": "Y"}]}),
        (("Z99.9", "N17.0", False), {"diagnoses": [*diagnoses, {"code": "N17.0", "poa": "Y"}]}),
        (
            ("5A1955Z", "5A1945Z", True),
            {"procedures": [{"code": "0BH17EZ"}, {"code": "5A1945Z", "system": "ICD-10-PCS"}]},
        ),
        (("0BH17EZ", "0BH18EZ", True), {"procedures": [{"code": "0BH18EZ"}, claim.procedures[1].model_dump()]}),
        ((None, "02HV33Z", True), {"procedures": [*[p.model_dump() for p in claim.procedures], {"code": "02HV33Z"}]}),
    ]
    for (replaces, code, procedure), changed in cases:
        written = Claim.model_validate({**claim.model_dump(), **changed})
        assert grouper.what_if(claim, replaces, code, procedure=procedure) == grouper.group(written, impact=False)
    assert claim.model_dump() == before
