"""CPT: the AMA data file a user supplies under their own licence (never shipped with medcoder)."""

from medcoder.codesets.cpt.parse import (
    CptCode,
    CptFile,
    detect_cpt,
    is_cpt_code,
    kind_from_name,
    parse_cpt,
    year_from_names,
)

__all__ = ["CptCode", "CptFile", "detect_cpt", "is_cpt_code", "kind_from_name", "parse_cpt", "year_from_names"]
