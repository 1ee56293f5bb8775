"""A planned procedure not carried out (OCG I.C.21.c.12 "Encounters for other specific health care",
Z53; II.F; IV.A.1).

When the encounter was for a procedure that was cancelled, Z53.- says why it was not performed:

* Z53.0- **contraindication**: Z53.01 the patient's smoking, Z53.09 any other contraindication (a
  condition found on the day: "cancelled because of an acute upper respiratory infection");
* Z53.1 the patient's decision for reasons of belief or group pressure;
* Z53.2- **the patient's decision**: Z53.21 left before being seen, Z53.29 for other reasons (a
  reason given: cost, fear), Z53.20 for unspecified reasons ("the patient changed her mind");
* Z53.8 other reasons (equipment, scheduling), Z53.9 unspecified.

The condition the procedure was for stays the principal / first-listed diagnosis (II.F: "the
reason for admission ... even if the planned treatment was not carried out"; IV.A.1: "if the
surgery is not performed because of a contraindication, the reason for the surgery is still
first-listed"); the contraindicating condition is an additional diagnosis.  Z53 is never first
(it is not one of the reason-for-encounter Z codes).  A procedure the note only plans, or one
"not cancelled", gives nothing.
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate, matched_mention
from medcoder.coding.features import rule_candidate
from medcoder.coding.guidelines import Context, rule
from medcoder.extract.prefilter import Prefiltered

RULE_ID = "ocg.I.C.21.c.12.cancelled.v1"
SEQUENCE_ID = "ocg.I.C.21.c.12.cancelled.sequence.v1"

_PROCEDURE = (
    r"(?:surgery|procedure|operation|[a-z]+(?:ectomy|otomy|ostomy|oscopy|plasty|pexy|rrhaphy|tripsy)|biopsy|"
    r"repair|catheterization|injection|ablation|arthroscopy|transplant|extraction|implantation)"
)
# "the surgery was cancelled", "procedure canceled", "cholecystectomy not performed", "aborted"
_NOT_DONE = re.compile(
    rf"\b{_PROCEDURE}\b[^.;]{{0,80}}?\b(?:(?:was|were|is|has\s+been|had\s+to\s+be)\s+)?"
    r"(?:cancel+ed|postponed|aborted|called\s+off|not\s+(?:performed|done|carried\s+out))\b"
    rf"|\b(?:cancel+ed|cancel+ation\s+of|postponed|aborted)\b[^.;]{{0,60}}?\b{_PROCEDURE}\b",
    re.IGNORECASE,
)
# every match of _NOT_DONE holds one of these words (both alternatives spell them the same way): a
# note without any is not scanned with the long pattern, tried at every letter (issue 9: speed)
_NOT_DONE_CUE = Prefiltered(
    re.compile(r"cancel|postponed|aborted|called\s+off|not\s+(?:performed|done|carried\s+out)", re.IGNORECASE)
)
_NOT_CANCELLED = re.compile(r"\bnot\s+(?:been\s+)?(?:cancel+ed|postponed)\b", re.IGNORECASE)
_EARLIER = re.compile(
    r"\b(?:ago|previously|earlier|last\s+(?:week|month|year|time|spring|summer|fall|winter)|"
    r"in\s+(?:january|february|march|april|may|june|july|august|september|october|november|december|\d{4}))\b",
    re.IGNORECASE,
)
_GOING_AHEAD = re.compile(
    r"\bproceed(?:ed|ing)?\s+with\b[^.;]*\btoday\b|\b(?:was|were)\s+performed\s+today\b|\bwent\s+ahead\b",
    re.IGNORECASE,
)
_SMOKING = re.compile(r"\b(?:smok\w*|tobacco|cigarette\w*|nicotine)\b", re.IGNORECASE)
_BELIEF = re.compile(r"\b(?:religio\w*|belief\w*|faith|jehovah|group\s+pressure)\b", re.IGNORECASE)
_LEFT = re.compile(r"\bleft\s+(?:before|prior\s+to|without)\s+being\s+seen\b|\blwbs\b", re.IGNORECASE)
_DECISION = re.compile(
    r"\b(?:patient|pt|she|he|they|family)\b[^.;]{0,30}?\b(?:changed\s+(?:her|his|their)\s+mind|declined|refused|"
    r"decided\s+(?:not|against)|elected\s+not|chose\s+not|wished\s+not|withdrew\s+(?:her|his|their)?\s*consent)\b"
    r"|\b(?:patient'?s?|pt'?s?)\s+(?:request|decision|choice|wish)\b",
    re.IGNORECASE,
)
_DECISION_REASON = re.compile(
    r"\b(?:because|due\s+to|as|since|owing\s+to)\b[^.;]*\b(?:cost|afford\w*|fear\w*|anxi\w*|financ\w*|insurance|transport\w*)\b",
    re.IGNORECASE,
)
_CONTRAINDICATION = re.compile(
    r"\b(?:because\s+of|due\s+to|secondary\s+to|owing\s+to|in\s+view\s+of|given)\b", re.IGNORECASE
)
_OTHER = re.compile(
    r"\b(?:equipment|scheduling|schedule|operating\s+room|or\s+time|surgeon\s+(?:was\s+)?unavailable|weather|"
    r"insurance\s+authori[sz]ation|authori[sz]ation)\b",
    re.IGNORECASE,
)

_BLOCKER = re.compile(r"a contraindication: (\S+)")
_TITLES = {
    "Z53.01": "Procedure and treatment not carried out due to patient smoking",
    "Z53.09": "Procedure and treatment not carried out because of other contraindication",
    "Z53.1": "Procedure and treatment not carried out because of patient's decision for reasons of belief and "
    "group pressure",
    "Z53.20": "Procedure and treatment not carried out because of patient's decision for unspecified reasons",
    "Z53.21": "Procedure and treatment not carried out due to patient leaving prior to being seen by health care "
    "provider",
    "Z53.29": "Procedure and treatment not carried out because of patient's decision for other reasons",
    "Z53.8": "Procedure and treatment not carried out for other reasons",
    "Z53.9": "Procedure and treatment not carried out, unspecified reason",
}


def _why(text: str, cands: list[Candidate], document_id: str, span: tuple[int, int]) -> tuple[str, str]:
    """(code, reason) for the sentence ``text`` that says the procedure was not done."""
    if _LEFT.search(text):
        return "Z53.21", "the patient left before being seen"
    if _BELIEF.search(text) and _DECISION.search(text):
        return "Z53.1", "the patient's decision for reasons of belief"
    if _DECISION.search(text):
        if _DECISION_REASON.search(text):
            return "Z53.29", "the patient's decision, for a stated reason"
        return "Z53.20", "the patient's decision, no reason given"
    if _SMOKING.search(text) and _CONTRAINDICATION.search(text):
        return "Z53.01", "the patient's smoking"
    cause = _CONTRAINDICATION.search(text)
    if cause is not None:
        after = span[0] + cause.end()
        condition = next(
            (
                c
                for c in cands
                if not c.code.startswith("Z")
                and any(
                    m.document_id == document_id and after <= m.start < span[1] and not m.negated for m in c.mentions
                )
            ),
            None,
        )
        if condition is not None:
            return "Z53.09", f"a contraindication: {condition.code}"
    if _OTHER.search(text):
        return "Z53.8", "another reason (not the patient's, not a contraindication)"
    return "Z53.9", "no reason given"


@rule(RULE_ID, "I.C.21.c.12, II.F, IV.A.1", "a planned procedure not carried out: Z53.- with its reason")
def _cancelled(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None or any(c.code.startswith("Z53") for c in cands):
        return cands
    for document in getattr(ctx.analyzed, "documents", []):
        text = document.text
        if not _NOT_DONE_CUE.search(text):
            continue
        for match in _NOT_DONE.finditer(text):
            start, end = document.sentence_at(match.start())
            sentence = text[start:end]
            if _NOT_CANCELLED.search(sentence) or _EARLIER.search(sentence) or _GOING_AHEAD.search(text):
                continue  # not this encounter's: postponed "in March", or the procedure goes ahead today
            assertion = document.assess((match.start(), match.end()))
            if assertion.hypothetical or assertion.family or assertion.historical:
                continue
            code, reason = _why(sentence, cands, document.document_id, (start, end))
            if ctx.index.get(code) is None:
                return cands
            mention = matched_mention(
                document,
                match,
                "Procedure (surgical) not done / not carried out",
                f"Procedure (surgical) -> not done -> {code} {_TITLES[code]} (OCG I.C.21.c.12)",
            )
            why = f"the planned procedure was not carried out: {reason} -> {code} (OCG I.C.21.c.12)"
            cand = rule_candidate(code, mention, RULE_ID, why)
            cands.append(cand)
            return cands
    return cands


@rule(
    SEQUENCE_ID,
    "II.F, IV.A.1",
    "the condition the cancelled procedure was for stays first; the contraindication after it",
    stage="sequence",
)
def _reason_for_surgery_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    # II.F / IV.A.1: when the procedure was not performed because of a contraindication, the
    # condition it was planned for is still principal / first-listed -- not the condition that
    # stopped it (the one Z53.09 names), even when the note states that one more prominently.
    stopped = next((c for c in ordered if RULE_ID in c.rules and c.code == "Z53.09"), None)
    if stopped is None or ctx.analyzed is None:
        return ordered
    blocker = next((m.group(1) for s in stopped.steps if (m := _BLOCKER.search(s))), None)
    if blocker is None or not ordered or ordered[0].code != blocker:
        return ordered
    planned = _planned_for([c for c in ordered if c.code != blocker], stopped, ctx)
    if planned is None:
        return ordered
    planned.rules.append(SEQUENCE_ID)
    planned.steps.append(
        f"first-listed: the reason for the procedure, not carried out because of {blocker} (OCG IV.A.1, II.F)"
    )
    return [planned, *(c for c in ordered if c is not planned)]


_FOR = re.compile(rf"\b{_PROCEDURE}\b[^.;]{{0,60}}\bfor\s+(?:[\w-]+\s+){{0,2}}$", re.IGNORECASE)


def _planned_for(ordered: list[Candidate], stopped: Candidate, ctx: Context) -> Candidate | None:
    """The condition the procedure was planned for: named in the cancellation's own sentence before
    the reason it was stopped ("cataract surgery, right eye, for age-related nuclear cataract;
    cancelled because of ..."), else anywhere as what a procedure is "for" ("scheduled for a left
    total knee arthroplasty for primary osteoarthritis")."""
    cue = stopped.mentions[0]
    document = ctx.analyzed.document(cue.document_id)
    start, end = document.sentence_at(cue.start)
    cause = _CONTRAINDICATION.search(document.text, start, end)
    limit = cause.start() if cause else end
    conditions = [c for c in ordered if not c.code.startswith(("Z", "R"))]
    for cand in conditions:
        if any(m.document_id == cue.document_id and start <= m.start < limit and m.affirmed for m in cand.mentions):
            return cand
    for cand in conditions:
        for m in cand.mentions:
            if not m.affirmed:
                continue
            text = ctx.analyzed.document(m.document_id).text
            if _FOR.search(text[max(0, m.start - 100) : m.start]):
                return cand
    return None
