"""Keep an index current: add documents (a known id is an update), delete them, compact.

Every change writes the next generation beside the live one and commits it by replacing the
manifest (see :mod:`.layout`), so a reader sees the old generation or the new one, never a mix,
and a process killed at any point leaves the last committed generation whole.

Deleting from FAISS: HNSW cannot remove vectors, and IVF-PQ removal is slow, so no index type
removes anything in place. A deleted or replaced document's position is tombstoned in the
document store; every signal skips tombstones inside its search (FAISS ID selector, BM25 weight
mask), and BM25 statistics are recomputed without them. When tombstones pass
``compact_ratio`` of all positions, the generation is compacted: live vectors are read back
from FAISS (exact for Flat and HNSW; IVF-PQ gives back its approximations), the index rebuilt,
positions renumbered, mentions moved with them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scientia.common.errors import IndexFormatError, InvalidArgumentError
from scientia.common.faults import kill_point
from scientia.common.models import Device

from .builder import load_documents
from .components import COMPONENTS, Change, ModelRequest
from .docstore import DOCUMENTS_FILE, DocumentStore
from .generation import Generation, StagedGeneration, now
from .layout import IndexLayout
from .manifest import Manifest
from .readers import CorpusFormat

__all__ = ["UpdateOptions", "add_documents", "attach_file", "delete_documents", "compact", "COMPACT_RATIO"]

logger = logging.getLogger(__name__)

COMPACT_RATIO = 0.25


@dataclass
class UpdateOptions:
    corpus_format: CorpusFormat = "auto"
    reader_options: dict[str, str] = field(default_factory=dict)
    model: str | Path | None = None
    device: Device = "auto"
    batch_size: int = 64
    show_progress: bool = False
    compact_ratio: float = COMPACT_RATIO
    # Seconds to wait for another process writing the same index (0: fail at once).
    wait: float = 0.0


def add_documents(index: str | Path, corpus: str | Path, options: UpdateOptions | None = None) -> Manifest:
    """Add the corpus's documents to the index; a document whose id is already there replaces it."""
    options = options or UpdateOptions()
    documents, _ = load_documents(corpus, options.corpus_format, False, **options.reader_options)
    live = Generation.open(index)
    # every component's model, checked now, so that a wrong --model fails before the index is locked
    request = ModelRequest(options.model, options.device)
    models = {name: COMPONENTS[name].load_model(live.root, live.manifest.section(name), request)
              for name in live.manifest.components if live.has(name)}

    def change(step: Change) -> dict[str, Any]:
        replaced = step.store.tombstone(d.id for d in documents)
        step.first_position = step.store.positions()
        step.store.add(documents)
        kill_point("writing-documents")
        step.added = documents
        step.models = lambda component: _model_of(models, component)
        _each_component(step, "append")
        return {"kind": "add", "added": len(documents) - len(replaced), "replaced": len(replaced)}

    return _next_generation(IndexLayout(index), change, options.compact_ratio, options)


