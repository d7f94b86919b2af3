"""The inferred class hierarchy, as ``robot reason`` or Protégé's inferred view shows it.

Read from the stored graph: the reasoner stored every subsumption it found (HermiT's
classification, closed under OWL 2 RL's transitivity), so the direct superclasses of a class are
its named superclasses that no other of its strict superclasses is subsumed by. Classes that
subsume each other form one equivalence group, shown once; unsatisfiable classes (⊑ Nothing)
are listed apart, as ROBOT does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .base import OWL, RDF, RDFS

if TYPE_CHECKING:
    from rdflib import Dataset

__all__ = ["Classification", "classify"]

THING, NOTHING = OWL + "Thing", OWL + "Nothing"


@dataclass
class Classification:
    """``parents[c]``: the direct named superclasses of each class (owl:Thing at the top);
    ``equivalents[c]``: the other classes equivalent to ``c``; ``unsatisfiable``: classes ⊑ Nothing."""

    parents: dict[str, list[str]] = field(default_factory=dict)
    equivalents: dict[str, list[str]] = field(default_factory=dict)
    unsatisfiable: list[str] = field(default_factory=list)

    def children(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for cls, parents in self.parents.items():
            for parent in parents:
                found.setdefault(parent, []).append(cls)
        return {parent: sorted(kids) for parent, kids in found.items()}

    def to_json(self) -> dict:
        return {"classes": {c: {"direct_superclasses": p, "equivalent_classes": self.equivalents.get(c, [])}
                            for c, p in sorted(self.parents.items())},
                "unsatisfiable": self.unsatisfiable}


def classify(dataset: Dataset) -> Classification:
    from rdflib import URIRef

    sub_class_of, equivalent = URIRef(RDFS + "subClassOf"), URIRef(OWL + "equivalentClass")
    classes = {str(c) for c in dataset.subjects(URIRef(RDF + "type"), URIRef(OWL + "Class")) if isinstance(c, URIRef)}
    classes -= {THING, NOTHING}
    supers: dict[str, set[str]] = {c: set() for c in classes}
    for c in classes:
        for s in dataset.objects(URIRef(c), sub_class_of):
            if isinstance(s, URIRef) and str(s) != c:
                supers[c].add(str(s))
        for e in dataset.objects(URIRef(c), equivalent):
            if isinstance(e, URIRef) and str(e) != c:
                supers[c].add(str(e))
    for cls in list(classes):  # equivalence is symmetric even where only one direction is stored
        for other in list(supers[cls]):
            if other in supers and (URIRef(cls), equivalent, URIRef(other)) in dataset:
                supers[other].add(cls)
    unsatisfiable = sorted(c for c in classes if NOTHING in supers[c])
    result = Classification(unsatisfiable=unsatisfiable)
    for c in sorted(classes):
        if c in unsatisfiable:
            continue
        same = sorted(s for s in supers[c] if s in supers and c in supers[s])
        if same:
            result.equivalents[c] = same
        strict = {s for s in supers[c] if s not in same and s not in (THING, NOTHING) and s not in unsatisfiable}
        # direct: not above any other strict superclass (equivalents of one count as one)
        direct = {s for s in strict if not any(s in supers.get(t, ()) and t not in supers.get(s, ()) for t in strict if t != s)}
        result.parents[c] = sorted(direct) or [THING]
    return result
