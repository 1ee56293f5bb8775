"""The whole job for one encounter: code it, group it, query, check it (DESIGN.md §2).

    coding (ICD-10-CM) -> MS-DRG for inpatient stays (+ physician queries and their DRG impact)
    -> CMS-HCC risk -> claim edits (payer profile)

Grouping needs demographics the documents may not give; when they are missing the result says so
with an informational edit instead of guessing.  An encounter dated after every installed release of
a code system is coded with the newest one, and the result carries a ``codesets.release-fallback.v1``
warning naming the release used and the one to install (the grouper still follows the discharge date).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.normalize import CPT, HCPCS, ICD10CM, ICD10PCS
from medcoder.coding.engine import Coder
from medcoder.coding.hcpcs import HcpcsAssigner
from medcoder.coding.pcs import PcsAssigner
from medcoder.coding.pcs.calibration import Calibration
from medcoder.coding.phrase_profile import PhraseProfile
from medcoder.coding.poa import assign_poa
from medcoder.coding.sitemodel import SiteModel
from medcoder.edits.engine import EditEngine, release_fallback_edit
from medcoder.edits.profile import PayerProfile
from medcoder.errors import MedcoderError, NoReleaseError
from medcoder.grouping.claims import Claim, normalize_code
from medcoder.grouping.msdrg import DrgGrouper
from medcoder.models import CodingResult, Edit, Encounter, Setting, Severity


class Pipeline:
    def __init__(
        self,
        kb: KnowledgeBase | None = None,
        model: SiteModel | None = None,
        min_confidence: float | None = None,
        group: bool = True,
        edit: bool = True,
        profile: PayerProfile | None = None,
        queries: bool = True,
        procedures: bool = True,
        pcs_calibration: Calibration | str | Path | None = None,
        cm_phrases: PhraseProfile | str | Path | None = None,
    ) -> None:
        """``group``: MS-DRG (inpatients) and CMS-HCC; ``edit``: the claim edits of ``profile``
        (the bundled default without one); ``queries``: physician queries for unspecified
        diagnoses that would group differently, with their DRG impact; ``procedures``: ICD-10-PCS
        for inpatient stays, CPT / HCPCS for outpatient and professional encounters, when those
        code sets are installed; ``pcs_calibration``: an opt-in PCS calibration profile (a file
        learned from a site's coded history, read now), named in each result's provenance;
        ``cm_phrases``: an opt-in ICD-10-CM phrase profile for a site model's term dictionary
        (:mod:`medcoder.coding.phrase_profile`), named in each result's provenance."""
        if pcs_calibration is not None and not isinstance(pcs_calibration, Calibration):
            pcs_calibration = Calibration.read(pcs_calibration)
        self.pcs_calibration = pcs_calibration
        self.coder = Coder(kb, model, min_confidence, cm_phrases=cm_phrases)
        self.kb = self.coder.kb
        self.group = group
        self.edit = edit
        self.profile = profile
        self.queries = queries
        self.procedures = procedures
        self._hcpcs: HcpcsAssigner | None = None
        self._pcs: PcsAssigner | None = None
        self._drg: DrgGrouper | None = None
        self._hcc: dict[int, object] = {}
        self._editor: EditEngine | None = None

    def run(self, encounter: Encounter) -> CodingResult:
        # one analysed encounter (sections, sentences, condition facts) for every assigner
        analyzed = self.coder.analyze(encounter)
        result = self.coder.code(encounter, analyzed)
        systems = [ICD10CM]
        if self.procedures:
            self._code_procedures(encounter, result, analyzed)
            systems += [ICD10PCS] if encounter.setting == Setting.inpatient else [HCPCS, CPT]
        self._release_warnings(encounter, result, systems)
        if encounter.setting == Setting.inpatient:
            assign_poa(encounter, result.diagnoses, self._poa_exempt(), analyzed)
        claim = claim_for(encounter, result) if result.diagnoses else None
        if self.group and claim is not None:
            self._group(encounter, result, claim)
        if self.edit:
            if claim is None:
                result.edits.append(
                    Edit(
                        rule_id="edits.no-diagnosis.v1",
                        severity=Severity.warning,
                        message="no diagnosis coded: there is no claim to check or bill",
                        suggested_fix="review the documents; query the provider if the diagnoses are not documented",
                    )
                )
            else:
                # the claim edits repeat a release warning the coding already carries: keep one
                result.edits.extend(e for e in self._edit_engine().check(claim, encounter) if e not in result.edits)
        return result

    def _release_warnings(self, encounter: Encounter, result: CodingResult, systems: list[str]) -> None:
        """A warning for each code system coded with a stand-in release (a date after every installed one)."""
        for system in systems:
            if not self.kb.has_system(system):
                continue
            try:
                choice = self.kb.release_choice(system, encounter.date_of_service)
            except NoReleaseError:
                continue  # a date before every release: coding that system already said why not
            warning = release_fallback_edit(choice)
            if warning is not None and warning not in result.edits:
                result.edits.append(warning)

    def _code_procedures(self, encounter: Encounter, result: CodingResult, analyzed) -> None:
        day = encounter.date_of_service
        if encounter.setting == Setting.inpatient:
            self._code_pcs(encounter, result, analyzed)
            return
        if self._hcpcs is None:
            self._hcpcs = HcpcsAssigner(self.kb)
        if not self._hcpcs.available(day):
            result.edits.append(_not_coded("CPT or HCPCS", day))
            return
        found = self._hcpcs.assign(encounter, analyzed)
        for number, assignment in enumerate(found, start=1):
            assignment.sequence = number
        result.procedures.extend(found)

    def _code_pcs(self, encounter: Encounter, result: CodingResult, analyzed=None) -> None:
        """ICD-10-PCS for inpatient stays: the principal procedure first, partial codes with a query."""
        if self._pcs is None:
            self._pcs = PcsAssigner(self.kb, calibration=self.pcs_calibration)
        day = encounter.date_of_service
        if not self._pcs.available(day):
            result.edits.append(_not_coded("ICD-10-PCS", day))
            return
        found = self._pcs.assign(encounter, analyzed)
        result.procedures.extend(found.procedures)
        result.queries.extend(found.queries)
        if found.release_id:
            result.releases[ICD10PCS] = found.release_id
            result.provenance.code_sets[ICD10PCS] = found.release_id
            if self._pcs.calibration.id:  # a site profile re-ranked these procedures: say which
                result.provenance.models["pcs_calibration"] = self._pcs.calibration.id

    def close(self) -> None:
        for native in (self._drg, self._editor):
            if native is not None:
                native.close()

    def _poa_exempt(self) -> object:
        if self.edit:
            return self._edit_engine().references.poa_exempt
        from medcoder.edits.reference import PoaExemptList

        return PoaExemptList.bundled()

    def _edit_engine(self) -> EditEngine:
        if self._editor is None:
            self._editor = EditEngine(self.kb, self.profile)
        return self._editor

    def _group(self, encounter: Encounter, result: CodingResult, claim: Claim) -> None:
        day = claim.date_of_service
        age, sex = claim.age, claim.sex
        codes = [d.code for d in result.diagnoses]
        if encounter.setting == Setting.inpatient:
            needed = (("discharge date", claim.discharge_date), ("age", age))
            missing = [name for name, value in needed if value is None]
            if missing:
                result.edits.append(
                    _info("grouping.drg-missing-data.v1", f"MS-DRG not computed: no {', '.join(missing)}")
                )
            else:
                self._group_drg(result, claim)
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
                scored = scorer.score(codes, age=age, sex=sex)  # type: ignore[attr-defined]
                evidence = {normalize_code(d.code): d.evidence for d in result.diagnoses}
                for model in scored.models:
                    for hcc in model.hccs:
                        hcc.evidence = [e for code in hcc.diagnoses for e in evidence.get(normalize_code(code), [])]
                result.hcc = scored.model_dump(mode="json")
            except MedcoderError as exc:
                result.edits.append(_info("grouping.hcc-unavailable.v1", f"CMS-HCC not computed: {exc.message}"))

    def _group_drg(self, result: CodingResult, claim: Claim) -> None:
        if self._drg is None:
            self._drg = DrgGrouper()
        try:
            grouped = self._drg.group(claim)
            what_ifs = self._drg.what_ifs(claim)  # each what-if grouped once: the queries, then their impact
            if self.queries:
                from medcoder.cdi import specificity_queries

                rid = result.releases.get(ICD10CM) or self.coder.release_for(claim.date_of_service)
                result.queries.extend(
                    specificity_queries(self.kb, rid, result.diagnoses, self._drg, claim, grouped, what_ifs)
                )
            if result.queries:
                grouped.query_impact = self._drg.query_impact(claim, result.queries, grouped, what_ifs)
            result.drg = grouped.model_dump(mode="json")
        except MedcoderError as exc:
            result.edits.append(_info("grouping.drg-unavailable.v1", f"MS-DRG not computed: {exc.message}"))


def claim_for(encounter: Encounter, result: CodingResult) -> Claim:
    """The claim an encounter's coding result makes: demographics and dates from the encounter,
    diagnoses in sequence (the first is the principal) and procedures from the result."""
    status = encounter.discharge_status
    age = _age(encounter, encounter.date_of_service)
    procedures = []
    for assignment in result.procedures:
        if assignment.system == ICD10PCS and len(assignment.code.replace(".", "")) < 7:
            continue  # a partial code waits for the physician's answer (its query); not billable yet
        system = assignment.system if assignment.system != "ICD-10-CM" else None
        procedures.append({"code": assignment.code, "system": system})
    return Claim(
        id=encounter.id,
        setting=encounter.setting.value,
        admit_date=encounter.admit_date,
        discharge_date=encounter.discharge_date,
        service_date=encounter.service_date,
        age=age if age is not None and 0 <= age <= 124 else None,
        sex=encounter.patient.sex.value,
        discharge_status=int(status) if status and status.strip().isdigit() else None,
        payer=encounter.payer,
        prior_authorization=encounter.prior_authorization,
        diagnoses=[{"code": d.code, "poa": d.poa} for d in result.diagnoses],
        procedures=procedures,
    )


def _age(encounter: Encounter, day: dt.date | None) -> int | None:
    patient = encounter.patient
    if patient.age is not None:
        return patient.age
    if patient.birth_date and day:
        years = day.year - patient.birth_date.year
        return years - ((day.month, day.day) < (patient.birth_date.month, patient.birth_date.day))
    return None


def _not_coded(systems: str, day: dt.date | None) -> Edit:
    when = day.isoformat() if day else "the date of service"
    return _info(
        "procedures.not-coded.v1",
        f"{systems} procedures not coded: no {systems} release installed for {when} (see `medcoder codesets install`)",
    )


def _info(rule_id: str, message: str) -> Edit:
    return Edit(rule_id=rule_id, severity=Severity.info, message=message)
