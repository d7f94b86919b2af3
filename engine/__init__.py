"""Answering queries: signals, fusion, evidence.

>>> from scientia.engine import Engine
>>> with Engine.open("my-index") as engine:          # doctest: +SKIP
...     for hit in engine.search("how do vaccines work", k=5):
...         print(hit.rank, hit.id, hit.score, hit.signals)
"""

from __future__ import annotations

from scientia.common.errors import ScientiaError

from .engine import DEFAULT_DEPTH, Engine
from .fusion import FUSION_METHODS, FusionMethod
from .hits import Hit, SignalEvidence
from .modes import MODES, SearchMode, register_mode
from .rerank import DEFAULT_RERANK_DEPTH, CrossEncoderReranker
from .signals import SIGNALS, Signal, SignalOptions, SignalResult, register_signal

__all__ = [
    "Engine", "Hit", "SignalEvidence", "SearchMode", "FusionMethod", "MODES", "DEFAULT_DEPTH", "ScientiaError",
    "CrossEncoderReranker", "DEFAULT_RERANK_DEPTH", "FUSION_METHODS", "SIGNALS", "Signal", "SignalOptions",
    "SignalResult", "register_mode", "register_signal",
]
