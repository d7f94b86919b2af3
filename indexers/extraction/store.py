"""``extraction.sqlite``: what extraction found in each document, kept so that ``index add`` and
``index delete`` change the graph by the documents they change (a fact goes with the last
document that states it) without parsing the others again."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..sqlite_files import open_read_only
from .facts import CO_OCCURS, DocumentExtraction, ExtractedEntity, ExtractedFact

__all__ = ["ExtractionStore", "EXTRACTION_FILE"]

EXTRACTION_FILE = "extraction.sqlite"

_SCHEMA = """
CREATE TABLE documents (id TEXT PRIMARY KEY, method TEXT NOT NULL);
CREATE TABLE entities (document TEXT NOT NULL, key TEXT NOT NULL, label TEXT NOT NULL, kind TEXT NOT NULL);
CREATE TABLE facts (
    document TEXT NOT NULL, subject TEXT NOT NULL, relation TEXT NOT NULL, object TEXT NOT NULL,
    rule TEXT NOT NULL, confidence REAL NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, sentence TEXT NOT NULL
);
CREATE INDEX entities_by_document ON entities (document);
CREATE INDEX facts_by_document ON facts (document);
"""


class ExtractionStore:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    @classmethod
    def create(cls, path: Path) -> ExtractionStore:
        connection = sqlite3.connect(path)
        connection.executescript(_SCHEMA)
        return cls(connection)

    @classmethod
    def open(cls, path: Path) -> ExtractionStore:
        return cls(open_read_only(path, "facts", "extracted facts"))

    @classmethod
    def open_for_update(cls, path: Path) -> ExtractionStore:
        """Open a copy being prepared as the next generation (never the live one)."""
        return cls(sqlite3.connect(path))

    def add(self, extractions: Iterable[DocumentExtraction]) -> None:
        for extraction in extractions:
            document = extraction.document
            self._db.execute("INSERT OR REPLACE INTO documents VALUES (?, ?)", (document, extraction.method))
            self._db.executemany("INSERT INTO entities VALUES (?, ?, ?, ?)",
                                 [(document, e.key, e.label, e.kind) for e in extraction.entities])
            self._db.executemany(
                "INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                # a co-occurrence's sentence is not kept: they are most facts, and the span finds it
                [(document, f.subject, f.relation, f.object, f.rule, f.confidence, f.start, f.end,
                  "" if f.relation == CO_OCCURS else f.sentence) for f in extraction.facts],
            )

    def delete(self, documents: Iterable[str]) -> int:
        """Forget what ``documents`` stated; returns how many were known."""
        removed = 0
        for document in documents:
            removed += self._db.execute("DELETE FROM documents WHERE id=?", (document,)).rowcount
            self._db.execute("DELETE FROM entities WHERE document=?", (document,))
            self._db.execute("DELETE FROM facts WHERE document=?", (document,))
        return removed

    def commit(self) -> None:
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    def document_ids(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT id FROM documents")]

    def methods(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT method, COUNT(*) FROM documents GROUP BY method").fetchall())

    def entities(self) -> Iterator[tuple[str, ExtractedEntity]]:
        for document, key, label, kind in self._db.execute("SELECT document, key, label, kind FROM entities"):
            yield document, ExtractedEntity(key, label, kind)

    def facts(self) -> Iterator[tuple[str, ExtractedFact]]:
        for document, *fields in self._db.execute(
            "SELECT document, subject, relation, object, rule, confidence, start, end, sentence FROM facts"
        ):
            yield document, ExtractedFact(*fields)
