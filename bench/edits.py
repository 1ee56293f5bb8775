"""Claim-edit speed through ``EditEngine.report`` (the library path of ``medcoder edit``).

    python bench/edits.py [--shared ../shared] [--repeat 3]

Runs every rule of the default payer profile over the 3,000 inpatient claims of the MS-DRG parity
file (validity, conventions, MCE with its leave-one-out attribution, POA, documentation) with the
bundled ICD-10-CM release, and over the same claims as professional claims with NCCI PTP / MUE
tables of 100,000 generated pairs / codes (their lookups, not their contents, are what is timed).
Prints JSON: claims per second (best of ``--repeat``, one core) and the edits found per rule.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from grouping import parity_claims
from medcoder.edits.engine import EditEngine, References
from medcoder.edits.profile import PayerProfile
from medcoder.edits.reference import MueTable, PoaExemptList, PtpTable
from medcoder.grouping.claims import Claim

REPO = Path(__file__).resolve().parents[1]
PARITY = "benchmarks/msdrg-parity/claims_v431_cms_java.tsv"


def _reference_tables(folder: Path) -> References:
    ptp = folder / "ccipra-bench.txt"
    lines = ["Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date *=no data\tModifier\t"]
    lines += [f"{10000 + i % 90000:05d}\t{20000 + (i * 7) % 70000:05d}\t\t20200101\t*\t1\t" for i in range(100_000)]
    ptp.write_text("\n".join(lines) + "\n")
    mue = folder / "mue-bench.csv"
    rows = ["HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale"]
    rows += [f"{10000 + i:05d},{1 + i % 4},{1 + i % 3} Edit,Data" for i in range(90_000)]
    mue.write_text("\n".join(rows) + "\n")
    return References(ptp=PtpTable.read(ptp), mue=MueTable.read(mue), poa_exempt=PoaExemptList.bundled())


def _time(engine: EditEngine, claims: list, repeat: int) -> tuple[float, list]:
    best, reports = float("inf"), []
    for _ in range(repeat):
        started = time.perf_counter()
        reports = [engine.report(claim) for claim in claims]
        best = min(best, time.perf_counter() - started)
    return best, reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("MEDCODER_SHARED", REPO.parent / "shared")))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    claims = [claim for claim, _ in parity_claims(args.shared / PARITY)]
    for claim in claims:
        claim.admit_date = claim.discharge_date
    report: dict[str, object] = {"claims": len(claims), "python": platform.python_version()}
    with tempfile.TemporaryDirectory() as home:
        os.environ["MEDCODER_HOME"] = home
        with EditEngine(references=References(poa_exempt=PoaExemptList.bundled())) as engine:
            seconds, reports = _time(engine, claims, args.repeat)
        report["inpatient_claims_per_s"] = round(len(claims) / seconds)
        report["inpatient_edits_by_rule"] = dict(
            collections.Counter(e.rule_id for r in reports for e in r.edits).most_common()
        )
        professional = []
        for i, claim in enumerate(claims):
            codes = [f"{10000 + (i * 13 + k) % 90000:05d}" for k in range(4)]
            professional.append(
                Claim.model_validate(
                    {
                        **claim.model_dump(),
                        "setting": "professional",
                        "service_date": claim.discharge_date,
                        "procedures": [{"code": c, "units": 1 + k % 3} for k, c in enumerate(codes)],
                    }
                )
            )
        with tempfile.TemporaryDirectory() as folder:
            references = _reference_tables(Path(folder))
        with EditEngine(profile=PayerProfile.default(), references=references) as engine:
            seconds, reports = _time(engine, professional, args.repeat)
        report["professional_claims_per_s"] = round(len(professional) / seconds)
        report["professional_edits_by_rule"] = dict(
            collections.Counter(e.rule_id for r in reports for e in r.edits).most_common(8)
        )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
