"""The guideline rule registry (versioned ids; an old id keeps resolving) and the rule data files."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from medcoder.coding.guidelines import REGISTRY, RULES, Context, apply_rules, base_id, get_rule, sequence
from tests.coding.helpers import encounter


def _data(name: str) -> dict:
    return json.loads(resources.files("medcoder").joinpath(f"data/{name}").read_text(encoding="utf-8"))


def test_rule_registry_ids_are_versioned_and_current_is_the_latest():
    for rule_id, rule in REGISTRY.items():
        assert rule.id == rule_id and rule_id.rsplit(".v", 1)[1].isdigit(), rule_id
        assert rule.stage in ("filter", "sequence") and rule.section and rule.summary
    bases = [base_id(r) for r in RULES]
    assert len(bases) == len(set(bases))  # one version of each rule is applied
    for rule_id in RULES:
        versions = [int(r.rsplit(".v", 1)[1]) for r in REGISTRY if base_id(r) == base_id(rule_id)]
        assert int(rule_id.rsplit(".v", 1)[1]) == max(versions)


@pytest.mark.parametrize(
    "old",
    [
        "ocg.assertion.family.v1",
        "ocg.assertion.hypothetical.v1",
        "ocg.I.C.21.history.v1",
        "ocg.I.B.9.diabetes.v1",
        "ocg.I.B.5.v1",
        "ocg.I.A.12.a.v1",
        "ocg.I.A.13.v1",
    ],
)
def test_rule_registry_superseded_ids_still_resolve(old):
    rule = get_rule(old)
    assert rule.id == old and old not in RULES
    assert any(base_id(r) == base_id(old) for r in RULES)


def test_rule_registry_unknown_id_names_the_known_ones():
    with pytest.raises(KeyError, match=r"ocg\.I\.B\.5\.v2"):
        get_rule("ocg.I.B.5.v9")


def _context(coder, enc) -> tuple[list, Context]:
    found = coder.candidates(enc)
    coder.score(found)
    rid = coder.release_for(enc.date_of_service)
    ctx = Context(setting=enc.setting.value, index=coder.index(rid), kb=coder.kb)
    return [c for c in found.candidates if c.confidence >= 0.5], ctx


def test_rule_registry_an_old_version_reruns_its_own_behaviour(coder):
    """ocg.I.B.5.v1 kept the fever of an inpatient's probable pneumonia; v2 (OCG II.H) does not."""
    enc = encounter(
        "DISCHARGE SUMMARY\nHISTORY OF PRESENT ILLNESS: Admitted with fever and productive cough.\n"
        "DISCHARGE DIAGNOSES:\n1. Probable pneumonia.\n",
        "inpatient",
    )
    cands, ctx = _context(coder, enc)
    old = {c.code for c in apply_rules(list(cands), ctx, [get_rule("ocg.I.B.5.v1")])}
    cands, ctx = _context(coder, enc)
    new = {c.code for c in apply_rules(list(cands), ctx, [get_rule("ocg.I.B.5.v2")])}
    assert "R50.9" in old and "R50.9" not in new and "J18.9" in new


def test_rule_registry_sequence_rules_only_reorder(coder):
    enc = encounter(
        "DISCHARGE SUMMARY\nDISCHARGE DIAGNOSES:\n1. Dementia in Alzheimer's disease.\n"
        "2. Late onset Alzheimer's disease.\n",
        "inpatient",
    )
    cands, ctx = _context(coder, enc)
    kept = apply_rules(cands, ctx)
    ordered = sequence(list(kept), ctx)
    assert sorted(c.code for c in ordered) == sorted(c.code for c in kept)
    assert [c.code for c in ordered].index("G30.1") < [c.code for c in ordered].index("F02.80")


def test_rule_registry_provenance_lists_the_rules_applied(coder):
    result = coder.code(encounter("CLINIC NOTE\nASSESSMENT: Essential hypertension.\n"))
    assert result.provenance.rules == list(RULES)


# --- the data the rules read --------------------------------------------------------------------


@pytest.fixture(scope="module")
def index(coder):
    return coder.index(coder.release_for(None))


def _is_prefix(index, prefix: str) -> bool:
    plain = prefix.replace(".", "")
    return any(code.replace(".", "").startswith(plain) for code in index.nodes)


def test_rule_data_lexicon_codes_exist(index):
    # the phrases CodiEsp's site profile adds (opt-in; the package carries no phrase section)
    profile = Path(__file__).resolve().parents[2] / "bench" / "profiles" / "codiesp_cm_phrases.json"
    phrases = json.loads(profile.read_text(encoding="utf-8"))["phrases"]
    missing = [code for code in phrases if index.get(code) is None]
    assert not missing, missing
    assert all(isinstance(p, str) and p.strip() for values in phrases.values() for p in values)


def test_rule_data_codes_and_prefixes_exist(index):
    data = _data("cm_rules.json")
    for combo in data["combinations"]:
        assert index.get(combo["code"]).billable, combo
        assert all(_is_prefix(index, p) for p in [combo["diabetes"], *combo["with"]]), combo
    history = {k: v for k, v in data["history"].items() if k != "about"}
    assert all(index.get(z).billable and _is_prefix(index, c) for c, z in history.items())
    integral = {k: v for k, v in data["integral_symptoms"].items() if k != "about"}
    for symptom, explained_by in integral.items():
        assert _is_prefix(index, symptom) and all(_is_prefix(index, p) for p in explained_by), symptom
    assert all(_is_prefix(index, p) for p in data["chronic"]["prefixes"])
