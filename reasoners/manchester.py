"""OWL class expressions stored as RDF blank nodes, written in Manchester syntax.

``_:b25`` in a SPARQL answer is, for a person, ``hasTopping some JalapenoPepperTopping``. The
mapping is the OWL 2 RDF mapping read backwards (W3C, "OWL 2 Web Ontology Language Mapping to
RDF Graphs", section 3.2) and the Manchester syntax of the W3C Note "OWL 2 Manchester Syntax".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .base import OWL, RDF
from .render import local_name

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

__all__ = ["manchester", "rdf_list_members"]

_RESTRICTIONS = {
    "someValuesFrom": "some", "allValuesFrom": "only", "hasValue": "value",
    "minCardinality": "min", "maxCardinality": "max", "cardinality": "exactly",
    "minQualifiedCardinality": "min", "maxQualifiedCardinality": "max", "qualifiedCardinality": "exactly",
}
_CONNECTIVES = {"intersectionOf": " and ", "unionOf": " or "}


def manchester(graph: Graph, node: Node, name: Callable[[str], str] = local_name, depth: int = 0) -> str:
    """``node`` in Manchester syntax: a class expression in words, an IRI by ``name``, a
    literal as its text, another blank node as ``_:label``."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(node, URIRef):
        return name(str(node))
    if isinstance(node, Literal):
        return str(node)
    if not isinstance(node, BNode) or depth > 20:  # a cyclic or absurdly deep structure
        return f"_:{node}"
    facts = {str(p)[len(OWL):]: o for p, o in graph.predicate_objects(node) if str(p).startswith(OWL)}

    def inner(part: Node) -> str:
        text = manchester(graph, part, name, depth + 1)
        return f"({text})" if " " in text and isinstance(part, BNode) else text

    if "onProperty" in facts:
        prop = inner(facts["onProperty"])
        if "hasSelf" in facts:
            return f"{prop} Self"
        for key, keyword in _RESTRICTIONS.items():
            if key in facts:
                if key.endswith("ardinality"):
                    filler = facts.get("onClass") or facts.get("onDataRange")
                    return f"{prop} {keyword} {facts[key]}" + (f" {inner(filler)}" if filler is not None else "")
                return f"{prop} {keyword} {inner(facts[key])}"
    for key, connective in _CONNECTIVES.items():
        if key in facts:
            return connective.join(inner(member) for member in rdf_list_members(graph, facts[key]))
    if "complementOf" in facts:
        return f"not {inner(facts['complementOf'])}"
    if "oneOf" in facts:
        return "{" + ", ".join(inner(member) for member in rdf_list_members(graph, facts["oneOf"])) + "}"
    if "inverseOf" in facts:
        return f"inverse {inner(facts['inverseOf'])}"
    return f"_:{node}"


def rdf_list_members(graph: Graph, head: Node) -> list[Node]:
    """The members of an RDF list (``rdf:first`` / ``rdf:rest``)."""
    from rdflib import URIRef

    first, rest, nil = URIRef(RDF + "first"), URIRef(RDF + "rest"), URIRef(RDF + "nil")
    members, seen = [], set()
    while head != nil and head not in seen:
        seen.add(head)
        member = graph.value(head, first)
        if member is None:
            break
        members.append(member)
        head = graph.value(head, rest) or nil
    return members
