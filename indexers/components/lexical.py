"""The lexical component: BM25 over each position's title and text (``bm25/``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from ..bm25_matrix import BM25S_FORMAT_VERSION
from ..lexical import BM25Params, LexicalIndex
from .base import BuildContext, Change, Component

__all__ = ["LexicalComponent", "LexicalSection", "BM25_DIR"]

BM25_DIR = "bm25"


@dataclass
class LexicalSection:
    backend: str
    bm25s_version: str
    k1: float
    b: float
    method: str
    stopwords: str
    stemmer: str | None
    language: str = "en"
    # Indexes written before languages were added lower-cased only, with no CJK bigrams.
    fold: bool = False

    @property
    def params(self) -> BM25Params:
        return BM25Params(k1=self.k1, b=self.b, method=self.method, stopwords=self.stopwords,  # type: ignore[arg-type]
                          stemmer=self.stemmer, language=self.language, fold=self.fold)

    @classmethod
    def of(cls, params: BM25Params) -> LexicalSection:
        # "bm25s" names the file format; the version is the bm25s release whose format is written
        return cls(backend="bm25s", bm25s_version=BM25S_FORMAT_VERSION, **asdict(params))


class LexicalComponent(Component):
    name = "lexical"
    Section = LexicalSection
    files = (BM25_DIR,)

    def create(self, folder: Path, build: BuildContext) -> LexicalSection:
        index = LexicalIndex.build([doc.searchable_text() for doc in build.documents], build.options.bm25)
        index.save(folder / BM25_DIR)
        return LexicalSection.of(index.params)

    def open(self, folder: Path, section: LexicalSection) -> LexicalIndex:
        return LexicalIndex.load(folder / BM25_DIR, section.params)

    def refresh(self, change: Change, section: LexicalSection) -> LexicalSection:
        # BM25's document frequencies and average length change with every document added or
        # removed, so the index is rebuilt from the store (tombstones index as empty texts).
        change.replace(BM25_DIR, LexicalIndex.build(change.store.all_texts(), section.params).save)
        return section


