"""The index's knowledge graph: an owlready2 World in its own SQLite file, never ``default_world``.

Build: :meth:`KnowledgeBase.create` → :meth:`load` ontology files → :meth:`reason` (inferred facts
are stored; queries never start Java) → :meth:`close`. Query: :meth:`KnowledgeBase.open` is
read-only and answers :meth:`sparql` and :meth:`explain`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from scientia.common.errors import InvalidArgumentError, JavaNotFoundError

from .base import INFERRED_ONTOLOGY, Reasoner, ReasoningReport
from .description_logic import HermitReasoner, PelletReasoner
from .explain import Explanation, explain_individual
from .loading import load_ontologies
from .owl_rl import OwlRlReasoner, check_consistency
from .provenance import Statements, no_statements
from .sparql import SparqlAnswer, run_query

if TYPE_CHECKING:
    from .partitioned_rl import RayDistribution

__all__ = ["KnowledgeBase", "REASONERS", "REASONER_HELP", "REASONER_NAMES", "ReasonerName", "AUTO_DL_LIMIT"]

logger = logging.getLogger(__name__)

ReasonerName = Literal["auto", "hermit", "pellet", "rl"]
REASONERS: dict[str, type[Reasoner]] = {r.name: r for r in (HermitReasoner, PelletReasoner, OwlRlReasoner)}
# What --reasoner accepts: "auto" picks one of REASONERS by the ontology's size and Java.
REASONER_NAMES: tuple[str, ...] = ("auto", *REASONERS)
# Up to this many triples HermiT classifies in seconds; above it, instance data dominates and
# OWL 2 RL is about 10x faster (TOOLCHAIN.md: HermiT 53 s at 50k individuals, reasonable 5 s).
AUTO_DL_LIMIT = 20_000
# Each backend describes itself; the CLI shows these lines as the --reasoner help.
REASONER_HELP = f"auto: HermiT up to {AUTO_DL_LIMIT:,} triples, else rl. " + " ".join(
    f"{name}: {reasoner.help}" for name, reasoner in REASONERS.items()
)


class KnowledgeBase:
    def __init__(self, world, path: Path) -> None:
        self.world = world
        self.path = path
        self._dataset = None

    @classmethod
    def create(cls, path: str | Path) -> KnowledgeBase:
        from owlready2 import World

        path = Path(path)
        return cls(World(filename=str(path)), path)

    @classmethod
    def open(cls, path: str | Path) -> KnowledgeBase:
        """Open read-only; several processes may read one file at once. Nothing is written:
        owlready2 opens it ``mode=ro`` (so it runs no ANALYZE and leaves no journal)."""
        from owlready2 import World

        path = Path(path)
        world = World(filename=str(path), exclusive=False, read_only=True)
        return cls(world, path)

    def load(self, ontologies: Iterable[str | Path], search_paths: Iterable[str | Path] = ()) -> list:
        return load_ontologies(self.world, ontologies, list(search_paths))

    def load_written(self, path: Path, iri: str):
        """Load an N-Triples file scientia wrote itself (the extracted graph): straight into the
        quadstore, without the syntax check a user's file gets."""
        ontology = self.world.get_ontology(iri)
        with Path(path).open("rb") as stream:
            ontology.load(fileobj=stream, only_local=True, format="ntriples")
        return ontology

    def triple_count(self) -> int:
        objs = self.world.graph.execute("SELECT COUNT(*) FROM objs").fetchone()[0]
        datas = self.world.graph.execute("SELECT COUNT(*) FROM datas").fetchone()[0]
        return objs + datas

    def choose_reasoner(self, name: ReasonerName | str = "auto", java: str | Path | None = None,
                        distribution: RayDistribution | None = None) -> Reasoner:
        if name == "auto":
            if self.triple_count() > AUTO_DL_LIMIT:
                return OwlRlReasoner(distribution)
            try:
                return HermitReasoner(java)
            except JavaNotFoundError as error:
                logger.warning("%s; reasoning with OWL 2 RL instead", error)
                return OwlRlReasoner(distribution)
        if name not in REASONERS:
            raise InvalidArgumentError(f"unknown reasoner {name!r} (allowed: {', '.join(REASONER_NAMES)})")
        reasoner = REASONERS[name]
        # the Java reasoners take the Java executable; OWL 2 RL where (one process, or Ray) to run
        return cast(Any, reasoner)(java) if reasoner.needs_java else cast(Any, reasoner)(distribution)

    def reason(self, name: ReasonerName | str = "auto", java: str | Path | None = None,
               distribution: RayDistribution | None = None) -> ReasoningReport:
        """Infer and store everything the chosen reasoner entails, then close it under OWL 2 RL.

        The RL pass after a DL reasoner stores what owlready2 leaves implicit (every superclass
        of an inferred type, super-properties, inverses), so SPARQL sees the full entailed graph.
        With ``distribution`` the OWL 2 RL closure is computed in parts on the Ray cluster this
        process has joined (:mod:`.partitioned_rl`); a DL reasoner still classifies here.
        """
        reasoner = self.choose_reasoner(name, java, distribution)
        report = ReasoningReport(reasoner.name)
        inferred = self.world.get_ontology(INFERRED_ONTOLOGY)
        started = time.perf_counter()
        reasoner.infer(self.world, inferred, report)
        report.seconds[reasoner.name] = round(time.perf_counter() - started, 3)
        if not isinstance(reasoner, OwlRlReasoner):
            started = time.perf_counter()
            OwlRlReasoner(distribution).infer(self.world, inferred, report)
            report.seconds["rl-closure"] = round(time.perf_counter() - started, 3)
        check_consistency(self.world)
        report.inferred_triples = sum(
            self.world.graph.execute(f"SELECT COUNT(*) FROM {table} WHERE c=?", (inferred.graph.c,)).fetchone()[0]
            for table in ("objs", "datas")
        )
        self.world.save()
        logger.info("%s inferred %d facts in %.1f s", reasoner.name, report.inferred_triples, sum(report.seconds.values()))
        return report

    def inferred_facts(self) -> set[tuple]:
        """Every stored inferred fact: ``(s, p, o)`` IRIs, or ``(s, p, value, datatype)`` for a
        literal value as owlready2 stores it. Two closures compare equal as these sets."""
        graph, c = self.world.graph, self.world.get_ontology(INFERRED_ONTOLOGY).graph.c
        facts: set[tuple] = set(graph.execute(
            "SELECT s.iri, p.iri, o.iri FROM objs q JOIN resources s ON s.storid = q.s "
            "JOIN resources p ON p.storid = q.p JOIN resources o ON o.storid = q.o WHERE q.c = ?", (c,)))
        facts |= set(graph.execute(
            "SELECT s.iri, p.iri, q.o, q.d FROM datas q JOIN resources s ON s.storid = q.s "
            "JOIN resources p ON p.storid = q.p WHERE q.c = ?", (c,)))
        return facts

    def sparql(self, query: str) -> SparqlAnswer:
        """Answer a SPARQL 1.1 query over the stored graph (what :meth:`reason` saved)."""
        return run_query(self.dataset(), query)

    def explain(self, iri: str, statements: Statements = no_statements) -> list[Explanation]:
        """Why a class has its inferred superclasses (or is unsatisfiable), or why an individual
        has its inferred types and property values. ``iri`` may be a prefixed name as query tables
        print it (``pizza:PolloAdAstra``)."""
        from .explain_classes import explain_class, is_class
        from .quadstore import expand_name

        dataset = self.dataset()
        iri = expand_name(iri, {prefix: str(namespace) for prefix, namespace in dataset.store.namespaces()})
        if is_class(dataset, iri):
            return explain_class(dataset, iri, statements)
        return explain_individual(self.world, iri, statements)

    def dataset(self):
        """The stored graph as a read-only rdflib Dataset (opened once)."""
        if self._dataset is None:
            from .quadstore import open_dataset

            self._dataset = open_dataset(self.path)
        return self._dataset

    def close(self) -> None:
        if self._dataset is not None:
            self._dataset.store.close()
        self.world.close()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
