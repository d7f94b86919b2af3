"""OWL 2 RL in parts on Ray (scientia.reasoners.partitioned_rl) against the one-process closure,
triple for triple, on the session's cluster of two nodes (conftest's ``ray_cluster``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scientia.reasoners import KnowledgeBase

from helpers import SHARED

DATA = Path(__file__).parent / "data"
CROSS = DATA / "cross-parts.ttl"
X = "http://scientia.example/cross#"
LUBM = SHARED / "ontologies" / "lubm"
PIZZA = SHARED / "ontologies" / "pizza" / "pizza.owl"


def inferred_graph(tmp_path: Path, files, search_paths=(), parts: int | None = None, reasoner: str = "rl"):
    """The inferred graph as IRIs and stored literals, and the reasoning report; ``parts``: on Ray."""
    from scientia.reasoners.partitioned_rl import RayDistribution

    distribution = RayDistribution(parts=parts) if parts else None
    base = KnowledgeBase.create(tmp_path / f"{reasoner}-{parts or 'one'}.sqlite3")
    try:
        base.load(files, search_paths)
        report = base.reason(reasoner, distribution=distribution)
        return base.inferred_facts(), report
    finally:
        base.close()


def test_every_individual_in_its_own_part_gives_the_one_process_closure(ray_cluster, tmp_path: Path):
    one, _ = inferred_graph(tmp_path, [CROSS])
    parted, report = inferred_graph(tmp_path, [CROSS], parts=100)
    assert parted == one
    computed = report.computed
    assert computed["parts"] >= 14 and computed["rounds"] >= 3 and computed["exchanged"] > 0
    assert computed["nodes"] == 2  # the parts ran on both of the cluster's nodes
    local = {(row[0].removeprefix(X), row[1].rsplit("#", 1)[-1], row[2].removeprefix(X))
             for row in parted if len(row) == 3}
    assert {
        ("district", "locatedIn", "europe"),  # transitive, three parts away
        ("europe", "contains", "district"),  # inverse of that
        ("alice", "type", "European"),  # someValuesFrom over another part's hasValue type
        ("alice", "worksFor", "acme"),  # sameAs, from alice2's part
        ("acme", "employs", "alice"),  # inverse of a sameAs consequence
        ("city", "sameAs", "townX"),  # functional property
        ("townX", "type", "Capital"),  # the city's facts reach its equal: intersection with an existential
        ("erin", "sameAs", "erin2"),  # inverse-functional data property: joined by a literal
        ("frank", "type", "Child"),  # allValuesFrom through that sameAs
        ("neighbour", "type", "Country"),  # symmetric, then the range
    } <= local


@pytest.mark.slow
@pytest.mark.parametrize("parts", [2, 7])
def test_lubm_in_parts_equals_lubm_in_one_process(ray_cluster, tmp_path: Path, parts: int):
    one, _ = inferred_graph(tmp_path, [LUBM / "data"], [LUBM])
    parted, report = inferred_graph(tmp_path, [LUBM / "data"], [LUBM], parts=parts)
    assert len(one) > 30_000
    assert parted == one
    assert report.computed["parts"] >= parts and report.computed["rounds"] >= 2


def test_pizza_and_rules_in_parts_equal_one_process(ray_cluster, tmp_path: Path):
    for files in ([PIZZA], [DATA / "family.ttl"]):  # family: SWRL rules and a property chain between closures
        one, _ = inferred_graph(tmp_path, files)
        parted, _ = inferred_graph(tmp_path, files, parts=8)
        assert parted == one and one


def test_the_schema_and_the_individuals_are_told_apart():
    from scientia.reasoners.base import OWL, RDF, RDFS
    from scientia.reasoners.partitioned_rl import split_schema
    from scientia.reasoners.rl_triples import LITERAL_BASE, EncodedGraph

    # ids: 1 rdf:type, 2 owl:Class, 3 rdfs:subClassOf, 4 owl:ObjectProperty, 5 owl:NamedIndividual,
    # 10 Person, 11 Agent, 12 knows, 13 age, 20 ann, 21 bob, -1 a blank node (a restriction)
    vocabulary = {1: f"{RDF}type", 2: f"{OWL}Class", 3: f"{RDFS}subClassOf", 4: f"{OWL}ObjectProperty",
                  5: f"{OWL}NamedIndividual"}
    triples = np.array([
        (10, 1, 2), (10, 3, 11), (12, 1, 4), (-1, 1, 2),  # schema
        (20, 1, 10), (20, 1, 5), (20, 12, 21), (21, 13, LITERAL_BASE),  # about ann and bob
    ], dtype=np.int64)
    schema, instance, individuals = split_schema(EncodedGraph(triples, [("x", 0)], vocabulary))
    assert individuals.tolist() == [20, 21]
    assert sorted(map(tuple, instance.tolist())) == [(20, 1, 5), (20, 1, 10), (20, 12, 21), (21, 13, LITERAL_BASE)]
    assert len(schema) == 4


def test_components_stay_whole_up_to_a_parts_share():
    from scientia.reasoners.partitioned_rl import assign_parts

    # individuals 1..6: 1-2-3 joined, 4-5 joined, 6 alone; p = 9 joins them
    instance = np.array([(1, 9, 2), (2, 9, 3), (4, 9, 5), (6, 9, 100)], dtype=np.int64)
    individuals = np.arange(1, 7)
    part_of = assign_parts(instance, individuals, 2)  # a share of 3
    assert part_of[1] == part_of[2] == part_of[3] == 0
    assert part_of[4] == part_of[5] == part_of[6] == 1
    assert part_of[0] == -1 and len(part_of) == 7  # 100 is no individual: no part
    # a share of 2: the chain 1-2-3 is cut where it would pass it
    part_of = assign_parts(instance, individuals, 3)
    assert part_of[1] == part_of[2] != part_of[3]
    assert part_of[4] == part_of[5]


@pytest.mark.slow
def test_index_build_with_ray_reasons_in_parts_and_index_info_says_so(ray_cluster, tmp_path: Path):
    import json

    from typer.testing import CliRunner

    from scientia.cli.app import app

    runner = CliRunner()
    index = tmp_path / "index"
    built = runner.invoke(app, ["index", "build", "--ontology", str(CROSS), "--reasoner", "rl", "-o", str(index),
                                "--ray", ray_cluster.address, "-q"])
    assert built.exit_code == 0, built.output
    info = runner.invoke(app, ["index", "info", str(index)])
    assert info.exit_code == 0 and "on Ray in" in info.output, info.output
    computed = json.loads(runner.invoke(app, ["index", "info", str(index), "--json"]).output)
    reasoning = computed["knowledge"]["reasoning"]
    assert reasoning["computed"]["where"] == "ray" and reasoning["computed"]["nodes"] == 2
    query = runner.invoke(app, ["reason", "sparql", str(index),
                                f"SELECT ?x WHERE {{ ?x a <{X}European> }}"])
    assert query.exit_code == 0 and "alice" in query.output, query.output
