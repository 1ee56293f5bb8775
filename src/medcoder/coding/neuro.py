"""Cerebral infarction by the vessel and the mechanism the record documents (OCG I.A.15, I.B.13,
I.C.9; issue 9).

The Index codes an infarction "due to" the occlusion, stenosis, thrombosis or embolism of a named
artery in I63.0-I63.5, whose 5th and 6th characters are the artery and its side: "acute embolic
stroke due to occlusion of the left middle cerebral artery" is I63.412.  I65 / I66 (occlusion and
stenosis not resulting in infarction) carry Excludes1 notes for the same occlusion "causing cerebral
infarction (I63.-)": the occlusion is part of the I63 code, not a code beside it.
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate, Mention
from medcoder.coding.guidelines import Context, _drop, rule

ARTERY_ID = "ocg.I.C.9.infarction.artery.v1"

# occlusion codes -> (cerebral or precerebral, the artery's character in I63.xY-)
_VESSEL = (
    ("I66.0", "cerebral", "1"),  # middle cerebral
    ("I66.1", "cerebral", "2"),  # anterior cerebral
    ("I66.2", "cerebral", "3"),  # posterior cerebral
    ("I66.3", "cerebral", "4"),  # cerebellar
    ("I65.0", "precerebral", "1"),  # vertebral
    ("I65.1", "precerebral", "2"),  # basilar
    ("I65.2", "precerebral", "3"),  # carotid
)
# mechanism -> I63 4th character: (precerebral, cerebral)
_MECHANISM = (
    (re.compile(r"\bembol\w*|\bcardioembolic\b", re.I), ("1", "4")),
    (re.compile(r"\bthromb\w*", re.I), ("0", "3")),
)
_UNSPECIFIED_ARTERY = ("I63.9", "I63.1", "I63.3", "I63.4", "I63.5", "I63.0", "I63.2")


def _live(cand: Candidate) -> list[Mention]:
    return [m for m in cand.mentions if not (m.negated or m.family or m.hypothetical)]


def _same_sentence(ctx: Context, a: Candidate, b: Candidate) -> str | None:
    for m in _live(a):
        document = ctx.analyzed.document(m.document_id)
        start, end = document.sentence_at(m.start)
        if any(n.document_id == m.document_id and start <= n.start < end for n in _live(b)):
            return document.text[start:end]
    return None


@rule(
    ARTERY_ID,
    "I.A.15, I.B.13, I.C.9 (cerebral infarction due to occlusion, stenosis, thrombosis or embolism of a named "
    "artery: I63.0-I63.5 by artery and side; I65-I66 exclude the occlusion that causes the infarction)",
    "a stroke documented with the occluded artery is the I63 code of that artery, side and mechanism",
    before="ocg.I.A.12.a",
)
def _artery(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    strokes = [
        c
        for c in cands
        if c.code.startswith(_UNSPECIFIED_ARTERY) and (c.code == "I63.9" or len(c.code) <= 6) and _live(c)
    ]
    for stroke in strokes:
        for occlusion in [c for c in cands if c.code.startswith(("I65", "I66")) and _live(c)]:
            vessel = next((v for v in _VESSEL if occlusion.code.startswith(v[0])), None)
            sentence = _same_sentence(ctx, stroke, occlusion) if vessel else None
            if sentence is None:
                continue
            kind, artery = vessel[1], vessel[2]
            mech = next((m[1] for m in _MECHANISM if m[0].search(sentence)), ("2", "5"))
            fourth = mech[0] if kind == "precerebral" else mech[1]
            side = occlusion.code[5] if len(occlusion.code) == 6 else ""  # I66.02: the 5th character is the side
            target = f"I63.{fourth}{artery}{side}"
            node = ctx.index.get(target)
            if node is None or not node.billable:
                resolution = ctx.index.resolve(f"I63.{fourth}{artery}")
                if resolution is None:
                    continue
                target, node = resolution.code, ctx.index.get(resolution.code)
            stroke.steps.append(
                f"{stroke.code} + {occlusion.code} -> {target} ({node.description}): the infarction due to the "
                "documented artery (OCG I.C.9, I.B.13)"
            )
            stroke.code = target
            stroke.rules.append(ARTERY_ID)
            stroke.mentions.extend(m for m in occlusion.mentions if m not in stroke.mentions)
            _drop(cands, ctx, occlusion, ARTERY_ID, f"the occlusion that caused the infarction is part of {target}")
            break
    return cands
