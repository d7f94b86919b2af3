"""Crash safety, proven at every step: a build or a change killed with SIGKILL at each named kill
point (scientia.common.faults) leaves the last committed index answering with all its documents,
and the next write succeeds. The kill lands exactly where it says: the process kills itself at
that point, so no test sleeps and hopes.

Also the commit window laid out by hand: what a kill between two steps of the commit leaves.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scientia.cli.app import app
from scientia.common.faults import KILL_AT_ENV, KILL_MARKER_ENV, KILL_POINTS
from scientia.engine import Engine
from scientia.indexers import BuildOptions, build_index
from scientia.indexers.knowledge_builder import KnowledgeOptions
from scientia.indexers.layout import IndexLayout

from helpers import SAMPLE_CORPUS, SMALL_CORPUS, write_jsonl

runner = CliRunner()
OLD_IDS = {d["id"] for d in SMALL_CORPUS}
NEW_IDS = {json.loads(line)["id"] for line in SAMPLE_CORPUS.read_text().splitlines()}


def committed_documents(index: Path) -> tuple[int, set[str]]:
    """Generation and ids of the live index, after checking every signal still answers."""
    with Engine.open(index) as engine:
        ids = set(engine.store.ids())
        assert len(ids) == engine.manifest.documents.count
        for mode in ("dense", "lexical", "hybrid"):
            assert engine.search("rocket engine", k=3, mode=mode)
        return engine.manifest.generation, ids


def killed_at(point: str, tmp_path: Path, *args) -> None:
    """Run ``scientia ARGS`` until it reaches kill point ``point``; fail unless it died there."""
    assert point in KILL_POINTS
    marker = tmp_path / f"killed-at-{point}"
    process = subprocess.run(
        [sys.executable, "-m", "scientia.cli", *map(str, args)], capture_output=True, text=True, timeout=600,
        env={**os.environ, KILL_AT_ENV: point, KILL_MARKER_ENV: str(marker)},
    )
    assert process.returncode == -signal.SIGKILL, f"not killed at {point}: exit {process.returncode}\n{process.stderr}"
    assert marker.read_text() == point


def assert_next_build_succeeds(index: Path, generation: int) -> None:
    build_index(SAMPLE_CORPUS, index)
    assert committed_documents(index) == (generation + 1, NEW_IDS)
    assert not list(index.glob(".staging-*")) and not (index / ".manifest.json.tmp").exists()
    assert len(list(index.glob("gen-*"))) <= 2  # the live generation and the one before it
    assert runner.invoke(app, ["index", "verify", str(index)]).exit_code == 0


@pytest.fixture
def old_index(tmp_path: Path) -> Path:
    build_index(write_jsonl(tmp_path / "old.jsonl", SMALL_CORPUS), tmp_path / "idx")
    return tmp_path / "idx"


BUILD_POINTS = ["reading", "encoding", "writing-dense", "writing-lexical", "writing-documents", "renamed", "committed"]


@pytest.mark.slow
@pytest.mark.parametrize("point", BUILD_POINTS)
def test_a_build_killed_at_each_step_keeps_the_last_committed_index(old_index: Path, tmp_path: Path, point: str):
    killed_at(point, tmp_path, "index", "build", SAMPLE_CORPUS, "-o", old_index, "-q")
    generation, ids = committed_documents(old_index)
    if point == "committed":  # manifest.json already named the new generation
        assert (generation, ids) == (2, NEW_IDS)
    else:
        assert (generation, ids) == (1, OLD_IDS)
    assert_next_build_succeeds(old_index, generation)


@pytest.mark.slow
@pytest.mark.parametrize(("command", "point"), [
    ("add", "writing-documents"), ("add", "encoding"), ("add", "writing-dense"), ("add", "renamed"),
    ("delete", "writing-lexical"),
])
def test_a_change_killed_at_each_step_keeps_the_last_generation(old_index: Path, tmp_path: Path, command: str, point: str):
    more = write_jsonl(tmp_path / "more.jsonl", [{"id": f"n{i}", "text": f"note number {i} about tea"} for i in range(20)])
    args = {"add": ["add", old_index, more, "-q"], "delete": ["delete", old_index, "--ids", "cats,bread"]}[command]
    killed_at(point, tmp_path, "index", *args)
    assert committed_documents(old_index) == (1, OLD_IDS)
    assert runner.invoke(app, ["index", *map(str, args)]).exit_code == 0  # the same change, again, succeeds
    changed = OLD_IDS | {f"n{i}" for i in range(20)} if command == "add" else OLD_IDS - {"cats", "bread"}
    assert committed_documents(old_index) == (2, changed)
    assert runner.invoke(app, ["index", "verify", str(old_index)]).exit_code == 0


# -- the commit window, laid out by hand ---------------------------------------------------------

def test_a_first_build_killed_between_rename_and_manifest_is_not_a_foreign_folder(old_index: Path, tmp_path: Path):
    """What a first build killed after renaming its staging folder leaves: gen-000001 (and maybe a
    temporary manifest), no manifest.json. Once, every later build refused the folder as foreign."""
    broken = tmp_path / "broken"
    broken.mkdir()
    shutil.copytree(old_index / "gen-000001", broken / "gen-000001")
    (broken / ".lock").touch()
    (broken / ".manifest.json.tmp").write_text('{"format": "scientia-in')  # cut off mid-write
    assert not IndexLayout(broken).is_foreign_folder()
    result = runner.invoke(app, ["index", "verify", str(broken)])
    assert result.exit_code == 2 and "no committed generation" in result.stderr and "gen-000001" in result.stderr
    result = runner.invoke(app, ["index", "build", str(SAMPLE_CORPUS), "-o", str(broken)])
    assert result.exit_code == 0, result.output
    assert "removed gen-000001, a generation whose commit was interrupted" in result.stderr
    assert committed_documents(broken) == (1, NEW_IDS)


@pytest.mark.parametrize("leftover", [".manifest.json.tmp", ".staging-gen-000002", "gen-000002"])
def test_leftovers_of_an_interrupted_change_are_removed_and_named(old_index: Path, leftover: str):
    path = old_index / leftover
    if leftover.endswith(".tmp"):
        path.write_text(json.dumps({"format": "scientia-index", "generation": 2}))
    else:
        shutil.copytree(old_index / "gen-000001", path)
    result = runner.invoke(app, ["index", "verify", str(old_index)])
    assert result.exit_code == 0 and f"removed {leftover}" in result.stderr
    assert not path.exists() and committed_documents(old_index) == (1, OLD_IDS)
    if leftover != ".manifest.json.tmp":  # again, now left by a write killed before the next build
        shutil.copytree(old_index / "gen-000001", path)
    assert_next_build_succeeds(old_index, 1)


def test_a_folder_with_anything_else_stays_foreign(tmp_path: Path):
    folder = tmp_path / "photos"
    (folder / "gen-000001").mkdir(parents=True)
    (folder / "holiday.jpg").write_bytes(b"\xff\xd8")
    assert IndexLayout(folder).is_foreign_folder()
    result = runner.invoke(app, ["index", "build", str(SAMPLE_CORPUS), "-o", str(folder)])
    assert result.exit_code == 2 and "is not a scientia index; refusing to overwrite it" in result.stderr
    assert (folder / "holiday.jpg").exists() and (folder / "gen-000001").is_dir()


def test_two_writers_contend_for_the_lock(old_index: Path, tmp_path: Path):
    before = (old_index / "manifest.json").read_bytes()
    with IndexLayout(old_index).writer_lock():  # another writer, mid-change
        result = runner.invoke(app, ["index", "delete", str(old_index), "--ids", "cats", "--wait", "0"])
        assert result.exit_code == 2 and "another process is writing this index" in result.stderr
        verified = runner.invoke(app, ["index", "verify", str(old_index)])  # reads, and leaves the writer alone
        assert verified.exit_code == 0
    assert (old_index / "manifest.json").read_bytes() == before
    assert runner.invoke(app, ["index", "delete", str(old_index), "--ids", "cats"]).exit_code == 0


@pytest.mark.slow
@pytest.mark.parametrize("point", ["extracting-knowledge", "writing-extracted-ontology"])
def test_a_build_extracting_knowledge_killed_at_its_steps_keeps_the_last_committed_index(old_index: Path, tmp_path: Path,
                                                                                        point: str):
    killed_at(point, tmp_path, "index", "build", SAMPLE_CORPUS, "-o", old_index, "--extract-knowledge", "-q")
    assert committed_documents(old_index) == (1, OLD_IDS)
    assert_next_build_succeeds(old_index, 1)


@pytest.mark.slow
def test_a_delete_from_an_extracted_graph_killed_while_extracting_keeps_the_last_generation(tmp_path: Path):
    index = tmp_path / "kg"
    build_index(write_jsonl(tmp_path / "old.jsonl", SMALL_CORPUS), index,
                BuildOptions(knowledge=KnowledgeOptions(extract=True)))
    killed_at("extracting-knowledge", tmp_path, "index", "delete", index, "--ids", "cats")
    assert committed_documents(index) == (1, OLD_IDS)
    assert runner.invoke(app, ["index", "delete", str(index), "--ids", "cats"]).exit_code == 0
    assert committed_documents(index) == (2, OLD_IDS - {"cats"})
