"""BM25 over the documents: the analyzer, and search over the eager score matrix.

Scoring is Lucene's BM25 variant (Robertson & Zaragoza, "The Probabilistic Relevance Framework:
BM25 and Beyond", 2009) by default. Text is lower-cased, split on word characters, stripped of
English stopwords and Snowball-stemmed; the same analyzer runs on queries.

The index is bm25s's eager matrix (:mod:`.bm25_matrix`, in bm25s's file format). A query sums
its terms' columns with bm25s's own arithmetic (:func:`_column_sums`, :func:`_top_k`), so the
scores and their order are bm25s's, while neither building nor querying imports bm25s (and the
numba and scipy it pulls in).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .bm25_matrix import ScoreMatrix, build_score_matrix

if TYPE_CHECKING:
    import numpy as np

__all__ = ["BM25Params", "LexicalIndex", "Analyzer", "STOPWORDS_EN"]

Bm25Method = Literal["lucene", "robertson", "atire", "bm25l", "bm25+"]
# bm25s's English list (bm25s.stopwords.STOPWORDS_EN, 0.3.16), kept here so that queries need not
# import bm25s; tests/test_lexical.py checks the two stay equal.
STOPWORDS_EN = (
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
    "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
)


@dataclass(frozen=True)
class BM25Params:
    """Every parameter of the lexical index; saved in the manifest."""

    k1: float = 0.9
    b: float = 0.4
    method: Bm25Method = "lucene"
    stopwords: str = "en"
    stemmer: str | None = "english"


class Analyzer:
    """Lower-case, split on ``\\w\\w+``, drop stopwords, stem (PyStemmer's Snowball stemmers)."""

    _TOKEN = re.compile(r"(?u)\b\w\w+\b")

    def __init__(self, stopwords: str = "en", stemmer: str | None = "english") -> None:
        if stopwords in ("en", "english"):
            self.stopwords = frozenset(STOPWORDS_EN)
        elif not stopwords:
            self.stopwords = frozenset()
        else:
            raise ValueError(f"unsupported stopword list {stopwords!r} (allowed: en, none)")
        if stemmer:
            import Stemmer

            self._stem = Stemmer.Stemmer(stemmer).stemWords
        else:
            self._stem = None

    def __call__(self, text: str) -> list[str]:
        tokens = [token for token in self._TOKEN.findall(text.lower()) if token not in self.stopwords]
        return self._stem(tokens) if self._stem else tokens


class LexicalIndex:
    """A BM25 index whose document ``i`` is document position ``i`` in the document store."""

    def __init__(self, matrix: ScoreMatrix, params: BM25Params) -> None:
        self.matrix = matrix
        self.params = params
        self.analyzer = Analyzer(params.stopwords, params.stemmer)

    @property
    def num_documents(self) -> int:
        return self.matrix.num_docs

    @classmethod
    def build(cls, texts: Iterable[str], params: BM25Params | None = None) -> LexicalIndex:
        params = params or BM25Params()
        analyzer = Analyzer(params.stopwords, params.stemmer)
        return cls(build_score_matrix([analyzer(text) for text in texts], params.method, params.k1, params.b), params)

    def search(self, queries: list[str], k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` per query: ``(scores, positions)``; positions of zero-score documents are ``-1``.

        ``mask`` (one weight per document, 0 to exclude) multiplies the scores before the top k
        is taken, so excluded documents never take a place.
        """
        import numpy as np

        k = min(k, self.num_documents)
        found = [_top_k(self._scores(self.analyzer(query), mask), k) for query in queries]
        scores = np.array([row for row, _ in found]).reshape(len(queries), k)
        positions = np.array([row for _, row in found]).reshape(len(queries), k)
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
    for start, end in zip(matrix.indptr[ids], matrix.indptr[ids + 1]):
        np.add.at(scores, matrix.indices[start:end], matrix.data[start:end])
    return scores


def _top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best ``(scores, positions)``, best first, chosen as bm25s's numpy ``topk`` does
    (``argpartition``, then ``argsort`` of the part): ties fall the same way."""
    import numpy as np

    part = np.argpartition(scores, -k).take(indices=range(-k, 0))
    part_scores = np.take(scores, part)
    order = np.flip(np.argsort(part_scores))
    return part_scores[order], part[order]
