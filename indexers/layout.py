"""The on-disk layout of an index folder, and the one atomic step that commits a build.

::

    INDEX/
      manifest.json        the commit point: describes the index and names its live generation
      gen-000002/          generation 2: documents.sqlite and its components' files
      .lock                held while a build writes

The files inside a generation belong to the document store (:mod:`.docstore`) and to the
components (:mod:`.components`), each of which names its own.

A build writes a new ``gen-*`` folder beside the live one and then replaces ``manifest.json``
with ``os.replace``, which is atomic: a build killed at any moment leaves the previous manifest,
and so the previous generation, in place.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from scientia.common.errors import (
    IndexFormatError,
    IndexLockedError,
    IndexNotFoundError,
    IndexReadOnlyError,
    write_refusal,
)
from scientia.common.faults import kill_point

from .manifest import FORMAT_NAME, FORMAT_VERSION, FileDigest, Manifest

__all__ = ["IndexLayout", "FORMAT_NAME", "FORMAT_VERSION", "check_file", "scientia_version", "file_sha256", "is_sqlite_journal"]

MANIFEST = "manifest.json"
_GENERATION_PREFIX = "gen-"
_STAGING_PREFIX = ".staging-"
_TEMPORARY_MANIFEST = f".{MANIFEST}.tmp"
_LOCK = ".lock"
_SQLITE_JOURNALS = ("-journal", "-wal", "-shm")


def scientia_version() -> str:
    try:
        return version("scientia")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class IndexLayout:
    """Paths and commit protocol of one index folder."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def read_manifest(self) -> Manifest:
        if not self.root.exists():
            raise IndexNotFoundError(f"{self.root}: no such index folder")
        if not self.exists():
            raise IndexNotFoundError(f"{self.root}: not a scientia index (no {MANIFEST})")
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise IndexFormatError(f"{self.manifest_path}: damaged manifest ({error})") from None
        from .components import COMPONENTS

        types = {name: component.Section for name, component in COMPONENTS.items()}
        return Manifest.from_json(data, str(self.manifest_path), types)

    def data_dir(self, manifest: Manifest) -> Path:
        path = self.root / manifest.data_dir
        if not path.is_dir():
            raise IndexFormatError(f"{path}: data folder named by the manifest is missing")
        return path

    @contextmanager
    def writer_lock(self, wait: float = 0.0) -> Iterator[None]:
        """Hold an exclusive lock on the index folder so two writers can't interleave; wait up to
        ``wait`` seconds for another writer to finish. Read the live manifest only once it is held."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            lock = (self.root / _LOCK).open("a")
        except OSError as error:
            refused = write_refusal(error)
            if refused is None:
                raise
            raise IndexReadOnlyError(f"{self.root}: cannot write this index ({refused}); reading it works") from None
        with lock:
            deadline, pause = time.monotonic() + wait, 0.05
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        waited = f" and did not finish within {wait:g} s" if wait > 0 else ""
                        raise IndexLockedError(f"{self.root}: another process is writing this index{waited}; try again "
                                               "when it is done, or wait longer with --wait SECONDS") from None
                    time.sleep(min(pause, remaining))
                    pause = min(2 * pause, 1.0)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def staging_dir(self, generation: int) -> Path:
        """An empty folder for a generation being written; call under :meth:`writer_lock`, after :meth:`recover`."""
        path = self.root / f"{_STAGING_PREFIX}{_GENERATION_PREFIX}{generation:06d}"
        path.mkdir()
        return path

    def commit(self, staging: Path, manifest: Manifest) -> None:
        """Publish ``staging`` as the live generation: rename, then atomically replace the manifest."""
        final = self.root / manifest.data_dir
        if final.exists():
            shutil.rmtree(final)
        _fsync_tree(staging)
        staging.rename(final)
        kill_point("renamed")
        temporary = self.root / _TEMPORARY_MANIFEST
        with temporary.open("w", encoding="utf-8") as stream:
            json.dump(manifest.to_json(), stream, indent=2, sort_keys=False)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, self.manifest_path)
        _fsync_dir(self.root)
        kill_point("committed")
        # The generation just replaced stays for readers that opened it a moment ago (a server
        # switches over on its next request); older ones go.
        for old in sorted(self.root.glob(f"{_GENERATION_PREFIX}*"))[:-2]:
            shutil.rmtree(old, ignore_errors=True)

    @staticmethod
    def generation_dir_name(generation: int) -> str:
        return f"{_GENERATION_PREFIX}{generation:06d}"

    def is_foreign_folder(self) -> bool:
        """True where the root exists and holds something that is not scientia's: a build must not
        overwrite it. A folder holding only scientia's own lock, staging folders, temporary manifest
        and generation folders is an index whose first build was interrupted, not a foreign one."""
        if not self.root.exists():
            return False
        if not self.root.is_dir():
            return True
        return not self.exists() and not all(_is_own(path) for path in self.root.iterdir())

    def leftovers(self) -> list[tuple[Path, str]]:
        """What interrupted writes left beside the live generation, each with why it is not part
        of the index: staging folders, a temporary manifest never put in place, and generation
        folders newer than the one manifest.json names (any, where there is no manifest)."""
        live = self.read_manifest().generation if self.exists() else 0
        found = []
        for path in sorted(self.root.iterdir()) if self.root.is_dir() else ():
            if path.name.startswith(_STAGING_PREFIX):
                found.append((path, "the staging folder of a write interrupted before its commit"))
            elif path.name == _TEMPORARY_MANIFEST:
                found.append((path, "a manifest that an interrupted commit never put in place"))
            elif _generation_number(path) > live:
                named = f"manifest.json names generation {live}" if live else "no manifest.json names it"
                found.append((path, f"a generation whose commit was interrupted ({named})"))
        return found

    def recover(self) -> list[str]:
        """Remove what interrupted writes left (see :meth:`leftovers`); call under :meth:`writer_lock`.
        The live generation, and so every committed document, is untouched. Returns one line per
        thing removed, saying what it was."""
        removed = []
        for path, why in self.leftovers():
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(f"{self.root}: removed {path.name}, {why}")
        return removed

    def sizes(self, manifest: Manifest) -> dict[str, int]:
        """Bytes on disk of each file or folder of the live generation."""
        return {
            path.name: path.stat().st_size
            if path.is_file()
            else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
            for path in sorted(self.data_dir(manifest).iterdir())
        }

    def verify(self, manifest: Manifest | None = None) -> int:
        """Check every file of the live generation against the manifest's size and SHA-256;
        return how many were checked, or raise naming the first damaged or missing one."""
        manifest = manifest or self.read_manifest()
        data = self.data_dir(manifest)
        for name, expected in manifest.files.items():
            check_file(data / name, expected)
        return len(manifest.files)

    def describe_files(self, data_dir: Path) -> dict[str, FileDigest]:
        """Size and SHA-256 of every file of a generation, keyed by path relative to ``data_dir``;
        SQLite's journals come and go with the connections that use a file, and are never part of it."""
        return {
            file.relative_to(data_dir).as_posix(): FileDigest(file.stat().st_size, file_sha256(file))
            for file in sorted(data_dir.rglob("*"))
            if file.is_file() and not is_sqlite_journal(file)
        }


