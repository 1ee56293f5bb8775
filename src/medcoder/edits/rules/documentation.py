"""Documentation edits: what must be on the record or the claim before it goes out.

- unsigned documents (a note must be authenticated by its author before it supports billing);
- procedures the payer profile lists as needing prior authorization, without an authorization number;
- required fields missing for the claim's setting (dates, discharge status, age, sex).

An edit that cannot know is not an error: a plain-text note carries no signature data
(``Document.signed is None``) and no registration data (``Encounter.has_registration`` false), so
for it these rules say what must be checked in the source record, as ``info``.  Known gaps -- a
document the source says is unsigned (``signed`` false), a field a claim or a structured encounter
leaves out -- stay errors.
"""

from __future__ import annotations

from collections.abc import Iterator

from medcoder.edits.engine import EditContext
from medcoder.edits.registry import Finding, edit_rules
from medcoder.models import Severity

_FIELD_NAMES = {
    "admit_date": "admission date",
    "discharge_date": "discharge date",
    "service_date": "date of service",
    "discharge_status": "discharge status",
    "age": "age (or birth date)",
    "sex": "sex",
    "payer": "payer",
}


@edit_rules.register(
    "documentation.unsigned.v1",
    severity="error",
    title="a clinical document that is not signed by its author",
    source="CMS Program Integrity Manual ch. 3, 3.3.2.4 (signature requirements)",
)
def unsigned(ctx: EditContext) -> Iterator[Finding]:
    if ctx.encounter is None:
        return
    wanted = ctx.profile.documentation.signed_document_types
    for document in ctx.encounter.documents:
        if document.signed or (wanted != "all" and document.type not in wanted):
            continue
        author = f" by {document.author}" if document.author else ""
        if document.signed is None:  # no signature data in the source (a text note): cannot know
            yield Finding(
                f"document {document.id} ({document.type}{author}): signature not known, the source "
                "carries no signature data",
                fix="check in the source record that the author signed (authenticated) it before billing",
                severity=Severity.info,
            )
            continue
        yield Finding(
            f"document {document.id} ({document.type}{author}) is not signed",
            fix="have the author sign (authenticate) the document before the claim is billed",
        )


@edit_rules.register(
    "documentation.prior-auth.v1",
    severity="error",
    title="a procedure the payer requires prior authorization for, without an authorization number",
    source="payer profile: prior_authorization.procedures",
)
def prior_authorization(ctx: EditContext) -> Iterator[Finding]:
    policy = ctx.profile.prior_authorization
    for procedure in ctx.claim.procedures:
        entry = policy.requires(procedure.code)
        if entry is None or procedure.prior_authorization or ctx.claim.prior_authorization:
            continue
        payer = ctx.profile.name or ctx.profile.id
        yield Finding(
            f"{procedure.code} needs prior authorization under {payer} (profile entry {entry}); none on the claim",
            [procedure.code],
            fix="add the payer's authorization number to the procedure line or the claim, or obtain one",
        )


@edit_rules.register(
    "documentation.required-fields.v1",
    severity="error",
    title="a field the claim needs for its setting is missing",
    source="UB-04 / CMS-1500 required data elements; payer profile: documentation.required_fields",
)
def required_fields(ctx: EditContext) -> Iterator[Finding]:
    claim = ctx.claim
    missing = [
        name
        for name in ctx.profile.documentation.required_fields.get(claim.setting, [])
        if getattr(claim, name) is None or (name == "sex" and getattr(claim, name) == "U")
    ]
    if missing and ctx.encounter is not None and not ctx.encounter.has_registration:
        # a text note has no registration data: these fields are unknown here, not missing
        names = ", ".join(_FIELD_NAMES[name] for name in missing)
        yield Finding(
            f"the {claim.setting} claim needs {names}: not known from a source without registration data",
            fix="take them from the registration system when the claim is built",
            severity=Severity.info,
        )
        return
    for name in missing:
        yield Finding(
            f"the {claim.setting} claim has no {_FIELD_NAMES[name]}",
            fix=f"add the {_FIELD_NAMES[name]} from the registration or the record",
        )
