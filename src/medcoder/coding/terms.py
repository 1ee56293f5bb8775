"""The ICD-10-CM vocabulary of the default engine: every way the classification and the curated US
lexicon name a condition, as ordered phrases for :class:`medcoder.extract.matcher.PhraseMatcher`.

Read the way a coder reads the Tabular List (OCG I.A):
- words in parentheses are nonessential modifiers (I.A.7): not required;
- "NOS", "unspecified", "not elsewhere classified" are not words notes use (I.A.9);
- "X without Y" is the code for X when the note documents no Y (I.A.15's default), so "X" alone is
  a term of it; "X with Y" needs both;
- side words ("right", "left", "bilateral") are not part of the term: the side comes from the note
  and picks the code (I.B.13), so one wording can name several sibling codes;
- residual "other" codes are not named by any wording: the note must say which kind.

Payloads are :class:`TermCode`.  One wording may carry several codes (siblings by side, or a
lexicon entry and a code title); :func:`choose` picks one as a coder would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from medcoder.codesets.lexicon import clinical_lexicon
from medcoder.extract.matcher import PhraseMatcher, normalise_term, normalise_word

# curated wording first: it carries the Alphabetic Index default a title cannot
SOURCE_RANK = {"lexicon": 0, "index": 1, "description": 2, "neoplasm": 3, "inclusion": 4}
_SIDES = re.compile(r"\b(?:right|left|bilateral|unspecified side|unilateral)\b", re.IGNORECASE)
_PARENS = re.compile(r"\s*[(\[][^()\[\]]*[)\]]")
_UNSPECIFIED = re.compile(
    r",?\s*\b(?:not elsewhere classified|not otherwise specified|unspecified|nos|nec|uncomplicated)\b",
    re.IGNORECASE,
)
EXTERNAL_CAUSE = ("V", "W", "X", "Y")
# Words that name no condition by themselves: a title reduced to one of them is not a term.
GENERIC_WORDS = frozenset(
    "pain disease disorder injury infection lesion mass wound condition syndrome abnormality complication "
    "activity illness problem finding findings anomaly malformation tumor neoplasm cancer growth swelling "
    "counseling stress".split()
)
_HEAD_OF_SITE = re.compile(r"^(?P<head>\w+(?: \w+)?) (?:of|in) (?:the )?(?P<site>\w+(?: \w+){0,2})$", re.IGNORECASE)
# ", unspecified organism / site / type ...": the axis the note need not name; but "Fistula,
# unspecified joint" keeps "joint" (a fistula of a joint, side not given)
_UNSPECIFIED_CLAUSE = re.compile(
    r",\s*(?:of\s+)?unspecified\s+(?:organism|site|type|part|parts|severity|side|laterality|trimester|stage|"
    r"degree|nature|cause|location|level|region|lobe|chamber|kind|form|phase|bacteria|virus|agent|drug|"
    r"substance|mechanism|complication|episode)\b[^,]*",
    re.IGNORECASE,
)
_OTHER = re.compile(r"\bother\b", re.IGNORECASE)
_INJURY_NOUNS = frozenset("wound wounds laceration bite abrasion contusion blister burn puncture".split())
_EPISODE = re.compile(r",?\s*\b(?:initial|subsequent) encounter\b.*$|,?\s*\bsequela\b$", re.IGNORECASE)


_DISEASE_WORD = re.compile(
    r"(?:itis|osis|iasis|emia|pathy|fever|disease|infection|syndrome|typhus|pox|plegia|oma|algia|rrhea|uria|ism)$"
)


def _cause_only(inclusion: str, title: str) -> bool:
    """Does an inclusion term name only the cause in its title's "due to" clause, and none of the
    condition ("Pseudomonas aeruginosa" under A41.52 "Sepsis due to Pseudomonas")?  In a note such a
    term is an organism or a mechanism, not the disease: a culture result is not sepsis."""
    low = title.lower()
    if " due to " not in low:
        return False
    head, cause = low.split(" due to ", 1)
    words = re.findall(r"[a-z]+", _PARENS.sub("", inclusion.lower()))
    return (
        0 < len(words) <= 3
        and words[0] in set(re.findall(r"[a-z]+", cause))
        and not set(words) & set(re.findall(r"[a-z]+", head))
        and not any(_DISEASE_WORD.search(w) for w in words)
    )


@dataclass(frozen=True, slots=True)
class TermCode:
    code: str
    source: str  # lexicon | index | description | neoplasm | inclusion
    text: str  # the wording as the source writes it
    ref: str = ""  # the lexicon's reference (index path, tabular term)


def title_terms(description: str) -> list[str]:
    """The wordings a code title or inclusion term stands for in notes (see the module doc)."""
    if _OTHER.search(description):
        return []
    text = _PARENS.sub("", description)
    text = _EPISODE.sub("", text)
    text = _UNSPECIFIED_CLAUSE.sub("", text)  # "Lobar pneumonia, unspecified organism"
    text = _UNSPECIFIED.sub("", text)
    text = _SIDES.sub("", text)
    text = re.sub(r"\s+", " ", text).strip(" ,;")
    if text.lower() in GENERIC_WORDS:
        return []  # "Pain, unspecified" (R52), "Injury, unspecified": a bare word is no diagnosis
    out = [text] if text else []
    low = text.lower()
    if " without " in f" {low} ":
        head = text[: low.index("without")].strip(" ,;")
        original = description.lower()
        tail = original[original.index("without") :] if "without" in original else ""
        # "Laceration without foreign body of right eyelid": the head alone would be every
        # laceration, coded to the eyelid; a one-word head whose site follows the clause is no term,
        # nor is an injury's ("Puncture wound without foreign body of right eyelid" is not every
        # puncture wound); "Chronic venous hypertension (idiopathic) without complications of
        # bilateral lower extremity" keeps its head: the condition, side resolved from the note
        sited = re.search(r"\b(?:of|to|in)\b|,", tail)
        if head and not (sited and (" " not in head or head.lower().split()[-1] in _INJURY_NOUNS)):
            out.append(head)
    # "Pain in knee", "Cyst of kidney": the index's main term with its site subterm, which notes
    # write site first ("knee pain", "kidney cyst")
    for term in list(out):
        m = _HEAD_OF_SITE.match(term)
        if m:
            out.append(f"{m.group('site')} {m.group('head')}")
    return out


class CmVocabulary:
    """The matcher over one ICD-10-CM release and the lexicon."""

    def __init__(self, kb, release_id: str) -> None:
        lexicon = clinical_lexicon()
        self.lexicon_version = f"us_lexicon v{lexicon.version}"
        equivalents = {normalise_word(k): normalise_word(v) for k, v in lexicon.word_equivalents.items()}
        self.matcher = PhraseMatcher(equivalents)
        self.descriptions: dict[str, str] = {}
        seen: set[tuple[tuple[str, ...], str, bool]] = set()

        def add(text: str, payload: TermCode) -> None:
            keys = normalise_term(text, self.matcher.equivalents)
            # a comma form ("ulcer, foot") is its own term: only it may be read across a comma
            key = (keys, payload.code, "," in text)
            if not keys or key in seen:
                return
            seen.add(key)
            self.matcher.add(text, payload)

        for entry in lexicon.entries:
            for term in entry.terms:
                add(term, TermCode(entry.code, "lexicon", term, entry.ref or lexicon.sources[entry.source]))
        titles: dict[str, str] = {}
        for code, description in kb.query(
            "SELECT code, description FROM cm_nodes WHERE release_id = ? "
            "AND kind IN ('category', 'subcategory', 'code') AND (seventh IS NOT NULL OR seventh_from IS NULL) "
            "ORDER BY ord",
            (release_id,),
        ):
            titles[code] = description
            if code.startswith(EXTERNAL_CAUSE):
                continue  # V00-Y99 are reached through the External Cause Index, not title words
            for term in title_terms(description):
                add(term, TermCode(code, "description", description))
        self.descriptions = titles
        for code, text in kb.query(
            "SELECT code, text FROM cm_notes WHERE release_id = ? AND type = 'inclusionTerm' ORDER BY code, ord",
            (release_id,),
        ):
            if code.startswith(EXTERNAL_CAUSE):
                continue
            for term in title_terms(text):
                keys = normalise_term(term, self.matcher.equivalents)
                title_keys = set(normalise_term(titles.get(code, ""), self.matcher.equivalents))
                if len(keys) == 1 and keys[0] not in title_keys:
                    continue  # "Polyneuropathy" under Lyme disease only means something under its title
                if _cause_only(text, titles.get(code, "")):
                    continue  # "Pseudomonas aeruginosa" under "Sepsis due to Pseudomonas": the cause, not the sepsis
                add(term, TermCode(code, "inclusion", text))
        rows = kb.query(
            "SELECT path, code, col FROM cm_index WHERE release_id = ? AND kind = 'neoplasm' AND code IS NOT NULL "
            "ORDER BY ord",
            (release_id,),
        )
        organs = frozenset(parts[0].lower() for parts in map(_site_parts, (r[0] for r in rows)) if len(parts) == 1)
        for path, code, column in rows:
            for site in neoplasm_sites(path, organs):
                for pattern in NEOPLASM_WORDING.get(column or "", ()):
                    add(
                        pattern.format(site=site),
                        TermCode(code.rstrip("-").rstrip("."), "neoplasm", f"{path} ({column})"),
                    )
        for path, code in kb.query(
            "SELECT path, code FROM cm_index WHERE release_id = ? AND kind = 'index' AND code IS NOT NULL ORDER BY ord",
            (release_id,),
        ):
            # an index path reads main term first ("Hypertension, with, heart failure"): its words
            # in the order a note writes them are the reverse more often than not, so both
            parts = [p for p in (_PARENS.sub("", x).strip() for x in path.split(",")) if p]
            if not parts:
                continue
            code = code.rstrip("-").rstrip(".")
            add(" ".join(parts), TermCode(code, "index", path))
            if len(parts) == 2:
                add(f"{parts[1]} {parts[0]}", TermCode(code, "index", path))


# The Neoplasm Table read as a coder reads it: the site from the row, the behaviour from the column
# the morphology word leads to through the Index ("carcinoma -- see Neoplasm, malignant";
# "metastatic to -- see Neoplasm, secondary"; "tumor", "neoplasia" -- see Neoplasm, unspecified).
NEOPLASM_WORDING: dict[str, tuple[str, ...]] = {
    "Malignant Primary": (
        "malignant neoplasm of {site}",
        "malignant tumor of {site}",
        "cancer of {site}",
        "{site} cancer",
        "carcinoma of {site}",
        "{site} carcinoma",
        "adenocarcinoma of {site}",
        "{site} adenocarcinoma",
        "{site} malignancy",
        # Index: "Glioblastoma (multiforme) -> specified site -- see Neoplasm, malignant, by site";
        # "Glioma (malignant) -> specified site -- see Neoplasm, malignant, by site"; "Astrocytoma
        # -> specified site -- see Neoplasm, malignant, by site"
        "glioblastoma of {site}",
        "{site} glioblastoma",
        "glioma of {site}",
        "{site} glioma",
        "astrocytoma of {site}",
        "{site} astrocytoma",
    ),
    "Malignant Secondary": (
        "secondary malignant neoplasm of {site}",
        "metastasis to {site}",
        "metastatic disease to {site}",
        "metastatic to {site}",
        "{site} metastasis",
        "{site} metastatic disease",
    ),
    "Ca in situ": ("carcinoma in situ of {site}", "{site} carcinoma in situ"),
    # Index: "Adenoma (see also Neoplasm, benign, by site)"; "Fibroadenoma -> specified site -- see
    # Neoplasm, benign, by site"; "Papilloma (see also Neoplasm, benign, by site)"
    "Benign": (
        "benign neoplasm of {site}",
        "benign tumor of {site}",
        "benign {site} tumor",
        "{site} adenoma",
        "adenoma of {site}",
        "{site} fibroadenoma",
        "fibroadenoma of {site}",
        "{site} papilloma",
        "papilloma of {site}",
    ),
    "Uncertain Behavior": ("neoplasm of uncertain behavior of {site}",),
    "Unspecified Behavior": (
        "neoplasm of {site}",
        "{site} neoplasm",
        "{site} neoplasia",
        "tumor of {site}",
        "{site} tumor",
    ),
}


def _site_parts(path: str) -> list[str]:
    """The site parts of a Neoplasm Table path, without "Neoplasm, neoplastic" and parentheses."""
    parts = [re.sub(r"\s+", " ", _PARENS.sub("", p)).strip() for p in path.split(",")]
    return [p for p in parts[2:] if p]


def neoplasm_sites(path: str, organs: frozenset[str] = frozenset()) -> list[str]:
    """The site wordings of a Neoplasm Table row: "Neoplasm, neoplastic, bladder (urinary), dome"
    is "dome bladder" (as in "dome of the bladder") and "dome"; the table's own first row (no site)
    has none.  Deeper rows are left out: their wording is rarely what notes say.  A sub-site that is
    a site of its own (``organs``: "skin NOS, breast" beside "breast") is not that row's alone:
    "fibroadenoma of the breast" is the breast's (D24.-), not the skin of the breast's (D23.5)."""
    parts = _site_parts(path)
    if not parts or len(parts) > 2:
        return []
    if len(parts) == 1:
        return [parts[0]]
    second = parts[1].lower()
    if second in _PART_WORDS or _ADJECTIVE.search(second):
        # "paraurethral, gland": "gland" alone is every gland; "utricle, prostatic": "prostatic" alone
        # is the prostate's adjective, not the utricle ("prostatic malignancy" is C61, not C68.0)
        return [f"{parts[1]} {parts[0]}"]
    if parts[1].lower() in organs:
        return [f"{parts[1]} {parts[0]}"]
    return [f"{parts[1]} {parts[0]}", parts[1]]


_ADJECTIVE = re.compile(r"(?:ic|al|ar|ary|ous|ial|ine|oid|eal)$")
# sub-sites that name no organ on their own ("gland", "duct", "wall" of what?)
_PART_WORDS = frozenset(
    "gland glands duct ducts wall surface margin part parts site sites region tissue tissues lobe border "
    "membrane muscle nerve nerves vessel vessels cavity canal junction orifice fold floor roof "
    # positions name no site alone ("lip, upper" is no "cancer of the upper outer quadrant"), nor does a
    # morphology word ("jaw, carcinoma" is no "metastatic carcinoma")
    "upper lower inner outer midline middle carcinoma".split()
)


def choose(
    payloads: list[TermCode], laterality: str | None, descriptions: dict[str, str], billable=lambda code: True
) -> TermCode:
    """The code a coder takes for one wording: curated over derived, then the documented side,
    then a complete code over its header (K35.30 over K35.3, both titled "acute appendicitis with
    localized peritonitis"), then the unspecified sibling (the classification's default)."""
    best_rank = min(SOURCE_RANK.get(p.source, 9) for p in payloads)
    pool = [p for p in payloads if SOURCE_RANK.get(p.source, 9) == best_rank]
    if len(pool) == 1:
        return pool[0]

    def desc(p: TermCode) -> str:
        return descriptions.get(p.code, "").lower()

    if laterality:
        sided = [p for p in pool if laterality in desc(p)]
        if sided:
            pool = sided
    else:
        plain = [p for p in pool if not _SIDES.search(desc(p)) or "unspecified" in desc(p)]
        pool = plain or pool
    complete = [p for p in pool if billable(p.code)]
    pool = complete or pool
    unspecified = [p for p in pool if "unspecified" in desc(p)]
    return min(unspecified or pool, key=lambda p: (len(p.code), p.code))
