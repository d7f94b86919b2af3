"""Rank fusion: normalization methods and fusion methods, one per module, each in a registry.

The engine hands a fusion method one :class:`SignalRun` per signal of the mode: the raw run, the
signal's normalization, relative weight, floor and how much of the query it could read. The
weighted sum normalizes each run as its signal says, RRF reads only the ranks, the adaptive
method weighs each signal per query (:mod:`.adaptive`), and ``learned`` is the combination an
index had fitted on a training split (:mod:`.learned`), which the engine supplies.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Literal

from scientia.common.errors import InvalidArgumentError
from scientia.common.registry import Registry

from .adaptive import adaptive_fusion
from .learned import LEARNED_FUSION_FILE, LearnedFusion, fit_learned_fusion
from .normalize import NORMALIZATIONS, floor_normalize, max_normalize, min_max_normalize
from .rrf import reciprocal_rank_fusion
from .runs import SignalRun
from .weighted_sum import weighted_sum

__all__ = [
    "DEFAULT_FUSION",
    "FUSION_METHODS",
    "FusionMethod",
    "LEARNED_FUSION_FILE",
    "LearnedFusion",
    "NORMALIZATIONS",
    "SignalRun",
    "adaptive_fusion",
    "fit_learned_fusion",
    "floor_normalize",
    "fuse",
    "max_normalize",
    "min_max_normalize",
    "reciprocal_rank_fusion",
    "weighted_sum",
]

Fused = list[tuple[Hashable, float]]

# The built-in methods, for type checkers; FUSION_METHODS is what the code consults.
FusionMethod = Literal["adaptive", "wsum", "rrf", "learned"]
# What a search fuses with unless told otherwise: the method that scored best across every
# collection of benchmarks/results/fusion (one table, one run).
DEFAULT_FUSION: FusionMethod = "adaptive"


def _weighted_sum(runs: Mapping[str, SignalRun]) -> Fused:
    normalized = {name: NORMALIZATIONS[run.normalization](run.ranking) for name, run in runs.items()}
    return weighted_sum(normalized, {name: run.weight for name, run in runs.items()})


def _reciprocal_rank(runs: Mapping[str, SignalRun]) -> Fused:
    return reciprocal_rank_fusion({name: run.ranking for name, run in runs.items()},
                                  {name: run.weight for name, run in runs.items()})


FUSION_METHODS: Registry[Callable[[Mapping[str, SignalRun]], Fused]] = Registry("fusion method")
FUSION_METHODS.register("adaptive", adaptive_fusion)
FUSION_METHODS.register("wsum", _weighted_sum)
FUSION_METHODS.register("rrf", _reciprocal_rank)


def _learned_needs_an_index(runs: Mapping[str, SignalRun]) -> Fused:
    raise InvalidArgumentError(
        "this index has no learned fusion: fit one on a training split with 'scientia bench DATASET "
        "--fusion learned --train-split train --index-dir INDEX'")


# A placeholder, so that every interface lists and accepts the name; an Engine over an index
# with a fitted fusion (LEARNED_FUSION_FILE) uses that one instead.
FUSION_METHODS.register("learned", _learned_needs_an_index)


def fuse(method: str | Callable[[Mapping[str, SignalRun]], Fused], runs: Mapping[str, SignalRun]) -> Fused:
    """Combine one query's signal runs into one best-first list with ``method`` (a name in
    :data:`FUSION_METHODS`, or a fusion such as an index's :class:`LearnedFusion`)."""
    return (FUSION_METHODS[method] if isinstance(method, str) else method)(runs)
