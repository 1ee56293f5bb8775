"""The knowledge base: read-only queries over the compiled SQLite file.

``KnowledgeBase.open()`` finds (or builds, on first use) the knowledge base for the releases that
are installed, so a fresh install works offline with the bundled ICD-10-CM tabular list.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein

from medcoder.codesets.icd10cm.tabular import seventh_character_form
from medcoder.codesets.normalize import (
    CPT,
    HCPCS,
    ICD10CM,
    ICD10PCS,
    compact,
    guess_systems,
    normalize_cm,
    normalize_pcs,
)
from medcoder.codesets.release import Manifest, ReleaseChoice, choose, choose_release
from medcoder.errors import (
    InvalidCodeFormatError,
    KnowledgeBaseError,
    NoReleaseError,
    UnknownCodeError,
    UnknownCodeSystemError,
)

SYSTEM_ALIASES = {
    "cm": ICD10CM,
    "icd10cm": ICD10CM,
    "icd-10-cm": ICD10CM,
    "pcs": ICD10PCS,
    "icd10pcs": ICD10PCS,
    "icd-10-pcs": ICD10PCS,
    "hcpcs": HCPCS,
    "hcpcs2": HCPCS,
    "hcpcs-ii": HCPCS,
    "cpt": CPT,
}


def system_name(value: str) -> str:
    key = value.strip().lower()
    if key in SYSTEM_ALIASES:
        return SYSTEM_ALIASES[key]
    raise UnknownCodeSystemError(value, sorted({ICD10CM, ICD10PCS, HCPCS, CPT}))


@dataclass(slots=True)
class Note:
    type: str
    text: str
    refs: list[str]
    source: str  # the node the note is written under (the code itself or an ancestor)
    source_kind: str


@dataclass(slots=True)
class CmCode:
    code: str
    description: str
    kind: str
    billable: bool
    release_id: str
    parent: str | None
    chapter: str
    section: str | None
    placeholder: bool
    seventh: list[tuple[str, str]] = field(default_factory=list)
    seventh_from: str | None = None

    @property
    def needs_seventh(self) -> bool:
        return bool(self.seventh) and not self.billable and self.kind == "code"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["system"] = ICD10CM
        data["needs_seventh"] = self.needs_seventh
        data["seventh"] = [{"char": c, "meaning": m} for c, m in self.seventh]
        return data


@dataclass(slots=True)
class CodeStatus:
    """Whether a code can be reported on a date of service, and why not."""

    code: str
    system: str
    release_id: str
    valid: bool  # exists in the release
    billable: bool  # complete and reportable on a claim
    description: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class HcpcsCode:
    """A HCPCS Level II code or modifier as installed (CMS alpha-numeric file)."""

    code: str
    kind: str  # procedure | modifier
    short: str
    long: str
    effective: dt.date | None
    terminated: dt.date | None
    action: str
    coverage: str
    release_id: str

    def active_on(self, day: dt.date | None) -> bool:
        if day is None:
            return self.terminated is None
        return (self.effective is None or self.effective <= day) and (self.terminated is None or day <= self.terminated)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["system"] = HCPCS
        return data


@dataclass(slots=True)
class CptCode:
    """A CPT code as installed from the user's licensed AMA file."""

    code: str
    short: str
    medium: str
    long: str
    release_id: str

    @property
    def description(self) -> str:
        return self.long or self.medium or self.short


_HCPCS_COLS = "code, kind, short, long, effective, terminated, action, coverage, release_id"


def _hcpcs(row: tuple) -> HcpcsCode:
    return HcpcsCode(
        code=row[0],
        kind=row[1],
        short=row[2],
        long=row[3],
        effective=dt.date.fromisoformat(row[4]) if row[4] else None,
        terminated=dt.date.fromisoformat(row[5]) if row[5] else None,
        action=row[6],
        coverage=row[7],
        release_id=row[8],
    )


_NODE_COLS = (
    "code, description, kind, billable, release_id, parent, chapter, section, placeholder, seventh, seventh_from"
)


