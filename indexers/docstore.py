"""Documents in SQLite, so results show titles and snippets without the original corpus.

A document's *position* (its SQLite rowid minus one) is its row in the FAISS and BM25 indexes.
Positions are never reused: deleting or replacing a document tombstones its row (``deleted``)
and a replacement gets a new position at the end, so every index stays aligned without
rewriting it. Compaction (see :mod:`.updater`) renumbers.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from scientia.common.errors import CorpusError

from .documents import Document
from .sqlite_files import open_read_only

__all__ = ["DocumentStore", "DOCUMENTS_FILE"]

DOCUMENTS_FILE = "documents.sqlite"

_SCHEMA = """
CREATE TABLE documents (
    position INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX live_ids ON documents (id) WHERE deleted = 0;
"""


# A document with nothing to search: title and text empty but for whitespace.
_WHITESPACE = "char(32, 9, 10, 11, 12, 13, 160, 8203, 12288)"
_BLANK = f"trim(title, {_WHITESPACE}) = '' AND trim(text, {_WHITESPACE}) = ''"


class DocumentStore:
    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        # One connection serves every thread of a server; SQLite calls on it are serialized here.
        self._lock = threading.Lock()

    @classmethod
    def create(cls, path: Path) -> DocumentStore:
        connection = sqlite3.connect(path)
        connection.executescript(_SCHEMA)
        return cls(connection, path)

    @classmethod
    def open(cls, path: Path) -> DocumentStore:
        return cls(open_read_only(path, "documents", "document store"), path)

    @classmethod
    def open_for_update(cls, path: Path) -> DocumentStore:
        """Open a copy being prepared as the next generation (never the live one)."""
        return cls(sqlite3.connect(path), path)

    # -- writing ---------------------------------------------------------------------------
    def add(self, documents: Iterable[Document]) -> None:
        rows = (
            (doc.id, doc.title, doc.text, json.dumps(doc.metadata, ensure_ascii=False)) for doc in documents
        )
        try:
            self._db.executemany("INSERT INTO documents (id, title, text, metadata) VALUES (?, ?, ?, ?)", rows)
        except sqlite3.IntegrityError:
            raise CorpusError("duplicate document ids reached the store") from None
        self._db.commit()

    def tombstone(self, ids: Iterable[str]) -> list[int]:
        """Mark the live documents with these ids deleted; return their positions."""
        positions = []
        for doc_id in ids:
            row = self._db.execute("SELECT position FROM documents WHERE id = ? AND deleted = 0", (doc_id,)).fetchone()
            if row:
                self._db.execute("UPDATE documents SET deleted = 1 WHERE position = ?", (row[0],))
                positions.append(row[0] - 1)
        self._db.commit()
        return positions

    # -- reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        """Live documents."""
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM documents WHERE deleted = 0").fetchone()[0]

    def positions(self) -> int:
        """Rows ever written, tombstones included: the size of the FAISS and BM25 indexes."""
        with self._lock:
            return self._db.execute("SELECT COALESCE(MAX(position), 0) FROM documents").fetchone()[0]

    def unsearchable_positions(self) -> list[int]:
        """Positions no search may return: tombstones, and documents with no text and no title
        (no query matches nothing; a dense index would still rank their empty vectors)."""
        with self._lock:
            rows = self._db.execute(f"SELECT position FROM documents WHERE deleted = 1 OR ({_BLANK})")
            return [row[0] - 1 for row in rows]

    def deleted_positions(self) -> list[int]:
        with self._lock:
            return [row[0] - 1 for row in self._db.execute("SELECT position FROM documents WHERE deleted = 1")]

    def get_by_positions(self, positions: Sequence[int]) -> dict[int, Document]:
        if not positions:
            return {}
        marks = ",".join("?" * len(positions))
        with self._lock:
            rows = self._db.execute(
                f"SELECT position, id, title, text, metadata FROM documents WHERE position IN ({marks})",
                [int(p) + 1 for p in positions],
            ).fetchall()
        return {row[0] - 1: _document(row[1:]) for row in rows}

    def get(self, doc_id: str) -> Document | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, title, text, metadata FROM documents WHERE id = ? AND deleted = 0", (doc_id,)
            ).fetchone()
        return _document(row) if row else None

    def ids(self) -> list[str]:
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT id FROM documents WHERE deleted = 0 ORDER BY position")]

    def ids_by_position(self) -> list[str]:
        """The id of every position in order, tombstones included (a shard map is derived from them)."""
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT id FROM documents ORDER BY position")]

    def live_documents(self) -> list[tuple[int, Document]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT position, id, title, text, metadata FROM documents WHERE deleted = 0 ORDER BY position"
            ).fetchall()
        return [(row[0] - 1, _document(row[1:])) for row in rows]

    def live_page(self, offset: int, limit: int | None) -> list[Document]:
        """Live documents in index order, ``limit`` of them (all where None) after skipping ``offset``."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, title, text, metadata FROM documents WHERE deleted = 0 ORDER BY position LIMIT ? OFFSET ?",
                (-1 if limit is None else limit, offset),
            ).fetchall()
        return [_document(row) for row in rows]

    def all_texts(self) -> list[str]:
        """Searchable text of every position in order, tombstones as empty strings (they never match)."""
        with self._lock:
            rows = self._db.execute("SELECT title, text, deleted FROM documents ORDER BY position").fetchall()
        return ["" if deleted else (f"{title}\n{text}" if title else text) for title, text, deleted in rows]

    def matching_positions(self, where: str, parameters: Sequence) -> list[int]:
        """Live positions whose row satisfies a SQL condition built by :mod:`.filters`."""
        with self._lock:
            rows = self._db.execute(f"SELECT position FROM documents WHERE deleted = 0 AND NOT ({_BLANK}) AND ({where})",
                                    parameters)
            return [row[0] - 1 for row in rows]

    def metadata_fields(self) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT DISTINCT key FROM documents, json_each(documents.metadata) WHERE deleted = 0 ORDER BY key"
            )
            return [row[0] for row in rows]

    def close(self) -> None:
        self._db.close()


def _document(row: Sequence) -> Document:
    doc_id, title, text, metadata = row
    return Document(id=doc_id, title=title, text=text, metadata=json.loads(metadata))
