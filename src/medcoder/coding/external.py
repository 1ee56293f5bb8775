"""External causes of injuries from the External Cause Index (OCG I.C.20; chapter 20, V00-Y99).

I.C.20: "The external causes of morbidity codes should never be sequenced as the first-listed or
principal diagnosis"; they describe how an injury happened -- the cause, the intent -- and are
reported "for the length of treatment ... with the appropriate 7th character (initial encounter,
subsequent encounter or sequela) for each encounter for which the injury or condition is being
treated" (I.C.20.a.1).  No external cause code is needed with a poisoning, toxic effect, adverse
effect or underdosing (T36-T65): its intent is in the code (I.C.20.a.4).

A coder reaches the code through the External Cause Index: "Bite, bitten by, dog" W54.0, "Contact,
with, knife" W26.0, "Accident, transport, pedal cyclist, driver, noncollision accident" V18.4
(traffic unless the record says otherwise: the V10-V19 convention), "Assault, fight" Y04.0.  The
wording a note uses for each is curated here (:data:`WORDING`: each entry is an External Cause Index
path and the phrases that name it); the code itself is read from the installed Index, so without it
(the bundled release has none) the rule does nothing.  Only with a current injury (S00-T34, T66-T79)
the note codes, and not where the wording is negated or hypothetical.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from medcoder.coding import specificity, statements  # noqa: F401 - registered first
from medcoder.coding.candidates import Candidate, matched_mention
from medcoder.coding.features import rule_candidate
from medcoder.coding.guidelines import Context, rule
from medcoder.errors import MedcoderError

EXTERNAL_ID = "ocg.I.C.20.external_cause.v1"
EXTERNAL_ORDER_ID = "ocg.I.C.20.sequence.v1"
EXTERNAL = ("V", "W", "X", "Y")


def is_injury(code: str) -> bool:
    """A current injury of chapter 19 an external cause explains: S00-T34 and T66-T79 (not T36-T65,
    whose codes carry the intent, nor T80-T88, complications of care)."""
    if code.startswith("S"):
        return True
    if not code.startswith("T") or not code[1:3].isdigit():
        return False
    category = int(code[1:3])
    return 7 <= category <= 34 or 66 <= category <= 79


@dataclass(frozen=True, slots=True)
class Wording:
    """An External Cause Index path and the note phrases that name it."""

    path: str
    patterns: tuple[re.Pattern[str], ...]
    unless: re.Pattern[str] | None = None  # the sentence then names another path (an assault, a collision)
    nontraffic: bool = False  # a transport path whose ", nontraffic" subterm the place may ask for


def _re(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


_OWNER = r"(?:a |an |the |his |her |their |our |my |its |a neighbor'?s |the neighbor'?s )?"
_ASSAULT_WORDS = re.compile(r"\b(?:assault\w*|attack\w*|stabbed by|intent to|self[\s-]inflicted|suicid\w*)\b", re.I)
_PERSON = (
    r"(?:a |an |the |his |her |their )?(?:stranger|assailant|attacker|man|woman|person|someone|husband|wife|"
    r"boyfriend|girlfriend|partner|father|mother|stepfather|brother|sister|neighbor|coworker|classmate|"
    r"another (?:person|man|woman|patient|student|inmate))"
)

# The order matters: the first path a sentence names is taken ("punched in a fight" is a fight).
WORDING: tuple[Wording, ...] = (
    Wording(
        "Bite, bitten by, dog",
        _re(
            r"\bdog[\s-]bites?\b",
            rf"\bbit(?:ten)? by {_OWNER}(?:\w+ )?dog\b",
            rf"\bbit(?:ten)? (?:on|in) (?:the |his |her |their )?(?:\w+ ){{1,3}}by {_OWNER}(?:\w+ )?dog\b",
            rf"\bbite (?:wound )?from {_OWNER}dog\b",
        ),
    ),
    Wording(
        "Bite, bitten by, cat",
        _re(
            r"\bcat[\s-]bites?\b",
            rf"\bbit(?:ten)? by {_OWNER}(?:\w+ )?cat\b",
            rf"\bbit(?:ten)? (?:on|in) (?:the |his |her |their )?(?:\w+ ){{1,3}}by {_OWNER}(?:\w+ )?cat\b",
        ),
    ),
    Wording(
        "Contact, with, knife",
        _re(
            r"\b(?:cut|cutting|lacerated|sliced|slicing|nicked)\b(?:\W+\w+){0,8}?\W+(?:with|on|by) "
            r"(?:a |an |the |his |her |their )?(?:\w+ )?knife\b",
            r"\bknife (?:slipped|injury|wound)\b",
        ),
        unless=_ASSAULT_WORDS,
    ),
    Wording(
        "Accident, transport, pedal cyclist, driver, noncollision accident",
        _re(
            r"\bfell (?:off|from) (?:his|her|their|a|the) (?:bicycle|bike|pedal cycle)\b",
            r"\bthrown (?:off|from) (?:his|her|their|a|the) (?:bicycle|bike)\b",
        ),
        unless=re.compile(r"(?<!no )(?<!without )\b(?:collision|collided|struck by|hit by)\b", re.I),
        nontraffic=True,
    ),
    Wording(
        "Assault, fight", _re(r"\bin a (?:fist[\s-]?)?fight\b", r"\b(?:bar|street|fist)[\s-]?fight\b", r"\bbrawl\b")
    ),
    Wording(
        "Assault, bodily force",
        _re(
            rf"\b(?:punched|kicked|beaten|beat up|slapped|shoved|head[\s-]butted|hit|struck|pushed|choked)\b"
            rf"(?: \w+){{0,3}}? by {_PERSON}\b",
            r"\b(?:was|were|been|being) (?:physically )?assaulted\b",
        ),
        unless=re.compile(r"\bsexual\w*\b|\b(?:gun|knife|bat|weapon|pistol|rifle)\b", re.I),
    ),
    Wording(
        "Fall, falling, from, off, out of, ladder",
        _re(r"\b(?:fell|fall|falling) (?:off|from|down) (?:a |the |his |her )?(?:step)?ladder\b"),
    ),
    Wording(
        "Fall, falling, from, off, out of, stairs, steps",
        _re(r"\b(?:fell|fall|falling) (?:down|on|from) (?:the |a |some |several |\w+ )?(?:stairs|steps|staircase)\b"),
    ),
    Wording(
        "Fall, falling, from, off, out of, bed",
        _re(r"\b(?:fell|fall|falling) (?:out of|off|from) (?:the |his |her |a )?bed\b"),
    ),
    Wording(
        "Fall, falling, in, on, shower",
        _re(r"\b(?:fell|fall|falling|slipped|slipping)\b(?: \w+){0,3} in the (?:shower|bathtub|tub)\b"),
    ),
    Wording(
        "Fall, falling, same level, involving ice or snow",
        _re(r"\b(?:slipped|slipping|fell|fall) on (?:the |some )?(?:ice|snow|icy \w+)\b"),
    ),
    Wording(
        "Fall, falling, same level, from, slipping, stumbling, tripping",
        _re(r"\b(?:slipped|tripped|stumbled)(?: \w+){0,4} and fell\b"),
    ),
)
# Accident, transport, car occupant, <driver | passenger>, collision, <counterpart>: the victim's role and
# vehicle, and what the car collided with (External Cause Index; traffic unless the record says otherwise)
_CAR = r"(?:car|automobile|sedan|vehicle|suv|sport utility vehicle|minivan)"
_CAR_ROLE = re.compile(
    rf"\b(?P<role>driver|passenger)\b(?: \w+){{0,2}}? (?:of|in) (?:a|an|the|his|her|their) (?:\w+ )?{_CAR}\b",
    re.IGNORECASE,
)
_COUNTERPARTS = (
    (r"pick-?up(?: truck)?", "pickup truck"),
    (r"(?:sport utility vehicle|suv)", "sport utility vehicle"),
    (r"(?:mini)?van", "van"),
    (r"(?:car|automobile|sedan|vehicle)", "car"),
    (r"(?:truck|semi|semi-truck|tractor[- ]trailer|18-wheeler)", "truck"),
    (r"bus", "bus"),
    (r"(?:motorcycle|motorbike|scooter)", "two wheeled motor vehicle"),
    (r"(?:bicycle|bike|bicyclist|cyclist)", "pedal cycle"),
    (r"train", "railway vehicle"),
    (r"(?:deer|animal|cow|horse|moose)", "animal"),
    (
        r"(?:tree|pole|utility pole|telephone pole|guardrail|guard rail|wall|barrier|median|bridge abutment|"
        r"parked car)",
        "stationary object",
    ),
)
_COLLISION = re.compile(
    r"\b(?:collision|collided|crash(?:ed)?|struck|hit|ran)\b(?: \w+){0,3}? (?:with|by|into) "
    r"(?:a |an |another |the |other |oncoming |stationary )*(?:\w+ )??(?P<what>"
    + "|".join(p for p, _ in sorted(_COUNTERPARTS, key=lambda c: -len(c[0])))
    + r")\b",
    re.IGNORECASE,
)


def _transport(text: str, lo: int, hi: int) -> tuple[str, re.Match[str]] | None:
    """The External Cause Index path of a car occupant's collision the sentence documents."""
    role = _CAR_ROLE.search(text, lo, hi)
    crash = _COLLISION.search(text, lo, hi)
    if role is None or crash is None:
        return None
    what = crash.group("what").lower()
    counterpart = next((name for p, name in _COUNTERPARTS if re.fullmatch(p, what, re.IGNORECASE)), None)
    if counterpart is None:
        return None
    return f"Accident, transport, car occupant, {role.group('role').lower()}, collision, {counterpart}", role


