"""``scientia query``: one fused ranking from the terminal, with per-signal evidence."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

import typer

from .errors import reports_user_errors
from .options import (
    DEFAULT_FUSION,
    DeviceArg,
    FusionArg,
    ModeArg,
    ModelArg,
    RerankArg,
    RerankDepthArg,
)

if TYPE_CHECKING:
    from scientia.common.models import Device


@reports_user_errors
def query(
    index: Path = typer.Argument(..., help="Index folder made by 'scientia index build'."),
    text: str = typer.Argument(..., help="The query."),
    k: int = typer.Option(10, "-k", "--top-k", min=1, help="How many results."),
    mode: ModeArg = None,
    fusion: FusionArg = DEFAULT_FUSION,
    filters: list[str] = typer.Option(
        [], "--filter", help="Metadata condition FIELD=VALUE, FIELD!=VALUE or, on numbers, FIELD>=X (>, <, <=); repeatable. "
        "Quote it, or the shell reads > and < as redirections: --filter 'year>=2020'."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per hit, one per line."),
    rerank: RerankArg = None,
    rerank_depth: RerankDepthArg = 50,
    model: ModelArg = None,
    device: DeviceArg = "auto",
) -> None:
    """Search INDEX for TEXT: one fused ranking with per-signal evidence and inference chains."""
    from scientia.engine import MODES, CrossEncoderReranker, Engine

    reranker = CrossEncoderReranker(rerank, rerank_depth, cast("Device", device)) if rerank else None
    with Engine.open(index, model=model, device=cast("Device", device)) as engine:
        mode = mode or engine.default_mode
        hits = engine.search(text, k=k, mode=mode, fusion=fusion, filters=filters, reranker=reranker)
    if as_json:
        from .render import hits_as_json_lines

        if hits:
            typer.echo(hits_as_json_lines(hits))
        return
    from .render import render_hits

    render_hits(text, hits, MODES[mode] + (("rerank",) if reranker else ()))