def delete_documents(index: str | Path, ids: Iterable[str], compact_ratio: float = COMPACT_RATIO,
                     wait: float = 0.0) -> Manifest:
    """Delete documents by id; an id not in the index is an error and nothing is deleted.
    ``wait``: seconds to wait for another process writing the index."""
    wanted = list(dict.fromkeys(str(i).strip() for i in ids if str(i).strip()))
    if not wanted:
        raise InvalidArgumentError("no ids to delete")

    def change(step: Change) -> dict[str, Any]:
        missing = [doc_id for doc_id in wanted if step.store.get(doc_id) is None]
        if missing:
            shown = ", ".join(repr(m) for m in missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            raise InvalidArgumentError(f"{len(missing)} ids are not in the index: {shown}; nothing was deleted")
        step.store.tombstone(wanted)
        kill_point("writing-documents")
        _each_component(step, "tombstone")
        return {"kind": "delete", "deleted": len(wanted)}

    return _next_generation(IndexLayout(index), change, compact_ratio, UpdateOptions(wait=wait))


def compact(index: str | Path, wait: float = 0.0) -> Manifest:
    """Rewrite the index without tombstones, whatever their share."""
    return _next_generation(IndexLayout(index), lambda step: {"kind": "compact"}, 0.0, UpdateOptions(wait=wait), force=True)


def attach_file(index: str | Path, name: str, content: bytes, wait: float = 0.0) -> Manifest:
    """A new generation with ``name`` (a file no component owns, such as the learned fusion)
    holding ``content``: listed and checksummed in the manifest like every data file, written
    under the writer lock, carried forward by later changes."""
    if "/" in name or name == DOCUMENTS_FILE or any(name in c.files for c in COMPONENTS.values()):
        raise InvalidArgumentError(f"{name!r} is not a name a generation can take for an extra file")

    def write(path: Path) -> None:
        path.write_bytes(content)

    def change(step: Change) -> dict[str, Any]:
        step.replace(name, write)
        return {"kind": "attach", "file": name}

    return _next_generation(IndexLayout(index), change, COMPACT_RATIO, UpdateOptions(wait=wait))


def _each_component(step: Change, method: str, *arguments: Any) -> None:
    """Let every component of the index take the change, updating its manifest section."""
    components = step.manifest.components
    for name, section in components.items():
        if section is not None:
            components[name] = getattr(COMPONENTS[name], method)(step, section, *arguments)
            kill_point(f"writing-{name}")


def _next_generation(
    layout: IndexLayout,
    change: Callable[[Change], dict[str, Any]],
    compact_ratio: float,
    options: UpdateOptions | None = None,
    force: bool = False,
) -> Manifest:
    started = time.perf_counter()
    options = options or UpdateOptions()
    with layout.writer_lock(options.wait):
        live = Generation.open(layout.root)
        unknown = live.unknown_components()
        if unknown:
            raise IndexFormatError(
                f"{layout.root}: has components this process does not know ({', '.join(unknown)}); "
                "register them before changing the index"
            )
        with StagedGeneration.begin(layout, live) as staged:
            staged.copy_previous()
            store = DocumentStore.open_for_update(staged.folder / DOCUMENTS_FILE)
            manifest = replace(live.manifest, components=dict(live.manifest.components))
            step = Change(staged.folder, live.folder, manifest, store, models=_no_models,
                          batch_size=options.batch_size, show_progress=options.show_progress)
            try:
                summary = change(step)
                positions, tombstones = store.positions(), len(store.deleted_positions())
                if tombstones and (force or tombstones > compact_ratio * positions):
                    step.store = store = _compact(step)
                    summary["compacted"] = tombstones
                counts: dict[str, Any] = {"count": len(store), "positions": store.positions(), "tombstones": len(store.deleted_positions())}
                fields = store.metadata_fields()
            finally:
                store.close()
            manifest = staged.commit(replace(
                manifest,
                created=now(),
                documents=replace(manifest.documents, **counts, metadata_fields=fields),
                last_change={**summary, "seconds": round(time.perf_counter() - started, 3)},
            ))
    logger.info("generation %d committed %s", manifest.generation, _describe(manifest.last_change or {}))
    return manifest


def _no_models(component: str) -> Any:
    raise InvalidArgumentError(f"this change loads no model (the {component} component asked for one)")


def _model_of(models: dict[str, Any], component: str) -> Any:
    model = models.get(component)
    if model is None:
        raise InvalidArgumentError(f"the {component} component has no model to load")
    return model


def _compact(step: Change) -> DocumentStore:
    """Rewrite the store without tombstones, then let each component follow the renumbering."""
    live = step.store.live_documents()
    step.store.close()
    (step.folder / DOCUMENTS_FILE).unlink()
    store = DocumentStore.create(step.folder / DOCUMENTS_FILE)
    store.add(document for _, document in live)
    step.store = store
    _each_component(step, "compact", [position for position, _ in live])
    return store


def _describe(change: dict[str, Any]) -> str:
    """``{"kind": "add", "added": 2, "seconds": 0.3, ...}`` → ``(add) 2 added, ... in 0.30 s``."""
    details = ", ".join(f"{value} {key}" for key, value in change.items() if key not in ("kind", "seconds"))
    return f"({change['kind']})" + (f" {details}" if details else "") + f" in {change['seconds']:.2f} s"
