"""Text analysis for BM25: languages, folding, segmentation, and which language a corpus is in.

>>> from scientia.indexers.analysis import Analyzer, language
>>> german = language("de")
>>> Analyzer(german.stopwords, german.stemmer)("Die Straßenbahn und die Brötchen")
['strassenbahn', 'brotch']
"""

from __future__ import annotations

from .analyzer import Analyzer
from .detection import LanguageReport, detect_language
from .languages import AUTO, LANGUAGES, STOPWORDS_EN, Language, language

__all__ = ["AUTO", "Analyzer", "LANGUAGES", "Language", "LanguageReport", "STOPWORDS_EN", "detect_language", "language"]
