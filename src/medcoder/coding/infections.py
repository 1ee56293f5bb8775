"""Chapter 1, certain infectious and parasitic diseases (OCG I.C.1), and contact with a communicable
disease (OCG I.C.21.c.1).

* I.C.1.a: "AIDS" is HIV disease (Index: AIDS (related complex) -> B20); I.C.1.a.2.a-b: a patient
  admitted (or seen) for an HIV-related condition has B20 first, followed by the related condition;
  for an unrelated condition (a fracture) that condition first and B20 after it.  What an
  HIV-related condition is: the AIDS-defining conditions of the CDC surveillance case definition
  (MMWR 1992;41(RR-17) Appendix B, MMWR 2008;57(RR-10) and 2014;63(RR-03)), by their ICD-10-CM
  codes.
* I.C.1.a.2.e: inconclusive HIV serology without a definitive diagnosis or manifestations is R75.
* I.C.21.c.1: a communicable disease documented in someone else (the spouse, a coworker, a child at
  day care) whom the patient has been in contact with is the patient's Z20.- exposure code, not the
  disease: "Husband tested positive for COVID-19" is Z20.822 (I.C.1.g.1.e), "coworker with active
  pulmonary tuberculosis" Z20.1.
"""

from __future__ import annotations

import re

from medcoder.coding.candidates import Candidate, Mention
from medcoder.coding.features import fact_confidence
from medcoder.coding.guidelines import Context, _drop, rule
from medcoder.extract.prefilter import Prefiltered

AIDS_ID = "ocg.I.C.1.a.aids.v1"
HIV_SEQUENCE_ID = "ocg.I.C.1.a.2.sequence.v1"
R75_ID = "ocg.I.C.1.a.2.e.v1"
EXPOSURE_ID = "ocg.I.C.21.c.1.exposure.v1"

# "AIDS" in capitals: the abbreviation (Index: AIDS (related complex) -> B20), never "aids" the verb
# or "hearing aids"
_AIDS = re.compile(r"\bAIDS\b|\bacquired immune deficiency syndrome\b", re.IGNORECASE)
_AIDS_CASE = re.compile(r"\bAIDS\b")
# the same matches as the pattern's own, tried only where one can start (issue 9: speed)
_AIDS_SCAN = Prefiltered(_AIDS)

# The AIDS-defining conditions (CDC case definition, above), as ICD-10-CM code prefixes: the
# conditions a coder reads as HIV-related (OCG I.C.1.a.2.a).
HIV_RELATED = (
    "B59",  # Pneumocystis jirovecii pneumonia
    "B37.1",  # candidiasis of bronchi, trachea, lungs
    "B37.81",  # candidal esophagitis
    "B45",  # cryptococcosis
    "A07.2",  # cryptosporidiosis
    "A07.3",  # isosporiasis
    "B25",  # cytomegalovirus disease
    "H30.9",  # (CMV) retinitis
    "B00.2",  # herpes simplex: bronchitis, pneumonitis, esophagitis
    "B00.81",
    "B38",  # coccidioidomycosis
    "B39",  # histoplasmosis
    "A31",  # Mycobacterium avium complex, other mycobacteria
    "A15",  # tuberculosis
    "A16",
    "A17",
    "A18",
    "A19",
    "A81.2",  # progressive multifocal leukoencephalopathy
    "B58",  # toxoplasmosis of brain
    "A02.1",  # Salmonella septicemia, recurrent
    "C46",  # Kaposi sarcoma
    "C83.3",  # diffuse large B-cell lymphoma (immunoblastic)
    "C83.7",  # Burkitt lymphoma
    "C85",  # lymphoma NOS
    "C83.8",
    "C53",  # invasive cervical cancer
    "R64",  # wasting syndrome
    "B22",
    "F02.8",  # HIV encephalopathy (dementia in other diseases)
    "G93.4",  # encephalopathy
)


def _new(code: str, mention: Mention, rule_id: str, why: str) -> Candidate:
    cand = Candidate(code, matched={code}, mentions=[mention])
    cand.confidence = fact_confidence(cand)
    cand.rules.append(rule_id)
    cand.steps.append(why)
    return cand


