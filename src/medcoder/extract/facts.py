"""One analysed encounter, computed once (DESIGN §2 ``extract/``; issue 9): every document's
sections and sentences, and the clinical facts in them -- condition mentions with their exact span,
the wording that names them, assertion (negated, uncertain, historical, family, hypothetical),
attributes (side, acuity, episode, stage, type, organism ...), section and statement order.

The vocabulary is injected (``vocabulary.matcher``: a :class:`PhraseMatcher` whose payloads carry
a ``code``), so this stage knows clinical language, not code sets; the coding stage brings the
ICD-10-CM vocabulary and reads these facts instead of the raw text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from medcoder.extract.attributes import Attributes
from medcoder.extract.context import Assertion
from medcoder.extract.matcher import Match, clause_tokens
from medcoder.extract.pipeline import AnalyzedDocument, analyze

__all__ = ["AnalyzedEncounter", "ConditionFact", "analyze_encounter", "find_facts"]


@dataclass(slots=True)
class ConditionFact:
    """A condition (or finding, status, history) mention a term of the vocabulary names."""

    document_id: str
    start: int
    end: int
    text: str
    payloads: list  # what the vocabulary says this wording is (several when ambiguous)
    words: int  # words of the term matched
    gaps: int  # words of the note between them
    section: str  # normalised section type
    section_title: str  # the header as written ("DISCHARGE DIAGNOSES")
    statement: int  # order of its sentence / list item inside the section (0 = first)
    assertion: Assertion
    attributes: Attributes
    covered_by: int = 0  # words of the longest other fact whose span contains this one
    share: float = 0.0  # how much of its sentence / list item the wording is (1.0: "Acute lumbar strain.")

    @property
    def affirmed(self) -> bool:
        return self.assertion.affirmed


@dataclass(slots=True)
class AnalyzedEncounter:
    """The encounter's documents analysed once; assigners read this, not the raw text."""

    encounter: object
    documents: list[AnalyzedDocument]
    facts: list[ConditionFact] = field(default_factory=list)
    # what later stages derive from the documents once per encounter (e.g. the pregnancy state the
    # chapter 15 rules all read), so no rule reads the same text twice
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    def document(self, document_id: str) -> AnalyzedDocument:
        for document in self.documents:
            if document.document_id == document_id:
                return document
        raise KeyError(document_id)


def find_facts(document: AnalyzedDocument, vocabulary) -> list[ConditionFact]:
    """The condition facts of one analysed document (``vocabulary.matcher`` finds the wording)."""
    matcher = vocabulary.matcher
    text = document.text
    facts: list[ConditionFact] = []
    statements: dict[int, int] = {}  # section start -> statements seen
    titles = {s.start for s in document.sections if s.title}
    for s_start, s_end in document.sentences:
        if s_start in titles:
            continue  # a header ("HISTORY OF PRESENT ILLNESS") is not a finding
        section = document.section_at(s_start)
        order = statements.get(section.start, 0)
        statements[section.start] = order + 1
        found: list[ConditionFact] = []
        clauses = clause_tokens(text, s_start, s_end, matcher.equivalents)
        sentence_words = sum(1 for clause in clauses for t in clause if not t.key.isdigit()) or 1
        lead = _lead(clauses[1:] if _label(text, clauses, matcher) else clauses)
        for clause in clauses:
            grouped: dict[tuple[int, int, int], list[Match]] = {}
            for match in matcher.match_clause(clause):
                grouped.setdefault((match.start, match.end, match.words), []).append(match)
            for (start, end, words), matches in grouped.items():
                target = (start, end)
                found.append(
                    ConditionFact(
                        document_id=document.document_id,
                        start=start,
                        end=end,
                        text=text[start:end],
                        payloads=[m.payload for m in matches],
                        words=words,
                        gaps=min(m.gaps for m in matches),
                        section=section.name,
                        section_title=section.title,
                        statement=order,
                        assertion=document.assess(target),
                        attributes=document.attributes(target),
                        share=_share(text, start, end, words + min(m.gaps for m in matches), sentence_words, lead),
                    )
                )
        found.extend(
            _postposed(document, clauses[1:] if _label(text, clauses, matcher) else clauses, matcher, section, order)
        )
        # "Right wrist Colles fracture": "wrist ... fracture" read across "Colles" is a looser
        # reading of the complete wording "Colles fracture" that ends where it ends -- the word it
        # skips is that wording's own; the site word is a modifier of it, not a second condition
        found = [
            fact
            for fact in found
            if not fact.gaps
            or not any(
                o is not fact and o.gaps == 0 and o.words >= 2 and fact.start < o.start and o.end == fact.end
                for o in found
            )
        ]
        for fact in found:
            fact.covered_by = max(
                (
                    o.words
                    for o in found
                    if o is not fact and o.start <= fact.start and fact.end <= o.end and o.words > fact.words
                ),
                default=0,
            )
        facts.extend(found)
    return facts


