"""The dense component: document embeddings in FAISS (``vectors.faiss``), row ``i`` = position ``i``.

Its manifest section records the encoder that embedded the documents (format 2; format 1 kept
it at the manifest's top level): queries and changes must use the same one, checked by checksum.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scientia.common.errors import IndexFormatError
from scientia.common.faults import kill_point

from ..dense import DenseIndex, ShardedDenseIndex, default_factory, gpu_count
from ..embedding_cache import EmbeddingCache
from ..encoding import Encoder, checked_model_path
from ..manifest import EncoderSection
from ..sharding import POSITIONS_FILE, ShardMap, shard_folder
from .base import BuildContext, Change, Component, ModelRef, ModelRequest, OpenContext

if TYPE_CHECKING:
    import numpy as np

__all__ = ["DenseComponent", "DenseSection", "VECTORS_FILE", "load_shard", "recall_against_exact", "recorded_encoder"]

VECTORS_FILE = "vectors.faiss"
# Queries that measure a sharded approximate index's recall at build.
RECALL_SAMPLE = 200
logger = logging.getLogger(__name__)


@dataclass
class DenseSection:
    factory: str
    metric: str
    dimension: int
    built_on_gpu: bool
    faiss_version: str
    shards: int = 1  # above 1: shards/NNN/vectors.faiss (scientia.indexers.sharding)
    # Sharded and approximate (HNSW, IVF): recall@10 of the merged shards against exact search,
    # measured at build on a sample of the documents' own vectors as queries.
    recall_at_10: float | None = None
    # The encoder of the documents' vectors (None only while a format-1 manifest is read).
    encoder: EncoderSection | None = None


class DenseComponent(Component):
    name = "dense"
    Section = DenseSection
    files = (VECTORS_FILE,)

    def models(self, section: DenseSection) -> tuple[ModelRef, ...]:
        encoder = section.encoder
        return (ModelRef("encoder", encoder.name, encoder.path, encoder.checksum),) if encoder is not None else ()

    def load_model(self, root: Path, section: DenseSection, request: ModelRequest) -> Encoder:
        """The encoder that embedded the documents: the recorded folder, or ``request.model``
        if it holds the same model (checked now, so that a wrong ``--model`` fails before any write)."""
        recorded = recorded_encoder(root, section)
        model = checked_model_path(root, recorded, request.model)
        return Encoder(model, request.device, checksum=recorded.checksum, backend=recorded.backend)

    def shard_count(self, section: DenseSection) -> int:
        return section.shards

    def summary(self, section: DenseSection) -> str:
        return f"{section.factory}, {section.dimension} dimensions" + (f", {section.shards} shards" if section.shards > 1 else "")

    def describe(self, section: DenseSection | None) -> list[tuple[str, str]]:
        if section is None:
            return []
        rows = []
        if section.encoder is not None:
            encoder = section.encoder
            rows += [("encoder", f"{encoder.name}  dim {encoder.dimension}  sha256 {encoder.checksum[:12]}  {encoder.backend}"),
                     ("encoder path", encoder.path)]
        return rows + [("FAISS", f"{section.factory} ({section.metric}, faiss {section.faiss_version})"
                        + (f", {section.shards} shards" if section.shards > 1 else "")
                        + (f", recall@10 {section.recall_at_10} against exact" if section.recall_at_10 else ""))]

    def open_shard(self, folder: Path, section: DenseSection, shard: int) -> DenseIndex:
        return load_shard(folder, shard, section.factory)

    def shard_attributes(self, section: DenseSection) -> dict[str, object]:
        return {"factory": section.factory, "dimension": section.dimension}

    def owned_files(self, section: DenseSection) -> tuple[str, ...]:
        if section.shards <= 1:
            return self.files
        return tuple(f"{shard_folder(s)}/{name}" for s in range(section.shards) for name in (VECTORS_FILE, POSITIONS_FILE))

    def create(self, folder: Path, build: BuildContext) -> DenseSection:
        import faiss

        if build.options.faiss_factory:  # a wrong --faiss fails before the documents are encoded
            DenseIndex.empty(build.options.faiss_factory, build.encoder.dimension)
        vectors = _embed(build)
        shard_map = build.shard_map()
        recall = None  # measured for sharded approximate indexes only
        if shard_map is None:
            dense = DenseIndex.build(vectors, build.options.faiss_factory)
            dense.save(folder / VECTORS_FILE)
        else:
            # one factory for every shard: the one a single index of this corpus would get
            factory = build.options.faiss_factory or default_factory(len(vectors))
            shards = []
            for shard, members in enumerate(shard_map.members):
                dense = DenseIndex.build(vectors[members], factory)
                (folder / shard_folder(shard)).mkdir(parents=True, exist_ok=True)
                dense.save(folder / shard_folder(shard) / VECTORS_FILE)
                shards.append(dense)
            shard_map.save(folder)  # the shards' position files: this component writes them for both
            if factory != "Flat":
                recall = recall_against_exact(ShardedDenseIndex(shards, shard_map), vectors)
                logger.info("%d %s shards: recall@10 %.4f against exact search", len(shards), factory, recall)
        build.encoder.prepare_queries()
        return DenseSection(dense.factory, "inner_product", dense.dimension, gpu_count() > 0, faiss.__version__,
                            shard_map.count if shard_map else 1, recall, build.encoder.info(build.options.batch_size))

    def open(self, folder: Path, section: DenseSection, context: OpenContext) -> DenseIndex | ShardedDenseIndex:
        """The FAISS index; for a sharded one, its shards searched as one, here or by ``context.shard_host``."""
        if section.shards <= 1:
            return DenseIndex.load(folder / VECTORS_FILE, section.factory, use_gpu=context.use_gpu)
        if context.shard_host is not None:
            shards = context.shard_host.shards(self.name, folder, section)
        else:
            shards = [load_shard(folder, s, section.factory, context.use_gpu) for s in range(section.shards)]
        return ShardedDenseIndex(shards, ShardMap.load(folder, section.shards))

    def append(self, change: Change, section: DenseSection) -> DenseSection:
        texts = [document.searchable_text() for document in change.added]
        kill_point("encoding")
        vectors = change.model(self).encode(texts, change.batch_size, change.show_progress)
        if section.shards > 1:
            return self._append_to_shards(change, section, vectors)
        dense = DenseIndex.load(change.previous / VECTORS_FILE, section.factory, use_gpu=False)
        if len(dense) != change.first_position:
            raise IndexFormatError(
                f"{change.previous / VECTORS_FILE}: FAISS holds {len(dense)} vectors for {change.first_position} positions; run index verify"
            )
        dense.append(vectors)
        change.replace(VECTORS_FILE, dense.save)
        return section

    def _append_to_shards(self, change: Change, section: DenseSection, vectors: np.ndarray) -> DenseSection:
        """Each added document goes to the shard of its id, after that shard's last row."""
        import numpy as np

        shard_map = change.shard_map(section.shards)
        for shard, members in enumerate(shard_map.members):
            new = members[members >= change.first_position]
            if not len(new):
                continue
            name = f"{shard_folder(shard)}/{VECTORS_FILE}"
            dense = DenseIndex.load(change.previous / name, section.factory, use_gpu=False)
            if len(dense) != len(members) - len(new):
                raise IndexFormatError(f"{change.previous / name}: FAISS holds {len(dense)} vectors for "
                                       f"{len(members) - len(new)} positions of shard {shard}; run index verify")
            dense.append(vectors[np.asarray(new) - change.first_position])
            change.replace(name, dense.save)
        shard_map.save(change.folder, change.replace)
        return section

    def tombstone(self, change: Change, section: DenseSection) -> DenseSection:
        return section  # searches skip tombstoned positions through a FAISS ID selector

    def compact(self, change: Change, section: DenseSection, live: list[int]) -> DenseSection:
        if section.shards > 1:
            return self._compact_shards(change, section, live)
        dense = DenseIndex.load(change.folder / VECTORS_FILE, section.factory, use_gpu=False)
        vectors = dense.reconstruct(live)
        change.replace(VECTORS_FILE, DenseIndex.build(vectors, dense.factory, use_gpu=False).save)
        return section

    def _compact_shards(self, change: Change, section: DenseSection, live: list[int]) -> DenseSection:
        """Each shard keeps its live rows, renumbered; the store (already compacted) gives the new map."""
        import numpy as np

        old_map = ShardMap.load(change.folder, section.shards)
        new_map = change.shard_map(section.shards)
        kept = np.zeros(old_map.size, dtype=bool)
        kept[np.asarray(live, dtype=np.int64)] = True
        for shard, members in enumerate(old_map.members):
            name = f"{shard_folder(shard)}/{VECTORS_FILE}"
            dense = DenseIndex.load(change.folder / name, section.factory, use_gpu=False)
            rows = np.flatnonzero(kept[members])
            vectors = dense.reconstruct(rows) if len(rows) else np.zeros((0, dense.dimension), dtype=np.float32)
            change.replace(name, DenseIndex.build(vectors, dense.factory, use_gpu=False).save)
            if len(vectors) != len(new_map.members[shard]):
                raise IndexFormatError(f"{change.folder / name}: compaction kept {len(vectors)} rows of shard {shard}, "
                                       f"the store says {len(new_map.members[shard])}")
        new_map.save(change.folder, change.replace)
        return section


