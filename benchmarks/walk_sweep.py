"""How the knowledge walk's re-ranking depends on its two settings: how many of the fused
ranking's passages it restarts from (``PASSAGE_SEEDS``) and the share of the restart they get
(``PASSAGE_SHARE``), on indexes built with ``--extract-knowledge``.

    python -m scientia.benchmarks.walk_sweep OUT INDEX=COLLECTION [INDEX=COLLECTION ...]
        # e.g. bench-out/musique-train100-kg=../shared/datasets/musique-train100 (make bench-extracted
        # builds them); writes OUT/walk-sweep.md and OUT/walk-sweep.json

Every cell runs the engine's own ``hybrid+knowledge`` over the collection's test queries, with the
two settings changed for that cell only; ``hybrid`` is the baseline of the same run. Passage
Recall@2, Recall@5 and nDCG@10 (graded gain 2^rel − 1, as pytrec_eval's ndcg_cut).
"""

from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from pathlib import Path

from scientia.engine import Engine
from scientia.engine.signals import knowledge_walk

__all__ = ["sweep", "SEEDS", "SHARES"]

SEEDS = (5, 10, 20, 50)
SHARES = (0.1, 0.2, 0.3, 0.5)


def _judged(collection: Path) -> tuple[list[tuple[str, str]], dict[str, dict[str, int]]]:
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (collection / "qrels" / "test.tsv").read_text().splitlines()[1:]:
        query, document, grade = line.split("\t")
        if int(grade) > 0:
            qrels[query][document] = int(grade)
    queries = [json.loads(line) for line in (collection / "queries.jsonl").read_text().splitlines() if line.strip()]
    return [(q["_id"], q["text"]) for q in queries if q["_id"] in qrels], qrels


def _measures(ranked: list[str], relevant: dict[str, int]) -> tuple[float, float, float]:
    gain = sum((2 ** relevant.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(sorted(relevant.values(), reverse=True)[:10]))
    found = lambda k: len(set(ranked[:k]) & set(relevant)) / len(relevant)  # noqa: E731
    return found(2), found(5), gain / ideal


def _run(engine: Engine, queries: list[tuple[str, str]], qrels, mode: str) -> dict[str, float]:
    hits = engine.search_batch([text for _, text in queries], k=10, mode=mode)
    rows = [_measures([hit.id for hit in found], qrels[qid]) for (qid, _), found in zip(queries, hits, strict=True)]
    return {name: round(sum(row[i] for row in rows) / len(rows), 4) for i, name in enumerate(("R@2", "R@5", "nDCG@10"))}


def sweep(index: Path, collection: Path) -> dict:
    queries, qrels = _judged(collection)
    chosen = knowledge_walk.PASSAGE_SEEDS, knowledge_walk.PASSAGE_SHARE
    cells = []
    with Engine.open(index) as engine:
        baseline = _run(engine, queries, qrels, "hybrid")
        try:
            for seeds in SEEDS:
                for share in SHARES:
                    knowledge_walk.PASSAGE_SEEDS, knowledge_walk.PASSAGE_SHARE = seeds, share
                    cells.append({"seeds": seeds, "share": share, **_run(engine, queries, qrels, "hybrid+knowledge")})
        finally:
            knowledge_walk.PASSAGE_SEEDS, knowledge_walk.PASSAGE_SHARE = chosen
    return {"collection": collection.name, "queries": len(queries), "hybrid": baseline, "cells": cells,
            "chosen": {"seeds": chosen[0], "share": chosen[1]}}


def _markdown(results: list[dict]) -> str:
    lines = ["# The walk's re-ranking: passages it restarts from × their share of the restart", "",
             "`python -m scientia.benchmarks.walk_sweep` (see its docstring). Each cell: hybrid+knowledge "
             "R@2 / R@5 / nDCG@10, and its gain over hybrid in R@2 and R@5.", ""]
    for result in results:
        base = result["hybrid"]
        lines += [f"## {result['collection']} ({result['queries']} queries)", "",
                  f"hybrid: R@2 {base['R@2']:.4f}, R@5 {base['R@5']:.4f}, nDCG@10 {base['nDCG@10']:.4f}", "",
                  "| seeds | share | R@2 | R@5 | nDCG@10 | ΔR@2 | ΔR@5 |", "|---:|---:|---:|---:|---:|---:|---:|"]
        for cell in result["cells"]:
            mark = " (default)" if (cell["seeds"], cell["share"]) == tuple(result["chosen"].values()) else ""
            lines.append(f"| {cell['seeds']}{mark} | {cell['share']} | {cell['R@2']:.4f} | {cell['R@5']:.4f} | "
                         f"{cell['nDCG@10']:.4f} | {cell['R@2'] - base['R@2']:+.4f} | {cell['R@5'] - base['R@5']:+.4f} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("indexes", nargs="+", help="INDEX=COLLECTION")
    arguments = parser.parse_args()
    results = []
    for pair in arguments.indexes:
        index, separator, collection = pair.partition("=")
        if not separator:
            parser.error(f"{pair}: expected INDEX=COLLECTION")
        results.append(sweep(Path(index), Path(collection)))
    arguments.out.mkdir(parents=True, exist_ok=True)
    (arguments.out / "walk-sweep.json").write_text(json.dumps(results, indent=2) + "\n")
    (arguments.out / "walk-sweep.md").write_text(_markdown(results))


if __name__ == "__main__":
    main()
