"""``medcoder train``: learn a site model from previously coded encounters.

Layouts read: a folder of ``<id>.txt`` documents with TSV files of ``<id><TAB><code>`` (the CodiEsp
layout; several TSV files may be given), or JSONL of coded encounters (one object per line: an
``id``, either ``text`` or ``documents`` as in the Encounter model, and ``codes``).

Training is honest about what it measures: the ranker's features for each training encounter are
computed with phrase statistics from the *other* folds (cross-fitting), so the model does not learn
to trust associations that only exist because the encounter itself was counted.

Phrase -> code statistics count, for each code of an encounter, only the phrases of the sentences
aligned to it (``medcoder.coding.alignment``), not every phrase of the encounter.  The reporting
threshold (and each convention) is chosen on the cross-fitted history by ``objective``: the weaker
of micro-F1 and MAP, so the reported codes are both a good decision and a good ranked list.

Candidates come from the term dictionary of the coder it is given: the classification with the
package's word equivalents, plus the phrases of an opt-in phrase profile when the coder has one
(``Coder(cm_phrases=path)``, ``medcoder train --cm-phrases FILE``).  The model records which
(``meta["cm_phrases"]``, ``meta["cm_word_equivalents"]``), and coding with it warns when they differ.
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

from medcoder.coding.alignment import AlignedDocument, aligned_counts
from medcoder.coding.candidates import MIN_COVERAGE, _drop_list_number
from medcoder.coding.dictionary import TermDictionary, canonical, profile_equivalents, word_equivalents
from medcoder.coding.engine import Coder, EncounterCandidates
from medcoder.coding.features import FEATURES, code_precision
from medcoder.coding.phrases import phrase_keys
from medcoder.coding.sitemodel import SiteModel, is_safety_rule
from medcoder.coding.text import STOPWORDS, tokens
from medcoder.errors import InputFileError, ModelError
from medcoder.models import Document, Encounter

log = logging.getLogger(__name__)

MIN_PAIR_DOCS = 2
MIN_P = 0.08
MIN_LIFT = 1.5
FLOOR = 0.05  # candidates below this confidence are never worth reporting; rules are studied above it
MAX_CODES_PER_PHRASE = 8
# Rules a site's history may switch off: they remove candidates, and a site may code differently.
# Never a safety rule (sitemodel.SAFETY_RULES: negated, family, hypothetical, uncertain / rule out),
# whatever the history's coders did: those codes are not the patient's current conditions.
SWITCHABLE = (
    "ocg.I.C.21.history",
    "ocg.I.B.5",
    "ocg.I.B.9.diabetes",
    "ocg.I.C.9.a",
    "ocg.I.A.12.a",
    "ocg.I.B.3.specificity",
    "ocg.I.B.3.subsumed",
    # where in the record a code may come from (issue 9): a site whose coders code findings, history
    # or the complaint beside the diagnosis has these off in its history
    "ocg.III.B.findings",
    "ocg.IV.J.statement",
    "ocg.IV.D.symptoms",
    "ocg.IV.M.postoperative",
)


MAX_STUDIED = 24  # rules studied beyond SWITCHABLE, the ones that act most often on the history


def switchable(coder: Coder, found: list, model: SiteModel) -> list[str]:
    """The rules a site's history may switch off: :data:`SWITCHABLE`, then every other guideline
    rule that removes or changes a candidate somewhere in that history (most often first, at most
    :data:`MAX_STUDIED`) -- never a safety rule (DESIGN §8).  A rule that never acts on the history
    cannot be judged by it and stays on."""
    from medcoder.coding.guidelines import RULES, base_id

    filters = {base_id(r) for r, rule in RULES.items() if rule.stage == "filter"}
    acted: Counter[str] = Counter()
    for f in found:
        kept, ctx = coder.finish(f, model, floor=FLOOR)
        acted.update({base_id(rule_id) for _, rule_id in ctx.removed})
        acted.update({base_id(r) for c in kept for r in c.rules})
    extra = [
        base
        for base, _ in acted.most_common()
        if base in filters and base not in SWITCHABLE and not is_safety_rule(base)
    ]
    return [base for base in SWITCHABLE if not is_safety_rule(base)] + extra[:MAX_STUDIED]


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


def _aligned_document(encounter: Encounter, dictionary: TermDictionary) -> AlignedDocument:
    """Each sentence's phrase keys and the codes the term dictionary matches in it."""
    from medcoder.extract.sentences import split_sentences

    sentences: list[set[str]] = []
    stem_sets: list[set[str]] = []
    for document in encounter.documents:
        text = document.text
        for start, end in split_sentences(text):
            toks = _drop_list_number(text, tokens(text[start:end], start))
            sentences.append(set(phrase_keys(toks)))
            stem_sets.append(set(canonical([t.stem for t in toks if t.text not in STOPWORDS])))
    lexical = [{m.term.code for m in found} for found in dictionary.match_many(stem_sets, MIN_COVERAGE)]
    return AlignedDocument(sentences, lexical)


