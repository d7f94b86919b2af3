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


@pytest.mark.parametrize("method", ["lucene", "robertson", "atire", "bm25l", "bm25+"])
def test_the_score_matrix_is_built_bit_for_bit_as_bm25s_builds_it(sample_documents, method):
    """scientia builds the eager matrix without bm25s (no numba or scipy import on `index add`):
    every (term, document) score, and each absent term's floor, must equal bm25s's own."""
    import bm25s
    import numpy as np

    params = BM25Params(method=method, k1=1.2, b=0.75)
    texts = [d.searchable_text() for d in sample_documents] + ["", "pizza pizza pizza pizza"]  # an empty and a repetitive one
    ours = LexicalIndex.build(texts, params).matrix
    analyzer = Analyzer(params.stopwords, params.stemmer)
    theirs = bm25s.BM25(k1=params.k1, b=params.b, method=method)
    theirs.index([analyzer(text) for text in texts], show_progress=False)

    def by_pair(data, indices, indptr, vocabulary):
        return {(term, int(doc)): score for term, column in vocabulary.items() if column + 1 < len(indptr)
                for doc, score in zip(indices[indptr[column]:indptr[column + 1]], data[indptr[column]:indptr[column + 1]], strict=False)}

    expected = by_pair(theirs.scores["data"], theirs.scores["indices"], theirs.scores["indptr"], theirs.vocab_dict)
    found = by_pair(ours.data, ours.indices, ours.indptr, ours.vocabulary)
    assert len(found) > 1000 and found.keys() == expected.keys()
    assert all(np.float32(found[pair]) == np.float32(expected[pair]) for pair in expected)
    assert ours.data.dtype == theirs.scores["data"].dtype and ours.num_docs == theirs.scores["num_docs"]
    if method in ("bm25l", "bm25+"):
        floors = {term: theirs.nonoccurrence_array[column] for term, column in theirs.vocab_dict.items() if term}
        assert all(ours.nonoccurrence[ours.vocabulary[term]] == floor for term, floor in floors.items())


def test_building_and_saving_bm25_imports_neither_bm25s_nor_numba(tmp_path):
    """`index add` rebuilds BM25 beside a live server: importing bm25s (numba, scipy) cost a
    quarter of its CPU time."""
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from scientia.indexers.lexical import LexicalIndex; "
        f"LexicalIndex.build(['spicy pizza', 'rings of saturn']).save(Path({str(tmp_path / 'bm25')!r})); "
        "print([m for m in ('bm25s', 'numba', 'scipy') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
    assert (tmp_path / "bm25" / "params.index.json").is_file()
