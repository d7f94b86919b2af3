"""The components of an index generation, each aligned with the document positions: ``dense``
(FAISS), ``lexical`` (BM25), ``knowledge`` (reasoned ontology and entity links), and any that
a plugin registers with :func:`register_component`."""

from __future__ import annotations

from .base import (
    COMPONENTS,
    BuildContext,
    Change,
    Component,
    ModelRef,
    ModelRequest,
    OpenContext,
    ShardHost,
    register_component,
)
from .dense import VECTORS_FILE, DenseComponent, DenseSection
from .knowledge import KnowledgeComponent, KnowledgeSection
from .lexical import BM25_DIR, LexicalComponent, LexicalSection

# Registration order is the order of their sections in manifest.json.
for _builtin in (DenseComponent(), LexicalComponent(), KnowledgeComponent()):
    register_component(_builtin)

__all__ = [
    "BM25_DIR",
    "COMPONENTS",
    "BuildContext",
    "Change",
    "Component",
    "DenseComponent",
    "DenseSection",
    "KnowledgeComponent",
    "KnowledgeSection",
    "LexicalComponent",
    "LexicalSection",
    "ModelRef",
    "ModelRequest",
    "OpenContext",
    "ShardHost",
    "VECTORS_FILE",
    "register_component",
]
