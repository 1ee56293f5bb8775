"""ICD-10-PCS procedure coding: :class:`PcsAssigner` turns an encounter's notes into PCS codes.

``PcsAssigner(kb).assign(encounter)`` returns a :class:`PcsResult`: the procedures (principal
first), the queries raised for codes the documentation cannot complete, and the release used.
With no PCS release installed for the encounter's date, ``available()`` is False and the result
is empty.
"""

from medcoder.coding.pcs.assigner import PcsAssigner, PcsResult
from medcoder.coding.pcs.guidelines import RULES

__all__ = ["RULES", "PcsAssigner", "PcsResult"]
