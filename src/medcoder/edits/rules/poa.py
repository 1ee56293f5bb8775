"""Present-on-admission indicators (ICD-10-CM Official Guidelines, Appendix I).

Inpatient claims report a POA indicator for every diagnosis -- Y, N, U, W -- except the codes on
the POA-exempt list, which are left blank (``1`` in the 5010 electronic format).  The exempt list
is the official file named in the payer profile, or medcoder's curated partial list.
"""

from __future__ import annotations

from collections.abc import Iterator

from medcoder.edits.engine import EditContext
from medcoder.edits.registry import Finding, edit_rules
from medcoder.models import Severity

VALID = ("Y", "N", "U", "W", "1")


def _required(ctx: EditContext) -> bool:
    return ctx.setting in ctx.profile.poa.required_settings


def _exempt(ctx: EditContext, code: str) -> bool:
    exempt = ctx.references.poa_exempt
    return exempt is not None and exempt.contains(code)


def _source(ctx: EditContext) -> str:
    exempt = ctx.references.poa_exempt
    return str(getattr(exempt, "source", "") or "the POA-exempt list")


@edit_rules.register(
    "poa.required.v1",
    severity="error",
    title="a diagnosis without the POA indicator the claim requires",
    source="OCG Appendix I",
)
def required(ctx: EditContext) -> Iterator[Finding]:
    if not _required(ctx):
        return
    fix = (
        "report Y (present), N (not present), U (documentation insufficient) or W (clinically "
        "undetermined); query the provider when the record does not say"
    )
    missing = [
        ctx.show(diagnosis.code)
        for diagnosis in ctx.claim.diagnoses
        if diagnosis.poa is None and not _exempt(ctx, diagnosis.code)
    ]
    if missing and ctx.encounter is not None:
        # medcoder coded the documents and sets POA only where the record says it (coding/poa.py):
        # the rest is one task for the coder, not a defect of the input
        yield Finding(
            f"present on admission not determined from the documentation for {', '.join(missing)} "
            f"(a POA indicator is required; not on {_source(ctx)})",
            missing,
            fix=fix,
            severity=Severity.warning,
        )
        return
    for code in missing:
        yield Finding(f"{code} has no present-on-admission indicator (not on {_source(ctx)})", [code], fix=fix)


@edit_rules.register(
    "poa.invalid.v1",
    severity="error",
    title="a POA indicator that is not Y, N, U, W or 1, or 1 on a code that is not exempt",
    source="OCG Appendix I; UB-04 / 837I POA values",
)
def invalid(ctx: EditContext) -> Iterator[Finding]:
    for diagnosis in ctx.claim.diagnoses:
        poa = diagnosis.poa
        if poa is None:
            continue
        code = ctx.show(diagnosis.code)
        if poa not in VALID:
            yield Finding(
                f"{code} has POA indicator {poa!r}: valid values are Y, N, U, W and 1 (exempt)",
                [code],
                fix="report Y, N, U or W (or leave blank / 1 for an exempt code)",
            )
        elif poa == "1" and _required(ctx) and not _exempt(ctx, diagnosis.code):
            yield Finding(
                f"{code} has POA indicator 1 (exempt), but it is not on {_source(ctx)}",
                [code],
                fix="report Y, N, U or W",
            )


@edit_rules.register(
    "poa.exempt.v1",
    severity="warning",
    title="a POA-exempt code reported with Y, N, U or W",
    source="OCG Appendix I",
)
def exempt(ctx: EditContext) -> Iterator[Finding]:
    if not _required(ctx):
        return  # no POA on this kind of claim at all
    for diagnosis in ctx.claim.diagnoses:
        if diagnosis.poa in ("Y", "N", "U", "W") and _exempt(ctx, diagnosis.code):
            code = ctx.show(diagnosis.code)
            yield Finding(
                f"{code} is exempt from POA reporting (on {_source(ctx)}) but has indicator {diagnosis.poa}",
                [code],
                fix="leave the POA field blank (1 in the electronic claim)",
            )
