"""Semantic similarity: the query's embedding against the FAISS index of document embeddings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scientia.indexers.components.dense import recorded_encoder
from scientia.indexers.dense import DenseIndex, ShardedDenseIndex
from scientia.indexers.encoding import BACKENDS, Encoder

from .base import Restriction, Signal, SignalOptions, SignalResult, rankings_from_arrays
from .batching import QueryBatcher

if TYPE_CHECKING:
    from scientia.indexers.generation import Generation

__all__ = ["DenseSignal"]


class DenseSignal(Signal):
    name = "dense"
    requires = ("dense",)
    preload = True  # the encoder takes seconds to load

    def __init__(self, encoder: Encoder, index: DenseIndex | ShardedDenseIndex) -> None:
        self.encoder = encoder
        self.index = index
        # concurrent single queries (a server's) share encoder calls where vectors allow it
        self._batcher = QueryBatcher(encoder) if encoder.batch_invariant else None

    @classmethod
    def open(cls, generation: Generation, options: SignalOptions) -> DenseSignal:
        recorded = recorded_encoder(generation.root, generation.manifest.section(cls.requires[0]))
        # an encoder already loaded (a server opening a newer generation) serves if it is the one this index queries with
        wanted = Encoder.key_for(recorded.checksum, BACKENDS[recorded.backend].query_backend)
        reusable = [model for model in options.loaded if isinstance(model, Encoder) and model.cache_key == wanted]
        encoder = reusable[0] if reusable else Encoder.for_queries(generation.root, recorded, options.model, options.device)
        return cls(encoder, generation.open_component(cls.requires[0], options.open_context))

    @property
    def batcher(self) -> QueryBatcher | None:
        """What shares encoder calls among concurrent single queries (``None``: int8, one by one)."""
        return self._batcher

    def models(self) -> tuple[Encoder, ...]:
        return (self.encoder,)

    def rank(self, queries: list[str], depth: int, restriction: Restriction | None = None) -> list[SignalResult]:
        if self._batcher is not None and len(queries) == 1:
            vectors = self._batcher.encode(queries[0])[None, :]
        else:
            vectors = self.encoder.encode_queries(queries)  # thread-safe: no lock on the query path
        restriction = restriction or Restriction()
        scores, positions = self.index.search(vectors, depth, restriction.allowed, restriction.excluded)
        return rankings_from_arrays(scores, positions)
