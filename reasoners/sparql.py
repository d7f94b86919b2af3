"""Read-only SPARQL 1.1 Query over the asserted plus inferred graph.

Every query form (SELECT, ASK, CONSTRUCT, DESCRIBE) with all of SPARQL 1.1 Query (property
paths with their set semantics, MINUS, aggregates, subqueries, VALUES, BIND, GRAPH) is answered
by rdflib's engine over :class:`~.quadstore.QuadstoreView`, the stored graph read in place.
Entailed facts are stored, so ``?x rdf:type ub:Student`` finds inferred students as written,
with no query rewriting. Updates are refused before anything runs, and the store is opened
read-only, so nothing can write through it. A query reads the index's graphs and nothing else
(:mod:`.sparql_sandbox`): no ``SERVICE``, and ``FROM`` only among the index's graphs.

A query may use ``rdf:``, ``rdfs:``, ``owl:``, ``xsd:`` and each ontology's name (``pizza:``)
without declaring them, as owlready2 allowed.

This runs in the calling thread, with no time limit: for trusted callers (scripts, tests, the
reasoner's own questions). A query from a user runs through :class:`~.sparql_pool.SparqlPool`,
in a worker process stopped at its deadline.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

from scientia.common.errors import QueryCancelledError, SparqlError

from .sparql_sandbox import checked_dataset

if TYPE_CHECKING:
    from rdflib import Dataset, Graph
    from rdflib.query import Result
    from rdflib.term import Identifier, Node

    from .quadstore import QuadstoreView

__all__ = ["SparqlAnswer", "run_query", "MAX_QUERY_CHARS"]

QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]

# rdflib's SPARQL parser (pyparsing's) is not thread-safe: eight threads preparing queries at
# once fail nearly every time (TypeError from a parse action), so queries are parsed one at a time.
_PARSING = threading.Lock()
_UPDATE_KEYWORD = re.compile(r"(?<![?$:\w])(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE)
MAX_QUERY_CHARS = 100_000


@dataclass
class SparqlAnswer:
    """One query's answer: rows for SELECT (unbound variables absent from their row), a boolean
    for ASK, triples for CONSTRUCT and DESCRIBE (with the prefixes the query and the graph
    declare). Plain data, so it crosses from a worker process as it is."""

    form: QueryForm
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Node]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Node, Node, Node]] = field(default_factory=list)
    prefixes: dict[str, str] = field(default_factory=dict)

    def graph(self) -> Graph:
        """CONSTRUCT's or DESCRIBE's triples as an rdflib Graph, its prefixes bound."""
        from rdflib import Graph

        graph = Graph(bind_namespaces="none")
        for prefix, namespace in self.prefixes.items():
            graph.bind(prefix, namespace, override=True)
        for triple in self.triples:
            graph.add(triple)
        return graph

    def result(self) -> Result:
        """The answer as rdflib's Result, for its W3C results serializers."""
        from rdflib import Variable
        from rdflib.query import Result

        result = Result(self.form)
        if self.form == "ASK":
            result.askAnswer = self.boolean
        elif self.form == "SELECT":
            result.vars = [Variable(name) for name in self.variables]
            result.bindings = [{Variable(name): cast("Identifier", value) for name, value in row.items()} for row in self.rows]
        else:
            result.graph = self.graph()
        return result


def run_query(dataset: Dataset | str | Path, query: str, max_rows: int | None = None) -> SparqlAnswer:
    """Answer ``query`` over ``dataset`` (or the quadstore file at that path).

    ``max_rows``: a SELECT with more rows, or a graph with more triples, is refused
    (:class:`~scientia.common.errors.QueryCancelledError`) as soon as it passes that many.
    """
    if len(query) > MAX_QUERY_CHARS:
        raise SparqlError(f"SPARQL query of {len(query):,} characters exceeds the limit of {MAX_QUERY_CHARS:,}")
    if isinstance(dataset, (str, Path)):
        from .quadstore import open_dataset

        dataset = open_dataset(dataset)
    from rdflib.plugins.sparql import prepareQuery

    store = cast("QuadstoreView", dataset.store)
    namespaces = dict(store.namespaces())
    try:
        with _PARSING:
            prepared = prepareQuery(query, initNs=namespaces)
    except Exception as error:  # pyparsing's ParseException, or rdflib's bare Exception for an unknown prefix
        _refuse_update(query)
        raise SparqlError(f"SPARQL syntax error: {_describe(error)}") from None
    chosen = checked_dataset(prepared.algebra, store.graph_names)
    if chosen is not None:  # FROM / FROM NAMED among our own graphs: a narrower view, nothing loaded
        from rdflib import Dataset as RdflibDataset

        dataset = RdflibDataset(store=store.restricted(chosen.default, chosen.named), default_union=True)
        prepared.algebra["datasetClause"] = None
    try:
        result = dataset.query(prepared)
        form: QueryForm = result.type  # type: ignore[assignment]
        if form == "ASK":
            return SparqlAnswer(form, boolean=bool(result.askAnswer))
        if form in ("CONSTRUCT", "DESCRIBE"):
            triples = _within(iter(cast("Graph", result.graph)), max_rows, "triples")
            declared = {str(prefix): str(namespace) for prefix, namespace in prepared.prologue.namespace_manager.namespaces()}
            return SparqlAnswer(form, triples=triples, prefixes=_used_prefixes({**namespaces, **declared}, triples))
        variables = [str(v) for v in result.vars or []]
        rows = [{name: value for name, value in zip(variables, row, strict=False) if value is not None}
                for row in _within(iter(result), max_rows, "rows")]
    except (SparqlError, QueryCancelledError):
        raise
    except Exception as error:  # rdflib raises bare exceptions for evaluation errors too
        raise SparqlError(f"SPARQL evaluation error: {error}") from None
    return SparqlAnswer("SELECT", variables=variables, rows=rows)


def _within(items, max_rows: int | None, unit: str) -> list:
    """``items`` as a list, refused as soon as it passes ``max_rows`` (None: no limit)."""
    found = []
    for item in items:
        found.append(item)
        if max_rows is not None and len(found) > max_rows:
            raise QueryCancelledError(
                f"SPARQL answer stopped at its row budget: more than {max_rows:,} {unit}; add a LIMIT, or raise the budget")
    return found


def _used_prefixes(namespaces: dict[str, str], triples: list) -> dict[str, str]:
    """The prefixes whose namespace some IRI of ``triples`` starts with (Turtle shows those)."""
    from rdflib import URIRef

    iris = {str(term) for triple in triples for term in triple if isinstance(term, URIRef)}
    return {prefix: namespace for prefix, namespace in namespaces.items()
            if prefix and any(iri.startswith(namespace) for iri in iris)}


def _refuse_update(query: str) -> None:
    """A SPARQL Update (valid as one) gets its own message: the graph is read-only."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        with _PARSING:
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
