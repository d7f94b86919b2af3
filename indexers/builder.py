"""Build an index folder from a corpus: documents, dense vectors, BM25, and the manifest.

The build reads and validates the whole corpus before it writes anything, writes a new
generation beside the live one, and commits it atomically (see :mod:`.layout`).
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .dense import DenseIndex, gpu_count
from .docstore import DocumentStore
from .documents import CorpusDigest, Document
from .embedding_cache import EmbeddingCache
from .encoder import Backend, Device, Encoder
from .errors import CorpusError, IndexFormatError, InvalidArgumentError
from .knowledge_builder import KnowledgeOptions, build_knowledge
from .layout import FORMAT_NAME, FORMAT_VERSION, IndexLayout, scientia_version
from .lexical import BM25Params, LexicalIndex
from .readers import CorpusFormat, open_corpus

__all__ = ["BuildOptions", "build_index", "build_index_from_documents", "load_documents", "DOCUMENTS_FILE", "VECTORS_FILE", "BM25_DIR"]

logger = logging.getLogger(__name__)

DOCUMENTS_FILE = "documents.sqlite"
VECTORS_FILE = "vectors.faiss"
BM25_DIR = "bm25"


@dataclass
class BuildOptions:
    """Every choice a build makes; all of them end up in the manifest."""

    model: str | Path | None = None
    device: Device = "auto"
    backend: Backend = "torch"
    batch_size: int = 64
    faiss_factory: str | None = None
    bm25: BM25Params = field(default_factory=BM25Params)
    corpus_format: CorpusFormat = "auto"
    reader_options: dict[str, str] = field(default_factory=dict)
    dedupe: bool = False
    cache_dir: Path | None = None
    show_progress: bool = False
    knowledge: KnowledgeOptions = field(default_factory=KnowledgeOptions)


def load_documents(
    corpus: str | Path, corpus_format: CorpusFormat = "auto", dedupe: bool = False, **reader_options: str
) -> tuple[list[Document], str]:
    """Read and validate a whole corpus: ``(documents, corpus checksum)``.

    A repeated id is an error naming both places unless ``dedupe``, which keeps the first.
    """
    reader = open_corpus(corpus, corpus_format, **reader_options)
    documents: list[Document] = []
    first_seen: dict[str, int] = {}
    dropped = 0
    for document in reader:
        if document.id in first_seen:
            if not dedupe:
                raise CorpusError(
                    f"{reader.path}: duplicate document id {document.id!r} (records {first_seen[document.id] + 1} "
                    f"and {len(documents) + dropped + 1}); pass --dedupe to keep the first"
                )
            dropped += 1
            continue
        first_seen[document.id] = len(documents) + dropped
        documents.append(document)
    if not documents:
        raise CorpusError(f"{reader.path}: empty corpus, no documents to index")
    if dropped:
        logger.warning("dropped %d records with duplicate ids (kept the first of each)", dropped)
    blank = sum(1 for doc in documents if not doc.text.strip() and not doc.title.strip())
    if blank:
        logger.warning("%d documents have no text and no title; they are indexed, but no query can match them", blank)
    digest = CorpusDigest()
    digest.update_all(documents)
    return documents, digest.hexdigest()


def build_index(corpus: str | Path | None, output: str | Path, options: BuildOptions | None = None) -> dict[str, Any]:
    """Build the index of ``corpus`` (and of ``options.knowledge.ontologies``) into ``output``; return its manifest.

    With ontologies and no corpus, the ontology's entities become the documents.
    """
    options = options or BuildOptions()
    _check_output(IndexLayout(output))
    if corpus is None and not options.knowledge.ontologies:
        raise InvalidArgumentError("nothing to index: give a corpus, an ontology (--ontology), or both")
    started = time.perf_counter()
    documents, corpus_checksum = None, None
    if corpus is not None:
        documents, corpus_checksum = load_documents(
            corpus, options.corpus_format, options.dedupe, **options.reader_options
        )
    read_seconds = time.perf_counter() - started
    return build_index_from_documents(documents, corpus_checksum, corpus, output, options, read_seconds)


def _check_output(layout: IndexLayout) -> dict[str, Any] | None:
    """The live manifest at the output, if any; refuses a folder that holds something else."""
    if layout.is_foreign_folder():
        raise IndexFormatError(f"{layout.root}: exists and is not a scientia index; refusing to overwrite it")
    return layout.read_manifest() if layout.exists() else None


def build_index_from_documents(
    documents: list[Document] | None,
    corpus_checksum: str | None,
    corpus: str | Path | None,
    output: str | Path,
    options: BuildOptions,
    read_seconds: float = 0.0,
) -> dict[str, Any]:
    """Build from documents already read by :func:`load_documents` (``corpus`` is recorded as their source).

    ``documents`` may be ``None`` where ontologies are given: their entities become the documents.
    """
    layout = IndexLayout(output)
    previous = _check_output(layout)
    started = time.perf_counter() - read_seconds
    encoder = Encoder(options.model, options.device, backend=options.backend)  # a bad --model fails before any work

    with layout.writer_lock():
        generation = (previous or {}).get("generation", 0) + 1
        staging = layout.staging_dir(generation)
        source = _Source(documents, corpus_checksum, corpus, read_seconds, started)
        try:
            return _build_generation(layout, staging, generation, source, encoder, options)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


@dataclass
class _Source:
    """The corpus side of a build: its documents (``None``: the ontology's entities), where from, and when."""

    documents: list[Document] | None
    checksum: str | None
    path: str | Path | None
    read_seconds: float
    started: float


def _build_generation(
    layout: IndexLayout, staging: Path, generation: int, source: _Source, encoder: Encoder, options: BuildOptions
) -> dict[str, Any]:
    documents, corpus_checksum, corpus = source.documents, source.checksum, source.path
    read_seconds, started = source.read_seconds, source.started
    knowledge = None
    if options.knowledge.ontologies:
        documents, knowledge = build_knowledge(staging, documents, options.knowledge)
    if corpus_checksum is None:
        digest = CorpusDigest()
        digest.update_all(documents)
        corpus_checksum = digest.hexdigest()
    vectors, encode_seconds = _embed(encoder, documents, corpus_checksum, options)
    texts = [doc.searchable_text() for doc in documents]
    store = DocumentStore.create(staging / DOCUMENTS_FILE)
    store.add(documents)
    store.close()
    dense = DenseIndex.build(vectors, options.faiss_factory)
    dense.save(staging / VECTORS_FILE)
    lexical = LexicalIndex.build(texts, options.bm25)
    lexical.save(staging / BM25_DIR)

    info = encoder.info()
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "scientia_version": scientia_version(),
        "generation": generation,
        "data_dir": layout.generation_dir_name(generation),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "documents": {
            "count": len(documents),
            "corpus": str(Path(corpus).resolve()) if corpus is not None else None,
            "corpus_format": options.corpus_format,
            "corpus_checksum": corpus_checksum,
            "positions": len(documents),
            "tombstones": 0,
            "metadata_fields": sorted({key for doc in documents for key in doc.metadata}),
        },
        "encoder": {**asdict(info), "batch_size": options.batch_size, "normalized": True},
        "dense": {
            "factory": dense.factory,
            "metric": "inner_product",
            "dimension": dense.dimension,
            "built_on_gpu": gpu_count() > 0,
            "faiss_version": _faiss_version(),
        },
        "lexical": lexical.describe(),
        "knowledge": knowledge,
        "build": {
            "dedupe": options.dedupe,
            "read_seconds": round(read_seconds, 3),
            "encode_seconds": None if encode_seconds is None else round(encode_seconds, 3),
            "encoded_from_cache": encode_seconds is None,
            "total_seconds": round(time.perf_counter() - started, 3),
        },
        "files": layout.describe_files(staging),
    }
    layout.commit(staging, manifest)
    logger.info("index generation %d with %d documents committed to %s", generation, len(documents), layout.root)
    return manifest


def _embed(encoder: Encoder, documents: list[Document], corpus_checksum: str, options: BuildOptions):
    """Vectors for ``documents`` and the seconds spent encoding (``None`` when read from the cache)."""
    cache = EmbeddingCache(options.cache_dir) if options.cache_dir else None
    if cache is not None:
        cached = cache.get(encoder.cache_key, corpus_checksum, len(documents))
        if cached is not None:
            return cached, None
    encoder.load()
    started = time.perf_counter()
    vectors = encoder.encode(
        [doc.searchable_text() for doc in documents],
        batch_size=options.batch_size,
        show_progress_bar=options.show_progress,
    )
    seconds = time.perf_counter() - started
    if cache is not None:
        cache.put(encoder.cache_key, corpus_checksum, vectors)
    return vectors, seconds


def _faiss_version() -> str:
    import faiss

    return faiss.__version__
