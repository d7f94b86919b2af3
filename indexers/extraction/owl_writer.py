"""Write the corpus graph as an OWL 2 ontology in N-Triples, for the reasoner and SPARQL.

- An entity is an ``owl:Class`` or an ``owl:NamedIndividual`` (:mod:`.graph` decides which), with
  its name as ``rdfs:label`` and its other labels as ``skos:altLabel``.
- Is-a: ``rdfs:subClassOf`` between classes, ``rdf:type`` from an individual.
- A verb relation is an ``owl:ObjectProperty`` named by the lemma. Between individuals it is a
  property assertion; from or to a class it is the existential reading ("bacteria cause
  infections": Bacterium ⊑ ∃cause.Infection; a class's relation to an individual: ∋ hasValue).
- Co-occurrence is the annotation property ``scientia:coOccursWith`` (no logical weight, so the
  reasoner draws nothing from it).

Provenance (document, sentence span, rule, confidence) stays beside the graph, in the knowledge
tables, where ``scientia reason explain`` and the chains read it: written into the graph as OWL
axiom annotations it made SciFact's graph 290 MB of N-Triples, eleven triples and a sentence per
fact, more than owlready2 could load in 12 GB.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from .facts import CO_OCCURS, IS_A
from .graph import CorpusGraph, GraphFact

__all__ = ["write_ntriples", "entity_iri", "ENTITY_NAMESPACE", "RELATION_NAMESPACE", "VOCABULARY", "ONTOLOGY_IRI"]

ONTOLOGY_IRI = "https://w3id.org/scientia/extracted"
ENTITY_NAMESPACE = "https://w3id.org/scientia/kg#"
RELATION_NAMESPACE = "https://w3id.org/scientia/relation#"
VOCABULARY = "https://w3id.org/scientia/vocab#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"


def entity_iri(key: str) -> str:
    return ENTITY_NAMESPACE + quote(key.replace(" ", "_"), safe="_")


def _literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


class _Writer:
    def __init__(self, out) -> None:
        self.out = out
        self.blank = 0

    def node(self) -> str:
        self.blank += 1
        return f"_:b{self.blank}"

    def triple(self, s: str, p: str, o: str) -> None:
        self.out.write(f"{s} <{p}> {o} .\n")


def write_ntriples(graph: CorpusGraph, path: Path, given: dict[str, tuple[str, str]] | None = None) -> dict[str, str]:
    """Write ``graph`` to ``path``; ``given`` maps an entity key to the IRI and kind (``class`` or
    ``individual``) of a given ontology's entity with that label, which the extracted one becomes.
    Returns every entity key's IRI."""
    given = given or {}
    iris = {key: given[key][0] if key in given else entity_iri(key) for key in graph.entities}
    kinds = {key: given[key][1] if key in given else entity.kind for key, entity in graph.entities.items()}
    with path.open("w", encoding="utf-8") as out:
        writer = _Writer(out)
        writer.triple(f"<{ONTOLOGY_IRI}>", f"{_RDF}type", f"<{_OWL}Ontology>")
        writer.triple(f"<{VOCABULARY}coOccursWith>", f"{_RDF}type", f"<{_OWL}AnnotationProperty>")
        for key, entity in graph.entities.items():
            if key in given:
                continue  # the given ontology declares and names it
            iri = f"<{iris[key]}>"
            writer.triple(iri, f"{_RDF}type", f"<{_OWL}Class>" if kinds[key] == "class" else f"<{_OWL}NamedIndividual>")
            writer.triple(iri, f"{_RDFS}label", _literal(entity.name))
            for alias in entity.labels[1:]:
                writer.triple(iri, f"{_SKOS}altLabel", _literal(alias))
        properties = sorted({f.relation for f in graph.facts if f.relation not in (IS_A, CO_OCCURS)})
        for relation in properties:
            writer.triple(f"<{RELATION_NAMESPACE}{quote(relation, safe='_')}>", f"{_RDF}type", f"<{_OWL}ObjectProperty>")
            writer.triple(f"<{RELATION_NAMESPACE}{quote(relation, safe='_')}>", f"{_RDFS}label", _literal(relation.replace("_", " ")))
        for fact in graph.facts:
            _write_fact(writer, fact, f"<{iris[fact.subject]}>", kinds[fact.subject], f"<{iris[fact.object]}>", kinds[fact.object])
    return iris


def _write_fact(writer: _Writer, fact: GraphFact, subject: str, subject_kind: str, target: str, target_kind: str) -> None:
    if fact.relation == IS_A:
        if target_kind != "class":
            return  # an individual has no instances
        predicate = f"{_RDFS}subClassOf" if subject_kind == "class" else f"{_RDF}type"
        writer.triple(subject, predicate, target)
        return
    if fact.relation == CO_OCCURS:
        predicate = f"{VOCABULARY}coOccursWith"
        writer.triple(subject, predicate, target)
        return
    relation = f"{RELATION_NAMESPACE}{quote(fact.relation, safe='_')}"
    if subject_kind == "individual" and target_kind == "individual":
        writer.triple(subject, relation, target)
        return
    restriction = writer.node()
    writer.triple(restriction, f"{_RDF}type", f"<{_OWL}Restriction>")
    writer.triple(restriction, f"{_OWL}onProperty", f"<{relation}>")
    writer.triple(restriction, f"{_OWL}someValuesFrom" if target_kind == "class" else f"{_OWL}hasValue", target)
    predicate = f"{_RDFS}subClassOf" if subject_kind == "class" else f"{_RDF}type"
    writer.triple(subject, predicate, restriction)
