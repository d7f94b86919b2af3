"""BM25 over the documents: the analyzer, and search over the eager score matrix.

Scoring is Lucene's BM25 variant (Robertson & Zaragoza, "The Probabilistic Relevance Framework:
BM25 and Beyond", 2009) by default. Text is analyzed for the index's language
(:mod:`.analysis`: folded, cut into words or CJK bigrams, stopwords dropped, Snowball-stemmed);
the same analyzer runs on queries.

The index is bm25s's eager matrix (:mod:`.bm25_matrix`, in bm25s's file format). A query sums
its terms' columns with bm25s's own arithmetic (:func:`_column_sums`, :func:`_top_k`), so the
scores and their order are bm25s's, while neither building nor querying imports bm25s (and the
numba and scipy it pulls in).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .analysis import AUTO, STOPWORDS_EN, Analyzer, detect_language, language
from .bm25_matrix import CorpusStatistics, ScoreMatrix, build_score_matrix
from .sharding import ShardedSearch, merge_top_k

if TYPE_CHECKING:
    import numpy as np

    from .sharding import ShardMap

__all__ = ["BM25Params", "LexicalIndex", "ShardedLexicalIndex", "Analyzer", "STOPWORDS_EN"]

Bm25Method = Literal["lucene", "robertson", "atire", "bm25l", "bm25+"]


@dataclass(frozen=True)
class BM25Params:
    """Every parameter of the lexical index; saved in the manifest.

    ``language`` is ``auto`` only until a build decides it from the corpus
    (:meth:`for_language`); ``stopwords`` and ``stemmer`` are then that language's.
    """

    k1: float = 0.9
    b: float = 0.4
    method: Bm25Method = "lucene"
    stopwords: str = "en"
    stemmer: str | None = "english"
    language: str = AUTO
    fold: bool = True  # case and accent folding, CJK bigrams (indexes from before languages: False)
    cjk_unigrams: bool = True  # each CJK character a term beside the bigrams (indexes from before: False)

    def for_language(self, code: str) -> BM25Params:
        """These parameters with ``code``'s stemmer and stopwords."""
        chosen = language(code)
        return replace(self, language=chosen.code, stemmer=chosen.stemmer, stopwords=chosen.stopwords)

    def analyzer(self) -> Analyzer:
        return Analyzer(self.stopwords, self.stemmer, self.fold, self.cjk_unigrams)

    def decided_for(self, texts: Sequence[str]) -> BM25Params:
        """These parameters, with a language of ``auto`` decided from ``texts`` (:func:`.analysis.detect_language`)."""
        return self.for_language(detect_language(texts).language) if self.language == AUTO else self


