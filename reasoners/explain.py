"""Why does an individual have an inferred type or property value?

The reasoners here report what they infer, not why, so explanations are reconstructed after
the fact: for each inferred fact, the one-step justifications that hold in the materialized
graph (a subclass axiom, a domain or range, a class definition the individual satisfies, an
inverse, transitive, symmetric, sub-property or chain axiom, a SWRL rule). Premises that are
themselves inferred can be explained in turn. As far as the reasoner can tell: a fact with no
one-step justification found is reported as "entailed (no simple justification found)".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scientia.common.errors import InvalidArgumentError

from .base import INFERRED_ONTOLOGY
from .provenance import Statements, no_statements
from .render import display_name, render_expression
from .swrl import property_chains

__all__ = ["Explanation", "explain_individual", "why_type", "why_subclass"]


@dataclass
class Explanation:
    fact: str
    inferred: bool
    reasons: list[str] = field(default_factory=list)


def _inferred_graph(world) -> int:
    return world.get_ontology(INFERRED_ONTOLOGY).graph.c


def _is_inferred(world, s: int, p: int, o: int) -> bool:
    """True where the triple is stored only in the inferred graph."""
    rows = world.graph.execute("SELECT c FROM objs WHERE s=? AND p=? AND o=?", (s, p, o)).fetchall()
    return bool(rows) and all(c == _inferred_graph(world) for (c,) in rows)


def explain_individual(world, iri: str, statements: Statements = no_statements) -> list[Explanation]:
    """Every type and object property value of the individual, inferred ones with their reasons,
    asserted ones with the sentences stating them where ``statements`` knows."""
    import owlready2

    individual = world[iri]
    if individual is None or not isinstance(individual, owlready2.Thing):
        raise InvalidArgumentError(f"{iri}: no class or individual with this IRI in the knowledge graph")
    rdf_type = owlready2.rdf_type
    explanations = []
    for cls in sorted(_types(individual), key=display_name):
        inferred = _is_inferred(world, individual.storid, rdf_type, cls.storid)
        fact = f"{display_name(individual)} is a {display_name(cls)}"
        explanations.append(Explanation(fact, inferred, why_type(world, individual, cls) if inferred
                                        else statements(individual.iri, "is-a", cls.iri)))
    for prop, value in _object_values(world, individual):
        inferred = _is_inferred(world, individual.storid, prop.storid, value.storid)
        fact = f"{display_name(individual)} {display_name(prop)} {display_name(value)}"
        explanations.append(Explanation(fact, inferred, _why_value(world, individual, prop, value) if inferred
                                        else statements(individual.iri, prop.name, value.iri)))
    return explanations


def _types(individual) -> set:
    import owlready2

    world = individual.namespace.world
    found = {world._get_by_storid(o) for o in world._get_obj_triples_sp_o(individual.storid, owlready2.rdf_type) if o > 0}
    return {c for c in found if isinstance(c, owlready2.ThingClass) and not c.iri.startswith("http://www.w3.org/2002/07/owl#")}


def _object_values(world, individual):
    import owlready2

    for p, o in world._get_obj_triples_s_po(individual.storid):
        prop, value = world._get_by_storid(p), world._get_by_storid(o) if o > 0 else None
        if isinstance(prop, owlready2.ObjectPropertyClass) and isinstance(value, owlready2.Thing):
            yield prop, value


def _holds(world, s, p, o) -> bool:
    return world._has_obj_triple_spo(s.storid, p.storid, o.storid)


def _satisfies(world, individual, expression) -> bool:
    import owlready2

    if isinstance(expression, owlready2.ThingClass):
        return expression in _types(individual)
    if isinstance(expression, owlready2.Restriction):
        values = [v for p, v in _object_values(world, individual) if p == expression.property]
        if expression.type == owlready2.SOME:
            return any(_satisfies(world, v, expression.value) for v in values)
        if expression.type == owlready2.VALUE:
            return expression.value in values
        return False
    if isinstance(expression, owlready2.And):
        return all(_satisfies(world, individual, part) for part in expression.Classes)
    if isinstance(expression, owlready2.Or):
        return any(_satisfies(world, individual, part) for part in expression.Classes)
    return False


def definitions(cls) -> list:
    """Class expressions equivalent to ``cls``: ``owl:equivalentClass`` ones, and an
    ``owl:intersectionOf`` stated on the class itself (LUBM's style, which owlready2 leaves out)."""
    import owlready2

    found = [d for d in getattr(cls, "equivalent_to", []) if not isinstance(d, owlready2.ThingClass)]
    world = cls.namespace.world
    for kind, construct in ((owlready2.owl_intersectionof, owlready2.And), (owlready2.owl_unionof, owlready2.Or)):
        bnode = world._get_obj_triple_sp_o(cls.storid, kind)
        if bnode is not None:
            found.append(construct(world._parse_list(bnode)))
    return found


class _Reasons:
    """Justifications grouped by the axiom they use, each with its first premise and a count."""

    def __init__(self) -> None:
        self._by_axiom: dict[str, list[str]] = {}

    def add(self, premise: str, axiom: str) -> None:
        self._by_axiom.setdefault(axiom, []).append(premise)

    def render(self) -> list[str]:
        lines = []
        for axiom, premises in self._by_axiom.items():
            more = f" (and {len(premises) - 1} more like it)" if len(premises) > 1 else ""
            lines.append(f"{premises[0]}{more}, and {axiom}" if premises[0] else axiom)
        return lines or ["entailed (no simple justification found)"]


def why_type(world, individual, cls) -> list[str]:
    import owlready2

    reasons = _Reasons()
    name = display_name(individual)
    for other in _types(individual):
        if other is not cls and cls in other.ancestors() and not _is_inferred(world, individual.storid, owlready2.rdf_type, other.storid):
            reasons.add(f"{name} is asserted to be a {display_name(other)}", f"{display_name(other)} ⊑ {display_name(cls)}")
    for prop, value in _object_values(world, individual):
        if cls in getattr(prop, "domain", []):
            reasons.add(f"{name} {display_name(prop)} {display_name(value)}", f"the domain of {display_name(prop)} is {display_name(cls)}")
    for s, p in world.graph.execute("SELECT DISTINCT s, p FROM objs WHERE o=?", (individual.storid,)).fetchall():
        prop = world._get_by_storid(p)
        if isinstance(prop, owlready2.ObjectPropertyClass) and cls in getattr(prop, "range", []):
            reasons.add(f"{display_name(world._get_by_storid(s))} {display_name(prop)} {name}", f"the range of {display_name(prop)} is {display_name(cls)}")
    for definition in definitions(cls):
        if _satisfies(world, individual, definition):
            reasons.add("", f"{display_name(cls)} ≡ {render_expression(definition)}, which {name} satisfies")
    for rule in world.rules():
        if any(isinstance(a, owlready2.ClassAtom) and a.class_predicate == cls for a in rule.head):
            reasons.add("", f"rule: {rule}")
    if not reasons._by_axiom:
        for other in _types(individual):
            if other is not cls and cls in other.ancestors():
                reasons.add(f"{name} is a {display_name(other)} (inferred)", f"{display_name(other)} ⊑ {display_name(cls)}")
    return reasons.render()


def why_subclass(sub, sup) -> str:
    """The definition that makes ``sub`` ⊑ ``sup`` hold, for an inferred subsumption."""
    found = definitions(sup)
    if found:
        return f"inferred from {display_name(sup)} ≡ {render_expression(found[0])}"
    return "inferred by the reasoner"


def _why_value(world, individual, prop, value, excluding: frozenset = frozenset(), depth: int = 0) -> list[str]:
    """One-step reasons for ``individual prop value``. A premise that is itself inferred counts
    only where it has a reason of its own that does not rest on the fact being explained (or on
    any fact in ``excluding``): an inverse fact inferred from this one explains nothing."""
    import owlready2

    fact = (individual.storid, prop.storid, value.storid)
    blocked = excluding | {fact}

    def supported(s, p, o) -> bool:
        premise = (s.storid, p.storid, o.storid)
        if premise in blocked or not _holds(world, s, p, o):
            return False
        if not _is_inferred(world, *premise):
            return True
        return depth < 3 and bool(_why_value(world, s, p, o, blocked, depth + 1))

    reasons = []
    a, b = display_name(individual), display_name(value)
    inverse = prop.inverse_property
    if inverse is not None and supported(value, inverse, individual):
        reasons.append(f"{b} {display_name(inverse)} {a}, and {display_name(prop)} is the inverse of {display_name(inverse)}")
    if owlready2.SymmetricProperty in prop.is_a and supported(value, prop, individual):
        reasons.append(f"{b} {display_name(prop)} {a}, and {display_name(prop)} is symmetric")
    if owlready2.TransitiveProperty in prop.is_a:
        for p, middle in _object_values(world, individual):
            if p == prop and middle != value and supported(individual, prop, middle) and supported(middle, prop, value):
                link, via = display_name(prop), display_name(middle)
                reasons.append(f"{a} {link} {via} and {via} {link} {b}; {link} is transitive")
                break
    for sub in prop.descendants():
        if sub is not prop and supported(individual, sub, value):
            reasons.append(f"{a} {display_name(sub)} {b}, and {display_name(sub)} ⊑ {display_name(prop)}")
    for steps in property_chains(prop):
        if len(steps) == 2:
            for p, middle in _object_values(world, individual):
                if p == steps[0] and supported(individual, steps[0], middle) and supported(middle, steps[1], value):
                    reasons.append(
                        f"{a} {display_name(steps[0])} {display_name(middle)} and {display_name(middle)} "
                        f"{display_name(steps[1])} {b}; {display_name(prop)} ⊒ {display_name(steps[0])} ∘ {display_name(steps[1])}"
                    )
                    break
    for rule in world.rules():
        if any(isinstance(a_, owlready2.IndividualPropertyAtom) and a_.property_predicate == prop for a_ in rule.head):
            reasons.append(f"rule: {rule}")
    if depth:
        return reasons
    return reasons or ["entailed (no simple justification found)"]
