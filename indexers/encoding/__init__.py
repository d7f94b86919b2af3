"""Text encoders: the :class:`Encoder` facade and the backends that run it (torch, ONNX fp32, ONNX int8, torch bf16)."""

from __future__ import annotations

from .backend import BACKENDS, EncoderBackend, register_backend
from .encoder import MAX_INPUT_CHARS, Backend, Encoder, checked_model_path
from .onnx_backend import OnnxBackend, OnnxInt8Backend
from .torch_backend import TorchBackend, TorchBf16Backend

# torch is the reference; registration order is the order --backend lists them in.
for _builtin in (TorchBackend, OnnxBackend, OnnxInt8Backend, TorchBf16Backend):
    register_backend(_builtin)

# Chosen by measurement (benchmarks/backends.py, benchmarks/results/backends/): ONNX fp32 gives
# torch's nDCG@10 to four decimals on SciFact, Cranfield and the MS MARCO subset and builds
# 1.2-1.8x faster; int8 builds 2.9-4.0x faster but loses 0.0063 of hybrid nDCG@10 on MS MARCO,
# beyond the 0.005 allowed.
DEFAULT_BACKEND: Backend = "onnx"

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "Backend",
    "Encoder",
    "EncoderBackend",
    "MAX_INPUT_CHARS",
    "OnnxBackend",
    "OnnxInt8Backend",
    "TorchBackend",
    "TorchBf16Backend",
    "checked_model_path",
    "register_backend",
]
