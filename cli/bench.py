"""``scientia bench``: retrieval quality and speed on a BEIR-format collection."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

import typer

from .errors import fail, reports_user_errors
from .logs import is_quiet
from .options import (
    DEFAULT_BACKEND,
    DEFAULT_FUSION,
    BackendArg,
    DeviceArg,
    FaissArg,
    FusionArg,
    ModelArg,
    ReasonerArg,
    RerankArg,
    RerankDepthArg,
)

if TYPE_CHECKING:
    from scientia.common.models import Device
    from scientia.indexers.encoding import Backend


@reports_user_errors
def bench(
    dataset: Path = typer.Argument(
        ..., help="BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv), or 'lubm' for the reasoning benchmark."
    ),
    universities: str = typer.Option("1,5", "--universities", help="lubm: comma-separated LUBM sizes N."),
    lubm_dir: Path = typer.Option(Path("../shared/ontologies/lubm"), "--lubm-dir", help="lubm: the LUBM(1,0) folder."),
    split: str = typer.Option("test", "--split", help="Which qrels file judges the run."),
    modes: str | None = typer.Option(
        None, "--modes", help="Comma-separated modes to score (default: dense,lexical,hybrid, plus hybrid+knowledge with --ontology)."
    ),
    ontology: list[Path] = typer.Option([], "--ontology", help="Ontology file or folder: adds the hybrid+knowledge mode."),
    extract_knowledge: bool = typer.Option(
        False, "--extract-knowledge", help="Build the index with a knowledge graph extracted from the corpus: adds hybrid+knowledge."),
    measures: str = typer.Option(
        "", "--measures", help="More measures, by ir-measures' name, reported first: R@2,R@5 for multi-hop collections."),
    ontology_path: list[Path] = typer.Option([], "--ontology-path", help="Folder where owl:imports are looked up."),
    reasoner: ReasonerArg = "auto",
    model: ModelArg = None,
    compare_models: str | None = typer.Option(
        None, "--compare-models", help="Comma-separated model folders ('default' = packaged MiniLM), e.g. default,models/tuned: one table and plot."
    ),
    rerank: RerankArg = None,
    rerank_depth: RerankDepthArg = 50,
    rerank_modes: str = typer.Option("hybrid", "--rerank-modes", help="--rerank: comma-separated modes that also run re-ranked, as MODE+rerank."),
    out: Path | None = typer.Option(None, "--out", help="Report folder (default: bench-out/<dataset>)."),
    index_dir: Path | None = typer.Option(None, "--index-dir", help="Where the index is built or reused (default: OUT/index)."),
    fusion: FusionArg = DEFAULT_FUSION,
    train_split: str | None = typer.Option(
        None, "--train-split", help="--fusion learned: the split whose judgements fit the combination (stored in the "
        "index, reused by 'query --fusion learned'); never the judged --split."),
    faiss_factory: FaissArg = None,
    cache_dir: Path | None = typer.Option(None, "--cache-dir", help="Embedding cache (default: ~/.cache/scientia/embeddings)."),
    device: DeviceArg = "auto",
    backend: BackendArg = DEFAULT_BACKEND,
) -> None:
    """Score DATASET: nDCG@10, Recall@100, MRR@10, build time, throughput, latency, memory.

    Builds or reuses an index of the collection, runs every judged query of the split through
    each mode, and writes report.json, report.md and report.png to --out.
    """
    if str(dataset) == "lubm":
        _bench_lubm(lubm_dir, universities, out or Path("bench-out") / "lubm", reasoner)
        return
    from scientia.engine import MODES
    from scientia.evaluation.retrieval import BenchmarkConfig, run_benchmark

    modes = modes or ("dense,lexical,hybrid,hybrid+knowledge" if ontology or extract_knowledge else "dense,lexical,hybrid")
    extra_measures = tuple(m.strip() for m in measures.split(",") if m.strip())
    _check_measures(extra_measures)
    mode_list = [m.strip() for m in modes.split(",") if m.strip()]
    unknown = [m for m in mode_list if m not in MODES]
    if unknown or not mode_list:
        raise fail(f"--modes: unknown mode(s) {', '.join(unknown) or '(none given)'} (allowed: {', '.join(MODES)})")
    config = BenchmarkConfig(
        dataset=dataset,
        split=split,
        modes=mode_list,
        model=model,
        out=out or Path("bench-out") / dataset.resolve().name,
        index_dir=index_dir,
        fusion=fusion,
        train_split=train_split,
        faiss_factory=faiss_factory,
        cache_dir=cache_dir,
        device=cast("Device", device),
        backend=cast("Backend", backend),
        show_progress=not is_quiet(),
        ontologies=list(ontology),
        extract_knowledge=extract_knowledge,
        extra_measures=extra_measures,
        ontology_paths=list(ontology_path),
        reasoner=reasoner,
        rerank=rerank,
        rerank_depth=rerank_depth,
        rerank_modes=[m.strip() for m in rerank_modes.split(",") if m.strip()],
    )
    if compare_models:
        if model is not None:
            raise fail("give either --model or --compare-models, not both")
        from scientia.evaluation.compare import (
            comparison_table,
            parse_models,
            run_model_comparison,
        )

        comparison = run_model_comparison(config, parse_models(compare_models))
        typer.echo(comparison_table(comparison, details=False))
        typer.echo(f"report written to {config.out}/comparison.json, comparison.md, comparison.png", err=True)
        return
    report = run_benchmark(config)
    from .render import render_benchmark

    render_benchmark(report)
    typer.echo(f"report written to {config.out}/report.json, report.md, report.png", err=True)


def _bench_lubm(lubm_dir: Path, universities: str, out: Path, reasoner: str) -> None:
    from scientia.common.errors import InvalidArgumentError, OntologyError
    from scientia.evaluation.lubm import run_lubm

    if not (lubm_dir / "data").is_dir():
        raise OntologyError(f"{lubm_dir}: no LUBM(1,0) here (expected data/, queries/, answers/); pass --lubm-dir")
    try:
        sizes = [int(n) for n in universities.split(",") if n.strip()]
    except ValueError:
        raise InvalidArgumentError(f"--universities: expected numbers like 1,5, got {universities!r}") from None
    report = run_lubm(lubm_dir, sizes, out, "rl" if reasoner == "auto" else reasoner, work=Path("bench-out") / "lubm-work")
    typer.echo((out / "report.md").read_text())
    failed = [r for r in report["runs"] if r["scientia"].get("matched") != 14]
    if failed:
        raise fail(f"LUBM: not every query matched its published answers (see {out}/report.json)", code=1)


def _check_measures(names: tuple[str, ...]) -> None:
    import ir_measures

    for name in names:
        try:
            ir_measures.parse_measure(name)
        except (ValueError, NameError, SyntaxError, TypeError):
            raise fail(f"--measures: {name!r} is not a measure ir-measures knows (for example R@2, R@5, P@5, nDCG@20)") from None
