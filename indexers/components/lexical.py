"""The lexical component: BM25 over each position's title and text (``bm25/``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from ..bm25_matrix import BM25S_FORMAT_VERSION
from ..lexical import BM25Params, LexicalIndex, ShardedLexicalIndex
from ..sharding import POSITIONS_FILE, ShardMap, shard_folder
from .base import BuildContext, Change, Component, OpenContext

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
    # Indexes written before single CJK characters were searchable have bigrams only.
    cjk_unigrams: bool = False
    shards: int = 1  # above 1: shards/NNN/bm25/, scored with the whole corpus's statistics

    @property
    def params(self) -> BM25Params:
        return BM25Params(k1=self.k1, b=self.b, method=self.method, stopwords=self.stopwords,  # type: ignore[arg-type]
                          stemmer=self.stemmer, language=self.language, fold=self.fold, cjk_unigrams=self.cjk_unigrams)

    @classmethod
    def of(cls, params: BM25Params, shards: int = 1) -> LexicalSection:
        # "bm25s" names the file format; the version is the bm25s release whose format is written
        return cls(backend="bm25s", bm25s_version=BM25S_FORMAT_VERSION, **asdict(params), shards=shards)


class LexicalComponent(Component):
    name = "lexical"
    Section = LexicalSection
    files = (BM25_DIR,)

    def owned_files(self, section: LexicalSection) -> tuple[str, ...]:
        if section.shards <= 1:
            return self.files
        return tuple(f"{shard_folder(s)}/{name}" for s in range(section.shards) for name in (BM25_DIR, POSITIONS_FILE))

    def create(self, folder: Path, build: BuildContext) -> LexicalSection:
        texts = [doc.searchable_text() for doc in build.corpus()]
        shard_map = build.shard_map()
        if shard_map is None:
            index = LexicalIndex.build(texts, build.options.bm25)
            index.save(folder / BM25_DIR)
            return LexicalSection.of(index.params)
        shards = LexicalIndex.build_shards(texts, build.options.bm25, shard_map)
        for shard, index in enumerate(shards):
            index.save(folder / shard_folder(shard) / BM25_DIR)
        # the shard position files are the dense component's to write (it reads the old ones when compacting)
        return LexicalSection.of(shards[0].params, shard_map.count)

    def open(self, folder: Path, section: LexicalSection, context: OpenContext) -> LexicalIndex | ShardedLexicalIndex:
        """The BM25 index; for a sharded one, its shards searched as one, here or by ``context.shard_host``."""
        if section.shards <= 1:
            return LexicalIndex.load(folder / BM25_DIR, section.params)
        if context.shard_host is not None:
            shards = context.shard_host.shards(self.name, folder, section)
        else:
            shards = [LexicalIndex.load(folder / shard_folder(s) / BM25_DIR, section.params) for s in range(section.shards)]
        return ShardedLexicalIndex(shards, ShardMap.load(folder, section.shards))

    def shard_count(self, section: LexicalSection) -> int:
        return section.shards

    def describe(self, section: LexicalSection | None) -> list[tuple[str, str]]:
        if section is None:
            return []
        return [("BM25", f"{section.method} k1={section.k1} b={section.b} language={section.language} "
                         f"stemmer={section.stemmer}{'' if section.fold else ' (lower-case only)'}")]

    def open_shard(self, folder: Path, section: LexicalSection, shard: int) -> LexicalIndex:
        return LexicalIndex.load(folder / shard_folder(shard) / BM25_DIR, section.params)

    def shard_attributes(self, section: LexicalSection) -> dict[str, object]:
        return {"params": section.params}

    def refresh(self, change: Change, section: LexicalSection) -> LexicalSection:
        # BM25's document frequencies and average length change with every document added or
        # removed, so the index is rebuilt from the store (tombstones index as empty texts).
        if section.shards <= 1:
            change.replace(BM25_DIR, LexicalIndex.build(change.store.all_texts(), section.params).save)
            return section
        shard_map = change.shard_map(section.shards)
        for shard, index in enumerate(LexicalIndex.build_shards(change.store.all_texts(), section.params, shard_map)):
            change.replace(f"{shard_folder(shard)}/{BM25_DIR}", index.save)
        return section

