"""The stored graph as integer triples, the form OWL 2 RL materialization works on, in one process
or in parts on Ray (:mod:`.partitioned_rl`).

Each term is its quadstore id: owlready2's ``storid`` for an IRI (positive), a blank node's
(negative), and for each distinct literal ``LITERAL_BASE + k``. The rules compare literals and
IRIs outside the RDF, RDFS, OWL and XSD vocabularies only for identity, so reasonable reads such
terms as opaque tokens (:data:`IRI_TOKEN`, :data:`LITERAL_TOKEN`) and only the vocabulary as
IRIs. An array of int64 rows is 24 bytes a triple, against several hundred for Python tuples of
strings, which is what lets a driver route millions of facts between parts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .base import OWL, RDF, RDFS, XSD

__all__ = ["EncodedGraph", "encode_world", "materialize", "rename_new", "closure_rows", "difference", "unique_rows",
           "concatenate", "IRI_TOKEN", "LITERAL_TOKEN", "LITERAL_BASE", "NEW_NAME_BASE", "VOCABULARY"]

# The stand-ins reasonable reads: for a literal, and for a stored IRI outside the vocabulary.
LITERAL_TOKEN = "urn:scientia:literal:"
IRI_TOKEN = "urn:scientia:iri:"
# Literal k is id LITERAL_BASE + k: above any storid owlready2 hands out (it counts from 300).
LITERAL_BASE = 1 << 40
# IRIs the OWL 2 RL rules read (rdf:type, owl:sameAs, ...) travel as themselves.
VOCABULARY = (RDF, RDFS, OWL, XSD)
_NO_ROWS = np.zeros((0, 3), dtype=np.int64)


@dataclass
class EncodedGraph:
    """Every stored triple (asserted and inferred so far) as ids, and what the ids stand for."""

    triples: np.ndarray  # (n, 3) int64
    literals: list[tuple[object, object]]  # literal k → owlready2's (value, d)
    vocabulary: dict[int, str]  # id → IRI, for the vocabulary's IRIs only
    ids: dict[str, int] = field(default_factory=dict)  # the inverse of vocabulary

    def __post_init__(self) -> None:
        self.ids = {iri: number for number, iri in self.vocabulary.items()}

    def id_of(self, iri: str) -> int | None:
        return self.ids.get(iri)

    def ids_of(self, iris) -> list[int]:
        """The ids of those of ``iris`` the store has."""
        return [number for number in map(self.ids.get, iris) if number is not None]

    def add_name(self, iri: str, number: int) -> None:
        """A vocabulary IRI given an id after encoding (one the rules may write)."""
        self.vocabulary[number] = iri
        self.ids[iri] = number


def encode_world(world) -> EncodedGraph:
    """Read the world's quadstore (all graphs) as integer triples."""
    graph = world.graph
    vocabulary = {number: iri for number, iri in graph.execute("SELECT storid, iri FROM resources")
                  if iri.startswith(VOCABULARY)}
    objs = np.array(graph.execute("SELECT s, p, o FROM objs").fetchall(), dtype=np.int64).reshape(-1, 3)
    literal_ids: dict[tuple, int] = {}
    datas = []
    for s, p, o, d in graph.execute("SELECT s, p, o, d FROM datas"):
        key = (o, d)
        number = literal_ids.get(key)
        if number is None:
            number = literal_ids[key] = LITERAL_BASE + len(literal_ids)
        datas.append((s, p, number))
    triples = np.concatenate([objs, np.array(datas, dtype=np.int64).reshape(-1, 3)])
    return EncodedGraph(triples, list(literal_ids), vocabulary)


def _term(number: int, vocabulary: dict[int, str]):
    if number < 0:
        import rdflib

        return rdflib.BNode(f"b{-number}")
    if number >= LITERAL_BASE:
        return f"{LITERAL_TOKEN}{number - LITERAL_BASE}"
    return vocabulary.get(number) or f"{IRI_TOKEN}{number}"


