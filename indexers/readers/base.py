"""The reader interface and the validation every reader shares."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from scientia.common.errors import CorpusError

from ..documents import Document

__all__ = ["CorpusReader", "document_from_record"]


class CorpusReader(ABC):
    """Streams the documents of one corpus; subclasses handle one on-disk format each."""

    format: ClassVar[str]

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    @abstractmethod
    def accepts(cls, path: Path) -> bool:
        """Whether ``path`` looks like this reader's format (used by format auto-detection)."""

    @abstractmethod
    def __iter__(self) -> Iterator[Document]:
        """Yield documents in corpus order, raising :class:`CorpusError` at the first bad record."""


_ID_FIELDS = ("id", "_id")
_KNOWN_FIELDS = {*_ID_FIELDS, "title", "text", "metadata"}


def document_from_record(record: Any, where: str) -> Document:
    """Validate one parsed record (a JSON object or CSV row) and turn it into a :class:`Document`.

    ``where`` names the record for error messages, e.g. ``"corpus.jsonl: line 12"``.
    Fields other than id/title/text/metadata are kept in the metadata.
    """
    if not isinstance(record, Mapping):
        raise CorpusError(f"{where}: expected a JSON object, found {type(record).__name__}")
    raw_id = next((record[name] for name in _ID_FIELDS if record.get(name) not in (None, "")), None)
    if raw_id is None:
        raise CorpusError(f"{where}: record has no 'id' (or '_id') field")
    if not isinstance(raw_id, (str, int)) or isinstance(raw_id, bool):
        raise CorpusError(f"{where}: field 'id' must be a string or integer, found {raw_id!r}")
    doc_id = str(raw_id)
    if "text" not in record or record["text"] is None:
        raise CorpusError(f"{where}: document {doc_id!r} has no 'text' field")
    text, title = record["text"], record.get("title") or ""
    for name, value in (("text", text), ("title", title)):
        if not isinstance(value, str):
            raise CorpusError(f"{where}: document {doc_id!r}: field {name!r} must be a string")
    metadata = record.get("metadata") or {}
    if not isinstance(metadata, Mapping):
        raise CorpusError(f"{where}: document {doc_id!r}: field 'metadata' must be an object")
    extra = {key: value for key, value in record.items() if key not in _KNOWN_FIELDS}
    return Document(id=doc_id, title=title, text=text, metadata={**extra, **metadata})
