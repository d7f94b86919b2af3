"""Build an index folder from a corpus: documents, then every registered component, then the manifest.

The build reads and validates the whole corpus before it writes anything, writes a new
generation beside the live one (:class:`~.generation.StagedGeneration`), and commits it
atomically (see :mod:`.layout`). What goes into the generation besides the document store is
whatever :data:`~.components.COMPONENTS` holds: FAISS vectors, BM25, the knowledge graph, and
any component a plugin registered.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scientia.common.errors import (
    CorpusError,
    IndexFormatError,
    IndexLockedError,
    IndexReadOnlyError,
    InvalidArgumentError,
)
from scientia.common.faults import kill_point
from scientia.common.models import DEFAULT_MODEL_NAME, Device

from .analysis import AUTO, detect_language
from .components import COMPONENTS, BuildContext
from .docstore import DOCUMENTS_FILE, DocumentStore
from .documents import CorpusDigest, Document
from .encoding import DEFAULT_BACKEND, Encoder
from .generation import StagedGeneration, now
from .knowledge_builder import KnowledgeOptions
from .layout import IndexLayout, scientia_version
from .lexical import BM25Params
from .manifest import BuildSection, DocumentsSection, Manifest
from .readers import CorpusFormat, open_corpus

__all__ = ["BuildOptions", "build_index", "build_index_from_documents", "load_documents"]

logger = logging.getLogger(__name__)


@dataclass
class BuildOptions:
    """Every choice a build makes; all of them end up in the manifest."""

    model: str | Path | None = None
    device: Device = "auto"
    backend: str = DEFAULT_BACKEND  # a name in scientia.indexers.encoding.BACKENDS
    batch_size: int = 64
    faiss_factory: str | None = None
    bm25: BM25Params = field(default_factory=BM25Params)
    corpus_format: CorpusFormat = "auto"
    reader_options: dict[str, str] = field(default_factory=dict)
    dedupe: bool = False
    cache_dir: Path | None = None
    show_progress: bool = False
    knowledge: KnowledgeOptions = field(default_factory=KnowledgeOptions)
    # Above 1: FAISS and BM25 cut into this many shards by a hash of each id (scientia.indexers.sharding).
    shards: int = 1
    # Encode on a Ray cluster: "local" (start one here), "auto" (the running one) or its address.
    ray: str | None = None
    # Seconds to wait for another process writing the same index (0: fail at once).
    wait: float = 0.0
    # Each component's declared options (Component.Options) by component name; defaults where absent.
    components: dict[str, Any] = field(default_factory=dict)


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
        if not documents:
            kill_point("reading")
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
        logger.warning("%d documents have no text and no title; they are stored, but no search returns them", blank)
    digest = CorpusDigest()
    digest.update_all(documents)
    return documents, digest.hexdigest()


def build_index(corpus: str | Path | None, output: str | Path, options: BuildOptions | None = None) -> Manifest:
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


# A corpus with at least this share of documents in other languages than English is
# multilingual enough for the English-only default encoder to fail on it.
FOREIGN_SHARE_WARNING = 0.1


def _decide_language(documents: list[Document] | None, options: BuildOptions, english_only_encoder: bool) -> BuildOptions:
    """Options with BM25's language settled: one given by name brings its own stemmer and
    stopwords; ``auto`` is decided from the documents (for an index of an ontology alone, from
    its entities' texts, when the lexical component reads them). Warns once when the
    English-only default encoder meets a corpus that is not (all) English."""
    report = detect_language([doc.searchable_text() for doc in documents]) if documents is not None else None
    foreign = sum(share for code, share in report.shares.items() if code != "en") if report else 0.0
    if report is not None and english_only_encoder and foreign >= FOREIGN_SHARE_WARNING:
        logger.warning(
            "the corpus is not all English (%s of %d documents sampled) but the default encoder %s is English-only, "
            "so dense search will be poor; pass --model with a local multilingual sentence-transformers model folder "
            "(one saved with SentenceTransformer.save, such as paraphrase-multilingual-MiniLM-L12-v2)",
            report.describe(), report.sampled, DEFAULT_MODEL_NAME,
        )
    if options.bm25.language != AUTO:
        return replace(options, bm25=options.bm25.for_language(options.bm25.language))
    if report is None:
        return options
    logger.info("corpus language for BM25: %s (%s)", report.language, report.describe() or "nothing to tell it by")
    return replace(options, bm25=options.bm25.for_language(report.language))


def _check_output(layout: IndexLayout) -> Manifest | None:
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
) -> Manifest:
    """Build from documents already read by :func:`load_documents` (``corpus`` is recorded as their source).

    ``documents`` may be ``None`` where ontologies are given: their entities become the documents.
    """
    layout = IndexLayout(output)
    _check_output(layout)  # a foreign folder is refused before any work
    new_folder = not layout.root.exists()
    started = time.perf_counter() - read_seconds
    encoder = Encoder(options.model, options.device, backend=options.backend)  # a bad --model fails before any work
    options = _decide_language(documents, options, english_only_encoder=encoder.is_default)
    build = BuildContext(documents, options, encoder, corpus_checksum)
    components = sorted((c for c in COMPONENTS.values() if c.wanted(options)), key=lambda c: c.build_order)
    try:
        manifest = _write(layout, build, components, corpus, options, encoder, started, read_seconds)
    except BaseException:
        if new_folder:
            _remove_unborn(layout)
        raise
    logger.info("index generation %d with %d documents committed to %s", manifest.generation, len(build.corpus()), layout.root)
    return manifest


def _remove_unborn(layout: IndexLayout) -> None:
    """A first build that failed leaves no folder behind: only its lock and staging were there.
    Not while another writer holds the folder (a first build of the same path, running now)."""
    try:
        with layout.writer_lock():
            if layout.root.is_dir() and not layout.exists() and not layout.is_foreign_folder():
                shutil.rmtree(layout.root, ignore_errors=True)
    except (IndexLockedError, IndexReadOnlyError):
        pass


def _write(layout: IndexLayout, build: BuildContext, components, corpus, options: BuildOptions, encoder: Encoder,
           started: float, read_seconds: float) -> Manifest:
    """Write and commit the generation under the writer lock (the live manifest is read under it:
    a build that waited for another writer stages the generation after that writer's)."""
    with layout.writer_lock(options.wait):
        previous = _check_output(layout)
        with StagedGeneration.begin(layout, previous) as staged:
            return _stage(staged, build, components, corpus, options, encoder, started, read_seconds)


def _stage(staged: StagedGeneration, build: BuildContext, components, corpus, options: BuildOptions, encoder: Encoder,
           started: float, read_seconds: float) -> Manifest:
    """Each component, then the document store, into the staging folder; then the commit."""
    sections = {}
    for component in components:
        sections[component.name] = component.create(staged.folder, build)
        kill_point(f"writing-{component.name}")
    store = DocumentStore.create(staged.folder / DOCUMENTS_FILE)
    store.add(build.corpus())
    store.close()
    kill_point("writing-documents")
    documents = build.corpus()
    encode_seconds = build.timings.get("encode")
    return staged.commit(Manifest(
        scientia_version=scientia_version(),
        generation=staged.number,
        data_dir=staged.data_dir,
        created=now(),
        documents=DocumentsSection(
            count=len(documents),
            corpus=str(Path(corpus).resolve()) if corpus is not None else None,
            corpus_format=options.corpus_format,
            corpus_checksum=build.checksum(),
            positions=len(documents),
            tombstones=0,
            metadata_fields=sorted({key for doc in documents for key in doc.metadata}),
        ),
        # every registered component has a section, null where this build has none of it
        components={name: sections.get(name) for name in COMPONENTS},
        build=BuildSection(
            dedupe=options.dedupe,
            read_seconds=round(read_seconds, 3),
            encode_seconds=None if encode_seconds is None else round(encode_seconds, 3),
            encoded_from_cache="encode" in build.timings and encode_seconds is None,
            total_seconds=round(time.perf_counter() - started, 3),
        ),
        files={},
    ))
