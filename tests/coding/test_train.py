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
