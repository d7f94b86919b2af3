"""What every index component shares: how it is built, opened, kept current and described.

A component is one structure aligned with the document positions of a generation (FAISS
vectors, the BM25 index, the knowledge tables, or one a plugin registers). It owns some files
of the generation folder and one section of the manifest. The builder, the updater and the
engine only loop over the registered components, so adding one needs no edit to any of them:

>>> register_component(TitleComponent())          # doctest: +SKIP

Every method writes only into the staging folder of the next generation; the live one is
never touched (its files may be hard links shared with the next, see :meth:`Change.replace`).
"""

from __future__ import annotations

import shutil
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from scientia.common.registry import Registry

if TYPE_CHECKING:
    from ..docstore import DocumentStore
    from ..documents import Document
    from ..encoding import Encoder
    from ..manifest import Manifest
    from ..sharding import ShardMap

__all__ = ["BuildContext", "Change", "Component", "COMPONENTS", "register_component"]


@dataclass
class BuildContext:
    """What a build hands each component: the documents (a component may supply them where the
    corpus is absent: the knowledge component's entities), the encoder, and the build options."""

    documents: list[Document] | None
    options: Any  # scientia.indexers.builder.BuildOptions
    encoder: Encoder
    corpus_checksum: str | None = None
    # Seconds spent in named steps (``encode``: ``None`` when the vectors came from the cache).
    timings: dict[str, float | None] = field(default_factory=dict)
    _shard_map: ShardMap | None = None

    def shard_map(self) -> ShardMap | None:
        """Which shard each document goes to (``None`` for a one-piece index)."""
        shards = getattr(self.options, "shards", 1)
        if shards <= 1:
            return None
        if self._shard_map is None:
            from ..sharding import ShardMap

            self._shard_map = ShardMap.assign([doc.id for doc in self.documents or []], shards)
        return self._shard_map

    def checksum(self) -> str:
        """The corpus checksum, computed from the documents where the corpus gave none."""
        if self.corpus_checksum is None:
            from ..documents import CorpusDigest

            digest = CorpusDigest()
            digest.update_all(self.documents or [])
            self.corpus_checksum = digest.hexdigest()
        return self.corpus_checksum


@dataclass
class Change:
    """One change to an index as each component sees it: the next generation's folder (a copy of
    the live one), its document store open for update, and what was added."""

    folder: Path
    previous: Path
    manifest: Manifest
    store: DocumentStore
    encoder: Callable[[], Encoder]
    batch_size: int = 64
    show_progress: bool = False
    added: list[Document] = field(default_factory=list)
    first_position: int = 0

    def replace(self, name: str, write: Callable[[Path], None]) -> None:
        """Write a new file or folder ``name`` without touching a hard-linked previous version."""
        path = self.folder / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path)

    def shard_map(self, shards: int) -> ShardMap:
        """The next generation's shard map, derived from its store (every id keeps its shard)."""
        from ..sharding import ShardMap

        return ShardMap.assign(self.store.ids_by_position(), shards)


class Component(ABC):
    """One aligned structure of a generation, with its files and its manifest section."""

    name: ClassVar[str]
    # The dataclass of its manifest section (read with scientia.indexers.manifest.section_from_json).
    Section: ClassVar[type]
    # Files and folders it owns inside a generation folder.
    files: ClassVar[tuple[str, ...]] = ()
    # Those of its files that a change rewrites in place (SQLite): copied into the next
    # generation; the others are hard-linked, and replaced whole (see Change.replace).
    rewritten_in_place: ClassVar[tuple[str, ...]] = ()
    # Lower builds first; the knowledge component (0) may supply the documents the others index.
    build_order: ClassVar[int] = 1
    # Completes "this index has no ..." where a signal needs the component and the index lacks it.
    absent_hint: ClassVar[str] = "such component"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "absent_hint" not in cls.__dict__ and hasattr(cls, "name"):
            cls.absent_hint = f"{cls.name} component"

    def owned_files(self, section: Any) -> tuple[str, ...]:
        """The files this generation's section says the component has (a sharded one has a set per shard)."""
        return self.files

    def wanted(self, options: Any) -> bool:
        """Whether a build with these :class:`~scientia.indexers.builder.BuildOptions` has this component."""
        return True

    @abstractmethod
    def create(self, folder: Path, build: BuildContext) -> Any:
        """Write the component for ``build.documents`` (position ``i`` = document ``i``) into
        ``folder``; return its manifest section."""

    @abstractmethod
    def open(self, folder: Path, section: Any) -> Any:
        """The component of a committed generation, ready to search (read-only)."""

    def append(self, change: Change, section: Any) -> Any:
        """``change.added`` took positions from ``change.first_position`` on; return the new section."""
        return self.refresh(change, section)

    def tombstone(self, change: Change, section: Any) -> Any:
        """Some positions were tombstoned in ``change.store``; return the new section."""
        return self.refresh(change, section)

    def compact(self, change: Change, section: Any, live: list[int]) -> Any:
        """The store was rewritten without tombstones: old position ``live[i]`` is now ``i``."""
        return self.refresh(change, section)

    def refresh(self, change: Change, section: Any) -> Any:
        """Rebuild from the next generation's document store; the default for every change."""
        raise NotImplementedError(f"the {self.name} component cannot rebuild itself from the document store")


COMPONENTS: Registry[Component] = Registry("index component")


def register_component(component: Component, replace: bool = False) -> Component:
    """Add ``component`` to every index built from now on, and let indexes that have it open it."""
    return COMPONENTS.register(component.name, component, replace=replace)
