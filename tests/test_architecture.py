"""The architecture holds: no folder imports back up, the manifest's raw keys are read in one
place, and the code that builds, changes, shards, serves and describes indexes names no
component: it asks the registered ones (a plugin's component works with no edit there, see
tests/test_plugins.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from scientia.indexers.components import COMPONENTS

from helpers import REPO

# What each top-level folder may import (itself included). Anything else is an import back up
# the architecture, or sideways where no dependency should be.
ALLOWED = {
    "common": {"common"},
    "reasoners": {"common", "reasoners"},
    "indexers": {"common", "reasoners", "indexers"},
    "engine": {"common", "reasoners", "indexers", "engine"},
    "training": {"common", "reasoners", "indexers", "training"},
    "evaluation": {"common", "reasoners", "indexers", "engine", "training", "evaluation"},
    # the scripts behind the committed figures: nothing imports them but their own kind
    "benchmarks": {"common", "reasoners", "indexers", "engine", "training", "evaluation", "benchmarks"},
    "cli": {"common", "reasoners", "indexers", "engine", "training", "evaluation", "cli"},
}
MANIFEST_KEYS = {"format", "format_version", "scientia_version", "generation", "data_dir", "created", "documents",
                 "encoder", "build", "files", "last_change", *COMPONENTS}
# Where a component may be named: its own modules, its signals, the built-in modes, the format-1
# history of the manifest, and what is about one component by nature (training the encoder,
# benchmarks of one signal).
MAY_NAME_COMPONENTS = ("indexers/components/", "engine/signals/", "indexers/manifest.py", "training/", "evaluation/", "benchmarks/")


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
    first, last = COMPONENTS.names()[0], COMPONENTS.names()[-1]  # whichever components are registered
    assert _reads_raw_manifest_keys(ast.parse(f'factory = engine.manifest["{first}"]["factory"]'))
    assert _reads_raw_manifest_keys(ast.parse(f'section = manifest.get("{last}")'))
    assert not _reads_raw_manifest_keys(ast.parse(f'factory = engine.manifest.section("{first}").factory'))


def _component_names_in(tree: ast.AST) -> set[str]:
    """String constants of a module that are a registered component's name (docstrings aside)."""
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in COMPONENTS
            and id(node) not in docstrings}


def test_the_core_names_no_component():
    named = []
    for _, path, tree in _modules():
        where = path.relative_to(REPO).as_posix()
        if not where.startswith(MAY_NAME_COMPONENTS):
            named += [f"{where} names the {name} component" for name in sorted(_component_names_in(tree))]
    assert not named, "\n".join(named)


def test_the_component_check_catches_a_name():
    name = COMPONENTS.names()[0]
    assert _component_names_in(ast.parse(f'section = manifest.section("{name}")')) == {name}
    assert _component_names_in(ast.parse(f'"""{name}"""\nx = 1')) == set()


def test_the_cli_the_engine_and_the_fixtures_import_no_benchmark_script():
    """What they use to evaluate is the scientia.evaluation package; benchmarks/ holds scripts only."""
    fixtures = REPO / "tests" / "conftest.py"
    importers = [(path, tree) for folder, path, tree in _modules() if folder in ("cli", "engine")]
    importers.append((fixtures, ast.parse(fixtures.read_text(encoding="utf-8"))))
    wrong = [path.relative_to(REPO).as_posix() for path, tree in importers
             if any(isinstance(node, (ast.Import, ast.ImportFrom)) and "scientia.benchmarks" in ast.unparse(node)
                    for node in ast.walk(tree))]
    assert not wrong, wrong
