"""Sweep fusion methods and weights on one split of a BEIR collection, in one run.

Each signal's top-100 run is computed once; every fusion setting then re-fuses those runs, so
the settings are compared on identical inputs. Choose weights on a training split and check
them on the test splits: never tune on a test split.

    python -m scientia.benchmarks.fusion_sweep ../shared/datasets/scifact --split train \
        --index-dir bench-out/scifact-index
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from scientia.engine import Engine
from scientia.engine.fusion import (
    min_max_normalize,
    reciprocal_rank_fusion,
    weighted_sum,
)
from scientia.indexers.readers import read_qrels, read_queries

from .metrics import evaluate

DENSE_WEIGHTS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def sweep(index_dir: Path, dataset: Path, split: str) -> dict[str, dict[str, float]]:
    queries, qrels = read_queries(dataset), read_qrels(dataset, split)
    judged = [q for q in qrels if q in queries]
    with Engine.open(index_dir) as engine:
        ids = {position: doc.id for position, doc in engine.store.live_documents()}
        texts = [queries[q] for q in judged]
        runs = {name: engine.signal(name).rank(texts, 100) for name in ("dense", "lexical")}

    def score(fused_per_query) -> dict[str, float]:
        run = {q: {ids[p]: s for p, s in fused[:100]} for q, fused in zip(judged, fused_per_query, strict=False)}
        return evaluate(run, {q: qrels[q] for q in judged})

    per_query = [{name: runs[name][i].ranking for name in runs} for i in range(len(judged))]
    results = {name: score([r[name] for r in per_query]) for name in runs}
    for w in DENSE_WEIGHTS:
        weights = {"dense": w, "lexical": 1 - w}
        results[f"rrf dense={w}"] = score([reciprocal_rank_fusion(r, weights=weights) for r in per_query])
        normalized = ({name: min_max_normalize(run) for name, run in r.items()} for r in per_query)
        results[f"wsum dense={w}"] = score([weighted_sum(r, weights=weights) for r in normalized])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--split", default="test")
    parser.add_argument("--index-dir", type=Path, required=True, help="an index of the dataset's corpus")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    results = sweep(args.index_dir, args.dataset, args.split)
    print(f"{args.dataset.name} {args.split}: nDCG@10 / R@100")
    for name, metrics in results.items():
        print(f"  {name:18s} {metrics['nDCG@10']:.4f}  {metrics['R@100']:.4f}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"dataset": args.dataset.name, "split": args.split, "results": results}, indent=2))


if __name__ == "__main__":
    main()
