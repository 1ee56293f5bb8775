"""The whole job for one encounter: code it, then group it (DESIGN.md §2).

    coding (ICD-10-CM) -> MS-DRG for inpatient stays -> CMS-HCC risk

Grouping needs demographics the documents may not give; when they are missing the result says so
with an informational edit instead of guessing.
"""

from __future__ import annotations

import datetime as dt

from medcoder.codesets.kb import KnowledgeBase
from medcoder.coding.engine import Coder
from medcoder.coding.sitemodel import SiteModel
from medcoder.errors import MedcoderError
from medcoder.models import CodingResult, Edit, Encounter, Setting, Severity


class Pipeline:
    def __init__(
        self,
        kb: KnowledgeBase | None = None,
        model: SiteModel | None = None,
        min_confidence: float | None = None,
        group: bool = True,
    ) -> None:
        self.coder = Coder(kb, model, min_confidence)
        self.group = group
        self._drg = None
        self._hcc: dict[int, object] = {}

    def run(self, encounter: Encounter) -> CodingResult:
        result = self.coder.code(encounter)
        if self.group and result.diagnoses:
            self._group(encounter, result)
        return result

    def _group(self, encounter: Encounter, result: CodingResult) -> None:
        day = encounter.date_of_service
        age = _age(encounter, day)
        sex = encounter.patient.sex.value
        codes = [d.code for d in result.diagnoses]
        if encounter.setting == Setting.inpatient:
            missing = [
                name for name, value in (("discharge date", encounter.discharge_date), ("age", age)) if value is None
            ]
            if missing:
                result.edits.append(
                    _info("grouping.drg-missing-data.v1", f"MS-DRG not computed: no {', '.join(missing)}")
                )
            else:
                self._group_drg(encounter, result, age, sex)
        if age is not None and sex in ("M", "F") and day is not None:
            from medcoder.grouping import HccScorer
            from medcoder.grouping.hcc import PAYMENT_YEAR_BLEND

            year = day.year + 1  # CMS-HCC: a payment year scores the prior year's dates of service
            if year not in PAYMENT_YEAR_BLEND and year > max(PAYMENT_YEAR_BLEND):
                latest = max(PAYMENT_YEAR_BLEND)
                result.edits.append(
                    _info(
                        "grouping.hcc-model-year.v1",
                        f"CMS-HCC payment year {year} is not published in the installed model; scored with {latest}",
                    )
                )
                year = latest
            try:
                scorer = self._hcc.get(year) or self._hcc.setdefault(year, HccScorer(payment_year=year))
                result.hcc = scorer.score(codes, age=age, sex=sex).model_dump(mode="json")  # type: ignore[attr-defined]
            except MedcoderError as exc:
                result.edits.append(_info("grouping.hcc-unavailable.v1", f"CMS-HCC not computed: {exc.message}"))

    def _group_drg(self, encounter: Encounter, result: CodingResult, age: int, sex: str) -> None:
        from medcoder.grouping import Claim, DrgGrouper

        if self._drg is None:
            self._drg = DrgGrouper()
        status = encounter.discharge_status or "01"
        claim = Claim(
            id=encounter.id,
            discharge_date=encounter.discharge_date,
            age=age,
            sex=sex,
            discharge_status=int(status) if status.isdigit() else 1,
            diagnoses=[{"code": d.code, "poa": d.poa} for d in result.diagnoses],
            procedures=[{"code": p.code} for p in result.procedures],
        )
        try:
            result.drg = self._drg.group(claim).model_dump(mode="json")
        except MedcoderError as exc:
            result.edits.append(_info("grouping.drg-unavailable.v1", f"MS-DRG not computed: {exc.message}"))


def _age(encounter: Encounter, day: dt.date | None) -> int | None:
    patient = encounter.patient
    if patient.age is not None:
        return patient.age
    if patient.birth_date and day:
        years = day.year - patient.birth_date.year
        return years - ((day.month, day.day) < (patient.birth_date.month, patient.birth_date.day))
    return None


def _info(rule_id: str, message: str) -> Edit:
    return Edit(rule_id=rule_id, severity=Severity.info, message=message)
