"""What a fusion method receives of each signal for one query."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

__all__ = ["SignalRun"]


@dataclass(frozen=True)
class SignalRun:
    """One signal's raw run for one query, with what the signal says about how to combine it.

    ``ranking``: ``(doc, score)`` best first, scores as the signal gave them. ``normalization``: a
    name in :data:`~.normalize.NORMALIZATIONS`. ``weight``: relative to the other signals.
    ``coverage``: the share of the query the signal could read, in [0, 1]. ``score_floor``: the
    least score the signal can give, or ``None`` where it has none worth using. ``cut``: the run
    stopped at the search depth, so a document it lacks may still score up to its last score
    (otherwise the signal returned every document it scored above its floor).
    """

    ranking: Sequence[tuple[Hashable, float]]
    normalization: str = "min-max"
    weight: float = 1.0
    coverage: float = 1.0
    score_floor: float | None = None
    cut: bool = True
