"""A living index: add, update, delete, compaction, metadata filters inside the search, verify,
and crash safety of every change."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scientia.cli.app import app
from scientia.engine import Engine
from scientia.indexers import InvalidArgumentError, build_index
from scientia.indexers.updater import add_documents, compact, delete_documents

from helpers import SMALL_CORPUS, free_port, write_jsonl

runner = CliRunner()

DATED = [
    {"id": f"d{i}", "title": f"Report {i}", "text": text, "metadata": {"year": 2015 + i, "lang": lang}}
    for i, (text, lang) in enumerate([
        ("Glaciers retreat as the climate warms.", "en"),
        ("Les glaciers reculent avec le réchauffement.", "fr"),
        ("Sea ice in the Arctic shrinks every summer.", "en"),
        ("Coral reefs bleach in marine heatwaves.", "en"),
        ("Permafrost thaw releases methane.", "en"),
    ])
]


@pytest.fixture
def index(tmp_path: Path) -> Path:
    build_index(write_jsonl(tmp_path / "c.jsonl", SMALL_CORPUS), tmp_path / "idx")
    return tmp_path / "idx"


def ids_of(index: Path, query: str = "anything at all", k: int = 100, **kwargs) -> list[str]:
    with Engine.open(index) as engine:
        return [hit.id for hit in engine.search(query, k=k, **kwargs)]


def test_add_new_and_replace_known_documents(tmp_path: Path, index: Path):
    more = write_jsonl(tmp_path / "more.jsonl", [
        {"id": "tea", "text": "Green tea is steeped in water below boiling."},
        {"id": "cats", "text": "Lions are big cats that live in prides on the savanna."},  # replaces
    ])
    manifest = add_documents(index, more)
    assert manifest.generation == 2 and manifest.last_change["added"] == 1 and manifest.last_change["replaced"] == 1
    assert manifest.documents.count == len(SMALL_CORPUS) + 1 and manifest.documents.tombstones == 1
    with Engine.open(index) as engine:
        for mode in ("dense", "lexical", "hybrid"):
            assert engine.search("steeping green tea", k=1, mode=mode)[0].id == "tea"
            hits = engine.search("lions on the savanna", k=3, mode=mode)
            assert hits[0].id == "cats" and "Lions" in hits[0].text
            assert [h.id for h in hits].count("cats") == 1  # the old version is gone from every signal
        assert engine.store.get("cats").text.startswith("Lions")


def test_delete_removes_from_every_signal_and_unknown_ids_change_nothing(index: Path):
    manifest = delete_documents(index, ["volcano", "chess"])
    assert manifest.documents.count == len(SMALL_CORPUS) - 2
    for mode in ("dense", "lexical", "hybrid"):
        found = ids_of(index, "magma lava eruption sicilian chess cats", mode=mode)
        assert found and "volcano" not in found and "chess" not in found, mode
    assert set(ids_of(index, mode="dense")) == {d["id"] for d in SMALL_CORPUS} - {"volcano", "chess"}
    before = (index / "manifest.json").read_bytes()
    with pytest.raises(InvalidArgumentError, match=r"1 ids are not in the index: 'nope'; nothing was deleted"):
        delete_documents(index, ["cats", "nope"])
    assert (index / "manifest.json").read_bytes() == before
    assert "cats" in ids_of(index)


def test_compaction_renumbers_and_keeps_results(tmp_path: Path, index: Path):
    with Engine.open(index) as engine:
        before = {q: [h.id for h in engine.search(q, k=10, mode="dense")] for q in ("bread and yeast", "space travel")}
    delete_documents(index, ["cats", "chess"], compact_ratio=0.9)  # below the threshold: tombstones stay
    manifest = compact(index)
    assert manifest.documents.tombstones == 0 and manifest.documents.positions == len(SMALL_CORPUS) - 2
    with Engine.open(index) as engine:
        for query, expected in before.items():
            assert [h.id for h in engine.search(query, k=3, mode="dense")] == [i for i in expected if i not in ("cats", "chess")][:3]


@pytest.mark.parametrize("factory", ["HNSW32", "IVF2,Flat"])
def test_tombstones_are_skipped_inside_faiss(tmp_path: Path, factory: str):
    from scientia.indexers import BuildOptions

    corpus = write_jsonl(tmp_path / "c.jsonl", SMALL_CORPUS)
    build_index(corpus, tmp_path / "idx", BuildOptions(faiss_factory=factory))
    delete_documents(tmp_path / "idx", ["rockets"], compact_ratio=0.99)
    with Engine.open(tmp_path / "idx") as engine:
        hits = engine.search("rocket engine thrust", k=len(SMALL_CORPUS), mode="dense")
    assert "rockets" not in [h.id for h in hits] and len(hits) == len(SMALL_CORPUS) - 1


def test_filters_apply_inside_each_search(tmp_path: Path):
    build_index(write_jsonl(tmp_path / "c.jsonl", DATED), tmp_path / "idx")
    # dense ranks every permitted document; BM25 only those sharing a term ("ice": d2)
    expected = {"dense": {"d2", "d3", "d4"}, "lexical": {"d2"}, "hybrid": {"d2", "d3", "d4"}}
    for mode in ("dense", "lexical", "hybrid"):
        assert set(ids_of(tmp_path / "idx", "glaciers ice", mode=mode, filters=["lang=en", "year>=2017"])) == expected[mode]
        assert ids_of(tmp_path / "idx", "glaciers", k=1, mode=mode, filters=["lang=fr"]) == ["d1"]
    # a filter narrows the search itself: k results come back though most documents are excluded
    assert len(ids_of(tmp_path / "idx", "climate", k=2, mode="dense", filters=["year<2018"])) == 2
    assert ids_of(tmp_path / "idx", "climate", mode="dense", filters=["lang!=en"]) == ["d1"]
    with pytest.raises(InvalidArgumentError, match=r"unknown field 'author' \(metadata fields in this index: lang, year\)"):
        ids_of(tmp_path / "idx", filters=["author=me"])
    with pytest.raises(InvalidArgumentError, match=r"compares numbers"):
        ids_of(tmp_path / "idx", filters=["lang>en"])
    with pytest.raises(InvalidArgumentError, match=r"expected FIELD OP VALUE"):
        ids_of(tmp_path / "idx", filters=["year"])


def test_verify_names_a_damaged_file(index: Path):
    result = runner.invoke(app, ["index", "verify", str(index)])
    assert result.exit_code == 0 and "files match the manifest" in result.stdout
    manifest = json.loads((index / "manifest.json").read_text())
    vectors = index / manifest["data_dir"] / "vectors.faiss"
    data = bytearray(vectors.read_bytes())
    data[-1] ^= 0xFF
    vectors.write_bytes(bytes(data))
    result = runner.invoke(app, ["index", "verify", str(index)])
    assert result.exit_code == 2 and "vectors.faiss: damaged" in result.stderr


def test_cli_add_delete_and_filter(tmp_path: Path):
    corpus = write_jsonl(tmp_path / "c.jsonl", DATED[:3])
    index = tmp_path / "idx"
    assert runner.invoke(app, ["index", "build", str(corpus), "-o", str(index), "-q"]).exit_code == 0
    more = write_jsonl(tmp_path / "more.jsonl", DATED[3:])
    result = runner.invoke(app, ["index", "add", str(index), str(more), "-q"])
    assert result.exit_code == 0 and "2 added, 0 replaced" in result.stderr
    result = runner.invoke(app, ["query", str(index), "coral reefs", "-k", "1", "--json", "--filter", "year>=2018"])
    assert json.loads(result.stdout)["id"] == "d3"
    (tmp_path / "ids.txt").write_text("d3\nd4\n")
    result = runner.invoke(app, ["index", "delete", str(index), "--ids-file", str(tmp_path / "ids.txt")])
    assert result.exit_code == 0 and "2 deleted" in result.stderr
    result = runner.invoke(app, ["index", "delete", str(index), "--ids", "d3"])
    assert result.exit_code == 2 and "not in the index" in result.stderr
    result = runner.invoke(app, ["query", str(index), "x", "--filter", "colour=red"])
    assert result.exit_code == 2 and "unknown field 'colour'" in result.stderr


@pytest.mark.parametrize("factory", ["HNSW32", "IVF2,Flat"])
def test_compaction_of_approximate_indexes_keeps_the_live_documents_findable(tmp_path: Path, factory: str):
    from scientia.indexers import BuildOptions

    build_index(write_jsonl(tmp_path / "c.jsonl", SMALL_CORPUS), tmp_path / "idx", BuildOptions(faiss_factory=factory))
    delete_documents(tmp_path / "idx", ["cats", "bread"], compact_ratio=0.99)
    manifest = compact(tmp_path / "idx")
    assert manifest.section("dense").factory == factory and manifest.documents.positions == len(SMALL_CORPUS) - 2
    with Engine.open(tmp_path / "idx") as engine:
        for document in SMALL_CORPUS:
            if document["id"] not in ("cats", "bread"):  # each live document is still its own best match
                assert engine.search(document["text"], k=1, mode="dense")[0].id == document["id"], factory
        assert {h.id for h in engine.search("x", k=10, mode="dense")} == {d["id"] for d in SMALL_CORPUS} - {"cats", "bread"}


@pytest.mark.parametrize("change", ["add to an index with an ontology", "delete"])
def test_the_previous_generation_still_verifies_after_a_change_that_links_its_files(tmp_path: Path, change: str):
    """A change hard-links the files it does not rewrite into the next generation (an add keeps
    the reasoned ontology, a delete the FAISS vectors); replacing one must never write through
    the link into the generation that readers may still be on."""
    from scientia.indexers import BuildOptions
    from scientia.indexers.knowledge_builder import KnowledgeOptions
    from scientia.indexers.layout import IndexLayout

    family = Path(__file__).parent / "data" / "family.ttl"
    knowledge = KnowledgeOptions([family], reasoner="rl") if change.startswith("add") else KnowledgeOptions()
    index = tmp_path / "idx"
    build_index(write_jsonl(tmp_path / "c.jsonl", SMALL_CORPUS), index, BuildOptions(knowledge=knowledge))
    layout = IndexLayout(index)
    first = layout.read_manifest()
    if change.startswith("add"):
        add_documents(index, write_jsonl(tmp_path / "more.jsonl", [{"id": "tea", "text": "Carol steeps green tea."}]))
    else:
        delete_documents(index, ["cats"])
    second = layout.read_manifest()
    assert second.generation == 2 and (index / first.data_dir).is_dir()
    assert layout.verify(first) == len(first.files)  # every file of generation 1 as its manifest describes it
    assert layout.verify(second) == len(second.files)
    linked = [name for name in first.files
              if (index / first.data_dir / name).stat().st_ino == (index / second.data_dir / name).stat().st_ino]
    assert linked == (["ontology.sqlite3"] if change.startswith("add") else ["vectors.faiss"])


def test_a_reader_s_sqlite_journal_never_enters_the_next_generation(tmp_path: Path):
    """A reader of the quadstore left ontology.sqlite3-journal in the live generation; an add once
    hard-linked it into the next one and listed it in the manifest, and once the reader rolled
    back, `index verify` failed for good."""
    from scientia.indexers import BuildOptions
    from scientia.indexers.knowledge_builder import KnowledgeOptions
    from scientia.indexers.layout import IndexLayout

    family = Path(__file__).parent / "data" / "family.ttl"
    index = tmp_path / "idx"
    build_index(write_jsonl(tmp_path / "c.jsonl", SMALL_CORPUS), index,
                BuildOptions(knowledge=KnowledgeOptions([family], reasoner="rl")))
    live = index / IndexLayout(index).read_manifest().data_dir
    journal = live / "ontology.sqlite3-journal"
    journal.write_bytes(b"\x00" * 512)
    manifest = add_documents(index, write_jsonl(tmp_path / "more.jsonl", [{"id": "tea", "text": "Green tea."}]))
    assert "ontology.sqlite3" in manifest.files and not any(name.endswith("-journal") for name in manifest.files)
    assert not list((index / manifest.data_dir).glob("*-journal"))
    journal.unlink()  # the reader is gone
    assert runner.invoke(app, ["index", "verify", str(index)]).exit_code == 0


def _read_only(index: Path, *command: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``scientia COMMAND`` with ``index`` read-only: a read-only bind mount of it in a mount
    namespace of the command's own where this runs as root (root writes through file modes), its
    files' write permission removed otherwise."""
    cli = [sys.executable, "-m", "scientia.cli", *command]
    if os.geteuid() != 0:
        return subprocess.run(cli, capture_output=True, text=True, timeout=timeout)
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(index), *cli],
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def read_only_index(tmp_path: Path) -> Iterator[Path]:
    from helpers import build_demo_index

    index = build_demo_index(tmp_path / "index")
    if os.geteuid() == 0:
        probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                                f'mount --bind "{index}" "{index}" && mount -o remount,bind,ro "{index}" && '
                                f'! touch "{index}/probe"'], capture_output=True)
        if probe.returncode != 0:
            pytest.skip("this root cannot make a read-only bind mount (unshare --mount): " + probe.stderr.decode()[-200:])
        yield index
        return
    for path in [index, *index.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)
    yield index
    for path in [index, *index.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)


