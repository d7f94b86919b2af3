"""Weighted sum of normalized scores (CombSUM over normalized scores).

Fox & Shaw, "Combination of Multiple Searches", TREC-2 1994:

    fused(d) = Σ_r  (w_r / Σ_q w_q) · norm_r(d),

where ``norm_r`` is run ``r``'s scores already normalized (see :mod:`.normalize`) and a document
a run did not retrieve contributes 0 from it. Weights are relative (equal by default) and are
divided by their sum, so the fused score is a convex combination: with two runs and weights
α, 1 − α this is the combination that Bruch, Gai & Ingber, "An Analysis of Fusion Functions for
Hybrid Retrieval" (ACM TOIS 2023), found to beat RRF.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

__all__ = ["weighted_sum"]


def weighted_sum(
    runs: Mapping[str, Mapping[Hashable, float]],
    weights: Mapping[str, float] | None = None,
) -> list[tuple[Hashable, float]]:
    """Fuse normalized runs (each ``doc → score``, best first) into one best-first list."""
    relative = {name: 1.0 if weights is None else weights.get(name, 0.0) for name in runs}
    total = sum(relative.values())
    fused: dict[Hashable, float] = {}
    for name, run in runs.items():
        weight = relative[name] / total if total > 0 else 0.0
        for doc, normalized in run.items():
            fused[doc] = fused.get(doc, 0.0) + weight * normalized
    return sorted(fused.items(), key=lambda item: -item[1])