def recorded_encoder(root: Path, section: DenseSection) -> EncoderSection:
    """The encoder a dense section records (an error naming the index ``root`` where it records none)."""
    if section.encoder is None:
        raise IndexFormatError(f"{root}: the dense section of the manifest records no encoder")
    return section.encoder


def load_shard(folder: Path, shard: int, factory: str, use_gpu: bool | None = None) -> DenseIndex:
    """One shard's FAISS index, searching on one thread: the shards of a query run side by side
    (4 shards on 2 cores, a dense query: 17 ms with an OpenMP team per shard, 5 ms without)."""
    dense = DenseIndex.load(Path(folder) / shard_folder(shard) / VECTORS_FILE, factory, use_gpu=use_gpu)
    dense.search_threads = 1
    return dense


def recall_against_exact(index, vectors: np.ndarray, sample: int = RECALL_SAMPLE, k: int = 10) -> float:
    """Recall@``k`` of ``index`` against exact inner-product search over ``vectors``, with an even
    sample of the vectors themselves as queries."""
    import numpy as np

    queries = vectors[:: max(1, len(vectors) // sample)][:sample]
    k = min(k, len(vectors))
    exact = np.argsort(-(queries @ vectors.T), axis=1, kind="stable")[:, :k]
    _, found = index.search(queries, k)
    hits = sum(len(set(row[row >= 0].tolist()) & set(truth.tolist())) for row, truth in zip(found, exact, strict=False))
    return round(hits / (len(queries) * k), 4)


def _embed(build: BuildContext) -> np.ndarray:
    """Vectors of the documents, from the embedding cache where it has them; records ``encode`` seconds
    (``None`` when read from the cache)."""
    options, encoder, documents = build.options, build.encoder, build.corpus()
    cache = EmbeddingCache(options.cache_dir) if options.cache_dir else None
    if cache is not None:
        cached = cache.get(encoder.cache_key, build.checksum(), len(documents))
        if cached is not None:
            build.timings["encode"] = None
            return cached
    encoder.load()
    kill_point("encoding")
    started = time.perf_counter()
    texts = [doc.searchable_text() for doc in documents]
    if options.ray:
        from ..encoding.ray_encoding import encode_on_ray

        vectors = encode_on_ray(texts, encoder, options.batch_size, options.ray, show_progress=options.show_progress)
    else:
        vectors = encoder.encode(texts, batch_size=options.batch_size, show_progress_bar=options.show_progress)
    build.timings["encode"] = time.perf_counter() - started
    if cache is not None:
        cache.put(encoder.cache_key, build.checksum(), vectors)
    return vectors


