"""A basic graph pattern as one SQL join over owlready2's quadstore.

rdflib evaluates a BGP as nested loops in Python: one store lookup per partial solution, each a
SQL statement and a few rdflib objects. On LUBM's triangle queries that is most of the time
(query 9 on LUBM(5): 112,000 lookups, 8 s; at LUBM(100) it passed 40 minutes). Here the whole
BGP becomes one ``SELECT`` that SQLite runs as index nested loops in C, in the join order
:mod:`.bgp_planner` chose (``CROSS JOIN`` keeps SQLite to that order: the planner counts the
triples with each pattern's own constants, where SQLite's statistics are averages per index).

Why ``DISTINCT`` is exact: the default graph is the union of the stored graphs as a set, and the
solutions of a BGP over a set of triples are a set of mappings of its variables (SPARQL 1.1,
§18.3.1). A triple stored in two graphs makes the same mapping twice in the join; nothing else
can, so removing repeated rows over all the BGP's variables gives exactly the solutions.

A BGP compiles when every pattern's predicate is an IRI (after the bindings already made) and
each object is an IRI, a blank node, or a variable whose predicate's triples are all in one
table. Anything else (a variable or a path as predicate, a literal constant) returns ``None``,
and the caller evaluates the BGP as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Statement", "compile_bgp", "NO_SOLUTION"]


@dataclass
class Statement:
    """A compiled BGP: ``sql`` with ``parameters``; ``outputs`` say, per variable, which of the
    row's columns hold its value and how it is made back into an rdflib term."""

    sql: str
    parameters: tuple
    outputs: list[tuple[Any, int, str]] = field(default_factory=list)  # (variable, column, "node" | "literal")

    def solutions(self, store) -> Iterator[dict[Any, Any]]:
        """Each solution as ``{variable: term}``."""
        makers: dict[str, Callable[[tuple, int], Any]] = {
            "node": lambda row, i: store.node(row[i]),
            "literal": lambda row, i: store.literal(row[i], row[i + 1]),
        }
        for row in store.select(self.sql, self.parameters):
            yield {variable: makers[kind](row, column) for variable, column, kind in self.outputs}


NO_SOLUTION = Statement("", ())  # a constant the store has never seen: the BGP matches nothing


@dataclass
class _Column:
    alias: str
    name: str  # "s" or "o"
    literal: bool  # a datas.o: a stored value, typed by the same row's d


def compile_bgp(patterns: Sequence[tuple], value_of: Callable[[Any], Any], store) -> Statement | None:
    """``patterns`` in join order; ``value_of(term)``: a variable's value already bound (None if
    unbound), any other term itself. Returns the statement, :data:`NO_SOLUTION`, or None where
    the BGP cannot be compiled."""
    tables: list[str] = []
    conditions: list[str] = []
    parameters: list[Any] = []
    first: dict[Any, _Column] = {}
    for index, pattern in enumerate(patterns):
        compiled = _pattern(f"t{index}", pattern, value_of, store, first)
        if compiled is None or isinstance(compiled, Statement):
            return compiled
        table, local, values, check = compiled
        if check:
            # Nothing new to bind: a semi-join. Joined, a triple stored in many graphs (LUBM's
            # "University5 a University", once per department file that names it) would repeat
            # every partial solution once per graph before DISTINCT removed the copies.
            conditions.append(f"EXISTS (SELECT 1 FROM {table} WHERE {' AND '.join(local)})")
        else:
            tables.append(table)
            conditions.extend(local)
        parameters.extend(values)
    if not conditions:
        return None
    columns: list[str] = []
    outputs: list[tuple[Any, int, str]] = []
    for variable, place in first.items():
        outputs.append((variable, len(columns), "literal" if place.literal else "node"))
        columns.append(f"{place.alias}.{place.name}")
        if place.literal:
            columns.append(f"{place.alias}.d")
    source = f" FROM {' CROSS JOIN '.join(tables)}" if tables else ""
    select = f"SELECT DISTINCT {', '.join(columns)}" if columns else "SELECT 1"
    limit = "" if columns else " LIMIT 1"  # every term given: one row says the BGP holds
    return Statement(f"{select}{source} WHERE {' AND '.join(conditions)}{limit}", tuple(parameters), outputs)


def _pattern(alias: str, pattern: tuple, value_of: Callable[[Any], Any], store,
             first: dict[Any, _Column]) -> tuple[str, list[str], list[Any], bool] | Statement | None:
    """One triple pattern as ``(table AS alias, conditions, parameters, whether it binds nothing
    new)``; :data:`NO_SOLUTION` or None as :func:`compile_bgp` says. Records the variables it binds
    first in ``first``."""
    from rdflib.term import BNode, Literal, URIRef, Variable

    s, p, o = pattern
    predicate = value_of(p)
    if not isinstance(predicate, URIRef):
        return None  # an unbound variable, or a property path: rdflib's evaluation
    predicate_id = store.storid(predicate)
    if predicate_id is None:
        return NO_SOLUTION
    obj = value_of(o)
    if isinstance(obj, Literal):
        return None  # a literal's datatype and lexical form are compared by rdflib's evaluation
    if obj is None:
        homes = store.tables_of(predicate_id)
        if not homes:
            return NO_SOLUTION
        if len(homes) > 1:
            return None
        table = homes[0]
    else:
        table = "objs"
    conditions, parameters = [f"{alias}.p=?"], [predicate_id]
    within, graphs = store.graph_condition(store.default_graphs, f"{alias}.c")
    if within:
        conditions.append(within)
        parameters.extend(graphs)
    # With its subject known, a pattern is looked up by (s, p): an individual has a few triples
    # per property. A unary + keeps SQLite off the (o, p, c, s) index there: it cannot seek s past
    # c, and statistics gathered while the file was small make it prefer o (LUBM(100) query 1
    # read every graduate student's type once per student).
    subject_known = value_of(s) is not None or s in first
    check = all(value_of(term) is not None or term in first for term in (s, o))
    for column, term in (("s", s), ("o", o)):
        reference = f"{'+' if column == 'o' and subject_known else ''}{alias}.{column}"
        value = value_of(term)
        if value is not None:
            storid = None if isinstance(value, Literal) else store.storid(value)
            if storid is None:
                return NO_SOLUTION  # a literal as subject, or a node the store has never seen
            conditions.append(f"{reference}=?")
            parameters.append(storid)
            continue
        if not isinstance(term, (Variable, BNode)):  # rdflib reads a query's blank node as a variable
            return None
        here = _Column(alias, column, literal=table == "datas" and column == "o")
        seen = first.get(term)
        if seen is None:
            first[term] = here
        elif seen.literal != here.literal:
            return NO_SOLUTION  # one variable cannot be both a literal and a node
        else:
            conditions.append(f"{reference}={seen.alias}.{seen.name}")
            if here.literal:
                conditions.append(f"{here.alias}.d IS {seen.alias}.d")
    return f"{table} AS {alias}", conditions, parameters, check