@pytest.mark.slow
def test_readers_work_on_a_read_only_index_and_writers_say_why_they_cannot(read_only_index: Path, tmp_path: Path):
    """Point 13: `index verify` took the writer's lock and died with a traceback on a read-only
    index; `index add|delete|build` too."""
    index = str(read_only_index)
    for command in (["query", index, "spicy pizza", "-k", "2", "--json"], ["index", "info", index],
                    ["index", "verify", index], ["index", "docs", index, "-n", "2"], ["index", "show", index, "pizza/cajun"],
                    ["reason", "sparql", index, "ASK { ?s ?p ?o }"], ["reason", "classify", index],
                    ["reason", "explain", index, "pizza:PolloAdAstra"]):
        result = _read_only(read_only_index, *command)
        assert result.returncode == 0 and "Traceback" not in result.stderr, (command, result.stderr)
    write_jsonl(tmp_path / "more.jsonl", [{"id": "new", "text": "A new document."}])
    for command in (["index", "add", index, str(tmp_path / "more.jsonl")], ["index", "delete", index, "--ids", "pizza/cajun"],
                    ["index", "build", str(tmp_path / "more.jsonl"), "-o", index]):
        result = _read_only(read_only_index, *command)
        lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert result.returncode == 2 and "Traceback" not in result.stderr, (command, result.stderr)
        assert lines == [f"error: {index}: cannot write this index (a read-only file system); reading it works"] or \
            lines == [f"error: {index}: cannot write this index (Permission denied); reading it works"], result.stderr


