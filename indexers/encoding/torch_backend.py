"""The reference backend: sentence-transformers on torch, fp32 (fp16 on CUDA); and the same
under bfloat16 autocast on CPUs with bf16 instructions."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from scientia.common.errors import InvalidArgumentError
from scientia.common.models import hub_offline, quiet_model_loading
from scientia.common.threads import available_cores

from .backend import EncoderBackend

if TYPE_CHECKING:
    import numpy as np

__all__ = ["TorchBackend", "TorchBf16Backend", "cpu_bf16_instructions"]

logger = logging.getLogger(__name__)


class TorchBackend(EncoderBackend):
    name = "torch"
    uses_device = True
    query_backend = "onnx"  # ONNX Runtime fp32 reproduces it to cosine > 0.9999, in 0.2 s of imports

    def __init__(self, model_path, checksum: str, device: str) -> None:
        super().__init__(model_path, checksum, device)
        self._model = None
        # sentence-transformers' fast tokenizer raises "Already borrowed" when two threads encode at once.
        self._encoding = threading.Lock()

    @property
    def model(self):
        if self._model is None:
            hub_offline()
            import torch
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(available_cores())
            logger.info("loading encoder %s on %s", self.model_path, self.device)
            with quiet_model_loading():
                self._model = SentenceTransformer(str(self.model_path), device=self.device, local_files_only=True)
            if self.device == "cuda":
                self._model.half()
        return self._model

    def load(self) -> None:
        _ = self.model  # the property loads the weights

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def max_seq_length(self) -> int:
        return int(self.model.max_seq_length)

    def encode(self, texts: list[str], batch_size: int, show_progress_bar: bool = False) -> np.ndarray:
        import numpy as np

        with self._encoding:
            vectors = self.model.encode(
                texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                show_progress_bar=show_progress_bar,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


# The x86 flags of bf16 dot products (AVX-512 BF16) or bf16 matrix tiles (AMX); without either,
# oneDNN emulates bf16 and runs slower than fp32.
BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_bf16_instructions(cpuinfo: Path = Path("/proc/cpuinfo")) -> list[str]:
    """Which of :data:`BF16_FLAGS` this CPU has (none where ``/proc/cpuinfo`` is unreadable)."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return []
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    return [flag for flag in BF16_FLAGS if flag in flags]


class TorchBf16Backend(TorchBackend):
    """sentence-transformers under ``torch.autocast("cpu", dtype=torch.bfloat16)``: the linear
    layers run in bf16 on oneDNN, the softmax and layer norms stay fp32.

    On this project's AMD EPYC (AVX-512 BF16, no AMX) it encoded whole SciFact abstracts 1.75x
    as fast as fp32 with every vector at cosine >= 0.99997 to fp32's (``benchmarks/backends.py``
    has the build times and nDCG@10). Queries run on ONNX fp32, as for torch.
    """

    name = "torch-bf16"
    uses_device = False  # the CPU path; on CUDA the torch backend already runs fp16
    # bf16 rounding of a padded batch depends on its batch-mates' lengths (by < 1e-4 in cosine)
    batch_invariant = False

    @classmethod
    def cannot_run(cls, model_path: Path) -> str | None:
        if not cpu_bf16_instructions():
            return (f"this CPU has none of {', '.join(BF16_FLAGS)}, so bf16 would be emulated and slower than fp32 "
                    "(use --backend onnx or torch)")
        return None

    def load(self) -> None:
        problem = self.cannot_run(self.model_path)
        if problem:
            raise InvalidArgumentError(f"--backend {self.name}: {problem}")
        super().load()

    def encode(self, texts: list[str], batch_size: int, show_progress_bar: bool = False) -> np.ndarray:
        import torch

        self.load()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return super().encode(texts, batch_size, show_progress_bar)
