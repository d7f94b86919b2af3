"""FAISS against brute-force numpy search, on real embeddings of the sample corpus."""

from __future__ import annotations

import numpy as np
import pytest

from scientia.indexers import InvalidArgumentError
from scientia.indexers.dense import DenseIndex, default_factory, gpu_count


@pytest.fixture(scope="module")
def vectors(encoder, sample_documents) -> np.ndarray:
    return encoder.encode([d.searchable_text() for d in sample_documents])


@pytest.fixture(scope="module")
def query_vectors(encoder) -> np.ndarray:
    queries = ["planets with rings", "how do vaccines work", "spicy pizza toppings", "ancient trade routes",
               "renewable electricity", "string instruments", "programming languages", "glaciers and ice"]
    return encoder.encode(queries)


def brute_force(vectors: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    scores = queries @ vectors.T
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, order, axis=1), order


def test_embeddings_are_unit_length(vectors):
    assert vectors.dtype == np.float32 and vectors.shape[1] == 384
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_flat_index_equals_brute_force(vectors, query_vectors):
    index = DenseIndex.build(vectors, "Flat", use_gpu=False)
    scores, positions = index.search(query_vectors, 10)
    expected_scores, expected_positions = brute_force(vectors, query_vectors, 10)
    np.testing.assert_array_equal(positions, expected_positions)
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-5, atol=1e-5)


def test_hnsw_recall_against_brute_force(vectors, query_vectors):
    index = DenseIndex.build(vectors, "HNSW32", use_gpu=False)
    _, positions = index.search(query_vectors, 10)
    _, expected = brute_force(vectors, query_vectors, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(positions, expected, strict=False)])
    assert recall >= 0.95


def test_save_and_load_round_trip(tmp_path, vectors, query_vectors):
    index = DenseIndex.build(vectors, "Flat", use_gpu=False)
    index.save(tmp_path / "v.faiss")
    loaded = DenseIndex.load(tmp_path / "v.faiss", "Flat", use_gpu=False)
    assert len(loaded) == len(vectors)
    np.testing.assert_array_equal(loaded.search(query_vectors, 5)[1], index.search(query_vectors, 5)[1])


@pytest.mark.parametrize("factory", ["Flat", "HNSW32", "IVF4,Flat"])
def test_memory_mapped_load_answers_like_a_read_one(tmp_path, vectors, query_vectors, factory):
    index = DenseIndex.build(vectors, factory, use_gpu=False)
    index.save(tmp_path / "v.faiss")
    read = DenseIndex.load(tmp_path / "v.faiss", factory, use_gpu=False, mmap=False)
    mapped = DenseIndex.load(tmp_path / "v.faiss", factory, use_gpu=False, mmap=True)
    for got, expected in zip(mapped.search(query_vectors, 10), read.search(query_vectors, 10), strict=False):
        np.testing.assert_array_equal(got, expected)
    # filtered search (tombstones, metadata filters) works on the mapped index too
    allowed = set(range(0, len(vectors), 2))
    _, positions = mapped.search(query_vectors, 5, allowed=allowed)
    assert (positions >= 0).all() and set(positions.ravel()) <= allowed  # 5 found per query, each allowed


def test_k_larger_than_index_is_clamped(vectors):
    index = DenseIndex.build(vectors[:3], "Flat", use_gpu=False)
    _, positions = index.search(vectors[:1], 10)
    assert positions.shape == (1, 3)


def test_bad_factory_string_is_a_clear_error(vectors):
    with pytest.raises(InvalidArgumentError, match=r"invalid FAISS factory string 'NoSuchIndex'.*examples: Flat, HNSW32"):
        DenseIndex.build(vectors, "NoSuchIndex")


def test_default_factory_by_size():
    assert default_factory(5_000) == "Flat"
    assert default_factory(1_000_000) == "HNSW32"


@pytest.mark.skipif(gpu_count() == 0, reason="no GPU visible to faiss; the CPU twin above is the tested path")
def test_gpu_flat_equals_cpu(vectors, query_vectors):
    cpu = DenseIndex.build(vectors, "Flat", use_gpu=False)
    gpu = DenseIndex.build(vectors, "Flat", use_gpu=True)
    np.testing.assert_array_equal(gpu.search(query_vectors, 10)[1], cpu.search(query_vectors, 10)[1])
