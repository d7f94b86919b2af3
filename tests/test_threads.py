"""Thread pools are sized from the cores this process may run on, not the host's CPU count."""

from __future__ import annotations

import os

from scientia.common.threads import THREADS_ENV, available_cores


def test_available_cores_within_affinity(monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    assert 1 <= available_cores() <= len(os.sched_getaffinity(0))


def test_explicit_thread_count_wins(monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "1")
    assert available_cores() == 1
    monkeypatch.delenv(THREADS_ENV)
    detected = available_cores()
    for unusable in ("not-a-number", "0", "-3", ""):
        monkeypatch.setenv(THREADS_ENV, unusable)
        assert available_cores() == detected, unusable  # an unusable value falls back to detection


def test_faiss_uses_the_available_cores(monkeypatch, tmp_path):
    import faiss
    import numpy as np

    from scientia.indexers.dense import DenseIndex

    monkeypatch.setenv(THREADS_ENV, "1")
    DenseIndex.build(np.eye(4, 8, dtype=np.float32), "Flat", use_gpu=False)
    assert faiss.omp_get_max_threads() == 1
    monkeypatch.delenv(THREADS_ENV)
    DenseIndex.build(np.eye(4, 8, dtype=np.float32), "Flat", use_gpu=False)
    assert faiss.omp_get_max_threads() == available_cores()
