"""BEIR collections: a folder with ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv``.

Thakur et al., "BEIR: A Heterogeneous Benchmark for Zero-shot Evaluation of Information
Retrieval Models", NeurIPS Datasets and Benchmarks 2021.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from scientia.common.errors import CorpusError

from ..documents import Document
from .base import CorpusReader
from .jsonl import JsonlCorpusReader
from .lines import iter_utf8_lines

__all__ = ["BeirCorpusReader", "read_queries", "read_qrels", "available_splits"]


class BeirCorpusReader(CorpusReader):
    """Streams ``corpus.jsonl`` of a BEIR folder (``_id``, ``title``, ``text``)."""

    format = "beir"

    @classmethod
    def accepts(cls, path: Path) -> bool:
        return path.is_dir() and (path / "corpus.jsonl").is_file()

    def __iter__(self) -> Iterator[Document]:
        yield from JsonlCorpusReader(self.path / "corpus.jsonl")


def read_queries(folder: Path) -> dict[str, str]:
    """Map query id to query text from ``queries.jsonl``."""
    path = Path(folder) / "queries.jsonl"
    if not path.is_file():
        raise CorpusError(f"{folder}: no queries.jsonl (not a BEIR folder?)")
    queries: dict[str, str] = {}
    for number, line in iter_utf8_lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            queries[str(record["_id"])] = record["text"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise CorpusError(f"{path}: line {number}: expected an object with '_id' and 'text'") from None
    return queries


def available_splits(folder: Path) -> list[str]:
    return sorted(p.stem for p in (Path(folder) / "qrels").glob("*.tsv"))


def read_qrels(folder: Path, split: str) -> dict[str, dict[str, int]]:
    """Map query id to ``{doc id: relevance}`` from ``qrels/<split>.tsv``; the header line is optional."""
    path = Path(folder) / "qrels" / f"{split}.tsv"
    if not path.is_file():
        splits = ", ".join(available_splits(folder)) or "none"
        raise CorpusError(f"{folder}: no qrels for split {split!r} (available: {splits})")
    qrels: dict[str, dict[str, int]] = {}
    for number, line in iter_utf8_lines(path):
        fields = line.rstrip("\r\n").split("\t")
        if not line.strip():
            continue
        if number == 1 and not fields[-1].lstrip("-").isdigit():
            continue  # header: query-id, corpus-id, score
        if len(fields) == 4:  # TREC layout: qid, iteration, docid, rel
            fields = [fields[0], fields[2], fields[3]]
        if len(fields) != 3 or not fields[2].lstrip("-").isdigit():
            raise CorpusError(f"{path}: line {number}: expected 'query-id<TAB>corpus-id<TAB>score'")
        query_id, doc_id, score = fields
        qrels.setdefault(query_id, {})[doc_id] = int(score)
    return qrels
