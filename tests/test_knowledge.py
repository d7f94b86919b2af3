"""Knowledge in the index: entity linking, the knowledge signal with its chains, ontology-only
indexes, and the `reason` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scientia.cli.app import app
from scientia.engine import Engine
from scientia.indexers import BuildOptions, build_index
from scientia.indexers.knowledge_builder import KnowledgeOptions
from scientia.indexers.linking import EntityMatcher, singular

from helpers import REPO, SAMPLE_CORPUS, write_jsonl

FAMILY = Path(__file__).parent / "data" / "family.ttl"
F = "http://scientia.example/family#"
SAMPLE_ONTOLOGY = REPO / "samples" / "pizza.ttl"
runner = CliRunner()


def test_singular_forms():
    assert [singular(w) for w in ["pizzas", "toppings", "berries", "tomatoes", "dishes", "glass", "bus", "is"]] == [
        "pizza", "topping", "berry", "tomato", "dish", "glass", "bus", "is"]


def test_matcher_is_case_plural_and_accent_insensitive_and_prefers_longest():
    matcher = EntityMatcher([(1, "American Hot"), (2, "hot"), (3, "jalapeño pepper"), (4, "pizza")])
    found = matcher.find("Two AMERICAN HOT pizzas, with Jalapeno Peppers; too hot.")
    assert [(m.entity, m.surface) for m in found] == [
        (1, "AMERICAN HOT"), (4, "pizzas"), (3, "Jalapeno Peppers"), (2, "hot")]
    assert matcher.find("hotter pizzazz") == []


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "index"
    build_index(SAMPLE_CORPUS, folder, BuildOptions(knowledge=KnowledgeOptions([SAMPLE_ONTOLOGY])))
    return folder


@pytest.mark.slow
def test_reasoning_brings_in_a_document_with_its_chain(demo_index: Path):
    with Engine.open(demo_index) as engine:
        assert engine.default_mode == "hybrid+knowledge"
        plain = [hit.id for hit in engine.search("spicy pizza", k=5, mode="hybrid")]
        reasoned = engine.search("spicy pizza", k=5)
    assert "pizza/pollo-ad-astra" not in plain
    # what the reasoner entails comes first; the text signals order it
    assert {hit.id for hit in reasoned[:4]} == {
        "pizza/american-hot", "pizza/cajun", "pizza/pollo-ad-astra", "pizza/sloppy-giuseppe"}
    pollo = next(hit for hit in reasoned if hit.id == "pizza/pollo-ad-astra")
    chain = pollo.signals["knowledge"].chain
    assert chain[0] == 'query names "spicy pizza" → SpicyPizza'
    assert chain[1].startswith("SpicyPizza ⊒ PolloAdAstra (inferred from SpicyPizza ≡ Pizza and (hasTopping some SpicyTopping))")
    assert chain[-1] == 'document mentions "Pollo Ad Astra"'
    manifest = json.loads((demo_index / "manifest.json").read_text())
    assert manifest["knowledge"]["reasoning"]["reasoner"] == "hermit"
    assert manifest["knowledge"]["mentions"] > 0 and "ontology.sqlite3" in manifest["files"]


def test_queries_without_entities_fuse_as_plain_hybrid(small_index_with_family: Path):
    with Engine.open(small_index_with_family) as engine:
        with_knowledge = [h.id for h in engine.search("rocket engines in space", k=3)]
        hybrid = [h.id for h in engine.search("rocket engines in space", k=3, mode="hybrid")]
    assert with_knowledge == hybrid


@pytest.fixture(scope="module")
def small_index_with_family(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("family")
    corpus = write_jsonl(folder / "c.jsonl", [
        {"id": "d1", "text": "Dave coaches the football team every Saturday."},
        {"id": "d2", "text": "Rocket engines burn propellant to produce thrust in space."},
        {"id": "d3", "text": "A note about someone.", "metadata": {"entities": [f"{F}erin"]}},
        {"id": "d4", "text": "Carol grows tomatoes in her garden."},
    ])
    build_index(corpus, folder / "index", BuildOptions(knowledge=KnowledgeOptions([FAMILY], reasoner="rl")))
    return folder / "index"


def test_knowledge_signal_follows_rules_and_metadata_links(small_index_with_family: Path):
    with Engine.open(small_index_with_family) as engine:
        hits = engine.search("Alice", k=4, mode="knowledge")
        by_id = {h.id: h for h in hits}
        # alice hasUncle dave comes from the SWRL rule; d1 mentions Dave
        assert "d1" in by_id
        assert by_id["d1"].signals["knowledge"].chain[1] == "alice hasUncle dave (inferred)"
        # erin is named only in d3's metadata; alice hasAncestor erin is transitive
        assert "d3" in by_id and by_id["d3"].signals["knowledge"].chain[-1] == f'document mentions "<{F}erin>"'
        parents = {h.id for h in engine.search("parent", k=10, mode="knowledge")}
        assert "d4" in parents  # carol is a Parent only by inference


def test_ontology_alone_makes_an_index(tmp_path: Path):
    manifest = build_index(None, tmp_path / "idx", BuildOptions(knowledge=KnowledgeOptions([FAMILY], reasoner="rl")))
    assert manifest.documents.count == manifest.section("knowledge").entities
    with Engine.open(tmp_path / "idx") as engine:
        assert engine.search("Carol", k=1, mode="lexical")[0].id == f"{F}carol"


def test_knowledge_mode_needs_an_ontology(small_index: Path):
    from scientia.indexers import InvalidArgumentError

    with Engine.open(small_index) as engine:
        assert engine.default_mode == "hybrid"
        with pytest.raises(InvalidArgumentError, match="has no knowledge graph"):
            engine.search("x", mode="knowledge")


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_reason_commands_through_the_cli(tmp_path: Path):
    index = tmp_path / "idx"
    result = invoke("index", "build", "--ontology", FAMILY, "--reasoner", "rl", "-o", index, "-q")
    assert result.exit_code == 0, result.output
    assert "inferred facts (rl)" in result.stderr

    for prop, expected in (("hasUncle", "dave"), ("hasGrandparent", "carol"), ("hasAncestor", "erin")):
        result = invoke("reason", "sparql", index, f"SELECT ?v WHERE {{ <{F}alice> <{F}{prop}> ?v }}", "--json")
        assert result.exit_code == 0, result.output
        assert {"v": f"{F}{expected}"} in [json.loads(line) for line in result.stdout.splitlines()]
    result = invoke("reason", "sparql", index, f"SELECT ?c WHERE {{ <{F}carol> <{F}hasChild> ?c }}", "--json")
    assert [json.loads(line) for line in result.stdout.splitlines()] == [{"c": f"{F}bob"}]

    result = invoke("reason", "explain", index, f"{F}alice", "--inferred-only")
    assert result.exit_code == 0
    assert "alice hasUncle dave   [inferred]" in result.stdout and "because rule: hasParent(?x, ?y)" in result.stdout

    result = invoke("reason", "sparql", index, "DELETE WHERE { ?s ?p ?o }")
    assert result.exit_code == 2 and "DELETE refused" in result.stderr
    result = invoke("reason", "sparql", index, "SELECT ?x WHERE { ?x }")
    assert result.exit_code == 2 and "SPARQL syntax error" in result.stderr


def test_bad_ontology_input_exits_2_and_keeps_the_old_index(tmp_path: Path, small_corpus: Path):
    index = tmp_path / "idx"
    assert invoke("index", "build", small_corpus, "-o", index, "-q").exit_code == 0
    before = (index / "manifest.json").read_bytes()
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix : <http://x#> .\n:a :b ;;; oops\n")
    inconsistent = tmp_path / "inconsistent.ttl"
    inconsistent.write_text(
        "@prefix : <http://x#> .\n@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        ":A a owl:Class ; owl:disjointWith :B .\n:B a owl:Class .\n:i a :A , :B .\n"
    )
    cases = [
        (["--ontology", broken], "broken.ttl: line 2: unparsable Turtle"),
        (["--ontology", inconsistent, "--reasoner", "rl"], "inconsistent ontology: i is a"),
        (["--ontology", tmp_path / "missing.owl"], "missing.owl: no such ontology file or folder"),
        (["--ontology", FAMILY, "--reasoner", "hermit", "--java", "/nonexistent/java"], "no usable Java"),
    ]
    for extra, message in cases:
        result = invoke("index", "build", small_corpus, "-o", index, "-q", *extra)
        assert result.exit_code == 2, (extra, result.output)
        assert message in result.stderr and "Traceback" not in result.output
        assert (index / "manifest.json").read_bytes() == before
    assert not list(index.glob(".staging-*"))


@pytest.mark.slow
def test_query_prints_the_inference_chain_for_people(demo_index: Path):
    """The demo's whole point, as a person reads it in the terminal."""
    result = runner.invoke(app, ["query", str(demo_index), "spicy pizza", "-k", "5"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    row = next(i for i, line in enumerate(lines) if "Pollo Ad Astra  pizza/pollo-ad-astra" in line)
    below = "\n".join(lines[row : row + 6])
    assert 'query names "spicy pizza" → SpicyPizza' in below
    assert "→ SpicyPizza ⊒ PolloAdAstra (inferred from SpicyPizza ≡ Pizza and (hasTopping some SpicyTopping))" in below
    assert '→ document mentions "Pollo Ad Astra"' in below
    assert "knowledge" in lines[1] + lines[2]  # a rank column per signal, the knowledge signal's too


def test_compaction_keeps_every_mention_with_its_document(tmp_path: Path):
    from scientia.indexers.updater import compact, delete_documents

    corpus = write_jsonl(tmp_path / "c.jsonl", [
        {"id": "d1", "text": "Dave coaches the football team every Saturday."},
        {"id": "d2", "text": "Rocket engines burn propellant to produce thrust in space."},
        {"id": "d3", "text": "Bob paints landscapes."},
        {"id": "d4", "text": "Carol grows tomatoes in her garden."},
    ])
    index = tmp_path / "idx"
    build_index(corpus, index, BuildOptions(knowledge=KnowledgeOptions([FAMILY], reasoner="rl")))
    with Engine.open(index) as engine:
        before = {h.id: h.signals["knowledge"].chain for h in engine.search("Alice", k=10, mode="knowledge")}
    assert {"d1", "d3", "d4"} <= set(before)
    delete_documents(index, ["d2"], compact_ratio=0.99)
    manifest = compact(index)  # d3 and d4 move down a position; their mentions must follow
    assert manifest.documents.positions == 3 and manifest.documents.tombstones == 0
    with Engine.open(index) as engine:
        after = {h.id: h.signals["knowledge"].chain for h in engine.search("Alice", k=10, mode="knowledge")}
        assert engine.search("Carol", k=1, mode="knowledge")[0].id == "d4"
    assert after == before


TOPPINGS = """@prefix : <http://scientia.example/toppings#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<http://scientia.example/toppings> a owl:Ontology .
:Pizza a owl:Class .
:Topping a owl:Class .
:SpicyTopping a owl:Class ; rdfs:subClassOf :Topping .
:JalapenoTopping a owl:Class ; rdfs:subClassOf :SpicyTopping .
:CheeseTopping a owl:Class ; rdfs:subClassOf :Topping .
:MozzarellaTopping a owl:Class ; rdfs:subClassOf :CheeseTopping .
:FishTopping a owl:Class ; rdfs:subClassOf :Topping .
:AnchoviesTopping a owl:Class ; rdfs:subClassOf :FishTopping .
"""


def test_several_entities_rank_documents_linked_to_all_first(tmp_path: Path):
    """Issue 13: a document reached from every entity the query names comes first; an entity
    that every document mentions ("pizza") counts for almost nothing; "anchovies" finds
    AnchoviesTopping, named only by its local name, because its superclass repeats "Topping"."""
    ontology = tmp_path / "toppings.ttl"
    ontology.write_text(TOPPINGS)
    documents = [{"id": f"plain{i}", "text": f"A plain pizza, number {i}."} for i in range(6)] + [
        {"id": "spicy", "text": "A pizza with jalapeno."},
        {"id": "cheese", "text": "A pizza with mozzarella."},
        {"id": "fish", "text": "A pizza with anchovies."},
        {"id": "both", "text": "A pizza with jalapeno and mozzarella."},  # last: a tie would put it last
    ]
    build_index(write_jsonl(tmp_path / "c.jsonl", documents), tmp_path / "idx",
                BuildOptions(knowledge=KnowledgeOptions([ontology], reasoner="rl")))
    with Engine.open(tmp_path / "idx") as engine:
        ranked = [hit.id for hit in engine.search("spicy topping with a cheese topping", k=4, mode="knowledge")]
        assert ranked[0] == "both" and set(ranked[1:3]) == {"spicy", "cheese"}
        ranked = [hit.id for hit in engine.search("pizza with a spicy topping", k=10, mode="knowledge")]
        assert ranked[:2] == ["both", "spicy"] or ranked[:2] == ["spicy", "both"]
        assert engine.search("fish topping", k=1, mode="knowledge")[0].id == "fish"
        assert engine.search("anchovies", k=1, mode="knowledge")[0].id == "fish"
