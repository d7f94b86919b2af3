"""Score normalization before fusion (ranx's normalize-then-combine): each run is put on a
common scale by the method its signal names, then a fusion method combines the scaled runs.

- ``min-max`` (Lee, "Analyses of Multiple Evidence Combination", SIGIR 1997):
  ``norm(d) = (s(d) − min) / (max − min)`` over the documents the run retrieved; a run whose
  scores are all equal normalizes to 1 (as ranx does).
- ``max``: ``norm(d) = s(d) / max``, for scores already on an absolute scale (the knowledge
  signal's 2^-depth), so the weakest document keeps the credit its score gives it.
- ``floor``: ``norm(d) = (s(d) − floor) / (max − floor)`` with the least score the signal can
  give (BM25: 0), the "theoretical min-max" of Bruch, Gai & Ingber, "An Analysis of Fusion
  Functions for Hybrid Retrieval", ACM TOIS 2023. A run of nearly equal scores stays nearly
  equal, where min-max would stretch its small differences over the whole of [0, 1]; with no
  known floor it is min-max.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

from scientia.common.registry import Registry

__all__ = ["NORMALIZATIONS", "floor_normalize", "max_normalize", "min_max_normalize"]

Run = Sequence[tuple[Hashable, float]]


def min_max_normalize(run: Run) -> dict[Hashable, float]:
    if not run:
        return {}
    scores = [score for _, score in run]
    low, high = min(scores), max(scores)
    span = high - low
    return {doc: (score - low) / span if span > 0 else 1.0 for doc, score in run}


def max_normalize(run: Run) -> dict[Hashable, float]:
    if not run:
        return {}
    high = max(score for _, score in run)
    return {doc: score / high if high > 0 else 0.0 for doc, score in run}


def floor_normalize(run: Run, floor: float | None) -> dict[Hashable, float]:
    if floor is None:
        return min_max_normalize(run)
    if not run:
        return {}
    span = max(score for _, score in run) - floor
    return {doc: (score - floor) / span if span > 0 else 1.0 for doc, score in run}


NORMALIZATIONS: Registry[Callable[[Run], dict[Hashable, float]]] = Registry("score normalization")
NORMALIZATIONS.register("min-max", min_max_normalize)
NORMALIZATIONS.register("max", max_normalize)
