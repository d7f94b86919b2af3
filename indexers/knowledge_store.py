"""The knowledge signal's tables: entities and their labels, the steps reasoning takes from each
entity, and which documents mention which entity. Written at build time from the reasoned
knowledge graph, so queries need neither owlready2 nor Java."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from .sqlite_files import open_read_only

__all__ = ["KnowledgeStore", "StoredFact", "StoredStep", "KNOWLEDGE_FILE", "ONTOLOGY_FILE"]

KNOWLEDGE_FILE = "knowledge.sqlite"
ONTOLOGY_FILE = "ontology.sqlite3"  # the owlready2 quadstore: asserted + inferred triples

_SCHEMA = """
CREATE TABLE entities (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, name TEXT NOT NULL);
CREATE TABLE labels (entity INTEGER NOT NULL, label TEXT NOT NULL);
CREATE TABLE steps (
    source INTEGER NOT NULL, target INTEGER NOT NULL, depth INTEGER NOT NULL, previous INTEGER NOT NULL,
    relation TEXT NOT NULL, inferred INTEGER NOT NULL, why TEXT NOT NULL,
    UNIQUE (source, target)  -- the first way found to reach a target is the one kept
);
CREATE TABLE mentions (entity INTEGER NOT NULL, position INTEGER NOT NULL, surface TEXT NOT NULL);
CREATE TABLE facts (
    subject INTEGER NOT NULL, relation TEXT NOT NULL, object INTEGER NOT NULL, confidence REAL NOT NULL,
    statements INTEGER NOT NULL, document TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    sentence TEXT NOT NULL, rule TEXT NOT NULL
);  -- facts extracted from the corpus, each with its strongest statement (span: in the document's searchable text)
"""
_INDEXES = """
CREATE INDEX steps_by_source ON steps (source, depth);
CREATE INDEX mentions_by_entity ON mentions (entity);
CREATE INDEX mentions_by_position ON mentions (position);
CREATE INDEX facts_by_subject ON facts (subject);
CREATE INDEX facts_by_object ON facts (object);
"""


_FACT_COLUMNS = "subject, relation, object, confidence, statements, document, start, end, sentence, rule"


@dataclass(frozen=True, slots=True)
class StoredFact:
    """A fact extracted from the corpus, with the sentence that states it most confidently."""

    subject: int
    relation: str
    object: int
    confidence: float
    statements: int
    document: str
    start: int
    end: int
    sentence: str
    rule: str


@dataclass(frozen=True, slots=True)
class StoredStep:
    source: int
    target: int
    depth: int
    previous: int
    relation: str
    inferred: bool
    why: str


def _step(row: tuple) -> StoredStep:
    source, target, depth, previous, relation, inferred, why = row
    return StoredStep(source, target, depth, previous, relation, bool(inferred), why)


class KnowledgeStore:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self._lock = threading.Lock()  # one connection, several server threads

    @classmethod
    def create(cls, path: Path) -> KnowledgeStore:
        connection = sqlite3.connect(path)
        connection.executescript(_SCHEMA)
        return cls(connection)

    @classmethod
    def open(cls, path: Path) -> KnowledgeStore:
        return cls(open_read_only(path, "entities", "knowledge tables"))

    @classmethod
    def open_for_update(cls, path: Path) -> KnowledgeStore:
        """Open a copy being prepared as the next generation (never the live one)."""
        return cls(sqlite3.connect(path))

    # -- writing -------------------------------------------------------------------------
    def add_entities(self, entities: Iterable[tuple[str, str, str, Sequence[str]]]) -> dict[str, int]:
        """Store ``(iri, kind, name, labels)`` rows; return IRI → entity id."""
        ids: dict[str, int] = {}
        for iri, kind, name, labels in entities:
            cursor = self._db.execute("INSERT INTO entities (iri, kind, name) VALUES (?, ?, ?)", (iri, kind, name))
            entity = cast(int, cursor.lastrowid)  # an INSERT of one row always has one
            ids[iri] = entity
            self._db.executemany("INSERT INTO labels VALUES (?, ?)", [(entity, label) for label in labels])
        return ids

    def add_steps(self, steps: Iterable[tuple[int, int, int, int, str, bool, str]]) -> int:
        before = self._db.total_changes
        self._db.executemany("INSERT OR IGNORE INTO steps VALUES (?, ?, ?, ?, ?, ?, ?)", steps)
        return self._db.total_changes - before

    def add_mentions(self, mentions: Iterable[tuple[int, int, str]]) -> int:
        before = self._db.total_changes
        self._db.executemany("INSERT INTO mentions VALUES (?, ?, ?)", mentions)
        return self._db.total_changes - before

    def add_facts(self, facts: Iterable[StoredFact]) -> int:
        before = self._db.total_changes
        self._db.executemany("INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             [(f.subject, f.relation, f.object, f.confidence, f.statements, f.document, f.start, f.end,
                               f.sentence, f.rule) for f in facts])
        return self._db.total_changes - before

    def renumber_mentions(self, new_positions: dict[int, int]) -> None:
        """After compaction: move mentions to the documents' new positions, drop the deleted ones'."""
        self._db.execute("CREATE TEMP TABLE renumber (old INTEGER PRIMARY KEY, new INTEGER NOT NULL)")
        self._db.executemany("INSERT INTO renumber VALUES (?, ?)", new_positions.items())
        self._db.execute("DELETE FROM mentions WHERE position NOT IN (SELECT old FROM renumber)")
        self._db.execute("UPDATE mentions SET position = (SELECT new FROM renumber WHERE old = mentions.position)")
        self._db.execute("DROP TABLE renumber")

    def commit(self) -> None:
        self._db.commit()
        self._db.close()

    def finish(self) -> None:
        self._db.executescript(_INDEXES)
        self._db.commit()
        self._db.close()

    # -- reading -------------------------------------------------------------------------
    def _read(self, sql: str, parameters: Sequence = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, parameters).fetchall()

    def labels(self) -> list[tuple[int, str]]:
        return self._read("SELECT entity, label FROM labels")

    def entity(self, entity: int) -> tuple[str, str, str] | None:
        """``(iri, kind, name)``."""
        rows = self._read("SELECT iri, kind, name FROM entities WHERE id=?", (entity,))
        return rows[0] if rows else None

    def entity_ids(self) -> dict[str, int]:
        return dict(self._read("SELECT iri, id FROM entities"))

    def reachable(self, source: int, limit: int) -> list[StoredStep]:
        rows = self._read(
            "SELECT source, target, depth, previous, relation, inferred, why FROM steps WHERE source=? "
            "ORDER BY depth LIMIT ?",
            (source, limit),
        )
        return [_step(row) for row in rows]

    def step(self, source: int, target: int) -> StoredStep | None:
        rows = self._read(
            "SELECT source, target, depth, previous, relation, inferred, why FROM steps WHERE source=? AND target=?",
            (source, target),
        )
        return _step(rows[0]) if rows else None

    def mentions_of(self, entities: Sequence[int]) -> list[tuple[int, int, str]]:
        """``(entity, position, surface)`` for documents mentioning any of ``entities``."""
        found = []
        for chunk in range(0, len(entities), 500):
            part = entities[chunk : chunk + 500]
            found += self._read(
                f"SELECT entity, position, surface FROM mentions WHERE entity IN ({','.join('?' * len(part))})", part
            )
        return found

    def facts(self) -> list[StoredFact]:
        """Every extracted fact (none in an index built before extraction existed)."""
        if not self._has_facts():
            return []
        return [StoredFact(*row) for row in self._read(f"SELECT {_FACT_COLUMNS} FROM facts")]

    def _has_facts(self) -> bool:
        """False for an index built before extraction existed (its tables have no facts)."""
        return bool(self._read("SELECT name FROM sqlite_master WHERE type='table' AND name='facts'"))

    def statements(self, subject_iri: str, relation: str, object_iri: str) -> list[StoredFact]:
        """The extracted fact ``subject relation object`` (by IRIs), with its strongest statement."""
        if not self._has_facts():
            return []
        return [StoredFact(*row) for row in self._read(
            f"SELECT {', '.join('f.' + c for c in _FACT_COLUMNS.split(', '))} FROM facts f "
            "JOIN entities s ON s.id = f.subject JOIN entities o ON o.id = f.object "
            "WHERE s.iri = ? AND f.relation = ? AND o.iri = ?", (subject_iri, relation, object_iri))]

    def steps_of_depth_one(self) -> list[tuple[int, int, str, bool, str]]:
        """``(source, target, relation, inferred, why)`` of every single step reasoning takes."""
        return [(s, t, r, bool(i), w) for s, t, r, i, w in self._read(
            "SELECT source, target, relation, inferred, why FROM steps WHERE depth=1")]

    def mentions(self) -> list[tuple[int, int]]:
        """Every ``(entity, position)`` mention."""
        return self._read("SELECT entity, position FROM mentions")

    def surface(self, entity: int, position: int) -> str:
        """The words by which the document at ``position`` mentions ``entity`` ("" if it does not)."""
        rows = self._read("SELECT surface FROM mentions WHERE position=? AND entity=? LIMIT 1", (position, entity))
        return rows[0][0] if rows else ""

    def entity_kinds(self) -> dict[int, str]:
        """Entity id → ``class`` or ``individual``."""
        return dict(self._read("SELECT id, kind FROM entities"))

    def entity_count(self) -> int:
        return int(self._read("SELECT COALESCE(MAX(id), 0) FROM entities")[0][0])

    def close(self) -> None:
        self._db.close()
