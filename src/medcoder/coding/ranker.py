"""The site model's ranker: gradient-boosted trees exported to plain data.

Trained with scikit-learn's ``HistGradientBoostingClassifier`` (interactions between features
matter: a learned phrase is worth more when the code's own words are also present), then exported
as arrays of (feature, threshold, left, right, leaf value) so a model loads without pickle and
scores with numpy, all candidates of an encounter at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def fit(x: np.ndarray, y: np.ndarray, features: list[str], seed: int = 0) -> dict[str, Any]:
    from sklearn.ensemble import HistGradientBoostingClassifier

    clf = HistGradientBoostingClassifier(
        max_iter=250,
        learning_rate=0.04,
        max_leaf_nodes=15,
        max_depth=6,  # bounded depth keeps vectorised scoring to six steps
        min_samples_leaf=30,
        l2_regularization=1.0,
        random_state=seed,
    )
    clf.fit(x, y)
    trees = []
    for (predictor,) in clf._predictors:  # one tree per iteration for a binary problem
        nodes = predictor.nodes
        trees.append(
            {
                "feature": nodes["feature_idx"].astype(int).tolist(),
                "threshold": [round(float(t), 9) for t in nodes["num_threshold"]],
                "left": nodes["left"].astype(int).tolist(),
                "right": nodes["right"].astype(int).tolist(),
                "leaf": nodes["is_leaf"].astype(int).tolist(),
                "value": [round(float(v), 9) for v in nodes["value"]],
            }
        )
    return {
        "type": "gbdt",
        "features": list(features),
        "baseline": float(np.ravel(clf._baseline_prediction)[0]),
        "trees": trees,
    }


class TreeScorer:
    """Vectorised scoring of exported trees: every tree, every candidate, one level at a time."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.features: list[str] = spec["features"]
        self.baseline = float(spec["baseline"])
        trees = spec["trees"]
        width = max(len(t["feature"]) for t in trees)
        n = len(trees)
        # one row per tree, padded; children indices stay within the row
        self.feature = np.zeros((n, width), dtype=np.int64)
        self.threshold = np.zeros((n, width))
        self.left = np.zeros((n, width), dtype=np.int64)
        self.right = np.zeros((n, width), dtype=np.int64)
        self.leaf = np.ones((n, width), dtype=bool)
        self.value = np.zeros((n, width))
        for i, t in enumerate(trees):
            k = len(t["feature"])
            self.feature[i, :k] = t["feature"]
            self.threshold[i, :k] = t["threshold"]
            self.left[i, :k] = t["left"]
            self.right[i, :k] = t["right"]
            self.leaf[i, :k] = np.asarray(t["leaf"], dtype=bool)
            self.value[i, :k] = t["value"]
        self.tree_rows = np.arange(n)[None, :]

    def predict(self, x: np.ndarray) -> np.ndarray:
        m = x.shape[0]
        node = np.zeros((m, self.feature.shape[0]), dtype=np.int64)
        rows = np.arange(m)[:, None]
        trees = self.tree_rows
        while True:
            active = ~self.leaf[trees, node]
            if not active.any():
                break
            f = self.feature[trees, node]
            go_left = x[rows, f] <= self.threshold[trees, node]
            nxt = np.where(go_left, self.left[trees, node], self.right[trees, node])
            node = np.where(active, nxt, node)
        raw = self.baseline + self.value[trees, node].sum(axis=1)
        return 1.0 / (1.0 + np.exp(-np.clip(raw, -35, 35)))
