"""The site model: what a site's own coded history teaches the engine.

It holds (1) phrase -> code associations learned from previously coded encounters (which words
this site's coders turned into which codes), (2) how often each code is used, (3) a ranker over
candidate features whose output is the calibrated confidence, (4) the reporting threshold that
best balanced micro-F1 and MAP on the (cross-fitted) training history, and (5) the site's
conventions where they differ from the engine's defaults (e.g. whether the site codes every sign
and symptom).

Safety rules are never a convention (DESIGN.md §8): a condition documented as absent, a family
member's condition, a hypothetical one, or an uncertain / "rule out" diagnosis where the setting
forbids coding it is not the patient's current diagnosis, whatever a history's coders did.
:data:`SAFETY_RULES` lists them; training never proposes switching one off, and :meth:`SiteModel.load`
drops such a convention from an older model file with a warning.

Stored as gzip-compressed JSON with a format name and version, so models load offline and safely
(no pickle) and a later medcoder can refuse a format it does not know.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medcoder.errors import ModelError

log = logging.getLogger(__name__)

FORMAT = "medcoder-site-model"
FORMAT_VERSION = 1

SAFETY_RULES: frozenset[str] = frozenset(
    {
        "ocg.assertion.negated",  # OCG I.B.1: code what is documented as present, not what is denied
        "ocg.assertion.family",  # I.C.21.c.4: a family member's condition is a Z80-Z84 code, not the patient's
        "ocg.assertion.hypothetical",  # I.B.1: a condition to watch for, or planned, is not present
        "ocg.II.H",  # II.H / IV.H: uncertain and "rule out" diagnoses are not coded as established outpatient
    }
)
"""Base ids (no ``.vN``) of the guideline rules a site model may never switch off."""

_VERSION = re.compile(r"\.v[0-9]+$")


def is_safety_rule(rule_id: str) -> bool:
    """True for a safety rule, with or without its version (``ocg.assertion.negated.v1``)."""
    return _VERSION.sub("", rule_id) in SAFETY_RULES


@dataclass(slots=True)
class SiteModel:
    n_docs: int
    code_docs: dict[str, int]
    assoc: dict[str, list[tuple[str, float, int]]]
    ranker: dict[str, Any] | None = None
    cat_assoc: dict[str, list[tuple[str, float, int]]] = field(default_factory=dict)
    code_stats: dict[str, tuple[int, int]] = field(default_factory=dict)  # code -> (reported, proposed)
    threshold: float = 0.5
    conventions: dict[str, bool] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def priors(self) -> dict[str, float]:
        """P(code) over the training encounters (cached)."""
        cached = self.meta.get("_priors")
        if cached is None:
            cached = {c: (n + 1) / (self.n_docs + 2) for c, n in self.code_docs.items()}
            self.meta["_priors"] = cached
        return cached

    def by_category(self) -> dict[str, list[tuple[str, int]]]:
        """The codes the history used in each 3-character category, most used first (cached)."""
        cached = self.meta.get("_by_category")
        if cached is None:
            cached = {}
            for code, n in sorted(self.code_docs.items(), key=lambda x: (-x[1], x[0])):
                cached.setdefault(code[:3], []).append((code, n))
            self.meta["_by_category"] = cached
        return cached

    def score_many(self, rows: list[dict[str, float]]) -> list[float]:
        """Confidence for each candidate's features (one encounter at a time is efficient)."""
        if not self.ranker:
            raise ModelError("this site model has no ranker")
        if self.ranker.get("type") == "gbdt":
            import numpy as np

            from medcoder.coding.ranker import TreeScorer

            scorer = self.meta.get("_scorer")
            if scorer is None:
                scorer = self.meta["_scorer"] = TreeScorer(self.ranker)
            if not rows:
                return []
            x = np.asarray([[r.get(name, 0.0) for name in scorer.features] for r in rows], dtype=float)
            return [float(p) for p in scorer.predict(x)]
        return [self.score(r) for r in rows]

    def score(self, feat: dict[str, float]) -> float:
        if not self.ranker:
            raise ModelError("this site model has no ranker")
        if self.ranker.get("type") == "gbdt":
            return self.score_many([feat])[0]
        z = self.ranker["intercept"]
        for name, coef, mean, scale in zip(
            self.ranker["features"], self.ranker["coef"], self.ranker["mean"], self.ranker["scale"], strict=True
        ):
            z += coef * (feat.get(name, 0.0) - mean) / scale
        return 1.0 / (1.0 + math.exp(-max(min(z, 35.0), -35.0)))

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "meta": {k: v for k, v in self.meta.items() if not k.startswith("_")},
            "n_docs": self.n_docs,
            "code_docs": dict(sorted(self.code_docs.items())),
            "assoc": {k: [list(x) for x in v] for k, v in sorted(self.assoc.items())},
            "cat_assoc": {k: [list(x) for x in v] for k, v in sorted(self.cat_assoc.items())},
            "ranker": self.ranker,
            "code_stats": {k: list(v) for k, v in sorted(self.code_stats.items())},
            "threshold": self.threshold,
            "conventions": dict(sorted(self.conventions.items())),
        }

    def save(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with gzip.open(tmp, "wt", encoding="utf-8") as fh:
            json.dump(self.to_json(), fh, separators=(",", ":"))
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: Path) -> SiteModel:
        path = Path(path)
        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            raise ModelError(f"{path}: no site model there") from None
        except (OSError, EOFError, ValueError) as exc:
            raise ModelError(f"{path}: not a medcoder site model ({exc.__class__.__name__}: {exc})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ModelError(f"{path}: not a medcoder site model (format {data.get('format')!r})")
        if data.get("format_version") != FORMAT_VERSION:
            raise ModelError(
                f"{path}: site model format version {data.get('format_version')} is not {FORMAT_VERSION}; retrain it"
            )
        try:
            return cls(
                n_docs=int(data["n_docs"]),
                code_docs={str(k): int(v) for k, v in data["code_docs"].items()},
                assoc={k: [(str(c), float(p), int(n)) for c, p, n in v] for k, v in data["assoc"].items()},
                ranker=data.get("ranker"),
                cat_assoc={
                    k: [(str(c), float(p), int(n)) for c, p, n in v] for k, v in data.get("cat_assoc", {}).items()
                },
                code_stats={str(k): (int(v[0]), int(v[1])) for k, v in data.get("code_stats", {}).items()},
                threshold=float(data.get("threshold", 0.5)),
                conventions=_safe_conventions(data.get("conventions", {}), path),
                meta=dict(data.get("meta", {})),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelError(f"{path}: damaged site model ({exc.__class__.__name__}: {exc})") from None


def _safe_conventions(conventions: dict[str, Any], path: Path) -> dict[str, bool]:
    """A model's conventions less any that would switch a safety rule off (an older model may have
    learned that); each one dropped is logged by rule id only, never with patient text."""
    kept: dict[str, bool] = {}
    for key, value in conventions.items():
        if is_safety_rule(str(key)):
            if not value:
                log.warning(
                    "%s: ignoring the site model's convention switching off safety rule %s "
                    "(negated, family, hypothetical and uncertain / rule-out diagnoses stay uncoded)",
                    path,
                    key,
                )
            continue
        kept[str(key)] = bool(value)
    return kept
