"""The encoder the index and its queries use: a local model folder run by one backend.

:class:`Encoder` knows what the manifest records (the folder, its checksum, the backend) and
delegates the computing to the :class:`~.backend.EncoderBackend` registered under the backend's
name. Nothing here downloads: models load from local folders with the Hugging Face hub offline.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from scientia.common.errors import EncoderMismatchError
from scientia.common.models import (
    DEFAULT_MODEL_NAME,
    Device,
    default_model_path,
    local_model_folder,
    model_checksum,
    resolve_device,
)

from ..manifest import EncoderSection
from .backend import BACKENDS, EncoderBackend

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Encoder", "Backend", "MAX_INPUT_CHARS", "checked_model_path"]

logger = logging.getLogger(__name__)

# Far beyond any encoder window (256 tokens ≈ 1,500 characters), so cutting here changes no
# embedding; it spares tokenizing a 10 MB document only to throw nearly all of it away.
MAX_INPUT_CHARS = 20_000
# The built-in backends, for type checkers; the registry (BACKENDS) is what the code consults.
Backend = Literal["torch", "onnx", "onnx-int8", "torch-bf16"]


class Encoder:
    """Normalized sentence embeddings from a local sentence-transformers model folder.

    The library shows no progress bar unless ``show_progress_bar=True`` is passed to :meth:`encode`.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        device: Device = "auto",
        checksum: str | None = None,
        backend: str = "torch",
    ):
        backend_class = BACKENDS[backend]  # an unknown name fails here, listing the known ones
        self.is_default = model_path is None
        self.path = local_model_folder(model_path)
        self.backend = backend
        self.device = resolve_device(device) if backend_class.uses_device else "cpu"
        self._backend_class = backend_class
        self._checksum = checksum
        self._runtime: EncoderBackend | None = None

    @property
    def runtime(self) -> EncoderBackend:
        """The backend instance that computes the vectors (made on first use)."""
        if self._runtime is None:
            self._runtime = self._backend_class(self.path, self.checksum, self.device)
        return self._runtime

    @property
    def cache_key(self) -> str:
        """What the embeddings depend on: the weights, and how they run."""
        return self.key_for(self.checksum, self.backend)

    @staticmethod
    def key_for(checksum: str, backend: str) -> str:
        return checksum if backend == "torch" else f"{checksum}-{backend}"

    @classmethod
    def for_queries(cls, root: Path, recorded: EncoderSection, model: str | Path | None = None,
                    device: Device = "auto") -> Encoder:
        """The encoder that embeds queries for an index whose documents ``recorded`` describes:
        the same checked model folder, run by the document backend's query backend (ONNX Runtime,
        so a query never imports torch)."""
        path = checked_model_path(root, recorded, model)
        backend = BACKENDS[recorded.backend].query_backend
        problem = BACKENDS[backend].cannot_run(path)
        if problem:  # a model with more than ONNX runs: queries on the backend that built the index
            logger.info("%s; queries run on %s", problem, recorded.backend)
            backend = recorded.backend
        return cls(path, device, checksum=recorded.checksum, backend=backend)

    @property
    def query_backend(self) -> str:
        return self._backend_class.query_backend

    def prepare_queries(self) -> None:
        """Make what :meth:`for_queries` will need (the ONNX export of these weights), now that
        the build has torch loaded anyway; later queries then import neither."""
        if self.query_backend != self.backend and not BACKENDS[self.query_backend].cannot_run(self.path):
            type(self)(self.path, "cpu", checksum=self.checksum, backend=self.query_backend).load()

    def load(self) -> None:
        """Load the weights now, so that later timings measure encoding alone."""
        self.runtime.load()

    @property
    def checksum(self) -> str:
        if self._checksum is None:
            self._checksum = model_checksum(self.path)
        return self._checksum

    @property
    def dimension(self) -> int:
        return self.runtime.dimension

    @property
    def max_seq_length(self) -> int:
        return self.runtime.max_seq_length

    @property
    def batch_invariant(self) -> bool:
        """Whether a text's vector is the same whatever other texts share its batch (not so on int8)."""
        return self._backend_class.batch_invariant

    def info(self, batch_size: int = 64) -> EncoderSection:
        """What the manifest records about this encoder, and what a reopened index checks."""
        return EncoderSection(
            name=DEFAULT_MODEL_NAME if self.is_default else self.path.name,
            path=str(self.path),
            checksum=self.checksum,
            dimension=self.dimension,
            max_seq_length=self.max_seq_length,
            is_default=self.is_default,
            backend=self.backend,
            batch_size=batch_size,
            normalized=True,
        )

    def encode(self, texts: list[str], batch_size: int = 64, show_progress_bar: bool = False) -> np.ndarray:
        """Return a float32 ``(len(texts), dimension)`` array of unit-length rows.

        The model sees at most its window (256 tokens for all-MiniLM-L6-v2) of each text; a text
        longer than :data:`MAX_INPUT_CHARS` is cut there first, and the cut is logged, not silent.
        """
        long_texts = sum(len(text) > MAX_INPUT_CHARS for text in texts)
        if long_texts:
            logger.warning(
                "%d texts are longer than %s characters: the encoder embeds only their beginning "
                "(its window is %d tokens); lexical search still indexes all of their text",
                long_texts, f"{MAX_INPUT_CHARS:,}", self.max_seq_length,
            )
            texts = [text[:MAX_INPUT_CHARS] for text in texts]
        if not show_progress_bar:
            return self.runtime.encode(texts, batch_size)
        import numpy as np

        from scientia.common.progress import progress

        # Our own progress (a bar on a terminal, plain lines in a log), never the backend's: one
        # batch at a time, so the count moves with every batch. The texts are sorted longest
        # first, as the backends sort them inside a call, so batches pad as little as before.
        if not texts:
            return self.runtime.encode(texts, batch_size)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        with progress("encoding", total=len(texts), unit="text") as advance:
            for start in range(0, len(texts), batch_size):
                batch = order[start : start + batch_size]
                vectors[batch] = self.runtime.encode([texts[i] for i in batch], batch_size)
                advance(len(batch))
        return vectors

    def encode_queries(self, queries: list[str]) -> np.ndarray:
        """Query vectors that do not depend on which queries are asked together.

        Where the backend is not batch-invariant each query is encoded alone, so ``scientia
        query`` and a batched benchmark rank with the same vector (a short query takes under a
        millisecond on int8); otherwise in batches of up to 256.
        """
        import numpy as np

        if self.batch_invariant or len(queries) <= 1:
            return self.encode(queries, batch_size=max(1, min(len(queries), 256)))
        return np.vstack([self.encode([query], batch_size=1) for query in queries])


def checked_model_path(root: Path, recorded: EncoderSection, model: str | Path | None) -> Path:
    """The encoder folder to use for queries, after checking it is the one the index was built with."""
    if model is not None:
        path = Path(model).expanduser().resolve()
    elif recorded.is_default:
        path = default_model_path()
    else:
        path = Path(recorded.path)
    if not path.is_dir():
        raise EncoderMismatchError(
            f"{root}: built with encoder {recorded.name!r} from {recorded.path}, which is not a folder "
            "here; pass --model with a copy of that encoder"
        )
    found = model_checksum(path)
    if found != recorded.checksum:
        raise EncoderMismatchError(
            f"{root}: built with encoder {recorded.name!r} (checksum {recorded.checksum[:12]}), "
            f"but {path} has checksum {found[:12]}; query with the same encoder or rebuild the index"
        )
    return path
