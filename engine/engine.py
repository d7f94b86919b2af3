"""The query side: open an index folder, run its signals, fuse them, attach evidence.

A query flows ``Engine.search`` → each :class:`~.signals.Signal` of the mode ranks documents →
:mod:`.fusion` merges the rankings → the document store supplies titles and text → :class:`~.hits.Hit`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from scientia.common.errors import InvalidArgumentError
from scientia.common.models import Device
from scientia.indexers.components import COMPONENTS, ModelRequest, ShardHost
from scientia.indexers.docstore import DocumentStore
from scientia.indexers.filters import filters_to_sql, parse_filter
from scientia.indexers.generation import Generation, knowledge_graph_file
from scientia.indexers.manifest import Manifest

if TYPE_CHECKING:
    from rdflib import Dataset

    from scientia.reasoners.sparql import SparqlAnswer

from .fusion import (
    DEFAULT_FUSION,
    FUSION_METHODS,
    FusionMethod,
    LearnedFusion,
    SignalRun,
    fuse,
)
from .hits import Hit, SignalEvidence
from .modes import MODES, SearchMode, default_mode
from .rerank import CrossEncoderReranker
from .signals import SIGNALS, Ranking, Restriction, Signal, SignalOptions, SignalResult

__all__ = ["Engine", "SearchMode", "MODES", "DEFAULT_DEPTH", "MAX_QUERY_CHARS"]

logger = logging.getLogger(__name__)

# Candidates each signal contributes before fusion; at least Recall@100's cut-off.
DEFAULT_DEPTH = 100
MAX_QUERY_CHARS = 10_000
# Threads that rank a mode's second and later signals, shared by the engine's callers.
RANKING_THREADS = 8


class Engine:
    """Searches one index generation. Signals load on first use, so a lexical query never loads the encoder."""

    def __init__(self, generation: Generation, store: DocumentStore, options: SignalOptions) -> None:
        self.generation = generation
        self.store = store
        self._options = options
        self._signals: dict[str, Signal] = {}
        self._loading = threading.Lock()  # a server's threads may ask for a signal at once
        # A generation never changes once committed, so what no search may return (tombstones,
        # documents with no text and no title) is read once.
        self._tombstones = Restriction(excluded=frozenset(store.unsearchable_positions()))
        self._metadata_fields: list[str] | None = None
        self._graph: Dataset | None = None  # the stored knowledge graph, opened for the first SPARQL query
        self._graph_file: Path | None = None
        self._ranking_pool: ThreadPoolExecutor | None = None  # the signals of a mode rank at once (see _rank)
        self.learned_fusion = self._checked_learned_fusion()

    @classmethod
    def open(
        cls, path: str | Path, model: str | Path | None = None, device: Device = "auto", loaded: tuple[Any, ...] = (),
        shard_host: ShardHost | None = None,
    ) -> Engine:
        """Open an index folder. ``model`` must be the model the index was built with (the
        encoder, checked by checksum); without it the recorded one is found and checked when a
        query first needs it, so lexical and knowledge queries need no model folder at all.

        ``loaded``: models already loaded that the signals may reuse where they are this index's
        own (a server reopening a newer generation). ``shard_host``: where a sharded index's shards
        are searched (:class:`~.shard_actors.RayShardHost`); by default, threads of this process.
        """
        generation = Generation.open(path)
        if model is not None:  # asked for by name: checked now; otherwise when a query first needs it
            request = ModelRequest(model, device)
            for name in generation.models():
                generation.component(name).load_model(generation.root, generation.manifest.section(name), request)
        store = generation.open_documents()
        return cls(generation, store, SignalOptions(model, device, loaded, shard_host))

    @property
    def root(self) -> Path:
        return self.generation.root

    @property
    def manifest(self) -> Manifest:
        return self.generation.manifest

    @property
    def available_signals(self) -> list[str]:
        """Signals this index can run: those whose components it has."""
        return [name for name, signal in SIGNALS.items() if all(self.generation.has(c) for c in signal.requires)]

    @property
    def modes(self) -> list[str]:
        """Modes this index offers: those whose every signal it can run."""
        available = set(self.available_signals)
        return [name for name, signals in MODES.items() if set(signals) <= available]

    @property
    def loaded_signals(self) -> list[str]:
        """Signals already loaded (a server warms the same ones when it opens a newer generation)."""
        return list(self._signals)

    def has_signal(self, name: str) -> bool:
        """Whether this index can run the signal ``name`` (it has every component the signal needs)."""
        return name in self.available_signals

    @property
    def has_knowledge(self) -> bool:
        """Whether a component of this index provides a knowledge graph (for SPARQL and reasoning)."""
        return self.generation.provider("graph") is not None

    @property
    def default_mode(self) -> SearchMode:
        """The latest registered default mode this index offers (``hybrid+knowledge`` where it
        holds a knowledge graph, else ``hybrid``; a plugin may register another)."""
        return default_mode(self.modes)
    def signal(self, name: str) -> Signal:
        signal = SIGNALS[name]
        missing = [COMPONENTS[c].absent_hint for c in signal.requires if not self.generation.has(c)]
        if missing:
            raise InvalidArgumentError(f"{self.root}: this index has no {' and no '.join(missing)} for the {name} signal")
        if name not in self._signals:
            with self._loading:
                if name not in self._signals:
                    self._signals[name] = signal.open(self.generation, self._options)
        return self._signals[name]

    def __len__(self) -> int:
        """Live documents."""
        return self.manifest.documents.count

    def search(
        self,
        query: str,
        k: int = 10,
        mode: SearchMode | str | None = None,
        fusion: FusionMethod | str = DEFAULT_FUSION,
        depth: int = DEFAULT_DEPTH,
        filters: Sequence[str] = (),
        reranker: CrossEncoderReranker | None = None,
    ) -> list[Hit]:
        """The top ``k`` documents for ``query``, each with its per-signal evidence.

        ``mode`` is a name in :data:`~.modes.MODES` (default: :attr:`default_mode`), ``fusion`` one
        in :data:`~.fusion.FUSION_METHODS`; plugins may have registered more of either.

        ``filters`` (``"year>=2020"``, ``"lang=en"``) restrict every signal's search to documents
        whose metadata matches all of them. A ``reranker`` re-scores the fused head of the list.
        """
        return self.search_batch([query], k, mode, fusion, depth, filters, reranker)[0]

    def search_batch(
        self,
        queries: list[str],
        k: int = 10,
        mode: SearchMode | str | None = None,
        fusion: FusionMethod | str = DEFAULT_FUSION,
        depth: int = DEFAULT_DEPTH,
        filters: Sequence[str] = (),
        reranker: CrossEncoderReranker | None = None,
    ) -> list[list[Hit]]:
        """:meth:`search` for many queries at once; signals batch their work (one encoder call, one FAISS call)."""
        names = MODES[mode or self.default_mode]  # an unknown mode fails here, listing the known ones
        _check_arguments(queries, k, fusion)
        restriction = self._restriction(filters)
        wanted = max(k, reranker.depth) if reranker else k
        searched = max(wanted, depth)
        refiners = self._refiners(names, fusion)
        per_signal = self._rank(tuple(name for name in names if name not in refiners), queries, searched, restriction)
        rankings = [self._fused({name: found[i] for name, found in per_signal.items()}, fusion, searched)
                    for i in range(len(queries))]
        for name in refiners:
            per_signal[name] = self.signal(name).refine(queries, rankings, searched, restriction)
            rankings = [_led_by(result.ranking, ranking) for result, ranking in zip(per_signal[name], rankings, strict=True)]
        fused = [self._hits({name: per_signal[name][i] for name in names}, rankings[i], wanted) for i in range(len(queries))]
        if reranker is None:
            return fused
        return [reranker.rerank(query, hits)[:k] for query, hits in zip(queries, fused, strict=False)]

    def _refiners(self, names: tuple[str, ...], fusion: str) -> list[str]:
        """The mode's signals that re-rank the others' fused ranking (:attr:`Signal.refines_fusion`).
        Alone in a mode, such a signal ranks as any other; so it does under a learned fusion,
        which was fitted on every signal's run side by side."""
        if len(names) == 1 or fusion == "learned":
            return []
        return [name for name in names if self.signal(name).refines_fusion]

    def _rank(self, names: tuple[str, ...], queries: list[str], depth: int, restriction: Restriction) -> dict[str, list[SignalResult]]:
        """Each signal's results. The mode's other signals rank in pool threads while the first
        ranks in the calling thread: the encoder, FAISS and the knowledge walk's sparse solve
        release the GIL, so a mode takes about as long as its slowest signal rather than their
        sum, and concurrent callers still reach the first signal at once (the dense signal
        batches them)."""
        signals = [(name, self.signal(name)) for name in names]
        if len(signals) == 1:
            return {name: signal.rank(queries, depth, restriction) for name, signal in signals}
        if self._ranking_pool is None:
            with self._loading:
                if self._ranking_pool is None:
                    self._ranking_pool = ThreadPoolExecutor(max_workers=RANKING_THREADS, thread_name_prefix="scientia-signal")
        (first, signal), others = signals[0], signals[1:]
        started = {name: self._ranking_pool.submit(other.rank, queries, depth, restriction) for name, other in others}
        return {first: signal.rank(queries, depth, restriction), **{name: future.result() for name, future in started.items()}}

    def _restriction(self, filters: Sequence[str]) -> Restriction:
        if not filters:
            return self._tombstones
        where, parameters = filters_to_sql([parse_filter(f) for f in filters], self.metadata_fields)
        return Restriction(allowed=frozenset(self.store.matching_positions(where, parameters)))

    @property
    def metadata_fields(self) -> list[str]:
        if self._metadata_fields is None:
            self._metadata_fields = self.store.metadata_fields()
        return self._metadata_fields

    def _checked_learned_fusion(self) -> LearnedFusion | None:
        """The fusion fitted for this generation, if any, provided it was fitted with its models."""
        learned = LearnedFusion.of_generation(self.generation)
        fitted_with = learned.fitted_on.get("encoder_checksum") if learned else None
        checksums = {model.checksum for models in self.generation.models().values() for model in models}
        if learned is not None and fitted_with is not None and fitted_with not in checksums:
            logger.warning("%s: the learned fusion was fitted with another encoder (%s); refit it with "
                           "'scientia bench --fusion learned'", self.root, str(fitted_with)[:12])
            return None
        return learned

    @property
    def fusion_methods(self) -> list[str]:
        """The fusion methods this index can answer with: ``learned`` only where it has fitted one."""
        return [name for name in FUSION_METHODS if name != "learned" or self.learned_fusion is not None]

    def fusion(self, name: str):
        """The fusion method ``name``: this index's fitted one for ``learned``, else the registered one."""
        if name == "learned" and self.learned_fusion is not None:
            return self.learned_fusion
        return FUSION_METHODS[name]

    @staticmethod
    def fuse_rankings(rankings: Mapping[str, Ranking], fusion=DEFAULT_FUSION,
                      coverage: Mapping[str, float] | None = None, depth: int | None = None,
                      weights: Mapping[str, float | None] | None = None) -> Ranking:
        """One ranking from the signals' rankings, combined by ``fusion`` (a method's name, or a
        fusion such as :meth:`fusion` gives) with what each signal says of itself (normalization,
        relative weight, floor) and how much of the query each could read (``coverage``, default
        1). ``depth``: how many documents each signal was asked for; a ranking that long was cut
        there (unknown depth: every ranking counts as cut). ``weights``: a signal's weight where
        its result gave one (:attr:`SignalResult.weight`); a signal weighing nothing is left out (its
        evidence is still told). One signal's ranking stands as is."""
        weights = weights or {}
        rankings = {name: ranking for name, ranking in rankings.items()
                    if _weight(weights.get(name), SIGNALS[name].weight) > 0} or rankings
        if len(rankings) == 1:
            return list(next(iter(rankings.values())))
        return cast(Ranking, fuse(fusion, Engine.signal_runs(rankings, coverage, depth, weights)))  # positions in, positions out

    @staticmethod
    def signal_runs(rankings: Mapping[str, Ranking], coverage: Mapping[str, float] | None = None,
                    depth: int | None = None, weights: Mapping[str, float | None] | None = None) -> dict[str, SignalRun]:
        """What a fusion method receives of each signal (see :meth:`fuse_rankings`)."""
        coverage, weights = coverage or {}, weights or {}
        return {
            name: SignalRun(ranking, SIGNALS[name].normalization, _weight(weights.get(name), SIGNALS[name].weight),
                            coverage.get(name, 1.0),
                            SIGNALS[name].score_floor, cut=depth is None or len(ranking) >= depth)
            for name, ranking in rankings.items()
        }

    def _fused(self, results: Mapping[str, SignalResult], fusion: str, depth: int) -> Ranking:
        return self.fuse_rankings({name: result.ranking for name, result in results.items()}, self.fusion(fusion),
                                  {name: result.coverage for name, result in results.items()}, depth,
                                  {name: result.weight for name, result in results.items()})

    def _hits(self, results: dict[str, SignalResult], ranking: Ranking, k: int) -> list[Hit]:
        top = ranking[:k]
        shown = {position for position, _ in top}  # a chain is told only for a hit (the walk's are made on demand)
        evidence = {
            name: {
                position: SignalEvidence(rank, score, result.chains.get(position, ()))
                for rank, (position, score) in enumerate(result.ranking, start=1) if position in shown
            }
            for name, result in results.items()
        }
        documents = self.store.get_by_positions([position for position, _ in top])
        hits = []
        for rank, (position, score) in enumerate(top, start=1):
            document = documents[position]
            signals = {name: found[position] for name, found in evidence.items() if position in found}
            hits.append(Hit(rank, document.id, float(score), document.title, document.text, signals, document.metadata))
        return hits

    def knowledge_graph_file(self) -> Path:
        """The file holding this generation's knowledge graph (asserted plus inferred), checked
        against the manifest by the generation, as every component's files are: once, since a
        committed generation never changes (a server asks at every SPARQL request)."""
        if self._graph_file is None:
            self._graph_file = knowledge_graph_file(self.generation)
        return self._graph_file

    def sparql(self, query: str) -> SparqlAnswer:
        """Answer a SPARQL 1.1 query over this generation's knowledge graph (asserted plus
        inferred), read in place and read-only: any number of threads and processes at once.

        It runs in the calling thread with no time limit, for trusted callers; a server runs
        users' queries in worker processes within a budget (:class:`~scientia.reasoners.sparql_pool.SparqlPool`).
        """
        from scientia.reasoners.quadstore import open_dataset
        from scientia.reasoners.sparql import run_query

        graph_file = self.knowledge_graph_file()
        with self._loading:
            if self._graph is None:
                self._graph = open_dataset(graph_file)
        return run_query(self._graph, query)

    def close(self) -> None:
        if self._ranking_pool is not None:
            self._ranking_pool.shutdown(wait=True)
        self.store.close()
        if self._graph is not None:
            self._graph.store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_arguments(queries: list[str], k: int, fusion: str) -> None:
    FUSION_METHODS[fusion]  # an unknown method fails here, listing the known ones
    if not isinstance(k, int) or k < 1:
        raise InvalidArgumentError(f"k must be a positive integer, got {k!r}")
    for query in queries:
        if not query or not query.strip():
            raise InvalidArgumentError("empty query")
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidArgumentError(f"query of {len(query):,} characters exceeds the limit of {MAX_QUERY_CHARS:,}")


def _led_by(leading: Ranking, fused: Ranking) -> Ranking:
    """``leading`` (a refining signal's ranking), then the documents of ``fused`` it left out, in
    their fused order, scored 0: the refining signal did not reach them."""
    if not leading:
        return fused
    ranked = {position for position, _ in leading}
    return list(leading) + [(position, 0.0) for position, _ in fused if position not in ranked]


def _weight(given: float | None, declared: float) -> float:
    return declared if given is None else given
