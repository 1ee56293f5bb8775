"""Fixtures of the coding tests: engines over the bundled ICD-10-CM release, shared by the session."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from medcoder.coding.engine import Coder
from medcoder.coding.sitemodel import SiteModel


@pytest.fixture(scope="session")
def coder(bundled_kb) -> Coder:
    """The engine with no site model: the default conventions (every guideline rule on)."""
    return Coder(bundled_kb)


@pytest.fixture(scope="session")
def model_coder(bundled_kb) -> Coder:
    """The engine with an empty site model (no ranker, no phrases): conventions can be set on it."""
    return Coder(bundled_kb, model=SiteModel(n_docs=0, code_docs={}, assoc={}))


@pytest.fixture
def rule_off(model_coder: Coder) -> Iterator[Callable[[str], Coder]]:
    """``rule_off("ocg.I.B.5")``: the engine with that guideline rule switched off, the way a site
    model's ``conventions`` do it.  The model has no ranker, so the confidences are the default
    curve and the threshold the default: all else is as with no model.  (One engine for every
    rule, so the term dictionary is built once.)"""

    def make(rule_base_id: str) -> Coder:
        assert model_coder.model is not None
        model_coder.model.conventions = {rule_base_id: False}
        return model_coder

    yield make
    assert model_coder.model is not None
    model_coder.model.conventions = {}
