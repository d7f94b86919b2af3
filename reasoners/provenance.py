"""Where an asserted fact comes from, when the index knows: the sentence a fact extracted from
the corpus was read from (:mod:`scientia.indexers.extraction`), kept in the knowledge tables
beside the graph. The explanations ask through a :data:`Statements` lookup, so they need not
know where the index keeps it."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Statements", "no_statements", "describe_statement"]

# (subject IRI, relation, object IRI) → lines saying which sentences state it; relation is
# "is-a" for rdfs:subClassOf and rdf:type, else the extracted relation's name
Statements = Callable[[str, str, str], list[str]]


def no_statements(subject: str, relation: str, target: str) -> list[str]:
    return []


def describe_statement(document: str, start: int, end: int, sentence: str, rule: str, confidence: float) -> str:
    return (f'stated in document {document} (characters {start}–{end}): "{sentence.strip()}" '
            f"[{rule}, confidence {confidence:.2f}]")
