"""Which encoder backend should be the default? Each shared collection built and scored with
each backend, in one run: build time (every vector encoded fresh) and nDCG@10 per mode.

The rule (issue "fast from the terminal"): ONNX int8 becomes the default where its nDCG@10 stays
within 0.005 of torch fp32 on every collection; otherwise ONNX fp32 does. Beside the rule, the
report names the fastest build within that bound on each collection (the goal for whole
abstracts was 3x torch fp32). torch-bf16 runs only on CPUs with bf16 instructions.

    python -m scientia.benchmarks.backends ../shared/datasets --out benchmarks/results/backends
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from scientia.evaluation.machine import describe_machine
from scientia.evaluation.retrieval import BenchmarkConfig, run_benchmark

__all__ = ["compare_backends", "decide", "QUALITY_BOUND"]

COLLECTIONS = ("scifact", "cranfield", "msmarco-subset")
BACKENDS = ("torch", "onnx", "onnx-int8", "torch-bf16")
QUALITY_BOUND = 0.005


def compare_backends(datasets: Path, work: Path, collections=COLLECTIONS, backends=BACKENDS) -> dict[str, Any]:
    from scientia.common.models import default_model_path
    from scientia.indexers.encoding import BACKENDS as REGISTERED

    skipped = {name: REGISTERED[name].cannot_run(default_model_path()) for name in backends}
    skipped = {name: reason for name, reason in skipped.items() if reason}
    backends = [name for name in backends if name not in skipped]
    results: dict[str, dict[str, Any]] = {}
    for collection in collections:
        if not (datasets / collection).is_dir():
            continue
        for backend in backends:
            with tempfile.TemporaryDirectory(prefix="scientia-backends-") as cache:  # encode every vector
                report = run_benchmark(BenchmarkConfig(
                    dataset=datasets / collection, out=work / collection / backend, index_dir=work / collection / f"{backend}-index",
                    backend=backend, cache_dir=Path(cache), modes=["dense", "hybrid"],
                ))
            results.setdefault(collection, {})[backend] = {
                "build_seconds": report["index"]["build_seconds"],
                "encode_docs_per_second": report["encoder_docs_per_second"],
                "nDCG@10": {mode: r["metrics"]["nDCG@10"] for mode, r in report["modes"].items()},
            }
    return {"machine": describe_machine(), "results": results, "decision": decide(results),
            "fastest_within_bound": fastest_within_bound(results), "skipped": skipped}


def fastest_within_bound(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per collection, the quickest build whose dense and hybrid nDCG@10 stay within QUALITY_BOUND of torch."""
    best = {}
    for collection, by in results.items():
        reference = by["torch"]
        within = [(row["build_seconds"], backend) for backend, row in by.items()
                  if all(row["nDCG@10"][mode] - reference["nDCG@10"][mode] >= -QUALITY_BOUND for mode in reference["nDCG@10"])]
        seconds, backend = min(within)
        best[collection] = {"backend": backend, "speed_up": round(reference["build_seconds"] / seconds, 2)}
    return best


def decide(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """int8 where it is within QUALITY_BOUND of torch (dense and hybrid) on every collection, else onnx."""
    worst = min(
        (by["onnx-int8"]["nDCG@10"][mode] - by["torch"]["nDCG@10"][mode], collection, mode)
        for collection, by in results.items() for mode in by["torch"]["nDCG@10"]
    )
    default = "onnx-int8" if worst[0] >= -QUALITY_BOUND else "onnx"
    return {"default": default, "worst_int8_delta": round(worst[0], 4), "where": f"{worst[1]} {worst[2]}"}


def table(report: dict[str, Any]) -> str:
    machine = report["machine"]
    lines = [
        "## Encoder backends: build time and quality on every shared collection",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, no GPU. One run; each index built with every vector "
        "encoded fresh; speed-up is build time against torch fp32 on the same collection.",
        "",
        "| collection | backend | build s | speed-up | docs/s | nDCG@10 dense | Δ | nDCG@10 hybrid | Δ |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for collection, by in report["results"].items():
        reference = by["torch"]
        for backend, row in by.items():
            ndcg = row["nDCG@10"]
            lines.append(
                f"| {collection} | {backend} | {row['build_seconds']:.1f} | {reference['build_seconds'] / row['build_seconds']:.2f}× "
                f"| {row['encode_docs_per_second'] or 0:.1f} | {ndcg['dense']:.4f} | {ndcg['dense'] - reference['nDCG@10']['dense']:+.4f} "
                f"| {ndcg['hybrid']:.4f} | {ndcg['hybrid'] - reference['nDCG@10']['hybrid']:+.4f} |"
            )
    decision = report["decision"]
    lines += ["", f"Decision over {', '.join(report['results'])}: default backend **{decision['default']}** "
              f"(worst int8 Δ {decision['worst_int8_delta']:+.4f}, {decision['where']}; bound ±{QUALITY_BOUND}).",
              "", "Fastest build within the bound: " + "; ".join(
                  f"{collection} {best['backend']} ({best['speed_up']:.2f}× torch fp32)"
                  for collection, best in report.get("fastest_within_bound", {}).items()) + "."]
    lines += [f"Not run: {backend} ({reason})." for backend, reason in report.get("skipped", {}).items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("datasets", type=Path, help="folder with scifact/, cranfield/, msmarco-subset/")
    parser.add_argument("--work", type=Path, default=Path("bench-out/backends"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/backends"))
    parser.add_argument("--collections", default=",".join(COLLECTIONS), help="comma-separated folders of DATASETS")
    args = parser.parse_args()
    report = compare_backends(args.datasets, args.work, tuple(args.collections.split(",")))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "report.md").write_text(table(report))
    print(table(report))


if __name__ == "__main__":
    main()