# Place of occurrence (I.C.20.b: "used only once, at the initial encounter for treatment"; no Y92.9 when the
# place is not stated): the residence and its room, or the public place, as the note names it
_RESIDENCE = (
    (
        r"single[\s-]family (?:house|home)|(?:his|her|their|the patient's) (?:own )?house",
        "residence, house, single family",
    ),
    (r"apartment|condo(?:minium)?", "residence, apartment"),
    (r"mobile home|trailer home", "residence, mobile home"),
    (r"nursing (?:home|facility)|skilled nursing facility", "residence, institutional, nursing home"),
    (r"(?:at|in|around) (?:the |his |her |their )?home|(?:his|her|their) home", "residence"),
)
_ROOM = (
    (r"kitchen", "kitchen"),
    (r"bathroom|bathtub|shower", "bathroom"),
    (r"bedroom", "bedroom"),
    (r"dining room", "dining room"),
    (r"garage", "garage"),
    (r"driveway", "driveway"),
    (r"(?:back|front)?yard|garden", "yard"),
    (r"swimming pool|pool", "swimming pool"),
)
_PUBLIC = (
    (r"interstate|freeway", "street and highway, interstate highway"),
    (r"highway", "highway"),
    (r"sidewalk", "sidewalk"),
    (r"parking lot", "street and highway, parking lot"),
    (r"playground", "playground"),
    (r"(?:elementary|middle|high) school|at school", "school"),
    (r"restaurant", "restaurant"),
    (r"grocery store|supermarket", "store"),
)


