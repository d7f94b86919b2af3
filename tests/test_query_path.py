"""The query path: no torch (queries are encoded by ONNX Runtime from an export made at build
time), no encoder at all for lexical and knowledge queries, and damaged files refused at open."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from scientia.cli.app import app
from scientia.engine import Engine
from scientia.indexers import BuildOptions, build_index

from helpers import SMALL_CORPUS, write_jsonl

runner = CliRunner()

QUERY_IN_A_FRESH_PROCESS = """
import json, sys
from scientia.cli.app import app
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    heavy = [m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules]
    print("HEAVY=" + json.dumps(heavy))
"""


def query_in_a_fresh_process(*args) -> tuple[list[dict], list[str]]:
    process = subprocess.run([sys.executable, "-c", QUERY_IN_A_FRESH_PROCESS, "query", *map(str, args), "--json"],
                             capture_output=True, text=True, timeout=300)
    assert process.returncode == 0, process.stderr
    lines = process.stdout.splitlines()
    heavy = json.loads(lines[-1].removeprefix("HEAVY="))
    return [json.loads(line) for line in lines[:-1]], heavy


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["torch", "onnx-int8"])
def test_a_query_imports_no_torch(tmp_path: Path, backend: str):
    index = tmp_path / "idx"
    build_index(write_jsonl(tmp_path / "c.jsonl", SMALL_CORPUS), index, BuildOptions(backend=backend))
    for mode in ("hybrid", "dense", "lexical"):
        hits, heavy = query_in_a_fresh_process(index, "magma and lava", "--mode", mode, "-k", "2")
        assert hits[0]["id"] == "volcano" and heavy == [], (mode, heavy)


@pytest.mark.slow
def test_queries_on_a_torch_index_rank_like_torch(tmp_path: Path, encoder):
    """Documents encoded by torch, queries by its ONNX fp32 export: the same vectors to 1e-4."""
    from scientia.indexers.encoding import Encoder

    index = tmp_path / "idx"
    build_index(write_jsonl(tmp_path / "c.jsonl", SMALL_CORPUS), index, BuildOptions(backend="torch"))
    queries = ["a pet that purrs", "rocket thrust in space", "how bread rises", "x"]
    with Engine.open(index) as engine:
        query_encoder = engine.signal("dense").encoder
        assert query_encoder.backend == "onnx" and query_encoder.checksum == encoder.checksum
        cosines = np.sum(query_encoder.encode_queries(queries) * Encoder().encode_queries(queries), axis=1)
    assert cosines.min() > 0.9999


def test_lexical_and_knowledge_queries_need_no_model_folder(tmp_path: Path):
    from scientia.common.models import default_model_path

    model = Path(shutil.copytree(default_model_path(), tmp_path / "my-model"))
    index = tmp_path / "idx"
    result = runner.invoke(app, ["index", "build", str(write_jsonl(tmp_path / "c.jsonl", SMALL_CORPUS)), "-o", str(index),
                                 "--model", str(model), "-q"])
    assert result.exit_code == 0, result.output
    shutil.rmtree(model)  # the folder the index was built with is gone
    result = runner.invoke(app, ["query", str(index), "magma lava", "--mode", "lexical", "--json", "-k", "1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == "volcano"
    result = runner.invoke(app, ["query", str(index), "magma lava", "--mode", "dense"])
    assert result.exit_code == 2 and "my-model, which is not a folder here; pass --model" in result.stderr


@pytest.mark.parametrize("damage", ["flip a byte", "truncate"])
def test_a_damaged_vectors_file_is_refused_at_open_naming_it(tmp_path: Path, small_index: Path, damage: str):
    index = Path(shutil.copytree(small_index, tmp_path / "idx"))
    vectors = next(index.glob("gen-*/vectors.faiss"))
    data = bytearray(vectors.read_bytes())
    if damage == "flip a byte":
        data[-1] ^= 0xFF
    else:
        del data[-8:]
    vectors.write_bytes(bytes(data))
    result = runner.invoke(app, ["query", str(index), "magma lava", "--mode", "dense"])
    assert result.exit_code == 2 and f"{vectors}: damaged" in result.stderr
    result = runner.invoke(app, ["query", str(index), "magma lava", "--mode", "lexical", "--json", "-k", "1"])
    assert result.exit_code == 0 and json.loads(result.stdout)["id"] == "volcano"  # the other signals still answer


def test_concurrent_queries_share_encoder_calls_and_get_their_own_vectors(small_index: Path):
    import threading

    queries = [f"{word} and more about {word}" for word in
               ("magma", "rockets", "sourdough", "vaccines", "chess", "cats", "lava", "thrust",
                "yeast", "immunity", "openings", "purring", "eruption", "propellant", "bread", "pathogen")]
    with Engine.open(small_index) as engine:
        dense = engine.signal("dense")
        alone = {query: dense.encoder.encode_queries([query])[0] for query in queries}
        calls = []
        encode = dense.encoder.encode

        def counted(texts, *args, **kwargs):
            calls.append(len(texts))
            if len(calls) == 1:  # hold the first batch until every other query has queued behind it
                deadline = time.monotonic() + 60
                while dense.batcher.pending < len(queries) - len(texts) and time.monotonic() < deadline:
                    time.sleep(0.01)
            return encode(texts, *args, **kwargs)

        dense.encoder.encode = counted
        start, results = threading.Barrier(len(queries)), {}

        def ask(query: str) -> None:
            start.wait()
            results[query] = dense.rank([query], 3)[0].ranking

        threads = [threading.Thread(target=ask, args=(query,)) for query in queries]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        expected = {query: dense.index.search(alone[query][None, :], 3) for query in queries}
    assert sum(calls) == len(queries) and len(calls) == 2, calls  # the ones that queued meanwhile went as one batch
    for query in queries:  # and each got the ranking of its own vector
        scores, positions = expected[query]
        assert [p for p, _ in results[query]] == positions[0].tolist(), query
        assert np.allclose([s for _, s in results[query]], scores[0], atol=1e-5), query


def test_the_encoder_thread_ends_when_idle_and_comes_back(small_index: Path, monkeypatch):
    from scientia.engine.signals import batching

    monkeypatch.setattr(batching, "IDLE_SECONDS", 0.05)
    with Engine.open(small_index) as engine:
        dense = engine.signal("dense")
        first = dense.rank(["lava"], 1)[0].ranking
        worker = dense._batcher._worker
        assert worker is not None
        worker.join(timeout=5)
        assert not worker.is_alive() and dense._batcher._worker is None
        assert dense.rank(["lava"], 1)[0].ranking == first  # a new thread answers the next query


class _Interleaving:
    """The batcher's queue, able to stop the encoder thread between its look at the empty queue
    and its decision to end, so that a test can put a query right there."""

    def __init__(self) -> None:
        import queue
        import threading

        self._queue = queue.SimpleQueue()
        self.armed = False
        self.looked = threading.Event()  # the thread has seen the queue empty
        self.go_on = threading.Event()  # the test lets it decide
        self.put_done = threading.Event()

    def put(self, item) -> None:
        self._queue.put(item)
        self.put_done.set()

    def get(self, timeout=None):
        return self._queue.get(timeout=timeout)

    def get_nowait(self):
        return self._queue.get_nowait()

    def empty(self) -> bool:
        empty = self._queue.empty()
        if self.armed and empty:
            self.armed = False
            self.looked.set()
            self.go_on.wait(timeout=10)
        return empty


def test_a_query_queued_as_the_idle_encoder_thread_ends_is_answered(encoder, monkeypatch):
    """Point 12: a query queued between the idle thread's look at the empty queue and its end
    saw the thread as alive, started none, and waited until another query came along."""
    import threading

    from scientia.engine.signals import batching

    monkeypatch.setattr(batching, "IDLE_SECONDS", 0.05)
    batcher = batching.QueryBatcher(encoder)
    interleaving = batcher._queue = _Interleaving()
    batcher.encode("warm up")  # a thread now runs; idle, it will look at the queue and end
    interleaving.armed = True
    assert interleaving.looked.wait(timeout=10)
    interleaving.put_done.clear()
    answer = {}
    late = threading.Thread(target=lambda: answer.setdefault("vector", batcher.encode("a late query")), daemon=True)
    late.start()
    interleaving.put_done.wait(timeout=0.5)  # the late query is queued now, unless a lock holds it back
    interleaving.go_on.set()
    late.join(timeout=10)
    assert not late.is_alive(), "the late query was never answered"
    assert np.allclose(answer["vector"], encoder.encode(["a late query"])[0], atol=1e-5)
