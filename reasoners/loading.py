"""Load ontology files into a World, resolving ``owl:imports`` from local folders only.

owlready2 fetches an import it can't find locally over the network. Before anything is parsed,
the files and the ``--ontology-path`` folders are catalogued by the ontology IRI each declares,
and every import is matched against that catalogue: a missing one is an error naming it, and
nothing is ever downloaded.

A file's format is read from its content, never its name (Protégé saves OWL/XML as ``.owl``,
and an RDF/XML parser reads OWL/XML into meaningless blank nodes without a complaint): an XML
document is RDF/XML where its root is ``rdf:RDF`` (or a typed node with ``rdf:about``) and
OWL/XML where it is ``owl:Ontology`` with an ``ontologyIRI``; any other text is Turtle, which
N-Triples is a part of. A file no parser accepts is refused, naming the file and, where the
parser says, the line. Turtle, which owlready2 can't read, goes through rdflib.
"""

from __future__ import annotations

import io
import logging
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from scientia.common.errors import OntologyError

from .base import XSD

__all__ = ["ONTOLOGY_SUFFIXES", "OntologyFile", "OntologyFormat", "collect_ontology_files", "load_ontologies",
           "read_format"]

logger = logging.getLogger(__name__)

# What a folder given as --ontology is searched for; a file given by name may be called anything.
ONTOLOGY_SUFFIXES = (".owl", ".rdf", ".xml", ".owx", ".nt", ".ttl", ".n3")
# owlready2's parsers; Turtle (and N-Triples) is parsed by rdflib and handed over as N-Triples.
OntologyFormat = Literal["rdfxml", "owlxml", "turtle"]
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_OWL = "http://www.w3.org/2002/07/owl#"
_SNIFF_BYTES = 4096

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
    format: OntologyFormat
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
            files.append(path)  # its format is read from its content
        else:
            raise OntologyError(f"{path}: no such ontology file or folder")
    return files


def read_format(path: Path) -> OntologyFormat:
    """The format of the ontology file at ``path``, from its content (see the module's text)."""
    with path.open("rb") as stream:
        head = stream.read(_SNIFF_BYTES)
    if b"\0" in head:
        raise OntologyError(f"{path}: not an ontology (a binary file); give RDF/XML, OWL/XML, Turtle or N-Triples")
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith(("{", "[")):
        raise OntologyError(f"{path}: JSON, which scientia does not read as an ontology (JSON-LD included); "
                            "give RDF/XML, OWL/XML, Turtle or N-Triples")
    if not text.startswith("<") or re.match(r"<[A-Za-z][\w+.-]*:", text):
        # Turtle, or N-Triples (a line of three terms, which is Turtle too): rdflib parses it and
        # names the line of an error, where owlready2's N-Triples parser skips broken lines unsaid
        return "turtle"
    return _xml_format(path)


def _xml_format(path: Path) -> OntologyFormat:
    """RDF/XML or OWL/XML, from the XML document's root element."""
    from xml.etree.ElementTree import ParseError, iterparse

    try:
        for _, root in iterparse(path, events=("start",)):  # noqa: B007  (the first element is the one wanted)
            break
        else:
            raise OntologyError(f"{path}: an empty XML document, not an ontology")
    except ParseError as error:
        line = getattr(error, "position", (None,))[0]
        where = f"line {line}: " if line else ""
        raise OntologyError(f"{path}: {where}not well-formed XML ({str(error).split(':')[0]})") from None
    if root.tag == f"{{{_RDF}}}RDF":
        return "rdfxml"
    if root.tag == f"{{{_OWL}}}Ontology" and not any(key.startswith(f"{{{_RDF}}}") for key in root.attrib):
        return "owlxml"
    if any(key in (f"{{{_RDF}}}about", f"{{{_RDF}}}ID") for key in root.attrib):
        return "rdfxml"  # RDF/XML may have a single typed node as its root, without rdf:RDF
    shown = root.tag.replace(f"{{{_OWL}}}", "owl:").replace(f"{{{_RDF}}}", "rdf:")
    raise OntologyError(f"{path}: an XML document whose root element is <{shown}>, neither RDF/XML (rdf:RDF) "
                        "nor OWL/XML (Ontology in the OWL namespace)")


