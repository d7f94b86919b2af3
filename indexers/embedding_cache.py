"""Embeddings cached by (encoder key, corpus checksum), so rebuilding or re-benchmarking the same
corpus with the same encoder does not encode it again.

The encoder key is the model's checksum, followed by ``-BACKEND`` where the vectors come from
another backend than torch (see :attr:`scientia.indexers.encoding.Encoder.cache_key`): int8
vectors are not torch vectors, so they live in their own file.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from scientia.common.cache import cache_root

if TYPE_CHECKING:
    import numpy as np

__all__ = ["EmbeddingCache", "default_cache_dir"]

logger = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    """``<user cache>/embeddings`` (see :func:`scientia.common.cache.cache_root`)."""
    return cache_root() / "embeddings"


class EmbeddingCache:
    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def _path(self, encoder_key: str, corpus_checksum: str) -> Path:
        # The whole key: cutting it at 20 characters once made torch, onnx and onnx-int8 share
        # one file. ".v2" leaves the files of that layout, some of them mislabelled, unread.
        return self.folder / f"{encoder_key}-{corpus_checksum[:20]}.v2.npy"

    def get(self, encoder_key: str, corpus_checksum: str, expected_rows: int) -> np.ndarray | None:
        import numpy as np

        path = self._path(encoder_key, corpus_checksum)
        if not path.is_file():
            return None
        try:
            vectors = np.load(path)
        except (OSError, ValueError) as error:
            logger.warning("ignoring unreadable embedding cache %s: %s", path, error)
            return None
        if vectors.shape[0] != expected_rows:
            logger.warning("ignoring embedding cache %s: %d rows, expected %d", path, vectors.shape[0], expected_rows)
            return None
        logger.info("embeddings read from cache %s", path)
        return vectors

    def put(self, encoder_key: str, corpus_checksum: str, vectors: np.ndarray) -> None:
        import numpy as np

        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._path(encoder_key, corpus_checksum)
        temporary = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(temporary, vectors)
        os.replace(temporary, path)
