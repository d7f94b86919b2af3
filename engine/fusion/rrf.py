"""Reciprocal rank fusion.

Cormack, Clarke & Büttcher, "Reciprocal Rank Fusion outperforms Condorcet and individual Rank
Learning Methods", SIGIR 2009:

    RRF(d) = Σ_r  w_r / (k + rank_r(d)),   k = 60, ranks 1-based,

summed over the runs ``r`` that retrieved ``d`` (weights ``w_r`` default to 1).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence

__all__ = ["reciprocal_rank_fusion", "DEFAULT_K"]

DEFAULT_K = 60


def reciprocal_rank_fusion(
    runs: Mapping[str, Sequence[tuple[Hashable, float]]],
    k: int = DEFAULT_K,
    weights: Mapping[str, float] | None = None,
    scale_only: Collection[str] = (),
) -> list[tuple[Hashable, float]]:
    """Fuse ranked runs (each a best-first sequence of ``(doc, score)``) into one best-first list.

    ``scale_only`` is accepted for a common interface with the weighted sum; ranks need no scale.
    """
    fused: dict[Hashable, float] = {}
    for name, run in runs.items():
        weight = 1.0 if weights is None else weights.get(name, 1.0)
        for rank, (doc, _score) in enumerate(run, start=1):
            fused[doc] = fused.get(doc, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda item: -item[1])
