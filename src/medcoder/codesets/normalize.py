"""Normalising code input the way coders type it.

``e11.40``, ``E1140`` and ``E11.40`` are the same ICD-10-CM code; ``0dtj4zz`` is ``0DTJ4ZZ``.
Codes are stored dotted for ICD-10-CM (the form printed in the tabular list) and undotted for
ICD-10-PCS (which has no dot).
"""

from __future__ import annotations

import re

from medcoder.errors import InvalidCodeFormatError

ICD10CM = "ICD-10-CM"
ICD10PCS = "ICD-10-PCS"
HCPCS = "HCPCS"
CPT = "CPT"

_STRIP = re.compile(r"[\s.]+")
# ICD-10-CM: a letter, a digit, an alphanumeric (category), then up to 4 more characters.
# A trailing "-" is how the index and notes say "more characters needed" (e.g. ``C79.8-``).
_CM = re.compile(r"^[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$")
# ICD-10-PCS: 7 characters from 0-9 and letters except I and O (never used, to avoid 1/0).
_PCS_CHARS = re.compile(r"^[0-9A-HJ-NP-Z]{1,7}$")
# HCPCS Level II: a letter and 4 digits; its modifiers: 2 letters or digits.
_HCPCS = re.compile(r"^[A-Z][0-9]{4}$")
_MODIFIER = re.compile(r"^[A-Z0-9]{2}$")
# CPT: 5 digits (Category I) or 4 digits and F (II), T (III), U (PLA) or M (MAAA).
_CPT = re.compile(r"^[0-9]{4}[0-9FTUM]$")


def compact(code: str) -> str:
    """Upper-case, without dots, spaces or a trailing dash."""
    return _STRIP.sub("", code).upper().rstrip("-")


def normalize_cm(code: str) -> str:
    """Return the dotted ICD-10-CM form (``E11.40``) or raise :class:`InvalidCodeFormatError`."""
    raw = compact(code)
    if not raw:
        raise InvalidCodeFormatError(code, ICD10CM, "empty")
    if not _CM.match(raw):
        if len(raw) > 7:
            reason = "longer than 7 characters"
        elif not raw[0].isalpha():
            reason = "must start with a letter"
        elif len(raw) < 3:
            reason = "a category has 3 characters"
        else:
            reason = "characters 2 must be a digit and the rest letters or digits"
        raise InvalidCodeFormatError(code, ICD10CM, reason)
    return raw if len(raw) == 3 else f"{raw[:3]}.{raw[3:]}"


def normalize_pcs(code: str) -> str:
    """Return the ICD-10-PCS form (upper case, no separators), complete or partial."""
    raw = compact(code)
    if not raw:
        raise InvalidCodeFormatError(code, ICD10PCS, "empty")
    if not _PCS_CHARS.match(raw):
        if len(raw) > 7:
            reason = "longer than 7 characters"
        else:
            reason = "uses characters other than 0-9 and A-Z without I and O"
        raise InvalidCodeFormatError(code, ICD10PCS, reason)
    return raw


def looks_like_cm(code: str) -> bool:
    return bool(_CM.match(compact(code)))


def looks_like_pcs(code: str) -> bool:
    raw = compact(code)
    return len(raw) <= 7 and bool(_PCS_CHARS.match(raw)) and "." not in code


def guess_systems(code: str) -> list[str]:
    """The code systems a typed code could belong to, most likely first.

    A dot means ICD-10-CM.  A first character that is a digit means ICD-10-PCS (ICD-10-CM codes
    start with a letter).  Otherwise both are possible (``B211YZZ`` is PCS imaging but has the
    shape of a CM code), and the caller looks in both.

    HCPCS Level II (a letter and 4 digits, ``J0696``) shares its shape with ICD-10-CM codes
    (``E1140`` is E11.40 as well as a wheelchair), so it comes after ICD-10-CM; a HCPCS modifier
    has 2 characters.  CPT (5 digits, or 4 digits and F/T/U/M) comes before the partial PCS code
    of the same shape, since a 5-character PCS code is never complete.  The caller keeps the first
    system in which the code exists.
    """
    if "." in code:
        return [ICD10CM]
    raw = compact(code)
    systems = []
    if raw[:1].isdigit():
        if _CPT.match(raw):
            systems.append(CPT)
        if _PCS_CHARS.match(raw):
            systems.append(ICD10PCS)
        if _MODIFIER.match(raw):
            systems.append(HCPCS)
        return systems
    if _CM.match(raw):
        systems.append(ICD10CM)
    if _HCPCS.match(raw):
        systems.append(HCPCS)
    if (len(raw) == 7 and _PCS_CHARS.match(raw)) or (len(raw) < 7 and _PCS_CHARS.match(raw) and not _CM.match(raw)):
        systems.append(ICD10PCS)
    if _MODIFIER.match(raw):
        systems.append(HCPCS)
    return systems
