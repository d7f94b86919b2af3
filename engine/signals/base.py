"""A signal ranks documents for a query on its own; the engine fuses the signals' rankings.

Each signal class says which index components it reads (``requires``), how much it weighs in a
fusion (``weight``, relative to the other signals of the mode), how its scores are put on a
common scale before fusing (``normalization``, a name in
:data:`scientia.engine.fusion.NORMALIZATIONS`) and the least score it can give
(``score_floor``, for the adaptive fusion). The engine asks the registered signals
(:data:`SIGNALS`) and knows none of them by name.

A signal may instead re-rank what the others found (``refines_fusion``): the engine fuses the
mode's other signals first and hands each query's fused ranking to :meth:`Signal.refine`, whose
ranking then leads the mode's (the knowledge walk over an extracted graph restarts from the fused
ranking's best passages as well as from the query's entities, as HippoRAG 2 does).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from scientia.common.models import Device
from scientia.common.plugins import load_plugins
from scientia.common.registry import Registry
from scientia.indexers.components import OpenContext

if TYPE_CHECKING:
    from scientia.indexers.components import ShardHost
    from scientia.indexers.generation import Generation

__all__ = ["Signal", "SignalOptions", "Ranking", "SignalResult", "Restriction", "rankings_from_arrays", "SIGNALS", "register_signal"]

# Best-first (document position, score) pairs.
Ranking = list[tuple[int, float]]


@dataclass
class SignalResult:
    """One query's ranking from one signal, with the chain of evidence behind each document where the
    signal has one to tell (the knowledge signal does)."""

    ranking: Ranking
    chains: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    # The share of the query the signal could read, in [0, 1] (the lexical signal: the IDF mass
    # of the query's terms that occur in the collection); the adaptive fusion weighs by it.
    coverage: float = 1.0
    # The signal's weight in a fusion where it depends on the index it read (the knowledge
    # signal's walk over an extracted graph weighs less than its reach over a given ontology);
    # None: the class's ``weight``.
    weight: float | None = None


@dataclass(frozen=True)
class Restriction:
    """Which positions a search may return: only ``allowed`` ones (metadata filters, already
    without tombstones), or any but ``excluded`` ones (tombstones of deleted documents)."""

    allowed: frozenset[int] | None = None
    excluded: frozenset[int] = frozenset()

    def permits(self, position: int) -> bool:
        return position in self.allowed if self.allowed is not None else position not in self.excluded

    @property
    def is_open(self) -> bool:
        return self.allowed is None and not self.excluded


@dataclass(frozen=True)
class SignalOptions:
    """How the engine was asked to open the index: a model folder to use instead of the
    recorded one, the device, models already loaded that a signal may reuse (a server opening a
    newer generation: see :meth:`Signal.models`), and where a sharded index's shards are searched."""

    model: str | Path | None = None
    device: Device = "auto"
    loaded: tuple[Any, ...] = ()
    # scientia.engine.shard_actors.RayShardHost; None: threads of this process.
    shard_host: ShardHost | None = None

    @property
    def open_context(self) -> OpenContext:
        return OpenContext(shard_host=self.shard_host)


class Signal(ABC):
    name: ClassVar[str]
    # Index components the signal reads; an index without them does not offer the signal.
    requires: ClassVar[tuple[str, ...]] = ()
    weight: ClassVar[float] = 1.0
    normalization: ClassVar[str] = "min-max"
    score_floor: ClassVar[float | None] = None
    # Open it when a server starts, not at its first request (a model that takes seconds to load).
    preload: ClassVar[bool] = False
    # Whether the signal re-ranks the fused ranking of the mode's other signals (see refine); an
    # instance may say so where the class does not (the knowledge signal, over an extracted graph).
    refines_fusion: bool = False

    @classmethod
    @abstractmethod
    def open(cls, generation: Generation, options: SignalOptions) -> Signal:
        """The signal over one committed generation."""

    @abstractmethod
    def rank(self, queries: list[str], depth: int, restriction: Restriction | None = None) -> list[SignalResult]:
        """The top ``depth`` documents of each query that ``restriction`` permits, best first."""

    def refine(self, queries: list[str], fused: list[Ranking], depth: int,
               restriction: Restriction | None = None) -> list[SignalResult]:
        """For a signal that ``refines_fusion``: each query's ranking from the mode's other signals'
        ``fused`` one. The engine ranks first what the result ranks, then the fused documents it
        left out, in their fused order."""
        raise NotImplementedError(f"the {self.name} signal does not refine a fused ranking")

    def models(self) -> tuple[Any, ...]:
        """The loaded models this signal holds, for a newer generation's signal to reuse
        (:attr:`SignalOptions.loaded`) instead of loading them again."""
        return ()


def rankings_from_arrays(scores, positions) -> list[SignalResult]:
    """Turn FAISS/bm25s style ``(scores, positions)`` arrays into results, dropping ``-1`` slots."""
    return [
        SignalResult([(int(p), float(s)) for s, p in zip(row_scores, row_positions, strict=False) if p >= 0])
        for row_scores, row_positions in zip(scores, positions, strict=False)
    ]


SIGNALS: Registry[type[Signal]] = Registry("signal", on_first_use=load_plugins)


def register_signal(signal: type[Signal]) -> type[Signal]:
    """Make ``signal`` available to every engine under its ``name`` (usable as a class decorator)."""
    return SIGNALS.register(signal.name, signal)
