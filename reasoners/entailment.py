"""Does the index's ontology entail these axioms? HermiT decides, complete for OWL DL.

HermiT (the jar owlready2 ships) checks entailment itself (``--checkEntailment``): the premise
is the index's asserted ontology, written from the stored graph; the conclusion the user's
axioms. One run answers for the whole file; where it says no, each axiom is checked on its own
so that the ones not entailed can be named. Declarations are context, not axioms: each
conclusion carries the declarations of the names it uses, from the premise and the file.

Axioms are cut from the file's triples as the OWL 2 RDF mapping writes them: a triple whose
subject is a name (with the blank nodes its object reaches: a class expression, a list), or a
blank-node axiom such as ``owl:AllDisjointClasses`` with everything under it.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scientia.common.errors import InvalidArgumentError, OntologyError

from .base import INFERRED_GRAPH, OWL, RDF, RDFS
from .java import find_java
from .manchester import manchester
from .render import local_name

if TYPE_CHECKING:
    from rdflib import Dataset, Graph

__all__ = ["Axiom", "check_entailment", "split_axioms", "AXIOM_SUFFIXES"]

# suffix → rdflib parser
AXIOM_SUFFIXES = {".ttl": "turtle", ".n3": "n3", ".nt": "nt", ".owl": "xml", ".rdf": "xml", ".xml": "xml"}
_DECLARATION_TYPES = {OWL + t for t in ("Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty",
                                        "NamedIndividual", "Ontology", "TransitiveProperty", "SymmetricProperty",
                                        "FunctionalProperty", "InverseFunctionalProperty")} | {RDFS + "Datatype"}
_DECLARATIONS_ONLY = {OWL + t for t in ("Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty",
                                        "NamedIndividual", "Ontology")} | {RDFS + "Datatype"}
_SYMBOLS = {RDFS + "subClassOf": "⊑", OWL + "equivalentClass": "≡", RDFS + "subPropertyOf": "⊑",
            OWL + "disjointWith": "disjoint with", RDF + "type": "a", OWL + "sameAs": "same as",
            OWL + "differentFrom": "different from", OWL + "inverseOf": "inverse of"}
HERMIT_SECONDS = 600


@dataclass
class Axiom:
    text: str  # in words, Manchester-style
    graph: Graph  # its triples
    entailed: bool | None = None


def split_axioms(path: Path) -> tuple[list[Axiom], Graph]:
    """The axioms of an RDF file, and the file's whole graph (for its declarations)."""
    from rdflib import BNode, Graph, URIRef

    parser = AXIOM_SUFFIXES.get(path.suffix.lower())
    if parser is None:
        raise InvalidArgumentError(f"{path}: cannot tell the RDF syntax from the name (allowed: {', '.join(AXIOM_SUFFIXES)})")
    try:
        whole = Graph().parse(path, format=parser)
    except Exception as error:  # rdflib's parsers raise many kinds
        raise OntologyError(f"{path}: not readable as {parser}: {error}") from None
    referenced = {o for o in whole.objects() if isinstance(o, BNode)}
    axioms = []
    for s, p, o in sorted(whole, key=lambda t: (str(t[0]), str(t[1]), str(t[2]))):
        if isinstance(s, BNode) and s in referenced:
            continue  # part of a class expression or list, taken with the triple that reaches it
        if str(p) == RDF + "type" and str(o) in _DECLARATIONS_ONLY:
            continue
        graph = Graph()
        graph.add((s, p, o))
        if isinstance(s, BNode):  # an axiom written on a blank node (AllDisjointClasses, a negative assertion)
            _copy_reachable(whole, s, graph)
        _copy_reachable(whole, o, graph)
        name = lambda iri: local_name(iri)  # noqa: E731
        if isinstance(s, BNode):
            text = f"{manchester(whole, o, name)}: " + ", ".join(
                manchester(whole, m, name) for m in whole.objects(s) if isinstance(m, URIRef) and m != o) or str(s)
        else:
            text = f"{manchester(whole, s, name)} {_SYMBOLS.get(str(p), local_name(str(p)))} {manchester(whole, o, name)}"
        axioms.append(Axiom(text, graph))
    if not axioms:
        raise InvalidArgumentError(f"{path}: no axioms to check (declarations alone are not checked)")
    return axioms, whole


def _copy_reachable(source: Graph, node, target: Graph) -> None:
    from rdflib import BNode

    stack, seen = [node], set()
    while stack:
        current = stack.pop()
        if not isinstance(current, BNode) or current in seen:
            continue
        seen.add(current)
        for p, o in source.predicate_objects(current):
            target.add((current, p, o))
            stack.append(o)


def check_entailment(dataset: Dataset, axioms_file: Path, java: str | Path | None = None) -> list[Axiom]:
    """Each axiom of ``axioms_file`` with ``entailed`` set by HermiT against the index's asserted ontology."""
    from rdflib import Graph

    axioms, whole = split_axioms(Path(axioms_file))
    java_path = find_java(java)
    premise_graph = Graph()
    for graph in dataset.store.contexts():
        if str(graph.identifier) != INFERRED_GRAPH:
            for triple in graph:
                premise_graph.add(triple)
    declarations = [t for t in premise_graph if str(t[1]) == RDF + "type" and str(t[2]) in _DECLARATION_TYPES]
    declarations += [t for t in whole if str(t[1]) == RDF + "type" and str(t[2]) in _DECLARATION_TYPES]
    with tempfile.TemporaryDirectory(prefix="scientia-entails-") as folder:
        premise = Path(folder) / "premise.nt"
        premise_graph.serialize(premise, format="nt", encoding="utf-8")
        everything = Graph()
        for axiom in axioms:
            everything += axiom.graph
        if _hermit_entails(java_path, premise, _conclusion(folder, "all", everything, declarations)):
            for axiom in axioms:
                axiom.entailed = True
            return axioms
        for number, axiom in enumerate(axioms):
            axiom.entailed = _hermit_entails(java_path, premise, _conclusion(folder, str(number), axiom.graph, declarations))
    return axioms


def _conclusion(folder: str, name: str, axioms: Graph, declarations: list) -> Path:
    from rdflib import Graph, URIRef

    graph = Graph()
    graph += axioms
    used = {term for triple in axioms for term in triple if isinstance(term, URIRef)}
    for triple in declarations:
        if triple[0] in used:
            graph.add(triple)
    path = Path(folder) / f"conclusion-{name}.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    return path


def _hermit_entails(java: str, premise: Path, conclusion: Path) -> bool:
    from importlib.resources import files

    jar = files("owlready2") / "hermit" / "HermiT.jar"
    # HermiT 1.3.8 runs an action on each ontology named last; the premise is that ontology too
    command = [java, "-Xmx2000M", "-cp", str(jar), "org.semanticweb.HermiT.cli.CommandLine",
               f"--premise={premise.as_uri()}", f"--conclusion={conclusion.as_uri()}", "--checkEntailment", premise.as_uri()]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=HERMIT_SECONDS)
    except subprocess.TimeoutExpired:
        raise OntologyError(f"HermiT did not decide within {HERMIT_SECONDS} s") from None
    answer = done.stdout.strip().splitlines()[-1:] if done.stdout.strip() else []
    if done.returncode != 0 or answer not in (["true"], ["false"]):
        detail = (done.stderr.strip().splitlines() or done.stdout.strip().splitlines() or ["no output"])[-1]
        raise OntologyError(f"HermiT could not check the entailment: {detail}")
    return answer == ["true"]
