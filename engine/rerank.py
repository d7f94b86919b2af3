"""Re-ranking: a cross-encoder reads the query and each of the fused top N documents together
and re-scores them (Nogueira & Cho, "Passage Re-ranking with BERT", 2019).

A bi-encoder compares two vectors computed apart; a cross-encoder attends across query and
document, which ranks better and costs one transformer pass per (query, document) pair, so it
only re-orders the head of the fused list. Documents below the head keep their fused order.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from scientia.common.errors import InvalidArgumentError
from scientia.common.models import (
    Device,
    hub_offline,
    local_model_folder,
    quiet_model_loading,
    resolve_device,
)

from .hits import Hit, SignalEvidence

__all__ = ["CrossEncoderReranker", "DEFAULT_RERANK_DEPTH", "RERANK_SIGNAL"]

logger = logging.getLogger(__name__)

DEFAULT_RERANK_DEPTH = 50
RERANK_SIGNAL = "rerank"


class CrossEncoderReranker:
    def __init__(self, model_path: str | Path, depth: int = DEFAULT_RERANK_DEPTH, device: Device = "auto",
                 batch_size: int = 32) -> None:
        path = local_model_folder(model_path, "not a local cross-encoder folder", "train one with 'scientia train --cross-encoder'")
        if depth < 1:
            raise InvalidArgumentError(f"--rerank-depth must be at least 1 (got {depth})")
        self.path = path
        self.depth = depth
        self.device = resolve_device(device)
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()  # fast tokenizers fail when shared across threads

    @property
    def model(self):
        if self._model is None:
            hub_offline()
            from sentence_transformers import CrossEncoder

            logger.info("loading cross-encoder %s on %s", self.path, self.device)
            with quiet_model_loading():
                self._model = CrossEncoder(str(self.path), device=self.device, local_files_only=True)
        return self._model

    def rerank(self, query: str, hits: list[Hit]) -> list[Hit]:
        """``hits`` with the first :attr:`depth` re-scored and re-ordered; every hit renumbered."""
        head, tail = hits[: self.depth], hits[self.depth:]
        if not head:
            return hits
        with self._lock:
            scores = self.model.predict(
                [(query, _passage(hit)) for hit in head], batch_size=self.batch_size, show_progress_bar=False
            )
        order = sorted(range(len(head)), key=lambda i: -float(scores[i]))
        reranked = []
        for rank, i in enumerate(order, start=1):
            hit = head[i]
            signals = {**hit.signals, RERANK_SIGNAL: SignalEvidence(rank, float(scores[i]))}
            reranked.append(_renumbered(hit, rank, float(scores[i]), signals))
        floor = min(float(s) for s in scores)
        # Below the head, fused order stays; scores sit under the head's so sorting by score agrees with rank.
        for offset, hit in enumerate(tail, start=1):
            reranked.append(_renumbered(hit, len(head) + offset, floor - offset, hit.signals))
        return reranked


def _passage(hit: Hit) -> str:
    return f"{hit.title}\n{hit.text}" if hit.title else hit.text


def _renumbered(hit: Hit, rank: int, score: float, signals: dict[str, SignalEvidence]) -> Hit:
    return Hit(rank, hit.id, score, hit.title, hit.text, signals, hit.metadata)