def check_file(path: Path, expected: FileDigest, checksum: bool = True, then: str = "") -> None:
    """Raise naming ``path`` where it is missing, or its size (and, with ``checksum``, its
    SHA-256) differs from the manifest's; ``then`` ends the message with what to do."""
    if not path.is_file():
        raise IndexFormatError(f"{path}: missing (the manifest lists it){then}")
    size = path.stat().st_size
    if size != expected.bytes:
        raise IndexFormatError(f"{path}: damaged ({size:,} bytes, the manifest says {expected.bytes:,}){then}")
    if checksum and file_sha256(path) != expected.sha256:
        raise IndexFormatError(f"{path}: damaged (its checksum differs from the manifest's){then}")


def is_sqlite_journal(path: Path) -> bool:
    """A rollback journal or write-ahead log beside an SQLite file: a connection's working state,
    which a generation never contains, copies or lists."""
    return path.name.endswith(_SQLITE_JOURNALS)


def _generation_number(path: Path) -> int:
    """N of a ``gen-N`` folder; 0 for anything else."""
    digits = path.name[len(_GENERATION_PREFIX):]
    return int(digits) if path.name.startswith(_GENERATION_PREFIX) and digits.isdigit() and path.is_dir() else 0


def _is_own(path: Path) -> bool:
    """Whether ``path`` is one of the entries scientia itself makes in an index folder."""
    return (path.name in (_LOCK, _TEMPORARY_MANIFEST, MANIFEST) or path.name.startswith(_STAGING_PREFIX)
            or _generation_number(path) > 0)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as stream:
                os.fsync(stream.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
