"""One generation of an index as one object: the committed one that readers open, and the next
one while it is being written.

:class:`Generation` is a committed generation: its typed :class:`~.manifest.Manifest`, its data
folder, its document store and its components. :class:`StagedGeneration` is the next one: a
staging folder beside the live generation that either commits, by one atomic manifest swap
(:meth:`IndexLayout.commit <.layout.IndexLayout.commit>`), or vanishes. Builds, updates, the
engine, the server, training and the benchmarks all open an index through these two classes.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scientia.common.errors import (
    IndexFormatError,
    IndexLockedError,
    IndexReadOnlyError,
    InvalidArgumentError,
)

from .components import COMPONENTS, Component, ModelRef, OpenContext
from .docstore import DOCUMENTS_FILE, DocumentStore
from .layout import IndexLayout, check_file, is_sqlite_journal
from .manifest import Manifest

__all__ = ["CHECKSUM_AT_OPEN_BYTES", "Generation", "StagedGeneration", "knowledge_graph_file", "now", "verify_index"]

# Files of one component up to this size are hashed when opened: SHA-256 runs at about 1.4 GB/s
# here (64 MiB in 46 ms), small beside a cold query; larger ones get a size check only.
CHECKSUM_AT_OPEN_BYTES = 64 << 20

logger = logging.getLogger(__name__)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Generation:
    """The live generation of an index folder, read-only."""

    def __init__(self, layout: IndexLayout, manifest: Manifest) -> None:
        self.layout = layout
        self.manifest = manifest
        self.folder = layout.data_dir(manifest)

    @classmethod
    def open(cls, path: str | Path) -> Generation:
        layout = IndexLayout(path)
        return cls(layout, layout.read_manifest())

    @property
    def root(self) -> Path:
        return self.layout.root

    @property
    def number(self) -> int:
        return self.manifest.generation

    def has(self, component: str) -> bool:
        """Whether this generation holds ``component`` and this process can open it (it is registered)."""
        return self.manifest.has(component) and component in COMPONENTS

    def component(self, name: str) -> Component:
        """The registered component ``name``, after checking this generation has it."""
        if not self.has(name):
            raise IndexFormatError(f"{self.root}: this index has no {name} component")
        return COMPONENTS[name]

    def open_component(self, name: str, context: OpenContext | None = None) -> Any:
        """Component ``name`` ready to search (for example a FAISS index), after checking its
        files against the manifest (:meth:`check_files`)."""
        component = self.component(name)
        section = self.manifest.section(name)
        self.check_files(component.owned_files(section))
        return component.open(self.folder, section, context or OpenContext())

    def shard_count(self) -> int:
        """How many shards this generation's sharded components are cut into (1: none is)."""
        return max([COMPONENTS[name].shard_count(self.manifest.section(name))
                    for name in self.manifest.components if self.has(name)] or [1])

    def provider(self, what: str) -> str | None:
        """The component of this generation that provides ``what`` (``graph``), if any."""
        return next((name for name in self.manifest.components if self.has(name) and what in COMPONENTS[name].provides), None)

    def provided_file(self, what: str, absent: str) -> Path:
        """The file that provides ``what`` (``graph``: the knowledge graph), after checking it
        against the manifest; ``absent`` completes the error where no component provides it."""
        name = self.provider(what)
        if name is None:
            raise InvalidArgumentError(f"{self.root}: this index has no {absent}")
        file = COMPONENTS[name].provides[what]
        self.check_files([file])
        return self.folder / file

    def models(self) -> dict[str, tuple[ModelRef, ...]]:
        """The models each component of this generation was built with."""
        return {name: COMPONENTS[name].models(self.manifest.section(name)) for name in self.manifest.components if self.has(name)}

    def read_extra(self, name: str) -> bytes | None:
        """A file of this generation that no component owns (``learned-fusion.json``), checked
        against the manifest; ``None`` where the generation has none."""
        if name not in self.manifest.files:
            return None
        self.check_files([name])
        return (self.folder / name).read_bytes()

    def open_documents(self) -> DocumentStore:
        self.check_files([DOCUMENTS_FILE])
        return DocumentStore.open(self.folder / DOCUMENTS_FILE)

    def check_files(self, names: list[str] | tuple[str, ...]) -> None:
        """Check the files (or folders) ``names`` before they are read: every size against the
        manifest, and their SHA-256 too where they total at most :data:`CHECKSUM_AT_OPEN_BYTES`
        (above that, ``index verify`` hashes them). A damaged file is an error naming it, never
        wrong answers (a flipped byte in vectors.faiss once scored a cosine of -52.69)."""
        listed = [(self.folder / path, digest) for path, digest in self.manifest.files.items()
                  if any(path == name or path.startswith(f"{name}/") for name in names)]
        hashed = sum(digest.bytes for _, digest in listed) <= CHECKSUM_AT_OPEN_BYTES
        for file, digest in listed:
            check_file(file, digest, checksum=hashed, then="; run index verify")

    def verify(self) -> int:
        """Check that the document store and every component's files are listed in the manifest,
        then every listed file against its size and SHA-256; return how many files were checked."""
        listed = set(self.manifest.files)
        owners = [("document store", DOCUMENTS_FILE)] + [
            (f"{name} component", file) for name in self.manifest.components if self.has(name)
            for file in COMPONENTS[name].owned_files(self.manifest.section(name))
        ]
        for owner, name in owners:
            if name not in listed and not any(path.startswith(f"{name}/") for path in listed):
                raise IndexFormatError(f"{self.folder / name}: the {owner} owns it, but the manifest lists no such file")
        return self.layout.verify(self.manifest)

    def unknown_components(self) -> list[str]:
        """Components this index has that no registered component can open or update."""
        return [name for name in self.manifest.components if self.manifest.has(name) and name not in COMPONENTS]


