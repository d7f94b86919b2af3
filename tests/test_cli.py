"""The command line through Typer's CliRunner: exit codes, output, one-line errors, fast --help."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scientia.cli.app import app

from helpers import SMALL_CORPUS, write_jsonl

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_build_query_info_round_trip(tmp_path: Path, small_corpus: Path):
    index = tmp_path / "idx"
    result = invoke("index", "build", small_corpus, "-o", index, "--quiet")
    assert result.exit_code == 0, result.output
    assert f"indexed {len(SMALL_CORPUS)} documents" in result.stderr

    result = invoke("query", index, "magma and lava", "-k", "3", "--json")
    assert result.exit_code == 0, result.output
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(hits) == 3 and hits[0]["id"] == "volcano"
    assert hits[0]["rank"] == 1 and set(hits[0]["signals"]) == {"dense", "lexical"}

    result = invoke("query", index, "magma and lava", "--mode", "lexical")
    assert result.exit_code == 0 and "Volcanoes" in result.stdout and "lexical" in result.stdout and "dense" not in result.stdout

    result = invoke("index", "info", index, "--json")
    assert result.exit_code == 0
    info = json.loads(result.stdout)
    assert info["documents"]["count"] == len(SMALL_CORPUS) and info["sizes_bytes"]["vectors.faiss"] > 0
    result = invoke("index", "info", index)
    assert result.exit_code == 0 and "all-MiniLM-L6-v2" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"id": "1", "text": "ok"}\n{"id": 2\n', "bad.jsonl: line 2: malformed JSON"),
        (b'{"id": "1", "text": "caf\xe9"}\n', "bad.jsonl: line 1, invalid UTF-8 at byte offset 24"),
        (b'{"id": "1", "text": "a"}\n{"id": "1", "text": "b"}\n', "duplicate document id '1'"),
        (b'{"title": "no id", "text": "x"}\n', "bad.jsonl: line 1: record has no 'id'"),
        (b"\n", "empty corpus"),
    ],
)
def test_bad_corpus_exits_2_with_one_line_and_keeps_the_old_index(tmp_path: Path, small_index_copy, content, message):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(content)
    before = (small_index_copy / "manifest.json").read_bytes()
    result = invoke("index", "build", bad, "-o", small_index_copy, "--quiet")
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert (small_index_copy / "manifest.json").read_bytes() == before


@pytest.fixture
def small_index_copy(tmp_path: Path, small_index: Path) -> Path:
    import shutil

    return Path(shutil.copytree(small_index, tmp_path / "index-copy"))


def test_dedupe_flag(tmp_path: Path):
    corpus = write_jsonl(tmp_path / "dup.jsonl", [{"id": "a", "text": "one"}, {"id": "a", "text": "two"}])
    result = invoke("index", "build", corpus, "-o", tmp_path / "idx", "--dedupe", "--quiet")
    assert result.exit_code == 0, result.output
    assert "indexed 1 documents" in result.stderr


def test_user_errors_exit_2(tmp_path: Path, small_index: Path):
    result = invoke("query", tmp_path / "missing", "anything")
    assert result.exit_code == 2 and "no such index folder" in result.stderr
    result = invoke("query", small_index, "anything", "--mode", "psychic")
    assert result.exit_code == 2
    result = invoke("index", "build", tmp_path / "missing.jsonl", "-o", tmp_path / "x")
    assert result.exit_code == 2 and "missing.jsonl: no such file or folder" in result.stderr
    corpus = write_jsonl(tmp_path / "c.jsonl", SMALL_CORPUS)
    result = invoke("index", "build", corpus, "-o", tmp_path / "x", "--faiss", "Bogus99")
    assert result.exit_code == 2 and "invalid FAISS factory string 'Bogus99'" in result.stderr
    assert not (tmp_path / "x" / "manifest.json").exists()
    result = invoke("bench", tmp_path, "--modes", "dense,telepathy")
    assert result.exit_code == 2 and "telepathy" in result.stderr and "allowed: dense, lexical, hybrid, knowledge, hybrid+knowledge" in result.stderr


def test_csv_corpus_with_custom_columns(tmp_path: Path):
    corpus = tmp_path / "c.csv"
    corpus.write_text("key,body\nk1,Glaciers carve valleys\nk2,Bees pollinate crops\n")
    result = invoke("index", "build", corpus, "-o", tmp_path / "idx", "--id-field", "key", "--text-field", "body", "-q")
    assert result.exit_code == 0, result.output
    result = invoke("query", tmp_path / "idx", "pollination", "--json", "-k", "1", "--mode", "dense")
    assert json.loads(result.stdout)["id"] == "k2"


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys; from scientia.cli.app import app; "
        "heavy = [m for m in ('torch', 'faiss', 'owlready2', 'sentence_transformers', 'bm25s', 'rdflib', 'reasonable') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
    result = subprocess.run([sys.executable, "-m", "scientia.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "index" in result.stdout


def test_more_bad_inputs_exit_2_with_one_line(tmp_path: Path, small_index: Path):
    import shutil

    from scientia.common.models import default_model_path

    results = []
    other = tmp_path / "other-model"
    shutil.copytree(default_model_path(), other)
    (other / "config_sentence_transformers.json").write_text('{"note": "a different model"}')
    results.append(result := invoke("query", small_index, "cats", "--model", other))
    assert result.exit_code == 2 and "built with encoder 'all-MiniLM-L6-v2'" in result.stderr

    newer = Path(shutil.copytree(small_index, tmp_path / "newer"))
    manifest = json.loads((newer / "manifest.json").read_text())
    (newer / "manifest.json").write_text(json.dumps({**manifest, "format_version": 99}))
    results.append(result := invoke("query", newer, "cats"))
    assert result.exit_code == 2 and "'format_version' is 99" in result.stderr and "upgrade scientia" in result.stderr

    results.append(result := invoke("query", small_index, "word " * 20_000))
    assert result.exit_code == 2 and "exceeds the limit of 10,000" in result.stderr

    (newer / "manifest.json").write_text('{"format": "scientia-index", "format_ver')  # cut off mid-write
    results.append(result := invoke("query", newer, "cats"))
    assert result.exit_code == 2 and "manifest.json: damaged manifest" in result.stderr
    for result in results:
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output, result.stderr


@pytest.mark.slow
def test_a_ten_megabyte_document_is_indexed_and_its_truncation_stated(tmp_path: Path):
    huge = "glacier " * (10 * 1024 * 1024 // 8)
    corpus = write_jsonl(tmp_path / "big.jsonl", [{"id": "big", "text": huge}, {"id": "small", "text": "a cat"}])
    result = invoke("index", "build", corpus, "-o", tmp_path / "idx", "-q")
    assert result.exit_code == 0, result.output
    assert "1 texts are longer than 20,000 characters: the encoder embeds only their beginning" in result.stderr
    result = invoke("query", tmp_path / "idx", "glacier", "-k", "1", "--json", "--mode", "lexical")
    assert json.loads(result.stdout)["id"] == "big"


def _leaf_commands(command, path=()):
    import typer.main

    command = command if path else typer.main.get_command(app)
    children = getattr(command, "commands", None)
    if not children:
        yield " ".join(path), command
        return
    for name, child in children.items():
        yield from _leaf_commands(child, (*path, name))


def test_version_and_short_help():
    from scientia.indexers.layout import scientia_version

    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"scientia {scientia_version()}"
    assert invoke("-h").exit_code == 0 and "index" in invoke("-h").stdout
    assert invoke("index", "build", "-h").exit_code == 0


def test_every_command_takes_verbose_quiet_and_short_help():
    leaves = dict(_leaf_commands(None))
    assert {"query", "bench", "serve", "train", "index build", "index info", "index add", "index delete",
            "index verify", "reason sparql", "reason explain"} <= set(leaves)
    for name, command in leaves.items():
        options = {opt for param in command.params for opt in param.opts}
        assert {"-v", "--verbose", "-q", "--quiet"} <= options, name
        result = invoke(*name.split(), "-h")
        assert result.exit_code == 0 and "--quiet" in result.stdout, name


def test_choices_come_from_the_registries(small_index: Path):
    from scientia.engine import MODES

    result = invoke("query", small_index, "cats", "--mode", "telepathy")
    assert result.exit_code == 2 and all(mode in result.output for mode in MODES)
    result = invoke("index", "build", small_index, "-o", small_index, "--backend", "tensorrt")
    assert result.exit_code == 2 and "onnx-int8" in result.output


def test_a_warning_inside_a_command_reaches_stderr(tmp_path: Path):
    """index delete on an IVF index compacts it and warns that IVF vectors come back approximate;
    before logging was configured for every command, that warning was lost."""
    corpus = write_jsonl(tmp_path / "c.jsonl", SMALL_CORPUS)
    index = tmp_path / "idx"
    assert invoke("index", "build", corpus, "-o", index, "--faiss", "IVF2,Flat", "-q").exit_code == 0
    result = invoke("index", "delete", index, "--ids", "cats,bread")
    assert result.exit_code == 0 and "compacted" in result.stderr
    assert "IVF index gives back its approximations" in result.stderr
    quiet = invoke("index", "verify", index, "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""


@pytest.mark.slow
def test_plain_bench_prints_its_table_and_writes_the_report(tmp_path: Path):
    from helpers import write_beir

    dataset = write_beir(tmp_path / "tiny")
    result = invoke("bench", dataset, "--out", tmp_path / "out", "--cache-dir", tmp_path / "cache", "-q")
    assert result.exit_code == 0, result.output
    table = result.stdout
    assert "tiny (test, 3 queries)" in table and "nDCG@10" in table
    for mode in ("dense", "lexical", "hybrid"):
        assert re.search(rf"│ {mode}\s+│\s+1\.0000 │", table), mode  # one obvious answer per query
    assert json.loads((tmp_path / "out" / "report.json").read_text())["queries"] == 3
    assert "report written to" in result.stderr


def test_bench_lubm_refuses_bad_arguments(tmp_path: Path):
    result = invoke("bench", "lubm", "--lubm-dir", tmp_path)
    assert result.exit_code == 2 and "no LUBM(1,0) here (expected data/, queries/, answers/)" in result.stderr
    (tmp_path / "data").mkdir()
    result = invoke("bench", "lubm", "--lubm-dir", tmp_path, "--universities", "one,five")
    assert result.exit_code == 2 and "--universities: expected numbers like 1,5, got 'one,five'" in result.stderr


def test_delete_without_ids_and_reason_without_an_ontology(small_index: Path):
    result = invoke("index", "delete", small_index)
    assert result.exit_code == 2 and "give the ids to delete with --ids or --ids-file" in result.stderr
    for args in (("sparql", "SELECT ?s WHERE { ?s ?p ?o }"), ("explain", "http://x#y")):
        result = invoke("reason", args[0], small_index, args[1])
        assert result.exit_code == 2 and "this index has no knowledge graph (build it with --ontology)" in result.stderr
    result = invoke("query", small_index, "cats", "--mode", "knowledge")
    assert result.exit_code == 2 and "no knowledge graph" in result.stderr


def test_rrf_from_the_command_line_scores_each_hit_by_its_ranks(small_index: Path):
    result = invoke("query", small_index, "rocket propellant", "--fusion", "rrf", "--json", "-k", "6")
    assert result.exit_code == 0, result.output
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert hits[0]["id"] == "rockets" and len(hits) == 6
    for hit in hits:  # RRF, k = 60, dense and lexical weighing 1 each (Cormack et al. 2009)
        expected = sum(1 / (60 + evidence["rank"]) for evidence in hit["signals"].values())
        assert hit["score"] == pytest.approx(expected)
    assert [hit["score"] for hit in hits] == sorted((hit["score"] for hit in hits), reverse=True)


@pytest.mark.slow
def test_ctrl_c_exits_130_and_leaves_the_index_as_it_was(tmp_path: Path, small_index: Path):
    import os
    import shutil

    from scientia.common.faults import KILL_AT_ENV, KILL_SIGNAL_ENV

    index = Path(shutil.copytree(small_index, tmp_path / "idx"))
    before = (index / "manifest.json").read_bytes()
    more = write_jsonl(tmp_path / "more.jsonl", [{"id": "tea", "text": "Green tea."}])
    process = subprocess.run(
        [sys.executable, "-m", "scientia.cli", "index", "add", str(index), str(more)], capture_output=True, text=True,
        env={**os.environ, KILL_AT_ENV: "encoding", KILL_SIGNAL_ENV: "SIGINT"}, timeout=300,
        # a job started in the background inherits SIGINT ignored; a terminal's Ctrl-C is not
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.returncode == 130 and process.stderr.strip().endswith("interrupted")
    assert "Traceback" not in process.stderr
    assert (index / "manifest.json").read_bytes() == before and not list(index.glob(".staging-*"))


def test_documents_are_listed_and_shown_and_results_counted_in_words(small_index: Path):
    result = invoke("index", "docs", small_index, "-n", "2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[0].split("\t")[0] == SMALL_CORPUS[0]["id"]
    assert f"2 of {len(SMALL_CORPUS)} documents shown; --offset 2 for the next" in result.stderr
    every = [json.loads(line) for line in invoke("index", "docs", small_index, "--limit", "0", "--json").stdout.splitlines()]
    assert [d["id"] for d in every] == [d["id"] for d in SMALL_CORPUS]
    shown = invoke("index", "show", small_index, "volcano", "--json")
    assert shown.exit_code == 0 and json.loads(shown.stdout)["text"] == next(d["text"] for d in SMALL_CORPUS if d["id"] == "volcano")
    missing = invoke("index", "show", small_index, "no-such-id")
    assert missing.exit_code == 2 and "no document with id 'no-such-id'" in missing.stderr
    one = invoke("query", small_index, "magma and lava", "-k", "1", "--mode", "lexical")
    assert "1 result" in one.stdout and "1 results" not in one.stdout


def test_no_color_leaves_no_colour_codes():
    """On a terminal (FORCE_COLOR stands in for one) help is coloured; --no-color, as NO_COLOR, takes colour out."""
    import os

    colour = re.compile(r"\x1b\[[0-9;]*3[0-9]m|\x1b\[[0-9;]*38;")
    coloured = runner.invoke(app, ["index", "--help"], env={"FORCE_COLOR": "1", "NO_COLOR": None})
    plain = runner.invoke(app, ["--no-color", "index", "--help"], env={"FORCE_COLOR": "1", "NO_COLOR": None})
    os.environ.pop("NO_COLOR", None)  # --no-color set it for the rest of this process
    assert plain.exit_code == 0, plain.output
    assert colour.search(coloured.stdout) and not colour.search(plain.stdout)


def _scientia(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scientia.cli", *args], capture_output=True, text=True, timeout=timeout)


def test_a_bad_flag_value_is_one_error_line_and_quiet_works_before_the_command(small_index: Path, tmp_path: Path):
    """Point 15: a bad value drew click's usage box on stderr; `scientia -q index build` was "No such option"."""
    for args, message in ((["query", str(small_index), "cats", "--mode", "psychic"], "Invalid value for --mode: 'psychic'"),
                          (["serve", str(small_index), "--port", "99999"], "Invalid value for '--port'"),
                          (["query", str(small_index)], "Missing argument 'text'"),
                          (["index", "buld"], "No such command 'buld'")):
        result = _scientia(*args)
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)
        assert result.stderr.startswith("error: ") and message in result.stderr, result.stderr
    quiet = _scientia("-q", "index", "build", str(write_jsonl(tmp_path / "c.jsonl", SMALL_CORPUS)), "-o", str(tmp_path / "i"))
    assert quiet.returncode == 0 and "corpus language" not in quiet.stderr  # the INFO lines -q silences
    loud = _scientia("index", "build", str(tmp_path / "c.jsonl"), "-o", str(tmp_path / "j"))
    assert loud.returncode == 0 and "corpus language" in loud.stderr


