"""The reasoners on real ontologies, on Java where they need it: inferred facts, agreement between
the fast OWL 2 RL path and HermiT, LUBM's published answers, and every bad input named."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from scientia.common.errors import (
    InconsistentOntologyError,
    InvalidArgumentError,
    JavaNotFoundError,
    OntologyError,
    SparqlError,
)
from scientia.reasoners import KnowledgeBase

from helpers import SHARED

DATA = Path(__file__).parent / "data"
FAMILY = DATA / "family.ttl"
F = "http://scientia.example/family#"
PIZZA = SHARED / "ontologies" / "pizza" / "pizza.owl"
LUBM = SHARED / "ontologies" / "lubm"


def reasoned(tmp_path: Path, files, reasoner: str = "rl", search_paths=()) -> KnowledgeBase:
    base = KnowledgeBase.create(tmp_path / f"{reasoner}.sqlite3")
    base.load(files, search_paths)
    base.reason(reasoner)
    return base


def facts(base: KnowledgeBase, namespace: str = F) -> set[tuple[str, str, str]]:
    """Object triples about the namespace's individuals, as local names (OWL vocabulary left out)."""
    world = base.world
    found = set()
    for s, p, o in world.graph.execute("SELECT s, p, o FROM objs WHERE s > 0 AND o > 0"):
        s_iri, p_iri, o_iri = world._unabbreviate(s), world._unabbreviate(p), world._unabbreviate(o)
        if s_iri.startswith(namespace) and not o_iri.startswith("http://www.w3.org/2002/07/owl#"):
            found.add((s_iri.split("#")[-1], p_iri.split("#")[-1], o_iri.split("#")[-1]))
    return found


EXPECTED_FAMILY = {
    ("carol", "hasChild", "bob"),  # inverse
    ("alice", "hasAncestor", "erin"),  # sub-property, then transitive
    ("alice", "hasGrandparent", "carol"),  # property chain
    ("alice", "hasUncle", "dave"),  # SWRL rule
    ("bob", "type", "Parent"),  # class definition, through the inverse
}


def test_owl_rl_infers_inverse_transitive_chain_and_rule_without_java(tmp_path: Path):
    base = reasoned(tmp_path, [FAMILY], "rl")
    try:
        assert EXPECTED_FAMILY <= facts(base)
    finally:
        base.close()


@pytest.mark.slow
@pytest.mark.parametrize("reasoner", ["hermit", "pellet"])
def test_owl_rl_infers_what_description_logic_reasoners_infer(tmp_path: Path, reasoner: str):
    fast, reference = reasoned(tmp_path, [FAMILY], "rl"), reasoned(tmp_path, [FAMILY], reasoner)
    try:
        def abox(found):
            return {f for f in found if f[1] != "subClassOf"}
        assert EXPECTED_FAMILY <= facts(reference)
        assert abox(facts(fast)) == abox(facts(reference))
    finally:
        fast.close()
        reference.close()


@pytest.mark.slow
@pytest.mark.skipif(not PIZZA.is_file(), reason="../shared/ontologies/pizza is absent")
def test_pizza_unsatisfiable_classes_and_spicy_pizzas(tmp_path: Path):
    base = KnowledgeBase.create(tmp_path / "pizza.sqlite3")
    base.load([PIZZA])
    report = base.reason("hermit")
    try:
        assert {iri.rsplit("#", 1)[-1] for iri in report.unsatisfiable_classes} == {"CheeseyVegetableTopping", "IceCream"}
        spicy = base.world.search_one(iri="*#SpicyPizza")
        below = {c.name for c in spicy.descendants()} - {"SpicyPizza"}
        assert {"AmericanHot", "Cajun", "PolloAdAstra", "SloppyGiuseppe"} <= below
    finally:
        base.close()


def _published_answers(number: int) -> set[tuple[str, ...]]:
    with (LUBM / "answers" / f"answers_query{number}.csv").open() as stream:
        rows = list(csv.reader(stream))
    return {tuple(row) for row in rows[1:] if row}


@pytest.mark.slow
@pytest.mark.skipif(not LUBM.is_dir(), reason="../shared/ontologies/lubm is absent")
def test_lubm_queries_return_the_published_answer_sets(tmp_path: Path):
    base = reasoned(tmp_path, [LUBM / "data"], "rl", [LUBM])
    try:
        for number in range(1, 15):
            answer = base.sparql((LUBM / "queries" / f"q{number}.rq").read_text())
            answers = {tuple(str(row[v]) for v in answer.variables) for row in answer.rows}
            assert answers == _published_answers(number), f"LUBM query {number}"
    finally:
        base.close()


