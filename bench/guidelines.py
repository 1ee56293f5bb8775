"""Official Guidelines scenario benchmark: does the engine follow the ICD-10-CM Official Guidelines for
Coding and Reporting FY2026 on short scenarios?  The engine's defaults, **no site model**.

    python bench/guidelines.py [CASES.jsonl ...] [--dev] [--shared ../shared] [--failures] [--json OUT]

1. a fresh temporary MEDCODER_HOME with what a user would install from the official files in
   ``$MEDCODER_SHARED`` (default ``../shared`` beside the repository): the bundled ICD-10-CM April 2026
   tabular list plus the 2026 Table of Drugs, Neoplasm Table and External Cause Index (and
   ICD-10-PCS FY2026 where it is there, for the few procedure cases),
2. every scenario of each case file coded by the whole pipeline, the way
   ``medcoder code FILE --setting S`` does: one encounter per scenario (id = scenario id, the
   scenario's setting, one document whose text is the scenario text),
3. scored as ``benchmarks/guidelines/score.py`` scores it: a scenario is right when every ``must``
   group has one of its codes among the reported codes (diagnoses, and procedures for the PCS
   cases), no ``must_not`` code is reported, and, when ``first`` is given, the first diagnosis (by
   sequence) is one of ``first``; codes are compared upper-case without dots.

Case files: our own suites by default -- ``bench/guidelines/scenarios.jsonl`` and the chapter files
``bench/guidelines/scenarios_<area>.jsonl`` (written from the guideline text); the held-out suites
``holdout*.jsonl`` only when named; ``--dev`` adds ``$MEDCODER_SHARED/benchmarks/guidelines/dev.jsonl``, which is only
measured here, never tuned on.  Prints right / total and percent per file, each failing case with
``--failures``, and writes the whole report as JSON with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "bench" / "guidelines" / "scenarios.jsonl"
# our own suites: scenarios.jsonl and the chapter files scenarios_<area>.jsonl (the held-out suites
# holdout*.jsonl are run only when named)
OWN_SUITES = sorted((REPO / "bench" / "guidelines").glob("scenarios*.jsonl"))


def norm(code: str) -> str:
    return str(code).upper().replace(".", "").strip()


def read_cases(path: Path) -> list[dict]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{path}:{number}: not JSON: {exc}") from exc
        missing = {"id", "setting", "text", "must"} - case.keys()
        if missing:
            raise SystemExit(f"{path}:{number}: missing {', '.join(sorted(missing))}")
        cases.append(case)
    return cases


def check_cases(cases: list[dict]) -> list[str]:
    """Unique ids, a known setting, and every code (must, must_not, first) a valid billable ICD-10-CM
    April 2026 code (PCS codes, 7 characters starting with a digit, are left to the PCS tables)."""
    import simple_icd_10_cm as cm

    problems, seen = [], set()
    for case in cases:
        if case["id"] in seen:
            problems.append(f"{case['id']}: duplicate id")
        seen.add(case["id"])
        if case["setting"] not in {"inpatient", "outpatient", "professional"}:
            problems.append(f"{case['id']}: unknown setting {case['setting']!r}")
        codes = [a for alts in case["must"] for a in alts] + list(case.get("must_not") or [])
        codes += list(case.get("first") or [])
        for code in codes:
            if len(norm(code)) == 7 and norm(code)[0].isdigit():
                continue
            if not (cm.is_valid_item(code) and cm.is_leaf(code)):
                problems.append(f"{case['id']}: {code} is not a billable ICD-10-CM code")
        must = {norm(a) for alts in case["must"] for a in alts}
        problems += [
            f"{case['id']}: {code} both in must and must_not"
            for code in case.get("must_not") or []
            if norm(code) in must
        ]
    return problems


def score_case(case: dict, diagnoses: list[str], procedures: list[str]) -> dict:
    """``diagnoses`` in sequence order (first = principal / first-listed), all normalised."""
    reported = set(diagnoses) | set(procedures)
    missing = [alts for alts in case["must"] if not any(norm(a) in reported for a in alts)]
    wrong = [code for code in case.get("must_not") or [] if norm(code) in reported]
    first = case.get("first")
    first_wrong = bool(first) and (not diagnoses or diagnoses[0] not in {norm(a) for a in first})
    return {
        "id": case["id"],
        "section": case.get("section", ""),
        "setting": case["setting"],
        "right": not missing and not wrong and not first_wrong,
        "reported": diagnoses + procedures,
        "missing": missing,
        "wrong": wrong,
        "first_expected": first if first_wrong else None,
        "first_got": (diagnoses[0] if diagnoses else None) if first_wrong else None,
    }


def code_cases(pipeline, cases: list[dict]) -> list[dict]:
    from medcoder.models import Document, Encounter

    rows = []
    for case in cases:
        encounter = Encounter(
            id=case["id"], setting=case["setting"], documents=[Document(id=case["id"], text=case["text"])]
        )
        result = pipeline.run(encounter)
        ordered = sorted(result.diagnoses, key=lambda a: a.sequence or 999)
        diagnoses = [norm(a.code) for a in ordered]
        procedures = [norm(a.code) for a in result.procedures]
        rows.append(score_case(case, diagnoses, procedures))
    return rows


def area(section: str) -> str:
    """The guideline area of a section id: ``I.A``, ``I.B``, ``I.C.9``, ``II``, ``III``, ``IV``."""
    parts = [p for p in section.replace(" ", ".").split(".") if p]
    if not parts:
        return "?"
    if parts[0] == "I" and len(parts) > 1:
        return "I.C." + parts[2] if parts[1] == "C" and len(parts) > 2 else "I." + parts[1]
    return parts[0]


def order(item: tuple[str, object]) -> tuple:
    """Guideline areas in book order: I.A, I.B, I.C.1 .. I.C.21, II, III, IV."""
    parts = item[0].split(".")
    roman = {"I": 1, "II": 2, "III": 3, "IV": 4}.get(parts[0], 9)
    return (roman, *(int(p) if p.isdigit() else p for p in parts[1:]))


def failure_kind(row: dict) -> list[str]:
    kinds = []
    if row["missing"]:
        kinds.append("missing")
    if row["wrong"]:
        kinds.append("must_not reported")
    if row["first_expected"]:
        kinds.append("first wrong")
    return kinds


def describe(row: dict) -> str:
    parts = [f"{row['id']} ({row['section']}, {row['setting']}): got {' '.join(row['reported']) or 'nothing'}"]
    if row["missing"]:
        parts.append("missing " + ", ".join("/".join(alts) for alts in row["missing"]))
    if row["wrong"]:
        parts.append("wrong " + ", ".join(row["wrong"]))
    if row["first_expected"]:
        parts.append(f"first {row['first_got'] or '-'} not in {'/'.join(row['first_expected'])}")
    return " | ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "cases", nargs="*", type=Path, help="case files (default: our own suites, bench/guidelines/scenarios*.jsonl)"
    )
    parser.add_argument("--shared", default=os.environ.get("MEDCODER_SHARED", str(REPO.parent / "shared")))
    parser.add_argument(
        "--dev", action="store_true", help="also score $MEDCODER_SHARED/benchmarks/guidelines/dev.jsonl"
    )
    parser.add_argument("--check", action="store_true", help="only check the case files (ids, codes), code nothing")
    parser.add_argument("--failures", action="store_true", help="print each failing case")
    parser.add_argument("--json", dest="json_out", type=Path, help="write the report (every case) as JSON here")
    args = parser.parse_args()
    shared = Path(args.shared)
    files = list(args.cases) or OWN_SUITES
    if args.dev:
        files.append(shared / "benchmarks/guidelines/dev.jsonl")
    for path in files:
        if not path.is_file():
            sys.exit(f"no case file {path}")
    if args.check:
        problems = [f"{path}: {problem}" for path in files for problem in check_cases(read_cases(path))]
        print("\n".join(problems) or f"{len(files)} case file(s) OK")
        sys.exit(1 if problems else 0)

    home = tempfile.TemporaryDirectory(prefix="medcoder-guidelines-")
    # Before any medcoder module opens the knowledge base: a fresh home, not the user's.
    os.environ["MEDCODER_HOME"] = home.name
    from medcoder.codesets.install import install
    from medcoder.pipeline import Pipeline

    cm = shared / "codesets/icd10cm/2026"
    if not cm.is_dir():
        sys.exit(f"no ICD-10-CM 2026 release files in {cm} (set --shared or MEDCODER_SHARED)")
    install(cm)
    pcs = shared / "codesets/icd10pcs/2026"
    if pcs.is_dir():
        install(pcs)
    pipeline = Pipeline()

    report: dict = {"files": []}
    for path in files:
        rows = code_cases(pipeline, read_cases(path))
        right = sum(row["right"] for row in rows)
        kinds = Counter(kind for row in rows if not row["right"] for kind in failure_kind(row))
        by_area: dict[str, list[int]] = {}
        for row in rows:
            counts = by_area.setdefault(area(row["section"]), [0, 0])
            counts[0] += row["right"]
            counts[1] += 1
        percent = round(100 * right / len(rows), 1) if rows else 0.0
        print(f"{path}: {right}/{len(rows)} scenarios right ({percent}%)")
        print("  by guideline area: " + ", ".join(f"{s} {r}/{n}" for s, (r, n) in sorted(by_area.items(), key=order)))
        if kinds:
            print("  failures: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
        if args.failures:
            for row in rows:
                if not row["right"]:
                    print("  wrong:", describe(row))
        report["files"].append(
            {
                "file": str(path),
                "right": right,
                "total": len(rows),
                "percent": percent,
                "by_area": {s: {"right": r, "total": n} for s, (r, n) in sorted(by_area.items(), key=order)},
                "failure_kinds": dict(kinds),
                "cases": rows,
            }
        )
    pipeline.close()
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
