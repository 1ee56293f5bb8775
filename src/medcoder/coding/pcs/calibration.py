"""An opt-in PCS calibration profile: what one coded history teaches the assigner.

**Default: no calibration.**  Without a profile, a PCS code's confidence is the assigner's own
rule-based evidence, nothing learned: the confidence of the wording that named the procedure
(``pcs_vocabulary.json``: 0.7 for a procedure wording, 0.8 for an imaging modality unless an entry
says otherwise), times 0.85 when an axis is left open (a partial code with a query), 0.9 when the
body part is only implied by the wording, 0.6 (imaging) or 0.7 (procedures) when the body part was
found elsewhere in the sentence rather than next to the mention, 0.7 when the side is not
documented, 0.8 for a discontinued procedure (PCS B3.3); kept within 0.01 .. 0.99.  It orders a
document's procedures; it is not a probability learned from any corpus.

**A calibration profile** is a JSON file a site passes on purpose (``PcsAssigner(kb,
calibration=path)``, ``Pipeline(pcs_calibration=path)``, ``medcoder code --pcs-calibration FILE``);
each result's provenance names it (``provenance.models["pcs_calibration"]``: its id, version and
the sha256 of the file).  It holds:

* ``prefixes``: per predicted 4-character prefix, ``[right, predicted]`` on that history.  The rule
  confidence is blended with the smoothed rate, so codes the site's coders reliably report rank
  above codes that are often documented but seldom reported.  This only rescales confidence; it
  never adds or removes a code.
* ``associations``: where the rules gave one code and the site's coders reported another of the
  same section and root operation / type (the CodiEsp annotators code a chest CT as ``BW24``, the
  tables say ``BB24``), ``{rule prefix: [[reported code, times, predicted]]}``.  Using them adds
  the reported code as a lower-confidence alternative (rule ``pcs.site-association.v1``) -- a
  site convention, not a guideline -- so it is off even with a profile unless asked for
  (``PcsAssigner(kb, calibration=path, site_associations=True)``).

The one learned on CodiEsp train is ``bench/profiles/codiesp_pcs_calibration.json`` (written by
``bench/codiesp_procedures.py --split train --learn-calibration``); the CodiEsp benchmarks pass it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from medcoder.errors import InputFileError

__all__ = ["Calibration", "CalibrationFile"]


class CalibrationFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    about: str
    id: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="its name in provenance (default: file stem)"
    )
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
        id: str | None = None,
    ):
        self.prefixes = prefixes
        self.associations = associations or {}
        self.weight = weight
        self.prior = prior
        self.id = id  # what provenance records; None: nothing learned is applied

    @classmethod
    def empty(cls) -> Calibration:
        """No calibration: the rule-based confidence as it is (the default)."""
        return cls({})

    @classmethod
    def read(cls, path: str | Path) -> Calibration:
        """A calibration profile file; :class:`InputFileError` (E150) naming the file if it is
        missing, not JSON or not a calibration profile."""
        path = Path(path)
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise InputFileError(path, f"cannot read the PCS calibration profile ({error.strerror or error})") from None
        try:
            data = CalibrationFile.model_validate(json.loads(raw.decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise InputFileError(path, f"not a PCS calibration profile: not JSON ({error})") from None
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(the file)"
            raise InputFileError(path, f"not a valid PCS calibration profile: {where}: {first['msg']}") from None
        name = data.id or path.stem
        digest = hashlib.sha256(raw).hexdigest()[:12]
        return cls(data.prefixes, data.associations, id=f"{name} v{data.version} sha256:{digest}")

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
