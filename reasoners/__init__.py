"""Reasoning: ontologies loaded into the index's own owlready2 World, inferences materialized.

Backends: HermiT and Pellet (OWL DL, on Java) and an OWL 2 RL materializer with SWRL rules.
"""

from __future__ import annotations

from .base import INFERRED_ONTOLOGY, Reasoner, ReasoningReport
from .explain import Explanation
from .knowledge_base import AUTO_DL_LIMIT, REASONERS, KnowledgeBase, ReasonerName

__all__ = [
    "KnowledgeBase",
    "Reasoner",
    "ReasoningReport",
    "ReasonerName",
    "REASONERS",
    "AUTO_DL_LIMIT",
    "INFERRED_ONTOLOGY",
    "Explanation",
]
