"""How the knowledge walk's re-ranking depends on its two settings: how many of the fused
ranking's passages it restarts from (``PASSAGE_SEEDS``) and the share of the restart they get
(``PASSAGE_SHARE``), on indexes built with ``--extract-knowledge``.

    python -m scientia.benchmarks.walk_sweep OUT INDEX=COLLECTION [INDEX=COLLECTION ...]
        # e.g. bench-out/musique-train100-kg=../shared/datasets/musique-train100 (make bench-extracted
        # builds them); writes OUT/walk-sweep.md and OUT/walk-sweep.json
    python -m scientia.benchmarks.walk_sweep --ungated OUT INDEX=COLLECTION [...]
        # the default settings only, with the walk re-ranking even where the corpus is not one of
        # pages (what the gate in engine/signals/knowledge_walk.py keeps it from); writes
        # OUT/walk-ungated.md and OUT/walk-ungated.json

Every cell runs the engine's own ``hybrid+knowledge`` over the collection's test queries, with the
two settings changed for that cell only; ``hybrid`` is the baseline of the same run. Passage
Recall@2, Recall@5 and nDCG@10, by the measures ``scientia bench`` reports (ir-measures).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from scientia.engine import Engine
from scientia.engine.signals import knowledge_walk
from scientia.evaluation.metrics import evaluate
from scientia.evaluation.retrieval import RUN_DEPTH
from scientia.indexers.readers.beir import read_qrels, read_queries

__all__ = ["sweep", "SEEDS", "SHARES"]

SEEDS = (5, 10, 20, 50)
SHARES = (0.1, 0.2, 0.3, 0.5)


def _judged(collection: Path) -> tuple[list[tuple[str, str]], dict[str, dict[str, int]]]:
    """The test split's judged queries, as ``scientia bench`` reads them."""
    queries, qrels = read_queries(collection), read_qrels(collection, "test")
    judged = [qid for qid, grades in qrels.items() if qid in queries and any(g > 0 for g in grades.values())]
    return [(qid, queries[qid]) for qid in judged], {qid: qrels[qid] for qid in judged}


def _run(engine: Engine, queries: list[tuple[str, str]], qrels, mode: str) -> dict[str, float]:
    hits = engine.search_batch([text for _, text in queries], k=RUN_DEPTH, mode=mode)
    run = {qid: {hit.id: hit.score for hit in found} for (qid, _), found in zip(queries, hits, strict=True)}
    measured = evaluate(run, qrels, ("R@2", "R@5"))
    return {name: round(measured[name], 4) for name in ("R@2", "R@5", "nDCG@10")}


def sweep(index: Path, collection: Path, ungated: bool = False) -> dict:
    queries, qrels = _judged(collection)
    chosen = knowledge_walk.PASSAGE_SEEDS, knowledge_walk.PASSAGE_SHARE
    cells = []
    with Engine.open(index) as engine:
        baseline = _run(engine, queries, qrels, "hybrid")
        walk = engine.signal("knowledge")
        if not isinstance(walk, knowledge_walk.KnowledgeWalk):
            raise SystemExit(f"{index}: its knowledge graph was not extracted (index build --extract-knowledge)")
        gated, walk.refines_fusion = walk.refines_fusion, walk.refines_fusion or ungated
        try:
            for seeds in (chosen[0],) if ungated else SEEDS:
                for share in (chosen[1],) if ungated else SHARES:
                    knowledge_walk.PASSAGE_SEEDS, knowledge_walk.PASSAGE_SHARE = seeds, share
                    cells.append({"seeds": seeds, "share": share, **_run(engine, queries, qrels, "hybrid+knowledge")})
        finally:
            knowledge_walk.PASSAGE_SEEDS, knowledge_walk.PASSAGE_SHARE = chosen
    return {"collection": collection.name, "queries": len(queries), "hybrid": baseline, "cells": cells,
            "chosen": {"seeds": chosen[0], "share": chosen[1]}, "linked_pages": round(walk.linked_pages, 4),
            "refines_by_itself": gated}


def _markdown(results: list[dict], ungated: bool) -> str:
    title = ("# The walk re-ranking where the corpus is not one of pages (the gate lifted)" if ungated else
             "# The walk's re-ranking: passages it restarts from × their share of the restart")
    lines = [title, "", f"`python -m scientia.benchmarks.walk_sweep{' --ungated' if ungated else ''}` (see its docstring). "
             "Each cell: hybrid+knowledge R@2 / R@5 / nDCG@10, and its gain over hybrid in R@2 and R@5.", ""]
    for result in results:
        base = result["hybrid"]
        lines += [f"## {result['collection']} ({result['queries']} queries)", "",
                  f"Documents that are pages other documents mention: {result['linked_pages']:.1%} "
                  f"(the walk re-ranks by itself: {'yes' if result['refines_by_itself'] else 'no'}).", "",
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
    parser.add_argument("--ungated", action="store_true", help="the default settings, the walk re-ranking everywhere")
    parser.add_argument("out", type=Path)
    parser.add_argument("indexes", nargs="+", help="INDEX=COLLECTION")
    arguments = parser.parse_args()
    results = []
    for pair in arguments.indexes:
        index, separator, collection = pair.partition("=")
        if not separator:
            parser.error(f"{pair}: expected INDEX=COLLECTION")
        results.append(sweep(Path(index), Path(collection), arguments.ungated))
    arguments.out.mkdir(parents=True, exist_ok=True)
    name = "walk-ungated" if arguments.ungated else "walk-sweep"
    (arguments.out / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    (arguments.out / f"{name}.md").write_text(_markdown(results, arguments.ungated))


if __name__ == "__main__":
    main()