def test_sparql_is_read_only_and_reports_syntax_errors(tmp_path: Path):
    base = reasoned(tmp_path, [FAMILY], "rl")
    base.close()
    base = KnowledgeBase.open(tmp_path / "rl.sqlite3")
    try:
        answer = base.sparql(f"SELECT ?u WHERE {{ <{F}alice> <{F}hasUncle> ?u }}")
        assert answer.variables == ["u"] and [str(r["u"]) for r in answer.rows] == [f"{F}dave"]
        assert base.sparql(f"SELECT ?x WHERE {{ ?x <{F}noSuchProperty> ?y }}").rows == []
        with pytest.raises(SparqlError, match="INSERT refused"):
            base.sparql(f"INSERT DATA {{ <{F}x> <{F}hasUncle> <{F}y> }}")
        with pytest.raises(SparqlError, match=r"syntax error: .*line 2"):
            base.sparql("SELECT ?x\nWHERE { ?x ?y }")
        # a literal or comment that merely contains an update keyword is fine
        assert base.sparql(f'SELECT ?x WHERE {{ ?x <{F}hasUncle> ?y }} # DELETE nothing').rows
    finally:
        base.close()


def test_explanations_name_the_axiom_or_rule(tmp_path: Path):
    base = reasoned(tmp_path, [FAMILY], "rl")
    try:
        explained = {e.fact: e for e in base.explain(f"{F}alice")}
        assert explained["alice hasUncle dave"].inferred
        assert any(r.startswith("rule: hasParent(?x, ?y), hasBrother(?y, ?z) -> hasUncle(?x, ?z)") for r in explained["alice hasUncle dave"].reasons)
        assert any("hasParent ∘ hasParent" in r for r in explained["alice hasGrandparent carol"].reasons)
        assert not explained["alice hasParent bob"].inferred
        carol = {e.fact: e for e in base.explain(f"{F}carol")}
        assert any("inverse of hasParent" in r for r in carol["carol hasChild bob"].reasons)
        assert any("Parent ≡ Person and (hasChild some Person)" in r for r in carol["carol is a Parent"].reasons)
        with pytest.raises(InvalidArgumentError, match="no class or individual"):
            base.explain(f"{F}nobody")
    finally:
        base.close()


MOTHERS = """@prefix : <http://scientia.example/mothers#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<http://scientia.example/mothers> a owl:Ontology .
:hasParent a owl:ObjectProperty .
:hasMother a owl:ObjectProperty ; rdfs:subPropertyOf :hasParent .
:hasChild a owl:ObjectProperty ; owl:inverseOf :hasParent .
:ann a owl:NamedIndividual ; :hasMother :beth .
:beth a owl:NamedIndividual .
"""


def test_explanations_never_rest_on_the_fact_they_explain(tmp_path: Path):
    """Defect 7: `ann hasParent beth` (from hasMother) was also explained by `beth hasChild ann`,
    which is only inferred from it."""
    path = tmp_path / "mothers.ttl"
    path.write_text(MOTHERS)
    base = reasoned(tmp_path, [path], "rl")
    m = "http://scientia.example/mothers#"
    try:
        ann = {e.fact: e for e in base.explain(f"{m}ann")}
        assert ann["ann hasParent beth"].inferred
        assert ann["ann hasParent beth"].reasons == ["ann hasMother beth, and hasMother ⊑ hasParent"]
        beth = {e.fact: e for e in base.explain(f"{m}beth")}
        # the inverse premise is inferred too, but from something else: it stands
        assert beth["beth hasChild ann"].reasons == ["ann hasParent beth, and hasChild is the inverse of hasParent"]
    finally:
        base.close()


UNSATISFIABLE = """@prefix : <http://scientia.example/pets#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<http://scientia.example/pets> a owl:Ontology .
:Cat a owl:Class ; owl:disjointWith :Dog .
:Dog a owl:Class .
:CatDog a owl:Class ; rdfs:subClassOf :Cat , :Dog .
"""


