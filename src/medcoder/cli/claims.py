"""``medcoder group`` and ``medcoder hcc``: thin shells over :mod:`medcoder.grouping`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from medcoder.cli.render import emit_json, err, table
from medcoder.errors import MedcoderError, ReadError

_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "jsonl"]),
    default="table",
    show_default=True,
    help="Output format (jsonl: one result per claim, in input order).",
)


def _run(path: Path, fmt: str, process: Any, show: Any) -> None:
    """Read claims, process each, print; a bad claim goes to stderr and the rest go on (exit 1)."""
    from medcoder.grouping.claims import read_claims

    failures = 0
    collected: list[dict[str, Any]] = []
    try:
        for claim in read_claims(path):
            if isinstance(claim, ReadError):
                failures += 1
                err(f"error {claim}")
                continue
            try:
                result = process(claim)
            except MedcoderError as exc:
                failures += 1
                err(f"error {exc}")
                continue
            data = result.model_dump(mode="json")
            if fmt == "jsonl":
                click.echo(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
            elif fmt == "json":
                collected.append(data)
            else:
                click.echo(show(result))
                click.echo()
    except MedcoderError as exc:
        err(f"error {exc}")
        sys.exit(exc.exit_status)
    if fmt == "json":
        emit_json(collected[0] if len(collected) == 1 and not failures else collected)
    if failures:
        sys.exit(1)


def _drg_table(result: Any) -> str:
    head = f"{result.claim_id or 'claim'}: MS-DRG {result.drg} (MDC {result.mdc}) {result.description or ''}"
    head += f"  [v{result.version}, {result.return_code}]"
    if result.relative_weight is not None:
        head += f"  weight {result.relative_weight:.4f}"
    if result.payment is not None:
        head += f"  est. payment {result.payment:,.2f}"
    impacts = {i.code: i for i in result.impact or []}
    rows = [[result.principal, "", "principal", "", ""]]
    for dx in result.secondary:
        impact = impacts.get(dx.code)
        rows.append(
            [
                dx.code,
                dx.poa or "",
                dx.severity + (" (excluded)" if dx.excluded else ""),
                impact.drg_without if impact else "",
                "yes" if impact and impact.changes_drg else "",
            ]
        )
    return head + "\n" + table(["diagnosis", "poa", "cc/mcc", "drg without", "drives drg"], rows)


def _hcc_table(result: Any) -> str:
    lines = [f"{result.claim_id or 'claim'}: payment year {result.payment_year}, risk score {result.risk_score:.3f}"]
    for model in result.models:
        lines.append(f"{model.model} (weight {model.weight:g}): {model.risk_score:.3f}")
        rows = [[h.hcc, h.label, h.coefficient, ", ".join(h.diagnoses), ""] for h in model.hccs]
        rows += [[s.hcc, "", "", ", ".join(s.diagnoses), "superseded by " + ", ".join(s.by)] for s in model.superseded]
        lines.append(table(["hcc", "label", "coefficient", "diagnoses", "note"], rows))
    return "\n".join(lines)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@_FORMAT
@click.option(
    "--weights", type=click.Path(path_type=Path), default=None, help="CMS IPPS Table 5 (CSV or text): weights."
)
@click.option("--base-rate", type=float, default=None, help="Base rate for an estimated payment (weight x rate).")
@click.option("--no-impact", is_flag=True, help="Skip the what-if regrouping without each secondary diagnosis.")
@click.option("--mce", is_flag=True, help="Also run the Medicare Code Editor.")
def group(file: Path, fmt: str, weights: Path | None, base_rate: float | None, no_impact: bool, mce: bool) -> None:
    """Group inpatient claims into MS-DRGs (grouper version by discharge date).

    FILE holds one claim as JSON, or JSONL with one claim per line:
    {"discharge_date": "2026-05-01", "age": 65, "sex": "F", "discharge_status": 1,
     "diagnoses": [{"code": "I50.23", "poa": "Y"}, {"code": "J96.01", "poa": "Y"}], "procedures": []}

    \b
    Examples:
      medcoder group claim.json
      medcoder group claims.jsonl --format jsonl --weights table5.txt --base-rate 6500
    A claim that cannot be read is reported on stderr; the others are still grouped (exit status 1).
    """
    from medcoder.grouping.msdrg import DrgGrouper

    try:
        grouper = DrgGrouper(weights=weights, base_rate=base_rate, mce=mce, impact=not no_impact)
    except MedcoderError as exc:
        err(f"error {exc}")
        sys.exit(exc.exit_status)
    with grouper:
        _run(file, fmt, grouper.group, _drg_table)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@_FORMAT
@click.option("--payment-year", type=int, default=2026, show_default=True, help="Picks the model blend (V24/V28).")
@click.option("--model", type=click.Choice(["V24", "V28"]), default=None, help="One model instead of the blend.")
def hcc(file: Path, fmt: str, payment_year: int, model: str | None) -> None:
    """CMS-HCC categories and risk score of each claim's diagnoses (its age and sex; community, non-dual).

    FILE holds claims as for `medcoder group`.

    \b
    Examples:
      medcoder hcc claim.json
      medcoder hcc claims.jsonl --payment-year 2025 --format jsonl
    """
    from medcoder.grouping.hcc import HccScorer

    try:
        scorer = HccScorer(payment_year=payment_year, model=model)  # type: ignore[arg-type]
    except MedcoderError as exc:
        err(f"error {exc}")
        sys.exit(exc.exit_status)

    _run(file, fmt, scorer.score_claim, _hcc_table)


def _edits_table(result: Any) -> str:
    head = f"{result.claim_id or 'claim'}: {result.errors} error(s), {result.warnings} warning(s)"
    head += f"  [profile {result.profile}]"
    if not result.edits:
        return head + "\nno edits"
    rows = [[e.severity.value, e.rule_id, " ".join(e.codes), e.message, e.suggested_fix or ""] for e in result.edits]
    return head + "\n" + table(["severity", "rule", "codes", "message", "fix"], rows, max_width=70)


def _rules_table() -> str:
    from medcoder.edits import rules  # noqa: F401 - registers the rules
    from medcoder.edits.registry import edit_rules

    rows = [
        [r.id, r.severity.value, ", ".join(sorted(r.settings)) if r.settings else "all", r.title] for r in edit_rules
    ]
    return table(["rule", "severity", "settings", "what it checks"], rows, max_width=100)


@click.command()
@click.argument("file", type=click.Path(path_type=Path), required=False)
@_FORMAT
@click.option("--profile", type=click.Path(path_type=Path), default=None, help="Payer profile (YAML).")
@click.option("--ptp", type=click.Path(path_type=Path), multiple=True, help="CMS NCCI PTP file (repeatable).")
@click.option("--mue", type=click.Path(path_type=Path), multiple=True, help="CMS MUE file (repeatable).")
@click.option("--poa-exempt", type=click.Path(path_type=Path), default=None, help="Official POA-exempt code list.")
@click.option("--rules", "list_rules", is_flag=True, help="List the edit rules and exit.")
def edit(
    file: Path | None,
    fmt: str,
    profile: Path | None,
    ptp: tuple[Path, ...],
    mue: tuple[Path, ...],
    poa_exempt: Path | None,
    list_rules: bool,
) -> None:
    """Check claims against coding conventions and payer rules before they go out.

    FILE holds claims as for `medcoder group`, plus optional "setting" (inpatient | outpatient |
    professional), "admit_date", "service_date", "prior_authorization", and per procedure "units",
    "modifiers", "date", "prior_authorization". Reference files given as options are used in
    addition to those the profile names. Exit status 0 when every claim was checked (whatever
    the edits found), 1 when a claim could not be read.

    \b
    Examples:
      medcoder edit claim.json
      medcoder edit claims.jsonl --format jsonl --profile acme.yaml
      medcoder edit claims.jsonl --ptp ccipra-v321r0-f1.txt --mue MCR_MUE_Practitioner.csv
      medcoder edit --rules
    """
    if list_rules:
        click.echo(_rules_table())
        return
    if file is None:
        err("error: give a claim FILE (or --rules to list the rules)")
        sys.exit(2)
    from medcoder.edits.engine import EditEngine, References
    from medcoder.edits.profile import PayerProfile

    try:
        payer = PayerProfile.read(profile) if profile else PayerProfile.default()
        ref = payer.reference
        references = References.load([*ref.ncci_ptp, *ptp], [*ref.mue, *mue], poa_exempt or ref.poa_exempt)
        engine = EditEngine(profile=payer, references=references)
    except MedcoderError as exc:
        err(f"error {exc}")
        sys.exit(exc.exit_status)
    with engine:
        _run(file, fmt, engine.report, _edits_table)
