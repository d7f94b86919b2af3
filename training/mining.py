"""Hard negatives for contrastive training, mined with sentence-transformers' ``mine_hard_negatives``.

For each (query, positive) pair, the base model ranks the corpus and one of the documents it
ranks high, but that is not judged relevant, becomes the pair's hard negative. Documents scoring
within ``relative_margin`` of the positive are skipped: on sparsely judged collections such as
SciFact many of them are unjudged relevant documents, and learning to push them away hurts.

Xiong et al., "Approximate Nearest Neighbor Negative Contrastive Learning for Dense Text
Retrieval", ICLR 2021; Karpukhin et al., "Dense Passage Retrieval", EMNLP 2020 (BM25 and
dense hard negatives).

Encoding a corpus is the expensive part of mining on a CPU (SciFact: about 3 minutes). When the
caller has the base model's vectors for the corpus already, from an index built with that same
model, they are handed to ``mine_hard_negatives`` through its embedding cache, so nothing is
encoded twice. Should a later sentence-transformers name its cache files differently, mining
encodes the corpus itself: slower, same negatives.
"""

from __future__ import annotations

import hashlib
import logging
import random
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from scientia.common.errors import InvalidArgumentError

from .pairs import TrainingPair

if TYPE_CHECKING:
    import numpy as np

__all__ = ["MiningOptions", "mine_negatives", "corpus_from_index"]

logger = logging.getLogger(__name__)


class MiningOptions:
    """How far down the base model's ranking negatives are taken from (sentence-transformers' names)."""

    def __init__(self, num_negatives: int = 1, range_min: int = 0, range_max: int = 50,
                 relative_margin: float = 0.05, sampling_strategy: Literal["random", "top"] = "random") -> None:
        if num_negatives < 1 or range_min < 0 or range_max <= range_min:
            raise InvalidArgumentError(
                f"hard negatives: need num_negatives ≥ 1 and 0 ≤ range_min < range_max "
                f"(got {num_negatives}, {range_min}, {range_max})"
            )
        self.num_negatives = num_negatives
        self.range_min = range_min
        self.range_max = range_max
        self.relative_margin = relative_margin
        self.sampling_strategy = sampling_strategy

    def as_dict(self) -> dict:
        return dict(vars(self))


def corpus_from_index(index_dir: str | Path, model_checksum: str) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """The live documents of an index (id → text) and, when the index was built with the model
    whose checksum is given, each document's stored vector (text → vector); else no vectors."""
    from scientia.common.errors import IndexFormatError
    from scientia.indexers.components import OpenContext
    from scientia.indexers.components.dense import recorded_encoder
    from scientia.indexers.generation import Generation

    generation = Generation.open(index_dir)
    store = generation.open_documents()
    try:
        live = store.live_documents()
    finally:
        store.close()
    corpus = {document.id: document.searchable_text() for _, document in live}
    if recorded_encoder(generation.root, generation.manifest.section("dense")).checksum != model_checksum:
        logger.info("index %s was built with another encoder: mining encodes the corpus with the base model", index_dir)
        return corpus, {}
    dense = generation.open_component("dense", OpenContext(use_gpu=False))
    try:
        vectors = dense.reconstruct([position for position, _ in live])
    except IndexFormatError:  # index types without stored vectors
        logger.info("index %s can't give its vectors back: mining encodes the corpus", index_dir)
        return corpus, {}
    return corpus, {document.searchable_text(): vector for (_, document), vector in zip(live, vectors, strict=False)}


def mine_negatives(
    pairs: list[TrainingPair],
    corpus: list[str],
    model,
    options: MiningOptions,
    seed: int,
    known_vectors: dict[str, np.ndarray] | None = None,
) -> list[TrainingPair]:
    """``pairs`` with a hard negative each (a random corpus document where the ranking offers none)."""
    import numpy as np
    from datasets import Dataset
    from sentence_transformers import mine_hard_negatives

    todo = [p for p in pairs if p.negative is None]
    if not todo:
        return pairs
    # Same order as mine_hard_negatives' own de-duplication, so seeded vectors line up with it.
    texts = list(dict.fromkeys(corpus + [p.positive for p in todo]))
    dataset = Dataset.from_dict({"anchor": [p.anchor for p in todo], "positive": [p.positive for p in todo]})
    with tempfile.TemporaryDirectory(prefix="scientia-mining-") as scratch:
        cache_folder = None
        if known_vectors and all(text in known_vectors for text in texts):
            cache_folder = _seed_corpus_cache(Path(scratch), model, texts, np.stack([known_vectors[t] for t in texts]))
        mined = mine_hard_negatives(
            dataset, model, corpus=texts,
            range_min=options.range_min, range_max=options.range_max,
            relative_margin=options.relative_margin, num_negatives=options.num_negatives,
            sampling_strategy=options.sampling_strategy, output_format="triplet",
            batch_size=64, use_faiss=True, verbose=False, cache_folder=str(cache_folder) if cache_folder else None,
        )
    negatives: dict[tuple[str, str], list[str]] = {}
    for row in mined:
        negatives.setdefault((row["anchor"], row["positive"]), []).append(row["negative"])
    rng = random.Random(seed)
    positives_of: dict[str, set[str]] = {}
    for pair in pairs:
        positives_of.setdefault(pair.anchor, set()).add(pair.positive)
    result, fallbacks = [], 0
    for pair in pairs:
        if pair.negative is not None:
            result.append(pair)
            continue
        found = negatives.get((pair.anchor, pair.positive))
        if found:
            result.extend(replace(pair, negative=negative) for negative in found[: options.num_negatives])
            continue
        fallbacks += 1
        negative = rng.choice(texts)
        while negative in positives_of[pair.anchor] and len(texts) > len(positives_of[pair.anchor]):
            negative = rng.choice(texts)
        result.append(replace(pair, negative=negative))
    if fallbacks:
        logger.info("hard negatives: %d of %d pairs got a random negative (none mined in range)", fallbacks, len(todo))
    return result


def _seed_corpus_cache(folder: Path, model, corpus: list[str], vectors: np.ndarray) -> Path:
    """Write ``vectors`` where ``mine_hard_negatives(cache_folder=folder)`` looks for the corpus's."""
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    model_name = model.model_card_data.base_model or ""
    digest = hashlib.sha256(repr((model_name, None, None, corpus)).encode(), usedforsecurity=False).hexdigest()
    np.save(folder / f"corpus_embeddings_{digest}.npy", vectors.astype(np.float32))
    return folder
