"""Rich tables for people; JSON lines for programs. Only the CLI prints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from scientia.engine import Hit
    from scientia.indexers.manifest import Manifest

__all__ = ["render_hits", "hits_as_json_lines", "render_info", "render_benchmark"]


def hits_as_json_lines(hits: list[Hit]) -> str:
    return "\n".join(json.dumps(hit.to_dict(), ensure_ascii=False) for hit in hits)


def render_hits(query: str, hits: list[Hit], signal_names: tuple[str, ...], console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title=f"{query!r}: {len(hits)} result{'' if len(hits) == 1 else 's'}", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("score", justify="right")
    for name in signal_names:
        table.add_column(f"{name}\nrank", justify="right")
    table.add_column("document", ratio=1)
    for hit in hits:
        ranks = [str(hit.signals[name].rank) if name in hit.signals else "—" for name in signal_names]
        heading = f"[bold]{escape(hit.title)}[/bold]  " if hit.title else ""
        document = f"{heading}[dim]{escape(hit.id)}[/dim]\n{escape(hit.snippet(200))}"
        chain = next((e.chain for e in hit.signals.values() if e.chain), ())
        if chain:
            document += "\n[green]" + escape("\n  → ".join(chain)) + "[/green]"
        table.add_row(str(hit.rank), f"{hit.score:.4f}", *ranks, document)
    console.print(table)


def render_info(index: Path, manifest: Manifest, sizes: dict[str, int], shards: list[dict[str, int]] | None = None,
                console: Console | None = None) -> None:
    from scientia.indexers.components import COMPONENTS

    console = console or Console()
    table = Table(title=f"index {index}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("documents", f"{manifest.documents.count:,}"),
        ("generation", str(manifest.generation)),
        ("created", manifest.created),
        ("scientia", f"{manifest.scientia_version} (format {manifest.format_version})"),
        ("corpus", manifest.documents.corpus or "(the ontology's entities)"),
        # each component describes its own section (a plugin's too); one this process lacks is named
        *(row for name, section in manifest.components.items()
          for row in (COMPONENTS[name].describe(section) if name in COMPONENTS
                      else [(f"component {name}", "present (its plugin is not installed here)")] if section else [])),
        *((f"shard {shard['shard']:03d}", f"{shard['documents']:,} documents"
           + (f" ({shard['tombstones']:,} deleted, not yet compacted)" if shard.get("tombstones") else "")
           + f", {_human_bytes(shard['bytes'])}")
          for shard in shards or []),
        *((f"size {name}", _human_bytes(size)) for name, size in sizes.items()),
        ("size total", _human_bytes(sum(sizes.values()))),
    ]
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)


def render_benchmark(report: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title=f"{report['dataset']} ({report['split']}, {report['queries']} queries)", title_justify="left")
    for column in ("mode", "nDCG@10", "Recall@100", "MRR@10", "p50 ms", "p99 ms", "queries/s"):
        table.add_column(column, justify="right" if column != "mode" else "left")
    for mode, result in report["modes"].items():
        metrics, latency = result["metrics"], result["latency_ms"]
        table.add_row(
            mode,
            f"{metrics['nDCG@10']:.4f}",
            f"{metrics['R@100']:.4f}",
            f"{metrics['RR@10']:.4f}",
            f"{latency['p50']:.1f}",
            f"{latency['p99']:.1f}",
            f"{result['queries_per_second']:.1f}",
        )
    console.print(table)


def _human_bytes(size: int) -> str:
    scaled = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if scaled < 1024 or unit == "GiB":
            return f"{scaled:.0f} {unit}" if unit == "B" else f"{scaled:.1f} {unit}"
        scaled /= 1024
    return f"{scaled} B"