def _mention(document, match: re.Match | tuple[int, int], term: str, ref: str) -> Mention:
    start, end = (match.start(), match.end()) if isinstance(match, re.Match) else match
    text = document.text[start:end]
    return Mention(
        document_id=document.document_id,
        start=start,
        end=end,
        text=text,
        source="index",
        term=term,
        score=1.0,
        section=document.section_at(start).name,
        words=len(text.split()),
        share=1.0,
        ref=ref,
    )


@rule(AIDS_ID, "I.C.1.a.1", "'AIDS' is HIV disease, B20 (Index: AIDS -> B20)")
def _aids(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.1.a.1: code only confirmed cases; the provider's "AIDS" is that confirmation.  The
    # abbreviation in capitals only ("aids in digestion", "hearing aids" are no disease).
    if ctx.analyzed is None or any(c.code in ("B20", "Z21") for c in cands):
        return cands
    for document in ctx.analyzed.documents:
        for match in _AIDS_SCAN.finditer(document.text):
            if match.group(0).lower() == "aids" and not _AIDS_CASE.fullmatch(match.group(0)):
                continue
            assertion = document.assess((match.start(), match.end()))
            if assertion.negated or assertion.family or assertion.hypothetical or assertion.uncertain:
                continue
            mention = _mention(document, match, "AIDS", "AIDS (related complex) -> B20 (OCG I.C.1.a)")
            cands.append(_new("B20", mention, AIDS_ID, f"{match.group(0)!r}: HIV disease -> B20 (OCG I.C.1.a.1)"))
            return cands
    return cands


@rule(
    HIV_SEQUENCE_ID,
    "I.C.1.a.2.a-b",
    "B20 first when the encounter is for an HIV-related condition; after an unrelated one",
    stage="sequence",
)
def _hiv_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    hiv = next((c for c in ordered if c.code == "B20"), None)
    if hiv is None or not ordered or ordered[0] is hiv:
        return ordered
    first = ordered[0]
    if not first.code.startswith(HIV_RELATED):
        return ordered  # I.C.1.a.2.b: an unrelated condition stays first, B20 after it
    ordered.remove(hiv)
    ordered.insert(0, hiv)
    hiv.rules.append(HIV_SEQUENCE_ID)
    hiv.steps.append(f"first: {first.code} is an HIV-related (AIDS-defining) condition (OCG I.C.1.a.2.a)")
    return ordered


_HIV_TEST = re.compile(r"\b(?:HIV|human immunodeficiency virus)\b", re.IGNORECASE)
_INCONCLUSIVE = re.compile(r"\b(?:indeterminate|inconclusive|equivocal|borderline)\b", re.IGNORECASE)


@rule(R75_ID, "I.C.1.a.2.e", "inconclusive HIV serology without a diagnosis of HIV is R75")
def _inconclusive_hiv(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    # I.C.1.a.2.e: "Patients with inconclusive HIV serology, but no definitive diagnosis or
    # manifestations of the illness, may be assigned code R75."  The test and its indeterminate
    # result in one sentence; not when HIV disease or status is coded.
    if ctx.analyzed is None or any(c.code in ("B20", "Z21", "R75") for c in cands):
        return cands
    for document in ctx.analyzed.documents:
        for start, end in document.sentences:
            test = _HIV_TEST.search(document.text, start, end)
            result = _INCONCLUSIVE.search(document.text, start, end) if test else None
            if test is None or result is None:
                continue
            assertion = document.assess((result.start(), result.end()))
            if assertion.negated or assertion.hypothetical or assertion.family:
                continue
            span = (min(test.start(), result.start()), max(test.end(), result.end()))
            mention = _mention(
                document,
                span,
                "inconclusive HIV serology",
                "Findings, abnormal, inconclusive, without diagnosis -> human immunodeficiency virus (HIV) -> R75",
            )
            why = f"{test.group(0)} test {result.group(0)!r}, no HIV diagnosis -> R75 (OCG I.C.1.a.2.e)"
            cands.append(_new("R75", mention, R75_ID, why))
            return cands
    return cands


# Someone the patient has been in contact with, as the subject of the sentence that documents the
# disease (I.C.21.c.1: "patients who are suspected to have been exposed to a disease by close
# personal contact with an infected individual").
_CONTACT = re.compile(
    r"^(?:[^.;:]{0,40}:\s*)?\W*(?:(?:her|his|their|the|a|patient's|pt's|one|several|multiple)\s+)*"
    r"(?:husband|wife|spouse|partner|boyfriend|girlfriend|fianc[eé]e?|roommate|housemate|coworkers?|"
    r"co-workers?|colleagues?|classmates?|household\s+(?:members?|contacts?)|family\s+members?|"
    r"close\s+contacts?|contacts?|sons?|daughters?|child|children|kids?|baby|infant|siblings?|brothers?|"
    r"sisters?|mother|father|mom|dad|parents?|grandmother|grandfather|grandparents?|caregivers?|"
    r"(?:day\s*care|school)\s+(?:classmates?|contacts?|children)|teammates?|cellmates?)\b",
    re.IGNORECASE,
)
# Z20.- by the disease's code (Tabular List Z20 titles), most specific first
EXPOSURE_CODES = (
    (("U07.1",), "Z20.822"),
    (("A04.0", "A04.1", "A04.2", "A04.3", "A04.4"), "Z20.01"),
    (("A0",), "Z20.09"),
    (("A15", "A16", "A17", "A18", "A19"), "Z20.1"),
    (("A5", "A60", "A63", "A64"), "Z20.2"),
    (("A82",), "Z20.3"),
    (("B06",), "Z20.4"),
    (("B15", "B16", "B17", "B18", "B19"), "Z20.5"),
    (("B20", "Z21"), "Z20.6"),
    (("B85", "B86", "B87", "B88", "B89"), "Z20.7"),
    (("A22",), "Z20.810"),
    (("A39",), "Z20.811"),
    (("B01",), "Z20.820"),
    (("A92.5",), "Z20.821"),
    (("A8", "A9", "B0", "B1", "B2", "B3", "J09", "J10", "J11"), "Z20.828"),
    (("A",), "Z20.818"),
    (("B",), "Z20.89"),
)


def exposure_code(code: str) -> str | None:
    """The Z20.- code for contact with a person who has the disease coded ``code`` (None: not a
    communicable disease the category names)."""
    for prefixes, target in EXPOSURE_CODES:
        if code.startswith(prefixes):
            return target
    return None


@rule(
    EXPOSURE_ID,
    "I.C.21.c.1, I.C.1.g.1.e",
    "a communicable disease of someone the patient has been in contact with is the exposure code Z20.-",
)
def _exposure(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    for cand in list(cands):
        target = exposure_code(cand.code)
        if target is None or ctx.index.get(target) is None:
            continue
        live = [m for m in cand.mentions if not m.negated and not m.hypothetical]
        if not live:
            continue
        contacts = []
        for m in live:
            document = ctx.analyzed.document(m.document_id)
            start, _ = document.sentence_at(m.start)
            lead = document.text[start : m.start]
            if m.section != "family_history" and _CONTACT.search(lead) and len(lead) < 80:
                contacts.append((m, document.text[start : m.start].strip()))
        if len(contacts) != len(live):
            continue  # the patient's own disease too: coded as such
        who = _CONTACT.search(contacts[0][1])
        _drop(cands, ctx, cand, EXPOSURE_ID, f"not the patient's: {who.group(0).strip()!r} has it (OCG I.C.21.c.1)")
        if any(c.code == target for c in cands):
            continue
        exposure = Candidate(target, matched={cand.code}, mentions=[contacts[0][0]])
        exposure.confidence = max(cand.confidence, fact_confidence(exposure))
        exposure.rules.append(EXPOSURE_ID)
        exposure.steps.append(
            f"contact with {who.group(0).strip()!r}, who has {cand.code} -> exposure {target} (OCG I.C.21.c.1)"
        )
        cands.append(exposure)
    return cands


# --- I.C.1.g.1: COVID-19 ------------------------------------------------------------------------------------------

COVID_MANIFESTATION_ID = "ocg.I.C.1.g.1.c.manifestation.v1"
COVID_SEQUENCE_ID = "ocg.I.C.1.g.1.b.sequence.v1"
POST_COVID_ID = "ocg.I.C.1.g.1.m.v1"
_COVID = re.compile(r"\b(?:covid(?:-?\s?19)?|sars-?\s?cov-?\s?2|(?:novel\s+)?coronavirus\s+disease\s+2019)\b", re.I)
# I.C.1.g.1.c: pneumonia confirmed as due to COVID-19 is J12.82; acute bronchitis J20.8
COVID_RECODE = {"J18.9": "J12.82", "J18.8": "J12.82", "J12.9": "J12.82", "J12.89": "J12.82", "J20.9": "J20.8"}
# the respiratory manifestations I.C.1.g.1.c lists, coded after U07.1
COVID_MANIFESTATIONS = ("J12.82", "J20.8", "J40", "J22", "J98.8", "J80", "J96.0", "J96.2", "J18")
_PAST = re.compile(
    r"\b(?:after|following|since|post|previous|prior|past|recent|recovered\s+from|history\s+of|sequelae?\s+of)\b"
    r"[^.;]{0,30}$",
    re.IGNORECASE,
)


def _covid_in_sentence(ctx: Context, m: Mention) -> bool:
    document = ctx.analyzed.document(m.document_id)
    start, end = document.sentence_at(m.start)
    return _COVID.search(document.text, start, end) is not None


@rule(
    COVID_MANIFESTATION_ID,
    "I.C.1.g.1.c.i-ii",
    "pneumonia / acute bronchitis stated with COVID-19 is J12.82 / J20.8, not the unspecified code",
)
def _covid_manifestation(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None or not any(c.code == "U07.1" and any(m.affirmed for m in c.mentions) for c in cands):
        return cands
    for cand in [c for c in cands if c.code in COVID_RECODE]:
        live = [m for m in cand.mentions if m.affirmed]
        if not live or not all(_covid_in_sentence(ctx, m) for m in live):
            continue
        code = COVID_RECODE[cand.code]
        node = ctx.index.get(code)
        if node is None:
            continue
        existing = next((c for c in cands if c.code == code), None)
        if existing is not None:
            existing.mentions.extend(m for m in cand.mentions if m not in existing.mentions)
            _drop(cands, ctx, cand, COVID_MANIFESTATION_ID, f"stated with COVID-19: {code} (OCG I.C.1.g.1.c)")
            continue
        cand.steps.append(f"{cand.code} -> {code} ({node.description}): stated with COVID-19 (OCG I.C.1.g.1.c)")
        cand.matched.add(cand.code)
        cand.code = code
        cand.rules.append(COVID_MANIFESTATION_ID)
    return cands


@rule(
    COVID_SEQUENCE_ID,
    "I.C.1.g.1.b, I.C.1.g.1.c",
    "U07.1 first, followed by its respiratory manifestations (pneumonia, bronchitis, ARDS, respiratory failure)",
    stage="sequence",
)
def _covid_first(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    covid = next((c for c in ordered if c.code == "U07.1"), None)
    if covid is None or not ordered or ordered[0] is covid or ctx.analyzed is None:
        return ordered
    first = ordered[0]
    if not first.code.startswith(COVID_MANIFESTATIONS):
        return ordered  # sepsis (A41.89), pregnancy (O98.5-), an unrelated condition: not moved
    # the manifestation is COVID-19's: stated with it, or COVID-19 pneumonia / bronchitis coded
    related = first.code in ("J12.82", "J20.8") or any(
        _covid_in_sentence(ctx, m) for m in first.mentions if not m.negated
    )
    if not related and not any(c.code in ("J12.82", "J20.8") for c in ordered):
        return ordered
    ordered.remove(covid)
    ordered.insert(0, covid)
    covid.rules.append(COVID_SEQUENCE_ID)
    covid.steps.append(f"first: {first.code} is a manifestation of COVID-19, coded after U07.1 (OCG I.C.1.g.1.b-c)")
    return ordered


@rule(
    POST_COVID_ID,
    "I.C.1.g.1.m",
    "a post-COVID condition (U09.9) is not a current infection: no U07.1 for the COVID-19 it followed",
)
def _post_covid(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None or not any(c.code == "U09.9" and any(m.affirmed for m in c.mentions) for c in cands):
        return cands
    covid = next((c for c in cands if c.code == "U07.1"), None)
    if covid is None:
        return cands
    live = [m for m in covid.mentions if not (m.negated or m.family or m.hypothetical)]
    past = []
    for m in live:
        document = ctx.analyzed.document(m.document_id)
        start, _ = document.sentence_at(m.start)
        if _PAST.search(document.text[start : m.start]):
            past.append(m)
    if live and len(past) == len(live):
        _drop(
            cands,
            ctx,
            covid,
            POST_COVID_ID,
            "the COVID-19 the post-COVID condition followed, no current infection: U09.9, not U07.1 (OCG I.C.1.g.1.m)",
        )
    return cands
