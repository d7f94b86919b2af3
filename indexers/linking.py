"""Entity linking by name: every label of every entity, matched at once with Aho-Corasick
(Aho & Corasick, "Efficient string matching: an aid to bibliographic search", CACM 1975).

Text and labels go through the same normalization (lower case, accents folded, each word
singularized), and a label matches only whole words. Where matches overlap, the longest wins,
so "American Hot" is one entity, not "American" and "Hot".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["EntityMatcher", "Mention", "normalize_words", "singular"]

_WORD = re.compile(r"\w+")


def singular(word: str) -> str:
    """A light English singular: pizzas → pizza, toppings → topping, berries → berry, tomatoes → tomato."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes", "oes")):
        return word[:-2]
    return word[:-1]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def normalize_words(text: str) -> list[tuple[str, int, int]]:
    """``(normalized word, start, end)`` for each word of ``text``, with character offsets into it."""
    words = []
    for match in _WORD.finditer(text):
        words.append((singular(_fold(match.group())), match.start(), match.end()))
    return words


@dataclass(frozen=True, slots=True)
class Mention:
    entity: int  # the caller's entity key
    surface: str  # the text as written
    start: int
    end: int


class EntityMatcher:
    """Finds mentions of any of a set of labelled entities in text."""

    def __init__(self, labels: Iterable[tuple[int, str]]) -> None:
        import ahocorasick

        self._automaton = ahocorasick.Automaton()
        by_key: dict[str, set[int]] = {}
        for entity, label in labels:
            key = " ".join(word for word, _, _ in normalize_words(label))
            if key:
                by_key.setdefault(key, set()).add(entity)
        for key, entities in by_key.items():
            padded = f" {key} "
            self._automaton.add_word(padded, (len(padded), key.count(" ") + 1, tuple(sorted(entities))))
        self.size = len(by_key)
        if by_key:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[Mention]:
        """Mentions in ``text``, longest first where they overlap, in text order."""
        if not self.size:
            return []
        words = normalize_words(text)
        if not words:
            return []
        joined = " " + " ".join(word for word, _, _ in words) + " "
        word_at, position = {}, 0  # offset of the space before each word → its index
        for index, (word, _, _) in enumerate(words):
            word_at[position] = index
            position += len(word) + 1
        candidates = []
        for last, (padded_length, word_count, entities) in self._automaton.iter(joined):
            candidates.append((word_at[last - padded_length + 1], word_count, entities))
        mentions: list[Mention] = []
        taken: set[int] = set()
        for first, word_count, entities in sorted(candidates, key=lambda c: (c[0], -c[1])):
            span = range(first, first + word_count)
            if taken.intersection(span):
                continue
            taken.update(span)
            start, end = words[first][1], words[first + word_count - 1][2]
            mentions.extend(Mention(entity, text[start:end], start, end) for entity in entities)
        return mentions
