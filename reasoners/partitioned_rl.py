"""OWL 2 RL materialization in parts on a Ray cluster, equal to the one-process closure.

The schema (TBox: class and property axioms, and anything that is not an individual) is closed
once, in the driver, and every part gets it. The instance data (ABox: each triple whose subject
is an individual) is cut into parts by connected components of the assertions that join
individuals, each component bounded by a part's share (so that one university's people,
courses and departments stay together while a degree from another university crosses). Each
part is closed under OWL 2 RL in its own Ray task; what a part derives about an individual of
another part is sent there, and parts that received something new are closed again, in rounds,
until no part derives anything new: the semi-naive exchange of WebPIE over MapReduce (Urbani et
al., "WebPIE: A Web-scale Parallel Inference Engine using MapReduce", J. Web Semantics 2012).

Why the union of the parts is the whole closure. A triple lives in the part of its subject and,
when its object is an individual, in the object's part too. Every rule reasonable implements
(OWL 2 Profiles §4.3: prp-dom/rng/fp/ifp/spo1/inv/trp/symp/eqp, eq-*, cls-int/uni/svf1/avf/hv/
nothing/com, cax-sco/eqc/dw) joins its instance premises on one shared term: the subject (the
types of x for cls-int, two values of x for prp-fp), or a term that is the object of one premise
and the subject of the other (x P y, y P z for prp-trp; x P y, y type D for cls-svf1; s P o,
o sameAs o' for eq-rep-o). All premises of a firing are then in that term's part, once the
rounds have delivered them there, and by induction on the derivation every consequence reaches
a part. Literals join rules only through inverse-functional, functional and restricted
properties (prp-ifp, cls-svf1 on a data range): a value of those travels to its literal's part
too, and so does every fact about a literal. Not covered: equality between two literals
(prp-fp on two different values, inconsistent under the datatype rules, which reasonable leaves
out too) replacing that literal in values of other properties.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from .base import OWL, RDF, RDFS
from .rl_triples import LITERAL_BASE, EncodedGraph, concatenate, difference, materialize, rename_new, unique_rows

__all__ = ["RayDistribution", "partitioned_closure", "split_schema", "assign_parts", "PART_TRIPLES"]

logger = logging.getLogger(__name__)

# Instance triples per part when the number of parts is not given. A worker's peak follows its
# part, not the graph: 1.9 GiB for parts of 0.5M triples (LUBM(20)), 4.1 GiB for 0.86M (LUBM(100)).
PART_TRIPLES = 1_000_000
# Predicates of the vocabulary whose subject may be an individual
_INDIVIDUAL_PREDICATES = (f"{RDF}type", f"{OWL}sameAs", f"{OWL}differentFrom", f"{OWL}versionInfo",
                          *(f"{RDFS}{name}" for name in ("label", "comment", "seeAlso", "isDefinedBy")))
# Predicates whose object is always part of the schema
_SCHEMA_OBJECTS = (*(f"{RDFS}{name}" for name in ("subClassOf", "subPropertyOf", "domain", "range")),
                   *(f"{OWL}{name}" for name in ("equivalentClass", "equivalentProperty", "inverseOf", "onProperty",
                                                 "someValuesFrom", "allValuesFrom", "disjointWith", "complementOf",
                                                 "propertyDisjointWith", "intersectionOf", "unionOf", "oneOf")))
# Types that make their subject an individual's: every other vocabulary type makes it schema
_INDIVIDUAL_TYPES = (f"{OWL}NamedIndividual", f"{OWL}Thing")
# The vocabulary's IRIs reasonable may write: given ids before the parts start, so that no part
# has to name one (each part would number it differently)
_RULE_VOCABULARY = (
    *(f"{RDF}{name}" for name in ("type", "first", "rest", "nil")),
    *(f"{RDFS}{name}" for name in ("domain", "range", "subPropertyOf", "subClassOf", "Resource", "Literal")),
    *(f"{OWL}{name}" for name in (
        "Thing", "Nothing", "sameAs", "inverseOf", "SymmetricProperty", "IrreflexiveProperty", "AsymmetricProperty",
        "TransitiveProperty", "equivalentProperty", "equivalentClass", "FunctionalProperty",
        "InverseFunctionalProperty", "intersectionOf", "unionOf", "hasValue", "allValuesFrom", "someValuesFrom",
        "disjointWith", "onProperty", "complementOf", "propertyDisjointWith", "Class")),
)


@dataclass
class RayDistribution:
    """How to materialize on Ray, and what each materialization did (for ``index info``)."""

    parts: int | None = None  # None: one per PART_TRIPLES instance triples, at least 2
    in_flight: int | None = None  # parts closed at once; None: the cluster's CPUs
    runs: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, int | str]:
        """The last closure's parts, rounds, nodes and exchanged facts (the SWRL loop may close
        again; the last closure is the one over everything)."""
        if not self.runs:
            return {}
        last = self.runs[-1]
        return {"where": "ray", "parts": last["parts"], "rounds": last["rounds"], "nodes": len(last["nodes"]),
                "exchanged": last["exchanged"], "closures": len(self.runs)}


def split_schema(encoded: EncodedGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(schema rows, instance rows, the individuals' ids): a row is an instance row when its
    subject is an individual, an IRI that is neither a class, a property, an ontology, nor the
    object of an axiom."""
    triples = encoded.triples
    s, p, o = triples[:, 0], triples[:, 1], triples[:, 2]
    vocabulary = np.fromiter(encoded.vocabulary, dtype=np.int64)
    rdf_type = encoded.id_of(f"{RDF}type")
    by_vocabulary = np.isin(p, vocabulary)
    typed = p == rdf_type
    schema = np.concatenate([
        o[typed],  # classes
        s[typed & np.isin(o, vocabulary) & ~np.isin(o, encoded.ids_of(_INDIVIDUAL_TYPES))],  # declared classes, ...
        np.unique(p),  # properties
        s[by_vocabulary & ~np.isin(p, encoded.ids_of(_INDIVIDUAL_PREDICATES))],
        o[np.isin(p, encoded.ids_of(_SCHEMA_OBJECTS))],
        vocabulary,
    ])
    linked = ~by_vocabulary | np.isin(p, encoded.ids_of((f"{OWL}sameAs", f"{OWL}differentFrom")))
    candidates = np.unique(np.concatenate([s, o[linked]]))
    candidates = candidates[(candidates >= 0) & (candidates < LITERAL_BASE)]
    individuals = candidates[~np.isin(candidates, schema)]
    instance = np.isin(s, individuals)
    return triples[~instance], triples[instance], individuals


