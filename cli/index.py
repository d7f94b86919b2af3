"""``scientia index``: build an index folder and describe one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from scientia.indexers.encoder import Device
from scientia.indexers.readers import CorpusFormat

from .errors import reports_user_errors
from .logs import configure_logging
from .options import DeviceOption, FaissOption, ModelOption, QuietOption, VerboseOption

app = typer.Typer(help="Build and inspect index folders.", no_args_is_help=True)


@app.command()
@reports_user_errors
def build(
    corpus: Path = typer.Argument(..., help="BEIR folder, JSONL file, CSV file, or folder of .txt/.md files."),
    output: Path = typer.Option(..., "--output", "-o", help="Index folder to create or replace."),
    model: Optional[Path] = ModelOption,
    corpus_format: CorpusFormat = typer.Option("auto", "--format", help="Corpus format."),
    faiss_factory: Optional[str] = FaissOption,
    batch_size: int = typer.Option(64, "--batch-size", min=1, help="Encoder batch size."),
    device: Device = DeviceOption,
    dedupe: bool = typer.Option(False, "--dedupe", help="Keep the first of records sharing an id instead of failing."),
    id_field: str = typer.Option("id", "--id-field", help="CSV column holding the document id."),
    text_field: str = typer.Option("text", "--text-field", help="CSV column holding the text."),
    title_field: str = typer.Option("title", "--title-field", help="CSV column holding the title."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Reuse and store embeddings here."),
    verbose: bool = VerboseOption,
    quiet: bool = QuietOption,
) -> None:
    """Index CORPUS into a folder: documents, dense vectors (FAISS) and BM25.

    A failed or interrupted build leaves any previous index at OUTPUT as it was.
    """
    configure_logging(verbose, quiet)
    from scientia.indexers import BuildOptions, build_index

    reader_options = {}
    if corpus_format == "csv" or corpus.suffix.lower() in {".csv", ".tsv"}:
        reader_options = {"id_column": id_field, "text_column": text_field, "title_column": title_field}
    options = BuildOptions(
        model=model,
        device=device,
        batch_size=batch_size,
        faiss_factory=faiss_factory,
        corpus_format=corpus_format,
        reader_options=reader_options,
        dedupe=dedupe,
        cache_dir=cache_dir,
        show_progress=not quiet,
    )
    manifest = build_index(corpus, output, options)
    typer.echo(
        f"indexed {manifest['documents']['count']:,} documents into {output} "
        f"(generation {manifest['generation']}, {manifest['dense']['factory']}, "
        f"{manifest['build']['total_seconds']:.1f} s)",
        err=True,
    )


@app.command()
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
    if as_json:
        typer.echo(json.dumps({**manifest, "sizes_bytes": sizes}, indent=2))
        return
    from .render import render_info

    render_info(index, manifest, sizes)
