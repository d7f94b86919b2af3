"""Fusion against values worked out by hand, and against ranx on the same runs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from scientia.engine.fusion import (
    fuse,
    max_normalize,
    min_max_normalize,
    reciprocal_rank_fusion,
    weighted_sum,
)
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
    with pytest.raises(InvalidArgumentError, match=r"allowed: adaptive, wsum, rrf"):
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


# -- adaptive fusion ---------------------------------------------------------------------------

def _runs(lexical_coverage: float) -> dict:
    from scientia.engine.fusion import SignalRun

    return {"dense": SignalRun(RUNS["dense"]),
            "lexical": SignalRun(RUNS["lexical"], coverage=lexical_coverage, score_floor=0.0)}


def test_adaptive_divides_bm25_by_its_max_and_weighs_it_by_its_coverage_by_hand():
    from dataclasses import replace

    from scientia.engine.fusion import adaptive_fusion

    fused = dict(adaptive_fusion(_runs(0.5)))
    # dense min-max: a 1, b 0.6, c 0; lexical over its floor 0: b 12/12, d 8/12, a 2/12
    # weights 1 and 1 x 0.5 -> 2/3 and 1/3; c, which BM25's list (cut at its depth) lacks,
    # counts with that list's last score, 2/12; d, absent from dense's list, with dense's last, 0
    assert fused["a"] == pytest.approx(2 / 3 * 1.0 + 1 / 3 * 2 / 12)
    assert fused["b"] == pytest.approx(2 / 3 * 0.6 + 1 / 3 * 1.0)
    assert fused["c"] == pytest.approx(1 / 3 * 2 / 12)
    assert fused["d"] == pytest.approx(1 / 3 * 8 / 12)
    assert [doc for doc, _ in adaptive_fusion(_runs(0.5))] == ["b", "a", "d", "c"]
    # a complete BM25 list (every document with a query term) gives a document it lacks its floor
    complete = {**_runs(0.5), "lexical": replace(_runs(0.5)["lexical"], cut=False)}
    assert dict(adaptive_fusion(complete))["c"] == pytest.approx(0.0)


def test_adaptive_leaves_a_query_the_collection_lacks_to_the_encoder():
    from scientia.engine.fusion import adaptive_fusion

    assert [doc for doc, _ in adaptive_fusion(_runs(0.0))][:3] == ["a", "b", "c"]  # dense's own order
    # with full coverage a lexical run of near-equal scores barely moves dense's order,
    # where min-max would stretch it over [0, 1] and let it decide
    from scientia.engine.fusion import SignalRun, fuse

    flat = {"dense": SignalRun([("a", 0.9), ("b", 0.7), ("c", 0.3)]),
            "lexical": SignalRun([("b", 4.4), ("a", 4.0), ("c", 3.9)], score_floor=0.0)}
    assert [doc for doc, _ in fuse("adaptive", flat)] == ["a", "b", "c"]
    assert [doc for doc, _ in fuse("wsum", flat)] == ["b", "a", "c"]


def test_adaptive_with_no_signal_covering_the_query_keeps_the_signals_own_weights():
    from scientia.engine.fusion import SignalRun, adaptive_fusion

    runs = {"dense": SignalRun(RUNS["dense"], coverage=0.0), "lexical": SignalRun(RUNS["lexical"], coverage=0.0, score_floor=0.0)}
    fused = dict(adaptive_fusion(runs))
    assert fused["b"] == pytest.approx(0.5 * 0.6 + 0.5 * 1.0)


def test_floor_normalization_by_hand():
    from scientia.engine.fusion import floor_normalize

    assert floor_normalize([("x", 4.0), ("y", 1.0)], 0.0) == {"x": 1.0, "y": 0.25}
    assert floor_normalize([("x", 4.0), ("y", 1.0)], None) == {"x": 1.0, "y": 0.0}  # no floor: min-max
    assert floor_normalize([("x", 0.0)], 0.0) == {"x": 1.0}
    assert floor_normalize([], 0.0) == {}


def test_query_coverage_by_hand():
    from scientia.engine.signals.lexical import query_coverage

    # 10 documents; one term in 2 of them, one in none: Lucene IDF ln(1 + 8.5/2.5) and ln(1 + 10.5/0.5)
    covered, absent = math.log(1 + 8.5 / 2.5), math.log(1 + 10.5 / 0.5)
    assert query_coverage([2, 0], 10) == pytest.approx(covered / (covered + absent))
    assert query_coverage([2, 7], 10) == 1.0
    assert query_coverage([0, 0], 10) == 0.0
    assert query_coverage([], 10) == 0.0  # nothing left after analysis


def test_the_lexical_signal_reports_how_much_of_the_query_the_collection_has(small_index):
    from scientia.engine import Engine

    with Engine.open(small_index) as engine:
        seen, partly, unseen = engine.signal("lexical").rank(
            ["rocket propellant", "rocket zzyzxqua", "zzyzxqua qwxyzzy"], 10)
    assert seen.coverage == 1.0
    assert 0.0 < partly.coverage < 0.5  # the absent word is the more specific one
    assert unseen.coverage == 0.0 and unseen.ranking == []


def test_engine_fuses_adaptively_by_default_with_each_signals_floor_and_coverage():
    from scientia.engine import Engine
    from scientia.engine.fusion import DEFAULT_FUSION

    assert DEFAULT_FUSION == "adaptive"
    rankings = {"dense": [(1, 0.9), (2, 0.5), (3, 0.1)], "lexical": [(2, 6.0), (4, 2.0)], "knowledge": [(3, 0.5), (4, 0.25)]}
    fused = dict(Engine.fuse_rankings(rankings, coverage={"lexical": 0.5}, depth=100))
    # weights 1, 1 x 0.5, 4 -> 2/11, 1/11, 8/11; dense min-max, lexical and knowledge over their
    # floor 0; every list is shorter than the depth, so a document one lacks scores 0 there
    assert fused[1] == pytest.approx(2 / 11 * 1.0)
    assert fused[2] == pytest.approx(2 / 11 * 0.5 + 1 / 11 * 1.0)
    assert fused[3] == pytest.approx(8 / 11 * 1.0)
    assert fused[4] == pytest.approx(1 / 11 * 2 / 6 + 8 / 11 * 0.5)
    # asked for 2 each, the lexical and knowledge lists were cut: what they lack gets their last score
    cut = dict(Engine.fuse_rankings(rankings, coverage={"lexical": 0.5}, depth=2))
    assert cut[1] == pytest.approx(2 / 11 * 1.0 + 1 / 11 * 2 / 6 + 8 / 11 * 0.5)
    assert cut[3] == pytest.approx(2 / 11 * 0.0 + 1 / 11 * 2 / 6 + 8 / 11 * 1.0)



def test_a_signal_weighing_nothing_is_left_out_of_the_fusion():
    from scientia.engine import Engine

    rankings = {"dense": [(1, 0.9), (2, 0.5), (3, 0.1)], "lexical": [(2, 6.0), (4, 2.0)], "knowledge": [(5, 0.5)]}
    without = {name: ranking for name, ranking in rankings.items() if name != "knowledge"}
    for fusion in ("adaptive", "wsum", "rrf"):
        fused = Engine.fuse_rankings(rankings, fusion, depth=100, weights={"knowledge": 0.0})
        assert fused == Engine.fuse_rankings(without, fusion, depth=100)  # document 5 is not brought in
    assert Engine.fuse_rankings({"dense": rankings["dense"]}, weights={"dense": 0.0}) == rankings["dense"]


def test_a_refining_signals_ranking_leads_and_the_fused_documents_it_left_out_follow():
    from scientia.engine.engine import _led_by

    fused = [(1, 0.9), (2, 0.8), (3, 0.7), (4, 0.6)]
    assert _led_by([(3, 0.5), (7, 0.2), (1, 0.1)], fused) == [(3, 0.5), (7, 0.2), (1, 0.1), (2, 0.0), (4, 0.0)]
    assert _led_by([], fused) == fused  # it ranked nothing: the fused ranking stands


# -- learned fusion ----------------------------------------------------------------------------

def _example(relevant: str, lexical_first: str, dense_first: str):
    """A query where BM25 ranks ``lexical_first`` first and dense ranks ``dense_first`` first."""
    from scientia.engine.fusion import SignalRun

    others = [d for d in "abcdef" if d not in (lexical_first, dense_first)]
    dense = [(dense_first, 0.9)] + [(d, 0.8 - 0.1 * i) for i, d in enumerate([lexical_first] + others)]
    lexical = [(lexical_first, 12.0)] + [(d, 9.0 - i) for i, d in enumerate([dense_first] + others)]
    runs = {"dense": SignalRun(dense), "lexical": SignalRun(lexical, score_floor=0.0)}
    return runs, {relevant: 1}


def test_learned_fusion_features_by_hand():
    from scientia.engine.fusion.learned import candidate_features

    runs, _ = _example("a", lexical_first="a", dense_first="b")
    documents, rows = candidate_features({"dense": runs["dense"]}, ["dense", "lexical"])
    assert documents[:2] == ["b", "a"]
    # dense min-max over 0.9..0.4: b 1, a (0.8 - 0.4) / 0.5; rank terms 1/61, 1/62; lexical absent: zeros
    assert rows[0] == pytest.approx([1.0, 1.0, 1 / 61, 0.0, 0.0, 0.0])
    assert rows[1] == pytest.approx([0.4 / 0.5, 0.4 / 0.5, 1 / 62, 0.0, 0.0, 0.0])


def test_learned_fusion_learns_which_signal_to_trust_and_round_trips(tmp_path: Path):
    from scientia.engine.fusion import LearnedFusion, fit_learned_fusion
    from scientia.indexers import IndexFormatError

    # in training, BM25's first document is always the relevant one and dense's never is
    examples = [_example(x, lexical_first=x, dense_first=y) for x, y in ("ab", "cd", "ef", "ba", "dc", "fe")]
    learned = fit_learned_fusion(examples, ["dense", "lexical"], {"split": "train"})
    assert learned.coefficients["lexical"][0] > learned.coefficients["dense"][0]
    runs, _ = _example("d", lexical_first="d", dense_first="a")
    assert learned(runs)[0][0] == "d"
    assert learned.fitted_on == {"split": "train", "queries": 6, "candidates": 36}

    learned.save(tmp_path)
    again = LearnedFusion.load(tmp_path)
    assert again.coefficients == learned.coefficients and again(runs) == learned(runs)
    assert LearnedFusion.load(tmp_path / "nowhere") is None
    (tmp_path / "learned-fusion.json").write_text('{"version": 99}')
    with pytest.raises(IndexFormatError, match="learned-fusion.json"):
        LearnedFusion.load(tmp_path)


def test_learned_fusion_refuses_what_it_cannot_fit_or_score():
    from scientia.engine.fusion import SignalRun, fit_learned_fusion

    with pytest.raises(InvalidArgumentError, match="both relevant and other"):
        fit_learned_fusion([_example("z", "a", "b")], ["dense", "lexical"])  # nothing relevant retrieved
    learned = fit_learned_fusion([_example("a", "a", "b"), _example("b", "b", "a")], ["dense", "lexical"])
    with pytest.raises(InvalidArgumentError, match="fitted for dense, lexical, not knowledge"):
        learned({"dense": SignalRun([("a", 1.0)]), "knowledge": SignalRun([("a", 0.5)])})


def test_learned_fusion_without_a_fitted_one_says_how_to_fit_it(small_index):
    from scientia.engine import Engine

    with Engine.open(small_index) as engine:
        assert engine.learned_fusion is None
        with pytest.raises(InvalidArgumentError, match="--fusion learned --train-split train"):
            engine.search("rocket thrust", fusion="learned")
        assert engine.search("rocket thrust", fusion="learned", mode="dense")  # one signal: nothing to fuse
