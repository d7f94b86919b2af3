"""The languages BM25 can analyze: each one's Snowball stemmer, stopword list and segmentation.

Stemmers are PyStemmer's Snowball algorithms (Porter, "Snowball: A language for stemming
algorithms", 2001). Stopword lists are bm25s's (from NLTK), shipped in ``stopwords.json``;
English keeps bm25s's short list (:data:`STOPWORDS_EN`). Chinese, Japanese and Korean are
written without spaces between words: their text is cut into overlapping character bigrams
(:mod:`.segmentation`), as Lucene's ``CJKAnalyzer`` and Anserini do, so a two-character word is
found wherever it occurs, with no dictionary to ship or keep current.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from scientia.common.errors import InvalidArgumentError

__all__ = ["AUTO", "LANGUAGES", "Language", "STOPWORDS_EN", "language", "stopwords"]

AUTO = "auto"

# bm25s's English list (bm25s.stopwords.STOPWORDS_EN, 0.3.16), kept here so that queries need not
# import bm25s; tests/test_lexical.py checks the two stay equal.
STOPWORDS_EN = (
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
    "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
)


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1
    name: str
    stemmer: str | None  # a name in Stemmer.algorithms()
    stopwords: str  # a key of stopwords(), or "" for none
    bigrams: bool = False  # written without spaces: index character bigrams


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("en", "English", "english", "en"),
        Language("de", "German", "german", "de"),
        Language("fr", "French", "french", "fr"),
        Language("es", "Spanish", "spanish", "es"),
        Language("it", "Italian", "italian", "it"),
        Language("nl", "Dutch", "dutch", "nl"),
        Language("pt", "Portuguese", "portuguese", "pt"),
        Language("sv", "Swedish", "swedish", "sv"),
        Language("da", "Danish", "danish", "da"),
        Language("no", "Norwegian", "norwegian", "no"),
        Language("fi", "Finnish", "finnish", ""),
        Language("pl", "Polish", "polish", ""),
        Language("cs", "Czech", "czech", ""),
        Language("hu", "Hungarian", "hungarian", ""),
        Language("ro", "Romanian", "romanian", ""),
        Language("ca", "Catalan", "catalan", ""),
        Language("tr", "Turkish", "turkish", "tr"),
        Language("ru", "Russian", "russian", "ru"),
        Language("el", "Greek", "greek", ""),
        Language("ar", "Arabic", "arabic", ""),
        Language("fa", "Persian", "persian", ""),
        Language("hi", "Hindi", "hindi", ""),
        Language("id", "Indonesian", "indonesian", ""),
        Language("zh", "Chinese", None, "", bigrams=True),
        Language("ja", "Japanese", None, "", bigrams=True),
        Language("ko", "Korean", None, "", bigrams=True),
        # no stemming, no stopwords: any language, words as written (folded)
        Language("none", "no language", None, ""),
    )
}


def language(code: str) -> Language:
    """The language of ``code``; an unknown code is an error listing the allowed ones."""
    found = LANGUAGES.get(code.lower())
    if found is None:
        raise InvalidArgumentError(f"unknown language {code!r} (allowed: {AUTO}, {', '.join(LANGUAGES)})")
    return found


@cache
def stopwords(key: str) -> frozenset[str]:
    """The stopword list named ``key`` ("" for none)."""
    if not key:
        return frozenset()
    if key == "en":
        return frozenset(STOPWORDS_EN)
    lists = json.loads((Path(__file__).with_name("stopwords.json")).read_text(encoding="utf-8"))
    if key not in lists:
        raise InvalidArgumentError(f"unsupported stopword list {key!r} (allowed: en, {', '.join(sorted(lists))}, none)")
    return frozenset(lists[key])
