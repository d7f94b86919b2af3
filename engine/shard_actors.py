"""Serving a sharded index on Ray: one actor per shard holds that shard's part of every sharded
component (the FAISS vectors, the BM25 matrix, or a plugin's), opened by the component itself.

The coordinator (the engine of ``scientia serve --ray``) keeps the document store and the
knowledge graph, sends each query to every shard actor, and merges their top ``k``
(:class:`~scientia.indexers.sharding.ShardedSearch`). Actors are restarted by Ray when they
die (``max_restarts=-1``); a call that meets an actor restarting waits for it, one that meets
it dead is sent once more; a shard that still does not answer is a :class:`~scientia.common.errors.ShardUnavailableError`
naming it (HTTP 503), never a result missing that shard's documents.

Shard ``i`` is placed on the ``i``-th of the cluster's live nodes, round the nodes, and held
there (Ray's soft affinity lets a busy node's raylet turn the actor away to another node, which
under load put every shard on one). An actor that dies is restarted by Ray on its node; one whose
node has left the cluster is placed again on a live node by :meth:`RayShardHost.call`. Every
node must see the index's files (a shared filesystem, or the same path on each):
:meth:`RayShardHost.check_nodes` asks each node at start.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from scientia.common.errors import IndexNotFoundError, ShardUnavailableError
from scientia.common.ray_cluster import connect
from scientia.indexers.sharding import shard_folder

__all__ = ["CALL_TIMEOUT_SECONDS", "RESTART_WAIT_SECONDS", "RayShardHost", "RemoteShard", "ShardActor"]

logger = logging.getLogger(__name__)

# A shard that takes longer than this to answer one call counts as down for that call.
CALL_TIMEOUT_SECONDS = 60.0
# How long a call waits for a restarting actor (a new process that loads its shard) to come back.
RESTART_WAIT_SECONDS = 20.0
# Old generations' actors stay this long after a newer one is served, for requests still on them.
RETIRE_AFTER_SECONDS = 30.0


class ShardActor:
    """One shard of one generation; each component's part loads on first use (again after a
    restart), through the component's own shard hook (:meth:`Component.open_shard`)."""

    def __init__(self, folder: str, shard: int) -> None:
        self.folder, self.shard = Path(folder), shard
        self._parts: dict[str, Any] = {}

    def call(self, component: str, section: Any, method: str, *args: Any) -> Any:
        """``method(*args)`` of this shard's part of ``component`` (whose manifest section is ``section``)."""
        if component not in self._parts:
            from scientia.indexers.components import COMPONENTS

            # one thread per part: an OpenMP team in each of several actors on the same cores waits
            # on the others (4 actors on 2 cores: 47 ms per dense query with teams, 11 ms without)
            self._parts[component] = COMPONENTS[component].open_shard(self.folder, section, self.shard)
        return getattr(self._parts[component], method)(*args)

    def pid(self) -> int:
        import os

        return os.getpid()

    def node(self) -> str:
        import ray

        return ray.get_runtime_context().get_node_id()


def alive_nodes() -> list[tuple[str, str]]:
    """(node id, address) of the cluster's live nodes, in a stable order."""
    import ray

    return sorted((node["NodeID"], node["NodeManagerAddress"]) for node in ray.nodes() if node["Alive"])


def _can_read(path: str) -> bool:
    import os

    return os.access(path, os.R_OK)


class RemoteShard:
    """A searcher of one shard that lives in a Ray actor: what the component says a shard must
    answer without asking it (:meth:`Component.shard_attributes`) is held here; every method
    call goes to the actor."""

    def __init__(self, host: RayShardHost, folder: Path, shard: int, component: str, section: Any,
                 attributes: dict[str, Any]) -> None:
        self._host, self._folder, self._shard = host, folder, shard
        self._component, self._section = component, section
        self.__dict__.update(attributes)

    def __getattr__(self, method: str) -> Any:
        if method.startswith("_"):
            raise AttributeError(method)

        def remote(*args: Any) -> Any:
            return self._host.call(self._folder, self._shard, "call", self._component, self._section, method, *args)

        return remote


