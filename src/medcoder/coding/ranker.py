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
    """Vectorised scoring of exported trees."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.features: list[str] = spec["features"]
        self.baseline = float(spec["baseline"])
        self.trees = [
            (
                np.asarray(t["feature"], dtype=np.int64),
                np.asarray(t["threshold"], dtype=np.float64),
                np.asarray(t["left"], dtype=np.int64),
                np.asarray(t["right"], dtype=np.int64),
                np.asarray(t["leaf"], dtype=bool),
                np.asarray(t["value"], dtype=np.float64),
            )
            for t in spec["trees"]
        ]

    def predict(self, x: np.ndarray) -> np.ndarray:
        raw = np.full(x.shape[0], self.baseline)
        rows = np.arange(x.shape[0])
        for feature, threshold, left, right, leaf, value in self.trees:
            node = np.zeros(x.shape[0], dtype=np.int64)
            while True:
                active = ~leaf[node]
                if not active.any():
                    break
                f = feature[node]
                go_left = x[rows, f] <= threshold[node]
                nxt = np.where(go_left, left[node], right[node])
                node = np.where(active, nxt, node)
            raw += value[node]
        return 1.0 / (1.0 + np.exp(-np.clip(raw, -35, 35)))