@pytest.mark.slow
def test_classes_are_explained_subsumption_and_unsatisfiability(tmp_path: Path):
    """Defect 7: classes could not be explained at all, not even the README's Pollo Ad Astra."""
    from helpers import REPO

    pets = tmp_path / "pets.ttl"
    pets.write_text(UNSATISFIABLE)
    base = reasoned(tmp_path, [REPO / "samples" / "pizza.ttl", pets], "hermit")
    try:
        pollo = {e.fact: e for e in base.explain("http://scientia.example/pizza#PolloAdAstra")}
        assert not pollo["PolloAdAstra ⊑ Pizza"].inferred
        spicy = pollo["PolloAdAstra ⊑ SpicyPizza"]
        assert spicy.inferred and len(spicy.reasons) == 1
        assert "PolloAdAstra ⊑ hasTopping some CajunSpiceTopping, and CajunSpiceTopping ⊑ SpicyTopping" in spicy.reasons[0]
        assert spicy.reasons[0].endswith("and SpicyPizza ≡ Pizza and (hasTopping some SpicyTopping)")
        catdog = {e.fact: e for e in base.explain("http://scientia.example/pets#CatDog")}
        unsatisfiable = next(e for fact, e in catdog.items() if "unsatisfiable" in fact)
        assert unsatisfiable.reasons == ["CatDog ⊑ Cat and CatDog ⊑ Dog, and Cat and Dog are disjoint"]
    finally:
        base.close()


INCONSISTENT = """@prefix : <http://scientia.example/bad#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
<http://scientia.example/bad> a owl:Ontology .
:Cat a owl:Class ; owl:disjointWith :Dog .
:Dog a owl:Class .
:rex a owl:NamedIndividual , :Cat , :Dog .
"""


@pytest.mark.parametrize("reasoner", ["rl", pytest.param("hermit", marks=pytest.mark.slow)])
def test_inconsistent_ontology_names_the_individual(tmp_path: Path, reasoner: str):
    path = tmp_path / "bad.ttl"
    path.write_text(INCONSISTENT)
    base = KnowledgeBase.create(tmp_path / "k.sqlite3")
    base.load([path])
    with pytest.raises(InconsistentOntologyError, match=r"rex is a (Cat and a Dog|Dog and a Cat), which are disjoint"):
        base.reason(reasoner)
    base.close()


def test_unparsable_files_name_file_and_line(tmp_path: Path):
    rdfxml = tmp_path / "broken.owl"
    rdfxml.write_text('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n<rdf:Description rdf:about="x">\n</rdf:RDF>\n')
    turtle = tmp_path / "broken.ttl"
    turtle.write_text("@prefix : <http://x#> .\n:a :b :c .\n:d :e ;;; oops\n")
    for path, pattern in ((rdfxml, r"broken.owl: unparsable ontology \(.*line 4"), (turtle, r"broken.ttl: line 3: unparsable Turtle")):
        base = KnowledgeBase.create(tmp_path / f"{path.suffix[1:]}.sqlite3")
        with pytest.raises(OntologyError, match=pattern):
            base.load([path])
        base.close()
    with pytest.raises(OntologyError, match=r"x.json: JSON, which scientia does not read as an ontology"):
        KnowledgeBase.create(tmp_path / "j.sqlite3").load([tmp_path / "x.json"] if (tmp_path / "x.json").write_text("{}") else [])


def test_imports_resolve_from_local_folders_only(tmp_path: Path):
    library = tmp_path / "library"
    library.mkdir()
    (library / "core.ttl").write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n@prefix : <http://scientia.example/core#> .\n"
        "<http://scientia.example/core> a owl:Ontology .\n:Animal a owl:Class .\n"
    )
    main = tmp_path / "main.ttl"
    main.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<http://scientia.example/main> a owl:Ontology ; owl:imports <http://scientia.example/core> .\n"
        "<http://scientia.example/main#Cat> a owl:Class ; rdfs:subClassOf <http://scientia.example/core#Animal> .\n"
    )
    base = KnowledgeBase.create(tmp_path / "a.sqlite3")
    with pytest.raises(OntologyError, match=r"main.ttl: imports http://scientia.example/core which is not among .*never downloads"):
        base.load([main])
    base.close()
    base = KnowledgeBase.create(tmp_path / "b.sqlite3")
    base.load([main], [library])
    assert base.world["http://scientia.example/core#Animal"] is not None
    base.close()


