"""CMS-HCC risk adjustment through the ``hccinfhir`` library.

The library maps diagnoses to condition categories, applies the model's hierarchies and
interactions and computes the risk score; medcoder chooses the model(s) for the payment year,
blends them where CMS does, and reports each HCC with the diagnoses behind it and each HCC a
hierarchy dropped, with the HCC that superseded it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from medcoder.errors import MissingClaimDataError, NoReleaseError
from medcoder.grouping.claims import Claim, normalize_code
from medcoder.models import Evidence

V24 = "CMS-HCC Model V24"
V28 = "CMS-HCC Model V28"

# CMS phase-in of the 2024 CMS-HCC model (V28) for the Part C payment year: (model, weight).
PAYMENT_YEAR_BLEND: dict[int, tuple[tuple[str, float], ...]] = {
    2024: ((V24, 0.67), (V28, 0.33)),
    2025: ((V24, 0.33), (V28, 0.67)),
    2026: ((V28, 1.0),),
}
DEFAULT_PAYMENT_YEAR = 2026


def _hccinfhir() -> Any:
    # hccinfhir 0.4.0 loads its packaged tables at import with importlib.resources.path(), which
    # Python 3.11 deprecates: "path is deprecated. Use files() instead. ...". Ignore exactly that
    # warning, only around the import; nothing else is filtered.
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"path is deprecated\. Use files\(\) instead", category=DeprecationWarning
        )
        import hccinfhir
    return hccinfhir


class UnsupportedPaymentYearError(NoReleaseError):
    def __init__(self, payment_year: int) -> None:
        known = ", ".join(str(y) for y in sorted(PAYMENT_YEAR_BLEND))
        super().__init__(f"no CMS-HCC model configured for payment year {payment_year}; known: {known}")
        self.payment_year = payment_year


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Hcc(_Model):
    hcc: str
    label: str | None = None
    coefficient: float | None = None
    is_chronic: bool = False
    diagnoses: list[str] = Field(default_factory=list, description="the claim's codes that map to it")
    evidence: list[Evidence] = Field(
        default_factory=list, description="the words behind those diagnoses (results of `medcoder code`)"
    )


class SupersededHcc(_Model):
    hcc: str
    diagnoses: list[str]
    by: list[str] = Field(description="the higher HCC(s) in the hierarchy that dropped it")


class HccModelResult(_Model):
    model: str
    weight: float = Field(description="share of this model in the payment-year blend")
    risk_score: float
    risk_score_demographics: float
    risk_score_hcc: float
    hccs: list[Hcc] = Field(default_factory=list)
    superseded: list[SupersededHcc] = Field(default_factory=list)
    interactions: dict[str, float] = Field(default_factory=dict)
    unmapped: list[str] = Field(default_factory=list, description="diagnoses that map to no HCC in this model")


class HccResult(_Model):
    claim_id: str | None = None
    payment_year: int
    risk_score: float = Field(description="blend of the models' risk scores (before normalisation and MA coding)")
    models: list[HccModelResult]

    @property
    def hccs(self) -> list[Hcc]:
        """HCCs of the last (newest) model in the blend: V28 from 2024 on."""
        return self.models[-1].hccs


class HccScorer:
    """Risk score of a set of diagnoses for given demographics.

    >>> HccScorer().score(["E11.22", "E11.9"], age=70, sex="F").hccs[0].hcc   # doctest: +SKIP
    '37'
    """

    def __init__(self, payment_year: int = DEFAULT_PAYMENT_YEAR, model: Literal["V24", "V28"] | None = None) -> None:
        if model is not None:
            self.blend: tuple[tuple[str, float], ...] = (({"V24": V24, "V28": V28}[model], 1.0),)
        elif payment_year in PAYMENT_YEAR_BLEND:
            self.blend = PAYMENT_YEAR_BLEND[payment_year]
        else:
            raise UnsupportedPaymentYearError(payment_year)
        self.payment_year = payment_year
        lib = _hccinfhir()
        self._calculate_raf = lib.calculate_raf
        from hccinfhir.defaults import hierarchies_default

        self._hierarchies: dict[tuple[str, str], set[str]] = hierarchies_default

    def score(
        self,
        diagnoses: Iterable[str],
        age: int,
        sex: Literal["M", "F"],
        dual_elgbl_cd: str = "NA",
        orec: str = "0",
        crec: str = "0",
        new_enrollee: bool = False,
        snp: bool = False,
        lti: bool = False,
    ) -> HccResult:
        codes = list(dict.fromkeys(normalize_code(code) for code in diagnoses))
        results = []
        for model_name, weight in self.blend:
            raf = self._calculate_raf(
                codes,
                model_name=model_name,
                age=age,
                sex=sex,
                dual_elgbl_cd=dual_elgbl_cd,
                orec=orec,
                crec=crec,
                new_enrollee=new_enrollee,
                snp=snp,
                lti=lti,
            )
            results.append(self._model_result(model_name, weight, raf, codes))
        total = round(sum(r.weight * r.risk_score for r in results), 3)
        return HccResult(payment_year=self.payment_year, risk_score=total, models=results)

    def score_claim(self, claim: Claim, **demographics: Any) -> HccResult:
        """Score a claim's diagnoses with its age and sex (sex 'U' cannot be scored)."""
        who = f"claim {claim.id}: " if claim.id else ""
        if claim.sex not in ("M", "F"):
            raise MissingClaimDataError(f"{who}the CMS-HCC model needs sex M or F, not {claim.sex!r}")
        if claim.age is None:
            raise MissingClaimDataError(f"{who}the CMS-HCC model needs the age")
        result = self.score([d.code for d in claim.diagnoses], age=claim.age, sex=claim.sex, **demographics)
        result.claim_id = claim.id
        return result

    def _model_result(self, model_name: str, weight: float, raf: Any, codes: list[str]) -> HccModelResult:
        cc_to_dx: dict[str, set[str]] = raf.cc_to_dx
        kept = list(raf.hcc_list)
        hccs = [
            Hcc(
                hcc=detail.hcc,
                label=detail.label,
                coefficient=detail.coefficient,
                is_chronic=detail.is_chronic,
                diagnoses=sorted(cc_to_dx.get(detail.hcc, ())),
            )
            for detail in raf.hcc_details
        ]
        superseded = []
        for cc, dxs in cc_to_dx.items():
            if cc in kept:
                continue
            by = sorted(
                (parent for parent in kept if cc in self._hierarchies.get((parent, model_name), ())),
                key=_hcc_order,
            )
            superseded.append(SupersededHcc(hcc=cc, diagnoses=sorted(dxs), by=by))
        mapped = {dx for dxs in cc_to_dx.values() for dx in dxs}
        return HccModelResult(
            model=model_name,
            weight=weight,
            # the library sums its coefficients in set order, so the last bits of the float change with
            # the interpreter's hash seed; the coefficients have 3 decimals: 6 keep every sum exact
            risk_score=round(raf.risk_score, 6),
            risk_score_demographics=round(raf.risk_score_demographics, 6),
            risk_score_hcc=round(raf.risk_score_hcc, 6),
            hccs=sorted(hccs, key=lambda h: _hcc_order(h.hcc)),
            superseded=sorted(superseded, key=lambda s: _hcc_order(s.hcc)),
            interactions={k: v for k, v in raf.coefficients.items() if k in raf.interactions and k not in kept},
            unmapped=[code for code in codes if code not in mapped],
        )


def _hcc_order(hcc: str) -> tuple[int, str]:
    return (int(hcc), hcc) if hcc.isdigit() else (10**6, hcc)
