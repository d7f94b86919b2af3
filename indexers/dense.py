"""Dense vectors in FAISS (Johnson, Douze & Jégou, "Billion-scale similarity search with GPUs", 2019).

Vectors are unit length, so inner product is cosine similarity. Row ``i`` of the FAISS index is
document position ``i`` in the document store. Where faiss sees GPUs the index is built and
searched there, and saved through ``index_gpu_to_cpu``; the CPU path is the tested twin.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scientia.common.errors import IndexFormatError, InvalidArgumentError
from scientia.common.threads import available_cores

from .sharding import ShardedSearch, merge_top_k

if TYPE_CHECKING:
    import numpy as np

__all__ = ["DenseIndex", "ShardedDenseIndex", "default_factory", "gpu_count", "EXACT_SEARCH_LIMIT"]

logger = logging.getLogger(__name__)

# Below this many vectors exact search stays fast (about 150 single queries/s at 100k × 384 on
# 2 cores, TOOLCHAIN.md) and gives the published quality; above it HNSW wins. At 1M × 384 on 2
# cores (benchmarks/ann_scale.py, benchmarks/results/ann-scale): Flat answers 6 single queries/s
# (160 ms each); HNSW32 at efSearch 128 answers 907/s with recall@10 0.961 against exact, built in
# 230 s, 1.7 GB; IVF1024,PQ48 is 30× smaller on disk but recall@10 0.59-0.62, 0.79-0.86 with an
# exact refine (RFlat), which needs the full vectors again. So: Flat, then HNSW32.
EXACT_SEARCH_LIMIT = 100_000
HNSW_EF_SEARCH = 128
# Past this share of available memory an index file is memory-mapped rather than read (FAISS
# IO_FLAG_MMAP_IFC: flat, HNSW and IVF codes stay in the page cache, paged in as searched).
MMAP_SHARE_OF_AVAILABLE = 0.5
IVF_NPROBE = 16


def gpu_count() -> int:
    """GPUs faiss can use; 0 with faiss-cpu, or with faiss-gpu on a machine without a GPU."""
    import faiss

    return faiss.get_num_gpus() if hasattr(faiss, "StandardGpuResources") else 0


def default_factory(num_vectors: int) -> str:
    """The FAISS ``index_factory`` string used when the user gives none."""
    return "Flat" if num_vectors < EXACT_SEARCH_LIMIT else "HNSW32"


class DenseIndex:
    """A FAISS index over unit vectors, searched by inner product."""

    def __init__(self, index, factory: str) -> None:
        self.index = index
        self.factory = factory
        self._search_index = index
        self._selector_memo: tuple | None = None
        # FAISS's threads per search: None decides per call (see search); a shard searched beside
        # others sets 1, since the shards are the parallelism.
        self.search_threads: int | None = None

    @property
    def dimension(self) -> int:
        return int(self.index.d)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray, factory: str | None = None, use_gpu: bool | None = None) -> DenseIndex:
        import faiss

        faiss.omp_set_num_threads(available_cores())
        factory = factory or default_factory(len(vectors))
        index = cls.empty(factory, vectors.shape[1])
        use_gpu = gpu_count() > 0 if use_gpu is None else use_gpu
        gpu_index = _to_gpu(index) if use_gpu else None
        target = gpu_index if gpu_index is not None else index
        if not target.is_trained:
            target.train(vectors)
        target.add(vectors)
        if gpu_index is not None:
            index = faiss.index_gpu_to_cpu(gpu_index)
        dense = cls(index, factory)
        dense._configure_search()
        if gpu_index is not None:
            dense._search_index = gpu_index
        return dense

    @staticmethod
    def empty(factory: str, dimension: int):
        """An empty FAISS index of ``factory``; an invalid string is an error naming it (cheap, so
        a build checks ``--faiss`` this way before it encodes anything)."""
        import faiss

        try:
            return faiss.index_factory(dimension, factory, faiss.METRIC_INNER_PRODUCT)
        except RuntimeError as error:
            raise InvalidArgumentError(
                f"invalid FAISS factory string {factory!r}: {str(error).strip().splitlines()[-1]} "
                "(examples: Flat, HNSW32, IVF1024,PQ32x8)"
            ) from None

    def _configure_search(self) -> None:
        import faiss

        space = faiss.ParameterSpace()
        for name, value in (("efSearch", HNSW_EF_SEARCH), ("nprobe", IVF_NPROBE)):
            try:
                space.set_index_parameter(self.index, name, value)
            except RuntimeError:
                pass  # the parameter does not apply to this index type

    def search(
        self,
        queries: np.ndarray,
        k: int,
        allowed: Collection[int] | None = None,
        excluded: Collection[int] = (),
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` per query row: ``(scores, positions)``, position ``-1`` where fewer exist.

        ``allowed`` (only these positions) or ``excluded`` (any but these) restrict the search
        inside FAISS through an ID selector.
        """
        import faiss
        import numpy as np

        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        k = min(k, max(len(self), 1))
        # One query on one thread: FAISS splits a single query's exhaustive search across an
        # OpenMP team whose threads then wait on each other (Flat, 100,000 vectors, 2 cores: 8.9 ms
        # on one thread, 15.2 ms on two; benchmarks/faiss_threads.py); a batch uses every core
        # (282 ms against 555 for 64 queries). The setting is the calling thread's own.
        faiss.omp_set_num_threads(self.search_threads or (1 if len(queries) == 1 else available_cores()))
        if allowed is None and not excluded:
            return self._search_index.search(queries, k)
        memo = self._selector_memo  # the same tombstone set comes with every query of a generation
        if memo is None or memo[0] is not allowed or memo[1] is not excluded:
            memo = self._selector_memo = (allowed, excluded, self._selector_parameters(allowed, excluded))
        return self.index.search(queries, k, params=memo[2])

    def _selector_parameters(self, allowed: Collection[int] | None, excluded: Collection[int]):
        """Search parameters carrying an ID selector, of the kind this index type takes."""
        import faiss
        import numpy as np

        ids = np.fromiter(allowed if allowed is not None else excluded, dtype=np.int64)
        selector: Any = faiss.IDSelectorBatch(ids)
        if allowed is None:
            selector = faiss.IDSelectorNot(selector)
        base = faiss.downcast_index(self.index)
        if isinstance(base, faiss.IndexHNSW):
            params: Any = faiss.SearchParametersHNSW(efSearch=HNSW_EF_SEARCH)  # type: ignore[attr-defined]  # SWIG, untyped
        elif isinstance(base, faiss.IndexIVF):
            params = faiss.SearchParametersIVF(nprobe=IVF_NPROBE)  # type: ignore[call-arg]  # SWIG, untyped
        else:
            params = faiss.SearchParameters()
        params.sel = selector
        params._keep = (ids, selector)  # the selector reads `ids`; keep both alive with the params
        return params

    def append(self, vectors: np.ndarray) -> None:
        """Add rows at the end: row ``len(self)`` is the next document position."""
        import numpy as np

        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def reconstruct(self, positions) -> np.ndarray:
        """The stored vectors of ``positions`` (exact for Flat and HNSW; IVF-PQ gives back its
        approximations). Raises :class:`IndexFormatError` where the index type keeps none."""
        import faiss
        import numpy as np

        index = faiss.downcast_index(self.index)
        if isinstance(index, faiss.IndexIVF):
            index.make_direct_map()
            logger.warning("reading vectors back from %s: an IVF index gives back its approximations", self.factory)
        try:
            return index.reconstruct_batch(np.asarray(positions, dtype=np.int64))
        except RuntimeError as error:
            raise IndexFormatError(f"a {self.factory} index cannot give its vectors back ({str(error).strip().splitlines()[-1]})") from None

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, factory: str, use_gpu: bool | None = None, mmap: bool | None = None) -> DenseIndex:
        """Read ``path``; memory-mapped (``mmap``, default: when the file is over half the memory
        available) so an index larger than memory still opens and pages in what searches touch."""
        import faiss

        faiss.omp_set_num_threads(available_cores())
        if mmap is None:
            mmap = Path(path).stat().st_size > MMAP_SHARE_OF_AVAILABLE * _available_memory_bytes()
        flags = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY if mmap else 0
        if mmap:
            logger.info("memory-mapping %s", path)
        try:
            index = faiss.read_index(str(path), flags)
        except RuntimeError as error:
            raise IndexFormatError(f"{path}: unreadable FAISS index ({str(error).strip().splitlines()[-1]})") from None
        dense = cls(index, factory)
        dense._configure_search()
        use_gpu = gpu_count() > 0 if use_gpu is None else use_gpu
        if use_gpu:
            dense._search_index = _to_gpu(index) or index
        return dense


