"""Calibration of ``confidence`` (issue 9 item 8): does a code reported at 0.8 turn out right about
80% of the time?

    python bench/calibration.py [--shared ../shared] [--out bench/out] [--split dev] [--bins 10] [--json]
    python bench/calibration.py --codiesp [--json]

US coding reference set (the default), **no site model**:

1. the same fresh temporary MEDCODER_HOME and the same notes, settings and pipeline as
   ``bench/us_coding.py`` (its ``load()``; ICD-10-CM April 2026 + drugs / neoplasm / e-index,
   ICD-10-PCS FY2026),
2. every ICD-10-CM code the pipeline reports is labelled right or wrong with the reference set's own
   matching (``score.py``: codes without dots; a code is right when it matches an alternative of a
   reference item, required or optional, that no earlier code of the note matched, in sequence
   order; a second code for the same item is wrong).  The labels are checked against ``score.py``
   itself: the run stops if the counts differ,
3. the codes the engine considered and left below the reporting threshold
   (``CodingResult.not_reported`` with rule ``threshold``, each with its confidence) are labelled
   the same way, as if appended after the reported codes in order of confidence: "would it have
   been right had it been reported?"  Codes removed by a guideline rule (negated, family, ...) are
   left out: their confidence is not a promise about a code anyone would see,
4. a reliability table (equal-width confidence bins: count, mean confidence, observed precision
   with its 95% Wilson interval),
   the expected calibration error (ECE: count-weighted mean of |mean confidence - precision| over
   the bins), the Brier score (mean squared error of confidence against the 0/1 label), AUROC (how
   well confidence ranks right codes above wrong ones) and precision at the reporting threshold and
   above, for the reported codes and for reported + below-threshold codes.

``--codiesp``: the **site-model** path on CodiEsp dev: a site model trained on CodiEsp train exactly
as ``bench/codiesp.py`` trains it (about 40 s), dev coded with it and without a model, each code
labelled right when it is a gold code of the document (strict, as ``score_codiesp.py`` compares),
and also against the gold with each code resolved to this release's billable code as training does
(what the ranker was trained to predict).

Output: tables on stdout (or the JSON with ``--json``), and ``bench/out/calibration-<split>.json`` /
``bench/out/calibration-codiesp-dev.json`` (bench/out is git-ignored).  Nothing is tuned here: the
dev notes are only measured.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)

Pair = tuple[float, bool]  # (confidence, right?)


# -- the calibration math (pure; tests/bench/test_calibration.py) ------------------------------


def bin_of(confidence: float, n_bins: int) -> int:
    """Equal-width bin ``[k/n, (k+1)/n)``; 1.0 falls in the last bin."""
    if not 0.0 <= confidence <= 1.0:
        raise ValueError(f"confidence {confidence} is outside [0, 1]")
    # round first: 0.7 * 10 is 7.000000000000001, 0.57 * 100 is 56.99999999999999
    return min(math.floor(round(confidence * n_bins, 9)), n_bins - 1)


def reliability(pairs: list[Pair], n_bins: int = 10) -> list[dict]:
    """One row per non-empty bin: its bounds, count, mean confidence, observed precision, gap."""
    sums: dict[int, list[float]] = {}
    for confidence, right in pairs:
        row = sums.setdefault(bin_of(confidence, n_bins), [0, 0.0, 0])
        row[0] += 1
        row[1] += confidence
        row[2] += bool(right)
    out = []
    for k in sorted(sums):
        n, conf_sum, hits = sums[k]
        mean_conf, precision = conf_sum / n, hits / n
        out.append(
            {
                "lo": round(k / n_bins, 6),
                "hi": round((k + 1) / n_bins, 6),
                "n": n,
                "right": hits,
                "mean_confidence": mean_conf,
                "precision": precision,
                "precision_ci95": wilson(hits, n),
                "gap": mean_conf - precision,
            }
        )
    return out


def wilson(right: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a precision ``right / n``: how much a bin of a few codes can say."""
    if n == 0:
        return (0.0, 1.0)
    p = right / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def expected_calibration_error(pairs: list[Pair], n_bins: int = 10) -> float:
    """ECE: sum over bins of (bin count / total) * |mean confidence - precision|."""
    if not pairs:
        return 0.0
    return sum(row["n"] * abs(row["gap"]) for row in reliability(pairs, n_bins)) / len(pairs)


