"""What a SPARQL query may read: the index's own graphs, and nothing else.

rdflib's engine, left to itself, dereferences IRIs on a query's behalf: ``FROM <iri>`` and
``FROM NAMED <iri>`` parse whatever the IRI names (a local ``file:`` or any web address) into
the dataset, and ``SERVICE <iri>`` posts the pattern to another endpoint (the rdflib
documentation's "Security Considerations" warns of both). A query from a stranger must not read
the server's files or make it reach other hosts, so before anything is evaluated:

- ``SERVICE`` is refused, wherever it is nested;
- ``FROM`` and ``FROM NAMED`` may name only the index's graphs (each ontology, and
  ``urn:scientia:inferred`` for what the reasoner added); they then choose among those graphs,
  as the SPARQL 1.1 Query Recommendation (§13.2) defines, and nothing is loaded;
- ``LOAD`` and every other update are refused by :mod:`.sparql` (the graph is read-only).

Each refusal is a :class:`~scientia.common.errors.SparqlError` naming the clause (HTTP 400, CLI
exit 2). User queries also run in a confined worker process (:mod:`.sparql_process`), so a
dereference that slipped past this check would still fail.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from scientia.common.errors import SparqlError

__all__ = ["DatasetChoice", "checked_dataset"]


@dataclass(frozen=True)
class DatasetChoice:
    """The graphs a query's ``FROM`` (``default``) and ``FROM NAMED`` (``named``) clauses chose."""

    default: tuple[str, ...]
    named: tuple[str, ...]


def checked_dataset(algebra: Any, graph_names: Collection[str]) -> DatasetChoice | None:
    """Refuse what a query may not do (see the module's text); return the graphs its dataset
    clauses chose among ``graph_names``, or None where it has no dataset clause.

    ``algebra``: rdflib's translated query (``prepareQuery(...).algebra``).
    """
    for node in _nodes(algebra):
        if getattr(node, "name", None) == "ServiceGraphPattern":
            raise SparqlError(
                f"SPARQL SERVICE <{node['term'] if 'term' in node else '?'}> refused: a query reads only this index's graphs; "
                "scientia never sends a query to another endpoint")
    clauses = algebra.get("datasetClause") or []
    if not clauses:
        return None
    known = {name.rstrip("#/") for name in graph_names}
    default: list[str] = []
    named: list[str] = []
    for clause in clauses:
        # rdflib's CompValue answers .get() for a missing key with the key itself: ask for membership
        keyword, iri = ("FROM", clause["default"]) if "default" in clause else ("FROM NAMED", clause["named"])
        if str(iri).rstrip("#/") not in known:
            allowed = ", ".join(f"<{name}>" for name in sorted(known)) or "none"
            raise SparqlError(
                f"SPARQL {keyword} <{iri}> refused: FROM and FROM NAMED may name only this index's graphs "
                f"({allowed}); nothing is read from files or the network")
        (default if keyword == "FROM" else named).append(str(iri))
    return DatasetChoice(tuple(default), tuple(named))


def _nodes(node: Any) -> Iterator[Any]:
    """Every node of rdflib's algebra tree (CompValues are dicts; lists hold patterns)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            yield current
            stack.extend(current.values())
        elif isinstance(current, (list, tuple)):
            stack.extend(current)
