"""OWL DL reasoning through owlready2: HermiT (Motik, Shearer & Horrocks, "Hypertableau
Reasoning for Description Logics", JAIR 2009) and Pellet (Sirin et al., "Pellet: A practical
OWL-DL reasoner", J. Web Semantics 2007).

Both classify the classes, realize the individuals and infer property values. owlready2 keeps
only the most specific inferred types; the OWL 2 RL pass that follows stores the rest.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scientia.common.errors import InconsistentOntologyError

from .base import Reasoner, ReasoningReport
from .java import find_java
from .owl_rl import OwlRlReasoner, check_consistency

__all__ = ["HermitReasoner", "PelletReasoner", "JAVA_MEMORY_MB"]

logger = logging.getLogger(__name__)

JAVA_MEMORY_MB = 4000


class _OwlreadyReasoner(Reasoner):
    needs_java = True

    def __init__(self, java: str | Path | None = None) -> None:
        self.java = find_java(java)

    def _run(self, world) -> None:
        raise NotImplementedError

    def infer(self, world, inferred, report: ReasoningReport) -> None:
        import owlready2
        import owlready2.reasoning

        # owlready2 reads these module globals when it starts Java; set them for this call only.
        saved = owlready2.JAVA_EXE, owlready2.reasoning.JAVA_MEMORY
        owlready2.JAVA_EXE, owlready2.reasoning.JAVA_MEMORY = self.java, JAVA_MEMORY_MB
        try:
            with inferred:
                self._run(world)
        except owlready2.OwlReadyInconsistentOntologyError:
            # HermiT says only "inconsistent"; the RL rules usually find the clashing individuals.
            OwlRlReasoner().infer(world, inferred, report)
            check_consistency(world)
            raise InconsistentOntologyError(
                f"inconsistent ontology: {self.name} finds no model (the clash is beyond the OWL 2 RL rules "
                "that would name the individuals involved)"
            ) from None
        finally:
            owlready2.JAVA_EXE, owlready2.reasoning.JAVA_MEMORY = saved
        report.unsatisfiable_classes = sorted(
            cls.iri for cls in world.inconsistent_classes() if cls.iri != "http://www.w3.org/2002/07/owl#Nothing"
        )
        if report.unsatisfiable_classes:
            logger.warning(
                "%d unsatisfiable classes: %s", len(report.unsatisfiable_classes),
                ", ".join(iri.rsplit("#", 1)[-1] for iri in report.unsatisfiable_classes),
            )


class HermitReasoner(_OwlreadyReasoner):
    name = "hermit"
    help = "HermiT (OWL DL): consistency, classification, inferred types and property values."

    def _run(self, world) -> None:
        from owlready2 import sync_reasoner_hermit

        sync_reasoner_hermit(world, infer_property_values=True, debug=0)


class PelletReasoner(_OwlreadyReasoner):
    name = "pellet"
    help = (
        "Pellet (OWL DL + SWRL), with inferred object and data property values. Runs out of memory "
        "on large instance data (10k individuals did not fit a 12 GB heap): keep it for small ontologies."
    )

    def _run(self, world) -> None:
        from owlready2 import sync_reasoner_pellet

        sync_reasoner_pellet(world, infer_property_values=True, infer_data_property_values=True, debug=0)
