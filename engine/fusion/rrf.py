"""Reciprocal rank fusion.

Cormack, Clarke & Büttcher, "Reciprocal Rank Fusion outperforms Condorcet and individual Rank
Learning Methods", SIGIR 2009:

    RRF(d) = Σ_r  w_r / (k + rank_r(d)),   k = 60, ranks 1-based,

summed over the runs ``r`` that retrieved ``d``. Weights ``w_r`` are relative and default to 1,
the paper's unweighted form; scores are ignored, only each run's order counts.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

__all__ = ["reciprocal_rank_fusion", "DEFAULT_K"]

DEFAULT_K = 60


def reciprocal_rank_fusion(
    runs: Mapping[str, Sequence[tuple[Hashable, float]] | Mapping[Hashable, float]],
    weights: Mapping[str, float] | None = None,
    k: int = DEFAULT_K,
) -> list[tuple[Hashable, float]]:
    """Fuse runs, each best first (a sequence of ``(doc, score)`` or a ``doc → score`` mapping in
    rank order), into one best-first list."""
    fused: dict[Hashable, float] = {}
    for name, run in runs.items():
        weight = 1.0 if weights is None else weights.get(name, 1.0)
        for rank, doc in enumerate(run.keys() if isinstance(run, Mapping) else (doc for doc, _ in run), start=1):
            fused[doc] = fused.get(doc, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda item: -item[1])
