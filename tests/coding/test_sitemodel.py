"""Site models: safety rules (negated, family, hypothetical, uncertain / rule out) are never a
site convention, whatever a model file or a coded history says (DESIGN.md §8)."""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path

import pytest

from medcoder.coding.sitemodel import SAFETY_RULES, SiteModel, is_safety_rule
from medcoder.coding.training import SWITCHABLE
from medcoder.errors import ModelError


def _model_file(path: Path, conventions: object) -> Path:
    data = SiteModel(n_docs=2, code_docs={"I10": 2}, assoc={}).to_json()
    data["conventions"] = conventions
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        json.dump(data, fh)
    return path


def test_sitemodel_load_ignores_a_convention_switching_a_safety_rule_off(tmp_path, caplog) -> None:
    # a model trained before safety rules existed: it learned to code "denies chest pain" as R07.9
    old = _model_file(
        tmp_path / "site.model.gz",
        {"ocg.assertion.negated": False, "ocg.assertion.family.v2": False, "ocg.II.H": False, "ocg.I.B.5": False},
    )
    with caplog.at_level(logging.WARNING, logger="medcoder.coding.sitemodel"):
        model = SiteModel.load(old)
    assert model.conventions == {"ocg.I.B.5": False}  # a site may still code every sign and symptom
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert sorted(r.getMessage().split("safety rule ")[1].split(" ")[0] for r in warned) == [
        "ocg.II.H",
        "ocg.assertion.family.v2",
        "ocg.assertion.negated",
    ]
    assert all(str(old) in r.getMessage() for r in warned)


def test_sitemodel_load_keeps_a_safety_rule_on_without_a_warning(tmp_path, caplog) -> None:
    path = _model_file(tmp_path / "site.model.gz", {"ocg.assertion.negated": True, "ocg.I.B.9.diabetes": True})
    with caplog.at_level(logging.WARNING, logger="medcoder.coding.sitemodel"):
        model = SiteModel.load(path)
    assert model.conventions == {"ocg.I.B.9.diabetes": True} and not caplog.records


def test_sitemodel_load_conventions_not_a_mapping_is_a_damaged_model(tmp_path) -> None:
    with pytest.raises(ModelError, match="damaged site model"):
        SiteModel.load(_model_file(tmp_path / "site.model.gz", ["ocg.assertion.negated"]))


@pytest.mark.parametrize(
    ("rule_id", "safety"),
    [
        ("ocg.assertion.negated", True),
        ("ocg.assertion.negated.v1", True),
        ("ocg.assertion.hypothetical.v2", True),
        ("ocg.II.H.v1", True),
        ("ocg.I.B.5.v2", False),
        ("ocg.I.C.21.history", False),
        ("ocg.assertion.negatedx", False),
    ],
)
def test_is_safety_rule_with_or_without_version(rule_id: str, safety: bool) -> None:
    assert is_safety_rule(rule_id) is safety


def test_training_never_offers_a_safety_rule_as_a_convention() -> None:
    assert SWITCHABLE and not SAFETY_RULES & set(SWITCHABLE)
