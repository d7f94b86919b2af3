"""FAISS index types at a million vectors: recall@10 against exact search, queries per second
(one at a time and batched), build time, memory and disk, for Flat, HNSW32 and IVF-PQ with and
without a refine step. The default factory by corpus size (:func:`scientia.indexers.dense.default_factory`)
follows these figures.

Vectors: the real embeddings of the 100k-document latency corpus (``benchmarks/latency.py``,
same encoder), plus synthetic documents made the way that corpus made its two-sentence ones: the
normalized sum of two real vectors chosen at random (deterministic). Queries: the shared
collections' own queries, encoded with the same encoder. Exact top-10 comes from a flat index.

    python -m scientia.benchmarks.ann_scale bench-out/latency/index-100000-onnx-int8 ../shared/datasets \\
        --vectors 1000000 --out benchmarks/results/ann-scale
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from scientia.evaluation.machine import describe_machine

__all__ = ["synthesize_vectors", "recall_at_k", "run_study", "CANDIDATES"]

# (factory string, search settings tried). IVF1024 ≈ sqrt(N) lists; PQ48 keeps 48 bytes a vector;
# RFlat re-scores k_factor_rf × k PQ candidates with the exact vectors.
CANDIDATES: list[tuple[str, list[dict[str, int]]]] = [
    ("Flat", [{}]),
    ("IVF1024,PQ48", [{"nprobe": 16}, {"nprobe": 64}]),
    ("IVF1024,PQ48,RFlat", [{"nprobe": 16, "k_factor_rf": 4}, {"nprobe": 64, "k_factor_rf": 4}]),
    ("HNSW32", [{"efSearch": 64}, {"efSearch": 128}, {"efSearch": 256}]),  # slowest to build: last
]
TRAIN_SAMPLE = 65_536  # IVF centroids (64 per list) and PQ codebooks learn from this many vectors


def synthesize_vectors(real: np.ndarray, total: int, seed: int = 0) -> np.ndarray:
    """``real`` followed by normalized sums of random pairs of its rows, ``total`` rows in all."""
    rng = np.random.default_rng(seed)
    parts = [real.astype(np.float32)]
    left = total - len(real)
    while left > 0:
        n = min(left, 100_000)
        a, b = rng.integers(0, len(real), n), rng.integers(0, len(real), n)
        mixed = real[a] + real[b]
        mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
        parts.append(mixed.astype(np.float32))
        left -= n
    return np.ascontiguousarray(np.concatenate(parts)[:total])


def recall_at_k(found: np.ndarray, exact: np.ndarray, k: int = 10) -> float:
    """Share of the exact top ``k`` that the approximate top ``k`` contains, averaged over queries."""
    return float(np.mean([len(set(f[:k]) & set(e[:k])) / k for f, e in zip(found, exact, strict=False)]))


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _search_speed(index, queries: np.ndarray, k: int, singles: int) -> tuple[float, float, np.ndarray]:
    started = time.perf_counter()
    for row in queries[:singles]:
        index.search(row[None, :], k)
    single_qps = singles / (time.perf_counter() - started)
    started = time.perf_counter()
    _, found = index.search(queries, k)
    batch_qps = len(queries) / (time.perf_counter() - started)
    return single_qps, batch_qps, found


def run_study(vectors: np.ndarray, queries: np.ndarray, k: int = 10, singles: int = 200,
              candidates=CANDIDATES, deadline_s: float | None = None) -> dict[str, Any]:
    import faiss

    started = time.perf_counter()
    exact_index = faiss.IndexFlatIP(vectors.shape[1])
    exact_index.add(vectors)
    _, exact = exact_index.search(queries, k)
    del exact_index
    results = []
    for factory, settings in candidates:
        if deadline_s and time.perf_counter() - started > deadline_s:
            results.append({"factory": factory, "skipped": "study deadline reached"})
            continue
        rss_before = _rss_mib()
        build_started = time.perf_counter()
        index = faiss.index_factory(vectors.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
        if not index.is_trained:
            sample = vectors[np.random.default_rng(1).choice(len(vectors), min(TRAIN_SAMPLE, len(vectors)), replace=False)]
            index.train(sample)
        index.add(vectors)
        build_seconds = time.perf_counter() - build_started
        memory = _rss_mib() - rss_before
        with tempfile.TemporaryDirectory() as scratch:
            path = os.path.join(scratch, "index.faiss")
            faiss.write_index(index, path)
            disk = os.path.getsize(path) / 2**20
            mmap = _mmap_check(path, queries, k)
        for setting in settings:
            for name, value in setting.items():
                faiss.ParameterSpace().set_index_parameter(index, name, value)
            single_qps, batch_qps, found = _search_speed(index, queries, k, singles)
            results.append({
                "factory": factory, "parameter": ", ".join(f"{n}={v}" for n, v in setting.items()),
                "recall@10": round(recall_at_k(found, exact, k), 4),
                "qps_single": round(single_qps, 1), "qps_batch": round(batch_qps, 1),
                "build_seconds": round(build_seconds, 1), "memory_mib": round(memory, 1), "disk_mib": round(disk, 1),
                "mmap_rss_mib": mmap,
            })
            print(json.dumps(results[-1]), flush=True)
        del index
    return {"vectors": len(vectors), "dimension": int(vectors.shape[1]), "queries": len(queries), "k": k,
            "threads": faiss.omp_get_max_threads(), "results": results}


def _mmap_check(path: str, queries: np.ndarray, k: int) -> float | None:
    """Resident memory added by opening ``path`` memory-mapped and searching it, or None where FAISS refuses."""
    import faiss

    before = _rss_mib()
    try:
        index = faiss.read_index(path, faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
    except RuntimeError:
        return None
    index.search(queries[:10], k)
    grown = _rss_mib() - before
    del index
    return round(grown, 1)


def _index_vectors(index_dir: Path):
    """Every stored vector of an index, and its encoder's manifest section."""
    from scientia.indexers.components import OpenContext
    from scientia.indexers.components.dense import recorded_encoder
    from scientia.indexers.generation import Generation

    generation = Generation.open(index_dir)
    dense = generation.open_component("dense", OpenContext(use_gpu=False))
    return dense.reconstruct(range(len(dense))), recorded_encoder(generation.root, generation.manifest.section("dense"))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("index", type=Path, help="index whose vectors seed the study (the latency benchmark's)")
    parser.add_argument("datasets", type=Path, help="folder with scifact/, cranfield/, msmarco-subset/ (their queries)")
    parser.add_argument("--vectors", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--deadline", type=float, default=3600, help="skip remaining index types after this many seconds")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/ann-scale"))
    args = parser.parse_args()

    from scientia.indexers.encoding import Encoder
    from scientia.indexers.readers import read_queries

    from .latency import COLLECTIONS

    real, encoder_info = _index_vectors(args.index)
    vectors = synthesize_vectors(real, args.vectors)
    encoder = Encoder(encoder_info.path, backend=encoder_info.backend)
    texts = [q for name in COLLECTIONS for q in read_queries(args.datasets / name).values()][: args.queries]
    queries = encoder.encode_queries(texts).astype(np.float32)
    study = run_study(vectors, queries, deadline_s=args.deadline)
    report = {"benchmark": "ann-scale", "machine": describe_machine(), "seed_index": str(args.index),
              "encoder": {k: encoder_info.get(k) for k in ("name", "backend", "checksum")}, **study}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "report.md").write_text(markdown(report))
    print(markdown(report))


def markdown(report: dict[str, Any]) -> str:
    machine = report["machine"]
    lines = [
        f"## FAISS at {report['vectors']:,} × {report['dimension']} vectors, {report['queries']} queries, k={report['k']}",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB; FAISS threads {report['threads']}.",
        "",
        "| index | search | recall@10 | QPS single | QPS batch | build s | memory MiB | disk MiB | RSS after mmap open+search MiB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        if "skipped" in r:
            lines.append(f"| {r['factory']} | skipped: {r['skipped']} | | | | | | | |")
            continue
        lines.append(f"| {r['factory']} | {r['parameter'] or 'exact'} | {r['recall@10']:.4f} | {r['qps_single']} | "
                     f"{r['qps_batch']} | {r['build_seconds']} | {r['memory_mib']} | {r['disk_mib']} | {r['mmap_rss_mib']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
