"""Semantic similarity: the query's embedding against the FAISS index of document embeddings."""

from __future__ import annotations

from scientia.indexers.dense import DenseIndex
from scientia.indexers.encoder import Encoder

from .base import Restriction, Signal, SignalResult, rankings_from_arrays

__all__ = ["DenseSignal"]


class DenseSignal(Signal):
    name = "dense"

    def __init__(self, encoder: Encoder, index: DenseIndex) -> None:
        self.encoder = encoder
        self.index = index

    def rank(self, queries: list[str], depth: int, restriction: Restriction | None = None) -> list[SignalResult]:
        vectors = self.encoder.encode(queries, batch_size=max(1, min(len(queries), 256)))
        restriction = restriction or Restriction()
        scores, positions = self.index.search(vectors, depth, restriction.allowed, restriction.excluded)
        return rankings_from_arrays(scores, positions)
