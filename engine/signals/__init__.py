"""The ranking signals the engine fuses, and the registry they are found in."""

from __future__ import annotations

from ..modes import register_mode
from .base import (
    SIGNALS,
    Ranking,
    Restriction,
    Signal,
    SignalOptions,
    SignalResult,
    register_signal,
)
from .dense import DenseSignal
from .knowledge import KnowledgeSignal
from .lexical import LexicalSignal

for _builtin in (DenseSignal, LexicalSignal, KnowledgeSignal):
    register_signal(_builtin)

# The built-in modes; the last default candidate an index offers is its default.
for _name, _signals, _default in (
    ("dense", ("dense",), False),
    ("lexical", ("lexical",), False),
    ("hybrid", ("dense", "lexical"), True),
    ("knowledge", ("knowledge",), False),
    ("hybrid+knowledge", ("dense", "lexical", "knowledge"), True),
):
    register_mode(_name, _signals, default=_default)

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
