"""The threat list: nothing read, reached or served that should not be.

1. SPARQL reads the index's own graphs only: no local file, no other host (CLI, server, worker).
2. Every SPARQL query has a time and a row budget; one past it is stopped, the server stays
   responsive and stops on SIGTERM within seconds.
3. ``--ray local`` starts a Ray cluster that listens nowhere another machine can reach.
4. A wrong ``--ray ADDRESS`` fails within seconds with one line naming it.
5. SIGKILL of ``serve --ray local`` leaves no Ray process behind.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from processes import (
    alive,
    command_line,
    cpu_seconds,
    descendants,
    interfaces_of,
    listening_sockets,
    network_namespace,
)
from typer.testing import CliRunner

from scientia.cli.app import app

from helpers import (
    SAMPLE_CORPUS,
    build_demo_index,
    free_port,
    post,
    server_process,
    serving,
    wait_until_serving,
)

pytestmark = pytest.mark.slow
runner = CliRunner()

# Counts 153⁴ (about 5.5e8) bindings of four unrelated patterns: minutes of rdflib's time, no rows.
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory) -> Path:
    return build_demo_index(tmp_path_factory.mktemp("security") / "index")


@pytest.fixture(scope="module")
def sharded_index(tmp_path_factory) -> Path:
    from scientia.indexers import BuildOptions, build_index

    folder = tmp_path_factory.mktemp("security-shards") / "index"
    build_index(SAMPLE_CORPUS, folder, BuildOptions(faiss_factory="Flat", shards=2))
    return folder


@contextmanager
def loopback_listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP port on 127.0.0.1 that records whatever connects to it; yields the port and the record."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.1)
    received: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(1)
                try:
                    received.append(connection.recv(4096) or b"(connected)")
                except OSError:
                    received.append(b"(connected)")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], received
    finally:
        time.sleep(0.3)  # a request on its way still arrives
        stop.set()
        thread.join()
        server.close()


def sparql_cli(index: Path, query: str, *options: str):
    return runner.invoke(app, ["reason", "sparql", str(index), query, *options])


def sparql_workers() -> set[int]:
    """The SPARQL worker processes this test process started (the CLI runs in it): not those of
    servers other tests started, which may still be stopping."""
    return {pid for pid in descendants(os.getpid()) if "scientia.reasoners.sparql_process" in command_line(pid)}


# -- 1. SPARQL reads the index's own graphs, nothing else ---------------------------------------

def refused_queries(secret: Path, port: int) -> list[tuple[str, str]]:
    """(query, the clause its refusal names) for each way of reaching outside the index."""
    return [
        (f"SELECT ?s ?l FROM <{secret.as_uri()}> WHERE {{ ?s <{RDFS_LABEL}> ?l }}", f"FROM <{secret.as_uri()}>"),
        (f"SELECT ?s FROM NAMED <http://127.0.0.1:{port}/g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
         f"FROM NAMED <http://127.0.0.1:{port}/g>"),
        (f"SELECT ?s ?l FROM <http://127.0.0.1:{port}/data.ttl> WHERE {{ ?s <{RDFS_LABEL}> ?l }}",
         f"FROM <http://127.0.0.1:{port}/data.ttl>"),
        (f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
         f"SERVICE <http://127.0.0.1:{port}/sparql>"),
        (f"SELECT * WHERE {{ ?x ?y ?z OPTIONAL {{ SERVICE SILENT <http://127.0.0.1:{port}/s> {{ ?x ?q ?r }} }} }}",
         f"SERVICE <http://127.0.0.1:{port}/s>"),
        (f"LOAD <http://127.0.0.1:{port}/data.ttl>", "SPARQL LOAD refused"),
    ]


def test_sparql_from_the_cli_reads_no_file_and_reaches_no_host(demo_index: Path, tmp_path: Path):
    secret = tmp_path / "secret.nt"
    secret.write_text(f'<http://example.org/s> <{RDFS_LABEL}> "the secret" .\n')
    with loopback_listener() as (port, received):
        for query, clause in refused_queries(secret, port):
            result = sparql_cli(demo_index, query)
            assert result.exit_code == 2, (query, result.output)
            assert clause in result.stderr and "the secret" not in result.stdout, (query, result.stderr)
    assert received == []
    # FROM naming one of the index's own graphs narrows the default graph to it, reading nothing new
    inferred = json.loads(sparql_cli(demo_index, "SELECT (COUNT(*) AS ?n) FROM <urn:scientia:inferred> "
                                     "WHERE { ?s ?p ?o }", "--json").stdout)["n"]
    everything = json.loads(sparql_cli(demo_index, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--json").stdout)["n"]
    assert 0 < int(inferred) < int(everything)


def test_sparql_from_the_server_and_page_reads_no_file_and_reaches_no_host(demo_index: Path, tmp_path: Path):
    secret = tmp_path / "secret.nt"
    secret.write_text(f'<http://example.org/s> <{RDFS_LABEL}> "the secret" .\n')
    with serving(demo_index) as port, loopback_listener() as (listener, received):
        for query, clause in refused_queries(secret, listener):
            status, body = post(port, "/sparql", {"query": query})
            assert status == 400 and clause in body["detail"], (query, body)
        status, body = post(port, "/sparql", {"query": "SELECT (COUNT(*) AS ?n) FROM <urn:scientia:inferred> WHERE { ?s ?p ?o }"})
        assert status == 200 and int(body["rows"][0]["n"]) > 0
    assert received == []


def test_the_sparql_worker_can_read_no_other_file_and_reach_no_host(tmp_path: Path):
    """Defence in depth: were a query to slip past the checks, the worker process that answers it
    could still open nothing but the graph and connect nowhere."""
    secret = tmp_path / "secret.txt"
    secret.write_text("the secret")
    with loopback_listener() as (port, received):
        probe = subprocess.run([sys.executable, "-c", f"""
