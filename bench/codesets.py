"""Code-set knowledge base benchmark: build time, cold `show`, lookup latency, peak memory.

    python bench/codesets.py [--shared ../shared] [--queries 1000] [--out bench/out/codesets.json]

Runs in a fresh temporary MEDCODER_HOME: installs the official files from ../shared (ICD-10-PCS
2025 and 2026, the ICD-10-CM 2026 Table of Drugs, Neoplasm Table and External Cause Index) beside
the bundled ICD-10-CM April 2026 tabular list, then measures
  * knowledge-base build from scratch (subprocess, wall time and peak RSS),
  * cold start of `medcoder show E11.40` and `medcoder show 0DTJ4ZZ` (new process each, median of 10),
  * lookup latency p50 / p99 over N varied queries (short terms, long phrases, abbreviations,
    misspellings) generated reproducibly from the code set itself, after a warm-up,
  * peak RSS of the lookup process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.strip()}")
    return elapsed, proc.stdout


def make_queries(kb, n: int, seed: int = 20261122) -> list[tuple[str, str, str]]:
    """(kind, query, source code) triples: short terms, long phrases, abbreviations, misspellings."""
    from medcoder.codesets.lexicon import abbreviations

    rng = random.Random(seed)
    rid = kb.release("ICD-10-CM").release_id
    # Codes as a coder would look them up: not the 7th-character expansions (reached via their base).
    descriptions = kb.query(
        "SELECT description, code FROM cm_nodes WHERE release_id = ? AND kind != 'chapter' "
        "AND kind != 'section' AND (seventh IS NOT NULL OR seventh_from IS NULL) ORDER BY ord",
        (rid,),
    )
    words = re.compile(r"[A-Za-z]{4,}")
    abbr = sorted(abbreviations().items())
    queries: list[tuple[str, str, str]] = []
    kinds = ["short", "long", "abbreviation", "misspelling"]
    while len(queries) < n:
        kind = kinds[len(queries) % 4]
        desc, code = rng.choice(descriptions)
        tokens = words.findall(desc)
        if not tokens:
            continue
        if kind == "short":
            k = min(len(tokens), rng.choice([1, 2]))
            start = rng.randrange(0, len(tokens) - k + 1)
            q = " ".join(tokens[start : start + k]).lower()
        elif kind == "long":
            q = desc.lower()
        elif kind == "abbreviation":
            key, _ = rng.choice(abbr)
            q = f"{key} {rng.choice(tokens).lower()}" if rng.random() < 0.5 else key
        else:
            picked = [t.lower() for t in rng.sample(tokens, min(len(tokens), rng.choice([1, 2, 3])))]
            q = " ".join(_misspell(t, rng) for t in picked)
        queries.append((kind, q, code))
    return queries


def _misspell(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(["drop", "swap", "double", "replace"])
    if op == "drop":
        return word[:i] + word[i + 1 :]
    if op == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    if op == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeioulnrst") + word[i + 1 :]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("MEDCODER_SHARED", str(REPO.parent / "shared")))
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--out", default=str(REPO / "bench" / "out" / "codesets.json"))
    args = parser.parse_args()
    shared = Path(args.shared)
    medcoder = str(Path(sys.executable).with_name("medcoder"))

    with tempfile.TemporaryDirectory(prefix="medcoder-bench-") as home:
        env = {**os.environ, "MEDCODER_HOME": home}
        os.environ["MEDCODER_HOME"] = home
        # Install the official files (this also builds once); then time a build from scratch.
        sources = [
            shared / "codesets/icd10pcs/2025",
            shared / "codesets/icd10pcs/2026",
            shared / "codesets/icd10cm/2026",
        ]
        for source in sources:
            from medcoder.codesets.install import install

            install(source)
        build_code = (
            "import resource, time, json\n"
            "from medcoder.codesets.build import build\n"
            "t = time.perf_counter(); p = build(); s = time.perf_counter() - t\n"
            "print(json.dumps({'seconds': s, 'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,"
            " 'size_mb': p.stat().st_size / 1e6}))\n"
        )
        _, out = run([sys.executable, "-c", build_code], env)
        build_stats = json.loads(out)

        cold = {}
        for code in ("E11.40", "0DTJ4ZZ"):
            times = [run([medcoder, "show", code], env)[0] for _ in range(10)]
            cold[code] = {"median_s": statistics.median(times), "max_s": max(times)}

        from medcoder.codesets.kb import KnowledgeBase
        from medcoder.codesets.search import Searcher

        kb = KnowledgeBase.open()
        searcher = Searcher(kb)
        queries = make_queries(kb, args.queries)
        for _, q, _ in queries[:50]:  # warm-up: vocabulary load, SQLite page cache
            searcher.lookup(q)
        latencies: dict[str, list[float]] = {}
        empty = 0
        found: dict[str, list[int]] = {}  # rank of the source code among the hits (0 = absent)
        for kind, q, code in queries:
            t = time.perf_counter()
            result = searcher.lookup(q, limit=10)
            latencies.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
            empty += not result.hits
            ranks = [i + 1 for i, h in enumerate(result.hits) if h.code == code]
            found.setdefault(kind, []).append(ranks[0] if ranks else 0)
        every = [x for xs in latencies.values() for x in xs]
        lookup_stats = {
            "queries": len(every),
            "p50_ms": percentile(every, 50),
            "p90_ms": percentile(every, 90),
            "p99_ms": percentile(every, 99),
            "max_ms": max(every),
            "no_result": empty,
            "by_kind": {
                k: {
                    "n": len(v),
                    "p50_ms": percentile(v, 50),
                    "p99_ms": percentile(v, 99),
                    # how often the code the query was made from is the first hit / in the top 10
                    "source_at_1": sum(r == 1 for r in found[k]) / len(found[k]),
                    "source_in_10": sum(r > 0 for r in found[k]) / len(found[k]),
                }
                for k, v in latencies.items()
            },
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
        releases = [m.release_id for m in kb.manifests]
        kb.close()

    report = {
        "releases": releases,
        "build": build_stats,
        "cold_show": cold,
        "lookup": lookup_stats,
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
