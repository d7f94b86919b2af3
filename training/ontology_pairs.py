"""Training pairs drawn from an ontology, for domains where nobody has labelled queries.

Four kinds, each a way the ontology says two texts mean the same thing or belong together:

- ``synonym``: an entity's label and each of its other labels (skos:altLabel, oboInOwl synonyms);
- ``definition``: an entity's label and its comment or definition (rdfs:comment, skos:definition, IAO);
- ``parent``: a class's label and its direct superclass's label, after reasoning, so inferred
  subsumptions count too;
- ``mention``: an entity's label and the text of a document that mentions it (the same linking
  the index uses), when a corpus is given.

The same idea as GPL's synthetic queries (Wang et al., "GPL: Generative Pseudo Labeling for
Unsupervised Domain Adaptation of Dense Retrieval", NAACL 2022), with the ontology, not a
generator, writing the queries.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path

from scientia.common.errors import InvalidArgumentError, OntologyError
from scientia.indexers.documents import Document

from .pairs import TrainingData, TrainingPair, text_id

__all__ = ["pairs_from_ontology", "PAIR_KINDS", "MENTIONS_PER_ENTITY"]

PAIR_KINDS = ("synonym", "definition", "parent", "mention")
# A few documents per entity teach what it is about; hundreds would drown the other kinds.
MENTIONS_PER_ENTITY = 5


def pairs_from_ontology(
    ontologies: Iterable[str | Path],
    search_paths: Iterable[str | Path] = (),
    reasoner: str = "rl",
    documents: list[Document] | None = None,
    java: str | Path | None = None,
    kinds: Iterable[str] = PAIR_KINDS,
) -> TrainingData:
    """Reason over ``ontologies`` in a scratch quadstore and return the pairs of the given ``kinds``."""
    from scientia.indexers.linking import EntityMatcher
    from scientia.reasoners import KnowledgeBase
    from scientia.reasoners.graph_export import export_entities, export_steps

    ontologies, kinds = list(ontologies), set(kinds)
    unknown = kinds - set(PAIR_KINDS)
    if unknown or not kinds:
        raise InvalidArgumentError(f"--pair-kinds: unknown kind(s) {', '.join(sorted(unknown)) or '(none given)'} (allowed: {', '.join(PAIR_KINDS)})")
    with tempfile.TemporaryDirectory(prefix="scientia-pairs-") as scratch:
        with KnowledgeBase.create(Path(scratch) / "ontology.sqlite3") as base:
            base.load(ontologies, search_paths)
            base.reason(reasoner, java)
            records = export_entities(base.world)
            parents = [(s.target, s.source) for s in export_steps(base.world) if s.relation == "subclass" and s.depth == 1]

    by_iri = {record.iri: record for record in records}
    pairs: list[TrainingPair] = []
    corpus: dict[str, str] = {}

    def add(iri: str, anchor: str, positive: str, kind: str, positive_id: str | None = None) -> None:
        if kind in kinds and anchor.strip() and positive.strip() and anchor.strip().lower() != positive.strip().lower():
            positive_id = positive_id or text_id(positive)
            corpus.setdefault(positive_id, positive)
            pairs.append(TrainingPair(anchor, positive, kind, query_id=f"{kind}:{iri}", positive_id=positive_id))

    for record in records:
        label = record.labels[0]
        for synonym in record.labels[1:]:
            add(record.iri, label, synonym, "synonym")
        for comment in record.comments:
            add(record.iri, label, comment, "definition")
    for child, parent in parents:
        if child in by_iri and parent in by_iri:
            add(child, by_iri[child].labels[0], by_iri[parent].labels[0], "parent")
    if documents and "mention" in kinds:
        ids = {record.iri: number for number, record in enumerate(records)}
        matcher = EntityMatcher((ids[r.iri], label) for r in records for label in r.labels)
        taken: dict[int, int] = {}
        for document in documents:
            text = document.searchable_text()
            for entity in dict.fromkeys(m.entity for m in matcher.find(text)):
                if taken.get(entity, 0) < MENTIONS_PER_ENTITY:
                    taken[entity] = taken.get(entity, 0) + 1
                    record = records[entity]
                    add(record.iri, record.labels[0], text, "mention", positive_id=document.id)
    if not pairs:
        names = ", ".join(str(p) for p in ontologies)
        raise OntologyError(f"{names}: no training pairs (no synonyms, comments, subclasses or mentioned entities found)")
    return TrainingData(pairs, corpus, source="ontology " + ", ".join(str(p) for p in ontologies))

