"""ICD-10-PCS Official Guidelines applied to an encounter's candidate codes, as versioned rules.

Rules that shape a single code live where the code is built (:mod:`.assigner`): B3.3
(discontinued -> Inspection), B3.5 (overlapping layers -> deepest), B3.6a (bypass from / to),
B3.9 (graft harvest coded separately), B4.3 (bilateral value, else one code per side), B4.4
(coronary arteries by number treated).  The rules here look at all candidates together; each is
registered in :data:`RULES` under its id so a run can say which ones fired.
"""

from __future__ import annotations

from collections.abc import Callable

from medcoder.coding.pcs.catalog import Catalog

__all__ = ["RULES", "apply_guidelines"]

RULES: dict[str, str] = {
    "pcs.B3.1b.v1": "Procedural steps to reach the operative site (the laparotomy of an open procedure) "
    "are not coded separately",
    "pcs.B3.2.v1": "Multiple procedures: the same root operation at different body parts, or with different "
    "approaches, is coded separately; the same code documented twice is reported once",
    "pcs.B3.3.v1": "Discontinued procedure: code what was done; Inspection if only the approach was reached",
    "pcs.B3.4b.v1": "Biopsy followed by more definitive treatment at the same site: code both",
    "pcs.B3.5.v1": "Overlapping body layers: code the deepest layer",
    "pcs.B3.6a.v1": "Bypass: body part bypassed from, qualifier bypassed to",
    "pcs.B3.9.v1": "Excision for graft from a different body part is coded separately",
    "pcs.B3.11a.v1": "Inspection performed to achieve another procedure at the same site is not coded separately",
    "pcs.B3.11c.v1": "Inspection with a different approach than the other procedure is coded separately",
    "pcs.B4.3.v1": "Bilateral body part value when it exists, otherwise one code per side",
    "pcs.B4.4.v1": "Coronary arteries: one body part, specified by the number of arteries treated",
    "pcs.partial-code.v1": "An axis the documentation does not fill stops the code there; a query asks for it",
    "pcs.root-operation.partial.v1": "Only a portion of the body part was taken: Excision, not Resection",
}


def apply_guidelines(candidates: list, catalog: Catalog) -> list:
    """The candidates that survive the encounter-level rules, with the rules that fired noted."""
    for rule in _ORDER:
        candidates = rule(candidates, catalog)
    return candidates


def _merge_duplicates(candidates: list, catalog: Catalog) -> list:
    """PCS B3.2: one code per distinct procedure; the same code from several mentions is reported
    once with all its evidence.  A partial code is dropped when a complete code below it exists."""
    by_code: dict[str, object] = {}
    for c in candidates:
        kept = by_code.get(c.code)
        if kept is None:
            by_code[c.code] = c
            continue
        for ev in c.evidence:
            if ev not in kept.evidence:  # type: ignore[attr-defined]
                kept.evidence.append(ev)  # type: ignore[attr-defined]
        kept.confidence = min(0.99, max(kept.confidence, c.confidence) + 0.05)  # type: ignore[attr-defined]
        for r in c.rules:
            if r not in kept.rules:  # type: ignore[attr-defined]
                kept.rules.append(r)  # type: ignore[attr-defined]
    merged = list(by_code.values())
    complete = [c.code for c in merged if c.complete]  # type: ignore[attr-defined]
    out = []
    for c in merged:
        if not c.complete and any(full.startswith(c.code) for full in complete):  # type: ignore[attr-defined]
            continue
        out.append(c)
    # B3.2: same root operation at different body parts / approaches -> separate codes (noted)
    groups: dict[str, set[str]] = {}
    for c in out:
        if c.code[0] == "0" and len(c.code) >= 4:
            groups.setdefault(c.code[:3], set()).add(c.code[3:5])
    for c in out:
        if c.code[0] == "0" and len(groups.get(c.code[:3], ())) > 1 and "pcs.B3.2.v1" not in c.rules:
            c.rules.append("pcs.B3.2.v1")
            c.rationale.append("PCS B3.2: same root operation at another body part / approach coded separately")
    return out


def _inspection(candidates: list, catalog: Catalog) -> list:
    """PCS B3.11a: an inspection done to achieve another procedure at the same body system with the
    same approach is not coded; B3.11c: with a different approach it is.  B3.1b: the exploratory
    laparotomy / laparoscopy that opens the way to another procedure is a procedural step."""
    others = [
        c for c in candidates if c.code[0] == "0" and c.table.operation.label != "Inspection" and len(c.code) >= 4
    ]
    out = []
    for c in candidates:
        if c.code[0] != "0" or c.table.operation.label != "Inspection" or not others:
            out.append(c)
            continue
        approach = c.code[4] if len(c.code) > 4 else None
        if c.code[1] == "W":
            same = [o for o in others if len(o.code) > 4 and approach is not None and o.code[4] == approach]
            if same:
                for o in same:
                    if "pcs.B3.1b.v1" not in o.rules:
                        o.rules.append("pcs.B3.1b.v1")
                continue
            out.append(c)
            continue
        related = [o for o in others if o.code[1] == c.code[1]]
        if not related:
            out.append(c)
            continue
        # a partial code whose approach is not documented says nothing about the inspection
        same_approach = [o for o in related if len(o.code) > 4 and approach is not None and o.code[4] == approach]
        if same_approach:
            for o in same_approach:
                if "pcs.B3.11a.v1" not in o.rules:
                    o.rules.append("pcs.B3.11a.v1")
                    o.rationale.append("PCS B3.11a: the inspection to reach this procedure is not coded separately")
            continue
        c.rules.append("pcs.B3.11c.v1")
        c.rationale.append("PCS B3.11c: inspection with a different approach coded separately")
        out.append(c)
    return out


def _biopsy_then_treatment(candidates: list, catalog: Catalog) -> list:
    """PCS B3.4b: a biopsy followed by a more definitive procedure at the same site (Excision,
    Resection, Destruction ...) is coded as well as the definitive procedure: both stay."""
    biopsies = [c for c in candidates if c.code[0] == "0" and len(c.code) == 7 and c.code[6] == "X"]
    for b in biopsies:
        for c in candidates:
            if c is b or c.code[0] != "0" or len(c.code) < 4 or (len(c.code) == 7 and c.code[6] == "X"):
                continue
            if c.code[1] == b.code[1] and c.code[3] == b.code[3] and c.table.operation.label in _DEFINITIVE:
                for x in (b, c):
                    if "pcs.B3.4b.v1" not in x.rules:
                        x.rules.append("pcs.B3.4b.v1")
                        x.rationale.append("PCS B3.4b: biopsy followed by more definitive treatment: both coded")
    return candidates


_DEFINITIVE = frozenset({"Excision", "Resection", "Destruction", "Extraction", "Detachment", "Replacement"})

_ORDER: list[Callable[[list, Catalog], list]] = [_merge_duplicates, _inspection, _biopsy_then_treatment]
