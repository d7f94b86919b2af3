"""Term matching: BM25 over the analyzed query terms.

Each result also says how much of its query the collection could match (:func:`query_coverage`),
for the adaptive fusion: a query whose rare words no document has is mostly beyond BM25's reach.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from scientia.indexers.lexical import LexicalIndex

from .base import Restriction, Signal, SignalOptions, SignalResult, rankings_from_arrays

if TYPE_CHECKING:
    from scientia.indexers.generation import Generation

__all__ = ["LexicalSignal", "query_coverage"]


def query_coverage(frequencies: Sequence[int], documents: int) -> float:
    """The share of a query's IDF mass carried by terms that occur in the collection.

    ``frequencies``: the document frequency of each analyzed query term (0 for a term no document
    has), repeats counted. IDF is Lucene's BM25 IDF, ln(1 + (N − n + 0.5) / (n + 0.5)) (Robertson
    & Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond", 2009); an absent term
    has the largest IDF there is, as the most specific word of the query. A query with no term
    left after analysis (all stopwords) has coverage 0.
    """
    from scientia.indexers.bm25_matrix import lucene_idf

    idf = [lucene_idf(n, documents) for n in frequencies]
    total = sum(idf)
    return sum(weight for weight, n in zip(idf, frequencies, strict=False) if n > 0) / total if total > 0 else 0.0


class LexicalSignal(Signal):
    name = "lexical"
    requires = ("lexical",)
    score_floor = 0.0  # BM25 of a document with none of the query's terms

    @classmethod
    def open(cls, generation: Generation, options: SignalOptions) -> LexicalSignal:
        return cls(generation.open_component(cls.requires[0], options.open_context))

    def __init__(self, index: LexicalIndex) -> None:
        self.index = index
        self._mask_memo: tuple | None = None

    def _mask(self, restriction: Restriction):
        """bm25s weights: 1 where the restriction permits a document, 0 elsewhere."""
        import numpy as np

        size = self.index.num_documents
        keep = restriction.allowed is not None
        mask = np.full(size, 0.0 if keep else 1.0, dtype=np.float32)
        chosen = restriction.allowed if restriction.allowed is not None else restriction.excluded
        mask[np.fromiter((p for p in chosen if p < size), dtype=np.int64)] = 1.0 if keep else 0.0
        return mask

    def rank(self, queries: list[str], depth: int, restriction: Restriction | None = None) -> list[SignalResult]:
        mask = None
        if restriction is not None and not restriction.is_open:
            memo = self._mask_memo  # the same tombstone set comes with every query of a generation
            if memo is None or memo[0] is not restriction:
                memo = self._mask_memo = (restriction, self._mask(restriction))
            mask = memo[1]
        scores, positions, term_frequencies = self.index.search_with_frequencies(queries, depth, mask)
        results = rankings_from_arrays(scores, positions)
        documents = self.index.num_documents
        for result, frequencies in zip(results, term_frequencies, strict=False):
            result.coverage = query_coverage(frequencies, documents)
        return results
