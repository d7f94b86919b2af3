"""A signal ranks documents for a query on its own; the engine fuses the signals' rankings."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

__all__ = ["Signal", "Ranking"]

# Best-first (document position, score) pairs.
Ranking = list[tuple[int, float]]


class Signal(ABC):
    name: ClassVar[str]

    @abstractmethod
    def rank(self, queries: list[str], depth: int) -> list[Ranking]:
        """The top ``depth`` documents of each query, best first."""


def rankings_from_arrays(scores, positions) -> list[Ranking]:
    """Turn FAISS/bm25s style ``(scores, positions)`` arrays into rankings, dropping ``-1`` slots."""
    return [
        [(int(p), float(s)) for s, p in zip(row_scores, row_positions) if p >= 0]
        for row_scores, row_positions in zip(scores, positions)
    ]
