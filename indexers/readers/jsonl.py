"""JSON Lines corpora: one ``{"id", "title"?, "text", "metadata"?}`` object per line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from scientia.common.errors import CorpusError

from ..documents import Document
from .base import CorpusReader, document_from_record
from .lines import iter_utf8_lines

__all__ = ["JsonlCorpusReader"]


class JsonlCorpusReader(CorpusReader):
    """Reads a ``.jsonl`` file; blank lines are skipped, anything else must be a JSON object."""

    format = "jsonl"

    @classmethod
    def accepts(cls, path: Path) -> bool:
        return path.is_file() and path.suffix.lower() in {".jsonl", ".ndjson", ".json"}

    def __iter__(self) -> Iterator[Document]:
        for number, line in iter_utf8_lines(self.path):
            if not line.strip():
                continue
            where = f"{self.path}: line {number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise CorpusError(f"{where}: malformed JSON ({error.msg} at column {error.colno})") from None
            yield document_from_record(record, where)
