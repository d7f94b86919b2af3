"""The GPU path, measured: FAISS GPU Flat and IVF at a million vectors beside CPU exact search,
and the encoder on CUDA in fp16 beside fp32. Run through ``benchmarks/gpu_check.sh``.

Vectors are synthetic (unit Gaussian rows mixed pairwise, as in :mod:`.ann_scale`), so the
script needs nothing but the repository and its installed dependencies.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from scientia.evaluation.machine import describe_machine

from .ann_scale import recall_at_k, synthesize_vectors

__all__ = ["main"]


def _faiss_checks(vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> list[dict]:
    import faiss

    from scientia.indexers.dense import gpu_count

    if gpu_count() == 0:
        return [{"skipped": "faiss sees no GPU (faiss-cpu installed, or no device)"}]
    cpu = faiss.IndexFlatIP(vectors.shape[1])
    cpu.add(vectors)
    started = time.perf_counter()
    _, exact = cpu.search(queries, k)
    cpu_qps = len(queries) / (time.perf_counter() - started)
    results = [{"index": "CPU Flat (exact)", "qps_batch": round(cpu_qps, 1), "recall@10": 1.0}]
    resources = faiss.StandardGpuResources()
    for factory, nprobe in (("Flat", None), ("IVF4096,Flat", 32), ("IVF4096,PQ48", 32)):
        built = time.perf_counter()
        index = faiss.index_cpu_to_gpu(resources, 0, faiss.index_factory(vectors.shape[1], factory, faiss.METRIC_INNER_PRODUCT))
        if not index.is_trained:
            index.train(vectors[:200_000])
        index.add(vectors)
        build_seconds = time.perf_counter() - built
        if nprobe:
            faiss.GpuParameterSpace().set_index_parameter(index, "nprobe", nprobe)
        index.search(queries[:10], k)  # warm-up
        started = time.perf_counter()
        _, found = index.search(queries, k)
        qps = len(queries) / (time.perf_counter() - started)
        results.append({"index": f"GPU {factory}" + (f" nprobe={nprobe}" if nprobe else ""), "qps_batch": round(qps, 1),
                        "recall@10": round(recall_at_k(found, exact, k), 4), "build_seconds": round(build_seconds, 2)})
        print(json.dumps(results[-1]), flush=True)
    return results


def _encoder_checks(sentences: int = 20_000) -> dict:
    import torch
    from sentence_transformers import SentenceTransformer

    from scientia.common.models import default_model_path

    if not torch.cuda.is_available():
        return {"skipped": "torch sees no CUDA device"}
    texts = [f"Sentence {i} about proteins, planets, pizzas and the number {i * 7 % 1000}." for i in range(sentences)]
    found = {}
    for precision in ("fp32", "fp16"):
        model = SentenceTransformer(str(default_model_path()), device="cuda", local_files_only=True)
        if precision == "fp16":
            model.half()
        model.encode(texts[:512], batch_size=256)
        torch.cuda.synchronize()
        started = time.perf_counter()
        model.encode(texts, batch_size=256)
        torch.cuda.synchronize()
        found[precision] = round(sentences / (time.perf_counter() - started), 1)
    return {"sentences_per_second": found, "device": torch.cuda.get_device_name(0)}


def _ray_encoding_check(sentences: int = 20_000) -> dict:
    """The sharded build's encoder on Ray Data with a GPU actor against the same encoder in process."""
    try:
        import ray  # noqa: F401
        import torch
    except ImportError:
        return {"skipped": "Ray is not installed (make setup installs it)"}
    if not torch.cuda.is_available():
        return {"skipped": "torch sees no CUDA device"}
    from scientia.indexers.encoding import Encoder
    from scientia.indexers.encoding.ray_encoding import encode_on_ray

    texts = [f"Sentence {i} about proteins, planets, pizzas and the number {i * 7 % 1000}." for i in range(sentences)]
    encoder = Encoder(None, "cuda", backend="torch")
    encoder.encode(texts[:512], 256)
    started = time.perf_counter()
    here = encoder.encode(texts, 256)
    in_process = sentences / (time.perf_counter() - started)
    started = time.perf_counter()
    on_ray = encode_on_ray(texts, encoder, 256, "local")
    ray_rate = sentences / (time.perf_counter() - started)
    return {"in_process_per_second": round(in_process, 1), "ray_per_second": round(ray_rate, 1),
            "ray_over_in_process": round(ray_rate / in_process, 3),
            "max_abs_difference": float(np.abs(here - on_ray).max()), "note": "Ray includes starting its actor"}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--vectors", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/gpu"))
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    real = rng.standard_normal((100_000, 384)).astype(np.float32)
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    vectors = synthesize_vectors(real, args.vectors)
    queries = synthesize_vectors(real[rng.integers(0, len(real), args.queries)], args.queries, seed=1)
    report = {"benchmark": "gpu", "machine": describe_machine(), "vectors": args.vectors, "queries": args.queries,
              "faiss": _faiss_checks(vectors, queries), "encoder": _encoder_checks(),
              "ray_encoding": _ray_encoding_check()}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
