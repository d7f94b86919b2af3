"""Building indexes: corpus readers, the encoder, FAISS and BM25 indexes, the document store.

Logging goes to the ``scientia`` logger hierarchy, silent unless the application configures it.
"""

from __future__ import annotations

import logging

from .builder import BuildOptions, build_index, load_documents
from .documents import Document
from .errors import (
    CorpusError,
    EncoderMismatchError,
    IndexFormatError,
    IndexNotFoundError,
    InvalidArgumentError,
    ScientiaError,
)
from .lexical import BM25Params

logging.getLogger("scientia").addHandler(logging.NullHandler())

__all__ = [
    "BuildOptions",
    "build_index",
    "load_documents",
    "Document",
    "BM25Params",
    "ScientiaError",
    "CorpusError",
    "IndexFormatError",
    "IndexNotFoundError",
    "EncoderMismatchError",
    "InvalidArgumentError",
]
