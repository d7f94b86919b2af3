"""Read-only SPARQL over the asserted plus inferred graph (owlready2's native engine).

Entailed facts are stored, so ``?x rdf:type ub:Student`` finds inferred students as written,
with no query rewriting. Only SELECT is answered: updates are refused before anything runs,
and the quadstore is opened with SQLite's ``query_only`` on, so nothing can write through it.
"""

from __future__ import annotations

import re
from typing import Any

from scientia.common.errors import SparqlError

__all__ = ["run_select", "to_json_value"]

_UPDATE = re.compile(r"\b(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE)
_STRINGS_AND_COMMENTS = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|<[^>\s]*>|#[^\n]*")
MAX_QUERY_CHARS = 100_000


def run_select(world, query: str) -> tuple[list[str], list[list[Any]]]:
    """``(column names, rows)`` of a SELECT query; raises :class:`SparqlError` on anything else."""
    if len(query) > MAX_QUERY_CHARS:
        raise SparqlError(f"SPARQL query of {len(query):,} characters exceeds the limit of {MAX_QUERY_CHARS:,}")
    query = _STRINGS_AND_COMMENTS.sub(lambda m: " " if m.group().startswith("#") else m.group(), query)
    keyword = _UPDATE.search(_STRINGS_AND_COMMENTS.sub(" ", query))
    if keyword:
        raise SparqlError(f"SPARQL {keyword.group(1).upper()} refused: the knowledge graph is read-only (only SELECT)")
    from owlready2.sparql.main import PreparedSelectQuery

    try:
        prepared = world.prepare_sparql(query, error_on_undefined_entities=True)
    except ValueError as error:
        if "No existing entity" not in str(error):
            raise SparqlError(f"SPARQL error: {error}") from None
        # An IRI the graph has never seen: the answer is empty. (Letting owlready2 accept it
        # would make it write the IRI into the store, which is opened read-only.)
        return _selected_variables(query), []
    except Exception as error:  # owlready2's lexer and parser raise bare Exception subclasses
        raise SparqlError(f"SPARQL syntax error: {_describe(error, query)}") from None
    if not isinstance(prepared, PreparedSelectQuery):
        raise SparqlError("only SELECT queries are answered; the knowledge graph is read-only")
    columns = [name.lstrip("?") for name in prepared.column_names]
    return columns, [list(row) for row in prepared.execute()]


def _selected_variables(query: str) -> list[str]:
    match = re.search(r"SELECT\s+(?:DISTINCT\s+|REDUCED\s+)?(.*?)\s*(?:WHERE|FROM|\{)", query, re.IGNORECASE | re.DOTALL)
    return re.findall(r"[?$](\w+)", match.group(1)) if match else []


def to_json_value(value: Any) -> Any:
    """IRIs in full, literals as JSON scalars, language strings as their text."""
    if hasattr(value, "iri"):
        return value.iri
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    return str(value)


def _describe(error: Exception, query: str) -> str:
    message, position = (error.args + (None, None))[:2]
    if isinstance(position, int) and 0 <= position <= len(query):
        line = query.count("\n", 0, position) + 1
        column = position - (query.rfind("\n", 0, position) + 1) + 1
        return f"{message} (line {line}, column {column})"
    return str(message)