def assign_parts(instance: np.ndarray, individuals: np.ndarray, parts: int) -> np.ndarray:
    """Each individual's part (an array over ids: -1 for what is not an individual).

    Connected components of the assertions between individuals, each grown only while it stays
    within a part's share (a component that would pass it stops growing: its other assertions
    cross parts), then packed in order of their first individual, so that individuals stated
    together (one university's files) share a part."""
    count = len(individuals)
    share = max(1, math.ceil(count / parts))
    position = np.full(int(individuals.max()) + 1 if count else 0, -1, dtype=np.int64)
    position[individuals] = np.arange(count)
    s = instance[:, 0]
    o = instance[:, 2]
    joined = (o >= 0) & (o < len(position))
    joined[joined] = position[o[joined]] >= 0
    edges = np.stack([position[s[joined]], position[o[joined]]], axis=1).tolist()
    parent = list(range(count))
    size = [1] * count

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb and size[ra] + size[rb] <= share:
            if size[ra] < size[rb]:
                ra, rb = rb, ra
            parent[rb] = ra
            size[ra] += size[rb]
    roots = [root(x) for x in range(count)]
    part_of_root: dict[int, int] = {}
    filled, current = 0, 0
    for x in range(count):  # components in order of their first individual
        r = roots[x]
        if r in part_of_root:
            continue
        if filled and filled + size[r] > share:
            current, filled = current + 1, 0
        part_of_root[r] = current
        filled += size[r]
    part_of = np.full(len(position), -1, dtype=np.int64)
    part_of[individuals] = [part_of_root[r] for r in roots]
    return part_of


class _Router:
    """Which parts a triple goes to: its subject's and its object's (for an individual, or a
    literal value of a joining property); every part for a fact about the schema."""

    def __init__(self, part_of: np.ndarray, parts: int, joining: np.ndarray) -> None:
        self.part_of = part_of
        self.parts = parts
        self.joining = joining

    def _part(self, terms: np.ndarray) -> np.ndarray:
        found = np.full(len(terms), -1, dtype=np.int64)
        known = (terms >= 0) & (terms < len(self.part_of))
        found[known] = self.part_of[terms[known]]
        literal = terms >= LITERAL_BASE
        found[literal] = (terms[literal] - LITERAL_BASE) % self.parts
        return found

    def route(self, rows: np.ndarray) -> list[np.ndarray]:
        subject = self._part(rows[:, 0])
        target = self._part(rows[:, 2])
        literal = rows[:, 2] >= LITERAL_BASE
        target[literal & ~np.isin(rows[:, 1], self.joining)] = -1
        everywhere = (subject == -1) & (rows[:, 0] < LITERAL_BASE)
        return [rows[(subject == j) | (target == j) | everywhere] for j in range(self.parts)]


def _joining_properties(schema: np.ndarray, encoded: EncodedGraph) -> np.ndarray:
    """Properties whose literal values join rules: inverse-functional, functional, restricted."""
    kinds = encoded.ids_of((f"{OWL}InverseFunctionalProperty", f"{OWL}FunctionalProperty"))
    typed = schema[(schema[:, 1] == encoded.id_of(f"{RDF}type")) & np.isin(schema[:, 2], kinds), 0]
    restricted = schema[schema[:, 1] == encoded.id_of(f"{OWL}onProperty"), 2]
    return np.unique(np.concatenate([typed, restricted]))


