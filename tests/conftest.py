"""Shared fixtures. Everything runs on the real encoder, real FAISS and real bm25s; nothing downloads."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from helpers import SAMPLE_CORPUS, SMALL_CORPUS, write_jsonl  # noqa: E402  (offline before any import of scientia)


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "corpus.jsonl", SMALL_CORPUS)


@pytest.fixture(scope="session")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One index over SMALL_CORPUS, built once per session; tests must not modify it."""
    from scientia.indexers import build_index

    folder = tmp_path_factory.mktemp("small")
    corpus = write_jsonl(folder / "corpus.jsonl", SMALL_CORPUS)
    build_index(corpus, folder / "index")
    return folder / "index"


@pytest.fixture(scope="session")
def encoder():
    from scientia.indexers.encoding import Encoder

    return Encoder()


@pytest.fixture(scope="session")
def sample_documents():
    from scientia.indexers import load_documents

    documents, _ = load_documents(SAMPLE_CORPUS)
    return documents


@pytest.fixture(scope="session")
def ray_cluster():
    """One real Ray cluster of two nodes on this machine for the whole session (starting one costs
    seconds): a head and a worker node, each a raylet with its own CPU, so that placement on
    different nodes, objects moving between them and a node's loss happen as on several machines.
    Every test that joins ``local`` joins this one; the session ends it, leaving no Ray process."""
    ray = pytest.importorskip("ray", reason="Ray is not installed: make setup installs it")
    from ray.cluster_utils import Cluster

    from scientia.common.ray_cluster import LOCAL_NODE_ADDRESS, connect

    node = {"num_cpus": 1, "node_ip_address": LOCAL_NODE_ADDRESS}
    cluster = Cluster(initialize_head=True, head_node_args={**node, "include_dashboard": False})
    cluster.add_node(**node)
    cluster.wait_for_nodes()
    connect(cluster.address)
    yield cluster
    from processes import alive, command_line, descendants

    # the nodes' raylets, GCS, agents and workers
    started = [pid for pid in descendants(os.getpid()) if "ray" in command_line(pid)]
    ray.shutdown()
    cluster.shutdown()
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [pid for pid in started if alive(pid)]
    assert not left, f"Ray processes left after the session: {left}"
