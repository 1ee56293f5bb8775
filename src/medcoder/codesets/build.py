"""Compiling the installed releases into one SQLite knowledge base.

The knowledge base is a cache: it is rebuilt from the release files whenever its inputs change, and
its file name carries the hash of those inputs (release fingerprints, parser and schema versions),
so a stale one is never used.  The build is deterministic: rows are inserted in a fixed order and
``meta.content_hash`` is a sha256 over every row of every table, so the same inputs give the same
content hash on any machine (the SQLite file bytes themselves may differ).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from medcoder.codesets import paths
from medcoder.codesets.install import InstalledRelease, installed_releases
from medcoder.codesets.normalize import CPT, HCPCS, ICD10CM
from medcoder.codesets.release import PARSER_VERSION
from medcoder.errors import KnowledgeBaseError

log = logging.getLogger(__name__)

SCHEMA_VERSION = "2"  # 2: hcpcs_codes, cpt_codes

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE releases (
    release_id TEXT PRIMARY KEY, system TEXT NOT NULL, version TEXT NOT NULL,
    effective_from TEXT NOT NULL, effective_to TEXT NOT NULL, fts TEXT NOT NULL, manifest TEXT NOT NULL
);
CREATE TABLE cm_nodes (
    release_id TEXT NOT NULL, code TEXT NOT NULL, kind TEXT NOT NULL, description TEXT NOT NULL,
    billable INTEGER NOT NULL, parent TEXT, chapter TEXT NOT NULL, section TEXT, depth INTEGER NOT NULL,
    placeholder INTEGER NOT NULL, seventh TEXT, seventh_from TEXT, ord INTEGER NOT NULL,
    PRIMARY KEY (release_id, code)
) WITHOUT ROWID;
CREATE INDEX cm_nodes_parent ON cm_nodes (release_id, parent);
CREATE INDEX cm_nodes_ord ON cm_nodes (release_id, ord);
CREATE TABLE cm_notes (
    release_id TEXT NOT NULL, code TEXT NOT NULL, type TEXT NOT NULL, ord INTEGER NOT NULL,
    text TEXT NOT NULL, refs TEXT NOT NULL,
    PRIMARY KEY (release_id, code, type, ord)
) WITHOUT ROWID;
CREATE TABLE cm_index (
    release_id TEXT NOT NULL, kind TEXT NOT NULL, ord INTEGER NOT NULL, path TEXT NOT NULL,
    nemod TEXT, code TEXT, col TEXT, manif TEXT, see TEXT, see_also TEXT, level INTEGER NOT NULL,
    PRIMARY KEY (release_id, kind, ord)
) WITHOUT ROWID;
CREATE INDEX cm_index_code ON cm_index (release_id, code);
CREATE TABLE pcs_tables (
    release_id TEXT NOT NULL, prefix TEXT NOT NULL, operation TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (release_id, prefix)
) WITHOUT ROWID;
CREATE TABLE pcs_codes (
    release_id TEXT NOT NULL, code TEXT NOT NULL, description TEXT NOT NULL,
    PRIMARY KEY (release_id, code)
) WITHOUT ROWID;
CREATE TABLE pcs_index (
    release_id TEXT NOT NULL, ord INTEGER NOT NULL, path TEXT NOT NULL, code TEXT, use TEXT, see TEXT,
    PRIMARY KEY (release_id, ord)
) WITHOUT ROWID;
CREATE TABLE pcs_definitions (
    release_id TEXT NOT NULL, section TEXT NOT NULL, axis INTEGER NOT NULL, term TEXT NOT NULL,
    section_title TEXT NOT NULL, axis_title TEXT NOT NULL, definition TEXT NOT NULL, explanation TEXT,
    includes TEXT NOT NULL, PRIMARY KEY (release_id, section, axis, term)
) WITHOUT ROWID;
CREATE TABLE hcpcs_codes (
    release_id TEXT NOT NULL, code TEXT NOT NULL, kind TEXT NOT NULL, short TEXT NOT NULL, long TEXT NOT NULL,
    effective TEXT, terminated TEXT, action TEXT NOT NULL, action_effective TEXT, coverage TEXT NOT NULL,
    betos TEXT NOT NULL, PRIMARY KEY (release_id, code)
) WITHOUT ROWID;
CREATE TABLE cpt_codes (
    release_id TEXT NOT NULL, code TEXT NOT NULL, short TEXT NOT NULL, medium TEXT NOT NULL, long TEXT NOT NULL,
    PRIMARY KEY (release_id, code)
) WITHOUT ROWID;
CREATE TABLE vocab (release_id TEXT NOT NULL, word TEXT NOT NULL, df INTEGER NOT NULL,
    PRIMARY KEY (release_id, word)) WITHOUT ROWID;
"""

