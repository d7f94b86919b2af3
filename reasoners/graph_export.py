"""What the index keeps of the knowledge graph for retrieval: named entities with their names,
and, for each entity, what reasoning reaches from it, with the step that reaches it.

From a class: its subclasses, at their distance in the class hierarchy, then their instances
(inferred ones too). From an individual: the values of its object properties (inverse,
transitive, chained and rule-derived ones too). Each step records whether it was inferred and,
for inferred steps, why, so a hit can show the chain that brought it in.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from .base import INFERRED_ONTOLOGY, OWL, RDF, RDFS
from .explain import why_subclass, why_type
from .render import display_name, local_name, split_camel_case

__all__ = ["EntityRecord", "Step", "export_entities", "export_steps", "LABEL_PROPERTIES", "COMMENT_PROPERTIES"]

SKOS = "http://www.w3.org/2004/02/skos/core#"
OBO = "http://www.geneontology.org/formats/oboInOwl#"
LABEL_PROPERTIES = (
    f"{RDFS}label", f"{SKOS}prefLabel", f"{SKOS}altLabel", f"{OBO}hasExactSynonym",
    f"{OBO}hasRelatedSynonym", f"{OBO}hasNarrowSynonym", f"{OBO}hasBroadSynonym", f"{OBO}hasSynonym",
    "http://purl.obolibrary.org/obo/IAO_0000118",
)
COMMENT_PROPERTIES = (f"{RDFS}comment", f"{SKOS}definition", "http://purl.obolibrary.org/obo/IAO_0000115")
# Explaining every inferred step costs a Python-level check per fact: fine for a hand-built
# ontology, minutes for LUBM-sized instance data, where `scientia reason explain` answers instead.
EXPLAIN_LIMIT = 5_000


@dataclass
class EntityRecord:
    iri: str
    kind: Literal["class", "individual"]
    name: str
    labels: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Step:
    """``source`` reaches ``target`` in ``depth`` steps, the last one from ``previous`` by ``relation``."""

    source: str
    target: str
    depth: int
    previous: str
    relation: str  # "subclass", "instance", or a property's name
    inferred: bool
    why: str = ""


class _Graph:
    """Storid-level access to the quadstore, which is far faster than owlready2's objects at scale."""

    def __init__(self, world) -> None:
        self.world = world
        self.db = world.graph.execute
        self.inferred_c = world.get_ontology(INFERRED_ONTOLOGY).graph.c
        self.id = {iri: world._abbreviate(iri, False) for iri in (
            f"{RDF}type", f"{OWL}Class", f"{RDFS}subClassOf", f"{OWL}ObjectProperty", f"{OWL}NamedIndividual",
            *LABEL_PROPERTIES, *COMMENT_PROPERTIES,
        )}

    def iri(self, storid: int) -> str:
        return self.world._unabbreviate(storid)

    def pairs(self, predicate: str) -> dict[tuple[int, int], bool]:
        """(s, o) → inferred-only, over named resources."""
        found: dict[tuple[int, int], bool] = {}
        pid = self.id.get(predicate)
        if pid is None:
            return found
        for s, o, c in self.db("SELECT s, o, c FROM objs WHERE p=? AND s>0 AND o>0", (pid,)):
            found[(s, o)] = found.get((s, o), True) and c == self.inferred_c
        return found


def export_entities(world) -> list[EntityRecord]:
    """Named classes and individuals with their English (or untagged) labels and comments."""
    graph = _Graph(world)
    type_id, class_id = graph.id[f"{RDF}type"], graph.id[f"{OWL}Class"]
    classes = {s for (s,) in graph.db("SELECT DISTINCT s FROM objs WHERE p=? AND o=? AND s>0", (type_id, class_id))}
    classes -= {world._abbreviate(f"{OWL}Thing", False), world._abbreviate(f"{OWL}Nothing", False)}
    named = graph.id.get(f"{OWL}NamedIndividual")
    kinds = (*classes, *([named] if named is not None else []))
    individuals = set()
    if kinds:
        rows = graph.db(f"SELECT DISTINCT s FROM objs WHERE p=? AND s>0 AND o IN ({','.join('?' * len(kinds))})", (type_id, *kinds))
        individuals = {s for (s,) in rows} - classes
    texts: dict[int, tuple[list[str], list[str]]] = {storid: ([], []) for storid in classes | individuals}
    for kind_index, properties in ((0, LABEL_PROPERTIES), (1, COMMENT_PROPERTIES)):
        ids = [graph.id[p] for p in properties if graph.id.get(p) is not None]
        if not ids:
            continue
        # The quadstore returns rows in no fixed order; the property order above decides which
        # label is the entity's name (rdfs:label, then skos:prefLabel, then synonyms).
        rank = {pid: position for position, pid in enumerate(ids)}
        rows = graph.db(f"SELECT s, o, d, p FROM datas WHERE p IN ({','.join('?' * len(ids))})", ids)
        for s, o, d, _ in sorted(rows, key=lambda row: (rank[row[3]], str(row[1]))):
            if s in texts and (not isinstance(d, str) or d.lower() in ("@en", "@en-gb", "@en-us")):
                bucket = texts[s][kind_index]
                if str(o) not in bucket:
                    bucket.append(str(o))
    records = []
    named_labels: dict[int, list[str]] = {}  # classes named by their local name only
    for storid, (labels, comments) in texts.items():
        iri = graph.iri(storid)
        name = local_name(iri)
        if not labels:
            labels = [split_camel_case(name)]
            named_labels[storid] = labels
        kind: Literal["class", "individual"] = "class" if storid in classes else "individual"
        records.append(EntityRecord(iri, kind, name, labels, comments))
    _add_head_elisions(graph, classes, named_labels, {label.lower() for r in records for label in r.labels})
    return sorted(records, key=lambda r: r.iri)


