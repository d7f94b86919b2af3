"""Read-only SPARQL 1.1 Query over the asserted plus inferred graph.

Every query form (SELECT, ASK, CONSTRUCT, DESCRIBE) with all of SPARQL 1.1 Query (property
paths with their set semantics, MINUS, aggregates, subqueries, VALUES, BIND, GRAPH) is answered
by rdflib's engine over :class:`~.quadstore.QuadstoreView`, the stored graph read in place.
Entailed facts are stored, so ``?x rdf:type ub:Student`` finds inferred students as written,
with no query rewriting. Updates are refused before anything runs, and the store is opened
read-only, so nothing can write through it.

A query may use ``rdf:``, ``rdfs:``, ``owl:``, ``xsd:`` and each ontology's name (``pizza:``)
without declaring them, as owlready2 allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from scientia.common.errors import SparqlError

if TYPE_CHECKING:
    from rdflib import Dataset, Graph
    from rdflib.term import Node

__all__ = ["SparqlAnswer", "run_query", "MAX_QUERY_CHARS"]

QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]

_UPDATE_KEYWORD = re.compile(r"(?<![?$:\w])(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE)
MAX_QUERY_CHARS = 100_000


@dataclass
class SparqlAnswer:
    """One query's answer: rows for SELECT (unbound variables absent from their row), a boolean
    for ASK, a graph for CONSTRUCT and DESCRIBE. ``result`` is rdflib's, for its serializers."""

    form: QueryForm
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Node]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None
    result: object = None


def run_query(dataset: Dataset | str | Path, query: str) -> SparqlAnswer:
    """Answer ``query`` over ``dataset`` (or the quadstore file at that path)."""
    if len(query) > MAX_QUERY_CHARS:
        raise SparqlError(f"SPARQL query of {len(query):,} characters exceeds the limit of {MAX_QUERY_CHARS:,}")
    if not hasattr(dataset, "query"):
        from .quadstore import open_dataset

        dataset = open_dataset(dataset)
    from rdflib.plugins.sparql import prepareQuery

    namespaces = dict(dataset.store.namespaces())
    try:
        prepared = prepareQuery(query, initNs=namespaces)
    except Exception as error:  # pyparsing's ParseException, or rdflib's bare Exception for an unknown prefix
        _refuse_update(query)
        raise SparqlError(f"SPARQL syntax error: {_describe(error)}") from None
    try:
        result = dataset.query(prepared)
        form: QueryForm = result.type  # type: ignore[assignment]
        if form == "ASK":
            return SparqlAnswer(form, boolean=bool(result.askAnswer), result=result)
        if form in ("CONSTRUCT", "DESCRIBE"):
            return SparqlAnswer(form, graph=result.graph, result=result)
        variables = [str(v) for v in result.vars or []]
        rows = [{name: value for name, value in zip(variables, row) if value is not None} for row in result]
    except SparqlError:
        raise
    except Exception as error:  # rdflib raises bare exceptions for evaluation errors too
        raise SparqlError(f"SPARQL evaluation error: {error}") from None
    return SparqlAnswer("SELECT", variables=variables, rows=rows, result=result)


def _refuse_update(query: str) -> None:
    """A SPARQL Update (valid as one) gets its own message: the graph is read-only."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(query)
    except Exception:
        return
    keyword = _UPDATE_KEYWORD.search(re.sub(r"<[^>\s]*>|\"[^\"]*\"", " ", query))
    name = keyword.group(1).upper() if keyword else "update"
    raise SparqlError(f"SPARQL {name} refused: the knowledge graph is read-only (queries only)")


def _describe(error: Exception) -> str:
    """pyparsing's message with the line and column it names; rdflib's message otherwise."""
    line, column = getattr(error, "lineno", None), getattr(error, "col", None)
    message = getattr(error, "msg", None) or str(error)
    if line is not None and column is not None:
        return f"{message} (line {line}, column {column})"
    return message
