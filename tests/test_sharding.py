"""Sharded indexes: built in pieces (in process or encoded on Ray), searched as one, exactly.

The Ray tests run on a real cluster of two nodes on this machine, one for the whole session
(conftest's ``ray_cluster``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from scientia.benchmarks.shard_equality import same_top_k
from scientia.indexers.sharding import ShardMap, merge_top_k, shard_of

from helpers import SAMPLE_CORPUS, write_jsonl

QUERIES = ["spicy pizza", "how do vaccines work", "volcano lava", "glaciers carve valleys", "chess opening",
           "rocket engines", "photosynthesis in plants", "the immune system", "bread and yeast", "stars and galaxies"]


def assert_same_top_k(one, sharded) -> None:
    assert same_top_k(one, sharded), ([(h.id, h.score) for h in one], [(h.id, h.score) for h in sharded])


def sample_documents() -> list[dict]:
    return [json.loads(line) for line in SAMPLE_CORPUS.read_text().splitlines()]


# -- units -------------------------------------------------------------------------------------

def test_the_comparison_allows_ties_in_any_order_and_a_different_cut_at_the_last_score():
    from types import SimpleNamespace as Hit

    def hits(*pairs):
        return [Hit(id=i, score=s) for i, s in pairs]

    base = hits(("a", 0.9), ("b", 0.5), ("c", 0.5), ("d", 0.3653499), ("e", 0.2), ("f", 0.2))
    assert same_top_k(base, hits(("a", 0.9), ("c", 0.5), ("b", 0.5), ("d", 0.36535), ("e", 0.2), ("g", 0.2)))
    assert not same_top_k(base, hits(("a", 0.9), ("b", 0.5), ("d", 0.5), ("c", 0.3653499), ("e", 0.2), ("f", 0.2)))
    assert not same_top_k(base, hits(("a", 0.9), ("b", 0.5), ("c", 0.5), ("d", 0.36), ("e", 0.2), ("f", 0.2)))
    assert not same_top_k(base, base[:5])


def test_an_id_always_lands_in_the_same_shard():
    # blake2b(id, 8 bytes) mod N: fixed across machines and Python hash seeds (changing it would
    # re-shard every index), and spread evenly
    assert [shard_of(doc_id, 3) for doc_id in ("a", "b", "pizza/cajun", "Straße")] == \
           [shard_of(doc_id, 3) for doc_id in ("a", "b", "pizza/cajun", "Straße")]
    code = "from scientia.indexers.sharding import shard_of; print([shard_of(str(i), 4) for i in range(8)])"
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(runs) == 1
    counts = np.bincount([shard_of(f"doc-{i}", 4) for i in range(4000)], minlength=4)
    assert counts.min() > 900  # within 10% of 1,000 each


def test_shard_map_assigns_and_routes_additions():
    ids = ["a", "b", "c", "d", "e"]
    shard_map = ShardMap.assign(ids, 2)
    assert sorted(np.concatenate(shard_map.members).tolist()) == [0, 1, 2, 3, 4]
    for shard, members in enumerate(shard_map.members):
        assert all(shard_of(ids[p], 2) == shard for p in members)
    grown = ShardMap.assign(["f", "g"], 2, first_position=5, previous=shard_map)
    assert grown.size == 7 and ShardMap.assign(ids + ["f", "g"], 2).members[0].tolist() == grown.members[0].tolist()
    shard, local = grown.locate()
    for s, members in enumerate(grown.members):
        assert shard[members].tolist() == [s] * len(members) and local[members].tolist() == list(range(len(members)))


def test_merge_keeps_the_best_k_by_score_ties_by_position():
    shard_a = (np.array([[0.9, 0.5, 0.1]]), np.array([[4, 2, 0]]))
    shard_b = (np.array([[0.7, 0.5, 0.0]]), np.array([[3, 1, -1]]))  # -1: the shard had nothing more
    scores, positions = merge_top_k([shard_a, shard_b], 4)
    assert positions.tolist() == [[4, 3, 1, 2]]  # 0.5 twice: position 1 before 2
    assert np.allclose(scores, [[0.9, 0.7, 0.5, 0.5]])
    scores, positions = merge_top_k([shard_b], 4)
    assert positions.tolist() == [[3, 1, -1, -1]] and scores[0][2] == -np.inf  # padded, never a -1 scored


@pytest.mark.parametrize("method", ["lucene", "robertson", "atire", "bm25l", "bm25+"])
def test_bm25_shards_score_bit_for_bit_as_the_one_piece_index(method: str):
    from scientia.indexers.bm25_matrix import CorpusStatistics, build_score_matrix
    from scientia.indexers.lexical import BM25Params, LexicalIndex

    texts = [d["title"] + "\n" + d["text"] for d in sample_documents()]
    params = BM25Params(method=method, language="en")
    one = LexicalIndex.build(texts, params)
    analyzer = params.analyzer()
    tokens = [analyzer(text) for text in texts]
    statistics = CorpusStatistics.of(tokens)
    shard_map = ShardMap.assign([str(i) for i in range(len(texts))], 3)
    for members in shard_map.members:
        shard = LexicalIndex(build_score_matrix([tokens[p] for p in members], method, params.k1, params.b, statistics),
                             params)
        for query in QUERIES:
            expected = one._scores(analyzer(query), None)[members]
            assert np.array_equal(shard._scores(analyzer(query), None), expected)  # bit for bit


# -- sharded indexes in process ----------------------------------------------------------------

@pytest.fixture(scope="module")
def one_and_three(tmp_path_factory):
    from scientia.indexers import BuildOptions, build_index

    folder = tmp_path_factory.mktemp("shards")
    build_index(SAMPLE_CORPUS, folder / "one", BuildOptions(faiss_factory="Flat"))
    build_index(SAMPLE_CORPUS, folder / "three", BuildOptions(faiss_factory="Flat", shards=3))
    return folder / "one", folder / "three"


@pytest.mark.slow
def test_three_shards_answer_exactly_as_one_index(one_and_three):
    from scientia.engine import Engine

    one_path, three_path = one_and_three
    with Engine.open(one_path) as one, Engine.open(three_path) as three:
        for mode in ("dense", "lexical", "hybrid"):
            for query in QUERIES:
                assert_same_top_k(one.search(query, k=10, mode=mode), three.search(query, k=10, mode=mode))
        # filters reach every shard
        filtered = three.search("glaciers", k=5, mode="hybrid", filters=["topic=geography"])
        assert filtered and all(hit.metadata["topic"] == "geography" for hit in filtered)
        assert_same_top_k(one.search("glaciers", k=5, mode="hybrid", filters=["topic=geography"]), filtered)
        # each term's document frequency is summed over the shards: the same coverage as one index
        queries = ["glaciers carve zzyzxqua valleys", "spicy pizza", "zzyzxqua"]
        coverages = [r.coverage for r in one.signal("lexical").rank(queries, 10)]
        assert [r.coverage for r in three.signal("lexical").rank(queries, 10)] == coverages
        assert 0 < coverages[0] < 1 and coverages[1] == 1.0 and coverages[2] == 0.0


@pytest.mark.slow
def test_index_info_lists_the_shards_and_verify_checks_them(one_and_three, tmp_path: Path):
    from typer.testing import CliRunner

    from scientia.cli.app import app

    _, three = one_and_three
    runner = CliRunner()
    info = json.loads(runner.invoke(app, ["index", "info", str(three), "--json"]).stdout)
    assert [s["shard"] for s in info["shards"]] == [0, 1, 2]
    assert sum(s["documents"] for s in info["shards"]) == 200 and all(s["documents"] > 40 for s in info["shards"])
    assert info["dense"]["shards"] == 3 and info["lexical"]["shards"] == 3
    table = runner.invoke(app, ["index", "info", str(three)]).stdout
    assert "shard 002" in table
    assert runner.invoke(app, ["index", "verify", str(three)]).exit_code == 0
    # a damaged shard file is named
    import shutil

    damaged = tmp_path / "damaged"
    shutil.copytree(three, damaged)
    vectors = next(damaged.glob("gen-*/shards/001/vectors.faiss"))
    data = bytearray(vectors.read_bytes())
    data[-5] ^= 0xFF
    vectors.write_bytes(bytes(data))
    result = runner.invoke(app, ["index", "verify", str(damaged)])
    assert result.exit_code == 2 and "shards/001/vectors.faiss" in result.stderr


@pytest.mark.slow
def test_add_and_delete_route_documents_to_their_shards_and_keep_every_id_findable(tmp_path: Path):
    from scientia.engine import Engine
    from scientia.indexers import BuildOptions, build_index
    from scientia.indexers.updater import add_documents, compact, delete_documents

    documents = sample_documents()
    first, later = documents[:150], documents[150:]
    corpus = write_jsonl(tmp_path / "first.jsonl", first)
    for name, shards in (("one", 1), ("three", 3)):
        build_index(corpus, tmp_path / name, BuildOptions(faiss_factory="Flat", shards=shards))
        add_documents(tmp_path / name, write_jsonl(tmp_path / "later.jsonl", later))
        changed = [{**documents[3], "text": "A pizza topped with gorgonzola, pears and walnuts."}]
        add_documents(tmp_path / name, write_jsonl(tmp_path / "changed.jsonl", changed))  # replaces an id
        delete_documents(tmp_path / name, [d["id"] for d in documents[10:20]])

    live = [d for d in documents if d not in documents[10:20]]
    with Engine.open(tmp_path / "one") as one, Engine.open(tmp_path / "three") as three:
        for query in QUERIES:
            for mode in ("dense", "lexical"):
                assert_same_top_k(one.search(query, k=10, mode=mode), three.search(query, k=10, mode=mode))
        found = three.search_batch([d["title"] + ". " + d["text"] for d in live], k=3, mode="dense")
        missing = [d["id"] for d, hits in zip(live, found, strict=False) if d["id"] not in [h.id for h in hits]]
        assert not missing
        deleted = {d["id"] for d in documents[10:20]}
        assert not deleted & {h.id for q in QUERIES for h in three.search(q, k=50, mode="hybrid")}
        assert three.store.get(documents[3]["id"]).text.startswith("A pizza topped with gorgonzola")

    compact(tmp_path / "three")
    compact(tmp_path / "one")  # both without tombstones: BM25 counts a tombstone as an empty document
    with Engine.open(tmp_path / "three") as three, Engine.open(tmp_path / "one") as one:
        found = three.search_batch([d["title"] + ". " + d["text"] for d in live], k=3, mode="dense")
        assert all(d["id"] in [h.id for h in hits] for d, hits in zip(live, found, strict=False))
        for query in QUERIES:
            assert_same_top_k(one.search(query, k=10, mode="lexical"), three.search(query, k=10, mode="lexical"))


# -- on a local Ray cluster --------------------------------------------------------------------

@pytest.fixture(scope="module")
def on_ray(ray_cluster, one_and_three, tmp_path_factory):
    """The sample corpus in three shards, encoded on the Ray cluster."""
    from scientia.indexers import BuildOptions, build_index

    folder = tmp_path_factory.mktemp("ray") / "index"
    build_index(SAMPLE_CORPUS, folder, BuildOptions(faiss_factory="Flat", shards=3, ray="local"))
    return folder


@pytest.mark.slow
def test_a_build_encoded_on_ray_answers_as_the_one_piece_index(on_ray, one_and_three):
    from scientia.engine import Engine

    one_path, _ = one_and_three
    with Engine.open(one_path) as one, Engine.open(on_ray) as sharded:
        for mode in ("dense", "lexical", "hybrid"):
            for query in QUERIES:
                assert_same_top_k(one.search(query, k=10, mode=mode), sharded.search(query, k=10, mode=mode))


@pytest.mark.slow
def test_shard_actors_answer_restart_when_killed_and_a_dead_shard_is_a_503(on_ray, one_and_three):
    import ray
    import uvicorn

    from scientia.engine import Engine
    from scientia.engine.service import create_app

    from helpers import free_port, post

    app = create_app(on_ray, ray="local")  # joins the session's cluster
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        one_path, _ = one_and_three
        with Engine.open(one_path) as one:
            expected = {q: [h.id for h in one.search(q, k=10, mode="hybrid")] for q in QUERIES}
        status, body = post(port, "/search", {"query": QUERIES[0], "mode": "hybrid"})
        assert status == 200 and [h["id"] for h in body["hits"]][:3] == expected[QUERIES[0]][:3]

        live = app.state.live
        actors = live.shard_host.actors_of(live.engine.generation.folder)
        assert len(actors) == 3
        before = ray.get(actors[1].pid.remote())

        # kill one shard's actor while clients query: Ray restarts it, queries keep answering
        failures, answered = [], []

        def client(offset: int) -> None:
            for i in range(20):
                query = QUERIES[(i + offset) % len(QUERIES)]
                status, body = post(port, "/search", {"query": query, "mode": "hybrid"})
                (answered if status == 200 else failures).append((status, body))

        clients = [threading.Thread(target=client, args=(n,)) for n in range(3)]
        for c in clients:
            c.start()
        time.sleep(0.2)
        ray.kill(actors[1], no_restart=False)
        for c in clients:
            c.join()
        status, body = post(port, "/search", {"query": QUERIES[2], "mode": "hybrid"})
        assert status == 200 and [h["id"] for h in body["hits"]][:3] == expected[QUERIES[2]][:3]
        assert ray.get(actors[1].pid.remote()) != before  # a new process: restarted
        assert not failures, failures[:2]

        # a shard that stays down: 503 naming it, never partial results
        ray.kill(actors[2], no_restart=True)
        status, body = post(port, "/search", {"query": QUERIES[1], "mode": "hybrid"})
        assert status == 503 and "shard 2" in body["detail"] and "shards/002" in body["detail"]
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.mark.slow
def test_shards_spread_over_the_nodes_and_a_lost_nodes_shards_restart_on_another(ray_cluster, on_ray, one_and_three):
    import ray

    from scientia.common.ray_cluster import LOCAL_NODE_ADDRESS
    from scientia.engine import Engine
    from scientia.engine.service import LiveEngine
    from scientia.engine.shard_actors import RayShardHost

    one_path, _ = one_and_three
    with Engine.open(one_path) as one:
        expected = {query: one.search(query, k=10, mode="hybrid") for query in QUERIES}
    host = RayShardHost("local")
    host.check_nodes(on_ray)  # both nodes see the index
    live = LiveEngine(on_ray, host)
    for query in QUERIES:
        assert_same_top_k(expected[query], live.engine.search(query, k=10, mode="hybrid"))
    actors = host.actors_of(live.engine.generation.folder)
    placed = [ray.get(actor.node.remote()) for actor in actors]
    head = ray.get_runtime_context().get_node_id()
    assert len(actors) == 3 and len(set(placed)) == 2  # on both nodes

    worker = next(iter(ray_cluster.worker_nodes))
    ray_cluster.remove_node(worker)
    try:
        for query in QUERIES:  # the lost node's shard comes back on the head node, and answers as before
            assert_same_top_k(expected[query], live.engine.search(query, k=10, mode="hybrid"))
        actors = host.actors_of(live.engine.generation.folder)
        assert {ray.get(actor.node.remote()) for actor in actors} == {head}
    finally:  # the session's cluster has two nodes again for the tests after this one
        ray_cluster.add_node(num_cpus=1, node_ip_address=LOCAL_NODE_ADDRESS)
        ray_cluster.wait_for_nodes()


def test_a_node_that_cannot_see_the_index_is_named(ray_cluster, tmp_path: Path):
    from scientia.common.errors import IndexNotFoundError
    from scientia.engine.shard_actors import RayShardHost

    with pytest.raises(IndexNotFoundError) as raised:
        RayShardHost("local").check_nodes(tmp_path / "nowhere")
    message = str(raised.value)
    assert message.count("(node ") == 2 and str(tmp_path / "nowhere" / "manifest.json") in message


@pytest.mark.slow
def test_a_build_driver_killed_while_encoding_on_ray_leaves_the_previous_index(one_and_three, tmp_path: Path):
    import shutil

    from scientia.engine import Engine
    from scientia.indexers.layout import IndexLayout

    one_path, _ = one_and_three
    index = tmp_path / "index"
    shutil.copytree(one_path, index)
    before = IndexLayout(index).read_manifest()
    marker = tmp_path / "killed-at"
    # its own session, so that whatever it started can be found (and, were a test to fail, stopped)
    process = subprocess.Popen(
        [sys.executable, "-m", "scientia.cli", "index", "build", str(SAMPLE_CORPUS), "-o", str(index), "--shards", "3",
         "--ray", "local", "-q"],
        env={**os.environ, "SCIENTIA_KILL_AT": "encoding-on-ray", "SCIENTIA_KILL_MARKER": str(marker)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        process.wait(timeout=600)
        time.sleep(1)
        # --ray local runs the cluster in a PID namespace of its own: the kernel killed it all
        left = subprocess.run(["pgrep", "-a", "-s", str(process.pid)], capture_output=True, text=True).stdout
        assert left == "", left
    finally:
        subprocess.run(["pkill", "-KILL", "-s", str(process.pid)], check=False)
    assert process.returncode == -signal.SIGKILL and marker.read_text() == "encoding-on-ray"
    after = IndexLayout(index).read_manifest()
    assert after.generation == before.generation and after.section("dense").shards == 1
    assert subprocess.run([sys.executable, "-m", "scientia.cli", "index", "verify", str(index)],
                          capture_output=True).returncode == 0
    with Engine.open(index) as engine, Engine.open(one_path) as one:
        assert [h.id for h in engine.search("spicy pizza", k=5)] == [h.id for h in one.search("spicy pizza", k=5)]


@pytest.mark.slow
def test_approximate_shards_report_their_recall_against_exact_search(tmp_path: Path):
    from scientia.indexers import BuildOptions, build_index
    from scientia.indexers.components.dense import recall_against_exact
    from scientia.indexers.dense import DenseIndex

    vectors = np.random.default_rng(0).standard_normal((300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert recall_against_exact(DenseIndex.build(vectors, "Flat", use_gpu=False), vectors) == 1.0
    assert recall_against_exact(DenseIndex.build(vectors, "IVF4,SQ4", use_gpu=False), vectors) < 1.0  # 4-bit codes

    manifest = build_index(SAMPLE_CORPUS, tmp_path / "hnsw", BuildOptions(faiss_factory="HNSW32", shards=3))
    assert 0.9 <= manifest.section("dense").recall_at_10 <= 1.0
    manifest = build_index(SAMPLE_CORPUS, tmp_path / "sq4", BuildOptions(faiss_factory="IVF4,SQ4", shards=2))
    assert 0.5 < manifest.section("dense").recall_at_10 < 1.0
    flat = build_index(SAMPLE_CORPUS, tmp_path / "flat", BuildOptions(faiss_factory="Flat", shards=2))
    assert flat.section("dense").recall_at_10 is None  # exact: nothing to report


@pytest.mark.slow
def test_a_server_on_ray_follows_adds_and_deletes_and_finds_every_live_id(ray_cluster, tmp_path: Path):
    from scientia.engine.service import LiveEngine
    from scientia.engine.shard_actors import RayShardHost
    from scientia.indexers import BuildOptions, build_index
    from scientia.indexers.updater import add_documents, delete_documents

    documents = sample_documents()
    index = tmp_path / "index"
    build_index(write_jsonl(tmp_path / "first.jsonl", documents[:120]), index, BuildOptions(faiss_factory="Flat", shards=3))
    host = RayShardHost("local")
    live = LiveEngine(index, host)
    first_folder = live.engine.generation.folder
    add_documents(index, write_jsonl(tmp_path / "later.jsonl", documents[120:]))
    delete_documents(index, [d["id"] for d in documents[:10]])
    deadline = time.monotonic() + 120
    while live.engine.manifest.generation != 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    engine = live.engine
    assert engine.manifest.generation == 3
    kept = documents[10:]
    found = engine.search_batch([d["title"] + ". " + d["text"] for d in kept], k=3, mode="hybrid")
    assert all(d["id"] in [h.id for h in hits] for d, hits in zip(kept, found, strict=False))
    gone = {d["id"] for d in documents[:10]}
    assert not gone & {h.id for q in QUERIES for h in engine.search(q, k=50, mode="hybrid")}
    assert len(host.actors_of(engine.generation.folder)) == 3  # the new generation's own actors
    assert first_folder != engine.generation.folder


@pytest.mark.slow
def test_sigint_to_the_main_process_stops_a_build_on_local_ray(one_and_three, tmp_path: Path):
    """Point 15: a SIGINT sent to `index build --ray local` did not stop it. Now it stops within
    seconds, exit 130, with the index as it was and no Ray process left."""
    import shutil

    from processes import alive, command_line, descendants

    one_path, _ = one_and_three
    index = tmp_path / "index"
    shutil.copytree(one_path, index)
    before = (index / "manifest.json").read_bytes()
    corpus = write_jsonl(tmp_path / "big.jsonl", [{"id": f"d{n}", "text": f"Document {n} about pizza, rockets and lava."}
                                                   for n in range(20_000)])
    process = subprocess.Popen([sys.executable, "-m", "scientia.cli", "index", "build", str(corpus), "-o", str(index),
                                "--shards", "2", "--ray", "local"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any("ray::" in command_line(pid) for pid in descendants(process.pid)):
        time.sleep(0.2)
    time.sleep(2)  # encoding on Ray now
    started = descendants(process.pid)
    assert any("raylet" in command_line(pid) for pid in started)
    process.send_signal(signal.SIGINT)
    stopped = time.monotonic()
    assert process.wait(timeout=20) == 130
    assert time.monotonic() - stopped < 15
    assert "interrupted" in process.stderr.read()
    time.sleep(1)
    assert [command_line(pid) for pid in started if alive(pid)] == []
    assert (index / "manifest.json").read_bytes() == before
