"""Engine-wide properties: only billable codes, exact evidence, model files that round-trip."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from medcoder.coding.engine import Coder
from medcoder.coding.sitemodel import SiteModel
from medcoder.errors import ModelError
from medcoder.models import Document, Encounter


@pytest.fixture(scope="module")
def coder(bundled_kb):
    return Coder(bundled_kb)


def _check(result, encounter, kb):
    for a in result.diagnoses:
        status = kb.cm_status(a.code)
        assert status.billable, (a.code, status.reason)  # never a header or an invalid code
        assert 0.0 <= a.confidence <= 1.0
        assert a.evidence, a.code
        for e in a.evidence:
            assert encounter.document(e.document_id).text[e.start : e.end] == e.text
    assert [a.sequence for a in result.diagnoses] == list(range(1, len(result.diagnoses) + 1))


@pytest.mark.conformance
def test_engine_only_billable_codes_with_exact_evidence_on_real_notes(coder, bundled_kb, shared_dir):
    notes = sorted((shared_dir / "benchmarks/codiesp/train/text_en").glob("*.txt"))[:40]
    assert notes
    for path in notes:
        encounter = Encounter(
            id=path.stem, setting="inpatient", documents=[Document(id=path.stem, text=path.read_text("utf-8"))]
        )
        _check(coder.code(encounter), encounter, bundled_kb)


def test_engine_empty_note_section_only(coder):
    encounter = Encounter(id="e", documents=[Document(id="d", text="HISTORY OF PRESENT ILLNESS:\n")])
    assert coder.code(encounter).diagnoses == []


def test_engine_multi_document_evidence_names_its_document(coder, bundled_kb):
    encounter = Encounter(
        id="e",
        setting="inpatient",
        documents=[
            Document(id="hp", text="Admitted with acute appendicitis.\r\nNo other complaints."),
            Document(id="op", text="POSTOPERATIVE DIAGNOSIS: Acute appendicitis.\r\nEssential hypertension."),
        ],
    )
    result = coder.code(encounter)
    _check(result, encounter, bundled_kb)
    by_code = {a.code: a for a in result.diagnoses}
    assert "K35.80" in by_code and "I10" in by_code
    assert {e.document_id for e in by_code["I10"].evidence} == {"op"}


def test_sitemodel_round_trip(tmp_path):
    model = SiteModel(
        n_docs=3,
        code_docs={"I10": 2},
        assoc={"hypertens": [("I10", 0.5, 2)]},
        ranker=None,
        threshold=0.4,
        conventions={"ocg.I.B.5": False},
        meta={"id": "t"},
    )
    again = SiteModel.load(model.save(tmp_path / "m.json.gz"))
    assert again.to_json() == model.to_json()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not gzip at all", "not a medcoder site model"),
        (gzip.compress(b"{broken json"), "not a medcoder site model"),
        (gzip.compress(json.dumps({"format": "other"}).encode()), "format 'other'"),
        (gzip.compress(json.dumps({"format": "medcoder-site-model", "format_version": 99}).encode()), "retrain"),
        (gzip.compress(json.dumps({"format": "medcoder-site-model", "format_version": 1}).encode()), "damaged"),
    ],
)
def test_sitemodel_load_errors(tmp_path, content, message):
    path = tmp_path / "m.json.gz"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=message):
        SiteModel.load(path)


def test_sitemodel_missing_file(tmp_path):
    with pytest.raises(ModelError, match="no site model"):
        SiteModel.load(Path(tmp_path / "absent.gz"))


@pytest.mark.conformance
def test_engine_neoplasm_table_behaviour_from_the_column(full_kb):
    # Site from the Neoplasm Table row, behaviour from the column; no behaviour named -> D49.-
    coder = Coder(full_kb)

    def codes(text: str) -> list[str]:
        encounter = Encounter(id="e", setting="inpatient", documents=[Document(id="d", text=text)])
        return [a.code for a in coder.code(encounter).diagnoses]

    assert "D49.0" in codes("Endoscopy showed a gastric neoplasia.")
    assert "D11.0" in codes("Benign tumor of the parotid gland.")


def test_engine_min_confidence_overrides_the_threshold(bundled_kb):
    # the diagnostic statement (0.9) above the history (0.65): a threshold between them keeps only
    # the first; 1.0 keeps nothing; 0.0 keeps at least what the default does
    encounter = Encounter(
        id="e",
        setting="inpatient",
        documents=[
            Document(
                id="d",
                text="PAST MEDICAL HISTORY: Hypothyroidism.\nASSESSMENT: Acute appendicitis. Chronic cough.",
            )
        ],
    )
    default = Coder(bundled_kb).code(encounter).diagnoses
    everything = Coder(bundled_kb, min_confidence=0.0).code(encounter).diagnoses
    surest = Coder(bundled_kb, min_confidence=0.8).code(encounter).diagnoses
    nothing = Coder(bundled_kb, min_confidence=1.0).code(encounter).diagnoses
    assert len(everything) >= len(default) > len(surest) > len(nothing) == 0
    assert {a.code for a in surest} < {a.code for a in default} <= {a.code for a in everything}
    assert "E03.9" in {a.code for a in default} - {a.code for a in surest}
