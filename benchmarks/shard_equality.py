"""A BEIR collection built in shards on Ray against the one-piece index: the same answers.

For each encoder backend (torch and ONNX fp32 by default) the collection is built twice, as one
piece in process and with ``--shards N --ray local --faiss Flat``, and every judged query is asked
of both in dense, lexical and hybrid mode. A query agrees when both give the same top-10
scores (to 1e-4) and the same ids at each score, the documents tied at the 10th score aside.

    python -m scientia.benchmarks.shard_equality ../shared/datasets/cranfield --shards 3 \\
        --work bench-out/shard-equality --out benchmarks/results/shards-cranfield
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path
from typing import Any

from scientia.engine import Engine
from scientia.evaluation.machine import describe_machine
from scientia.indexers import BuildOptions, build_index
from scientia.indexers.readers import read_qrels, read_queries

MODES = ("dense", "lexical", "hybrid")
TOLERANCE = 1e-4


def same_top_k(one: list, sharded: list, tolerance: float = TOLERANCE) -> bool:
    """Same scores rank by rank (to ``tolerance``) and the same ids rank by rank, where documents
    whose scores tie (within ``tolerance``) may come in any order, and the tie at the last score
    may be cut through differently."""
    if len(one) != len(sharded) or any(abs(a.score - b.score) > tolerance for a, b in zip(one, sharded, strict=False)):
        return False
    start = 0
    while start < len(one):
        end = start + 1
        while end < len(one) and abs(one[end].score - one[start].score) <= tolerance:
            end += 1
        if end == len(one):  # the tie at the last score: the cut may take different documents
            return True
        if {h.id for h in one[start:end]} != {h.id for h in sharded[start:end]}:
            return False
        start = end
    return True


def compare(dataset: Path, work: Path, backend: str, shards: int, split: str) -> dict[str, Any]:
    queries = read_queries(dataset)
    judged = sorted(qid for qid in read_qrels(dataset, split) if qid in queries)
    built = {}
    for name, options in (("one", BuildOptions(backend=backend, faiss_factory="Flat")),
                          ("sharded", BuildOptions(backend=backend, faiss_factory="Flat", shards=shards, ray="local"))):
        folder = work / f"{backend}-{name}"
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        build_index(dataset, folder, options)
        built[name] = round(time.perf_counter() - started, 1)
    agree: dict[str, int] = {}
    disagreeing: dict[str, list[str]] = {}
    with Engine.open(work / f"{backend}-one") as one, Engine.open(work / f"{backend}-sharded") as sharded:
        texts = [queries[qid] for qid in judged]
        for mode in MODES:
            expected = one.search_batch(texts, k=10, mode=mode)
            found = sharded.search_batch(texts, k=10, mode=mode)
            same = [same_top_k(a, b) for a, b in zip(expected, found, strict=False)]
            agree[mode] = sum(same)
            disagreeing[mode] = [qid for qid, ok in zip(judged, same, strict=False) if not ok][:10]
    return {"backend": backend, "queries": len(judged), "agree": agree, "disagreeing_examples": disagreeing,
            "build_seconds": built}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--shards", type=int, default=3)
    parser.add_argument("--backends", default="torch,onnx")
    parser.add_argument("--split", default="test")
    parser.add_argument("--work", type=Path, default=Path("bench-out/shard-equality"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/shards-cranfield"))
    args = parser.parse_args()
    results = [compare(args.dataset, args.work, backend, args.shards, args.split) for backend in args.backends.split(",")]
    report = {"benchmark": "shard-equality", "dataset": args.dataset.name, "shards": args.shards,
              "machine": describe_machine(), "results": results}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    machine = report["machine"]
    lines = [f"## {args.dataset.name}: {args.shards} shards built on Ray (local) against one index, FAISS Flat", "",
             f"Machine: {machine['cpu']}, {machine['cores']} cores. A query agrees when the top-10 scores match to "
             f"{TOLERANCE} and the ids at each score match (ties at the 10th score aside).", "",
             "| backend | queries | " + " | ".join(f"{m} agree" for m in MODES) + " | build one / sharded s |",
             "|---|---:|" + "---:|" * len(MODES) + "---|"]
    for result in results:
        lines.append(f"| {result['backend']} | {result['queries']} | "
                     + " | ".join(str(result["agree"][m]) for m in MODES)
                     + f" | {result['build_seconds']['one']} / {result['build_seconds']['sharded']} |")
    (args.out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
