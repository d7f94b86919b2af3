"""Encoder backends side by side, in one run: throughput at several batch sizes, and SciFact
nDCG@10 with each backend's embeddings (exact search, so only the encoder differs).

    python -m scientia.benchmarks.encode ../shared/datasets/scifact --out benchmarks/results/encode

Throughput is measured on the first 500 passages of the collection in three probes:

- ``abstracts``: whole (SciFact abstracts: up to the model's 256 tokens);
- ``50 words``: each cut to its first 50 words (SciFact's vocabulary makes that 80-110 tokens);
- ``56 tokens``: each cut to at most 56 tokens with [CLS] and [SEP], the short-passage probe
  of TOOLCHAIN.md behind the issue's "about 440 int8 sentences/s against 127 for torch".

All backends are loaded in this process with the same threads, and measured in turns: each
round times every backend once on the same texts, so a noisy neighbour on a shared machine
slows all of them alike instead of one. A rate is the median of the rounds after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from scientia.evaluation.machine import describe_machine
from scientia.evaluation.metrics import evaluate
from scientia.indexers.builder import load_documents
from scientia.indexers.embedding_cache import EmbeddingCache, default_cache_dir
from scientia.indexers.encoding import BACKENDS, Encoder
from scientia.indexers.readers import read_qrels, read_queries

__all__ = ["PROBES", "main", "probe_texts", "throughputs"]

BATCH_SIZES = (32, 64, 128)
SAMPLE = 500
ROUNDS = 3
SHORT_WORDS = 50
SHORT_TOKENS = 56
PROBES = ("abstracts", f"{SHORT_WORDS} words", f"{SHORT_TOKENS} tokens")


def probe_texts(texts: list[str], tokenizer_file: Path) -> dict[str, list[str]]:
    """The three probes over the same passages; the token cut ends at a word piece's last character."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    cut = []
    for text, encoding in zip(texts, tokenizer.encode_batch(texts), strict=False):
        offsets = [span for span, special in zip(encoding.offsets, encoding.special_tokens_mask, strict=False) if not special]
        cut.append(text[: offsets[min(len(offsets), SHORT_TOKENS - 2) - 1][1]] if offsets else text)
    return {PROBES[0]: texts, PROBES[1]: [" ".join(t.split()[:SHORT_WORDS]) for t in texts], PROBES[2]: cut}


def throughputs(encoders: dict[str, Encoder], texts: list[str], batch_size: int) -> dict[str, float]:
    """Texts per second for each encoder, measured in interleaved rounds."""
    for encoder in encoders.values():
        encoder.encode(texts[:batch_size], batch_size=batch_size)  # warm-up
    rates: dict[str, list[float]] = {name: [] for name in encoders}
    for _ in range(ROUNDS):
        for name, encoder in encoders.items():
            started = time.perf_counter()
            encoder.encode(texts, batch_size=batch_size)
            rates[name].append(len(texts) / (time.perf_counter() - started))
    return {name: round(statistics.median(r), 1) for name, r in rates.items()}


def quality(encoder: Encoder, dataset: Path, documents, corpus_checksum: str, cache: EmbeddingCache) -> dict[str, float]:
    import numpy as np

    vectors = cache.get(encoder.cache_key, corpus_checksum, len(documents))
    if vectors is None:
        vectors = encoder.encode([d.searchable_text() for d in documents], batch_size=64)
        cache.put(encoder.cache_key, corpus_checksum, vectors)
    queries, qrels = read_queries(dataset), read_qrels(dataset, "test")
    judged = [q for q in qrels if q in queries]
    scores = encoder.encode_queries([queries[q] for q in judged]) @ vectors.T
    top = np.argsort(-scores, axis=1)[:, :100]
    run = {q: {documents[i].id: float(scores[row, i]) for i in top[row]} for row, q in enumerate(judged)}
    return evaluate(run, {q: qrels[q] for q in judged})


def markdown(report: dict[str, Any]) -> str:
    results = report["backends"]
    base = results.get("torch")
    header = " | ".join(f"{probe} @{b}" for probe in PROBES for b in BATCH_SIZES)
    lines = [
        f"## Encoder backends: {report['sample']:,} {report['dataset']} passages; nDCG@10 on its test split (exact search)", "",
        f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores. Texts per second, median of "
        f"{ROUNDS} interleaved rounds; the ratio is to torch fp32 at the same probe and batch size.", "",
        f"| backend | {header} | nDCG@10 | Δ vs torch |",
        "|---|" + "---:|" * (len(PROBES) * len(BATCH_SIZES) + 2),
    ]
    for backend, r in results.items():
        cells = []
        for probe in PROBES:
            for b in map(str, BATCH_SIZES):
                rate = r["per_second"][probe][b]
                ratio = f" ({rate / base['per_second'][probe][b]:.2f}×)" if base and backend != "torch" else ""
                cells.append(f"{rate}{ratio}")
        delta = f"{r['scifact_test']['nDCG@10'] - base['scifact_test']['nDCG@10']:+.4f}" if base else "—"
        lines.append(f"| {backend} | " + " | ".join(cells) + f" | {r['scifact_test']['nDCG@10']:.4f} | {delta} |")
    lengths = report["probe_tokens"]
    lines += ["", "Tokens per passage (mean, with [CLS] and [SEP]): " + ", ".join(f"{p} {lengths[p]}" for p in PROBES) + "."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/encode"))
    parser.add_argument("--backends", default=",".join(BACKENDS))
    args = parser.parse_args()
    documents, corpus_checksum = load_documents(args.dataset, "beir")
    encoders = {backend: Encoder(backend=backend) for backend in args.backends.split(",")}
    for encoder in encoders.values():
        encoder.load()
    first = next(iter(encoders.values()))
    probes = probe_texts([d.searchable_text() for d in documents[:SAMPLE]], first.path / "tokenizer.json")
    probe_tokens = {}
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(first.path / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(first.max_seq_length)
    for probe, texts in probes.items():
        probe_tokens[probe] = round(statistics.mean(len(e.ids) for e in tokenizer.encode_batch(texts)), 1)
    per_second: dict[str, dict[str, dict[str, float]]] = {name: {p: {} for p in PROBES} for name in encoders}
    for probe, texts in probes.items():
        for batch_size in BATCH_SIZES:
            for name, rate in throughputs(encoders, texts, batch_size).items():
                per_second[name][probe][str(batch_size)] = rate
            print(probe, batch_size, {name: per_second[name][probe][str(batch_size)] for name in encoders}, flush=True)
    cache = EmbeddingCache(default_cache_dir())
    results: dict[str, Any] = {
        name: {"per_second": per_second[name], "scifact_test": quality(encoder, args.dataset, documents, corpus_checksum, cache)}
        for name, encoder in encoders.items()
    }
    report = {"benchmark": "encode", "dataset": args.dataset.name, "sample": len(probes[PROBES[0]]), "rounds": ROUNDS,
              "probe_tokens": probe_tokens, "machine": describe_machine(), "backends": results}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "report.md").write_text(markdown(report))
    print((args.out / "report.md").read_text())


if __name__ == "__main__":
    main()
