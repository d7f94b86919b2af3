"""``scientia train``: fine-tune the encoder (or train a re-ranker) on the user's domain."""

from __future__ import annotations

from pathlib import Path

import typer

from .errors import fail, reports_user_errors
from .logs import is_quiet
from .options import LossArg, ReasonerArg


@reports_user_errors
def train(
    output: Path = typer.Option(..., "--output", "-o", help="New folder for the trained model (must not exist or be empty)."),
    base: Path | None = typer.Option(None, "--base", help="Local model folder to start from (default: the packaged all-MiniLM-L6-v2)."),
    pairs: Path | None = typer.Option(None, "--pairs", help="Pairs file: .jsonl, .csv or .tsv with columns anchor, positive (optional: negative)."),
    beir: Path | None = typer.Option(None, "--beir", help="BEIR folder: one pair per positive judgement of --split."),
    split: str = typer.Option("train", "--split", help="--beir: the split to learn from; queries of the 'test' split are always left out."),
    ontology: list[Path] = typer.Option([], "--ontology", help="Ontology file or folder: pairs from synonyms, definitions, parents and mentions."),
    ontology_path: list[Path] = typer.Option([], "--ontology-path", help="Folder where owl:imports are looked up."),
    reasoner: ReasonerArg = "auto",
    pair_kinds: str | None = typer.Option(
        None, "--pair-kinds", help="Comma-separated kinds to use: --ontology synonym,definition,parent,mention; "
        "--self-supervised title,sentence (default: all of them)."
    ),
    corpus: Path | None = typer.Option(
        None, "--corpus", help="Documents (any corpus format): with --ontology, whose entity mentions become pairs; with "
        "--self-supervised, the documents the pairs are drawn from."),
    self_supervised: bool = typer.Option(
        False, "--self-supervised", help="Pairs from --corpus alone, no queries: title → text and one sentence → the rest "
        "of its document (--pair-kinds title,sentence). Defaults: 1 epoch, learning rate 2e-5, no mined negatives."),
    max_documents: int = typer.Option(
        1500, "--max-documents", min=1, help="--self-supervised: draw pairs from at most this many documents, chosen "
        "at random with --seed (about 2 pairs each; 3,000 pairs train one epoch in about 13 minutes on 2 CPU cores)."),
    index: Path | None = typer.Option(None, "--index", help="Index whose documents (and vectors, if built with --base) hard negatives are mined from."),
    cross_encoder: bool = typer.Option(False, "--cross-encoder", help="Train a cross-encoder re-ranker (for --rerank) instead of the bi-encoder."),
    epochs: int | None = typer.Option(None, "--epochs", min=1, help="Passes over the pairs (default: 4 for the bi-encoder, 1 for the cross-encoder and "
                                                                  "--self-supervised)."),
    batch_size: int | None = typer.Option(None, "--batch-size", min=2, help="Pairs per step (default: 32; cross-encoder 16)."),
    learning_rate: float | None = typer.Option(None, "--learning-rate", min=0.0, help="Peak learning rate (default: 8e-5 for the bi-encoder, 5e-5 for the "
                                                                            "cross-encoder, 2e-5 for --self-supervised)."),
    loss: LossArg = "mnrl",
    hard_negatives: bool | None = typer.Option(None, "--hard-negatives/--no-hard-negatives", help="Mine one hard negative per pair with the base model "
                                                                            "(default: yes, except for --self-supervised)."),
    eval_fraction: float = typer.Option(0.1, "--eval-fraction", min=0.0, max=0.5, help="Share of the training queries held out to pick the best epoch."),
    seed: int = typer.Option(42, "--seed", help="Seed for the held-out split, mining, shuffling and initialization."),
) -> None:
    """Fine-tune a sentence-transformers encoder on labelled pairs, a BEIR training split, an ontology,
    or the documents alone (--self-supervised --corpus CORPUS).

    The result is an ordinary sentence-transformers folder: 'scientia index build --model OUTPUT'
    uses it. Held-out queries are scored before and after; the best epoch is kept. With
    --cross-encoder the same pairs train a re-ranker for 'query --rerank' and 'bench --rerank'.
    """
    quiet = is_quiet()
    sources = [name for name, given in (("--pairs", pairs), ("--beir", beir), ("--ontology", ontology),
                                        ("--self-supervised", self_supervised)) if given]
    if len(sources) != 1:
        raise fail(f"give exactly one of --pairs, --beir, --ontology, --self-supervised (got {', '.join(sources) or 'none'})")
    from scientia.training.data_sources import load_training_data

    data, known_vectors = load_training_data(
        pairs=pairs, beir=beir, split=split, ontologies=list(ontology), ontology_paths=list(ontology_path),
        reasoner=reasoner, corpus=corpus, index=index, base=base,
        pair_kinds=[k.strip() for k in pair_kinds.split(",") if k.strip()] if pair_kinds is not None else None,
        self_supervised=self_supervised, max_documents=max_documents if self_supervised else None, seed=seed,
    )
    if self_supervised:  # measured defaults (scientia.training.self_supervised); what the user gives wins
        from scientia.training.self_supervised import SELF_SUPERVISED_DEFAULTS

        epochs = epochs if epochs is not None else int(SELF_SUPERVISED_DEFAULTS["epochs"])
        learning_rate = learning_rate if learning_rate is not None else float(SELF_SUPERVISED_DEFAULTS["learning_rate"])
        hard_negatives = hard_negatives if hard_negatives is not None else bool(SELF_SUPERVISED_DEFAULTS["hard_negatives"])
    typer.echo(f"{len(data.pairs):,} pairs from {data.source}" + _kinds(data), err=True)
    if cross_encoder:
        from scientia.training.cross_encoder import (
            CrossEncoderConfig,
            train_cross_encoder,
        )

        ranker_config = CrossEncoderConfig(output=output, base=base, eval_fraction=eval_fraction, seed=seed, show_progress=not quiet)
        _override(ranker_config, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate)
        record = train_cross_encoder(data, ranker_config, known_vectors)
    else:
        from scientia.training import BiEncoderConfig, train_bi_encoder

        config = BiEncoderConfig(output=output, base=base, eval_fraction=eval_fraction, seed=seed,
                                 hard_negatives=hard_negatives is not False, loss=loss, show_progress=not quiet)
        _override(config, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate)
        record = train_bi_encoder(data, config, known_vectors)
    _report(record, output)


def _override(config, **values) -> None:
    for name, value in values.items():
        if value is not None:
            setattr(config, name, value)


def _kinds(data) -> str:
    from scientia.training.common import count_kinds

    counts = count_kinds(data.pairs)
    return "" if set(counts) <= {"pair", "qrels"} else " (" + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())) + ")"


def _report(record: dict, output: Path) -> None:
    scores = record["held_out_scores"]
    lines = [f"{record['kind']} written to {output}"]
    if scores.get("metric"):
        before = scores.get("before")
        lines.append(
            f"held-out {scores['metric']}: "
            + (f"before {before:.4f}, " if before is not None else "")
            + f"after {scores['after']:.4f} (best of {len(scores['per_epoch'])} epoch(s))"
        )
    lines.append(f"training {record['seconds']['training']:.0f} s, total {record['seconds']['total']:.0f} s")
    if record["kind"] == "bi-encoder":
        lines.append(f"use it: scientia index build CORPUS -o INDEX --model {output}")
    else:
        lines.append(f"use it: scientia query INDEX TEXT --rerank {output}")
    typer.echo("\n".join(lines))
