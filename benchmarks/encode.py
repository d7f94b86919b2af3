"""Encoder backends side by side, in one run: throughput at several batch sizes, and SciFact
nDCG@10 with each backend's embeddings (exact search, so only the encoder differs).

    python -m scientia.benchmarks.encode ../shared/datasets/scifact --out benchmarks/results/encode

Throughput is measured on the first 500 passages of the collection (median of 3 runs after a
warm-up), whole (SciFact abstracts: up to the model's 256 tokens) and cut to their first 50
words (the short-passage probe of TOOLCHAIN.md, where padding and attention weigh less);
every backend runs in this process with the same threads.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from scientia.indexers.builder import load_documents
from scientia.indexers.embedding_cache import EmbeddingCache, default_cache_dir
from scientia.indexers.encoder import BACKENDS, Encoder
from scientia.indexers.readers import read_qrels, read_queries

from .machine import describe_machine
from .metrics import evaluate

BATCH_SIZES = (32, 64, 128)
SAMPLE = 500
SHORT_WORDS = 50


def throughput(encoder: Encoder, texts: list[str], batch_size: int, repeats: int = 3) -> float:
    encoder.encode(texts[:batch_size], batch_size=batch_size)  # warm-up
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        encoder.encode(texts, batch_size=batch_size)
        rates.append(len(texts) / (time.perf_counter() - started))
    return round(statistics.median(rates), 1)


def quality(encoder: Encoder, dataset: Path, documents, corpus_checksum: str, cache: EmbeddingCache) -> dict[str, float]:
    import numpy as np

    vectors = cache.get(encoder.cache_key, corpus_checksum, len(documents))
    if vectors is None:
        vectors = encoder.encode([d.searchable_text() for d in documents], batch_size=64)
        cache.put(encoder.cache_key, corpus_checksum, vectors)
    queries, qrels = read_queries(dataset), read_qrels(dataset, "test")
    judged = [q for q in qrels if q in queries]
    scores = encoder.encode([queries[q] for q in judged]) @ vectors.T
    top = np.argsort(-scores, axis=1)[:, :100]
    run = {q: {documents[i].id: float(scores[row, i]) for i in top[row]} for row, q in enumerate(judged)}
    return evaluate(run, {q: qrels[q] for q in judged})


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/encode"))
    parser.add_argument("--backends", default=",".join(BACKENDS))
    args = parser.parse_args()
    documents, corpus_checksum = load_documents(args.dataset, "beir")
    texts = [d.searchable_text() for d in documents[:SAMPLE]]
    short = [" ".join(text.split()[:SHORT_WORDS]) for text in texts]
    cache = EmbeddingCache(default_cache_dir())
    results: dict[str, Any] = {}
    for backend in args.backends.split(","):
        encoder = Encoder(backend=backend)
        encoder.load()
        results[backend] = {
            "documents_per_second": {str(b): throughput(encoder, texts, b) for b in BATCH_SIZES},
            "short_passages_per_second": {str(b): throughput(encoder, short, b) for b in BATCH_SIZES},
            "scifact_test": quality(encoder, args.dataset, documents, corpus_checksum, cache),
        }
        print(backend, json.dumps(results[backend]), flush=True)
    report = {"benchmark": "encode", "dataset": args.dataset.name, "sample": len(texts), "machine": describe_machine(), "backends": results}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    base = results.get("torch")
    lines = [f"## Encoder backends: {len(texts):,} {args.dataset.name} passages; nDCG@10 on its test split (exact search)", "",
             f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores.", "",
             "| backend | abstracts/s @32 | @64 | @128 | vs torch @64 | 50-word passages/s @32 | @64 | @128 | vs torch @64 | nDCG@10 | Δ vs torch |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for backend, r in results.items():
        cells = []
        for key in ("documents_per_second", "short_passages_per_second"):
            speed = r[key]
            ratio = f"{speed['64'] / base[key]['64']:.2f}×" if base else "—"
            cells += [str(speed["32"]), str(speed["64"]), str(speed["128"]), ratio]
        delta = f"{r['scifact_test']['nDCG@10'] - base['scifact_test']['nDCG@10']:+.4f}" if base else "—"
        lines.append(f"| {backend} | " + " | ".join(cells) + f" | {r['scifact_test']['nDCG@10']:.4f} | {delta} |")
    (args.out / "report.md").write_text("\n".join(lines) + "\n")
    print((args.out / "report.md").read_text())


if __name__ == "__main__":
    main()
