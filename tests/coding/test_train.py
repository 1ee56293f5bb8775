"""``medcoder train``: a site model from coded encounters (JSONL, or the CodiEsp folder + TSV layout),
that loads and that ``medcoder code --model`` uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medcoder.coding.sitemodel import SiteModel
from tests.conftest import run_cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "coding"
CODED = FIXTURES / "coded_encounters.jsonl"

NOTE = (
    "FAMILY MEDICINE VISIT\n"
    "HISTORY OF PRESENT ILLNESS: 66-year-old woman for review of her blood pressure and sugars.\n"
    "ASSESSMENT:\n"
    "1. Essential hypertension, on amlodipine.\n"
    "2. Type 2 diabetes mellitus, on metformin.\n"
)


run = run_cli


def test_train_fixture_is_coded_encounters():
    rows = [json.loads(line) for line in CODED.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 16
    assert len({r["id"] for r in rows}) == 16
    assert all(r["text"].strip() and r["codes"] for r in rows)


def test_train_jsonl_writes_a_model_that_code_uses(bundled, capsys, tmp_path):
    out_path = tmp_path / "site.model.gz"
    status, out, err = run(capsys, "train", str(CODED), "--out", str(out_path))
    assert status == 0, err
    assert out.startswith(f"wrote {out_path}: 16 encounters")

    model = SiteModel.load(out_path)
    assert model.n_docs == 16 and model.meta["encounters"] == 16
    assert model.ranker and 0.0 < model.threshold < 1.0
    rows = [json.loads(line) for line in CODED.read_text(encoding="utf-8").splitlines()]
    assert model.code_docs["I10"] == sum("I10" in r["codes"] for r in rows)  # how often the history used it
    assert set(model.conventions) and all(isinstance(v, bool) for v in model.conventions.values())

    note = tmp_path / "review.txt"
    note.write_text(NOTE, encoding="utf-8")
    status, out, err = run(capsys, "code", str(note), "--model", str(out_path), "--format", "json")
    assert status == 0, err
    result = json.loads(out)
    assert result["provenance"]["models"] == {"site": model.meta["id"]}  # the model was used ...
    found = [d["code"] for d in result["diagnoses"]]
    assert {"I10", "E11.9"} <= set(found), found
    assert all(d["confidence"] >= model.threshold for d in result["diagnoses"])  # ... with its threshold

    status, out, _ = run(capsys, "code", str(note), "--format", "json")
    assert status == 0 and json.loads(out)["provenance"]["models"] == {}


def test_train_too_few_encounters_is_error_e160(bundled, capsys, tmp_path):
    few = tmp_path / "few.jsonl"
    few.write_text("\n".join(CODED.read_text(encoding="utf-8").splitlines()[:6]) + "\n", encoding="utf-8")
    out_path = tmp_path / "site.model.gz"
    status, out, err = run(capsys, "train", str(few), "--out", str(out_path))
    assert status == 1 and out == ""
    assert err.startswith("error E160") and "too few" in err and len(err.strip().splitlines()) == 1
    assert not out_path.exists()


# A history whose coders coded the findings the notes deny ("Denies chest pain" -> R07.9): trained
# before safety rules, a model switched the negation rule off on it (cross-fitted objective 0.36 -> 0.78).
DENIED_FINDINGS_CODED = [
    (
        "ed-101",
        "52-year-old man with a productive cough for four days. He denies chest pain. No fever.",
        "Acute bronchitis",
        ["J20.9", "R07.9", "R50.9"],
    ),
    (
        "ed-102",
        "47-year-old woman with cough and wheeze. Denies chest pain. No shortness of breath at rest.",
        "Acute bronchitis",
        ["J20.9", "R07.9", "R06.02"],
    ),
    (
        "ed-103",
        "35-year-old man with a sore throat for two days. No fever. Denies cough.",
        "Acute pharyngitis",
        ["J02.9", "R50.9", "R05.9"],
    ),
    (
        "ed-104",
        "60-year-old woman with dysuria and frequency. No fever. Denies chest pain.",
        "Urinary tract infection",
        ["N39.0", "R50.9", "R07.9"],
    ),
    (
        "ed-105",
        "41-year-old man with a headache since this morning. Denies chest pain. No nausea.",
        "Tension headache",
        ["G44.209", "R07.9", "R11.0"],
    ),
    (
        "ed-106",
        "29-year-old woman with a cough for a week. No fever. No shortness of breath.",
        "Acute bronchitis",
        ["J20.9", "R50.9", "R06.02"],
    ),
    (
        "ed-107",
        "66-year-old man with low back pain after lifting. Denies chest pain. No fever.",
        "Low back pain",
        ["M54.50", "R07.9", "R50.9"],
    ),
    (
        "ed-108",
        "55-year-old woman with a sore throat. Denies cough. No fever.",
        "Acute pharyngitis",
        ["J02.9", "R05.9", "R50.9"],
    ),
    (
        "ed-109",
        "38-year-old man with nausea after a meal. No fever. Denies chest pain.",
        "Gastroenteritis",
        ["K52.9", "R50.9", "R07.9"],
    ),
    (
        "ed-110",
        "71-year-old woman with a cough. Denies chest pain. No shortness of breath.",
        "Acute bronchitis",
        ["J20.9", "R07.9", "R06.02"],
    ),
    (
        "ed-111",
        "44-year-old man with dysuria. No fever. Denies chest pain.",
        "Urinary tract infection",
        ["N39.0", "R50.9", "R07.9"],
    ),
    (
        "ed-112",
        "33-year-old woman with a headache. No fever. Denies chest pain.",
        "Tension headache",
        ["G44.209", "R50.9", "R07.9"],
    ),
]


def test_train_never_switches_the_negation_rule_off(bundled_kb, tmp_path):
    from medcoder.coding.engine import Coder
    from medcoder.coding.training import train
    from medcoder.models import Document, Encounter

    examples = []
    for i, hpi, assessment, codes in DENIED_FINDINGS_CODED:
        text = f"EMERGENCY DEPARTMENT NOTE\nHPI: {hpi}\nASSESSMENT: {assessment}.\n"
        examples.append((Encounter(id=i, setting="outpatient", documents=[Document(id=i, text=text)]), codes))
    model = train(examples, Coder(bundled_kb), folds=3)
    assert model.conventions.get("ocg.assertion.negated", True) is True
    assert "ocg.assertion.negated" not in model.meta["convention_objective"]  # not even put to the vote
    model = SiteModel.load(model.save(tmp_path / "site.model.gz"))
    note = "URGENT CARE NOTE\nHPI: 50-year-old man with a cough. He denies chest pain.\nASSESSMENT: Acute bronchitis.\n"
    encounter = Encounter(id="uc-1", setting="outpatient", documents=[Document(id="uc-1", text=note)])
    found = [d.code for d in Coder(bundled_kb, model).code(encounter).diagnoses]
    assert "R07.9" not in found, found


@pytest.mark.conformance
def test_train_codiesp_layout_first_40_documents(bundled, capsys, tmp_path, shared_dir):
    """The CodiEsp layout (a folder of <id>.txt + a TSV of <id><TAB><code>), read in place from
    ../shared: the codes of the first 40 documents select them for training."""
    train_dir = shared_dir / "benchmarks" / "codiesp" / "train"
    texts = train_dir / "text_en"
    first = [p.stem for p in sorted(texts.glob("*.txt"))[:40]]
    assert len(first) == 40
    wanted = set(first)
    lines = [
        line
        for line in (train_dir / "trainD.tsv").read_text(encoding="utf-8").splitlines()
        if line.split("\t", 1)[0] in wanted
    ]
    codes = tmp_path / "first40D.tsv"
    codes.write_text("\n".join(lines) + "\n", encoding="utf-8")

    out_path = tmp_path / "codiesp.model.gz"
    status, out, err = run(capsys, "train", str(texts), "--codes", str(codes), "--out", str(out_path))
    assert status == 0, err
    assert "40 encounters" in out
    model = SiteModel.load(out_path)
    assert model.n_docs == 40 and model.ranker

    note = texts / f"{first[0]}.txt"
    status, out, err = run(
        capsys, "code", str(note), "--model", str(out_path), "--setting", "inpatient", "--format", "jsonl"
    )
    assert status == 0, err
    obj = json.loads(out)
    assert obj["id"] == first[0] and obj["diagnoses"]
    text = note.read_bytes().decode("utf-8")
    for d in obj["diagnoses"]:
        for e in d["evidence"]:
            assert text[e["start"] : e["end"]] == e["text"]


def test_train_studies_the_rules_that_act_on_the_history_but_never_safety_rules(bundled_kb):
    from medcoder.coding.engine import Coder
    from medcoder.coding.training import SWITCHABLE, switchable
    from medcoder.models import Document, Encounter

    coder = Coder(bundled_kb)
    notes = [
        # "Anemia ... iron deficiency anemia": ocg.I.B.3.unspecified acts; "Denies chest pain": negation acts
        "PROGRESS NOTE\nHPI: Fatigue. Denies chest pain.\nASSESSMENT: Anemia. Ferritin 6; iron deficiency anemia.\n",
        "PROGRESS NOTE\nHPI: Cough. No fever.\nASSESSMENT: Acute bronchitis.\n",
    ]
    found = [
        coder.candidates(Encounter(id=f"n{i}", setting="outpatient", documents=[Document(id=f"n{i}", text=t)]))
        for i, t in enumerate(notes)
    ]
    for f in found:
        coder.score(f, None)
    studied = switchable(coder, found, SiteModel(n_docs=0, code_docs={}, assoc={}))
    assert studied[: len(SWITCHABLE)] == list(SWITCHABLE)
    assert "ocg.I.B.3.unspecified" in studied
    assert "ocg.assertion.negated" not in studied
