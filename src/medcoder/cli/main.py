"""``medcoder``: the command line.  Every command takes ``--format table|json``."""

from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path
from typing import Any

import click

from medcoder.cli.render import emit_json, err, table
from medcoder.errors import MedcoderError

FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
DATE = click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Date of service (YYYY-MM-DD): picks the code-set release in effect. Default: the latest installed.",
)


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def _kb():
    from medcoder.codesets.kb import default_kb

    return default_kb()


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-v info, -vv debug).")
@click.version_option(package_name="medcoder")
def cli(verbose: int) -> None:
    """medcoder: medical coding on your own machine, with evidence for every code.

    \b
    Examples:
      medcoder lookup "type 2 diabetes with neuropathy"
      medcoder show E11.40
      medcoder show 0DTJ4ZZ
      medcoder pcs 0DT
      medcoder codesets install ~/Downloads/2026-icd-10-pcs-code-tables-and-index.zip
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


# --- schema -----------------------------------------------------------------------------------


@cli.command()
@click.argument("model", required=False)
def schema(model: str | None) -> None:
    """Print the JSON Schema of the core models (or of one MODEL, e.g. CodingResult).

    \b
    Example:  medcoder schema CodingResult
    """
    from medcoder.models import json_schema

    emit_json(json_schema(model))


# --- encoder ----------------------------------------------------------------------------------


@cli.command()
@click.argument("query", nargs=-1, required=True)
@click.option(
    "--system", default="cm", show_default=True, help="cm (ICD-10-CM), pcs (ICD-10-PCS), hcpcs or cpt (when installed)."
)
@click.option("--limit", default=15, show_default=True, type=click.IntRange(1, 500))
@DATE
@FORMAT
def lookup(query: tuple[str, ...], system: str, limit: int, day: dt.datetime | None, fmt: str) -> None:
    """Search codes by words: ranked, billable first, each with why it matched.

    \b
    Examples:
      medcoder lookup "type 2 diabetes with neuropathy"
      medcoder lookup DM2 CKD stage 3
      medcoder lookup --system pcs laparoscopic appendectomy
    """
    from medcoder.codesets.kb import system_name
    from medcoder.codesets.search import lookup as do_lookup

    result = do_lookup(" ".join(query), system_name(system), _day(day), limit, kb=_kb())
    if fmt == "json":
        emit_json(result.to_dict())
        return
    notes = []
    if result.expanded:
        notes.append("expanded " + ", ".join(f"{k} → {v}" for k, v in result.expanded.items()))
    if result.corrected:
        notes.append("corrected " + ", ".join(f"{k} → {v}" for k, v in result.corrected.items()))
    if result.ignored:
        notes.append("ignored " + ", ".join(result.ignored))
    if result.relaxed:
        notes.append("no code matched every word: showing partial matches")
    header = f"{result.system} {result.release_id} · searched: {' '.join(result.terms) or '(nothing)'}"
    click.echo(header + ("\n" + "; ".join(notes) if notes else ""))
    if not result.hits:
        click.echo("no matching codes")
        return
    rows = []
    for hit in result.hits:
        billable = "yes" if hit.billable else ("+7th" if hit.needs_seventh else "no")
        rows.append((hit.complete_code or hit.code, billable, hit.description, hit.why))
    click.echo(table(("code", "billable", "description", "why"), rows, max_width=70))


@cli.command()
@click.argument("code")
@DATE
@FORMAT
def show(code: str, day: dt.datetime | None, fmt: str) -> None:
    """Show a code in context: hierarchy, notes (inherited too), 7th characters, Excludes1.

    \b
    Examples:
      medcoder show E11.40
      medcoder show s72001
      medcoder show 0DTJ4ZZ
    """
    from medcoder.cli.views import show_code

    show_code(_kb(), code, _day(day), fmt)


@cli.command()
@click.argument("prefix", default="")
@DATE
@FORMAT
def pcs(prefix: str, day: dt.datetime | None, fmt: str) -> None:
    """ICD-10-PCS table builder: the valid next characters after PREFIX, with their meanings.

    \b
    Examples:
      medcoder pcs          (sections)
      medcoder pcs 0DT      (body parts for Resection, Gastrointestinal System)
      medcoder pcs 0DTJ4Z
    """
    kb = _kb()
    rid, options = kb.pcs_next(prefix, _day(day))
    from medcoder.codesets.normalize import compact

    key = compact(prefix)
    position = len(key) + 1
    title = _pcs_axis_title(kb, key, rid)
    if fmt == "json":
        emit_json(
            {
                "release_id": rid,
                "prefix": key,
                "position": position,
                "axis": title,
                "options": [{"char": c, "label": label, "codes": n, "next": key + c} for c, label, n in options],
            }
        )
        return
    click.echo(f"ICD-10-PCS {rid} · {key or '(start)'} · position {position}: {title}")
    click.echo(table(("char", "meaning", "valid codes", "next"), [(c, label, n, key + c) for c, label, n in options]))


def _pcs_axis_title(kb: Any, key: str, rid: str) -> str:
    if len(key) < 3:
        return ("Section", "Body System", "Operation")[len(key)]
    table_ = kb.pcs_table(key, release_id=rid)
    return table_.axis_titles[len(key)] if table_ is not None else ""


@cli.command()
@click.argument("codes", nargs=-1, required=True)
@DATE
@FORMAT
def validate(codes: tuple[str, ...], day: dt.datetime | None, fmt: str) -> None:
    """Is each code valid and billable on the date of service?  Exit status 1 if any is not.

    \b
    Example:  medcoder validate E11.40 S72.001 S72.001A 0DTJ4ZZ --date 2026-05-01
    """
    kb = _kb()
    statuses = [kb.status(code, _day(day)) for code in codes]
    if fmt == "json":
        emit_json([s.to_dict() for s in statuses])
    else:
        click.echo(
            table(
                ("code", "system", "release", "valid", "billable", "description / reason"),
                [
                    (
                        s.code,
                        s.system,
                        s.release_id,
                        s.valid,
                        s.billable,
                        s.description if s.billable else s.reason,
                    )
                    for s in statuses
                ],
            )
        )
    if not all(s.billable for s in statuses):
        sys.exit(1)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default="table", show_default=True)
def example(fmt: str) -> None:
    """Code the bundled example encounter (an inpatient discharge summary) with the bundled code sets.

    \b
    Example:  medcoder example
    """
    from medcoder.cli.views import run_example

    run_example(_kb(), fmt)


# --- coding -----------------------------------------------------------------------------------


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--setting",
    type=click.Choice(["inpatient", "outpatient", "professional"]),
    default=None,
    help="Override the encounter setting (default: from the file; text files are outpatient).",
)
@click.option(
    "--model",
    "model_path",
    type=click.Path(path_type=Path),
    default=None,
    help="A site model written by `medcoder train`.",
)
@click.option(
    "--min-confidence",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Report codes at or above this confidence (default: the model's threshold, 0.5 without one).",
)
@click.option(
    "--profile",
    type=click.Path(path_type=Path),
    default=None,
    help="Payer profile (YAML) for the claim edits (default: the bundled Medicare-style profile).",
)
@click.option(
    "--pcs-calibration",
    "pcs_calibration",
    type=click.Path(path_type=Path),
    default=None,
    help="An ICD-10-PCS calibration profile (JSON) learned from a site's coded history: re-ranks procedure "
    "confidence and is named in each result's provenance (default: none, the rule-based confidence).",
)
@click.option(
    "--cm-phrases",
    "cm_phrases",
    type=click.Path(path_type=Path),
    default=None,
    help="An ICD-10-CM phrase profile (JSON) a site opts into: extra wording (and word equivalents) for the site "
    "model's term dictionary, named in each result's provenance (default: none, the classification's own "
    "wording). Pass the profile the model was trained with.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default="table", show_default=True)
def code(
    paths: tuple[Path, ...],
    setting: str | None,
    model_path: Path | None,
    min_confidence: float | None,
    profile: Path | None,
    pcs_calibration: Path | None,
    cm_phrases: Path | None,
    fmt: str,
) -> None:
    """Code encounters: text files, FHIR Bundles, NDJSON, or folders of them.

    Each result has the diagnoses (and procedures) with their evidence, the MS-DRG for inpatient
    stays with the impact of each code and of each physician query, CMS-HCCs, and the claim edits.

    \b
    Examples:
      medcoder code note.txt
      medcoder code notes/ --setting inpatient --model site.model.gz --format jsonl > coded.jsonl
      medcoder code stay.json --pcs-calibration site_pcs_calibration.json --format json
      medcoder code notes/ --model site.model.gz --cm-phrases site_cm_phrases.json
    A file that cannot be read is reported on stderr; the others are still coded (exit status 1).
    """
    from medcoder.cli.views import emit_coding
    from medcoder.coding.sitemodel import SiteModel
    from medcoder.edits.profile import PayerProfile
    from medcoder.errors import ReadError
    from medcoder.ingest import read_paths
    from medcoder.models import Setting
    from medcoder.pipeline import Pipeline

    if cm_phrases is not None and model_path is None:
        raise click.UsageError(
            "--cm-phrases adds wording to a site model's term dictionary: pass --model too "
            "(the default engine codes from the curated US lexicon)"
        )
    model = SiteModel.load(model_path) if model_path else None
    payer = PayerProfile.read(profile) if profile else None
    pipeline = Pipeline(
        _kb(), model, min_confidence, profile=payer, pcs_calibration=pcs_calibration, cm_phrases=cm_phrases
    )
    failures = 0
    for item in read_paths(list(paths), setting=Setting(setting) if setting else None):
        if isinstance(item, ReadError):
            failures += 1
            err(f"error {item}")
            continue
        emit_coding(item, pipeline.run(item), fmt)
    if failures:
        sys.exit(1)


@cli.command()
@click.argument("docs", type=click.Path(path_type=Path))
@click.option(
    "--codes",
    "code_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="TSV of <id><TAB><code> (repeatable); not needed for a JSONL of coded encounters.",
)
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Where to write the model.")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
@click.option(
    "--cm-phrases",
    "cm_phrases",
    type=click.Path(path_type=Path),
    default=None,
    help="An ICD-10-CM phrase profile (JSON) to train with: extra wording for the term dictionary; the model "
    "records it, and coding with the model should pass the same file (default: none).",
)
def train(docs: Path, code_files: tuple[Path, ...], out: Path, folds: int, cm_phrases: Path | None) -> None:
    """Learn a site model from previously coded encounters.

    \b
    Examples:
      medcoder train history/text --codes history/codes.tsv --out site.model.gz
      medcoder train coded.jsonl --out site.model.gz
      medcoder train history/text --codes history/codes.tsv --cm-phrases site_cm_phrases.json --out site.model.gz
    """
    from medcoder.coding.engine import Coder
    from medcoder.coding.training import read_training_set
    from medcoder.coding.training import train as do_train

    examples = read_training_set(docs, list(code_files))
    model = do_train(examples, Coder(_kb(), cm_phrases=cm_phrases), folds=folds)
    model.save(out)
    meta = model.meta
    click.echo(
        f"wrote {out}: {meta['encounters']} encounters, {meta['codes']} codes, {meta['phrases']} phrases, "
        f"threshold {model.threshold:.3f}, cross-fitted F1 {meta['cross_fitted_f1']:.3f}"
    )
    if meta.get("cm_phrases"):
        click.echo(f"trained with ICD-10-CM phrase profile {meta['cm_phrases']}: pass it when coding (--cm-phrases)")
    off = [k for k, v in model.conventions.items() if not v]
    if off:
        click.echo("site conventions (rules this history does not follow): " + ", ".join(off))


@cli.command()
@click.argument("note", type=click.Path(path_type=Path))
@click.option("--patient", "patient_type", type=click.Choice(["new", "established"]), required=True)
@FORMAT
def em(note: Path, patient_type: str, fmt: str) -> None:
    """Office / outpatient E/M level (99202-99205, 99211-99215) of a visit note, with the reasoning.

    \b
    Example:  medcoder em visit.txt --patient established
    """
    from medcoder.coding.em import assess_note
    from medcoder.errors import InputFileError

    try:
        text = note.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(note, f"cannot read the note ({exc.__class__.__name__})") from None
    result = assess_note(note.stem, text, patient_type)  # type: ignore[arg-type]
    if fmt == "json":
        emit_json(result.model_dump(mode="json"))
        return
    basis = {"mdm": "medical decision making", "time": "total time", "minimal": "minimal service"}[result.basis]
    click.echo(f"{result.code}  ({result.patient_type} patient, by {basis})")
    for line in result.reasoning:
        click.echo(f"  {line}")


# --- code sets --------------------------------------------------------------------------------


@cli.group()
def codesets() -> None:
    """Install, list, verify and build the code-set releases.

    \b
    Examples:
      medcoder codesets list
      medcoder codesets install ./icd10pcs-2026/          (a directory or a zip of official files)
      medcoder codesets verify
    """


@codesets.command("list")
@FORMAT
def codesets_list(fmt: str) -> None:
    """List installed releases with their effective dates and files."""
    from medcoder.codesets.install import installed_releases

    releases = installed_releases()
    if fmt == "json":
        emit_json([r.manifest.model_dump(mode="json") for r in releases])
        return
    rows = [
        (
            r.manifest.release_id,
            r.manifest.system,
            f"{r.manifest.effective_from} .. {r.manifest.effective_to}",
            ", ".join(f.kind for f in r.manifest.files),
            r.manifest.source,
        )
        for r in releases
    ]
    click.echo(table(("release", "system", "effective", "files", "source"), rows, max_width=60))


@codesets.command("install")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--effective-from",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Override the first date of service the release covers.",
)
@click.option(
    "--effective-to",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Override the last date of service the release covers.",
)
@click.option("--release-id", default=None, help="Override the release id (default from the files).")
@click.option(
    "--system",
    type=click.Choice(["cm", "pcs", "hcpcs", "cpt"], case_sensitive=False),
    default=None,
    help="Say which code set the files are (needed for a CPT file in a generic Code,Description layout).",
)
@FORMAT
def codesets_install(
    path: Path,
    effective_from: dt.datetime | None,
    effective_to: dt.datetime | None,
    release_id: str | None,
    system: str | None,
    fmt: str,
) -> None:
    """Install official release files from a directory or a zip, then rebuild the knowledge base.

    ICD-10-CM and ICD-10-PCS (CDC / CMS XML), HCPCS Level II (the CMS alpha-numeric file), and CPT
    (the AMA data files of your own licence; medcoder never ships CPT descriptors).

    \b
    Examples:
      medcoder codesets install ~/Downloads/icd10cm-table-index-2026.zip
      medcoder codesets install ~/Downloads/january-2026-alpha-numeric-hcpcs-file.zip
      medcoder codesets install site-cpt.csv --system cpt --release-id cpt-2026
    """
    from medcoder.codesets.install import install
    from medcoder.codesets.kb import reset_default_kb

    manifests = install(
        path,
        effective_from=_day(effective_from),
        effective_to=_day(effective_to),
        release_id=release_id,
        system=system,
    )
    reset_default_kb()
    _kb()  # build now so the first lookup is fast and problems surface here
    if fmt == "json":
        emit_json([m.model_dump(mode="json") for m in manifests])
        return
    for m in manifests:
        click.echo(
            f"installed {m.release_id} ({m.system}, {m.effective_from} .. {m.effective_to}): "
            + ", ".join(f"{f.kind} {f.name}" for f in m.files)
        )


@codesets.command("uninstall")
@click.argument("release_id")
def codesets_uninstall(release_id: str) -> None:
    """Remove an installed release (the bundled ICD-10-CM list stays)."""
    from medcoder.codesets.install import uninstall
    from medcoder.codesets.kb import reset_default_kb

    uninstall(release_id)
    reset_default_kb()
    click.echo(f"removed {release_id}")


@codesets.command("build")
@FORMAT
def codesets_build(fmt: str) -> None:
    """(Re)build the SQLite knowledge base from the installed releases."""
    import time

    from medcoder.codesets.build import build, check
    from medcoder.codesets.kb import reset_default_kb

    reset_default_kb()
    started = time.perf_counter()
    path = build()
    seconds = time.perf_counter() - started
    con = check(path)
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    con.close()
    info = {"path": str(path), "seconds": round(seconds, 2), **meta}
    if fmt == "json":
        emit_json(info)
    else:
        click.echo(f"built {path} in {seconds:.1f} s; content hash {meta['content_hash']}")


@codesets.command("verify")
@FORMAT
def codesets_verify(fmt: str) -> None:
    """Check every installed file against its manifest and the knowledge base against its inputs."""
    from medcoder.codesets.verify import verify

    report = verify()
    if fmt == "json":
        emit_json(report)
    else:
        for line in report["checks"]:
            click.echo(f"{'ok  ' if line['ok'] else 'FAIL'} {line['what']}: {line['detail']}")
    if not report["ok"]:
        from medcoder.errors import VerifyError

        raise VerifyError("verification failed: " + "; ".join(c["what"] for c in report["checks"] if not c["ok"]))


@codesets.command("download")
@click.argument("year", type=int)
@click.option("--system", "systems", multiple=True, default=("cm", "pcs"), show_default=True, help="cm and/or pcs.")
@click.option("--url", "urls", multiple=True, help="Download from this URL instead (repeatable).")
def codesets_download(year: int, systems: tuple[str, ...], urls: tuple[str, ...]) -> None:
    """Download the official CDC/CMS release files for fiscal YEAR and install them (needs internet).

    \b
    Example:  medcoder codesets download 2027
    """
    from medcoder.codesets.download import download_and_install
    from medcoder.codesets.kb import reset_default_kb

    manifests = download_and_install(year, systems, list(urls))
    reset_default_kb()
    _kb()
    for m in manifests:
        click.echo(f"installed {m.release_id} ({m.effective_from} .. {m.effective_to})")


def _register_claims() -> None:
    from medcoder.cli.claims import edit, group, hcc

    cli.add_command(edit)
    cli.add_command(group)
    cli.add_command(hcc)


_register_claims()


def main(argv: list[str] | None = None) -> int:
    """Entry point: a :class:`MedcoderError` becomes one line on stderr and exit status 1."""
    try:
        cli.main(args=argv, prog_name="medcoder", standalone_mode=False)
    except MedcoderError as exc:
        err(f"error {exc}")
        return exc.exit_status
    except click.exceptions.Abort:
        err("aborted")
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else 1
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
