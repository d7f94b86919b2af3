"""``scientia serve``: the engine over HTTP."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import typer

from .errors import reports_user_errors
from .local_ray import RayArg, run_with_ray

# Seconds the server waits for requests still running when it is told to stop (SPARQL queries
# are stopped at once, and /search answers in milliseconds).
GRACEFUL_STOP_SECONDS = 3


@reports_user_errors
def serve(
    index: Path = typer.Argument(..., help="Index folder."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; 127.0.0.1 keeps it on this machine."),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    threads: int = typer.Option(16, "--threads", min=1, help="Request threads sharing the engine, per worker."),
    workers: int = typer.Option(1, "--workers", min=1, help="Server processes, each with its own engine over the same index."),
    ray: RayArg = None,
    sparql_timeout: float = typer.Option(
        10.0, "--sparql-timeout", min=0.1, help="Seconds a SPARQL query may run; one past it is stopped and answered 503."),
    sparql_max_rows: int = typer.Option(
        10_000, "--sparql-max-rows", min=1, help="Rows (triples, for CONSTRUCT) a SPARQL answer may have; more is a 503."),
) -> None:
    """Serve INDEX over HTTP: the search page at /, POST /search, GET /documents/{id}, POST /sparql,
    GET /health, /info, /docs. It reads only INDEX, and listens only on --host and --port (but for
    the Ray cluster it joins with --ray auto or ADDRESS, whose members all listen); with --ray, a
    sharded index's shards are Ray actors."""
    from scientia.indexers.generation import Generation
    from scientia.reasoners.sparql_pool import QueryBudget

    Generation.open(index)  # a bad index fails here with its one line, before anything listens
    budget = QueryBudget(sparql_timeout, sparql_max_rows)
    listener = _listen(host, port)
    run_with_ray(ray, lambda: _run(index, host, port, listener, threads, workers, ray, budget))


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, opened before anything else starts (and before ``--ray local``
    moves the work into a network of its own, where it keeps answering on this one)."""
    from scientia.common.errors import InvalidArgumentError

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(2048)
    except OSError as error:
        raise InvalidArgumentError(f"--host {host} --port {port}: cannot listen there ({error.strerror or error})") from None
    listener.set_inheritable(True)
    return listener


def _run(index: Path, host: str, port: int, listener: socket.socket, threads: int, workers: int, ray: str | None,
         budget) -> None:
    import uvicorn

    from scientia.engine.service import (
        SERVE_BUDGET_ENV,
        SERVE_INDEX_ENV,
        SERVE_RAY_ENV,
        SERVE_THREADS_ENV,
        app_from_environment,
        create_app,
    )

    settings: dict[str, Any] = {"log_level": "warning", "timeout_graceful_shutdown": GRACEFUL_STOP_SECONDS}
    if workers == 1:
        app = create_app(index, threads, ray, budget)  # opens the index and loads the encoder
        typer.echo(f"serving {index} on http://{_shown(host)}:{port} (API docs at /docs)", err=True)
        uvicorn.Server(uvicorn.Config(app, **settings)).run(sockets=[listener])
        return
    from uvicorn.supervisors import Multiprocess

    os.environ[SERVE_INDEX_ENV], os.environ[SERVE_THREADS_ENV] = str(Path(index).resolve()), str(threads)
    os.environ[SERVE_BUDGET_ENV] = f"{budget.seconds},{budget.rows}"
    if ray is not None:
        os.environ[SERVE_RAY_ENV] = ray
    config = uvicorn.Config(f"{app_from_environment.__module__}:{app_from_environment.__name__}", factory=True,
                            workers=workers, **settings)
    typer.echo(f"serving {index} on http://{_shown(host)}:{port} with {workers} workers (API docs at /docs)", err=True)
    Multiprocess(config, sockets=[listener]).run()


def _shown(host: str) -> str:
    return f"[{host}]" if ":" in host else host
