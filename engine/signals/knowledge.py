"""What reasoning connects to the query: entities the query names, everything the inferred graph
reaches from them, and the documents that mention what was reached.

A document's score is 2^-depth of the closest entity it mentions (depth 0: the query names that
entity itself; 1: one step away, e.g. a subclass or an instance), so nearer knowledge counts
more. Each document carries the chain of steps that reached it, for example::

    query names "spicy pizza" → SpicyPizza
    SpicyPizza ⊒ AmericanHot (inferred from SpicyPizza ≡ Pizza and (hasTopping some SpicyTopping))
    document mentions "American Hot"
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scientia.indexers.knowledge_store import KnowledgeStore, StoredStep
from scientia.indexers.linking import EntityMatcher

from .base import Restriction, Signal, SignalOptions, SignalResult

if TYPE_CHECKING:
    from scientia.indexers.generation import Generation

__all__ = ["KnowledgeSignal", "DEPTH_DECAY", "MAX_REACHED"]

DEPTH_DECAY = 0.5
# Entities followed per linked entity: a query naming a very general class (LUBM's Person has
# thousands of instances) would otherwise drag in most of the graph.
MAX_REACHED = 2_000


class KnowledgeSignal(Signal):
    name = "knowledge"
    requires = ("knowledge",)
    # Entailment outranks similarity: weighed as much as the two text signals together, a
    # document the reasoner connects to the query comes before one that only resembles it, and
    # the text signals order the documents within each group. Equal weights let text-similar
    # non-answers (a topping described as hot, for "spicy pizza") push answers down: on the
    # pizza benchmark hybrid+knowledge then scored below knowledge alone (README, Choices).
    weight = 2.0
    # Its 2^-depth scores are absolute: divided by their maximum, its weakest document keeps the
    # credit its depth gives it instead of dropping to 0 as min-max would make it.
    normalization = "max"

    @classmethod
    def open(cls, generation: Generation, options: SignalOptions) -> KnowledgeSignal:
        return cls(generation.open_component("knowledge"))

    def __init__(self, store: KnowledgeStore) -> None:
        self.store = store
        self.matcher = EntityMatcher(store.labels())

    def rank(self, queries: list[str], depth: int, restriction: Restriction | None = None) -> list[SignalResult]:
        return [self._rank_one(query, depth, restriction or Restriction()) for query in queries]

    def _rank_one(self, query: str, depth: int, restriction: Restriction) -> SignalResult:
        linked = {}
        for mention in self.matcher.find(query):
            linked.setdefault(mention.entity, mention.surface)
        if not linked:
            return SignalResult([])
        # entity → (depth, linked entity it was reached from)
        best: dict[int, tuple[int, int]] = {entity: (0, entity) for entity in linked}
        for source in linked:
            for step in self.store.reachable(source, MAX_REACHED):
                if step.target not in best or step.depth < best[step.target][0]:
                    best[step.target] = (step.depth, source)
        documents: dict[int, tuple[float, int, str]] = {}  # position → (score, entity, surface)
        for entity, position, surface in self.store.mentions_of(list(best)):
            if not restriction.permits(position):
                continue
            score = DEPTH_DECAY ** best[entity][0]
            if position not in documents or score > documents[position][0]:
                documents[position] = (score, entity, surface)
        ranked = sorted(documents.items(), key=lambda item: (-item[1][0], item[0]))[:depth]
        chains = {
            position: self._chain(query, linked, best[entity][1], entity, surface)
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
        return self.store.entity(entity)[2]

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
