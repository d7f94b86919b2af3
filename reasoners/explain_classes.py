"""Why is a class subsumed by another, equivalent to it, or unsatisfiable?

Read from the stored graph (asserted plus what the reasoner inferred), like
:mod:`.explain` for individuals: for each inferred subsumption the one-step justifications
that hold, never one that rests on the subsumption being explained. Those found:

- a chain through an asserted superclass: ``C ⊑ M`` is asserted and ``M ⊑ S`` holds;
- a definition of the superclass that the class meets: ``S ≡ Pizza and (hasTopping some
  SpicyTopping)``, with ``C ⊑ Pizza`` and ``C ⊑ hasTopping some CajunSpiceTopping`` stated and
  ``CajunSpiceTopping ⊑ SpicyTopping`` holding;
- the class's own definition, one of whose conjuncts is subsumed by the superclass;
- for an unsatisfiable class, two disjoint classes it is subsumed by.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from scientia.common.errors import InvalidArgumentError

from .base import INFERRED_GRAPH, OWL, RDF, RDFS
from .explain import Explanation
from .manchester import manchester, rdf_list_members
from .provenance import Statements, no_statements
from .render import local_name

if TYPE_CHECKING:
    from rdflib import Dataset
    from rdflib.term import Node

__all__ = ["explain_class", "is_class"]

NO_SIMPLE_REASON = "entailed by the reasoner (no simple justification found)"


def is_class(dataset: Dataset, iri: str) -> bool:
    from rdflib import URIRef

    return (URIRef(iri), URIRef(RDF + "type"), URIRef(OWL + "Class")) in dataset


class _ClassGraph:
    """The few questions the explanations ask of the stored graph."""

    def __init__(self, dataset: Dataset) -> None:
        from rdflib import URIRef

        self.dataset = dataset
        self.sub_class_of = URIRef(RDFS + "subClassOf")
        self.equivalent = URIRef(OWL + "equivalentClass")
        self.nothing, self.thing = URIRef(OWL + "Nothing"), URIRef(OWL + "Thing")

    def name(self, node: Node) -> str:
        return manchester(self.dataset, node, local_name)

    def inferred_only(self, triple: tuple) -> bool:
        """True where the triple is stored, and only as the reasoner's."""
        graphs = {str(g.identifier) for g in self.dataset.store.contexts(triple)}
        return bool(graphs) and graphs == {INFERRED_GRAPH}

    def holds(self, sub: Node, sup: Node) -> bool:
        return sub == sup or sup == self.thing or (sub, self.sub_class_of, sup) in self.dataset

    def supers(self, cls: Node, named: bool | None = None) -> Iterator[Node]:
        from rdflib import URIRef

        for sup in set(self.dataset.objects(cls, self.sub_class_of)):
            if named is None or isinstance(sup, URIRef) == named:
                yield sup

    def definitions(self, cls: Node) -> list[Node]:
        """Class expressions equivalent to ``cls`` (blank nodes): equivalentClass ones, and an
        intersectionOf or unionOf stated on the class itself."""
        from rdflib import BNode, URIRef

        found: list[Node] = [d for d in self.dataset.objects(cls, self.equivalent) if isinstance(d, BNode)]
        if any(True for _ in self.dataset.objects(cls, URIRef(OWL + "intersectionOf"))) or \
                any(True for _ in self.dataset.objects(cls, URIRef(OWL + "unionOf"))):
            found.append(cls)
        return found

    def facts(self, node: Node) -> dict[str, Node]:
        return {str(p)[len(OWL):]: o for p, o in self.dataset.predicate_objects(node) if str(p).startswith(OWL)}


def explain_class(dataset: Dataset, iri: str, statements: Statements = no_statements) -> list[Explanation]:
    """Each named superclass and equivalent class of ``iri``, inferred ones with their reasons,
    asserted ones with the sentences stating them where ``statements`` knows; and, where the class
    is unsatisfiable, why."""
    from rdflib import URIRef

    graph = _ClassGraph(dataset)
    cls = URIRef(iri)
    if not is_class(dataset, iri):
        raise InvalidArgumentError(f"{iri}: no class with this IRI in the knowledge graph")
    name = graph.name(cls)
    explanations = []
    for sup in sorted(graph.supers(cls, named=True), key=graph.name):
        if sup in (cls, graph.thing):
            continue
        if sup == graph.nothing:
            explanations.append(Explanation(f"{name} is unsatisfiable (⊑ Nothing)", True, _why_unsatisfiable(graph, cls)))
            continue
        inferred = graph.inferred_only((cls, graph.sub_class_of, sup))
        reasons = _why_subsumed(graph, cls, sup) if inferred else statements(str(cls), "is-a", str(sup))
        explanations.append(Explanation(f"{name} ⊑ {graph.name(sup)}", inferred, reasons))
    for other in sorted({o for o in dataset.objects(cls, graph.equivalent) if isinstance(o, URIRef) and o != cls}, key=graph.name):
        if other == graph.nothing:
            if any("unsatisfiable" in e.fact for e in explanations):
                continue
            explanations.append(Explanation(f"{name} is unsatisfiable (≡ Nothing)", True, _why_unsatisfiable(graph, cls)))
            continue
        inferred = graph.inferred_only((cls, graph.equivalent, other))
        reasons = [f"{name} ⊑ {graph.name(other)}: {r}" for r in _why_subsumed(graph, cls, other)] + \
                  [f"{graph.name(other)} ⊑ {name}: {r}" for r in _why_subsumed(graph, other, cls)] if inferred else []
        explanations.append(Explanation(f"{name} ≡ {graph.name(other)}", inferred, reasons))
    return explanations


