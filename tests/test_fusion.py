"""Fusion against values worked out by hand, and against ranx on the same runs."""

from __future__ import annotations

import math

import pytest

from scientia.engine.fusion import fuse, max_normalize, min_max_normalize, reciprocal_rank_fusion, weighted_sum
from scientia.indexers import InvalidArgumentError

RUNS = {
    "dense": [("a", 0.9), ("b", 0.7), ("c", 0.4)],
    "lexical": [("b", 12.0), ("d", 8.0), ("a", 2.0)],
}


def test_rrf_by_hand():
    fused = dict(reciprocal_rank_fusion(RUNS, k=60))
    # a: ranks 1 and 3; b: ranks 2 and 1; c: rank 3; d: rank 2
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 63)
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert fused["c"] == pytest.approx(1 / 63)
    assert fused["d"] == pytest.approx(1 / 62)
    assert [doc for doc, _ in reciprocal_rank_fusion(RUNS)] == ["b", "a", "d", "c"]


def test_rrf_weights_scale_each_run():
    fused = dict(reciprocal_rank_fusion(RUNS, k=60, weights={"dense": 2.0, "lexical": 0.5}))
    assert fused["a"] == pytest.approx(2 / 61 + 0.5 / 63)


def test_min_max_by_hand():
    assert min_max_normalize(RUNS["lexical"]) == {"b": 1.0, "d": 0.6, "a": 0.0}
    normalized = {name: min_max_normalize(run) for name, run in RUNS.items()}
    fused = dict(weighted_sum(normalized))
    # dense normalized: a 1, b 0.6, c 0 ; lexical: b 1, d 0.6, a 0 ; equal weights 0.5
    assert fused["a"] == pytest.approx(0.5)
    assert fused["b"] == pytest.approx(0.8)
    assert fused["c"] == pytest.approx(0.0)
    assert fused["d"] == pytest.approx(0.3)
    weighted = dict(weighted_sum(normalized, weights={"dense": 0.8, "lexical": 0.2}))
    assert weighted["b"] == pytest.approx(0.8 * 0.6 + 0.2 * 1.0)
    # weights are relative: 4 to 1 is 0.8 to 0.2
    assert dict(weighted_sum(normalized, weights={"dense": 4.0, "lexical": 1.0}))["b"] == pytest.approx(weighted["b"])


def test_absolute_runs_are_scaled_not_shifted():
    runs = {"dense": RUNS["dense"], "knowledge": [("x", 0.5), ("a", 0.25)]}
    normalized = {"dense": min_max_normalize(runs["dense"]), "knowledge": max_normalize(runs["knowledge"])}
    fused = dict(weighted_sum(normalized, weights={"dense": 0.5, "knowledge": 0.5}))
    # knowledge divided by its max (0.5): x 1, a 0.5 — a keeps half its credit instead of 0
    assert fused["x"] == pytest.approx(0.5)
    assert fused["a"] == pytest.approx(0.5 * 1.0 + 0.5 * 0.5)
    assert fused["b"] == pytest.approx(0.5 * 0.6)


def test_constant_run_normalizes_to_one():
    assert min_max_normalize([("x", 3.0), ("y", 3.0)]) == {"x": 1.0, "y": 1.0}
    assert min_max_normalize([]) == {}


def test_unknown_fusion_lists_allowed_values():
    with pytest.raises(InvalidArgumentError, match=r"allowed: rrf, wsum"):
        fuse("borda", RUNS)


def _ranx_fuse(method: str, runs: dict, **params):
    ranx = pytest.importorskip("ranx", reason="ranx is the test-time reference for fusion")
    ranx_runs = [ranx.Run({"q": dict(run)}, name=name) for name, run in runs.items()]
    fused = ranx.fuse(runs=ranx_runs, norm="min-max" if method == "wsum" else None, method=method, params=params)
    return fused.to_dict()["q"]


@pytest.mark.slow
def test_rrf_matches_ranx():
    runs = {
        "dense": [(f"d{i}", 1.0 - i / 50) for i in range(40)],
        "lexical": [(f"d{(i * 7) % 60}", 30.0 - i * 0.5) for i in range(45)],
    }
    ours = dict(reciprocal_rank_fusion(runs, k=60))
    theirs = _ranx_fuse("rrf", runs, k=60)
    assert set(ours) == set(theirs)
    for doc, score in ours.items():
        assert math.isclose(score, theirs[doc], rel_tol=1e-9)


@pytest.mark.slow
def test_weighted_sum_matches_ranx():
    runs = {
        "dense": [(f"d{i}", 0.95 - i / 37) for i in range(30)],
        "lexical": [(f"d{(i * 3) % 50}", 25.0 - i * 0.7) for i in range(35)],
    }
    ours = dict(weighted_sum({n: min_max_normalize(r) for n, r in runs.items()}, weights={"dense": 0.7, "lexical": 0.3}))
    theirs = _ranx_fuse("wsum", runs, weights=[0.7, 0.3])
    assert set(ours) == set(theirs)
    for doc, score in ours.items():
        assert math.isclose(score, theirs[doc], rel_tol=1e-6, abs_tol=1e-9)


def test_engine_normalizes_each_signal_its_own_way_and_weighs_them_relatively():
    from scientia.engine import Engine

    rankings = {
        "dense": [(1, 0.9), (2, 0.5), (3, 0.1)],
        "lexical": [(2, 6.0), (4, 2.0)],
        "knowledge": [(3, 0.5), (4, 0.25)],
    }
    fused = dict(Engine.fuse_rankings(rankings, "wsum"))
    # weights 1, 1, 4 → 1/6, 1/6, 4/6; dense and lexical min-max, knowledge divided by its max
    assert fused[1] == pytest.approx(1 / 6 * 1.0)
    assert fused[2] == pytest.approx(1 / 6 * 0.5 + 1 / 6 * 1.0)
    assert fused[3] == pytest.approx(1 / 6 * 0.0 + 4 / 6 * 1.0)
    assert fused[4] == pytest.approx(1 / 6 * 0.0 + 4 / 6 * 0.5)
    rrf = dict(Engine.fuse_rankings(rankings, "rrf"))
    assert rrf[3] == pytest.approx(1 / 63 + 4 / 61)  # ranks only; the knowledge run weighs 4
    assert Engine.fuse_rankings({"dense": rankings["dense"]}) == rankings["dense"]  # one signal stands as is
