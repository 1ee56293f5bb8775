"""The calibration math of ``bench/calibration.py`` (bins, ECE, Brier, AUROC, labels) on
hand-written inputs; the benchmark's numbers themselves live in docs/confidence.md, not here."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "calibration.py"


@pytest.fixture(scope="module")
def calibration():
    spec = importlib.util.spec_from_file_location("bench_calibration", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# 0.9-1.0: 0.95 right, 0.95 right, 0.95 wrong, 1.0 right -> n 4, mean 0.9625, precision 0.75
# 0.6-0.7: 0.65 wrong, 0.65 right                       -> n 2, mean 0.65,   precision 0.5
PAIRS = [(0.95, True), (0.95, True), (0.95, False), (0.65, False), (0.65, True), (1.0, True)]


@pytest.mark.parametrize(
    ("confidence", "n_bins", "expected"),
    [
        (0.0, 10, 0),
        (0.05, 10, 0),
        (0.1, 10, 1),
        (0.3, 10, 3),
        (0.7, 10, 7),
        (0.99, 10, 9),
        (1.0, 10, 9),
        (0.57, 100, 57),
    ],
)
def test_bin_of_edges(calibration, confidence, n_bins, expected):
    assert calibration.bin_of(confidence, n_bins) == expected


def test_bin_of_refuses_out_of_range(calibration):
    with pytest.raises(ValueError):
        calibration.bin_of(1.01, 10)


def test_reliability_rows(calibration):
    rows = calibration.reliability(PAIRS, 10)
    assert [(r["lo"], r["hi"], r["n"], r["right"]) for r in rows] == [(0.6, 0.7, 2, 1), (0.9, 1.0, 4, 3)]
    assert rows[0]["mean_confidence"] == pytest.approx(0.65)
    assert rows[0]["precision"] == pytest.approx(0.5)
    assert rows[1]["mean_confidence"] == pytest.approx(0.9625)
    assert rows[1]["precision"] == pytest.approx(0.75)
    assert rows[1]["gap"] == pytest.approx(0.2125)


def test_ece_is_count_weighted_gap(calibration):
    # (4 * |0.9625 - 0.75| + 2 * |0.65 - 0.5|) / 6
    assert calibration.expected_calibration_error(PAIRS, 10) == pytest.approx(1.15 / 6)


def test_ece_zero_when_calibrated_and_gaps_do_not_cancel(calibration):
    calibrated = [(0.8, True)] * 4 + [(0.8, False)]
    assert calibration.expected_calibration_error(calibrated) == pytest.approx(0.0)
    # over-confident in one bin, under-confident in another: absolute gaps add up
    mixed = [(0.9, False), (0.1, True)]
    assert calibration.expected_calibration_error(mixed) == pytest.approx(0.9)


def test_brier(calibration):
    # (0.05^2 + 0.05^2 + 0.95^2 + 0.65^2 + 0.35^2 + 0^2) / 6
    assert calibration.brier(PAIRS) == pytest.approx(1.4525 / 6)
    assert calibration.brier([(1.0, True), (0.0, False)]) == 0.0
    assert calibration.brier([(0.5, True), (0.5, False)]) == pytest.approx(0.25)


def test_auroc_counts_ties_half(calibration):
    # right 0.95, 0.95, 0.65, 1.0 vs wrong 0.95, 0.65: 1.5 + 1.5 + 0.5 + 2 of 8 pairs
    assert calibration.auroc(PAIRS) == pytest.approx(5.5 / 8)
    assert calibration.auroc([(0.9, True), (0.1, False)]) == 1.0
    assert calibration.auroc([(0.9, True), (0.8, True)]) is None


def test_wilson_interval(calibration):
    lo, hi = calibration.wilson(3, 4)
    assert lo == pytest.approx(0.3006, abs=1e-4)
    assert hi == pytest.approx(0.9544, abs=1e-4)
    assert calibration.wilson(0, 5)[0] == 0.0
    assert calibration.wilson(0, 0) == (0.0, 1.0)


def test_precision_at(calibration):
    assert calibration.precision_at(PAIRS, 0.9) == {"threshold": 0.9, "n": 4, "precision": 0.75}
    assert calibration.precision_at(PAIRS, 1.01)["precision"] is None


def test_label_in_order_second_code_for_an_item_is_wrong(calibration):
    alternatives = [{"E119", "E1165"}, {"I10"}]
    assert calibration.label_in_order(["E1165", "E119", "I10", "Z0000"], alternatives) == [True, False, True, False]


def test_label_in_order_continues_after_the_reported_codes(calibration):
    alternatives = [{"E119", "E1165"}, {"I10"}]
    used: set[int] = set()
    assert calibration.label_in_order(["I10"], alternatives, used) == [True]
    assert calibration.label_in_order(["I10", "E119"], alternatives, used) == [False, True]


@pytest.mark.conformance
# score.py (stdlib, shared data) leaves its files to the garbage collector
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning", "ignore::ResourceWarning")
def test_labels_agree_with_score_py(calibration, shared_dir, tmp_path):
    gold = {
        "id": "n1",
        "setting": "outpatient",
        "items": [
            {"codes": ["E11.65", "E11.9"], "system": "CM", "req": True, "pdx": True},
            {"codes": ["I10"], "system": "CM", "req": False, "pdx": False},
        ],
        "em": None,
    }
    codes = ["E11.9", "E11.65", "I10", "J45.909"]
    (tmp_path / "gold.jsonl").write_text(json.dumps(gold) + "\n", encoding="utf-8")
    pred = {"id": "n1", "diagnoses": [{"code": c, "sequence": i + 1} for i, c in enumerate(codes)]}
    (tmp_path / "pred.jsonl").write_text(json.dumps(pred) + "\n", encoding="utf-8")
    scorer = calibration._score_module(shared_dir / "benchmarks/us-coding/score.py")
    official = scorer.score(str(tmp_path / "gold.jsonl"), str(tmp_path / "pred.jsonl"))["CM"]
    alternatives = [{calibration.norm(c) for c in it["codes"]} for it in gold["items"]]
    labels = calibration.label_in_order([calibration.norm(c) for c in codes], alternatives)
    assert labels == [True, False, True, False]
    assert official["predicted"] == len(labels)
    assert official["P"] == round(sum(labels) / len(labels), 4)
