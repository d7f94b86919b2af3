"""Kill points: named steps of a build or an update where a test can have the process killed, to
prove that an interruption exactly there leaves the last committed index whole.

With ``SCIENTIA_KILL_AT=<point>`` in its environment a process that reaches that point writes
the point's name to ``SCIENTIA_KILL_MARKER`` (when set) and kills itself with SIGKILL: no
clean-up handler runs, as after a power cut or the OOM killer. ``SCIENTIA_KILL_SIGNAL=SIGINT``
sends another signal instead (Ctrl-C, which scientia turns into exit code 130). Without it, which is always the
case outside the crash tests, a kill point costs one dictionary lookup.

:data:`KILL_POINTS` names the points and what is on disk when each is reached.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

__all__ = ["KILL_AT_ENV", "KILL_MARKER_ENV", "KILL_POINTS", "KILL_SIGNAL_ENV", "kill_point"]

KILL_AT_ENV = "SCIENTIA_KILL_AT"
KILL_MARKER_ENV = "SCIENTIA_KILL_MARKER"
KILL_SIGNAL_ENV = "SCIENTIA_KILL_SIGNAL"

# In the order a build meets them; an update meets them from "encoding" on (add) or from
# "writing-lexical" on (delete), with the document store written first.
KILL_POINTS = {
    "reading": "the corpus is being read (one record in)",
    "encoding": "the staging folder exists and the encoder is about to embed the documents",
    "encoding-on-ray": "a build encoding on Ray has received a batch of vectors from the cluster",
    "extracting-knowledge": "the knowledge extracted from each document is written to extraction.sqlite in the staging folder",
    "writing-extracted-ontology": "the extracted graph is written as extracted.nt in the staging folder, not yet reasoned over",
    "writing-knowledge": "the knowledge component is written into the staging folder, nothing else yet",
    "writing-dense": "the FAISS vectors are written into the staging folder",
    "writing-lexical": "the BM25 index is written into the staging folder",
    "writing-documents": "the document store is written: the staging folder is complete",
    "renamed": "the staging folder is renamed gen-N, and manifest.json still names the previous generation",
    "committed": "manifest.json names the new generation; older generation folders are not removed yet",
}


def kill_point(name: str) -> None:
    """SIGKILL this process here if ``SCIENTIA_KILL_AT`` names this point."""
    if os.environ.get(KILL_AT_ENV) != name:
        return
    marker = os.environ.get(KILL_MARKER_ENV)
    if marker:
        Path(marker).write_text(name)
    os.kill(os.getpid(), signal.Signals[os.environ.get(KILL_SIGNAL_ENV) or "SIGKILL"])
