"""The ranking signals the engine fuses."""

from __future__ import annotations

from .base import Ranking, Restriction, Signal, SignalResult
from .dense import DenseSignal
from .knowledge import KnowledgeSignal
from .lexical import LexicalSignal

__all__ = ["Signal", "SignalResult", "Ranking", "Restriction", "DenseSignal", "LexicalSignal", "KnowledgeSignal"]
