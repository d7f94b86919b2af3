"""Semantic similarity: the query's embedding against the FAISS index of document embeddings."""

from __future__ import annotations

import threading

from scientia.indexers.dense import DenseIndex
from scientia.indexers.encoder import Encoder

from .base import Restriction, Signal, SignalResult, rankings_from_arrays

__all__ = ["DenseSignal"]


class DenseSignal(Signal):
    name = "dense"

    def __init__(self, encoder: Encoder, index: DenseIndex) -> None:
        self.encoder = encoder
        self.index = index
        # Hugging Face fast tokenizers raise "Already borrowed" when two threads encode at once.
        self._encoding = threading.Lock()

    def rank(self, queries: list[str], depth: int, restriction: Restriction | None = None) -> list[SignalResult]:
        with self._encoding:
            vectors = self.encoder.encode_queries(queries)
        restriction = restriction or Restriction()
        scores, positions = self.index.search(vectors, depth, restriction.allowed, restriction.excluded)
        return rankings_from_arrays(scores, positions)
