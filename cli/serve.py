"""``scientia serve``: the engine over HTTP."""

from __future__ import annotations

from pathlib import Path

import typer

from .errors import reports_user_errors


@reports_user_errors
def serve(
    index: Path = typer.Argument(..., help="Index folder."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; 127.0.0.1 keeps it on this machine."),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    workers_threads: int = typer.Option(16, "--threads", min=1, help="Request threads sharing the engine."),
) -> None:
    """Serve INDEX over HTTP: POST /search, GET /documents/{id}, POST /sparql, GET /health, /docs."""
    import anyio.to_thread
    import uvicorn

    from scientia.engine.service import create_app

    app = create_app(index)

    @app.on_event("startup")
    async def size_thread_pool() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = workers_threads

    typer.echo(f"serving {index} on http://{host}:{port} (API docs at /docs)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
