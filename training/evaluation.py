"""Held-out evaluation during training: sentence-transformers' ``InformationRetrievalEvaluator``
over queries set aside from the training data (never a test split).

Encoding the whole corpus at every epoch would cost more than training on a CPU, so the
evaluation corpus is the held-out queries' relevant documents plus, for each held-out query, the
documents the base model ranks highest (re-ranking them is exactly what training must get right),
and a fixed random sample of the rest.

The candidates come from the whole corpus under the base model, always: from an index's vectors
where ``--index`` gives them, else from the corpus encoded once before training (the vectors
hard-negative mining then reuses, :func:`complete_vectors`). Without them the set was the
positives and a random sample, so easy that the held-out score peaked at epoch 2 and the trainer
kept an under-trained model (SciFact test dense 0.739 instead of 0.764).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from .pairs import TrainingPair

if TYPE_CHECKING:
    import numpy as np

__all__ = ["HeldOutEvaluation", "held_out_evaluation", "held_out_queries", "base_candidates", "complete_vectors",
           "CANDIDATES_PER_QUERY", "RANDOM_SAMPLE"]

CANDIDATES_PER_QUERY = 10
RANDOM_SAMPLE = 100
EVALUATOR_NAME = "held-out"


@dataclass
class HeldOutEvaluation:
    evaluator: Any
    query_ids: list[str]
    corpus_size: int
    # What the evaluation corpus is made of: documents, relevant, candidates (the base model's
    # top documents that are not relevant), random (the sample of the rest); training.json keeps it.
    composition: dict[str, int] = field(default_factory=dict)

    @property
    def metric(self) -> str:
        return self.evaluator.primary_metric

    def score(self, model) -> float:
        return round(float(self.evaluator(model)[self.metric]), 4)


def held_out_evaluation(held_out: list[TrainingPair], corpus: dict[str, str], model,
                        known_vectors: dict[str, np.ndarray] | None = None, seed: int = 42) -> HeldOutEvaluation:
    from sentence_transformers.sentence_transformer.evaluation import (
        InformationRetrievalEvaluator,
    )

    queries, relevant = held_out_queries(held_out)
    vectors = complete_vectors(model, corpus.values(), known_vectors)
    relevant_ids = {doc_id for ids in relevant.values() for doc_id in ids} & set(corpus)
    candidates = {doc_id for ids in base_candidates(queries, corpus, model, vectors).values() for doc_id in ids} - relevant_ids
    chosen = relevant_ids | candidates
    others = sorted(set(corpus) - chosen)
    sampled = set(random.Random(seed).sample(others, min(RANDOM_SAMPLE, len(others))))
    evaluation_corpus = {doc_id: corpus[doc_id] for doc_id in sorted(chosen | sampled)}
    evaluator = InformationRetrievalEvaluator(
        queries=cast(dict, queries), corpus=cast(dict, evaluation_corpus), relevant_docs=relevant, name=EVALUATOR_NAME,
        write_csv=False, batch_size=64,
    )
    composition = {"documents": len(evaluation_corpus), "relevant": len(relevant_ids), "candidates": len(candidates),
                   "random": len(sampled)}
    return HeldOutEvaluation(evaluator, sorted(queries), len(evaluation_corpus), composition)


def complete_vectors(model, texts: Iterable[str], known: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Each text's vector under ``model`` (the base model, before training), normalized as an index
    stores them: ``known`` ones (an index's) as given, the others encoded here, once."""
    vectors = dict(known or {})
    missing = [text for text in dict.fromkeys(texts) if text not in vectors]
    if missing:
        encoded = model.encode(missing, normalize_embeddings=True, batch_size=64, convert_to_numpy=True,
                               show_progress_bar=False)
        vectors.update(zip(missing, encoded, strict=True))
    return vectors


def held_out_queries(held_out: list[TrainingPair]) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Query id → text, and query id → ids of its relevant documents."""
    queries: dict[str, str] = {}
    relevant: dict[str, set[str]] = {}
    for pair in held_out:
        query_id = pair.query_id or pair.anchor
        queries[query_id] = pair.anchor
        relevant.setdefault(query_id, set()).add(pair.positive_id or pair.positive)
    return queries, relevant


def base_candidates(queries: dict[str, str], corpus: dict[str, str], model,
                    known_vectors: dict[str, np.ndarray] | None, encode_missing: bool = False) -> dict[str, list[str]]:
    """The base model's top document ids per query, from the corpus vectors at hand (an index's);
    with ``encode_missing``, where there are none, from the corpus encoded here (a re-ranker's
    held-out query needs a list to re-rank, not its positive alone)."""
    import numpy as np

    vectors = known_vectors or {}
    ids = [doc_id for doc_id, text in corpus.items() if text in vectors]
    if ids:
        matrix = np.stack([vectors[corpus[doc_id]] for doc_id in ids])
    else:
        ids = list(corpus) if encode_missing else []
        if not ids:
            return {}
        matrix = model.encode([corpus[doc_id] for doc_id in ids], normalize_embeddings=True, batch_size=64,
                              convert_to_numpy=True, show_progress_bar=False)
    query_vectors = model.encode(list(queries.values()), normalize_embeddings=True, batch_size=64, convert_to_numpy=True,
                                 show_progress_bar=False)
    scores = query_vectors @ matrix.T
    top = np.argsort(-scores, axis=1)[:, :CANDIDATES_PER_QUERY]
    return {query_id: [ids[i] for i in row] for query_id, row in zip(queries, top, strict=False)}
