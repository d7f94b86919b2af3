"""``scientia query``: one fused ranking from the terminal, with per-signal evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from scientia.engine import FusionMethod, SearchMode
from scientia.indexers.encoder import Device

from .errors import reports_user_errors
from .options import DeviceOption, FusionOption, ModeOption, ModelOption, RerankDepthOption, RerankOption


@reports_user_errors
def query(
    index: Path = typer.Argument(..., help="Index folder made by 'scientia index build'."),
    text: str = typer.Argument(..., help="The query."),
    k: int = typer.Option(10, "-k", "--top-k", min=1, help="How many results."),
    mode: Optional[SearchMode] = ModeOption,
    fusion: FusionMethod = FusionOption,
    filters: list[str] = typer.Option(
        [], "--filter", help="Metadata condition FIELD=VALUE, FIELD!=VALUE or, on numbers, FIELD>=X (>, <, <=); repeatable."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per hit, one per line."),
    rerank: Optional[Path] = RerankOption,
    rerank_depth: int = RerankDepthOption,
    model: Optional[Path] = ModelOption,
    device: Device = DeviceOption,
) -> None:
    """Search INDEX for TEXT: one fused ranking with per-signal evidence and inference chains."""
    from scientia.engine import MODES, CrossEncoderReranker, Engine

    reranker = CrossEncoderReranker(rerank, rerank_depth, device) if rerank else None
    with Engine.open(index, model=model, device=device) as engine:
        mode = mode or engine.default_mode
        hits = engine.search(text, k=k, mode=mode, fusion=fusion, filters=filters, reranker=reranker)
    if as_json:
        from .render import hits_as_json_lines

        if hits:
            typer.echo(hits_as_json_lines(hits))
        return
    from .render import render_hits

    render_hits(text, hits, MODES[mode] + (("rerank",) if reranker else ()))
