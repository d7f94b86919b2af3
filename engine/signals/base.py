"""A signal ranks documents for a query on its own; the engine fuses the signals' rankings."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

__all__ = ["Signal", "Ranking", "SignalResult", "Restriction", "rankings_from_arrays"]

# Best-first (document position, score) pairs.
Ranking = list[tuple[int, float]]


@dataclass
class SignalResult:
    """One query's ranking from one signal, with the chain of evidence behind each document where the
    signal has one to tell (the knowledge signal does)."""

    ranking: Ranking
    chains: dict[int, tuple[str, ...]] = field(default_factory=dict)


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


class Signal(ABC):
    name: ClassVar[str]

    @abstractmethod
    def rank(self, queries: list[str], depth: int, restriction: Restriction | None = None) -> list[SignalResult]:
        """The top ``depth`` documents of each query that ``restriction`` permits, best first."""


def rankings_from_arrays(scores, positions) -> list[SignalResult]:
    """Turn FAISS/bm25s style ``(scores, positions)`` arrays into results, dropping ``-1`` slots."""
    return [
        SignalResult([(int(p), float(s)) for s, p in zip(row_scores, row_positions) if p >= 0])
        for row_scores, row_positions in zip(scores, positions)
    ]
