"""Fine-tune a sentence-transformers bi-encoder on (query, positive, hard negative) triplets.

Loss: MultipleNegativesRankingLoss by default, the other positives and hard negatives of a batch
as negatives; GISTEmbed and a gradient-cached MNRL on request (:mod:`.losses`).
Hard negatives come from :mod:`.mining`. Training runs on sentence-transformers' own
``SentenceTransformerTrainer``; the held-out queries are scored by its
``InformationRetrievalEvaluator`` before training and after every epoch, and the best epoch is
the model that is saved.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from scientia.common.models import (
    cuda_available,
    hub_offline,
    model_checksum,
    quiet_model_loading,
)
from scientia.common.progress import other_libraries_bars

from .common import (
    TRAINING_RECORD,
    TrainerConfig,
    checked_base,
    count_kinds,
    held_out_curve,
    run_trainer,
    split_for_training,
    trainer_arguments,
)
from .evaluation import HeldOutEvaluation, complete_vectors, held_out_evaluation
from .losses import DEFAULT_LOSS, build_loss
from .mining import mine_negatives
from .output import ModelFolder, tensorboard_callback
from .pairs import TrainingData

__all__ = ["BiEncoderConfig", "train_bi_encoder", "TRAINING_RECORD"]

logger = logging.getLogger(__name__)


@dataclass
class BiEncoderConfig(TrainerConfig):
    # Chosen on SciFact's held-out *training* queries (test never consulted): 2 epochs at 2e-5
    # reached held-out nDCG@10 0.7145, 3 epochs at 5e-5 0.8005 (from 0.6606, still rising), 4
    # epochs at 5e-5 0.8139, 4 epochs at 8e-5 0.8172 in 17.6 min on 2 cores; 5 epochs would pass
    # the 20-minute budget.
    epochs: int = 4
    learning_rate: float = 8e-5
    batch_size: int = 32
    max_seq_length: int | None = None  # default: the base model's
    hard_negatives: bool = True
    loss: str = DEFAULT_LOSS  # a name in scientia.training.losses.LOSSES


def train_bi_encoder(data: TrainingData, config: BiEncoderConfig,
                     known_vectors: dict | None = None) -> dict[str, Any]:
    """Train, keep the best epoch by held-out nDCG@10, save to ``config.output``; return the record."""
    base = checked_base(config.base)
    with ModelFolder(config.output) as folder, other_libraries_bars(config.show_progress):
        record = _train(data, config, base, folder, known_vectors)
    record["checksum"] = model_checksum(folder.path)
    return record


def _train(data: TrainingData, config: BiEncoderConfig, base: Path, folder: ModelFolder,
           known_vectors: dict | None) -> dict[str, Any]:
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from transformers import set_seed

    started = time.perf_counter()
    hub_offline()
    set_seed(config.seed)
    device = "cuda" if cuda_available() else "cpu"
    with quiet_model_loading():
        model = SentenceTransformer(str(base), device=device, local_files_only=True,
                                    config_kwargs={"attention_probs_dropout_prob": config.attention_dropout})
    if config.max_seq_length:
        model.max_seq_length = config.max_seq_length

    train_pairs, held_out, mining_corpus = split_for_training(data, config.eval_fraction, config.seed)
    encode_started = time.perf_counter()
    if held_out or config.hard_negatives:
        # the base model's vectors of every text, encoded once (an index's where --index gave them):
        # the held-out set's hard candidates and the mined negatives both come from them
        known_vectors = complete_vectors(model, [*data.corpus.values(), *mining_corpus, *(p.positive for p in train_pairs)],
                                         known_vectors)
    encode_seconds = time.perf_counter() - encode_started
    evaluation: HeldOutEvaluation | None = held_out_evaluation(held_out, data.corpus, model, known_vectors) if held_out else None

    mining_seconds = 0.0
    if config.hard_negatives:
        mining_started = time.perf_counter()
        train_pairs = mine_negatives(train_pairs, mining_corpus, model, config.mining, config.seed, known_vectors)
        mining_seconds = time.perf_counter() - mining_started

    columns = {"anchor": [p.anchor for p in train_pairs], "positive": [p.positive for p in train_pairs]}
    if any(p.negative for p in train_pairs):
        columns["negative"] = [p.negative or p.positive for p in train_pairs]
    train_dataset = Dataset.from_dict(columns)

    before = evaluation.score(model) if evaluation else None
    metric = evaluation.metric if evaluation else None
    args = SentenceTransformerTrainingArguments(
        **trainer_arguments(config, folder, metric, logging_steps=5),
        batch_sampler="no_duplicates",  # a query's other positive in the batch is not a negative
        dataloader_drop_last=False,
    )
    trainer = SentenceTransformerTrainer(
        model=model,
        args=args,
        train_dataset=train_dataset,
        loss=build_loss(config.loss, model, base, device),
        evaluator=evaluation.evaluator if evaluation else None,
        callbacks=[tensorboard_callback(folder.staging / "runs")],
    )
    train_started = time.perf_counter()
    run_trainer(trainer, config.show_progress)
    train_seconds = time.perf_counter() - train_started
    per_epoch = held_out_curve(trainer, metric)
    after = max((entry[metric] for entry in per_epoch), default=None) if metric is not None else None

    model.save(str(folder.staging))
    record = {
        "kind": "bi-encoder",
        "base": str(base),
        "base_checksum": model_checksum(base),
        "data": data.source,
        "pairs": {"train": len(train_pairs), "held_out": len(held_out), "by_kind": count_kinds(data.pairs)},
        "held_out_queries": evaluation.query_ids if evaluation else [],
        "held_out_set": evaluation.composition if evaluation else {},
        "config": _config_record(config),
        "held_out_scores": {"metric": metric, "before": before, "after": after,
                            "per_epoch": per_epoch},
        "seconds": {"base_vectors": round(encode_seconds, 1), "mining": round(mining_seconds, 1), "training": round(train_seconds, 1),
                    "total": round(time.perf_counter() - started, 1)},
    }
    (folder.staging / TRAINING_RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def _config_record(config: BiEncoderConfig) -> dict[str, Any]:
    record = {k: v for k, v in asdict(config).items() if k not in ("mining", "output", "base")}
    record["mining"] = config.mining.as_dict() if config.hard_negatives else None
    return record