def _close_part(schema, part, delta, vocabulary):
    """One part's task: add ``delta`` (what other parts sent) to ``part``; if anything is new,
    close schema + part under OWL 2 RL. Returns (the part with all it now holds, what was derived,
    names the rules made, (this node's id, this worker's peak resident MiB), whether it closed)."""
    import resource

    import ray

    def where() -> tuple[str, float]:
        return ray.get_runtime_context().get_node_id(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    if delta is not None:
        new = difference(delta, part)
        if len(new) == 0:
            return part, new, [], where(), False
        part = np.concatenate([part, new])
    given = np.concatenate([schema, part])
    closure, names = materialize(given, vocabulary)
    derived = difference(closure, given)
    return np.concatenate([part, derived]), derived, names, where(), True


def partitioned_closure(encoded: EncodedGraph, distribution: RayDistribution, id_for: Callable[[str], int]) -> np.ndarray:
    """The OWL 2 RL closure of ``encoded``, computed in parts on the Ray cluster this process has
    joined: the closed schema and every derived fact (the asserted instance data left out, as
    the caller holds it). ``id_for`` gives a new IRI its quadstore id."""
    import ray

    from scientia.common.errors import OntologyError

    started = time.perf_counter()
    for iri in _RULE_VOCABULARY:
        if encoded.id_of(iri) is None:
            encoded.add_name(iri, id_for(iri))
    schema_rows, instance, individuals = split_schema(encoded)
    schema, names = materialize(schema_rows, encoded.vocabulary)
    schema = rename_new(schema, names, id_for)
    parts = distribution.parts or max(2, math.ceil(len(instance) / PART_TRIPLES))
    part_of = assign_parts(instance, individuals, parts)
    parts = int(part_of.max()) + 1 if len(individuals) else 1
    router = _Router(part_of, parts, _joining_properties(schema, encoded))
    in_flight = distribution.in_flight or max(1, int(ray.cluster_resources().get("CPU", 1)))
    close = ray.remote(num_cpus=1, max_retries=2, scheduling_strategy="SPREAD", num_returns=5)(_close_part)
    schema_ref = ray.put(schema)
    vocabulary_ref = ray.put(encoded.vocabulary)
    holdings: list[Any] = [ray.put(rows) for rows in router.route(instance)]
    deltas: list[list[np.ndarray]] = [[] for _ in range(parts)]
    derived_all: list[np.ndarray] = []
    nodes: set[str] = set()
    rounds = exchanged = 0
    worker_peak = 0.0
    logger.info("OWL 2 RL on Ray: %d instance triples of %d individuals in %d parts, schema %d triples",
                len(instance), len(individuals), parts, len(schema))
    first = True
    while True:
        jobs = list(range(parts)) if first else [j for j in range(parts) if deltas[j]]
        if not jobs:
            break
        sending = {j: ray.put(concatenate(deltas[j])) for j in jobs} if not first else {}
        deltas = [[] for _ in range(parts)]
        running: dict[Any, tuple[int, list[Any]]] = {}  # a task's first result → its part, all its results
        closed_any = False
        queue = list(jobs)
        while queue or running:
            while queue and len(running) < in_flight:
                j = queue.pop(0)
                refs = cast(list, close.remote(schema_ref, holdings[j], sending.get(j), vocabulary_ref))
                holdings[j] = refs[0]
                running[refs[1]] = (j, refs)
            done, _ = ray.wait(list(running), num_returns=1)
            j, refs = running.pop(done[0])
            try:
                derived, made, (node, peak_mib), closed = ray.get(refs[1:])
            except ray.exceptions.RayTaskError as error:
                cause = error.as_instanceof_cause()
                raise (OntologyError(str(cause)) if isinstance(cause, OntologyError) else cause) from None
            nodes.add(node)
            worker_peak = max(worker_peak, peak_mib)
            closed_any |= closed
            if made:  # a name no id stood for: number it here, and in the part that holds it
                derived = rename_new(derived, made, id_for)
                holdings[j] = ray.put(rename_new(ray.get(holdings[j]), made, id_for))
            if len(derived):
                derived_all.append(derived)
                for target, rows in enumerate(router.route(derived)):
                    if target != j and len(rows):
                        deltas[target].append(rows)
                        exchanged += len(rows)
        rounds += closed_any
        first = False
    closure = unique_rows(concatenate([schema, *derived_all]))
    largest = int(np.bincount(part_of[part_of >= 0]).max()) if len(individuals) else 0
    run = {"parts": parts, "rounds": rounds, "nodes": sorted(nodes), "exchanged": exchanged,
           "instance_triples": len(instance), "largest_part_individuals": largest,
           "worker_peak_mib": round(worker_peak, 1), "seconds": round(time.perf_counter() - started, 3)}
    distribution.runs.append(run)
    logger.info("OWL 2 RL on Ray: %d parts, %d rounds, %d nodes, %d facts exchanged, %.1f s", parts, rounds,
                len(nodes), exchanged, run["seconds"])
    return closure
