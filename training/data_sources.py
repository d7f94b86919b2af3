"""Turn what the user points ``scientia train`` at into :class:`~.pairs.TrainingData`, and find
base-model vectors for its corpus when an index built with that model is given."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from scientia.common.errors import InvalidArgumentError
from scientia.common.models import model_checksum

from .common import checked_base
from .pairs import TrainingData, pairs_from_beir, read_pairs_file

if TYPE_CHECKING:
    import numpy as np

__all__ = ["load_training_data"]


def load_training_data(
    *,
    pairs: Path | None = None,
    beir: Path | None = None,
    split: str = "train",
    ontologies: list[Path] | None = None,
    ontology_paths: list[Path] | None = None,
    reasoner: str = "auto",
    corpus: Path | None = None,
    index: Path | None = None,
    base: Path | None = None,
    pair_kinds: list[str] | None = None,
    self_supervised: bool = False,
    max_documents: int | None = None,
    seed: int = 42,
) -> tuple[TrainingData, dict[str, np.ndarray] | None]:
    """The pairs, and (text → vector) for corpus documents when ``index`` was built with ``base``.

    ``self_supervised``: pairs from the documents of ``corpus`` alone (:mod:`.self_supervised`),
    from at most ``max_documents`` of them.
    """
    if split == "test":
        raise InvalidArgumentError("--split test: the test split judges the model and is never trained on (use train or dev)")
    index_corpus: dict[str, str] = {}
    known_vectors: dict[str, np.ndarray] | None = None
    if index is not None:
        from .mining import corpus_from_index

        index_corpus, known_vectors = corpus_from_index(index, model_checksum(checked_base(base)))
    if self_supervised:
        if corpus is None:
            raise InvalidArgumentError("--self-supervised needs --corpus: the documents to draw pairs from")
        from .self_supervised import SELF_SUPERVISED_KINDS, pairs_from_documents

        data = pairs_from_documents(_documents(corpus), pair_kinds or SELF_SUPERVISED_KINDS, seed, source=str(corpus),
                                    max_documents=max_documents)
    elif pairs is not None:
        data = read_pairs_file(pairs)
    elif beir is not None:
        data = pairs_from_beir(beir, split)
    else:
        from .ontology_pairs import pairs_from_ontology

        documents = _documents(corpus) if corpus is not None else None
        if documents is None and index is not None:
            from scientia.indexers.documents import Document

            documents = [Document(id=doc_id, text=text) for doc_id, text in index_corpus.items()]
        from .ontology_pairs import PAIR_KINDS

        data = pairs_from_ontology(ontologies or [], ontology_paths or [], reasoner, documents, kinds=pair_kinds or PAIR_KINDS)
    for doc_id, text in index_corpus.items():  # more documents to mine negatives from
        data.corpus.setdefault(doc_id, text)
    return data, known_vectors or None


def _documents(corpus: Path):
    from scientia.indexers.readers import open_corpus

    return list(open_corpus(corpus))
