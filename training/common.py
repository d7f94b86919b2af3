"""What the bi-encoder and cross-encoder trainers share: the base model check, the held-out split,
the trainer settings, and reading the held-out curve back from the trainer's log."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scientia.common.errors import InvalidArgumentError
from scientia.common.models import (
    cuda_available,
    local_model_folder,
    quiet_model_loading,
)
from scientia.common.progress import stderr_is_terminal

from .mining import MiningOptions
from .output import ModelFolder
from .pairs import TrainingData, TrainingPair, split_held_out

logger = logging.getLogger(__name__)

__all__ = ["TRAINING_RECORD", "TrainerConfig", "checked_base", "count_kinds", "held_out_curve", "run_trainer", "split_for_training",
           "trainer_arguments"]

TRAINING_RECORD = "training.json"  # what was trained from what, and the held-out scores



@dataclass
class TrainerConfig:
    """What both trainers take; each subclass sets its own defaults for the rest."""

    output: Path
    base: Path | None = None  # default: the packaged all-MiniLM-L6-v2
    epochs: int = 1
    batch_size: int = 16
    learning_rate: float = 5e-5
    warmup_ratio: float = 0.1
    eval_fraction: float = 0.1
    seed: int = 42
    # Dropout on attention probabilities draws a random mask over every (head, token, token) cell:
    # on 2 CPU cores that made a training step 1.7× slower (18 s vs 10.8 s at batch 32, 256 tokens);
    # fine-tuning keeps the hidden-state dropout, which is cheap.
    attention_dropout: float = 0.0
    mining: MiningOptions = field(default_factory=MiningOptions)
    show_progress: bool = True

def checked_base(base: Path | None) -> Path:
    return local_model_folder(base, "no such model folder", "--base takes a local sentence-transformers folder")


def count_kinds(pairs: list[TrainingPair]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for pair in pairs:
        counts[pair.kind] = counts.get(pair.kind, 0) + 1
    return counts


def split_for_training(data: TrainingData, eval_fraction: float, seed: int) -> tuple[list[TrainingPair], list[TrainingPair], list[str]]:
    """Training pairs, held-out pairs, and the corpus hard negatives may come from: never a held-out
    query's positive, which must stay unseen until it is scored."""
    train_pairs, held_out = split_held_out(data.pairs, eval_fraction, seed)
    if not train_pairs:
        raise InvalidArgumentError(f"{data.source}: nothing left to train on after holding out {eval_fraction:.0%}")
    held_out_positives = {p.positive for p in held_out}
    corpus = [text for text in data.corpus.values() if text not in held_out_positives] or [p.positive for p in train_pairs]
    return train_pairs, held_out, corpus


def run_trainer(trainer, show_progress: bool) -> None:
    """``trainer.train()`` with transformers' own bar only on a terminal. Elsewhere its bar would
    write carriage returns into a log, and its PrinterCallback Python dicts to stdout: with
    progress wanted, each logged step becomes one plain line on stderr instead; without, nothing
    (and no bar when the best epoch's weights are reloaded). The logs still reach TensorBoard."""
    if show_progress and stderr_is_terminal():
        trainer.train()
        return
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    if show_progress:
        trainer.add_callback(_log_lines_callback())
    with quiet_model_loading():
        trainer.train()


def _log_lines_callback():
    from transformers import TrainerCallback

    class LogLines(TrainerCallback):
        """Each of the trainer's logs as one line: ``step 40 of 120 (epoch 1.00): loss 0.5213``."""

        def on_log(self, args, state, control, logs=None, **kwargs):
            values = ", ".join(f"{name} {value:.4g}" if isinstance(value, float) else f"{name} {value}"
                               for name, value in (logs or {}).items() if name != "epoch")
            logger.info("step %d of %d (epoch %.2f): %s", state.global_step, state.max_steps, state.epoch or 0, values)

    return LogLines()


def trainer_arguments(config: TrainerConfig, folder: ModelFolder, metric: str | None, logging_steps: int) -> dict[str, Any]:
    """Keyword arguments both trainers take: evaluate and checkpoint every epoch when there is a
    held-out ``metric``, keep only the best checkpoint and reload it at the end."""
    return dict(
        output_dir=str(folder.checkpoints),
        num_train_epochs=config.epochs,
        per_device_train_batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        warmup_steps=config.warmup_ratio,
        seed=config.seed,
        data_seed=config.seed,
        eval_strategy="epoch" if metric else "no",
        save_strategy="epoch" if metric else "no",
        save_total_limit=1,
        load_best_model_at_end=bool(metric),
        metric_for_best_model=metric,
        greater_is_better=True,
        logging_steps=logging_steps,
        report_to="none",  # the TensorBoard callback writes to MODEL_DIR/runs
        disable_tqdm=not (config.show_progress and stderr_is_terminal()),
        use_cpu=not cuda_available(),
    )


def held_out_curve(trainer, metric: str | None) -> list[dict[str, float]]:
    """``[{"epoch": 1.0, metric: score}, ...]`` from what the trainer logged after each evaluation."""
    if metric is None:
        return []
    key = f"eval_{metric}"
    return [{"epoch": round(entry["epoch"], 2), metric: round(entry[key], 4)}
            for entry in trainer.state.log_history if key in entry]