def brier(pairs: list[Pair]) -> float:
    """Mean of (confidence - label)^2; 0 is perfect, 0.25 is a constant 0.5."""
    if not pairs:
        return 0.0
    return sum((c - float(bool(y))) ** 2 for c, y in pairs) / len(pairs)


def auroc(pairs: list[Pair]) -> float | None:
    """Probability that a right code has a higher confidence than a wrong one (ties count half);
    None when every code is right or every code is wrong."""
    ranked = sorted(pairs, key=lambda p: p[0])
    n_pos = sum(1 for _, y in pairs if y)
    n_neg = len(pairs) - n_pos
    if not n_pos or not n_neg:
        return None
    # Mann-Whitney U with mid-ranks for ties
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mid = (i + 1 + j) / 2  # ranks i+1 .. j
        rank_sum += mid * sum(1 for _, y in ranked[i:j] if y)
        i = j
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def precision_at(pairs: list[Pair], threshold: float) -> dict:
    """Precision and count of the codes at or above ``threshold``."""
    kept = [y for c, y in pairs if c >= threshold]
    return {
        "threshold": threshold,
        "n": len(kept),
        "precision": sum(map(bool, kept)) / len(kept) if kept else None,
    }


def summarize(pairs: list[Pair], n_bins: int = 10, thresholds: tuple[float, ...] = THRESHOLDS) -> dict:
    n = len(pairs)
    return {
        "n": n,
        "right": sum(1 for _, y in pairs if y),
        "precision": sum(1 for _, y in pairs if y) / n if n else None,
        "mean_confidence": sum(c for c, _ in pairs) / n if n else None,
        "ece": expected_calibration_error(pairs, n_bins),
        "brier": brier(pairs),
        "auroc": auroc(pairs),
        "bins": reliability(pairs, n_bins),
        "precision_at": [precision_at(pairs, t) for t in thresholds],
    }


def label_in_order(codes: list[str], alternatives: list[set[str]], used: set[int] | None = None) -> list[bool]:
    """``score.py``'s matching for one note: each code (dots removed, in the order given) is right
    when it matches an item that no earlier code matched; ``used`` carries the items already taken
    (updated in place) so a second list can continue after the first."""
    used = set() if used is None else used
    out = []
    for code in codes:
        hit = next((i for i, alts in enumerate(alternatives) if code in alts and i not in used), None)
        if hit is not None:
            used.add(hit)
        out.append(hit is not None)
    return out


def norm(code: str) -> str:
    return str(code).upper().replace(".", "").strip()


# -- runs ---------------------------------------------------------------------------------------


def _score_module(path: Path):
    spec = importlib.util.spec_from_file_location("us_coding_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _provenance() -> dict:
    """The medcoder tree measured: its commit and whether its src/ had uncommitted changes."""
    import medcoder

    root = Path(medcoder.__file__).resolve().parents[2]

    def git(*args: str) -> str:
        try:
            proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True)
        except (OSError, subprocess.CalledProcessError):
            return ""
        return proc.stdout.strip()

    return {
        "medcoder_src": str(root / "src"),
        "commit": git("rev-parse", "--short", "HEAD") or None,
        "src_dirty": bool(git("status", "--porcelain", "--", "src")),
        "version": medcoder.__version__,
    }


def _fresh_home(shared: Path, pcs: tuple[str, ...]) -> tempfile.TemporaryDirectory:
    """A fresh MEDCODER_HOME with what a user would install from the official files (as
    ``bench/us_coding.py`` and ``bench/codiesp.py`` do)."""
    home = tempfile.TemporaryDirectory(prefix="medcoder-bench-")
    os.environ["MEDCODER_HOME"] = home.name
    from medcoder.codesets.install import install

    install(shared / "codesets/icd10cm/2026")
    for release in pcs:
        install(shared / f"codesets/icd10pcs/{release}")
    return home


