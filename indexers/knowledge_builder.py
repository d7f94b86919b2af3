"""Build the knowledge part of an index: reason over the ontologies, keep what retrieval needs,
and link entities to the documents that mention them."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scientia.common.progress import progress

from .documents import Document
from .knowledge_store import KNOWLEDGE_FILE, ONTOLOGY_FILE, KnowledgeStore
from .linking import EntityMatcher

__all__ = ["KnowledgeOptions", "build_knowledge", "link_documents", "documents_from_entities", "ontology_checksum", "METADATA_ENTITIES"]

logger = logging.getLogger(__name__)

# A document may name the entities it is about in its metadata: {"entities": ["http://...#X"]}.
METADATA_ENTITIES = "entities"


@dataclass
class KnowledgeOptions:
    ontologies: list[Path] = field(default_factory=list)
    search_paths: list[Path] = field(default_factory=list)
    reasoner: str = "auto"
    java: Path | None = None


def ontology_checksum(paths) -> str | None:
    """SHA-256 over the given ontology files (folders expanded), or ``None`` for no ontology."""
    if not paths:
        return None
    from scientia.reasoners.loading import collect_ontology_files

    digest = hashlib.sha256()
    for file in collect_ontology_files(paths):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def documents_from_entities(records) -> list[Document]:
    """An ontology without a corpus: each named entity becomes a document of its labels and comments."""
    documents = []
    for record in records:
        text = " ".join([*record.labels[1:], *record.comments]) or record.labels[0]
        documents.append(
            Document(id=record.iri, title=record.labels[0], text=text,
                     metadata={METADATA_ENTITIES: [record.iri], "kind": record.kind})
        )
    return documents


def build_knowledge(
    staging: Path, documents: list[Document] | None, options: KnowledgeOptions, show_progress: bool = False
) -> tuple[list[Document], dict[str, Any]]:
    """Write the quadstore and knowledge tables into ``staging``; return the documents and a manifest section."""
    from scientia.reasoners import KnowledgeBase
    from scientia.reasoners.graph_export import export_entities, export_steps

    started = time.perf_counter()
    base = KnowledgeBase.create(staging / ONTOLOGY_FILE)
    try:
        with progress("loading the ontology", enabled=show_progress):
            base.load(options.ontologies, options.search_paths)
        loaded_seconds = time.perf_counter() - started
        with progress("reasoning over the ontology", enabled=show_progress):
            report = base.reason(options.reasoner, options.java)
        records = export_entities(base.world)
        if documents is None:
            documents = documents_from_entities(records)
        store = KnowledgeStore.create(staging / KNOWLEDGE_FILE)
        ids = store.add_entities((r.iri, r.kind, r.name, r.labels) for r in records)
        steps = store.add_steps(
            (ids[s.source], ids[s.target], s.depth, ids[s.previous], s.relation, s.inferred, s.why)
            for s in export_steps(base.world)
            if s.source in ids and s.target in ids and s.previous in ids
        )
        with progress("linking entities to documents", total=len(documents), unit="document",
                      enabled=show_progress) as advance:
            mentions = store.add_mentions(link_documents(documents, EntityMatcher(store.labels()), ids, advance=advance))
        store.finish()
    finally:
        base.close()
    section = {
        "ontologies": [str(Path(p).resolve()) for p in options.ontologies],
        "ontology_checksum": ontology_checksum(options.ontologies),
        "search_paths": [str(Path(p).resolve()) for p in options.search_paths],
        "reasoning": asdict(report),
        "entities": len(records),
        "steps": steps,
        "mentions": mentions,
        "seconds": {"load": round(loaded_seconds, 3), "total": round(time.perf_counter() - started, 3)},
    }
    logger.info("knowledge: %d entities, %d reasoning steps, %d mentions", len(records), steps, mentions)
    return documents, section


def link_documents(documents: list[Document], matcher: EntityMatcher, ids: dict[str, int], first_position: int = 0,
                   advance: Callable[[int], None] | None = None):
    """``(entity, position, surface)`` for every entity each document mentions or names in its metadata;
    ``advance(1)`` is called after each document."""
    unknown: set[str] = set()
    for position, document in enumerate(documents, start=first_position):
        seen = set()
        for mention in matcher.find(document.searchable_text()):
            if mention.entity not in seen:
                seen.add(mention.entity)
                yield mention.entity, position, mention.surface
        named = document.metadata.get(METADATA_ENTITIES) or []
        for iri in named if isinstance(named, list) else [named]:
            entity = ids.get(str(iri))
            if entity is None:
                unknown.add(str(iri))
            elif entity not in seen:
                seen.add(entity)
                yield entity, position, f"<{iri}>"
        if advance is not None:
            advance(1)
    if unknown:
        logger.warning("%d entity IRIs named in document metadata are not in the ontology, e.g. %s",
                       len(unknown), sorted(unknown)[0])