def _why_subsumed(graph: _ClassGraph, cls: Node, sup: Node) -> list[str]:
    """One-step reasons for ``cls ⊑ sup``; none uses ``cls ⊑ sup`` itself."""
    reasons = []
    name, sup_name = graph.name(cls), graph.name(sup)
    for middle in sorted(graph.supers(cls, named=True), key=graph.name):
        if middle in (cls, sup, graph.thing, graph.nothing) or graph.inferred_only((cls, graph.sub_class_of, middle)):
            continue
        if graph.holds(middle, sup):
            reasons.append(f"{name} ⊑ {graph.name(middle)} (asserted), and {graph.name(middle)} ⊑ {sup_name}")
    for definition in graph.definitions(sup):
        met = _meets(graph, cls, definition, exclude=(cls, sup))
        if met is not None:
            premises = "; ".join(met) if met else f"{name} meets it"
            reasons.append(f"{premises}; and {sup_name} ≡ {_expression(graph, definition)}")
    for definition in graph.definitions(cls):
        for part in _conjuncts(graph, definition):
            if part not in (cls, sup) and graph.holds(part, sup) and not (part == sup):
                reasons.append(f"{name} ≡ {_expression(graph, definition)}, and {graph.name(part)} ⊑ {sup_name}")
    return reasons or [NO_SIMPLE_REASON]


def _meets(graph: _ClassGraph, cls: Node, expression: Node, exclude: tuple) -> list[str] | None:
    """The premises by which ``cls`` is subsumed by ``expression``, or None where none are found.
    ``exclude`` (the subsumption being explained) is never one of them."""
    from rdflib import URIRef

    if isinstance(expression, URIRef) and expression != exclude[1]:
        if expression == cls or expression == graph.thing:
            return []
        if graph.holds(cls, expression) and (cls, expression) != exclude:
            return [f"{graph.name(cls)} ⊑ {graph.name(expression)}"]
        return None
    facts = graph.facts(expression)
    members = _conjuncts(graph, expression) if "intersectionOf" in facts else None
    if members is not None and members != [expression]:
        premises = []
        for member in members:
            met = _meets(graph, cls, member, exclude)
            if met is None:
                return None
            premises += met
        return premises
    if "unionOf" in facts:
        for member in rdf_list_members(graph.dataset, facts["unionOf"]):
            met = _meets(graph, cls, member, exclude)
            if met is not None:
                return met
        return None
    if "onProperty" in facts:
        return _meets_restriction(graph, cls, facts)
    return None


def _meets_restriction(graph: _ClassGraph, cls: Node, wanted: dict[str, Node]) -> list[str] | None:
    """``cls`` ⊑ ``p some F`` (or ``p value i``) from a restriction stated on one of its superclasses."""
    candidates = [cls, *sorted((s for s in graph.supers(cls, named=True) if s not in (graph.thing, graph.nothing)), key=graph.name)]
    for holder in candidates:
        for stated in sorted(graph.supers(holder, named=False), key=graph.name):
            facts = graph.facts(stated)
            if facts.get("onProperty") != wanted["onProperty"]:
                continue
            via = "" if holder == cls else f"{graph.name(cls)} ⊑ {graph.name(holder)}, "
            stated_text = f"{via}{graph.name(holder)} ⊑ {graph.name(stated)}"
            if "someValuesFrom" in wanted and "someValuesFrom" in facts:
                filler, needed = facts["someValuesFrom"], wanted["someValuesFrom"]
                if graph.holds(filler, needed):
                    link = "" if filler == needed else f", and {graph.name(filler)} ⊑ {graph.name(needed)}"
                    return [stated_text + link]
            if "hasValue" in wanted and facts.get("hasValue") == wanted["hasValue"]:
                return [stated_text]
    return None


def _conjuncts(graph: _ClassGraph, expression: Node) -> list[Node]:
    facts = graph.facts(expression)
    return rdf_list_members(graph.dataset, facts["intersectionOf"]) if "intersectionOf" in facts else [expression]


def _expression(graph: _ClassGraph, definition: Node) -> str:
    """A definition in Manchester syntax (an intersectionOf stated on a named class, as the expression)."""
    facts = graph.facts(definition)
    if "intersectionOf" in facts:
        return " and ".join(_parenthesized(graph, m) for m in _conjuncts(graph, definition))
    return graph.name(definition)


def _parenthesized(graph: _ClassGraph, node: Node) -> str:
    text = graph.name(node)
    return f"({text})" if " " in text else text


def _why_unsatisfiable(graph: _ClassGraph, cls: Node) -> list[str]:
    """Two disjoint classes ``cls`` is subsumed by (``owl:disjointWith`` or ``owl:AllDisjointClasses``)."""
    from rdflib import URIRef

    supers = [cls, *sorted((s for s in graph.supers(cls, named=True) if s not in (graph.thing, graph.nothing)), key=graph.name)]
    disjoint_with = URIRef(OWL + "disjointWith")
    reasons = []
    for i, first in enumerate(supers):
        for second in supers[i + 1:]:
            declared = (first, disjoint_with, second) in graph.dataset or (second, disjoint_with, first) in graph.dataset
            if not declared:
                for group in graph.dataset.subjects(URIRef(RDF + "type"), URIRef(OWL + "AllDisjointClasses")):
                    head = graph.dataset.value(group, URIRef(OWL + "members"))
                    members = set(rdf_list_members(graph.dataset, head)) if head is not None else set()
                    declared = declared or {first, second} <= members
            if declared:
                reasons.append(f"{graph.name(cls)} ⊑ {graph.name(first)} and {graph.name(cls)} ⊑ {graph.name(second)}, "
                               f"and {graph.name(first)} and {graph.name(second)} are disjoint")
    return reasons or [NO_SIMPLE_REASON]
