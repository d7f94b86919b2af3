"""Errors a user can cause and fix; each message names the file, line or field at fault.

Every error scientia raises for bad input derives from :class:`ScientiaError`, so the CLI
can turn it into a one-line message and exit code 2 without a traceback.
"""

from __future__ import annotations

import errno

__all__ = [
    "ShardUnavailableError",
    "ScientiaError",
    "CorpusError",
    "IndexFormatError",
    "IndexNotFoundError",
    "IndexLockedError",
    "IndexReadOnlyError",
    "EncoderMismatchError",
    "InvalidArgumentError",
    "OntologyError",
    "InconsistentOntologyError",
    "JavaNotFoundError",
    "SparqlError",
    "QueryCancelledError",
    "IsolationUnavailableError",
    "TrainingRefusedError",
    "write_refusal",
]


class ScientiaError(Exception):
    """Base class of every error caused by input the user can correct."""


class CorpusError(ScientiaError):
    """A corpus file or record is unusable: malformed line, bad encoding, missing field, duplicate id."""


class IndexFormatError(ScientiaError):
    """An index folder is damaged, from an unknown format version, or not an index at all."""


class IndexNotFoundError(ScientiaError):
    """The path given as an index holds no scientia index."""


class IndexLockedError(ScientiaError):
    """Another process is writing the index (it holds the index's lock); try again when it is done."""


class IndexReadOnlyError(ScientiaError):
    """A change was asked of an index this process cannot write (read-only file system or
    permissions); reading it still works."""


class EncoderMismatchError(ScientiaError):
    """The encoder asked for differs from the one the index was built with."""


class InvalidArgumentError(ScientiaError):
    """An option has a value outside the allowed ones; the message lists them."""


class OntologyError(ScientiaError):
    """An ontology file is unparsable, missing, or imports something that can't be found locally."""


class InconsistentOntologyError(OntologyError):
    """The ontology has no model; the message names the unsatisfiable classes or individuals involved."""


class JavaNotFoundError(ScientiaError):
    """HermiT and Pellet need a Java runtime and none usable was found."""


class SparqlError(ScientiaError):
    """A SPARQL query is malformed, or tries to change the graph."""


class QueryCancelledError(ScientiaError):
    """A query was stopped before it finished: it passed its time or row budget, or the server
    is stopping. The message says which (HTTP 503, CLI exit 2)."""


class IsolationUnavailableError(ScientiaError):
    """This system cannot give a local Ray cluster a network of its own (no Linux namespaces, or
    the kernel refuses them to this user); the message says which."""


class TrainingRefusedError(ScientiaError):
    """A trained model did not beat what it would replace on held-out queries; nothing is saved."""


class ShardUnavailableError(ScientiaError):
    """A shard of a sharded index did not answer, even once restarted: no partial results are given."""


def write_refusal(error: OSError) -> str | None:
    """Why ``error`` refused access, where permissions or a read-only file system did ("Permission
    denied", "a read-only file system"); None for any other OS error."""
    if isinstance(error, PermissionError):
        return error.strerror or "Permission denied"
    if error.errno == errno.EROFS:
        return "a read-only file system"
    return None