def associations(
    phrase_sets: list[set[str]], gold_sets: list[set[str]]
) -> tuple[dict[str, list[tuple[str, float, int]]], Counter[str]]:
    """Phrase -> code statistics from whole-document co-occurrence."""
    n_g: Counter[str] = Counter()
    n_gc: Counter[tuple[str, str]] = Counter()
    code_docs: Counter[str] = Counter()
    for phrases, gold in zip(phrase_sets, gold_sets, strict=True):
        code_docs.update(gold)
        n_g.update(phrases)
        for g in phrases:
            for c in gold:
                n_gc[(g, c)] += 1
    return _associations(n_g, n_gc, code_docs, len(gold_sets)), code_docs


def aligned_associations(
    docs: list[AlignedDocument], gold_sets: list[set[str]]
) -> tuple[dict[str, list[tuple[str, float, int]]], Counter[str]]:
    """Phrase -> code statistics counting, for each code, only the phrases of the sentences aligned
    to it (``medcoder.coding.alignment``): the document-level statistics choose the sentences."""
    prior, code_docs = associations([d.phrases for d in docs], gold_sets)
    n_g, n_gc = aligned_counts(docs, gold_sets, prior)
    return _associations(n_g, n_gc, code_docs, len(gold_sets)), code_docs


def _associations(
    n_g: Counter[str], n_gc: Counter[tuple[str, str]], code_docs: Counter[str], n_docs: int
) -> dict[str, list[tuple[str, float, int]]]:
    assoc: dict[str, list[tuple[str, float, int]]] = defaultdict(list)
    for (g, c), n in n_gc.items():
        if n < MIN_PAIR_DOCS:
            continue
        p = n / (n_g[g] + 2)  # shrunk: a phrase seen in 2 documents is not yet a rule
        lift = p / ((code_docs[c] + 1) / (n_docs + 2))
        if p >= MIN_P and lift >= MIN_LIFT:
            assoc[g].append((c, round(p, 4), n))
    for g in assoc:
        assoc[g] = sorted(assoc[g], key=lambda x: (-x[1], x[0]))[:MAX_CODES_PER_PHRASE]
    return dict(sorted(assoc.items()))


def _history_curve(
    coder: Coder, found: list, gold_sets: list[set[str]], listed: list[int], model: SiteModel
) -> list[tuple[float, float, float]]:
    """``threshold_curve`` of the cross-fitted history, with the model's conventions.  ``listed``:
    how many codes each encounter's coders reported, counting those this release does not have
    (they are misses the site would count too)."""
    saved = model.threshold
    model.threshold = 0.0
    scored: list[tuple[float, int, bool]] = []
    for doc, (f, gold) in enumerate(zip(found, gold_sets, strict=True)):
        kept, _ = coder.finish(f, model, floor=FLOOR)
        scored.extend((c.confidence, doc, c.code in gold) for c in kept)
    model.threshold = saved
    return threshold_curve(scored, listed)


