"""SPARQL answers written in the W3C formats, as JSON lines, or for a terminal table.

- ``srj``: SPARQL 1.1 Query Results JSON Format; ``srx``: the XML format;
  ``csv`` and ``tsv``: SPARQL 1.1 Query Results CSV and TSV Formats (W3C Recommendations, 2013).
- ``json``: one object per row, variable → value: IRIs in full, literals as their lexical form,
  blank nodes as ``_:label``, unbound variables absent (scientia's own, for scripts and ``jq``).
- ``ttl`` and ``nt``: Turtle and N-Triples for CONSTRUCT and DESCRIBE.

ASK answers ``true`` or ``false`` in every format but the W3C ones, which carry it themselves.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Literal

from scientia.common.errors import InvalidArgumentError

if TYPE_CHECKING:
    from rdflib.term import Node

    from .sparql import SparqlAnswer

__all__ = ["ResultFormat", "RESULT_FORMATS", "MEDIA_TYPES", "serialize", "json_value", "format_for_accept"]

ResultFormat = Literal["table", "json", "srj", "srx", "csv", "tsv", "ttl", "nt"]
RESULT_FORMATS: tuple[str, ...] = ("table", "json", "srj", "srx", "csv", "tsv", "ttl", "nt")
_TABLE_FORMATS = ("json", "srj", "srx", "csv", "tsv")
_GRAPH_FORMATS = ("ttl", "nt")
MEDIA_TYPES = {
    "json": "application/json",
    "srj": "application/sparql-results+json",
    "srx": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
}
_RDFLIB_FORMATS = {"srj": "json", "srx": "xml", "csv": "csv", "ttl": "turtle", "nt": "nt"}


def json_value(term: Node) -> str:
    """An IRI in full, a literal's lexical form, a blank node as ``_:label``."""
    from rdflib import BNode

    return f"_:{term}" if isinstance(term, BNode) else str(term)


def serialize(answer: SparqlAnswer, result_format: str) -> str:
    """``answer`` as text in ``result_format`` (not ``table``: that one the CLI draws)."""
    graph_form = answer.form in ("CONSTRUCT", "DESCRIBE")
    allowed = _GRAPH_FORMATS if graph_form else _TABLE_FORMATS
    if result_format not in allowed:
        raise InvalidArgumentError(
            f"a {answer.form} answer cannot be written as {result_format!r} (allowed: {', '.join(allowed)})")
    if graph_form:
        text = answer.graph().serialize(format=_RDFLIB_FORMATS[result_format])
        return text if text.endswith("\n") or not text else text + "\n"
    if answer.form == "ASK" and result_format in ("json", "csv", "tsv"):
        return "true\n" if answer.boolean else "false\n"
    if result_format == "json":
        return "".join(json.dumps({name: json_value(value) for name, value in row.items()}, ensure_ascii=False) + "\n"
                       for row in answer.rows)
    if result_format == "tsv":
        return _tsv(answer)
    data = answer.result().serialize(format=_RDFLIB_FORMATS[result_format])
    text = data.decode("utf-8") if isinstance(data, bytes) else str(data)
    return text if text.endswith("\n") else text + "\n"


def _tsv(answer: SparqlAnswer) -> str:
    """Terms in Turtle syntax, tabs and newlines inside literals escaped (W3C TSV results)."""
    lines = ["\t".join(f"?{name}" for name in answer.variables)]
    for row in answer.rows:
        cells = []
        for name in answer.variables:
            value = row.get(name)
            cells.append("" if value is None else value.n3().replace("\t", "\\t").replace("\n", "\\n"))
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"


def format_for_accept(accept: str | None, form: str) -> str:
    """The format an HTTP ``Accept`` header asks for (the first one served, in its order);
    JSON lines' object shape for tables and Turtle for graphs where it names none of ours."""
    graph_form = form in ("CONSTRUCT", "DESCRIBE")
    allowed = _GRAPH_FORMATS if graph_form else _TABLE_FORMATS
    by_media_type = {media_type: name for name, media_type in MEDIA_TYPES.items() if name in allowed}
    ranked = []
    for position, part in enumerate((accept or "").split(",")):
        media_type, *parameters = [piece.strip() for piece in part.split(";")]
        quality = next((float(p[2:]) for p in parameters if p.startswith("q=") and _is_number(p[2:])), 1.0)
        ranked.append((-quality, position, media_type.lower()))
    for _, _, media_type in sorted(ranked):
        if media_type in by_media_type:
            return by_media_type[media_type]
    return "ttl" if graph_form else "json"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
