"""What a coded history teaches the assigner: confidence calibration and site conventions.

``medcoder/data/pcs_calibration.json`` is learned on the CodiEsp train split by
``bench/codiesp_procedures.py --split train --learn-calibration``:

* ``prefixes``: per predicted 4-character prefix, ``[right, predicted]``.  The assigner's rule
  confidence is blended with the smoothed rate, so codes the site's coders reliably report rank
  above codes that are often documented but seldom reported.  This only rescales confidence; it
  never adds or removes a code, and it is on by default.
* ``associations``: where the rules gave one code and the site's coders reported another of the
  same section and root operation / type (the CodiEsp annotators code a chest CT as ``BW24``, the
  tables say ``BB24``), ``{rule prefix: [[reported code, times, predicted]]}``.  Using them adds
  the reported code as a lower-confidence alternative (rule ``pcs.site-association.v1``) -- a
  site convention, not a guideline -- so it is **off** unless asked for
  (``PcsAssigner(kb, site_associations=True)``).
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, field_validator

from medcoder.extract.rulefiles import load_rule_file

__all__ = ["Calibration", "default_calibration"]


class CalibrationFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    about: str
    version: int
    prefixes: dict[str, list[int]] = Field(default_factory=dict)
    associations: dict[str, list[tuple[str, int, int]]] = Field(default_factory=dict)

    @field_validator("prefixes")
    @classmethod
    def _counts(cls, value: dict[str, list[int]]) -> dict[str, list[int]]:
        for prefix, counts in value.items():
            if len(counts) != 2 or counts[0] < 0 or counts[1] < counts[0]:
                raise ValueError(f"{prefix}: expected [right, predicted] with 0 <= right <= predicted")
        return value


class Calibration:
    """Blend a rule confidence with the learned rate of its prefix."""

    def __init__(
        self,
        prefixes: dict[str, list[int]],
        associations: dict[str, list[tuple[str, int, int]]] | None = None,
        weight: float = 0.5,
        prior: float = 2.0,
    ):
        self.prefixes = prefixes
        self.associations = associations or {}
        self.weight = weight
        self.prior = prior

    @classmethod
    def empty(cls) -> Calibration:
        return cls({})

    def alternatives(self, code: str) -> list[tuple[str, float]]:
        """Codes this site's coders reported where the rules gave ``code``: (code, rate)."""
        found = self.associations.get(code) or self.associations.get(code[:4]) or []
        return [(alt, times / (predicted + self.prior)) for alt, times, predicted in found]

    def adjust(self, code: str, confidence: float) -> float:
        counts = self.prefixes.get(code[:4])
        if counts is None:
            return confidence
        right, predicted = counts
        rate = (right + self.prior * confidence) / (predicted + self.prior)
        return (1 - self.weight) * confidence + self.weight * rate


@lru_cache(maxsize=1)
def default_calibration() -> Calibration:
    data = load_rule_file(None, "pcs_calibration.json", CalibrationFile, "ICD-10-PCS calibration")
    return Calibration(data.prefixes, data.associations)
