"""Conventions of the classification between the codes of one claim (OCG I.A.12-13).

- Excludes1: the two conditions are never reported together (the exception -- conditions
  unrelated to each other -- is the coder's call, so the fix says how to document it);
- "code first": a manifestation code needs its etiology, reported before it;
- "use additional code": a note that asks for a further code none of the claim's codes meets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from medcoder.coding.guidelines import MANIFESTATION, ref_covers
from medcoder.edits.engine import EditContext
from medcoder.edits.registry import Finding, edit_rules

_CONDITIONAL = re.compile(r"\bif (?:applicable|known|present|any|appropriate|desired)\b", re.IGNORECASE)


def _covers(refs: list[str], code: str) -> bool:
    return any(ref_covers(ref, code) for ref in refs)


@edit_rules.register(
    "conventions.excludes1.v1",
    severity="error",
    title="two codes an Excludes1 note says are never reported together",
    source="OCG I.A.12.a",
)
def excludes1(ctx: EditContext) -> Iterator[Finding]:
    codes = [ctx.show(d.code) for d in ctx.claim.diagnoses]
    seen: set[frozenset[str]] = set()
    for owner in codes:
        for note in ctx.notes(owner, "excludes1"):
            for other in codes:
                pair = frozenset((owner, other))
                if other == owner or pair in seen or not _covers(note.refs, other):
                    continue
                seen.add(pair)
                yield Finding(
                    f"{owner} and {other} are reported together, but an Excludes1 note at {note.source} excludes "
                    f'{other}: "{note.text}"',
                    [owner, other],
                    fix=f"remove {owner} or {other}; keep both only if the provider documents that the two "
                    "conditions are unrelated (OCG I.A.12.a exception)",
                )


@edit_rules.register(
    "conventions.code-first.v1",
    severity="error",
    title="a 'code first' code reported without, or before, the condition it names",
    source="OCG I.A.13",
)
def code_first(ctx: EditContext) -> Iterator[Finding]:
    codes = [ctx.show(d.code) for d in ctx.claim.diagnoses]
    for position, code in enumerate(codes):
        refs = ctx.note_refs(code, "codeFirst")
        if not refs:
            continue
        node = ctx.cm(code)
        manifestation = node is not None and bool(MANIFESTATION.search(node.description))
        etiologies = [(i, c) for i, c in enumerate(codes) if i != position and _covers(refs, c)]
        named = ", ".join(refs[:6]) + (" ..." if len(refs) > 6 else "")
        if not etiologies:
            if manifestation:
                yield Finding(
                    f"{code} is a manifestation code ('in diseases classified elsewhere'); its etiology is not "
                    f"reported (code first: {named})",
                    [code],
                    fix="report the underlying condition first, or query the provider for it",
                )
            continue
        first_index, first_code = etiologies[0]
        if first_index > position:
            yield Finding(
                f"{code} is sequenced before {first_code}, which its 'code first' note says comes first",
                [code, first_code],
                fix=f"sequence {first_code} before {code}",
            )


@edit_rules.register(
    "conventions.use-additional.v1",
    severity="warning",
    title="a 'use additional code' note none of the claim's codes meets",
    source="OCG I.A.13",
)
def use_additional(ctx: EditContext) -> Iterator[Finding]:
    codes = [ctx.show(d.code) for d in ctx.claim.diagnoses]
    for code in codes:
        # The items of one note (the lines under "Use additional code to identify ...", written at
        # one place) are alternatives: any one of them on the claim meets the note.
        groups: dict[str, list] = {}
        for note in ctx.notes(code, "useAdditionalCode"):
            # "..., if applicable / if known": conditional on facts the claim cannot show; and a
            # chapter- or section-wide note speaks to the whole block, not to this code
            if note.refs and note.source_kind not in ("chapter", "section") and not _CONDITIONAL.search(note.text):
                groups.setdefault(note.source, []).append(note)
        for where, notes in groups.items():
            if any(_covers(note.refs, other) for note in notes for other in codes if other != code):
                continue
            yield Finding(
                f"{code}: the 'use additional code' note at {where} asks for "
                + "; ".join(note.text for note in notes)
                + " -- none of the claim's codes meets it",
                [code],
                fix="add the code the note asks for if the documentation supports it",
            )
