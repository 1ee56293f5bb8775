"""``medcoder train``: learn a site model from previously coded encounters.

Layouts read: a folder of ``<id>.txt`` documents with TSV files of ``<id><TAB><code>`` (the CodiEsp
layout; several TSV files may be given), or JSONL of coded encounters (one object per line: an
``id``, either ``text`` or ``documents`` as in the Encounter model, and ``codes``).

Training is honest about what it measures: the ranker's features for each training encounter are
computed with phrase statistics from the *other* folds (cross-fitting), so the model does not learn
to trust associations that only exist because the encounter itself was counted.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from medcoder.coding.engine import Coder, EncounterCandidates
from medcoder.coding.features import FEATURES, code_precision
from medcoder.coding.phrases import phrase_keys
from medcoder.coding.sitemodel import SiteModel
from medcoder.coding.text import tokens
from medcoder.errors import InputFileError, ModelError
from medcoder.models import Document, Encounter

log = logging.getLogger(__name__)

MIN_PAIR_DOCS = 2
MIN_P = 0.08
MIN_LIFT = 1.5
FLOOR = 0.05  # candidates below this confidence are never worth reporting; rules are studied above it
MAX_CODES_PER_PHRASE = 8
# Rules a site's history may switch off: they remove candidates, and a site may code differently.
SWITCHABLE = (
    "ocg.assertion.negated",
    "ocg.assertion.family",
    "ocg.assertion.hypothetical",
    "ocg.II.H",
    "ocg.I.C.21.history",
    "ocg.I.B.5",
    "ocg.I.B.9.diabetes",
    "ocg.I.C.9.a",
    "ocg.I.A.12.a",
    "ocg.I.B.3.specificity",
    "ocg.I.B.3.subsumed",
)


def read_tsv_codes(paths: Iterable[Path]) -> dict[str, list[str]]:
    codes: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise InputFileError(path, f"cannot read codes: {exc.strerror}") from None
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) < 2:
                raise InputFileError(path, f"line {n}: expected '<id><TAB><code>'")
            codes[parts[0].strip()].append(parts[1].strip())
    return dict(codes)


def read_training_set(docs: Path, code_files: list[Path]) -> list[tuple[Encounter, list[str]]]:
    """Coded encounters from a folder + TSV files, or from a JSONL file."""
    docs = Path(docs)
    if not docs.exists():
        raise InputFileError(docs, "no such file or directory")
    if docs.is_file():
        return _read_jsonl(docs)
    codes = read_tsv_codes(code_files)
    if not codes:
        raise InputFileError(docs, "no codes given: pass --codes FILE.tsv (lines of <id><TAB><code>)")
    out = []
    for path in sorted(docs.glob("*.txt")):
        if path.stem not in codes:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        out.append((Encounter(id=path.stem, documents=[Document(id=path.stem, text=text)]), codes[path.stem]))
    if not out:
        raise InputFileError(docs, "no <id>.txt document matches an id in the code files")
    return out


def _read_jsonl(path: Path) -> list[tuple[Encounter, list[str]]]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            codes = [str(c) for c in obj.pop("codes")]
            if "text" in obj:
                obj["documents"] = [{"id": str(obj["id"]), "text": obj.pop("text")}]
            out.append((Encounter.model_validate(obj), codes))
        except (ValueError, KeyError, TypeError) as exc:
            raise InputFileError(path, f"line {n}: not a coded encounter ({exc.__class__.__name__}: {exc})") from None
    return out


def _phrases(encounter: Encounter) -> set[str]:
    from medcoder.extract.sentences import split_sentences

    keys: set[str] = set()
    for document in encounter.documents:
        for start, end in split_sentences(document.text):
            keys.update(phrase_keys(tokens(document.text[start:end], start)))
    return keys


def associations(
    phrase_sets: list[set[str]], gold_sets: list[set[str]]
) -> tuple[dict[str, list[tuple[str, float, int]]], Counter[str]]:
    n_g: Counter[str] = Counter()
    n_gc: Counter[tuple[str, str]] = Counter()
    code_docs: Counter[str] = Counter()
    for phrases, gold in zip(phrase_sets, gold_sets, strict=True):
        code_docs.update(gold)
        n_g.update(phrases)
        for g in phrases:
            for c in gold:
                n_gc[(g, c)] += 1
    assoc: dict[str, list[tuple[str, float, int]]] = defaultdict(list)
    for (g, c), n in n_gc.items():
        if n < MIN_PAIR_DOCS:
            continue
        p = n / (n_g[g] + 2)  # shrunk: a phrase seen in 2 documents is not yet a rule
        lift = p / ((code_docs[c] + 1) / (len(gold_sets) + 2))
        if p >= MIN_P and lift >= MIN_LIFT:
            assoc[g].append((c, round(p, 4), n))
    for g in assoc:
        assoc[g] = sorted(assoc[g], key=lambda x: (-x[1], x[0]))[:MAX_CODES_PER_PHRASE]
    return dict(sorted(assoc.items())), code_docs


def _best_f1(coder: Coder, found: list, gold_sets: list[set[str]], model: SiteModel) -> tuple[float, float]:
    """Micro-F1 at the best threshold, and that threshold, with the model's conventions."""
    saved = model.threshold
    model.threshold = 0.0
    scored: list[tuple[float, bool]] = []
    for f, gold in zip(found, gold_sets, strict=True):
        kept, _ = coder.finish(f, model, floor=FLOOR)
        scored.extend((c.confidence, c.code in gold) for c in kept)
    model.threshold = saved
    scored.sort(key=lambda x: -x[0])
    total_gold = sum(len(g) for g in gold_sets)
    best_f1, best_t, tp = 0.0, 0.5, 0
    for n, (conf, hit) in enumerate(scored, 1):
        tp += hit
        f1 = 2 * tp / (n + total_gold)
        if f1 > best_f1:
            best_f1, best_t = f1, conf
    return best_f1, best_t


