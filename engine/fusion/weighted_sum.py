"""Weighted sum of min-max normalized scores (CombSUM over normalized scores).

Fox & Shaw, "Combination of Multiple Searches", TREC-2 1994; min-max normalization as in
Lee, "Analyses of Multiple Evidence Combination", SIGIR 1997:

    norm_r(d) = (s_r(d) − min_r) / (max_r − min_r),     fused(d) = Σ_r w_r · norm_r(d),

where min and max run over the documents run ``r`` retrieved, and a document a run did not
retrieve contributes 0 from it. A run whose scores are all equal normalizes to 1 (ranx does the same).
With two runs and weights α, 1 − α this is the convex combination that Bruch, Gai & Ingber,
"An Analysis of Fusion Functions for Hybrid Retrieval" (ACM TOIS 2023), found to beat RRF.

A run named in ``scale_only`` already scores on an absolute scale (the knowledge signal's
2^-depth): it is divided by its maximum instead, ``norm_r(d) = s_r(d) / max_r``, so that its
weakest document keeps the credit its score gives it rather than dropping to 0.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence

__all__ = ["min_max_weighted_sum", "min_max_normalize", "max_normalize"]


def min_max_normalize(run: Sequence[tuple[Hashable, float]]) -> dict[Hashable, float]:
    if not run:
        return {}
    scores = [score for _, score in run]
    low, high = min(scores), max(scores)
    span = high - low
    return {doc: (score - low) / span if span > 0 else 1.0 for doc, score in run}


def max_normalize(run: Sequence[tuple[Hashable, float]]) -> dict[Hashable, float]:
    if not run:
        return {}
    high = max(score for _, score in run)
    return {doc: score / high if high > 0 else 0.0 for doc, score in run}


def min_max_weighted_sum(
    runs: Mapping[str, Sequence[tuple[Hashable, float]]],
    weights: Mapping[str, float] | None = None,
    scale_only: Collection[str] = (),
) -> list[tuple[Hashable, float]]:
    """Fuse runs (each a best-first sequence of ``(doc, score)``); weights default to equal."""
    fused: dict[Hashable, float] = {}
    for name, run in runs.items():
        weight = 1.0 / len(runs) if weights is None else weights.get(name, 0.0)
        normalize = max_normalize if name in scale_only else min_max_normalize
        for doc, normalized in normalize(run).items():
            fused[doc] = fused.get(doc, 0.0) + weight * normalized
    return sorted(fused.items(), key=lambda item: -item[1])
