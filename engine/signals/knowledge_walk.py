"""The knowledge signal over a graph extracted from the corpus: a walk from the query's entities.

The graph's nodes are the entities and the documents. A document links to each entity it
mentions; two entities link where a fact joins them (a verb relation, an is-a, a co-occurrence
stated more than once, or one step the reasoner takes: a subclass, an instance, a property
value). Personalized PageRank (Haveliwala, "Topic-sensitive PageRank", WWW 2002) restarts from
the entities the query names, each weighted by its specificity (the BM25 IDF of the documents
mentioning it, as the reach signal weighs them), and a document scores the probability the walk
is found at it: documents naming the query's entities first, then those one fact or one shared
entity away, which is how an answer spread over passages is reached (HippoRAG, Gutiérrez et al.,
NeurIPS 2024, arXiv 2405.14831, with damping 0.5 as there). Moving along a link, the walk prefers
specific entities over generic ones (each link weighed by its target's specificity), so a hub
such as "patients" does not drain it.

The stationary vector solves (I − αPᵀ)x = (1 − α)s, which SciPy's BiCGSTAB solves in a few
sparse products (α = 0.5 keeps the system well conditioned). Each hit's chain is the path: query
entity → fact (with the sentence stating it) → entity → mentioned in this document.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from scientia.indexers.analysis import STOPWORDS_EN
from scientia.indexers.knowledge_store import KnowledgeStore, StoredFact
from scientia.indexers.linking import normalize_words

from .base import Restriction, SignalResult
from .knowledge import KnowledgeSignal, entity_idf

if TYPE_CHECKING:
    from scientia.indexers.generation import Generation

__all__ = ["KnowledgeWalk", "DAMPING", "REASONING_STEP_CONFIDENCE", "TITLE_WEIGHT", "WALK_WEIGHT"]

DAMPING = 0.5  # the probability of following a link rather than restarting (HippoRAG's 0.5)
REASONING_STEP_CONFIDENCE = 1.0  # a step the reasoner takes is as sure as the graph it reasons over
_TOLERANCE = 1e-8
# The walk's weight beside the text signals' 1 each. Its scores spread over every document near
# the query's entities, where the reach signal's steps are entailments: at the reach's 4 the walk
# outvoted dense and lexical and lost what they found (MuSiQue train100 R@5: 0.6458 at 4, 0.6558
# at 1, 0.6767 at 2; benchmarks/results/multihop); 1.5 lies between the two best.
WALK_WEIGHT = 1.5
# How much more a passage is tied to the entity its title names than to one it mentions: the walk
# reaching "Wiley-Blackwell" should land on Wiley-Blackwell's page, not on every page naming it.
TITLE_WEIGHT = 4.0


class _Chains(Mapping[int, tuple[str, ...]]):
    """The chains of a ranking, each worked out when asked for (the engine asks for the hits shown)."""

    def __init__(self, positions: set[int], chain: Callable[[int], tuple[str, ...]]) -> None:
        self._positions, self._chain = positions, chain
        self._made: dict[int, tuple[str, ...]] = {}

    def __getitem__(self, position: int) -> tuple[str, ...]:
        if position not in self._positions:
            raise KeyError(position)
        if position not in self._made:
            self._made[position] = self._chain(position)
        return self._made[position]

    def __iter__(self) -> Iterator[int]:
        return iter(self._positions)

    def __len__(self) -> int:
        return len(self._positions)


class KnowledgeWalk(KnowledgeSignal):
    """Opened by :meth:`KnowledgeSignal.open` for an index whose graph was extracted."""

    @classmethod
    def open(cls, generation: Generation, options: Any) -> KnowledgeWalk:
        store = generation.open_component(cls.requires[0], options.open_context)
        documents = generation.open_documents()
        try:
            titles = {position: document.title for position, document in documents.live_documents() if document.title}
        finally:
            documents.close()
        return cls(store, generation.manifest.documents.count, generation.manifest.documents.positions, titles)

    def __init__(self, store: KnowledgeStore, documents: int, positions: int, titles: dict[int, str] | None = None) -> None:
        from scipy import sparse

        super().__init__(store, documents)
        self.entities = store.entity_count() + 1  # node 0 unused: entity ids start at 1
        mentions = np.array(store.mentions(), dtype=np.int64).reshape(-1, 2)
        entity_of, position_of = mentions[:, 0], mentions[:, 1]
        frequency = np.bincount(entity_of, minlength=self.entities)
        self.idf = np.array([entity_idf(int(n), documents) if n else 0.0 for n in frequency])
        specificity = self.idf / (self.idf.max() or 1.0)
        facts = store.facts()
        self.facts: dict[int, list[StoredFact]] = defaultdict(list)
        for fact in facts:
            self.facts[fact.subject].append(fact)
            self.facts[fact.object].append(fact)
        # entity → (parent, child, relation, inferred, why) of each single reasoning step touching it
        self.steps: dict[int, list[tuple[int, int, str, bool, str]]] = defaultdict(list)
        pairs = [(f.subject, f.object, f.confidence) for f in facts]
        for source, target, relation, inferred, why in store.steps_of_depth_one():
            self.steps[source].append((source, target, relation, inferred, why))
            self.steps[target].append((source, target, relation, inferred, why))
            pairs.append((source, target, REASONING_STEP_CONFIDENCE))
        links = np.array(pairs, dtype=np.float64).reshape(-1, 3)
        first, second, confidence = links[:, 0].astype(np.int64), links[:, 1].astype(np.int64), links[:, 2]
        titled = self._title_entities(titles or {})
        boost = np.array([TITLE_WEIGHT if titled.get(int(p)) == int(e) else 1.0 for e, p in mentions], dtype=np.float64)
        documents_from = self.entities + position_of
        size = self.entities + positions
        rows = np.concatenate([entity_of, documents_from, first, second])
        columns = np.concatenate([documents_from, entity_of, second, first])
        weights = np.concatenate([boost, boost * specificity[entity_of],
                                  confidence * specificity[second], confidence * specificity[first]])
        adjacency = sparse.csr_matrix((weights, (rows, columns)), shape=(size, size))
        out = np.asarray(adjacency.sum(axis=1)).ravel()
        transition = sparse.diags(np.divide(1.0, out, out=np.zeros_like(out), where=out > 0)) @ adjacency
        self._system = (sparse.identity(size, format="csr") - DAMPING * transition.T).tocsr()

    def _title_entities(self, titles: dict[int, str]) -> dict[int, int]:
        """Position → the entity its whole title names."""
        found = {}
        for position, title in titles.items():
            stripped = title.strip()
            for mention in self.matcher.find(stripped):
                if mention.end == len(stripped) and len(mention.surface) * 2 >= len(stripped):
                    found[position] = mention.entity
                    break
        return found

    def _rank_one(self, query: str, depth: int, restriction: Restriction) -> SignalResult:
        from scipy.sparse.linalg import bicgstab

        linked: dict[int, str] = {}
        covered = 0
        for mention in self.matcher.find(query):
            if mention.entity < self.entities and self.idf[mention.entity] > 0 and mention.entity not in linked:
                covered += len(normalize_words(mention.surface))
                linked[mention.entity] = mention.surface
        if not linked:
            return SignalResult([], coverage=0.0)
        seeds = np.zeros(self._system.shape[0])
        for entity in linked:
            seeds[entity] = self.idf[entity]
        seeds /= seeds.sum()
        scores, _ = bicgstab(self._system, (1.0 - DAMPING) * seeds, rtol=_TOLERANCE, atol=0.0)
        documents = scores[self.entities :]
        ranked: list[tuple[int, float]] = []
        for position in np.argsort(-documents, kind="stable"):
            score = float(documents[position])
            if score <= 0 or len(ranked) >= depth:
                break
            if restriction.permits(int(position)):
                ranked.append((int(position), score))
        content = [w for w, _, _ in normalize_words(query) if w not in STOPWORDS_EN]
        chains = _Chains({position for position, _ in ranked}, lambda position: self._walk_chain(linked, position, scores))
        return SignalResult(ranked, chains, coverage=min(1.0, covered / max(1, len(content))), weight=WALK_WEIGHT)

    def _walk_chain(self, linked: dict[int, str], position: int, scores: np.ndarray) -> tuple[str, ...]:
        """The strongest path from a query entity to an entity this document mentions."""
        mentioned = {entity: surface for entity, p, surface in self.store.mentions_at(position)}
        if not mentioned:
            return ()
        reached = max(mentioned, key=lambda e: (e in linked, scores[e]))
        if reached in linked:
            return (f'query names "{linked[reached]}" → {self._name(reached)}', f'document mentions "{mentioned[reached]}"')
        best: tuple[float, int, Any] | None = None
        for source in linked:
            for fact in self.facts.get(source, ()):
                other = fact.object if fact.subject == source else fact.subject
                if other in mentioned and (best is None or fact.confidence > best[0]):
                    best = (fact.confidence, source, fact)
            for a, b, *step in self.steps.get(source, ()):
                other = b if a == source else a
                if other in mentioned and best is None:
                    best = (REASONING_STEP_CONFIDENCE, source, ((a, b), tuple(step)))
        if best is None:  # joined through another document that mentions both
            source = max(linked, key=lambda e: self.idf[e])
            return (f'query names "{linked[source]}" → {self._name(source)}',
                    f"{self._name(source)} and {self._name(reached)} are mentioned by the same documents",
                    f'document mentions "{mentioned[reached]}"')
        _, source, link = best
        if isinstance(link, StoredFact):
            other = link.object if link.subject == source else link.subject
            relation = "is a" if link.relation == "is-a" else "appears with" if link.relation == "co-occurs" else link.relation.replace("_", " ")
            said = f'{self._name(link.subject)} {relation} {self._name(link.object)} ({link.rule}, {link.confidence:.2f}: ' \
                   f'document {link.document}: "{link.sentence.strip()}")'
        else:
            (a, b), (relation, inferred, why) = link
            other = b if a == source else a
            said = self._describe_step(a, b, relation, inferred, why)
        return (f'query names "{linked[source]}" → {self._name(source)}', said, f'document mentions "{mentioned[other]}"')

    def _describe_step(self, parent: int, child: int, relation: str, inferred: bool, why: str) -> str:
        symbol = {"subclass": "⊒", "instance": "∋"}.get(relation, relation)
        text = f"{self._name(parent)} {symbol} {self._name(child)}"
        return text + (f" ({why})" if inferred and why else " (inferred)" if inferred else "")
