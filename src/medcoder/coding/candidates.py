"""Candidate codes for one encounter: every mention the term dictionary or the site model finds,
with its exact span, sentence, section, assertion and attributes."""

from __future__ import annotations

from dataclasses import dataclass, field

from medcoder.coding.codeindex import CodeIndex, Resolution
from medcoder.coding.dictionary import TermDictionary, canonical
from medcoder.coding.phrases import phrase_keys
from medcoder.coding.text import STOPWORDS, tokens

MIN_COVERAGE = 0.7
MAX_SPAN = 80  # characters: a longer covering span is reported as its anchor word instead


@dataclass(slots=True)
class Mention:
    document_id: str
    start: int
    end: int
    text: str
    source: str  # description | inclusion | index | lexicon | learned
    term: str  # the code-set or learned wording that matched
    score: float  # coverage for dictionary terms, P(code | phrase) for learned ones
    section: str
    negated: bool = False
    uncertain: bool = False
    historical: bool = False
    family: bool = False
    hypothetical: bool = False
    cues: tuple[str, ...] = ()
    words: int = 0  # how many of the term's words the note has
    anchored: bool = True  # the term's most distinctive word is there
    aligned: bool = False  # a learned phrase that shares words with the code's own terms
    lift: float = 0.0  # learned phrases: P(code | phrase) / P(code)
    gaps: int = 0  # ordered-phrase facts: note words between the term's words
    statement: int = 0  # ordered-phrase facts: order of the sentence / list item in its section
    section_title: str = ""  # the header as written ("DISCHARGE DIAGNOSES")
    covered_by: int = 0  # words of a longer fact whose span holds this one
    ref: str = ""  # the lexicon's reference for the wording (index path, tabular term)
    share: float = 0.0  # ordered-phrase facts: share of its sentence the wording is (a stated diagnosis)

    @property
    def affirmed(self) -> bool:
        return not (self.negated or self.uncertain or self.family or self.hypothetical)


@dataclass(slots=True)
class Candidate:
    code: str  # billable code after resolution
    matched: set[str] = field(default_factory=set)  # codes as matched before resolution
    steps: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)
    confidence: float = 0.0
    rules: list[str] = field(default_factory=list)
    phrases: dict[str, tuple[float, float]] = field(default_factory=dict)  # learned phrase -> (P, lift)
    phrase_codes: set[str] = field(default_factory=set)  # matched codes reached by learned phrases

    def best(self, source: str | None = None) -> Mention | None:
        pool = [m for m in self.mentions if source is None or m.source == source]
        return max(pool, key=lambda m: (m.affirmed, m.score, -m.start)) if pool else None


def matched_mention(document, match, term: str, ref: str) -> Mention:
    """A mention a guideline rule found with a regular expression (``match``) in an analysed
    document: the words it matched, their section, the Index path or guideline (``term``, ``ref``)
    that makes them a code.  The rule has checked their assertion."""
    return Mention(
        document_id=document.document_id,
        start=match.start(),
        end=match.end(),
        text=match.group(0),
        source="index",
        term=term,
        score=1.0,
        section=document.section_at(match.start()).name,
        words=len(match.group(0).split()),
        share=1.0,
        ref=ref,
    )


def _span(text: str, toks, wanted: set[str], anchor: str | None) -> tuple[int, int]:
    hits = [t for t in toks if canonical((t.stem,))[0] in wanted and t.text not in STOPWORDS]
    if not hits:
        return toks[0].start, toks[-1].end
    start, end = hits[0].start, hits[-1].end
    if end - start <= MAX_SPAN:
        return start, end
    pick = next((t for t in hits if canonical((t.stem,))[0] == anchor), hits[0])
    return pick.start, pick.end


def _drop_list_number(text: str, toks: list) -> list:
    """ "3. Hypertensive ..." — the item number of a list is not "stage 3"."""
    if toks and toks[0].text.isdigit() and text[toks[0].end : toks[0].end + 1] in (".", ")"):
        return toks[1:]
    return toks


