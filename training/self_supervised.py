"""Training pairs from the documents alone: no query and no judgement is read.

Two kinds, each a classic of unsupervised dense retrieval:

- ``title``: a document's title → its text (the title as a short query whose answer is the body).
- ``sentence``: one sentence of a document → the rest of the document, the Inverse Cloze Task of
  Lee, Chang & Toutanova, "Latent Retrieval for Weakly Supervised Open Domain Question
  Answering", ACL 2019. The sentence is removed from the positive, so the pair cannot be matched
  by copying words, only by what the rest of the document is about.

Every pair is grouped by its document (``query_id``), so a held-out split never cuts a document's
pairs in two; the held-out documents' texts are the corpus they are scored against.

What training on them does is measured in ``benchmarks/results/self-supervised``: on Cranfield
one epoch at 2e-5 without mined negatives lifted dense nDCG@10 (0.3817 → 0.3862), while three
epochs at 5e-5 with a negative mined by the base model lowered it (→ 0.3731): in a collection on
one subject the base model's nearest other document is often just as good an answer to a
sentence, so "hard negatives" are mostly false ones. Those are the defaults of
``scientia train --self-supervised`` (:data:`SELF_SUPERVISED_DEFAULTS`).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence

from scientia.common.errors import CorpusError, InvalidArgumentError

from .pairs import TrainingData, TrainingPair

__all__ = ["SELF_SUPERVISED_DEFAULTS", "SELF_SUPERVISED_KINDS", "MAX_DOCUMENTS", "pairs_from_documents"]

SELF_SUPERVISED_KINDS = ("title", "sentence")
# Training settings that --self-supervised uses unless told otherwise (see the module docstring).
SELF_SUPERVISED_DEFAULTS = {"epochs": 1, "learning_rate": 2e-5, "hard_negatives": False}
# Documents pairs are drawn from by default: about 3,000 pairs, one epoch in about 13 minutes on
# 2 CPU cores (Cranfield's 1,400 documents: 2,774 pairs, 747 s).
MAX_DOCUMENTS = 1500
# A sentence shorter than this says too little to find its document by.
MIN_SENTENCE_WORDS = 5
# A document needs this many sentences for one of them to leave a "rest" worth finding.
MIN_SENTENCES = 3
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def pairs_from_documents(documents: Iterable, kinds: Sequence[str] = SELF_SUPERVISED_KINDS, seed: int = 42,
                         source: str = "documents", max_documents: int | None = None) -> TrainingData:
    """Pairs of ``kinds`` from ``documents`` (with ``id``, ``title``, ``text``); the sentence of each
    ``sentence`` pair is drawn with ``seed``. With more than ``max_documents`` documents, that many
    are drawn at random with ``seed`` (the corpus to score held-out pairs against keeps them all)."""
    unknown = [kind for kind in kinds if kind not in SELF_SUPERVISED_KINDS]
    if unknown:
        raise InvalidArgumentError(f"unknown self-supervised pair kind {unknown[0]!r} "
                                   f"(allowed: {', '.join(SELF_SUPERVISED_KINDS)})")
    if max_documents is not None and max_documents < 1:
        raise InvalidArgumentError(f"--max-documents must be at least 1, got {max_documents}")
    rng = random.Random(seed)
    documents = list(documents)
    chosen_ids = None
    if max_documents is not None and len(documents) > max_documents:
        chosen_ids = {document.id for document in rng.sample(documents, max_documents)}
    pairs: list[TrainingPair] = []
    corpus: dict[str, str] = {}
    for document in documents:
        text = " ".join(document.text.split())
        if not text:
            continue
        corpus[document.id] = text
        if chosen_ids is not None and document.id not in chosen_ids:
            continue
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
    drawn = f", {max_documents:,} of {len(documents):,} documents" if chosen_ids is not None else ""
    return TrainingData(pairs, corpus, source=f"{source} (self-supervised: {', '.join(kinds)}{drawn})")
