"""The whole job: coding, then MS-DRG for inpatients and CMS-HCC, or a clear note why not."""

from __future__ import annotations

import datetime as dt

from medcoder.examples import example_encounter
from medcoder.models import Document, Encounter, Patient
from medcoder.pipeline import Pipeline


def test_pipeline_example_gets_drg_and_hcc(bundled_kb):
    result = Pipeline(bundled_kb).run(example_encounter())
    codes = [d.code for d in result.diagnoses]
    assert codes[0] == "J13"  # the reason for admission is the principal diagnosis
    assert result.drg is not None and result.drg["mdc"] == "04"  # respiratory system
    assert result.drg["drg"] in {"193", "194", "195"}  # simple pneumonia and pleurisy
    assert result.hcc is not None and result.hcc["risk_score"] > 0
    hccs = {h["hcc"] for m in result.hcc["models"] for h in m["hccs"]}
    assert "37" in hccs  # diabetes with chronic complications (V28)


def test_pipeline_inpatient_without_age_says_why_no_drg(bundled_kb):
    encounter = Encounter(
        id="e",
        setting="inpatient",
        discharge_date=dt.date(2026, 5, 2),
        documents=[Document(id="d", text="DISCHARGE DIAGNOSES:\n1. Acute appendicitis.")],
    )
    result = Pipeline(bundled_kb).run(encounter)
    assert result.drg is None and result.hcc is None
    assert [e.rule_id for e in result.edits] == ["grouping.drg-missing-data.v1"]
    assert "age" in result.edits[0].message


def test_pipeline_age_from_birth_date(bundled_kb):
    encounter = Encounter(
        id="e",
        setting="inpatient",
        patient=Patient(birth_date=dt.date(1950, 6, 1), sex="F"),
        admit_date=dt.date(2026, 4, 28),
        discharge_date=dt.date(2026, 5, 2),
        documents=[Document(id="d", text="DISCHARGE DIAGNOSES:\n1. Acute appendicitis.")],
    )
    result = Pipeline(bundled_kb).run(encounter)
    assert result.drg is not None and result.drg["mdc"] == "06"  # digestive system


def test_pipeline_hcc_year_not_published_is_said(bundled_kb):
    # A 2026 date of service is payment year 2027, not in the installed CMS-HCC tables: scored with
    # the latest and the result says so.
    result = Pipeline(bundled_kb).run(example_encounter())
    assert result.hcc["payment_year"] == 2026
    assert any(e.rule_id == "grouping.hcc-model-year.v1" and "2027" in e.message for e in result.edits)
