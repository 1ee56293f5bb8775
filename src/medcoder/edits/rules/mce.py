"""The Medicare Code Editor (MCE) through ``msdrg.MceEditor`` -- the CMS edits every inpatient
claim goes through before grouping: invalid codes, age and sex conflicts, manifestation codes as
principal diagnosis, unacceptable principal diagnoses, questionable admissions, non-covered and
limited-coverage procedures, and so on.  ``msdrg`` picks the MCE version from the discharge date.

The MCE says which edits fired and how many times, not which code: the rule finds the codes by
removing each one in turn (a leave-one-out re-edit) and keeping those whose removal clears the
edit.  Each MCE edit becomes its own rule id, ``mce.<edit-name>.v1`` (``mce.sex-conflict.v1``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from medcoder.edits.engine import EditContext
from medcoder.edits.registry import Finding, edit_rules
from medcoder.grouping.msdrg import native_claim
from medcoder.models import Severity

# The MCE edits (CMS Definitions of Medicare Code Edits): what each means and what fixes it.
_EDITS: dict[str, tuple[str, str]] = {
    "INVALID_CODE": ("not a valid ICD-10 code for the discharge date", "correct the code"),
    "AGE_CONFLICT": (
        "inconsistent with the patient's age (newborn, pediatric, maternity or adult code)",
        "check the code and the age",
    ),
    "SEX_CONFLICT": ("inconsistent with the patient's sex", "check the code and the sex on the claim"),
    "MANIFESTATION_AS_PDX": (
        "a manifestation code cannot be the principal diagnosis",
        "sequence the underlying condition (etiology) first",
    ),
    "UNACCEPTABLE_PDX": (
        "not acceptable as a principal diagnosis for an inpatient admission",
        "choose the condition that occasioned the admission as principal",
    ),
    "E_CODE_AS_PDX": (
        "an external-cause code cannot be the principal diagnosis",
        "report the injury or condition first; external causes are secondary",
    ),
    "NONSPECIFIC_PDX": ("a non-specific principal diagnosis", "report a more specific principal diagnosis"),
    "QUESTIONABLE_ADMISSION": (
        "a principal diagnosis that is not usually sufficient to justify admission",
        "review the admission's medical necessity and the principal diagnosis",
    ),
    "QUESTIONABLE_OBSTETRIC_ADMISSION": (
        "an obstetric admission with a questionable principal diagnosis",
        "review the principal diagnosis",
    ),
    "DUPLICATE_OF_PDX": ("a secondary diagnosis duplicates the principal diagnosis", "remove the duplicate"),
    "REQUIRES_SDX": ("this code requires a secondary diagnosis", "add the secondary diagnosis the code requires"),
    "NON_COVERED": ("a procedure Medicare does not cover", "check coverage; the stay may not be payable"),
    "LIMITED_COVERAGE": (
        "a procedure Medicare covers only under specific circumstances",
        "check the coverage conditions are documented",
    ),
    "OPEN_BIOPSY": ("an open biopsy procedure", "confirm the biopsy was open (not percutaneous or endoscopic)"),
    "BILATERAL": (
        "bilateral procedures on a claim whose principal diagnosis is not multiple significant trauma",
        "check the procedures",
    ),
    "WRONG_PROCEDURE_PERFORMED": ("wrong procedure performed (wrong surgery)", "the stay is not payable as billed"),
    "INCONSISTENT_WITH_LENGTH_OF_STAY": ("inconsistent with the length of stay", "check the procedure and dates"),
    "INVALID_AGE": ("the age is not valid (0-124)", "correct the age"),
    "INVALID_SEX": ("the sex is not valid", "report sex M or F"),
    "INVALID_DISCHARGE_STATUS": ("the discharge status is not valid", "report a valid UB-04 discharge status"),
    "INVALID_ADMIT_DX": ("the admitting diagnosis is not valid", "correct the admitting diagnosis"),
    "UNSPECIFIED": ("an unspecified code", "report a more specific code if documented"),
    "NONSPECIFIC_OR": ("a non-specific operating-room procedure", "report a more specific procedure"),
    "MEDICARE_IS_SECONDARY_PAYER": ("Medicare may be the secondary payer", "check the payer order"),
}


def _rule_id(name: str) -> str:
    return "mce." + name.lower().removeprefix("edit_").replace("_", "-") + ".v1"


def _counts(editor: Any, native: dict[str, Any]) -> dict[str, tuple[int, str, str]]:
    result = editor.edit(native)
    return {e["name"]: (e["count"], e["code_type"], e["edit_type"]) for e in result["edits"]}


def _involved(editor: Any, native: dict[str, Any], name: str, count: int, code_type: str) -> list[str]:
    """Leave-one-out: the codes whose removal lowers the edit's count (code type DIAGNOSIS,
    PROCEDURE or BOTH).  The principal diagnosis cannot be removed: it is counted in when the
    others do not account for the whole count."""
    keys = {"DIAGNOSIS": ("sdx",), "PROCEDURE": ("procedures",)}.get(code_type, ("sdx", "procedures"))
    found = []
    for key in keys:
        items = native[key]
        for i, item in enumerate(items):
            trial = {**native, key: items[:i] + items[i + 1 :]}
            if _counts(editor, trial).get(name, (0, "", ""))[0] < count:
                found.append(item["code"])
    if code_type != "PROCEDURE" and len(found) < count:
        found.insert(0, native["pdx"]["code"])
    return found


@edit_rules.register(
    "mce.v1",
    severity="error",
    title="Medicare Code Editor (age / sex conflicts, manifestation or unacceptable principal, coverage ...)",
    settings=["inpatient"],
    source="CMS Medicare Code Editor, version by discharge date (msdrg)",
)
def medicare_code_editor(ctx: EditContext) -> Iterator[Finding]:
    claim = ctx.claim
    missing = [n for n in ("discharge_date", "age") if getattr(claim, n) is None]
    if missing:
        yield Finding(f"MCE not run: the claim has no {' and no '.join(missing)}", severity=Severity.info)
        return
    editor = ctx.mce()
    native = native_claim(claim)
    for name, (count, code_type, edit_type) in _counts(editor, native).items():
        meaning, fix = _EDITS.get(name, (name.lower().replace("_", " "), "see the CMS MCE definitions"))
        codes = _involved(editor, native, name, count, code_type) if code_type != "NONE" else []
        procedures = {p["code"] for p in native["procedures"]}
        shown = [c if c in procedures else ctx.show(c) for c in codes]
        what = f"{', '.join(shown)}: " if shown else ""
        yield Finding(
            f"MCE {name}: {what}{meaning}" + (" (post-payment edit)" if edit_type == "POSTPAYMENT" else ""),
            shown,
            fix=fix,
            rule_id=_rule_id(name),
            severity=Severity.warning if edit_type == "POSTPAYMENT" else None,
        )
