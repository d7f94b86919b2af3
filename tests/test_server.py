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

from scientia.benchmarks.load_test import free_port, post, start_server
from scientia.indexers import BuildOptions, build_index
from scientia.indexers.knowledge_builder import KnowledgeOptions
from scientia.indexers.updater import add_documents

from conftest import REPO, SAMPLE_CORPUS, write_jsonl

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("served")
    build_index(SAMPLE_CORPUS, folder / "index", BuildOptions(knowledge=KnowledgeOptions([REPO / "samples" / "pizza.ttl"])))
    port = free_port()
    process = start_server(folder / "index", port)
    yield port, folder / "index"
    process.terminate()
    process.wait(timeout=30)


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
        assert status == 400 and body["detail"] == f"SPARQL {keyword} refused: the knowledge graph is read-only (only SELECT)"
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

    from scientia.benchmarks.load_test import free_port

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