def _describe(path: Path) -> OntologyFile:
    """The ontology IRI a file declares and the IRIs it imports, read without a full parse."""
    path = path.resolve()
    fmt = read_format(path)
    if fmt == "turtle":
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
    return OntologyFile(path, iri, fmt, imports)


def _describe_turtle(path: Path) -> OntologyFile:
    import rdflib
    from rdflib.namespace import OWL, RDF

    graph = rdflib.Graph()
    quiet = logging.getLogger("rdflib")
    level, quiet.level = quiet.level, logging.CRITICAL  # rdflib logs each odd term with a traceback; we say it once
    try:
        graph.parse(path, format="turtle")
    except Exception as error:  # rdflib raises several unrelated types for bad syntax
        syntax = "N-Triples" if path.suffix.lower() == ".nt" else "Turtle"
        line = _error_line(error, path)
        where = f"line {line}: " if line else ""
        reason = re.search(r"Bad syntax \((.*?)\)", str(error))
        if isinstance(error, IndexError):  # rdflib's tokenizer runs off the end of a file cut short
            why = "the file ends in the middle of a statement"
        else:
            why = reason.group(1) if reason else _first_line(error)
        raise OntologyError(f"{path}: {where}unparsable {syntax} ({why})") from None
    finally:
        quiet.level = level
    _check_terms(path, graph)
    ontologies = list(graph.subjects(RDF.type, OWL.Ontology))
    iri = str(ontologies[0]) if ontologies else path.as_uri()
    imports = [str(o) for o in graph.objects(None, OWL.imports)]
    return OntologyFile(path, iri, "turtle", imports, graph.serialize(format="nt", encoding="utf-8"))


def _error_line(error: Exception, path: Path) -> int | None:
    """The line a Turtle error is on, counted from the position rdflib stopped at: rdflib's own
    count is off at the end of a file (it says line 5 of a two-line file). An error at the end
    of the input is on the last line that has something on it."""
    if isinstance(error, IndexError):  # the tokenizer ran off the end of the file
        text = path.read_bytes()
        position = len(text)
    else:
        found_text, found_position = getattr(error, "_str", None), getattr(error, "_i", None)
        if not isinstance(found_text, bytes) or not isinstance(found_position, int):
            found = re.search(r"at line (\d+)", str(error))
            return int(found.group(1)) if found else None
        text, position = found_text, found_position
    before = text[:position]
    if not text[position:].strip():
        before = before.rstrip()
    return before.count(b"\n") + 1


def _check_terms(path: Path, graph) -> None:
    """Refuse, naming the line, a term that parses as Turtle but that no OWL tool can take: an IRI
    with a space or another character IRIs may not hold, a literal that is not of its datatype."""
    from rdflib import Literal, URIRef

    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef) and _INVALID_IRI.search(term):
                bracketed = f"<{term}>"
                raise OntologyError(f"{path}: {_line_of(path, bracketed)}invalid IRI <{term}> "
                                    "(spaces, quotes, braces and the like must be percent-encoded)")
            if isinstance(term, Literal) and term.datatype is not None and getattr(term, "ill_typed", False):
                datatype = str(term.datatype).replace(XSD, "xsd:")
                quoted = '"' + str(term) + '"'
                line = _line_of(path, quoted + "^^") or _line_of(path, quoted)
                raise OntologyError(f"{path}: {line}{str(term)!r} is not a valid {datatype}")


# Characters RFC 3987 allows in no IRI (rdflib takes them with a warning; owlready2 cannot).
_INVALID_IRI = re.compile(r'[\s<>"{}|\\^`]')


def _line_of(path: Path, text: str) -> str:
    """``line N: `` for the first line of ``path`` holding ``text``; empty where none does."""
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if text in line:
                return f"line {number}: "
    return ""


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
    fmt = "ntriples" if source.format == "turtle" else source.format
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
