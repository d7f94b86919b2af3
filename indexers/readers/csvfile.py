"""CSV corpora with a header row; the id, text and title columns are named by the caller."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from scientia.common.errors import CorpusError

from ..documents import Document
from .base import CorpusReader, document_from_record
from .lines import iter_utf8_lines

__all__ = ["CsvCorpusReader"]


class CsvCorpusReader(CorpusReader):
    """Reads a CSV file; columns other than id/title/text go into the metadata."""

    format = "csv"

    def __init__(self, path: Path, id_column: str = "id", text_column: str = "text", title_column: str = "title"):
        super().__init__(path)
        self.columns = {"id": id_column, "text": text_column, "title": title_column}

    @classmethod
    def accepts(cls, path: Path) -> bool:
        return path.is_file() and path.suffix.lower() in {".csv", ".tsv"}

    def __iter__(self) -> Iterator[Document]:
        delimiter = "\t" if self.path.suffix.lower() == ".tsv" else ","
        rows = csv.DictReader((line for _, line in iter_utf8_lines(self.path)), delimiter=delimiter)
        header = rows.fieldnames or []
        for role in ("id", "text"):
            if self.columns[role] not in header:
                raise CorpusError(
                    f"{self.path}: line 1: no {role} column {self.columns[role]!r} "
                    f"(columns: {', '.join(header) or 'none'})"
                )
        renamed = {column: role for role, column in self.columns.items()}
        for row in rows:
            if None in row:
                raise CorpusError(f"{self.path}: line {rows.line_num}: more fields than header columns")
            record = {renamed.get(key, key): value for key, value in row.items()}
            yield document_from_record(record, f"{self.path}: line {rows.line_num}")
