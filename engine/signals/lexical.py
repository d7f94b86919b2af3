"""Term matching: BM25 over the analyzed query terms."""

from __future__ import annotations

from scientia.indexers.lexical import LexicalIndex

from .base import Signal, SignalResult, rankings_from_arrays

__all__ = ["LexicalSignal"]


class LexicalSignal(Signal):
    name = "lexical"

    def __init__(self, index: LexicalIndex) -> None:
        self.index = index

    def rank(self, queries: list[str], depth: int) -> list[SignalResult]:
        scores, positions = self.index.search(queries, depth)
        return rankings_from_arrays(scores, positions)
