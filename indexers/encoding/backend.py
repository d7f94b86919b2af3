"""One interface for every way of running an encoder, and the registry that picks one by name.

A backend turns texts into unit-length float32 vectors with the weights of one local model
folder. Adding a runtime means one subclass and one :func:`register_backend` call; the
:class:`~.encoder.Encoder` facade, the manifest and the CLI's ``--backend`` choices follow.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from scientia.common.registry import Registry

if TYPE_CHECKING:
    import numpy as np

__all__ = ["EncoderBackend", "BACKENDS", "register_backend"]


class EncoderBackend(ABC):
    """Runs one model folder. Construction is cheap; :meth:`load` does the heavy work once."""

    name: ClassVar[str]
    # Whether the backend runs where ``--device`` says (CUDA); the others run on the CPU.
    uses_device: ClassVar[bool] = False
    # Whether a text's vector is the same whatever other texts share its batch.
    batch_invariant: ClassVar[bool] = True
    # The backend that encodes queries against documents this one encoded: the same vectors (to
    # cosine > 0.9999 for torch and ONNX fp32), without importing torch on the query path.
    query_backend: ClassVar[str]

    def __init__(self, model_path: Path, checksum: str, device: str) -> None:
        self.model_path = model_path
        self.checksum = checksum
        self.device = device

    @classmethod
    def cannot_run(cls, model_path: Path) -> str | None:
        """Why this backend can't run the model folder, or None where it can."""
        return None

    @abstractmethod
    def load(self) -> None:
        """Load the weights now (idempotent), so that later timings measure encoding alone."""

    @property
    @abstractmethod
    def dimension(self) -> int: ...

    @property
    @abstractmethod
    def max_seq_length(self) -> int: ...

    @abstractmethod
    def encode(self, texts: list[str], batch_size: int, show_progress_bar: bool = False) -> np.ndarray:
        """A float32 ``(len(texts), dimension)`` array of unit-length rows, in input order."""


BACKENDS: Registry[type[EncoderBackend]] = Registry("encoder backend")


def register_backend(backend: type[EncoderBackend]) -> type[EncoderBackend]:
    """Make ``backend`` available under its ``name`` (usable as a class decorator)."""
    return BACKENDS.register(backend.name, backend)
