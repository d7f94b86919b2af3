"""The corpus's knowledge graph, assembled from every document's extraction.

Mentions under one key are one entity, named by its most frequent label and carrying all of
them. An entity is a class when it is a parent in an is-a fact or was seen more often as a common
noun phrase, else an individual (a name or a title). Facts stated by several sentences are one
fact with each statement as its support, and a confidence that grows with them (noisy-or: one
minus the product of each statement's doubt). Is-a edges are added strongest first, and one that
would close a cycle is dropped, so the class hierarchy stays a hierarchy.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from .facts import CO_OCCURS, IS_A, ExtractedEntity, ExtractedFact

__all__ = ["GraphEntity", "GraphFact", "Support", "CorpusGraph", "assemble", "MAX_SUPPORTS", "MIN_CO_OCCURRENCES"]

# Statements kept per fact in the graph (all stay in extraction.sqlite)
MAX_SUPPORTS = 1
# Sentences that must name a pair for their co-occurrence to enter the graph: a pair seen
# together once is as likely chance as a link, and single pairs are most of them (SciFact: 683k
# distinct pairs). Documents link what they mention together anyway (the mentions).
MIN_CO_OCCURRENCES = 2


@dataclass(frozen=True, slots=True)
class Support:
    document: str
    start: int
    end: int
    sentence: str
    rule: str
    confidence: float


@dataclass
class GraphEntity:
    key: str
    name: str
    kind: Literal["class", "individual"]
    labels: list[str]
    documents: int  # how many documents it was extracted from


@dataclass
class GraphFact:
    subject: str
    relation: str
    object: str
    confidence: float
    statements: int  # how many sentences state it
    supports: list[Support] = field(default_factory=list)  # the strongest, at most MAX_SUPPORTS


@dataclass
class CorpusGraph:
    entities: dict[str, GraphEntity]
    facts: list[GraphFact]
    dropped_cycles: int = 0

    def counts(self) -> dict[str, int]:
        kinds = Counter(entity.kind for entity in self.entities.values())
        relations = Counter("is-a" if f.relation == IS_A else "co-occurrence" if f.relation == CO_OCCURS else "relation"
                            for f in self.facts)
        return {"entities": len(self.entities), "classes": kinds["class"], "individuals": kinds["individual"],
                "is_a": relations["is-a"], "relations": relations["relation"], "co_occurrences": relations["co-occurrence"],
                "dropped_cycles": self.dropped_cycles}


def assemble(entities: Iterable[tuple[str, ExtractedEntity]], facts: Iterable[tuple[str, ExtractedFact]]) -> CorpusGraph:
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    documents: dict[str, set[str]] = defaultdict(set)
    for document, entity in entities:
        labels[entity.key][entity.label] += 1
        kinds[entity.key][entity.kind] += 1
        documents[entity.key].add(document)
    grouped: dict[tuple[str, str, str], list[Support]] = defaultdict(list)
    for document, fact in facts:
        if fact.subject in labels and fact.object in labels:
            grouped[(fact.subject, fact.relation, fact.object)].append(
                Support(document, fact.start, fact.end, fact.sentence, fact.rule, fact.confidence))
    parents = {o for (_, relation, o) in grouped if relation == IS_A}
    graph_entities = {}
    for key, counted in labels.items():
        named = kinds[key]["name"] + kinds[key]["title"]
        kind: Literal["class", "individual"] = "class" if key in parents or kinds[key]["concept"] > named else "individual"
        ordered = [label for label, _ in counted.most_common()]
        graph_entities[key] = GraphEntity(key, ordered[0], kind, ordered, len(documents[key]))
    graph_facts = [_fact(triple, supports) for triple, supports in grouped.items()]
    graph_facts = [f for f in graph_facts if f.relation != CO_OCCURS or f.statements >= MIN_CO_OCCURRENCES]
    graph_facts.sort(key=lambda f: (-f.confidence, -f.statements, f.subject, f.relation, f.object))
    kept, dropped = _acyclic(graph_facts)
    return CorpusGraph(graph_entities, kept, dropped)


def _fact(triple: tuple[str, str, str], supports: list[Support]) -> GraphFact:
    doubt = 1.0
    for support in supports:
        doubt *= 1.0 - support.confidence
    strongest = sorted(supports, key=lambda s: (-s.confidence, s.document, s.start))
    distinct = list({(s.document, s.start): s for s in strongest}.values())
    return GraphFact(*triple, confidence=round(1.0 - doubt, 4), statements=len(distinct), supports=distinct[:MAX_SUPPORTS])


def _acyclic(facts: list[GraphFact]) -> tuple[list[GraphFact], int]:
    """``facts`` (strongest first) without the is-a edges that would close a cycle."""
    children: dict[str, set[str]] = defaultdict(set)  # parent → children
    kept, dropped = [], 0
    for fact in facts:
        if fact.relation == IS_A:
            if fact.subject == fact.object or _reaches(children, fact.subject, fact.object):
                dropped += 1
                continue
            children[fact.object].add(fact.subject)
        kept.append(fact)
    return kept, dropped


def _reaches(children: dict[str, set[str]], start: str, target: str) -> bool:
    """Whether ``target`` is a descendant of ``start`` (adding ``start`` ⊑ ``target`` would then cycle)."""
    seen, stack = {start}, [start]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child == target:
                return True
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return False
