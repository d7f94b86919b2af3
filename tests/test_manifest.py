"""The typed manifest: the same JSON on disk, key for key, and indexes written in format 1 (kept
in tests/data) open, answer and update as before, and move to format 2 on their next write."""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

import pytest

from scientia.common.errors import IndexFormatError
from scientia.indexers.components import COMPONENTS
from scientia.indexers.manifest import Manifest

from helpers import SMALL_CORPUS, write_jsonl

LEGACY = Path(__file__).parent / "data" / "legacy-v1-indexes.tar.gz"
FAMILY = Path(__file__).parent / "data" / "family.ttl"
TYPES = {name: component.Section for name, component in COMPONENTS.items()}


@pytest.fixture(scope="module")
def legacy(tmp_path_factory) -> Path:
    """legacy-small (SMALL_CORPUS) and legacy-family (family.ttl alone, OWL 2 RL), written by
    scientia 0.1.0 before this module's classes existed."""
    folder = tmp_path_factory.mktemp("legacy")
    with tarfile.open(LEGACY) as archive:
        archive.extractall(folder, filter="data")
    return folder


def test_manifest_json_round_trips_key_for_key(legacy: Path, small_index: Path):
    for index in (legacy / "legacy-small", legacy / "legacy-family", small_index):
        data = json.loads((index / "manifest.json").read_text())
        manifest = Manifest.from_json(data, "manifest.json", TYPES)
        assert json.dumps(manifest.to_json()) == json.dumps(data)  # same keys, same order, same values


def test_a_missing_field_is_named(small_index: Path, legacy: Path):
    data = json.loads((small_index / "manifest.json").read_text())
    assert data["format_version"] == 2 and "encoder" not in data  # format 2: the dense section holds it
    del data["dense"]["encoder"]["checksum"]
    with pytest.raises(IndexFormatError, match="field 'dense': field 'encoder': field 'checksum' is missing"):
        Manifest.from_json(data, "manifest.json", TYPES)
    old = json.loads((legacy / "legacy-small" / "manifest.json").read_text())
    del old["encoder"]["checksum"]
    with pytest.raises(IndexFormatError, match="field 'encoder': field 'checksum' is missing"):
        Manifest.from_json(old, "manifest.json", TYPES)


def test_a_format_1_manifest_reads_as_format_2(legacy: Path):
    data = json.loads((legacy / "legacy-small" / "manifest.json").read_text())
    manifest = Manifest.from_json(data, "manifest.json", TYPES)
    assert manifest.format_version == 1 and manifest.section("dense").encoder.checksum == data["encoder"]["checksum"]
    migrated = manifest.migrated().to_json()
    assert migrated["format_version"] == 2 and "encoder" not in migrated
    assert migrated["dense"] == {**data["dense"], "encoder": data["encoder"]}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["legacy-small", "legacy-family"])
def test_format_1_indexes_answer_every_mode_identically_after_migration(legacy: Path, tmp_path: Path, name: str):
    from scientia.indexers.updater import compact

    index = Path(shutil.copytree(legacy / name, tmp_path / name))
    queries = ["a pet that purrs", "rocket thrust in space", "parent", "who is a person"]
    before = _answers(index, queries)
    assert json.loads((index / "manifest.json").read_text())["format_version"] == 1
    compact(index)  # a write: the next generation is committed in format 2
    on_disk = json.loads((index / "manifest.json").read_text())
    assert on_disk["format_version"] == 2 and "encoder" not in on_disk and on_disk["dense"]["encoder"]["checksum"]
    assert _answers(index, queries) == before


def _answers(index: Path, queries: list[str]) -> dict:
    from scientia.engine import Engine

    answers = {}
    with Engine.open(index) as engine:
        for mode in engine.modes:
            for query in queries:
                hits = engine.search(query, k=10, mode=mode)
                answers[mode, query] = [(hit.id, round(hit.score, 5), {n: e.rank for n, e in hit.signals.items()}) for hit in hits]
    return answers


@pytest.mark.slow
def test_legacy_indexes_answer_as_freshly_built_ones(legacy: Path, tmp_path: Path):
    from scientia.indexers import BuildOptions, build_index
    from scientia.indexers.knowledge_builder import KnowledgeOptions

    # the legacy indexes were encoded by torch, the default then
    small = build_index(write_jsonl(tmp_path / "c.jsonl", SMALL_CORPUS), tmp_path / "small", BuildOptions(backend="torch"))
    family = build_index(None, tmp_path / "family",
                         BuildOptions(backend="torch", knowledge=KnowledgeOptions([FAMILY], reasoner="rl")))
    assert small.documents.count == len(SMALL_CORPUS) and family.has("knowledge")
    small_queries = ["a pet that purrs", "rocket thrust in space", "yeast"]
    assert _answers(legacy / "legacy-small", small_queries) == _answers(tmp_path / "small", small_queries)
    family_queries = ["parent", "Bob and his parent Carol", "who is a person"]
    legacy_answers = _answers(legacy / "legacy-family", family_queries)
    assert legacy_answers == _answers(tmp_path / "family", family_queries)
    assert any(legacy_answers[mode, q] for mode, q in legacy_answers if mode == "knowledge")


@pytest.mark.slow
def test_legacy_index_takes_changes_and_verifies(legacy: Path, tmp_path: Path):
    from scientia.engine import Engine
    from scientia.indexers.layout import IndexLayout
    from scientia.indexers.updater import add_documents, delete_documents

    index = Path(shutil.copytree(legacy / "legacy-family", tmp_path / "family"))
    manifest = add_documents(index, write_jsonl(tmp_path / "more.jsonl", [{"id": "note", "text": "A note about a parent."}]))
    assert manifest.generation == 2 and manifest.documents.count == 8
    manifest = delete_documents(index, ["note"])
    assert manifest.generation == 3 and manifest.documents.count == 7
    assert IndexLayout(index).verify() == len(manifest.files)
    on_disk = json.loads((index / "manifest.json").read_text())
    assert on_disk["format_version"] == 2 and on_disk["knowledge"]["entities"] == manifest.section("knowledge").entities
    with Engine.open(index) as engine:
        assert engine.search("parent", k=3, mode="knowledge")


def test_verify_names_a_component_file_missing_from_the_manifest(tmp_path: Path, small_index: Path):
    from scientia.indexers.generation import Generation

    index = Path(shutil.copytree(small_index, tmp_path / "copy"))
    assert Generation.open(index).verify() == len(json.loads((index / "manifest.json").read_text())["files"])
    data = json.loads((index / "manifest.json").read_text())
    del data["files"]["vectors.faiss"]
    (index / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(IndexFormatError, match="vectors.faiss: the dense component owns it"):
        Generation.open(index).verify()
