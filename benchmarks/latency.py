"""End-to-end query latency on a large index, beside raw FAISS on the same index and vectors.

The corpus is synthesized from the shared collections' text: every sentence of SciFact,
Cranfield and the MS MARCO subset is a document, and where that gives fewer than N, pairs of
sentences fill the rest (deterministic). It is encoded once with the chosen backend (the
embedding cache keeps it). Queries are the collections' own queries. Reported: p50/p99 per
mode through ``Engine.search`` (encode the query, FAISS, BM25, fusion, fetch), the dense
signal's FAISS step inside the engine, and ``index.search`` called directly with the same
query vectors.

    python -m scientia.benchmarks.latency ../shared/datasets --documents 100000 --out benchmarks/results/latency
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path
from typing import Any, cast

import numpy as np

from scientia.engine import Engine
from scientia.engine.signals import DenseSignal
from scientia.evaluation.machine import describe_machine, peak_memory_mib
from scientia.indexers import BuildOptions, build_index
from scientia.indexers.layout import IndexLayout
from scientia.indexers.readers import read_queries

COLLECTIONS = ("scifact", "cranfield", "msmarco-subset")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def synthesize(datasets: Path, size: int, target: Path) -> Path:
    sentences: list[str] = []
    for name in COLLECTIONS:
        with (datasets / name / "corpus.jsonl").open(encoding="utf-8") as stream:  # \u2028 is not a line end
            records = [json.loads(line) for line in stream if line.strip()]
        for record in records:
            sentences += [s.strip() for s in _SENTENCE.split(record.get("text", "")) if len(s.split()) >= 5]
    documents = sentences[:size]
    step = 1
    while len(documents) < size:  # pairs of sentences, deterministic
        documents += [f"{a} {b}" for a, b in zip(sentences, sentences[step:], strict=False)][: size - len(documents)]
        step += 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(json.dumps({"id": f"s{i}", "text": t}) + "\n" for i, t in enumerate(documents)), encoding="utf-8")
    return target


def percentiles(seconds: list[float]) -> dict[str, float]:
    values = np.asarray(seconds) * 1000
    return {"p50": round(float(np.percentile(values, 50)), 2), "p99": round(float(np.percentile(values, 99)), 2)}


def measure(index: Path, queries: list[str]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with Engine.open(index) as engine:
        dense = cast(DenseSignal, engine.signal("dense"))
        engine.search(queries[0], k=10)  # load every signal
        for mode in ("dense", "lexical", "hybrid"):
            times = []
            for query in queries:
                started = time.perf_counter()
                engine.search(query, k=10, mode=mode)
                times.append(time.perf_counter() - started)
            results[mode] = percentiles(times)
        vectors = dense.encoder.encode_queries(queries)
        wrapped: list[float] = []
        raw: list[float] = []
        calls = ((wrapped, lambda v: dense.index.search(v, 100)), (raw, lambda v: cast(Any, dense.index).index.search(v, 100)))
        for number, row in enumerate(vectors):
            # alternate which goes first: the second call on a vector finds the caches warm
            for times, call in calls if number % 2 == 0 else reversed(calls):
                started = time.perf_counter()
                call(row[None, :])
                times.append(time.perf_counter() - started)
        results["faiss_in_engine"] = percentiles(wrapped)
        results["faiss_raw"] = percentiles(raw)
        results["faiss_ratio_p50"] = round(results["faiss_in_engine"]["p50"] / results["faiss_raw"]["p50"], 3)
        results["factory"] = engine.manifest.section("dense").factory
        results["backend"] = engine.manifest.section("dense").encoder.backend
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("datasets", type=Path, help="the folder holding scifact/, cranfield/, msmarco-subset/")
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--backend", default="onnx-int8")
    parser.add_argument("--work", type=Path, default=Path("bench-out/latency"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/latency"))
    args = parser.parse_args()
    corpus = args.work / f"corpus-{args.documents}.jsonl"
    if not corpus.is_file():
        synthesize(args.datasets, args.documents, corpus)
    index = args.work / f"index-{args.documents}-{args.backend}"
    if not IndexLayout(index).exists():
        from scientia.indexers.embedding_cache import default_cache_dir

        started = time.perf_counter()
        build_index(corpus, index, BuildOptions(backend=args.backend, cache_dir=default_cache_dir()))
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    queries = [q for name in COLLECTIONS for q in read_queries(args.datasets / name).values()][:500]
    report = {"benchmark": "latency", "documents": args.documents, "queries": len(queries),
              "machine": describe_machine(), "results": measure(index, queries), "peak_memory_mib": peak_memory_mib()}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    r = report["results"]
    lines = [f"## Latency: {args.documents:,} documents ({r['factory']}, encoder {r['backend']}), {len(queries)} queries, k=10", "",
             f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores.", "",
             "| step | p50 ms | p99 ms |", "|---|---:|---:|"]
    lines += [f"| {name} | {r[name]['p50']} | {r[name]['p99']} |" for name in ("dense", "lexical", "hybrid", "faiss_in_engine", "faiss_raw")]
    lines += ["", f"FAISS inside the engine / raw FAISS at p50: {r['faiss_ratio_p50']}×; peak memory {report['peak_memory_mib']:.0f} MiB."]
    (args.out / "report.md").write_text("\n".join(lines) + "\n")
    print((args.out / "report.md").read_text())


if __name__ == "__main__":
    main()