def collect(
    analyzed,
    dictionary: TermDictionary,
    index: CodeIndex,
    learned: dict[str, list[tuple[str, float, int]]] | None = None,
    out: dict[str, Candidate] | None = None,
    priors: dict[str, float] | None = None,
    doc_phrases: set[str] | None = None,
) -> dict[str, Candidate]:
    """Add the document's mentions to ``out`` (keyed by billable code); the phrase keys seen go
    to ``doc_phrases`` when given."""
    out = {} if out is None else out
    text = analyzed.text
    learned_seen: dict[str, dict[str, tuple[float, float]]] = {}  # matched code -> phrase -> (P, lift)
    titles = [(sec.start, sec.start + len(sec.title)) for sec in analyzed.sections if sec.title]
    sentences = [(s, e, _drop_list_number(text, tokens(text[s:e], s))) for s, e in analyzed.sentences]
    stem_sets = [set(canonical([t.stem for t in toks if t.text not in STOPWORDS])) for _, _, toks in sentences]
    matches = dictionary.match_many(stem_sets, MIN_COVERAGE)
    for (s_start, s_end, toks), sentence_matches in zip(sentences, matches, strict=True):
        if not toks:
            continue
        found: list[tuple[str, int, int, str, str, float, float]] = []
        words: dict[tuple[str, int, int], int] = {}
        for match in sentence_matches:
            term = match.term
            start, end = _span(text, toks, set(match.matched), term.stems[0])
            if any(t_start <= start < t_end for t_start, t_end in titles):
                continue  # a section header ("HISTORY OF PRESENT ILLNESS") is not a finding
            found.append((term.code, start, end, term.source, term.text, match.coverage, 0.0))
            words[(term.code, start, end)] = len(match.matched) if match.anchored else -len(match.matched)
        if learned:
            # one mention per code and sentence (its best phrase); every phrase is still counted
            # on the candidate, which is what the features use.
            best: dict[str, tuple[str, int, int, str, str, float, float]] = {}
            keys = phrase_keys(toks)
            if doc_phrases is not None:
                doc_phrases.update(keys)
            for key, (start, end) in keys.items():
                for code, prob, _n in learned.get(key, ()):
                    lift = prob / priors.get(code, 1.0) if priors else 0.0
                    phrases = learned_seen.setdefault(code, {})
                    if prob > phrases.get(key, (0.0, 0.0))[0]:
                        phrases[key] = (prob, lift)
                    if code not in best or prob > best[code][5]:
                        best[code] = (code, start, end, "learned", key, prob, lift)
            found.extend(best.values())
        if not found:
            continue
        section = analyzed.section_at(s_start).name
        spans: dict[tuple[int, int], tuple] = {}
        for code, start, end, source, term_text, score, lift in found:
            if (start, end) not in spans:
                spans[(start, end)] = (analyzed.assess((start, end)), analyzed.attributes((start, end)))
            assertion, attrs = spans[(start, end)]
            resolution = index.resolve(code, attrs.laterality, attrs.episode, "open" in text[s_start:s_end].lower())
            if resolution is None:
                continue
            cand = out.get(resolution.code)
            if cand is None:
                cand = out[resolution.code] = Candidate(resolution.code)
            if code not in cand.matched:
                cand.matched.add(code)
                cand.steps.extend(s for s in resolution.steps if s not in cand.steps)
            cand.mentions.append(
                Mention(
                    document_id=analyzed.document_id,
                    start=start,
                    end=end,
                    text=text[start:end],
                    source=source,
                    term=term_text,
                    score=score,
                    section=section,
                    negated=assertion.negated,
                    uncertain=assertion.uncertain,
                    historical=assertion.historical,
                    family=assertion.family,
                    hypothetical=assertion.hypothetical,
                    cues=tuple(f"{c[0]}: {c[1]!r}" for c in assertion.cues),
                    words=abs(words.get((code, start, end), 0)),
                    anchored=words.get((code, start, end), 0) >= 0,
                    aligned=source == "learned" and bool(set(term_text.split()) & dictionary.stems_of(code)),
                    lift=lift,
                )
            )
            if source == "learned":
                cand.phrase_codes.add(code)
    for cand in out.values():
        for code in cand.phrase_codes:
            for key, (prob, lift) in learned_seen.get(code, {}).items():
                if prob > cand.phrases.get(key, (0.0, 0.0))[0]:
                    cand.phrases[key] = (prob, lift)
        cand.phrase_codes.clear()
    return out


