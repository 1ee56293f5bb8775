"""Claim edits on real US transcribed notes: how many errors a coder is shown per note.

    python bench/mtsamples_edits.py [--shared ../shared] [--setting inpatient]

Codes every note of ``benchmarks/mtsamples/mtsamples-surgery-urology.csv`` (322 transcriptions, no
gold codes) exactly as ``medcoder code NOTE.txt --setting inpatient`` does -- each written to a
temporary ``.txt`` file and read by the plain-text reader, so the note carries no signature or
registration data -- and prints JSON: notes coded, notes refused (empty transcriptions), edits per
note by severity, and the error edits per rule.  An error here should be a real problem of the
coding (an invalid code, an Excludes1 pair, an MCE conflict), not something a text file cannot say.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import tempfile
from pathlib import Path

from medcoder.errors import ReadError
from medcoder.ingest import read_paths
from medcoder.models import Setting
from medcoder.pipeline import Pipeline

REPO = Path(__file__).resolve().parents[1]
CSV = "benchmarks/mtsamples/mtsamples-surgery-urology.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("MEDCODER_SHARED", REPO.parent / "shared")))
    parser.add_argument("--setting", choices=[s.value for s in Setting], default="inpatient")
    args = parser.parse_args()

    with (args.shared / CSV).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    severities: collections.Counter[str] = collections.Counter()
    errors: collections.Counter[str] = collections.Counter()
    coded = refused = 0
    pipeline = Pipeline()
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for number, row in enumerate(rows):
            path = Path(folder) / f"mtsamples-{number:04d}.txt"
            path.write_text(row["transcription"] or "", encoding="utf-8")
            paths.append(path)
        for item in read_paths(paths, setting=Setting(args.setting)):
            if isinstance(item, ReadError):
                refused += 1
                continue
            coded += 1
            for edit in pipeline.run(item).edits:
                severities[edit.severity.value] += 1
                if edit.severity.value == "error":
                    errors[edit.rule_id] += 1
    pipeline.close()
    print(
        json.dumps(
            {
                "notes": len(rows),
                "coded": coded,
                "refused": refused,
                "setting": args.setting,
                "edits_per_note": {s: round(severities[s] / coded, 2) for s in ("error", "warning", "info")},
                "errors_by_rule": dict(errors.most_common()),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
