"""Search modes: which signals rank the documents of a query. A mode is offered by an index that
has every component its signals need; a plugin adds one with :func:`register_mode`."""

from __future__ import annotations

from typing import Literal

from scientia.common.registry import Registry

__all__ = ["MODES", "SearchMode", "register_mode"]

# The built-in modes, for type checkers; MODES is what the code consults.
SearchMode = Literal["dense", "lexical", "hybrid", "knowledge", "hybrid+knowledge"]

MODES: Registry[tuple[str, ...]] = Registry("mode")


def register_mode(name: str, signals: tuple[str, ...] | list[str], replace: bool = False) -> tuple[str, ...]:
    """Mode ``name`` fuses ``signals`` (names in :data:`scientia.engine.signals.SIGNALS`)."""
    return MODES.register(name, tuple(signals), replace=replace)


for _name, _signals in (
    ("dense", ("dense",)),
    ("lexical", ("lexical",)),
    ("hybrid", ("dense", "lexical")),
    ("knowledge", ("knowledge",)),
    ("hybrid+knowledge", ("dense", "lexical", "knowledge")),
):
    register_mode(_name, _signals)
