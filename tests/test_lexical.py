"""BM25 through bm25s: analysis, ranking, persistence."""

from __future__ import annotations

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
