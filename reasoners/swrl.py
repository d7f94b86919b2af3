"""SWRL rules run by forward chaining, for the reasoners that ignore them (OWL 2 RL engines).

Horrocks et al., "SWRL: A Semantic Web Rule Language Combining OWL and RuleML", W3C Member
Submission 2004. Each rule's body becomes one SPARQL ``SELECT`` over the asserted and inferred
graph; every binding adds the head's facts to the inferred graph. Rules with built-ins or
atom kinds not handled here are skipped and reported, never half-applied.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

__all__ = ["SwrlRule", "rules_of", "chain_rules", "property_chains", "apply_rules"]

logger = logging.getLogger(__name__)

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass(frozen=True)
class SwrlRule:
    text: str  # owlready2's rendering, e.g. "Person(?x), hasParent(?x, ?y) -> hasAncestor(?x, ?y)"
    body: tuple[tuple[str, str, str], ...]  # triple patterns, terms as "?var" or "<iri>"
    head: tuple[tuple[str, str, str], ...]


class UnsupportedAtom(Exception):
    pass


def _term(argument) -> str:
    from owlready2.rule import Variable

    if isinstance(argument, Variable):
        return f"?{argument.name}"
    if hasattr(argument, "iri"):
        return f"<{argument.iri}>"
    raise UnsupportedAtom(f"literal argument {argument!r}")


def _pattern(atom) -> tuple[str, str, str]:
    from owlready2.rule import ClassAtom, IndividualPropertyAtom

    if isinstance(atom, ClassAtom) and hasattr(atom.class_predicate, "iri"):
        return (_term(atom.arguments[0]), f"<{RDF_TYPE}>", f"<{atom.class_predicate.iri}>")
    if isinstance(atom, IndividualPropertyAtom):
        first, second = atom.arguments
        return (_term(first), f"<{atom.property_predicate.iri}>", _term(second))
    raise UnsupportedAtom(type(atom).__name__)


def rules_of(world) -> tuple[list[SwrlRule], list[str]]:
    """The world's SWRL rules that can run here, and the text of those that can't."""
    usable, skipped = [], []
    for imp in world.rules():
        try:
            rule = SwrlRule(str(imp), tuple(map(_pattern, imp.body)), tuple(map(_pattern, imp.head)))
        except UnsupportedAtom as reason:
            skipped.append(f"{imp} ({reason})")
            continue
        usable.append(rule)
    if skipped:
        logger.warning("%d SWRL rules skipped (unsupported atoms): %s", len(skipped), "; ".join(skipped))
    return usable, skipped


def chain_rules(world) -> list[SwrlRule]:
    """Property chains (``owl:propertyChainAxiom``, OWL 2 RL rule prp-spo2) as rules:
    ``p ⊒ p1 ∘ p2`` becomes ``p1(?x0, ?x1), p2(?x1, ?x2) -> p(?x0, ?x2)``. The RL engine used here
    leaves chains out, so they run with the SWRL rules."""
    rules = []
    for prop in world.object_properties():
        for steps in property_chains(prop):
            if len(steps) < 2 or not all(hasattr(step, "iri") for step in steps):
                continue
            body = tuple((f"?x{i}", f"<{step.iri}>", f"?x{i + 1}") for i, step in enumerate(steps))
            head = (("?x0", f"<{prop.iri}>", f"?x{len(steps)}"),)
            text = f"{' o '.join(step.name for step in steps)} -> {prop.name}"
            rules.append(SwrlRule(text, body, head))
    return rules


def property_chains(prop) -> list[list]:
    """The chains of ``prop``, read from the raw triples: owlready2's ``property_chain`` attribute
    writes to the store when first read, which fails on a read-only index."""
    from owlready2 import owl_propertychain

    world = prop.namespace.world
    return [list(world._parse_list(bnode)) for bnode in world._get_obj_triples_sp_o(prop.storid, owl_propertychain)]


def apply_rules(world, inferred, rules: list[SwrlRule]) -> int:
    """One pass of every rule; returns how many new facts were added."""
    added = 0
    for rule in rules:
        variables = sorted({t[1:] for pattern in rule.head for t in pattern if t.startswith("?")})
        where = " . ".join(" ".join(pattern) for pattern in rule.body)
        query = f"SELECT DISTINCT {' '.join('?' + v for v in variables)} WHERE {{ {where} }}"
        for row in world.sparql(query):
            binding = {f"?{name}": value for name, value in zip(variables, row, strict=False)}
            for s, p, o in rule.head:
                added += _add(world, inferred, _resolve(s, binding), p[1:-1], _resolve(o, binding))
    return added


def _resolve(term: str, binding: dict) -> str:
    if term.startswith("?"):
        return binding[term].iri
    return term[1:-1]


def _add(world, inferred, s: str, p: str, o: str) -> int:
    spo = world._abbreviate(s), world._abbreviate(p), world._abbreviate(o)
    if world._has_obj_triple_spo(*spo):
        return 0
    inferred._add_obj_triple_spo(*spo)
    return 1
