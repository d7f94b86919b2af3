"""Every fusion method on every collection, in one run: does any fused ranking lose to one of its
own signals?

For each collection each signal ranks the judged test queries once (top 100); every fusion
method then fuses those same runs through :meth:`scientia.engine.Engine.fuse_rankings`, the code
a query runs, so the methods are compared on identical inputs. Collections: SciFact, Cranfield,
the MS MARCO subset, pizza-knowledge (with its ontology: the knowledge signal and the
hybrid+knowledge mode), and pizza-knowledge once more with an encoder trained on the ontology's
pairs (:mod:`scientia.training.ontology_pairs`), where the dense signal is far stronger than BM25:
the case that makes equal min-max weights lose to dense alone. ``learned``
(:mod:`scientia.engine.fusion.learned`) is fitted on the collection's train split where it has
one (SciFact) and left out elsewhere.

    python -m scientia.benchmarks.fusion_table ../shared/datasets --ontology ../shared/ontologies/pizza/pizza.owl

No weight is tuned on any test query: the methods use the signals' own weights, the learned one
the train split's judgements.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scientia.evaluation.machine import describe_machine
from scientia.evaluation.metrics import evaluate
from scientia.evaluation.report import write_json_and_markdown

__all__ = ["Collection", "fusion_table", "check_no_loss"]

# A fused mode may trail its best signal by this much and still count as not losing (the issue's
# acceptance tolerance: below it, differences are a query or two on these collection sizes).
TOLERANCE = 0.005


def fused_modes() -> dict[str, tuple[str, ...]]:
    """The registered modes that fuse more than one signal (a plugin's too), by the engine's registry."""
    from scientia.engine import MODES

    return {name: signals for name, signals in MODES.items() if len(signals) > 1}


def _signal_order(name: str) -> int:
    """Signals in the order they were registered (a new one sorts after the built-in ones)."""
    from scientia.engine.signals import SIGNALS

    names = SIGNALS.names()
    return names.index(name) if name in names else len(names)


@dataclass(frozen=True)
class Collection:
    name: str
    dataset: Path
    ontology: Path | None = None
    model: Path | None = None  # None: the packaged MiniLM


def fusion_table(collections: list[Collection], work: Path, backend: str = "torch",
                 methods: Sequence[str] | None = None) -> dict[str, Any]:
    """nDCG@10 (and the other measures) of every signal and every fused mode by every method."""
    from scientia.engine.fusion import FUSION_METHODS

    chosen = list(methods or FUSION_METHODS.names())
    results: dict[str, Any] = {}
    for collection in collections:
        started = time.perf_counter()
        results[collection.name] = _one_collection(collection, work / "indexes" / collection.name, backend, chosen)
        print(f"{collection.name}: {time.perf_counter() - started:.1f} s", flush=True)
    return results


def _one_collection(collection: Collection, index: Path, backend: str, methods: list[str]) -> dict[str, Any]:
    from scientia.engine import DEFAULT_DEPTH, Engine
    from scientia.evaluation.fusion_fit import training_examples
    from scientia.indexers import BuildOptions, build_index
    from scientia.indexers.embedding_cache import default_cache_dir
    from scientia.indexers.knowledge_builder import KnowledgeOptions
    from scientia.indexers.layout import IndexLayout
    from scientia.indexers.readers import read_qrels, read_queries

    if not IndexLayout(index).exists():
        knowledge = KnowledgeOptions([collection.ontology] if collection.ontology else [])
        build_index(collection.dataset, index, BuildOptions(model=collection.model, backend=backend,
                                                            cache_dir=default_cache_dir(), knowledge=knowledge))
    queries, qrels = read_queries(collection.dataset), read_qrels(collection.dataset, "test")
    judged = [q for q in qrels if q in queries]
    with Engine.open(index, model=collection.model) as engine:
        ids = {position: document.id for position, document in engine.store.live_documents()}
        signals = engine.available_signals
        found = {name: engine.signal(name).rank([queries[q] for q in judged], DEFAULT_DEPTH) for name in signals}
        # learned: fitted on the train split where the collection has one
        train = (training_examples(engine, collection.dataset, "train", signals)
                 if "learned" in methods and (collection.dataset / "qrels" / "train.tsv").is_file() else None)

    def scored(rankings: list[list[tuple[int, float]]]) -> dict[str, float]:
        run = {q: {ids[p]: float(s) for p, s in ranking[:100]} for q, ranking in zip(judged, rankings, strict=False)}
        return evaluate(run, {q: qrels[q] for q in judged})

    table: dict[str, Any] = {"queries": len(judged), "documents": len(ids), "signals": {}, "fused": {}}
    for name in signals:
        table["signals"][name] = scored([result.ranking for result in found[name]])
    for mode, members in fused_modes().items():
        if not set(members) <= set(signals):
            continue
        table["fused"][mode] = {}
        for method in methods:
            fusion: Any = method
            if method == "learned":
                if train is None:
                    continue
                from scientia.engine.fusion import fit_learned_fusion

                fusion = fit_learned_fusion([({n: runs[n] for n in members}, judged_docs)
                                             for runs, judged_docs in train], members)
            fused = [Engine.fuse_rankings({n: found[n][i].ranking for n in members}, fusion,
                                          {n: found[n][i].coverage for n in members}, DEFAULT_DEPTH,
                                          {n: found[n][i].weight for n in members})
                     for i in range(len(judged))]
            table["fused"][mode][method] = scored(fused)
    return table


def check_no_loss(results: dict[str, Any], method: str, baseline: str | None = None,
                  measure: str = "nDCG@10") -> list[dict[str, Any]]:
    """For each collection and fused mode: ``method`` against the best of the mode's own signals
    (and against ``baseline``, the method it would replace), passing within :data:`TOLERANCE`."""
    rows = []
    modes = fused_modes()
    for name, table in results.items():
        for mode, by_method in table["fused"].items():
            members = modes[mode]
            best_signal = max(members, key=lambda s: table["signals"][s][measure])
            fused = by_method[method][measure]
            row = {"collection": name, "mode": mode, "method": method, "fused": fused, "best_signal": best_signal,
                   "best_signal_score": table["signals"][best_signal][measure]}
            row["passes"] = fused >= row["best_signal_score"] - TOLERANCE
            if baseline is not None:
                row["baseline"] = by_method[baseline][measure]
                row["passes"] = row["passes"] and fused >= row["baseline"] - TOLERANCE
            rows.append(row)
    return rows


def markdown(report: dict[str, Any]) -> str:
    results, default = report["results"], report["default"]
    machine = report["machine"]
    names = list(results)
    lines = ["## Fusion methods against their own signals: nDCG@10, test queries, one run", "",
             f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB. Encoder backend "
             f"{report['backend']}; every method fuses the same top-100 runs; no weight tuned on any test query "
             "(learned: fitted on the collection's train split, where it has one). "
             f"Default fusion: **{default}**.", "",
             "| mode | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    signals = sorted({s for table in results.values() for s in table["signals"]}, key=_signal_order)
    for signal in signals:
        lines.append(f"| {signal} | " + " | ".join(
            f"{results[n]['signals'][signal]['nDCG@10']:.4f}" if signal in results[n]["signals"] else "—"
            for n in names) + " |")
    modes = fused_modes()
    for mode in (mode for mode in modes if any(mode in results[n]["fused"] for n in names)):
        for method in report["methods"]:
            cells = []
            for n in names:
                by_method = results[n]["fused"].get(mode)
                if by_method is None or method not in by_method:
                    cells.append("—")
                    continue
                score = by_method[method]["nDCG@10"]
                best = max(results[n]["signals"][s]["nDCG@10"] for s in modes[mode])
                mark = "" if score >= best - TOLERANCE else " ▼"
                cells.append(f"**{score:.4f}**{mark}" if method == default else f"{score:.4f}{mark}")
            label = f"{mode} ({method})" + (" default" if method == default else "")
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", f"▼: below the mode's best single signal by more than {TOLERANCE}.", "",
              f"### The default ({default}) against the best single signal and against {report['baseline']}", "",
              "| collection | mode | best signal | its nDCG@10 | " + f"{report['baseline']} | {default} | holds |",
              "|---|---|---|---:|---:|---:|---|"]
    for row in report["check"]:
        lines.append(f"| {row['collection']} | {row['mode']} | {row['best_signal']} | {row['best_signal_score']:.4f} | "
                     f"{row['baseline']:.4f} | {row['fused']:.4f} | {'yes' if row['passes'] else 'NO'} |")
    lines += ["", "Other measures (Recall@100, MRR@10, P@10, Recall@10, F1@10) are in report.json."]
    return "\n".join(lines) + "\n"


def _ontology_tuned_model(ontology: Path, collection: Path, work: Path) -> Path:
    """MiniLM trained on the ontology's pairs (as benchmarks/ontology_pairs.py's "all kinds"),
    trained once into ``work``."""
    model = work / "models" / "pizza-ontology"
    if (model / "training.json").is_file():
        return model
    from scientia.indexers.builder import load_documents
    from scientia.training import BiEncoderConfig, train_bi_encoder
    from scientia.training.ontology_pairs import pairs_from_ontology

    documents, _ = load_documents(collection, "beir")
    data = pairs_from_ontology([ontology], reasoner="hermit", documents=documents,
                               kinds=("synonym", "definition", "parent", "mention"))
    train_bi_encoder(data, BiEncoderConfig(output=model, epochs=3, batch_size=16, learning_rate=5e-5,
                                           eval_fraction=0.0, show_progress=False))
    return model


def main() -> None:
    from scientia.engine.fusion import DEFAULT_FUSION, FUSION_METHODS

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("datasets", type=Path, help="folder holding scifact, cranfield and msmarco-subset")
    parser.add_argument("--ontology", type=Path, help="pizza.owl: adds pizza-knowledge, with the base and an ontology-tuned encoder")
    parser.add_argument("--work", type=Path, default=Path("bench-out/fusion"))
    parser.add_argument("--backend", default="torch", help="encoder runtime of the builds (queries: as the index says)")
    parser.add_argument("--baseline", default="wsum", help="the method the default is checked against")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/fusion"))
    args = parser.parse_args()

    collections = [Collection(name, args.datasets / name) for name in ("scifact", "cranfield", "msmarco-subset")
                   if (args.datasets / name).is_dir()]
    if args.ontology:
        from .pizza_knowledge import build

        pizza = args.work / "pizza-knowledge"
        if not (pizza / "corpus.jsonl").is_file():
            build(args.ontology, pizza)
        collections.append(Collection("pizza-knowledge", pizza, args.ontology))
        tuned = _ontology_tuned_model(args.ontology, pizza, args.work)
        collections.append(Collection("pizza-knowledge, ontology-tuned encoder", pizza, args.ontology, tuned))
    methods = FUSION_METHODS.names()
    results = fusion_table(collections, args.work, args.backend, methods)
    report = {"benchmark": "fusion", "machine": describe_machine(), "backend": args.backend, "methods": methods,
              "default": DEFAULT_FUSION, "baseline": args.baseline, "tolerance": TOLERANCE, "results": results,
              "check": check_no_loss(results, DEFAULT_FUSION, args.baseline)}
    print(write_json_and_markdown(report, markdown(report), args.out))


if __name__ == "__main__":
    main()
