"""The knowledge component: the reasoned ontology (``ontology.sqlite3``, owlready2's quadstore of
asserted and inferred triples) and the tables the knowledge signal reads (``knowledge.sqlite``:
entities, labels, reasoning steps, extracted facts, and which positions mention which entity).

With extraction (``--extract-knowledge``) it also keeps what each document stated
(``extraction.sqlite``) and the extracted graph as an ontology (``extracted.nt``). A change then
extracts the added documents, forgets the deleted ones, and reasons over the graph again, so a
fact goes with the last document that states it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scientia.common.errors import InvalidArgumentError
from scientia.common.progress import progress

from ..extraction import EXTRACTION_FILE, corpus_graph, extract_into, update_extraction
from ..knowledge_builder import EXTRACTED_ONTOLOGY_FILE, KnowledgeOptions, build_knowledge, link_documents
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
    # The extractor (spaCy and model versions, method, language) and the graph's counts; None
    # where the knowledge graph is only given ontologies.
    extraction: dict[str, Any] | None = None


def _computed(computed: dict[str, Any] | None) -> str:
    """How the OWL 2 RL closure was computed, for ``index info``."""
    if not computed:
        return "in one process"
    return (f"on Ray in {computed['parts']} parts on {computed['nodes']} node(s), {computed['rounds']} round(s), "
            f"{computed['exchanged']:,} facts exchanged")


class KnowledgeComponent(Component):
    name = "knowledge"
    Section = KnowledgeSection
    files = (KNOWLEDGE_FILE, ONTOLOGY_FILE)
    rewritten_in_place = (KNOWLEDGE_FILE,)
    absent_hint = "knowledge graph (build it with --ontology or --extract-knowledge)"
    build_order = 0  # with no corpus, the ontology's entities are the documents the others index
    # the reasoned graph, asserted plus inferred: what SPARQL and the reasoning verbs read
    provides = {"graph": ONTOLOGY_FILE}

    def wanted(self, options: BuildOptions) -> bool:
        return bool(options.knowledge.ontologies) or options.knowledge.extract

    def owned_files(self, section: KnowledgeSection) -> tuple[str, ...]:
        return self.files + (EXTRACTION_FILE, EXTRACTED_ONTOLOGY_FILE) if section.extraction else self.files

    def create(self, folder: Path, build: BuildContext) -> KnowledgeSection:
        options = build.options
        extraction, graph = None, None
        if options.knowledge.extract:
            if build.documents is None:
                raise InvalidArgumentError("--extract-knowledge reads the documents: give a corpus")
            language = options.bm25.language
            extraction = {**extract_into(folder, build.documents, language, options.ray, options.show_progress),
                          "language": language}
            graph = corpus_graph(folder)
        build.documents, section = build_knowledge(folder, build.documents, replace(options.knowledge, ray=options.ray),
                                                   show_progress=options.show_progress, extracted=graph)
        if extraction is not None:
            section["extraction"] = {**extraction, **section["extraction"]}
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
                         f"{sum(reasoning['seconds'].values()):.1f} s, {_computed(reasoning.get('computed'))}"),
            ("entities", f"{section.entities:,} ({section.mentions:,} mentions in documents)"),
            *([("unsatisfiable", ", ".join(c.rsplit("#", 1)[-1] for c in unsatisfiable))] if unsatisfiable else []),
        ]

    def open(self, folder: Path, section: KnowledgeSection, context: OpenContext) -> KnowledgeStore:
        return KnowledgeStore.open(folder / KNOWLEDGE_FILE)

    def append(self, change: Change, section: KnowledgeSection) -> KnowledgeSection:
        if section.extraction:
            return self._extract_again(change, section, change.added)
        knowledge = KnowledgeStore.open_for_update(change.folder / KNOWLEDGE_FILE)
        matcher = EntityMatcher(knowledge.labels())
        with progress("linking entities to documents", total=len(change.added), unit="document",
                      enabled=change.show_progress) as advance:
            knowledge.add_mentions(link_documents(change.added, matcher, knowledge.entity_ids(), change.first_position,
                                                  advance=advance))
        knowledge.commit()
        return section

    def tombstone(self, change: Change, section: KnowledgeSection) -> KnowledgeSection:
        if section.extraction:
            return self._extract_again(change, section, [])
        return section  # the signal skips tombstoned positions; compaction drops their mentions

    def _extract_again(self, change: Change, section: KnowledgeSection, added: list) -> KnowledgeSection:
        """The graph of the live documents: ``added`` extracted, the gone ones forgotten, reasoned
        over again with the given ontologies, linked to every live document."""
        extraction = section.extraction or {}
        live = change.store.live_documents()
        update_extraction(change.folder, added, (document.id for _, document in live), extraction.get("language"))
        graph = corpus_graph(change.folder)
        options = KnowledgeOptions([Path(p) for p in section.ontologies], [Path(p) for p in section.search_paths],
                                   section.reasoning.get("reasoner", "auto"), extract=True)
        for name in (KNOWLEDGE_FILE, ONTOLOGY_FILE, EXTRACTED_ONTOLOGY_FILE):
            (change.folder / name).unlink(missing_ok=True)  # hard links to the live generation's: only the link goes
        _, rebuilt = build_knowledge(change.folder, [document for _, document in live], options, extracted=graph,
                                     positions=[position for position, _ in live], show_progress=change.show_progress)
        return KnowledgeSection(**{**rebuilt, "extraction": {**extraction, **rebuilt["extraction"]}})

    def compact(self, change: Change, section: KnowledgeSection, live: list[int]) -> KnowledgeSection:
        knowledge = KnowledgeStore.open_for_update(change.folder / KNOWLEDGE_FILE)
        knowledge.renumber_mentions({old: new for new, old in enumerate(live)})
        knowledge.commit()
        return section


