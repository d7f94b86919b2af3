"""Scaling out: what Ray costs on one machine, shards against one index, and a capacity projection.

One run, three parts:

1. Encoding throughput of one collection's documents in process against Ray Data with 1 and 2
   actors on a local cluster (the ratio is Ray's overhead on one machine; actor start included).
2. A synthesized corpus of N documents (``latency.synthesize``) as one Flat index and as S Flat
   shards: the same top 10 for every query (dense and lexical), and single-query latency of the
   shards searched by threads of one process and by one Ray actor each, against the one index
   (the goal: threads within 1.3×; the Ray figure minus the threads figure is the actor hop).
3. A capacity table for 10M and 100M documents projected from the measured per-shard figures
   (memory per document, search time per document): labelled as a projection.

With ``--reasoning N,N,...`` it measures reasoning instead (:mod:`.reasoning_scale`): OWL 2 RL
over LUBM(N) in one process and in parts on Ray, their equality, and a projection for 100M
documents; the report goes to ``OUT/report.md`` (``--out benchmarks/results/reasoning-scale-out``).

    python -m scientia.benchmarks.scale_out ../shared/datasets --documents 100000 --shards 4 \\
        --out benchmarks/results/scale-out
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any, cast

import numpy as np

from scientia.engine import Engine
from scientia.evaluation.machine import describe_machine, peak_memory_mib
from scientia.indexers import BuildOptions, build_index
from scientia.indexers.layout import IndexLayout
from scientia.indexers.readers import read_queries

from .latency import COLLECTIONS, percentiles, synthesize
from .shard_equality import same_top_k

MODES = ("dense", "lexical", "hybrid")


def encoding_throughput(texts: list[str], backend: str) -> dict[str, Any]:
    from scientia.indexers.encoding import Encoder
    from scientia.indexers.encoding.ray_encoding import encode_on_ray

    encoder = Encoder(None, "cpu", backend=backend)
    encoder.load()
    encoder.encode(texts[:64], 64)
    started = time.perf_counter()
    here = encoder.encode(texts, 64)
    rates = {"in_process": len(texts) / (time.perf_counter() - started)}
    for actors in (1, 2):
        started = time.perf_counter()
        vectors = encode_on_ray(texts, encoder, 64, "local", actors=actors)
        rates[f"ray_{actors}_actor{'s' if actors > 1 else ''}"] = len(texts) / (time.perf_counter() - started)
        assert float(np.abs(vectors - here).max()) < 1e-3
    return {"documents": len(texts), "backend": backend,
            "documents_per_second": {name: round(rate, 1) for name, rate in rates.items()},
            "over_in_process": {name: round(rate / rates["in_process"], 3) for name, rate in rates.items()}}


def latencies(engines: dict[str, Engine], queries: list[str]) -> dict[str, dict[str, dict[str, float]]]:
    """p50/p99 of single queries per mode and engine, the engines taking turns on each query."""
    found: dict[str, dict[str, list[float]]] = {name: {mode: [] for mode in MODES} for name in engines}
    for engine in engines.values():
        engine.search(queries[0], k=10, mode="hybrid")
    names = list(engines)
    for number, query in enumerate(queries):
        for mode in MODES:
            for name in names if number % 2 == 0 else reversed(names):
                started = time.perf_counter()
                engines[name].search(query, k=10, mode=mode)
                found[name][mode].append(time.perf_counter() - started)
    return {name: {mode: percentiles(times) for mode, times in modes.items()} for name, modes in found.items()}


def per_shard_costs(sharded: Engine, queries: list[str]) -> dict[str, float]:
    """One shard's own search time per query (ms, p50), dense and lexical, and its documents."""
    # the signals' sharded indexes, searched one shard at a time here
    dense, lexical = cast(Any, sharded.signal("dense")), cast(Any, sharded.signal("lexical"))
    vectors = dense.encoder.encode_queries(queries)
    shard_dense, shard_lexical = dense.index.shards[0], lexical.index.shards[0]
    dense_times, lexical_times = [], []
    for row, query in zip(vectors, queries, strict=False):
        started = time.perf_counter()
        shard_dense.search(row[None, :], 100)
        dense_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        shard_lexical.search([query], 100)
        lexical_times.append(time.perf_counter() - started)
    return {"documents": len(dense.index.shard_map.members[0]),
            "dense_ms_p50": percentiles(dense_times)["p50"], "lexical_ms_p50": percentiles(lexical_times)["p50"]}


def bytes_per_document(index: Path, documents: int) -> dict[str, float]:
    layout = IndexLayout(index)
    manifest = layout.read_manifest()
    folder = layout.data_dir(manifest)
    shards = sum(p.stat().st_size for p in (folder / "shards").rglob("*") if p.is_file())
    vectors = sum(p.stat().st_size for p in (folder / "shards").rglob("vectors.faiss"))
    store = (folder / "documents.sqlite").stat().st_size
    return {"shard_files": shards / documents, "vectors": vectors / documents, "bm25": (shards - vectors) / documents,
            "document_store": store / documents}


