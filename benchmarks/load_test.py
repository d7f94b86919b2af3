"""Load test of ``scientia serve`` from a second process, on loopback only, bounded in count and time.

Phase 1: N queries from C concurrent clients. Phase 2: the same while ``scientia index add``
commits new generations in another process, so the server switches generations under load.
Reports p50/p99 latency, throughput and errors; every request is checked for status 200.

    python -m scientia.benchmarks.load_test INDEX --queries 1000 --clients 8 --out benchmarks/results/load
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from scientia.evaluation.http_client import free_port
from scientia.evaluation.machine import describe_machine

QUERIES = [
    "spicy pizza", "how do vaccines work", "rings of saturn", "volcanic eruptions", "renewable energy",
    "ancient trade routes", "string instruments", "programming languages", "glaciers and ice", "marathon distance",
]
MAX_SECONDS = 600
WARM_UP_QUERIES = 100


def start_server(index: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    process = subprocess.Popen([sys.executable, "-m", "scientia.cli", "serve", str(index), "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                if response.status == 200:
                    return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start within 120 s")


class KeepAliveClient:
    """One client's persistent HTTP/1.1 connection, as browsers and HTTP libraries keep one (a new
    TCP connection per request would measure connection set-up, not search); reconnects after a failure."""

    def __init__(self, port: int, timeout: float = 30) -> None:
        self.port, self.timeout = port, timeout
        self.connection: http.client.HTTPConnection | None = None

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            self.connection.request("POST", path, json.dumps(body).encode(), {"content-type": "application/json"})
            response = self.connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        try:
            return response.status, json.loads(payload or b"{}")
        except ValueError:  # an error page that is not JSON
            return response.status, {}

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def hammer(port: int, total: int, clients: int, until: threading.Thread | None = None, sparql: str | None = None) -> dict[str, Any]:
    """``total`` queries from ``clients`` threads; with ``until``, and as many more as it takes
    for that thread (the index adds) to finish, so that every switch happens under load. With
    ``sparql``, every other request is that query to ``/sparql``."""
    latencies: list[float] = []
    errors: list[str] = []
    generations: set[int] = set()
    counter = itertools.count()
    lock = threading.Lock()
    deadline = time.monotonic() + MAX_SECONDS

    def client() -> None:
        connection = KeepAliveClient(port)
        try:
            run_client(connection)
        finally:
            connection.close()

    def run_client(connection: KeepAliveClient) -> None:
        while time.monotonic() < deadline:
            with lock:
                i = next(counter)
            if i >= total and (until is None or not until.is_alive()):
                return
            started = time.perf_counter()
            try:
                if sparql is not None and i % 2:
                    status, body = connection.post("/sparql", {"query": sparql})
                else:
                    status, body = connection.post("/search", {"query": QUERIES[i % len(QUERIES)], "k": 10})
            except Exception as error:  # count any failure, keep going
                status, body = -1, {"error": repr(error)}
            elapsed = time.perf_counter() - started
            with lock:
                if status == 200:
                    latencies.append(elapsed)
                    if "generation" in body:
                        generations.add(body["generation"])
                else:
                    errors.append(f"{status} {body}")

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    import numpy as np

    ms = np.asarray(latencies) * 1000
    return {
        "requests": len(latencies) + len(errors), "errors": len(errors), "first_errors": errors[:5],
        "p50_ms": round(float(np.percentile(ms, 50)), 1) if len(ms) else None,
        "p99_ms": round(float(np.percentile(ms, 99)), 1) if len(ms) else None,
        "requests_per_second": round(len(latencies) / wall, 1), "generations_seen": sorted(generations),
    }


def in_process_rate(index: Path, queries: int) -> dict[str, Any]:
    """The same queries through ``Engine.search_batch`` in this process: the ceiling HTTP is measured against."""
    from scientia.engine import Engine

    texts = [QUERIES[i % len(QUERIES)] for i in range(queries)]
    with Engine.open(index) as engine:
        engine.search_batch(texts[:10], k=10)  # load every signal first
        started = time.perf_counter()
        engine.search_batch(texts, k=10)
        seconds = time.perf_counter() - started
        mode = engine.default_mode
    return {"mode": mode, "queries_per_second": round(queries / seconds, 1)}


def run(index: Path, queries: int, clients: int, out: Path, sparql: str | None = None) -> dict[str, Any]:
    batch = in_process_rate(index, queries)
    port = free_port()
    server = start_server(index, port)
    cli_errors: list[str] = []
    try:
        hammer(port, WARM_UP_QUERIES, clients, sparql=sparql)  # every request thread's tokenizer and buffers made first
        quiet = hammer(port, queries, clients, sparql=sparql)
        adds = _adder(index, sparql, cli_errors)
        under_update = hammer(port, queries, clients, until=adds, sparql=sparql)
        adds.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    verified = subprocess.run([sys.executable, "-m", "scientia.cli", "index", "verify", str(index)], capture_output=True, text=True)
    report: dict[str, Any] = {"benchmark": "load", "index": str(index), "clients": clients, "queries": queries, "sparql": sparql,
              "machine": describe_machine(), "steady": quiet, "during_index_add": under_update,
              "cli_errors": cli_errors, "index_verify": (verified.stdout + verified.stderr).strip(),
              "index_verify_ok": verified.returncode == 0, "in_process_search_batch": batch}
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    rows = [("steady", quiet), ("during index add", under_update)]
    lines = [f"## Load test: {queries} queries from {clients} concurrent clients on loopback", "",
             f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores (server and clients share them).", "",
             "| phase | requests | errors | p50 ms | p99 ms | requests/s | generations served |", "|---|---:|---:|---:|---:|---:|---|"]
    lines += [f"| {name} | {r['requests']} | {r['errors']} | {r['p50_ms']} | {r['p99_ms']} | {r['requests_per_second']} | "
              f"{', '.join(map(str, r['generations_seen']))} |" for name, r in rows]
    if sparql:
        lines += ["", f"Every other request was `POST /sparql` with `{sparql}`; after each `index add`, "
                      f"`scientia reason sparql` ran on the same index: {len(cli_errors)} CLI errors."]
    lines += ["", f"In process, `Engine.search_batch` over the same {queries} queries ({batch['mode']}): "
                  f"{batch['queries_per_second']} queries/s.",
              "", f"`index verify` afterwards: {report['index_verify']}"]
    (out / "report.md").write_text("\n".join(lines) + "\n")
    return report


def _adder(index: Path, sparql: str | None = None, cli_errors: list[str] | None = None) -> threading.Thread:
    """Commit two new generations with `scientia index add` while the second phase runs; with
    ``sparql``, the CLI also answers it on the same index after each add."""

    def add() -> None:
        folder = Path(tempfile.mkdtemp())
        for round_number in range(2):
            corpus = folder / f"add{round_number}.jsonl"
            corpus.write_text("".join(
                json.dumps({"id": f"load/{round_number}/{i}", "text": f"Load test note {i}: pizza ovens and glaciers."}) + "\n"
                for i in range(50)))
            subprocess.run([sys.executable, "-m", "scientia.cli", "index", "add", str(index), str(corpus), "-q"],
                           check=True, capture_output=True, timeout=MAX_SECONDS)
            if sparql is not None:
                done = subprocess.run([sys.executable, "-m", "scientia.cli", "reason", "sparql", str(index), sparql, "--json"],
                                      capture_output=True, text=True, timeout=MAX_SECONDS)
                if done.returncode != 0 and cli_errors is not None:
                    cli_errors.append(done.stderr.strip())

    thread = threading.Thread(target=add)
    thread.start()
    return thread


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("index", type=Path, help="an index folder (it receives 100 extra documents)")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/load"))
    parser.add_argument("--sparql", help="a SPARQL query: every other request goes to /sparql, and the CLI asks it after each add")
    args = parser.parse_args()
    report = run(args.index, args.queries, args.clients, args.out, args.sparql)
    print((args.out / "report.md").read_text())
    if report["steady"]["errors"] or report["during_index_add"]["errors"] or report["cli_errors"] or not report["index_verify_ok"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
