"""Complications of surgical and medical care (OCG I.B.16, I.C.19.g, I.C.10.d.1).

I.B.16: "Code assignment is based on the provider's documentation of the relationship between the
condition and the care or procedure ... There must be a cause-and-effect relationship between the
care provided and the condition, and an indication in the documentation that it is a complication."
So these rules read only the wording that says so: an organ *accidentally* (inadvertently) torn,
punctured or lacerated during a procedure, a *postprocedural* (postoperative) hemorrhage or hematoma.

I.C.19.g.5: "Intraoperative and postprocedural complication codes are found within the body system
chapters with codes specific to the organs and structures of that body system."  The organ gives the
chapter (spleen D78, digestive K91, genitourinary N99, respiratory J95, circulatory I97, nervous G97,
endocrine E36/E89, skin L76) and the procedure the last character: during (following) a procedure on
that body system, or during (following) another procedure -- the Alphabetic Index path
"Complication, intraoperative, puncture or laceration (accidental), <system>, during procedure on
<system> / other procedure" and "Complication, postprocedural, hemorrhage / hematoma, <system>,
following procedure on <system> / other procedure".  An injury code (S36.- laceration of the spleen)
or a hemorrhage NEC (R58) of the same sentence is the same event read as an accident: not coded.

I.C.10.d.1: ventilator associated pneumonia is J95.851 with the organism (B95-B97); "do not assign an
additional code from categories J12-J18 to identify the type of pneumonia".

A complication code whose tabular note says "use additional code to identify infection" (T83.5-
catheter, T82.6- valve, T85.7- device ...) is followed by the infection its own wording names ("urinary
tract infection due to the indwelling Foley catheter": T83.511A, N39.0; I.A.13, I.C.19.g).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Registered first, so these rules work on what those rules leave (a partner the subsumed rule
# would take for the complication's own words is added after it).
from medcoder.coding import specificity, statements  # noqa: F401
from medcoder.coding.candidates import Candidate, Mention, fact_mention
from medcoder.coding.guidelines import Context, _drop, rule
from medcoder.extract.prefilter import Prefiltered

VAP_ID = "ocg.I.C.10.d.1.vap.v1"
BODY_SYSTEM_ID = "ocg.I.C.19.g.5.body_system.v1"
INFECTION_ID = "ocg.I.C.19.g.infection.v1"
SPECIFY_ID = "ocg.I.C.19.g.specify.v1"


# --- I.C.10.d.1 ventilator associated pneumonia --------------------------------------------------------


@rule(
    VAP_ID,
    "I.C.10.d.1 (ventilator associated pneumonia)",
    "ventilator associated pneumonia is J95.851 with the organism; no J12-J18 code for the type of pneumonia",
)
def _vap(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if not any(c.code == "J95.851" for c in cands):
        return cands
    for cand in list(cands):
        if cand.code.startswith(("J12", "J13", "J14", "J15", "J16", "J17", "J18")):
            _drop(
                cands,
                ctx,
                cand,
                VAP_ID,
                "not coded: ventilator associated pneumonia J95.851 with its organism code; no J12-J18 code "
                "for the type of pneumonia (OCG I.C.10.d.1)",
            )
    return cands


# --- I.C.19.g.5 intraoperative and postprocedural complications by body system ----------------------------


@dataclass(frozen=True, slots=True)
class BodySystem:
    """The complication codes of one body system chapter: (on this system, other procedure)."""

    name: str
    organs: re.Pattern[str]
    procedures: re.Pattern[str]
    puncture: tuple[str, str]
    hemorrhage: tuple[str, str] | None
    hematoma: tuple[str, str] | None
    ref: str


def _words(*items: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(items) + r")\b", re.IGNORECASE)


# Tabular List FY2026 titles of each code; the organ and procedure words are the structures the
# chapter's codes name (Index: Complication, intraoperative / postprocedural, by body system).
SYSTEMS: tuple[BodySystem, ...] = (
    BodySystem(
        "spleen",
        _words(r"spleen", r"splenic"),
        _words(r"splenectomy", r"splenorrhaphy", r"splenic (?:repair|biopsy)"),
        ("D78.11", "D78.12"),
        ("D78.21", "D78.22"),
        ("D78.31", "D78.32"),
        "Complication, intraoperative, puncture or laceration, spleen -> D78.1-; postprocedural, "
        "hemorrhage / hematoma, spleen -> D78.2- / D78.3-",
    ),
    BodySystem(
        "digestive system",
        _words(
            r"bowel",
            r"colon",
            r"colonic",
            r"sigmoid",
            r"cecum",
            r"rectum",
            r"rectal",
            r"(?:small |large )?intestines?",
            r"jejunum",
            r"ileum",
            r"duodenum",
            r"duodenal",
            r"stomach",
            r"gastric",
            r"esophagus",
            r"esophageal",
            r"liver",
            r"hepatic",
            r"gallbladder(?: bed)?",
            r"bile duct",
            r"common bile duct",
            r"pancreas",
            r"pancreatic",
            r"anastomosis",
            r"appendiceal stump",
        ),
        _words(
            r"colectomy",
            r"hemicolectomy",
            r"cholecystectomy",
            r"appendectomy",
            r"gastrectomy",
            r"esophagectomy",
            r"pancreatectomy",
            r"pancreaticoduodenectomy",
            r"whipple",
            r"hepatectomy",
            r"bowel resection",
            r"small bowel resection",
            r"(?:low )?anterior resection",
            r"colostomy",
            r"ileostomy",
            r"hemorrhoidectomy",
            r"fundoplication",
            r"gastric bypass",
            r"sleeve gastrectomy",
            r"polypectomy",
            r"colonoscopy",
            r"sigmoidoscopy",
            r"esophagogastroduodenoscopy",
            r"egd",
            r"ercp",
            r"(?:inguinal |umbilical |ventral |incisional )?hernia repair",
            r"herniorrhaphy",
            r"liver biopsy",
        ),
        ("K91.71", "K91.72"),
        ("K91.840", "K91.841"),
        ("K91.870", "K91.871"),
        "Complication, intraoperative, puncture or laceration, digestive system -> K91.7-; postprocedural, "
        "hemorrhage / hematoma, digestive system -> K91.84- / K91.87-",
    ),
    BodySystem(
        "genitourinary system",
        _words(
            r"bladder",
            r"ureter",
            r"ureteral",
            r"urethra",
            r"urethral",
            r"kidney",
            r"renal",
            r"uterus",
            r"uterine",
            r"vagina",
            r"vaginal cuff",
            r"ovary",
            r"prostate",
            r"prostatic fossa",
        ),
        _words(
            r"hysterectomy",
            r"myomectomy",
            r"oophorectomy",
            r"salpingo-oophorectomy",
            r"prostatectomy",
            r"turp",
            r"transurethral resection",
            r"nephrectomy",
            r"cystectomy",
            r"cystoscopy",
            r"ureteroscopy",
            r"lithotripsy",
            r"percutaneous nephrolithotomy",
            r"sling procedure",
            r"vasectomy",
        ),
        ("N99.71", "N99.72"),
        ("N99.820", "N99.821"),
        ("N99.840", "N99.841"),
        "Complication, intraoperative, puncture or laceration, genitourinary system -> N99.7-; postprocedural, "
        "hemorrhage / hematoma, genitourinary system -> N99.82- / N99.84-",
    ),
    BodySystem(
        "respiratory system",
        _words(r"lung", r"pleura", r"pleural", r"trachea", r"bronchus", r"pulmonary parenchyma"),
        _words(
            r"pneumonectomy",
            r"lung lobectomy",
            r"wedge resection of (?:the )?lung",
            r"thoracotomy",
            r"thoracoscopy",
            r"vats",
            r"bronchoscopy",
            r"tracheostomy",
            r"thoracentesis",
        ),
        ("J95.71", "J95.72"),
        ("J95.830", "J95.831"),
        ("J95.860", "J95.861"),
        "Complication, intraoperative, puncture or laceration, respiratory system -> J95.7-; postprocedural, "
        "hemorrhage / hematoma, respiratory system -> J95.83- / J95.86-",
    ),
)

_ACCIDENTAL = re.compile(r"\b(?:accidental(?:ly)?|inadvertent(?:ly)?|unintentional(?:ly)?)\b", re.IGNORECASE)
_TORN = re.compile(r"\b(?:lacerat\w*|punctur\w*|nick(?:ed)?|torn|tear)\b", re.IGNORECASE)
_POSTPROCEDURAL = re.compile(
    r"\bpost[\s-]?(?:procedural|operative|op|surgical)\s+(?P<what>hemorrhage|haemorrhage|bleed(?:ing)?|hematoma)\b",
    re.IGNORECASE,
)
# the same matches as the pattern's own, tried only where one can start (issue 9: speed)
_ACCIDENTAL_SCAN, _POSTPROCEDURAL_SCAN = Prefiltered(_ACCIDENTAL), Prefiltered(_POSTPROCEDURAL)
# the same event read as an injury or a bleed not elsewhere classified
_SAME_EVENT = ("S2", "S3", "R58", "T81.0", "T81.7")


def _procedure_system(text: str, sentence: tuple[int, int]) -> BodySystem | None:
    """The body system of the procedure: one named in the sentence, else the first the note names."""
    for lo, hi in (sentence, (0, len(text))):
        hits = [(m.start(), s) for s in SYSTEMS if (m := s.procedures.search(text, lo, hi))]
        if hits:
            return min(hits, key=lambda h: h[0])[1]
    return None


def _organ_system(text: str, lo: int, hi: int) -> BodySystem | None:
    hits = [(m.start(), s) for s in SYSTEMS if (m := s.organs.search(text, lo, hi))]
    return min(hits, key=lambda h: h[0])[1] if hits else None


def _complication(cands: list[Candidate], ctx: Context, document, sentence, span, code, steps) -> Candidate:
    from medcoder.coding.drugs import _confidence

    section = document.section_at(span[0])
    mention = Mention(
        document_id=document.document_id,
        start=span[0],
        end=span[1],
        text=document.text[span[0] : span[1]],
        source="index",
        term=ctx.index.get(code).description,
        score=1.0,
        section=section.name,
        words=len(document.text[span[0] : span[1]].split()),
        section_title=section.title,
    )
    cand = next((c for c in cands if c.code == code), None)
    if cand is None:
        cand = Candidate(code, matched={code}, mentions=[mention])
        cands.append(cand)
    elif mention not in cand.mentions:
        cand.mentions.append(mention)
    cand.confidence = max(cand.confidence, _confidence([section.name]))
    if BODY_SYSTEM_ID not in cand.rules:
        cand.rules.append(BODY_SYSTEM_ID)
    cand.steps.extend(s for s in steps if s not in cand.steps)
    for other in list(cands):
        if other is cand or not other.code.startswith(_SAME_EVENT):
            continue
        if all(m.document_id == document.document_id and sentence[0] <= m.start < sentence[1] for m in other.mentions):
            _drop(
                cands,
                ctx,
                other,
                BODY_SYSTEM_ID,
                f"not coded: the same event is the complication of care {code} (OCG I.B.16, I.C.19.g.5)",
            )
    return cand


@rule(
    BODY_SYSTEM_ID,
    "I.B.16, I.C.19.g.5 (complications of care in the body system chapters)",
    "an organ accidentally punctured or lacerated during a procedure, a postprocedural hemorrhage or hematoma: "
    "the body system's complication code, by organ and by the procedure's body system",
)
def _body_system(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for document in ctx.analyzed.documents:
        text = document.text
        if not (_ACCIDENTAL_SCAN.search(text) or _POSTPROCEDURAL_SCAN.search(text)):
            continue
        for sentence in document.sentences:
            lo, hi = sentence
            accident = _ACCIDENTAL.search(text, lo, hi)
            torn = _TORN.search(text, lo, hi) if accident else None
            if accident and torn:
                cue = (min(accident.start(), torn.start()), max(accident.end(), torn.end()))
                organ = _organ_system(text, lo, hi)
                procedure = _procedure_system(text, sentence)
                if organ is not None and procedure is not None and _live(document, cue):
                    code = organ.puncture[0 if procedure is organ else 1]
                    o = organ.organs.search(text, lo, hi)
                    span = (min(cue[0], o.start()), max(cue[1], o.end()))
                    during = "the " + organ.name if procedure is organ else "another body system"
                    steps = [
                        f"the {o.group(0)} ({organ.name}) {accident.group(0)} {torn.group(0)} during a procedure "
                        f"on {during} -> {code} ({organ.ref}; OCG I.B.16, I.C.19.g.5)"
                    ]
                    _complication(cands, ctx, document, sentence, span, code, steps)
            for post in _POSTPROCEDURAL.finditer(text, lo, hi):
                if not _live(document, post.span()):
                    continue
                procedure = _procedure_system(text, sentence)
                organ = _organ_system(text, post.end(), hi) or _organ_system(text, lo, post.start()) or procedure
                if organ is None or procedure is None:
                    continue  # which body system: the note does not say
                pair = organ.hematoma if post.group("what").lower() == "hematoma" else organ.hemorrhage
                if pair is None:
                    continue
                code = pair[0 if procedure is organ else 1]
                steps = [
                    f"{post.group(0)} of the {organ.name}, following a "
                    f"{'procedure on the ' + organ.name if procedure is organ else 'procedure on another body system'}"
                    f" -> {code} ({organ.ref}; OCG I.B.16, I.C.19.g.5)"
                ]
                _complication(cands, ctx, document, sentence, post.span(), code, steps)
    return cands


# a consent's or counselling's list of risks is no event ("Risks including bleeding and accidental
# puncture of the colon were discussed")
_RISK_TALK = re.compile(
    r"\b(?:risks?|consent\w*|discuss\w*|counsel\w*|explained|possible\s+complications?|complications?\s+(?:such\s+as|"
    r"including|include))\b",
    re.IGNORECASE,
)


def _live(document, span: tuple[int, int]) -> bool:
    a = document.assess(span)
    if a.negated or a.family or a.hypothetical or a.uncertain or a.historical:
        return False
    start, end = document.sentence_at(span[0])
    return not _RISK_TALK.search(document.text, start, end)


# --- the infection a complication code asks for -------------------------------------------------------


_INFECTION = re.compile(
    r"infection|cellulitis|abscess|sepsis|pneumonia|cystitis|pyelonephritis|osteomyelitis|empyema|peritonitis|"
    r"endocarditis|phlebitis",
    re.IGNORECASE,
)


def _asks_for(ctx: Context, code: str, kind: str, pattern: re.Pattern[str]) -> bool:
    """Does a "use additional code" note of ``code`` match ``pattern``?"""
    key = f"{kind}-note:{code}"
    if key not in ctx.cache:
        node = ctx.kb.cm(code, release_id=ctx.index.release_id)  # type: ignore[attr-defined]
        notes = ctx.kb.cm_notes(node) if node else []  # type: ignore[attr-defined]
        ctx.cache[key] = ["yes" for n in notes if n.type == "useAdditionalCode" and pattern.search(n.text)]
    return bool(ctx.cache[key])


_INFECTION_NOTE = re.compile(r"identify (?:the )?infection", re.IGNORECASE)
# K91.89, I97.8, L76.8, M96.89, K95.89, T81.89, P96.89: "use additional code, if applicable, to further
# specify disorder" / "to specify complication" / "to specify condition"
_SPECIFY_NOTE = re.compile(r"(?:further )?specify (?:the )?(?:disorder|complication|condition)\b", re.IGNORECASE)


def _inner_conditions(cand: Candidate, ctx: Context):
    """The condition facts inside the complication's own wording ("ileus" of "postoperative ileus"),
    each with the code its wording resolves to."""
    from medcoder.coding.terms import choose

    spans = [(m.document_id, m.start, m.end) for m in cand.mentions if m.affirmed]
    for fact in ctx.analyzed.facts:  # type: ignore[attr-defined]
        if not fact.affirmed or not any(
            d == fact.document_id and s <= fact.start and fact.end <= e and (s, e) != (fact.start, fact.end)
            for d, s, e in spans
        ):
            continue
        descriptions = {p.code: getattr(ctx.index.get(p.code), "description", "") for p in fact.payloads}
        picked = choose(fact.payloads, fact.attributes.laterality, descriptions)
        resolution = ctx.index.resolve(picked.code, fact.attributes.laterality, fact.attributes.episode)
        if resolution is not None:
            yield fact, picked, resolution


def _add_partner(cands: list[Candidate], cand: Candidate, fact, picked, code: str, rule_id: str, why: str) -> None:
    from medcoder.coding.features import fact_confidence

    extra = Candidate(code, matched={picked.code}, mentions=[fact_mention(fact, picked)])
    extra.confidence = min(cand.confidence, fact_confidence(extra))
    extra.features["partner_of"] = 1.0  # the complication's note asked for it (ocg.I.B.3.subsumed keeps it)
    extra.rules.append(rule_id)
    extra.steps.append(why)
    cands.append(extra)
    if rule_id not in cand.rules:
        cand.rules.append(rule_id)
        cand.steps.append(f"followed by the condition it names: {code} (OCG I.A.13, I.C.19.g)")


@rule(
    INFECTION_ID,
    "I.A.13, I.C.19.g (complication codes: use additional code to identify the infection)",
    "a complication code whose note asks for the infection is followed by the infection its wording names",
)
def _infection(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        if not cand.code.startswith("T8") or not _asks_for(ctx, cand.code, "infection", _INFECTION_NOTE):
            continue
        for fact, picked, resolution in _inner_conditions(cand, ctx):
            if resolution.code.startswith("T8"):
                continue
            node = ctx.index.get(resolution.code)
            if not (resolution.code.startswith(("A", "B")) or _INFECTION.search(node.description)):
                continue
            if any(c.code == resolution.code for c in cands):
                continue
            why = (
                f"the infection of {cand.code}, whose 'use additional code to identify infection' note asks for "
                f"it -> {resolution.code} (OCG I.A.13, I.C.19.g)"
            )
            _add_partner(cands, cand, fact, picked, resolution.code, INFECTION_ID, why)
    return cands


@rule(
    SPECIFY_ID,
    "I.A.13, I.B.16, I.C.19.g.5 (postprocedural complication codes: use additional code to further specify "
    "the disorder)",
    "a postprocedural complication code whose note asks for the disorder (K91.89, I97.8-, M96.89 ...) is "
    "followed by the condition its own wording names ('postoperative ileus': K91.89 with K56.7)",
    before="ocg.I.B.5",  # the disorder explains its integral symptoms (abdominal distension with ileus)
)
def _specify(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        if not _asks_for(ctx, cand.code, "specify", _SPECIFY_NOTE):
            continue
        for fact, picked, resolution in _inner_conditions(cand, ctx):
            code = resolution.code
            if code == cand.code or code.startswith(("R", "Z", "T8")) or any(c.code == code for c in cands):
                continue
            why = (
                f"the disorder of {cand.code}, whose 'use additional code to further specify disorder' note asks "
                f"for it -> {code} (OCG I.A.13, I.C.19.g.5)"
            )
            _add_partner(cands, cand, fact, picked, code, SPECIFY_ID, why)
    return cands


# --- transplant complications (I.C.19.g.3) ---------------------------------------------------------------

TRANSPLANT_ID = "ocg.I.C.19.g.3.transplant.v1"
# I.C.19.g.3.a: "Codes under category T86, Complications of transplanted organs and tissue, are for use for
# both complications and rejection of transplanted organs.  A transplant complication code is only assigned if
# the complication affects the function of the transplanted organ."  The rejection, failure or infection of the
# transplanted organ itself: "<Organ> transplant rejection | failure | infection" of the Tabular List.
# Z94 (transplant status) Excludes1 "complications of transplanted organ or tissue".
_ORGANS = (
    ("heart-lung", r"heart[\s-]lung", "Z94.3"),
    ("kidney", r"kidney|renal", "Z94.0"),
    ("liver", r"liver|hepatic", "Z94.4"),
    ("heart", r"heart|cardiac", "Z94.1"),
    ("lung", r"lung|pulmonary", "Z94.2"),
    ("bone marrow", r"bone marrow", "Z94.81"),
    ("corneal", r"cornea|corneal", "Z94.7"),
    ("intestine", r"intestine|intestinal|small bowel", "Z94.82"),
)
_ORGAN = "|".join(f"(?:{p})" for _, p, _ in _ORGANS)
_GRAFT = r"(?:transplant|transplanted|allograft|graft)"
_KIND = r"(?P<kind>rejection|failure|infection)"
_TRANSPLANT_EVENT = re.compile(
    rf"\b{_KIND} of (?:the |his |her |their |a )?(?:(?:transplanted|transplant|allograft) )?(?P<organ>{_ORGAN})"
    rf"(?: {_GRAFT})?\b"
    rf"|\b(?:{_GRAFT} )?(?P<organ2>{_ORGAN}) {_GRAFT} (?:(?:acute|chronic|hyperacute|cellular|antibody[\s-]mediated) )*"
    rf"(?P<kind2>rejection|failure|infection)\b"
    rf"|\b(?:transplanted|transplant) (?P<organ3>{_ORGAN}) (?P<kind3>rejection|failure|infection)\b",
    re.IGNORECASE,
)
# the rejection talked about, not found ("discussed the signs of rejection", "monitor for rejection")
_TALK = re.compile(
    r"\b(?:discuss\w*|educat\w*|counsel\w*|reviewed|signs? (?:and symptoms )?of|symptoms of|risks? of|watch for|"
    r"monitor(?:ing)? for|prevent\w*|prophylaxis)\b",
    re.IGNORECASE,
)
_TRANSPLANT_TITLE = re.compile(r"^(.+?) (?:transplant )?(rejection|failure|infection)$")


def _transplant_codes(ctx: Context) -> dict[tuple[str, str], str]:
    """(organ, rejection | failure | infection) -> the T86 code of that title."""
    key = "transplant-codes"
    if key not in ctx.cache:
        table: dict[tuple[str, str], str] = {}
        for code, node in ctx.index.nodes.items():
            if code.startswith("T86") and (m := _TRANSPLANT_TITLE.match(node.description)):
                table.setdefault((m.group(1).lower(), m.group(2).lower()), code)
        ctx.cache[key] = table  # type: ignore[assignment]
    return ctx.cache[key]  # type: ignore[return-value]


@rule(
    TRANSPLANT_ID,
    "I.C.19.g.3.a (transplant complications: T86 when the complication affects the function of the transplanted "
    "organ), Z94 Excludes1",
    "rejection, failure or infection of the transplanted organ the note documents: its T86 code (not the "
    "transplant status Z94 of that organ)",
)
def _transplant(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    from medcoder.coding.candidates import matched_mention
    from medcoder.coding.features import rule_candidate

    for document in ctx.analyzed.documents:
        text = document.text
        for m in _TRANSPLANT_EVENT.finditer(text):
            organ_word = (m.group("organ") or m.group("organ2") or m.group("organ3")).lower()
            kind = (m.group("kind") or m.group("kind2") or m.group("kind3")).lower()
            if m.group("organ") and not re.search(_GRAFT, m.group(0), re.IGNORECASE):
                continue  # "failure of the kidney": no transplant named
            if not _live(document, m.span()) or _TALK.search(text, document.sentence_at(m.start())[0], m.start()):
                continue
            organ, _, status = next(o for o in _ORGANS if re.fullmatch(o[1], organ_word, re.IGNORECASE))
            code = _transplant_codes(ctx).get((organ, kind))
            resolution = ctx.index.resolve(code, document.attributes(m.span()).laterality) if code else None
            if resolution is None or any(c.code == resolution.code for c in cands):
                continue
            mention = matched_mention(document, m, ctx.index.get(code).description, f"Tabular {code}")
            cands.append(
                rule_candidate(
                    resolution.code,
                    mention,
                    TRANSPLANT_ID,
                    f"{kind} of the transplanted {organ} ({m.group(0)!r}) -> {resolution.code} "
                    f"({ctx.index.get(resolution.code).description}), OCG I.C.19.g.3.a",
                )
            )
            for other in list(cands):
                if other.code == status:
                    _drop(
                        cands,
                        ctx,
                        other,
                        TRANSPLANT_ID,
                        f"Z94 Excludes1 complications of the transplanted organ: {resolution.code}",
                    )
    return cands
