"""Encoder backends: ONNX Runtime fp32 reproduces torch, int8 stays close, and an index remembers
its backend so queries run on the same one."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from scientia.engine import Engine
from scientia.indexers import BuildOptions, InvalidArgumentError, build_index
from scientia.indexers.encoder import Encoder

from conftest import SMALL_CORPUS, write_jsonl

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
    assert manifest["encoder"]["backend"] == "onnx-int8"
    assert manifest["encoder"]["checksum"] == encoder.checksum  # the exported files don't change the model's identity
    with Engine.open(tmp_path / "idx") as engine:
        assert engine.search("lava and magma", k=1, mode="dense")[0].id == "volcano"
        assert engine.signal("dense").encoder.backend == "onnx-int8"


def test_unknown_backend_lists_the_allowed_ones():
    with pytest.raises(InvalidArgumentError, match=r"allowed: torch, onnx, onnx-int8"):
        Encoder(backend="tensorrt")  # type: ignore[arg-type]
