"""Load ontology files into a World, resolving ``owl:imports`` from local folders only.

owlready2 fetches an import it can't find locally over the network. Before anything is parsed,
the files and the ``--ontology-path`` folders are catalogued by the ontology IRI each declares,
and every import is matched against that catalogue: a missing one is an error naming it, and
nothing is ever downloaded. Turtle, which owlready2 can't read, goes through rdflib.
"""

from __future__ import annotations

import io
import logging
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from scientia.common.errors import OntologyError

__all__ = ["ONTOLOGY_SUFFIXES", "OntologyFile", "collect_ontology_files", "load_ontologies"]

logger = logging.getLogger(__name__)

# suffix → owlready2 parser format (None: parse with rdflib and hand over N-Triples)
ONTOLOGY_SUFFIXES: dict[str, str | None] = {
    ".owl": "rdfxml",
    ".rdf": "rdfxml",
    ".xml": "rdfxml",
    ".owx": "owlxml",
    ".nt": "ntriples",
    ".ttl": None,
    ".n3": None,
}

_IMPORT_PATTERNS = (
    re.compile(rb"<owl:imports\s+rdf:resource\s*=\s*\"([^\"]+)\""),
    re.compile(rb"<Import>\s*([^<\s]+)\s*</Import>"),
    re.compile(rb"<http://www\.w3\.org/2002/07/owl#imports>\s*<([^>]+)>"),
)
_XML_BASE = re.compile(rb"xml:base\s*=\s*\"([^\"]+)\"")
_RDFXML_ONTOLOGY = re.compile(rb"<owl:Ontology\s+rdf:about\s*=\s*\"([^\"]*)\"")
_OWLXML_ONTOLOGY = re.compile(rb"ontologyIRI\s*=\s*\"([^\"]+)\"")
_NT_ONTOLOGY = re.compile(
    rb"<([^>]+)>\s*<http://www\.w3\.org/1999/02/22-rdf-syntax-ns#type>\s*<http://www\.w3\.org/2002/07/owl#Ontology>"
)


@dataclass
class OntologyFile:
    path: Path
    iri: str
    imports: list[str] = field(default_factory=list)
    ntriples: bytes | None = None  # Turtle converted by rdflib


def _key(iri: str) -> str:
    return iri.rstrip("#/")


def collect_ontology_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders into the ontology files inside them (recursively, sorted)."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in ONTOLOGY_SUFFIXES)
            if not found:
                raise OntologyError(f"{path}: no ontology files ({', '.join(ONTOLOGY_SUFFIXES)}) in this folder")
            files.extend(found)
        elif path.is_file():
            if path.suffix.lower() not in ONTOLOGY_SUFFIXES:
                raise OntologyError(
                    f"{path}: unknown ontology format {path.suffix!r} (allowed: {', '.join(ONTOLOGY_SUFFIXES)})"
                )
            files.append(path)
        else:
            raise OntologyError(f"{path}: no such ontology file or folder")
    return files


def _describe(path: Path) -> OntologyFile:
    """The ontology IRI a file declares and the IRIs it imports, read without a full parse."""
    path = path.resolve()
    if ONTOLOGY_SUFFIXES[path.suffix.lower()] is None:
        return _describe_turtle(path)
    head = path.read_bytes()
    imports = [m.decode() for pattern in _IMPORT_PATTERNS for m in pattern.findall(head)]
    iri = path.as_uri()
    declared = _RDFXML_ONTOLOGY.search(head) or _OWLXML_ONTOLOGY.search(head) or _NT_ONTOLOGY.search(head)
    if declared and declared.group(1):
        iri = declared.group(1).decode()
    elif declared:  # rdf:about="" names the document itself, or its xml:base
        base = _XML_BASE.search(head)
        iri = base.group(1).decode() if base else iri
    return OntologyFile(path, iri, imports)


