"""The text pipeline the coding engine runs on every document: sections, sentences, then
assertion and attributes on demand for each candidate mention.

Like a spaCy ``Doc`` through its components (DESIGN §2), :func:`analyze` does the per-document
work once -- sections (:mod:`.sections`) and sentences (:mod:`.sentences`), with sentences split
inside each section body so no sentence runs across a header, and each header its own sentence
so a title such as "HISTORY OF PRESENT ILLNESS" never lends its "history" cue to the narrative --
and :class:`AnalyzedDocument` answers per-target questions lazily: the ConText cues of a sentence
and the attribute candidates of a window are computed the first time a target in it is asked
about and reused for the other targets there.  Nothing is global, so no patient text outlives
the document object.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from medcoder.extract.attributes import AttributeMatch, Attributes, scan_attributes, select_attributes
from medcoder.extract.context import Assertion, ContextAnalyzer, SentenceContext, default_context
from medcoder.extract.sections import SectionSpan, find_sections
from medcoder.extract.sentences import split_sentences

__all__ = ["AnalyzedDocument", "analyze"]

_BODY_SEPARATORS = " \t:,-"


@dataclass(slots=True)
class AnalyzedDocument:
    """A document with its sections and sentences; ask it about target spans."""

    document_id: str
    text: str
    sections: list[SectionSpan]
    sentences: list[tuple[int, int]]
    context: ContextAnalyzer = field(default_factory=default_context, repr=False, compare=False)
    _section_starts: list[int] = field(default_factory=list, init=False, repr=False, compare=False)
    _sentence_starts: list[int] = field(default_factory=list, init=False, repr=False, compare=False)
    _contexts: dict[tuple[int, int], SentenceContext] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _attribute_matches: dict[tuple[int, int], list[AttributeMatch]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._section_starts = [section.start for section in self.sections]
        self._sentence_starts = [sentence[0] for sentence in self.sentences]

    def section_at(self, offset: int) -> SectionSpan:
        """The section containing character ``offset`` (the last one for the end of the text)."""
        index = bisect_right(self._section_starts, offset) - 1
        return self.sections[max(index, 0)]

    def sentence_at(self, offset: int) -> tuple[int, int]:
        """The sentence containing ``offset``; an offset in the white space between sentences
        belongs to the sentence before it (the first one before any sentence).  A text without
        sentences (blank) answers ``(offset, offset)``."""
        if not self.sentences:
            return (offset, offset)
        index = bisect_right(self._sentence_starts, offset) - 1
        return self.sentences[max(index, 0)]

    def _window(self, target: tuple[int, int]) -> tuple[int, int]:
        sentence = self.sentence_at(target[0])
        if target[1] <= sentence[1]:
            return sentence
        # a target running past its sentence: widen the window to every sentence it touches
        last = self.sentence_at(max(target[0], target[1] - 1))
        return (sentence[0], max(last[1], target[1]))

    def assess(self, target: tuple[int, int]) -> Assertion:
        """Assertion (negated, uncertain, historical, family, hypothetical) of ``target`` with the
        ConText cues of its sentence and the assertion of its section."""
        window = self._window(target)
        scanned = self._contexts.get(window)
        if scanned is None:
            scanned = self._contexts[window] = self.context.scan(self.text, window)
        return self.context.resolve(scanned, target, self.section_at(target[0]))

    def attributes(self, target: tuple[int, int]) -> Attributes:
        """Laterality, acuity, episode, stage, diabetes type, organism, pregnancy, site of ``target``
        found in its sentence."""
        window = self._window(target)
        matches = self._attribute_matches.get(window)
        if matches is None:
            matches = self._attribute_matches[window] = scan_attributes(self.text, window)
        return select_attributes(self.text, matches, target)


def analyze(document_id: str, text: str, context: ContextAnalyzer | None = None) -> AnalyzedDocument:
    """Sections and sentences of ``text``; the returned document answers per-target questions.

    ``context`` replaces the packaged ConText rules (a site's own rule file).
    """
    sections = find_sections(text)
    sentences: list[tuple[int, int]] = []
    for section in sections:
        body = section.start
        if section.title:
            title_end = section.start + len(section.title)
            sentences.append((section.start, title_end))
            body = title_end
            while body < section.end and text[body] in _BODY_SEPARATORS:
                body += 1
        sentences.extend(split_sentences(text, body, section.end))
    return AnalyzedDocument(
        document_id=document_id,
        text=text,
        sections=sections,
        sentences=sentences,
        context=context if context is not None else default_context(),
    )
