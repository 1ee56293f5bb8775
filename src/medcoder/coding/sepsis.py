"""Sepsis, severe sepsis and septic shock (OCG I.C.1.d).

* I.C.1.d.1.a: "For a diagnosis of sepsis, assign the appropriate code for the underlying systemic
  infection.  If the type of infection or causal organism is not further specified, assign code
  A41.9".  When the note names the organism of the sepsis -- "sepsis due to pneumococcal
  pneumonia", "E. coli sepsis" -- the code is the organism's (Index: Sepsis -> Streptococcus,
  pneumoniae A40.3; Escherichia coli A41.51 ...), not A41.9.
* I.C.1.d.5.b: sepsis due to a postprocedural infection: the infection complicating the procedure
  (T81.40-T81.43, T81.49) first, T81.44 sepsis following a procedure, then the sepsis code.
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate
from medcoder.coding.features import fact_confidence
from medcoder.coding.guidelines import Context, _drop, rule

ORGANISM_ID = "ocg.I.C.1.d.organism.v1"
POSTPROCEDURAL_ID = "ocg.I.C.1.d.5.b.v1"
POSTPROCEDURAL_SEQUENCE_ID = "ocg.I.C.1.d.5.b.sequence.v1"

# organism (the attribute extractor's normalised name) -> sepsis code (Index: Sepsis -> <organism>;
# Tabular A40-A41 titles)
SEPSIS_BY_ORGANISM = {
    "streptococcus group a": "A40.0",
    "streptococcus group b": "A40.1",
    "streptococcus pneumoniae": "A40.3",
    "streptococcus": "A40.9",
    "mssa": "A41.01",
    "staphylococcus aureus": "A41.01",
    "mrsa": "A41.02",
    "coagulase-negative staphylococcus": "A41.1",
    "staphylococcus": "A41.2",
    "haemophilus influenzae": "A41.3",
    "e. coli": "A41.51",
    "pseudomonas": "A41.52",
    "klebsiella": "A41.59",  # Gram-negative, specified NEC
    "enterococcus": "A41.81",
}
# the clause the sepsis is stated in: to the next ";" or sentence end
_CLAUSE_END = re.compile(r"[;\n]")
_LINK = re.compile(r"\b(?:due to|secondary to|from|caused by|source|with)\b", re.IGNORECASE)


def _clause(text: str, start: int, s_start: int, s_end: int) -> tuple[int, int]:
    head = max(text.rfind(";", s_start, start), text.rfind("\n", s_start, start))
    tail = _CLAUSE_END.search(text, start, s_end)
    return (head + 1 if head >= 0 else s_start), (tail.start() if tail else s_end)


@rule(ORGANISM_ID, "I.C.1.d.1.a", "sepsis due to a named organism is that organism's sepsis code, not A41.9")
def _sepsis_organism(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        if cand.code != "A41.9":
            continue
        for m in cand.mentions:
            if not m.affirmed:
                continue
            document = ctx.analyzed.document(m.document_id)
            s_start, s_end = document.sentence_at(m.start)
            c_start, c_end = _clause(document.text, m.start, s_start, s_end)
            attributes = document.attributes((m.start, m.end))
            name = getattr(attributes, "organism", None)
            cue = next((c for c in getattr(attributes, "cues", ()) if c[0] == "organism"), None)
            if name not in SEPSIS_BY_ORGANISM or cue is None or not c_start <= cue[2] < c_end:
                continue
            # the organism modifies the sepsis ("E. coli sepsis") or what it is due to ("sepsis due
            # to pneumococcal pneumonia"): before it within a few words, or after a causal link
            before = document.text[cue[3] : m.start] if cue[3] <= m.start else None
            after = document.text[m.end : cue[2]] if cue[2] >= m.end else None
            linked = (before is not None and len(before.split()) <= 2) or (
                after is not None and _LINK.search(after) is not None
            )
            if not linked:
                continue
            code = SEPSIS_BY_ORGANISM[name]
            if ctx.index.get(code) is None:
                break
            existing = next((c for c in cands if c.code == code), None)
            if existing is not None:
                _drop(cands, ctx, cand, ORGANISM_ID, f"the sepsis is {existing.code}, due to {name} (OCG I.C.1.d.1.a)")
                break
            old = cand.code
            cand.code = code
            cand.matched.add(code)
            cand.rules.append(ORGANISM_ID)
            cand.steps.append(
                f"{old} -> {code}: the sepsis is due to {name} ({cue[1]!r}), Index: Sepsis -> {name} (OCG I.C.1.d.1.a)"
            )
            break
    return cands


_SITE_INFECTION = ("T81.40", "T81.41", "T81.42", "T81.43", "T81.49")
_SEPSIS = ("A40", "A41", "A02.1", "A20.7", "A22.7", "A26.7", "A32.7", "A39.2", "A39.3", "A39.4", "A42.7", "B37.7")


@rule(
    POSTPROCEDURAL_ID,
    "I.C.1.d.5.b",
    "sepsis due to a postprocedural infection: the site of the infection, T81.44 and the sepsis code",
)
def _postprocedural(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.1.d.5.b: "a code from T81.40 to T81.43 ... that identifies the site of the infection
    # should be coded first, if known.  Assign an additional code for sepsis following a procedure
    # (T81.44 ...)" -- the sepsis stated with the postprocedural infection (one sentence).
    if ctx.analyzed is None or any(c.code.startswith("T81.44") for c in cands):
        return cands
    for site in cands:
        if not site.code.startswith(_SITE_INFECTION) or not any(m.affirmed for m in site.mentions):
            continue
        sepsis = next(
            (
                c
                for c in cands
                if c.code.startswith(_SEPSIS)
                and any(
                    m.affirmed and s.document_id == m.document_id and _same_sentence(ctx, m, s)
                    for m in c.mentions
                    for s in site.mentions
                )
            ),
            None,
        )
        if sepsis is None:
            continue
        episode = {"D": "subsequent", "S": "sequela"}.get(site.code[-1], "initial")  # the site code's 7th
        resolution = ctx.index.resolve("T81.44", None, episode, False)
        if resolution is None:
            return cands
        mention = next(m for m in sepsis.mentions if m.affirmed)
        new = Candidate(resolution.code, matched={"T81.44"}, mentions=[mention])
        new.confidence = max(sepsis.confidence, fact_confidence(new))
        new.rules.append(POSTPROCEDURAL_ID)
        new.steps.append(
            f"{sepsis.code} with the postprocedural infection {site.code} -> sepsis following a procedure "
            f"{resolution.code}, after the infection's site, before {sepsis.code} (OCG I.C.1.d.5.b)"
        )
        cands.append(new)
        return cands
    return cands


def _same_sentence(ctx: Context, a, b) -> bool:
    document = ctx.analyzed.document(a.document_id)
    return document.sentence_at(a.start) == document.sentence_at(b.start)


@rule(
    POSTPROCEDURAL_SEQUENCE_ID,
    "I.C.1.d.5.b",
    "the postprocedural infection first, T81.44 next, then the sepsis",
    stage="sequence",
)
def _postprocedural_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    sepsis_after = next((c for c in ordered if POSTPROCEDURAL_ID in c.rules and c.code.startswith("T81.44")), None)
    if sepsis_after is None:
        return ordered
    site = next((c for c in ordered if c.code.startswith(_SITE_INFECTION)), None)
    sepsis = [c for c in ordered if c.code.startswith(_SEPSIS)]
    head = [c for c in (site, sepsis_after, *sepsis) if c is not None]
    at = min(ordered.index(c) for c in head)
    rest = [c for c in ordered if all(c is not h for h in head)]
    out = rest[:at] + head + rest[at:]
    if out != ordered:
        for c in head[:2]:
            c.rules.append(POSTPROCEDURAL_SEQUENCE_ID)
            c.steps.append("sequenced: the postprocedural infection, T81.44, then the sepsis (OCG I.C.1.d.5.b)")
    return out


SEVERE_SEQUENCE_ID = "ocg.I.C.1.d.1.b.sequence.v1"


@rule(
    SEVERE_SEQUENCE_ID,
    "I.C.1.d.1.b, I.C.1.d.4",
    "severe sepsis (R65.2-) after the underlying systemic infection",
    stage="sequence",
)
def _severe_after_infection(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.1.d.1.b: "The coding of severe sepsis requires a minimum of 2 codes: first a code for the
    # underlying systemic infection, followed by a code from subcategory R65.2"; the tabular's
    # "code first underlying infection, such as" names A41.9 only: an organism's sepsis (A40.3)
    # is as much the underlying infection.
    severe = next((c for c in ordered if c.code.startswith("R65.2")), None)
    infection = next((c for c in ordered if c.code.startswith((*_SEPSIS, "T81.44"))), None)
    if severe is None or infection is None or ordered.index(infection) < ordered.index(severe):
        return ordered
    ordered.remove(infection)
    ordered.insert(ordered.index(severe), infection)
    infection.rules.append(SEVERE_SEQUENCE_ID)
    infection.steps.append(f"sequenced before {severe.code}: the underlying systemic infection (OCG I.C.1.d.1.b)")
    return ordered


SIRS_ID = "ocg.I.C.18.g.sirs.v1"
# infections a SIRS can be the systemic response to (then it is sepsis, I.C.1.d): chapter 1, and the
# localized infections of the other chapters
_INFECTIONS = (
    "A", "B", "J09", "J10", "J11", "J12", "J13", "J14", "J15", "J16", "J17", "J18", "J20", "J21", "J22", "J85", "J86",
    "N39.0", "N10", "N30.0", "N41.0", "L02", "L03", "K35", "K57.0", "K57.2", "K57.4", "K57.8", "K63.0", "K65", "K75.0",
    "K81.0", "K83.0", "M00", "M86", "I33", "G00", "G04", "T81.4", "T82.6", "T82.7", "T83.5", "T84.5", "T85.7", "R65.2",
)  # fmt: skip
_CRITERIA = re.compile(r"^\s*(?:criteria|score|positive\s+criteria)\b", re.IGNORECASE)


@rule(
    SIRS_ID,
    "I.C.18.g, I.C.1.d (Index: Syndrome, systemic inflammatory response (SIRS), of non-infectious origin R65.1-)",
    "SIRS is R65.1- only of a non-infectious process: not with an infection (that is sepsis), nor 'SIRS criteria'",
)
def _sirs(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.18.g: "The systemic inflammatory response syndrome (SIRS) can develop as a result of certain
    # non-infectious disease processes, such as trauma, malignant neoplasm, or pancreatitis" -- R65.10 /
    # R65.11 after the underlying condition.  Of an infection, the response is sepsis (I.C.1.d; R65.1
    # Excludes1 sepsis); "meets SIRS criteria" is a screening finding, not a diagnosis.
    sirs = [c for c in cands if c.code.startswith("R65.1")]
    if not sirs:
        return cands
    infection = next((c for c in cands if c.code.startswith(_INFECTIONS) and any(m.affirmed for m in c.mentions)), None)
    for cand in sirs:
        if infection is not None:
            _drop(
                cands, ctx, cand, SIRS_ID, f"SIRS with the infection {infection.code}: sepsis, not R65.1- (OCG I.C.1.d)"
            )
            continue
        if ctx.analyzed is not None and all(
            _CRITERIA.match(ctx.analyzed.document(m.document_id).text[m.end : m.end + 30]) for m in cand.mentions
        ):
            _drop(cands, ctx, cand, SIRS_ID, "'SIRS criteria' are findings, not a diagnosis of SIRS (OCG I.C.18.g)")
    return cands


SIRS_SEQUENCE_ID = "ocg.I.C.18.g.sequence.v1"


@rule(
    SIRS_SEQUENCE_ID,
    "I.C.18.g (Tabular R65.1: code first underlying condition)",
    "SIRS of non-infectious origin after the condition it is the response to",
    stage="sequence",
)
def _sirs_after_cause(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.18.g: "the code for the underlying condition, such as an injury, should be assigned,
    # followed by code R65.10 or R65.11"; the Tabular's "code first underlying condition".
    sirs = next((c for c in ordered if c.code.startswith("R65.1")), None)
    cause = next((c for c in ordered if not c.code.startswith(("R", "Z"))), None)
    if sirs is None or cause is None or ordered.index(cause) < ordered.index(sirs):
        return ordered
    ordered.remove(cause)
    ordered.insert(ordered.index(sirs), cause)
    cause.rules.append(SIRS_SEQUENCE_ID)
    cause.steps.append(f"sequenced before {sirs.code}: the condition the SIRS is the response to (OCG I.C.18.g)")
    return ordered


# --- sepsis present on admission with a localized infection: the systemic infection first ---------------------------

SEPSIS_FIRST_ID = "ocg.I.C.1.d.4.sequence.v1"
# the localized infections (not the systemic ones) a sepsis can come with
_LOCALIZED = tuple(p for p in _INFECTIONS if p not in ("A", "B", "R65.2") and not p.startswith("T"))
_AFTER_ADMISSION = re.compile(
    r"\b(?:not\s+present\s+on\s+admission|developed\s+(?:on|after|during)|after\s+(?:the\s+)?admission|"
    r"hospital[- ](?:day|acquired)|(?:post-?operative|hospital)\s+day\s+\d+|on\s+day\s+\d+\s+of|"
    r"during\s+(?:the|his|her|this)\s+(?:stay|hospitalization|hospital\s+stay|admission)|poa[:\s]+n\b)",
    re.IGNORECASE,
)


@rule(
    SEPSIS_FIRST_ID,
    "I.C.1.d.4 (sepsis and a localized infection)",
    "sepsis present on admission with a localized infection: the systemic infection first, the localized infection "
    "after it",
    stage="sequence",
)
def _sepsis_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.1.d.4: "If the reason for admission is sepsis or severe sepsis and a localized infection,
    # such as pneumonia or cellulitis, a code(s) for the underlying systemic infection should be
    # assigned first and the code for the localized infection should be assigned as a secondary
    # diagnosis.  If the patient is admitted with a localized infection, such as pneumonia, and sepsis
    # / severe sepsis doesn't develop until after admission, the localized infection should be assigned
    # first, followed by the appropriate sepsis/severe sepsis codes."  Only when a localized infection
    # is what the list puts first: a non-infectious condition leading to the sepsis (I.C.1.d.6), a
    # postprocedural infection (I.C.1.d.5.b) and the obstetric, newborn and HIV rules keep their order.
    if not ordered or not ordered[0].code.startswith(_LOCALIZED):
        return ordered
    sepsis = next((c for c in ordered if c.code.startswith(_SEPSIS)), None)
    if sepsis is None or ctx.analyzed is None:
        return ordered
    live = [m for m in sepsis.mentions if m.affirmed]
    if not live:
        return ordered
    for m in live:
        document = ctx.analyzed.document(m.document_id)
        start, end = document.sentence_at(m.start)
        if _AFTER_ADMISSION.search(document.text[start:end]):
            return ordered  # sepsis that developed after admission: the localized infection stays principal
    ordered.remove(sepsis)
    ordered.insert(0, sepsis)
    sepsis.rules.append(SEPSIS_FIRST_ID)
    sepsis.steps.append(
        f"sequenced before the localized infection {ordered[1].code}: sepsis present on admission (OCG I.C.1.d.4)"
    )
    return ordered