FTS_SCHEMA = (
    "CREATE VIRTUAL TABLE {name} USING fts5(text, code UNINDEXED, source UNINDEXED, detail UNINDEXED, "
    "billable UNINDEXED, tokenize = 'porter unicode61 remove_diacritics 2')"
)

_WORD = re.compile(r"[a-z0-9]+")


def input_hash(releases: list[InstalledRelease]) -> str:
    payload = {
        "schema": SCHEMA_VERSION,
        "parser": PARSER_VERSION,
        "releases": sorted(r.manifest.fingerprint() for r in releases),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def kb_path_for(digest: str) -> Path:
    return paths.cache_dir() / f"kb-{digest[:16]}.sqlite"


def fts_name(release_id: str) -> str:
    return "fts_" + re.sub(r"[^0-9a-z]", "_", release_id.lower())


def build(releases: list[InstalledRelease] | None = None, target: Path | None = None) -> Path:
    """Build the knowledge base for ``releases`` (default: everything installed) into ``target``."""
    releases = installed_releases() if releases is None else releases
    digest = input_hash(releases)
    target = target or kb_path_for(digest)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    started = time.perf_counter()
    try:
        con = sqlite3.connect(tmp)
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        con.executescript(SCHEMA)
        for release in releases:
            _load_release(con, release)
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        con.execute("INSERT INTO meta VALUES ('input_hash', ?)", (digest,))
        con.commit()
        content = content_hash(con)
        con.execute("INSERT INTO meta VALUES ('content_hash', ?)", (content,))
        con.commit()
        con.execute("VACUUM")
        con.close()
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log.info("knowledge base built in %.1f s", time.perf_counter() - started)
    return target


def content_hash(con: sqlite3.Connection) -> str:
    """sha256 over every row of every table (ordered), ``meta.content_hash`` itself excluded."""
    digest = hashlib.sha256()
    names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    virtual = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")}
    # FTS5 shadow tables (<name>_data, _idx ...) hold derived bytes; hash the virtual table's rows.
    tables = [n for n in names if not any(n.startswith(v + "_") for v in virtual)]
    for table in tables:
        digest.update(table.encode())
        order = "rowid" if table.startswith("fts_") else "1, 2, 3"
        if table == "meta":
            rows = con.execute("SELECT key, value FROM meta WHERE key != 'content_hash' ORDER BY key")
        else:
            rows = con.execute(f"SELECT * FROM {table} ORDER BY {order}")
        for row in rows:
            digest.update(repr(row).encode())
    return digest.hexdigest()


def _vocab(texts: Iterable[str]) -> Counter[str]:
    df: Counter[str] = Counter()
    for text in texts:
        df.update(set(_WORD.findall(text.lower())))
    return df


def _load_release(con: sqlite3.Connection, release: InstalledRelease) -> None:
    m = release.manifest
    fts = fts_name(m.release_id)
    con.execute(FTS_SCHEMA.format(name=fts))
    con.execute(
        "INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            m.release_id,
            m.system,
            m.version,
            m.effective_from.isoformat(),
            m.effective_to.isoformat(),
            fts,
            m.model_dump_json(),
        ),
    )
    search_rows: list[tuple[str, str, str, str, int]] = []
    if m.system == ICD10CM:
        _load_cm(con, release, search_rows)
    elif m.system == HCPCS:
        _load_hcpcs(con, release, search_rows)
    elif m.system == CPT:
        _load_cpt(con, release, search_rows)
    else:
        _load_pcs(con, release, search_rows)
    con.executemany(f"INSERT INTO {fts} (text, code, source, detail, billable) VALUES (?, ?, ?, ?, ?)", search_rows)
    df = _vocab(row[0] for row in search_rows)
    con.executemany("INSERT INTO vocab VALUES (?, ?, ?)", ((m.release_id, w, n) for w, n in sorted(df.items())))


