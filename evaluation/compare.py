"""Two or more encoders on one collection in one run: the same queries, modes and fusion for each,
one table and one plot (``scientia bench --compare-models BASE,TUNED``)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from .report import markdown_table
from .retrieval import BenchmarkConfig, run_benchmark

__all__ = ["run_model_comparison", "parse_models", "DEFAULT_MODEL_LABEL"]

DEFAULT_MODEL_LABEL = "default"  # the packaged all-MiniLM-L6-v2


def parse_models(spec: str) -> list[tuple[str, Path | None]]:
    """``"default,models/tuned"`` → ``[("default", None), ("tuned", Path("models/tuned"))]``."""
    from scientia.common.errors import InvalidArgumentError
    from scientia.common.models import local_model_folder

    models: list[tuple[str, Path | None]] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        path = None if item == DEFAULT_MODEL_LABEL else Path(item)
        label = DEFAULT_MODEL_LABEL if path is None else path.resolve().name
        if path is not None:
            local_model_folder(path, "not a local model folder", "--compare-models takes model folders or 'default'")
        if any(label == known for known, _ in models):
            label = f"{label}-{len(models) + 1}"
        models.append((label, path))
    if len(models) < 2:
        raise InvalidArgumentError(f"--compare-models: give at least two models separated by commas (got {spec!r})")
    return models


def run_model_comparison(config: BenchmarkConfig, models: list[tuple[str, Path | None]]) -> dict[str, Any]:
    """Benchmark each model into ``config.out/<label>`` and write the side-by-side report into ``config.out``."""
    out = Path(config.out)
    reports = {}
    for label, path in models:
        index_dir = Path(config.index_dir) / label if config.index_dir else None
        reports[label] = run_benchmark(replace(config, model=path, out=out / label, index_dir=index_dir))
    comparison = {"dataset": next(iter(reports.values()))["dataset"], "split": config.split, "models": reports}
    out.mkdir(parents=True, exist_ok=True)
    (out / "comparison.json").write_text(json.dumps(comparison, indent=2) + "\n", encoding="utf-8")
    (out / "comparison.md").write_text(comparison_table(comparison), encoding="utf-8")
    _plot(comparison, out / "comparison.png")
    return comparison


def comparison_table(comparison: dict[str, Any], details: bool = True) -> str:
    """The side-by-side table; with ``details``, each encoder's checksum and full per-model report."""
    reports = comparison["models"]
    first = next(iter(reports.values()))
    machine = first["machine"]
    lines = [
        f"## {comparison['dataset']} ({comparison['split']}): {first['queries']} queries, encoders compared",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB. Fusion {first['fusion']}.",
        "",
        "| model | mode | nDCG@10 | Recall@100 | MRR@10 | p50 ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for label, report in reports.items():
        for mode, result in report["modes"].items():
            m = result["metrics"]
            lines.append(f"| {label} | {mode} | {m['nDCG@10']:.4f} | {m['R@100']:.4f} | {m['RR@10']:.4f} | "
                         f"{result['latency_ms']['p50']:.1f} |")
    if not details:
        return "\n".join(lines) + "\n"
    lines += ["", "Encoders (sha256):"]
    lines += [f"- {label}: {report['encoder']['path']} ({report['encoder']['checksum'][:12]}){_training_summary(report)}"
              for label, report in reports.items()]
    rerank = first.get("rerank")
    if rerank:
        trained = _training_summary({"encoder": {"path": rerank["model"]}})
        lines += ["", f"Re-ranking: cross-encoder {rerank['model']}, top {rerank['depth']} of the fused list{trained}"]
    lines += ["", *(markdown_table(report) for report in reports.values())]
    return "\n".join(lines) + "\n"


def _training_summary(report: dict[str, Any]) -> str:
    """What ``scientia train`` recorded in the model folder, if it made the model."""
    record_path = Path(report["encoder"]["path"]) / "training.json"
    if not record_path.is_file():
        return ""
    record = json.loads(record_path.read_text(encoding="utf-8"))
    scores = record.get("held_out_scores") or {}
    held_out = ""
    if scores.get("after") is not None:
        before = f"{scores['before']:.4f} → " if scores.get("before") is not None else ""
        held_out = f"; held-out {scores['metric']} {before}{scores['after']:.4f}"
    return (f"; trained ({record['kind']}) on {record['data']} in {record['seconds']['total']:.0f} s, "
            f"{record['pairs']['train']} training examples{held_out}")


def _plot(comparison: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    reports = comparison["models"]
    modes = list(dict.fromkeys(mode for report in reports.values() for mode in report["modes"]))
    figure, axis = plt.subplots(figsize=(max(6, 1.6 * len(modes) + 2), 4.2))
    width = 0.8 / len(reports)
    spots = np.arange(len(modes))
    for i, (label, report) in enumerate(reports.items()):
        values = [report["modes"].get(mode, {}).get("metrics", {}).get("nDCG@10", 0.0) for mode in modes]
        bars = axis.bar(spots + i * width, values, width, label=label)
        axis.bar_label(bars, fmt="%.3f", fontsize=7)
    axis.set_xticks(spots + width * (len(reports) - 1) / 2, modes)
    axis.set_ylim(0, 1)
    axis.set_ylabel("nDCG@10")
    axis.set_title(f"{comparison['dataset']} {comparison['split']}: encoders compared")
    axis.legend(fontsize=8)
    machine = next(iter(reports.values()))["machine"]
    figure.suptitle(f"{machine['cpu']} · {machine['cores']} cores", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
