"""BM25's eager score matrix: one score per (term, document), built, saved and read with numpy.

The matrix is bm25s's (Lù, "BM25S: Orders of magnitude faster lexical search via eager sparse
scoring", 2024): computed once at indexing, a CSC matrix with a column per term, saved in
bm25s's file format (``data/indices/indptr.csc.index.npy``, ``vocab.index.json``,
``params.index.json``), so ``bm25s.BM25.load`` reads a scientia index as it reads its own.

It is built here rather than by bm25s because ``import bm25s`` pulls in numba and scipy (about
0.25 s of a 1.5 s ``index add``, which a live server shares its cores with). The arithmetic is
bm25s 0.3.16's, operation for operation and in the same float64-then-float32 order, so every
score comes out bit for bit alike (``tests/test_lexical.py`` compares all five variants). The
one difference: the vocabulary is sorted, where bm25s numbers terms in set order, which changes
with ``PYTHONHASHSEED``; scores do not depend on term numbers, and builds become reproducible.

Term-frequency and IDF variants as in Kamphuis et al., "Which BM25 Do You Mean? A Large-Scale
Reproducibility Study of Scoring Variants", ECIR 2020.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scientia.common.errors import IndexFormatError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["BM25S_FORMAT_VERSION", "CorpusStatistics", "NONOCCURRENCE_METHODS", "ScoreMatrix", "build_score_matrix", "lucene_idf"]

# The bm25s release whose file format and arithmetic this module reproduces.
BM25S_FORMAT_VERSION = "0.3.16"
# bm25s's default, used by the two variants that give absent terms a floor score.
DELTA = 0.5
# The methods whose absent terms still score (their per-term floor is saved separately).
NONOCCURRENCE_METHODS = ("bm25l", "bm25+")
_DTYPE, _INT_DTYPE = "float32", "int32"


def _idf_robertson(df: int, n: int) -> float:
    return math.log(max((n - df + 0.5) / (df + 0.5), 1))


def lucene_idf(df: int, n: int) -> float:
    """Lucene's BM25 IDF, ln(1 + (N − n + 0.5) / (n + 0.5)): positive for every term."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _idf_atire(df: int, n: int) -> float:
    return math.log(n / df)


def _idf_bm25l(df: int, n: int) -> float:
    return math.log((n + 1) / (df + 0.5))


def _idf_bm25plus(df: int, n: int) -> float:
    return math.log((n + 1) / df)


# Term-frequency components. ``tf`` is float32, ``length_ratio`` (b * l_d / l_avg) float64:
# numpy's promotion then makes each step what it is in bm25s.
def _tfc_robertson(tf, length_ratio, k1: float, b: float):
    return tf / (k1 * ((1 - b) + length_ratio) + tf)


def _tfc_atire(tf, length_ratio, k1: float, b: float):
    return (tf * (k1 + 1)) / (tf + k1 * (1 - b + length_ratio))


def _tfc_bm25l(tf, length_ratio, k1: float, b: float):
    c = tf / (1 - b + length_ratio)
    return ((k1 + 1) * (c + DELTA)) / (k1 + c + DELTA)


def _tfc_bm25plus(tf, length_ratio, k1: float, b: float):
    return ((k1 + 1) * tf) / (k1 * (1 - b + length_ratio) + tf) + DELTA


_VARIANTS: dict[str, tuple[Callable[[int, int], float], Callable]] = {
    "robertson": (_idf_robertson, _tfc_robertson),
    "lucene": (lucene_idf, _tfc_robertson),
    "atire": (_idf_atire, _tfc_atire),
    "bm25l": (_idf_bm25l, _tfc_bm25l),
    "bm25+": (_idf_bm25plus, _tfc_bm25plus),
}