def threshold_curve(scored: list[tuple[float, int, bool]], gold_counts: list[int]) -> list[tuple[float, float, float]]:
    """(threshold, micro-F1, MAP) for every threshold that changes what is reported, highest first.

    ``scored``: (confidence, encounter number, is a gold code) of every candidate; ``gold_counts``:
    how many gold codes each encounter has.  MAP is CodiEsp's: per encounter with gold codes, the
    precision at each reported gold code in confidence order, summed and divided by its number of
    gold codes.  Lowering the threshold appends codes to the bottom of every list, so both measures
    are swept in one pass over the candidates in confidence order."""
    scored = sorted(scored, key=lambda x: (-x[0], x[1]))
    total_gold = sum(gold_counts)
    n_docs = sum(1 for g in gold_counts if g)
    reported = [0] * len(gold_counts)
    hits = [0] * len(gold_counts)
    ap_sum, tp, curve = 0.0, 0, []
    for n, (conf, doc, hit) in enumerate(scored, 1):
        reported[doc] += 1
        if hit:
            tp += 1
            hits[doc] += 1
            ap_sum += hits[doc] / reported[doc] / gold_counts[doc]
        if n == len(scored) or scored[n][0] != conf:  # a threshold reports all the ties or none
            curve.append((conf, 2 * tp / (n + total_gold), ap_sum / max(n_docs, 1)))
    return curve


def objective(f1: float, mean_ap: float) -> float:
    """What the reporting threshold maximises on the history: the weaker of micro-F1 (the reporting
    decision) and MAP (the ranked codes and their recall), so that neither is given up for the
    other.  F1 alone would report only the surest codes (a short list: low MAP); MAP alone would
    report every candidate (low precision)."""
    return min(f1, mean_ap)


def _best(
    coder: Coder, found: list, gold_sets: list[set[str]], listed: list[int], model: SiteModel
) -> tuple[float, float, float, float]:
    """(objective, threshold, micro-F1, MAP) at the threshold that maximises the objective."""
    best = (0.0, 0.5, 0.0, 0.0)
    for conf, f1, mean_ap in _history_curve(coder, found, gold_sets, listed, model):
        value = objective(f1, mean_ap)
        if value > best[0]:
            best = (value, conf, f1, mean_ap)
    return best


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
    dictionary = coder.dictionary(rid)
    with profile_equivalents(coder.cm_phrases):  # the phrase keys as coding with this profile makes them
        docs = [_aligned_document(enc, dictionary) for enc, _ in examples]
    phrase_sets = [d.phrases for d in docs]
    cat_sets = [{c[:3] for c in gold} for gold in gold_sets]
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    fold_of = {i: k % folds for k, i in enumerate(order)}

    # 1. cross-fitted candidates and features
    found: list[EncounterCandidates | None] = [None] * len(examples)
    for k in range(folds):
        train_idx = [i for i in range(len(examples)) if fold_of[i] != k]
        assoc, code_docs = aligned_associations([docs[i] for i in train_idx], [gold_sets[i] for i in train_idx])
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
    assoc, code_docs = aligned_associations(docs, gold_sets)
    cat_assoc, _ = associations(phrase_sets, cat_sets)
    model = SiteModel(
        n_docs=len(examples),
        code_docs=dict(code_docs),
        assoc=assoc,
        cat_assoc=cat_assoc,
        ranker=ranker,
        code_stats={c: (all_hits[c], n) for c, n in all_seen.items()},
    )

    # 2. conventions: a rule that removes codes stays on unless switching it off raises the
    #    objective on the site's own (cross-fitted) history: the site codes that way.
    for f in found:
        assert f is not None
        coder.score(f, model)
    listed = [
        max(len(gold), len({raw.strip().upper().replace(".", "") for raw in codes if raw.strip()}))
        for gold, (_, codes) in zip(gold_sets, examples, strict=True)
    ]
    best = _best(coder, found, gold_sets, listed, model)
    decisions = {}
    for base in switchable(coder, found, model):
        if is_safety_rule(base):  # SWITCHABLE never lists one; a safety rule is not the history's to decide
            continue
        model.conventions[base] = False
        off = _best(coder, found, gold_sets, listed, model)
        decisions[base] = [round(best[0], 4), round(off[0], 4)]
        if off[0] > best[0] + 0.002:
            best = off
        else:
            model.conventions[base] = True
    # 3. the reporting threshold that maximises the objective on that history
    _, best_t, best_f1, best_map = best
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
        "cross_fitted_map": round(best_map, 4),
        "folds": folds,
        "convention_objective": decisions,
        # the wording its candidates came from: coding with this model uses the same (a warning otherwise)
        "cm_word_equivalents": word_equivalents().version,
        "cm_phrases": coder.cm_phrases.id if coder.cm_phrases is not None else None,
    }
    if not math.isfinite(model.threshold):
        raise ModelError("training produced no usable threshold")
    return model
