"""What ``show`` and ``example`` print: built from library calls, rendered as text or JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from medcoder.cli.render import emit_json, table
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.normalize import ICD10CM, ICD10PCS, compact, guess_systems
from medcoder.errors import InvalidCodeFormatError, UnknownCodeError
from medcoder.examples import EXAMPLE, example_encounter

NOTE_TITLES = {
    "inclusionTerm": "Inclusion terms",
    "includes": "Includes",
    "notes": "Note",
    "excludes1": "Excludes1",
    "excludes2": "Excludes2",
    "codeFirst": "Code first",
    "useAdditionalCode": "Use additional code",
    "codeAlso": "Code also",
    "sevenChrNote": "7th character note",
}


def cm_view(kb: KnowledgeBase, code: str, day: dt.date | None) -> dict[str, Any]:
    node = kb.cm_require(code, day)
    ancestors = kb.cm_ancestors(node)
    notes = kb.cm_notes(node)
    excludes1 = sorted({ref for n in notes if n.type == "excludes1" for ref in n.refs})
    children = kb.cm_children(node) if not (node.billable or node.needs_seventh) else []
    status = kb.cm_status(node.code, day)
    return {
        "system": ICD10CM,
        "release_id": node.release_id,
        "code": node.code,
        "description": node.description,
        "kind": node.kind,
        "billable": node.billable,
        "status": status.reason,
        "hierarchy": [{"code": a.code, "kind": a.kind, "description": a.description} for a in reversed(ancestors)],
        "notes": [
            {"type": n.type, "text": n.text, "refs": n.refs, "from": n.source, "from_kind": n.source_kind}
            for n in notes
        ],
        "seventh_characters": [{"char": c, "meaning": m, "code": _full(node.code, c)} for c, m in node.seventh]
        if node.needs_seventh
        else [],
        "seventh_from": node.seventh_from,
        "excludes1": excludes1,
        "children": [{"code": c.code, "description": c.description, "billable": c.billable} for c in children],
    }


def _full(code: str, char: str) -> str:
    from medcoder.codesets.icd10cm.tabular import seventh_character_form

    return seventh_character_form(code, char)


def pcs_view(kb: KnowledgeBase, code: str, day: dt.date | None) -> dict[str, Any]:
    rid, axes = kb.pcs_explain(code, day)
    key = compact(code)
    status = kb.pcs_status(key, day)
    return {
        "system": ICD10PCS,
        "release_id": rid,
        "code": key,
        "description": status.description,
        "billable": status.billable,
        "status": status.reason,
        "axes": [
            {
                "position": a.position,
                "title": a.title,
                "char": a.char,
                "label": a.label,
                "definition": a.definition,
            }
            for a in axes
        ],
    }


def code_view(kb: KnowledgeBase, code: str, day: dt.date | None) -> dict[str, Any]:
    systems = guess_systems(code)
    if not systems:
        raise InvalidCodeFormatError(code, "ICD-10-CM or ICD-10-PCS", "not the shape of either")
    has_pcs = any(m.system == ICD10PCS for m in kb.manifests)
    unknown: UnknownCodeError | None = None
    malformed: InvalidCodeFormatError | None = None
    for system in systems:
        if system == ICD10PCS and not has_pcs:
            continue
        try:
            return cm_view(kb, code, day) if system == ICD10CM else pcs_view(kb, code, day)
        except UnknownCodeError as exc:
            unknown = unknown or exc
        except InvalidCodeFormatError as exc:
            malformed = malformed or exc
    if unknown is not None:
        raise unknown
    if malformed is not None:
        raise malformed
    raise UnknownCodeError(code, systems[0], [])


def show_code(kb: KnowledgeBase, code: str, day: dt.date | None, fmt: str) -> None:
    view = code_view(kb, code, day)
    if fmt == "json":
        emit_json(view)
        return
    if view["system"] == ICD10PCS:
        click.echo(f"{view['code']}  {view['description'] or ''}".rstrip())
        click.echo(f"{ICD10PCS} {view['release_id']} · {view['status']}")
        click.echo(
            table(
                ("pos", "axis", "char", "meaning", "definition"),
                [(a["position"], a["title"], a["char"], a["label"], a["definition"]) for a in view["axes"]],
                max_width=80,
            )
        )
        return
    click.echo(f"{view['code']}  {view['description']}")
    click.echo(
        f"{ICD10CM} {view['release_id']} · {view['kind']} · billable: "
        f"{'yes' if view['billable'] else 'no'} ({view['status']})"
    )
    click.echo("\nHierarchy:")
    for depth, a in enumerate(view["hierarchy"]):
        label = f"Chapter {a['code']}" if a["kind"] == "chapter" else a["code"]
        click.echo(f"  {'  ' * depth}{label}  {a['description']}")
    click.echo(f"  {'  ' * len(view['hierarchy'])}{view['code']}  {view['description']}")
    if view["notes"]:
        click.echo("\nInstructional notes (the code's own, then inherited):")
        for n in view["notes"]:
            origin = "this code" if n["from"] == view["code"] else f"{n['from_kind']} {n['from']}"
            click.echo(f"  {NOTE_TITLES.get(n['type'], n['type'])} [{origin}]: {n['text']}")
    if view["seventh_characters"]:
        click.echo(f"\n7th characters (from {view['seventh_from']}; placeholder X fills empty positions):")
        for s in view["seventh_characters"]:
            click.echo(f"  {s['char']}  {s['code']}  {s['meaning']}")
    if view["excludes1"]:
        click.echo("\nExcludes1 (never reported together): " + ", ".join(view["excludes1"]))
    if view["children"]:
        click.echo("\nMore specific codes:")
        for c in view["children"][:40]:
            click.echo(f"  {c['code']}  {c['description']}{'' if c['billable'] else '  (header)'}")


def run_example(kb: KnowledgeBase, fmt: str) -> None:
    """Code the bundled example encounter with the engine and the bundled code sets (no site model)."""
    from medcoder.pipeline import Pipeline

    encounter = example_encounter()
    result = Pipeline(kb).run(encounter)
    if fmt == "table":
        click.echo(f"Example: {EXAMPLE} (bundled, fictional), coded without a site model\n")
    emit_coding(encounter, result, fmt)
    if fmt == "table":
        click.echo("Why each code: medcoder example --format json (rationale, rules, evidence offsets)")


def coding_jsonl(result: Any) -> dict[str, Any]:
    """The compact per-encounter object of ``--format jsonl``."""

    def item(a: Any) -> dict[str, Any]:
        return {
            "code": a.code,
            "description": a.description,
            "confidence": a.confidence,
            "sequence": a.sequence,
            "evidence": [
                {"document_id": e.document_id, "start": e.start, "end": e.end, "text": e.text} for e in a.evidence
            ],
            "rationale": a.rationale,
        }

    out: dict[str, Any] = {
        "id": result.encounter_id,
        "diagnoses": [item(a) for a in result.diagnoses],
        "procedures": [item(a) for a in result.procedures],
        "edits": [
            {"rule_id": e.rule_id, "severity": e.severity.value, "message": e.message, "codes": e.codes}
            for e in result.edits
        ],
        "queries": [
            {"id": q.id, "code": q.code, "question": q.question, "options": [o.code for o in q.options]}
            for q in result.queries
        ],
        "not_reported": [{"code": n.code, "rule": n.rule, "reason": n.reason} for n in result.not_reported],
    }
    if result.drg:
        out["drg"] = {k: result.drg.get(k) for k in ("drg", "mdc", "description", "version")}
    if result.hcc:
        out["hcc"] = {"payment_year": result.hcc["payment_year"], "risk_score": result.hcc["risk_score"]}
    return out


def emit_coding(encounter: Any, result: Any, fmt: str) -> None:
    import json

    if fmt == "jsonl":
        click.echo(json.dumps(coding_jsonl(result), ensure_ascii=False))
        return
    if fmt == "json":
        emit_json(result.model_dump(mode="json"))
        return
    releases = ", ".join(result.releases.values())
    click.echo(f"encounter {result.encounter_id} · {encounter.setting.value} · {releases}")
    if not result.diagnoses:
        click.echo("  no diagnosis codes above the reporting threshold\n")
        return
    rows = [
        (a.sequence, a.code, a.description, f"{a.confidence:.2f}", " | ".join(e.text for e in a.evidence))
        for a in result.diagnoses
    ]
    click.echo(table(("#", "code", "description", "conf", "supporting words"), rows, max_width=60))
    if result.procedures:
        rows = [
            (a.sequence, a.system, a.code, a.description, f"{a.confidence:.2f}", " | ".join(e.text for e in a.evidence))
            for a in result.procedures
        ]
        click.echo("procedures:")
        click.echo(table(("#", "system", "code", "description", "conf", "supporting words"), rows, max_width=50))
    if result.drg:
        drg = result.drg
        line = f"MS-DRG {drg['drg']} (MDC {drg['mdc']}) {drg.get('description', '')}  [grouper v{drg['version']}]"
        click.echo(line)
        for impact in drg.get("impact") or []:
            if impact["changes_drg"]:
                click.echo(f"  without {impact['code']} ({impact['severity']}): MS-DRG {impact['drg_without']}")
    if result.hcc:
        hccs = ", ".join(h["hcc"] for m in result.hcc["models"] for h in m["hccs"])
        click.echo(
            f"CMS-HCC payment year {result.hcc['payment_year']}: RAF {result.hcc['risk_score']} (HCCs {hccs or 'none'})"
        )
    impacts = (result.drg or {}).get("query_impact") or []
    for query in result.queries:
        click.echo(f"query {query.id}: {query.reason}")
        for impact in impacts:
            if impact["query_id"] == query.id and impact["changes_drg"]:
                click.echo(f"  if answered {impact['code']}: MS-DRG {impact['drg_if_answered']}")
    for edit in result.edits:
        click.echo(f"{edit.severity.value}: {edit.message} [{edit.rule_id}]")
    click.echo("")
