"""MS-DRG grouping through the ``msdrg`` library (validated against the CMS Java grouper).

medcoder does not group by itself: it picks the grouper version in effect on the discharge date,
hands the claim to :class:`msdrg.MsdrgGrouper`, and adds what a coder asks next — the CC / MCC
status of each secondary diagnosis, the DRG if that code were removed (what-if ``impact``), the
relative weight and an estimated payment from a CMS Table 5 file, and the Medicare Code Editor.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from medcoder.errors import InputFileError, MissingClaimDataError, NoReleaseError, ReleaseFileError
from medcoder.grouping.claims import _CODE, Claim, ClaimDiagnosis, ClaimProcedure, normalize_code

# (first discharge date, msdrg version): each FY starts 1 October, the ".1" update 1 April.
# msdrg 1.2 ships v40.0-v43.1 and v44.0 (FY 2027, through March 2027).
_VERSIONS: tuple[tuple[dt.date, int], ...] = (
    (dt.date(2022, 10, 1), 400),
    (dt.date(2023, 4, 1), 401),
    (dt.date(2023, 10, 1), 410),
    (dt.date(2024, 4, 1), 411),
    (dt.date(2024, 10, 1), 420),
    (dt.date(2025, 4, 1), 421),
    (dt.date(2025, 10, 1), 430),
    (dt.date(2026, 4, 1), 431),
    (dt.date(2026, 10, 1), 440),
)
_LAST_SUPPORTED = dt.date(2027, 3, 31)

_SEX = {"M": 0, "F": 1, "U": 2}
Severity = Literal["MCC", "CC", "NONE"]


class UnsupportedDischargeDateError(NoReleaseError):
    """No MS-DRG grouper version in ``msdrg`` covers the discharge date."""

    def __init__(self, discharge_date: dt.date) -> None:
        first = _VERSIONS[0][0]
        super().__init__(
            f"no MS-DRG grouper covers discharge date {discharge_date.isoformat()}: "
            f"msdrg supports discharges from {first.isoformat()} to {_LAST_SUPPORTED.isoformat()} "
            f"(MS-DRG v40.0 to v44.0)"
        )
        self.discharge_date = discharge_date


def _require_grouping_fields(claim: Claim) -> None:
    missing = [name for name in ("discharge_date", "age") if getattr(claim, name) is None]
    if missing:
        who = f"claim {claim.id}" if claim.id else "claim"
        raise MissingClaimDataError(f"{who} cannot be grouped: no {' and no '.join(missing)}")


def grouper_version(discharge_date: dt.date) -> int:
    """The msdrg version number (e.g. 431 for v43.1) in effect on ``discharge_date``."""
    if discharge_date < _VERSIONS[0][0] or discharge_date > _LAST_SUPPORTED:
        raise UnsupportedDischargeDateError(discharge_date)
    version = _VERSIONS[0][1]
    for start, number in _VERSIONS:
        if discharge_date >= start:
            version = number
    return version


def _version_label(number: int) -> str:
    return f"{number // 10}.{number % 10}"


def _drg(number: int | None) -> str | None:
    return None if number is None else f"{number:03d}"


def _mdc(number: int | None) -> str | None:
    return None if number is None else f"{number:02d}"


# --- relative weights (CMS IPPS Table 5) --------------------------------------------------------


class DrgWeight(BaseModel):
    model_config = ConfigDict(extra="forbid")

    drg: str
    title: str = ""
    mdc: str | None = None
    type: str | None = Field(default=None, description="MED or SURG")
    weight: float
    gmlos: float | None = Field(default=None, description="geometric mean length of stay")
    amlos: float | None = Field(default=None, description="arithmetic mean length of stay")


class DrgWeights:
    """Relative weights by DRG, read from CMS IPPS Table 5 (the CSV or tab-delimited text layout).

    The layout: optional title lines, then a header row with ``MS-DRG``, ``MDC``, ``TYPE``,
    ``MS-DRG Title``, ``Weights``, ``Geometric mean LOS``, ``Arithmetic mean LOS`` (post-acute and
    special-pay columns are ignored), one row per DRG, and footnote lines after the table.
    """

    def __init__(self, rows: Iterable[DrgWeight], source: str = "") -> None:
        self.rows = {row.drg: row for row in rows}
        self.source = source

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, drg: str | None) -> DrgWeight | None:
        return None if drg is None else self.rows.get(drg)

    @classmethod
    def read(cls, path: str | Path) -> DrgWeights:
        path = Path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InputFileError(path, f"cannot read: {exc.strerror or exc}") from None
        text = raw.decode("utf-8-sig", errors="replace")
        return cls(_parse_table5(text, path), source=str(path))


def _header_key(cell: str) -> str | None:
    name = re.sub(r"\s+", " ", cell.strip().lower())
    if name in {"ms-drg", "msdrg", "drg", "ms drg"}:
        return "drg"
    if "title" in name:
        return "title"
    if "weight" in name:
        return "weight"
    if "geometric" in name:
        return "gmlos"
    if "arithmetic" in name:
        return "amlos"
    if name == "mdc":
        return "mdc"
    if name == "type":
        return "type"
    return None


def _number(cell: str) -> float | None:
    cell = cell.strip().replace(",", "").rstrip("*")
    return float(cell) if cell else None


def _parse_table5(text: str, path: Path) -> list[DrgWeight]:
    lines = text.splitlines()
    delimiter = "\t" if any("\t" in line for line in lines[:20]) else ","
    records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    columns: dict[str, int] | None = None
    rows: list[DrgWeight] = []
    for number, record in enumerate(records, start=1):
        if columns is None:
            keys = {_header_key(cell): i for i, cell in enumerate(record) if _header_key(cell)}
            if "drg" in keys and "weight" in keys:
                columns = keys
            continue
        cells = [cell.strip() for cell in record]
        drg_cell = cells[columns["drg"]] if len(cells) > columns["drg"] else ""
        if not drg_cell.isdigit():
            continue  # blank lines and footnotes after the table
        try:
            weight = _number(cells[columns["weight"]])
            if weight is None:
                raise ValueError("empty weight")
            rows.append(
                DrgWeight(
                    drg=f"{int(drg_cell):03d}",
                    title=cells[columns["title"]] if "title" in columns else "",
                    mdc=(cells[columns["mdc"]] or None) if "mdc" in columns else None,
                    type=(cells[columns["type"]] or None) if "type" in columns else None,
                    weight=weight,
                    gmlos=_number(cells[columns["gmlos"]]) if "gmlos" in columns else None,
                    amlos=_number(cells[columns["amlos"]]) if "amlos" in columns else None,
                )
            )
        except (ValueError, IndexError) as exc:
            raise ReleaseFileError(path, f"bad Table 5 row for MS-DRG {drg_cell}: {exc}", number) from None
    if columns is None:
        raise ReleaseFileError(path, "not a CMS Table 5 file: no header row with 'MS-DRG' and 'Weights'")
    if not rows:
        raise ReleaseFileError(path, "CMS Table 5 file has a header but no MS-DRG rows")
    return rows


# --- results ------------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SecondaryDiagnosis(_Model):
    code: str
    poa: str | None = None
    severity: Severity = Field(description="the code's own level: MCC, CC or NONE")
    excluded: bool = Field(default=False, description="CC exclusion: does not count with this principal diagnosis")
    drg_impact: str = Field(description="msdrg: NONE, INITIAL, FINAL or BOTH (the code set the DRG's severity)")
    flags: list[str] = Field(default_factory=list)


class ProcedureResult(_Model):
    code: str
    is_or: bool = Field(description="an operating-room procedure")
    drg_impact: str
    flags: list[str] = Field(default_factory=list)


class DiagnosisImpact(_Model):
    """What-if: the DRG were this secondary diagnosis removed from the claim."""

    code: str
    severity: Severity
    drg_without: str | None
    description_without: str | None = None
    changes_drg: bool
    relative_weight_without: float | None = None
    payment_difference: float | None = Field(default=None, description="payment with the code minus without it")


class QueryOptionImpact(_Model):
    """What-if: the DRG were an open physician query answered with this option."""

    query_id: str
    replaces: str | None = Field(description="the code the answer replaces; None when it adds a code")
    code: str = Field(description="the option's code")
    drg_if_answered: str | None
    description_if_answered: str | None = None
    changes_drg: bool
    severity_if_answered: str | None = Field(default=None, description="the option's CC / MCC level (secondary)")
    relative_weight_if_answered: float | None = None
    payment_difference: float | None = Field(default=None, description="payment if answered minus payment now")


class MceEdit(_Model):
    name: str
    count: int
    code_type: str
    edit_type: str


class DrgResult(_Model):
    claim_id: str | None = None
    drg: str | None = Field(description="final MS-DRG, three digits, e.g. '291'")
    mdc: str | None = Field(description="two digits, e.g. '05'")
    description: str | None = None
    mdc_description: str | None = None
    version: str = Field(description="MS-DRG grouper version, e.g. '43.1'")
    return_code: str = Field(description="'OK', or why the claim could not be grouped (e.g. INVALID_PDX)")
    severity: str = Field(description="what the secondary diagnoses contributed: MCC, CC or NONE")
    initial_drg: str | None = Field(default=None, description="DRG before the HAC (POA) adjustment")
    principal: str
    secondary: list[SecondaryDiagnosis] = Field(default_factory=list)
    procedures: list[ProcedureResult] = Field(default_factory=list)
    impact: list[DiagnosisImpact] | None = Field(default=None, description="per secondary diagnosis, in claim order")
    relative_weight: float | None = None
    gmlos: float | None = None
    payment: float | None = Field(default=None, description="relative weight x base rate (no outlier, IME, DSH)")
    mce_edit_type: str | None = None
    mce_edits: list[MceEdit] | None = None
    query_impact: list[QueryOptionImpact] | None = Field(
        default=None, description="per open physician query and option: the DRG if answered so"
    )


# --- the claim msdrg reads ---------------------------------------------------------------------


def native_claim(claim: Claim) -> dict[str, Any]:
    """The claim as ``msdrg`` reads it: one dict for both ``MsdrgGrouper`` and ``MceEditor`` (which
    also reads the discharge date).  Only ICD-10-PCS procedures: MS-DRG and the MCE know no CPT."""

    def dx(code: str, poa: str | None) -> dict[str, str]:
        # POA '1' (exempt from reporting) and invalid values (reported by the POA edit) are blank
        # to the grouper.
        return {"code": code, "poa": poa} if poa in ("Y", "N", "U", "W") else {"code": code}

    native: dict[str, Any] = {
        "age": claim.age,
        "sex": _SEX[claim.sex],
        # UB-04 status 01 (home / self care) when the claim does not say: the CMS grouper's default
        "discharge_status": claim.discharge_status if claim.discharge_status is not None else 1,
        "hospital_status": "NOT_EXEMPT",
        "tie_breaker": "CLINICAL_SIGNIFICANCE",
        "pdx": dx(claim.principal.code, claim.principal.poa),
        "sdx": [dx(d.code, d.poa) for d in claim.secondaries],
        "procedures": [{"code": p.code} for p in claim.procedures if p.code_system == "ICD-10-PCS"],
    }
    day = claim.discharge_date
    if day is not None:
        native["discharge_date"] = day.year * 10000 + day.month * 100 + day.day  # YYYYMMDD
    return native


# --- the grouper -----------------------------------------------------------------------------


class DrgGrouper:
    """MS-DRG grouping of :class:`Claim` objects through ``msdrg.MsdrgGrouper``.

    >>> with DrgGrouper() as grouper:                                   # doctest: +SKIP
    ...     result = grouper.group(claim)
    ...     result.drg, [i.drg_without for i in result.impact]

    ``weights`` (a :class:`DrgWeights` or the path of a CMS Table 5 file) adds the relative weight;
    with ``base_rate`` as well, an estimated payment (weight x rate). ``mce=True`` runs the
    Medicare Code Editor. Close it (or use ``with``): it holds a native grouper context.
    """

    def __init__(
        self,
        weights: DrgWeights | str | Path | None = None,
        base_rate: float | None = None,
        mce: bool = False,
        impact: bool = True,
    ) -> None:
        import msdrg

        if weights is not None and not isinstance(weights, DrgWeights):
            weights = DrgWeights.read(weights)
        self.weights = weights
        self.base_rate = base_rate
        self.impact = impact
        self._grouper: Any = msdrg.MsdrgGrouper()
        self._mce: Any = msdrg.MceEditor() if mce else None

    def close(self) -> None:
        for native in (getattr(self, "_grouper", None), getattr(self, "_mce", None)):
            if native is not None:
                native.close()

    def __enter__(self) -> DrgGrouper:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    def __del__(self) -> None:
        # Free the native contexts if the caller forgot to; msdrg would warn (ResourceWarning).
        self.close()

    # -- public API

    def group(self, claim: Claim, impact: bool | None = None) -> DrgResult:
        """Group ``claim``; ``impact`` (default: the grouper's setting) adds the per-code what-ifs."""
        _require_grouping_fields(claim)
        version = grouper_version(claim.discharge_date)
        native = self._native_claim(claim, version)
        raw = self._grouper.group(native)
        result = self._result(claim, version, raw)
        if impact if impact is not None else self.impact:
            result.impact = self._impact(claim, version, native, result)
        if self._mce is not None:
            mce = self._mce.edit(native)
            result.mce_edit_type = mce["edit_type"]
            result.mce_edits = [MceEdit(**edit) for edit in mce["edits"]]
        return result

    # -- internals

    @staticmethod
    def _native_claim(claim: Claim, version: int) -> dict[str, Any]:
        return {**native_claim(claim), "version": version}

    def _weight(self, drg: str | None) -> tuple[float | None, float | None, float | None]:
        row = self.weights.get(drg) if self.weights is not None else None
        if row is None:
            return None, None, None
        payment = round(row.weight * self.base_rate, 2) if self.base_rate is not None else None
        return row.weight, row.gmlos, payment

    def _result(self, claim: Claim, version: int, raw: dict[str, Any]) -> DrgResult:
        # msdrg reports secondary diagnoses in its own order: match them back to the claim's.
        outputs: dict[str, list[dict[str, Any]]] = {}
        for out in raw.get("sdx_output") or []:
            outputs.setdefault(out["code"], []).append(out)
        secondary = []
        for diagnosis in claim.secondaries:
            found = outputs.get(diagnosis.code) or [{}]
            out = found.pop(0) if len(found) > 1 else found[0]
            flags = list(out.get("flags") or [])
            secondary.append(
                {
                    "code": diagnosis.code,
                    "poa": diagnosis.poa,
                    "severity": out.get("severity") or "NONE",
                    "excluded": "EXCLUDED" in flags,
                    "drg_impact": out.get("drg_impact") or "NONE",
                    "flags": flags,
                }
            )
        # plain dicts: the result validates them in one call (as many models one by one)
        procedures = [
            {
                "code": out["code"],
                "is_or": bool(out.get("is_or")),
                "drg_impact": out.get("drg_impact") or "NONE",
                "flags": list(out.get("flags") or []),
            }
            for out in raw.get("proc_output") or []
        ]
        drg = _drg(raw.get("final_drg"))
        weight, gmlos, payment = self._weight(drg)
        return DrgResult(
            claim_id=claim.id,
            drg=drg,
            mdc=_mdc(raw.get("final_mdc")),
            description=raw.get("final_drg_description") or None,
            mdc_description=raw.get("final_mdc_description") or None,
            version=_version_label(version),
            return_code=raw.get("return_code") or "",
            severity=raw.get("final_severity") or "NONE",
            initial_drg=_drg(raw.get("initial_drg")),
            principal=claim.principal.code,
            secondary=secondary,
            procedures=procedures,
            relative_weight=weight,
            gmlos=gmlos,
            payment=payment,
        )

    def _impact(self, claim: Claim, version: int, native: dict[str, Any], result: DrgResult) -> list[DiagnosisImpact]:
        impacts = []
        for index, diagnosis in enumerate(result.secondary):
            # Regroup every time: besides CC / MCC, secondary diagnoses drive some DRGs directly
            # (multiple significant trauma, HIV, newborns), so only the grouper can tell.
            without = {**native, "sdx": native["sdx"][:index] + native["sdx"][index + 1 :]}
            raw = self._grouper.group(without)
            drg = _drg(raw.get("final_drg"))
            weight, _, payment = self._weight(drg)
            both = result.payment is not None and payment is not None
            impacts.append(
                DiagnosisImpact(
                    code=diagnosis.code,
                    severity=diagnosis.severity,
                    drg_without=drg,
                    description_without=raw.get("final_drg_description") or None,
                    changes_drg=drg != result.drg,
                    relative_weight_without=weight,
                    payment_difference=round(result.payment - payment, 2) if both else None,
                )
            )
        return impacts

    def what_if(self, claim: Claim, replaces: str | None, code: str, procedure: bool = False) -> DrgResult:
        """The claim grouped with ``code`` in place of ``replaces`` (added as the last secondary
        diagnosis or procedure when ``replaces`` is None or not on the claim), without impacts."""
        code = normalize_code(code)
        target = normalize_code(replaces) if replaces else None
        # the claim's other (validated) items are shared; only the changed one is made anew
        if procedure:
            procedures = list(claim.procedures)
            hit = next((i for i, p in enumerate(procedures) if p.code == target), None)
            if hit is None:
                procedures.append(ClaimProcedure(code=code))
            else:
                procedures[hit] = ClaimProcedure(**{**procedures[hit].model_dump(), "code": code})
            changed = claim.model_copy(update={"procedures": procedures})
        else:
            diagnoses = list(claim.diagnoses)
            hit = next((i for i, d in enumerate(diagnoses) if d.code == target), None)
            if hit is None:
                diagnoses.append(ClaimDiagnosis(code=code, poa="Y"))
            else:
                diagnoses[hit] = ClaimDiagnosis(**{**diagnoses[hit].model_dump(), "code": code})
            changed = claim.model_copy(update={"diagnoses": diagnoses})
        return self.group(changed, impact=False)

    def query_impact(
        self,
        claim: Claim,
        queries: Iterable[Any],
        result: DrgResult | None = None,
        what_ifs: WhatIfs | None = None,
    ) -> list[QueryOptionImpact]:
        """For each open physician query (:class:`medcoder.models.Query`) and each of its options,
        the DRG if the provider answered with that option.  ``what_ifs``: the claim's what-ifs
        already grouped (by :func:`medcoder.cdi.specificity_queries`, say), reused."""
        result = result or self.group(claim, impact=False)
        if what_ifs is None or what_ifs.claim is not claim:
            what_ifs = self.what_ifs(claim)
        impacts = []
        for query in queries:
            procedure = getattr(query, "system", None) == "ICD-10-PCS"
            for option in query.options:
                answered = what_ifs.answer(query.code, option.code, procedure=procedure)
                weight, _, payment = self._weight(answered.drg)
                both = result.payment is not None and payment is not None
                impacts.append(
                    QueryOptionImpact(
                        query_id=query.id,
                        replaces=query.code,
                        code=option.code,
                        drg_if_answered=answered.drg,
                        description_if_answered=answered.description,
                        changes_drg=answered.drg != result.drg,
                        severity_if_answered=None if procedure else answered.severity,
                        relative_weight_if_answered=weight,
                        payment_difference=round(payment - result.payment, 2) if both else None,
                    )
                )
        return impacts

    def what_ifs(self, claim: Claim) -> WhatIfs:
        """The what-ifs of one claim (:meth:`what_if` answers, lighter), each grouped once."""
        return WhatIfs(self, claim)


class WhatIf(NamedTuple):
    """A what-if grouping, in short: the DRG and the CC / MCC level of the code put on the claim."""

    drg: str | None
    description: str | None
    severity: str | None  # the new code's level as a secondary diagnosis; None as the principal (or a procedure)


class WhatIfs:
    """What-ifs of one claim: :meth:`DrgGrouper.what_if` in short (:class:`WhatIf`), each grouped
    once however often it is asked (the CDI queries, then their impact).  The claim must not change
    while this is in use."""

    def __init__(self, grouper: DrgGrouper, claim: Claim) -> None:
        _require_grouping_fields(claim)
        self.grouper = grouper
        self.claim = claim
        self._version = grouper_version(claim.discharge_date)
        self._native = grouper._native_claim(claim, self._version)
        self._codes = [d.code for d in claim.diagnoses]
        self._answers: dict[tuple[str | None, str, bool], WhatIf] = {}

    def answer(self, replaces: str | None, code: str, procedure: bool = False) -> WhatIf:
        """The claim grouped with ``code`` in place of ``replaces`` (as :meth:`DrgGrouper.what_if`)."""
        code = normalize_code(code)
        target = normalize_code(replaces) if replaces else None
        key = (target, code, procedure)
        found = self._answers.get(key)
        if found is None:
            found = self._answers[key] = self._group(target, code, procedure)
        return found

    def _group(self, target: str | None, code: str, procedure: bool) -> WhatIf:
        if not _CODE.match(code):  # no code: the full what-if says why
            answered = self.grouper.what_if(self.claim, target, code, procedure=procedure)
            mine = None if procedure else next((d for d in answered.secondary if d.code == code), None)
            return WhatIf(answered.drg, answered.description, mine.severity if mine else None)
        # the claim msdrg reads with that one item changed, as DrgGrouper.what_if changes it
        native = self._native
        if procedure:
            procedures = list(self.claim.procedures)
            hit = next((i for i, p in enumerate(procedures) if p.code == target), None)
            if hit is None:
                procedures.append(ClaimProcedure(code=code))
            else:
                procedures[hit] = ClaimProcedure(**{**procedures[hit].model_dump(), "code": code})
            pcs = [{"code": p.code} for p in procedures if p.code_system == "ICD-10-PCS"]
            raw = self.grouper._grouper.group({**native, "procedures": pcs})
            return WhatIf(_drg(raw.get("final_drg")), raw.get("final_drg_description") or None, None)
        codes = self._codes
        hit = codes.index(target) if target in codes else None
        if hit is None:
            changed = {**native, "sdx": [*native["sdx"], {"code": code, "poa": "Y"}]}
        else:
            poa = self.claim.diagnoses[hit].poa
            item = {"code": code, "poa": poa} if poa in ("Y", "N", "U", "W") else {"code": code}
            if hit == 0:
                changed = {**native, "pdx": item}
            else:
                sdx = list(native["sdx"])
                sdx[hit - 1] = item
                changed = {**native, "sdx": sdx}
        raw = self.grouper._grouper.group(changed)
        severity = None
        # as DrgGrouper._result: the first secondary diagnosis with this code reads msdrg's first
        # output for it (none: NONE); the code only as the principal has no level
        if hit is None or hit > 0 or code in codes[1:]:
            out = next((o for o in raw.get("sdx_output") or [] if o["code"] == code), {})
            severity = out.get("severity") or "NONE"
        return WhatIf(_drg(raw.get("final_drg")), raw.get("final_drg_description") or None, severity)
