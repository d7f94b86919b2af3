"""How many threads the compute libraries get: the cores this process may actually run on.

``os.cpu_count()`` reports the host's CPUs, not the ones a container's CPU quota or the
process's affinity mask allows; sizing torch, ONNX Runtime and FAISS (OpenMP) pools from it
oversubscribes the cores, and spinning OpenMP workers then fight each other (a FAISS IVF-PQ
training step beside a busy torch process ran several times slower here). The encoder and FAISS
run one after the other within a query, so each may use every core it is allowed.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

__all__ = ["available_cores", "THREADS_ENV"]

THREADS_ENV = "SCIENTIA_THREADS"  # an explicit count wins over what is detected


def available_cores() -> int:
    configured = os.environ.get(THREADS_ENV, "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = _cgroup_cpu_quota()
    if quota is not None:
        cores = min(cores, max(1, math.ceil(quota)))
    return max(1, cores)


def _cgroup_cpu_quota() -> float | None:
    """CPUs allowed by a cgroup v2 ``cpu.max`` (``"200000 100000"`` → 2.0); None when unlimited or unknown."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        return None
    return None if quota == "max" else int(quota) / int(period)
