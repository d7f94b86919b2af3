"""Progress of long steps (encoding, reasoning, linking, benchmarks), for a person watching.

On a terminal, a rich progress bar on stderr. Anywhere else (a log file, CI, a pipe), a plain
line through the ``scientia`` logger now and then (every :data:`PLAIN_INTERVAL_SECONDS`) and one
when the step ends, never a carriage return. The library shows nothing unless asked
(``enabled``): the CLI asks unless ``-q``.

>>> with progress("encoding", total=len(texts), unit="text", enabled=True) as advance:  # doctest: +SKIP
...     for chunk in chunks:
...         encode(chunk)
...         advance(len(chunk))
"""

from __future__ import annotations

import io
import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr

__all__ = ["PLAIN_INTERVAL_SECONDS", "counted", "other_libraries_bars", "progress", "stderr_is_terminal"]

logger = logging.getLogger("scientia.progress")

PLAIN_INTERVAL_SECONDS = 10.0


def stderr_is_terminal() -> bool:
    stream = sys.stderr
    return bool(getattr(stream, "isatty", None) and stream.isatty())


def _no_progress(steps: int = 1) -> None:
    pass


@contextmanager
def progress(description: str, total: int | None = None, unit: str = "", enabled: bool = True
             ) -> Iterator[Callable[[int], None]]:
    """A step of ``total`` items (``None``: a step with no count, such as a reasoner run) counted
    in ``unit`` (singular: "text"); yields ``advance(n)``, to be called as items are done."""
    if not enabled:
        yield _no_progress
    elif stderr_is_terminal():
        with _bar(description, total, unit) as advance:
            yield advance
    else:
        with _plain_lines(description, total, unit) as advance:
            yield advance


@contextmanager
def _bar(description: str, total: int | None, unit: str) -> Iterator[Callable[[int], None]]:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [SpinnerColumn(), TextColumn("{task.description}")]
    if total is not None:
        columns += [BarColumn(), MofNCompleteColumn(), TextColumn(plural(unit)), TimeRemainingColumn()]
    columns.append(TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task(description, total=total)
        def advance(steps: int = 1) -> None:
            bar.advance(task, steps)

        yield advance


@contextmanager
def _plain_lines(description: str, total: int | None, unit: str) -> Iterator[Callable[[int], None]]:
    started = last = time.perf_counter()
    done = 0

    def advance(steps: int = 1) -> None:
        nonlocal done, last
        done += steps
        now = time.perf_counter()
        if now - last >= PLAIN_INTERVAL_SECONDS:
            last = now
            of_total = f"{done:,} of {counted(total, unit)}" if total is not None else counted(done, unit)
            share = f" ({done / total:.0%})" if total else ""
            logger.info("%s: %s done%s, %.0f per second", description, of_total, share, done / (now - started))

    if total is None:
        logger.info("%s…", description)
    yield advance
    count = f" {counted(done, unit)}" if total is not None else ""
    logger.info("%s:%s done in %s", description, count, _duration(time.perf_counter() - started))


def plural(unit: str) -> str:
    """``text`` → ``texts``, ``query`` → ``queries`` (the units progress counts in)."""
    if not unit:
        return unit
    return unit[:-1] + "ies" if unit.endswith("y") and unit[-2:-1] not in "aeiou" else unit + "s"


def counted(count: int, unit: str) -> str:
    """``1 text``, ``2 texts``, ``3 queries``: ``unit`` is the singular."""
    return f"{count:,} {unit if count == 1 else plural(unit)}".rstrip()


def _duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


class _WithoutBars(io.TextIOBase):
    """A stderr that passes lines through and drops tqdm's bars (each drawn as ``"\\r..."``,
    closed by a lone newline)."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        if not text.startswith("\r") and text != "\n":
            self.stream.write(text)
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


@contextmanager
def other_libraries_bars(wanted: bool) -> Iterator[None]:
    """Let the bars that other libraries draw (tqdm, in sentence-transformers and transformers)
    through only where they are ``wanted`` and stderr is a terminal.

    Some draw whatever they are told: sentence-transformers 6.2's ``mine_hard_negatives`` asks
    its encodes for bars and searches FAISS in a bare ``trange``; saving a model card computes
    "widget examples" under a bar. Elsewhere they would write bars under ``-q`` and carriage
    returns into logs. tqdm writes to ``sys.stderr`` as it is when a bar starts, so for the block
    that is a filter dropping bars and keeping every other line (warnings, our own progress).
    """
    if wanted and stderr_is_terminal():
        yield
        return
    with redirect_stderr(_WithoutBars(sys.stderr)):
        yield
