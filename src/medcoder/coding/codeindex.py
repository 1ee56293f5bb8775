"""ICD-10-CM nodes of one release in memory, for the engine's many small look-ups, and the choice
of the most specific billable code the documentation supports (OCG I.B.2-3, I.A.5, I.C.19.a)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from medcoder.codesets.icd10cm.tabular import seventh_character_form

EPISODE_SEVENTH = {"initial": "initial encounter", "subsequent": "subsequent encounter", "sequela": "sequela"}


@dataclass(slots=True)
class Node:
    code: str
    description: str
    kind: str
    billable: bool
    parent: str | None
    chapter: str
    seventh: list[tuple[str, str]] = field(default_factory=list)
    children: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Resolution:
    code: str
    steps: tuple[str, ...]  # how the billable code was reached from the matched one


# "with unspecified complications" is a complication, not the default; "with unspecified severity"
# (L97.509), "... stage" or "... depth" is the default when the note gives none
_WITH_UNSPECIFIED = r"\bwith unspecified\b(?! (?:severity|stage|depth|degree|trimester))"


_UNSPECIFIED_SIDE = re.compile(r"\bunspecified (?:eye|ear|side|laterality)\b")
_SIDE_WORDS = re.compile(r"\b(?:right|left|bilateral|unspecified)(?: (?:eye|ear|side|laterality))?\b")


def _side_free(description: str) -> str:
    """A title without its side words ("primary open-angle glaucoma, right eye" -> "primary
    open-angle glaucoma")."""
    return re.sub(r"[\s,]+", " ", _SIDE_WORDS.sub(" ", description)).strip(" ,")


class CodeIndex:
    def __init__(self, kb, release_id: str) -> None:
        self.release_id = release_id
        self.nodes: dict[str, Node] = {}
        for code, description, kind, billable, parent, chapter, seventh in kb.query(
            "SELECT code, description, kind, billable, parent, chapter, seventh FROM cm_nodes "
            "WHERE release_id = ? ORDER BY ord",
            (release_id,),
        ):
            node = Node(code, description, kind, bool(billable), parent, chapter)
            if seventh:
                node.seventh = [tuple(x) for x in json.loads(seventh)]  # type: ignore[misc]
            self.nodes[code] = node
            if parent in self.nodes:
                self.nodes[parent].children.append(code)
        self._cache: dict[tuple, Resolution | None] = {}

    def get(self, code: str) -> Node | None:
        return self.nodes.get(code)

    def normalize(self, raw: str) -> str | None:
        """A code in any spelling (``n44.8``, ``N448``) as the dotted key, if it exists."""
        key = raw.strip().upper().replace(".", "").rstrip("-")
        dotted = key if len(key) <= 3 else f"{key[:3]}.{key[3:]}"
        return dotted if dotted in self.nodes else None

    def resolve(
        self, code: str, laterality: str | None = None, episode: str | None = None, open_fracture: bool = False
    ) -> Resolution | None:
        """The billable code for a matched code: itself, its unspecified child, the child naming
        the documented side, or its 7th-character form for the episode of care."""
        key = (code, laterality, episode, open_fracture)
        if key in self._cache:
            return self._cache[key]
        result = self._resolve(code, laterality, episode, open_fracture)
        self._cache[key] = result
        return result

    def _resolve(
        self, code: str, laterality: str | None, episode: str | None, open_fracture: bool
    ) -> Resolution | None:
        node = self.nodes.get(code)
        steps: list[str] = []
        sided = self._documented_side(node, laterality) if node is not None and laterality else None
        if sided is not None:
            steps.append(f"{node.code} is for an unspecified side: {sided.code} ({sided.description}), OCG I.B.13")
            node = sided
        depth = 0
        while node is not None and not node.billable and depth < 6:
            depth += 1
            # a category whose only children are its own 7th-character forms (T68 -> T68.XXXA, W11 ->
            # W11.XXXA: the placeholder X fills the empty positions, OCG I.A.4) resolves like a code
            if node.seventh and (
                node.kind == "code" or seventh_character_form(node.code, node.seventh[0][0]) in node.children
            ):
                char = self._seventh(node, episode, open_fracture, laterality)
                full = self.nodes.get(seventh_character_form(node.code, char))
                if full is None:
                    return None
                steps.append(f"7th character {char} ({dict(node.seventh)[char]}), OCG I.C.19.a")
                node = full
                break
            if not node.children:
                return None
            child = self._pick_child(node, laterality)
            if child is None:
                return None
            steps.append(f"{node.code} is a header: {child.code} ({child.description})")
            node = child
        if node is None or not node.billable:
            return None
        return Resolution(node.code, tuple(steps))

    def _documented_side(self, node: Node, laterality: str) -> Node | None:
        """The sibling naming the documented side of a code for the unspecified side ("Hypertensive
        retinopathy, unspecified eye" -> "..., bilateral" for "both eyes"; OCG I.B.13): same title
        but for the side words, under the same parent."""
        text = node.description.lower()
        if node.parent is None or not _UNSPECIFIED_SIDE.search(text):
            return None
        parent = self.nodes.get(node.parent)
        if parent is None:
            return None
        plain = _side_free(text)
        for code in parent.children:
            sibling = self.nodes[code]
            other = sibling.description.lower()
            if sibling is not node and re.search(rf"\b{laterality}\b", other) and _side_free(other) == plain:
                return sibling
        return None

    def _seventh(self, node: Node, episode: str | None, open_fracture: bool, laterality: str | None = None) -> str:
        # a 7th character that is the eye (E11.329-: 1 right, 2 left, 3 bilateral, 9 unspecified eye,
        # OCG I.B.13): the documented side, else the unspecified one
        eyes = [(c, m) for c, m in node.seventh if re.search(r"\b(?:right|left|bilateral|unspecified eye)\b", m)]
        if eyes and len(eyes) == len(node.seventh):
            return next((c for c, m in eyes if (laterality or "unspecified") in m), eyes[-1][0])
        wanted = EPISODE_SEVENTH.get(episode or "initial", "initial encounter")
        options = [(c, m) for c, m in node.seventh if wanted in m]
        if not options:
            return node.seventh[0][0]
        closed = [o for o in options if ("open fracture" in o[1]) == open_fracture]
        return (closed or options)[0][0]

    def _pick_child(self, node: Node, laterality: str | None) -> Node | None:
        """The child a coder takes when the note says no more than the header: the documented side,
        else the classification's default (".9"/"unspecified", e.g. J45.909, E11.9, N18.9).  A header
        with no default (G89 "Pain, not elsewhere classified") resolves to nothing: the note must say
        which."""
        children = [self.nodes[c] for c in node.children]

        def sided(c: Node) -> bool:
            text = c.description.lower()
            return "right" in text or "left" in text or "bilateral" in text

        if laterality:
            matching = [c for c in children if laterality in c.description.lower()]
            # the side chooses among children that differ by side; when every child names it
            # (L89.62- "pressure ulcer of left heel, stage ..."), the side is already chosen and the
            # default below picks the unspecified one
            if matching and len(matching) < len(children):
                return matching[0]
            if matching and len(children) == 1:
                return matching[0]
        plain = [c for c in children if not sided(c) or "unspecified side" in c.description.lower()]
        if laterality and all(laterality in c.description.lower() for c in children):
            plain = children  # the side is the header's; its children differ by something else

        def default_words(c: Node) -> bool:
            text = c.description.lower()
            return any(w in text for w in ("unspecified", "without", "uncomplicated", " nos")) and not re.search(
                _WITH_UNSPECIFIED, text
            )

        for pool in (
            [c for c in plain if c.code.endswith("9") and default_words(c)],
            [
                c
                for c in plain
                if "unspecified" in c.description.lower() and not re.search(_WITH_UNSPECIFIED, c.description.lower())
            ],
        ):
            if pool:
                return pool[0]
        return None
