"""Fit an index's learned fusion on a training split of its collection (never the split that
judges it), and store it in the index: ``scientia bench DATASET --fusion learned --train-split train``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scientia.engine import Engine
from scientia.engine.fusion import LearnedFusion, SignalRun, fit_learned_fusion
from scientia.engine.signals import SIGNALS
from scientia.indexers.readers import read_qrels, read_queries

__all__ = ["fit_on_split", "signal_runs"]

DEPTH = 100


def signal_runs(engine: Engine, texts: list[str], signals: list[str]) -> list[dict[str, SignalRun]]:
    """Each query's runs of ``signals`` (top :data:`DEPTH`), as the engine hands them to a fusion."""
    found = {name: engine.signal(name).rank(texts, DEPTH) for name in signals}
    return [
        {name: SignalRun(found[name][i].ranking, SIGNALS[name].normalization, SIGNALS[name].weight,
                         found[name][i].coverage, SIGNALS[name].score_floor, len(found[name][i].ranking) >= DEPTH)
         for name in signals}
        for i in range(len(texts))
    ]


def fit_on_split(engine: Engine, dataset: Path, split: str, save: bool = True) -> LearnedFusion:
    """Fit the fusion of ``engine``'s default mode on ``dataset``'s ``split`` judgements; stored in
    the index with ``save``."""
    from scientia.engine.modes import MODES

    queries, qrels = read_queries(dataset), read_qrels(dataset, split)
    judged = [q for q, rels in qrels.items() if q in queries and any(r > 0 for r in rels.values())]
    signals = list(MODES[engine.default_mode])
    positions = {doc.id: position for position, doc in engine.store.live_documents()}
    examples = [(runs, {positions[d]: g for d, g in qrels[q].items() if d in positions})
                for q, runs in zip(judged, signal_runs(engine, [queries[q] for q in judged], signals))]
    fitted_on: dict[str, Any] = {"dataset": str(dataset), "split": split,
                                 "encoder_checksum": engine.manifest.encoder.checksum}
    learned = fit_learned_fusion(examples, signals, fitted_on)
    if save:
        learned.save(engine.root)
        engine.learned_fusion = learned
    return learned
