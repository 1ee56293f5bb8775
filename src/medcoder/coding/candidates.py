"""Candidate codes for one encounter: every mention the term dictionary or the site model finds,
with its exact span, sentence, section, assertion and attributes."""

from __future__ import annotations

from dataclasses import dataclass, field

from medcoder.coding.codeindex import CodeIndex
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
    aligned: bool = False  # a learned phrase that shares words with the code's own terms
    lift: float = 0.0  # learned phrases: P(code | phrase) / P(code)

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

    def best(self, source: str | None = None) -> Mention | None:
        pool = [m for m in self.mentions if source is None or m.source == source]
        return max(pool, key=lambda m: (m.affirmed, m.score, -m.start)) if pool else None


def _span(text: str, toks, wanted: set[str], anchor: str | None) -> tuple[int, int]:
    hits = [t for t in toks if canonical((t.stem,))[0] in wanted and t.text not in STOPWORDS]
    if not hits:
        return toks[0].start, toks[-1].end
    start, end = hits[0].start, hits[-1].end
    if end - start <= MAX_SPAN:
        return start, end
    pick = next((t for t in hits if canonical((t.stem,))[0] == anchor), hits[0])
    return pick.start, pick.end


def collect(
    analyzed,
    dictionary: TermDictionary,
    index: CodeIndex,
    learned: dict[str, list[tuple[str, float, int]]] | None = None,
    out: dict[str, Candidate] | None = None,
    priors: dict[str, float] | None = None,
) -> dict[str, Candidate]:
    """Add the document's mentions to ``out`` (keyed by billable code)."""
    out = {} if out is None else out
    text = analyzed.text
    for s_start, s_end in analyzed.sentences:
        toks = tokens(text[s_start:s_end], s_start)
        if not toks:
            continue
        stems = set(canonical([t.stem for t in toks if t.text not in STOPWORDS]))
        found: list[tuple[str, int, int, str, str, float, float]] = []
        for match in dictionary.match(stems, MIN_COVERAGE):
            term = match.term
            anchor = max(zip(term.weights, term.stems, strict=True))[1]
            start, end = _span(text, toks, set(match.matched), anchor)
            found.append((term.code, start, end, term.source, term.text, match.coverage, 0.0))
        if learned:
            for key, (start, end) in phrase_keys(toks).items():
                for code, prob, _n in learned.get(key, ()):
                    lift = prob / (priors or {}).get(code, 1.0) if priors else 0.0
                    found.append((code, start, end, "learned", key, prob, lift))
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
                    aligned=source == "learned" and bool(set(term_text.split()) & dictionary.stems_of(code)),
                    lift=lift,
                )
            )
    return out
