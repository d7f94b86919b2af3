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
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .builder import BM25_DIR, DOCUMENTS_FILE, VECTORS_FILE, load_documents
from .dense import DenseIndex
from .docstore import DocumentStore
from .encoder import Device, Encoder, checked_model_path
from .errors import InvalidArgumentError
from .knowledge_builder import link_documents
from .knowledge_store import KNOWLEDGE_FILE, KnowledgeStore
from .layout import IndexLayout
from .lexical import BM25Params, LexicalIndex
from .linking import EntityMatcher
from .readers import CorpusFormat

__all__ = ["UpdateOptions", "add_documents", "delete_documents", "compact", "COMPACT_RATIO"]

logger = logging.getLogger(__name__)

COMPACT_RATIO = 0.25
# Files a change rewrites in place must be real copies; the rest are hard links, and a step
# that replaces one removes the link first (see _replace).
_COPIED = (DOCUMENTS_FILE, KNOWLEDGE_FILE)


@dataclass
class UpdateOptions:
    corpus_format: CorpusFormat = "auto"
    reader_options: dict[str, str] = field(default_factory=dict)
    model: str | Path | None = None
    device: Device = "auto"
    batch_size: int = 64
    show_progress: bool = False
    compact_ratio: float = COMPACT_RATIO


def add_documents(index: str | Path, corpus: str | Path, options: UpdateOptions | None = None) -> dict[str, Any]:
    """Add the corpus's documents to the index; a document whose id is already there replaces it."""
    options = options or UpdateOptions()
    documents, _ = load_documents(corpus, options.corpus_format, False, **options.reader_options)
    layout = IndexLayout(index)
    manifest = layout.read_manifest()
    encoder = Encoder(checked_model_path(layout.root, manifest["encoder"], options.model), options.device,
                      checksum=manifest["encoder"]["checksum"], backend=manifest["encoder"].get("backend", "torch"))
    vectors = encoder.encode([d.searchable_text() for d in documents], options.batch_size, options.show_progress)

    def change(previous: Path, staging: Path, manifest: dict[str, Any]) -> dict[str, Any]:
        store = DocumentStore.open_for_update(staging / DOCUMENTS_FILE)
        replaced = store.tombstone(d.id for d in documents)
        first = store.positions()
        store.add(documents)
        dense = DenseIndex.load(previous / VECTORS_FILE, manifest["dense"]["factory"], use_gpu=False)
        if len(dense) != first:
            raise InvalidArgumentError(f"{previous}: FAISS holds {len(dense)} vectors for {first} positions; run index verify")
        dense.index.add(vectors)
        _replace(staging / VECTORS_FILE, dense.save)
        _rebuild_lexical(store, staging, manifest)
        if manifest.get("knowledge"):
            knowledge = KnowledgeStore.open_for_update(staging / KNOWLEDGE_FILE)
            matcher = EntityMatcher(knowledge.labels())
            knowledge.add_mentions(link_documents(documents, matcher, knowledge.entity_ids(), first))
            knowledge.commit()
        store.close()
        return {"kind": "add", "added": len(documents) - len(replaced), "replaced": len(replaced)}

    return _next_generation(layout, change, options.compact_ratio)