import socket, urllib.request
from scientia.reasoners.sparql_process import _readable_roots, confine
confine(_readable_roots(), set())
for name, attempt in [("read", lambda: open({str(secret)!r}).read()),
                      ("connect", lambda: socket.create_connection(("127.0.0.1", {port}), timeout=2)),
                      ("fetch", lambda: urllib.request.urlopen("http://127.0.0.1:{port}/", timeout=2)),
                      ("write", lambda: open({str(tmp_path / "written")!r}, "w")),
                      ("run", lambda: __import__("subprocess").run(["true"]))]:
    try:
        attempt()
        print(name, "allowed")
    except PermissionError:
        print(name, "refused")
"""], capture_output=True, text=True, timeout=60)
    assert probe.stdout.split() == ["read", "refused", "connect", "refused", "fetch", "refused", "write", "refused",
                                    "run", "refused"], probe.stderr
    assert received == [] and not (tmp_path / "written").exists()


# -- 2. time and row budgets ----------------------------------------------------------------------

def test_a_sparql_query_past_its_budget_is_stopped_from_the_cli(demo_index: Path):
    before = sparql_workers()
    started = time.monotonic()
    result = sparql_cli(demo_index, CROSS_JOIN, "--timeout", "2")
    elapsed = time.monotonic() - started
    assert result.exit_code == 2 and "stopped at its time budget of 2 s" in result.stderr, result.output
    assert elapsed < 8
    # The worker that ran it is killed at the deadline (and the command, which asks no more, starts
    # none in its place); on a loaded machine it may take a moment to be gone.
    gone_by = time.monotonic() + 3.0
    while not sparql_workers() <= before and time.monotonic() < gone_by:
        time.sleep(0.1)
    assert sparql_workers() <= before
    result = sparql_cli(demo_index, "SELECT * WHERE { ?s ?p ?o }", "--max-rows", "5")
    assert result.exit_code == 2 and "row budget: more than 5 rows" in result.stderr


def test_a_server_stops_a_query_at_its_budget_keeps_searching_and_stops_on_sigterm(demo_index: Path):
    with server_process(demo_index, "--sparql-timeout", "3") as (port, server):
        time.sleep(2)  # the SPARQL workers start in the background
        workers = {pid for pid in descendants(server.pid) if "sparql_process" in command_line(pid)}
        assert workers
        answer: dict = {}

        def long_query() -> None:
            started = time.monotonic()
            answer["status"], answer["body"] = post(port, "/sparql", {"query": CROSS_JOIN}, timeout=60)
            answer["seconds"] = time.monotonic() - started

        asking = threading.Thread(target=long_query)
        asking.start()
        time.sleep(0.5)
        for _ in range(3):  # /search keeps answering while the query runs
            started = time.monotonic()
            status, body = post(port, "/search", {"query": "spicy pizza", "k": 3})
            assert status == 200 and body["hits"] and time.monotonic() - started < 2.5
        asking.join()
        assert answer["status"] == 503 and "time budget of 3 s" in answer["body"]["detail"]
        assert 3 <= answer["seconds"] < 6
        time.sleep(1)
        assert not all(alive(pid) for pid in workers)  # the worker that ran it was killed at the deadline
        time.sleep(1.5)  # a replacement worker has started by now
        tree = [server.pid, *descendants(server.pid)]
        spent = cpu_seconds(tree)
        time.sleep(1)
        assert cpu_seconds(tree) - spent < 0.3  # nothing is still computing

        # SIGTERM during a long query: the query is stopped (503) and the server is gone within 5 s
        asking = threading.Thread(target=long_query)
        asking.start()
        time.sleep(1)
        server.send_signal(signal.SIGTERM)
        started = time.monotonic()
        server.wait(timeout=5)
        assert time.monotonic() - started < 5
        asking.join(timeout=10)
        assert answer.get("status") in (503, None)  # answered 503, or the connection closed with the server
        time.sleep(0.5)
        assert not any(alive(pid) for pid in workers)


# -- 3. a local Ray cluster listens on loopback only ------------------------------------------------

@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="--ray local needs Linux namespaces")
def test_ray_local_listens_nowhere_another_machine_can_reach(sharded_index: Path, tmp_path: Path):
    before = listening_sockets()
    with server_process(sharded_index, "--ray", "local", log=tmp_path / "serve.log") as (port, server):
        status, body = post(port, "/search", {"query": "spicy pizza", "k": 3, "mode": "hybrid"})
        assert status == 200 and body["hits"]
        new = listening_sockets() - before
        assert new == {("127.0.0.1", port)}, new
        ray = [pid for pid in descendants(server.pid) if any(name in command_line(pid) for name in ("raylet", "gcs_server"))]
        actors = [pid for pid in descendants(server.pid) if "ShardActor" in command_line(pid)]
        assert len(ray) == 2 and len(actors) == 2  # Ray runs and serves the shards ...
        for pid in ray + actors:  # ... in a network of its own, whose only interface is loopback
            assert interfaces_of(pid) == {"lo"} and network_namespace(pid) != network_namespace()


# -- 4. a wrong --ray ADDRESS ----------------------------------------------------------------------

def test_a_wrong_ray_address_fails_fast_with_one_line_naming_it(sharded_index: Path, tmp_path: Path):
    closed = f"127.0.0.1:{free_port()}"
    with loopback_listener() as (port, _):
        not_ray = f"127.0.0.1:{port}"  # something answers there, but not Ray
        for address in (closed, not_ray, f"ray://{not_ray}", "no-such-host.invalid:6379"):
            for command in (["index", "build", str(SAMPLE_CORPUS), "-o", str(tmp_path / "built"), "--shards", "2"],
                            ["serve", str(sharded_index), "--port", str(free_port())]):
                started = time.monotonic()
                result = subprocess.run([sys.executable, "-m", "scientia.cli", *command, "--ray", address],
                                        capture_output=True, text=True, timeout=60)
                assert time.monotonic() - started < 30
                lines = result.stderr.strip().splitlines()
                assert result.returncode == 2 and len(lines) == 1, (address, command[0], result.stderr)
                assert lines[0].startswith(f"error: --ray {address}:"), lines
    assert not (tmp_path / "built").exists()


# -- 5. SIGKILL leaves no Ray process ----------------------------------------------------------------

@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="--ray local needs Linux namespaces")
def test_sigkill_of_a_server_on_local_ray_leaves_no_ray_process(sharded_index: Path):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "scientia.cli", "serve", str(sharded_index), "--port", str(port),
                               "--ray", "local"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_serving(port, server)
        assert post(port, "/search", {"query": "spicy pizza", "mode": "hybrid"})[0] == 200
        started = descendants(server.pid)
        names = " ".join(command_line(pid) for pid in started)
        assert "raylet" in names and "gcs_server" in names and "DashboardAgent" in names  # Ray's agents too
    finally:
        server.kill()
        server.wait()
    deadline = time.monotonic() + 15
    while any(alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [command_line(pid) for pid in started if alive(pid)] == []


def test_a_sparql_worker_whose_server_went_away_exits_quietly():
    """The server stopped while a spare worker still warmed up: its "ready" meets a closed pipe.
    It leaves no traceback in the server's stderr (one failed a server test once)."""
    import subprocess
    import sys

    worker = subprocess.Popen([sys.executable, "-m", "scientia.reasoners.sparql_process"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    worker.stdout.close()  # nobody will read the answers
    _, errors = worker.communicate(timeout=60)
    assert worker.returncode == 0 and b"Traceback" not in errors, errors.decode()
