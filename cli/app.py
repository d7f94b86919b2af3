"""The ``scientia`` command. Only this package talks to people; it imports no torch, faiss or
owlready2 at module level, so ``--help`` answers at once."""

from __future__ import annotations

from typing import Annotated

import typer

from . import index, reason
from .bench import bench
from .logs import AnswerCommand, VerbosityCommand
from .query import query
from .serve import serve
from .train import train

app = typer.Typer(
    name="scientia",
    help="Semantic search and reasoning: index a corpus and an ontology, query them, benchmark it, fine-tune the encoder.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        from scientia.indexers.layout import scientia_version

        typer.echo(f"scientia {scientia_version()}")
        raise typer.Exit()


def _no_color(value: bool) -> None:
    if value:
        import os

        # rich reads NO_COLOR (https://no-color.org) whenever it makes a console: tables, help, errors
        os.environ["NO_COLOR"] = "1"


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True, help="Print the version and exit.")] = False,
    no_color: Annotated[bool, typer.Option(
        "--no-color", callback=_no_color, is_eager=True, help="No colour in the output (as NO_COLOR=1 does).")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print debug diagnostics to stderr.")] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Print only warnings and errors to stderr (and no progress bars).")] = False,
) -> None:
    """Semantic search and reasoning: index a corpus and an ontology, query them, benchmark it, fine-tune the encoder.

    -v/--verbose and -q/--quiet work before the command and after it (see cli/logs.py); diagnostics
    go to stderr. ``--no-color`` (or NO_COLOR=1) turns colour off.
    """


app.add_typer(index.app, name="index")
app.add_typer(reason.app, name="reason")
app.command(cls=AnswerCommand)(query)
for command in (bench, serve, train):
    app.command(cls=VerbosityCommand)(command)


def main() -> None:
    """The ``scientia`` command. A bad flag or value is one line on stderr, ``error: ...``, and exit
    code 2, as every other user error is (click would draw a box with the usage)."""
    import sys

    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except typer.TyperException as error:  # click's exceptions, as Typer vendors them
        if type(error).__name__ == "NoArgsIsHelpError":  # a group called alone: its help, as before
            error.show()  # type: ignore[attr-defined]
            sys.exit(2)
        context = getattr(error, "ctx", None)
        where = f" (see '{context.command_path} --help')" if context is not None else ""
        typer.echo(f"error: {error.format_message()}{where}", err=True)
        sys.exit(getattr(error, "exit_code", 2))
    sys.exit(code if isinstance(code, int) else 0)
