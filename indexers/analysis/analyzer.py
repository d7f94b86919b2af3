"""The analyzer: text to BM25 terms, the same on documents and on queries."""

from __future__ import annotations

import re

from .folding import fold_accents, fold_case
from .languages import stopwords as stopword_list
from .segmentation import split_terms

__all__ = ["Analyzer"]


class Analyzer:
    """Text to terms.

    With ``fold`` (every index built since languages were added): case-fold, cut into words and
    CJK bigrams (:func:`.segmentation.split_terms`; with ``cjk_unigrams``, every CJK character
    too), drop stopwords, stem with the Snowball stemmer, fold accents. Without it (indexes built before): lower-case, split on ``\\w\\w+``,
    drop stopwords, stem, exactly as those indexes were built.
    """

    _LEGACY_TOKEN = re.compile(r"(?u)\b\w\w+\b")

    def __init__(self, stopwords: str = "en", stemmer: str | None = "english", fold: bool = True,
                 cjk_unigrams: bool = True) -> None:
        self.stopwords = stopword_list("" if stopwords in ("", "none") else "en" if stopwords == "english" else stopwords)
        self.fold = fold
        self.cjk_unigrams = cjk_unigrams
        if stemmer:
            import Stemmer

            self._stem = Stemmer.Stemmer(stemmer).stemWords
        else:
            self._stem = None

    def __call__(self, text: str) -> list[str]:
        """A document's terms."""
        return self._terms(text, self.cjk_unigrams)

    def query(self, text: str) -> list[str]:
        """A query's terms: as a document's, except that a CJK run of two characters or more is
        matched by its bigrams alone and a single character by itself (Lucene's
        ``outputUnigramsIfNoBigrams``): 竹林 finds 竹林, not every 竹, and 竹 finds 竹."""
        return self._terms(text, False)

    def _terms(self, text: str, cjk_unigrams: bool) -> list[str]:
        if not self.fold:
            tokens = [token for token in self._LEGACY_TOKEN.findall(text.lower()) if token not in self.stopwords]
            return self._stem(tokens) if self._stem else tokens
        words, cjk = split_terms(fold_case(text), cjk_unigrams)
        words = [word for word in words if word not in self.stopwords]
        if self._stem:
            words = self._stem(words)
        return [fold_accents(word) for word in words] + cjk
