"""Adaptive fusion: each signal weighs, query by query, what it could read of the query and how
decided its own scores are.

For a query ``q`` and the runs ``r`` of its signals,

    fused(d) = Σ_r  (w_r(q) / Σ_p w_p(q)) · (s_r(d) − f_r) / (max_r − f_r),
    w_r(q)  = w_r · coverage_r(q),

where a document that run ``r`` cut off at the search depth counts with the run's last score
(the most it can have had: an upper bound, as in score imputation for fusion), and a document a
complete run lacks counts with the floor;

- ``w_r``: the signal's relative weight (as in the weighted sum);
- ``coverage_r(q)`` in [0, 1]: the share of the query the signal could read (the lexical signal:
  the IDF mass of the query terms that occur in the collection, so a query whose rare words no
  document has leans on the encoder, and a query the collection lacks entirely is left to it);
- ``f_r``: the least score the signal can give (BM25: 0), the "theoretical min-max"
  normalization of Bruch, Gai & Ingber, "An Analysis of Fusion Functions for Hybrid Retrieval",
  ACM TOIS 2023. A list of nearly equal BM25 scores (every document matches the query's common
  words and none its rare ones) stays nearly equal and moves the fused order little, where
  min-max would stretch its small differences over [0, 1] and outvote a decided signal. A signal
  with no known floor (cosine similarity) is min-max normalized over its own list.

Without the last-score rule, BM25's cut-off documents (normalized well above 0) outranked the
encoder's (min-max: 0) in the fused tail, and Recall@100 fell below dense alone on Cranfield
(0.7517 against 0.7724; with it 0.7842), see ``benchmarks/results/fusion``.

Nothing is tuned on any judged query: the weights are the signals' own, the coverage and the
floors follow from the index.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

from .normalize import floor_normalize
from .runs import SignalRun

__all__ = ["adaptive_fusion"]


def adaptive_fusion(runs: Mapping[str, SignalRun]) -> list[tuple[Hashable, float]]:
    """Fuse raw runs into one best-first list (see the module's formula)."""
    normalized = {name: floor_normalize(run.ranking, run.score_floor) for name, run in runs.items()}
    weights = {name: run.weight * run.coverage for name, run in runs.items()}
    if not any(weights.values()):  # no signal could read the query: keep their own weights
        weights = {name: run.weight for name, run in runs.items()}
    total = sum(weights.values()) or 1.0
    absent = {name: min(normalized[name].values()) if run.cut and normalized[name] else 0.0
              for name, run in runs.items()}
    documents = dict.fromkeys(doc for scores in normalized.values() for doc in scores)
    fused = {doc: sum(weights[name] / total * scores.get(doc, absent[name]) for name, scores in normalized.items())
             for doc in documents}
    return sorted(fused.items(), key=lambda item: -item[1])
