"""The architecture holds: no folder imports back up, the manifest's raw keys are read in one
place, and a plugin adds a component, a signal and a mode with no edit to the engine, the
builder or the updater."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from conftest import REPO, SMALL_CORPUS, write_jsonl

# What each top-level folder may import (itself included). Anything else is an import back up
# the architecture, or sideways where no dependency should be.
ALLOWED = {
    "common": {"common"},
    "reasoners": {"common", "reasoners"},
    "indexers": {"common", "reasoners", "indexers"},
    "engine": {"common", "reasoners", "indexers", "engine"},
    "training": {"common", "reasoners", "indexers", "training"},
    "benchmarks": {"common", "reasoners", "indexers", "engine", "training", "benchmarks"},
    "cli": {"common", "reasoners", "indexers", "engine", "training", "benchmarks", "cli"},
}
MANIFEST_KEYS = {"format", "format_version", "scientia_version", "generation", "data_dir", "created", "documents",
                 "encoder", "dense", "lexical", "knowledge", "build", "files", "last_change"}


def _modules():
    for folder in ALLOWED:
        for path in sorted((REPO / folder).rglob("*.py")):
            yield folder, path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _imported_folders(path: Path, tree: ast.AST) -> set[str]:
    """Top-level scientia folders that a module imports, lazily inside functions too."""
    found = set()
    package = path.relative_to(REPO).parent.parts
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's own package
                base = package[: len(package) - node.level + 1]
                names = [".".join(("scientia", *base, *([node.module] if node.module else [])))]
            else:
                names = [node.module or ""]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "scientia" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_no_folder_imports_back_up():
    wrong = []
    for folder, path, tree in _modules():
        for imported in sorted(_imported_folders(path, tree) - ALLOWED[folder]):
            wrong.append(f"{path.relative_to(REPO)} imports scientia.{imported}")
    assert not wrong, "\n".join(wrong)


def test_the_import_check_catches_an_import_back_up(tmp_path: Path):
    module = REPO / "reasoners" / "loading.py"
    tree = ast.parse("from scientia.indexers.documents import Document\nfrom ..engine import Engine\n")
    assert _imported_folders(module, tree) == {"indexers", "engine"}


def _reads_raw_manifest_keys(tree: ast.AST) -> bool:
    """Whether code subscripts (or ``.get``s) a manifest-like object by one of its JSON keys."""
    for node in ast.walk(tree):
        key = target = None
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            key, target = node.slice.value, node.value
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
              and node.args and isinstance(node.args[0], ast.Constant)):
            key, target = node.args[0].value, node.func.value
        if key in MANIFEST_KEYS and "manifest" in ast.unparse(target).lower():
            return True
    return False


def test_raw_manifest_keys_are_read_in_one_module():
    readers = {path.relative_to(REPO).as_posix() for _, path, tree in _modules() if _reads_raw_manifest_keys(tree)}
    readers.add("indexers/manifest.py")  # the one module that parses manifest.json
    assert readers == {"indexers/manifest.py"}


def test_the_manifest_check_catches_a_raw_read():
    assert _reads_raw_manifest_keys(ast.parse('factory = engine.manifest["dense"]["factory"]'))
    assert _reads_raw_manifest_keys(ast.parse('knowledge = manifest.get("knowledge")'))
    assert not _reads_raw_manifest_keys(ast.parse('factory = engine.manifest.section("dense").factory'))


# -- a plugin: title matching, from outside the package ------------------------------------------

@pytest.fixture
def title_plugin():
    """Registers a component (titles.json), a signal over it and two modes, through the public API
    only; unregisters them afterwards so that other tests build plain indexes."""
    from dataclasses import dataclass

    from scientia.engine import MODES, SIGNALS, Signal, SignalResult, register_mode, register_signal
    from scientia.indexers import COMPONENTS, Component, register_component
    from scientia.indexers.linking import singular

    def words(text: str) -> list[str]:
        return [singular(w) for w in re.findall(r"\w+", text.lower())]

    @dataclass
    class TitleSection:
        titles: int

    class TitleComponent(Component):
        name = "titles"
        Section = TitleSection
        files = ("titles.json",)

        def create(self, folder, build):
            return self._write(folder, [d.title for d in build.documents])

        def open(self, folder, section):
            return json.loads((folder / "titles.json").read_text())

        def refresh(self, change, section):  # every change: rewrite from the document store
            titles = [text.split("\n", 1)[0] if "\n" in text else "" for text in change.store.all_texts()]
            change.replace("titles.json", lambda path: None)
            return self._write(change.folder, titles)

        def _write(self, folder, titles):
            (folder / "titles.json").write_text(json.dumps([words(t) for t in titles]))
            return TitleSection(len(titles))

    class TitleSignal(Signal):
        name = "title"
        requires = ("titles",)
        weight = 1.0

        def __init__(self, titles):
            self.titles = titles

        @classmethod
        def open(cls, generation, options):
            return cls(generation.open_component("titles"))

        def rank(self, queries, depth, restriction=None):
            results = []
            for query in queries:
                wanted = set(words(query))
                scored = [(p, float(len(wanted & set(t)))) for p, t in enumerate(self.titles)
                          if wanted & set(t) and (restriction is None or restriction.permits(p))]
                results.append(SignalResult(sorted(scored, key=lambda item: (-item[1], item[0]))[:depth]))
            return results

    register_component(TitleComponent())
    register_signal(TitleSignal)
    register_mode("title", ["title"])
    register_mode("hybrid+title", ["dense", "lexical", "title"])
    yield
    for registry, name in ((COMPONENTS, "titles"), (SIGNALS, "title"), (MODES, "title"), (MODES, "hybrid+title")):
        registry.unregister(name)


@pytest.mark.slow
def test_a_plugin_component_and_signal_answer_in_a_new_mode(tmp_path: Path, title_plugin):
    from typer.testing import CliRunner

    from scientia.cli.app import app
    from scientia.engine import Engine
    from scientia.indexers import build_index
    from scientia.indexers.updater import add_documents, delete_documents

    index = tmp_path / "idx"
    manifest = build_index(write_jsonl(tmp_path / "c.jsonl", SMALL_CORPUS), index)
    assert manifest.section("titles").titles == len(SMALL_CORPUS)
    assert "titles.json" in manifest.files
    with Engine.open(index) as engine:
        assert "title" in engine.modes and "hybrid+title" in engine.modes
        hits = engine.search("rocket engines for cats", k=5, mode="title")
        assert [hit.id for hit in hits] == ["cats", "rockets"] or [hit.id for hit in hits] == ["rockets", "cats"]
        assert hits[0].signals["title"].rank == 1
        fused = engine.search("sourdough", k=3, mode="hybrid+title")
        assert fused[0].id == "bread" and set(fused[0].signals) == {"dense", "lexical", "title"}

    # the updater carries the component through add and delete, whatever it is
    add_documents(index, write_jsonl(tmp_path / "more.jsonl", [{"id": "tea", "title": "Green tea", "text": "Steeped leaves."}]))
    delete_documents(index, ["cats"])
    with Engine.open(index) as engine:
        assert [hit.id for hit in engine.search("green tea", k=3, mode="title")] == ["tea"]
        assert engine.search("cats", k=3, mode="title") == []

    # and the CLI offers the new mode, read from the registry
    result = CliRunner().invoke(app, ["query", str(index), "green tea", "--mode", "title", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["id"] == "tea"


@pytest.mark.slow
def test_an_index_with_an_unknown_component_answers_but_refuses_changes(tmp_path: Path, title_plugin):
    from scientia.common.errors import IndexFormatError
    from scientia.engine import Engine
    from scientia.indexers import COMPONENTS, build_index
    from scientia.indexers.updater import delete_documents

    index = tmp_path / "idx"
    build_index(write_jsonl(tmp_path / "c.jsonl", SMALL_CORPUS), index)
    plugin = COMPONENTS["titles"]
    COMPONENTS.unregister("titles")  # a process without the plugin
    try:
        with Engine.open(index) as engine:
            assert engine.search("magma", k=1)[0].id == "volcano"
            assert "title" not in engine.modes
        before = (index / "manifest.json").read_bytes()
        with pytest.raises(IndexFormatError, match="components this process does not know \\(titles\\)"):
            delete_documents(index, ["cats"])
        assert (index / "manifest.json").read_bytes() == before
    finally:
        COMPONENTS.register("titles", plugin)
