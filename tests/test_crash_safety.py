"""A build killed with SIGKILL part-way leaves the previous index loadable with all its documents."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from scientia.engine import Engine
from scientia.indexers import build_index

from conftest import SAMPLE_CORPUS, SMALL_CORPUS, kill_when, start_cli, write_jsonl

pytestmark = pytest.mark.slow


def committed_documents(index: Path) -> tuple[int, set[str]]:
    """Generation and ids of the live index, after checking every signal still answers."""
    with Engine.open(index) as engine:
        ids = set(engine.store.ids())
        assert len(ids) == engine.manifest.documents.count
        for mode in ("dense", "lexical", "hybrid"):
            assert engine.search("rocket engine", k=3, mode=mode)
        return engine.manifest.generation, ids


@pytest.fixture
def old_index(tmp_path: Path) -> Path:
    corpus = write_jsonl(tmp_path / "old.jsonl", SMALL_CORPUS)
    build_index(corpus, tmp_path / "idx")
    return tmp_path / "idx"


@pytest.mark.parametrize("kill_point", ["while encoding", "while writing the new generation"])
def test_sigkill_keeps_the_last_committed_generation(old_index: Path, kill_point: str):
    old_ids = {d["id"] for d in SMALL_CORPUS}
    new_ids = {json.loads(line)["id"] for line in SAMPLE_CORPUS.read_text().splitlines()}
    started = time.monotonic()
    if kill_point == "while encoding":
        ready = lambda: time.monotonic() - started > 4.0  # past imports, before the staging folder
    else:
        ready = lambda: any(old_index.glob(".staging-*"))
    killed = kill_when(start_cli("index", "build", SAMPLE_CORPUS, "-o", old_index, "--quiet"), ready)

    generation, ids = committed_documents(old_index)
    if killed and generation == 1:
        assert ids == old_ids
    else:  # the commit happened before the kill landed: then the new generation is complete
        assert (generation, ids) == (2, new_ids)

    # the next build cleans up after the killed one and commits normally
    build_index(SAMPLE_CORPUS, old_index)
    generation_after, ids_after = committed_documents(old_index)
    assert generation_after == generation + 1 and ids_after == new_ids
    assert not list(old_index.glob(".staging-*"))
    assert len(list(old_index.glob("gen-*"))) <= 2  # the live generation and the one before it