def _place_path(text: str) -> tuple[str, re.Match[str]] | None:
    for pattern, path in _RESIDENCE:
        m = re.search(rf"\b(?:{pattern})\b", text, re.IGNORECASE)
        if m is None:
            continue
        room = next(
            ((name, r) for p, name in _ROOM if (r := re.search(rf"\b(?:{p})\b", text, re.IGNORECASE)) is not None),
            None,
        )
        return (f"Place of occurrence, {path}, {room[0]}" if room else f"Place of occurrence, {path}"), m
    for pattern, path in _PUBLIC:
        m = re.search(rf"\b(?:on|at|in|along) (?:the |a |an )?(?:{pattern})\b", text, re.IGNORECASE)
        if m is not None:
            return f"Place of occurrence, {path}", m
    return None


_NONTRAFFIC = re.compile(r"\b(?:trail|off[\s-]road|driveway|parking lot|yard|in a park|bike path)\b", re.I)
EPISODE_OF = {"A": "initial", "D": "subsequent", "S": "sequela"}


def _index_code(ctx: Context, path: str) -> str | None:
    """The External Cause Index's code for ``path`` in the release (None: not installed, no code)."""
    key = "eindex:" + path
    if key not in ctx.cache:
        try:
            rows = ctx.kb.query(  # type: ignore[attr-defined]
                "SELECT code FROM cm_index WHERE release_id = ? AND kind = 'eindex' AND path = ? AND code IS NOT NULL",
                (ctx.index.release_id, path),
            )
        except (sqlite3.Error, MedcoderError, AttributeError):
            rows = []
        ctx.cache[key] = [rows[0][0].rstrip("-").rstrip(".")] if rows else []
    found = ctx.cache[key]
    return found[0] if found else None


