"""US coding reference set benchmark (issue 9): the engine's defaults, **no site model**.

    python bench/us_coding.py [--shared ../shared] [--out bench/out] [--split dev] [--per-note]

1. a fresh temporary MEDCODER_HOME with what a user would install from the official files in
   ``../shared``: the bundled ICD-10-CM April 2026 tabular list plus the 2026 Table of Drugs,
   Neoplasm Table and External Cause Index, and ICD-10-PCS FY2026,
2. every note of ``benchmarks/us-coding/<split>/notes`` coded by the whole pipeline (what
   ``medcoder code NOTE --setting S --format jsonl`` prints) in the setting the reference gives it,
3. scored with the set's own ``score.py`` (precision, recall, principal / first-listed, E/M),
4. counts, over the whole set, predicted codes whose evidence sits in a negated or normal finding
   (the reference's "no negated or normal finding coded" check is a reading of the wrong codes;
   this only lists the wrong codes with their evidence for that reading),
5. documents per second (second pass, caches warm) and peak memory.

The notes are only measured here, never tuned on.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]


def load(split: Path) -> tuple[list, dict]:
    from medcoder.models import Document, Encounter

    gold = {}
    for line in (split / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            g = json.loads(line)
            gold[g["id"]] = g
    encounters = []
    for note_id, g in gold.items():
        text = (split / "notes" / f"{note_id}.txt").read_text(encoding="utf-8")
        encounters.append(Encounter(id=note_id, setting=g["setting"], documents=[Document(id=note_id, text=text)]))
    return encounters, gold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("MEDCODER_SHARED", str(REPO.parent / "shared")))
    parser.add_argument("--out", default=str(REPO / "bench" / "out"))
    parser.add_argument("--split", default="dev")
    parser.add_argument("--per-note", action="store_true", help="print each note's wrong and missed codes")
    args = parser.parse_args()
    shared = Path(args.shared)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    bench = shared / "benchmarks/us-coding"

    home = tempfile.TemporaryDirectory(prefix="medcoder-bench-")
    os.environ["MEDCODER_HOME"] = home.name
    from medcoder.cli.views import coding_jsonl
    from medcoder.codesets.install import install
    from medcoder.pipeline import Pipeline

    install(shared / "codesets/icd10cm/2026")
    install(shared / "codesets/icd10pcs/2026")
    encounters, _ = load(bench / args.split)
    pipeline = Pipeline()
    results = {e.id: pipeline.run(e) for e in encounters}  # first pass: warms the caches
    started = time.perf_counter()
    for encounter in encounters:
        pipeline.run(encounter)
    docs_per_s = len(encounters) / (time.perf_counter() - started)

    pred = out / f"us-coding-{args.split}-pred.jsonl"
    with pred.open("w", encoding="utf-8") as fh:
        for encounter in encounters:
            fh.write(json.dumps(coding_jsonl(results[encounter.id]), ensure_ascii=False) + "\n")
    proc = subprocess.run(
        [
            sys.executable,
            str(bench / "score.py"),
            str(bench / args.split / "gold.jsonl"),
            str(pred),
            "--json",
            "--per-note",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    scores = json.loads(proc.stdout)
    notes = scores.pop("notes")
    wrong_evidence = []
    for row in notes:
        by_code = {d["code"].replace(".", ""): d for d in coding_jsonl(results[row["id"]])["diagnoses"]}
        for code in row["CM"]["wrong"]:
            d = by_code.get(code, {})
            quote = "; ".join(e["text"] for e in d.get("evidence", []))
            wrong_evidence.append({"id": row["id"], "code": d.get("code", code), "evidence": quote})
    report = {
        "split": args.split,
        "scores": scores,
        "docs_per_s": round(docs_per_s, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    (out / f"us-coding-{args.split}.json").write_text(
        json.dumps(report | {"notes": notes, "wrong": wrong_evidence}, indent=2) + "\n", encoding="utf-8"
    )
    if args.per_note:
        for row in notes:
            print(
                row["id"],
                "pdx ok" if row.get("principal_right") else "pdx WRONG",
                "| wrong:",
                " ".join(row["CM"]["wrong"]) or "-",
                "| missed:",
                " ".join(row["CM"]["missed"]) or "-",
            )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