def _node(row: tuple) -> CmCode:
    seventh = [tuple(x) for x in json.loads(row[9])] if row[9] else []
    return CmCode(
        code=row[0],
        description=row[1],
        kind=row[2],
        billable=bool(row[3]),
        release_id=row[4],
        parent=row[5],
        chapter=row[6],
        section=row[7],
        placeholder=bool(row[8]),
        seventh=seventh,  # type: ignore[arg-type]
        seventh_from=row[10],
    )


class KnowledgeBase:
    """Queries over one compiled knowledge base file.  Thread-safe for reads."""

    def __init__(self, path: Path) -> None:
        from medcoder.codesets.build import check

        self.path = path
        self._con = check(path)
        self._lock = threading.Lock()
        self.manifests: list[Manifest] = [
            Manifest.model_validate_json(r[0]) for r in self._con.execute("SELECT manifest FROM releases")
        ]
        self.fts: dict[str, str] = dict(self._con.execute("SELECT release_id, fts FROM releases"))

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | None = None, *, build: bool = True) -> KnowledgeBase:
        """The knowledge base for what is installed; built now if missing and ``build``."""
        if path is not None:
            if not path.is_file():
                raise KnowledgeBaseError(f"{path}: no knowledge base file there")
            return cls(path)
        from medcoder.codesets import build as build_mod
        from medcoder.codesets.install import installed_releases

        releases = installed_releases()
        target = build_mod.kb_path_for(build_mod.input_hash(releases))
        if not target.is_file():
            if not build:
                raise KnowledgeBaseError("the knowledge base is not built; run `medcoder codesets build`")
            build_mod.build(releases, target)
            for stale in target.parent.glob("kb-*.sqlite"):
                if stale != target:
                    stale.unlink(missing_ok=True)
        return cls(target)

    def close(self) -> None:
        self._con.close()

    def query(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        with self._lock:
            return self._con.execute(sql, params).fetchall()

    def meta(self) -> dict[str, str]:
        return dict(self.query("SELECT key, value FROM meta"))

    # -- releases --------------------------------------------------------------------------

    def release(self, system: str, day: dt.date | None = None, *, fallback: bool = False) -> Manifest:
        """The installed release of ``system`` in effect on ``day`` (``None``: the newest).

        Without ``fallback`` a date no installed release covers is :class:`NoReleaseError` (E110),
        right for looking a code up "as of" a date.  Coding passes ``fallback=True``: a date after
        every installed release (an encounter of a fiscal year whose files are not installed yet)
        gets the newest release instead, and the result must say so -- :meth:`release_choice`
        tells whether that happened and gives the warning's text.
        """
        return choose(self.manifests, system, day, fallback=fallback)

    def release_choice(self, system: str, day: dt.date | None = None) -> ReleaseChoice:
        """The release coding uses for ``day`` (``release(..., fallback=True)``), with whether it
        is a stand-in for a later release that is not installed (``.fallback``, ``.message()``)."""
        return choose_release(self.manifests, system, day, fallback=True)

    # -- ICD-10-CM -------------------------------------------------------------------------

    def cm(self, code: str, day: dt.date | None = None, release_id: str | None = None) -> CmCode | None:
        """The tabular node for a code, or ``None``.  Accepts ``e11.40``, ``E1140``, ``E11.40``."""
        rid = release_id or self.release(ICD10CM, day).release_id
        try:
            key = normalize_cm(code)
        except InvalidCodeFormatError:
            return None
        rows = self.query(f"SELECT {_NODE_COLS} FROM cm_nodes WHERE release_id = ? AND code = ?", (rid, key))
        return _node(rows[0]) if rows else None

    def cm_node_any(self, key: str, release_id: str) -> CmCode | None:
        """A node by its exact key: a code, a section id (``E08-E13``) or a chapter number."""
        rows = self.query(f"SELECT {_NODE_COLS} FROM cm_nodes WHERE release_id = ? AND code = ?", (release_id, key))
        return _node(rows[0]) if rows else None

    def cm_require(self, code: str, day: dt.date | None = None) -> CmCode:
        node = self.cm(normalize_cm(code), day)
        if node is None:
            rid = self.release(ICD10CM, day).release_id
            raise UnknownCodeError(code, ICD10CM, self.cm_suggestions(code, day), release=rid)
        return node

    def cm_ancestors(self, node: CmCode) -> list[CmCode]:
        """Parents from the nearest up to the chapter."""
        chain: list[CmCode] = []
        parent = node.parent
        while parent is not None:
            up = self.cm_node_any(parent, node.release_id)
            if up is None:
                break
            chain.append(up)
            parent = up.parent
        return chain

    def cm_children(self, node: CmCode) -> list[CmCode]:
        rows = self.query(
            # INDEXED BY: left alone, SQLite walks the (release_id, ord) index over the whole release
            # to avoid sorting a handful of children -- 40 ms instead of 0.1 ms.
            f"SELECT {_NODE_COLS} FROM cm_nodes INDEXED BY cm_nodes_parent WHERE release_id = ? AND parent = ? "
            "ORDER BY ord",
            (node.release_id, node.code),
        )
        return [_node(r) for r in rows]

    def cm_notes(self, node: CmCode, inherited: bool = True) -> list[Note]:
        """Instructional notes that apply to the code: its own, then each ancestor's (OCG I.A)."""
        nodes = [node, *(self.cm_ancestors(node) if inherited else [])]
        notes: list[Note] = []
        for holder in nodes:
            for type_, text, refs in self.query(
                "SELECT type, text, refs FROM cm_notes WHERE release_id = ? AND code = ? ORDER BY type, ord",
                (node.release_id, holder.code),
            ):
                notes.append(Note(type_, text, json.loads(refs), holder.code, holder.kind))
        return notes

    def cm_status(self, code: str, day: dt.date | None = None) -> CodeStatus:
        """Is the code valid and billable on the date of service (release chosen by that date)?"""
        rid = self.release(ICD10CM, day).release_id
        node = self.cm(code, release_id=rid)
        if node is None:
            return CodeStatus(compact(code), ICD10CM, rid, False, False, None, f"not a code in {rid}")
        if node.billable:
            return CodeStatus(node.code, ICD10CM, rid, True, True, node.description, "billable")
        if node.needs_seventh:
            chars = ", ".join(c for c, _ in node.seventh)
            reason = f"needs a 7th character ({chars}); e.g. {seventh_character_form(node.code, node.seventh[0][0])}"
        elif node.kind in ("chapter", "section"):
            reason = f"a {node.kind}, not a code"
        else:
            reason = "a header: more specific codes exist below it"
        return CodeStatus(node.code, ICD10CM, rid, True, False, node.description, reason)

    def cm_full_code(self, code: str, seventh: str, day: dt.date | None = None) -> CmCode:
        """The complete 7-character code for an injury/poisoning/fracture code and a 7th character.

        OCG I.A.5: placeholder X fills empty positions (``T51.3X1`` + ``A`` -> ``T51.3X1A``,
        ``S02.0`` + ``A`` -> ``S02.0XXA``).
        """
        node = self.cm_require(code, day)
        if not node.seventh:
            raise UnknownCodeError(
                f"{node.code} + {seventh}",
                ICD10CM,
                [node.code] if node.billable else [],
                release=node.release_id,
            )
        full = self.cm(seventh_character_form(node.code, seventh), release_id=node.release_id)
        if full is None or not full.billable:
            valid = [seventh_character_form(node.code, c) for c, _ in node.seventh]
            raise UnknownCodeError(seventh_character_form(node.code, seventh), ICD10CM, valid, node.release_id)
        return full

    def cm_suggestions(
        self, code: str, day: dt.date | None = None, limit: int = 5, release_id: str | None = None
    ) -> list[str]:
        """Nearest valid codes: billable codes under the longest prefix that exists, else look-alikes."""
        rid = release_id or self.release(ICD10CM, day).release_id
        raw = compact(code)
        for cut in range(min(len(raw), 7), 2, -1):
            key = f"{raw[:3]}.{raw[3:cut]}" if cut > 3 else raw[:3]
            node = self.cm_node_any(key, rid)
            if node is None:
                continue
            if node.billable:
                siblings = self.query(
                    "SELECT code FROM cm_nodes WHERE release_id = ? AND parent = ? AND billable = 1 ORDER BY ord",
                    (rid, node.parent),
                )
                out = [node.code] + [s[0] for s in siblings if s[0] != node.code]
                return out[:limit]
            rows = self.query(
                "SELECT code FROM cm_nodes WHERE release_id = ? AND code > ? AND code < ? AND billable = 1 "
                "ORDER BY ord LIMIT ?",
                (rid, node.code, node.code + "\uffff", limit),
            )
            return [r[0] for r in rows]
        if not raw:
            return []
        cats = [
            r[0]
            for r in self.query(
                "SELECT code FROM cm_nodes WHERE release_id = ? AND kind = 'category' AND code LIKE ?",
                (rid, raw[:1] + "%"),
            )
        ]
        cats.sort(key=lambda c: (Levenshtein.distance(c, raw[:3]), c))
        return cats[:limit]

    # -- ICD-10-PCS ------------------------------------------------------------------------

    def pcs_table(self, prefix: str, day: dt.date | None = None, release_id: str | None = None):
        from medcoder.codesets.icd10pcs.parse import PcsTable

        rid = release_id or self.release(ICD10PCS, day).release_id
        return _pcs_table_cached(self, rid, prefix[:3], PcsTable)

    def pcs_status(self, code: str, day: dt.date | None = None) -> CodeStatus:
        rid = self.release(ICD10PCS, day).release_id
        key = normalize_pcs(code)
        description = _pcs_description_cached(self, rid, key)
        if description is not None:
            return CodeStatus(key, ICD10PCS, rid, True, True, description, "billable")
        if len(key) < 7 and _pcs_partial_cached(self, rid, key):
            return CodeStatus(
                key, ICD10PCS, rid, True, False, None, f"partial code: {7 - len(key)} more characters needed"
            )
        return CodeStatus(key, ICD10PCS, rid, False, False, None, f"not a valid code in {rid}")

    def pcs_description(self, code: str, release_id: str) -> str | None:
        return _pcs_description_cached(self, release_id, code)

    def pcs_definitions(self, release_id: str) -> dict[tuple[str, int, str], Any]:
        return _pcs_definitions_cached(self, release_id)

    def pcs_explain(self, code: str, day: dt.date | None = None) -> tuple[str, list[Any]]:
        """Release id and the axis-by-axis explanation of a complete or partial PCS code."""
        from medcoder.codesets.icd10pcs.tables import explain

        key = normalize_pcs(code)
        rid = self.release(ICD10PCS, day).release_id
        if len(key) < 3:
            raise UnknownCodeError(code, ICD10PCS, self.pcs_suggestions(key, rid), release=rid)
        table = self.pcs_table(key, release_id=rid)
        if table is None:
            raise UnknownCodeError(code, ICD10PCS, self.pcs_suggestions(key, rid), release=rid)
        try:
            return rid, explain(table, key, self.pcs_definitions(rid))
        except UnknownCodeError:
            raise UnknownCodeError(code, ICD10PCS, self.pcs_suggestions(key, rid), release=rid) from None

    def pcs_next(self, prefix: str, day: dt.date | None = None) -> tuple[str, list[tuple[str, str, int]]]:
        """The valid next characters after a partial PCS code, with their meanings and code counts."""
        from medcoder.codesets.icd10pcs.tables import next_characters

        rid = self.release(ICD10PCS, day).release_id
        key = normalize_pcs(prefix) if prefix.strip() else ""
        if len(key) >= 7:
            raise InvalidCodeFormatError(prefix, ICD10PCS, "already complete: nothing comes after 7 characters")
        if len(key) >= 3:
            table = self.pcs_table(key, release_id=rid)
            if table is None:
                raise UnknownCodeError(prefix, ICD10PCS, self.pcs_suggestions(key, rid), release=rid)
            options = next_characters(table, key)
            if not options:
                raise UnknownCodeError(prefix, ICD10PCS, self.pcs_suggestions(key, rid), release=rid)
            return rid, options
        # Positions 1-2 are shared by many tables: gather labels from the tables themselves.
        from medcoder.codesets.icd10pcs.parse import PcsTable

        pos = len(key)
        found: dict[str, tuple[str, int]] = {}
        for prefix3, data in self.query(
            "SELECT prefix, data FROM pcs_tables WHERE release_id = ? AND prefix > ? AND prefix < ? ORDER BY prefix",
            (rid, key, key + "~"),
        ):
            table = PcsTable.from_json(data)
            axis = (table.section, table.body_system, table.operation)[pos]
            label, count = found.get(axis.code, (axis.label, 0))
            found[axis.code] = (label, count + _count(self, rid, prefix3))
        if not found:
            raise UnknownCodeError(prefix, ICD10PCS, self.pcs_suggestions(key, rid), release=rid)
        return rid, [(c, label, n) for c, (label, n) in sorted(found.items())]

    def pcs_suggestions(self, code: str, release_id: str, limit: int = 5) -> list[str]:
        raw = compact(code)
        for cut in range(min(len(raw), 7), 0, -1):
            rows = self.query(
                "SELECT code FROM pcs_codes WHERE release_id = ? AND code >= ? AND code < ? ORDER BY code LIMIT ?",
                (release_id, raw[:cut], raw[:cut] + "~", limit),
            )
            if rows:
                return [r[0] for r in rows]
        return []

    # -- HCPCS Level II and CPT -------------------------------------------------------------

    def has_system(self, system: str) -> bool:
        return any(m.system == system for m in self.manifests)

    def hcpcs(self, code: str, day: dt.date | None = None, release_id: str | None = None) -> HcpcsCode | None:
        """A HCPCS Level II code or modifier (``j0696``, ``J0696``, ``lt``), or ``None``."""
        rid = release_id or self.release(HCPCS, day).release_id
        rows = self.query(
            f"SELECT {_HCPCS_COLS} FROM hcpcs_codes WHERE release_id = ? AND code = ?", (rid, compact(code))
        )
        return _hcpcs(rows[0]) if rows else None

    def hcpcs_codes(self, release_id: str) -> list[HcpcsCode]:
        """Every code and modifier of a release, in code order."""
        rows = self.query(f"SELECT {_HCPCS_COLS} FROM hcpcs_codes WHERE release_id = ? ORDER BY code", (release_id,))
        return [_hcpcs(r) for r in rows]

    def hcpcs_status(self, code: str, day: dt.date | None = None) -> CodeStatus:
        """Valid (in the release for the date) and reportable on that date (added .. terminated)."""
        rid = self.release(HCPCS, day).release_id
        key = compact(code)
        found = self.hcpcs(key, release_id=rid)
        if found is None:
            return CodeStatus(key, HCPCS, rid, False, False, None, f"not a code in {rid}")
        if found.kind == "modifier":
            return CodeStatus(key, HCPCS, rid, True, False, found.long, "a modifier: reported with a procedure code")
        on = day or dt.date.today()
        if found.effective is not None and on < found.effective:
            reason = f"not yet effective: reportable from {found.effective.isoformat()}"
            return CodeStatus(key, HCPCS, rid, True, False, found.long, reason)
        if found.terminated is not None and on > found.terminated:
            reason = f"terminated: last date of service {found.terminated.isoformat()}"
            return CodeStatus(key, HCPCS, rid, True, False, found.long, reason)
        from medcoder.codesets.hcpcs.parse import COVERAGE

        reason = "billable"
        if found.coverage in COVERAGE:
            reason = f"billable (Medicare coverage {found.coverage}: {COVERAGE[found.coverage]})"
        return CodeStatus(key, HCPCS, rid, True, True, found.long, reason)

    def cpt(self, code: str, day: dt.date | None = None, release_id: str | None = None) -> CptCode | None:
        rid = release_id or self.release(CPT, day).release_id
        rows = self.query(
            "SELECT code, short, medium, long, release_id FROM cpt_codes WHERE release_id = ? AND code = ?",
            (rid, compact(code)),
        )
        return CptCode(*rows[0]) if rows else None

    def cpt_codes(self, release_id: str) -> list[CptCode]:
        rows = self.query(
            "SELECT code, short, medium, long, release_id FROM cpt_codes WHERE release_id = ? ORDER BY code",
            (release_id,),
        )
        return [CptCode(*r) for r in rows]

    def cpt_status(self, code: str, day: dt.date | None = None) -> CodeStatus:
        rid = self.release(CPT, day).release_id
        key = compact(code)
        found = self.cpt(key, release_id=rid)
        if found is None:
            return CodeStatus(key, CPT, rid, False, False, None, f"not a code in {rid}")
        return CodeStatus(key, CPT, rid, True, True, found.description, "billable")

    # -- any system ------------------------------------------------------------------------

    def status(self, code: str, day: dt.date | None = None, system: str | None = None) -> CodeStatus:
        """Validity of a code in whichever system it belongs to (``system`` forces one)."""
        systems = [system] if system else guess_systems(code)
        if not systems:
            raise InvalidCodeFormatError(code, "ICD-10-CM, ICD-10-PCS, HCPCS or CPT", "not the shape of any")
        checks = {
            ICD10CM: self.cm_status,
            ICD10PCS: self.pcs_status,
            HCPCS: self.hcpcs_status,
            CPT: self.cpt_status,
        }
        statuses = []
        no_release: NoReleaseError | None = None
        for sys_ in systems:
            if sys_ != ICD10CM and not self.has_system(sys_):
                continue
            try:
                statuses.append(checks[sys_](code, day))
            except NoReleaseError as exc:
                # J0696 has the shape of ICD-10-CM too: a CM release that does not cover the
                # date must not hide the HCPCS code that is valid on it.
                if len(systems) == 1:
                    raise
                no_release = no_release or exc
        for st in statuses:
            if st.valid:
                return st
        if not statuses and no_release is not None:
            raise no_release
        if not statuses:
            missing = " or ".join(systems)
            raise KnowledgeBaseError(f"no {missing} release is installed (see `medcoder codesets install`)")
        return statuses[0]


def _count(kb: KnowledgeBase, rid: str, prefix: str) -> int:
    from medcoder.codesets.icd10pcs.tables import count_codes

    table = kb.pcs_table(prefix, release_id=rid)
    return count_codes(table) if table is not None else 0


@lru_cache(maxsize=4096)
def _pcs_table_cached(kb: KnowledgeBase, rid: str, prefix: str, cls: Any) -> Any:
    rows = kb.query("SELECT data FROM pcs_tables WHERE release_id = ? AND prefix = ?", (rid, prefix))
    return cls.from_json(rows[0][0]) if rows else None


# a release's codes do not change once installed: each code is looked up once (issue 9: speed)
@lru_cache(maxsize=65536)
def _pcs_description_cached(kb: KnowledgeBase, rid: str, code: str) -> str | None:
    row = kb.query("SELECT description FROM pcs_codes WHERE release_id = ? AND code = ?", (rid, code))
    return row[0][0] if row else None


@lru_cache(maxsize=16384)
def _pcs_partial_cached(kb: KnowledgeBase, rid: str, key: str) -> bool:
    """Does a code of the release begin with ``key`` (a partial code)?"""
    sql = "SELECT 1 FROM pcs_codes WHERE release_id = ? AND code > ? AND code < ? LIMIT 1"
    return bool(kb.query(sql, (rid, key, key + "Z~")))


@lru_cache(maxsize=8)
def _pcs_definitions_cached(kb: KnowledgeBase, rid: str) -> dict[tuple[str, int, str], Any]:
    from medcoder.codesets.icd10pcs.parse import PcsDefinition

    out = {}
    for section, axis, term, sec_title, axis_title, definition, explanation, includes in kb.query(
        "SELECT section, axis, term, section_title, axis_title, definition, explanation, includes "
        "FROM pcs_definitions WHERE release_id = ?",
        (rid,),
    ):
        out[(section, axis, term)] = PcsDefinition(
            section, sec_title, axis, axis_title, term, definition, explanation, tuple(json.loads(includes))
        )
    return out


_DEFAULT: KnowledgeBase | None = None
_DEFAULT_LOCK = threading.Lock()


def default_kb() -> KnowledgeBase:
    """A process-wide knowledge base for what is installed (opened once)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = KnowledgeBase.open()
        return _DEFAULT


def reset_default_kb() -> None:
    """Forget the process-wide knowledge base (after an install or a build)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is not None:
            _DEFAULT.close()
        _DEFAULT = None
        _pcs_table_cached.cache_clear()
        _pcs_definitions_cached.cache_clear()
        _pcs_description_cached.cache_clear()
        _pcs_partial_cached.cache_clear()