def project(per_doc: dict[str, float], shard_cost: dict[str, float], hop_ms: float, total_documents: int,
            shard_documents: int, node_memory_gib: float, node_cores: int, target_qps: float) -> dict[str, Any]:
    """A capacity estimate for ``total_documents``, from measured figures scaled linearly with the
    documents in a shard (exact Flat search and BM25's posting sums both grow so)."""
    shards = math.ceil(total_documents / shard_documents)
    shard_bytes = shard_documents * per_doc["shard_files"]
    usable = node_memory_gib * 2**30 * 0.5  # half of a node's memory for shards: the OS cache, the process, headroom
    shards_per_node = max(1, int(usable // shard_bytes))
    scale = shard_documents / shard_cost["documents"]
    shard_ms = (shard_cost["dense_ms_p50"] + shard_cost["lexical_ms_p50"]) * scale
    cpu_seconds_per_query = shards * shard_ms / 1000
    nodes_for_qps = math.ceil(target_qps * cpu_seconds_per_query / node_cores)
    nodes_for_memory = math.ceil(shards / shards_per_node)
    return {
        "documents": total_documents, "shards": shards, "documents_per_shard": shard_documents,
        "memory_per_shard_gib": round(shard_bytes / 2**30, 2), "shards_per_node": shards_per_node,
        "nodes_for_memory": nodes_for_memory, "cpu_seconds_per_query": round(cpu_seconds_per_query, 3),
        "nodes_for_target_qps": nodes_for_qps, "nodes": max(nodes_for_memory, nodes_for_qps),
        "latency_floor_ms": round(shard_ms + hop_ms, 1),
        "coordinator_document_store_gib": round(total_documents * per_doc["document_store"] / 2**30, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("datasets", type=Path, nargs="?", help="the folder holding scifact/, cranfield/, msmarco-subset/")
    parser.add_argument("--reasoning", help="measure reasoning instead, at these LUBM sizes (10,20,100)")
    parser.add_argument("--lubm-dir", type=Path, default=Path("../shared/ontologies/lubm"))
    parser.add_argument("--one-process-up-to", type=int, default=20,
                        help="universities; above it one process would need more memory than this machine has")
    parser.add_argument("--compare", type=int, default=5, help="the LUBM size whose two closures are compared")
    parser.add_argument("--query-seconds", type=float, default=600, help="the time limit of each LUBM query")
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--backend", default="onnx-int8", help="encoder of the large index (the cache keeps its vectors)")
    parser.add_argument("--encode-collection", default="cranfield")
    parser.add_argument("--encode-backend", default="onnx")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--projected-shard-documents", type=int, default=1_000_000)
    parser.add_argument("--node-memory-gib", type=float, default=64)
    parser.add_argument("--node-cores", type=int, default=16)
    parser.add_argument("--target-qps", type=float, default=100)
    parser.add_argument("--work", type=Path, default=Path("bench-out/scale-out"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/scale-out"))
    args = parser.parse_args()
    if args.reasoning:
        from .reasoning_scale import run_reasoning

        run_reasoning(args.lubm_dir, [int(n) for n in args.reasoning.split(",")], args.one_process_up_to,
                      args.compare, args.work / "reasoning", args.out, args.query_seconds)
        print((args.out / "report.md").read_text())
        return
    if args.datasets is None:
        parser.error("give the datasets folder, or --reasoning")
    from scientia.common.ray_cluster import connect
    from scientia.engine.shard_actors import RayShardHost
    from scientia.indexers.embedding_cache import default_cache_dir

    connect("local")
    corpus_texts = [json.loads(line) for line in (args.datasets / args.encode_collection / "corpus.jsonl").open()]
    encoding = encoding_throughput([(d.get("title", "") + "\n" + d["text"]).strip() for d in corpus_texts],
                                   args.encode_backend)
    print(json.dumps(encoding), flush=True)

    corpus = args.work / f"corpus-{args.documents}.jsonl"
    if not corpus.is_file():
        synthesize(args.datasets, args.documents, corpus)
    one_path, sharded_path = args.work / "one", args.work / f"shards-{args.shards}"
    for path, shards in ((one_path, 1), (sharded_path, args.shards)):
        if not IndexLayout(path).exists():
            started = time.perf_counter()
            build_index(corpus, path, BuildOptions(backend=args.backend, faiss_factory="Flat", shards=shards,
                                                   cache_dir=default_cache_dir()))
            print(f"built {path} in {time.perf_counter() - started:.0f} s", flush=True)
    queries = [q for name in COLLECTIONS for q in read_queries(args.datasets / name).values()][: args.queries]

    one, threads = Engine.open(one_path), Engine.open(sharded_path)
    agree = {}
    for mode in ("dense", "lexical"):
        expected, found = one.search_batch(queries, k=10, mode=mode), threads.search_batch(queries, k=10, mode=mode)
        agree[mode] = sum(same_top_k(a, b) for a, b in zip(expected, found, strict=False))
    on_ray = Engine.open(sharded_path, shard_host=RayShardHost("local"))
    timing = latencies({"one_index": one, "shards_threads": threads, "shards_ray_actors": on_ray}, queries)
    ratios = {mode: {name: round(timing[name][mode]["p50"] / timing["one_index"][mode]["p50"], 3)
                     for name in ("shards_threads", "shards_ray_actors")} for mode in MODES}
    hop_ms = {mode: round(timing["shards_ray_actors"][mode]["p50"] - timing["shards_threads"][mode]["p50"], 2)
              for mode in MODES}
    shard_cost = per_shard_costs(threads, queries)
    per_doc = bytes_per_document(sharded_path, args.documents)
    projection = [project(per_doc, shard_cost, hop_ms["hybrid"], total, args.projected_shard_documents,
                          args.node_memory_gib, args.node_cores, args.target_qps) for total in (10_000_000, 100_000_000)]
    report = {"benchmark": "scale-out", "machine": describe_machine(), "encoding": encoding,
              "documents": args.documents, "shards": args.shards, "backend": args.backend, "queries": len(queries),
              "identical_top10": agree, "latency_ms": timing, "p50_over_one_index": ratios, "actor_hop_ms_p50": hop_ms,
              "per_shard": shard_cost, "bytes_per_document": per_doc,
              "projection": {"label": "PROJECTION from the measured per-shard figures above, not a measurement",
                             "assumptions": {"documents_per_shard": args.projected_shard_documents,
                                             "node_memory_gib": args.node_memory_gib, "node_cores": args.node_cores,
                                             "target_qps": args.target_qps, "faiss": "Flat (exact)",
                                             "scaling": "search time and memory linear in a shard's documents"},
                             "rows": projection},
              "peak_memory_mib": peak_memory_mib()}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (args.out / "report.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


def markdown(report: dict[str, Any]) -> str:
    machine, encoding = report["machine"], report["encoding"]
    lines = [f"## Scaling out on {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB", "",
             f"### Encoding {encoding['documents']:,} documents ({encoding['backend']})", "",
             "| where | documents/s | over in-process |", "|---|---:|---:|"]
    for name, rate in encoding["documents_per_second"].items():
        lines.append(f"| {name.replace('_', ' ')} | {rate} | {encoding['over_in_process'][name]}× |")
    lines += ["", "Ray's figures include starting the actor pool and loading the encoder in each actor.", "",
              f"### {report['documents']:,} documents, Flat, {report['shards']} shards against one index "
              f"({report['queries']} queries, k=10, encoder {report['backend']})", "",
              f"Identical top 10 (ties at the 10th score aside): dense {report['identical_top10']['dense']}/"
              f"{report['queries']}, lexical {report['identical_top10']['lexical']}/{report['queries']}.", "",
              "| mode | one index p50 / p99 ms | shards, threads p50 / p99 | shards, Ray actors p50 / p99 | "
              "threads / one | actors / one | actor hop ms |", "|---|---|---|---|---:|---:|---:|"]
    timing = report["latency_ms"]
    for mode in MODES:
        cells = [f"{timing[name][mode]['p50']} / {timing[name][mode]['p99']}"
                 for name in ("one_index", "shards_threads", "shards_ray_actors")]
        ratio = report["p50_over_one_index"][mode]
        lines.append(f"| {mode} | " + " | ".join(cells) + f" | {ratio['shards_threads']}× | "
                     f"{ratio['shards_ray_actors']}× | {report['actor_hop_ms_p50'][mode]} |")
    shard, per_doc = report["per_shard"], report["bytes_per_document"]
    projection = report["projection"]
    assumptions = projection["assumptions"]
    lines += ["", f"One shard of {shard['documents']:,} documents: dense {shard['dense_ms_p50']} ms, lexical "
              f"{shard['lexical_ms_p50']} ms per query (p50); {per_doc['shard_files']:.0f} bytes per document in "
              f"shard files ({per_doc['vectors']:.0f} vectors, {per_doc['bm25']:.0f} BM25), "
              f"{per_doc['document_store']:.0f} in the coordinator's document store.", "",
              f"### Capacity: a {projection['label'].lower()}", "",
              f"Assumed: {assumptions['documents_per_shard']:,} documents per shard, nodes of "
              f"{assumptions['node_memory_gib']:.0f} GiB and {assumptions['node_cores']} cores (half the memory for "
              f"shards), {assumptions['target_qps']:.0f} hybrid queries/s, {assumptions['faiss']}; "
              f"{assumptions['scaling']}.", "",
              "| documents | shards | GiB per shard | shards per node | CPU s per query | nodes for memory | "
              "nodes for the QPS | nodes | latency floor ms | coordinator store GiB |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in projection["rows"]:
        lines.append(f"| {row['documents']:,} | {row['shards']} | {row['memory_per_shard_gib']} | "
                     f"{row['shards_per_node']} | {row['cpu_seconds_per_query']} | {row['nodes_for_memory']} | "
                     f"{row['nodes_for_target_qps']} | {row['nodes']} | {row['latency_floor_ms']} | "
                     f"{row['coordinator_document_store_gib']} |")
    lines += ["", f"Peak memory of the run: {report['peak_memory_mib']:.0f} MiB.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
