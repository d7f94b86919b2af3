"""Diagnostics go to stderr through the ``scientia`` logger; the CLI, not the library, adds a handler.

Every command is a :class:`VerbosityCommand` (or an :class:`AnswerCommand`): before its options
are parsed it configures logging to stderr at its default level, and it takes ``-v/--verbose``
and ``-q/--quiet``, declared here once for all commands. So a warning raised anywhere inside any
command reaches stderr, and stdout keeps only what the command answers.
"""

from __future__ import annotations

import functools
import logging
import sys
from typing import Annotated

import typer
import typer.core
import typer.main

__all__ = ["AnswerCommand", "VerbosityCommand", "configure_logging", "is_quiet"]


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the record (test runners swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(verbose: bool = False, quiet: bool = False, level: int = logging.INFO) -> None:
    level = logging.WARNING if quiet else logging.DEBUG if verbose else level
    logger = logging.getLogger("scientia")
    if not any(isinstance(h, _CurrentStderr) for h in logger.handlers):
        handler = _CurrentStderr(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(level)


def is_quiet() -> bool:
    """Whether progress is not wanted (``-q``): commands then draw no progress bars either."""
    return logging.getLogger("scientia").level > logging.INFO


def _verbose(given: bool) -> None:
    if given:
        configure_logging(verbose=True)


def _quiet(given: bool) -> None:
    if given:
        configure_logging(quiet=True)


def _verbosity_template(
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="Print debug diagnostics to stderr.", callback=_verbose, expose_value=False)] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Print only warnings and errors to stderr (and no progress bars).", callback=_quiet,
        expose_value=False)] = False,
) -> None:
    """Only declares the two options, so that Typer makes them."""


@functools.cache
def _verbosity_options() -> tuple:
    """The two options, made by Typer once; every command shares them (they hold no state)."""
    template = typer.Typer()
    template.command()(_verbosity_template)
    return tuple(typer.main.get_command(template).params)


class VerbosityCommand(typer.core.TyperCommand):
    """A command with ``-v/--verbose`` and ``-q/--quiet`` whose diagnostics reach stderr; it reports
    its progress (INFO) unless ``-q``: builds, updates, benchmarks, training, serving."""

    default_level = logging.INFO

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.params += list(_verbosity_options())

    def make_context(self, *args, **kwargs):
        # before this command's -v/-q are parsed, which may change it; `scientia -q CMD` counts too
        configure_logging(level=self.default_level, **_given_before(kwargs.get("parent")))
        return super().make_context(*args, **kwargs)


def _given_before(context) -> dict[str, bool]:
    """``-v``/``-q`` given to a group the command is in (``scientia -q index build ...``)."""
    given = {"verbose": False, "quiet": False}
    while context is not None:
        for name in given:
            given[name] = given[name] or bool(context.params.get(name))
        context = context.parent
    return given


class AnswerCommand(VerbosityCommand):
    """A command whose stdout is the answer (query, info, verify, reason): only warnings and
    errors on stderr unless ``-v``."""

    default_level = logging.WARNING
