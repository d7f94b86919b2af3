"""Corpus readers, one per on-disk format, and :func:`open_corpus` to pick one."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args

from scientia.common.errors import CorpusError, InvalidArgumentError

from .base import CorpusReader
from .beir import BeirCorpusReader, available_splits, read_qrels, read_queries
from .csvfile import CsvCorpusReader
from .jsonl import JsonlCorpusReader
from .textdir import TextFolderReader

__all__ = [
    "CorpusFormat",
    "CorpusReader",
    "READERS",
    "open_corpus",
    "read_queries",
    "read_qrels",
    "available_splits",
]

CorpusFormat = Literal["auto", "beir", "jsonl", "text", "csv"]

# Order matters for auto-detection: a BEIR folder is also a folder.
READERS: dict[str, type[CorpusReader]] = {
    reader.format: reader
    for reader in (BeirCorpusReader, JsonlCorpusReader, CsvCorpusReader, TextFolderReader)
}


def open_corpus(path: str | Path, format: CorpusFormat = "auto", **options: Any) -> CorpusReader:
    """Return a reader for ``path``; ``format="auto"`` detects it from the path.

    ``options`` go to the reader (``CsvCorpusReader`` takes ``id_column``, ``text_column``,
    ``title_column``).
    """
    path = Path(path)
    if not path.exists():
        raise CorpusError(f"{path}: no such file or folder")
    if format == "auto":
        reader = next((r for r in READERS.values() if r.accepts(path)), None)
        if reader is None:
            raise CorpusError(
                f"{path}: cannot tell the corpus format from the name; pass a format "
                f"(allowed: {', '.join(READERS)})"
            )
    elif format in READERS:
        reader = READERS[format]
    else:
        allowed = ", ".join(get_args(CorpusFormat))
        raise InvalidArgumentError(f"unknown corpus format {format!r} (allowed: {allowed})")
    return reader(path, **options) if reader is CsvCorpusReader else reader(path)
