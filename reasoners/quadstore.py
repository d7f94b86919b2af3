"""The stored knowledge graph as an rdflib Dataset, read straight from owlready2's SQLite file.

owlready2 keeps every triple, asserted and inferred, in one SQLite quadstore: ``objs(c, s, p,
o)`` and ``datas(c, s, p, o, d)``, integer ids resolved by ``resources(storid, iri)``, negative
ids for blank nodes, ``c`` the ontology a triple belongs to. :class:`QuadstoreView` is a
read-only rdflib ``Store`` over those tables, so rdflib's complete SPARQL 1.1 engine answers over
the graph the reasoner stored, with no copy.

The file is opened ``mode=ro&immutable=1``: a committed generation never changes, so a reader
takes no lock and writes nothing (no ANALYZE, no journal), and any number of CLI runs, server
threads and processes read one index at once.

Each ontology is a named graph, named by its IRI without the trailing ``#`` (the reasoner's
facts are ``urn:scientia:inferred``); the default graph is their union, as a set. owlready2's
placeholder ontology ``http://anonymous/`` is not shown. A query's ``FROM`` and ``FROM NAMED``
choose among these graphs (:meth:`QuadstoreView.restricted`); nothing else can be added.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import Any

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.store import Store

from scientia.common.errors import IndexFormatError, InvalidArgumentError

from .base import OWL, RDF, RDFS, XSD

__all__ = ["QuadstoreView", "expand_name", "open_dataset", "stored_value", "STANDARD_PREFIXES"]

_HIDDEN_ONTOLOGIES = ("http://anonymous/",)
_BLANK_PREFIX = "b"
STANDARD_PREFIXES = {"rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD}


class QuadstoreView(Store):
    """A read-only, context-aware rdflib store over an owlready2 quadstore file."""

    context_aware = True
    graph_aware = True  # what rdflib's Dataset asks for; the graphs are the stored ontologies

    def __init__(self, path: str | Path, default: Iterable[str] | None = None, named: Iterable[str] | None = None) -> None:
        """``default``: the graphs whose union is the default graph; ``named``: the graphs a
        ``GRAPH`` pattern can name. Both default to every stored graph (SPARQL's ``FROM`` and
        ``FROM NAMED`` narrow them)."""
        super().__init__()
        self.path = Path(path)
        if not self.path.is_file():
            raise IndexFormatError(f"{self.path}: no knowledge graph file")
        self._local = threading.local()
        try:
            ontologies = self._sql("SELECT c, iri FROM ontologies").fetchall()
        except sqlite3.DatabaseError as error:
            raise IndexFormatError(f"{self.path}: unreadable knowledge graph ({error})") from None
        self._every_context = frozenset(c for c, _ in ontologies)
        self._bases = {c: iri for c, iri in ontologies if iri not in _HIDDEN_ONTOLOGIES}
        self._graph_ids = {c: iri.rstrip("#/") for c, iri in self._bases.items()}
        self._default = self._ids_of(default)
        self._named = self._ids_of(named)
        self._nodes: dict[int, URIRef] = {}
        self._storid_of: dict[str, int | None] = {}
        self._graphs: dict[int, Graph] = {}
        self._tables_of: dict[int, tuple[str, ...]] = {}
        self._graph_conditions: dict[tuple[int, ...], tuple[str, tuple]] = {}

    @property
    def graph_names(self) -> list[str]:
        """The name of every stored graph (an ontology's IRI without its trailing ``#`` or ``/``)."""
        return sorted(set(self._graph_ids.values()))

    def restricted(self, default: Iterable[str], named: Iterable[str]) -> QuadstoreView:
        """The same file with the default graph made of ``default`` and only ``named`` nameable,
        as a query's ``FROM`` and ``FROM NAMED`` ask (each a name in :attr:`graph_names`)."""
        return QuadstoreView(self.path, default, named)

    def _ids_of(self, names: Iterable[str] | None) -> tuple[int, ...]:
        if names is None:
            return tuple(sorted(self._graph_ids))
        wanted = {name.rstrip("#/") for name in names}
        return tuple(sorted(c for c, name in self._graph_ids.items() if name in wanted))

    # -- SQLite -------------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection (sqlite3 connections are not shared between threads)."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            uri = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1"
            connection = self._local.connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        return connection

    def _sql(self, statement: str, parameters: tuple = ()) -> sqlite3.Cursor:
        return self._connection().execute(statement, parameters)

    # -- terms ---------------------------------------------------------------------------------

    def node(self, storid: int) -> URIRef | BNode:
        if storid < 0:
            return BNode(f"{_BLANK_PREFIX}{-storid}")
        node = self._nodes.get(storid)
        if node is None:  # made once per id: rdflib validates every IRI it wraps
            row = self._sql("SELECT iri FROM resources WHERE storid=?", (storid,)).fetchone()
            node = self._nodes[storid] = URIRef(row[0] if row else f"urn:owlready2:storid:{storid}")
        return node

    def literal(self, value: Any, datatype: Any) -> Literal:
        if isinstance(datatype, str) and datatype.startswith("@"):
            return Literal(value, lang=datatype[1:])
        if not datatype:
            return Literal(value)
        lexical = value if isinstance(value, str) else ("true" if value is True else "false" if value is False else str(value))
        return Literal(lexical, datatype=self.node(int(datatype)))

    def storid(self, term: Any) -> int | None:
        """The id of an IRI or blank node; None where the store has never seen it."""
        if isinstance(term, BNode):
            label = str(term)
            digits = label[len(_BLANK_PREFIX):]
            return -int(digits) if label.startswith(_BLANK_PREFIX) and digits.isdigit() else None
        iri = str(term)
        if iri not in self._storid_of:
            row = self._sql("SELECT storid FROM resources WHERE iri=?", (iri,)).fetchone()
            self._storid_of[iri] = row[0] if row else None
        return self._storid_of[iri]

    def graph(self, c: int) -> Graph:
        if c not in self._graphs:
            self._graphs[c] = Graph(store=self, identifier=URIRef(self._graph_ids[c]))
        return self._graphs[c]

    def _context_ids(self, context: Any) -> tuple[int, ...] | None:
        """The ontology ids a pattern is matched in; None when the context is none of ours."""
        from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

        identifier = getattr(context, "identifier", context)
        if context is None or identifier is None or identifier == DATASET_DEFAULT_GRAPH_ID:
            return self._default
        found = tuple(c for c in self._named if self._graph_ids[c] == str(identifier))
        return found or None

    # -- the Store interface -------------------------------------------------------------------

    def triples(self, triple_pattern, context=None) -> Iterator[tuple[tuple, Iterator[Graph]]]:
        graphs = self._context_ids(context)
        if not graphs:
            return
        obj = triple_pattern[2]
        in_graphs, graph_ids = self.graph_condition(graphs)
        # the union of graphs is a set; a fully given IRI triple (a check) needs one row at most
        check = None not in triple_pattern and not isinstance(obj, Literal)
        distinct = "DISTINCT " if len(graphs) > 1 and not check else ""
        limit = " LIMIT 1" if check else ""
        for table, where, parameters in self._filters(triple_pattern):
            columns = "s, p, o, d" if table == "datas" else "s, p, o, NULL"
            conditions = [in_graphs, *where] if in_graphs else where
            clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
            rows = self._sql(f"SELECT {distinct}{columns} FROM {table}{clause}{limit}", (*graph_ids, *parameters))
            for s, p, o, d in rows:
                value = self.node(o) if table == "objs" else self.literal(o, d)
                if table == "datas" and obj is not None and value != obj:
                    continue  # the same stored value under another datatype or language
                yield (self.node(s), self.node(p), value), self._contexts_of(s, p, o, d, graphs)

    # -- what bgp_planner and bgp_sql read -------------------------------------------------------

    def graph_condition(self, graphs: tuple[int, ...], column: str = "c") -> tuple[str, tuple]:
        """SQL that keeps a row within ``graphs`` (``""`` where they hold every stored triple), and
        its parameters. The ids of the graphs left out, where they are fewer: after ``IN``, SQLite
        seeks the (o, p, c, s) index once per listed graph, and LUBM(100), a graph per file, has
        1,502 graphs, while the default graph leaves out one at most (``http://anonymous/``)."""
        if graphs not in self._graph_conditions:  # asked once per store lookup: worked out once
            others = tuple(sorted(c for c in self._every_context - set(graphs) if self._holds_triples(c)))
            if not others:
                self._graph_conditions[graphs] = "", ()
            elif len(others) < len(graphs):
                self._graph_conditions[graphs] = "NOT IN", others
            else:
                self._graph_conditions[graphs] = "IN", graphs
        operator, ids = self._graph_conditions[graphs]
        return (f"{column} {operator} ({','.join('?' * len(ids))})", ids) if operator else ("", ())

    def _holds_triples(self, c: int) -> bool:
        return any(self._sql(f"SELECT 1 FROM {table} WHERE c=? LIMIT 1", (c,)).fetchone() for table in ("objs", "datas"))

    @property
    def default_graphs(self) -> tuple[int, ...]:
        """The ontology ids whose union is the default graph."""
        return self._default

    def tables_of(self, predicate: int) -> tuple[str, ...]:
        """The tables that hold triples with this predicate id: ``objs`` (IRIs and blank nodes as
        objects), ``datas`` (literals as objects), both, or neither."""
        if predicate not in self._tables_of:  # no index starts with p: a scan, once per predicate
            self._tables_of[predicate] = tuple(
                table for table in ("objs", "datas")
                if self._sql(f"SELECT 1 FROM {table} WHERE p=? LIMIT 1", (predicate,)).fetchone())
        return self._tables_of[predicate]

    def select(self, statement: str, parameters: tuple) -> sqlite3.Cursor:
        """Rows of a read-only statement over ``objs``, ``datas`` and ``resources``."""
        return self._sql(statement, parameters)

    # -- statistics for the join order (bgp_planner) -------------------------------------------

    def count(self, pattern: tuple) -> int:
        """About how many stored triples match ``pattern`` (None: any); duplicates across graphs counted."""
        return sum(self._aggregate("COUNT(*)", table, where, parameters) for table, where, parameters in self._filters(pattern))

    def distinct(self, position: int, pattern: tuple) -> int:
        """How many distinct subjects (0), predicates (1) or objects (2) the triples matching ``pattern`` have."""
        column = "spo"[position]
        return sum(self._aggregate(f"COUNT(DISTINCT {column})", table, where, parameters)
                   for table, where, parameters in self._filters(pattern))

    def _aggregate(self, expression: str, table: str, where: list[str], parameters: list) -> int:
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return int(self._sql(f"SELECT {expression} FROM {table}{clause}", tuple(parameters)).fetchone()[0])

    def _filters(self, pattern: tuple) -> list[tuple[str, list[str], list]]:
        """``(table, conditions, parameters)`` per table that can hold a match; none where a term is unknown."""
        where, parameters = [], []
        for column, term in zip("sp", pattern[:2], strict=False):
            if term is None:
                continue
            storid = None if isinstance(term, Literal) else self.storid(term)
            if storid is None:
                return []
            where.append(f"{column}=?")
            parameters.append(storid)
        obj = pattern[2]
        if obj is None:
            return [("objs", where, parameters), ("datas", where, parameters)]
        # given the subject, look up by (s, p): see bgp_sql on why the object is hidden from the planner
        by_object = "+o=?" if pattern[0] is not None else "o=?"
        if isinstance(obj, Literal):
            return [("datas", [*where, by_object], [*parameters, stored_value(obj)])]
        storid = self.storid(obj)
        return [] if storid is None else [("objs", [*where, by_object], [*parameters, storid])]

    def _contexts_of(self, s: int, p: int, o: Any, d: Any, graphs: tuple[int, ...]) -> Iterator[Graph]:
        if len(graphs) == 1:
            yield self.graph(graphs[0])
            return
        if d is None:
            rows = self._sql("SELECT c FROM objs WHERE s=? AND p=? AND o=?", (s, p, o))
        else:
            rows = self._sql("SELECT c FROM datas WHERE s=? AND p=? AND o=? AND d IS ?", (s, p, o, d))
        for (c,) in rows.fetchall():
            if c in graphs:
                yield self.graph(c)

    def __len__(self, context=None) -> int:
        graphs = self._context_ids(context)
        if not graphs:
            return 0
        marks = ",".join("?" * len(graphs))
        return sum(
            self._sql(f"SELECT COUNT(*) FROM (SELECT DISTINCT s, p, o{', d' if table == 'datas' else ''} FROM {table} WHERE c IN ({marks}))",
                      graphs).fetchone()[0]
            for table in ("objs", "datas")
        )

    def contexts(self, triple=None) -> Generator[Graph, None, None]:
        if triple is None:
            for c in self._named:
                yield self.graph(c)
            return
        for (_, _, _), graphs in self.triples(triple):
            yield from graphs
            return

    def namespaces(self) -> Iterator[tuple[str, URIRef]]:
        for prefix, namespace in prefixes(self._bases.values()).items():
            yield prefix, URIRef(namespace)

    def prefix(self, namespace) -> str | None:
        return next((p for p, n in self.namespaces() if n == namespace), None)

    def namespace(self, prefix: str) -> URIRef | None:
        return dict(self.namespaces()).get(prefix)

    def bind(self, prefix, namespace, override: bool = True, replace: bool = False) -> None:
        """Prefixes a query declares stay in the query; the store keeps none."""

    def add(self, triple, context, quoted: bool = False) -> None:
        raise PermissionError("the stored knowledge graph is read-only")

    def addN(self, quads) -> None:  # noqa: N802 (rdflib's name)
        raise PermissionError("the stored knowledge graph is read-only")

    def remove(self, triple, context=None) -> None:
        raise PermissionError("the stored knowledge graph is read-only")

    def add_graph(self, graph) -> None:
        """rdflib's Dataset "adds" its default graph when listing graphs; nothing else may be added."""
        from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

        if graph.identifier != DATASET_DEFAULT_GRAPH_ID and str(graph.identifier) not in self._graph_ids.values():
            raise PermissionError("the stored knowledge graph is read-only")

    def remove_graph(self, graph) -> None:
        raise PermissionError("the stored knowledge graph is read-only")

    def close(self, commit_pending_transaction: bool = False) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None


def stored_value(literal: Literal) -> Any:
    """How owlready2 stores a literal's value: numbers as numbers, everything else as text."""
    value = literal.toPython()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    return str(literal)


def prefixes(ontology_iris) -> dict[str, str]:
    """rdf, rdfs, owl, xsd, and each ontology's name (``pizza`` for ``.../pizza.owl``) for its
    namespace, as owlready2 names ontologies: what a query may use without declaring."""
    found = dict(STANDARD_PREFIXES)
    for iri in ontology_iris:
        name = iri.rstrip("#/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        name = name[:-4] if name.endswith((".owl", ".rdf", ".ttl")) else name
        if name.isidentifier() and name not in found:
            found[name] = iri
    return found


def expand_name(name: str, namespaces: dict[str, str]) -> str:
    """The full IRI of ``name`` as a person may write one: ``pizza:PolloAdAstra`` (a prefix from
    ``namespaces``, as query tables print it), ``<http://…>``, or the IRI itself."""
    name = name.strip()
    if name.startswith("<") and name.endswith(">"):
        return name[1:-1]
    prefix, colon, local = name.partition(":")
    if colon and not local.startswith("//") and prefix in namespaces:
        return namespaces[prefix] + local
    if colon and not local.startswith("//") and prefix.isidentifier() and prefix not in ("urn", "http", "https", "file"):
        raise InvalidArgumentError(f"unknown prefix {prefix + ':'!r} in {name!r} (known: {', '.join(sorted(namespaces))}); "
                               "give the full IRI or one of these prefixes")
    return name


def open_dataset(path: str | Path) -> Dataset:
    """The stored graph as an rdflib Dataset whose default graph is the union of the named graphs."""
    from .bgp_planner import register

    register()
    return Dataset(store=QuadstoreView(path), default_union=True)
