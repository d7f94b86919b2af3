"""The knowledge component: the reasoned ontology (``ontology.sqlite3``, owlready2's quadstore of
asserted and inferred triples) and the tables the knowledge signal reads (``knowledge.sqlite``:
entities, labels, reasoning steps, and which positions mention which entity)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scientia.common.progress import progress

from ..knowledge_builder import build_knowledge, link_documents
from ..knowledge_store import KNOWLEDGE_FILE, ONTOLOGY_FILE, KnowledgeStore
from ..linking import EntityMatcher
from .base import BuildContext, Change, Component, OpenContext

if TYPE_CHECKING:
    from ..builder import BuildOptions

__all__ = ["KnowledgeComponent", "KnowledgeSection"]


@dataclass
class KnowledgeSection:
    ontologies: list[str]
    ontology_checksum: str | None
    search_paths: list[str]
    reasoning: dict[str, Any]  # scientia.reasoners.ReasoningReport as JSON
    entities: int
    steps: int
    mentions: int
    seconds: dict[str, float] = field(default_factory=dict)


class KnowledgeComponent(Component):
    name = "knowledge"
    Section = KnowledgeSection
    files = (KNOWLEDGE_FILE, ONTOLOGY_FILE)
    rewritten_in_place = (KNOWLEDGE_FILE,)
    absent_hint = "knowledge graph (build it with --ontology)"
    build_order = 0  # with no corpus, the ontology's entities are the documents the others index
    # the reasoned graph, asserted plus inferred: what SPARQL and the reasoning verbs read
    provides = {"graph": ONTOLOGY_FILE}

    def wanted(self, options: BuildOptions) -> bool:
        return bool(options.knowledge.ontologies)

    def create(self, folder: Path, build: BuildContext) -> KnowledgeSection:
        build.documents, section = build_knowledge(folder, build.documents, build.options.knowledge,
                                                   show_progress=build.options.show_progress)
        return KnowledgeSection(**section)

    def summary(self, section: KnowledgeSection) -> str:
        reasoning = section.reasoning
        return (f"{section.entities:,} entities, {reasoning['inferred_triples']:,} inferred facts "
                f"({reasoning['reasoner']}), {section.mentions:,} mentions in documents")

    def describe(self, section: KnowledgeSection | None) -> list[tuple[str, str]]:
        if not section:
            return [("knowledge", "none (build with --ontology)")]
        reasoning = section.reasoning
        unsatisfiable = reasoning["unsatisfiable_classes"]
        return [
            ("ontologies", ", ".join(section.ontologies)),
            ("reasoner", f"{reasoning['reasoner']}: {reasoning['inferred_triples']:,} inferred facts, "
                         f"{sum(reasoning['seconds'].values()):.1f} s"),
            ("entities", f"{section.entities:,} ({section.mentions:,} mentions in documents)"),
            *([("unsatisfiable", ", ".join(c.rsplit("#", 1)[-1] for c in unsatisfiable))] if unsatisfiable else []),
        ]

    def open(self, folder: Path, section: KnowledgeSection, context: OpenContext) -> KnowledgeStore:
        return KnowledgeStore.open(folder / KNOWLEDGE_FILE)

    def append(self, change: Change, section: KnowledgeSection) -> KnowledgeSection:
        knowledge = KnowledgeStore.open_for_update(change.folder / KNOWLEDGE_FILE)
        matcher = EntityMatcher(knowledge.labels())
        with progress("linking entities to documents", total=len(change.added), unit="document",
                      enabled=change.show_progress) as advance:
            knowledge.add_mentions(link_documents(change.added, matcher, knowledge.entity_ids(), change.first_position,
                                                  advance=advance))
        knowledge.commit()
        return section

    def tombstone(self, change: Change, section: KnowledgeSection) -> KnowledgeSection:
        return section  # the signal skips tombstoned positions; compaction drops their mentions

    def compact(self, change: Change, section: KnowledgeSection, live: list[int]) -> KnowledgeSection:
        knowledge = KnowledgeStore.open_for_update(change.folder / KNOWLEDGE_FILE)
        knowledge.renumber_mentions({old: new for new, old in enumerate(live)})
        knowledge.commit()
        return section


