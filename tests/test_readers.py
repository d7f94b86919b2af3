"""Corpus readers: every format, and every bad input named precisely."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scientia.indexers import CorpusError, InvalidArgumentError, load_documents
from scientia.indexers.readers import open_corpus, read_qrels, read_queries

from helpers import write_jsonl


def test_jsonl_reads_fields_and_keeps_extra_fields_as_metadata(tmp_path: Path):
    path = write_jsonl(tmp_path / "c.jsonl", [
        {"id": "1", "title": "T", "text": "body", "metadata": {"year": 2020}, "lang": "en"},
        {"_id": 2, "text": "second"},
    ])
    docs = list(open_corpus(path))
    assert [d.id for d in docs] == ["1", "2"]
    assert docs[0].title == "T" and docs[0].metadata == {"year": 2020, "lang": "en"}
    assert docs[1].title == "" and docs[1].text == "second"


def test_beir_folder_is_detected_and_reads_underscore_ids(tmp_path: Path):
    write_jsonl(tmp_path / "corpus.jsonl", [{"_id": "d1", "title": "A", "text": "alpha"}])
    write_jsonl(tmp_path / "queries.jsonl", [{"_id": "q1", "text": "what is alpha"}])
    (tmp_path / "qrels").mkdir()
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t2\n")
    (tmp_path / "qrels" / "dev.tsv").write_text("q1\td1\t1\n")  # no header
    reader = open_corpus(tmp_path)
    assert reader.format == "beir"
    assert [d.id for d in reader] == ["d1"]
    assert read_queries(tmp_path) == {"q1": "what is alpha"}
    assert read_qrels(tmp_path, "test") == {"q1": {"d1": 2}}
    assert read_qrels(tmp_path, "dev") == {"q1": {"d1": 1}}
    with pytest.raises(CorpusError, match=r"no qrels for split 'train' \(available: dev, test\)"):
        read_qrels(tmp_path, "train")


def test_text_folder_uses_relative_paths_and_markdown_titles(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("plain text")
    (tmp_path / "sub" / "b.md").write_text("# A heading\n\nBody here.")
    (tmp_path / "ignored.bin").write_bytes(b"\x00\x01")
    docs = list(open_corpus(tmp_path))
    assert [(d.id, d.title, d.text) for d in docs] == [("a.txt", "a", "plain text"), ("sub/b.md", "A heading", "Body here.")]
    (tmp_path / "glacier_retreat-notes.txt").write_text("ice")
    assert next(d.title for d in open_corpus(tmp_path) if d.id.startswith("glacier")) == "glacier retreat notes"


def test_csv_with_named_columns(tmp_path: Path):
    path = tmp_path / "c.csv"
    path.write_text('key,body,headline,year\nk1,"first, with comma",H1,1999\nk2,second,,2001\n')
    docs = list(open_corpus(path, id_column="key", text_column="body", title_column="headline"))
    assert [(d.id, d.title, d.text, d.metadata) for d in docs] == [
        ("k1", "H1", "first, with comma", {"year": "1999"}),
        ("k2", "", "second", {"year": "2001"}),
    ]
    with pytest.raises(CorpusError, match=r"c.csv: line 1: no text column 'text' \(columns: key, body, headline, year\)"):
        list(open_corpus(path, id_column="key"))


def test_empty_text_is_kept_and_counted(tmp_path: Path, caplog):
    # Real collections hold such records (Cranfield document 471); Pyserini indexes them too.
    path = write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "text": ""}, {"id": "b", "text": "body"}])
    with caplog.at_level("WARNING", logger="scientia"):
        documents, _ = load_documents(path)
    assert [d.id for d in documents] == ["a", "b"]
    assert "1 documents have no text and no title" in caplog.text


def test_malformed_jsonl_line_names_file_and_line(tmp_path: Path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "1", "text": "ok"}\n\n{"id": "2", "text": \n')
    with pytest.raises(CorpusError, match=r"bad.jsonl: line 3: malformed JSON"):
        load_documents(path)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"text": "no id"}, r"line 1: record has no 'id'"),
        ({"id": "x"}, r"line 1: document 'x' has no 'text' field"),
        ({"id": "x", "text": 5}, r"document 'x': field 'text' must be a string"),
        ({"id": "x", "text": "t", "metadata": [1]}, r"field 'metadata' must be an object"),
        ([1, 2], r"line 1: expected a JSON object, found list"),
    ],
)
def test_record_without_id_or_text_is_named(tmp_path: Path, record, message):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(record) + "\n")
    with pytest.raises(CorpusError, match=message):
        load_documents(path)


def test_invalid_utf8_names_file_line_and_byte_offset(tmp_path: Path):
    first = b'{"id": "1", "text": "ok"}\n'
    second = b'{"id": "2", "text": "caf\xe9"}\n'
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(first + second)
    offset = len(first) + second.index(b"\xe9")
    with pytest.raises(CorpusError, match=rf"latin1.jsonl: line 2, invalid UTF-8 at byte offset {offset}$"):
        load_documents(path)


def test_invalid_utf8_in_text_file_names_the_file(tmp_path: Path):
    (tmp_path / "good.txt").write_text("fine")
    (tmp_path / "bad.txt").write_bytes(b"abc\xffdef")
    with pytest.raises(CorpusError, match=r"bad.txt: invalid UTF-8 at byte offset 3"):
        load_documents(tmp_path)


def test_empty_corpus_is_an_error(tmp_path: Path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n")
    with pytest.raises(CorpusError, match="empty corpus"):
        load_documents(path)


def test_duplicate_ids_fail_unless_deduped(tmp_path: Path):
    path = write_jsonl(tmp_path / "c.jsonl", [
        {"id": "a", "text": "first"}, {"id": "b", "text": "other"}, {"id": "a", "text": "second"},
    ])
    with pytest.raises(CorpusError, match=r"duplicate document id 'a' \(records 1 and 3\); pass --dedupe"):
        load_documents(path)
    documents, _ = load_documents(path, dedupe=True)
    assert [(d.id, d.text) for d in documents] == [("a", "first"), ("b", "other")]


def test_corpus_checksum_follows_content(tmp_path: Path):
    one = write_jsonl(tmp_path / "one.jsonl", [{"id": "a", "text": "x"}])
    two = write_jsonl(tmp_path / "two.jsonl", [{"id": "a", "text": "y"}])
    three = write_jsonl(tmp_path / "three.jsonl", [{"id": "a", "text": "x"}])
    sums = [load_documents(p)[1] for p in (one, two, three)]
    assert sums[0] != sums[1] and sums[0] == sums[2]


def test_unknown_format_and_missing_path(tmp_path: Path):
    with pytest.raises(InvalidArgumentError, match=r"allowed: auto, beir, jsonl, text, csv"):
        open_corpus(tmp_path, format="parquet")  # type: ignore[arg-type]
    with pytest.raises(CorpusError, match="no such file or folder"):
        open_corpus(tmp_path / "missing.jsonl")
    (tmp_path / "data.xml").write_text("<x/>")
    with pytest.raises(CorpusError, match="cannot tell the corpus format"):
        open_corpus(tmp_path / "data.xml")
