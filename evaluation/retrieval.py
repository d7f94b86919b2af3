"""Retrieval benchmark on a BEIR-format collection: quality per mode, build cost, latency, memory.

Every judged query of the split runs through :meth:`Engine.search` one at a time, as a user's
would, so the latency figures are end to end (encode the query, FAISS, BM25, fusion, fetch).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from scientia.common.errors import CorpusError, InvalidArgumentError
from scientia.common.models import Device
from scientia.common.progress import progress
from scientia.engine import CrossEncoderReranker, Engine
from scientia.engine.fusion import DEFAULT_FUSION
from scientia.engine.signals import DenseSignal
from scientia.indexers.builder import (
    BuildOptions,
    build_index_from_documents,
    load_documents,
)
from scientia.indexers.embedding_cache import default_cache_dir
from scientia.indexers.encoding import DEFAULT_BACKEND, Backend, Encoder
from scientia.indexers.extraction.pipeline import RULES_VERSION
from scientia.indexers.knowledge_builder import KnowledgeOptions, ontology_checksum
from scientia.indexers.layout import IndexLayout, scientia_version
from scientia.indexers.manifest import Manifest, section_to_json
from scientia.indexers.readers import read_qrels, read_queries

from .machine import describe_machine, peak_memory_mib
from .metrics import evaluate
from .report import write_report

__all__ = ["BenchmarkConfig", "run_benchmark"]

logger = logging.getLogger(__name__)

RUN_DEPTH = 100  # Recall@100 needs the top 100
THROUGHPUT_SAMPLE = 512


@dataclass
class BenchmarkConfig:
    dataset: Path
    split: str = "test"
    modes: list[str] = field(default_factory=lambda: ["dense", "lexical", "hybrid"])
    model: Path | None = None
    out: Path = Path("bench-out")
    index_dir: Path | None = None  # default: <out>/index
    fusion: str = DEFAULT_FUSION
    # --fusion learned: the split its combination is fitted on (stored in the index); never `split`
    train_split: str | None = None
    faiss_factory: str | None = None
    cache_dir: Path | None = None
    device: Device = "auto"
    backend: Backend = DEFAULT_BACKEND
    batch_size: int = 64
    show_progress: bool = False
    ontologies: list[Path] = field(default_factory=list)
    extract_knowledge: bool = False  # build the index with a knowledge graph extracted from the corpus
    # measures beyond the standard ones, by ir-measures' name ("R@2", "R@5")
    extra_measures: tuple[str, ...] = ()
    ontology_paths: list[Path] = field(default_factory=list)
    reasoner: str = "auto"
    rerank: Path | None = None  # cross-encoder folder: adds "<mode>+rerank" for each of rerank_modes
    rerank_depth: int = 50
    rerank_modes: list[str] = field(default_factory=lambda: ["hybrid"])


def run_benchmark(config: BenchmarkConfig) -> dict[str, Any]:
    dataset = Path(config.dataset)
    if not dataset.is_dir():
        raise CorpusError(f"{dataset}: no such BEIR folder")
    queries = read_queries(dataset)
    qrels = read_qrels(dataset, config.split)
    judged = [qid for qid, rels in qrels.items() if qid in queries and any(r > 0 for r in rels.values())]
    if not judged:
        raise CorpusError(f"{dataset}: split {config.split!r} judges no query found in queries.jsonl")

    if config.fusion == "learned" and config.train_split in (None, config.split):
        raise InvalidArgumentError(f"--fusion learned needs --train-split, a split other than the one judged "
                                   f"({config.split!r}): its weights are fitted there")
    if config.train_split is not None:
        read_qrels(dataset, config.train_split)  # a missing split fails now, listing the others
    index_dir = Path(config.index_dir or Path(config.out) / "index")
    build = _build_or_reuse(dataset, index_dir, config)
    engine = Engine.open(index_dir, model=config.model, device=config.device)
    fitted = None
    if config.fusion == "learned":
        from .fusion_fit import fit_on_split

        fitted = fit_on_split(engine, dataset, config.train_split or "train").to_json()
    encoder_throughput = build.pop("encode_docs_per_second") or _sample_throughput(engine, config)

    reranker = CrossEncoderReranker(config.rerank, config.rerank_depth, config.device) if config.rerank else None
    runs: list[tuple[str, str, CrossEncoderReranker | None]] = [(mode, mode, None) for mode in config.modes]
    if reranker:
        runs += [(f"{mode}+rerank", mode, reranker) for mode in config.rerank_modes if mode in config.modes]
    results: dict[str, Any] = {}
    for label, mode, stage in runs:
        engine.search(queries[judged[0]], k=RUN_DEPTH, mode=mode, fusion=config.fusion, reranker=stage)  # load models once
        run: dict[str, dict[str, float]] = {}
        latencies = []
        with progress(f"{label} queries", total=len(judged), unit="query", enabled=config.show_progress) as advance:
            for qid in judged:
                started = time.perf_counter()
                hits = engine.search(queries[qid], k=RUN_DEPTH, mode=mode, fusion=config.fusion, reranker=stage)
                latencies.append(time.perf_counter() - started)
                run[qid] = {hit.id: hit.score for hit in hits}
                advance(1)
        results[label] = {
            "metrics": evaluate(run, {qid: qrels[qid] for qid in judged}, config.extra_measures),
            "latency_ms": _percentiles(latencies),
            "queries_per_second": round(len(latencies) / sum(latencies), 2),
        }
        logger.info("%s: nDCG@10 %.4f", label, results[label]["metrics"]["nDCG@10"])
    manifest = engine.manifest
    engine.close()

    report = {
        "dataset": dataset.name,
        "dataset_path": str(dataset.resolve()),
        "split": config.split,
        "queries": len(judged),
        "documents": manifest.documents.count,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "scientia_version": scientia_version(),
        "machine": describe_machine(),
        "encoder": {k: getattr(manifest.section("dense").encoder, k) for k in ("name", "path", "checksum", "dimension", "backend")},
        "faiss_factory": manifest.section("dense").factory,
        "lexical": section_to_json(manifest.section("lexical")),
        "fusion": config.fusion,
        "learned_fusion": fitted,
        "rerank": {"model": str(Path(config.rerank).resolve()), "depth": config.rerank_depth} if config.rerank else None,
        "knowledge": _knowledge_summary(manifest),
        "index": build,
        "encoder_docs_per_second": encoder_throughput,
        "peak_memory_mib": peak_memory_mib(),
        "extra_measures": list(config.extra_measures),
        "modes": results,
    }
    write_report(report, Path(config.out))
    return report


def _build_or_reuse(dataset: Path, index_dir: Path, config: BenchmarkConfig) -> dict[str, Any]:
    """Reuse ``index_dir`` when it indexes this corpus with this encoder and FAISS factory; else build it."""
    documents, corpus_checksum = load_documents(dataset, "beir")
    encoder = Encoder(config.model, config.device, backend=config.backend)
    layout = IndexLayout(index_dir)
    if layout.exists():
        manifest = layout.read_manifest()
        knowledge = manifest.section("knowledge")
        if (
            manifest.documents.corpus_checksum == corpus_checksum
            and manifest.section("dense").encoder.checksum == encoder.checksum
            and manifest.section("dense").encoder.backend == config.backend
            and config.faiss_factory in (None, manifest.section("dense").factory)
            and (knowledge.ontology_checksum if knowledge else None) == ontology_checksum(config.ontologies)
            and _extracted_by(knowledge) == (RULES_VERSION if config.extract_knowledge else None)
        ):
            logger.info("reusing index %s", index_dir)
            return {"reused": True, "build_seconds": manifest.build.total_seconds, "encode_docs_per_second": None}
    options = BuildOptions(
        model=config.model,
        device=config.device,
        backend=config.backend,
        batch_size=config.batch_size,
        faiss_factory=config.faiss_factory,
        corpus_format="beir",
        cache_dir=config.cache_dir or default_cache_dir(),
        show_progress=config.show_progress,
        knowledge=KnowledgeOptions(list(config.ontologies), list(config.ontology_paths), config.reasoner,
                                   extract=config.extract_knowledge),
    )
    started = time.perf_counter()
    manifest = build_index_from_documents(documents, corpus_checksum, dataset, index_dir, options)
    seconds = time.perf_counter() - started
    encode_seconds = manifest.build.encode_seconds
    return {
        "reused": False,
        "build_seconds": round(seconds, 2),
        "embeddings_from_cache": encode_seconds is None,
        "encode_docs_per_second": round(len(documents) / encode_seconds, 1) if encode_seconds else None,
    }


def _extracted_by(knowledge: Any) -> int | None:
    """The extraction rules' version an index's graph was extracted by (None: not extracted)."""
    return knowledge.extraction.get("rules", 0) if knowledge and knowledge.extraction else None


def _knowledge_summary(manifest: Manifest) -> dict[str, Any] | None:
    knowledge = manifest.section("knowledge")
    if not knowledge:
        return None
    return {
        "ontologies": knowledge.ontologies,
        "reasoner": knowledge.reasoning["reasoner"],
        "inferred_triples": knowledge.reasoning["inferred_triples"],
        "entities": knowledge.entities,
        "mentions": knowledge.mentions,
        "extraction": knowledge.extraction,
    }


def _sample_throughput(engine: Engine, config: BenchmarkConfig) -> float:
    """Documents per second on a fixed sample, when the build did not encode (cached embeddings)."""
    documents = engine.store.get_by_positions(list(range(min(THROUGHPUT_SAMPLE, len(engine)))))
    texts = [documents[p].searchable_text() for p in sorted(documents)]
    encoder = cast(DenseSignal, engine.signal("dense")).encoder
    encoder.encode(texts[: config.batch_size], batch_size=config.batch_size)  # warm-up
    started = time.perf_counter()
    encoder.encode(texts, batch_size=config.batch_size)
    return round(len(texts) / (time.perf_counter() - started), 1)


def _percentiles(seconds: list[float]) -> dict[str, float]:
    import numpy as np

    values = np.asarray(seconds) * 1000
    return {"p50": round(float(np.percentile(values, 50)), 2), "p99": round(float(np.percentile(values, 99)), 2),
            "mean": round(float(values.mean()), 2)}
