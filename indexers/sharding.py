"""Shards: one index cut into pieces by a stable hash of each document id, searched as one.

A sharded generation keeps one document store and one knowledge graph (the coordinator's: they
turn positions into hits and reason over the whole ontology), and cuts what grows with the
corpus and costs the most to search (the components that say so: the FAISS vectors and the BM25
matrix) into ``N`` shards:
``shards/000/vectors.faiss``, ``shards/000/bm25/``, and ``shards/000/positions.npy`` (the
global document positions the shard holds, ascending). A document goes to shard
``blake2b(id) mod N``, so the same id always lands in the same shard, whichever machine builds
or updates it.

Searching a shard returns its top ``k`` with global positions; merged by score, the shards' top
``k`` lists give the one-piece index's top ``k`` exactly (Flat vectors; BM25 built with the whole
corpus's statistics, :class:`~.bm25_matrix.CorpusStatistics`); only documents tied at the
``k``-th score may differ. The shards are searched by a :class:`ShardRunner`: threads in this
process, or one Ray actor per shard (:mod:`scientia.engine.shard_actors`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np

__all__ = ["POSITIONS_FILE", "SHARDS_DIR", "describe_shards", "ShardMap", "ShardRunner", "ShardedSearch", "ThreadRunner",
           "merge_top_k", "shard_folder", "shard_of"]

SHARDS_DIR = "shards"
POSITIONS_FILE = "positions.npy"


def shard_of(doc_id: str, shards: int) -> int:
    """The shard of ``doc_id``: the same on every machine and in every Python (no hash seed)."""
    digest = hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def shard_folder(shard: int) -> str:
    return f"{SHARDS_DIR}/{shard:03d}"


@dataclass
class ShardMap:
    """Which global positions each shard holds (ascending), and the way back."""

    members: list[np.ndarray]
    _located: tuple[np.ndarray, np.ndarray] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def count(self) -> int:
        return len(self.members)

    @property
    def size(self) -> int:
        return sum(len(m) for m in self.members)

    @classmethod
    def assign(cls, ids: Sequence[str], shards: int, first_position: int = 0,
               previous: ShardMap | None = None) -> ShardMap:
        """Positions ``first_position...`` (documents ``ids``) assigned to their shards, after
        what ``previous`` holds."""
        import numpy as np

        chosen = np.fromiter((shard_of(doc_id, shards) for doc_id in ids), dtype=np.int64, count=len(ids))
        positions = np.arange(first_position, first_position + len(ids), dtype=np.int64)
        before = previous.members if previous else [np.zeros(0, dtype=np.int64)] * shards
        return cls([np.concatenate([before[s], positions[chosen == s]]) for s in range(shards)])

    def locate(self) -> tuple[np.ndarray, np.ndarray]:
        """``(shard, local position)`` of every global position."""
        import numpy as np

        shard = np.full(self.size, -1, dtype=np.int64)
        local = np.full(self.size, -1, dtype=np.int64)
        for s, members in enumerate(self.members):
            shard[members] = s
            local[members] = np.arange(len(members))
        return shard, local

    def save(self, folder: Path, write: Callable[[str, Callable[[Path], None]], None] | None = None) -> None:
        """Write each shard's positions under ``folder``; ``write(name, writer)`` replaces a file
        without touching a hard-linked previous version (an update's :meth:`Change.replace`)."""
        import numpy as np

        for s, members in enumerate(self.members):
            name = f"{shard_folder(s)}/{POSITIONS_FILE}"

            def writer(path: Path, members=members) -> None:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("wb") as file:
                    np.save(file, members, allow_pickle=False)

            if write is None:
                writer(folder / name)
            else:
                write(name, writer)

    @classmethod
    def load(cls, folder: Path, shards: int) -> ShardMap:
        import numpy as np

        return cls([np.load(folder / shard_folder(s) / POSITIONS_FILE, allow_pickle=False) for s in range(shards)])

    def local_sets(self, positions: Collection[int]) -> list[frozenset[int]]:
        """Global ``positions`` as each shard's local positions."""
        import numpy as np

        if self._located is None:
            self._located = self.locate()
        shard, local = self._located
        chosen = np.fromiter((p for p in positions if p < self.size), dtype=np.int64)
        return [frozenset(local[chosen[shard[chosen] == s]].tolist()) for s in range(self.count)]


def describe_shards(folder: Path, shards: int, deleted: Collection[int] = ()) -> list[dict[str, int]]:
    """Each shard of the generation in ``folder``: its live documents, its tombstones (of the
    ``deleted`` positions) and its bytes on disk."""
    import numpy as np

    deleted = set(deleted)
    described = []
    for shard in range(shards):
        path = folder / shard_folder(shard)
        positions = np.load(path / POSITIONS_FILE, allow_pickle=False)
        tombstones = sum(1 for position in positions.tolist() if position in deleted)
        described.append({
            "shard": shard,
            "documents": len(positions) - tombstones,
            "tombstones": tombstones,
            "bytes": sum(p.stat().st_size for p in path.rglob("*") if p.is_file()),
        })
    return described


def merge_top_k(parts: Sequence[tuple[np.ndarray, np.ndarray]], k: int) -> tuple[np.ndarray, np.ndarray]:
    """The best ``k`` of each row over every shard's ``(scores, global positions)`` (position
    ``-1``: nothing), best first, ties by position; padded with ``-inf`` and ``-1``."""
    import numpy as np

    scores = np.concatenate([np.asarray(s, dtype=np.float32) for s, _ in parts], axis=1)
    positions = np.concatenate([np.asarray(p, dtype=np.int64) for _, p in parts], axis=1)
    scores = np.where(positions < 0, -np.inf, scores)
    top_scores = np.full((len(scores), k), -np.inf, dtype=np.float32)
    top_positions = np.full((len(scores), k), -1, dtype=np.int64)
    for row in range(len(scores)):
        order = np.lexsort((positions[row], -scores[row]))[:k]
        order = order[positions[row][order] >= 0]
        top_scores[row, : len(order)] = scores[row][order]
        top_positions[row, : len(order)] = positions[row][order]
    return top_scores, top_positions


class ShardRunner(Protocol):
    """Runs one call on every shard and gives back their answers in shard order."""

    def map(self, call: Callable[[int], Any], shards: int) -> list[Any]: ...


class ThreadRunner:
    """Shards searched by threads of this process (FAISS and numpy release the GIL)."""

    def __init__(self, threads: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="scientia-shard")

    def map(self, call: Callable[[int], Any], shards: int) -> list[Any]:
        return list(self._pool.map(call, range(shards)))


class ShardedSearch:
    """What a component searched over shards shares: the shards' searchers, the map back to
    global positions, and the runner that asks every shard at once."""

    def __init__(self, shards: list[Any], shard_map: ShardMap, runner: ShardRunner | None = None) -> None:
        self.shards = shards
        self.shard_map = shard_map
        self.runner = runner or ThreadRunner(len(shards))
        self._restriction_memo: tuple | None = None

    def _global(self, shard: int, found: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        scores, local = found
        members = self.shard_map.members[shard]
        if not len(members):  # a shard the hash gave no document: every slot is empty
            return scores, np.full_like(local, -1)
        return scores, np.where(local >= 0, members[np.maximum(local, 0)], -1)
