"""National Correct Coding Initiative edits on CPT / HCPCS lines, from the CMS files a site imports
(the payer profile's ``reference`` section, or ``medcoder edit --ptp/--mue``).

- PTP (procedure-to-procedure): two codes on the same date of service that are not paid together;
  with modifier indicator 1, an NCCI-associated modifier on either line bypasses the edit (the
  services were separate and distinct), with 0 nothing does.
- MUE (medically unlikely edits): more units of a code than a provider would report for one
  patient -- per claim line (MAI 1) or per date of service (MAI 2 policy, 3 clinical).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from medcoder.edits.engine import EditContext
from medcoder.edits.registry import Finding, edit_rules
from medcoder.grouping.claims import ClaimProcedure
from medcoder.models import Severity

# NCCI Policy Manual, ch. I: the modifiers that may bypass a PTP edit whose indicator is 1.
PTP_MODIFIERS = frozenset(
    {"24", "25", "27", "57", "58", "59", "78", "79", "91", "XE", "XP", "XS", "XU"}
    | {"E1", "E2", "E3", "E4", "FA", "LC", "LD", "LM", "LT", "RC", "RI", "RT", "TA"}
    | {f"F{i}" for i in range(1, 10)}
    | {f"T{i}" for i in range(1, 10)}
)
_SERVICE = {"professional": "practitioner", "outpatient": "outpatient"}


def _lines(ctx: EditContext) -> list[ClaimProcedure]:
    return [p for p in ctx.claim.procedures if p.code_system in ("CPT", "HCPCS")]


def _date(ctx: EditContext, line: ClaimProcedure) -> dt.date | None:
    return line.date or ctx.day


def _not_configured(what: str, option: str) -> Finding:
    return Finding(
        f"{what} not checked: no CMS {what} file in the payer profile (reference.{option})",
        severity=Severity.info,
    )


@edit_rules.register(
    "ncci.ptp.v1",
    severity="error",
    title="NCCI procedure-to-procedure edit: two codes not reported together on one date of service",
    settings=["outpatient", "professional"],
    source="CMS NCCI PTP edits (imported), NCCI Policy Manual ch. I",
)
def ptp(ctx: EditContext) -> Iterator[Finding]:
    lines = _lines(ctx)
    if len(lines) < 2:
        return
    table = ctx.references.ptp
    if table is None:
        yield _not_configured("NCCI PTP", "ncci_ptp")
        return
    seen: set[tuple[str, str]] = set()
    for i, first in enumerate(lines):
        for second in lines[i + 1 :]:
            day = _date(ctx, first)
            if day is None or day != _date(ctx, second) or first.code == second.code:
                continue
            edit = table.edit(first.code, second.code, day)
            if edit is None or edit.modifier == 9 or (edit.column1, edit.column2) in seen:
                continue
            column2 = second if second.code == edit.column2 else first
            column1 = first if column2 is second else second
            bypass = sorted((set(column2.modifiers) | set(column1.modifiers)) & PTP_MODIFIERS)
            if edit.modifier == 1 and bypass:
                continue  # separate and distinct service, documented by the modifier
            seen.add((edit.column1, edit.column2))
            if edit.modifier == 1:
                fix = (
                    f"remove {edit.column2}, or, if it was a separate and distinct service (different session, "
                    "site or encounter), append an NCCI-associated modifier such as 59, XS or XU and document why"
                )
            else:
                fix = f"remove {edit.column2}: no modifier allows it with {edit.column1} (modifier indicator 0)"
            rationale = f" ({edit.rationale})" if edit.rationale else ""
            yield Finding(
                f"{edit.column2} is a column-2 code to {edit.column1} on {day.isoformat()}: not payable together"
                f"{rationale}",
                [edit.column1, edit.column2],
                fix=fix,
            )


@edit_rules.register(
    "ncci.mue.v1",
    severity="error",
    title="units of service above the medically unlikely edit (MUE) for the code",
    settings=["outpatient", "professional"],
    source="CMS MUE tables (imported)",
)
def mue(ctx: EditContext) -> Iterator[Finding]:
    lines = _lines(ctx)
    if not lines:
        return
    table = ctx.references.mue
    if table is None:
        yield _not_configured("MUE", "mue")
        return
    service = _SERVICE.get(ctx.setting)
    per_day: dict[tuple[str, dt.date | None], int] = defaultdict(int)
    for line in lines:
        per_day[(line.code, _date(ctx, line))] += line.units
    reported: set[str] = set()
    for line in lines:
        entry = table.get(line.code, service)
        if entry is None:
            continue
        if entry.mai == 1:  # line edit: each claim line on its own
            if line.units > entry.limit:
                yield Finding(
                    f"{line.code}: {line.units} units on one line, the MUE is {entry.limit} (MAI 1, line edit)",
                    [line.code],
                    fix="report units above the MUE on separate lines with an appropriate modifier (e.g. 76, 77, "
                    "91, anatomic) if they were medically necessary",
                )
            continue
        day = _date(ctx, line)
        total = per_day[(line.code, day)]
        if total > entry.limit and line.code not in reported:
            reported.add(line.code)
            kind = "policy" if entry.mai == 2 else "clinical"
            when = day.isoformat() if day else "the date of service"
            fix = (
                f"units above {entry.limit} are not payable (a {kind} limit)"
                if entry.mai == 2
                else f"units above {entry.limit} are denied; appeal with documentation of medical necessity"
            )
            yield Finding(
                f"{line.code}: {total} units on {when}, the MUE is {entry.limit} (MAI {entry.mai}, date-of-service "
                f"edit: {kind})",
                [line.code],
                fix=fix,
            )
