"""Payer profiles (YAML) and the edit-rule registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcoder.edits.engine import EditEngine, References
from medcoder.edits.profile import PayerProfile
from medcoder.edits.registry import EditRegistry, Finding, edit_rules
from medcoder.errors import PayerProfileError, UnknownRuleError
from medcoder.grouping.claims import Claim

CLAIM = {
    "setting": "inpatient",
    "admit_date": "2026-04-27",
    "discharge_date": "2026-05-01",
    "age": 70,
    "sex": "F",
    "discharge_status": 1,
    "diagnoses": [{"code": "I50.23", "poa": "Y"}, {"code": "E11"}],
}


def test_profile_default_enables_every_rule() -> None:
    profile = PayerProfile.default()
    assert profile.id == "default"
    assert all(profile.enabled(rule.id) for rule in edit_rules)


def test_profile_disables_by_id_base_id_or_family() -> None:
    profile = PayerProfile.parse("id: p\nrules:\n  disabled: [poa, validity.header, conventions.excludes1.v1]\n")
    assert not profile.enabled("poa.required.v1") and not profile.enabled("poa.exempt.v1")
    assert not profile.enabled("validity.header.v1") and not profile.enabled("conventions.excludes1.v1")
    assert profile.enabled("validity.code.v1")


def test_profile_changes_what_the_engine_reports(bundled_kb) -> None:
    claim = Claim.model_validate(CLAIM)
    text = "id: p\nrules:\n  disabled: [poa]\n  severity: {validity.header: warning}\n"
    with EditEngine(bundled_kb, PayerProfile.parse(text), References()) as engine:
        edits = engine.check(claim)
    assert not [e for e in edits if e.rule_id.startswith("poa.")]
    (header,) = [e for e in edits if e.rule_id == "validity.header.v1"]
    assert header.severity == "warning"
    with EditEngine(bundled_kb, PayerProfile.default(), References()) as engine:
        edits = engine.check(claim)
    assert [e.severity for e in edits if e.rule_id == "validity.header.v1"] == ["error"]
    assert [e.codes for e in edits if e.rule_id == "poa.required.v1"] == [["E11"]]


def test_profile_read_resolves_reference_paths_next_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text("id: acme\nreference:\n  ncci_ptp: [ncci/f1.txt]\n  poa_exempt: poa.txt\n")
    profile = PayerProfile.read(path)
    assert profile.reference.ncci_ptp == [tmp_path / "ncci" / "f1.txt"]
    assert profile.reference.poa_exempt == tmp_path / "poa.txt"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: p\nrules:\n  disabled: [validity.hedaer]\n", "unknown edit rule(s) validity.hedaer"),
        ("id: p\nrules: {severity: {validity.code: fatal}}\n", "rules.severity.validity.code"),
        ("id: p\nbogus: 1\n", "bogus"),
        ("name: no id\n", "id"),
        ("id: p\nname: a: b\n", "line 2"),
        ("- a list\n", "a YAML mapping"),
        ("id: p\ndocumentation:\n  required_fields: {inpatient: [dob]}\n", "unknown claim field(s) dob"),
    ],
)
def test_profile_bad_input_names_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(PayerProfileError, match=r"acme\.yaml") as info:
        PayerProfile.parse(text, "acme.yaml")
    assert message in str(info.value) and info.value.code == "E153"


def test_profile_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PayerProfileError, match="no such payer profile"):
        PayerProfile.read(tmp_path / "absent.yaml")


def test_registry_get_by_base_id_returns_the_latest_version() -> None:
    registry = EditRegistry()

    @registry.register("demo.rule.v1", severity="warning", title="v1")
    def _v1(ctx):
        return []

    @registry.register("demo.rule.v2", severity="error", title="v2")
    def _v2(ctx):
        return []

    assert registry.get("demo.rule").id == "demo.rule.v2"
    assert registry.get("demo.rule.v1").title == "v1"  # the old id keeps working
    assert [r.id for r in registry.latest()] == ["demo.rule.v2"]
    with pytest.raises(UnknownRuleError, match=r"demo\.rule\.v1"):
        registry.get("demo.other")
    with pytest.raises(ValueError, match="twice"):
        registry.register("demo.rule.v1", severity="info", title="again")(_v1)
    with pytest.raises(ValueError, match="must look like"):
        registry.register("Demo Rule", severity="info", title="bad")


def test_engine_turns_a_failing_rule_into_an_info_edit_and_runs_the_others(bundled_kb, monkeypatch) -> None:
    from medcoder.edits import registry as registry_module
    from medcoder.errors import MedcoderError

    demo = EditRegistry()

    @demo.register("demo.broken.v1", severity="error", title="broken")
    def _broken(ctx):
        raise MedcoderError("reference file unreadable")

    @demo.register("demo.ok.v1", severity="warning", title="ok")
    def _ok(ctx):
        yield Finding("found", ["I50.23"])

    monkeypatch.setattr(registry_module.edit_rules, "_rules", demo._rules)
    with EditEngine(bundled_kb, PayerProfile.parse("id: p\n"), References()) as engine:
        edits = engine.check(Claim.model_validate(CLAIM))
    assert [(e.rule_id, e.severity) for e in edits] == [("demo.ok.v1", "warning"), ("demo.broken.v1", "info")]
    assert "reference file unreadable" in edits[1].message
