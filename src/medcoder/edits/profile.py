"""Payer profiles: which edit rules run for a payer, how serious each is, and what they need.

A profile is a YAML file validated by pydantic.  The bundled default (``data/payer_default.yaml``)
is Medicare fee-for-service style; a site writes its own for each payer::

    id: acme-commercial
    name: ACME Health commercial plans
    rules:
      disabled: [ncci.mue]            # rule ids, ids without version, or whole families ("poa")
      severity: {conventions.use-additional: info}
    prior_authorization:
      procedures: ["0SR9*", "0SRB*", "27447", "E0260"]   # codes, or prefixes ending in '*'
    reference:                        # CMS files, paths relative to this profile
      ncci_ptp: [ncci/ccipra-v321r0-f1.txt, ncci/ccipra-v321r0-f2.txt]
      mue: [mue/MCR_MUE_PractitionerServices_Eff_01-01-2026.csv]
      poa_exempt: poa/POAexemptCodes2026.txt
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from medcoder.errors import PayerProfileError
from medcoder.models import Severity

SettingName = Literal["inpatient", "outpatient", "professional"]

_DEFAULT_REQUIRED: dict[str, list[str]] = {
    "inpatient": ["admit_date", "discharge_date", "discharge_status", "age", "sex"],
    "outpatient": ["service_date", "age", "sex"],
    "professional": ["service_date", "age", "sex"],
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleSettings(_Model):
    disabled: list[str] = Field(default_factory=list, description="rule ids, ids without version, or families")
    severity: dict[str, Severity] = Field(default_factory=dict, description="rule id (or base id) -> severity")


class PoaSettings(_Model):
    required_settings: list[SettingName] = Field(
        default_factory=lambda: ["inpatient"], description="claim settings that must report POA indicators"
    )


class PriorAuthorization(_Model):
    procedures: list[str] = Field(default_factory=list, description="codes, or prefixes ending in '*'")

    @field_validator("procedures")
    @classmethod
    def _normalize(cls, value: list[str]) -> list[str]:
        return [v.strip().replace(".", "").upper() for v in value if v.strip()]

    def requires(self, code: str) -> str | None:
        """The profile entry that makes ``code`` need an authorization, if any."""
        for entry in self.procedures:
            if (entry.endswith("*") and code.startswith(entry[:-1])) or entry == code:
                return entry
        return None


CLAIM_FIELDS = ("admit_date", "discharge_date", "service_date", "discharge_status", "age", "sex", "payer")


class DocumentationSettings(_Model):
    required_fields: dict[SettingName, list[str]] = Field(default_factory=lambda: dict(_DEFAULT_REQUIRED))
    signed_document_types: list[str] | Literal["all"] = Field(
        default="all", description="document types that must be signed before billing"
    )

    @field_validator("required_fields")
    @classmethod
    def _known_fields(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for setting, names in value.items():
            unknown = [n for n in names if n not in CLAIM_FIELDS]
            if unknown:
                known = ", ".join(CLAIM_FIELDS)
                raise ValueError(f"{setting}: unknown claim field(s) {', '.join(unknown)}; known: {known}")
        return value


class ReferenceFiles(_Model):
    ncci_ptp: list[Path] = Field(default_factory=list, description="NCCI PTP edit files (text, CSV or zip)")
    mue: list[Path] = Field(default_factory=list, description="MUE files (CSV or text)")
    poa_exempt: Path | None = Field(default=None, description="the official POA-exempt code list")


class PayerProfile(_Model):
    id: str
    name: str = ""
    description: str = ""
    rules: RuleSettings = Field(default_factory=RuleSettings)
    poa: PoaSettings = Field(default_factory=PoaSettings)
    prior_authorization: PriorAuthorization = Field(default_factory=PriorAuthorization)
    documentation: DocumentationSettings = Field(default_factory=DocumentationSettings)
    reference: ReferenceFiles = Field(default_factory=ReferenceFiles)
    source: str = Field(default="", exclude=True, description="where the profile was read from")

    def enabled(self, rule_id: str) -> bool:
        from medcoder.edits.registry import base_id

        off = set(self.rules.disabled)
        return not ({rule_id, base_id(rule_id), rule_id.split(".", 1)[0]} & off)

    def severity(self, rule_id: str, default: Severity) -> Severity:
        from medcoder.edits.registry import base_id

        return self.rules.severity.get(rule_id) or self.rules.severity.get(base_id(rule_id)) or default

    # -- reading

    @classmethod
    def read(cls, path: str | Path) -> PayerProfile:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise PayerProfileError(f"{path}: no such payer profile") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise PayerProfileError(f"{path}: cannot read the payer profile: {exc}") from None
        profile = cls.parse(text, str(path))
        base = path.resolve().parent
        ref = profile.reference
        profile.reference = ReferenceFiles(
            ncci_ptp=[base / p for p in ref.ncci_ptp],
            mue=[base / p for p in ref.mue],
            poa_exempt=base / ref.poa_exempt if ref.poa_exempt else None,
        )
        return profile

    @classmethod
    def parse(cls, text: str, source: str = "<profile>") -> PayerProfile:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f", line {mark.line + 1}" if mark is not None else ""
            raise PayerProfileError(f"{source}{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
        if not isinstance(data, dict):
            raise PayerProfileError(f"{source}: a payer profile is a YAML mapping, found {type(data).__name__}")
        try:
            profile = cls.model_validate(data)
        except ValidationError as exc:
            reasons = "; ".join(
                f"{'.'.join(str(p) for p in item['loc']) or 'profile'}: {item['msg']}" for item in exc.errors()
            )
            raise PayerProfileError(f"{source}: {reasons}") from None
        profile.source = source
        _check_rule_names(profile, source)
        return profile

    @classmethod
    def default(cls) -> PayerProfile:
        text = resources.files("medcoder").joinpath("data/payer_default.yaml").read_text(encoding="utf-8")
        return cls.parse(text, "medcoder:data/payer_default.yaml")


def _check_rule_names(profile: PayerProfile, source: str) -> None:
    """A misspelt rule id in a profile would silently do nothing: refuse it."""
    from medcoder.edits import rules  # noqa: F401 - registers the rules
    from medcoder.edits.registry import edit_rules

    known = {r.id for r in edit_rules} | {r.base for r in edit_rules} | {r.family for r in edit_rules}
    named = [*profile.rules.disabled, *profile.rules.severity]
    unknown = [name for name in named if name not in known]
    if unknown:
        raise PayerProfileError(f"{source}: unknown edit rule(s) {', '.join(unknown)}; see `medcoder edit --rules`")