@dataclass
class ScoreMatrix:
    """``data[indptr[t]:indptr[t+1]]`` are term ``t``'s scores for documents
    ``indices[indptr[t]:indptr[t+1]]``; ``nonoccurrence[t]`` the floor of an absent term."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    vocabulary: dict[str, int]
    num_docs: int
    dtype: str
    nonoccurrence: np.ndarray | None = None

    def save(self, folder: Path, method: str, k1: float, b: float) -> None:
        """Write bm25s's files for this matrix into ``folder``."""
        import numpy as np

        folder.mkdir(parents=True, exist_ok=True)
        for name, array in (("data", self.data), ("indices", self.indices), ("indptr", self.indptr)):
            np.save(folder / f"{name}.csc.index.npy", array, allow_pickle=False)
        if self.nonoccurrence is not None:
            np.save(folder / "nonoccurrence_array.index.npy", self.nonoccurrence, allow_pickle=False)
        (folder / "vocab.index.json").write_text(json.dumps(self.vocabulary, ensure_ascii=False), encoding="utf-8")
        params = {"k1": k1, "b": b, "delta": DELTA, "method": method, "idf_method": method, "dtype": self.dtype,
                  "int_dtype": _INT_DTYPE, "num_docs": self.num_docs, "version": BM25S_FORMAT_VERSION, "backend": "numpy"}
        (folder / "params.index.json").write_text(json.dumps(params, indent=4), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> ScoreMatrix:
        """Read bm25s's files (written by :meth:`save` or by bm25s itself)."""
        import numpy as np

        try:
            saved = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
            vocabulary = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
            arrays = [np.load(folder / f"{name}.csc.index.npy", allow_pickle=False) for name in ("data", "indices", "indptr")]
            nonoccurrence = None
            if saved["method"] in NONOCCURRENCE_METHODS:
                nonoccurrence = np.load(folder / "nonoccurrence_array.index.npy", allow_pickle=False)
            data, indices, indptr = arrays
            return cls(data, indices, indptr, vocabulary, int(saved["num_docs"]), str(saved["dtype"]), nonoccurrence)
        except (OSError, ValueError, KeyError) as error:
            raise IndexFormatError(f"{folder}: unreadable BM25 index ({error})") from None


@dataclass(frozen=True)
class CorpusStatistics:
    """What BM25 needs of the whole corpus: its vocabulary, each term's document frequency, the
    number of documents and their average length. A shard built with the corpus's statistics
    scores every document exactly as the one-piece index does (Lucene's distributed search shares
    them the same way)."""

    vocabulary: dict[str, int]
    frequencies: np.ndarray  # document frequency of term i
    num_docs: int
    average_length: float

    @classmethod
    def of(cls, documents: Sequence[list[str]]) -> CorpusStatistics:
        import numpy as np

        vocabulary = {term: i for i, term in enumerate(sorted({term for tokens in documents for term in tokens}))}
        frequencies = np.bincount(np.fromiter((vocabulary[t] for tokens in documents for t in set(tokens)), dtype=np.int64),
                                  minlength=len(vocabulary))
        lengths = np.array([len(tokens) for tokens in documents])
        # bm25s: the mean of an int array (float64; NaN for an empty corpus, whose matrix is empty anyway)
        average_length = lengths.mean() if len(documents) else np.float64(1.0)
        return cls(vocabulary, frequencies, len(documents), average_length)


def build_score_matrix(documents: Sequence[list[str]], method: str, k1: float, b: float,
                       statistics: CorpusStatistics | None = None) -> ScoreMatrix:
    """The eager BM25 matrix of analyzed ``documents`` (one token list each), as bm25s builds it.

    With ``statistics`` of a larger corpus that ``documents`` are part of (a shard), IDF and
    length normalization come from that corpus, and the vocabulary is its whole vocabulary.
    """
    import numpy as np

    if method not in _VARIANTS:
        raise ValueError(f"unknown BM25 method {method!r} (allowed: {', '.join(_VARIANTS)})")
    idf_of, tfc = _VARIANTS[method]
    statistics = statistics or CorpusStatistics.of(documents)
    vocabulary, average_length, n = statistics.vocabulary, statistics.average_length, statistics.num_docs
    counts = [Counter(tokens) for tokens in documents]
    lengths = np.array([len(tokens) for tokens in documents])
    pairs = sum(len(c) for c in counts)
    doc_of = np.repeat(np.arange(len(documents), dtype=_INT_DTYPE), [len(c) for c in counts])
    term_of = np.fromiter((vocabulary[t] for c in counts for t in c), dtype=np.int64, count=pairs)
    tf = np.fromiter((n for c in counts for n in c.values()), dtype=_DTYPE, count=pairs)
    frequencies = statistics.frequencies
    idf = np.array([idf_of(int(df), n) for df in frequencies], dtype=_DTYPE)
    length_ratio = b * lengths[doc_of].astype(np.float64) / average_length
    scores = idf[term_of] * tfc(tf, length_ratio, k1, b)
    nonoccurrence = np.zeros(len(vocabulary), dtype=_DTYPE) if method in NONOCCURRENCE_METHODS else None
    if nonoccurrence is not None and len(vocabulary):
        floor = tfc(0, b * average_length / average_length, k1, b)  # an absent term in a document of average length
        nonoccurrence = np.array([idf_of(int(df), n) * floor for df in frequencies], dtype=_DTYPE)
        scores = scores - nonoccurrence[term_of]
    # CSC: by term, documents ascending within a term (the stable sort keeps document order)
    order = np.argsort(term_of, kind="stable")
    indptr = np.zeros(len(vocabulary) + 1, dtype=np.int64)
    np.cumsum(np.bincount(term_of, minlength=len(vocabulary)), out=indptr[1:])
    return ScoreMatrix(scores[order].astype(_DTYPE), doc_of[order], indptr, vocabulary, len(documents), _DTYPE,
                       nonoccurrence)