def _load_cm(con: sqlite3.Connection, release: InstalledRelease, search_rows: list) -> None:
    from medcoder.codesets.icd10cm.tabular import NOTE_TYPES, note_refs, parse_tabular

    rid = release.manifest.release_id
    tabular = parse_tabular(release.files["tabular"])
    billable_or_base: dict[str, bool] = {}
    node_rows = []
    note_rows = []
    for ord_, node in enumerate(tabular.nodes):
        node_rows.append(
            (
                rid,
                node.code,
                node.kind,
                node.description,
                int(node.billable),
                node.parent,
                node.chapter,
                node.section,
                node.depth,
                int(node.placeholder),
                json.dumps(node.seventh) if node.seventh else None,
                node.seventh_from,
                ord_,
            )
        )
        for type_ in NOTE_TYPES:
            for i, text in enumerate(node.notes.get(type_, ())):
                note_rows.append((rid, node.code, type_, i, text, json.dumps(note_refs(text))))
        if node.kind in ("chapter", "section"):
            continue
        is_extension = node.billable and node.parent is not None and node.seventh_from and not node.seventh
        if is_extension:
            continue  # 7th-character forms are reached through their base code
        # A code waiting for its 7th character is "billable once completed": rank it with billables.
        usable = node.billable or (bool(node.seventh) and node.kind == "code")
        billable_or_base[node.code] = usable
        search_rows.append((node.description, node.code, "description", "", int(usable)))
        for text in node.notes.get("inclusionTerm", ()):
            search_rows.append((text, node.code, "inclusion", "", int(usable)))
    con.executemany("INSERT INTO cm_nodes VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", node_rows)
    con.executemany("INSERT INTO cm_notes VALUES (?,?,?,?,?,?)", note_rows)

    from medcoder.codesets.icd10cm.index import parse_index_file

    for kind in ("index", "eindex", "drug", "neoplasm"):
        path = release.files.get(kind)
        if path is None:
            continue
        parsed = parse_index_file(path, kind)  # type: ignore[arg-type]
        index_rows = []
        for ord_, entry in enumerate(parsed.entries):
            path_text = ", ".join(entry.path)
            index_rows.append(
                (
                    rid,
                    kind,
                    ord_,
                    path_text,
                    " ".join(entry.nemod) or None,
                    entry.code,
                    entry.column,
                    entry.manif,
                    entry.see,
                    entry.see_also,
                    entry.level,
                )
            )
            if entry.code:
                code = entry.code.rstrip("-").rstrip(".")
                words = " ".join(entry.path)
                if entry.column:
                    words = f"{words} {entry.column}"
                usable = billable_or_base.get(code, False)
                search_rows.append((words, code, kind, f"{kind}:{ord_}", int(usable)))
        con.executemany("INSERT INTO cm_index VALUES (?,?,?,?,?,?,?,?,?,?,?)", index_rows)


