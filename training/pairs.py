"""Training pairs: (anchor, positive) texts, read from a file or drawn from a BEIR training split.

A pairs file is JSON Lines (``{"anchor": ..., "positive": ...}``), or CSV/TSV with a header row
naming those two columns. An optional ``negative`` column adds one hard negative per row.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from dataclasses import dataclass, field, replace
from pathlib import Path

from scientia.common.errors import CorpusError
from scientia.indexers.readers import read_qrels, read_queries
from scientia.indexers.readers.beir import BeirCorpusReader
from scientia.indexers.readers.lines import iter_utf8_lines

__all__ = ["TrainingPair", "TrainingData", "read_pairs_file", "pairs_from_beir", "split_held_out", "text_id", "REQUIRED_COLUMNS"]

REQUIRED_COLUMNS = ("anchor", "positive")
_DELIMITERS = {".tsv": "\t", ".csv": ","}


@dataclass(frozen=True)
class TrainingPair:
    anchor: str
    positive: str
    kind: str = "pair"  # where the pair came from: "pair", "qrels", or an ontology kind
    negative: str | None = None
    query_id: str | None = None  # groups pairs of one query, so held-out splits never cut a query in two
    positive_id: str | None = None


@dataclass
class TrainingData:
    """Pairs to learn from, and what the held-out evaluation needs: queries, a corpus, judgements."""

    pairs: list[TrainingPair]
    corpus: dict[str, str] = field(default_factory=dict)  # doc id → text as the encoder sees it
    source: str = ""


def read_pairs_file(path: str | Path) -> TrainingData:
    """Read ``path`` (``.jsonl``, ``.csv`` or ``.tsv``); every error names the file and line."""
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"{path}: no such pairs file")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json"):
        pairs = list(_read_jsonl(path))
    elif suffix in _DELIMITERS:
        pairs = list(_read_delimited(path, _DELIMITERS[suffix]))
    else:
        raise CorpusError(f"{path}: unknown pairs format {suffix or '(no suffix)'} (allowed: .jsonl, .csv, .tsv)")
    if not pairs:
        raise CorpusError(f"{path}: no pairs (expected rows with {' and '.join(REQUIRED_COLUMNS)})")
    corpus: dict[str, str] = {}
    for pair in pairs:  # the positives (and negatives) are the evaluation corpus
        for text in (pair.positive, pair.negative):
            if text is not None:
                corpus.setdefault(text_id(text), text)
    pairs = [replace(p, query_id=text_id(p.anchor), positive_id=text_id(p.positive)) for p in pairs]
    return TrainingData(pairs, corpus, source=str(path))


def text_id(text: str) -> str:
    """A stable id for a text that has none (pairs files, ontology labels)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _checked_pair(row: dict, where: str) -> TrainingPair:
    missing = [c for c in REQUIRED_COLUMNS if c not in row]
    if missing:
        raise CorpusError(f"{where}: missing column {', '.join(repr(c) for c in missing)} "
                          f"(required: {', '.join(REQUIRED_COLUMNS)}; optional: negative)")
    values = {}
    for column in (*REQUIRED_COLUMNS, "negative"):
        value = row.get(column)
        if column == "negative" and value in (None, ""):
            continue
        if not isinstance(value, str) or not value.strip():
            raise CorpusError(f"{where}: {column!r} must be non-empty text")
        values[column] = value
    return TrainingPair(values["anchor"], values["positive"], negative=values.get("negative"))


def _read_jsonl(path: Path):
    for number, line in iter_utf8_lines(path):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise CorpusError(f"{path}: line {number}: invalid JSON ({error.msg})") from None
        if not isinstance(row, dict):
            raise CorpusError(f"{path}: line {number}: expected an object with {', '.join(REQUIRED_COLUMNS)}")
        yield _checked_pair(row, f"{path}: line {number}")


def _read_delimited(path: Path, delimiter: str):
    lines = (line for _, line in iter_utf8_lines(path))
    reader = csv.DictReader(lines, delimiter=delimiter)
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if header and missing:
        raise CorpusError(f"{path}: line 1: header lacks column {', '.join(repr(c) for c in missing)} "
                          f"(found: {', '.join(header)}; required: {', '.join(REQUIRED_COLUMNS)})")
    for row in reader:
        if None in row:
            raise CorpusError(f"{path}: line {reader.line_num}: more fields than the header names")
        yield _checked_pair({k: v for k, v in row.items() if v is not None}, f"{path}: line {reader.line_num}")


def pairs_from_beir(dataset: str | Path, split: str = "train", exclude_splits: tuple[str, ...] = ("test",)) -> TrainingData:
    """One (query, relevant document) pair per positive judgement of ``split``.

    Queries that any of ``exclude_splits`` judges, by id or by identical text, are dropped, so
    a model trained here has never seen an evaluation query.
    """
    from scientia.indexers.readers.beir import available_splits

    dataset = Path(dataset)
    queries = read_queries(dataset)
    qrels = read_qrels(dataset, split)
    excluded_ids: set[str] = set()
    for other in exclude_splits:
        if other != split and other in available_splits(dataset):
            excluded_ids |= set(read_qrels(dataset, other))
    excluded_texts = {queries[q].strip().lower() for q in excluded_ids if q in queries}
    corpus = {document.id: document.searchable_text() for document in BeirCorpusReader(dataset)}
    pairs = []
    for query_id, judged in sorted(qrels.items()):
        if query_id in excluded_ids or query_id not in queries or queries[query_id].strip().lower() in excluded_texts:
            continue
        for doc_id, relevance in sorted(judged.items()):
            if relevance > 0 and doc_id in corpus:
                pairs.append(TrainingPair(queries[query_id], corpus[doc_id], "qrels", query_id=query_id, positive_id=doc_id))
    if not pairs:
        raise CorpusError(f"{dataset}: split {split!r} has no positive judgement on a known query and document")
    return TrainingData(pairs, corpus, source=f"{dataset} ({split})")


def split_held_out(pairs: list[TrainingPair], fraction: float, seed: int) -> tuple[list[TrainingPair], list[TrainingPair]]:
    """Hold out ``fraction`` of the queries (all pairs of a query go to the same side)."""
    query_ids = sorted({p.query_id or p.anchor for p in pairs})
    random.Random(seed).shuffle(query_ids)
    held = set(query_ids[: round(len(query_ids) * fraction)]) if len(query_ids) > 1 else set()
    train = [p for p in pairs if (p.query_id or p.anchor) not in held]
    evaluation = [p for p in pairs if (p.query_id or p.anchor) in held]
    return train, evaluation

