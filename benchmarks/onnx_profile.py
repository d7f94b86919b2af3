"""Where the int8 encoder's time goes: ONNX Runtime's per-operator profile, and the GEMM rates
that bound it (int8 ``MatMulInteger`` against numpy's fp32 GEMM) on this machine.

    python -m scientia.benchmarks.onnx_profile ../shared/datasets/scifact --out benchmarks/results/onnx-profile

The profile runs the cached ``model-int8.onnx`` of the default encoder on 320 passages cut to 56
tokens (the short-passage probe of ``benchmarks/encode.py``), batches of 32. Kernels split into
the quantized GEMMs and everything that stays fp32 (layer norms, GELU, softmax, transposes, the
attention products): the fp32 share is what caps the int8 speed-up over torch fp32.
"""

from __future__ import annotations

import argparse
import collections
import json
import time
from pathlib import Path
from typing import Any, cast

from scientia.common.threads import available_cores
from scientia.evaluation.machine import describe_machine
from scientia.indexers.builder import load_documents
from scientia.indexers.encoding import Encoder
from scientia.indexers.encoding.onnx_backend import OnnxBackend, open_session

from .encode import PROBES, probe_texts

__all__ = ["QUANTIZED_GEMMS", "gemm_rates", "main", "operator_profile"]

QUANTIZED_GEMMS = frozenset({"DynamicQuantizeMatMul", "MatMulIntegerToFloat", "MatMulInteger"})
PASSAGES = 320
BATCH = 32


def operator_profile(encoder: Encoder, texts: list[str]) -> dict[str, float]:
    """Milliseconds of kernel time per operator type over ``texts`` in batches of 32."""
    model = cast(OnnxBackend, encoder.runtime)  # the ONNX backends are what this profiles
    model.load()
    session = open_session(model.model_file, threads=model.workers, profile_prefix=str(Path.cwd() / ".onnx-profile"))
    encodings = model.tokenizer.encode_batch(texts)
    for start in range(0, len(encodings), BATCH):
        feeds, _ = model.padded_batch(encodings[start : start + BATCH])
        session.run(None, feeds)
    trace = Path(session.end_profiling())
    events = json.loads(trace.read_text())
    trace.unlink()
    per_operator: collections.Counter[str] = collections.Counter()
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            per_operator[event["args"]["op_name"]] += event["dur"] / 1000
    return {name: round(ms, 1) for name, ms in per_operator.most_common()}


def gemm_rates(m: int = 4096, k: int = 384, n: int = 1536, repeats: int = 30) -> dict[str, float]:
    """Multiply-accumulates per second (billions) of an int8 ``MatMulInteger`` and of numpy fp32."""
    import numpy as np
    import onnxruntime
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    weights = numpy_helper.from_array(rng.integers(-100, 100, (k, n)).astype(np.int8), "B")
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["A", "B"], ["Y"])], "gemm",
        [helper.make_tensor_value_info("A", TensorProto.UINT8, [m, k])],
        [helper.make_tensor_value_info("Y", TensorProto.INT32, [m, n])], [weights],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = available_cores()
    session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    activations = rng.integers(0, 255, (m, k)).astype(np.uint8)
    left, right = rng.random((m, k), dtype=np.float32), rng.random((k, n), dtype=np.float32)

    def rate(call) -> float:
        for _ in range(3):
            call()
        started = time.perf_counter()
        for _ in range(repeats):
            call()
        return round(m * k * n * repeats / (time.perf_counter() - started) / 1e9, 1)

    return {"int8_onnxruntime_gmacs": rate(lambda: session.run(None, {"A": activations})),
            "fp32_numpy_gmacs": rate(lambda: left @ right)}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/onnx-profile"))
    args = parser.parse_args()
    documents, _ = load_documents(args.dataset, "beir")
    encoder = Encoder(backend="onnx-int8")
    texts = probe_texts([d.searchable_text() for d in documents[:PASSAGES]], encoder.path / "tokenizer.json")[PROBES[2]]
    profile = operator_profile(encoder, texts)
    total = sum(profile.values())
    gemm = sum(ms for name, ms in profile.items() if name in QUANTIZED_GEMMS)
    report: dict[str, Any] = {"benchmark": "onnx-profile", "machine": describe_machine(), "passages": len(texts), "batch": BATCH,
              "kernel_ms": profile, "quantized_gemm_share": round(gemm / total, 3), "gemm": gemm_rates()}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [f"## Where int8 encoding time goes: {len(texts)} passages of 56 tokens, batches of {BATCH}", "",
             f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores.", "",
             "| operator | kernel ms | share |", "|---|---:|---:|"]
    lines += [f"| {name} | {ms} | {ms / total:.1%} |" for name, ms in profile.items() if ms / total >= 0.005]
    rates = report["gemm"]
    lines += ["", f"Quantized GEMMs: {report['quantized_gemm_share']:.0%} of kernel time; the rest runs in fp32.",
              f"GEMM 4096×384×1536: int8 MatMulInteger {rates['int8_onnxruntime_gmacs']} GMAC/s, "
              f"numpy fp32 {rates['fp32_numpy_gmacs']} GMAC/s "
              f"({rates['int8_onnxruntime_gmacs'] / rates['fp32_numpy_gmacs']:.1f}×)."]
    (args.out / "report.md").write_text("\n".join(lines) + "\n")
    print((args.out / "report.md").read_text())


if __name__ == "__main__":
    main()
