"""Line-by-line UTF-8 decoding that reports where bad bytes sit, for the text-based readers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from scientia.common.errors import CorpusError

__all__ = ["iter_utf8_lines", "decode_utf8"]

_BOM = "\ufeff"


def decode_utf8(raw: bytes, path: Path, base_offset: int = 0, line: int | None = None) -> str:
    """Decode ``raw`` or raise a :class:`CorpusError` naming the file, line and absolute byte offset."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        where = f"line {line}, " if line is not None else ""
        raise CorpusError(
            f"{path}: {where}invalid UTF-8 at byte offset {base_offset + error.start}"
        ) from None


def iter_utf8_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` pairs, streaming, 1-based, with a leading BOM dropped."""
    offset = 0
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            text = decode_utf8(raw, path, offset, number)
            if number == 1 and text.startswith(_BOM):
                text = text[1:]
            offset += len(raw)
            yield number, text
