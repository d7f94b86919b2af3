"""Rank fusion methods, one per module, and the registry the engine picks from."""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from typing import Literal

from scientia.indexers.errors import InvalidArgumentError

from .rrf import reciprocal_rank_fusion
from .weighted_sum import max_normalize, min_max_normalize, min_max_weighted_sum

__all__ = [
    "FusionMethod",
    "FUSION_METHODS",
    "fuse",
    "reciprocal_rank_fusion",
    "min_max_weighted_sum",
    "min_max_normalize",
    "max_normalize",
]

FusionMethod = Literal["rrf", "wsum"]
Run = Sequence[tuple[Hashable, float]]

FUSION_METHODS: dict[str, Callable[..., list[tuple[Hashable, float]]]] = {
    "rrf": reciprocal_rank_fusion,
    "wsum": min_max_weighted_sum,
}


def fuse(
    method: str,
    runs: Mapping[str, Run],
    weights: Mapping[str, float] | None = None,
    scale_only: Collection[str] = (),
) -> list[tuple[Hashable, float]]:
    if method not in FUSION_METHODS:
        raise InvalidArgumentError(f"unknown fusion method {method!r} (allowed: {', '.join(FUSION_METHODS)})")
    return FUSION_METHODS[method](runs, weights=weights, scale_only=scale_only)
