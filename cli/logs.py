"""Diagnostics go to stderr through the ``scientia`` logger; the CLI, not the library, adds a handler."""

from __future__ import annotations

import logging
import sys

__all__ = ["configure_logging"]


def configure_logging(verbose: bool = False, quiet: bool = False) -> None:
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    logger = logging.getLogger("scientia")
    if not any(getattr(h, "_scientia_cli", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler._scientia_cli = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(level)
