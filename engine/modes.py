"""Search modes: which signals rank the documents of a query. A mode is offered by an index that
has every component its signals need; a plugin adds one with :func:`register_mode`."""

from __future__ import annotations

from scientia.common.plugins import load_plugins
from scientia.common.registry import Registry

__all__ = ["MODES", "SearchMode", "default_mode", "register_mode"]

# A mode's name: one of MODES (the built-in ones and any a plugin registered), checked there.
SearchMode = str

MODES: Registry[tuple[str, ...]] = Registry("mode", on_first_use=load_plugins)
# Modes that may be an index's default, best last (see default_mode).
_DEFAULT_CANDIDATES: list[str] = []


def register_mode(name: str, signals: tuple[str, ...] | list[str], replace: bool = False,
                  default: bool = False) -> tuple[str, ...]:
    """Mode ``name`` fuses ``signals`` (names in :data:`scientia.engine.signals.SIGNALS`).
    ``default``: the mode is the default of any index that offers it, before every default
    registered earlier (the built-in ``hybrid``, then ``hybrid+knowledge``)."""
    registered = MODES.register(name, tuple(signals), replace=replace)
    if name in _DEFAULT_CANDIDATES:
        _DEFAULT_CANDIDATES.remove(name)
    if default:
        _DEFAULT_CANDIDATES.append(name)
    return registered


def default_mode(offered: list[str]) -> str:
    """The default mode among ``offered``: the latest registered default candidate offered, else
    the first offered mode."""
    MODES.names()  # plugins register their modes on first use
    for name in reversed(_DEFAULT_CANDIDATES):
        if name in offered and name in MODES:
            return name
    return offered[0]
