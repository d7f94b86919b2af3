"""The dense component: document embeddings in FAISS (``vectors.faiss``), row ``i`` = position ``i``."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scientia.common.errors import IndexFormatError
from scientia.common.faults import kill_point

from ..dense import DenseIndex, gpu_count
from ..embedding_cache import EmbeddingCache
from .base import BuildContext, Change, Component

if TYPE_CHECKING:
    import numpy as np

__all__ = ["DenseComponent", "DenseSection", "VECTORS_FILE"]

VECTORS_FILE = "vectors.faiss"


@dataclass
class DenseSection:
    factory: str
    metric: str
    dimension: int
    built_on_gpu: bool
    faiss_version: str


class DenseComponent(Component):
    name = "dense"
    Section = DenseSection
    files = (VECTORS_FILE,)

    def create(self, folder: Path, build: BuildContext) -> DenseSection:
        import faiss

        if build.options.faiss_factory:  # a wrong --faiss fails before the documents are encoded
            DenseIndex.empty(build.options.faiss_factory, build.encoder.dimension)
        dense = DenseIndex.build(_embed(build), build.options.faiss_factory)
        dense.save(folder / VECTORS_FILE)
        build.encoder.prepare_queries()
        return DenseSection(dense.factory, "inner_product", dense.dimension, gpu_count() > 0, faiss.__version__)

    def open(self, folder: Path, section: DenseSection, use_gpu: bool | None = None) -> DenseIndex:
        return DenseIndex.load(folder / VECTORS_FILE, section.factory, use_gpu=use_gpu)

    def append(self, change: Change, section: DenseSection) -> DenseSection:
        texts = [document.searchable_text() for document in change.added]
        kill_point("encoding")
        vectors = change.encoder().encode(texts, change.batch_size, change.show_progress)
        dense = DenseIndex.load(change.previous / VECTORS_FILE, section.factory, use_gpu=False)
        if len(dense) != change.first_position:
            raise IndexFormatError(
                f"{change.previous / VECTORS_FILE}: FAISS holds {len(dense)} vectors for {change.first_position} positions; run index verify"
            )
        dense.append(vectors)
        change.replace(VECTORS_FILE, dense.save)
        return section

    def tombstone(self, change: Change, section: DenseSection) -> DenseSection:
        return section  # searches skip tombstoned positions through a FAISS ID selector

    def compact(self, change: Change, section: DenseSection, live: list[int]) -> DenseSection:
        dense = DenseIndex.load(change.folder / VECTORS_FILE, section.factory, use_gpu=False)
        vectors = dense.reconstruct(live)
        change.replace(VECTORS_FILE, DenseIndex.build(vectors, dense.factory, use_gpu=False).save)
        return section


def _embed(build: BuildContext) -> np.ndarray:
    """Vectors of the documents, from the embedding cache where it has them; records ``encode`` seconds
    (``None`` when read from the cache)."""
    options, encoder, documents = build.options, build.encoder, build.documents
    cache = EmbeddingCache(options.cache_dir) if options.cache_dir else None
    if cache is not None:
        cached = cache.get(encoder.cache_key, build.checksum(), len(documents))
        if cached is not None:
            build.timings["encode"] = None
            return cached
    encoder.load()
    kill_point("encoding")
    started = time.perf_counter()
    vectors = encoder.encode(
        [doc.searchable_text() for doc in documents], batch_size=options.batch_size, show_progress_bar=options.show_progress
    )
    build.timings["encode"] = time.perf_counter() - started
    if cache is not None:
        cache.put(encoder.cache_key, build.checksum(), vectors)
    return vectors


