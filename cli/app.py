"""The ``scientia`` command. Only this package talks to people; it imports no torch, faiss or
owlready2 at module level, so ``--help`` answers at once."""

from __future__ import annotations

import typer

from . import index, reason
from .bench import bench
from .query import query
from .serve import serve
from .train import train

app = typer.Typer(
    name="scientia",
    help="Semantic search and reasoning: index a corpus and an ontology, query them, benchmark it, fine-tune the encoder.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(index.app, name="index")
app.add_typer(reason.app, name="reason")
app.command()(query)
app.command()(bench)
app.command()(serve)
app.command()(train)


def main() -> None:
    app()
