"""Plugins: components, signals and modes from installed distributions.

A distribution declares an entry point in the group ``scientia.components`` whose object is a
callable taking no arguments that registers what the plugin brings, through the public API
(:func:`scientia.indexers.register_component`, :func:`scientia.engine.register_signal`,
:func:`scientia.engine.register_mode`)::

    [project.entry-points."scientia.components"]
    titles = "scientia_titles:register"

They are loaded once per process, the first time anything looks up a component, a signal or a
mode, so that a build, a query, a server and a Ray worker all see the same ones with no edit
to scientia. A plugin that fails to load is logged with its name and skipped: the indexes that
need it then say which component this process does not know.
"""

from __future__ import annotations

import logging
import threading
from importlib.metadata import entry_points

__all__ = ["ENTRY_POINT_GROUP", "load_plugins"]

ENTRY_POINT_GROUP = "scientia.components"

logger = logging.getLogger(__name__)

_lock = threading.RLock()
_loaded: dict[str, str] | None = None  # entry point name -> distribution, once loaded


def load_plugins() -> dict[str, str]:
    """Register every installed plugin, once; return ``{entry point: distribution}`` of those loaded."""
    global _loaded
    with _lock:
        if _loaded is not None:  # loaded, or loading now in this thread (a plugin looking a name up)
            return _loaded
        _loaded = {}
        for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            distribution = entry.dist.name if entry.dist is not None else "?"
            try:
                register = entry.load()
                register()
            except Exception as error:  # a broken plugin must not take scientia down with it
                logger.error("plugin %r (%s, %s) failed to load: %s: %s", entry.name, distribution, entry.value,
                             type(error).__name__, error)
                continue
            _loaded[entry.name] = distribution
            logger.info("plugin %r from %s registered", entry.name, distribution)
        return _loaded
