"""The encoder on ONNX Runtime, in fp32 or with int8 dynamic quantization.

The local sentence-transformers model is exported once with ``torch.onnx.export`` (eager
attention, opset 17) and, for ``onnx-int8``, quantized per channel on its MatMuls with
``onnxruntime.quantization.quantize_dynamic`` (Jacob et al., "Quantization and Training of
Neural Networks for Efficient Integer-Arithmetic-Only Inference", CVPR 2018). The files are
cached in the user cache folder (``SCIENTIA_CACHE``, by default ``~/.cache/scientia/onnx/``),
keyed by the model's checksum, and reused; nothing is written into the model folder, which may
be an installed package. Tokenization, mean pooling and normalization follow the model's
sentence-transformers config.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from scientia.common.cache import cache_root
from scientia.common.errors import InvalidArgumentError
from scientia.common.models import quiet_model_loading
from scientia.common.threads import available_cores

from .backend import EncoderBackend

if TYPE_CHECKING:
    import numpy as np

__all__ = ["PARALLEL_BATCH", "OnnxBackend", "OnnxInt8Backend", "onnx_files_dir", "open_session"]

logger = logging.getLogger(__name__)

# Texts per batch when batches run side by side: 8 beat 16 and 32 on abstracts and tied 16 on
# short passages (int8, alternating runs in one process, 2 cores).
PARALLEL_BATCH = 8


def onnx_files_dir(checksum: str) -> Path:
    """Where the exports of the model with this checksum are kept: ``<cache>/onnx/<checksum[:20]>``."""
    folder = cache_root() / "onnx" / checksum[:20]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class OnnxBackend(EncoderBackend):
    """ONNX Runtime, fp32: reproduces torch to cosine > 0.9999."""

    name = "onnx"
    query_backend = "onnx"
    quantized = False

    def __init__(self, model_path: Path, checksum: str, device: str) -> None:
        super().__init__(model_path, checksum, device)
        self._loaded = False
        self._loading = threading.Lock()
        self._session = None  # on all cores: made when a batch of a few texts first needs it

    @classmethod
    def cannot_run(cls, model_path: Path) -> str | None:
        """Why this backend can't run the model folder (a module it does not implement), or None."""
        return _pipeline(model_path)[1]

    def load(self) -> None:
        if self._loaded:
            return
        with self._loading:
            if not self._loaded:
                self._load()

    def _load(self) -> None:
        self.pooling, problem = _pipeline(self.model_path)
        if problem:
            raise InvalidArgumentError(f"{problem} (use --backend torch)")
        folder = onnx_files_dir(self.checksum)
        fp32 = folder / "model.onnx"
        if not fp32.is_file():
            _export(self.model_path, fp32)
        path = fp32
        if self.quantized:
            path = folder / "model-int8.onnx"
            if not path.is_file():
                _quantize(fp32, path)
        self.model_file = path
        self.workers = available_cores()
        model_path = self.model_path
        config = json.loads((model_path / "sentence_bert_config.json").read_text()) if (model_path / "sentence_bert_config.json").is_file() else {}
        self._max_seq_length = int(config.get("max_seq_length", 256))
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        tokenizer.enable_truncation(self._max_seq_length)
        # tokenizer.json may pad every text to a fixed length (MiniLM's: 128); batches pad themselves.
        self.pad_id = int((tokenizer.padding or {}).get("pad_id", 0))
        tokenizer.no_padding()
        # A Rust tokenizer is a RefCell inside: shared between threads it can fail with "Already
        # borrowed". Each thread that encodes gets its own copy (about 10 ms, once per thread).
        self._tokenizer_json = tokenizer.to_str()
        self._per_thread = threading.local()
        self._per_thread.tokenizer = tokenizer
        # The single-threaded session serves a query (one text) and many texts (batches side by
        # side); a cold query loads one 90 MB model, not two.
        session = self._single_threaded = open_session(path, threads=1)
        self.input_names = {i.name for i in session.get_inputs()}
        self._dimension = int(session.get_outputs()[0].shape[-1])
        self._loaded = True

    @property
    def tokenizer(self):
        """This thread's tokenizer."""
        self.load()
        tokenizer = getattr(self._per_thread, "tokenizer", None)
        if tokenizer is None:
            from tokenizers import Tokenizer

            tokenizer = self._per_thread.tokenizer = Tokenizer.from_str(self._tokenizer_json)
        return tokenizer

    @property
    def session(self):
        """The session on all cores, for a batch of a few texts (made on first use)."""
        self.load()
        if self._session is None:
            with self._loading:
                if self._session is None:
                    self._session = open_session(self.model_file, threads=self.workers)
        return self._session

    @property
    def dimension(self) -> int:
        self.load()
        return self._dimension

    @property
    def max_seq_length(self) -> int:
        self.load()
        return self._max_seq_length

    def encode(self, texts: list[str], batch_size: int, show_progress_bar: bool = False) -> np.ndarray:
        import numpy as np

        self.load()
        encodings = self.tokenizer.encode_batch(texts)
        # Batches of texts with the same number of tokens pad nothing; sorting by characters
        # (sentence-transformers' heuristic) padded 35-word SciFact batches to 76 tokens for 55.
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        parallel = self.workers > 1 and len(texts) > PARALLEL_BATCH
        if parallel:
            # Many texts: small batches, one per core, each on one thread; the activations stay
            # in each core's cache and no core waits for the other at every operator. int8 at
            # batch 32 in benchmarks/encode.py, before and after: 38 -> 55 abstracts/s, 225 -> 279
            # 50-word passages/s, 314 -> 428 56-token passages/s (torch unchanged, 2 cores).
            size, session = min(batch_size, PARALLEL_BATCH), self.single_threaded_session()
        elif len(texts) == 1:
            # One text (a query) runs on the calling thread: a server's concurrent queries then
            # run side by side on the cores instead of queueing for one session's thread pool.
            size, session = 1, self.single_threaded_session()
        else:
            size, session = batch_size, self.session
        batches = [order[start : start + size] for start in range(0, len(order), size)]

        def embed(rows: list[int]) -> tuple[list[int], np.ndarray]:
            feeds, mask = self.padded_batch([encodings[i] for i in rows])
            return rows, self._pooled(session.run(None, feeds)[0], mask)

        if parallel:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(self.workers, thread_name_prefix="scientia-onnx") as pool:
                results = list(pool.map(embed, batches))
        else:
            results = [embed(batch) for batch in batches]
        for rows, pooled in results:
            vectors[rows] = pooled
        return vectors

    def single_threaded_session(self):
        """The session whose runs stay on their calling thread."""
        self.load()
        return self._single_threaded

    def _pooled(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import numpy as np

        if self.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    def padded_batch(self, encodings: list) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Session inputs for tokenized texts, padded to the longest; and the attention mask."""
        import numpy as np

        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        types = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            length = len(encoding.ids)
            ids[row, :length] = encoding.ids
            mask[row, :length] = 1
            types[row, :length] = encoding.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.input_names:
            feeds["token_type_ids"] = types
        return feeds, mask


class OnnxInt8Backend(OnnxBackend):
    """ONNX Runtime with the MatMuls quantized to int8 (dynamic, per channel).

    Dynamic quantization picks one activation scale per batch (from the range of every token in
    it), so a text's vector moves by about 1e-2 in cosine with its batch-mates.
    """

    name = "onnx-int8"
    query_backend = "onnx-int8"  # int8 documents, int8 queries: the vectors they were measured with
    quantized = True
    batch_invariant = False


def _pipeline(model_path: Path) -> tuple[str, str | None]:
    """The pooling of a sentence-transformers folder (``mean`` or ``cls``) and, where its modules
    are more than a transformer, one pooling and a normalization, why ONNX can't run it."""
    modules = model_path / "modules.json"
    for module in json.loads(modules.read_text()) if modules.is_file() else []:
        kind = str(module.get("type", "")).rsplit(".", 1)[-1]
        if kind not in ("Transformer", "Pooling", "Normalize"):
            return "mean", f"{modules}: module {kind!r} does not run on ONNX"
    pooling = model_path / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text()) if pooling.is_file() else {"pooling_mode": "mean"}
    # sentence-transformers 6 writes "pooling_mode": "mean"; earlier versions one flag per mode
    mode = config.get("pooling_mode") or next(
        (name for name, flag in (("cls", "pooling_mode_cls_token"), ("mean", "pooling_mode_mean_tokens")) if config.get(flag)), None
    )
    if mode not in ("mean", "cls"):
        return "mean", f"{pooling}: only mean or CLS pooling runs on ONNX, not {mode!r}"
    return mode, None