@pytest.mark.slow
def test_a_server_serves_a_read_only_index(read_only_index: Path):
    import urllib.request

    from helpers import wait_until_serving

    port = free_port()
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    cli = [sys.executable, "-m", "scientia.cli", "serve", str(read_only_index), "--port", str(port)]
    command = cli if os.geteuid() != 0 else ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
                                              str(read_only_index), *cli]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until_serving(port, server)
        from helpers import post

        assert post(port, "/search", {"query": "spicy pizza", "k": 2})[0] == 200
        status, body = post(port, "/sparql", {"query": "ASK { ?s ?p ?o }"})
        assert (status, body) == (200, {"boolean": True})
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as response:
            assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert b"Traceback" not in server.stderr.read()


@pytest.mark.slow
def test_writers_wait_for_each_other_and_four_simultaneous_adds_all_commit(tmp_path: Path):
    """Point 14: a second writer failed at once; with --wait (60 s by default) it waits its turn."""
    index = tmp_path / "index"
    build_index(write_jsonl(tmp_path / "corpus.jsonl", SMALL_CORPUS), index)
    for number in range(4):
        write_jsonl(tmp_path / f"add{number}.jsonl", [{"id": f"added/{number}", "text": f"Document number {number} added."}])
    adds = [subprocess.Popen([sys.executable, "-m", "scientia.cli", "index", "add", str(index), str(tmp_path / f"add{n}.jsonl"),
                              "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for n in range(4)]
    for process in adds:
        assert process.wait(timeout=600) == 0, process.stderr.read()
    with Engine.open(index) as engine:
        assert engine.manifest.generation == 5 and len(engine) == len(SMALL_CORPUS) + 4
        assert all(engine.store.get(f"added/{n}") is not None for n in range(4))


def test_a_failed_first_build_leaves_no_folder_behind(tmp_path: Path):
    """Point 15: a build into a new path that failed left an empty folder (its lock file) behind."""
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix : <http://x.example/#> .\n:a :b\n")
    output = tmp_path / "new" / "index"
    result = runner.invoke(app, ["index", "build", "--ontology", str(broken), "-o", str(output)])
    assert result.exit_code == 2 and "broken.ttl: line 2: unparsable Turtle" in result.stderr
    assert not output.exists()
    existing = tmp_path / "existing"
    build_index(write_jsonl(tmp_path / "corpus.jsonl", SMALL_CORPUS), existing)
    before = (existing / "manifest.json").read_bytes()
    assert runner.invoke(app, ["index", "build", "--ontology", str(broken), "-o", str(existing)]).exit_code == 2
    assert (existing / "manifest.json").read_bytes() == before  # an index that was there stays
