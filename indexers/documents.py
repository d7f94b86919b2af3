"""The document record every reader yields and every store keeps."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Document", "CorpusDigest"]


@dataclass(frozen=True, slots=True)
class Document:
    """One unit of retrieval: a stable external id, an optional title, the text and free metadata."""

    id: str
    text: str
    title: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def searchable_text(self) -> str:
        """Title and body as the encoder and BM25 see them (BEIR convention: title, then text)."""
        return f"{self.title}\n{self.text}" if self.title else self.text


class CorpusDigest:
    """SHA-256 over the documents in order: the corpus half of the embedding-cache key."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def update(self, document: Document) -> None:
        record = [document.id, document.title, document.text, document.metadata]
        self._hash.update(json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        self._hash.update(b"\n")

    def update_all(self, documents: Iterable[Document]) -> None:
        for document in documents:
            self.update(document)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