class StagedGeneration:
    """The next generation of an index while it is written; use under the layout's writer lock.

    ``with StagedGeneration.begin(layout, previous) as staged: ... staged.commit(manifest)``:
    leaving the block by an exception (or a kill) before the commit leaves the live generation
    as it was, and the staging folder is removed (by the next writer, after a kill).
    """

    def __init__(self, layout: IndexLayout, number: int, previous: Generation | None) -> None:
        self.layout = layout
        self.number = number
        self.previous = previous
        self.folder = layout.staging_dir(number)

    @classmethod
    def begin(cls, layout: IndexLayout, previous: Manifest | Generation | None) -> StagedGeneration:
        """Stage the generation after ``previous``, first removing what interrupted writes left."""
        for removed in layout.recover():
            logger.warning("%s", removed)
        if isinstance(previous, Manifest):
            previous = Generation(layout, previous)
        return cls(layout, (previous.number if previous else 0) + 1, previous)

    @property
    def data_dir(self) -> str:
        return self.layout.generation_dir_name(self.number)

    def copy_previous(self) -> None:
        """Fill the staging folder from the live generation: files that a change rewrites in place
        (the document store, SQLite tables of components) are copied, the rest hard-linked."""
        if self.previous is None:
            raise IndexFormatError(f"{self.layout.root}: no live generation to copy")
        copied = {DOCUMENTS_FILE} | {name for component in COMPONENTS.values() for name in component.rewritten_in_place}
        source = self.previous.folder
        for path in sorted(source.rglob("*")):
            destination = self.folder / path.relative_to(source)
            if path.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
            elif is_sqlite_journal(path):
                continue  # a reader's working state, not part of the generation (a linked journal once broke verify for good)
            elif path.name in copied:
                shutil.copy2(path, destination)
            else:
                try:
                    os.link(path, destination)
                except OSError:  # another file system, or no hard links: copy
                    shutil.copy2(path, destination)

    def commit(self, manifest: Manifest) -> Manifest:
        """Describe every file of the staging folder in ``manifest`` and make it the live generation."""
        manifest = replace(manifest.migrated(), generation=self.number, data_dir=self.data_dir,
                           files=self.layout.describe_files(self.folder))
        self.layout.commit(self.folder, manifest)
        return manifest

    def __enter__(self) -> StagedGeneration:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def knowledge_graph_file(generation: Generation) -> Path:
    """The knowledge graph (asserted plus inferred) of ``generation``, from whichever component
    provides it, checked against the manifest: what SPARQL and the reasoning verbs read."""
    return generation.provided_file("graph", "knowledge graph (build it with --ontology)")


def verify_index(path: str | Path) -> int:
    """``index verify``: remove what interrupted writes left (unless a write holds the lock now),
    then check the live generation's files; return how many were checked.

    A folder with no committed generation, only what an interrupted first build left, is an error
    that says so: there is nothing to recover, the index must be built again.
    """
    layout = IndexLayout(path)
    if layout.root.is_dir() and not layout.exists() and not layout.is_foreign_folder() and any(layout.root.iterdir()):
        left = ", ".join(p.name for p, _ in layout.leftovers())
        raise IndexFormatError(
            f"{layout.root}: no committed generation: an earlier build failed or was interrupted"
            + (f" (it left {left})" if left else "") + "; build the index again"
        )
    generation = Generation.open(path)
    try:
        with layout.writer_lock():
            for removed in layout.recover():
                logger.warning("%s", removed)
    except IndexLockedError:
        logger.info("%s: a write is in progress; its staging folder is left alone", layout.root)
    except IndexReadOnlyError:
        for leftover, why in layout.leftovers():
            logger.warning("%s: %s is %s; it stays, since the index is read-only here", layout.root, leftover.name, why)
    return generation.verify()
