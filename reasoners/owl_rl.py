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

from scientia.common.errors import InconsistentOntologyError, OntologyError

from .base import OWL, RDF, RDFS, XSD, Reasoner, ReasoningReport
from .swrl import apply_rules, chain_rules, rules_of

__all__ = ["OwlRlReasoner", "rl_closure", "check_consistency"]

logger = logging.getLogger(__name__)

# Reflexive axioms every RL engine adds (C ⊑ C, x sameAs x): true, useless, and numerous.
_REFLEXIVE = {f"{RDFS}subClassOf", f"{RDFS}subPropertyOf", f"{OWL}equivalentClass", f"{OWL}equivalentProperty", f"{OWL}sameAs"}
_HIERARCHY = {f"{RDFS}subClassOf", f"{RDFS}subPropertyOf"}
_TRIVIAL_OBJECTS = {f"{OWL}Thing", f"{RDFS}Resource"}
MAX_ROUNDS = 50
# The stand-ins while reasonable runs (see rl_closure): for a literal, and for a stored IRI.
LITERAL_TOKEN = "urn:scientia:literal:"
IRI_TOKEN = "urn:scientia:iri:"
# IRIs the OWL 2 RL rules read (rdf:type, owl:sameAs, ...) travel as themselves; every other one
# is opaque to the rules and travels as a token.
_VOCABULARY = (f"{RDF}", f"{RDFS}", f"{OWL}", f"{XSD}")


class OwlRlReasoner(Reasoner):
    name = "rl"
    needs_java = False
    help = (
        "OWL 2 RL forward chaining (reasonable) plus SWRL rules: for large instance data, about 10x "
        "faster than HermiT, no Java; does not classify defined classes."
    )

    def infer(self, world, inferred, report: ReasoningReport) -> None:
        rules, report.rules_skipped = rules_of(world)
        report.rules = len(rules)
        rules += chain_rules(world)
        for round_number in range(1, MAX_ROUNDS + 1):
            added = rl_closure(world, inferred)
            from_rules = apply_rules(world, inferred, rules) if rules else 0
            logger.debug("RL round %d: %d facts from RL rules, %d from SWRL", round_number, added, from_rules)
            if from_rules == 0:
                return
        logger.warning("SWRL rules still adding facts after %d rounds; stopped", MAX_ROUNDS)


