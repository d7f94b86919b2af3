"""``scientia serve``: the engine over HTTP."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from .errors import reports_user_errors


@reports_user_errors
def serve(
    index: Path = typer.Argument(..., help="Index folder."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; 127.0.0.1 keeps it on this machine."),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    threads: int = typer.Option(16, "--threads", min=1, help="Request threads sharing the engine, per worker."),
    workers: int = typer.Option(1, "--workers", min=1, help="Server processes, each with its own engine over the same index."),
    ray: Optional[str] = typer.Option(
        None, "--ray", metavar="local|auto|ADDRESS",
        help="Search a sharded index's shards with one Ray actor each, on this cluster (local starts one here)."),
) -> None:
    """Serve INDEX over HTTP: POST /search, GET /documents/{id}, POST /sparql, GET /health, /docs."""
    import uvicorn

    from scientia.engine.service import SERVE_INDEX_ENV, SERVE_RAY_ENV, SERVE_THREADS_ENV, app_from_environment, create_app

    typer.echo(f"serving {index} on http://{host}:{port} (API docs at /docs)", err=True)
    if workers == 1:
        uvicorn.run(create_app(index, threads, ray), host=host, port=port, log_level="warning")
        return
    from scientia.indexers.generation import Generation

    Generation.open(index)  # a bad index fails here, once, with its one-line error, before workers start
    os.environ[SERVE_INDEX_ENV], os.environ[SERVE_THREADS_ENV] = str(Path(index).resolve()), str(threads)
    if ray is not None:
        os.environ[SERVE_RAY_ENV] = ray
    uvicorn.run(f"{app_from_environment.__module__}:{app_from_environment.__name__}", factory=True,
                workers=workers, host=host, port=port, log_level="warning")
