"""The typed manifest of an index: what ``manifest.json`` holds, as dataclasses.

``manifest.json`` is the commit point of an index (see :mod:`.layout`) and describes it: the
format, the live generation, the documents, one section per component (each registered
component's, ``null`` where the index has none; a component's models are recorded in its own
section), build timings, and the size and SHA-256 of every data file. This module is the only
place that reads or writes its raw JSON keys; everything else uses these classes.

Format 2 moved the encoder from the top level into the dense component's section. A format-1
manifest reads as format 2 and is written back as it was, key for key, until the index's next
write commits a generation in format 2 (:meth:`Manifest.migrated`).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from scientia.common.errors import IndexFormatError

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "BuildSection",
    "DocumentsSection",
    "EncoderSection",
    "FileDigest",
    "Manifest",
    "section_from_json",
    "section_to_json",
]

FORMAT_NAME = "scientia-index"
FORMAT_VERSION = 2
# Format 1 kept the encoder at the top level; format 2 keeps it in this component's section.
_FORMAT_1_ENCODER_OWNER = "dense"

S = TypeVar("S")
_EXTRA = "_unknown_keys"  # keys a newer scientia wrote; kept so that an update does not drop them
# fields an older scientia did not write: read as their defaults, and still not written back
_ABSENT = "_absent_keys"


def section_from_json(cls: type[S], data: Any, where: str) -> S:
    """A section dataclass from its JSON object; a missing required field names the field."""
    if not isinstance(data, Mapping):
        raise IndexFormatError(f"{where}: expected an object, found {type(data).__name__}")
    fields = dataclasses.fields(typing.cast(Any, cls))
    names = {f.name for f in fields}
    missing = [
        f.name for f in fields
        if f.name not in data and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise IndexFormatError(f"{where}: field {missing[0]!r} is missing")
    nested = _nested_sections(cls)
    section = cls(**{
        key: section_from_json(nested[key], value, f"{where}: field {key!r}") if key in nested and value is not None else value
        for key, value in data.items() if key in names
    })
    unknown = {key: value for key, value in data.items() if key not in names}
    if unknown:
        object.__setattr__(section, _EXTRA, unknown)
    absent = names.difference(data)
    if absent:
        object.__setattr__(section, _ABSENT, absent)
    return section


def _nested_sections(cls: type) -> dict[str, type]:
    """Fields of ``cls`` typed as a dataclass (or one or ``None``): read as sections themselves."""
    hints = typing.get_type_hints(cls)
    nested = {}
    for name, hint in hints.items():
        candidates = [hint, *typing.get_args(hint)]
        kind = next((c for c in candidates if isinstance(c, type) and dataclasses.is_dataclass(c)), None)
        if kind is not None:
            nested[name] = kind
    return nested


def section_to_json(section: Any) -> Any:
    """The JSON object of a section dataclass (fields in declaration order), or a raw object as is."""
    if section is None or not dataclasses.is_dataclass(section) or isinstance(section, type):
        return section
    absent = getattr(section, _ABSENT, ())
    data = {f.name: section_to_json(getattr(section, f.name)) for f in dataclasses.fields(section) if f.name not in absent}
    return {**data, **getattr(section, _EXTRA, {})}


@dataclass
class DocumentsSection:
    """The documents of the generation; positions count tombstones too (the FAISS and BM25 rows)."""

    count: int
    corpus: str | None
    corpus_format: str
    corpus_checksum: str
    positions: int
    tombstones: int
    metadata_fields: list[str] = field(default_factory=list)


@dataclass
class EncoderSection:
    """The encoder that embedded the documents; queries must use the same (checked by checksum)."""

    name: str
    path: str
    checksum: str
    dimension: int
    max_seq_length: int
    is_default: bool
    backend: str = "torch"  # indexes from before the ONNX backends have no such field
    batch_size: int = 64
    normalized: bool = True


@dataclass
class BuildSection:
    dedupe: bool
    read_seconds: float
    encode_seconds: float | None
    encoded_from_cache: bool
    total_seconds: float


@dataclass
class FileDigest:
    bytes: int
    sha256: str


@dataclass
class Manifest:
    """One index's description; ``components`` maps each component's name to its section
    (``None`` where the index has no such component)."""

    scientia_version: str
    generation: int
    data_dir: str
    created: str
    documents: DocumentsSection
    components: dict[str, Any]
    build: BuildSection
    files: dict[str, FileDigest]
    last_change: dict[str, Any] | None = None
    format: str = FORMAT_NAME
    format_version: int = FORMAT_VERSION

    def section(self, component: str) -> Any:
        """The section of ``component``, or ``None`` where this index has none."""
        return self.components.get(component)

    def has(self, component: str) -> bool:
        return self.components.get(component) is not None

    def migrated(self) -> Manifest:
        """This manifest in the current format (what a write commits)."""
        return dataclasses.replace(self, format_version=FORMAT_VERSION)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": self.format,
            "format_version": self.format_version,
            "scientia_version": self.scientia_version,
            "generation": self.generation,
            "data_dir": self.data_dir,
            "created": self.created,
            "documents": section_to_json(self.documents),
        }
        components = {name: section_to_json(section) for name, section in self.components.items()}
        if self.format_version == 1:  # as it was read, until a write migrates it
            owner = dict(components[_FORMAT_1_ENCODER_OWNER])
            data["encoder"] = owner.pop("encoder")
            components[_FORMAT_1_ENCODER_OWNER] = owner
        data.update(components)
        data["build"] = section_to_json(self.build)
        data["files"] = {name: section_to_json(digest) for name, digest in self.files.items()}
        if self.last_change is not None:
            data["last_change"] = self.last_change
        return data

    @classmethod
    def from_json(cls, data: Any, where: str, section_types: Mapping[str, type]) -> Manifest:
        """Read a manifest; ``section_types`` types the sections of the components this process
        knows (the registry's); any other top-level object is kept as a raw component section."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT_NAME:
            raise IndexFormatError(f"{where}: not a scientia manifest (field 'format')")
        found = data.get("format_version")
        if not isinstance(found, int) or found > FORMAT_VERSION:
            from .layout import scientia_version

            raise IndexFormatError(
                f"{where}: field 'format_version' is {found!r}; this scientia "
                f"({scientia_version()}) reads format {FORMAT_VERSION} and older: upgrade scientia"
            )
        own = {"format", "format_version", "scientia_version", "generation", "data_dir", "created",
               "documents", "build", "files", "last_change"}
        for key in ("generation", "data_dir", "documents", "files", *(("encoder",) if found == 1 else ())):
            if key not in data:
                raise IndexFormatError(f"{where}: field {key!r} is missing")
        if found == 1:
            data = _format_1_as_2(data, where)
        components = {}
        for name, section in data.items():
            if name in own:
                continue
            kind = section_types.get(name)
            components[name] = (
                section_from_json(kind, section, f"{where}: field {name!r}") if kind is not None and section is not None else section
            )
        return cls(
            scientia_version=str(data.get("scientia_version", "0+unknown")),
            generation=int(data["generation"]),
            data_dir=str(data["data_dir"]),
            created=str(data.get("created", "")),
            documents=section_from_json(DocumentsSection, data["documents"], f"{where}: field 'documents'"),
            components=components,
            build=section_from_json(BuildSection, data.get("build") or {
                "dedupe": False, "read_seconds": 0.0, "encode_seconds": None, "encoded_from_cache": False, "total_seconds": 0.0,
            }, f"{where}: field 'build'"),
            files={
                name: section_from_json(FileDigest, digest, f"{where}: field 'files.{name}'")
                for name, digest in data["files"].items()
            },
            last_change=data.get("last_change"),
            format=FORMAT_NAME,
            format_version=found,
        )


def _format_1_as_2(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A format-1 manifest's JSON with its top-level encoder moved into the dense section."""
    owner = data.get(_FORMAT_1_ENCODER_OWNER)
    if not isinstance(owner, Mapping):
        raise IndexFormatError(f"{where}: field {_FORMAT_1_ENCODER_OWNER!r} is missing (format 1 has one)")
    section_from_json(EncoderSection, data["encoder"], f"{where}: field 'encoder'")  # names a missing field as format 1 does
    moved = {key: value for key, value in data.items() if key != "encoder"}
    moved[_FORMAT_1_ENCODER_OWNER] = {**owner, "encoder": data["encoder"]}
    return moved