def train(
    examples: list[tuple[Encounter, list[str]]],
    coder: Coder | None = None,
    folds: int = 5,
    seed: int = 13,
) -> SiteModel:
    import numpy as np

    if len(examples) < folds * 2:
        raise ModelError(f"{len(examples)} coded encounters are too few to train on (need at least {folds * 2})")
    coder = coder or Coder()
    rid = coder.release_for(None)
    index = coder.index(rid)
    gold_sets: list[set[str]] = []
    unknown = Counter()
    for _, codes in examples:
        gold = set()
        for raw in codes:
            key = index.normalize(raw)
            resolved = index.resolve(key) if key else None
            if resolved is None:
                unknown[raw] += 1
            else:
                # A code the history reports that is a header in this release (the history may be
                # coded with an older release) counts as the billable code medcoder would report.
                gold.add(resolved.code)
        gold_sets.append(gold)
    phrase_sets = [_phrases(enc) for enc, _ in examples]
    cat_sets = [{c[:3] for c in gold} for gold in gold_sets]
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    fold_of = {i: k % folds for k, i in enumerate(order)}

    # 1. cross-fitted candidates and features
    found: list[EncounterCandidates | None] = [None] * len(examples)
    for k in range(folds):
        train_idx = [i for i in range(len(examples)) if fold_of[i] != k]
        assoc, code_docs = associations([phrase_sets[i] for i in train_idx], [gold_sets[i] for i in train_idx])
        cat_assoc, _ = associations([phrase_sets[i] for i in train_idx], [cat_sets[i] for i in train_idx])
        partial = SiteModel(n_docs=len(train_idx), code_docs=dict(code_docs), assoc=assoc, cat_assoc=cat_assoc)
        for i in range(len(examples)):
            if fold_of[i] == k:
                found[i] = coder.candidates(examples[i][0], partial)
    # the engine's track record per code, from the other folds only (no label leaks into features)
    per_fold: list[Counter[str]] = [Counter() for _ in range(folds)]
    per_fold_hits: list[Counter[str]] = [Counter() for _ in range(folds)]
    for i, f in enumerate(found):
        assert f is not None
        for cand in f.candidates:
            per_fold[fold_of[i]][cand.code] += 1
            per_fold_hits[fold_of[i]][cand.code] += cand.code in gold_sets[i]
    all_seen = sum(per_fold, Counter())
    all_hits = sum(per_fold_hits, Counter())
    rows, labels = [], []
    for i, f in enumerate(found):
        assert f is not None
        k = fold_of[i]
        for cand in f.candidates:
            stats = {
                cand.code: (
                    all_hits[cand.code] - per_fold_hits[k][cand.code],
                    all_seen[cand.code] - per_fold[k][cand.code],
                )
            }
            cand.features.update(code_precision(cand.code, stats))
            rows.append([cand.features[name] for name in FEATURES])
            labels.append(int(cand.code in gold_sets[i]))
    x = np.asarray(rows, dtype=float)
    y = np.asarray(labels, dtype=int)
    if y.sum() == 0 or y.sum() == len(y):
        raise ModelError("the training codes never (or always) match a candidate: nothing to learn a ranker from")
    from medcoder.coding.ranker import fit

    ranker = fit(x, y, list(FEATURES), seed=seed)
    assoc, code_docs = associations(phrase_sets, gold_sets)
    cat_assoc, _ = associations(phrase_sets, cat_sets)
    model = SiteModel(
        n_docs=len(examples),
        code_docs=dict(code_docs),
        assoc=assoc,
        cat_assoc=cat_assoc,
        ranker=ranker,
        code_stats={c: (all_hits[c], n) for c, n in all_seen.items()},
    )

    # 2. conventions: a rule that removes codes stays on unless switching it off raises F1 on
    #    the site's own (cross-fitted) history: the site codes that way.
    for f in found:
        assert f is not None
        coder.score(f, model)
    best_f1, best_t = _best_f1(coder, found, gold_sets, model)
    decisions = {}
    for base in SWITCHABLE:
        model.conventions[base] = False
        f1_off, t_off = _best_f1(coder, found, gold_sets, model)
        decisions[base] = [round(best_f1, 4), round(f1_off, 4)]
        if f1_off > best_f1 + 0.002:
            best_f1, best_t = f1_off, t_off
        else:
            model.conventions[base] = True
    # 3. the reporting threshold that maximises micro-F1 on that history
    model.threshold = round(best_t, 6)
    from medcoder import __version__

    model.meta = {
        "id": f"site-{dt.date.today().isoformat()}-{len(examples)}",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "medcoder": __version__,
        "release_id": rid,
        "encounters": len(examples),
        "codes": len(code_docs),
        "unknown_codes": sum(unknown.values()),
        "phrases": len(assoc),
        "cross_fitted_f1": round(best_f1, 4),
        "folds": folds,
        "convention_f1": decisions,
    }
    if not math.isfinite(model.threshold):
        raise ModelError("training produced no usable threshold")
    return model
