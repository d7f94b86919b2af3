"""What every index component shares: how it is built, opened, kept current and described.

A component is one structure aligned with the document positions of a generation (FAISS
vectors, the BM25 index, the knowledge tables, or one a plugin registers). It declares
everything the rest of scientia needs to know of it (contract version 2):

- ``Section``: the dataclass of the manifest section it owns (its models are recorded there);
- ``Options``: the dataclass of its build options (the CLI derives ``--NAME-FIELD`` flags);
- :meth:`Component.models` and :meth:`Component.load_model`: the models it uses, so that a
  change can hand each component its own (the dense encoder, an extraction pipeline);
- ``provides``: files other parts may ask for by what they are (``graph``: the knowledge graph
  SPARQL reads), opened through the generation's checks;
- :meth:`Component.open_shard` and :meth:`Component.shard_attributes`: one shard of a sharded
  component, for the threads or Ray actors that search it.

The builder, the updater, the sharding and the engine only loop over the registered components,
so adding one needs no edit to any of them. A plugin registers its component, signals and modes
from an installed distribution (entry point group ``scientia.components``, :mod:`scientia.common.plugins`),
or in code:

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
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from scientia.common.errors import IndexFormatError
from scientia.common.models import Device
from scientia.common.plugins import load_plugins
from scientia.common.registry import Registry

if TYPE_CHECKING:
    from ..builder import BuildOptions
    from ..docstore import DocumentStore
    from ..documents import Document
    from ..encoding import Encoder
    from ..manifest import Manifest
    from ..sharding import ShardMap

__all__ = [
    "BuildContext",
    "Change",
    "Component",
    "COMPONENTS",
    "ModelRef",
    "ModelRequest",
    "OpenContext",
    "ShardHost",
    "register_component",
]


@dataclass(frozen=True)
class ModelRef:
    """A model a component uses, as its manifest section records it: ``role`` within the
    component (``encoder``), a name, the folder it was loaded from, and its content checksum."""

    role: str
    name: str
    path: str
    checksum: str


@dataclass(frozen=True)
class ModelRequest:
    """How a caller wants a component's models loaded: another folder holding the same model
    (checked by checksum), and the device."""

    model: str | Path | None = None
    device: Device = "auto"


class ShardHost(Protocol):
    """Where a sharded component's shards are searched when not in this process (Ray actors,
    :class:`scientia.engine.shard_actors.RayShardHost`): one searcher per shard."""

    def shards(self, component: str, folder: Path, section: Any) -> list[Any]: ...


@dataclass(frozen=True)
class OpenContext:
    """How a component is opened for searching: on the GPU or not (``None``: where there is
    one), and where a sharded component's shards are searched (``None``: threads here)."""

    use_gpu: bool | None = None
    shard_host: ShardHost | None = None


@dataclass
class BuildContext:
    """What a build hands each component: the documents (a component may supply them where the
    corpus is absent: the knowledge component's entities), the encoder, and the build options."""

    documents: list[Document] | None
    options: BuildOptions
    encoder: Encoder
    corpus_checksum: str | None = None
    # Seconds spent in named steps (``encode``: ``None`` when the vectors came from the cache).
    timings: dict[str, float | None] = field(default_factory=dict)
    _shard_map: ShardMap | None = None

    def corpus(self) -> list[Document]:
        """The documents to index (set by now: the knowledge component, built first, supplies them
        where no corpus was given)."""
        if self.documents is None:
            raise IndexFormatError("no documents to index: give a corpus or an ontology")
        return self.documents

    def component_options(self, component: Component) -> Any:
        """The build options ``component`` declared (``component.Options``), as this build set them."""
        given = self.options.components.get(component.name)
        return given if given is not None else component.default_options()

    def shard_map(self) -> ShardMap | None:
        """Which shard each document goes to (``None`` for a one-piece index)."""
        shards = self.options.shards
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
    # Each component's model, loaded on first use (a delete loads none): see :meth:`model`.
    models: Callable[[str], Any]
    batch_size: int = 64
    show_progress: bool = False
    added: list[Document] = field(default_factory=list)
    first_position: int = 0

    def model(self, component: Component) -> Any:
        """``component``'s model for this change (:meth:`Component.load_model`), loaded once."""
        return self.models(component.name)

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
    # The dataclass of its build options, or None. Every field needs a default; its metadata may
    # give "help" (the CLI's) and "flag" (else --NAME-FIELD with underscores as dashes).
    Options: ClassVar[type | None] = None
    # What it offers other parts by what it is, not by component name: {"graph": "ontology.sqlite3"}.
    provides: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "absent_hint" not in cls.__dict__ and hasattr(cls, "name"):
            cls.absent_hint = f"{cls.name} component"

    def owned_files(self, section: Any) -> tuple[str, ...]:
        """The files this generation's section says the component has (a sharded one has a set per shard)."""
        return self.files

    def wanted(self, options: BuildOptions) -> bool:
        """Whether a build with these :class:`~scientia.indexers.builder.BuildOptions` has this component."""
        return True

    def default_options(self) -> Any:
        """Its build options with every default (``None`` where it declares none)."""
        return self.Options() if self.Options is not None else None

    def models(self, section: Any) -> tuple[ModelRef, ...]:
        """The models this generation's component was built with, as its section records them."""
        return ()

    def load_model(self, root: Path, section: Any, request: ModelRequest) -> Any:
        """The model a change needs to extend this component (the dense encoder), checked
        against what ``section`` records; ``None`` where it needs none."""
        return None

    def shard_count(self, section: Any) -> int:
        """How many shards this generation's component is cut into (1: one piece)."""
        return 1

    def summary(self, section: Any) -> str | None:
        """One line a finished build prints about this component, if it has something to say."""
        return None

    def describe(self, section: Any) -> list[tuple[str, str]]:
        """``index info``'s rows for this component (``section`` is ``None`` where the index has none)."""
        return [] if section is None else [(f"component {self.name}", "present")]

    def open_shard(self, folder: Path, section: Any, shard: int) -> Any:
        """Shard ``shard`` of a sharded component, ready to search in this process (a Ray actor's)."""
        raise NotImplementedError(f"the {self.name} component is not sharded")

    def shard_attributes(self, section: Any) -> dict[str, Any]:
        """What a searcher of one remote shard must answer without asking it (its dimension, its parameters)."""
        return {}

    @abstractmethod
    def create(self, folder: Path, build: BuildContext) -> Any:
        """Write the component for ``build.documents`` (position ``i`` = document ``i``) into
        ``folder``; return its manifest section."""

    @abstractmethod
    def open(self, folder: Path, section: Any, context: OpenContext) -> Any:
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


# Installed plugins register themselves the first time anything looks a component up.
COMPONENTS: Registry[Component] = Registry("index component", on_first_use=load_plugins)


def register_component(component: Component, replace: bool = False) -> Component:
    """Add ``component`` to every index built from now on, and let indexes that have it open it."""
    return COMPONENTS.register(component.name, component, replace=replace)
