"""BM25 through bm25s: analysis, ranking, persistence."""

from __future__ import annotations

import pytest

from scientia.indexers.lexical import Analyzer, BM25Params, LexicalIndex

TEXTS = [
    "Cats purr when they are content.",
    "A rocket engine produces thrust by expelling exhaust.",
    "Rockets and rocketry: the engines of spaceflight.",
    "Bread rises because yeast produces carbon dioxide.",
]


def test_analyzer_lowercases_drops_stopwords_and_stems():
    assert Analyzer()("The Engines are Running") == ["engin", "run"]
    assert Analyzer(stopwords="", stemmer=None)("The Engines") == ["the", "engines"]


def test_ranking_prefers_documents_with_more_query_terms():
    index = LexicalIndex.build(TEXTS)
    scores, positions = index.search(["rocket engine thrust"], 4)
    assert positions[0][0] == 1
    assert set(positions[0][:2]) == {1, 2}
    assert scores[0][0] > scores[0][1] > 0


def test_query_without_known_terms_returns_nothing():
    index = LexicalIndex.build(TEXTS)
    scores, positions = index.search(["zebra xylophone"], 3)
    assert (positions == -1).all()


def test_save_load_round_trip(tmp_path):
    params = BM25Params(k1=1.2, b=0.75)
    index = LexicalIndex.build(TEXTS, params)
    index.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25", params)
    for query in ["yeast bread", "purring cats", "rocketry"]:
        assert loaded.search([query], 4)[1].tolist() == index.search([query], 4)[1].tolist()
    from scientia.indexers.components import LexicalSection

    section = LexicalSection.of(loaded.params)  # what the manifest records
    assert section.k1 == 1.2 and section.backend == "bm25s" and section.params == params


def test_the_stopword_list_is_bm25s_own():
    import bm25s.stopwords

    from scientia.indexers.lexical import STOPWORDS_EN

    assert STOPWORDS_EN == tuple(bm25s.stopwords.STOPWORDS_EN)


@pytest.mark.parametrize("method", ["lucene", "bm25l"])
def test_queries_score_and_order_exactly_as_bm25s_does(tmp_path, sample_documents, method):
    """The query side reads bm25s's saved matrix with numpy alone: every score and every place,
    ties included, must be bm25s's own (which the committed benchmark figures were made with)."""
    import bm25s
    import numpy as np

    params = BM25Params(method=method)
    texts = [d.searchable_text() for d in sample_documents]
    LexicalIndex.build(texts, params).save(tmp_path / "bm25")
    ours = LexicalIndex.load(tmp_path / "bm25", params)
    theirs = bm25s.BM25.load(str(tmp_path / "bm25"))
    queries = ["spicy pizza", "pizza pizza pizza", "the history of rome", "zzzz qqqq", "of the", "glaciers and ice",
               "a very long query about " + " ".join(d.title for d in sample_documents[:30])]
    rng = np.random.default_rng(0)
    for mask in (None, (rng.random(len(texts)) > 0.3).astype(np.float32)):
        for k in (1, 10, len(texts)):
            scores, positions = ours.search(queries, k, mask)
            tokens = [ours.analyzer(q) for q in queries]
            expected_positions, expected_scores = theirs.retrieve(tokens, k=k, show_progress=False, n_threads=0, weight_mask=mask)
            np.testing.assert_array_equal(scores, expected_scores.astype(np.float32))
            np.testing.assert_array_equal(positions, np.where(expected_scores > 0, expected_positions, -1))
    assert (ours.search(["spicy pizza"], 5)[1] >= 0).all()  # the comparison is not between two empty results
