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

In a mode with the text signals (``hybrid+knowledge``), the walk re-ranks their fused ranking
(:meth:`KnowledgeWalk.refine`): it restarts from the fused ranking's best passages as well as
from the query's entities (HippoRAG 2, Gutiérrez et al., ICML 2025, arXiv 2502.14802, seeds the
walk with the dense retriever's passages beside the query's entities), and its ranking is the
mode's. A question's first passage is then one the text found, and the walk reaches the second
through the entity the first names ("the director of Film X" → the director's page). Whether it
re-ranks depends on what the corpus is made of: where its documents are pages that other
documents mention (encyclopedias, wikis: MuSiQue 12% of them, HotpotQA 17%), the entities a
query names are what it asks about. Where they are not (SciFact 0.3%, Cranfield and MS MARCO
none), a name such as "clpC" is a detail of several abstracts, and the walk from it ranks them
evenly above the one the text rightly ranked first: re-ranking there, nDCG@10 fell on all three
(SciFact 0.7198 → 0.6552, Cranfield 0.4187 → 0.4064, MS MARCO 0.7979 → 0.7785:
benchmarks/results/extracted-knowledge/walk-ungated.md), and fused beside the text signals the
walk had lost 0.011 on MS MARCO. There the walk does not re-rank and weighs nothing in the
fusion: it still tells the chains of the hits it reaches, and ranks alone in the ``knowledge``
mode.

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
from scientia.indexers.extraction.owl_writer import ENTITY_NAMESPACE
from scientia.indexers.knowledge_store import KnowledgeStore, StoredFact
from scientia.indexers.linking import normalize_words

from .base import Ranking, Restriction, SignalResult
from .knowledge import KnowledgeSignal, entity_idf

if TYPE_CHECKING:
    from scientia.indexers.generation import Generation

__all__ = ["KnowledgeWalk", "DAMPING", "REASONING_STEP_CONFIDENCE", "TITLE_WEIGHT", "WALK_WEIGHT", "HUB_SHARE", "HUB_MINIMUM",
           "PASSAGE_SEEDS", "PASSAGE_SHARE", "LINKED_PAGES"]

DAMPING = 0.5  # the probability of following a link rather than restarting (HippoRAG's 0.5)
REASONING_STEP_CONFIDENCE = 1.0  # a step the reasoner takes is as sure as the graph it reasons over
# Relative residual of the solve: rankings stop changing long before (SciFact: 2 iterations, not 8)
_TOLERANCE = 1e-3
# Words that name nothing on their own: Lucene's stopwords, and the question words and pronouns
# queries open with
FUNCTION_WORDS = frozenset(STOPWORDS_EN) | frozenset(
    "who whom whose what which when where why how i you he she we me him her us them my your his its our "
    "do does did can could would should has have had been being were am vs versus".split())
ACRONYM_LENGTH = 6  # an all-capitals name this short is an acronym, named only in capitals
# Hubs: entities mentioned by more than this share of the documents (and more than HUB_MINIMUM)
HUB_SHARE = 0.02
HUB_MINIMUM = 50
# The walk's weight where it is fused beside the text signals rather than refining their ranking
# (a learned fusion): as much as the two text signals together, times the share of the query its
# names cover. Its scores spread over every document near the query's entities, where the reach
# signal's steps are entailments; at the reach's 4 it outvoted dense and lexical (MuSiQue
# train100 R@5 0.6458 at 4 against 0.6725 at 2, with coverage by every linked word).
WALK_WEIGHT = 2.0
# How much more a passage is tied to the entity its title names than to one it mentions: the walk
# reaching "Wiley-Blackwell" should land on Wiley-Blackwell's page, not on every page naming it.
TITLE_WEIGHT = 4.0
# Re-ranking a fused ranking: the walk restarts from its first PASSAGE_SEEDS documents (each by its
# fused score) with PASSAGE_SHARE of the restart, the query's entities the rest. On MuSiQue and
# HotpotQA train100 (benchmarks/results/multihop/walk-sweep.md) each of 5 to 50 seeds and shares
# of 0.1 to 0.5 gains in Recall@2 and @5 on both, and 5 of the 16 by 0.05 in all four, 20 and 0.2
# among them; they were chosen on those same queries, the only multi-hop ones shared.
PASSAGE_SEEDS = 20
PASSAGE_SHARE = 0.2
# The share of documents that are pages other documents mention (a document whose whole title
# names an entity that another document mentions), from which a corpus is one of pages about
# entities and the query's entities lead the walk (see the module's docstring).
LINKED_PAGES = 0.05


def _passage_head(passages: Ranking | None) -> Ranking:
    """The documents of a fused ranking the walk restarts from: its first PASSAGE_SEEDS that scored."""
    return [(position, score) for position, score in (passages or [])[:PASSAGE_SEEDS] if score > 0]


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
        self.kinds = store.entity_kinds()
        self.names: dict[int, str] = {}  # an entity's first label: "gas giant", where its IRI says gas_giant
        for entity, label in store.labels():
            self.names.setdefault(entity, label)
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
        stated = {(f.subject, f.object) for f in facts} | {(f.object, f.subject) for f in facts}
        for source, target, relation, inferred, why in store.steps_of_depth_one():
            self.steps[source].append((source, target, relation, inferred, why))
            self.steps[target].append((source, target, relation, inferred, why))
            if (source, target) not in stated:  # an extracted is-a is also the reasoner's step: one link
                pairs.append((source, target, REASONING_STEP_CONFIDENCE))
        links = np.array(pairs, dtype=np.float64).reshape(-1, 3)
        first, second, confidence = links[:, 0].astype(np.int64), links[:, 1].astype(np.int64), links[:, 2]
        self.titles = titles or {}
        titled = self._title_entities(self.titles)
        self.title_entities = set(titled.values())
        self.linked_pages = sum(1 for entity in titled.values() if frequency[entity] >= 2) / max(1, documents)
        self.refines_fusion = self.linked_pages >= LINKED_PAGES  # see the module's docstring
        # An entity one document mentions and no fact links is a leaf: the walk would only go there
        # and back. Leaves keep no edges (the solve costs by edges), and a query naming one starts
        # the walk from its document instead.
        linked_by_fact = np.bincount(np.concatenate([first, second]), minlength=self.entities) > 0
        leaf = (frequency <= 1) & ~linked_by_fact[: self.entities]
        self.leaf_document = {int(e): int(p) for e, p in mentions if leaf[e]}
        # An entity most documents mention ("patients", "study") spreads the walk evenly over
        # them, which says nothing and costs most of the solve (SciFact: 304 entities above 100
        # documents hold 36% of the mentions): such hubs keep no edges to documents.
        hub = frequency > max(HUB_MINIMUM, HUB_SHARE * documents)
        self.walked = self._walked_entities(store)
        # what each document mentions of the walked entities, for the chains: in memory, since a
        # ranking of 100 hits asks for 100 documents' mentions (SciFact: 6 ms a query from SQLite)
        told = self.walked[entity_of]
        by_position = np.argsort(position_of[told], kind="stable")
        self._mentioned = entity_of[told][by_position]
        self._mentioned_from = np.searchsorted(position_of[told][by_position], np.arange(positions + 1))
        kept = ~leaf[entity_of] & ~hub[entity_of] & self.walked[entity_of]
        crossed = self.walked[first] & self.walked[second]
        first, second, confidence = first[crossed], second[crossed], confidence[crossed]
        mentions, entity_of, position_of = mentions[kept], entity_of[kept], position_of[kept]
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
        # float32: the solve reads the matrix once per product, and halving it halves that
        self._system = (sparse.identity(size, format="csr") - DAMPING * transition.T).tocsr().astype(np.float32)

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

    def refine(self, queries: list[str], fused: list[Ranking], depth: int,
               restriction: Restriction | None = None) -> list[SignalResult]:
        """The walk from each query's entities and its fused ranking's first passages (see the
        module's docstring). A query naming no entity is left to the fused ranking."""
        return [self._rank_one(query, depth, restriction or Restriction(), passages)
                for query, passages in zip(queries, fused, strict=True)]

    def _rank_one(self, query: str, depth: int, restriction: Restriction, passages: Ranking | None = None) -> SignalResult:
        linked = self.link(query)
        if not linked:
            return SignalResult([], coverage=0.0)
        scores = self.walk(self.restart(linked, passages))
        documents = scores[self.entities :]
        ranked: list[tuple[int, float]] = []
        for position in np.argsort(-documents, kind="stable"):
            score = float(documents[position])
            if score <= 0 or len(ranked) >= depth:
                break
            if restriction.permits(int(position)):
                ranked.append((int(position), score))
        content = [w for w, _, _ in normalize_words(query) if w not in FUNCTION_WORDS]
        # The walk speaks for what the query names; its weight follows the share of the query those
        # names cover (none for a query of common nouns: the text signals rank it alone).
        covered = sum(len(normalize_words(surface)) for surface in linked.values())
        started_from = [position for position, _ in _passage_head(passages)]
        chains = _Chains({position for position, _ in ranked},
                         lambda position: self._walk_chain(linked, position, scores, started_from))
        return SignalResult(ranked, chains, coverage=min(1.0, covered / max(1, len(content))),
                            weight=WALK_WEIGHT if self.refines_fusion else 0.0)

    def link(self, query: str) -> dict[int, str]:
        """The entities ``query`` names (entity → the words naming it), function words aside."""
        linked: dict[int, str] = {}
        for mention in self.matcher.find(query):
            if all(word in FUNCTION_WORDS for word, _, _ in normalize_words(mention.surface)):
                continue  # "in", "who": an acronym's or a name's label that is also a function word
            name = self.names.get(mention.entity, "")
            if name.isupper() and len(name) <= ACRONYM_LENGTH and not mention.surface.isupper():
                continue  # "WHO" is not named by "who", nor "LPS" by "lps laws" written in lower case
            if mention.entity < self.entities and self.walked[mention.entity] and self.idf[mention.entity] > 0 \
                    and mention.entity not in linked:
                linked[mention.entity] = mention.surface
        return linked

    def _walked_entities(self, store: KnowledgeStore) -> np.ndarray:
        """Which entities the walk crosses: names (individuals), what titles name, and every entity
        of a given ontology; not the common-noun classes extraction made. Over those the walk was a
        weaker bag of phrases than BM25 (Cranfield: nDCG@10 0.16 against 0.35), and they were 80%
        of the solve's work (SciFact: 0.9M links, 0.19M without them); the bridges of multi-hop
        questions are names (MuSiQue train100 R@2 0.5042 → 0.5092 without them, R@5 0.6558 → 0.6475)."""
        walked = np.zeros(self.entities, dtype=bool)
        for iri, entity in store.entity_ids().items():
            extracted_class = iri.startswith(ENTITY_NAMESPACE) and self.kinds.get(entity) == "class"
            walked[entity] = not extracted_class or entity in self.title_entities
        return walked

    def restart(self, linked: dict[int, str], passages: Ranking | None = None) -> np.ndarray:
        """The walk's restart distribution: each named entity by its IDF (a leaf's at its
        document); with ``passages`` (a fused ranking), its first :data:`PASSAGE_SEEDS` documents
        by their scores, which get :data:`PASSAGE_SHARE` of it."""
        seeds = np.zeros(self._system.shape[0])
        for entity in linked:
            start = self.entities + self.leaf_document[entity] if entity in self.leaf_document else entity
            seeds[start] += self.idf[entity]
        seeds /= seeds.sum()
        head = _passage_head(passages)
        if not head:
            return seeds
        passage_seeds = np.zeros_like(seeds)
        for position, score in head:
            passage_seeds[self.entities + position] += score
        passage_seeds /= passage_seeds.sum()
        return (1.0 - PASSAGE_SHARE) * seeds + PASSAGE_SHARE * passage_seeds

    def walk(self, restart: np.ndarray) -> np.ndarray:
        """Personalized PageRank of every node (entities, then documents): (I − αPᵀ)x = (1 − α)s."""
        from scipy.sparse.linalg import bicgstab

        scores, _ = bicgstab(self._system, ((1.0 - DAMPING) * restart).astype(np.float32), rtol=_TOLERANCE, atol=0.0)
        return scores.astype(np.float64)

    @property
    def system(self):
        """The sparse matrix I − αPᵀ the walk solves."""
        return self._system

    def _mentioned_at(self, position: int) -> set[int]:
        return set(self._mentioned[self._mentioned_from[position] : self._mentioned_from[position + 1]].tolist())

    def _walk_chain(self, linked: dict[int, str], position: int, scores: np.ndarray, starts: list[int]) -> tuple[str, ...]:
        """The strongest path from a query entity, or from a passage the walk started from
        (``starts``, best first), to an entity this document mentions."""
        mentioned = self._mentioned_at(position)
        if not mentioned:
            return ()
        reached = max(mentioned, key=lambda e: (e in linked, scores[e]))
        if reached in linked:
            return (f'query names "{linked[reached]}" → {self._name(reached)}',
                    f'document mentions "{self.store.surface(reached, position)}"')
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
        if best is None and starts:
            return self._passage_chain(position, mentioned, scores, starts)
        if best is None:  # joined through another document that mentions both
            source = max(linked, key=lambda e: self.idf[e])
            return (f'query names "{linked[source]}" → {self._name(source)}',
                    f"{self._name(source)} and {self._name(reached)} are mentioned by the same documents",
                    f'document mentions "{self.store.surface(reached, position)}"')
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
        return (f'query names "{linked[source]}" → {self._name(source)}', said,
                f'document mentions "{self.store.surface(other, position)}"')

    def _passage_chain(self, position: int, mentioned: set[int], scores: np.ndarray, starts: list[int]) -> tuple[str, ...]:
        """How the walk reached a document from the passages the text signals ranked first: the
        passage itself, or the best-ranked one naming an entity this document mentions."""
        for rank, start in enumerate(starts, start=1):
            if start == position:
                return (f"the text signals rank it {rank}; the walk starts from it",)
            shared = mentioned & self._mentioned_at(start)
            if shared:
                entity = max(shared, key=lambda e: scores[e])
                passage = f'"{self.titles[start]}"' if start in self.titles else "the passage"
                return (f"the text signals rank {passage} {rank}; it mentions {self._name(entity)}",
                        f'document mentions "{self.store.surface(entity, position)}"')
        return ()

    def _name(self, entity: int) -> str:
        return self.names.get(entity) or super()._name(entity)

    def _describe_step(self, parent: int, child: int, relation: str, inferred: bool, why: str) -> str:
        symbol = {"subclass": "⊒", "instance": "∋"}.get(relation, relation)
        text = f"{self._name(parent)} {symbol} {self._name(child)}"
        return text + (f" ({why})" if inferred and why else " (inferred)" if inferred else "")
