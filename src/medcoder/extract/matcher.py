"""Ordered phrase matching with bounded gaps inside one clause (DESIGN §5, issue 9).

A term matches when its words occur **in order**, each within ``max_gap`` content words of the
previous one, all inside one clause: "acute on chronic systolic congestive heart failure" matches
"acute on chronic systolic heart failure" (one word between), but "a simple cyst in the liver; the
kidney is normal" never matches "cyst of kidney" (wrong order, and a clause boundary between).
Words are compared in lower case and singular (``renal`` = ``kidney`` through the lexicon's word
equivalents; no stemmer, see :func:`normalise_word`), and filler words ("of", "the", "and") are neither required nor
counted as gaps.

Why our own: pyahocorasick and spaCy's PhraseMatcher match contiguous strings; clinical wording puts
words between a term's words ("heart failure" inside "congestive heart failure", "diabetes mellitus
type 2 with peripheral neuropathy").  The term index is a token trie, so the cost per word is a few
dictionary look-ups however many terms there are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["FILLER", "Match", "PhraseMatcher", "Token", "clause_tokens", "normalise_term", "normalise_word"]

# Filler: neither required in a term nor counted as a gap in the text.
FILLER = frozenset(
    "a an the of and or in on at to for by from as is was were are be been being his her their its this that "
    "my your our has have had which who".split()
)
# Never skipped inside a match: they change what the words around them mean ("with" joins two
# conditions: "cancer with bone pain" is no cancer of bone; a term that says "with" matches it).
_BLOCKERS = frozenset(
    "no not non with without negative denies denied deny never free absent neither nor versus vs rule ruled "
    "history family mother father sister brother son daughter".split()
)
# Words that end a clause inside a sentence.
_CLAUSE_WORDS = frozenset("but however although though whereas except while".split())
# "and" / "or" join list items: like a comma, only a term that has one may match across it
_CONJUNCTIONS = frozenset({"and", "or"})
_ROMAN = {"ii": "2", "iii": "3", "iv": "4"}
_WORD = re.compile(r"\d+[.,]\d+|[A-Za-z0-9]+(?:'s)?")
_HARD_BREAK = re.compile(r"[;•\u2022\n]|(?<=\S)\s*:\s")


@dataclass(frozen=True, slots=True)
class Token:
    key: str  # normalised word
    start: int
    end: int
    soft_break: bool  # a comma, "and" or "or" before this word: no gap may span it


@dataclass(frozen=True, slots=True)
class Match:
    payload: object
    start: int  # character offsets of the first and last matched word
    end: int
    words: int  # how many term words matched (all of them)
    gaps: int  # content words skipped inside the match


@dataclass(slots=True)
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    payloads: list[object] = field(default_factory=list)
    depth: int = 0
    comma_ok: bool = False  # a term has a comma before this word ("Chronic kidney disease, stage 3")


def _capital_letter(word: str, after_a_word: bool) -> bool:
    """ "Hepatitis A", "Influenza A": a capital A after a word is a type, not an article."""
    return word == "A" and after_a_word


def normalise_word(word: str) -> str:
    """Lower case, singular.  Deliberately not a stemmer: a stemmer makes "prostatitis" and
    "prostate", "hepatitis" and "hepatic", "depressed" and "depression" one word, and each of those
    is a wrong code.  Other forms (renal / kidney, fractured / fracture) are word equivalents."""
    word = word.lower()
    if word.endswith("'s"):
        word = word[:-2]
    word = _ROMAN.get(word, word)
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ases", "oses", "eses")) and len(word) > 5:
        return word[:-2] + "is"  # metastases -> metastasis, stenoses -> stenosis
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _key(word: str, equivalents: Mapping[str, str]) -> str:
    base = normalise_word(word)
    return equivalents.get(base, base)


def _term_words(text: str, equivalents: Mapping[str, str]) -> list[tuple[str, bool]]:
    """(key, comma before it) for each word a term requires."""
    out: list[tuple[str, bool]] = []
    last_end = 0
    comma = False
    for m in _WORD.finditer(text):
        comma = comma or "," in text[last_end : m.start()] or "&" in text[last_end : m.start()]
        last_end = m.end()
        word = m.group(0)
        key = _key(word, equivalents)
        if word.lower() in _CONJUNCTIONS:
            comma = True
            continue
        if not key or (word.lower() in FILLER and not _capital_letter(word, bool(out))):
            continue  # as written: "Hers disease" keeps "hers", though its singular is a filler word
        out.append((key, comma and bool(out)))
        comma = False
    return out


def normalise_term(text: str, equivalents: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The keys a term must match, in order (filler words dropped, repeats kept)."""
    return tuple(key for key, _ in _term_words(text, equivalents or {}))


# word as written -> (key before word equivalents, what the word is): the same few thousand words
# recur in every document, so each is lowered and made singular once (issue 9: speed)
_CONTENT, _CLAUSE, _CONJUNCTION, _FILLER, _ARTICLE_A = range(5)
_WORD_KINDS: dict[str, tuple[str, int]] = {}
_WORD_KINDS_MAX = 200_000


