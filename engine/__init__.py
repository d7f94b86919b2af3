"""Answering queries: signals, fusion, evidence.

>>> from scientia.engine import Engine
>>> with Engine.open("my-index") as engine:          # doctest: +SKIP
...     for hit in engine.search("how do vaccines work", k=5):
...         print(hit.rank, hit.id, hit.score, hit.signals)
"""

from __future__ import annotations

from scientia.indexers.errors import ScientiaError

from .engine import DEFAULT_DEPTH, MODES, Engine, SearchMode
from .fusion import FusionMethod
from .hits import Hit, SignalEvidence
from .rerank import DEFAULT_RERANK_DEPTH, CrossEncoderReranker

__all__ = [
    "Engine", "Hit", "SignalEvidence", "SearchMode", "FusionMethod", "MODES", "DEFAULT_DEPTH", "ScientiaError",
    "CrossEncoderReranker", "DEFAULT_RERANK_DEPTH",
]
