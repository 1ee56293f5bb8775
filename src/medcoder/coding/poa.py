"""Present-on-admission indicators for the diagnoses of an inpatient stay (OCG Appendix I).

POA is "present at the time the order for inpatient admission occurs".  medcoder assigns an
indicator only where the record says it:

- **Y** when it is documented where the admission is described (chief complaint, history of
  present illness, past history, admission diagnoses, admission exam, pre-operative diagnosis);
- **N** when, elsewhere, the sentence that supports the code says the condition arose during the
  stay ("hospital-acquired", "postoperative", "on hospital day 3", "during the hospitalization");
- **Y** when the sentence ties it to the admission ("presented with", "on admission"), or the code
  is a chronic condition -- its title says so, or its category is in ``data/poa_chronic.json``
  (Appendix I: a chronic condition diagnosed during the stay is POA "Y");
- nothing otherwise: the POA edit then asks the coder, who queries the provider (U / W are the
  provider's answer, not medcoder's guess).

Codes on the POA-exempt list are left blank.  Each assignment records the rule (``poa.assign.v1``)
and the reason in its rationale.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from medcoder.extract.pipeline import AnalyzedDocument, analyze
from medcoder.extract.rulefiles import load_rule_file
from medcoder.models import CodeAssignment, Encounter, Setting

RULE_ID = "poa.assign.v1"

_ADMISSION_SECTIONS = frozenset(
    {"chief_complaint", "history_present_illness", "past_medical_history", "physical_exam", "preoperative_diagnosis"}
)
_ADMISSION_TITLE = re.compile(r"\badmi(?:ssion|tting|t)\b|\breason for (?:admission|hospitalization)\b", re.I)
_ACQUIRED = re.compile(
    r"\b(?:hospital[- ]acquired|nosocomial|post-?operative(?:ly)?|post-?op|"
    r"on (?:hospital |post-?operative )?day \d+|during (?:the |his |her |this |their )?"
    r"(?:hospitali[sz]ation|hospital (?:stay|course)|stay|admission)|after (?:the )?(?:surgery|procedure|operation))\b",
    re.I,
)
_ON_ADMISSION = re.compile(
    r"\b(?:on|at|upon) admission\b|\bpresent(?:ed|s|ing) (?:with|to)\b|\badmitted (?:with|for|because)\b|"
    r"\bprior to admission\b|\bchronic\b|\blong-?standing\b|\bknown\b",
    re.I,
)


class _ChronicCategories(BaseModel):
    model_config = ConfigDict(extra="forbid")

    about: str
    source: str
    version: int
    categories: list[str] = Field(min_length=1)


@lru_cache(maxsize=1)
def _chronic_prefixes() -> tuple[str, ...]:
    data = load_rule_file(None, "poa_chronic.json", _ChronicCategories, "chronic-condition categories")
    return tuple(data.categories)


def _chronic_category(code: str) -> bool:
    return code.replace(".", "").upper().startswith(_chronic_prefixes())


def assign_poa(
    encounter: Encounter, diagnoses: list[CodeAssignment], exempt: object | None = None, analyzed_encounter=None
) -> None:
    """Set ``poa`` on the diagnoses of an inpatient encounter, in place (see the module doc).

    ``exempt`` is a POA-exempt list (``medcoder.edits.reference.PoaExemptList``): its codes stay blank.
    ``analyzed_encounter``: the encounter already analysed (the pipeline's), so no document is
    analysed twice.
    """
    if encounter.setting != Setting.inpatient:
        return
    analyzed: dict[str, AnalyzedDocument] = (
        {d.document_id: d for d in analyzed_encounter.documents} if analyzed_encounter is not None else {}
    )
    for assignment in diagnoses:
        if assignment.poa is not None:
            continue
        if exempt is not None and exempt.contains(assignment.code):  # type: ignore[attr-defined]
            continue
        indicator, why = _indicator(encounter, assignment, analyzed)
        if indicator is None:
            continue
        assignment.poa = indicator
        assignment.rules = [*assignment.rules, RULE_ID]
        assignment.rationale = f"{assignment.rationale}; POA {indicator}: {why}".lstrip("; ")


def _indicator(
    encounter: Encounter, assignment: CodeAssignment, analyzed: dict[str, AnalyzedDocument]
) -> tuple[str | None, str]:
    admission_reason = ""
    for evidence in assignment.evidence:
        try:
            document = encounter.document(evidence.document_id)
        except KeyError:
            continue
        doc = analyzed.get(document.id)
        if doc is None:
            doc = analyzed[document.id] = analyze(document.id, document.text)
        section = doc.section_at(evidence.start)
        if section.name in _ADMISSION_SECTIONS or _ADMISSION_TITLE.search(section.title):
            # the admission story: whatever it describes was there when the patient was admitted
            return "Y", f"documented under '{section.title or section.name}'"
        start, end = doc.sentence_at(evidence.start)
        sentence = document.text[start : max(end, evidence.end)]
        acquired = _ACQUIRED.search(sentence)
        if acquired:
            return "N", f"arose during the stay ('{acquired.group(0)}')"
        cue = _ON_ADMISSION.search(sentence)
        if cue and not admission_reason:
            admission_reason = f"'{cue.group(0)}'"
    if admission_reason:
        return "Y", admission_reason
    if "chronic" in assignment.description.lower() or _chronic_category(assignment.code):
        return "Y", "a chronic condition (OCG Appendix I)"
    return None, ""