def materialize(triples: np.ndarray, vocabulary: dict[int, str]) -> tuple[np.ndarray, list[str]]:
    """The OWL 2 RL closure of ``triples`` (reasonable), as ids, input included.

    An IRI the rules made that no id stands for yet (``owl:Thing`` in an ontology that never
    names it) gets id ``-(2**62) - k`` for the k-th of the returned names: the caller, which owns
    the quadstore, gives it a real one (:func:`closure_rows`)."""
    import rdflib
    import reasonable

    from scientia.common.errors import OntologyError

    engine = reasonable.PyReasoner()
    try:
        engine.from_graph([tuple(_term(int(n), vocabulary) for n in row) for row in triples.tolist()])
        closure = engine.reason()
    except BaseException as error:  # a Rust panic arrives as pyo3's PanicException, a BaseException
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        raise OntologyError(f"the OWL 2 RL reasoner failed on this ontology ({str(error).splitlines()[0][:200]}); "
                            "try --reasoner hermit") from None
    ids = {iri: number for number, iri in vocabulary.items()}
    new_names: dict[str, int] = {}

    def number_of(term) -> int:
        text = str(term)
        if isinstance(term, rdflib.BNode):
            return -int(text[1:])
        if text.startswith(IRI_TOKEN):
            return int(text[len(IRI_TOKEN):])
        if text.startswith(LITERAL_TOKEN):
            return LITERAL_BASE + int(text[len(LITERAL_TOKEN):])
        known = ids.get(text)
        if known is None:
            known = new_names.setdefault(text, NEW_NAME_BASE - len(new_names))
        return known

    rows = np.array([(number_of(s), number_of(p), number_of(o)) for s, p, o in closure], dtype=np.int64)
    return rows.reshape(-1, 3), list(new_names)


# Ids of IRIs the rules named that the quadstore has not seen: far below any blank node's.
NEW_NAME_BASE = -(1 << 62)


def rename_new(rows: np.ndarray, new_names: Sequence[str], id_for) -> np.ndarray:
    """``rows`` with the stand-ins of :func:`materialize`'s new names replaced by ``id_for(name)``."""
    if not new_names:
        return rows
    rows = rows.copy()
    for k, name in enumerate(new_names):
        rows[rows == NEW_NAME_BASE - k] = id_for(name)
    return rows


def unique_rows(rows: np.ndarray) -> np.ndarray:
    """The distinct rows of an (n, 3) int64 array."""
    if len(rows) == 0:
        return _NO_ROWS
    return np.unique(np.ascontiguousarray(rows, dtype=np.int64), axis=0)


def difference(rows: np.ndarray, known: np.ndarray) -> np.ndarray:
    """The distinct rows of ``rows`` that are not rows of ``known`` (both (n, 3) int64)."""
    rows = unique_rows(rows)
    if len(rows) == 0 or len(known) == 0:
        return rows
    as_records = np.dtype([("s", np.int64), ("p", np.int64), ("o", np.int64)])
    left = np.ascontiguousarray(rows).view(as_records).ravel()
    right = np.ascontiguousarray(known, dtype=np.int64).view(as_records).ravel()
    return rows[~np.isin(left, right)]


def concatenate(parts: Iterable[np.ndarray]) -> np.ndarray:
    arrays = [part for part in parts if len(part)]
    return np.concatenate(arrays) if arrays else _NO_ROWS


_HIERARCHY = (f"{RDFS}subClassOf", f"{RDFS}subPropertyOf")
# Reflexive axioms every RL engine adds (C ⊑ C, x sameAs x): true, useless, and numerous.
_REFLEXIVE = (*_HIERARCHY, f"{OWL}equivalentClass", f"{OWL}equivalentProperty", f"{OWL}sameAs")
_TRIVIAL_OBJECTS = (f"{OWL}Thing", f"{RDFS}Resource")


def closure_rows(closure: np.ndarray, encoded: EncodedGraph) -> tuple[list[tuple[int, int, int]], list[tuple]]:
    """What of ``closure`` the quadstore should gain: (objs rows, datas rows), each new.

    Left out: facts about blank nodes (they describe anonymous class expressions, which queries
    and the knowledge signal never ask about), about literals (their datatype class), reflexive
    axioms, types and values of ``owl:Thing``/``rdfs:Resource``, and C ⊑ D where D ⊑ C also
    holds (stored as C ≡ D only: owlready2 warns on, and ignores, subclass cycles)."""
    new = difference(closure, encoded.triples)
    new = new[(new[:, 0] >= 0) & (new[:, 2] >= 0) & (new[:, 0] < LITERAL_BASE)]
    reflexive, trivial = encoded.ids_of(_REFLEXIVE), encoded.ids_of(_TRIVIAL_OBJECTS)
    new = new[~((np.isin(new[:, 1], reflexive) & (new[:, 0] == new[:, 2])) | np.isin(new[:, 2], trivial))]
    hierarchy = closure[np.isin(closure[:, 1], encoded.ids_of(_HIERARCHY))]  # the closure holds its input
    pairs = {(s, p, o) for s, p, o in hierarchy.tolist() if s != o}
    objs: list[tuple[int, int, int]] = []
    datas: list[tuple] = []
    for s, p, o in new.tolist():
        if (o, p, s) in pairs:
            continue
        if o >= LITERAL_BASE:
            value, datatype = encoded.literals[o - LITERAL_BASE]
            datas.append((s, p, value, datatype))
        else:
            objs.append((s, p, o))
    return objs, datas