def test_missing_java_is_a_clear_error_and_rl_still_works(tmp_path: Path):
    base = KnowledgeBase.create(tmp_path / "k.sqlite3")
    base.load([FAMILY])
    for reasoner in ("hermit", "pellet"):
        with pytest.raises(JavaNotFoundError, match=r"no usable Java at /nonexistent/java .*--reasoner rl needs no Java"):
            base.reason(reasoner, java="/nonexistent/java")
    base.reason("rl", java="/nonexistent/java")
    assert ("alice", "hasUncle", "dave") in facts(base)
    base.close()


def test_unknown_reasoner_lists_the_allowed_ones(tmp_path: Path):
    base = KnowledgeBase.create(tmp_path / "k.sqlite3")
    with pytest.raises(InvalidArgumentError, match=r"allowed: auto, hermit, pellet, rl"):
        base.reason("fact++")  # type: ignore[arg-type]
    base.close()


# -- the zoo (tests/data): what only an OWL DL reasoner finds, with no ../shared needed --------------
ZOO = DATA / "zoo.ttl"
Z = "http://scientia.example/zoo#"


@pytest.mark.slow
def test_hermit_finds_the_unsatisfiable_class_and_evaluates_data_values(tmp_path: Path):
    base = reasoned(tmp_path, [ZOO], "hermit")
    try:
        report_classes = {c.name for c in base.world.inconsistent_classes()} - {"Nothing"}
        assert report_classes == {"Omnivore"}  # Herbivore ⊓ Carnivore, which are disjoint
        heavy = base.world[f"{Z}HeavyAnimal"]
        assert {i.name for i in heavy.instances()} == {"elephant"}  # weightKg 5400 ≥ 1000; the lion's 190 is not
        assert base.world[f"{Z}Animal"] in base.world[f"{Z}ostrich"].is_a  # the domain of a data property
    finally:
        base.close()


def test_owl_rl_uses_data_property_domains_but_leaves_datatype_restrictions_to_hermit(tmp_path: Path):
    base = reasoned(tmp_path, [ZOO], "rl")
    try:
        assert base.world[f"{Z}Animal"] in base.world[f"{Z}ostrich"].is_a
        assert list(base.world[f"{Z}HeavyAnimal"].instances()) == []  # beyond the OWL 2 RL rules
    finally:
        base.close()


@pytest.mark.slow
def test_a_data_value_clash_only_hermit_finds_refuses_the_build(tmp_path: Path):
    """lion weighs 190 and 250 kg, but weightKg is functional: no model. The OWL 2 RL rules do not
    compare data values, so only HermiT sees it; the build is refused with the reason, and the
    index built before stays."""
    from typer.testing import CliRunner

    from scientia.cli.app import app

    clash = DATA / "zoo-clash.ttl"
    base = reasoned(tmp_path, [ZOO, clash], "rl")  # consistent as far as RL can tell
    base.close()
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"id": "z1", "text": "The lion and the elephant."}\n')
    runner = CliRunner()
    index = tmp_path / "idx"
    first = runner.invoke(app, ["index", "build", str(corpus), "-o", str(index), "--ontology", str(ZOO), "--reasoner", "hermit"])
    assert first.exit_code == 0, first.output
    assert "unsatisfiable classes: Omnivore" in first.stderr
    info = runner.invoke(app, ["index", "info", str(index)])
    assert "Omnivore" in info.stdout
    before = (index / "manifest.json").read_bytes()
    result = runner.invoke(app, ["index", "build", str(corpus), "-o", str(index), "--ontology", str(ZOO),
                                 "--ontology", str(clash), "--reasoner", "hermit"])
    assert result.exit_code == 2 and "inconsistent ontology: hermit finds no model" in result.stderr
    assert (index / "manifest.json").read_bytes() == before


def test_auto_takes_owl_rl_above_the_size_limit_or_without_java(tmp_path: Path, monkeypatch):
    from scientia.reasoners import knowledge_base
    from scientia.reasoners.description_logic import HermitReasoner
    from scientia.reasoners.owl_rl import OwlRlReasoner

    base = KnowledgeBase.create(tmp_path / "k.sqlite3")
    try:
        base.load([FAMILY])
        assert isinstance(base.choose_reasoner("auto"), HermitReasoner)  # small, and Java is here
        assert isinstance(base.choose_reasoner("auto", java="/nonexistent/java"), OwlRlReasoner)
        monkeypatch.setattr(knowledge_base, "AUTO_DL_LIMIT", base.triple_count() - 1)
        assert isinstance(base.choose_reasoner("auto"), OwlRlReasoner)
    finally:
        base.close()


