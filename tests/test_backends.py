"""Encoder backends: ONNX Runtime fp32 reproduces torch, int8 stays close, and an index remembers
its backend so queries run on the same one."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from scientia.engine import Engine
from scientia.indexers import BuildOptions, InvalidArgumentError, build_index
from scientia.indexers.encoding import Encoder

from helpers import SMALL_CORPUS, write_jsonl

pytestmark = pytest.mark.slow

TEXTS = [d["title"] + "\n" + d["text"] for d in SMALL_CORPUS] + ["word " * 400]


def test_onnx_fp32_reproduces_torch_and_int8_stays_close(encoder):
    reference = encoder.encode(TEXTS)
    fp32 = Encoder(backend="onnx").encode(TEXTS)
    int8 = Encoder(backend="onnx-int8").encode(TEXTS)
    assert fp32.shape == int8.shape == reference.shape and int8.dtype == np.float32
    assert np.min(np.sum(reference * fp32, axis=1)) > 0.9999
    assert np.min(np.sum(reference * int8, axis=1)) > 0.97
    np.testing.assert_allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)


def test_index_records_its_backend_and_queries_use_it(tmp_path: Path, encoder):
    corpus = write_jsonl(tmp_path / "c.jsonl", SMALL_CORPUS)
    build_index(corpus, tmp_path / "idx", BuildOptions(backend="onnx-int8"))
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert manifest["dense"]["encoder"]["backend"] == "onnx-int8"
    assert manifest["dense"]["encoder"]["checksum"] == encoder.checksum  # the exported files don't change the model's identity
    with Engine.open(tmp_path / "idx") as engine:
        assert engine.search("lava and magma", k=1, mode="dense")[0].id == "volcano"
        assert engine.signal("dense").encoder.backend == "onnx-int8"


def test_unknown_backend_lists_the_allowed_ones():
    with pytest.raises(InvalidArgumentError, match=r"allowed: torch, onnx, onnx-int8, torch-bf16"):
        Encoder(backend="tensorrt")  # type: ignore[arg-type]


def test_int8_query_vectors_do_not_depend_on_the_other_queries():
    int8 = Encoder(backend="onnx-int8")
    queries = ["lava and magma", "how do bees make honey", "word " * 60 + "long query"]
    alone = np.vstack([int8.encode_queries([q]) for q in queries])
    together = int8.encode_queries(queries)
    np.testing.assert_array_equal(alone, together)
    assert not int8.batch_invariant and Encoder(backend="onnx").batch_invariant


def test_onnx_batches_by_token_count_and_keeps_input_order():
    fp32 = Encoder(backend="onnx")
    texts = [d["title"] + " " + d["text"] for d in SMALL_CORPUS][:12] + ["short", "word " * 120, "word " * 30]
    one_by_one = np.vstack([fp32.encode([t]) for t in texts])
    for workers in (1, 2):  # one session on every core, and small batches side by side
        fp32.runtime.workers = workers
        batched = fp32.encode(texts, batch_size=4)
        assert np.min(np.sum(batched * one_by_one, axis=1)) > 0.9999


def test_embedding_cache_keeps_each_backends_vectors_apart(tmp_path: Path, encoder):
    from scientia.indexers.embedding_cache import EmbeddingCache

    cache = EmbeddingCache(tmp_path)
    keys = [Encoder(backend=b).cache_key for b in ("torch", "onnx", "onnx-int8")]
    torch_vectors = np.ones((3, 4), dtype=np.float32)
    cache.put(keys[0], "corpus", torch_vectors)
    assert cache.get(keys[2], "corpus", 3) is None and cache.get(keys[1], "corpus", 3) is None
    np.testing.assert_array_equal(cache.get(keys[0], "corpus", 3), torch_vectors)
    cache.put(keys[2], "corpus", torch_vectors * 2)
    assert len(list(tmp_path.glob("*.npy"))) == 2


def test_onnx_exports_go_to_the_user_cache_not_the_model_folder(tmp_path: Path, monkeypatch):
    from scientia.common.models import default_model_path

    monkeypatch.setenv("SCIENTIA_CACHE", str(tmp_path / "cache"))
    before = sorted(p.name for p in default_model_path().iterdir())
    onnx = Encoder(backend="onnx")
    onnx.encode(["a short text"])
    assert (tmp_path / "cache" / "onnx" / onnx.checksum[:20] / "model.onnx").is_file()
    assert sorted(p.name for p in default_model_path().iterdir()) == before


BF16_ABSENT = "this CPU has no bf16 instructions (avx512_bf16 or amx_bf16): the torch-bf16 backend refuses to run"


@pytest.mark.skipif(not __import__("scientia.indexers.encoding.torch_backend", fromlist=["x"]).cpu_bf16_instructions(),
                    reason=BF16_ABSENT)
def test_torch_bf16_reproduces_torch_fp32_and_its_index_is_queried_on_onnx(tmp_path: Path, encoder):
    reference = encoder.encode(TEXTS)
    bf16 = Encoder(backend="torch-bf16").encode(TEXTS)
    assert bf16.dtype == np.float32 and np.min(np.sum(reference * bf16, axis=1)) > 0.999
    np.testing.assert_allclose(np.linalg.norm(bf16, axis=1), 1.0, atol=1e-5)
    corpus = write_jsonl(tmp_path / "c.jsonl", SMALL_CORPUS)
    build_index(corpus, tmp_path / "idx", BuildOptions(backend="torch-bf16"))
    with Engine.open(tmp_path / "idx") as engine:
        assert engine.manifest.section("dense").encoder.backend == "torch-bf16"
        assert engine.search("lava and magma", k=1, mode="dense")[0].id == "volcano"
        assert engine.signal("dense").encoder.backend == "onnx"  # queries never need torch


def test_torch_bf16_names_the_missing_instructions(tmp_path: Path):
    from scientia.indexers.encoding.torch_backend import (
        TorchBf16Backend,
        cpu_bf16_instructions,
    )

    without = tmp_path / "cpuinfo"
    without.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni\n")
    with_amx = tmp_path / "cpuinfo-amx"
    with_amx.write_text("processor\t: 0\nflags\t\t: fpu avx512f amx_bf16 amx_tile\n")
    assert cpu_bf16_instructions(without) == [] and cpu_bf16_instructions(with_amx) == ["amx_bf16"]
    if not cpu_bf16_instructions():
        with pytest.raises(InvalidArgumentError, match="avx512_bf16, amx_bf16"):
            Encoder(backend="torch-bf16").encode(["x"])
    else:
        assert TorchBf16Backend.cannot_run(Path(".")) is None