def _add_head_elisions(graph: _Graph, classes: set[int], named_labels: dict[int, list[str]], taken: set[str]) -> None:
    """A leaf class named only by its local name, whose last word its superclass repeats
    ("Anchovies Topping" ⊑ "Fish Topping"), is also found by the words before it ("anchovies"):
    text names the kind without the category word. Only for leaves (a class with subclasses
    stays whole: "Spicy Pizza" is not "spicy"), and only where no other entity has that label."""
    parents: dict[int, set[int]] = {}
    for (sub, sup), _ in graph.pairs(f"{RDFS}subClassOf").items():
        if sub != sup and sub in classes and sup in classes:
            parents.setdefault(sub, set()).add(sup)
    with_children = {sup for sups in parents.values() for sup in sups}
    last_word = {storid: labels[0].split()[-1].lower() for storid, labels in named_labels.items() if labels[0].split()}
    for storid, labels in named_labels.items():
        words = labels[0].split()
        if storid in with_children or len(words) < 2:
            continue
        head = words[-1].lower()
        if not any(last_word.get(sup) == head for sup in parents.get(storid, ())):
            continue
        short = " ".join(words[:-1])
        if len(short) >= 3 and short.lower() not in taken:
            labels.append(short)
            taken.add(short.lower())


def export_steps(world) -> Iterator[Step]:
    """Every step reasoning takes from each named entity (see the module docstring)."""
    graph = _Graph(world)
    subclass = {k: v for k, v in graph.pairs(f"{RDFS}subClassOf").items() if k[0] != k[1]}
    types = graph.pairs(f"{RDF}type")
    entities = {r.iri: r for r in export_entities(world)}
    class_ids = {world._abbreviate(r.iri) for r in entities.values() if r.kind == "class"}
    subclass = {k: v for k, v in subclass.items() if k[0] in class_ids and k[1] in class_ids}
    explain = sum(subclass.values()) + sum(types.values()) <= EXPLAIN_LIMIT

    ancestors: dict[int, set[int]] = {}
    for (sub, sup) in subclass:
        ancestors.setdefault(sub, set()).add(sup)
    children: dict[int, list[int]] = {}
    for sub, sups in ancestors.items():
        strictly_above = {s for s in sups if sub not in ancestors.get(s, ())}  # drop equivalents
        for parent in strictly_above:
            if not any(parent in ancestors.get(other, ()) and other not in ancestors.get(parent, ())
                       for other in strictly_above if other != parent):
                children.setdefault(parent, []).append(sub)

    instances: dict[int, list[int]] = {}
    for (x, cls) in types:
        if cls in class_ids and x not in class_ids:
            instances.setdefault(cls, []).append(x)

    def subclass_step(source: int, child: int, parent: int, depth: int) -> Step:
        inferred = subclass.get((child, parent), False)
        why = why_subclass(world._get_by_storid(child), world._get_by_storid(parent)) if inferred and explain else ""
        return Step(graph.iri(source), graph.iri(child), depth, graph.iri(parent), "subclass", inferred, why)

    def instance_step(source: int, individual: int, cls: int, depth: int) -> Step:
        inferred = types.get((individual, cls), False)
        why = ""
        if inferred and explain:
            why = "; ".join(why_type(world, world._get_by_storid(individual), world._get_by_storid(cls))[:1])
        return Step(graph.iri(source), graph.iri(individual), depth, graph.iri(cls), "instance", inferred, why)

    for cls in class_ids:
        # breadth first down the hierarchy: each subclass at its shortest distance
        distance, queue = {cls: 0}, deque([cls])
        while queue:
            current = queue.popleft()
            for child in children.get(current, ()):
                if child not in distance:
                    distance[child] = distance[current] + 1
                    queue.append(child)
                    yield subclass_step(cls, child, current, distance[child])
        reached: set[int] = set()
        for below in sorted(distance, key=distance.__getitem__):
            for individual in instances.get(below, ()):
                if individual not in reached:
                    reached.add(individual)
                    yield instance_step(cls, individual, below, distance[below] + 1)

    object_properties = {
        s for (s,) in graph.db("SELECT DISTINCT s FROM objs WHERE p=? AND o=?", (graph.id[f"{RDF}type"], graph.id[f"{OWL}ObjectProperty"]))
    }
    if object_properties:
        marks = ",".join("?" * len(object_properties))
        rows = graph.db(f"SELECT s, p, o, c FROM objs WHERE p IN ({marks}) AND s>0 AND o>0", tuple(object_properties))
        facts: dict[tuple[int, int, int], bool] = {}
        for s, p, o, c in rows:
            facts[(s, p, o)] = facts.get((s, p, o), True) and c == graph.inferred_c
        for (s, p, o), inferred in sorted(facts.items(), key=lambda item: item[1]):  # asserted first
            if s in class_ids or o in class_ids or s == o:
                continue
            yield Step(graph.iri(s), graph.iri(o), 1, graph.iri(s), display_name(world._get_by_storid(p)), inferred)
