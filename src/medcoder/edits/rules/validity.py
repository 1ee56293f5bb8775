"""Code validity on the date of service: unknown codes, headers used as codes, missing 7th characters.

ICD-10-CM (OCG I.B.1-3: report the code to the highest number of characters available; a code
that needs a 7th character is invalid without it) and ICD-10-PCS (all seven characters, valid in
the release's tables) are checked against the release in effect on the date of service; CPT and
HCPCS when the user has installed them.  A date after every installed release is checked against
the newest one (the engine adds the ``codesets.release-fallback.v1`` warning that says so).
"""

from __future__ import annotations

from collections.abc import Iterator

from medcoder.codesets.icd10cm.tabular import seventh_character_form
from medcoder.codesets.normalize import ICD10PCS
from medcoder.edits.engine import EditContext
from medcoder.edits.registry import Finding, edit_rules
from medcoder.errors import MedcoderError, NoReleaseError
from medcoder.models import Severity


def _day(ctx: EditContext) -> str:
    return ctx.day.isoformat() if ctx.day else "an unknown date (latest release)"


@edit_rules.register(
    "validity.code.v1",
    severity="error",
    title="code not valid in the release in effect on the date of service",
    source="OCG I.B.1; ICD-10-PCS tables; HCPCS/CPT releases",
)
def code_valid(ctx: EditContext) -> Iterator[Finding]:
    rid = ctx.cm_release()
    for diagnosis in ctx.claim.diagnoses:
        if ctx.cm(diagnosis.code) is None:
            hints = ctx.kb.cm_suggestions(diagnosis.code, release_id=rid)
            yield Finding(
                f"{diagnosis.code} is not an ICD-10-CM code in {rid} (date of service {_day(ctx)})",
                [diagnosis.code],
                fix=f"did you mean {', '.join(hints)}?" if hints else "check the code against the tabular list",
            )
    unchecked: set[str] = set()
    for procedure in ctx.claim.procedures:
        system = procedure.code_system
        try:
            choice = ctx.release_choice(system)
            # a stand-in release is asked "as of" its own last day, the nearest date it covers
            day = choice.manifest.effective_to if choice.fallback else ctx.day
            status = ctx.kb.status(procedure.code, day, system=system)
        except (NoReleaseError, MedcoderError):
            unchecked.add(system)
            continue
        if not status.valid:
            yield Finding(
                f"{procedure.code} is not a valid {system} code in {status.release_id} (date of service {_day(ctx)})",
                [procedure.code],
                fix="check the code against the release in effect on the date of service",
            )
        elif not status.billable and system == ICD10PCS:
            yield Finding(
                f"{procedure.code} is a partial ICD-10-PCS code: {status.reason}",
                [procedure.code],
                fix=f"complete all seven characters (`medcoder pcs {procedure.code}` lists the valid next ones)",
            )
    for system in sorted(unchecked):
        yield Finding(
            f"{system} codes not checked: no {system} release installed for {_day(ctx)}",
            severity=Severity.info,
        )


@edit_rules.register(
    "validity.header.v1",
    severity="error",
    title="a category or subcategory (header) reported as if it were a code",
    source="OCG I.B.2-3",
)
def header(ctx: EditContext) -> Iterator[Finding]:
    for diagnosis in ctx.claim.diagnoses:
        node = ctx.cm(diagnosis.code)
        if node is None or node.billable or node.needs_seventh:
            continue
        children = [c.code for c in ctx.kb.cm_children(node)][:5]
        yield Finding(
            f"{node.code} ({node.description}) is a header, not a billable code: more specific codes exist",
            [node.code],
            fix=f"report one of its subdivisions, e.g. {', '.join(children)}" if children else None,
        )


@edit_rules.register(
    "validity.seventh-character.v1",
    severity="error",
    title="a code that requires a 7th character reported without one",
    source="OCG I.A.5, I.C.19.a",
)
def seventh_character(ctx: EditContext) -> Iterator[Finding]:
    for diagnosis in ctx.claim.diagnoses:
        node = ctx.cm(diagnosis.code)
        if node is None or node.billable or not node.needs_seventh:
            continue
        options = ", ".join(f"{c} ({label})" for c, label in node.seventh)
        example = seventh_character_form(node.code, node.seventh[0][0])
        yield Finding(
            f"{node.code} ({node.description}) needs a 7th character: {options}",
            [node.code],
            fix=f"add the 7th character for the episode of care, with placeholder X where needed, e.g. {example}",
        )