def _word_kind(word: str) -> tuple[str, int]:
    lowered = word.lower()
    if lowered in _CLAUSE_WORDS:
        kind = _CLAUSE
    elif lowered in _CONJUNCTIONS:
        kind = _CONJUNCTION
    elif lowered in FILLER:
        kind = _ARTICLE_A if word == "A" else _FILLER
    else:
        kind = _CONTENT
    if len(_WORD_KINDS) >= _WORD_KINDS_MAX:
        _WORD_KINDS.clear()
    found = _WORD_KINDS[word] = (normalise_word(word), kind)
    return found


_TOKEN_NEW = object.__new__
_SET_KEY, _SET_START, _SET_END, _SET_SOFT = (Token.__dict__[f].__set__ for f in ("key", "start", "end", "soft_break"))


def clause_tokens(text: str, start: int, end: int, equivalents: Mapping[str, str] | None = None) -> list[list[Token]]:
    """The words of ``text[start:end]`` split into clauses (";", bullets, line ends, ": ", and
    clause words such as "but"), each word with its key; filler words are left out."""
    equivalents = equivalents or {}
    clauses: list[list[Token]] = []
    pieces: list[tuple[int, int]] = []
    cursor = start
    for m in _HARD_BREAK.finditer(text, start, end):
        pieces.append((cursor, m.start()))
        cursor = m.end()
    pieces.append((cursor, end))
    kinds = _WORD_KINDS
    lookup = equivalents.get
    new, set_key, set_start, set_end, set_soft = _TOKEN_NEW, _SET_KEY, _SET_START, _SET_END, _SET_SOFT
    soft = False  # carried over a clause word, as before a word of the same clause
    for p_start, p_end in pieces:
        current: list[Token] = []
        last_end = p_start
        soft = False
        for m in _WORD.finditer(text, p_start, p_end):
            word = m.group()
            w_start, w_end = m.span()
            base, kind = kinds.get(word) or _word_kind(word)
            if kind == _CLAUSE:
                if current:
                    clauses.append(current)
                current = []
                last_end = w_end
                continue
            if not soft and last_end != w_start:
                between = text[last_end:w_start]
                # a spaced dash separates a problem from its plan: "Hypertension - continue lisinopril"
                soft = "," in between or "(" in between or "&" in between or " - " in between
            last_end = w_end
            if kind == _CONJUNCTION:
                soft = True
                continue
            if kind == _FILLER or (kind == _ARTICLE_A and not current):
                continue
            # Token(key, start, end, soft), made without the frozen dataclass's __setattr__ detour
            token = new(Token)
            set_key(token, lookup(base, base))
            set_start(token, w_start)
            set_end(token, w_end)
            set_soft(token, soft)
            current.append(token)
            soft = False
        if current:
            clauses.append(current)
    return clauses


_SIDE_WORDS = frozenset({"right", "left", "bilateral", "both"})


class PhraseMatcher:
    """Terms (sequences of keys) -> payloads, matched in order with bounded gaps."""

    def __init__(self, equivalents: Mapping[str, str] | None = None, max_gap: int = 2) -> None:
        self.equivalents = dict(equivalents or {})
        self.max_gap = max_gap
        self._root = _Node()
        self.size = 0

    def add(self, term: str | Iterable[str], payload: object) -> bool:
        """Add a term (text, or already normalised keys); False when it has no words to match.
        A comma inside the term lets the text have one there too; elsewhere words may only be
        separated by a comma when nothing is skipped across it."""
        words = _term_words(term, self.equivalents) if isinstance(term, str) else [(k, False) for k in term]
        if not words:
            return False
        node = self._root
        for depth, (key, comma) in enumerate(words, start=1):
            child = node.children.get(key)
            if child is None:
                child = node.children[key] = _Node(depth=depth)
            child.comma_ok = child.comma_ok or comma
            node = child
        node.payloads.append(payload)
        self.size += 1
        return True

    def match_clause(self, clause: list[Token]) -> list[Match]:
        """Every term found in one clause: the first word of a term is any word of the clause;
        each next word must come within ``max_gap`` skipped words, no skipped word may be a blocker
        ("no", "without", "history" ...), and a comma may only separate words the term itself
        separates with one ("hypertension, chronic kidney disease" is a list of two)."""
        found: list[Match] = []
        n = len(clause)
        for i in range(n):
            node = self._root.children.get(clause[i].key)
            if node is None:
                continue
            self._walk(clause, i, i, node, 0, found)
        return found

    def _walk(self, clause: list[Token], first: int, last: int, node: _Node, gaps: int, found: list[Match]) -> None:
        for payload in node.payloads:
            found.append(Match(payload, clause[first].start, clause[last].end, node.depth, gaps))
        if not node.children:
            return
        n = len(clause)
        for j in range(last + 1, min(n, last + 2 + self.max_gap)):
            token = clause[j]
            skipped = j - last - 1
            # "Ulcer, right foot", "Trigger finger, right ring finger": a side word right after the
            # comma a term has there is the mention's side, not a break
            sided = (
                skipped
                and clause[last + 1].soft_break
                and all(clause[k].key in _SIDE_WORDS for k in range(last + 1, j))
            )
            broken = token.soft_break or clause[j - 1].key in _BLOCKERS or clause[j - 1].soft_break
            if skipped and not sided and broken:
                break
            if sided and token.soft_break:
                break
            child = node.children.get(token.key)
            if child is not None and (not (token.soft_break or sided) or child.comma_ok):
                self._walk(clause, first, j, child, gaps + skipped, found)
            if token.key in _BLOCKERS:
                break
