"""Entities in a parsed sentence: noun phrases and names, cleaned to the words that name them.

A noun chunk loses its determiners, pronouns, numbers and vague or comparative modifiers ("all
the other planets" → "planets"), so that the same thing written differently meets under one key;
the key is the label's normalized words (lower case, accents folded, each word singular:
:func:`scientia.indexers.linking.normalize_words`), so case and plural variants are aliases.
An acronym defined in parentheses ("long-term potentiation (LTP)") becomes an alias of its long
form (Schwartz & Hearst, "A simple algorithm for identifying abbreviation definitions in
biomedical text", PSB 2003: the short form's letters in order within the long form).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..linking import normalize_words
from .facts import EntityKind, ExtractedEntity

__all__ = ["SpanEntity", "entity_key", "sentence_entities", "acronym_aliases", "with_conjuncts", "NUMERIC_ENTITY_TYPES", "HEADINGS",
           "capital_heading"]

# Named-entity types that are values, not things (OntoNotes labels)
NUMERIC_ENTITY_TYPES = frozenset({"CARDINAL", "ORDINAL", "QUANTITY", "PERCENT", "MONEY", "DATE", "TIME"})
_DROPPED_LEADING_POS = frozenset({"DET", "PRON", "NUM", "PUNCT", "CCONJ", "PART", "ADP", "SYM", "X", "ADV"})
_VAGUE_MODIFIERS = frozenset(
    "other such many several various certain same own more most less least few all some each every any both "
    "either neither much no another whole entire only main new different similar further additional overall "
    "respective specific particular given total".split()
)
# Heads too vague to be a thing on their own
_VAGUE_HEADS = frozenset(
    "one thing lot kind type sort way part number amount use case fact example instance respect term time "
    "year day level percent % result effect study".split()
)
MAX_WORDS = 6
# Section headings of structured abstracts, which a parser folds into the next noun phrase
# ("RESULTS NSCLC", "CONCLUSION Treatment")
HEADINGS = frozenset(
    "abstract background introduction objective objectives aim aims purpose context design setting settings "
    "participants patients interventions intervention methods method materials results result findings conclusion "
    "conclusions interpretation discussion main outcome outcomes measures measure data collection analysis summary "
    "significance importance evidence acquisition synthesis sources study selection extraction".split()
)


def capital_heading(token) -> bool:
    """A structured abstract's section heading in capitals ("RESULTS", "CONCLUSION")."""
    return token.text.isupper() and token.lower_ in HEADINGS


def entity_key(label: str) -> str:
    return " ".join(word for word, _, _ in normalize_words(label))


@dataclass(frozen=True, slots=True)
class SpanEntity:
    """An entity as found in a sentence: token range [first, last] of its cleaned span."""

    entity: ExtractedEntity
    first: int  # token index in the doc
    last: int
    root: int  # the head token's index
    start: int  # character offsets in the text
    end: int


def _clean(span) -> tuple[int, int] | None:
    """Token range of ``span`` without leading function words and vague modifiers, or ``None``."""
    tokens = list(span)
    first = 0
    for index, token in enumerate(tokens):
        if token.tag_ == "POS" and index < len(tokens) - 1:  # "Saturn's rings": the possessor goes
            first = index + 1
    root_index = span.root.i - span.start
    for index in range(first, root_index):  # "mozzarella and tomato sauce", "crisp, airy crust": the last conjunct
        if tokens[index].pos_ == "CCONJ" or tokens[index].text == ",":
            first = index + 1
    while first < len(tokens) - 1 and (
        capital_heading(tokens[first])
        or tokens[first].pos_ in _DROPPED_LEADING_POS
        or tokens[first].lower_ in _VAGUE_MODIFIERS
        or tokens[first].tag_ in ("JJS", "JJR", "RBS", "RBR", "PRP$")
    ):
        first += 1
    last = len(tokens) - 1
    while last > first and tokens[last].pos_ in ("PUNCT", "PART"):
        last -= 1
    kept = tokens[first : last + 1]
    root = span.root
    if root.pos_ not in ("NOUN", "PROPN") or not any(ch.isalpha() for ch in root.text):
        return None
    if len(kept) > MAX_WORDS or not kept or kept[0].i > root.i or kept[-1].i < root.i:
        return None
    if len(kept) == 1 and (root.lemma_.lower() in _VAGUE_HEADS or len(root.text) < 2 or root.is_stop
                           or capital_heading(root)):
        return None
    doc = span.doc
    after, before = kept[-1].i + 1, kept[0].i - 1
    if after < len(doc) and doc[after].text == "-" and not kept[-1].whitespace_ \
            or before >= 0 and doc[before].text == "-" and not doc[before].whitespace_:
        return None  # a piece of a hyphenated word ("cross" of "cross-talk")
    return kept[0].i, kept[-1].i


