"""Turn user errors into one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TypeVar

import typer

__all__ = ["reports_user_errors", "fail", "run_reported", "USER_ERROR_EXIT"]

USER_ERROR_EXIT = 2
F = TypeVar("F", bound=Callable)


def fail(message: str, code: int = USER_ERROR_EXIT) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def run_reported(step: Callable[[], None]) -> int:
    """Run ``step`` as a command runs (user errors as one line), and return its exit code instead
    of exiting: for a command's work done in another process (``--ray local``)."""
    try:
        reports_user_errors(step)()
    except typer.Exit as stop:
        return stop.exit_code
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    return 0


def reports_user_errors(command: F) -> F:
    """Wrap a command so :class:`ScientiaError` (and a missing input file) exit 2 with a one-line message."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from scientia.common.errors import ScientiaError, write_refusal

        try:
            return command(*args, **kwargs)
        except ScientiaError as error:
            raise fail(str(error)) from None
        except FileNotFoundError as error:
            raise fail(f"{error.filename}: no such file or folder") from None
        except OSError as error:
            refused = write_refusal(error)
            if refused is None:
                raise
            raise fail(f"{error.filename or 'a file'}: refused ({refused})") from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]
