"""Metadata filters: ``field=value``, ``field!=value`` and, on numbers, ``field>=x``, ``field<y``...

Each filter becomes a condition on the document store's JSON metadata; the engine turns the
matching positions into a FAISS ID selector, a BM25 weight mask and a knowledge-signal filter,
so filtering happens inside each search rather than by over-fetching and dropping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scientia.common.errors import InvalidArgumentError

__all__ = ["MetadataFilter", "parse_filter", "filters_to_sql", "OPERATORS"]

OPERATORS = (">=", "<=", "!=", "=", ">", "<")
_FILTER = re.compile(r"^\s*(?P<field>[A-Za-z_][\w.-]*)\s*(?P<op>>=|<=|!=|=|>|<)\s*(?P<value>.*?)\s*$")


@dataclass(frozen=True)
class MetadataFilter:
    field: str
    operator: str
    value: str

    def number(self) -> float | None:
        try:
            return float(self.value)
        except ValueError:
            return None


def parse_filter(text: str) -> MetadataFilter:
    match = _FILTER.match(text)
    if not match or not match.group("value"):
        raise InvalidArgumentError(
            f"filter {text!r}: expected FIELD OP VALUE with OP one of {', '.join(OPERATORS)} (e.g. year>=2020, lang=en)"
        )
    found = MetadataFilter(match.group("field"), match.group("op"), match.group("value"))
    if found.operator in (">=", "<=", ">", "<") and found.number() is None:
        raise InvalidArgumentError(f"filter {text!r}: {found.operator} compares numbers, and {found.value!r} is not one")
    return found


def filters_to_sql(filters: Iterable[MetadataFilter], known_fields: Sequence[str]) -> tuple[str, list[str | float | None]]:
    """A SQL condition (ANDed filters) over ``documents.metadata`` and its parameters."""
    conditions: list[str] = []
    parameters: list[str | float | None] = []
    for item in filters:
        if item.field not in known_fields:
            raise InvalidArgumentError(
                f"filter on unknown field {item.field!r} (metadata fields in this index: {', '.join(known_fields) or 'none'})"
            )
        path = f'$."{item.field}"'
        value = "json_extract(metadata, ?)"
        number = item.number()
        if item.operator in ("=", "!="):
            same = f"({value} = ? OR CAST({value} AS TEXT) = ?)"
            parameters += [path, number if number is not None else item.value, path, item.value]
            conditions.append(same if item.operator == "=" else f"NOT {same}")
        else:
            conditions.append(f"CAST({value} AS REAL) {item.operator} ?")
            parameters += [path, number]
    return " AND ".join(conditions) or "1", parameters
