"""Cutting text into terms: words where spaces separate them, character bigrams where they do not.

Chinese, Japanese and Korean runs become overlapping bigrams ("我喜欢竹子" → 我喜 喜欢 欢竹
竹子), the scheme of Lucene's ``CJKAnalyzer``, which Kwok ("Comparing representations in
Chinese information retrieval", SIGIR 1997) found as effective as dictionary segmentation for
retrieval; a query's bigrams then match its words wherever they stand in a sentence. With
``unigrams`` each character is a term as well (Lucene's ``outputUnigrams``), so a query of one
character (竹, 水) finds the documents that have it. Other text splits on ``\\w\\w+`` (words
of two characters or more).
"""

from __future__ import annotations

import re

__all__ = ["CJK_CHARACTERS", "bigrams", "split_terms", "split_words"]

# Hiragana, Katakana (and its extensions, half-width forms), CJK ideographs (with extension A,
# compatibility ideographs and the supplementary planes), Hangul syllables.
CJK_CHARACTERS = (
    "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\uac00-\ud7af"
    "\U00020000-\U0002ffff"
)
_CJK_RUN = re.compile(f"([{CJK_CHARACTERS}]+)")
_WORD = re.compile(r"(?u)\b\w\w+\b")


def split_words(text: str) -> list[str]:
    return _WORD.findall(text)


def bigrams(run: str) -> list[str]:
    """Overlapping character bigrams of ``run``; a one-character run is its own term."""
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def split_terms(text: str, unigrams: bool = False) -> tuple[list[str], list[str]]:
    """``(words, cjk_terms)``: the words between CJK runs, and the runs' bigrams (and, with
    ``unigrams``, their characters)."""
    pieces = _CJK_RUN.split(text)
    # re.split with a group alternates: text between runs at even places, the runs at odd ones
    words = [word for between in pieces[0::2] for word in _WORD.findall(between)]
    runs = pieces[1::2]
    cjk = [term for run in runs for term in bigrams(run)]
    if unigrams:
        cjk += [character for run in runs if len(run) > 1 for character in run]
    return words, cjk