@pytest.mark.slow
def test_classify_explain_and_construct_read_as_the_sparql_table_prints(tmp_path: Path):
    """Point 15: `reason classify` showed a class under one parent only; `reason explain` took full
    IRIs only, not the prefixed names `reason sparql` prints; CONSTRUCT's Turtle had no prefixes."""
    from helpers import build_demo_index

    index = str(build_demo_index(tmp_path / "index"))
    tree = [((len(line) - len(line.lstrip())) // 2, line.strip()) for line in invoke("reason", "classify", index).stdout.splitlines()]
    parents = [next(name for depth, name in reversed(tree[:i]) if depth == tree[i][0] - 1)
               for i, (_, name) in enumerate(tree) if name == "Cajun"]
    assert sorted(parents) == ["SeafoodPizza", "SpicyPizza"]
    explained = invoke("reason", "explain", index, "pizza:PolloAdAstra")
    assert explained.exit_code == 0 and "PolloAdAstra ⊑ SpicyPizza   [inferred]" in explained.stdout
    unknown = invoke("reason", "explain", index, "nope:PolloAdAstra")
    assert unknown.exit_code == 2 and "unknown prefix 'nope:'" in unknown.stderr
    turtle = invoke("reason", "sparql", index, "CONSTRUCT { ?c rdfs:subClassOf pizza:SpicyPizza } "
                    "WHERE { ?c rdfs:subClassOf pizza:SpicyPizza }").stdout
    assert "@prefix pizza: <http://scientia.example/pizza#> ." in turtle
    assert "pizza:PolloAdAstra rdfs:subClassOf pizza:SpicyPizza ." in turtle


def test_index_info_of_a_sharded_index_counts_live_documents(tmp_path: Path):
    """Point 15: each shard's count included its deleted documents."""
    from scientia.indexers import BuildOptions, build_index
    from scientia.indexers.updater import delete_documents

    from helpers import SAMPLE_CORPUS

    index = tmp_path / "index"
    build_index(SAMPLE_CORPUS, index, BuildOptions(faiss_factory="Flat", shards=2))
    delete_documents(index, ["pizza/cajun", "pizza/margherita"])  # too few to compact
    shards = json.loads(invoke("index", "info", str(index), "--json").stdout)["shards"]
    assert sum(shard["documents"] for shard in shards) == 198
    assert sum(shard["tombstones"] for shard in shards) == 2
    assert "deleted, not yet compacted" in invoke("index", "info", str(index)).stdout


@pytest.mark.slow
def test_a_model_by_hugging_face_name_comes_from_its_cache_and_never_downloads(tmp_path: Path):
    import os
    import subprocess
    import sys

    from scientia.common.models import default_model_path, model_checksum

    # a Hugging Face cache holding the packaged MiniLM as test-org/minilm (links, as the hub's cache has)
    model = tmp_path / "hub" / "models--test-org--minilm"
    snapshot = model / "snapshots" / "0123abcd"
    for file in default_model_path().rglob("*"):
        if file.is_file():
            (snapshot / file.relative_to(default_model_path())).parent.mkdir(parents=True, exist_ok=True)
            (snapshot / file.relative_to(default_model_path())).symlink_to(file)
    (model / "refs").mkdir()
    (model / "refs" / "main").write_text("0123abcd")
    environment = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "1"}
    corpus = write_jsonl(tmp_path / "c.jsonl", SMALL_CORPUS)

    def scientia(*arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "scientia.cli", *arguments], env=environment, capture_output=True,
                              text=True, timeout=300)

    built = scientia("index", "build", str(corpus), "-o", str(tmp_path / "index"), "--model", "test-org/minilm", "-q")
    assert built.returncode == 0, built.stderr
    encoder = json.loads((tmp_path / "index" / "manifest.json").read_text())["dense"]["encoder"]
    assert encoder["path"] == str(snapshot.resolve()) and encoder["checksum"] == model_checksum(default_model_path())
    missing = scientia("index", "build", str(corpus), "-o", str(tmp_path / "other"), "--model", "nobody/absent-model")
    assert missing.returncode == 2 and "nobody/absent-model: no such local folder, and no model of that name in the " \
        "Hugging Face cache; set HF_HUB_OFFLINE=0" in missing.stderr
    assert not (tmp_path / "other").exists()
