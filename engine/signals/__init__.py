"""The ranking signals the engine fuses."""

from __future__ import annotations

from .base import Ranking, Signal
from .dense import DenseSignal
from .lexical import LexicalSignal

__all__ = ["Signal", "Ranking", "DenseSignal", "LexicalSignal"]