class LexicalIndex:
    """A BM25 index whose document ``i`` is document position ``i`` in the document store."""

    def __init__(self, matrix: ScoreMatrix, params: BM25Params) -> None:
        self.matrix = matrix
        self.params = params
        self.analyzer = params.analyzer()

    @property
    def num_documents(self) -> int:
        return self.matrix.num_docs

    @classmethod
    def build(cls, texts: Iterable[str], params: BM25Params | None = None) -> LexicalIndex:
        """Index ``texts``; a language of ``auto`` is decided from them."""
        texts = list(texts)
        params = (params or BM25Params()).decided_for(texts)
        analyzer = params.analyzer()
        return cls(build_score_matrix([analyzer(text) for text in texts], params.method, params.k1, params.b), params)

    @classmethod
    def build_shards(cls, texts: Sequence[str], params: BM25Params, shard_map: ShardMap) -> list[LexicalIndex]:
        """One index per shard of ``shard_map``, each over its documents of ``texts`` and scored
        with the statistics of all of them (:class:`.bm25_matrix.CorpusStatistics`), so that
        every document scores as in the one index of ``texts``."""
        params = params.decided_for(texts)
        analyzer = params.analyzer()
        tokens = [analyzer(text) for text in texts]
        statistics = CorpusStatistics.of(tokens)
        return [cls(build_score_matrix([tokens[p] for p in members], params.method, params.k1, params.b, statistics),
                    params) for members in shard_map.members]

    def search(self, queries: list[str], k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` per query: ``(scores, positions)``; positions of zero-score documents are ``-1``.

        ``mask`` (one weight per document, 0 to exclude) multiplies the scores before the top k
        is taken, so excluded documents never take a place.
        """
        return self._search_tokens([self.analyzer.query(query) for query in queries], k, mask)

    def search_with_frequencies(self, queries: list[str], k: int, mask: np.ndarray | None = None
                                ) -> tuple[np.ndarray, np.ndarray, list[list[int]]]:
        """:meth:`search`, and for each query how many documents have each of its analyzed terms
        (0 for a term none has): each query analyzed once, one call to a remote shard."""
        tokens = [self.analyzer.query(query) for query in queries]
        matrix = self.matrix
        frequencies = [[int(matrix.indptr[i + 1] - matrix.indptr[i]) if i is not None else 0
                        for i in (matrix.vocabulary.get(term) for term in terms)] for terms in tokens]
        return (*self._search_tokens(tokens, k, mask), frequencies)

    def _search_tokens(self, tokens: list[list[str]], k: int, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        k = min(k, self.num_documents)
        found = [_top_k(self._scores(terms, mask), k) for terms in tokens]
        scores = np.array([row for row, _ in found]).reshape(len(tokens), k)
        positions = np.array([row for _, row in found]).reshape(len(tokens), k)
        positions = np.where(scores > 0, positions, -1)
        return scores.astype(np.float32), positions

    def _scores(self, tokens: list[str], mask: np.ndarray | None) -> np.ndarray:
        """Every document's BM25 score for the query's terms, as bm25s's ``get_scores`` computes it."""
        import numpy as np

        matrix = self.matrix
        if not tokens:
            return np.zeros(matrix.num_docs, dtype=matrix.dtype)
        ids = np.asarray([matrix.vocabulary[t] for t in tokens if t in matrix.vocabulary], dtype=matrix.indptr.dtype)
        scores = _column_sums(matrix, ids)
        if matrix.nonoccurrence is not None:
            scores += matrix.nonoccurrence[ids].sum()
        if mask is not None:
            scores *= mask
        return scores

    def save(self, folder: Path) -> None:
        self.matrix.save(Path(folder), self.params.method, self.params.k1, self.params.b)

    @classmethod
    def load(cls, folder: Path, params: BM25Params) -> LexicalIndex:
        """Read a saved index (``params.index.json``, ``vocab.index.json``, the CSC arrays)."""
        return cls(ScoreMatrix.load(Path(folder)), params)


def _column_sums(matrix: ScoreMatrix, ids: np.ndarray) -> np.ndarray:
    """Sum the score columns of terms ``ids`` (repeats counted), term by term with ``np.add.at``:
    bm25s's ``_compute_relevance_from_scores``, so the float32 sums come out bit for bit alike."""
    import numpy as np

    scores = np.zeros(matrix.num_docs, dtype=matrix.dtype)
    for start, end in zip(matrix.indptr[ids], matrix.indptr[ids + 1], strict=False):
        np.add.at(scores, matrix.indices[start:end], matrix.data[start:end])
    return scores


def _top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best ``(scores, positions)``, best first, chosen as bm25s's numpy ``topk`` does
    (``argpartition``, then ``argsort`` of the part): ties fall the same way."""
    import numpy as np

    part = np.argpartition(scores, -k)[-k:]  # what bm25s's .take(indices=range(-k, 0)) gives
    part_scores = np.take(scores, part)
    order = np.flip(np.argsort(part_scores))
    return part_scores[order], part[order]


class ShardedLexicalIndex(ShardedSearch):
    """:class:`LexicalIndex`'s search over shards; ``shards[i]`` answers
    ``search(queries, k, mask)`` with its local positions."""

    @property
    def num_documents(self) -> int:
        return self.shard_map.size

    @property
    def params(self):
        return self.shards[0].params

    def search(self, queries: list[str], k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self.search_with_frequencies(queries, k, mask)[:2]

    def search_with_frequencies(self, queries: list[str], k: int, mask: np.ndarray | None = None
                                ) -> tuple[np.ndarray, np.ndarray, list[list[int]]]:
        """The merged top ``k``, and each query term's document frequency summed over the shards,
        from one call to each shard."""
        def one(shard: int):
            members = self.shard_map.members[shard]
            shard_mask = None if mask is None else mask[members]
            scores, positions, frequencies = self.shards[shard].search_with_frequencies(queries, k, shard_mask)
            return self._global(shard, (scores, positions)), frequencies

        answers = self.runner.map(one, len(self.shards))
        scores, positions = merge_top_k([found for found, _ in answers], k)
        per_shard = [frequencies for _, frequencies in answers]
        return scores, positions, [[sum(counts) for counts in zip(*per_query, strict=False)] for per_query in zip(*per_shard, strict=False)]
