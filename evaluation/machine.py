"""A description of the machine a figure came from, written into every report."""

from __future__ import annotations

import os
import platform
from pathlib import Path

__all__ = ["describe_machine", "peak_memory_mib", "MachineMemory"]


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


class MachineMemory:
    """The machine's peak memory in use (MemTotal - MemAvailable) while the block runs, above what
    was in use when it started: every process counted (Ray's workers, raylets and object store
    too), the page cache not. Sampled every ``interval`` seconds by a thread."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peak_mib = 0.0
        self._baseline = 0.0

    @staticmethod
    def in_use_mib() -> float:
        fields = {}
        for line in Path("/proc/meminfo").read_text().splitlines():
            name, _, value = line.partition(":")
            fields[name] = float(value.split()[0])
        return (fields["MemTotal"] - fields["MemAvailable"]) / 1024

    def __enter__(self) -> MachineMemory:
        import threading

        self._baseline = self.in_use_mib()
        self._stop = threading.Event()

        def sample() -> None:
            while not self._stop.wait(self.interval):
                self.peak_mib = max(self.peak_mib, self.in_use_mib() - self._baseline)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mib = round(max(self.peak_mib, self.in_use_mib() - self._baseline), 1)