def analyze_encounter(encounter, vocabulary=None) -> AnalyzedEncounter:
    """Sections, sentences and (with a vocabulary) the condition facts of every document."""
    documents = [analyze(d.id, d.text) for d in encounter.documents]
    analyzed = AnalyzedEncounter(encounter, documents)
    if vocabulary is not None:
        for document in documents:
            analyzed.facts.extend(find_facts(document, vocabulary))
    return analyzed


_POSTPOSED_WORDS = 5
_SIDES = frozenset({"left", "right", "bilateral"})


def _postposed(document: AnalyzedDocument, clauses, matcher, section, order: int) -> list[ConditionFact]:
    """A list item's head with its modifiers after a comma, read in the order a term has them:
    "1. Congestive heart failure, acute on chronic diastolic." is "acute on chronic diastolic
    congestive heart failure"; "Pneumonia, aspiration" is "aspiration pneumonia".  Only when the
    words after the comma are all the term's (up to five, nothing skipped), so a list of two
    conditions ("Anemia, chronic kidney disease stage 3") is not read as one."""
    from medcoder.extract.matcher import Token

    tokens = [t for t in clauses[0] if not t.key.isdigit()] if clauses else []
    cut = next((i for i, t in enumerate(tokens) if i and t.soft_break), None)
    if cut is None:
        return []
    end = next((i for i in range(cut + 1, len(tokens)) if tokens[i].soft_break), len(tokens))
    lead, after = tokens[:cut], tokens[cut:end]
    if not after or len(after) > _POSTPOSED_WORDS:
        return []
    span_end = after[-1].end
    # "Lung cancer, left lower lobe": the side is the mention's (its attributes), not the term's
    while after and after[0].key in _SIDES:
        after = after[1:]
    if not after:
        return []
    reordered = [Token(t.key, t.start, t.end, False) for t in (*after, *lead)]
    # the matches of one reading, grouped by how many term words they match, as find_facts groups
    # its own: one fact, several payloads (the coder chooses among them once)
    grouped: dict[int, list[Match]] = {}
    for match in matcher.match_clause(reordered):
        if match.gaps or match.start != after[0].start or match.end != lead[-1].end:
            continue
        grouped.setdefault(match.words, []).append(match)
    out = []
    for words, matches in grouped.items():
        start, stop = lead[0].start, span_end
        target = (start, stop)
        out.append(
            ConditionFact(
                document_id=document.document_id,
                start=start,
                end=stop,
                text=document.text[start:stop],
                payloads=[m.payload for m in matches],
                words=words,
                gaps=0,
                section=section.name,
                section_title=section.title,
                statement=order,
                assertion=document.assess(target),
                attributes=document.attributes(target),
                share=1.0,
            )
        )
    return out


def _label(text: str, clauses, matcher) -> bool:
    """Does the statement open with a run-in label naming no condition ("Cardiology clinic:
    Transthyretin amyloid cardiomyopathy ...")?  Its subject is what follows the colon."""
    if len(clauses) < 2 or not clauses[0] or not clauses[1] or len(clauses[0]) > 3:
        return False
    if ":" not in text[clauses[0][-1].end : clauses[1][0].start]:
        return False
    return not matcher.match_clause(clauses[0])


def _lead(clauses) -> tuple[int, int, int] | None:
    """(start, words, end) of a statement's leading phrase: its first words up to the first comma
    or conjunction ("Morbid obesity" of "1. Morbid obesity, status post gastric bypass.")."""
    words = [t for t in clauses[0] if not t.key.isdigit()] if clauses else []
    if not words:
        return None
    count = 1
    while count < len(words) and not words[count].soft_break:
        count += 1
    return words[0].start, count, words[count - 1].end


def _share(
    text: str, start: int, end: int, words: int, sentence_words: int, lead: tuple[int, int, int] | None
) -> float:
    """How much of its statement a wording is; a wording that is the whole leading phrase of its
    statement ("Morbid obesity, status post ...") is the statement's subject: it counts whole -- so
    does the leading phrase's head, the wording that ends it after its modifiers ("lumbar strain"
    of "1. Acute lumbar strain, improving; continue naproxen")."""
    if lead is not None and start == lead[0] and words >= lead[1]:
        return 1.0
    if lead is not None and lead[0] <= start and end == lead[2] and _modifiers_only(text[lead[0] : start]):
        return 1.0
    return min(1.0, words / sentence_words)


_LINK_WORDS = frozenset(
    "of due to with without from in on secondary after by for and or versus vs status post history".split()
)


def _modifiers_only(before: str) -> bool:
    """Are the lead's words before a wording its modifiers ("Acute" of "Acute lumbar strain"), not
    a head it belongs to ("Dehydration due to" of "Dehydration due to small cell carcinoma")?"""
    words = before.lower().split()
    return len(words) <= 2 and not any(w.strip(",.;:") in _LINK_WORDS for w in words)
