"""Specificity queries: an unspecified diagnosis whose specific alternatives would group differently.

A CDI specialist queries the provider when the record supports only an unspecified code (heart
failure, unspecified; acute kidney failure, unspecified ...) and a documented type or acuity would
change the MS-DRG or the code's CC / MCC level.  medcoder asks the grouper, not a hand-made list:
each billable, non-"unspecified" code under the same parent is grouped in place of the reported one,
and the options that change the DRG (principal diagnosis) or raise the severity (secondary) become
the query's options.  The query is compliant in form (AHIMA/ACDIS query practice): it states the
documented finding, offers the clinically reasonable options plus "other" and "clinically
undetermined", and does not say what pays more -- the impact goes to the coder, in the DRG result.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Iterator

from medcoder.codesets.kb import CmCode, KnowledgeBase
from medcoder.grouping.claims import Claim
from medcoder.grouping.msdrg import DrgGrouper, DrgResult, WhatIfs
from medcoder.models import CodeAssignment, Query, QueryOption

RULE_ID = "cdi.specificity.v1"
MAX_CANDIDATES = 40
MAX_OPTIONS = 8
_RANK = {"NONE": 0, "CC": 1, "MCC": 2}


def _billable_under(kb: KnowledgeBase, node: CmCode, limit: int) -> Iterator[CmCode]:
    stack = list(reversed(kb.cm_children(node)))
    seen = 0
    while stack and seen < limit:
        child = stack.pop()
        if child.billable:
            seen += 1
            yield child
        else:
            stack.extend(reversed(kb.cm_children(child)))


_UNSPECIFIED = re.compile(r"^unspecified\b|,\s*unspecified\b|\bunspecified$", re.IGNORECASE)


def _unspecified(node: CmCode) -> bool:
    """The code itself is the unspecified one ("Heart failure, unspecified", "Unspecified atrial
    fibrillation") -- not a code that merely covers an unspecified variant among specified ones
    ("Hypertensive CKD with stage 1 through stage 4 CKD, or unspecified CKD")."""
    return node.billable and bool(_UNSPECIFIED.search(node.description))


# knowledge base -> (release, code) -> the unspecified node, its parent and the codes a query may
# offer (or None): reference data, the same for every claim (issue 9: speed)
_ALTERNATIVES: weakref.WeakKeyDictionary[KnowledgeBase, dict] = weakref.WeakKeyDictionary()
_ALTERNATIVES_LOCK = threading.Lock()
_ALTERNATIVES_MAX = 20_000


def _alternatives(kb: KnowledgeBase, release_id: str, code: str) -> tuple[CmCode, CmCode, list[CmCode]] | None:
    """An unspecified code's node, its parent, and the parent's billable codes a physician could
    document instead (not unspecified ones); None for a code that is not an unspecified one."""
    with _ALTERNATIVES_LOCK:
        known = _ALTERNATIVES.get(kb)
        if known is None:
            known = _ALTERNATIVES[kb] = {}
    key = (release_id, code)
    if key in known:
        return known[key]
    found = None
    node = kb.cm(code, release_id=release_id)
    if node is not None and _unspecified(node) and node.parent is not None:
        parent = kb.cm_node_any(node.parent, release_id)
        if parent is not None:
            options = [
                option
                for option in _billable_under(kb, parent, MAX_CANDIDATES)
                if option.code != node.code and "unspecified" not in option.description.lower()
            ]
            found = (node, parent, options)
    if len(known) >= _ALTERNATIVES_MAX:
        known.clear()
    known[key] = found
    return found


def specificity_queries(
    kb: KnowledgeBase,
    release_id: str,
    diagnoses: list[CodeAssignment],
    grouper: DrgGrouper,
    claim: Claim,
    grouped: DrgResult,
    what_ifs: WhatIfs | None = None,
) -> list[Query]:
    """Queries for the unspecified diagnoses of a grouped inpatient claim (see the module doc).
    ``what_ifs`` (``grouper.what_ifs(claim)``) keeps the groupings for the queries' impact."""
    queries: list[Query] = []
    if what_ifs is None or what_ifs.claim is not claim:
        what_ifs = grouper.what_ifs(claim)
    severity_now = {d.code: d.severity for d in grouped.secondary}
    for position, assignment in enumerate(diagnoses):
        found = _alternatives(kb, release_id, assignment.code)
        if found is None:
            continue
        node, parent, options = found
        principal = position == 0
        current = _RANK[severity_now.get(claim.diagnoses[position].code, "NONE")] if not principal else 0
        scored: list[tuple[int, str, CmCode]] = []
        for option in options:
            if any(option.code.replace(".", "") == d.code for d in claim.diagnoses):
                continue  # already reported
            answered = what_ifs.answer(claim.diagnoses[position].code, option.code)
            if principal:
                if answered.drg != grouped.drg:
                    scored.append((0, option.code, option))
                continue
            level = _RANK.get(answered.severity, 0) if answered.severity else 0
            if level > current or answered.drg != grouped.drg:
                scored.append((-level, option.code, option))
        if not scored:
            continue
        scored.sort(key=lambda item: item[:2])
        options = [QueryOption(code=o.code, description=o.description) for _, _, o in scored[:MAX_OPTIONS]]
        role = "principal diagnosis" if principal else "secondary diagnosis"
        queries.append(
            Query(
                id=f"cdi-{position + 1}-{node.code}",
                question=(
                    f"The record documents {node.description.lower()} ({node.code}). Based on your clinical "
                    "judgment, can the condition be further specified? For example: "
                    + "; ".join(o.description for o in options)
                    + "; other (please specify); or clinically undetermined."
                ),
                options=options,
                evidence=assignment.evidence,
                reason=(
                    f"{node.code} is an unspecified code reported as the {role}; "
                    f"{len(scored)} more specific code(s) under {parent.code} would group differently"
                ),
                system="ICD-10-CM",
                code=node.code,
                rules=[RULE_ID],
            )
        )
    return queries
