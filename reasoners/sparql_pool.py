"""User SPARQL queries in worker processes, each stopped at its time or row budget.

rdflib evaluates a query in pure Python, and a Python thread cannot be stopped from outside: a
4-way cross join would keep a core busy long after its client had gone, and a server would wait
for it before it could stop. So a query from a user runs in a worker process
(:mod:`.sparql_process`, confined so that it can read nothing but the graph and reach no host)
and the caller waits for it until the query's deadline. A worker past its deadline is killed
(SIGKILL): no CPU is spent on the query after that, and a fresh worker takes its place. The
row budget is counted inside the worker, which refuses an answer as soon as it passes it.
Closing the pool (a server stopping) kills every worker, and each waiting query fails at once.

Jena's and GraphDB's query timeouts play the same part; there, a Java thread can be interrupted.
"""

from __future__ import annotations

import logging
import os
import pickle
import queue
import select
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from scientia.common.errors import QueryCancelledError, SparqlError

from .sparql import SparqlAnswer
from .sparql_process import MESSAGE_HEADER, write_message

__all__ = ["QueryBudget", "SparqlPool", "SERVER_BUDGET", "CLI_BUDGET"]

logger = logging.getLogger(__name__)

# How long a fresh worker may take to import rdflib and report ready.
START_SECONDS = 60.0


@dataclass(frozen=True)
class QueryBudget:
    """At most ``seconds`` of wall time (waiting for a free worker included) and ``rows`` rows
    (triples, for CONSTRUCT and DESCRIBE) per query."""

    seconds: float = 10.0
    rows: int = 10_000

    def __post_init__(self) -> None:
        if not self.seconds > 0 or self.rows < 1:
            raise ValueError(f"a query budget needs seconds > 0 and rows >= 1, got {self.seconds} s and {self.rows} rows")


SERVER_BUDGET = QueryBudget(10.0, 10_000)
CLI_BUDGET = QueryBudget(30.0, 1_000_000)


class _WorkerGone(Exception):
    """The worker's pipe closed: it died, or the pool killed it."""


class _Worker:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scientia.reasoners.sparql_process"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
        )
        self._requests = cast(IO[bytes], self.process.stdin)
        self._replies = cast(IO[bytes], self.process.stdout).fileno()

    @property
    def pid(self) -> int:
        return self.process.pid

    def send(self, message: object) -> None:
        try:
            write_message(cast(BinaryIO, self._requests), message)
        except (BrokenPipeError, OSError, ValueError):
            raise _WorkerGone from None

    def receive(self, deadline: float) -> Any:
        """The next message, or TimeoutError at ``deadline`` (a ``time.monotonic`` value)."""
        (length,) = MESSAGE_HEADER.unpack(self._read(MESSAGE_HEADER.size, deadline))
        return pickle.loads(self._read(length, deadline))

    def _read(self, size: int, deadline: float) -> bytes:
        chunks, missing = [], size
        while missing:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            try:
                ready, _, _ = select.select([self._replies], [], [], remaining)
                chunk = os.read(self._replies, min(missing, 1 << 20)) if ready else None
            except (OSError, ValueError):  # the pool closed the pipe meanwhile (it is stopping)
                raise _WorkerGone from None
            if chunk is None:
                raise TimeoutError
            if not chunk:
                raise _WorkerGone
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()  # type: ignore[union-attr]
            except OSError:
                pass


