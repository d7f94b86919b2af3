"""FAISS threads per search: one query and a batch, on one thread and on every core, in one run.

``DenseIndex.search`` runs a single query on one thread and a batch on every core; this
measures why, on random unit vectors (exhaustive search does not care what they mean), taking
turns query by query so that both settings meet the same machine state.

    python -m scientia.benchmarks.faiss_threads --vectors 100000 --out benchmarks/results/faiss-threads
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from scientia.common.threads import available_cores
from scientia.evaluation.machine import describe_machine
from scientia.indexers.dense import DenseIndex

from .latency import percentiles


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--factories", default="Flat,HNSW32")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/faiss-threads"))
    args = parser.parse_args()
    import faiss

    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((args.vectors, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = rng.standard_normal((args.queries, 384)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    cores = available_cores()
    results: dict[str, dict[str, Any]] = {}
    for factory in args.factories.split(","):
        index = DenseIndex.build(vectors, factory, use_gpu=False).index
        single: dict[int, list[float]] = {1: [], cores: []}
        for number, row in enumerate(queries):
            for threads in (1, cores) if number % 2 == 0 else (cores, 1):
                faiss.omp_set_num_threads(threads)
                started = time.perf_counter()
                index.search(row[None, :], 100)
                single[threads].append(time.perf_counter() - started)
        batch = {}
        for threads in (1, cores):
            faiss.omp_set_num_threads(threads)
            started = time.perf_counter()
            index.search(queries[: args.batch], 100)
            batch[threads] = round((time.perf_counter() - started) * 1000, 1)
        results[factory] = {"single_query_ms": {f"{t} thread{'s' if t > 1 else ''}": percentiles(single[t]) for t in single},
                            f"batch_of_{args.batch}_ms": {f"{t} thread{'s' if t > 1 else ''}": batch[t] for t in batch}}
    report: dict[str, Any] = {"benchmark": "faiss-threads", "machine": describe_machine(), "vectors": args.vectors,
              "queries": args.queries, "results": results}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    machine = report["machine"]
    lines = [f"## FAISS threads per search: {args.vectors:,} vectors × 384, k=100", "",
             f"Machine: {machine['cpu']}, {machine['cores']} cores. Single queries alternate the two settings.", "",
             "| index | one query, 1 thread p50 / p99 ms | one query, " + f"{cores} threads p50 / p99 ms | "
             f"batch of {args.batch}, 1 thread ms | batch, {cores} threads ms |", "|---|---|---|---:|---:|"]
    for factory, found in results.items():
        one, many = found["single_query_ms"].values()
        batch_one, batch_many = found[f"batch_of_{args.batch}_ms"].values()
        lines.append(f"| {factory} | {one['p50']} / {one['p99']} | {many['p50']} / {many['p99']} | {batch_one} | {batch_many} |")
    (args.out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
