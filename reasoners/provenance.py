"""Where an asserted fact comes from, when its graph says: OWL axiom annotations
(``owl:Axiom`` with ``owl:annotatedSource/Property/Target``) carrying scientia's provenance
properties, as the graph extracted from a corpus writes them for every fact
(:mod:`scientia.indexers.extraction.owl_writer`)."""

from __future__ import annotations

from typing import Any

__all__ = ["statements", "VOCABULARY"]

VOCABULARY = "https://w3id.org/scientia/vocab#"  # the extraction's provenance properties
_OWL = "http://www.w3.org/2002/07/owl#"


def statements(dataset: Any, subject: Any, predicate: Any, target: Any) -> list[str]:
    """One line per sentence stating ``subject predicate target``: the document, the sentence,
    the rule that read it and the fact's confidence. Empty for a fact with no provenance."""
    from rdflib import URIRef

    source, prop, annotated = (URIRef(_OWL + name) for name in ("annotatedSource", "annotatedProperty", "annotatedTarget"))
    lines = []
    for axiom in set(dataset.subjects(source, subject)):
        if (axiom, prop, predicate) not in dataset or (axiom, annotated, target) not in dataset:
            continue
        values = {str(p)[len(VOCABULARY):]: str(o) for p, o in dataset.predicate_objects(axiom) if str(p).startswith(VOCABULARY)}
        if "sourceSentence" not in values:
            continue
        lines.append(f'stated in document {values.get("sourceDocument", "?")} (characters {values.get("sourceStart", "?")}–'
                     f'{values.get("sourceEnd", "?")}): "{values["sourceSentence"].strip()}" '
                     f'[{values.get("extractionRule", "?")}, confidence {values.get("confidence", "?")}]')
    return sorted(lines)
