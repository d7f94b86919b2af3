"""Text encoders: the :class:`Encoder` facade and the backends that run it (torch, ONNX fp32, ONNX int8)."""

from __future__ import annotations

from .backend import BACKENDS, EncoderBackend, register_backend
from .encoder import MAX_INPUT_CHARS, Backend, Encoder, checked_model_path
from .onnx_backend import OnnxBackend, OnnxInt8Backend
from .torch_backend import TorchBackend

# torch is the reference; registration order is the order --backend lists them in.
for _builtin in (TorchBackend, OnnxBackend, OnnxInt8Backend):
    register_backend(_builtin)

__all__ = [
    "BACKENDS",
    "Backend",
    "Encoder",
    "EncoderBackend",
    "MAX_INPUT_CHARS",
    "OnnxBackend",
    "OnnxInt8Backend",
    "TorchBackend",
    "checked_model_path",
    "register_backend",
]
