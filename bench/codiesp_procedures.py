"""CodiEsp procedure coding benchmark: the ICD-10-PCS assigner on CodiEsp-P.

    python bench/codiesp_procedures.py [--split dev|train] [--shared ../shared] [--out bench/out]
        [--calibration FILE | --no-calibration] [--learn-calibration [--calibration-out FILE]]

1. installs ICD-10-PCS 2025 (tables, index, definitions) and 2026 (tables, definitions) from
   ``../shared`` into a fresh temporary MEDCODER_HOME (as ``tests/conftest.py`` does for
   ``full_home``),
2. codes every ``codiesp/<split>/text_en`` document with :class:`medcoder.coding.pcs.PcsAssigner`
   (inpatient encounters, no date: the latest release), each document's codes ranked by
   confidence, highest first -- with the CodiEsp calibration profile
   ``bench/profiles/codiesp_pcs_calibration.json`` passed explicitly (it is a site profile, not a
   package default; ``--no-calibration`` measures the rule-based confidence alone),
3. scores the ranked lists against ``<split>P.tsv`` two ways:

   * **exact**: the shared scorer ``score_codiesp.py`` as it is (a code matches only itself);
   * **cut-to-gold**: about half of the gold codes are cut to 4 characters (``bw20``); a predicted
     code ``p`` matches a gold code ``g`` of the same document iff ``p[:len(g)] == g``.  This is
     computed by rewriting each prediction, before scoring with the same scorer functions, into the
     gold code it matches (the longest one if several do) and then keeping only the first
     occurrence of each code in rank order, exactly as the scorer already de-duplicates identical
     codes.  So ``BW20ZZZ`` and ``BW201ZZ`` both ranked for gold ``bw20`` count once, at the rank
     of the first; a prediction matching no gold code stays as it is (a false positive).  Average
     precision therefore never exceeds 1 and P/R/F1 count each gold code at most once;

4. measures documents per second on one core (second pass, caches warm).

Dev is only measured; rules are tuned on train (``--split train``).  ``--learn-calibration``
(train only) writes the profile to ``--calibration-out`` (default: the bench profile above), never
into the package.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from collections import OrderedDict
from pathlib import Path

from codiesp import load

REPO = Path(__file__).resolve().parents[1]
PROFILE = REPO / "bench" / "profiles" / "codiesp_pcs_calibration.json"
PACKAGE = REPO / "src" / "medcoder"


def _scorer(shared: Path):
    spec = importlib.util.spec_from_file_location("score_codiesp", shared / "benchmarks" / "score_codiesp.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cut_to_gold(predictions: dict[str, list[str]], gold: dict[str, set[str]]) -> dict[str, list[str]]:
    """Each predicted code replaced by the gold code of its document it matches (``p[:len(g)] == g``,
    the longest such ``g``), then de-duplicated in rank order."""
    out: dict[str, list[str]] = {}
    for doc, ranked in predictions.items():
        golds = sorted(gold.get(doc, ()), key=len, reverse=True)
        rewritten = []
        for p in ranked:
            match = next((g for g in golds if p[: len(g)] == g), None)
            rewritten.append(match if match is not None else p)
        out[doc] = list(OrderedDict.fromkeys(rewritten))
    return out


def metrics(scorer, gold: dict[str, set[str]], preds: dict[str, list[str]]) -> dict[str, float]:
    ap = [scorer.average_precision(preds.get(doc, []), rel) for doc, rel in gold.items()]
    p, r, f1 = scorer.micro_prf(gold, preds)
    return {"MAP": round(sum(ap) / len(ap), 4), "P": round(p, 4), "R": round(r, 4), "F1": round(f1, 4)}


def _learn(ranked: dict[str, list[str]], gold: dict[str, set[str]], path: Path) -> None:
    """Per predicted 4-character prefix: [right, predicted] on train (cut-to-gold)."""
    import json

    counts: dict[str, list[int]] = {}
    pairs: dict[str, dict[str, int]] = {}
    for doc, codes in ranked.items():
        golds = gold.get(doc, set())
        missed = [g for g in golds if not any(c[: len(g)] == g for c in codes)]
        for code in codes:
            entry = counts.setdefault(code[:4].upper(), [0, 0])
            entry[1] += 1
            right = any(code[: len(g)] == g for g in golds)
            entry[0] += right
            if right:
                continue
            # a wrong code and a missed gold code of the same section and operation / type
            for g in missed:
                if len(g) >= 4 and g[0] == code[0] and g[2] == code[2]:
                    key = code[:4].upper() if len(code) >= 4 else code.upper()
                    pairs.setdefault(key, {}).setdefault(g.upper(), 0)
                    pairs[key][g.upper()] += 1
    associations = {}
    for key, alts in sorted(pairs.items()):
        predicted = counts[key[:4]][1]
        kept = [
            [alt, n, predicted]
            for alt, n in sorted(alts.items(), key=lambda x: -x[1])
            if n >= 3 and n / predicted >= 0.1
        ]
        if kept:
            associations[key] = kept[:2]
    data = {
        "about": "CodiEsp site profile (opt-in, never a default): how often each predicted ICD-10-PCS "
        "4-character prefix matched a CodiEsp train gold code (cut to the gold length): [right, predicted]; "
        "associations: codes the CodiEsp annotators reported where the rules gave another. Learned by "
        "bench/codiesp_procedures.py --split train --learn-calibration; pass it with --pcs-calibration / "
        "PcsAssigner(kb, calibration=path).",
        "id": "codiesp-train-pcs",
        "version": 1,
        "prefixes": dict(sorted(counts.items())),
        "associations": associations,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"calibration  {len(counts)} prefixes, {len(associations)} associations written to {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "train"], default="dev")
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("MEDCODER_SHARED", REPO.parent / "shared")))
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    parser.add_argument(
        "--learn-calibration",
        action="store_true",
        help="(train split only) write the calibration profile (--calibration-out): how often each predicted "
        "4-character prefix was right on train, which the assigner blends into its confidence when the "
        "profile is passed, and the site conventions (codes the annotators reported where the rules give another)",
    )
    parser.add_argument(
        "--calibration-out",
        type=Path,
        default=PROFILE,
        help="where --learn-calibration writes the profile (default: %(default)s); never inside the package",
    )
    parser.add_argument(
        "--calibration",
        type=Path,
        default=PROFILE,
        help="the PCS calibration profile to code with (default: the CodiEsp one, %(default)s)",
    )
    parser.add_argument(
        "--no-calibration", action="store_true", help="code with the rule-based confidence alone (no profile)"
    )
    parser.add_argument(
        "--site-associations",
        action="store_true",
        help="also report the learned site conventions as lower-confidence alternative codes",
    )
    args = parser.parse_args(argv)
    if args.learn_calibration and args.calibration_out.resolve().is_relative_to(PACKAGE.resolve()):
        parser.error(f"--calibration-out {args.calibration_out}: a learned profile never goes into the package")
    shared = args.shared.resolve()
    folder = shared / "benchmarks" / "codiesp" / args.split
    scorer = _scorer(shared)

    with tempfile.TemporaryDirectory(prefix="medcoder-pcs-bench-") as home:
        os.environ["MEDCODER_HOME"] = home
        from medcoder.codesets.install import install
        from medcoder.codesets.kb import KnowledgeBase, reset_default_kb
        from medcoder.coding.pcs import PcsAssigner
        from medcoder.coding.pcs.calibration import Calibration

        install(shared / "codesets" / "icd10pcs" / "2025")
        install(shared / "codesets" / "icd10pcs" / "2026")
        reset_default_kb()
        kb = KnowledgeBase.open()
        assigner = PcsAssigner(
            kb,
            calibration=Calibration.empty() if args.learn_calibration or args.no_calibration else args.calibration,
            site_associations=args.site_associations and not args.learn_calibration,
        )
        encounters = load(folder)
        for encounter in encounters:  # warm-up: catalog, tables, stems
            assigner.assign(encounter)
        started = time.perf_counter()
        ranked: dict[str, list[str]] = {}
        n_queries = 0
        for encounter in encounters:
            result = assigner.assign(encounter)
            n_queries += len(result.queries)
            by_confidence = sorted(result.procedures, key=lambda a: (-a.confidence, a.sequence or 0))
            ranked[encounter.id] = [scorer.norm(a.code) for a in by_confidence]
        elapsed = time.perf_counter() - started
        kb.close()

    args.out.mkdir(parents=True, exist_ok=True)
    pred_path = args.out / f"codiesp_procedures_{args.split}.tsv"
    with pred_path.open("w", encoding="utf-8") as fh:
        for doc, codes in ranked.items():
            for code in codes:
                fh.write(f"{doc}\t{code}\n")
    gold = scorer.read_gold(folder / f"{args.split}P.tsv")
    if args.learn_calibration:
        if args.split != "train":
            parser.error("--learn-calibration learns from the train split only")
        _learn(ranked, gold, args.calibration_out)
    exact_official = scorer.score(str(folder / f"{args.split}P.tsv"), str(pred_path))
    cut = metrics(scorer, gold, cut_to_gold(ranked, gold))
    exact = metrics(scorer, gold, ranked)
    n_pred = sum(len(v) for v in ranked.values())
    print(
        f"CodiEsp-P {args.split}: {len(encounters)} documents, {len(gold)} with gold, {n_pred} predicted codes, "
        f"{n_queries} queries"
    )
    print("cut-to-gold  " + "  ".join(f"{k}={v}" for k, v in cut.items()))
    print("exact        " + "  ".join(f"{k}={v}" for k, v in exact.items()))
    print("scorer(exact)" + "  ".join(f" {k}={v}" for k, v in exact_official.items()))
    print(
        f"speed        {len(encounters) / elapsed:.1f} docs/s ({1000 * elapsed / len(encounters):.2f} ms/doc, one core)"
    )
    print(f"calibration  {assigner.calibration.id or 'none (rule-based confidence)'}")
    print(f"predictions  {pred_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