class RayShardHost:
    """The shard actors of the generations a server has opened, on the cluster at ``address``."""

    def __init__(self, address: str) -> None:
        import ray

        connect(address)
        # no CPU reserved: a shard actor mostly waits, and a 2-core machine must hold many of them
        self._remote = ray.remote(max_restarts=-1, max_task_retries=0, num_cpus=0)(ShardActor)
        self._actors: dict[tuple[Path, int], Any] = {}
        self._placed: dict[tuple[Path, int], str] = {}  # each actor's node
        self._lock = threading.Lock()
        self._nodes = alive_nodes()

    def check_nodes(self, folder: Path) -> None:
        """Raise, naming each node that cannot read ``folder``'s manifest: a shard placed there
        would fail on its first query instead of now."""
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        from scientia.indexers.layout import MANIFEST

        manifest = str(Path(folder).resolve() / MANIFEST)
        sees = ray.remote(num_cpus=0, max_retries=0)(_can_read)
        answers = ray.get([sees.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False))
                          .remote(manifest) for node, _ in self._nodes], timeout=CALL_TIMEOUT_SECONDS)
        blind = [f"{address} (node {node[:12]})" for (node, address), seen in zip(self._nodes, answers, strict=True)
                 if not seen]
        if blind:
            raise IndexNotFoundError(f"{', '.join(blind)} of the Ray cluster cannot read {manifest}: every node must "
                                     "see the index at the same path (a shared filesystem, or a copy on each)")

    def shards(self, component: str, folder: Path, section: Any) -> list[Any]:
        """Searchers of every shard of ``folder``'s ``component``, each in its own actor."""
        from scientia.indexers.components import COMPONENTS

        kind = COMPONENTS[component]
        attributes = kind.shard_attributes(section)
        return [RemoteShard(self, Path(folder), shard, component, section, attributes)
                for shard in range(kind.shard_count(section))]

    def actor(self, folder: Path, shard: int):
        key = (Path(folder), shard)
        with self._lock:
            if key not in self._actors:
                self._place(key)
            return self._actors[key]

    def _place(self, key: tuple[Path, int]) -> None:
        """Start ``key``'s actor on its node among the live ones (the caller holds the lock)."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        folder, shard = key
        node, _ = self._nodes[shard % len(self._nodes)]
        placed = NodeAffinitySchedulingStrategy(node, soft=False)
        self._actors[key] = self._remote.options(scheduling_strategy=placed).remote(str(folder), shard)
        self._placed[key] = node

    def _placed_again(self, folder: Path, shard: int) -> bool:
        """If the shard's node has left the cluster, place the shard on a live node: True."""
        live = alive_nodes()
        key = (Path(folder), shard)
        with self._lock:
            if not live or self._placed.get(key) in {node for node, _ in live}:
                return False
            self._nodes = live
            self._place(key)
        logger.warning("shard %d of %s: its node left the cluster; placed on another", shard, folder)
        return True

    def call(self, folder: Path, shard: int, method: str, *args):
        """``method`` of the shard's actor. A call that meets the actor restarting waits for it (up
        to :data:`RESTART_WAIT_SECONDS`); one that meets it dead or too slow is sent once more; one
        whose actor's node has left the cluster places the shard on a live node and asks there."""
        import ray
        from ray.exceptions import ActorUnavailableError, ActorUnschedulableError, GetTimeoutError, RayActorError

        deadline = time.monotonic() + RESTART_WAIT_SECONDS
        pause, resent = 0.05, False
        while True:
            actor = self.actor(folder, shard)
            try:
                return ray.get(getattr(actor, method).remote(*args), timeout=CALL_TIMEOUT_SECONDS)
            except ActorUnavailableError as error:  # restarting (Ray brings it back): wait, then ask again
                failure: Exception = error
                if time.monotonic() < deadline and self._placed_again(folder, shard):
                    continue
                if time.monotonic() + pause > deadline:
                    break
                time.sleep(pause)
                pause = min(2 * pause, 1.0)
            except (RayActorError, ActorUnschedulableError, GetTimeoutError) as error:  # died, or too slow
                failure = error
                if self._placed_again(folder, shard):
                    continue
                if resent:
                    break
                resent = True
            logger.warning("shard %d of %s did not answer (%s); asking again", shard, folder, type(failure).__name__)
        raise ShardUnavailableError(
            f"shard {shard} ({Path(folder) / shard_folder(shard)}) is not answering, even restarted: "
            f"{type(failure).__name__}; no partial results are served"
        )

    def actors_of(self, folder: Path) -> list[Any]:
        with self._lock:
            return [actor for (path, _), actor in sorted(self._actors.items()) if path == Path(folder)]

    def retire(self, folder: Path, delay: float = RETIRE_AFTER_SECONDS) -> None:
        """Stop the actors of ``folder`` (an older generation) after ``delay`` seconds."""
        def stop() -> None:
            import ray

            with self._lock:
                retired = [key for key in self._actors if key[0] == Path(folder)]
                actors = [self._actors.pop(key) for key in retired]
                for key in retired:
                    self._placed.pop(key, None)
            for actor in actors:
                ray.kill(actor, no_restart=True)

        timer = threading.Timer(delay, stop)
        timer.daemon = True
        timer.start()
