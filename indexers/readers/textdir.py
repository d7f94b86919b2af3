"""A folder of ``.txt`` and ``.md`` files, one document each, id = path relative to the folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from scientia.common.errors import CorpusError

from ..documents import Document
from .base import CorpusReader
from .lines import decode_utf8

__all__ = ["TextFolderReader"]

SUFFIXES = (".txt", ".md")


class TextFolderReader(CorpusReader):
    """Reads files in sorted path order. A document's title is a Markdown file's leading
    ``# heading`` (taken out of the text), else its file name (``glacier_retreat.txt`` →
    "glacier retreat"), so no document is untitled."""

    format = "text"

    @classmethod
    def accepts(cls, path: Path) -> bool:
        return path.is_dir()

    def __iter__(self) -> Iterator[Document]:
        files = sorted(p for p in self.path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        if not files:
            raise CorpusError(f"{self.path}: no {' or '.join(SUFFIXES)} files in this folder")
        for file in files:
            text = decode_utf8(file.read_bytes(), file).lstrip("\ufeff")
            title = ""
            if file.suffix.lower() == ".md":
                head, _, rest = text.lstrip().partition("\n")
                if head.startswith("# "):
                    title, text = head[2:].strip(), rest
            if not text.strip() and not title:
                raise CorpusError(f"{file}: empty document")
            title = title or " ".join(file.stem.replace("_", " ").replace("-", " ").split())
            yield Document(id=file.relative_to(self.path).as_posix(), title=title, text=text.strip())
