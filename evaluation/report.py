"""Benchmark reports: ``report.json`` (everything), ``report.md`` (a table), ``report.png`` (a plot)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["write_report", "write_json_and_markdown", "markdown_table"]

_COLUMNS = (("nDCG@10", "nDCG@10"), ("Recall@100", "R@100"), ("MRR@10", "RR@10"),
            ("P@10", "P@10"), ("Recall@10", "R@10"), ("F1@10", "F1@10"))


def write_report(report: dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (folder / "report.md").write_text(markdown_table(report), encoding="utf-8")
    _plot(report, folder / "report.png")


def write_json_and_markdown(report: dict[str, Any], markdown: str, folder: Path) -> str:
    """``report.json`` and ``report.md`` (a benchmark's own table) in ``folder``; the markdown back."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (folder / "report.md").write_text(markdown, encoding="utf-8")
    return markdown


def markdown_table(report: dict[str, Any]) -> str:
    machine = report["machine"]
    lines = [
        f"## {report['dataset']} ({report['split']}): {report['queries']} queries, {report['documents']:,} documents",
        "",
        f"Encoder {report['encoder']['name']}, FAISS {report['faiss_factory']}, fusion {report['fusion']}. "
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
        f"GPUs seen by FAISS: {machine['gpus_seen_by_faiss']}.",
        "",
        "| mode | " + " | ".join(label for label, _ in _COLUMNS) + " | p50 ms | p99 ms | queries/s |",
        "|---|" + "---:|" * (len(_COLUMNS) + 3),
    ]
    columns = _columns(report)
    lines[-2:] = ["| mode | " + " | ".join(label for label, _ in columns) + " | p50 ms | p99 ms | queries/s |",
                  "|---|" + "---:|" * (len(columns) + 3)]
    for mode, result in report["modes"].items():
        metrics, latency = result["metrics"], result["latency_ms"]
        cells = [f"{metrics[key]:.4f}" for _, key in columns]
        cells += [f"{latency['p50']:.1f}", f"{latency['p99']:.1f}", f"{result['queries_per_second']:.1f}"]
        lines.append(f"| {mode} | " + " | ".join(cells) + " |")
    index = report["index"]
    lines += [
        "",
        f"Index build: {index['build_seconds']:.1f} s ({'reused' if index['reused'] else 'built'}"
        f"{', embeddings from cache' if index.get('embeddings_from_cache') else ''}); "
        f"encoder throughput {report['encoder_docs_per_second']:.1f} documents/s; "
        f"peak memory {report['peak_memory_mib']:.0f} MiB.",
        "",
        *_extraction_lines(report),
    ]
    return "\n".join(lines)


def _extraction_lines(report: dict[str, Any]) -> list[str]:
    """The extracted graph's size, per 1,000 documents too, where the index has one."""
    extraction = (report.get("knowledge") or {}).get("extraction")
    if not extraction:
        return []
    per_thousand = 1000 / max(1, report["documents"])
    counts = ", ".join(f"{extraction[key]:,} {label} ({extraction[key] * per_thousand:,.0f} per 1,000 documents)"
                       for key, label in (("entities", "entities"), ("is_a", "is-a facts"), ("relations", "relations"),
                                          ("co_occurrences", "co-occurrences")))
    return [f"Extracted graph ({extraction['model']}, rules {extraction.get('rules', '?')}): {counts}; "
            f"extraction {extraction['seconds']:.0f} s.", ""]


def _columns(report: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The standard columns, after the extra measures the run was asked for (Recall@2 from R@2)."""
    extra = tuple((name.replace("R@", "Recall@"), name) for name in report.get("extra_measures", ()))
    return extra + _COLUMNS


def _plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    modes = list(report["modes"])
    figure, (quality, latency) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [3, 2]})
    width = 0.8 / max(len(modes), 1)
    positions = np.arange(len(_COLUMNS))
    for i, mode in enumerate(modes):
        values = [report["modes"][mode]["metrics"][key] for _, key in _COLUMNS]
        bars = quality.bar(positions + i * width, values, width, label=mode)
        quality.bar_label(bars, fmt="%.3f", fontsize=7)
    quality.set_xticks(positions + width * (len(modes) - 1) / 2, [label for label, _ in _COLUMNS])
    quality.set_ylim(0, 1)
    quality.set_title(f"{report['dataset']} {report['split']}: quality")
    quality.legend(fontsize=8)
    p50 = [report["modes"][m]["latency_ms"]["p50"] for m in modes]
    p99 = [report["modes"][m]["latency_ms"]["p99"] for m in modes]
    spots = np.arange(len(modes))
    latency.bar(spots - 0.2, p50, 0.4, label="p50")
    latency.bar(spots + 0.2, p99, 0.4, label="p99")
    latency.set_xticks(spots, modes)
    latency.set_ylabel("ms per query")
    latency.set_title("end-to-end latency")
    latency.legend(fontsize=8)
    figure.suptitle(f"{report['machine']['cpu']} · {report['machine']['cores']} cores", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
