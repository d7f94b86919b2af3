"""Queries that arrive together are encoded together.

On a CPU one fp32 query streams every weight of the encoder from memory (all-MiniLM-L6-v2: 90 MB,
3.2 ms on one core here), so encoding eight queries in one call costs little more than encoding
one. A server's request threads hand their query to one encoder thread, which takes whatever
has queued up while it was busy and encodes it as one batch: no query waits for a batch to fill
(an idle server encodes each alone, at once), and under load batches grow by themselves.

This is for encoders whose vectors do not depend on their batch-mates (fp32); int8 queries are
encoded one at a time on purpose (see :meth:`~scientia.indexers.encoding.Encoder.encode_queries`).
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from scientia.indexers.encoding import Encoder

__all__ = ["QueryBatcher", "MAX_BATCH", "IDLE_SECONDS"]

MAX_BATCH = 32
# The encoder thread ends after this long without a query, so the batchers of generations a
# server has moved past hold no thread.
IDLE_SECONDS = 10.0


class QueryBatcher:
    """One encoder thread for the queries of many request threads.

    A query is queued and the thread's presence checked under one lock, the same lock under which
    an idle thread decides to end: so a query queued just as the thread ends either is seen by
    it, or finds it gone and starts another. (Checking without the lock let a query see the
    ending thread as alive and wait until some other query came along.)
    """

    def __init__(self, encoder: Encoder, max_batch: int = MAX_BATCH, idle_seconds: float | None = None) -> None:
        self.encoder = encoder
        self.max_batch = max_batch
        self.idle_seconds = IDLE_SECONDS if idle_seconds is None else idle_seconds
        self._queue: queue.SimpleQueue[tuple[str, Future]] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def pending(self) -> int:
        """Queries queued and not yet taken into a batch (a test or a metric can wait on it)."""
        return self._queue.qsize()

    def encode(self, text: str) -> np.ndarray:
        """``text``'s vector, encoded with the queries that came in with it."""
        future: Future = Future()
        with self._lock:
            self._queue.put((text, future))
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="scientia-query-encoder", daemon=True)
                self._worker.start()
        return future.result()

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self.idle_seconds)
            except queue.Empty:
                with self._lock:  # no query came in a while: end the thread (the next query starts one)
                    if self._queue.empty():
                        self._worker = None
                        return
                continue
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                vectors = self.encoder.encode([text for text, _ in batch], batch_size=len(batch))
            except BaseException as error:  # every waiting request gets the error, none hangs
                for _, future in batch:
                    future.set_exception(error)
                continue
            for (_, future), vector in zip(batch, vectors, strict=False):
                future.set_result(vector)
