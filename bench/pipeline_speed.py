"""Speed of the whole pipeline without a site model (issue 9): CodiEsp dev documents as inpatient
stays through ``Pipeline.run`` -- ICD-10-CM + ICD-10-PCS + POA + MS-DRG + edits.

    python bench/pipeline_speed.py [--shared ../shared] [--profile]

A fresh temporary MEDCODER_HOME with the official ICD-10-CM 2026 drug / neoplasm / external cause
files and ICD-10-PCS FY2026 from ``../shared``; every dev document is an inpatient encounter (age
and discharge date given, so grouping runs).  Two passes: the first warms the caches, the second is
timed (wall and CPU seconds of this one process: one core).  Prints documents per second and peak
memory (RSS).  ``--profile`` prints the 25 most expensive functions of the timed pass.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("MEDCODER_SHARED", str(REPO.parent / "shared")))
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    shared = Path(args.shared)
    home = tempfile.TemporaryDirectory(prefix="medcoder-bench-")
    os.environ["MEDCODER_HOME"] = home.name
    from medcoder.codesets.install import install
    from medcoder.models import Document, Encounter, Patient
    from medcoder.pipeline import Pipeline

    install(shared / "codesets/icd10cm/2026")
    install(shared / "codesets/icd10pcs/2026")
    encounters = [
        Encounter(
            id=path.stem,
            setting="inpatient",
            patient=Patient(age=60, sex="F"),
            admit_date=dt.date(2026, 5, 1),
            discharge_date=dt.date(2026, 5, 4),
            discharge_status="01",
            documents=[Document(id=path.stem, text=path.read_text(encoding="utf-8"))],
        )
        for path in sorted((shared / "benchmarks/codiesp/dev/text_en").glob("*.txt"))
    ]
    pipeline = Pipeline()
    for encounter in encounters:
        pipeline.run(encounter)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    wall, cpu = time.perf_counter(), time.process_time()
    for encounter in encounters:
        pipeline.run(encounter)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    report = {
        "documents": len(encounters),
        "docs_per_s": round(len(encounters) / wall, 1),
        "docs_per_cpu_s": round(len(encounters) / cpu, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
