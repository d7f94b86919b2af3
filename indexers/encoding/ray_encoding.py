"""Encoding a corpus on a Ray cluster: Ray Data streams the texts through a pool of actors,
each holding the index's encoder backend (on a GPU each where the cluster has GPUs).

The pool leaves CPU for Ray Data's own read and output tasks: a pool that takes every CPU
stalls the pipeline (the actors wait for batches no task can produce). Vectors come back with
their positions, so the order the actors finish in does not matter.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scientia.common.faults import kill_point
from scientia.common.ray_cluster import cluster_resources, connect

from .backend import BACKENDS

if TYPE_CHECKING:
    import numpy as np

    from scientia.common.models import Device

    from .encoder import Encoder

__all__ = ["encode_on_ray"]

logger = logging.getLogger(__name__)

# Texts in one Ray Data batch: an actor encodes it in encoder batches of its own.
TEXTS_PER_TASK = 1024


class EncodeBatches:
    """The callable class Ray Data runs on each actor: one encoder, loaded once per actor."""

    def __init__(self, model: str | None, backend: str, device: Device, batch_size: int) -> None:
        from .encoder import Encoder

        self.encoder = Encoder(model, device, backend=backend)
        self.batch_size = batch_size

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.encoder.encode([str(text) for text in batch["text"]], self.batch_size)
        return {"position": batch["position"], "vector": vectors}


def encode_on_ray(texts: list[str], encoder: Encoder, batch_size: int, address: str, actors: int | None = None,
                  show_progress: bool = False) -> np.ndarray:
    """``encoder``'s vectors of ``texts``, computed by ``actors`` actors of the cluster at ``address``
    (default: one per GPU, or as many as leave a CPU free)."""
    import numpy as np
    import ray.data

    connect(address, show_progress)
    encoder.load()  # exports the ONNX model into the user cache once, before the actors look for it
    resources = cluster_resources()
    gpus = int(resources.get("GPU", 0))
    cpus = resources.get("CPU", 1.0)
    if gpus and not BACKENDS[encoder.backend].uses_device:
        logger.warning("the cluster has %d GPU(s) but the %s backend runs on CPUs: --backend torch encodes on them",
                       gpus, encoder.backend)
        gpus = 0
    if gpus:
        actors = actors or gpus
        placement: dict[str, Any] = {"num_gpus": 1, "num_cpus": 1}
        device = "cuda"
    else:
        actors = actors or max(1, int(cpus) - 1)
        # leave half a CPU for Ray Data's read and output tasks, or the pipeline stalls
        placement = {"num_cpus": min(1.0, max(0.25, (cpus - 0.5) / actors))}
        device = "cpu"
    logger.info("encoding %d texts on Ray: %d actor(s) with %s each", len(texts), actors, placement)
    dataset = ray.data.from_items([{"position": i, "text": text} for i, text in enumerate(texts)])
    vectors = dataset.map_batches(
        EncodeBatches,
        fn_constructor_kwargs={"model": None if encoder.is_default else str(encoder.path),
                               "backend": encoder.backend, "device": device, "batch_size": batch_size},
        batch_size=TEXTS_PER_TASK,
        compute=ray.data.ActorPoolStrategy(size=actors),
        batch_format="numpy",
        **placement,
    )
    out = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    done = 0
    for batch in vectors.iter_batches(batch_size=TEXTS_PER_TASK, batch_format="numpy"):
        out[batch["position"]] = np.asarray(batch["vector"], dtype=np.float32)
        done += len(batch["position"])
        kill_point("encoding-on-ray")
    if done != len(texts):
        raise RuntimeError(f"Ray returned {done} vectors for {len(texts)} texts")
    return out
