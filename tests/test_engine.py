"""Building an index and querying it through the engine: modes, fusion, evidence, manifest, errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scientia.common.models import default_model_path
from scientia.engine import Engine
from scientia.indexers import (
    BuildOptions,
    CorpusError,
    EncoderMismatchError,
    IndexFormatError,
    IndexNotFoundError,
    InvalidArgumentError,
    build_index,
)
from scientia.indexers.layout import FORMAT_VERSION

from helpers import SMALL_CORPUS, write_jsonl


def test_each_mode_finds_the_obvious_document(small_index: Path):
    with Engine.open(small_index) as engine:
        assert engine.search("kittens and house pets", k=1, mode="dense")[0].id == "cats"
        assert engine.search("sourdough starter yeast", k=1, mode="lexical")[0].id == "bread"
        top = engine.search("rocket propellant thrust", k=3, mode="hybrid")
        assert top[0].id == "rockets"


def test_hits_carry_per_signal_evidence(small_index: Path):
    with Engine.open(small_index) as engine:
        hits = engine.search("rocket propellant thrust", k=6, mode="hybrid", fusion="rrf")
        dense = {h.id: h for h in engine.search("rocket propellant thrust", k=6, mode="dense")}
        lexical = {h.id: h for h in engine.search("rocket propellant thrust", k=6, mode="lexical")}
    rocket = hits[0]
    assert set(rocket.signals) == {"dense", "lexical"}
    assert rocket.signals["dense"].rank == dense["rockets"].rank
    assert rocket.signals["lexical"].score == pytest.approx(lexical["rockets"].score)
    # fused score is RRF of the two ranks
    expected = 1 / (60 + rocket.signals["dense"].rank) + 1 / (60 + rocket.signals["lexical"].rank)
    assert rocket.score == pytest.approx(expected)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))
    # documents only the dense signal found carry only dense evidence
    assert any(set(h.signals) == {"dense"} for h in hits)


def test_default_fusion_is_adaptive_dense_min_max_and_bm25_over_its_floor(small_index: Path):
    query = "rocket propellant thrust zzyzxqua"  # the last word is in no document: coverage < 1
    with Engine.open(small_index) as engine:
        hits = engine.search(query, k=3)
        dense = engine.search(query, k=100, mode="dense")
        lexical = engine.search(query, k=100, mode="lexical")
        coverage = engine.signal("lexical").rank([query], 100)[0].coverage
    assert 0 < coverage < 1

    def score(run, doc, floor=None):
        scores = [h.score for h in run]
        low = min(scores) if floor is None else floor
        found = next((h.score for h in run if h.id == doc), None)
        return 0.0 if found is None else (found - low) / (max(scores) - low)

    for hit in hits:
        expected = (score(dense, hit.id) + coverage * score(lexical, hit.id, floor=0.0)) / (1 + coverage)
        assert hit.score == pytest.approx(expected, rel=1e-5)


def test_batch_search_agrees_with_single(small_index: Path):
    with Engine.open(small_index) as engine:
        queries = ["volcanic eruptions", "immune system training"]
        batch = engine.search_batch(queries, k=3, fusion="wsum")
        singles = [engine.search(q, k=3, fusion="wsum") for q in queries]
    assert [[h.id for h in r] for r in batch] == [[h.id for h in r] for r in singles]
    assert batch[0][0].id == "volcano" and batch[1][0].id == "vaccines"
    assert 0 < batch[0][0].score <= 1.0


def test_titles_text_and_metadata_come_from_the_store(tmp_path: Path):
    corpus = write_jsonl(tmp_path / "c.jsonl", [
        {"id": "x", "title": "Xylophones", "text": "A xylophone has wooden bars.", "metadata": {"year": 1900}},
        {"id": "y", "text": "Yaks live in the Himalayas."},
    ])
    build_index(corpus, tmp_path / "idx")
    with Engine.open(tmp_path / "idx") as engine:
        hit = engine.search("xylophone", k=1, mode="lexical")[0]
    assert (hit.id, hit.title, hit.text, hit.metadata) == ("x", "Xylophones", "A xylophone has wooden bars.", {"year": 1900})


def test_manifest_describes_the_index(small_index: Path):
    manifest = json.loads((small_index / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["documents"]["count"] == len(SMALL_CORPUS)
    assert manifest["dense"]["encoder"]["name"] == "all-MiniLM-L6-v2"
    assert manifest["dense"]["encoder"]["dimension"] == 384 and len(manifest["dense"]["encoder"]["checksum"]) == 64
    assert manifest["dense"]["factory"] == "Flat"
    assert manifest["lexical"]["backend"] == "bm25s" and manifest["lexical"]["k1"] == 0.9
    assert len(manifest["documents"]["corpus_checksum"]) == 64
    data = small_index / manifest["data_dir"]
    assert {"documents.sqlite", "vectors.faiss"} <= set(manifest["files"])
    for name, described in manifest["files"].items():
        assert (data / name).stat().st_size == described["bytes"]


def test_rebuild_makes_a_new_generation_and_removes_older_ones(tmp_path: Path, small_corpus: Path):
    target = tmp_path / "idx"
    first = build_index(small_corpus, target)
    build_index(small_corpus, target)
    third = build_index(small_corpus, target, BuildOptions(faiss_factory="HNSW32"))
    assert (first.generation, third.generation) == (1, 3)
    # the generation just replaced stays for readers that opened it; older ones go
    assert sorted(p.name for p in target.glob("gen-*")) == ["gen-000002", "gen-000003"]
    with Engine.open(target) as engine:
        assert engine.manifest.section("dense").factory == "HNSW32"
        assert engine.search("yeast", k=1)[0].id == "bread"


def test_failed_build_leaves_previous_index_untouched(tmp_path: Path, small_corpus: Path):
    target = tmp_path / "idx"
    build_index(small_corpus, target)
    before = (target / "manifest.json").read_bytes()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "text": "fine"}\nnot json\n')
    with pytest.raises(CorpusError, match="line 2"):
        build_index(bad, target)
    assert (target / "manifest.json").read_bytes() == before
    with Engine.open(target) as engine:
        assert len(engine.store) == len(SMALL_CORPUS)


def test_build_refuses_to_overwrite_a_foreign_folder(tmp_path: Path, small_corpus: Path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(IndexFormatError, match="is not a scientia index; refusing to overwrite"):
        build_index(small_corpus, folder)
    assert (folder / "holiday.jpg").exists()


def test_opening_with_another_encoder_is_an_error(tmp_path: Path, small_index: Path):
    other = tmp_path / "other-model"
    shutil.copytree(default_model_path(), other)
    config = other / "config_sentence_transformers.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "note": "a different model"}))
    with pytest.raises(EncoderMismatchError, match=r"built with encoder 'all-MiniLM-L6-v2' \(checksum .*\), but .*other-model has checksum"):
        Engine.open(small_index, model=other)


def test_newer_format_version_is_refused(tmp_path: Path, small_index: Path):
    copy = tmp_path / "copy"
    shutil.copytree(small_index, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["format_version"] = FORMAT_VERSION + 1
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexFormatError, match=rf"'format_version' is {FORMAT_VERSION + 1}; .* reads format {FORMAT_VERSION} and older: upgrade scientia"):
        Engine.open(copy)


def test_missing_index_and_bad_arguments(tmp_path: Path, small_index: Path):
    with pytest.raises(IndexNotFoundError, match="no such index folder"):
        Engine.open(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexNotFoundError, match="not a scientia index"):
        Engine.open(tmp_path / "empty")
    with Engine.open(small_index) as engine:
        with pytest.raises(InvalidArgumentError, match=r"unknown mode 'fuzzy' \(allowed: dense, lexical, hybrid, knowledge, hybrid\+knowledge\)"):
            engine.search("x", mode="fuzzy")  # type: ignore[arg-type]
        with pytest.raises(InvalidArgumentError, match="empty query"):
            engine.search("   ")
        with pytest.raises(InvalidArgumentError, match="exceeds the limit"):
            engine.search("word " * 30_000)
        with pytest.raises(InvalidArgumentError, match="k must be a positive integer"):
            engine.search("x", k=0)


def test_a_document_with_no_text_and_no_title_is_never_returned(tmp_path: Path):
    """Point 7: dense search ranked two empty documents first for a query nothing matches."""
    from scientia.engine import MODES
    from scientia.indexers.updater import add_documents

    records = [*SMALL_CORPUS, {"id": "empty", "title": "", "text": ""},
               {"id": "blank", "title": "  ", "text": "\n\t ", "metadata": {"kind": "blank"}}]
    index = tmp_path / "index"
    build_index(write_jsonl(tmp_path / "corpus.jsonl", records), index)
    add_documents(index, write_jsonl(tmp_path / "later.jsonl", [{"id": "later-empty", "title": "", "text": " "}]))
    unsearchable = {"empty", "blank", "later-empty"}
    with Engine.open(index) as engine:
        for mode in engine.modes:
            assert set(MODES[mode]) <= set(engine.available_signals)
            for query in ("qwertyuiop", "cats", "anything at all"):
                found = [hit.id for hit in engine.search(query, k=len(records) + 1, mode=mode)]
                assert not unsearchable & set(found), (mode, query, found)
        assert not unsearchable & {hit.id for hit in engine.search("qwertyuiop", k=20, mode="dense", filters=["kind=blank"])}
        assert engine.store.get("empty") is not None  # stored, as the build says; only never returned
