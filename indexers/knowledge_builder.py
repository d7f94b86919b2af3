"""Build the knowledge part of an index: reason over the ontologies, keep what retrieval needs,
and link entities to the documents that mention them."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scientia.common.faults import kill_point
from scientia.common.progress import progress

from .documents import Document
from .extraction import CorpusGraph, write_ntriples
from .extraction.entities import entity_key
from .extraction.owl_writer import ONTOLOGY_IRI as EXTRACTED_ONTOLOGY_IRI
from .knowledge_store import KNOWLEDGE_FILE, ONTOLOGY_FILE, KnowledgeStore, StoredFact
from .linking import EntityMatcher

__all__ = ["EXTRACTED_ONTOLOGY_FILE", "KnowledgeOptions", "build_knowledge", "link_documents", "documents_from_entities",
           "ontology_checksum", "METADATA_ENTITIES"]

logger = logging.getLogger(__name__)

# The extracted graph as an ontology, in the generation beside the quadstore it was loaded into
EXTRACTED_ONTOLOGY_FILE = "extracted.nt"
# A document may name the entities it is about in its metadata: {"entities": ["http://...#X"]}.
METADATA_ENTITIES = "entities"


@dataclass
class KnowledgeOptions:
    ontologies: list[Path] = field(default_factory=list)
    search_paths: list[Path] = field(default_factory=list)
    reasoner: str = "auto"
    java: Path | None = None
    # Extract a knowledge graph from the documents themselves (scientia.indexers.extraction)
    extract: bool = False
    # Materialize OWL 2 RL in parts on this Ray cluster (--ray local|auto|ADDRESS); None: here
    ray: str | None = None


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


def _entities_by_key(records) -> dict[str, tuple[str, str]]:
    """A given ontology's classes and individuals by the normalized key of each label (the first
    entity to claim a key keeps it)."""
    found: dict[str, tuple[str, str]] = {}
    for record in records:
        for label in record.labels:
            found.setdefault(entity_key(label), (record.iri, record.kind))
    found.pop("", None)
    return found


def _stored_facts(graph: CorpusGraph, iris: dict[str, str], ids: dict[str, int],
                  documents: dict[str, Document]) -> Iterator[StoredFact]:
    """Each fact with its strongest statement; a sentence extraction did not keep (a
    co-occurrence's) is read from its document by its span."""
    for fact in graph.facts:
        subject, target = ids.get(iris[fact.subject]), ids.get(iris[fact.object])
        if subject is None or target is None or not fact.supports:
            continue
        support = fact.supports[0]
        sentence = support.sentence
        if not sentence and support.document in documents:
            sentence = documents[support.document].searchable_text()[support.start : support.end]
        yield StoredFact(subject, fact.relation, target, fact.confidence, fact.statements, support.document,
                         support.start, support.end, sentence, support.rule)


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
    staging: Path, documents: list[Document] | None, options: KnowledgeOptions, show_progress: bool = False,
    extracted: CorpusGraph | None = None, positions: list[int] | None = None,
) -> tuple[list[Document], dict[str, Any]]:
    """Write the quadstore and knowledge tables into ``staging``; return the documents and a manifest section.

    ``extracted``: the graph extracted from the documents, written as ``extracted.nt`` and reasoned
    over with the given ontologies (its entities that a given class or individual names become
    that entity). ``positions``: the documents' positions (default: 0, 1, ...).
    """
    from scientia.reasoners import KnowledgeBase
    from scientia.reasoners.graph_export import export_entities, export_steps

    started = time.perf_counter()
    base = KnowledgeBase.create(staging / ONTOLOGY_FILE)
    extracted_iris: dict[str, str] = {}
    try:
        with progress("loading the ontology", enabled=show_progress):
            base.load(options.ontologies, options.search_paths)
            if extracted is not None:
                given = _entities_by_key(export_entities(base.world)) if options.ontologies else {}
                extracted_iris = write_ntriples(extracted, staging / EXTRACTED_ONTOLOGY_FILE, given)
                kill_point("writing-extracted-ontology")
                base.load_written(staging / EXTRACTED_ONTOLOGY_FILE, EXTRACTED_ONTOLOGY_IRI)
        loaded_seconds = time.perf_counter() - started
        with progress("reasoning over the ontology", enabled=show_progress):
            report = base.reason(options.reasoner, options.java, _distribution(options.ray, show_progress))
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
        texts = {document.id: document for document in documents}
        facts = store.add_facts(_stored_facts(extracted, extracted_iris, ids, texts)) if extracted is not None else 0
        with progress("linking entities to documents", total=len(documents), unit="document",
                      enabled=show_progress) as advance:
            mentions = store.add_mentions(link_documents(documents, EntityMatcher(store.labels()), ids, advance=advance,
                                                         positions=positions))
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
        **({"extraction": {**extracted.counts(), "facts_stored": facts}} if extracted is not None else {}),
        "seconds": {"load": round(loaded_seconds, 3), "total": round(time.perf_counter() - started, 3)},
    }
    logger.info("knowledge: %d entities, %d reasoning steps, %d mentions", len(records), steps, mentions)
    return documents, section


def _distribution(address: str | None, show_progress: bool):
    """Where OWL 2 RL runs: ``None`` for this process, else on the Ray cluster at ``address``."""
    if address is None:
        return None
    from scientia.common.ray_cluster import connect
    from scientia.reasoners.partitioned_rl import RayDistribution

    connect(address, show_progress)
    return RayDistribution()


def link_documents(documents: list[Document], matcher: EntityMatcher, ids: dict[str, int], first_position: int = 0,
                   advance: Callable[[int], None] | None = None, positions: list[int] | None = None):
    """``(entity, position, surface)`` for every entity each document mentions or names in its metadata;
    ``advance(1)`` is called after each document. Positions are ``positions`` where given, else
    counted from ``first_position``."""
    unknown: set[str] = set()
    numbered = positions if positions is not None else range(first_position, first_position + len(documents))
    for position, document in zip(numbered, documents, strict=True):
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
