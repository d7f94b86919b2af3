"""Turn user errors into one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TypeVar

import typer

__all__ = ["reports_user_errors", "fail", "USER_ERROR_EXIT"]

USER_ERROR_EXIT = 2
F = TypeVar("F", bound=Callable)


def fail(message: str, code: int = USER_ERROR_EXIT) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def reports_user_errors(command: F) -> F:
    """Wrap a command so :class:`ScientiaError` (and a missing input file) exit 2 with a one-line message."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from scientia.common.errors import ScientiaError

        try:
            return command(*args, **kwargs)
        except ScientiaError as error:
            raise fail(str(error)) from None
        except FileNotFoundError as error:
            raise fail(f"{error.filename}: no such file or folder") from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]
