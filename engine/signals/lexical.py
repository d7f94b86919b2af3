"""Term matching: BM25 over the analyzed query terms."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scientia.indexers.lexical import LexicalIndex

from .base import Restriction, Signal, SignalOptions, SignalResult, rankings_from_arrays

if TYPE_CHECKING:
    from scientia.indexers.generation import Generation

__all__ = ["LexicalSignal"]


class LexicalSignal(Signal):
    name = "lexical"
    requires = ("lexical",)

    @classmethod
    def open(cls, generation: Generation, options: SignalOptions) -> LexicalSignal:
        return cls(generation.open_component("lexical", shard_host=options.shard_host))

    def __init__(self, index: LexicalIndex) -> None:
        self.index = index
        self._mask_memo: tuple | None = None

    def _mask(self, restriction: Restriction):
        """bm25s weights: 1 where the restriction permits a document, 0 elsewhere."""
        import numpy as np

        size = self.index.num_documents
        keep = restriction.allowed is not None
        mask = np.full(size, 0.0 if keep else 1.0, dtype=np.float32)
        chosen = restriction.allowed if keep else restriction.excluded
        mask[np.fromiter((p for p in chosen if p < size), dtype=np.int64)] = 1.0 if keep else 0.0
        return mask

    def rank(self, queries: list[str], depth: int, restriction: Restriction | None = None) -> list[SignalResult]:
        mask = None
        if restriction is not None and not restriction.is_open:
            memo = self._mask_memo  # the same tombstone set comes with every query of a generation
            if memo is None or memo[0] is not restriction:
                memo = self._mask_memo = (restriction, self._mask(restriction))
            mask = memo[1]
        scores, positions = self.index.search(queries, depth, mask)
        return rankings_from_arrays(scores, positions)
