"""Semantic similarity: the query's embedding against the FAISS index of document embeddings."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from scientia.indexers.dense import DenseIndex
from scientia.indexers.encoding import Encoder, checked_model_path

from .base import Restriction, Signal, SignalOptions, SignalResult, rankings_from_arrays

if TYPE_CHECKING:
    from scientia.indexers.generation import Generation

__all__ = ["DenseSignal"]


class DenseSignal(Signal):
    name = "dense"
    requires = ("dense",)

    def __init__(self, encoder: Encoder, index: DenseIndex) -> None:
        self.encoder = encoder
        self.index = index
        # Hugging Face fast tokenizers raise "Already borrowed" when two threads encode at once.
        self._encoding = threading.Lock()

    @classmethod
    def open(cls, generation: Generation, options: SignalOptions) -> DenseSignal:
        recorded = generation.manifest.encoder
        # queries run on the backend the documents did, with an encoder reused where it is the index's own
        reusable = options.encoder is not None and options.encoder.cache_key == Encoder.key_for(recorded.checksum, recorded.backend)
        if reusable:
            encoder = options.encoder
        else:
            model = checked_model_path(generation.root, recorded, options.model)
            encoder = Encoder(model, options.device, checksum=recorded.checksum, backend=recorded.backend)
        return cls(encoder, generation.open_component("dense"))

    def rank(self, queries: list[str], depth: int, restriction: Restriction | None = None) -> list[SignalResult]:
        with self._encoding:
            vectors = self.encoder.encode_queries(queries)
        restriction = restriction or Restriction()
        scores, positions = self.index.search(vectors, depth, restriction.allowed, restriction.excluded)
        return rankings_from_arrays(scores, positions)
