"""A description of the machine a figure came from, written into every report."""

from __future__ import annotations

import os
import platform
from pathlib import Path

__all__ = ["describe_machine", "peak_memory_mib"]


def describe_machine() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gib = None
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
        memory_gib = round(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30, 1)
    from scientia.indexers.dense import gpu_count

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "gpus_seen_by_faiss": gpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def peak_memory_mib() -> float:
    """Peak resident memory of this process so far (``ru_maxrss``, KiB on Linux)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
