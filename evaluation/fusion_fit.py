"""Fit an index's learned fusion on a training split of its collection (never the split that
judges it), and store it in the index: ``scientia bench DATASET --fusion learned --train-split train``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

from scientia.engine import DEFAULT_DEPTH, Engine
from scientia.engine.fusion import LearnedFusion, SignalRun, fit_learned_fusion
from scientia.indexers.readers import read_qrels, read_queries

__all__ = ["fit_on_split", "training_examples"]


def training_examples(engine: Engine, dataset: Path, split: str, signals: list[str]
                      ) -> list[tuple[dict[str, SignalRun], Mapping[Hashable, int]]]:
    """For each query ``split`` judges: the runs of ``signals`` (top :data:`DEFAULT_DEPTH`), as the
    engine hands them to a fusion, and the judgements by document position."""
    queries, qrels = read_queries(dataset), read_qrels(dataset, split)
    judged = [q for q, rels in qrels.items() if q in queries and any(r > 0 for r in rels.values())]
    found = {name: engine.signal(name).rank([queries[q] for q in judged], DEFAULT_DEPTH) for name in signals}
    positions = {doc.id: position for position, doc in engine.store.live_documents()}
    return [
        (Engine.signal_runs({n: found[n][i].ranking for n in signals}, {n: found[n][i].coverage for n in signals},
                            DEFAULT_DEPTH, {n: found[n][i].weight for n in signals}),
         {positions[d]: g for d, g in qrels[q].items() if d in positions})
        for i, q in enumerate(judged)
    ]


def fit_on_split(engine: Engine, dataset: Path, split: str, save: bool = True) -> LearnedFusion:
    """Fit the fusion of ``engine``'s default mode on ``dataset``'s ``split`` judgements; stored in
    the index with ``save``."""
    from scientia.engine.modes import MODES

    signals = list(MODES[engine.default_mode])
    fitted_on: dict[str, Any] = {"dataset": str(dataset), "split": split,
                                 "encoder_checksum": engine.manifest.section("dense").encoder.checksum}
    learned = fit_learned_fusion(training_examples(engine, dataset, split, signals), signals, fitted_on)
    if save:
        learned.store_in(engine.root)
        engine.learned_fusion = learned
    return learned
