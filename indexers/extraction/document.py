"""Extraction from one document: its title, then each sentence's entities and facts.

The parse reads the document's searchable text (title, newline, body), so every span points into
what the index stores and shows. A document in a language the parser does not read gets the
shallow reading (:func:`shallow_extraction`): its title, capitalized names, and their
co-occurrence in a sentence.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..documents import Document
from .entities import SpanEntity, acronym_aliases, entity_key, sentence_entities
from .facts import DocumentExtraction, ExtractedEntity
from .hypernyms import head_noun_facts, is_a_facts
from .relations import co_occurrence_facts, verb_facts

__all__ = ["extract_parsed", "shallow_extraction", "title_entity", "body_offset"]


_ARTICLE = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)


def title_entity(document: Document) -> ExtractedEntity | None:
    """The entity a document's title names ("The Sun" is the key "sun", as its text writes it)."""
    title = document.title.strip()
    key = entity_key(_ARTICLE.sub("", title))
    return ExtractedEntity(key, title, "title") if key else None


def body_offset(document: Document) -> int:
    """Where the body starts in the searchable text (after the title and its newline)."""
    return len(document.title) + 1 if document.title else 0


def extract_parsed(document: Document, parsed) -> DocumentExtraction:
    """What one parsed document states: ``parsed`` is the spaCy ``Doc`` of ``document.text``
    (the title is parsed apart: a parser reads a title line as the start of the first sentence);
    spans are shifted into the searchable text."""
    result = DocumentExtraction(document.id)
    title = title_entity(document)
    if title is not None:
        result.entities.append(title)
    facts = []
    for sentence in parsed.sents:
        entities = sentence_entities(sentence)
        if title is not None:
            entities = [_as_title(span, title) for span in entities]
        result.entities += [span.entity for span in entities]
        result.entities += acronym_aliases(parsed.text[sentence.start_char : sentence.end_char], _shift(entities, -sentence.start_char))
        classes, subsumptions = head_noun_facts(sentence, entities)
        result.entities += classes
        patterns = is_a_facts(sentence, entities)
        relations = verb_facts(sentence, entities)
        linked = {frozenset((f.subject, f.object)) for f in (*patterns, *relations)}
        keys = [span.entity.key for span in entities]
        if title is not None and title.key not in keys and entities:
            keys.insert(0, title.key)  # what a passage says, it says about its title too
        cooccurring = co_occurrence_facts(sentence.start_char, sentence.end_char, sentence.text, keys, linked)
        facts += [*patterns, *relations, *subsumptions, *cooccurring]
    offset = body_offset(document)
    result.facts = [replace(fact, start=fact.start + offset, end=fact.end + offset) for fact in facts]
    return result


def _as_title(span: SpanEntity, title: ExtractedEntity) -> SpanEntity:
    if span.entity.key != title.key or span.entity.kind == "title":
        return span
    return SpanEntity(ExtractedEntity(title.key, span.entity.label, "title"), span.first, span.last, span.root,
                      span.start, span.end)


def _shift(entities: list[SpanEntity], offset: int) -> list[SpanEntity]:
    return [SpanEntity(e.entity, e.first, e.last, e.root, e.start + offset, e.end + offset) for e in entities]


_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
# Two or more capitalized words, or one inside a sentence (not its first word)
_NAME = re.compile(r"\b[A-Z][\w\-]*(?:\s+[A-Z][\w\-]*)*")


def shallow_extraction(document: Document) -> DocumentExtraction:
    """Titles, capitalized names and their co-occurrence: no parse, any language with capitals."""
    result = DocumentExtraction(document.id, method="shallow")
    title = title_entity(document)
    if title is not None:
        result.entities.append(title)
    text = document.searchable_text()
    for match in _SENTENCE.finditer(text):
        sentence = match.group()
        keys = [title.key] if title is not None else []
        for name in _NAME.finditer(sentence):
            if name.start() == len(sentence) - len(sentence.lstrip()) and " " not in name.group():
                continue  # a sentence's first word is capitalized anyway
            key = entity_key(name.group())
            if key:
                result.entities.append(ExtractedEntity(key, name.group(), "name"))
                keys.append(key)
        result.facts += co_occurrence_facts(match.start(), match.end(), sentence.strip(), keys, set())
    return result
