"""The real server on a free loopback port, queried over HTTP."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from scientia.indexers import build_index
from scientia.indexers.updater import add_documents

from helpers import SAMPLE_CORPUS, build_demo_index, free_port, post, serving, write_jsonl

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    index = build_demo_index(tmp_path_factory.mktemp("served") / "index")
    with serving(index) as port:
        yield port, index


def get(port: int, path: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_search_documents_and_health(server):
    port, _ = server
    status, body = post(port, "/search", {"query": "spicy pizza", "k": 5})
    assert status == 200 and len(body["hits"]) == 5
    chained = [h for h in body["hits"] if h["signals"].get("knowledge", {}).get("chain")]
    assert any("SpicyPizza ⊒" in step for h in chained for step in h["signals"]["knowledge"]["chain"])
    status, body = post(port, "/search", {"query": "glaciers", "k": 3, "mode": "lexical", "filters": ["topic=geography"]})
    assert status == 200 and body["hits"] and all(h["metadata"]["topic"] == "geography" for h in body["hits"])
    written = next(json.loads(line) for line in SAMPLE_CORPUS.read_text().splitlines() if '"pizza/cajun"' in line)
    status, document = get(port, "/documents/pizza/cajun")
    assert status == 200 and document == {key: written.get(key, {}) for key in ("id", "title", "text", "metadata")}
    status, missing = get(port, "/documents/no/such")
    assert status == 404 and missing["detail"] == "no document with id 'no/such'"
    status, health = get(port, "/health")
    assert status == 200 and health["status"] == "ok" and health["documents"] >= 200
    assert get(port, "/openapi.json")[0] == 200


def test_sparql_is_read_only(server):
    port, _ = server
    spicy = "http://scientia.example/pizza#SpicyPizza"
    status, body = post(port, "/sparql", {"query": f"SELECT ?c WHERE {{ ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{spicy}> }}"})
    assert status == 200 and {"c": "http://scientia.example/pizza#PolloAdAstra"} in body["rows"]
    for update, keyword in (("DELETE WHERE { ?s ?p ?o }", "DELETE"), ("LOAD <file:///etc/passwd>", "LOAD")):
        status, body = post(port, "/sparql", {"query": update})
        assert status == 400 and body["detail"] == f"SPARQL {keyword} refused: the knowledge graph is read-only (queries only)"
    status, body = post(port, "/sparql", {"query": f"SELECT ?c WHERE {{ ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{spicy}> }}"})
    assert status == 200 and {"c": "http://scientia.example/pizza#PolloAdAstra"} in body["rows"]  # nothing was deleted


def test_bad_requests_are_refused(server):
    port, _ = server
    assert post(port, "/search", {"query": "x", "k": 0})[0] == 422
    assert post(port, "/search", {"query": "x" * 100_000})[0] == 422
    assert post(port, "/search", {"query": "x", "mode": "psychic"})[0] == 422
    assert post(port, "/search", {"query": "x", "filters": ["colour=red"]})[0] == 400
    # a body over the limit is refused from its declared length, before it is read
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(b"POST /search HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                           b"Content-Length: 2000000\r\n\r\n")
        assert connection.recv(200).startswith(b"HTTP/1.1 413")


def test_a_new_generation_is_served_without_restart_or_failed_requests(server, tmp_path: Path):
    port, index = server
    failures, stop = [], threading.Event()
    answered: list[int] = []  # the generation each request was answered from

    def client() -> None:
        while not stop.is_set():
            try:
                status, body = post(port, "/search", {"query": "calzone with ricotta", "k": 3})
            except Exception as error:  # a refused or dropped connection is a failure too
                failures.append(repr(error))
                continue
            if status != 200:
                failures.append(status)
            else:
                answered.append(body["generation"])

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        before = get(port, "/health")[1]["generation"]
        add_documents(index, write_jsonl(tmp_path / "new.jsonl", [
            {"id": "new/calzone", "title": "Calzone", "text": "A calzone is a folded pizza stuffed with ricotta."}]))
        deadline = time.monotonic() + 60
        while get(port, "/health")[1]["generation"] == before and time.monotonic() < deadline:
            time.sleep(0.2)
        while before + 1 not in answered and time.monotonic() < deadline:  # the clients see the switch too
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == []
    assert get(port, "/health")[1]["generation"] == before + 1
    # requests ran throughout: answered from the old generation while the new one was written, then from it
    assert answered.count(before) > 0 and answered.count(before + 1) > 0, answered
    status, body = post(port, "/search", {"query": "calzone with ricotta", "k": 1})
    assert body["hits"][0]["id"] == "new/calzone"


def test_a_chunked_body_over_the_limit_is_refused(server):
    port, _ = server
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(b"POST /search HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 65536
        try:  # 16 MB in 64 KiB chunks; the server may answer and close long before the end
            for _ in range(256):
                connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert connection.recv(200).startswith(b"HTTP/1.1 413")
    assert post(port, "/search", {"query": "pizza", "k": 1})[0] == 200  # and the server serves on


def test_several_worker_processes_serve_one_index(tmp_path: Path):
    import subprocess
    import sys


    index = tmp_path / "idx"
    build_index(write_jsonl(tmp_path / "c.jsonl", [{"id": "tea", "text": "Green tea is steeped."}]), index)
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "scientia.cli", "serve", str(index), "--port", str(port), "--workers", "2"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                status, body = post(port, "/search", {"query": "tea", "k": 1})
                break
            except OSError:
                time.sleep(0.3)
        assert status == 200 and body["hits"][0]["id"] == "tea"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_sparql_leaves_no_journal_and_the_cli_reads_alongside(server):
    """Defect 1: after one POST /sparql the server held ontology.sqlite3-journal open (owlready2's
    ANALYZE, never committed) and `reason sparql` on the same index failed: database is locked."""
    from typer.testing import CliRunner

    from scientia.cli.app import app
    from scientia.indexers.generation import Generation

    port, index = server
    query = "SELECT ?c WHERE { ?c rdfs:subClassOf+ pizza:SpicyPizza }"
    status, body = post(port, "/sparql", {"query": query})
    assert status == 200 and {"c": "http://scientia.example/pizza#PolloAdAstra"} in body["rows"]
    folder = Generation.open(index).folder
    assert not [p.name for p in folder.iterdir() if p.name.endswith(("-journal", "-wal", "-shm"))]
    result = CliRunner().invoke(app, ["reason", "sparql", str(index), query, "--json"])
    assert result.exit_code == 0, result.output
    assert {"c": "http://scientia.example/pizza#PolloAdAstra"} in [json.loads(line) for line in result.stdout.splitlines()]
    assert post(port, "/sparql", {"query": query})[0] == 200


def test_sparql_answers_in_the_format_accept_asks_for(server):
    port, _ = server
    query = {"query": "SELECT ?c WHERE { ?c rdfs:subClassOf pizza:SpicyPizza }"}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/sparql", data=json.dumps(query).encode(), method="POST",
                                     headers={"content-type": "application/json", "accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["content-type"].startswith("application/sparql-results+json")
        assert json.loads(response.read())["head"]["vars"] == ["c"]
    ask = {"query": "ASK { pizza:PolloAdAstra rdfs:subClassOf pizza:SpicyPizza }"}
    assert post(port, "/sparql", ask) == (200, {"boolean": True})
    construct = {"query": "CONSTRUCT { ?c a pizza:Hot } WHERE { ?c rdfs:subClassOf pizza:SpicyPizza }"}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/sparql", data=json.dumps(construct).encode(), method="POST",
                                     headers={"content-type": "application/json", "accept": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["content-type"].startswith("application/n-triples")
        assert b"<http://scientia.example/pizza#Hot> ." in response.read()


def test_sparql_follows_a_new_generation_and_readers_never_block(server, tmp_path: Path):
    """Defect 2: after `index add` every /sparql answered 500 while /search moved on. Here 4
    clients (8 in all) query /sparql and /search while `index add` commits twice and the CLI reads too."""
    from typer.testing import CliRunner

    from scientia.cli.app import app
    from scientia.indexers.generation import verify_index

    port, index = server
    query = {"query": "SELECT ?c WHERE { ?c rdfs:subClassOf+ pizza:SpicyPizza }"}
    failures, stop, generations = [], threading.Event(), set()

    def client(path: str, body: dict) -> None:
        while not stop.is_set():
            try:
                status, answer = post(port, path, body)
            except Exception as error:
                failures.append(repr(error))
                continue
            if status != 200:
                failures.append((path, status, answer))
            elif path == "/search":
                generations.add(answer["generation"])

    threads = [threading.Thread(target=client, args=("/sparql", query)) for _ in range(4)]
    threads += [threading.Thread(target=client, args=("/search", {"query": "spicy pizza", "k": 3})) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        before = get(port, "/health")[1]["generation"]
        for round_number in range(2):
            add_documents(index, write_jsonl(tmp_path / f"more{round_number}.jsonl", [
                {"id": f"sparql/{round_number}", "text": "A pizza with cajun spice and prawns."}]))
            result = CliRunner().invoke(app, ["reason", "sparql", str(index), query["query"], "--json"])
            assert result.exit_code == 0, result.output
        deadline = time.monotonic() + 60
        while before + 2 not in generations and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == [] and before + 2 in generations
    status, body = post(port, "/sparql", query)
    assert status == 200 and {"c": "http://scientia.example/pizza#PolloAdAstra"} in body["rows"]
    assert verify_index(index) > 0  # raises, naming the file, where any file differs from the manifest


def test_a_server_whose_index_cannot_be_opened_says_so_and_serves_a_rebuild_without_ontology(tmp_path: Path):
    """Point 6: the old generation keeps answering, but /health (503), /info and the log say why;
    an index rebuilt without an ontology is a valid new index and is served (no knowledge modes)."""
    index = build_demo_index(tmp_path / "index")
    log = tmp_path / "serve.log"
    manifest = index / "manifest.json"
    with serving(index, log=log) as port:
        before = get(port, "/health")[1]["generation"]
        good = manifest.read_text()
        damaged = json.loads(good)
        damaged["format_version"] = 999
        staged = index / "manifest.tmp"
        staged.write_text(json.dumps(damaged))
        staged.replace(manifest)  # as a newer scientia would commit it: atomically
        deadline = time.monotonic() + 30
        while get(port, "/health")[0] == 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        status, health = get(port, "/health")
        assert status == 503 and health["status"] == "stale" and health["generation"] == before
        assert "cannot open" in health["detail"] and str(index) in health["detail"]
        assert get(port, "/info")[1]["stale"] == health["detail"]
        status, body = post(port, "/search", {"query": "spicy pizza", "k": 3})
        assert status == 200 and body["generation"] == before  # still answering, from what it has
        assert any(line.startswith(f"{index} changed into something this server cannot open")
                   for line in log.read_text().splitlines())

        manifest.write_text(good)  # put back, then rebuilt without an ontology: a valid new index
        build_index(SAMPLE_CORPUS, index)
        deadline = time.monotonic() + 60
        while get(port, "/health")[1].get("generation") != before + 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        status, health = get(port, "/health")
        assert status == 200 and health["status"] == "ok" and health["generation"] == before + 1
        info = get(port, "/info")[1]
        assert info["stale"] is None and not info["knowledge_graph"] and "hybrid+knowledge" not in info["modes"]
        status, body = post(port, "/search", {"query": "spicy pizza", "k": 3})
        assert status == 200 and body["generation"] == before + 1 and "knowledge" not in body["hits"][0]["signals"]


def test_serve_checks_its_index_and_port_before_it_says_serving(tmp_path: Path, small_index: Path):
    import subprocess
    import sys

    missing = subprocess.run([sys.executable, "-m", "scientia.cli", "serve", str(tmp_path / "none"), "--port",
                              str(free_port())], capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "serving" not in missing.stderr and "no such index folder" in missing.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        busy = subprocess.run([sys.executable, "-m", "scientia.cli", "serve", str(small_index), "--port", str(port)],
                              capture_output=True, text=True, timeout=120)
    assert busy.returncode == 2 and "serving" not in busy.stderr
    assert busy.stderr.strip() == f"error: --host 127.0.0.1 --port {port}: cannot listen there (Address already in use)"
