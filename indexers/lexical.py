"""BM25 over the documents with bm25s (Lù, "BM25S: Orders of magnitude faster lexical search
via eager sparse scoring", 2024).

Scoring is Lucene's BM25 variant (Robertson & Zaragoza, "The Probabilistic Relevance Framework:
BM25 and Beyond", 2009). Text is lower-cased, split on word characters, stripped of English
stopwords and Snowball-stemmed; the same analyzer runs on queries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from scientia.common.errors import IndexFormatError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["BM25Params", "LexicalIndex", "Analyzer"]

Bm25Method = Literal["lucene", "robertson", "atire", "bm25l", "bm25+"]


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
        import bm25s.stopwords

        if stopwords in ("en", "english"):
            self.stopwords = frozenset(bm25s.stopwords.STOPWORDS_EN)
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
    """A bm25s index whose document ``i`` is document position ``i`` in the document store."""

    def __init__(self, retriever, params: BM25Params) -> None:
        self.retriever = retriever
        self.params = params
        self.analyzer = Analyzer(params.stopwords, params.stemmer)

    @property
    def num_documents(self) -> int:
        return int(self.retriever.scores["num_docs"])

    @classmethod
    def build(cls, texts: Iterable[str], params: BM25Params | None = None) -> LexicalIndex:
        import bm25s

        params = params or BM25Params()
        analyzer = Analyzer(params.stopwords, params.stemmer)
        retriever = bm25s.BM25(k1=params.k1, b=params.b, method=params.method)
        retriever.index([analyzer(text) for text in texts], show_progress=False)
        return cls(retriever, params)

    def search(self, queries: list[str], k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` per query: ``(scores, positions)``; positions of zero-score documents are ``-1``.

        ``mask`` (one weight per document, 0 to exclude) restricts the search inside bm25s.
        """
        import numpy as np

        k = min(k, self.num_documents)
        tokens = [self.analyzer(query) for query in queries]
        positions, scores = self.retriever.retrieve(tokens, k=k, show_progress=False, n_threads=0, weight_mask=mask)
        positions = np.where(scores > 0, positions, -1)
        return scores.astype(np.float32), positions

    def save(self, folder: Path) -> None:
        self.retriever.save(str(folder))

    @classmethod
    def load(cls, folder: Path, params: BM25Params) -> LexicalIndex:
        import bm25s

        try:
            retriever = bm25s.BM25.load(str(folder), mmap=False)
        except (OSError, ValueError, KeyError) as error:
            raise IndexFormatError(f"{folder}: unreadable BM25 index ({error})") from None
        return cls(retriever, params)