_CLAUSE_BREAK = re.compile(r"[,;:(]")


def _asserted(document, start: int, end: int, sentence_start: int) -> bool:
    """Documented as having happened: not hypothetical nor a family member's, and not negated by a
    cue of its own clause ("nail not involved, cut with a knife": the "not" is the nail's)."""
    a = document.assess((start, end))
    if a.family or a.hypothetical:
        return False
    if not a.negated:
        return True
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(document.text, sentence_start, start)]
    clause = breaks[-1] if breaks else sentence_start
    return not any(kind == "negated" and clause <= c_start < end for kind, _, c_start, _ in a.cues)


def _seventh(code: str) -> str | None:
    plain = code.replace(".", "")
    return plain[6] if len(plain) == 7 else None


@rule(
    EXTERNAL_ID,
    "I.C.20, I.C.20.a.1 (external cause codes from the External Cause Index, 7th character of the injury)",
    "how a coded injury happened, as the note says it (bitten by a dog, cut with a knife, fell off a bicycle, "
    "punched in a fight): the External Cause Index code with the injury's 7th character",
)
def _external(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None:
        return cands
    injuries = [c for c in cands if is_injury(c.code) and any(m.affirmed for m in c.mentions)]
    if not injuries:
        return cands
    injury = max(injuries, key=lambda c: c.confidence)
    episode = EPISODE_OF.get(_seventh(injury.code) or "A", "initial")
    for document in ctx.analyzed.documents:
        text = document.text
        taken: set[str] = set()
        for lo, hi in document.sentences:
            transport = _transport(text, lo, hi)
            pool = [(transport[0], (transport[1],), None, True)] if transport else []
            pool += [(w.path, w.patterns, w.unless, w.nontraffic) for w in WORDING]
            for base_path, patterns, unless, nontraffic in pool:
                match = next(
                    (m if isinstance(m, re.Match) else None for p in patterns if (m := _search(p, text, lo, hi))), None
                )
                if match is None or (unless is not None and unless.search(text, lo, hi)):
                    continue
                if not _asserted(document, match.start(), match.end(), lo):
                    continue
                path = base_path
                if nontraffic and _NONTRAFFIC.search(text, lo, hi):
                    path += ", nontraffic"
                code = _index_code(ctx, path)
                if code is None or code in taken:
                    break
                resolution = ctx.index.resolve(code, None, episode)
                if resolution is None or any(c.code == resolution.code for c in cands):
                    break
                taken.add(code)
                cand = _add_cause(
                    cands,
                    document,
                    match,
                    path,
                    resolution,
                    injury,
                    f"External Cause Index: {path} -> {code}; how {injury.code} happened ({match.group(0)!r}), with "
                    f"the injury's episode of care ({episode}) (OCG I.C.20, I.C.20.a.1)",
                )
                cand.matched = {code}
                break  # one cause per sentence: the first path it names
        if taken and episode == "initial" and not any(c.code.startswith("Y92") for c in cands):
            _place(cands, ctx, document, injury)
    return cands


def _search(pattern: re.Pattern[str] | re.Match[str], text: str, lo: int, hi: int) -> re.Match[str] | None:
    """A wording's pattern searched in the sentence (a transport path comes with its match)."""
    return pattern if isinstance(pattern, re.Match) else pattern.search(text, lo, hi)


def _place(cands: list[Candidate], ctx: Context, document, injury: Candidate) -> None:
    """The place of occurrence (Y92) the note names, once, at the initial encounter (OCG I.C.20.b)."""
    found = _place_path(document.text)
    if found is None:
        return
    path, match = found
    if not _asserted(document, match.start(), match.end(), document.sentence_at(match.start())[0]):
        return
    code = _index_code(ctx, path)
    resolution = ctx.index.resolve(code) if code else None
    if resolution is None or any(c.code == resolution.code for c in cands):
        return
    _add_cause(
        cands,
        document,
        match,
        path,
        resolution,
        injury,
        f"External Cause Index: {path} -> {resolution.code}; where {injury.code} happened ({match.group(0)!r}), "
        "reported once, at the initial encounter (OCG I.C.20.b)",
    )


def _add_cause(cands: list[Candidate], document, match, path: str, resolution, injury: Candidate, step: str):
    """An external cause code (its Index path matched in the note) beside the injury it explains: the
    injury's confidence a little lower, the rule and the step that explain it."""
    mention = matched_mention(document, match, path, f"External Cause Index: {path}")
    cand = rule_candidate(resolution.code, mention, EXTERNAL_ID, step)
    cand.confidence = round(max(0.55, min(injury.confidence, 0.9) - 0.05), 4)
    cand.steps.extend(s for s in resolution.steps if s not in cand.steps)
    cands.append(cand)
    return cand


ACTIVITY_ID = "ocg.I.C.20.c.activity.v1"
STATUS_ID = "ocg.I.C.20.k.status.v1"
# The activity as the note frames it: "while playing soccer", "during basketball practice", "injured skiing"
_ACTIVITY_FRAME = re.compile(
    r"\b(?:while|when|during|playing|doing|injured|hurt)\s+(?:(?:a|an|the|his|her|their|pickup|competitive|"
    r"recreational|high school|college|club|game of|varsity|intramural)\s+)*$",
    re.IGNORECASE,
)
# the sentence tells the injury's event (not "enjoys playing tennis" in the social history)
_EVENT = re.compile(
    r"\b(?:injur\w*|hurt|fell|falls?|falling|twist\w*|struck|hit|collid\w*|collision|tackled|landed|rolled|cut|"
    r"sprain\w*|fractur\w*|lacerat\w*|tripped|slipped|kicked|jammed|accident)\b",
    re.IGNORECASE,
)
_NOT_EVENT_SECTIONS = frozenset({"social_history", "family_history", "past_medical_history", "past_surgical_history"})
_ACTIVITY_AFTER = re.compile(r"^\s+(?:game|practice|match|class|tournament|session|lesson)\b", re.IGNORECASE)
# I.C.20.k: Y99 "used only once, at the initial encounter"; "Do not assign Y99.9 if the status is not stated".
_STATUS = (
    (
        r"(?:injured |hurt )?(?:at|while at) work\b|on the job\b|while working\b|work[\s-]related (?:injury|accident)|"
        r"workplace (?:injury|accident)|workers'? comp(?:ensation)?",
        "External cause status, civilian activity done for income or pay",
    ),
    (r"on active duty|during military (?:training|exercises?|duty)", "External cause status, military activity"),
    (r"while volunteering|volunteer (?:work|activity)", "External cause status, volunteer activity"),
    (r"(?:leisure|recreational) activity|as a hobby", "External cause status, leisure activity"),
)


def _activity_terms(ctx: Context) -> list[tuple[str, str]]:
    """(the activity's words, its External Cause Index path) of each "Activity, <x>" entry, longest first."""
    key = "eindex:activity-terms"
    if key not in ctx.cache:
        try:
            rows = ctx.kb.query(  # type: ignore[attr-defined]
                "SELECT path FROM cm_index WHERE release_id = ? AND kind = 'eindex' AND path LIKE 'Activity, %' "
                "AND code IS NOT NULL",
                (ctx.index.release_id,),
            )
        except (sqlite3.Error, MedcoderError, AttributeError):
            rows = []
        terms = []
        for (path,) in rows:
            words = path[len("Activity, ") :]
            if "," in words or re.search(r"\b(?:NEC|NOS)\b", words) or not re.fullmatch(r"[a-z][a-z -]+", words):
                continue
            terms.append((words, path))
        ctx.cache[key] = sorted(terms, key=lambda t: -len(t[0]))  # type: ignore[assignment]
    return ctx.cache[key]  # type: ignore[return-value]


def _initial_injury(cands: list[Candidate]) -> Candidate | None:
    """The current injury at its initial encounter an activity or status code goes with (none for a
    poisoning, adverse effect or sequela: I.C.20.c)."""
    injuries = [
        c for c in cands if is_injury(c.code) and _seventh(c.code) == "A" and any(m.affirmed for m in c.mentions)
    ]
    return max(injuries, key=lambda c: c.confidence) if injuries else None


@rule(
    ACTIVITY_ID,
    "I.C.20.c (activity code Y93: once, at the initial encounter; not for poisonings, adverse effects or sequela; "
    "no Y93.9 when the activity is not stated)",
    "the activity the patient was doing when injured, as the note says it ('while playing soccer'): the External "
    "Cause Index 'Activity' code, once, with an injury at its initial encounter",
)
def _activity(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None or any(c.code.startswith("Y93") for c in cands):
        return cands
    injury = _initial_injury(cands)
    if injury is None:
        return cands
    terms = _activity_terms(ctx)
    if not terms:
        return cands
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w, _ in terms) + r")\b", re.IGNORECASE)
    for document in ctx.analyzed.documents:
        text = document.text
        for m in pattern.finditer(text):
            lo, hi = document.sentence_at(m.start())
            framed = _ACTIVITY_FRAME.search(text[lo : m.start()]) or _ACTIVITY_AFTER.match(text[m.end() :])
            if not framed or not _EVENT.search(text, lo, hi) or not _asserted(document, m.start(), m.end(), lo):
                continue
            if document.section_at(m.start()).name in _NOT_EVENT_SECTIONS:
                continue
            path = next(p for w, p in terms if w.lower() == m.group(0).lower())
            cand = _index_candidate(
                ctx, document, m, path, injury, ACTIVITY_ID,
                "what the patient was doing when {injury} happened, reported once, at the initial encounter "
                "(OCG I.C.20.c)",
            )  # fmt: skip
            if cand is not None:
                cands.append(cand)
                return cands
    return cands


