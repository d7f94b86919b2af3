"""What ``scientia serve`` shows a person: the search page at ``/`` and the API docs offline.

The page is three static files shipped in the package (``web/``): HTML, one script, one style
sheet, no build step and nothing fetched from another host. It talks to the same endpoints as
any client (``/info``, ``/search``, ``/documents/{id}``, ``/sparql``). ``/docs`` (Swagger UI)
and ``/redoc`` load their scripts from the assets the ``fastapi-offline`` package ships, so
they work with no network.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from .service import LiveEngine

__all__ = ["PAGE_FOLDER", "add_pages"]

PAGE_FOLDER = Path(__file__).with_name("web")
_PAGE_ASSETS = "/static"
_DOCS_ASSETS = "/static-docs"
_REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def _docs_assets_folder() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).with_name("static")


@cache
def _offline_redoc_script() -> bytes:
    """ReDoc's script with its footer logo served from here: as shipped, it loads the logo from
    cdn.redoc.ly, the one thing /redoc would fetch from another host."""
    script = (_docs_assets_folder() / "redoc.standalone.js").read_bytes()
    return script.replace(_REDOC_LOGO.encode(), f"{_PAGE_ASSETS}/favicon.svg".encode())


def add_pages(app: FastAPI, live: LiveEngine) -> None:
    """Serve the search page, ``GET /info`` for it, and the offline ``/docs`` and ``/redoc``."""
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.responses import FileResponse, HTMLResponse, Response
    from fastapi.staticfiles import StaticFiles

    from .fusion import DEFAULT_FUSION

    @app.get(f"{_DOCS_ASSETS}/redoc.standalone.js", include_in_schema=False)
    def redoc_script() -> Response:
        return Response(_offline_redoc_script(), media_type="text/javascript")

    # after the route above: Starlette takes the first match, and the mount would match it too
    app.mount(_PAGE_ASSETS, StaticFiles(directory=PAGE_FOLDER), name="page")
    app.mount(_DOCS_ASSETS, StaticFiles(directory=_docs_assets_folder()), name="docs-assets")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(PAGE_FOLDER / "index.html", media_type="text/html")

    @app.get("/info")
    def info() -> dict[str, Any]:
        """What the index offers: its modes, the fusion methods it can answer with, its metadata
        fields; ``stale`` says why a newer generation is not being served (null when it is)."""
        engine = live.engine
        return {
            "generation": engine.manifest.generation,
            "documents": len(engine),
            "default_mode": engine.default_mode,
            "modes": engine.modes,
            "fusion_methods": engine.fusion_methods,
            "default_fusion": DEFAULT_FUSION,
            "metadata_fields": engine.metadata_fields,
            "knowledge_graph": engine.has_knowledge,  # SPARQL and the reasoning verbs answer
            "stale": live.stale_reason,
        }

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{_DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{_DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{_DOCS_ASSETS}/favicon.png",
            # Swagger UI would send the spec to validator.swagger.io for its badge
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            redoc_js_url=f"{_DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{_DOCS_ASSETS}/favicon.png",
            with_google_fonts=False,
        )
