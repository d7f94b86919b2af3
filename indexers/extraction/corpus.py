"""Extraction for an index generation: parse the documents, keep each one's findings in
``extraction.sqlite``, and assemble the corpus graph from all of them."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scientia.common.faults import kill_point
from scientia.common.progress import progress

from ..documents import Document
from .graph import CorpusGraph, assemble
from .pipeline import extract_documents, extractor_info
from .store import EXTRACTION_FILE, ExtractionStore

__all__ = ["extract_into", "update_extraction", "corpus_graph", "parser_method", "PARSED_LANGUAGES"]

logger = logging.getLogger(__name__)

# Languages the dependency parser reads; other corpora get the shallow reading.
PARSED_LANGUAGES = frozenset({"en"})


def parser_method(language: str | None) -> str:
    if language is None or language in PARSED_LANGUAGES:
        return "parsed"
    logger.warning("the corpus is in %r, which the English parser does not read: extraction keeps titles, "
                   "capitalized names and their co-occurrence in a sentence (no is-a, no verb relations)", language)
    return "shallow"


def extract_into(folder: Path, documents: list[Document], language: str | None, ray_address: str | None = None,
                 show_progress: bool = False) -> dict[str, Any]:
    """Write ``extraction.sqlite`` for ``documents`` into ``folder``; returns the manifest's account of it."""
    started = time.perf_counter()
    method = parser_method(language)
    with progress("extracting knowledge", total=len(documents), unit="document", enabled=show_progress) as advance:
        extractions = extract_documents(documents, method, ray_address=ray_address, advance=advance)
    store = ExtractionStore.create(folder / EXTRACTION_FILE)
    store.add(extractions)
    store.commit()
    store.close()
    kill_point("extracting-knowledge")
    _warn_failed(extractions)
    return {**extractor_info(method), "documents": len(documents), "ray": ray_address is not None,
            "seconds": round(time.perf_counter() - started, 3)}


def update_extraction(folder: Path, added: list[Document], live_ids: Iterable[str], language: str | None) -> None:
    """Bring ``folder``'s ``extraction.sqlite`` (a copy for the next generation) to the live
    documents: forget those no longer live (deleted, or replaced by ``added``), extract ``added``."""
    store = ExtractionStore.open_for_update(folder / EXTRACTION_FILE)
    live = set(live_ids) - {document.id for document in added}
    store.delete([document for document in store.document_ids() if document not in live])
    if added:
        extractions = extract_documents(added, parser_method(language))
        store.add(extractions)
        _warn_failed(extractions)
    store.commit()
    store.close()
    kill_point("extracting-knowledge")


def corpus_graph(folder: Path) -> CorpusGraph:
    store = ExtractionStore.open(folder / EXTRACTION_FILE)
    try:
        return assemble(store.entities(), store.facts())
    finally:
        store.close()


def _warn_failed(extractions) -> None:
    failed = [e.document for e in extractions if e.method == "failed"]
    if failed:
        logger.warning("%d documents could not be parsed and add no knowledge (they are indexed as usual): %s",
                       len(failed), ", ".join(repr(f) for f in failed[:5]) + (" ..." if len(failed) > 5 else ""))
