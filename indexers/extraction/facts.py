"""What extraction finds in one document: entity mentions and facts, each fact with its source.

These records are plain data (no spaCy objects), so they cross process and Ray boundaries and are
stored per document (:mod:`.store`) for ``index add`` and ``index delete`` to update the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["EntityKind", "ExtractedEntity", "ExtractedFact", "DocumentExtraction", "IS_A", "CO_OCCURS"]

# name: a proper name (named entity or proper noun); title: the document's title; concept: a
# common noun phrase. Names and titles become OWL individuals, concepts OWL classes.
EntityKind = Literal["name", "title", "concept"]

IS_A = "is-a"  # the relation of every subsumption or typing fact
CO_OCCURS = "co-occurs"  # two entities in one sentence that no verb links


@dataclass(frozen=True, slots=True)
class ExtractedEntity:
    key: str  # the normalized label aliases share (linking.normalize_words)
    label: str  # as written
    kind: EntityKind


@dataclass(frozen=True, slots=True)
class ExtractedFact:
    """``subject relation object`` (entity keys), stated by the sentence at ``start:end`` of the
    document's searchable text, found by ``rule`` with ``confidence``."""

    subject: str
    relation: str  # IS_A, CO_OCCURS, or a verb lemma (with its preposition: "publish_by")
    object: str
    rule: str
    confidence: float
    start: int
    end: int
    sentence: str


@dataclass
class DocumentExtraction:
    document: str  # the document's id
    entities: list[ExtractedEntity] = field(default_factory=list)
    facts: list[ExtractedFact] = field(default_factory=list)
    # "parsed" (the dependency parse), "shallow" (titles, names, co-occurrence: a language the
    # parser does not read), or "failed" (the parser raised; the document is skipped)
    method: str = "parsed"
