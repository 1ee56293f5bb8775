"""MS-DRG grouping speed through ``DrgGrouper.group`` over the 3,000-claim CMS parity file.

    python bench/grouping.py [--shared ../shared] [--repeat 3]

Prints JSON: claims per second without and with the per-diagnosis what-if impact (one extra
grouping per secondary diagnosis), best of ``--repeat`` runs on one core, and the parity count.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import time
from pathlib import Path

from medcoder.grouping.claims import Claim
from medcoder.grouping.msdrg import DrgGrouper

REPO = Path(__file__).resolve().parents[1]
PARITY = "benchmarks/msdrg-parity/claims_v431_cms_java.tsv"


def parity_claims(path: Path) -> list[tuple[Claim, str]]:
    """The parity README's demographics: age 65, discharge status 1, POA Y, a v43.1 discharge date."""
    cases = []
    for line in path.read_text().splitlines():
        sex, principal, secondary, procedures, drg = line.split("\t")
        claim = Claim(
            discharge_date=dt.date(2026, 5, 1),
            age=65,
            sex=sex,
            discharge_status=1,
            diagnoses=[{"code": code, "poa": "Y"} for code in [principal, *filter(None, secondary.split(","))]],
            procedures=[{"code": code} for code in procedures.split(",") if code],
        )
        cases.append((claim, f"{int(drg):03d}"))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("MEDCODER_SHARED", REPO.parent / "shared")))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    cases = parity_claims(args.shared / PARITY)
    claims = [claim for claim, _ in cases]
    report: dict[str, object] = {"claims": len(claims), "python": platform.python_version()}
    with DrgGrouper() as grouper:
        for label, impact in (("without_impact", False), ("with_impact", True)):
            best = float("inf")
            for _ in range(args.repeat):
                started = time.perf_counter()
                results = [grouper.group(claim, impact=impact) for claim in claims]
                best = min(best, time.perf_counter() - started)
            report[f"{label}_claims_per_s"] = round(len(claims) / best)
            report[f"{label}_seconds"] = round(best, 3)
        report["parity_match"] = sum(result.drg == drg for result, (_, drg) in zip(results, cases, strict=True))
        report["secondary_dx_per_claim"] = round(sum(len(c.secondaries) for c in claims) / len(claims), 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
