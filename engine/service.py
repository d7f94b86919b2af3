"""The engine over HTTP (FastAPI): ``POST /search``, ``GET /documents/{id}``, ``POST /sparql``,
``GET /health``, ``GET /info``; the search page at ``/`` and the API docs at ``/docs`` and
``/redoc`` (:mod:`.pages`).

One engine serves every request thread. When ``index add`` or ``delete`` commits a newer
generation, the next request notices the manifest changed, a background thread opens the new
generation (reusing the loaded encoder), and requests switch to it once it is ready: no restart,
no request waits on the reload or fails because of it.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import BaseModel, Field, create_model
from starlette.exceptions import HTTPException

from scientia.common.errors import (
    QueryCancelledError,
    ScientiaError,
    ShardUnavailableError,
)
from scientia.indexers.layout import IndexLayout

from .engine import MAX_QUERY_CHARS, Engine
from .fusion import DEFAULT_FUSION, FUSION_METHODS
from .modes import MODES
from .pages import add_pages
from .signals import SIGNALS

if TYPE_CHECKING:
    from scientia.reasoners.sparql import SparqlAnswer
    from scientia.reasoners.sparql_pool import QueryBudget, SparqlPool

__all__ = ["BoundedBodies", "LiveEngine", "MAX_BODY_BYTES", "SparqlRequest", "app_from_environment", "create_app",
           "search_request_model"]

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1 << 20
MAX_K = 1000
# SPARQL worker processes per server process: queries that run at once; more wait for one.
SPARQL_PROCESSES = 2


class LiveEngine:
    """The engine of an index's newest committed generation, and the SPARQL workers that answer
    over it.

    When the index changes into something this process cannot open (a damaged manifest, a
    folder gone), it goes on answering from the generation it has, and says so:
    :attr:`stale_reason` is set, ``/health`` answers 503 with it, and the log has it at ERROR.
    """

    def __init__(self, path: str | Path, shard_host: Any = None, sparql_budget: QueryBudget | None = None,
                 sparql_processes: int = SPARQL_PROCESSES) -> None:
        from scientia.reasoners.sparql_pool import SERVER_BUDGET

        self.layout = IndexLayout(path)
        self.shard_host = shard_host
        self.sparql_budget = sparql_budget or SERVER_BUDGET
        self._sparql_processes = sparql_processes
        self._engine = Engine.open(path, shard_host=shard_host)
        for name in self._engine.available_signals:
            if SIGNALS[name].preload:  # its model loads now, not during the first request
                self._engine.signal(name)
        self._seen = self._stamp()
        self._reloading = threading.Lock()
        self.stale_reason: str | None = None
        self._pool: SparqlPool | None = None
        self._pool_lock = threading.Lock()
        self._stopped: str | None = None
        if self._engine.has_knowledge:
            self.sparql_pool()  # its workers start now, in the background

    def _stamp(self) -> int | None:
        """When the manifest last changed; None where it cannot be read (a changed index too)."""
        try:
            return self.layout.manifest_path.stat().st_mtime_ns
        except OSError:
            return None

    @property
    def engine(self) -> Engine:
        stamp = self._stamp()
        if stamp != self._seen and self._reloading.acquire(blocking=False):
            self._seen = stamp
            threading.Thread(target=self._reload, daemon=True).start()
        return self._engine

    def _reload(self) -> None:
        old = self._engine
        try:
            if self.layout.read_manifest().generation == old.manifest.generation:
                self.stale_reason = None
                return
            loaded = tuple(model for name in old.loaded_signals for model in old.signal(name).models())
            new = Engine.open(self.layout.root, loaded=loaded, shard_host=self.shard_host)
            for name in old.loaded_signals:
                if new.has_signal(name):  # an index rebuilt without an ontology has no knowledge signal
                    new.signal(name)
            self._engine = new
            self.stale_reason = None
            logger.info("serving generation %d", new.manifest.generation)
            if self.shard_host is not None:
                self.shard_host.retire(old.generation.folder)
            # `old` is not closed: requests already running on it finish; the GC frees it.
        except Exception as error:  # keep serving the old generation, and say so; the next change retries
            self.stale_reason = (f"{self.layout.root} changed into something this server cannot open ({error}); "
                                 f"still serving generation {old.manifest.generation}")
            logger.error("%s", self.stale_reason)
        finally:
            self._reloading.release()

    def sparql_pool(self) -> SparqlPool:
        """The worker processes that answer SPARQL (started on first need)."""
        from scientia.reasoners.sparql_pool import SparqlPool

        with self._pool_lock:
            if self._stopped:
                raise QueryCancelledError(f"SPARQL query not run: {self._stopped}")
            if self._pool is None:
                self._pool = SparqlPool(self._sparql_processes)
            return self._pool

    def sparql(self, query: str) -> SparqlAnswer:
        """SPARQL over the generation being served (it follows switches as /search does), in a
        worker process, within :attr:`sparql_budget`."""
        graph = self.engine.knowledge_graph_file()
        try:
            return self.sparql_pool().run(graph, query, self.sparql_budget)
        except QueryCancelledError as error:
            logger.warning("%s", error)
            raise

    def stop_queries(self, reason: str = "the server is stopping") -> None:
        """Stop every SPARQL query now (their clients get 503) and refuse new ones."""
        with self._pool_lock:
            self._stopped = reason
            pool = self._pool
        if pool is not None:
            pool.close(reason)


def search_request_model() -> type[BaseModel]:
    """The body of ``POST /search``; its modes and fusion methods are those registered now."""
    return create_model(
        "SearchRequest",
        query=(str, Field(min_length=1, max_length=MAX_QUERY_CHARS)),
        k=(int, Field(10, ge=1, le=MAX_K)),
        # the registered names now, as a closed choice (a plugin's modes included)
        mode=cast(Any, (Literal[MODES.names()] | None, None)),
        fusion=cast(Any, (Literal[FUSION_METHODS.names()], DEFAULT_FUSION)),
        filters=(list[str], Field(default_factory=list, max_length=20)),
    )


class SparqlRequest(BaseModel):
    query: str = Field(min_length=1, max_length=100_000)


class BoundedBodies:
    """ASGI middleware: a request body over ``limit`` bytes gets 413, whether its length is
    declared (refused before a byte is read) or it arrives in chunks (refused as soon as the
    chunks pass the limit, without reading the rest)."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from fastapi.responses import JSONResponse

        too_large = JSONResponse({"detail": f"request body over {self.limit} bytes"}, status_code=413)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await too_large(scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:  # FastAPI passes an HTTPException on as the response
                    raise _BodyTooLarge(413, f"request body over {self.limit} bytes")
            return message

        async def watched_send(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except _BodyTooLarge:
            if not started:
                await too_large(scope, receive, send)


class _BodyTooLarge(HTTPException):
    pass


def create_app(index: str | Path, threads: int | None = None, ray: str | None = None,
               sparql_budget: QueryBudget | None = None):
    """The FastAPI app serving ``index``; ``threads`` sizes the pool that runs requests; with
    ``ray`` (``local``, ``auto`` or an address) a sharded index's shards are Ray actors;
    ``sparql_budget`` bounds each SPARQL query (default: 10 s and 10,000 rows)."""
    from fastapi import FastAPI, Header, HTTPException, Request
    from fastapi.responses import JSONResponse, Response

    from scientia.reasoners.sparql_results import (
        MEDIA_TYPES,
        format_for_accept,
        json_value,
        serialize,
    )

    shard_host = None
    if ray is not None:
        from .shard_actors import RayShardHost

        shard_host = RayShardHost(ray)
        shard_host.check_nodes(Path(index))
    live = LiveEngine(index, shard_host, sparql_budget)
    app = FastAPI(
        title="scientia",
        description="Semantic search fused with OWL reasoning; each hit with its evidence.",
        version=live.engine.manifest.scientia_version,
        docs_url=None,  # served offline by add_pages
        redoc_url=None,
    )
    SearchRequest = search_request_model()
    app.add_middleware(BoundedBodies, limit=MAX_BODY_BYTES)

    if threads is not None:
        @app.on_event("startup")
        async def size_thread_pool() -> None:
            import anyio.to_thread

            anyio.to_thread.current_default_thread_limiter().total_tokens = threads

    @app.exception_handler(ScientiaError)
    async def user_error(request: Request, error: ScientiaError):
        return JSONResponse({"detail": str(error)}, status_code=400)

    @app.exception_handler(ShardUnavailableError)
    @app.exception_handler(QueryCancelledError)
    async def not_answered(request: Request, error: ScientiaError):
        return JSONResponse({"detail": str(error)}, status_code=503)

    @app.on_event("startup")
    async def stop_queries_on_signals() -> None:
        """SIGTERM or SIGINT stops every SPARQL query at once (its client gets 503), so the server
        stops within seconds instead of waiting for them; then the server's own handler runs."""
        import signal

        if threading.current_thread() is not threading.main_thread():
            return  # only the main thread sets signal handlers (an app driven by a test client)
        for number in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(number)

            def stop(signum, frame, previous=previous) -> None:
                live.stop_queries()
                if callable(previous):
                    previous(signum, frame)

            signal.signal(number, stop)

    @app.on_event("shutdown")
    async def stop_sparql_workers() -> None:
        live.stop_queries()

    @app.get("/health", responses={503: {"description": "The index changed into something this server cannot open; "
                                          "it still answers from the generation it has."}})
    def health():
        engine = live.engine
        body = {"status": "ok", "generation": engine.manifest.generation, "documents": len(engine)}
        if live.stale_reason:
            return JSONResponse({**body, "status": "stale", "detail": live.stale_reason}, status_code=503)
        return body

    def search(request) -> dict[str, Any]:
        engine = live.engine
        hits = engine.search(request.query, k=request.k, mode=request.mode, fusion=request.fusion, filters=request.filters)
        return {"generation": engine.manifest.generation, "hits": [hit.to_dict() for hit in hits]}

    # The model is made here, so FastAPI must see the class itself, not a name it would look up in this module.
    search.__annotations__ = {"request": SearchRequest, "return": dict[str, Any]}
    app.post("/search")(search)

    @app.get("/documents/{doc_id:path}")
    def document(doc_id: str) -> dict[str, Any]:
        found = live.engine.store.get(doc_id)
        if found is None:
            raise HTTPException(status_code=404, detail=f"no document with id {doc_id!r}")
        return {"id": found.id, "title": found.title, "text": found.text, "metadata": found.metadata}

    @app.post("/sparql", response_class=Response, responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}}})
    def sparql(request: SparqlRequest, accept: str | None = Header(default=None)):
        """A SPARQL 1.1 query. The answer's format follows ``Accept``: the W3C results formats
        (application/sparql-results+json, +xml, text/csv, text/tab-separated-values), Turtle or
        N-Triples for graphs; otherwise JSON: ``{"columns", "rows"}`` (one object per row, unbound
        variables absent), ``{"boolean"}`` for ASK."""
        answer = live.sparql(request.query)
        chosen = format_for_accept(accept, answer.form)
        if chosen == "json" and answer.form == "SELECT":
            body = {"columns": answer.variables,
                    "rows": [{name: json_value(value) for name, value in row.items()} for row in answer.rows]}
            return JSONResponse(body)
        if chosen == "json":
            return JSONResponse({"boolean": answer.boolean})
        return Response(serialize(answer, chosen), media_type=MEDIA_TYPES[chosen])

    add_pages(app, live)
    app.state.live = live  # the engine being served (tests reach its shard actors through it)
    return app


SERVE_INDEX_ENV = "SCIENTIA_SERVE_INDEX"
SERVE_THREADS_ENV = "SCIENTIA_SERVE_THREADS"
SERVE_RAY_ENV = "SCIENTIA_SERVE_RAY"
SERVE_BUDGET_ENV = "SCIENTIA_SERVE_SPARQL_BUDGET"  # "seconds,rows"


def app_from_environment():
    """The app factory that ``scientia serve --workers N`` hands uvicorn: each worker process
    opens the index named by ``SCIENTIA_SERVE_INDEX`` itself (memory-mapped files are shared
    through the page cache)."""
    import os

    from scientia.reasoners.sparql_pool import QueryBudget

    threads = os.environ.get(SERVE_THREADS_ENV)
    budget = os.environ.get(SERVE_BUDGET_ENV)
    seconds, rows = budget.split(",") if budget else (None, None)
    return create_app(os.environ[SERVE_INDEX_ENV], int(threads) if threads else None, os.environ.get(SERVE_RAY_ENV),
                      QueryBudget(float(seconds), int(rows)) if budget else None)
