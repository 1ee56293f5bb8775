"""Clinical text pipeline: sections, sentences, assertion (ConText) and coding attributes.

Fast, rule-based and spaCy-free on the hot path (DESIGN §5); the rules are data converted from
medSpaCy (MIT) plus ours.  Typical use::

    from medcoder.extract import analyze

    document = analyze("note-1", text)
    assertion = document.assess((start, end))      # negated / uncertain / historical / family / hypothetical
    attributes = document.attributes((start, end))  # laterality, acuity, stage, organism ...
"""

from __future__ import annotations

from medcoder.extract.attributes import Attributes, find_attributes
from medcoder.extract.context import Assertion, ContextAnalyzer, default_context
from medcoder.extract.pipeline import AnalyzedDocument, analyze
from medcoder.extract.sections import SECTION_NAMES, SectionSpan, find_sections
from medcoder.extract.sentences import split_sentences

__all__ = [
    "SECTION_NAMES",
    "AnalyzedDocument",
    "Assertion",
    "Attributes",
    "ContextAnalyzer",
    "SectionSpan",
    "analyze",
    "default_context",
    "find_attributes",
    "find_sections",
    "split_sentences",
]
