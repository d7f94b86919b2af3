"""What a search returns: ranked hits, each with the evidence of every signal that found it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["SignalEvidence", "Hit"]


@dataclass(frozen=True, slots=True)
class SignalEvidence:
    """Where one signal (dense, lexical, knowledge) placed a document: 1-based rank and raw score,
    and for the knowledge signal the chain of inference steps that brought the document in."""

    rank: int
    score: float
    chain: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Hit:
    rank: int
    id: str
    score: float
    title: str
    text: str
    signals: dict[str, SignalEvidence] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def snippet(self, width: int = 160) -> str:
        flat = " ".join(self.text.split())
        return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