def open_session(path: Path, threads: int, profile_prefix: str | None = None):
    """A CPU session on ``threads`` cores; with ``profile_prefix``, one that records a kernel trace."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # ONNX Runtime's pool threads spin between operators by default: on a busy server that burned
    # the cores the request threads needed (Cranfield load test, 8 clients: 6.8 -> 4.2 ms of server
    # CPU per hybrid query, 249 -> 336 queries/s). Batch builds run single-threaded sessions anyway.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if profile_prefix is not None:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _export(model_path: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel

    logger.info("exporting %s to ONNX (once)", model_path)
    with quiet_model_loading():
        model = AutoModel.from_pretrained(str(model_path), attn_implementation="eager", local_files_only=True)
    model.eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    sample = torch.ones((1, 8), dtype=torch.int64)
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    with torch.no_grad():
        torch.onnx.export(
            LastHiddenState(model), (sample, sample, torch.zeros_like(sample)), str(temporary),
            input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")},
            opset_version=17, dynamo=False,
        )
    os.replace(temporary, target)


def _quantize(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logger.info("quantizing %s to int8 (once)", source)
    temporary = target.with_suffix(f".{os.getpid()}.tmp.onnx")
    quantize_dynamic(str(source), str(temporary), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"])
    os.replace(temporary, target)
