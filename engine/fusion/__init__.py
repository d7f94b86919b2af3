"""Rank fusion: normalization methods and fusion methods, one per module, each in a registry.

The engine normalizes each signal's run by the method the signal names, then hands the
normalized runs and the signals' relative weights to the fusion method asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Literal

from scientia.common.registry import Registry

from .normalize import NORMALIZATIONS, max_normalize, min_max_normalize
from .rrf import reciprocal_rank_fusion
from .weighted_sum import weighted_sum

__all__ = ["DEFAULT_FUSION", 
    "FUSION_METHODS",
    "FusionMethod",
    "NORMALIZATIONS",
    "fuse",
    "max_normalize",
    "min_max_normalize",
    "reciprocal_rank_fusion",
    "weighted_sum",
]

# The built-in methods, for type checkers; FUSION_METHODS is what the code consults.
FusionMethod = Literal["wsum", "rrf"]
# What a search fuses with unless told otherwise.
DEFAULT_FUSION: FusionMethod = "wsum"

FUSION_METHODS: Registry[Callable[..., list[tuple[Hashable, float]]]] = Registry("fusion method")
FUSION_METHODS.register("rrf", reciprocal_rank_fusion)
FUSION_METHODS.register("wsum", weighted_sum)


def fuse(
    method: str,
    runs: Mapping[str, Mapping[Hashable, float]],
    weights: Mapping[str, float] | None = None,
) -> list[tuple[Hashable, float]]:
    """Combine normalized runs (``doc → score``, each in its rank order) with ``method``."""
    return FUSION_METHODS[method](runs, weights=weights)
