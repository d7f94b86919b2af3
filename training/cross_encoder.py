"""Train a cross-encoder re-ranker from the packaged MiniLM on the same pairs as the bi-encoder.

No cross-encoder weights ship with any package here, so one starts from the bi-encoder's
transformer with a fresh one-logit head and learns relevance as binary classification:
(query, positive) → 1, (query, mined hard negative) → 0, with sentence-transformers'
``CrossEncoderTrainer`` and ``BinaryCrossEntropyLoss`` (Nogueira & Cho, "Passage Re-ranking
with BERT", 2019). The held-out queries are re-ranked by ``CrossEncoderRerankingEvaluator``
after every epoch; the best epoch is saved, and only if it beats the list it re-ranks: a
re-ranker whose held-out nDCG@10 is not above that of the candidates in their first-stage order
is refused (:class:`TrainingRefusedError`, both figures in the message, nothing written), so
``--rerank`` never ships a model that makes results worse. With ``--eval-fraction 0`` there is
nothing to check against; the record says so.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from scientia.common.errors import TrainingRefusedError
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
    held_out_curve,
    run_trainer,
    split_for_training,
    trainer_arguments,
)
from .evaluation import EVALUATOR_NAME, base_candidates, held_out_queries
from .mining import MiningOptions, mine_negatives
from .output import ModelFolder, tensorboard_callback
from .pairs import TrainingData

__all__ = ["CrossEncoderConfig", "train_cross_encoder"]

logger = logging.getLogger(__name__)


@dataclass
class CrossEncoderConfig(TrainerConfig):
    max_length: int = 256
    mining: MiningOptions = field(default_factory=lambda: MiningOptions(num_negatives=3))


def train_cross_encoder(data: TrainingData, config: CrossEncoderConfig, known_vectors: dict | None = None) -> dict[str, Any]:
    from datasets import Dataset
    from sentence_transformers import (
        CrossEncoder,
        CrossEncoderTrainer,
        CrossEncoderTrainingArguments,
        SentenceTransformer,
    )
    from sentence_transformers.cross_encoder.evaluation import (
        CrossEncoderRerankingEvaluator,
    )
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss
    from transformers import set_seed

    started = time.perf_counter()
    base = checked_base(config.base)
    with ModelFolder(config.output) as folder, other_libraries_bars(config.show_progress):
        hub_offline()
        set_seed(config.seed)
        device = "cuda" if cuda_available() else "cpu"
        with quiet_model_loading():
            retriever = SentenceTransformer(str(base), device=device, local_files_only=True)  # mines, picks candidates
        train_pairs, held_out, mining_corpus = split_for_training(data, config.eval_fraction, config.seed)
        triplets = mine_negatives(train_pairs, mining_corpus, retriever, config.mining, config.seed, known_vectors)
        texts, labels, queries = [], [], []
        seen = set()
        for pair in triplets:
            for text, label in ((pair.positive, 1.0), (pair.negative, 0.0)):
                if text is not None and (pair.anchor, text) not in seen:
                    seen.add((pair.anchor, text))
                    queries.append(pair.anchor)
                    texts.append(text)
                    labels.append(label)
        train_dataset = Dataset.from_dict({"query": queries, "document": texts, "label": labels})

        evaluator = None
        if held_out:
            held_queries, relevant = held_out_queries(held_out)
            candidates = base_candidates(held_queries, data.corpus, retriever, known_vectors, encode_missing=True)
            samples: list[dict[str, Any]] = []
            for query_id, query in held_queries.items():
                positives = [data.corpus[d] for d in sorted(relevant[query_id]) if d in data.corpus]
                # the base model's order, so the evaluator's "base" score is the before-re-ranking figure
                ranked = [data.corpus[d] for d in candidates.get(query_id, [])]
                samples.append({"query": query, "positive": positives, "documents": list(dict.fromkeys(ranked + positives))})
            evaluator = CrossEncoderRerankingEvaluator(samples, at_k=10, name=EVALUATOR_NAME, write_csv=False,
                                                       always_rerank_positives=True, batch_size=32)
        del retriever

        with quiet_model_loading():
            model = CrossEncoder(str(base), num_labels=1, max_length=config.max_length, device=device, local_files_only=True,
                                 config_kwargs={"attention_probs_dropout_prob": config.attention_dropout})
        metric = _metric_name(evaluator) if evaluator else None
        args = CrossEncoderTrainingArguments(**trainer_arguments(config, folder, metric, logging_steps=10))
        trainer = CrossEncoderTrainer(
            model=model, args=args, train_dataset=train_dataset,
            loss=BinaryCrossEntropyLoss(model), evaluator=evaluator,
            callbacks=[tensorboard_callback(folder.staging / "runs")],
        )
        train_started = time.perf_counter()
        run_trainer(trainer, config.show_progress)
        train_seconds = time.perf_counter() - train_started
        per_epoch = held_out_curve(trainer, metric)
        # the evaluator also scores the candidates in the base model's order: the "before"
        before = next((round(e[f"eval_{EVALUATOR_NAME}_base_ndcg@10"], 4) for e in trainer.state.log_history
                       if f"eval_{EVALUATOR_NAME}_base_ndcg@10" in e), None)
        after = max((e[metric] for e in per_epoch), default=None) if metric is not None else None
        if before is not None and after is not None and after <= before:
            raise TrainingRefusedError(
                f"the re-ranker does not beat the list it re-ranks on {len(samples)} held-out queries: "
                f"nDCG@10 {after:.4f} re-ranked against {before:.4f} in first-stage order; nothing was saved "
                f"(more or harder pairs, or more epochs, may help)"
            )
        if evaluator is None:
            logger.warning("no held-out queries (--eval-fraction 0): nothing shows this re-ranker helps")
        model.save(str(folder.staging))
        record = {
            "kind": "cross-encoder",
            "base": str(base),
            "base_checksum": model_checksum(base),
            "data": data.source,
            "pairs": {"train": len(train_dataset), "held_out_queries": len(samples) if evaluator else 0},
            # each held-out query re-ranks the base model's top documents from the whole corpus, and its positives
            "held_out_set": {"queries": len(samples), "documents": sum(len(s["documents"]) for s in samples)} if evaluator else {},
            "config": {"epochs": config.epochs, "batch_size": config.batch_size, "learning_rate": config.learning_rate,
                       "seed": config.seed, "max_length": config.max_length, "mining": config.mining.as_dict()},
            "held_out_scores": {"metric": metric, "before": before, "per_epoch": per_epoch, "after": after,
                                "checked": evaluator is not None},
            "seconds": {"training": round(train_seconds, 1), "total": round(time.perf_counter() - started, 1)},
        }
        (folder.staging / TRAINING_RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def _metric_name(evaluator) -> str:
    """The key the trainer logs (minus ``eval_``): cross-encoder evaluators prefix their name only when called."""
    primary = evaluator.primary_metric
    return primary if primary.startswith(f"{evaluator.name}_") else f"{evaluator.name}_{primary}"