def _available_memory_bytes() -> int:
    """MemAvailable from /proc/meminfo; elsewhere, physical memory."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import os

    return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def _to_gpu(index):
    """A GPU replica of ``index``, or ``None`` where this index type has no GPU implementation."""
    import faiss

    try:
        return faiss.index_cpu_to_all_gpus(index)
    except (RuntimeError, AttributeError) as error:
        logger.info("FAISS index stays on the CPU: %s", error)
        return None


class ShardedDenseIndex(ShardedSearch):
    """:class:`DenseIndex`'s search over shards; ``shards[i]`` answers
    ``search(vectors, k, allowed, excluded)`` with its local positions."""

    @property
    def dimension(self) -> int:
        return self.shards[0].dimension

    @property
    def factory(self) -> str:
        return self.shards[0].factory

    def __len__(self) -> int:
        return self.shard_map.size

    def search(self, queries: np.ndarray, k: int, allowed: Collection[int] | None = None,
               excluded: Collection[int] = ()) -> tuple[np.ndarray, np.ndarray]:
        local = self._local_restrictions(allowed, excluded)

        def one(shard: int):
            shard_allowed, shard_excluded = local[shard]
            return self._global(shard, self.shards[shard].search(queries, k, shard_allowed, shard_excluded))

        return merge_top_k(self.runner.map(one, len(self.shards)), k)

    def _local_restrictions(self, allowed, excluded) -> list[tuple[frozenset[int] | None, frozenset[int]]]:
        memo = self._restriction_memo  # the same tombstone set comes with every query of a generation
        if memo is not None and memo[0] is allowed and memo[1] is excluded:
            return memo[2]
        count = self.shard_map.count
        allowed_sets = self.shard_map.local_sets(allowed) if allowed is not None else [None] * count
        excluded_sets = self.shard_map.local_sets(excluded) if excluded else [frozenset()] * count
        local = list(zip(allowed_sets, excluded_sets, strict=False))
        self._restriction_memo = (allowed, excluded, local)
        return local