def _load_pcs(con: sqlite3.Connection, release: InstalledRelease, search_rows: list) -> None:
    from medcoder.codesets.icd10pcs.parse import parse_definitions, parse_index, parse_tables
    from medcoder.codesets.icd10pcs.tables import describe, expand

    rid = release.manifest.release_id
    tables = parse_tables(release.files["tables"])
    table_rows = []
    code_rows = []
    for table in tables.tables:
        table_rows.append((rid, table.prefix, table.operation.label, table.to_json()))
        for code in expand(table):
            description = describe(table, code)
            code_rows.append((rid, code, description))
            search_rows.append((description, code, "pcs", "", 1))
    con.executemany("INSERT INTO pcs_tables VALUES (?,?,?,?)", table_rows)
    con.executemany("INSERT INTO pcs_codes VALUES (?,?,?)", sorted(code_rows))
    if "index" in release.files:
        index = parse_index(release.files["index"])
        rows = []
        for ord_, entry in enumerate(index.entries):
            path_text = ", ".join(entry.path)
            rows.append((rid, ord_, path_text, entry.code, entry.use, entry.see))
            if entry.code:
                search_rows.append(
                    (
                        " ".join(entry.path),
                        entry.code,
                        "pcs-index",
                        f"index:{ord_}",
                        int(len(entry.code) == 7),
                    )
                )
        con.executemany("INSERT INTO pcs_index VALUES (?,?,?,?,?,?)", rows)
    if "definitions" in release.files:
        definitions = parse_definitions(release.files["definitions"])
        seen = set()
        rows = []
        for d in definitions.definitions:
            key = (d.section, d.axis, d.term)
            if key in seen:
                continue
            seen.add(key)
            rows.append(
                (
                    rid,
                    d.section,
                    d.axis,
                    d.term,
                    d.section_title,
                    d.axis_title,
                    d.definition,
                    d.explanation,
                    json.dumps(list(d.includes)),
                )
            )
        con.executemany("INSERT INTO pcs_definitions VALUES (?,?,?,?,?,?,?,?,?)", rows)


def _iso(day) -> str | None:
    return day.isoformat() if day is not None else None


def _load_hcpcs(con: sqlite3.Connection, release: InstalledRelease, search_rows: list) -> None:
    from medcoder.codesets.hcpcs.parse import parse_hcpcs

    rid = release.manifest.release_id
    parsed = parse_hcpcs(release.files["hcpcs"])
    rows = []
    for r in sorted(parsed.records, key=lambda r: r.code):
        rows.append(
            (
                rid,
                r.code,
                r.kind,
                r.short,
                r.long,
                _iso(r.effective),
                _iso(r.terminated),
                r.action,
                _iso(r.action_effective),
                r.coverage,
                r.betos,
            )
        )
        # A modifier is not reported alone: ranked after codes, like a header in ICD-10-CM.
        usable = int(r.kind == "procedure")
        search_rows.append((r.long, r.code, "hcpcs", "", usable))
        if r.short and r.short.lower() != r.long.lower():
            search_rows.append((r.short, r.code, "hcpcs-short", "", usable))
    con.executemany("INSERT INTO hcpcs_codes VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)


def _load_cpt(con: sqlite3.Connection, release: InstalledRelease, search_rows: list) -> None:
    """CPT descriptors from the user's licensed files: long, medium and short merged per code."""
    from medcoder.codesets.cpt.parse import parse_cpt

    rid = release.manifest.release_id
    merged: dict[str, dict[str, str]] = {}
    for kind in ("long", "medium", "short"):
        path = release.files.get(kind)
        if path is None:
            continue
        parsed = parse_cpt(path)
        for c in parsed.codes:
            entry = merged.setdefault(c.code, {"long": "", "medium": "", "short": ""})
            if parsed.layout == "text":
                entry[kind] = entry[kind] or c.long
            else:
                for key, value in (("long", c.long), ("medium", c.medium), ("short", c.short)):
                    entry[key] = entry[key] or value
    rows = []
    for code in sorted(merged):
        entry = merged[code]
        rows.append((rid, code, entry["short"], entry["medium"], entry["long"]))
        text = entry["long"] or entry["medium"] or entry["short"]
        search_rows.append((text, code, "cpt", "", 1))
    con.executemany("INSERT INTO cpt_codes VALUES (?,?,?,?,?)", rows)


def check(path: Path) -> sqlite3.Connection:
    """Open a built knowledge base read-only, or raise :class:`KnowledgeBaseError`."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise KnowledgeBaseError(
            f"{path}: not a usable knowledge base ({exc}); run `medcoder codesets build`"
        ) from None
    if not version or version[0] != SCHEMA_VERSION:
        raise KnowledgeBaseError(f"{path}: schema version {version} is not {SCHEMA_VERSION}; rebuild it")
    return con