def _describe_turtle(path: Path) -> OntologyFile:
    import rdflib
    from rdflib.namespace import OWL, RDF

    graph = rdflib.Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as error:  # rdflib raises several unrelated types for bad syntax
        text = str(error)
        line = re.search(r"at line (\d+)", text)
        reason = re.search(r"Bad syntax \((.*?)\)", text)
        where = f"line {line.group(1)}: " if line else ""
        raise OntologyError(f"{path}: {where}unparsable Turtle ({reason.group(1) if reason else _first_line(error)})") from None
    ontologies = list(graph.subjects(RDF.type, OWL.Ontology))
    iri = str(ontologies[0]) if ontologies else path.as_uri()
    imports = [str(o) for o in graph.objects(None, OWL.imports)]
    return OntologyFile(path, iri, imports, graph.serialize(format="nt", encoding="utf-8"))


def load_ontologies(world, paths: Iterable[str | Path], search_paths: Iterable[str | Path] = ()) -> list:
    """Load ``paths`` (files or folders) and their imports into ``world``; return the loaded ontologies."""
    given = [_describe(p) for p in collect_ontology_files(paths)]
    catalogue: dict[str, OntologyFile] = {_key(f.iri): f for f in given}
    searchable = [p for folder in search_paths for p in collect_ontology_files([folder])]
    pending = [imp for f in given for imp in f.imports]
    while pending:  # pull in imports from the search folders, transitively
        wanted = _key(pending.pop())
        if wanted in catalogue:
            continue
        match = next((d for d in map(_describe, searchable) if _key(d.iri) == wanted or d.path.name == wanted.rsplit("/", 1)[-1]), None)
        if match is None:
            folders = ", ".join(str(p) for p in search_paths) or "none given; add --ontology-path DIR"
            importers = [str(f.path) for f in catalogue.values() if any(_key(i) == wanted for i in f.imports)]
            raise OntologyError(
                f"{', '.join(importers)}: imports {wanted} which is not among the given files "
                f"or in the ontology folders ({folders}); scientia never downloads imports"
            )
        catalogue[wanted] = match
        pending.extend(match.imports)

    loaded: dict[str, object] = {}
    for key in _import_order(catalogue):
        loaded[key] = _load_one(world, catalogue[key])
    return [loaded[_key(f.iri)] for f in given]


def _import_order(catalogue: dict[str, OntologyFile]) -> list[str]:
    """Imported ontologies before their importers, so owlready2 finds every import already loaded."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(key: str) -> None:
        if state.get(key) == "done" or state.get(key) == "visiting":
            return  # a cycle of imports is legal OWL; load in whatever order reaches it
        state[key] = "visiting"
        for imported in catalogue[key].imports:
            if _key(imported) in catalogue:
                visit(_key(imported))
        state[key] = "done"
        order.append(key)

    for key in catalogue:
        visit(key)
    return order


def _load_one(world, source: OntologyFile):
    from owlready2 import OwlReadyOntologyParsingError

    ontology = world.get_ontology(source.iri)
    if ontology.loaded:
        return ontology
    fmt = ONTOLOGY_SUFFIXES[source.path.suffix.lower()] or "ntriples"
    stream = io.BytesIO(source.ntriples) if source.ntriples is not None else source.path.open("rb")
    logger.info("loading ontology %s from %s", source.iri, source.path)
    # owlready2's parser prints a traceback through sys.excepthook before raising; the user
    # gets our one-line error instead.
    saved_hook, sys.excepthook = sys.excepthook, lambda *_: None
    try:
        ontology.load(fileobj=stream, only_local=True, format=fmt)
    except OwlReadyOntologyParsingError as error:
        raise OntologyError(f"{source.path}: unparsable ontology ({_first_line(error)})") from None
    except Exception as error:  # the XML parsers raise their own types, with line numbers
        raise OntologyError(f"{source.path}: unparsable ontology ({type(error).__name__}: {_first_line(error)})") from None
    finally:
        sys.excepthook = saved_hook
    return ontology


def _first_line(error: BaseException) -> str:
    """The parser's own message: owlready2 nests it in tuples of arguments."""

    def strings(value) -> Iterable[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, (tuple, list)):
            for item in value:
                yield from strings(item)
        elif isinstance(value, BaseException):
            yield from strings(value.args)

    found = [text for text in strings(error) if text.strip() and text != "error"]
    text = (found[-1] if found else str(error)).strip()
    return text.splitlines()[0] if text else type(error).__name__