def run_us(shared: Path, out: Path, split: str, n_bins: int) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from us_coding import load  # the benchmark's own notes, settings and encounters

    bench = shared / "benchmarks/us-coding"
    home = _fresh_home(shared, ("2026",))  # noqa: F841 - kept alive for the run
    from medcoder.cli.views import coding_jsonl
    from medcoder.pipeline import Pipeline

    encounters, gold = load(bench / split)
    pipeline = Pipeline()
    threshold = pipeline.coder.threshold(pipeline.coder.model)
    started = time.perf_counter()
    results = {e.id: pipeline.run(e) for e in encounters}
    seconds = time.perf_counter() - started

    reported: list[Pair] = []
    below: list[Pair] = []
    rows = []
    dropped: dict[str, int] = {}  # considered, not reported: how many each rule (or the threshold) took
    for encounter in encounters:
        result = results[encounter.id]
        items = [it for it in gold[encounter.id]["items"] if it.get("system", "CM") == "CM"]
        alternatives = [{norm(c) for c in it["codes"]} for it in items]
        used: set[int] = set()
        # score.py: diagnoses in sequence order, the first of each code only
        dx = sorted(result.diagnoses, key=lambda d: d.sequence or 999)
        first: dict[str, float] = {}
        for d in dx:
            first.setdefault(norm(d.code), d.confidence)
        labels = label_in_order(list(first), alternatives, used)
        reported += list(zip(first.values(), labels, strict=True))
        under = {}
        for n in sorted(result.not_reported, key=lambda n: -n.confidence):
            dropped[n.rule] = dropped.get(n.rule, 0) + 1
            if n.rule == "threshold" and n.system == "ICD-10-CM" and norm(n.code) not in first:
                under.setdefault(norm(n.code), n.confidence)
        under_labels = label_in_order(list(under), alternatives, used)
        below += list(zip(under.values(), under_labels, strict=True))
        rows.append(
            {
                "id": encounter.id,
                "reported": [[c, conf, y] for (c, conf), y in zip(first.items(), labels, strict=True)],
                "below_threshold": [[c, conf, y] for (c, conf), y in zip(under.items(), under_labels, strict=True)],
            }
        )

    # the labels must be score.py's: score the same predictions with it and compare
    pred = out / f"calibration-{split}-pred.jsonl"
    with pred.open("w", encoding="utf-8") as fh:
        for encounter in encounters:
            fh.write(json.dumps(coding_jsonl(results[encounter.id]), ensure_ascii=False) + "\n")
    official = _score_module(bench / "score.py").score(str(bench / split / "gold.jsonl"), str(pred))["CM"]
    right = sum(1 for _, y in reported if y)
    if official["predicted"] != len(reported) or round(right / len(reported), 4) != official["P"]:
        raise SystemExit(
            f"labels disagree with score.py: {right}/{len(reported)} right here, "
            f"score.py P={official['P']} of {official['predicted']}"
        )

    return {
        "set": f"us-coding/{split}",
        "site_model": None,
        "threshold": threshold,
        "notes": len(encounters),
        "seconds": round(seconds, 1),
        "score_py_CM": official,
        "not_reported_by_rule": dict(sorted(dropped.items(), key=lambda x: -x[1])),
        "provenance": _provenance(),
        "runs": {
            "reported": summarize(reported, n_bins),
            "reported_and_below_threshold": summarize(reported + below, n_bins),
        },
        "per_note": rows,
    }


def run_codiesp(shared: Path, out: Path, n_bins: int) -> dict:
    codiesp = shared / "benchmarks/codiesp"
    home = _fresh_home(shared, ("2025", "2026"))  # noqa: F841 - as bench/codiesp.py installs
    from medcoder.coding.engine import Coder
    from medcoder.coding.training import read_training_set, read_tsv_codes, train
    from medcoder.models import Document, Encounter

    coder = Coder()
    started = time.perf_counter()
    examples = read_training_set(codiesp / "train/text_en", [codiesp / "train/trainD.tsv"])
    model = train(examples, coder)
    train_s = time.perf_counter() - started

    dev = [
        Encounter(id=p.stem, setting="inpatient", documents=[Document(id=p.stem, text=p.read_text(encoding="utf-8"))])
        for p in sorted((codiesp / "dev/text_en").glob("*.txt"))
    ]
    index = coder.index(coder.release_for(None))
    strict: dict[str, set[str]] = {}
    resolved: dict[str, set[str]] = {}
    for doc, codes in read_tsv_codes([codiesp / "dev/devD.tsv"]).items():
        strict[doc] = {norm(c) for c in codes}
        # as training reads a history: a code that is a header in this release counts as the
        # billable code medcoder would report
        for raw in codes:
            key = index.normalize(raw)
            hit = index.resolve(key) if key else None
            resolved.setdefault(doc, set()).add(norm(hit.code if hit else raw))

    report: dict = {
        "set": "codiesp/dev",
        "train": {"encounters": len(examples), "seconds": round(train_s, 1), "threshold": model.threshold},
        "provenance": _provenance(),
        "runs": {},
    }
    for name, m in (("with_site_model", model), ("without_site_model", None)):
        run_coder = Coder(coder.kb, m)
        threshold = run_coder.threshold(m)
        pairs: dict[str, dict[str, list[Pair]]] = {
            "strict": {"reported": [], "below": []},
            "resolved": {"reported": [], "below": []},
        }
        for encounter in dev:
            result = run_coder.code(encounter)
            reported = {}
            for d in result.diagnoses:
                reported.setdefault(norm(d.code), d.confidence)
            below = {}
            for n in result.not_reported:
                if n.rule == "threshold" and norm(n.code) not in reported:
                    below.setdefault(norm(n.code), n.confidence)
            for key, gold in (("strict", strict), ("resolved", resolved)):
                g = gold.get(encounter.id, set())
                pairs[key]["reported"] += [(c, code in g) for code, c in reported.items()]
                pairs[key]["below"] += [(c, code in g) for code, c in below.items()]
        report["runs"][name] = {
            "threshold": threshold,
            **{
                f"{key}_{part}": summarize(value["reported"] + (value["below"] if part != "reported" else []), n_bins)
                for key, value in pairs.items()
                for part in ("reported", "reported_and_below_threshold")
            },
        }
    return report


