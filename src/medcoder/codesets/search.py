"""The encoder's search: ``medcoder lookup "type 2 diabetes with neuropathy"``.

A query is read the way a coder types it: abbreviations are expanded (``DM2``, ``CHF``), misspelt
words are corrected against the words the code set actually uses, filler words are dropped, and the
rest is matched (with stemming) against code descriptions, inclusion terms, and, when installed,
the Alphabetic Index, the External Cause Index, the Table of Drugs and the Neoplasm Table.  Results
are ranked billable first (a code awaiting only its 7th character counts as billable), then by
relevance, and each says what it matched and where.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.lexicon import abbreviations
from medcoder.codesets.normalize import CPT, HCPCS, ICD10CM, ICD10PCS
from medcoder.errors import EmptyQueryError

_WORD = re.compile(r"[a-z0-9]+(?:[/&'-][a-z0-9]+)*")
_SPLIT = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "with",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "from",
        "due",
        "is",
        "was",
        "were",
        "are",
        "be",
        "patient",
        "pt",
        "pts",
        "has",
        "had",
        "have",
        "history",
        "hx",
    ]
)
SOURCE_LABEL = {
    "description": "description",
    "inclusion": "inclusion term",
    "index": "Alphabetic Index",
    "eindex": "External Cause Index",
    "drug": "Table of Drugs and Chemicals",
    "neoplasm": "Neoplasm Table",
    "pcs": "PCS code title",
    "pcs-index": "PCS Index",
    "hcpcs": "HCPCS long description",
    "hcpcs-short": "HCPCS short description",
    "cpt": "CPT descriptor",
}
# Words that say which encounter (7th character) rather than which condition: OCG I.C.19.a.
EPISODE_WORDS = {
    "initial": "initial",
    "subsequent": "subsequent",
    "sequela": "sequela",
    "sequelae": "sequela",
    "late": "sequela",
}
_NEUTRAL = frozenset(["unspecified", "nos", "site", "not", "specified", "other", "elsewhere", "classified"])
SOURCE_BONUS = {"index": 1.5, "drug": 1.0, "neoplasm": 1.0, "eindex": 0.5, "pcs-index": 1.0}


@dataclass(slots=True)
class Match:
    source: str
    text: str
    terms: list[str]


@dataclass(slots=True)
class Hit:
    code: str
    description: str
    billable: bool
    needs_seventh: bool
    score: float
    matches: list[Match] = field(default_factory=list)
    complete_code: str | None = None  # with the 7th character the query's episode words ask for

    @property
    def why(self) -> str:
        best = self.matches[0]
        label = SOURCE_LABEL.get(best.source, best.source)
        extra = f" (+{len(self.matches) - 1} more)" if len(self.matches) > 1 else ""
        return f"{label}: {best.text!r} matched {', '.join(best.terms) or 'partially'}{extra}"


@dataclass(slots=True)
class LookupResult:
    query: str
    system: str
    release_id: str
    terms: list[str]
    expanded: dict[str, str]
    corrected: dict[str, str]
    ignored: list[str]
    relaxed: bool
    hits: list[Hit]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for hit, out in zip(self.hits, data["hits"], strict=True):
            out["why"] = hit.why
        return data


class Searcher:
    """Lookup over one knowledge base; keeps the per-release vocabulary in memory once loaded."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._vocab: dict[str, tuple[set[str], dict[str, list[str]]]] = {}

    def vocabulary(self, release_id: str) -> tuple[set[str], dict[str, list[str]]]:
        if release_id not in self._vocab:
            words = [w for (w,) in self.kb.query("SELECT word FROM vocab WHERE release_id = ?", (release_id,))]
            by_letter: dict[str, list[str]] = {}
            for w in words:
                if len(w) >= 3 and not w.isdigit():
                    by_letter.setdefault(w[0], []).append(w)
            self._vocab[release_id] = (set(words), by_letter)
        return self._vocab[release_id]

    def interpret(self, query: str, release_id: str) -> tuple[list[str], dict[str, str], dict[str, str], list[str]]:
        """Query words after abbreviation expansion, spelling correction and stop-word removal."""
        every = _WORD.findall(query.lower())
        if not every:
            raise EmptyQueryError()
        # Episode-of-care words choose the 7th character, not the condition; keep them only when
        # they are all there is ("initial encounter").
        raw = [w for w in every if w not in EPISODE_WORDS and w != "encounter"] or every
        lex = abbreviations()
        known, by_letter = self.vocabulary(release_id)
        expanded: dict[str, str] = {}
        words: list[str] = []
        i = 0
        while i < len(raw):
            pair = f"{raw[i]} {raw[i + 1]}" if i + 1 < len(raw) else None
            if pair and pair in lex:
                expanded[pair] = lex[pair]
                words.extend(_SPLIT.findall(lex[pair]))
                i += 2
                continue
            token = raw[i]
            if token in lex and (token not in known or len(token) <= 4):
                expanded[token] = lex[token]
                words.extend(_SPLIT.findall(lex[token]))
            else:
                words.extend(_SPLIT.findall(token))
            i += 1
        corrected: dict[str, str] = {}
        ignored: list[str] = []
        terms: list[str] = []
        for word in words:
            if word in STOPWORDS:
                continue
            if word in known or word.isdigit():
                terms.append(word)
                continue
            fixed = _correct(word, by_letter)
            if fixed:
                corrected[word] = fixed
                terms.append(fixed)
            else:
                ignored.append(word)
        # keep order, drop repeats
        seen: set[str] = set()
        terms = [t for t in terms if not (t in seen or seen.add(t))]  # type: ignore[func-returns-value]
        return terms, expanded, corrected, ignored

    def lookup(self, query: str, system: str = ICD10CM, day: dt.date | None = None, limit: int = 20) -> LookupResult:
        if not query or not query.strip():
            raise EmptyQueryError()
        release = self.kb.release(system, day)
        rid = release.release_id
        terms, expanded, corrected, ignored = self.interpret(query, rid)
        result = LookupResult(query, system, rid, terms, expanded, corrected, ignored, False, [])
        if not terms:
            return result
        fts = self.kb.fts[rid]
        rows = self._match(fts, " AND ".join(f'"{t}"' for t in terms))
        if not rows and len(terms) > 1:
            result.relaxed = True
            rows = self._match(fts, " OR ".join(f'"{t}"' for t in terms))
        result.hits = self._rank(rows, terms, query, system, rid)[:limit]
        episode = next((EPISODE_WORDS[w] for w in _SPLIT.findall(query.lower()) if w in EPISODE_WORDS), None)
        if episode and system == ICD10CM:
            self._complete(result.hits, episode, query.lower(), rid)
        return result

    def _complete(self, hits: list[Hit], episode: str, query: str, rid: str) -> None:
        """Pick the 7th character for the episode of care the query names (OCG I.C.19.a)."""
        from medcoder.codesets.icd10cm.tabular import seventh_character_form

        for hit in hits:
            if not hit.needs_seventh:
                continue
            node = self.kb.cm(hit.code, release_id=rid)
            if node is None:
                continue
            options = [(c, m.lower()) for c, m in node.seventh if episode in m.lower()]
            if not options:
                continue
            # "initial encounter for closed fracture" unless the query says open (OCG I.C.19.c.1).
            preferred = [o for o in options if ("open" in query) == ("open fracture" in o[1])] or options
            hit.complete_code = seventh_character_form(node.code, preferred[0][0])

    def _match(self, fts: str, expression: str, k: int = 400) -> list[tuple]:
        return self.kb.query(
            f"SELECT text, code, source, bm25({fts}) FROM {fts} WHERE {fts} MATCH ? ORDER BY rank LIMIT ?",
            (expression, k),
        )

    def _rank(self, rows: list[tuple], terms: list[str], query: str, system: str, rid: str) -> list[Hit]:
        hits: dict[str, Hit] = {}
        for text, code, source, bm25 in rows:
            lowered = text.lower()
            words = set(_SPLIT.findall(lowered))
            matched = [t for t in terms if t in words or any(w.startswith(t[:5]) for w in words if len(t) >= 5)]
            coverage = len(matched) / len(terms)
            closeness = fuzz.token_set_ratio(query.lower(), lowered) / 100.0
            # Fewer unrequested words first: a bare "pneumonia" wants the unspecified code.
            extra = len([w for w in words if w not in _NEUTRAL and w not in STOPWORDS and w not in matched])
            score = -bm25 + 4.0 * coverage + 2.0 * closeness - 0.3 * extra + SOURCE_BONUS.get(source, 0.0)
            hit = hits.get(code)
            if hit is None:
                hit = hits[code] = Hit(code, "", False, False, score)
            elif score > hit.score:
                hit.score = score
            hit.matches.append(Match(source, text, matched))
        self._describe(list(hits.values()), system, rid)
        for hit in hits.values():
            hit.matches.sort(key=lambda m: -len(m.terms))
        return sorted(hits.values(), key=lambda h: (not (h.billable or h.needs_seventh), -h.score, h.code))

    def _describe(self, hits: list[Hit], system: str, rid: str) -> None:
        if not hits:
            return
        codes = [h.code for h in hits]
        marks = ",".join("?" * len(codes))
        if system in (HCPCS, CPT):
            table = "hcpcs_codes" if system == HCPCS else "cpt_codes"
            text = "long" if system == HCPCS else "COALESCE(NULLIF(long, ''), NULLIF(medium, ''), short)"
            extra = "kind = 'procedure'" if system == HCPCS else "1"
            rows = self.kb.query(
                f"SELECT code, {text}, {extra} FROM {table} WHERE release_id = ? AND code IN ({marks})",
                (rid, *codes),
            )
            info = {r[0]: r for r in rows}
            for hit in hits:
                row = info.get(hit.code)
                if row is not None:
                    hit.description, hit.billable = row[1], bool(row[2])
            return
        if system == ICD10PCS:
            found = dict(
                self.kb.query(
                    f"SELECT code, description FROM pcs_codes WHERE release_id = ? AND code IN ({marks})",
                    (rid, *codes),
                )
            )
            for hit in hits:
                if hit.code in found:
                    hit.description, hit.billable = found[hit.code], True
                else:
                    table = self.kb.pcs_table(hit.code, release_id=rid) if len(hit.code) >= 3 else None
                    op = f"{table.operation.label} ({table.body_system.label})" if table is not None else ""
                    hit.description = f"partial code: {op}".strip() if op else "partial code"
            return
        rows = self.kb.query(
            f"SELECT code, description, billable, seventh, kind FROM cm_nodes "
            f"WHERE release_id = ? AND code IN ({marks})",
            (rid, *codes),
        )
        info = {r[0]: r for r in rows}
        for hit in hits:
            row = info.get(hit.code)
            if row is None:
                hit.description = f"(not a code in {rid})"
                hit.score -= 100.0
                continue
            hit.description = row[1]
            hit.billable = bool(row[2])
            hit.needs_seventh = bool(row[3]) and not row[2] and row[4] == "code"


def _correct(word: str, by_letter: dict[str, list[str]]) -> str | None:
    """Nearest word the code set uses, for misspellings of 4+ letters (first letter kept)."""
    if len(word) < 4 or word.isdigit():
        return None
    choices = by_letter.get(word[0], ())
    if not choices:
        return None
    best = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=80)
    return best[0] if best else None


_SEARCHERS: dict[int, Searcher] = {}


def searcher(kb: KnowledgeBase) -> Searcher:
    key = id(kb)
    if key not in _SEARCHERS:
        _SEARCHERS.clear()
        _SEARCHERS[key] = Searcher(kb)
    return _SEARCHERS[key]


def lookup(
    query: str,
    system: str = ICD10CM,
    day: dt.date | None = None,
    limit: int = 20,
    kb: KnowledgeBase | None = None,
) -> LookupResult:
    """Ranked codes for free text (see module docstring)."""
    from medcoder.codesets.kb import default_kb

    kb = kb or default_kb()
    return searcher(kb).lookup(query, system, day, limit)
