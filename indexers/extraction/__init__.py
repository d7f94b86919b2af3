"""Knowledge acquisition without a language model: a knowledge graph extracted from the corpus.

Each document is parsed (:mod:`.pipeline`); its entities (:mod:`.entities`), is-a facts
(:mod:`.hypernyms`) and relations (:mod:`.relations`) are kept per document (:mod:`.store`),
assembled into one graph (:mod:`.graph`) and written as an OWL ontology with the provenance of
every fact (:mod:`.owl_writer`), which the knowledge component reasons over like a given one.
"""

from __future__ import annotations

from .corpus import corpus_graph, extract_into, update_extraction
from .facts import CO_OCCURS, IS_A, DocumentExtraction, ExtractedEntity, ExtractedFact
from .graph import CorpusGraph, GraphEntity, GraphFact, assemble
from .owl_writer import ONTOLOGY_IRI, write_ntriples
from .store import EXTRACTION_FILE, ExtractionStore

__all__ = [
    "CO_OCCURS", "EXTRACTION_FILE", "IS_A", "ONTOLOGY_IRI",
    "CorpusGraph", "DocumentExtraction", "ExtractedEntity", "ExtractedFact", "ExtractionStore",
    "GraphEntity", "GraphFact", "assemble", "corpus_graph", "extract_into", "update_extraction", "write_ntriples",
]