def _index_candidate(ctx: Context, document, m: re.Match, path: str, injury: Candidate, rule_id: str, why: str):
    """The candidate an External Cause Index path gives for the words ``m`` matched (Y93 activity,
    Y99 status), at most as confident as the injury it goes with; None when the path has no code."""
    code = _index_code(ctx, path)
    resolution = ctx.index.resolve(code) if code else None
    if resolution is None:
        return None
    mention = matched_mention(document, m, path, f"External Cause Index: {path}")
    cand = rule_candidate(
        resolution.code,
        mention,
        rule_id,
        f"External Cause Index: {path} -> {resolution.code}; " + why.format(injury=injury.code),
    )
    cand.confidence = round(max(0.55, min(injury.confidence, 0.9) - 0.05), 4)
    return cand


@rule(
    STATUS_ID,
    "I.C.20.k (external cause status Y99: once, at the initial encounter, with the external cause codes; no Y99.9 "
    "when the status is not stated)",
    "the patient's status when injured, as the note says it (at work: Y99.0; military, volunteer, leisure), with "
    "an external cause code of an injury at its initial encounter",
)
def _status(cands: list[Candidate], ctx: Context) -> list[Candidate]:
    if ctx.analyzed is None or any(c.code.startswith("Y99") for c in cands):
        return cands
    injury = _initial_injury(cands)
    causes = [c for c in cands if c.code.startswith(("V", "W", "X")) or c.code[:3] in _CAUSE_Y]
    if injury is None or not causes:
        return cands
    for document in ctx.analyzed.documents:
        text = document.text
        for words, path in _STATUS:
            for m in re.finditer(rf"\b(?:{words})", text, re.IGNORECASE):
                if not _asserted(document, m.start(), m.end(), document.sentence_at(m.start())[0]):
                    continue
                cand = _index_candidate(
                    ctx, document, m, path, injury, STATUS_ID,
                    "the patient's status when {injury} happened, with the external cause code, once, at the initial "
                    "encounter (OCG I.C.20.k)",
                )  # fmt: skip
                if cand is None:
                    continue
                cands.append(cand)
                return cands
    return cands


_CAUSE_Y = frozenset(f"Y{n:02d}" for n in range(0, 39))


@rule(
    EXTERNAL_ORDER_ID,
    "I.C.20 (external cause codes are never first-listed or principal)",
    "external cause codes (V00-Y99) after the injuries and conditions they explain",
    stage="sequence",
)
def _external_order(ordered: list[Candidate], ctx: Context) -> list[Candidate]:
    causes = [c for c in ordered if c.code.startswith(EXTERNAL)]
    if not causes or all(c.code.startswith(EXTERNAL) for c in ordered):
        return ordered
    rest = [c for c in ordered if not c.code.startswith(EXTERNAL)]
    if ordered == rest + causes:
        return ordered
    for cand in causes:
        cand.rules.append(EXTERNAL_ORDER_ID)
        cand.steps.append("sequenced after the conditions: an external cause code is never first-listed (OCG I.C.20)")
    return rest + causes
