"""Fine-tuning on the real MiniLM with sentence-transformers' trainer: a tiny run must change the
weights and make the trained pairs easier to retrieve; pairs come out of files, BEIR splits and
ontologies as specified; bad input fails with one clear line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from helpers import write_jsonl

runner = CliRunner()

# Made-up words the packaged model can't know: before training, each anchor is about as close
# to every positive; after, it should find its own.
INVENTED = [
    ("zorblax", "Volcanoes erupt when magma rises through the crust as lava and ash."),
    ("quiffle", "Sourdough bread rises thanks to wild yeast in the starter."),
    ("mendrake", "Rocket engines expel exhaust to produce thrust in space."),
    ("plovish", "The Sicilian Defence answers 1.e4 with c5 in chess."),
    ("trandle", "Vaccines train the immune system to recognise a pathogen."),
    ("gossamite", "Cats are small carnivorous mammals that purr and hunt mice."),
    ("brindlewick", "Glaciers carve valleys as compacted snow slowly flows downhill."),
    ("scrumtious", "Photosynthesis turns sunlight, water and carbon dioxide into sugar."),
]

# Questions a reader would ask of the same passages: a re-ranker learns relevance on top of what
# MiniLM already knows, so these are learnable in a few dozen steps (invented words are not).
QUESTIONS = [
    ("what comes out of an erupting volcano", INVENTED[0][1]),
    ("why does sourdough bread rise", INVENTED[1][1]),
    ("how do rockets move in space", INVENTED[2][1]),
    ("a sharp reply to 1.e4 in chess", INVENTED[3][1]),
    ("how does immunisation work", INVENTED[4][1]),
    ("which pets purr and catch mice", INVENTED[5][1]),
    ("how are valleys carved by ice", INVENTED[6][1]),
    ("how do plants make sugar from light", INVENTED[7][1]),
]


def _cli(*args):
    from scientia.cli.app import app

    return runner.invoke(app, [str(a) for a in args])


def _mrr(model_path, pairs) -> float:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
    anchors = model.encode([a for a, _ in pairs], normalize_embeddings=True)
    positives = model.encode([p for _, p in pairs], normalize_embeddings=True)
    ranks = (-(anchors @ positives.T)).argsort(axis=1)
    return float(np.mean([1.0 / (list(row).index(i) + 1) for i, row in enumerate(ranks)]))


@pytest.mark.slow
def test_tiny_training_run_changes_weights_improves_retrieval_and_indexes(tmp_path: Path, monkeypatch) -> None:
    from safetensors.numpy import load_file

    # the tuned model is new each run: its ONNX export goes to this test's folder, not the user cache
    monkeypatch.setenv("SCIENTIA_CACHE", str(tmp_path / "cache"))

    from scientia.common.models import default_model_path, model_checksum

    pairs = write_jsonl(tmp_path / "pairs.jsonl", [{"anchor": a, "positive": p} for a, p in INVENTED])
    model_dir = tmp_path / "tuned"
    result = _cli("train", "--pairs", pairs, "-o", model_dir, "--epochs", "8", "--batch-size", "4",
                  "--learning-rate", "1e-4", "--eval-fraction", "0", "--no-hard-negatives", "-q")
    assert result.exit_code == 0, result.output
    assert "bi-encoder written to" in result.output
    assert (model_dir / "config.json").is_file() and (model_dir / "training.json").is_file()
    assert not list(tmp_path.glob(".tuned.partial-*")), "staging folder left behind"
    assert list((model_dir / "runs").glob("events.out.tfevents.*")), "no TensorBoard log"

    before = load_file(str(default_model_path() / "model.safetensors"))
    after = load_file(str(next(model_dir.glob("**/model.safetensors"))))
    key = next(k for k in after if k.endswith("encoder.layer.5.output.dense.weight"))
    base_key = next(k for k in before if k.endswith("encoder.layer.5.output.dense.weight"))
    assert not np.allclose(before[base_key], after[key]), "weights did not change"
    assert _mrr(model_dir, INVENTED) > _mrr(default_model_path(), INVENTED) + 0.1

    corpus = write_jsonl(tmp_path / "corpus.jsonl", [{"id": f"d{i}", "text": p} for i, (_, p) in enumerate(INVENTED)])
    index = tmp_path / "index"
    result = _cli("index", "build", corpus, "-o", index, "--model", model_dir, "-q")
    assert result.exit_code == 0, result.output
    manifest = json.loads((index / "manifest.json").read_text())
    assert manifest["dense"]["encoder"]["checksum"] == model_checksum(model_dir) != model_checksum(default_model_path())
    result = _cli("query", index, "zorblax", "--mode", "dense", "--json", "-k", "1")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.splitlines()[0])["id"] == "d0"


def test_pairs_file_errors_name_file_and_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    result = _cli("train", "--pairs", empty, "-o", tmp_path / "m")
    assert result.exit_code == 2 and "empty.jsonl: no pairs" in result.output

    missing = write_jsonl(tmp_path / "missing.jsonl", [{"anchor": "a", "positive": "b"}, {"anchor": "c"}])
    result = _cli("train", "--pairs", missing, "-o", tmp_path / "m")
    assert result.exit_code == 2 and "missing.jsonl: line 2: missing column 'positive'" in result.output

    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("query\tpositive\nx\ty\n", encoding="utf-8")
    result = _cli("train", "--pairs", tsv, "-o", tmp_path / "m")
    assert result.exit_code == 2 and "pairs.tsv: line 1: header lacks column 'anchor'" in result.output

    good = write_jsonl(tmp_path / "good.jsonl", [{"anchor": "a", "positive": "b"}])
    result = _cli("train", "--pairs", good, "--base", tmp_path / "no-such-model", "-o", tmp_path / "m")
    assert result.exit_code == 2 and "no-such-model: no such model folder" in result.output

    result = _cli("train", "-o", tmp_path / "m")
    assert result.exit_code == 2 and "exactly one of --pairs, --beir, --ontology" in result.output
    assert not (tmp_path / "m").exists()


def test_existing_output_folder_is_never_overwritten(tmp_path: Path) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", [{"anchor": "a", "positive": "b"}])
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "keep.txt").write_text("mine")
    result = _cli("train", "--pairs", good, "-o", taken)
    assert result.exit_code == 2 and "already exists and is not empty" in result.output
    assert (taken / "keep.txt").read_text() == "mine"


def test_beir_pairs_never_include_test_queries(tmp_path: Path) -> None:
    from scientia.training import pairs_from_beir

    write_jsonl(tmp_path / "corpus.jsonl", [{"_id": f"d{i}", "title": "", "text": f"document {i}"} for i in range(4)])
    write_jsonl(tmp_path / "queries.jsonl", [
        {"_id": "q1", "text": "first question"}, {"_id": "q2", "text": "second question"},
        {"_id": "q3", "text": "Second question"},  # same text as a test query, other id
    ])
    (tmp_path / "qrels").mkdir()
    (tmp_path / "qrels" / "train.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td0\t1\nq2\td1\t1\nq3\td2\t1\nq1\td3\t0\n")
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq2\td1\t1\n")
    data = pairs_from_beir(tmp_path, "train")
    assert [(p.query_id, p.positive_id) for p in data.pairs] == [("q1", "d0")]
    result = _cli("train", "--beir", tmp_path, "--split", "test", "-o", tmp_path / "m")
    assert result.exit_code == 2 and "never trained on" in result.output


ONTOLOGY = """@prefix : <http://example.org/zoo#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<http://example.org/zoo> a owl:Ontology .
:hasPart a owl:ObjectProperty .
:Animal a owl:Class ; rdfs:label "animal" .
:Mammal a owl:Class ; rdfs:subClassOf :Animal ; rdfs:label "mammal" ;
    rdfs:comment "A warm-blooded vertebrate that feeds its young with milk." .