class SparqlPool:
    """``processes`` SPARQL workers; :meth:`run` answers one query within its budget.

    Workers start in the background when the pool is made, so the first query rarely waits for
    Python to import rdflib. Thread-safe: a server's request threads share one pool.
    """

    def __init__(self, processes: int = 2, replace: bool = True) -> None:
        """``replace``: start a worker in the place of one stopped at its query's deadline (a
        server goes on answering; a command that asks one query does not need another)."""
        if processes < 1:
            raise ValueError("a SPARQL pool needs at least one process")
        self.processes = processes
        self._replace = replace
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._starting = 0
        self._start_failure: str | None = None
        self._closed: str | None = None
        self._changed = threading.Condition()
        # Workers die with the thread that started them (PR_SET_PDEATHSIG is per thread), so one
        # thread that lives as long as the pool starts them all.
        self._to_start: queue.SimpleQueue[bool] = queue.SimpleQueue()
        threading.Thread(target=self._starter, name="scientia-sparql-starter", daemon=True).start()
        for _ in range(processes):
            self._start_one()

    def run(self, graph: str | Path, query: str, budget: QueryBudget = SERVER_BUDGET) -> SparqlAnswer:
        """Answer ``query`` over the knowledge-graph file ``graph`` within ``budget``.

        Raises :class:`~scientia.common.errors.QueryCancelledError` when the budget is spent (the
        query is stopped), :class:`~scientia.common.errors.SparqlError` for a query that is wrong
        or refused.
        """
        deadline = time.monotonic() + budget.seconds
        worker = self._take(deadline, budget)
        try:
            worker.send({"graph": str(graph), "query": query, "max_rows": budget.rows})
            reply = worker.receive(deadline)
        except TimeoutError:
            self._discard(worker)
            logger.info("a SPARQL query passed its time budget of %g s and was stopped", budget.seconds)
            raise QueryCancelledError(
                f"SPARQL query stopped at its time budget of {budget.seconds:g} s; simplify it, add a LIMIT, "
                "or raise the budget") from None
        except _WorkerGone:
            self._discard(worker)
            if self._closed:
                raise QueryCancelledError(f"SPARQL query stopped: {self._closed}") from None
            raise SparqlError("the SPARQL worker process died while answering this query") from None
        self._give_back(worker)
        if reply[0] == "answer":
            return reply[1]
        _, kind, message = reply
        if kind == QueryCancelledError.__name__:
            raise QueryCancelledError(message)
        raise SparqlError(message)

    def close(self, reason: str = "the server is stopping") -> None:
        """Kill every worker; queries waiting on one fail at once with ``reason``."""
        with self._changed:
            if self._closed:
                return
            self._closed = reason
            self._to_start.put(False)
            workers = [*self._idle, *self._busy]
            self._idle.clear()
            self._changed.notify_all()
        for worker in workers:
            worker.kill()

    @property
    def pids(self) -> list[int]:
        """The worker processes now running (idle or answering)."""
        with self._changed:
            return sorted(worker.pid for worker in [*self._idle, *self._busy])

    def __enter__(self) -> SparqlPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close("the pool was closed")

    # -- workers -------------------------------------------------------------------------------

    def _take(self, deadline: float, budget: QueryBudget) -> _Worker:
        with self._changed:
            while not self._idle:
                if self._closed:
                    raise QueryCancelledError(f"SPARQL query not run: {self._closed}")
                if not self._busy and not self._starting:  # every worker failed to start
                    raise SparqlError(f"no SPARQL worker process could start ({self._start_failure})")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise QueryCancelledError(
                        f"SPARQL query not run: all {self.processes} SPARQL workers stayed busy for its time budget "
                        f"of {budget.seconds:g} s")
                self._changed.wait(remaining)
            worker = self._idle.pop()
            self._busy.add(worker)
            return worker

    def _give_back(self, worker: _Worker) -> None:
        with self._changed:
            self._busy.discard(worker)
            if self._closed:
                worker.kill()
                return
            self._idle.append(worker)
            self._changed.notify()

    def _discard(self, worker: _Worker) -> None:
        """Kill ``worker`` (its query is stopped at once) and start another in its place."""
        worker.kill()
        with self._changed:
            self._busy.discard(worker)
            replace = self._replace and not self._closed
        if replace:
            self._start_one()

    def _start_one(self) -> None:
        with self._changed:
            self._starting += 1
        self._to_start.put(True)

    def _starter(self) -> None:
        while self._to_start.get():
            self._start()

    def _start(self) -> None:
        worker = None
        try:
            worker = _Worker()
            ready = worker.receive(time.monotonic() + START_SECONDS)
            if ready[0] != "ready":
                raise _WorkerGone
        except (TimeoutError, _WorkerGone, OSError) as error:
            failure = f"{type(error).__name__}; its stderr says why"
            logger.error("a SPARQL worker process failed to start (%s)", failure)
            if worker is not None:
                worker.kill()
            worker = None
        with self._changed:
            self._starting -= 1
            if worker is None:
                self._start_failure = failure
            if worker is not None and not self._closed:
                self._idle.append(worker)
            elif worker is not None:
                worker.kill()
            self._changed.notify_all()
