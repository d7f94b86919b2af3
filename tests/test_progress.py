"""Progress: rich bars on a terminal, plain lines in logs, nothing under -q or from the library."""

from __future__ import annotations

import json
import logging
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scientia.common import progress as progress_module
from scientia.common.progress import progress

from helpers import REPO, SAMPLE_CORPUS

BUILD = [sys.executable, "-m", "scientia.cli", "index", "build", str(SAMPLE_CORPUS),
         "--ontology", str(REPO / "samples" / "pizza.ttl")]


def test_plain_lines_report_counts_rates_and_the_end(monkeypatch, caplog):
    monkeypatch.setattr(progress_module, "PLAIN_INTERVAL_SECONDS", 0.0)  # a line at every advance
    caplog.set_level(logging.INFO, logger="scientia.progress")
    with progress("encoding", total=10, unit="text") as advance:
        advance(4)
        advance(6)
    lines = [record.getMessage() for record in caplog.records]
    assert re.fullmatch(r"encoding: 4 of 10 texts done \(40%\), \d+ per second", lines[0])
    assert re.fullmatch(r"encoding: 10 of 10 texts done \(100%\), \d+ per second", lines[1])
    assert re.fullmatch(r"encoding: 10 texts done in \d+\.\d s", lines[2])
    caplog.clear()
    with progress("reasoning over the ontology"):
        pass
    assert [r.getMessage() for r in caplog.records][0] == "reasoning over the ontology…"
    assert re.fullmatch(r"reasoning over the ontology: done in \d\.\d s", caplog.records[1].getMessage())


def test_counts_read_as_english():
    from scientia.common.progress import counted

    assert [counted(1, "text"), counted(2, "text"), counted(1, "query"), counted(3, "query"), counted(2, "day")] == [
        "1 text", "2 texts", "1 query", "3 queries", "2 days"]
    assert counted(12345, "document") == "12,345 documents"


def test_disabled_progress_says_nothing(caplog):
    caplog.set_level(logging.DEBUG, logger="scientia")
    with progress("encoding", total=3, enabled=False) as advance:
        advance(3)
    assert not caplog.records


@pytest.mark.slow
def test_a_build_logs_plain_progress_lines_when_stderr_is_not_a_terminal(tmp_path: Path):
    result = subprocess.run([*BUILD, "-o", str(tmp_path / "index")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for expected in (r"^reasoning over the ontology: done in \d", r"^linking entities to documents: 200 documents done in",
                     r"^encoding: 200 texts done in \d"):
        assert re.search(expected, result.stderr, re.MULTILINE), (expected, result.stderr)
    assert "\r" not in result.stderr and "\x1b" not in result.stderr  # no bar, no colour codes

    one = tmp_path / "one.jsonl"
    one.write_text('{"id": "new", "title": "New", "text": "A pizza with anchovies."}\n')
    added = subprocess.run([sys.executable, "-m", "scientia.cli", "index", "add", str(tmp_path / "index"), str(one)],
                           capture_output=True, text=True, timeout=300)
    assert added.returncode == 0, added.stderr
    assert re.search(r"^encoding: 1 text done in", added.stderr, re.MULTILINE), added.stderr
    assert re.search(r"^generation 2 committed \(add\) 1 added, 0 replaced in \d", added.stderr, re.MULTILINE)
    assert "{" not in added.stderr and "\r" not in added.stderr  # sentences, not Python dicts

    quiet = subprocess.run([*BUILD, "-o", str(tmp_path / "quiet"), "-q"], capture_output=True, text=True, timeout=300)
    assert quiet.returncode == 0
    assert quiet.stderr.startswith("indexed 200 documents")  # the outcome only: no progress
    assert "done in" not in quiet.stderr and "…" not in quiet.stderr


def _stderr_on_a_terminal(command: list[str]) -> str:
    """What ``command`` writes to its stderr when that is a terminal (a pty 120 columns wide); it must succeed."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=terminal,
                               env={**os.environ, "COLUMNS": "120"})
    os.close(terminal)
    seen = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        seen += chunk
    assert process.wait(timeout=300) == 0
    os.close(controller)
    return seen.decode("utf-8", "replace")


@pytest.mark.slow
def test_a_build_draws_bars_on_a_terminal(tmp_path: Path):
    text = _stderr_on_a_terminal([*BUILD, "-o", str(tmp_path / "index")])
    assert "encoding" in text and "linking entities to documents" in text
    assert "━" in text  # rich's bar
    assert "encoding: 200 texts done in" not in text  # the plain lines are for logs only


@pytest.mark.slow
def test_the_terminal_bar_moves_while_documents_are_encoded(tmp_path: Path):
    """Point 16: the encoding bar stood at 0 until the end (the texts went to the encoder in
    slices of 1,024); it now moves with every batch."""
    corpus = tmp_path / "corpus.jsonl"
    words = "pizza lava chess openings rockets bread vaccines glaciers magma thrust yeast".split()
    corpus.write_text("".join(json.dumps({"id": f"d{n}", "text": " ".join(words[(n + i) % len(words)] for i in range(80))})
                              + "\n" for n in range(600)))  # long enough that encoding them takes seconds
    text = _stderr_on_a_terminal([sys.executable, "-m", "scientia.cli", "index", "build", str(corpus), "-o",
                                  str(tmp_path / "index")])
    counts = {int(done) for done in re.findall(r"(\d+)/600", text)}
    assert {0, 600} <= counts and any(0 < done < 600 for done in counts), sorted(counts)
