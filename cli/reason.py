"""``scientia reason``: ask the index's knowledge graph directly."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from .errors import reports_user_errors
from .logs import AnswerCommand

app = typer.Typer(help="Query and explain the knowledge graph of an index built with --ontology.", no_args_is_help=True)


def _open(index: Path):
    from scientia.common.errors import InvalidArgumentError
    from scientia.indexers.generation import Generation
    from scientia.indexers.knowledge_store import ONTOLOGY_FILE
    from scientia.reasoners import KnowledgeBase

    generation = Generation.open(index)
    if not generation.has("knowledge"):
        raise InvalidArgumentError(f"{index}: this index has no knowledge graph (build it with --ontology)")
    return KnowledgeBase.open(generation.folder / ONTOLOGY_FILE)


@app.command(cls=AnswerCommand)
@reports_user_errors
def sparql(
    index: Path = typer.Argument(..., help="Index folder built with --ontology."),
    query: str = typer.Argument(..., help="A SPARQL SELECT query; updates are refused."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per row: variable → value, IRIs in full."),
) -> None:
    """Answer a SPARQL SELECT over the asserted plus inferred graph."""
    from scientia.reasoners.sparql import to_json_value

    with _open(index) as base:
        columns, rows = base.sparql(query)
    if as_json:
        for row in rows:
            typer.echo(json.dumps({c: to_json_value(v) for c, v in zip(columns, row)}, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*columns, title=f"{len(rows)} rows", title_justify="left")
    for row in rows:
        table.add_row(*(str(to_json_value(v)) for v in row))
    Console().print(table)


@app.command(cls=AnswerCommand)
@reports_user_errors
def explain(
    index: Path = typer.Argument(..., help="Index folder built with --ontology."),
    iri: str = typer.Argument(..., help="Full IRI of an individual."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per fact."),
    inferred_only: bool = typer.Option(False, "--inferred-only", help="Show only inferred facts."),
) -> None:
    """Why does an individual have its inferred types and property values? (as far as the reasoner can tell)"""
    with _open(index) as base:
        explanations = base.explain(iri)
    for item in explanations:
        if inferred_only and not item.inferred:
            continue
        if as_json:
            typer.echo(json.dumps({"fact": item.fact, "inferred": item.inferred, "because": item.reasons}, ensure_ascii=False))
            continue
        typer.echo(f"{item.fact}" + ("   [inferred]" if item.inferred else "   [asserted]"))
        for reason in item.reasons:
            typer.echo(f"    because {reason}")
