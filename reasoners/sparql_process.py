"""The SPARQL worker process: answers the queries :class:`~.sparql_pool.SparqlPool` sends it.

Started as ``python -m scientia.reasoners.sparql_process``. Before it reads a query it confines
itself (:func:`confine`, a Python audit hook, PEP 578, which cannot be removed once added):

- it may open, read-only, Python's own files and scientia's, and the knowledge-graph files it is
  sent; nothing else, and nothing for writing;
- it may create no network socket, resolve no host name, start no process.

So even an rdflib feature that dereferenced an IRI past :mod:`.sparql_sandbox` could neither read
a local file nor reach a host. It dies with its parent (``PR_SET_PDEATHSIG``), and its parent
kills it when a query passes its time budget.

Protocol, over stdin and stdout: each message is an 8-byte big-endian length and a pickle. The
worker first sends ``("ready", pid)``; then each request ``{"graph", "query", "max_rows"}`` is
answered by ``("answer", SparqlAnswer)`` or ``("error", error class name, message)``.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["MESSAGE_HEADER", "confine", "read_message", "write_message", "main"]

MESSAGE_HEADER = struct.Struct("!Q")  # a message's length, before its pickle
# Audit events that reach the network or start processes: refused outright.
_REFUSED_EVENTS = frozenset({
    "socket.connect", "socket.bind", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
    "socket.getnameinfo", "socket.sendto", "socket.sendmsg", "urllib.Request", "http.client.connect",
    "ftplib.connect", "smtplib.connect", "poplib.connect", "imaplib.open", "nntplib.connect", "telnetlib.Telnet.open",
    "webbrowser.open", "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
    "os.forkpty", "os.startfile", "pty.spawn",
    # nothing is written, moved or removed
    "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.truncate", "os.symlink",
    "os.link", "os.utime", "shutil.rmtree", "shutil.move", "shutil.copyfile", "shutil.copymode",
})
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def confine(readable_roots: Iterable[str | Path], graph_files: set[str]) -> None:
    """From now on this process may read only under ``readable_roots`` and the files in
    ``graph_files`` (a set the caller may grow), and reach no host (see the module's text)."""
    roots = tuple(os.path.join(os.path.realpath(root), "") for root in readable_roots)

    def readable(path: Any) -> bool:
        if isinstance(path, int):  # an already open descriptor
            return True
        real = os.path.realpath(os.fsdecode(path))
        return real in graph_files or real.startswith(roots)

    def refuse(event: str, what: object) -> None:
        raise PermissionError(f"the SPARQL worker may not {event} ({what!r})")

    def hook(event: str, arguments: tuple) -> None:
        if event in _REFUSED_EVENTS:
            refuse(event, arguments[0] if arguments else None)
        elif event == "open":
            path, mode, flags = arguments
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool((flags or 0) & _WRITE_FLAGS)
            if writes or not readable(path):
                refuse("open", path)
        elif event in ("os.listdir", "os.scandir") and arguments and arguments[0] is not None and not readable(arguments[0]):
            refuse(event, arguments[0])
        elif event == "sqlite3.connect" and not _sqlite_target_allowed(arguments[0], graph_files):
            refuse(event, arguments[0])

    sys.addaudithook(hook)


def _sqlite_target_allowed(database: Any, graph_files: set[str]) -> bool:
    """Only a graph file, opened read-only by URI (how :mod:`.quadstore` opens it)."""
    text = os.fsdecode(database) if not isinstance(database, str) else database
    if not text.startswith("file:") or "mode=ro" not in text:
        return False
    from urllib.parse import unquote, urlsplit

    return os.path.realpath(unquote(urlsplit(text).path)) in graph_files


def write_message(stream: BinaryIO, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(MESSAGE_HEADER.pack(len(data)) + data)
    stream.flush()


def read_message(stream: BinaryIO) -> Any:
    """The next message; EOFError when the other side has closed."""
    header = stream.read(MESSAGE_HEADER.size)
    if len(header) < MESSAGE_HEADER.size:
        raise EOFError
    (length,) = MESSAGE_HEADER.unpack(header)
    data = stream.read(length)
    if len(data) < length:
        raise EOFError
    return pickle.loads(data)


def _die_with_parent() -> None:
    """SIGKILL this process when its parent dies (Linux); elsewhere EOF on stdin ends it."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _warm_up() -> Callable[..., Any]:
    """Import everything a query can need before the audit hook forbids reading new files."""
    import rdflib.plugins.sparql.aggregates  # noqa: F401 (loaded lazily by rdflib otherwise)
    import rdflib.plugins.sparql.operators  # noqa: F401
    from rdflib.plugins.sparql import prepareQuery

    from .quadstore import open_dataset
    from .sparql import run_query

    prepareQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(REGEX(STR(?s), 'x')) } GROUP BY ?s ORDER BY ?n")
    del open_dataset
    return run_query


def _readable_roots() -> list[str]:
    """Python's own trees and scientia's package folders."""
    import importlib

    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for name in ("scientia.common", "scientia.reasoners"):
        roots.update(importlib.import_module(name).__path__)
    return sorted(roots)


def main() -> None:
    try:
        _serve()
    except BrokenPipeError:
        # The server stopped while this worker warmed up or answered: nobody is left to read,
        # and a traceback would land in the server's stderr. _exit: flushing at exit would fail again.
        os._exit(0)


def _serve() -> None:
    _die_with_parent()
    requests = os.fdopen(os.dup(0), "rb")
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever a library prints goes to stderr, never into the protocol
    run_query = _warm_up()
    graph_files: set[str] = set()
    datasets: dict[str, Any] = {}
    confine(_readable_roots(), graph_files)
    write_message(answers, ("ready", os.getpid()))
    while True:
        try:
            request = read_message(requests)
        except EOFError:
            return
        graph = os.path.realpath(request["graph"])
        graph_files.add(graph)
        try:
            if graph not in datasets:
                from .quadstore import open_dataset

                for old in datasets.values():  # a server follows new generations: keep the latest only
                    old.store.close()
                datasets.clear()
                datasets[graph] = open_dataset(graph)
            answer = run_query(datasets[graph], request["query"], request.get("max_rows"))
        except Exception as error:  # every error goes back to the caller, named
            write_message(answers, ("error", type(error).__name__, str(error)))
            continue
        write_message(answers, ("answer", answer))


if __name__ == "__main__":
    main()
