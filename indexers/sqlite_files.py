"""Opening an index's SQLite files for reading."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from scientia.common.errors import IndexFormatError

__all__ = ["open_read_only"]


def open_read_only(path: Path, probe_table: str, what: str) -> sqlite3.Connection:
    """Open ``path`` read-only and shareable across threads (queries never write), after checking
    that ``probe_table`` answers; a missing or damaged file is an error naming ``what`` it holds."""
    if not path.is_file():
        raise IndexFormatError(f"{path}: {what} missing")
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    try:
        connection.execute(f"SELECT 1 FROM {probe_table} LIMIT 1")
    except sqlite3.DatabaseError as error:
        connection.close()
        raise IndexFormatError(f"{path}: damaged {what} ({error})") from None
    return connection
