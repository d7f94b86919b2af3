"""What reasoning connects to the query: entities the query names, everything the inferred graph
reaches from them, and the documents that mention what was reached.

Each entity the query names contributes to a document 2^-depth of the closest entity the document
mentions among those it reaches (depth 0: the entity itself; 1: one step away, e.g. a subclass or
an instance), so nearer knowledge counts more; weighted by the entity's inverse document
frequency, so that an entity reaching most of the collection (every document is about a Pizza)
counts for little, as a common word does in BM25; summed over the entities, so that a document
reached from all of them ranks first. With ``n`` of ``N`` documents reached from an entity, its
weight is Lucene's BM25 IDF, ln(1 + (N - n + 0.5) / (n + 0.5)) (Robertson & Zaragoza, "The
Probabilistic Relevance Framework: BM25 and Beyond", 2009). Each document carries the chain of
steps that reached it from its strongest contribution, for example::

    query names "spicy pizza" → SpicyPizza
    SpicyPizza ⊒ AmericanHot (inferred from SpicyPizza ≡ Pizza and (hasTopping some SpicyTopping))
    document mentions "American Hot"
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scientia.indexers.knowledge_store import KnowledgeStore, StoredStep
from scientia.indexers.linking import EntityMatcher

from .base import Restriction, Signal, SignalOptions, SignalResult

if TYPE_CHECKING:
    from scientia.indexers.generation import Generation

__all__ = ["KnowledgeSignal", "DEPTH_DECAY", "MAX_REACHED", "entity_idf"]

DEPTH_DECAY = 0.5
# Entities followed per linked entity: a query naming a very general class (LUBM's Person has
# thousands of instances) would otherwise drag in most of the graph.
MAX_REACHED = 2_000


class KnowledgeSignal(Signal):
    name = "knowledge"
    requires = ("knowledge",)
    # Entailment outranks similarity: weighed twice the two text signals together (0.67 of the
    # fused score), a document the reasoner connects to the query comes before one that only
    # resembles it, and the text signals order the documents within each group. With several
    # entities a query's knowledge scores come in steps (all entities reached, some, one), and at
    # weight 2 the text signals jumped them: pizza-knowledge's multi-entity queries fused to
    # 0.832 against 1.000 for knowledge alone. Weights 3, 4 and 6 all fuse to 1.000 there; 4 and
    # 6 also lift the one-class queries (0.926 -> 0.938); 4 is the smallest (README, Choices).
    weight = 4.0
    # Its 2^-depth scores are absolute: divided by their maximum, its weakest document keeps the
    # credit its depth gives it instead of dropping to 0 as min-max would make it.
    normalization = "max"
    score_floor = 0.0  # the same division in the adaptive fusion

    @classmethod
    def open(cls, generation: Generation, options: SignalOptions) -> KnowledgeSignal:
        section = generation.manifest.section(cls.requires[0])
        if getattr(section, "extraction", None):  # a graph extracted from the corpus: walk it
            from .knowledge_walk import KnowledgeWalk

            return KnowledgeWalk.open(generation, options)
        return cls(generation.open_component(cls.requires[0], options.open_context), generation.manifest.documents.count)

    def __init__(self, store: KnowledgeStore, documents: int) -> None:
        self.store = store
        self.documents = documents
        self.matcher = EntityMatcher(store.labels())

    def rank(self, queries: list[str], depth: int, restriction: Restriction | None = None) -> list[SignalResult]:
        return [self._rank_one(query, depth, restriction or Restriction()) for query in queries]

    def _rank_one(self, query: str, depth: int, restriction: Restriction) -> SignalResult:
        linked: dict[Any, str] = {}
        for mention in self.matcher.find(query):
            linked.setdefault(mention.entity, mention.surface)
        if not linked:
            return SignalResult([])
        # for each linked entity: entity reached → depth
        reach: dict[int, dict[int, int]] = {}
        for source in linked:
            depths = reach[source] = {source: 0}
            for step in self.store.reachable(source, MAX_REACHED):
                if step.depth < depths.get(step.target, step.depth + 1):
                    depths[step.target] = step.depth
        reached = {entity for depths in reach.values() for entity in depths}
        # (source, position) → (depth, entity mentioned, surface): each source's closest mention
        closest: dict[tuple[int, int], tuple[int, int, str]] = {}
        for entity, position, surface in self.store.mentions_of(list(reached)):
            if not restriction.permits(position):
                continue
            for source, depths in reach.items():
                if entity in depths and ((source, position) not in closest or depths[entity] < closest[(source, position)][0]):
                    closest[(source, position)] = (depths[entity], entity, surface)
        counts: dict[int, int] = {}
        for source, _ in closest:
            counts[source] = counts.get(source, 0) + 1
        weights = {source: entity_idf(counts.get(source, 0), self.documents) for source in linked}
        documents: dict[int, tuple[float, int, str]] = {}  # position → (score, entity, surface)
        strongest: dict[int, tuple[float, int]] = {}  # position → (contribution, source) behind its chain
        for (source, position), (hops, entity, surface) in closest.items():
            contribution = weights[source] * DEPTH_DECAY ** hops
            score = documents.get(position, (0.0, 0, ""))[0] + contribution
            if position not in strongest or contribution > strongest[position][0]:
                strongest[position] = (contribution, source)
                documents[position] = (score, entity, surface)
            else:
                documents[position] = (score, *documents[position][1:])
        ranked = sorted(documents.items(), key=lambda item: (-item[1][0], item[0]))[:depth]
        chains = {
            position: self._chain(query, linked, strongest[position][1], entity, surface)
            for position, (_, entity, surface) in ranked
        }
        return SignalResult([(position, score) for position, (score, _, _) in ranked], chains)

    def _chain(self, query: str, linked: dict[int, str], source: int, target: int, surface: str) -> tuple[str, ...]:
        steps: list[StoredStep] = []
        current = target
        while current != source:
            step = self.store.step(source, current)
            if step is None:
                break
            steps.append(step)
            current = step.previous
        chain = [f'query names "{linked[source]}" → {self._name(source)}']
        chain += [self._describe(step) for step in reversed(steps)]
        chain.append(f'document mentions "{surface}"')
        return tuple(chain)

    def _name(self, entity: int) -> str:
        found = self.store.entity(entity)
        return found[2] if found else str(entity)

    def _describe(self, step: StoredStep) -> str:
        parent, child = self._name(step.previous), self._name(step.target)
        if step.relation == "subclass":
            text = f"{parent} ⊒ {child}"
        elif step.relation == "instance":
            text = f"{parent} ∋ {child}"
        else:
            text = f"{parent} {step.relation} {child}"
        if step.inferred:
            text += f" ({step.why})" if step.why else " (inferred)"
        return text


def entity_idf(reached: int, documents: int) -> float:
    """Lucene's BM25 IDF of an entity that reaches ``reached`` of ``documents`` documents: near 0
    for an entity reaching every document, about ln(2N/3) for one reaching a single document."""
    from scientia.indexers.bm25_matrix import lucene_idf

    return lucene_idf(reached, max(documents, reached))
