"""Training pairs from the documents alone: no query and no judgement is read.

Two kinds, each a classic of unsupervised dense retrieval:

- ``title``: a document's title → its text (the title as a short query whose answer is the body).
- ``sentence``: one sentence of a document → the rest of the document, the Inverse Cloze Task of
  Lee, Chang & Toutanova, "Latent Retrieval for Weakly Supervised Open Domain Question
  Answering", ACL 2019. The sentence is removed from the positive, so the pair cannot be matched
  by copying words, only by what the rest of the document is about.

Every pair is grouped by its document (``query_id``), so a held-out split never cuts a document's
pairs in two; the held-out documents' texts are the corpus they are scored against.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence

from scientia.common.errors import CorpusError, InvalidArgumentError

from .pairs import TrainingData, TrainingPair

__all__ = ["SELF_SUPERVISED_KINDS", "pairs_from_documents"]

SELF_SUPERVISED_KINDS = ("title", "sentence")
# A sentence shorter than this says too little to find its document by.
MIN_SENTENCE_WORDS = 5
# A document needs this many sentences for one of them to leave a "rest" worth finding.
MIN_SENTENCES = 3
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def pairs_from_documents(documents: Iterable, kinds: Sequence[str] = SELF_SUPERVISED_KINDS, seed: int = 42,
                         source: str = "documents") -> TrainingData:
    """Pairs of ``kinds`` from ``documents`` (with ``id``, ``title``, ``text``); the sentence of each
    ``sentence`` pair is drawn with ``seed``."""
    unknown = [kind for kind in kinds if kind not in SELF_SUPERVISED_KINDS]
    if unknown:
        raise InvalidArgumentError(f"unknown self-supervised pair kind {unknown[0]!r} "
                                   f"(allowed: {', '.join(SELF_SUPERVISED_KINDS)})")
    rng = random.Random(seed)
    pairs: list[TrainingPair] = []
    corpus: dict[str, str] = {}
    for document in documents:
        text = " ".join(document.text.split())
        if not text:
            continue
        corpus[document.id] = text
        title = " ".join(document.title.split())
        if "title" in kinds and title and title.casefold() != text.casefold():
            pairs.append(TrainingPair(title, text, kind="title", query_id=f"{document.id}#title", positive_id=document.id))
        found = [s for s in sentences(text) if len(s.split()) >= MIN_SENTENCE_WORDS]
        if "sentence" in kinds and len(sentences(text)) >= MIN_SENTENCES and found:
            chosen = rng.choice(found)
            rest = " ".join(s for s in sentences(text) if s != chosen)
            rest_id = f"{document.id}#rest"
            corpus[rest_id] = rest
            pairs.append(TrainingPair(chosen, rest, kind="sentence", query_id=f"{document.id}#sentence",
                                      positive_id=rest_id))
    if not pairs:
        raise CorpusError(f"{source}: no document gives a pair (titles, or texts of {MIN_SENTENCES}+ sentences)")
    return TrainingData(pairs, corpus, source=f"{source} (self-supervised: {', '.join(kinds)})")