# -- output -------------------------------------------------------------------------------------


def _fmt(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def table(title: str, summary: dict) -> str:
    lines = [
        f"{title}: {summary['n']} codes, {summary['right']} right (precision {_fmt(summary['precision'])}, "
        f"mean confidence {_fmt(summary['mean_confidence'])})",
        "  confidence      n  mean conf  precision  (95% CI)          gap",
    ]
    for row in summary["bins"]:
        lo, hi = row["precision_ci95"]
        lines.append(
            f"  {row['lo']:.1f}-{row['hi']:.1f}  {row['n']:8d}  {row['mean_confidence']:9.3f}"
            f"  {row['precision']:9.3f}  ({lo:.2f}-{hi:.2f})  {row['gap']:+6.3f}"
        )
    lines.append(
        f"  ECE {summary['ece']:.4f}   Brier {summary['brier']:.4f}   AUROC {_fmt(summary['auroc'])}"
        + "   precision at "
        + ", ".join(f">={p['threshold']:.1f}: {_fmt(p['precision'])} (n={p['n']})" for p in summary["precision_at"])
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("MEDCODER_SHARED", str(REPO.parent / "shared")))
    parser.add_argument("--out", default=str(REPO / "bench" / "out"))
    parser.add_argument("--split", default="dev", help="split of the US coding reference set")
    parser.add_argument("--bins", type=int, default=10, help="equal-width confidence bins")
    parser.add_argument("--codiesp", action="store_true", help="the site-model path on CodiEsp dev instead")
    parser.add_argument("--json", action="store_true", help="print the JSON report instead of tables")
    args = parser.parse_args()
    shared = Path(args.shared)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    if args.codiesp:
        report = run_codiesp(shared, out, args.bins)
        path = out / "calibration-codiesp-dev.json"
    else:
        report = run_us(shared, out, args.split, args.bins)
        path = out / f"calibration-{args.split}.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps({k: v for k, v in report.items() if k != "per_note"}, indent=2))
        return
    prov = report["provenance"]
    print(
        f"{report['set']}  medcoder {prov['version']} at {prov['commit']}"
        + (" + uncommitted src changes" if prov["src_dirty"] else "")
    )
    if args.codiesp:
        train = report["train"]
        print(f"site model trained on {train['encounters']} CodiEsp train notes in {train['seconds']} s")
        for name, run in report["runs"].items():
            print(f"\n== {name.replace('_', ' ')} (reporting threshold {run['threshold']:.4f})")
            for key, summary in run.items():
                if key != "threshold":
                    print(table(key.replace("_", " "), summary))
    else:
        print(
            f"{report['notes']} notes, no site model, reporting threshold {report['threshold']:.2f}; "
            f"score.py CM P={report['score_py_CM']['P']} R={report['score_py_CM']['R']}"
        )
        print(
            "considered, not reported: "
            + ", ".join(f"{rule} {n}" for rule, n in report["not_reported_by_rule"].items())
        )
        runs = report["runs"]
        print()
        print(table("reported", runs["reported"]))
        print()
        if runs["reported_and_below_threshold"]["n"] == runs["reported"]["n"]:
            print("no considered code fell below the reporting threshold: nothing to add below it")
        else:
            print(table("reported and below threshold", runs["reported_and_below_threshold"]))
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