def _span_entity(doc, first: int, last: int, root, kind: EntityKind) -> SpanEntity | None:
    start, end = doc[first].idx, doc[last].idx + len(doc[last].text)
    label = doc.text[start:end].strip()
    key = entity_key(label)
    if not key or not any(ch.isalpha() for ch in key) or not _well_formed(label):
        return None
    return SpanEntity(ExtractedEntity(key, label, kind), first, last, root.i, start, end)


def with_conjuncts(tokens) -> list:
    """Each token followed by the tokens coordinated after it ("Mars and Venus": Mars, Venus)."""
    found = []
    for token in tokens:
        found.append(token)
        found += [t for t in token.conjuncts if t.i > token.i]
    return found


def _well_formed(label: str) -> bool:
    """A label a person would write: it starts with a letter or digit and its brackets pair up
    (a chunk cut inside "(Eed)-deficient ES cells" or "PSC-CTRs" is not)."""
    return label[:1].isalnum() and label.count("(") == label.count(")") and label.count("[") == label.count("]")


def sentence_entities(sentence) -> list[SpanEntity]:
    """Names and noun phrases of a parsed sentence, without overlaps (a name wins over the chunk
    holding it only where it is the chunk's head: "the giant volcano Olympus Mons")."""
    doc = sentence.doc
    found: list[SpanEntity] = []
    taken: set[int] = set()
    for named in sentence.ents:
        if named.label_ in NUMERIC_ENTITY_TYPES or named.root.pos_ not in ("PROPN", "NOUN"):
            continue
        cleaned = _clean(named)
        if cleaned is None:
            continue
        entity = _span_entity(doc, *cleaned, named.root, "name")
        if entity is not None:
            found.append(entity)
            taken.update(range(entity.first, entity.last + 1))
    for chunk in sentence.noun_chunks:
        if chunk.root.i in taken:
            continue
        cleaned = _clean(chunk)
        if cleaned is None:
            continue
        first, last = cleaned
        if taken.intersection(range(first, last + 1)):  # a name inside it: keep the chunk's words after the name
            first = max(taken.intersection(range(first, last + 1))) + 1
            if first > chunk.root.i:
                continue
        kind: EntityKind = "name" if chunk.root.pos_ == "PROPN" and doc[first].pos_ == "PROPN" else "concept"
        entity = _span_entity(doc, first, last, chunk.root, kind)
        if entity is not None:
            found.append(entity)
            taken.update(range(first, last + 1))
    return sorted(found, key=lambda e: e.first)


_PARENTHESIS = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9\-]{1,9})\s*\)")


def acronym_aliases(text: str, entities: list[SpanEntity]) -> list[ExtractedEntity]:
    """``LONG FORM (SF)``: the short form, with the key of the entity just before it when its
    letters occur in order in the long form, starting with the long form's first letter."""
    aliases = []
    ends = {entity.end: entity for entity in entities}
    for match in _PARENTHESIS.finditer(text):
        short = match.group(1)
        if sum(ch.isupper() for ch in short) < 2:
            continue
        before = text[: match.start()].rstrip()
        entity = ends.get(len(before))
        if entity is None or not _abbreviates(short, entity.entity.label):
            continue
        aliases.append(ExtractedEntity(entity.entity.key, short, entity.entity.kind))
    return aliases


def _abbreviates(short: str, long: str) -> bool:
    letters = [ch.lower() for ch in short if ch.isalnum()]
    words = long.lower()
    if not letters or not words or words[0] != letters[0]:
        return False
    position = 0
    for letter in letters:
        position = words.find(letter, position)
        if position < 0:
            return False
        position += 1
    return True
