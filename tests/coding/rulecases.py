"""Guideline rule cases shared by the rule test modules: each :class:`RuleCase` is a realistic note
coded with its rule on, and again with the rule switched off the way a site convention does it
(``rule_off``), which must come out differently -- except a safety rule, which cannot be switched
off.  ``tests/coding/test_guideline_rules.py`` holds most cases; chapter modules
``tests/coding/test_rules_*.py`` hold theirs in a module-level ``CASES`` list, and every registered
rule must have a case in one of them."""

from __future__ import annotations

from dataclasses import dataclass

from medcoder.coding.guidelines import base_id
from medcoder.coding.sitemodel import is_safety_rule
from tests.coding.helpers import codes, encounter, has


@dataclass(frozen=True)
class RuleCase:
    rule: str  # the rule's base id (what conventions switch)
    text: str
    setting: str = "outpatient"
    present: tuple[str, ...] = ()  # codes (or code prefixes) reported with the rule on
    absent: tuple[str, ...] = ()  # code prefixes never reported with the rule on
    first: str | None = None  # the principal / first-listed code with the rule on
    before: tuple[tuple[str, str], ...] = ()  # (a, b): a is sequenced before b with the rule on
    tagged: tuple[str, ...] = ()  # codes whose rationale names the rule
    off_present: tuple[str, ...] = ()  # ... with the rule off
    off_absent: tuple[str, ...] = ()
    off_first: str | None = None
    off_not_first: str | None = None  # with the rule off, this code is not the first-listed
    off_before: tuple[tuple[str, str], ...] = ()


def _check(result, present, absent, first, before, label: str) -> None:
    found = codes(result)
    for code in present:
        assert has(found, code), f"{label}: {code} not reported: {found}"
    for code in absent:
        assert not has(found, code), f"{label}: {code} reported: {found}"
    if first is not None:
        assert found and found[0] == first, f"{label}: {first} is not first: {found}"
    for a, b in before:
        assert a in found and b in found and found.index(a) < found.index(b), f"{label}: {a} not before {b}: {found}"


def _outcome(result) -> tuple:
    return tuple((a.code, tuple(a.rules)) for a in result.diagnoses)


def check_rule_case(case: RuleCase, coder, rule_off) -> None:
    """The rule's realistic note coded with the rule on, and its companion with the rule off."""
    enc = encounter(case.text, case.setting)
    on = coder.code(enc)
    _check(on, case.present, case.absent, case.first, case.before, "rule on")
    tagged = {a.code: a.rules for a in on.diagnoses}
    for code in case.tagged:
        assert any(base_id(r) == case.rule for r in tagged[code]), (code, tagged[code])

    # the companion: the same encounter with the rule switched off must come out differently --
    # except a safety rule, which a site convention cannot switch off (DESIGN §8): same outcome
    off = rule_off(case.rule).code(enc)
    if is_safety_rule(case.rule):
        assert _outcome(off) == _outcome(on)
        assert any(base_id(r) == case.rule for r in off.provenance.rules)
        return
    _check(off, case.off_present, case.off_absent, case.off_first, case.off_before, "rule off")
    if case.off_not_first is not None:
        assert codes(off)[0] != case.off_not_first, codes(off)
    assert _outcome(off) != _outcome(on)
    for a in off.diagnoses:
        assert all(base_id(r) != case.rule for r in a.rules), (a.code, a.rules)
    assert not any(base_id(r) == case.rule for r in off.provenance.rules)
    assert any(base_id(r) == case.rule for r in on.provenance.rules)
