"""The query side: open an index folder, run its signals, fuse them, attach evidence.

A query flows ``Engine.search`` → each :class:`~.signals.Signal` of the mode ranks documents →
:mod:`.fusion` merges the rankings → the document store supplies titles and text → :class:`~.hits.Hit`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from scientia.indexers.builder import BM25_DIR, DOCUMENTS_FILE, VECTORS_FILE
from scientia.indexers.docstore import DocumentStore
from scientia.indexers.encoder import Device, Encoder, checked_model_path
from scientia.indexers.errors import InvalidArgumentError
from scientia.indexers.filters import filters_to_sql, parse_filter
from scientia.indexers.knowledge_store import KNOWLEDGE_FILE, KnowledgeStore
from scientia.indexers.layout import IndexLayout
from scientia.indexers.lexical import BM25Params

from .fusion import FUSION_METHODS, FusionMethod, fuse
from .hits import Hit, SignalEvidence
from .rerank import CrossEncoderReranker
from .signals import DenseSignal, KnowledgeSignal, LexicalSignal, Restriction, Signal, SignalResult

__all__ = ["Engine", "SearchMode", "MODES", "DEFAULT_DEPTH"]

logger = logging.getLogger(__name__)

SearchMode = Literal["dense", "lexical", "hybrid", "knowledge", "hybrid+knowledge"]
MODES: dict[str, tuple[str, ...]] = {
    "dense": ("dense",),
    "lexical": ("lexical",),
    "hybrid": ("dense", "lexical"),
    "knowledge": ("knowledge",),
    "hybrid+knowledge": ("dense", "lexical", "knowledge"),
}
# Candidates each signal contributes before fusion; at least Recall@100's cut-off.
DEFAULT_DEPTH = 100
# Entailment outranks similarity: with the knowledge signal weighted as much as the two text
# signals together, a document the reasoner connects to the query comes before one that only
# resembles it, and the text signals order the documents within each group. Equal weights let
# text-similar non-answers (a topping described as hot, for "spicy pizza") push answers down:
# on the pizza benchmark hybrid+knowledge then scored below knowledge alone (README, Choices).
SIGNAL_WEIGHTS = {"dense": 0.25, "lexical": 0.25, "knowledge": 0.5}
# The knowledge signal's 2^-depth scores are absolute; the others' only mean something ranked.
ABSOLUTE_SCORES = frozenset({"knowledge"})
MAX_QUERY_CHARS = 10_000


class Engine:
    """Searches one index. Signals load on first use, so a lexical query never loads the encoder."""

    def __init__(self, root: Path, manifest: dict[str, Any], store: DocumentStore, signal_loaders: dict[str, Callable[[], Signal]]):
        self.root = root
        self.manifest = manifest
        self.store = store
        self._signal_loaders = signal_loaders
        self._signals: dict[str, Signal] = {}
        self._loading = threading.Lock()  # a server's threads may ask for a signal at once
        # A generation never changes once committed, so its tombstones are read once.
        self._tombstones = Restriction(excluded=frozenset(store.deleted_positions()))
        self._metadata_fields: list[str] | None = None

    @classmethod
    def open(
        cls, path: str | Path, model: str | Path | None = None, device: Device = "auto", encoder: Encoder | None = None
    ) -> Engine:
        """Open an index folder. ``model`` must be the encoder the index was built with (checked by checksum).

        ``encoder``: an already loaded encoder to reuse (a server reopening a newer generation),
        used when it is the index's own.
        """
        layout = IndexLayout(path)
        manifest = layout.read_manifest()
        data = layout.data_dir(manifest)
        store = DocumentStore.open(data / DOCUMENTS_FILE)
        model_path = checked_model_path(layout.root, manifest["encoder"], model)

        def load_dense() -> Signal:
            from scientia.indexers.dense import DenseIndex

            recorded = manifest["encoder"]
            backend = recorded.get("backend", "torch")  # queries run on the backend the documents did
            reusable = encoder is not None and encoder.cache_key == Encoder.key_for(recorded["checksum"], backend)
            chosen = encoder if reusable else Encoder(model_path, device, checksum=recorded["checksum"], backend=backend)
            return DenseSignal(chosen, DenseIndex.load(data / VECTORS_FILE, manifest["dense"]["factory"]))

        def load_lexical() -> Signal:
            from scientia.indexers.lexical import LexicalIndex

            params = {k: v for k, v in manifest["lexical"].items() if k in BM25Params.__dataclass_fields__}
            return LexicalSignal(LexicalIndex.load(data / BM25_DIR, BM25Params(**params)))

        loaders = {"dense": load_dense, "lexical": load_lexical}
        if manifest.get("knowledge"):
            loaders["knowledge"] = lambda: KnowledgeSignal(KnowledgeStore.open(data / KNOWLEDGE_FILE))
        return cls(layout.root, manifest, store, loaders)

    @property
    def loaded_signals(self) -> list[str]:
        """Signals already loaded (a server warms the same ones when it opens a newer generation)."""
        return list(self._signals)

    @property
    def has_knowledge(self) -> bool:
        return "knowledge" in self._signal_loaders

    @property
    def default_mode(self) -> SearchMode:
        """``hybrid+knowledge`` where the index holds a knowledge graph, else ``hybrid``."""
        return "hybrid+knowledge" if self.has_knowledge else "hybrid"

    def signal(self, name: str) -> Signal:
        if name not in self._signal_loaders:
            raise InvalidArgumentError(
                f"{self.root}: this index has no knowledge graph (build it with --ontology) for the {name} signal"
            )
        if name not in self._signals:
            with self._loading:
                if name not in self._signals:
                    self._signals[name] = self._signal_loaders[name]()
        return self._signals[name]

    def __len__(self) -> int:
        """Live documents."""
        return int(self.manifest["documents"]["count"])

    def search(
        self,
        query: str,
        k: int = 10,
        mode: SearchMode | None = None,
        fusion: FusionMethod = "wsum",
        depth: int = DEFAULT_DEPTH,
        filters: Sequence[str] = (),
        reranker: CrossEncoderReranker | None = None,
    ) -> list[Hit]:
        """The top ``k`` documents for ``query``, each with its per-signal evidence.

        ``filters`` (``"year>=2020"``, ``"lang=en"``) restrict every signal's search to documents
        whose metadata matches all of them. A ``reranker`` re-scores the fused head of the list.
        """
        return self.search_batch([query], k, mode, fusion, depth, filters, reranker)[0]

    def search_batch(
        self,
        queries: list[str],
        k: int = 10,
        mode: SearchMode | None = None,
        fusion: FusionMethod = "wsum",
        depth: int = DEFAULT_DEPTH,
        filters: Sequence[str] = (),
        reranker: CrossEncoderReranker | None = None,
    ) -> list[list[Hit]]:
        """:meth:`search` for many queries at once; signals batch their work (one encoder call, one FAISS call)."""
        mode = mode or self.default_mode
        _check_arguments(queries, k, mode, fusion)
        names = MODES[mode]
        restriction = self._restriction(filters)
        wanted = max(k, reranker.depth) if reranker else k
        per_signal = {name: self.signal(name).rank(queries, max(wanted, depth), restriction) for name in names}
        fused = [self._hits({name: per_signal[name][i] for name in names}, wanted, fusion) for i in range(len(queries))]
        if reranker is None:
            return fused
        return [reranker.rerank(query, hits)[:k] for query, hits in zip(queries, fused)]

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

    def _hits(self, results: dict[str, SignalResult], k: int, fusion: str) -> list[Hit]:
        rankings = {name: result.ranking for name, result in results.items()}
        if len(rankings) == 1:
            fused = next(iter(rankings.values()))
        else:
            weights = {name: SIGNAL_WEIGHTS[name] for name in rankings} if "knowledge" in rankings else None
            fused = fuse(fusion, rankings, weights, ABSOLUTE_SCORES)
        top = fused[:k]
        evidence = {
            name: {
                position: SignalEvidence(rank, score, result.chains.get(position, ()))
                for rank, (position, score) in enumerate(result.ranking, start=1)
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

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_arguments(queries: list[str], k: int, mode: str, fusion: str) -> None:
    if mode not in MODES:
        raise InvalidArgumentError(f"unknown mode {mode!r} (allowed: {', '.join(MODES)})")
    if fusion not in FUSION_METHODS:
        raise InvalidArgumentError(f"unknown fusion method {fusion!r} (allowed: {', '.join(FUSION_METHODS)})")
    if not isinstance(k, int) or k < 1:
        raise InvalidArgumentError(f"k must be a positive integer, got {k!r}")
    for query in queries:
        if not query or not query.strip():
            raise InvalidArgumentError("empty query")
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidArgumentError(f"query of {len(query):,} characters exceeds the limit of {MAX_QUERY_CHARS:,}")
