"""The user cache folder: embeddings and ONNX exports go here, never into an installed package.

``SCIENTIA_CACHE`` names it; otherwise ``$XDG_CACHE_HOME/scientia``, by default ``~/.cache/scientia``.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CACHE_ENV", "cache_root"]

CACHE_ENV = "SCIENTIA_CACHE"


def cache_root() -> Path:
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "scientia"
