"""Building indexes: corpus readers, the encoder, the document store and the components aligned
with it (FAISS, BM25, the knowledge graph), each index generation committed atomically.

Logging goes to the ``scientia`` logger hierarchy, silent unless the application configures it.
"""

from __future__ import annotations

from scientia.common.errors import (
    CorpusError,
    EncoderMismatchError,
    IndexFormatError,
    IndexNotFoundError,
    InvalidArgumentError,
    ScientiaError,
)

from .builder import BuildOptions, build_index, load_documents
from .components import COMPONENTS, Component, register_component
from .documents import Document
from .generation import Generation
from .lexical import BM25Params
from .manifest import Manifest

__all__ = [
    "COMPONENTS",
    "Component",
    "Generation",
    "Manifest",
    "register_component",
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
