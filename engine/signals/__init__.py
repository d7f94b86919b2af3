"""The ranking signals the engine fuses, and the registry they are found in."""

from __future__ import annotations

from .base import SIGNALS, Ranking, Restriction, Signal, SignalOptions, SignalResult, register_signal
from .dense import DenseSignal
from .knowledge import KnowledgeSignal
from .lexical import LexicalSignal

for _builtin in (DenseSignal, LexicalSignal, KnowledgeSignal):
    register_signal(_builtin)

__all__ = [
    "SIGNALS",
    "DenseSignal",
    "KnowledgeSignal",
    "LexicalSignal",
    "Ranking",
    "Restriction",
    "Signal",
    "SignalOptions",
    "SignalResult",
    "register_signal",
]
