"""Assertion status of a mention: negated, uncertain, historical, family, hypothetical.

The algorithm is ConText (Harkema, Dowling, Thornblade, Chapman, "ConText: an algorithm for
determining negation, experiencer, and temporal status from clinical reports", J Biomed Inform
2009;42(5):839-851), with the scope semantics of medSpaCy's implementation (Eyre et al., AMIA
2021), whose English rules are our data (``medcoder/data/context_rules.json``, MIT, attribution in
the file) together with rules of ours:

* a cue (modifier) found in the sentence modifies a target in its *scope*: FORWARD cues from the cue
  to the end of the sentence, BACKWARD cues from the sentence start to the cue, BIDIRECTIONAL both;
  a rule's ``max_scope`` caps the scope at that many tokens on each side;
* scopes are then cut, as medSpaCy's ``ConTextModifier.limit_scope`` does, by every TERMINATE cue
  ("but", "however", "which") and by any other cue of the same category ("no fever, no increase in
  pain": the first "no" stops where the second cue starts);
* overlapping cues keep the longest (medSpaCy prunes the same way), which is how PSEUDO cues such as
  "no increase", "not only", "gram negative" block the shorter cue they contain; PSEUDO and
  TERMINATE cues assert nothing themselves;
* a cue that overlaps the target does not modify it.

Section rules (data too): a mention in the family history section is ``family``; in past medical
or past surgical history, ``historical``; in the preoperative diagnosis, ``uncertain`` -- OCG IV.M
has the coder take the postoperative diagnosis when it differs, as the more definitive, so a
preoperative-only diagnosis is a working one.  The plan sections carry no blanket status: "return
if chest pain develops" is hypothetical through its cue ("if"), while "start antibiotics for
pneumonia" asserts the pneumonia.

Why our own matcher: medSpaCy's ConText after spaCy's rule sentencizer runs at ≈120 docs/s
(DESIGN §5).  Here a sentence is tokenised with one regular expression that mimics spaCy's
English tokenizer where the rules need it (``n't``, ``can|not``, punctuation as tokens), cues are
found with a token trie built from the expanded patterns, and the scopes of a sentence are computed
once and reused for every target in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from medcoder.extract.rulefiles import load_rule_file
from medcoder.extract.sections import RuleSource, SectionName, SectionSpan

__all__ = [
    "Assertion",
    "ContextAnalyzer",
    "ContextRule",
    "ContextRuleFile",
    "Modifier",
    "SectionAssertion",
    "SentenceContext",
    "default_context",
    "parse_pattern",
]

Category = Literal["NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HISTORICAL", "HYPOTHETICAL", "FAMILY"]
Direction = Literal["FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"]

# ConText / medSpaCy category -> the Assertion field it sets.
_FIELD: dict[str, str] = {
    "NEGATED_EXISTENCE": "negated",
    "POSSIBLE_EXISTENCE": "uncertain",
    "HISTORICAL": "historical",
    "HYPOTHETICAL": "hypothetical",
    "FAMILY": "family",
}
NUMBER_TOKEN = "<num>"
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty".split()
)

_CONTRACTED = {"ca": "can", "wo": "will", "sha": "shall"}
# spaCy-like tokens: "doesn't" -> does|n't, "cannot" -> can|not, punctuation alone, words and numbers.
_TOKEN = re.compile(r"\bcan(?=not\b)|[^\W\d_]+(?=n't\b)|n't\b|\w+|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Assertion:
    """What the text says about a mention.

    ``cues`` are ``(category, cue text, start, end)`` with absolute offsets into the document, the
    evidence for the rationale; ``category`` is the field name ("negated", "uncertain" ...).  A cue
    that comes from the section is the section header (its title and offsets).
    """

    negated: bool = False
    uncertain: bool = False
    historical: bool = False
    family: bool = False
    hypothetical: bool = False
    cues: tuple[tuple[str, str, int, int], ...] = ()

    @property
    def affirmed(self) -> bool:
        """A present, certain finding of the patient.  A historical mention still counts: coding
        decides whether a past condition is current (chronic) or a personal-history Z code."""
        return not (self.negated or self.uncertain or self.family or self.hypothetical)


# --- rule file -------------------------------------------------------------------------------


def parse_pattern(pattern: str) -> list[list[tuple[str, ...]]]:
    """Parse our compact cue pattern into all the token sequences it allows.

    Syntax: tokens separated by spaces; ``(a|b c)`` is a choice whose alternatives may be several
    words; a trailing ``?`` makes a token or group optional; ``<num>`` matches any number.  Words are
    tokenised like the text (``"h/o"`` is ``h / o``), so a pattern matches what the text tokeniser
    produces.  Returns a list of slots, each a list of alternative token tuples (``()`` = skipped).
    """
    slots: list[list[tuple[str, ...]]] = []
    pos = 0
    text = pattern.strip()
    if not text:
        raise ValueError("empty pattern")
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        if text[pos] == "(":
            close = text.find(")", pos)
            if close < 0:
                raise ValueError(f"pattern {pattern!r}: unclosed '('")
            alternatives = [_tokens(alt) for alt in text[pos + 1 : close].split("|")]
            if any(not alt for alt in alternatives):
                raise ValueError(f"pattern {pattern!r}: empty alternative")
            pos = close + 1
        else:
            end = pos
            while end < len(text) and not text[end].isspace():
                end += 1
            word = text[pos:end]
            pos = end
            optional_word = word.endswith("?") and len(word) > 1
            if optional_word:
                word = word[:-1]
            alternatives = [_tokens(word)]
            if optional_word:
                slots.append([*alternatives, ()])
                continue
        if pos < len(text) and text[pos] == "?":
            alternatives.append(())
            pos += 1
        slots.append(alternatives)
    return slots


def _tokens(words: str) -> tuple[str, ...]:
    if words.strip() == NUMBER_TOKEN:
        return (NUMBER_TOKEN,)
    if "(" in words or ")" in words:
        raise ValueError(f"nested group in {words!r}")
    return tuple(match.group() for match in _TOKEN.finditer(words.lower()))


def _expand(slots: list[list[tuple[str, ...]]]) -> list[tuple[str, ...]]:
    sequences: list[tuple[str, ...]] = [()]
    for alternatives in slots:
        sequences = [seq + alt for seq in sequences for alt in alternatives]
    return [seq for seq in sequences if seq]


class ContextRule(BaseModel):
    """One ConText cue."""

    model_config = ConfigDict(extra="forbid")

    literal: str = Field(min_length=1)
    category: Category
    direction: Direction
    pattern: str | None = None
    max_scope: int | None = Field(default=None, gt=0)
    origin: Literal["medspacy", "medcoder"]
    note: str | None = None

    @field_validator("pattern")
    @classmethod
    def _parses(cls, value: str | None) -> str | None:
        if value is not None:
            parse_pattern(value)
        return value

    def sequences(self) -> list[tuple[str, ...]]:
        """Every token sequence this rule matches (a rule without pattern matches its literal)."""
        if self.pattern is None:
            return [tuple(match.group() for match in _TOKEN.finditer(self.literal.lower()))]
        return _expand(parse_pattern(self.pattern))


class SectionAssertion(BaseModel):
    """The status every mention in a section carries."""

    model_config = ConfigDict(extra="forbid")

    section: SectionName
    category: Category
    note: str | None = None


class ContextRuleFile(BaseModel):
    """The whole ``context_rules.json``."""

    model_config = ConfigDict(extra="forbid")

    about: str
    version: int
    source: RuleSource
    section_assertions: list[SectionAssertion] = []
    rules: list[ContextRule] = Field(min_length=1)


def _load_rules(path: Path | None) -> ContextRuleFile:
    return load_rule_file(path, "context_rules.json", ContextRuleFile, "ConText rules")


# --- matching --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rule:
    category: str
    direction: str
    max_scope: int | None


@dataclass(frozen=True, slots=True)
class Modifier:
    """A cue found in a sentence, with its final scope (absolute character offsets)."""

    category: str  # Assertion field name
    text: str
    start: int
    end: int
    scope_start: int
    scope_end: int


@dataclass(frozen=True, slots=True)
class SentenceContext:
    """The asserting cues of one sentence with their scopes: computed once, used for every target."""

    sentence: tuple[int, int]
    modifiers: tuple[Modifier, ...]


class _Match:
    """A cue match during scope resolution (token indices, mutable scope)."""

    __slots__ = ("category", "direction", "end", "scope_end", "scope_start", "start")

    def __init__(self, start: int, end: int, rule: _Rule, n_tokens: int) -> None:
        self.start = start
        self.end = end
        self.category = rule.category
        self.direction = rule.direction
        max_scope = rule.max_scope
        if self.direction == "FORWARD":
            self.scope_start, self.scope_end = end, n_tokens
            if max_scope is not None:
                self.scope_end = min(n_tokens, end + max_scope)
        elif self.direction == "BACKWARD":
            self.scope_start, self.scope_end = 0, start
            if max_scope is not None:
                self.scope_start = max(0, start - max_scope)
        else:  # BIDIRECTIONAL, and TERMINATE / PSEUDO (whole sentence, as in medSpaCy)
            self.scope_start, self.scope_end = 0, n_tokens
            if max_scope is not None:
                self.scope_start = max(0, start - max_scope)
                self.scope_end = min(n_tokens, end + max_scope)

    def limit_scope(self, other: _Match) -> None:
        """medSpaCy ``ConTextModifier.limit_scope``: TERMINATE cues and same-category cues cut
        (a pseudo-cue cuts a forward scope -- "No fever, no increase in pain" -- but not a backward one:
        "infection treated last month, resolved" stays in the scope of "resolved")."""
        if self.direction == "TERMINATE":
            return
        if other.direction == "PSEUDO" and self.direction == "BACKWARD":
            return  # "treated last month, resolved": a dating pseudo-cue before "resolved" does not cut it
        if not (self.scope_start < other.scope_end and other.scope_start < self.scope_end):
            return
        if other.direction != "TERMINATE" and other.category != self.category:
            return
        if self.direction in ("FORWARD", "BIDIRECTIONAL") and other.start > self.start:
            self.scope_end = min(self.scope_end, other.start)
        if self.direction in ("BACKWARD", "BIDIRECTIONAL") and other.end < self.end:
            self.scope_start = max(self.scope_start, other.end)


class ContextAnalyzer:
    """ConText over raw text: ``assess(text, sentence, target, section)``.

    Build it once (the default one is cached by :func:`default_context`); it is immutable after
    construction and safe to share between threads.
    """

    def __init__(self, rules: Path | None = None) -> None:
        self.rule_file = _load_rules(rules)
        self._trie: dict[str, Any] = {}
        count = 0
        for rule in self.rule_file.rules:
            compiled = _Rule(rule.category, rule.direction, rule.max_scope)
            for sequence in rule.sequences():
                node = self._trie
                for token in sequence:
                    node = node.setdefault(token, {})
                node[""] = (*node.get("", ()), compiled)
                count += 1
        self.sequence_count = count
        self._section_fields: dict[str, tuple[str, ...]] = {}
        for item in self.rule_file.section_assertions:
            fields = self._section_fields.get(item.section, ())
            self._section_fields[item.section] = (*fields, _FIELD[item.category])

    @property
    def rules(self) -> list[ContextRule]:
        return self.rule_file.rules

    # -- per sentence ---------------------------------------------------------------------

    def scan(self, text: str, sentence: tuple[int, int]) -> SentenceContext:
        """Find the cues of one sentence and resolve their scopes (independent of any target)."""
        s_start, s_end = sentence
        lowered = text[s_start:s_end].lower().replace("’", "'")
        if len(lowered) != s_end - s_start:  # a rare character whose lower case is longer
            lowered = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text[s_start:s_end])
            lowered = lowered.replace("’", "'")
        tokens = list(_TOKEN.finditer(lowered))
        words = [token.group() for token in tokens]
        if "n't" in words:
            for index in range(1, len(words)):
                if words[index] == "n't" and words[index - 1] in _CONTRACTED:
                    words[index - 1] = _CONTRACTED[words[index - 1]]  # spaCy's "ca|n't" reads "can|n't"
        matches = self._find(words)
        if not matches:
            return SentenceContext(sentence, ())
        starts = [token.start() for token in tokens]
        ends = [token.end() for token in tokens]
        n_tokens = len(words)
        resolved = [_Match(start, end, rule, n_tokens) for start, end, rules in matches for rule in rules]
        for i in range(len(resolved) - 1):
            first = resolved[i]
            for j in range(i + 1, len(resolved)):
                second = resolved[j]
                first.limit_scope(second)
                second.limit_scope(first)
        modifiers: list[Modifier] = []
        seen: set[tuple[str, int, int, int]] = set()
        for match in resolved:
            if match.direction in ("TERMINATE", "PSEUDO") or match.scope_start >= match.scope_end:
                continue
            key = (match.category, match.start, match.scope_start, match.scope_end)
            if key in seen:  # several rules for one cue ("no evidence of") give one modifier
                continue
            seen.add(key)
            cue_start = s_start + starts[match.start]
            cue_end = s_start + ends[match.end - 1]
            modifiers.append(
                Modifier(
                    _FIELD[match.category],
                    text[cue_start:cue_end],
                    cue_start,
                    cue_end,
                    s_start + starts[match.scope_start],
                    s_start + ends[match.scope_end - 1],
                )
            )
        return SentenceContext(sentence, tuple(modifiers))

    def _find(self, words: list[str]) -> list[tuple[int, int, tuple[_Rule, ...]]]:
        """Longest cue at each token, then overlaps pruned keeping the longer (medSpaCy's
        ``prune_overlapping_matches``)."""
        trie = self._trie
        found: list[tuple[int, int, tuple[_Rule, ...]]] = []
        n = len(words)
        for i in range(n):
            word = words[i]
            is_number = word.isdigit() or word in _NUMBER_WORDS
            if word not in trie and not (is_number and NUMBER_TOKEN in trie):
                continue
            best_end = -1
            best_rules: tuple[_Rule, ...] = ()
            frontier = [trie]
            j = i
            while frontier and j < n:
                token = words[j]
                number = token.isdigit() or token in _NUMBER_WORDS
                next_frontier = []
                for node in frontier:
                    child = node.get(token)
                    if child is not None:
                        next_frontier.append(child)
                    if number:
                        child = node.get(NUMBER_TOKEN)
                        if child is not None:
                            next_frontier.append(child)
                j += 1
                for node in next_frontier:
                    rules = node.get("")
                    if rules is not None and j > best_end:
                        best_end, best_rules = j, rules
                frontier = next_frontier
            if best_end > 0:
                found.append((i, best_end, best_rules))
        if len(found) < 2:
            return found
        pruned: list[tuple[int, int, tuple[_Rule, ...]]] = [found[0]]
        for match in found[1:]:
            last = pruned[-1]
            if match[0] < last[1]:  # overlap: keep the longer, the earlier on a tie
                if match[1] - match[0] > last[1] - last[0]:
                    pruned[-1] = match
            else:
                pruned.append(match)
        return pruned

    # -- per target ----------------------------------------------------------------------

    def resolve(
        self,
        context: SentenceContext,
        target: tuple[int, int],
        section: str | SectionSpan | None = None,
    ) -> Assertion:
        """The assertion for ``target`` given the scanned sentence and the section."""
        t_start, t_end = target
        flags: set[str] = set()
        cues: list[tuple[str, str, int, int]] = []
        if section is not None:
            name = section.name if isinstance(section, SectionSpan) else section
            for field_name in self._section_fields.get(name, ()):
                flags.add(field_name)
                if isinstance(section, SectionSpan):
                    cues.append((field_name, section.title, section.start, section.start + len(section.title)))
                else:
                    cues.append((field_name, f"section:{name}", context.sentence[0], context.sentence[0]))
        for modifier in context.modifiers:
            if modifier.start < t_end and t_start < modifier.end:
                continue  # a cue inside the target does not modify it
            if modifier.scope_start < t_end and t_start < modifier.scope_end:
                flags.add(modifier.category)
                cues.append((modifier.category, modifier.text, modifier.start, modifier.end))
        if not flags:
            return _AFFIRMED
        return Assertion(
            negated="negated" in flags,
            uncertain="uncertain" in flags,
            historical="historical" in flags,
            family="family" in flags,
            hypothetical="hypothetical" in flags,
            cues=tuple(cues),
        )

    def assess(
        self,
        text: str,
        sentence: tuple[int, int],
        target: tuple[int, int],
        section: str | SectionSpan | None = None,
    ) -> Assertion:
        """Assertion of ``text[target[0]:target[1]]`` inside ``sentence`` (absolute offsets).

        ``section`` is the section name or, better, the :class:`SectionSpan` (then a section cue
        points at its header).  To assess several targets of one sentence, :meth:`scan` once and
        :meth:`resolve` each, as :class:`medcoder.extract.pipeline.AnalyzedDocument` does.
        """
        return self.resolve(self.scan(text, sentence), target, section)


_AFFIRMED = Assertion()


@lru_cache(maxsize=1)
def default_context() -> ContextAnalyzer:
    """The analyzer with the packaged rules, built once per process."""
    return ContextAnalyzer()