def delete_documents(index: str | Path, ids: Iterable[str], compact_ratio: float = COMPACT_RATIO) -> dict[str, Any]:
    """Delete documents by id; an id not in the index is an error and nothing is deleted."""
    wanted = list(dict.fromkeys(str(i).strip() for i in ids if str(i).strip()))
    if not wanted:
        raise InvalidArgumentError("no ids to delete")

    def change(previous: Path, staging: Path, manifest: dict[str, Any]) -> dict[str, Any]:
        store = DocumentStore.open_for_update(staging / DOCUMENTS_FILE)
        missing = [doc_id for doc_id in wanted if store.get(doc_id) is None]
        if missing:
            shown = ", ".join(repr(m) for m in missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            raise InvalidArgumentError(f"{len(missing)} ids are not in the index: {shown}; nothing was deleted")
        store.tombstone(wanted)
        _rebuild_lexical(store, staging, manifest)
        store.close()
        return {"kind": "delete", "deleted": len(wanted)}

    return _next_generation(IndexLayout(index), change, compact_ratio)


def compact(index: str | Path) -> dict[str, Any]:
    """Rewrite the index without tombstones, whatever their share."""
    return _next_generation(IndexLayout(index), lambda previous, staging, manifest: {"kind": "compact"}, 0.0, force=True)


def _next_generation(
    layout: IndexLayout,
    change: Callable[[Path, Path, dict[str, Any]], dict[str, Any]],
    compact_ratio: float,
    force: bool = False,
) -> dict[str, Any]:
    started = time.perf_counter()
    with layout.writer_lock():
        previous_manifest = layout.read_manifest()
        previous = layout.data_dir(previous_manifest)
        generation = previous_manifest["generation"] + 1
        staging = layout.staging_dir(generation)
        try:
            _copy_generation(previous, staging)
            summary = change(previous, staging, previous_manifest)
            store = DocumentStore.open_for_update(staging / DOCUMENTS_FILE)
            positions, tombstones = store.positions(), len(store.deleted_positions())
            store.close()
            if tombstones and (force or tombstones > compact_ratio * positions):
                _compact(staging, previous_manifest)
                summary["compacted"] = tombstones
            store = DocumentStore.open_for_update(staging / DOCUMENTS_FILE)
            counts = {"count": len(store), "positions": store.positions(), "tombstones": len(store.deleted_positions())}
            fields = store.metadata_fields()
            store.close()
            manifest = {
                **previous_manifest,
                "generation": generation,
                "data_dir": layout.generation_dir_name(generation),
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "documents": {**previous_manifest["documents"], **counts, "metadata_fields": fields},
                "last_change": {**summary, "seconds": round(time.perf_counter() - started, 3)},
                "files": layout.describe_files(staging),
            }
            layout.commit(staging, manifest)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    logger.info("generation %d committed: %s", generation, manifest["last_change"])
    return manifest


def _copy_generation(source: Path, target: Path) -> None:
    for path in sorted(source.rglob("*")):
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        elif path.name in _COPIED:
            shutil.copy2(path, destination)
        else:
            try:
                os.link(path, destination)
            except OSError:  # another file system, or no hard links: copy
                shutil.copy2(path, destination)


def _replace(path: Path, write: Callable[[Path], None]) -> None:
    """Write a new file (or folder) at ``path`` without touching a hard-linked previous version."""
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    write(path)


def _rebuild_lexical(store: DocumentStore, staging: Path, manifest: dict[str, Any]) -> None:
    params = BM25Params(**{k: v for k, v in manifest["lexical"].items() if k in BM25Params.__dataclass_fields__})
    _replace(staging / BM25_DIR, LexicalIndex.build(store.all_texts(), params).save)


def _compact(staging: Path, manifest: dict[str, Any]) -> None:
    import numpy as np

    store = DocumentStore.open_for_update(staging / DOCUMENTS_FILE)
    live = store.live_documents()
    store.close()
    dense = DenseIndex.load(staging / VECTORS_FILE, manifest["dense"]["factory"], use_gpu=False)
    vectors = _reconstruct(dense, np.array([position for position, _ in live], dtype=np.int64))
    (staging / DOCUMENTS_FILE).unlink()
    store = DocumentStore.create(staging / DOCUMENTS_FILE)
    store.add(document for _, document in live)
    _replace(staging / VECTORS_FILE, DenseIndex.build(vectors, dense.factory, use_gpu=False).save)
    _rebuild_lexical(store, staging, manifest)
    store.close()
    if manifest.get("knowledge"):
        knowledge = KnowledgeStore.open_for_update(staging / KNOWLEDGE_FILE)
        knowledge.renumber_mentions({old: new for new, (old, _) in enumerate(live)})
        knowledge.commit()


def _reconstruct(dense: DenseIndex, positions):
    import faiss

    index = faiss.downcast_index(dense.index)
    if isinstance(index, faiss.IndexIVF):
        index.make_direct_map()
        logger.warning("compacting %s: vectors read back from an IVF index are its approximations", dense.factory)
    return index.reconstruct_batch(positions)
