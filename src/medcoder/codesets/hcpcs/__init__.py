"""HCPCS Level II: the CMS alpha-numeric file (codes and modifiers), fixed-width or delimited."""

from medcoder.codesets.hcpcs.parse import (
    COVERAGE,
    HcpcsFile,
    HcpcsRecord,
    detect_layout,
    format_fixed_width,
    parse_hcpcs,
    quarter_from_name,
)

__all__ = [
    "COVERAGE",
    "HcpcsFile",
    "HcpcsRecord",
    "detect_layout",
    "format_fixed_width",
    "parse_hcpcs",
    "quarter_from_name",
]