def from_facts(
    analyzed, vocabulary, index: CodeIndex, out: dict[str, Candidate] | None = None, partner_refs=None
) -> dict[str, Candidate]:
    """Candidates from the condition facts of an analysed encounter (the default engine): each
    fact's wording names a code (:func:`medcoder.coding.terms.choose`), resolved to the billable
    code its side, episode of care and 7th character make it (OCG I.B.13, I.C.19.a).

    A wording inside a longer one names no separate condition ("appendicitis" inside "acute
    appendicitis", "breast cancer" inside "history of breast cancer"), unless the longer wording's
    code asks for it beside itself (``partner_refs(code)``: its "use additional code", "code also"
    and "code first" references -- N18.3- under "diabetic CKD stage 3", G30.9 under "dementia due
    to Alzheimer's disease"; OCG I.A.13, I.B.9)."""
    from medcoder.coding.guidelines import ref_covers
    from medcoder.coding.terms import choose

    out = {} if out is None else out
    documents = {d.document_id: d for d in analyzed.documents}
    billable = _billable(index)
    resolved = []
    for fact in analyzed.facts:
        attrs = fact.attributes
        picked = choose(fact.payloads, attrs.laterality, vocabulary.descriptions, billable)
        document = documents[fact.document_id]
        s_start, s_end = document.sentence_at(fact.start)
        open_fracture = "open" in document.text[s_start:s_end].lower()
        for resolution in _sides(index, picked.code, attrs.laterality, attrs.episode, open_fracture):
            resolved.append((fact, picked, resolution))
    for fact, picked, resolution in resolved:
        if fact.covered_by:
            outer = [
                r.code
                for f, _, r in resolved
                if f.document_id == fact.document_id
                and f.start <= fact.start
                and fact.end <= f.end
                and f.words > fact.words
                and r.code != resolution.code
            ]
            wanted = partner_refs is not None and any(
                ref_covers(ref, resolution.code) for code in outer for ref in partner_refs(code)
            )
            if outer and not wanted:
                continue
        cand = out.get(resolution.code)
        if cand is None:
            cand = out[resolution.code] = Candidate(resolution.code)
        if picked.code not in cand.matched:
            cand.matched.add(picked.code)
            cand.steps.extend(s for s in resolution.steps if s not in cand.steps)
        cand.mentions.append(fact_mention(fact, picked))
    return out


def fact_mention(fact, picked) -> Mention:
    """The mention a condition fact gives the code its wording ``picked`` (a TermCode) names: the
    fact's span, section, statement place and assertion."""
    a = fact.assertion
    return Mention(
        document_id=fact.document_id,
        start=fact.start,
        end=fact.end,
        text=fact.text,
        source=picked.source,
        term=picked.text,
        score=1.0,
        section=fact.section,
        negated=a.negated,
        uncertain=a.uncertain,
        historical=a.historical,
        family=a.family,
        hypothetical=a.hypothetical,
        cues=tuple(f"{c[0]}: {c[1]!r}" for c in a.cues),
        words=fact.words,
        gaps=fact.gaps,
        statement=fact.statement,
        section_title=fact.section_title,
        covered_by=fact.covered_by,
        ref=picked.ref,
        share=fact.share,
    )


def _billable(index: CodeIndex):
    def billable(code: str) -> bool:
        node = index.get(code)
        return node is not None and (node.billable or bool(node.seventh))

    return billable


def _sides(index: CodeIndex, code: str, laterality: str | None, episode: str | None, open_fracture: bool) -> list:
    """The billable codes a mention resolves to: one, or for a bilateral condition the
    classification has no bilateral code for, the right and the left (OCG I.B.13)."""
    resolution = index.resolve(code, laterality, episode, open_fracture)
    if laterality != "bilateral" or resolution is None:
        return [resolution] if resolution is not None else []
    node = index.get(resolution.code)
    if node is not None and "bilateral" in node.description.lower():
        return [resolution]
    right = index.resolve(code, "right", episode, open_fracture)
    left = index.resolve(code, "left", episode, open_fracture)
    if right is None or left is None or right.code == left.code:
        return [resolution]
    why = "bilateral, and no bilateral code: right and left coded separately (OCG I.B.13)"
    return [Resolution(r.code, (*r.steps, why)) for r in (right, left)]
