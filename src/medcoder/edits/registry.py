"""The registry of edit rules (DESIGN.md §7): versioned ids, looked up by id.

A rule is a function of an :class:`~medcoder.edits.engine.EditContext` that yields
:class:`Finding` objects; the engine turns them into :class:`~medcoder.models.Edit` objects with
the rule's id and severity (or the payer profile's override).  A behaviour change registers a new
version (``.v2``); the old id keeps working, and an id without a version means the latest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from medcoder.errors import UnknownRuleError
from medcoder.models import Severity

if TYPE_CHECKING:
    from medcoder.edits.engine import EditContext

_ID = re.compile(r"^(?P<base>[a-z0-9][a-z0-9_.-]*)\.v(?P<version>[0-9]+)$")


@dataclass(slots=True)
class Finding:
    """One problem a rule found on a claim."""

    message: str
    codes: list[str] = field(default_factory=list)
    fix: str | None = None
    rule_id: str | None = None  # a sub-rule's own id (the MCE reports many edits through one rule)
    severity: Severity | None = None  # a finding more or less serious than the rule's default


CheckFn = Callable[["EditContext"], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class EditRule:
    id: str
    severity: Severity
    title: str
    family: str
    check: CheckFn
    settings: frozenset[str] | None = None  # claim settings the rule applies to; None: all
    source: str = ""  # the guideline, manual or file it applies

    @property
    def base(self) -> str:
        return base_id(self.id)

    @property
    def version(self) -> int:
        return int(_ID.match(self.id)["version"])  # type: ignore[index]

    def applies_to(self, setting: str) -> bool:
        return self.settings is None or setting in self.settings


def base_id(rule_id: str) -> str:
    match = _ID.match(rule_id)
    return match["base"] if match else rule_id


class EditRegistry:
    def __init__(self) -> None:
        self._rules: dict[str, EditRule] = {}

    def register(
        self,
        rule_id: str,
        *,
        severity: Severity | str,
        title: str,
        settings: Iterable[str] | None = None,
        source: str = "",
    ) -> Callable[[CheckFn], CheckFn]:
        if not _ID.match(rule_id):
            raise ValueError(f"edit rule id {rule_id!r} must look like 'family.name.v1'")
        if rule_id in self._rules:
            raise ValueError(f"edit rule {rule_id} is registered twice")

        def decorator(fn: CheckFn) -> CheckFn:
            self._rules[rule_id] = EditRule(
                id=rule_id,
                severity=Severity(severity),
                title=title,
                family=rule_id.split(".", 1)[0],
                check=fn,
                settings=frozenset(settings) if settings is not None else None,
                source=source,
            )
            return fn

        return decorator

    def get(self, rule_id: str) -> EditRule:
        """A rule by its id; an id without ``.vN`` means the latest version."""
        if rule_id in self._rules:
            return self._rules[rule_id]
        versions = [r for r in self._rules.values() if r.base == rule_id]
        if versions:
            return max(versions, key=lambda r: r.version)
        known = ", ".join(sorted(self._rules))
        raise UnknownRuleError(f"unknown edit rule {rule_id!r}; known: {known}")

    def latest(self) -> list[EditRule]:
        """The newest version of every rule, in registration order of their first version."""
        newest: dict[str, EditRule] = {}
        for rule in self._rules.values():
            if rule.base not in newest or rule.version > newest[rule.base].version:
                newest[rule.base] = rule
        return list(newest.values())

    def __iter__(self) -> Iterator[EditRule]:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)


edit_rules = EditRegistry()
