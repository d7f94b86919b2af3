"""Sweep fusion methods and weights on one split of a BEIR collection, in one run.

Each signal's top-100 run is computed once; every setting then fuses those runs exactly as the
engine does (:meth:`Engine.signal_runs`: each signal's normalization, floor, coverage and cut,
and the registered fusion methods), with only the signals' relative weights changed. The mode's
signals come from the engine's registry. Choose weights on a training split and check them on
the test splits: never tune on a test split.

    python -m scientia.benchmarks.fusion_sweep ../shared/datasets/scifact --split train \
        --index-dir bench-out/scifact-index
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from scientia.engine import DEFAULT_DEPTH, MODES, Engine
from scientia.engine.fusion import FUSION_METHODS, fuse
from scientia.evaluation.metrics import evaluate
from scientia.indexers.readers import read_qrels, read_queries

__all__ = ["FIRST_SIGNAL_WEIGHTS", "sweep"]

# The first signal's share of the weight (dense in hybrid); the others share the rest equally.
FIRST_SIGNAL_WEIGHTS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def sweep(index_dir: Path, dataset: Path, split: str, mode: str = "hybrid") -> dict[str, dict[str, float]]:
    """nDCG@10 and the other measures of each signal of ``mode`` alone, of every fusion method
    with the signals' own weights, and of every method at each weight in :data:`FIRST_SIGNAL_WEIGHTS`."""
    queries, qrels = read_queries(dataset), read_qrels(dataset, split)
    judged = [q for q in qrels if q in queries]
    signals = MODES[mode]
    with Engine.open(index_dir) as engine:
        ids = {position: doc.id for position, doc in engine.store.live_documents()}
        texts = [queries[q] for q in judged]
        found = {name: engine.signal(name).rank(texts, DEFAULT_DEPTH) for name in signals}
    per_query = [Engine.signal_runs({n: found[n][i].ranking for n in signals}, {n: found[n][i].coverage for n in signals},
                                    DEFAULT_DEPTH, {n: found[n][i].weight for n in signals}) for i in range(len(judged))]

    def score(fused_per_query) -> dict[str, float]:
        run = {q: {ids[p]: s for p, s in fused[:DEFAULT_DEPTH]} for q, fused in zip(judged, fused_per_query, strict=True)}
        return evaluate(run, {q: qrels[q] for q in judged})

    results = {name: score([runs[name].ranking for runs in per_query]) for name in signals}
    methods = [name for name in FUSION_METHODS if name != "learned"]  # learned needs a fitted index: see fusion_table
    for method in methods:
        results[f"{method} (own weights)"] = score([fuse(method, runs) for runs in per_query])
    first, rest = signals[0], signals[1:]
    for share in FIRST_SIGNAL_WEIGHTS:
        weights = {first: share, **{name: (1 - share) / len(rest) for name in rest}}
        reweighted = [{n: dataclasses.replace(run, weight=weights[n]) for n, run in runs.items()} for runs in per_query]
        for method in methods:
            results[f"{method} {first}={share}"] = score([fuse(method, runs) for runs in reweighted])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--split", default="test")
    parser.add_argument("--mode", default="hybrid", help="a fused mode (its signals are swept)")
    parser.add_argument("--index-dir", type=Path, required=True, help="an index of the dataset's corpus")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    results = sweep(args.index_dir, args.dataset, args.split, args.mode)
    print(f"{args.dataset.name} {args.split}: nDCG@10 / R@100")
    for name, metrics in results.items():
        print(f"  {name:28s} {metrics['nDCG@10']:.4f}  {metrics['R@100']:.4f}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"dataset": args.dataset.name, "split": args.split, "mode": args.mode,
                                        "results": results}, indent=2))


if __name__ == "__main__":
    main()
