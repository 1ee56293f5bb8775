"""Throughput of the clinical text pipeline (``medcoder.extract``) on one core.

    python bench/extract_speed.py [--texts ../shared/benchmarks/codiesp/train/text_en] [--targets 15]
                                  [--rounds 5]

For every document: ``analyze`` (sections + sentences), then for ``--targets`` spans spread over
the document (words of five letters or more, evenly spaced -- a stand-in for the candidate
mentions the coding engine assesses) ``assess`` (ConText) and ``attributes``.  Prints documents
per second for analyze alone and for the whole per-document work, best and median of the rounds.
The DESIGN §5 reference points (CodiEsp, one core): spaCy rule sentencizer + medSpaCy ConText
≈120 docs/s; target for this pipeline ≥400 docs/s.  Train split only: dev is for evaluation.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from pathlib import Path

from medcoder.extract import analyze

REPO = Path(__file__).resolve().parents[1]
DEFAULT_TEXTS = REPO.parent / "shared" / "benchmarks" / "codiesp" / "train" / "text_en"
_WORD = re.compile(r"\b[A-Za-z]{5,}\b")


def pick_targets(text: str, count: int) -> list[tuple[int, int]]:
    """``count`` word spans spread evenly over the text (deterministic)."""
    words = [match.span() for match in _WORD.finditer(text)]
    if len(words) <= count:
        return words
    step = len(words) / count
    return [words[int(index * step)] for index in range(count)]


def run_round(documents: list[tuple[str, str, list[tuple[int, int]]]], with_targets: bool) -> float:
    started = time.perf_counter()
    for document_id, text, targets in documents:
        document = analyze(document_id, text)
        if with_targets:
            for target in targets:
                document.assess(target)
                document.attributes(target)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=Path, default=DEFAULT_TEXTS)
    parser.add_argument("--targets", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    paths = sorted(args.texts.glob("*.txt"))
    if not paths:
        raise SystemExit(f"no .txt files in {args.texts}")
    documents = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        documents.append((path.stem, text, pick_targets(text, args.targets)))
    characters = sum(len(text) for _, text, _ in documents)
    targets = sum(len(spans) for _, _, spans in documents)
    run_round(documents[:20], with_targets=True)  # warm-up: rules loaded, regexes compiled

    print(
        f"{len(documents)} documents from {args.texts}, mean {characters / len(documents):,.0f} characters, "
        f"{targets / len(documents):.1f} targets per document, {args.rounds} rounds"
    )
    for label, with_targets in (("analyze only", False), (f"analyze + assess/attributes x{args.targets}", True)):
        rates = [len(documents) / run_round(documents, with_targets) for _ in range(args.rounds)]
        print(f"{label:40s} best {max(rates):8,.0f} docs/s   median {statistics.median(rates):8,.0f} docs/s")


if __name__ == "__main__":
    main()