def test_an_ontology_format_is_read_from_its_content_not_its_suffix(tmp_path: Path):
    """Point 10: OWL/XML saved as .owl (Protégé's default), imported by an RDF/XML ontology, was
    parsed as RDF/XML into blank nodes, and its individuals vanished without a word."""
    base = KnowledgeBase.create(tmp_path / "wine.sqlite3")
    base.load([DATA / "owlxml-import" / "wine.owl"], [DATA / "owlxml-import"])
    base.reason("rl")
    cheese = base.sparql("SELECT ?x WHERE { ?x a <http://scientia.example/food#Food> }")
    assert sorted(str(row["x"]).rsplit("#", 1)[1] for row in cheese.rows) == ["Brie", "Roquefort", "Salmon"]
    assert base.sparql("ASK { <http://scientia.example/wine#Sauternes> <http://scientia.example/wine#goesWith> "
                       "<http://scientia.example/food#Roquefort> }").boolean
    base.close()
    turtle_as_owl = tmp_path / "family.owl"  # Turtle under another suffix
    turtle_as_owl.write_text((DATA / "family.ttl").read_text())
    other = KnowledgeBase.create(tmp_path / "family.sqlite3")
    other.load([turtle_as_owl])
    assert other.triple_count() > 10
    other.close()
    for name, content, reason in (("page.owl", "<html><body>Not found</body></html>", "root element is <html>"),
                                  ("data.owl", '{"@context": {}}', "JSON"),
                                  ("blob.owl", "\x00\x01\x02", "a binary file")):
        (tmp_path / name).write_text(content)
        with pytest.raises(OntologyError, match=rf"{name}: .*{reason}"):
            KnowledgeBase.create(tmp_path / f"{name}.sqlite3").load([tmp_path / name])


@pytest.mark.parametrize("reasoner", ["rl", "hermit"])
def test_iris_a_strict_parser_rejects_are_reasoned_over(tmp_path: Path, reasoner: str):
    """Point 11: an xml:base ending in '#' gives …/test.owl##Name; the OWL 2 RL closure panicked
    in Rust on it (even after HermiT) and the build printed a traceback."""
    base = KnowledgeBase.create(tmp_path / "hash.sqlite3")
    base.load([DATA / "hash-base.owl"])
    base.reason(reasoner)
    found = base.sparql("SELECT ?c WHERE { <http://scientia.example/test.owl##Rex> a ?c }")
    assert "http://scientia.example/test.owl##Animal" in {str(row["c"]) for row in found.rows}  # inferred
    base.close()


def test_turtle_and_ntriples_errors_name_the_right_line(tmp_path: Path):
    """Point 15: terms rdflib takes with a warning (an IRI with a space, a literal not of its
    datatype) crashed later with a traceback, or named no line; a broken N-Triples line was
    skipped without a word."""
    prefix = "@prefix : <http://x.example/#> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    cases = {
        "iri.ttl": (prefix + ':a :b :c .\n:d :e <http://x.example/a b> .\n', r"iri.ttl: line 4: invalid IRI <http://x.example/a b>"),
        "typed.ttl": (prefix + ':a :b "x" .\n:c :d "x"^^xsd:integer .\n', r"typed.ttl: line 4: 'x' is not a valid xsd:integer"),
        "syntax.ttl": (prefix + ":a :b :c .\n:d :e :f\n:g :h :i .\n", r"syntax.ttl: line 5: unparsable Turtle"),
        "cut.ttl": (prefix + ":a :b :c .\n:d :e\n\n", r"cut.ttl: line 4: unparsable Turtle"),  # rdflib said line 7
        "broken.nt": ("<http://x.example/a> <http://x.example/b> <http://x.example/c> .\n"
                      "<http://x.example/d> <http://x.example/e> \"unterminated .\n", r"broken.nt: line 2: unparsable N-Triples"),
    }
    for name, (content, pattern) in cases.items():
        (tmp_path / name).write_text(content)
        base = KnowledgeBase.create(tmp_path / f"{name}.sqlite3")
        with pytest.raises(OntologyError, match=pattern):
            base.load([tmp_path / name])
        base.close()
