"""What the tests share besides fixtures: paths, the small corpus, writers of test data, and a
server in a process of its own. Tests import it (``from helpers import ...``); conftest.py holds
only fixtures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scientia.evaluation.http_client import free_port, post

__all__ = ["REPO", "SAMPLE_CORPUS", "SHARED", "SHARED_DATASETS", "SMALL_CORPUS", "build_demo_index", "free_port", "post",
           "server_process", "serving", "wait_until_serving", "write_beir", "write_jsonl"]

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CORPUS = REPO / "samples" / "corpus.jsonl"
# The shared data (README: ../shared beside the repository); SCIENTIA_SHARED points elsewhere
# (the Makefile exports it, so `make test SHARED_ROOT=...` reaches the tests).
SHARED = Path(os.environ.get("SCIENTIA_SHARED") or REPO.parent / "shared").resolve()
SHARED_DATASETS = SHARED / "datasets"

SMALL_CORPUS = [
    {"id": "cats", "title": "Cats", "text": "Cats are small domesticated carnivorous mammals that purr and hunt mice."},
    {"id": "rockets", "title": "Rocket engines", "text": "A rocket engine burns propellant and expels exhaust to produce thrust in space."},
    {"id": "bread", "title": "Sourdough", "text": "Sourdough bread rises thanks to wild yeast and lactic acid bacteria in the starter."},
    {"id": "volcano", "title": "Volcanoes", "text": "Magma rising through the crust erupts as lava, ash and volcanic gas."},
    {"id": "vaccines", "title": "Vaccination", "text": "Vaccines train the immune system to recognise a pathogen by presenting a harmless antigen."},
    {"id": "chess", "title": "Chess openings", "text": "The Sicilian Defence answers 1.e4 with c5 and leads to sharp, unbalanced positions."},
]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def write_beir(folder: Path) -> Path:
    """A BEIR folder over SMALL_CORPUS: three judged queries with one obvious answer each, one unjudged."""
    folder.mkdir(parents=True)
    write_jsonl(folder / "corpus.jsonl", [{"_id": d["id"], "title": d["title"], "text": d["text"]} for d in SMALL_CORPUS])
    write_jsonl(folder / "queries.jsonl", [
        {"_id": "q1", "text": "how does a rocket make thrust"},
        {"_id": "q2", "text": "lava and ash from eruptions"},
        {"_id": "q3", "text": "training immunity against pathogens"},
        {"_id": "q4", "text": "unjudged query"},
    ])
    (folder / "qrels").mkdir()
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\trockets\t1\nq2\tvolcano\t1\nq3\tvaccines\t2\n")
    return folder


def build_demo_index(folder: Path) -> Path:
    """The demo's index: the sample corpus with the pizza ontology, reasoned by HermiT."""
    from scientia.indexers import BuildOptions, build_index
    from scientia.indexers.knowledge_builder import KnowledgeOptions

    build_index(SAMPLE_CORPUS, folder, BuildOptions(knowledge=KnowledgeOptions([REPO / "samples" / "pizza.ttl"])))
    return folder


@contextmanager
def serving(index: Path, *options: str, log: Path | None = None) -> Iterator[int]:
    """``scientia serve INDEX [OPTIONS]`` in a process of its own on a free loopback port; yields
    the port. ``log``: a file that gets the server's stderr."""
    with server_process(index, *options, log=log) as (port, _):
        yield port


@contextmanager
def server_process(index: Path, *options: str, log: Path | None = None) -> Iterator[tuple[int, subprocess.Popen]]:
    """As :func:`serving`, yielding the port and the server's process."""
    port = free_port()
    stderr = log.open("w") if log is not None else subprocess.DEVNULL
    process = subprocess.Popen([sys.executable, "-m", "scientia.cli", "serve", str(index), "--port", str(port), *options],
                               stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        wait_until_serving(port, process)
        yield port, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        if log is not None:
            stderr.close()


def wait_until_serving(port: int, process: subprocess.Popen, seconds: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before it answered")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers (a 503 from /health is an answer too)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {seconds:.0f} s")
