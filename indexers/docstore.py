"""Documents in SQLite, so results show titles and snippets without the original corpus.

A document's *position* (its SQLite rowid minus one) is its row in the FAISS and BM25 indexes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

from .documents import Document
from .errors import CorpusError
from .sqlite_files import open_read_only

__all__ = ["DocumentStore"]

_SCHEMA = """
CREATE TABLE documents (
    position INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL
)
"""


class DocumentStore:
    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def create(cls, path: Path) -> DocumentStore:
        connection = sqlite3.connect(path)
        connection.execute(_SCHEMA)
        return cls(connection, path)

    @classmethod
    def open(cls, path: Path) -> DocumentStore:
        return cls(open_read_only(path, "documents", "document store"), path)

    def add(self, documents: Iterable[Document]) -> None:
        rows = (
            (doc.id, doc.title, doc.text, json.dumps(doc.metadata, ensure_ascii=False)) for doc in documents
        )
        try:
            self._db.executemany("INSERT INTO documents (id, title, text, metadata) VALUES (?, ?, ?, ?)", rows)
        except sqlite3.IntegrityError:
            raise CorpusError("duplicate document ids reached the store") from None
        self._db.commit()

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def get_by_positions(self, positions: Sequence[int]) -> dict[int, Document]:
        if not positions:
            return {}
        marks = ",".join("?" * len(positions))
        rows = self._db.execute(
            f"SELECT position, id, title, text, metadata FROM documents WHERE position IN ({marks})",
            [int(p) + 1 for p in positions],
        )
        return {row[0] - 1: _document(row[1:]) for row in rows}

    def get(self, doc_id: str) -> Document | None:
        row = self._db.execute("SELECT id, title, text, metadata FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return _document(row) if row else None

    def ids(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT id FROM documents ORDER BY position")]

    def close(self) -> None:
        self._db.close()


def _document(row: Sequence) -> Document:
    doc_id, title, text, metadata = row
    return Document(id=doc_id, title=title, text=text, metadata=json.loads(metadata))
