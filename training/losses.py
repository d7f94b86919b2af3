"""Contrastive losses the bi-encoder can train with, by name (``scientia train --loss``).

- ``mnrl``: MultipleNegativesRankingLoss, the other positives and hard negatives of a batch as
  negatives (Henderson et al., "Efficient Natural Language Response Suggestion for Smart Reply",
  2017; van den Oord et al., "Representation Learning with Contrastive Predictive Coding", 2018).
- ``gist``: GISTEmbedLoss (Solatorio, "GISTEmbed: Guided In-sample Selection of Training
  Negatives for Text Embedding Fine-tuning", 2024): the base model, frozen, guides; an in-batch
  "negative" it scores above the pair's own positive is dropped as a likely unjudged relevant one.
- ``cached-mnrl``: MNRL with gradient caching (Gao et al., "Scaling Deep Contrastive Learning
  Batch Size under Memory Limited Setup", RepL4NLP 2021): large batches, so more negatives per
  query, in the memory of mini-batches of 32.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from scientia.common.registry import Registry

__all__ = ["LOSSES", "LossName", "DEFAULT_LOSS", "build_loss"]

LossName = Literal["mnrl", "gist", "cached-mnrl"]
DEFAULT_LOSS: LossName = "mnrl"
# mini-batches of a cached loss: the memory of a batch of 32 whatever the batch size
CACHE_MINI_BATCH = 32


def _mnrl(model, base: Path, device: str):
    from sentence_transformers.sentence_transformer.losses import (
        MultipleNegativesRankingLoss,
    )

    return MultipleNegativesRankingLoss(model)


def _gist(model, base: Path, device: str):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import GISTEmbedLoss

    from scientia.common.models import quiet_model_loading

    with quiet_model_loading():
        guide = SentenceTransformer(str(base), device=device, local_files_only=True)
    return GISTEmbedLoss(model, guide)


def _cached_mnrl(model, base: Path, device: str):
    from sentence_transformers.sentence_transformer.losses import (
        CachedMultipleNegativesRankingLoss,
    )

    return CachedMultipleNegativesRankingLoss(model, mini_batch_size=CACHE_MINI_BATCH)


LOSSES: Registry[Callable[[Any, Path, str], Any]] = Registry("loss")
LOSSES.register("mnrl", _mnrl)
LOSSES.register("gist", _gist)
LOSSES.register("cached-mnrl", _cached_mnrl)


def build_loss(name: str, model, base: Path, device: str):
    """The loss ``name`` (one of :data:`LOSSES`, or an error listing them) for ``model``."""
    return LOSSES[name](model, base, device)