:Whisker a owl:Class ; rdfs:label "whisker" .
:Feline a owl:Class ; rdfs:label "feline" ; skos:altLabel "cat" ;
    owl:equivalentClass [ a owl:Class ; owl:intersectionOf ( :Mammal [ a owl:Restriction ; owl:onProperty :hasPart ; owl:someValuesFrom :Whisker ] ) ] .
:Tiger a owl:Class ; rdfs:subClassOf :Mammal , [ a owl:Restriction ; owl:onProperty :hasPart ; owl:someValuesFrom :Whisker ] ;
    rdfs:label "tiger" .
"""


@pytest.mark.slow
def test_ontology_pairs_cover_each_kind_including_inferred_parents(tmp_path: Path) -> None:
    from scientia.indexers.documents import Document
    from scientia.training.ontology_pairs import pairs_from_ontology

    path = tmp_path / "zoo.ttl"
    path.write_text(ONTOLOGY, encoding="utf-8")
    documents = [Document("doc-tiger", "A tiger stalks its prey at dusk."), Document("doc-none", "Nothing here.")]
    data = pairs_from_ontology([path], reasoner="hermit", documents=documents)
    found = {(p.kind, p.anchor, p.positive) for p in data.pairs}
    assert ("synonym", "feline", "cat") in found
    assert ("definition", "mammal", "A warm-blooded vertebrate that feeds its young with milk.") in found
    assert ("parent", "mammal", "animal") in found
    assert ("parent", "tiger", "feline") in found  # inferred: a mammal with whiskers is a feline
    assert ("mention", "tiger", "A tiger stalks its prey at dusk.") in found
    assert not any(p.positive == "Nothing here." for p in data.pairs)
    assert {p.positive_id for p in data.pairs if p.kind == "mention"} == {"doc-tiger"}

    only_parents = pairs_from_ontology([path], reasoner="rl", documents=documents, kinds=["parent"])
    assert {p.kind for p in only_parents.pairs} == {"parent"}
    assert ("mammal", "animal") in {(p.anchor, p.positive) for p in only_parents.pairs}


def test_unknown_pair_kind_lists_the_allowed_ones(tmp_path: Path) -> None:
    path = tmp_path / "zoo.ttl"
    path.write_text(ONTOLOGY, encoding="utf-8")
    result = _cli("train", "--ontology", path, "--pair-kinds", "parent,cousin", "-o", tmp_path / "m")
    assert result.exit_code == 2
    assert "unknown kind(s) cousin (allowed: synonym, definition, parent, mention)" in result.output


@pytest.mark.slow
def test_cross_encoder_trains_and_reranks_the_fused_head(tmp_path: Path, small_index: Path) -> None:
    from sentence_transformers import CrossEncoder

    from scientia.common.models import default_model_path
    from scientia.engine import CrossEncoderReranker, Engine

    pairs = write_jsonl(tmp_path / "pairs.jsonl", [{"anchor": a, "positive": p} for a, p in QUESTIONS])
    model_dir = tmp_path / "reranker"
    result = _cli("train", "--cross-encoder", "--pairs", pairs, "-o", model_dir, "--epochs", "6", "--batch-size", "8",
                  "--learning-rate", "1e-4", "--eval-fraction", "0", "-q")
    assert result.exit_code == 0, result.output
    assert "cross-encoder written to" in result.output
    assert not (model_dir / "mining-cache").exists(), "mining scratch files left in the model folder"
    def accuracy(model) -> float:
        scores = np.array([[model.predict([(a, p)])[0] for _, p in QUESTIONS] for a, _ in QUESTIONS])
        return float((scores.argmax(axis=1) == np.arange(len(QUESTIONS))).mean())

    from transformers import set_seed

    set_seed(0)  # the untrained head is drawn at random: seeded, its accuracy is one fixed figure
    untrained = CrossEncoder(str(default_model_path()), num_labels=1, device="cpu", local_files_only=True)
    model = CrossEncoder(str(model_dir), device="cpu", local_files_only=True)
    assert accuracy(untrained) < 0.5 <= 0.75 <= accuracy(model), "re-ranker did not learn its pairs"

    reranker = CrossEncoderReranker(model_dir, depth=4)
    with Engine.open(small_index) as engine:
        fused = engine.search("a mammal that purrs", k=6, mode="hybrid")
        reranked = engine.search("a mammal that purrs", k=6, mode="hybrid", reranker=reranker)
    head = {hit.id for hit in fused[:4]}
    assert {hit.id for hit in reranked[:4]} == head
    expected = sorted(fused[:4], key=lambda hit: -float(model.predict([("a mammal that purrs", f"{hit.title}\n{hit.text}")])[0]))
    assert [hit.id for hit in reranked[:4]] == [hit.id for hit in expected]
    assert [hit.id for hit in reranked[4:]] == [hit.id for hit in fused[4:]]
    assert [hit.rank for hit in reranked] == list(range(1, 7))
    assert all(a.score > b.score for a, b in zip(reranked, reranked[1:], strict=False))
    assert [hit.signals["rerank"].rank for hit in reranked[:4]] == [1, 2, 3, 4]
    assert "rerank" not in reranked[4].signals and "dense" in reranked[0].signals

    result = _cli("query", small_index, "a mammal that purrs", "--rerank", model_dir, "--rerank-depth", "3", "--json")
    assert result.exit_code == 0, result.output
    assert "rerank" in json.loads(result.output.splitlines()[0])["signals"]
    result = _cli("query", small_index, "x", "--rerank", tmp_path / "nothing")
    assert result.exit_code == 2 and "not a local cross-encoder folder" in result.output


@pytest.mark.slow
def test_training_with_held_out_scoring_and_mined_hard_negatives(tmp_path: Path) -> None:
    """The defaults a user gets: 10%+ of the queries held out and scored before and after every
    epoch, and a hard negative mined for each training pair (the other tests turn both off)."""
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [{"anchor": a, "positive": p} for a, p in INVENTED + QUESTIONS])
    model_dir = tmp_path / "tuned"
    result = _cli("train", "--pairs", pairs, "-o", model_dir, "--epochs", "2", "--batch-size", "4",
                  "--eval-fraction", "0.25", "-q")
    assert result.exit_code == 0, result.output
    assert re.search(r"held-out \S*ndcg@10: before \d\.\d{4}, after \d\.\d{4} \(best of 2 epoch\(s\)\)", result.stdout)
    assert "Loading weights" not in result.output  # -q: no progress bars
    # not even mine_hard_negatives' own "Batches" bars, which it asks for whatever it is told
    assert "Batches" not in result.output and "\r" not in result.output
    record = json.loads((model_dir / "training.json").read_text())
    assert record["pairs"]["held_out"] == 4 and record["pairs"]["train"] >= 12  # a mined negative may add rows
    held_out = set(record["held_out_queries"])
    assert len(held_out) == 4
    scores = record["held_out_scores"]
    assert 0.0 <= scores["before"] <= 1.0 and len(scores["per_epoch"]) == 2
    assert scores["after"] == max(epoch[scores["metric"]] for epoch in scores["per_epoch"])
    assert record["config"]["mining"] is not None and record["config"]["mining"]["num_negatives"] == 1
    assert not list(tmp_path.glob(".tuned.partial-*"))


@pytest.mark.slow
def test_a_cross_encoder_that_does_not_beat_the_list_it_reranks_is_refused(tmp_path: Path) -> None:
    """Issue 15: `--rerank` with the cross-encoder `train --cross-encoder` made had cost SciFact
    0.38 nDCG@10. Barely trained (one epoch at a learning rate of 1e-9, its head still random),
    it cannot beat the base model's order on the held-out queries: refused, both figures said,
    nothing written."""
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [{"anchor": a, "positive": p} for a, p in QUESTIONS])
    model_dir = tmp_path / "reranker"
    result = _cli("train", "--cross-encoder", "--pairs", pairs, "-o", model_dir, "--epochs", "1", "--batch-size", "8",
                  "--learning-rate", "1e-9", "--eval-fraction", "0.5", "-q")
    assert result.exit_code == 2, result.output
    message = re.search(r"nDCG@10 (\d\.\d{4}) re-ranked against (\d\.\d{4}) in first-stage order", result.output)
    assert message and float(message.group(1)) <= float(message.group(2)), result.output
    assert not model_dir.exists() or not any(model_dir.iterdir())


@pytest.mark.slow
def test_training_progress_is_plain_lines_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    """Without -q and without a terminal: the trainer's logs as sentences on stderr, no bar's
    carriage returns, no Python dicts on stdout."""
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [{"anchor": a, "positive": p} for a, p in INVENTED])
    result = subprocess.run(
        [sys.executable, "-m", "scientia.cli", "train", "--pairs", str(pairs), "-o", str(tmp_path / "tuned"),
         "--epochs", "1", "--batch-size", "4", "--eval-fraction", "0", "--no-hard-negatives"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"^step \d+ of \d+ \(epoch \d\.\d\d\): .*loss \d", result.stderr, re.MULTILINE), result.stderr
    assert "\r" not in result.stderr and "{'" not in result.stdout + result.stderr


def test_self_supervised_pairs_come_from_the_documents_alone():
    from scientia.indexers.documents import Document
    from scientia.training.self_supervised import pairs_from_documents

    documents = [
        Document(id="a", title="Glaciers", text="Glaciers carve deep valleys over time. Ice flows slowly downhill under "
                 "its own weight. Meltwater feeds rivers in the summer months."),
        Document(id="b", title="", text="Short text without a title."),
        Document(id="c", title="Same", text="Same"),  # a title that is the text says nothing
    ]
    data = pairs_from_documents(documents, seed=1)
    kinds = {(p.kind, p.query_id) for p in data.pairs}
    assert kinds == {("title", "a#title"), ("sentence", "a#sentence")}
    title = next(p for p in data.pairs if p.kind == "title")
    assert (title.anchor, title.positive_id) == ("Glaciers", "a") and title.positive.startswith("Glaciers carve")
    sentence = next(p for p in data.pairs if p.kind == "sentence")
    assert sentence.anchor in documents[0].text and sentence.anchor not in sentence.positive  # the rest, without it
    assert len(sentence.positive.split()) + len(sentence.anchor.split()) == len(documents[0].text.split())
    assert data.corpus[sentence.positive_id] == sentence.positive
    only_titles = pairs_from_documents(documents, kinds=["title"])
    assert [p.kind for p in only_titles.pairs] == ["title"]
    with pytest.raises(Exception, match="allowed: title, sentence"):
        pairs_from_documents(documents, kinds=["query"])


@pytest.mark.slow
def test_self_supervised_training_reads_no_query_and_no_judgement(tmp_path: Path) -> None:
    """A BEIR folder whose queries and qrels are unreadable: the documents are all it needs."""
    folder = tmp_path / "collection"
    folder.mkdir()
    records = [{"_id": f"d{i}", "title": title, "text": text} for i, (title, text) in enumerate(
        [("Volcanoes", INVENTED[0][1] + " Lava cools into rock. Ash clouds travel far."),
         ("Sourdough", INVENTED[1][1] + " The starter is fed with flour. Bakers keep it for years."),
         ("Rockets", INVENTED[2][1] + " Fuel burns in the chamber. Nozzles shape the exhaust."),
         ("Chess", INVENTED[3][1] + " Players prepare openings at home. Endgames decide many games."),
         ("Vaccines", INVENTED[4][1] + " Boosters renew the response. Side effects are usually mild."),
         ("Cats", INVENTED[5][1] + " Kittens sleep most of the day. Whiskers sense the air.")])]
    write_jsonl(folder / "corpus.jsonl", records)
    (folder / "queries.jsonl").write_text("this is not JSON\n")
    (folder / "qrels").mkdir()
    (folder / "qrels" / "test.tsv").write_text("broken")
    model_dir = tmp_path / "tuned"
    result = _cli("train", "--self-supervised", "--corpus", folder, "-o", model_dir, "--epochs", "1", "--batch-size", "4",
                  "--eval-fraction", "0", "--no-hard-negatives", "-q")
    assert result.exit_code == 0, result.output
    record = json.loads((model_dir / "training.json").read_text())
    assert record["pairs"]["train"] == 12  # a title pair and a sentence pair from each document
    assert _cli("train", "--self-supervised", "-o", tmp_path / "x").exit_code == 2  # no --corpus: refused


@pytest.mark.slow
@pytest.mark.parametrize("loss", ["gist", "cached-mnrl"])
def test_each_loss_learns_the_invented_words(tmp_path: Path, loss: str) -> None:
    from scientia.common.models import default_model_path

    pairs = write_jsonl(tmp_path / "pairs.jsonl", [{"anchor": a, "positive": p} for a, p in INVENTED])
    model_dir = tmp_path / "tuned"
    result = _cli("train", "--pairs", pairs, "-o", model_dir, "--loss", loss, "--epochs", "8", "--batch-size", "8",
                  "--learning-rate", "1e-4", "--eval-fraction", "0", "--no-hard-negatives", "-q")
    assert result.exit_code == 0, result.output
    assert json.loads((model_dir / "training.json").read_text())["config"]["loss"] == loss
    assert _mrr(model_dir, INVENTED) > _mrr(default_model_path(), INVENTED) + 0.1


def test_an_unknown_loss_lists_the_known_ones(tmp_path: Path) -> None:
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [{"anchor": a, "positive": p} for a, p in INVENTED])
    result = _cli("train", "--pairs", pairs, "-o", tmp_path / "out", "--loss", "triplet")
    assert result.exit_code == 2
    assert "mnrl, gist, cached-mnrl" in result.output
    assert not (tmp_path / "out").exists()


def test_self_supervised_pairs_come_from_at_most_max_documents():
    from scientia.indexers.documents import Document
    from scientia.training.self_supervised import pairs_from_documents

    documents = [Document(id=f"d{i}", title=f"Title number {i}", text=f"Body of document {i}.") for i in range(10)]
    data = pairs_from_documents(documents, kinds=["title"], max_documents=4, seed=3)
    assert len(data.pairs) == 4 and len({p.positive_id for p in data.pairs}) == 4
    assert len(data.corpus) == 10  # held-out pairs are still scored against every document
    assert data.pairs == pairs_from_documents(documents, kinds=["title"], max_documents=4, seed=3).pairs  # seeded
    assert "4 of 10 documents" in data.source
    assert len(pairs_from_documents(documents, kinds=["title"]).pairs) == 10


@pytest.mark.slow
def test_the_held_out_set_has_the_base_models_hard_candidates_with_or_without_an_index(tmp_path: Path, sample_documents):
    """Without --index the held-out corpus was the positives and a random sample: so easy that
    training stopped early (SciFact test dense 0.739, not 0.764). Now both ways give the same set."""
    from sentence_transformers import SentenceTransformer

    from scientia.common.models import default_model_path, model_checksum
    from scientia.indexers import BuildOptions, build_index
    from scientia.training.evaluation import CANDIDATES_PER_QUERY, held_out_evaluation
    from scientia.training.mining import corpus_from_index
    from scientia.training.pairs import TrainingPair

    corpus_file = write_jsonl(tmp_path / "c.jsonl", [{"id": d.id, "title": d.title, "text": d.text} for d in sample_documents])
    build_index(corpus_file, tmp_path / "index", BuildOptions(backend="torch"))  # the base model's own vectors
    corpus, index_vectors = corpus_from_index(tmp_path / "index", model_checksum(default_model_path()))
    assert index_vectors  # the index gives its vectors back
    positives = list(corpus)[:: len(corpus) // 5][:5]
    held_out = [TrainingPair(f"about {corpus[d].split('.')[0].lower()}", corpus[d], "qrels", query_id=f"q{i}", positive_id=d)
                for i, d in enumerate(positives)]
    model = SentenceTransformer(str(default_model_path()), device="cpu", local_files_only=True)

    plain = held_out_evaluation(held_out, corpus, model)
    indexed = held_out_evaluation(held_out, corpus, model, index_vectors)
    assert set(plain.evaluator.corpus_ids) == set(indexed.evaluator.corpus_ids)
    assert plain.composition == indexed.composition
    composition = plain.composition
    assert composition["relevant"] == 5 and composition["candidates"] >= CANDIDATES_PER_QUERY  # the hard ones are in
    assert composition["documents"] == composition["relevant"] + composition["candidates"] + composition["random"]
