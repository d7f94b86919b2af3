"""OWL 2 RL materialization: the W3C rule set ("OWL 2 Web Ontology Language Profiles", §4.3)
run to a fixpoint by `reasonable` (Rust), then property chains and SWRL rules (which reasonable
leaves out), repeated until nothing new appears.

Chosen by measurement (TOOLCHAIN.md, 50k individuals): reasonable 5.0 s, owlrl 282 s, HermiT
53 s; on LUBM(1,0) it loads, infers and stores in about 6 s and answers all 14 queries. OWL 2 RL
does not classify defined classes (an existential on the subclass side, as in the pizza
ontology); use HermiT for that. Facts about blank nodes are not stored: they describe
anonymous class expressions, which queries and the knowledge signal never ask about.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from scientia.common.errors import InconsistentOntologyError

from .base import OWL, Reasoner, ReasoningReport
from .rl_triples import closure_rows, encode_world, materialize, rename_new
from .swrl import apply_rules, chain_rules, rules_of

if TYPE_CHECKING:
    from .partitioned_rl import RayDistribution

__all__ = ["OwlRlReasoner", "rl_closure", "check_consistency"]

logger = logging.getLogger(__name__)

MAX_ROUNDS = 50


class OwlRlReasoner(Reasoner):
    name = "rl"
    needs_java = False
    help = (
        "OWL 2 RL forward chaining (reasonable) plus SWRL rules: for large instance data, about 10x "
        "faster than HermiT, no Java; does not classify defined classes."
    )

    def __init__(self, distribution: RayDistribution | None = None) -> None:
        # None: one process; else the instance data is materialized in parts on Ray
        self.distribution = distribution

    def infer(self, world, inferred, report: ReasoningReport) -> None:
        rules, report.rules_skipped = rules_of(world)
        report.rules = len(rules)
        rules += chain_rules(world)
        try:
            for round_number in range(1, MAX_ROUNDS + 1):
                added = rl_closure(world, inferred, self.distribution)
                from_rules = apply_rules(world, inferred, rules) if rules else 0
                logger.debug("RL round %d: %d facts from RL rules, %d from SWRL", round_number, added, from_rules)
                if from_rules == 0:
                    return
            logger.warning("SWRL rules still adding facts after %d rounds; stopped", MAX_ROUNDS)
        finally:
            if self.distribution is not None:
                report.computed = self.distribution.summary()


def rl_closure(world, inferred, distribution: RayDistribution | None = None) -> int:
    """Add every OWL 2 RL consequence of the world's triples to ``inferred``; return how many.

    The triples go to reasonable straight from owlready2's tables as integer ids
    (:mod:`.rl_triples`) and the consequences come back in bulk: the triple-at-a-time route
    (owlready2's rdflib adapter in, an id lookup, a membership test and an INSERT per fact out,
    with owlready2 re-analyzing the tables every 1,000 inserts) took 5 of LUBM(1)'s 7 seconds of
    inference. Each distinct literal travels as an opaque token: the RL rules only compare
    literals for identity (domains, ranges, hasValue, keys). Lost: the datatype rules (dt-type2,
    dt-not-type), which reasonable does not implement either. Every stored IRI outside the RDF,
    RDFS, OWL and XSD vocabularies travels as a token too: reasonable's strict IRI parser panics
    on ones that older ontologies do contain (an ``xml:base`` ending in ``#`` makes
    ``…/test.owl##Name``).

    With ``distribution``, the instance data is materialized in parts on Ray
    (:mod:`.partitioned_rl`); the closure is the same, triple for triple.
    """
    started = time.perf_counter()
    encoded = encode_world(world)

    def id_for(iri: str) -> int:  # a name the store has not seen (owl:Thing's kin)
        return world._abbreviate(iri)

    if distribution is None:
        closure, new_names = materialize(encoded.triples, encoded.vocabulary)
        closure = rename_new(closure, new_names, id_for)
    else:
        from .partitioned_rl import partitioned_closure

        closure = partitioned_closure(encoded, distribution, id_for)
    logger.debug("OWL 2 RL closure: %d triples in %.2f s", len(closure), time.perf_counter() - started)
    new_objs, new_datas = closure_rows(closure, encoded)
    c = inferred.graph.c
    world.graph.db.executemany("INSERT OR IGNORE INTO objs VALUES (?, ?, ?, ?)", [(c, *row) for row in new_objs])
    world.graph.db.executemany("INSERT OR IGNORE INTO datas VALUES (?, ?, ?, ?, ?)", [(c, *row) for row in new_datas])
    return len(new_objs) + len(new_datas)


def check_consistency(world) -> None:
    """Raise :class:`InconsistentOntologyError` naming the individuals whose types clash."""
    empty = [row[0].iri for row in world.sparql(f"SELECT DISTINCT ?x WHERE {{ ?x a <{OWL}Nothing> }}")]
    clashes = [
        (x.iri, c.iri, d.iri)
        for x, c, d in world.sparql(
            f"SELECT DISTINCT ?x ?c ?d WHERE {{ ?c <{OWL}disjointWith> ?d . ?x a ?c . ?x a ?d }}"
        )
        if hasattr(x, "iri") and hasattr(c, "iri") and hasattr(d, "iri")
    ]
    if not empty and not clashes:
        return
    parts = [f"{_short(x)} is a {_short(c)} and a {_short(d)}, which are disjoint" for x, c, d in clashes[:5]]
    parts += [f"{_short(x)} can have no type (owl:Nothing)" for x in empty[:5]]
    more = len(clashes) + len(empty) - len(parts)
    raise InconsistentOntologyError("inconsistent ontology: " + "; ".join(parts) + (f"; and {more} more" if more > 0 else ""))


def _short(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or iri
