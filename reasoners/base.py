"""The reasoner interface: each backend adds what it infers to the World's *inferred* ontology."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

__all__ = ["Reasoner", "ReasoningReport", "INFERRED_ONTOLOGY", "INFERRED_GRAPH", "RDF", "RDFS", "OWL", "XSD"]

# Inferred facts live in their own named graph, apart from what the files asserted, so that
# evidence can say which facts came from reasoning.
INFERRED_ONTOLOGY = "urn:scientia:inferred#"
# That graph's name in SPARQL (reasoners/quadstore.py names a graph by its ontology without "#").
INFERRED_GRAPH = INFERRED_ONTOLOGY.rstrip("#")

# The vocabularies every reasoner module reads triples in.
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass
class ReasoningReport:
    """What a reasoning run did; stored in the manifest."""

    reasoner: str
    seconds: dict[str, float] = field(default_factory=dict)
    inferred_triples: int = 0
    unsatisfiable_classes: list[str] = field(default_factory=list)
    rules: int = 0
    rules_skipped: list[str] = field(default_factory=list)
    # How the OWL 2 RL closure was computed: {} in one process, else on Ray, in parts and rounds
    # (scientia.reasoners.partitioned_rl.RayDistribution.summary)
    computed: dict[str, int | str] = field(default_factory=dict)


class Reasoner(ABC):
    name: ClassVar[str]
    needs_java: ClassVar[bool]
    help: ClassVar[str]

    @abstractmethod
    def infer(self, world, inferred, report: ReasoningReport) -> None:
        """Add the facts this reasoner entails to ``inferred`` (an ontology of ``world``)."""
