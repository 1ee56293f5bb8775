"""The newborn's birth episode (OCG I.C.16.a.2, I.C.16.a.6; Tabular Z38).

* I.C.16.a.2: "When coding the birth episode in a newborn record, assign a code from category Z38,
  Liveborn infants according to place of birth and type of delivery, as the principal diagnosis."
* Tabular Z38: "This category is for use as the principal code on the initial record of a newborn
  baby."  The newborn's conditions (I.C.16.a.6, clinically significant ones) follow it.
"""

from __future__ import annotations

from medcoder.coding.candidates import Candidate
from medcoder.coding.guidelines import Context, rule

BIRTH_ID = "ocg.I.C.16.a.2.birth.v1"


@rule(
    BIRTH_ID,
    "I.C.16.a.2 (Tabular Z38)",
    "the birth episode's Z38 code is the principal diagnosis of the newborn record",
    stage="sequence",
)
def _birth_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    births = [c for c in ordered if c.code.startswith("Z38")]
    if not births or ordered[0] is births[0]:
        return ordered
    birth = births[0]
    ordered.remove(birth)
    ordered.insert(0, birth)
    birth.rules.append(BIRTH_ID)
    birth.steps.append("the birth episode: Z38 is the principal diagnosis of the newborn record (OCG I.C.16.a.2)")
    return ordered
