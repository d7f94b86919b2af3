"""What every part of scientia shares and nothing else: errors, model folders and devices,
thread counts, the user cache folder, and the small registry that fixed choices come from.

This package imports no other scientia package, so ``engine``, ``indexers``, ``reasoners``,
``training``, ``benchmarks`` and ``cli`` can all depend on it without a cycle.
"""

from __future__ import annotations

import logging

from .errors import ScientiaError

# A library stays silent unless the application configures logging (the CLI does).
logging.getLogger("scientia").addHandler(logging.NullHandler())

__all__ = ["ScientiaError"]
