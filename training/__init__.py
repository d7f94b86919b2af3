"""Fine-tuning: a bi-encoder for the dense signal, a cross-encoder for re-ranking, from labelled
pairs, a BEIR training split, or pairs drawn from an ontology."""

from __future__ import annotations

import logging

from .bi_encoder import BiEncoderConfig, train_bi_encoder
from .mining import MiningOptions
from .pairs import TrainingData, TrainingPair, pairs_from_beir, read_pairs_file

__all__ = [
    "BiEncoderConfig",
    "MiningOptions",
    "TrainingData",
    "TrainingPair",
    "pairs_from_beir",
    "read_pairs_file",
    "train_bi_encoder",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
