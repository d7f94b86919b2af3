"""Extraction on a Ray cluster: Ray Data ``map_batches`` over the documents, one parser per actor."""

from __future__ import annotations

from collections.abc import Callable

from scientia.common.ray_cluster import cluster_resources, connect

from ..documents import Document
from .facts import DocumentExtraction

__all__ = ["extract_on_ray"]


class _Extractor:
    def __init__(self, method: str) -> None:
        self.method = method

    def __call__(self, batch: dict) -> dict:
        from .pipeline import extract_batch

        documents = [Document(id=str(i), title=str(t), text=str(x)) for i, t, x in zip(batch["id"], batch["title"], batch["text"], strict=True)]
        return {"position": batch["position"], "extraction": extract_batch(documents, self.method)}


def extract_on_ray(documents: list[Document], method: str, address: str,
                   advance: Callable[[int], None] | None = None) -> list[DocumentExtraction]:
    import ray.data

    connect(address, False)
    actors = max(1, int(cluster_resources().get("CPU", 1)))
    dataset = ray.data.from_items([{"position": i, "id": d.id, "title": d.title, "text": d.text} for i, d in enumerate(documents)])
    extracted = dataset.map_batches(_Extractor, fn_constructor_args=(method,), batch_size=64, batch_format="numpy",
                                    compute=ray.data.ActorPoolStrategy(size=actors), num_cpus=1)
    results: list[DocumentExtraction | None] = [None] * len(documents)
    for batch in extracted.iter_batches(batch_size=256, batch_format="numpy"):
        for position, extraction in zip(batch["position"], batch["extraction"], strict=True):
            results[int(position)] = extraction
        if advance is not None:
            advance(len(batch["position"]))
    return [r if r is not None else DocumentExtraction(documents[i].id, method="failed") for i, r in enumerate(results)]