def rl_closure(world, inferred) -> int:
    """Add every OWL 2 RL consequence of the world's triples to ``inferred``; return how many.

    The triples go to reasonable straight from owlready2's tables and the consequences come back
    in bulk: the triple-at-a-time route (owlready2's rdflib adapter in, an id lookup, a
    membership test and an INSERT per fact out, with owlready2 re-analyzing the tables every
    1,000 inserts) took 5 of LUBM(1)'s 7 seconds of inference. Each distinct literal travels as
    an opaque IRI (:data:`LITERAL_TOKEN`) and comes back as the stored value it stands for: the
    RL rules only compare literals for identity (domains, ranges, hasValue, keys), and making an
    rdflib Literal for each of LUBM(1)'s 66,000 literal results took another second. Lost: the
    datatype rules (dt-type2, dt-not-type), which reasonable does not implement either.

    Every stored IRI outside the RDF, RDFS, OWL and XSD vocabularies travels as a token too
    (:data:`IRI_TOKEN` and its store id): the rules only compare such IRIs for identity, and
    reasonable's strict IRI parser panics on ones that older ontologies do contain (an
    ``xml:base`` ending in ``#`` makes ``…/test.owl##Name``).
    """
    import rdflib
    import reasonable

    from .quadstore import stored_value

    started = time.perf_counter()
    graph = world.graph
    iri_of: dict[int, str] = dict(graph.execute("SELECT storid, iri FROM resources"))
    literals: dict[tuple, str] = {}  # (stored value, d) → token
    engine = reasonable.PyReasoner()
    try:
        engine.from_graph(list(_stored_triples(graph, iri_of, literals)))
        closure = engine.reason()
    except BaseException as error:  # a Rust panic arrives as pyo3's PanicException, a BaseException
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        raise OntologyError(f"the OWL 2 RL reasoner failed on this ontology ({str(error).splitlines()[0][:200]}); "
                            "try --reasoner hermit") from None
    stored_literal = {token: value for value, token in literals.items()}
    logger.debug("reasonable: %d triples in %.2f s", len(closure), time.perf_counter() - started)
    # C ⊑ D and D ⊑ C is stored as C ≡ D only: owlready2 warns on (and ignores) subclass cycles.
    hierarchy = {(s, p, o) for s, p, o in closure if str(p) in _HIERARCHY and s != o}
    mutual = {(str(s), str(p), str(o)) for s, p, o in hierarchy if (o, p, s) in hierarchy}
    storid = {iri: number for number, iri in iri_of.items()}

    def abbreviate(iri: str) -> int:
        if iri.startswith(IRI_TOKEN):
            return int(iri[len(IRI_TOKEN):])
        if iri not in storid:
            storid[iri] = world._abbreviate(iri)  # a name the store has not seen (owl:Thing's kin)
        return storid[iri]

    existing_objs = set(graph.execute("SELECT s, p, o FROM objs"))
    existing_datas = set(graph.execute("SELECT s, p, o, d FROM datas"))
    new_objs: set[tuple[int, int, int]] = set()
    new_datas: set[tuple[int, int, object, object]] = set()
    for s, p, o in closure:
        if isinstance(s, rdflib.BNode) or isinstance(o, rdflib.BNode):
            continue
        s_iri, p_iri, o_iri = str(s), str(p), str(o)
        if (s_iri, p_iri, o_iri) in mutual or s_iri.startswith(LITERAL_TOKEN):
            continue  # a fact about a literal (its datatype class): RL's, not the data's
        if o_iri.startswith(LITERAL_TOKEN) or isinstance(o, rdflib.Literal):
            value, datatype = stored_literal[o_iri] if o_iri in stored_literal else (stored_value(o), _datatype(o, abbreviate))
            row = (abbreviate(s_iri), abbreviate(p_iri), value, datatype)
            if row not in existing_datas:
                new_datas.add(row)
            continue
        if (p_iri in _REFLEXIVE and s_iri == o_iri) or o_iri in _TRIVIAL_OBJECTS:
            continue
        link = (abbreviate(s_iri), abbreviate(p_iri), abbreviate(o_iri))
        if link not in existing_objs:
            new_objs.add(link)
    c = inferred.graph.c
    graph.db.executemany("INSERT OR IGNORE INTO objs VALUES (?, ?, ?, ?)", [(c, *row) for row in sorted(new_objs)])
    graph.db.executemany("INSERT OR IGNORE INTO datas VALUES (?, ?, ?, ?, ?)", [(c, *row) for row in new_datas])
    return len(new_objs) + len(new_datas)


def _stored_triples(graph, iri_of: dict[int, str], literals: dict[tuple, str]):
    """Every stored triple as reasonable reads it: IRIs as strings, blank nodes as rdflib terms,
    each distinct literal as its token (recorded in ``literals``)."""
    import rdflib

    def node(number: int):
        if number < 0:
            return rdflib.BNode(f"b{-number}")
        iri = iri_of[number]
        return iri if iri.startswith(_VOCABULARY) else f"{IRI_TOKEN}{number}"

    for s, p, o in graph.execute("SELECT s, p, o FROM objs"):
        yield node(s), node(p), node(o)
    for s, p, o, d in graph.execute("SELECT s, p, o, d FROM datas"):
        key = (o, d)
        if key not in literals:
            literals[key] = f"{LITERAL_TOKEN}{len(literals)}"
        yield node(s), node(p), literals[key]


def _datatype(literal, abbreviate) -> object:
    """owlready2's ``d`` column for a literal: ``@lang``, a datatype's id, or 0 for a plain one."""
    if literal.language:
        return f"@{literal.language}"
    return abbreviate(str(literal.datatype)) if literal.datatype else 0


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
