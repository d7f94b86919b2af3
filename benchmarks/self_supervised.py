"""Self-supervised training on each shared collection's documents, before and after, in one run.

For each collection, MiniLM is trained as ``scientia train --self-supervised --corpus
COLLECTION/corpus.jsonl`` trains it with its defaults (pairs from at most 1,500 documents, one
epoch, learning rate 2e-5, no mined negatives: :mod:`scientia.training.self_supervised`); no
query and no judgement is read. Then the packaged MiniLM and the trained one are benchmarked on
the collection's test queries (dense, lexical, hybrid with the default fusion).

    python -m scientia.benchmarks.self_supervised ../shared/datasets --collections cranfield,scifact,msmarco-subset
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any, cast

from scientia.evaluation.machine import describe_machine
from scientia.evaluation.report import write_json_and_markdown

__all__ = ["train_self_supervised", "run"]

MODES = ["dense", "lexical", "hybrid"]


def train_self_supervised(corpus: Path, model: Path) -> dict[str, Any]:
    """Train MiniLM on ``corpus``'s documents alone, as the CLI does by default; the training record."""
    from scientia.training import BiEncoderConfig, train_bi_encoder
    from scientia.training.data_sources import load_training_data
    from scientia.training.self_supervised import (
        MAX_DOCUMENTS,
        SELF_SUPERVISED_DEFAULTS,
    )

    data, _ = load_training_data(corpus=corpus, self_supervised=True, max_documents=MAX_DOCUMENTS)
    config = BiEncoderConfig(output=model, show_progress=False, **cast(dict[str, Any], SELF_SUPERVISED_DEFAULTS))
    return train_bi_encoder(data, config)


def run(datasets: Path, collections: list[str], work: Path, backend: str) -> dict[str, Any]:
    from scientia.evaluation.retrieval import BenchmarkConfig, run_benchmark
    from scientia.indexers.embedding_cache import default_cache_dir
    from scientia.indexers.encoding import Backend

    results: dict[str, Any] = {}
    for name in collections:
        dataset = datasets / name
        model = work / "models" / name
        if not (model / "training.json").is_file():
            started = time.perf_counter()
            train_self_supervised(dataset / "corpus.jsonl", model)
            print(f"{name}: trained in {time.perf_counter() - started:.0f} s", flush=True)
        record = json.loads((model / "training.json").read_text(encoding="utf-8"))
        entry: dict[str, Any] = {"training": {"pairs": record["pairs"], "seconds": record["seconds"],
                                              "config": record["config"], "data": record["data"],
                                              "held_out": record["held_out_scores"]}}
        for label, path in (("default", None), ("self-supervised", model)):
            report = run_benchmark(BenchmarkConfig(dataset=dataset, modes=MODES, model=path, backend=cast(Backend, backend),
                                                   cache_dir=default_cache_dir(), out=work / "runs" / name / label,
                                                   index_dir=work / "indexes" / name / label))
            entry[label] = {mode: report["modes"][mode]["metrics"] for mode in MODES}
        results[name] = entry
        print(name, {label: round(entry[label]["dense"]["nDCG@10"], 4) for label in ("default", "self-supervised")},
              flush=True)
    return results


def markdown(report: dict[str, Any]) -> str:
    machine = report["machine"]
    lines = ["## Self-supervised training (documents only): nDCG@10 on each collection's test queries", "",
             f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB. MiniLM trained with "
             "`scientia train --self-supervised`'s defaults: title → text and sentence → rest of document pairs from "
             "at most 1,500 documents, 1 epoch, lr 2e-5, no mined negatives. Fusion: the default.", "",
             "| collection | pairs | training s | dense before | dense after | Δ | hybrid before | hybrid after | Δ |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, entry in report["results"].items():
        before, after = entry["default"], entry["self-supervised"]
        pairs = entry["training"]["pairs"]["train"] + entry["training"]["pairs"]["held_out"]
        cells = [name, f"{pairs:,}", f"{entry['training']['seconds']['training']:.0f}"]
        for mode in ("dense", "hybrid"):
            b, a = before[mode]["nDCG@10"], after[mode]["nDCG@10"]
            cells += [f"{b:.4f}", f"{a:.4f}", f"{a - b:+.4f}"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Lexical is the same index either way (see report.json for every measure)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("datasets", type=Path)
    parser.add_argument("--collections", default="cranfield,scifact,msmarco-subset")
    parser.add_argument("--work", type=Path, default=Path("bench-out/self-supervised"))
    parser.add_argument("--backend", default="torch")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/self-supervised"))
    args = parser.parse_args()
    names = [name.strip() for name in args.collections.split(",") if name.strip()]
    results = run(args.datasets, names, args.work, args.backend)
    report = {"benchmark": "self-supervised", "machine": describe_machine(), "backend": args.backend, "results": results}
    print(write_json_and_markdown(report, markdown(report), args.out))


if __name__ == "__main__":
    main()
