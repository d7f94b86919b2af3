"""Term matching: BM25 over the analyzed query terms."""

from __future__ import annotations

from scientia.indexers.lexical import LexicalIndex

from .base import Restriction, Signal, SignalResult, rankings_from_arrays

__all__ = ["LexicalSignal"]


class LexicalSignal(Signal):
    name = "lexical"

    def __init__(self, index: LexicalIndex) -> None:
        self.index = index

    def rank(self, queries: list[str], depth: int, restriction: Restriction | None = None) -> list[SignalResult]:
        mask = None
        if restriction is not None and not restriction.is_open:
            import numpy as np

            size = self.index.num_documents
            if restriction.allowed is not None:
                mask = np.zeros(size, dtype=np.float32)
                mask[[p for p in restriction.allowed if p < size]] = 1
            else:
                mask = np.ones(size, dtype=np.float32)
                mask[[p for p in restriction.excluded if p < size]] = 0
        scores, positions = self.index.search(queries, depth, mask)
        return rankings_from_arrays(scores, positions)
