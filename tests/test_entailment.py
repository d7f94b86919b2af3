"""`reason classify` and `reason entails`, as ROBOT users expect: HermiT decides entailment
(complete for OWL DL), exit 0 when every axiom is entailed, 1 when some are not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scientia.cli.app import app
from scientia.indexers import BuildOptions, build_index
from scientia.indexers.knowledge_builder import KnowledgeOptions

from helpers import REPO

pytestmark = pytest.mark.slow

DATA = Path(__file__).parent / "data"
PREMISES = [REPO / "samples" / "pizza.ttl", DATA / "family.ttl", DATA / "pets.ttl"]
PREFIXES = """@prefix pizza: <http://scientia.example/pizza#> .
@prefix family: <http://scientia.example/family#> .
@prefix pets: <http://scientia.example/pets#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""
# (axiom kind, Turtle, entailed?): what HermiT answers, worked out by hand from the premises
PAIRS = [
    ("class assertion", "family:carol a family:Parent .", True),
    ("property assertion through transitivity", "family:alice family:hasAncestor family:erin .", True),
    ("sameAs from a functional property", "pets:ann owl:sameAs pets:annie .", True),
    ("subclass, named", "pizza:PolloAdAstra rdfs:subClassOf pizza:SpicyPizza .", True),
    ("subclass of owl:Thing", "pets:Kitten rdfs:subClassOf owl:Thing .", True),
    ("subclass of owl:Nothing", "pets:CatDog rdfs:subClassOf owl:Nothing .", True),
    ("subclass of a class expression",
     "pizza:Cajun rdfs:subClassOf [ a owl:Restriction ; owl:onProperty pizza:hasTopping ; owl:someValuesFrom pizza:SpicyTopping ] .", True),
    ("equivalence with a class expression",
     "pizza:SpicyPizza owl:equivalentClass [ a owl:Class ; owl:intersectionOf ( pizza:Pizza "
     "[ a owl:Restriction ; owl:onProperty pizza:hasTopping ; owl:someValuesFrom pizza:SpicyTopping ] ) ] .", True),
    ("disjointness inherited", "pets:Kitten owl:disjointWith pets:Dog .", True),
    ("subproperty", "family:hasParent rdfs:subPropertyOf family:hasAncestor .", True),
    ("not entailed: a mild pizza is not spicy", "pizza:Margherita rdfs:subClassOf pizza:SpicyPizza .", False),
    ("not entailed: no one is declared a cat", "pets:rex a pets:Cat .", False),
]
runner = CliRunner()


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("entails") / "index"
    build_index(None, folder, BuildOptions(knowledge=KnowledgeOptions(PREMISES, reasoner="hermit")))
    return folder


def test_each_axiom_kind_is_decided_as_hermit_decides(index: Path, tmp_path: Path):
    from rdflib import Graph

    from scientia.reasoners.entailment import _hermit_entails
    from scientia.reasoners.java import find_java

    premise = tmp_path / "premise.nt"  # HermiT on the source files, not on what the index stored
    merged = Graph()
    for path in PREMISES:
        merged.parse(path, format="turtle")
    merged.serialize(premise, format="nt", encoding="utf-8")
    for kind, turtle, expected in PAIRS:
        axioms = tmp_path / f"{kind.replace(' ', '-').replace(':', '')}.ttl"
        axioms.write_text(PREFIXES + turtle + "\n")
        result = runner.invoke(app, ["reason", "entails", str(index), str(axioms), "--json"])
        assert result.exit_code == (0 if expected else 1), (kind, result.output)
        assert [json.loads(line)["entailed"] for line in result.stdout.splitlines()] == [expected], kind
        # the source ontology with the axiom's declarations, straight to HermiT
        conclusion = tmp_path / "conclusion.nt"
        Graph().parse(data=PREFIXES + turtle, format="turtle").serialize(conclusion, format="nt", encoding="utf-8")
        declared = Graph().parse(conclusion, format="nt")
        for s, p, o in merged.triples((None, None, None)):
            if str(p).endswith("#type") and s in set(declared.all_nodes()) and str(o).startswith("http://www.w3.org/2002/07/owl#"):
                declared.add((s, p, o))
        declared.serialize(conclusion, format="nt", encoding="utf-8")
        assert _hermit_entails(find_java(), premise, conclusion) is expected, kind


def test_a_file_of_several_axioms_names_those_not_entailed(index: Path, tmp_path: Path):
    axioms = tmp_path / "mixed.ttl"
    axioms.write_text(PREFIXES + "\n".join(turtle for _, turtle, _ in PAIRS) + "\n")
    result = runner.invoke(app, ["reason", "entails", str(index), str(axioms)])
    assert result.exit_code == 1, result.output
    missing = [line for line in result.stdout.splitlines() if line.startswith("NOT entailed")]
    assert len(missing) == 2 and any("Margherita ⊑ SpicyPizza" in line for line in missing)
    assert "2 of 12 axioms are not entailed" in result.stderr
    entailed = tmp_path / "entailed.ttl"
    entailed.write_text(PREFIXES + "\n".join(turtle for _, turtle, ok in PAIRS if ok) + "\n")
    assert runner.invoke(app, ["reason", "entails", str(index), str(entailed)]).exit_code == 0
    bad = tmp_path / "axioms.owx"
    bad.write_text("<Ontology/>")
    result = runner.invoke(app, ["reason", "entails", str(index), str(bad)])
    assert result.exit_code == 2 and "allowed: .ttl" in result.stderr


def test_classify_prints_the_inferred_hierarchy(index: Path):
    result = runner.invoke(app, ["reason", "classify", str(index), "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    pizza = "http://scientia.example/pizza#"
    assert f"{pizza}SpicyPizza" in found["classes"][f"{pizza}PolloAdAstra"]["direct_superclasses"]
    assert f"{pizza}Pizza" not in found["classes"][f"{pizza}PolloAdAstra"]["direct_superclasses"]  # not direct
    assert found["unsatisfiable"] == ["http://scientia.example/pets#CatDog"]
    tree = runner.invoke(app, ["reason", "classify", str(index)])
    lines = tree.stdout.splitlines()
    assert lines[0] == "Thing" and "unsatisfiable: CatDog" in lines
    spicy = next(i for i, line in enumerate(lines) if line.strip() == "SpicyPizza")
    assert lines[spicy + 1].startswith(lines[spicy].replace("SpicyPizza", "  ")) and "PolloAdAstra" in "".join(lines[spicy:])


def test_an_inconsistent_premise_is_refused_at_build_with_the_reason(tmp_path: Path):
    """Nothing follows from a contradiction, so there is no index to ask: the build refuses."""
    bad = tmp_path / "bad.ttl"
    bad.write_text(PREFIXES + "pets:Cat a owl:Class ; owl:disjointWith pets:Dog .\npets:Dog a owl:Class .\n"
                   "pets:felix a owl:NamedIndividual , pets:Cat , pets:Dog .\n")
    result = runner.invoke(app, ["index", "build", "--ontology", str(bad), "--reasoner", "hermit", "-o", str(tmp_path / "idx"), "-q"])
    assert result.exit_code == 2 and "inconsistent ontology" in result.stderr and "felix" in result.stderr
    assert not (tmp_path / "idx" / "manifest.json").exists()
