"""The bundled example encounter (fictional), used by ``medcoder example`` and the tests."""

from __future__ import annotations

from importlib import resources
from typing import Any

EXAMPLE = "data/examples/discharge-summary-1.txt"


def example_encounter() -> Any:
    """The bundled (fictional) inpatient discharge summary as an Encounter."""
    import datetime as dt

    from medcoder.models import Document, Encounter, Patient

    text = resources.files("medcoder").joinpath(EXAMPLE).read_text(encoding="utf-8")
    return Encounter(
        id="discharge-summary-1",
        patient=Patient(age=67, sex="M"),
        setting="inpatient",
        admit_date=dt.date(2026, 4, 20),
        discharge_date=dt.date(2026, 4, 24),
        discharge_status="01",
        documents=[Document(id="discharge-summary-1", type="discharge_summary", text=text)],
    )
