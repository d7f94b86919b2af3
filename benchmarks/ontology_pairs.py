"""What each kind of ontology pair teaches the encoder, on the knowledge-grounded pizza collection.

For each setting (no training; all four kinds; each kind alone) the packaged MiniLM is trained
on pairs from ``pizza.owl`` (:mod:`scientia.training.ontology_pairs`; mention pairs from the
collection's documents: their text, never its queries or judgements), the collection is indexed
with the result, and dense and hybrid nDCG@10 are measured. The collection's judgements come
from the same ontology (HermiT's classification), so this measures how much of that knowledge
the pairs move into the encoder, not generalization to unseen relations.

    python -m scientia.benchmarks.ontology_pairs ../shared/ontologies/pizza/pizza.owl bench-out/pizza-knowledge \\
        --out benchmarks/results/ontology-pairs
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path
from typing import Any

from scientia.evaluation.machine import describe_machine
from scientia.evaluation.retrieval import BenchmarkConfig, run_benchmark

__all__ = ["run_ablation", "SETTINGS"]

SETTINGS: dict[str, tuple[str, ...]] = {
    "base (no training)": (),
    "all kinds": ("synonym", "definition", "parent", "mention"),
    "synonym": ("synonym",),
    "definition": ("definition",),
    "parent": ("parent",),
    "mention": ("mention",),
}


def run_ablation(ontology: Path, collection: Path, work: Path, epochs: int = 3) -> dict[str, Any]:
    from scientia.common.errors import OntologyError
    from scientia.indexers.builder import load_documents
    from scientia.training import BiEncoderConfig, train_bi_encoder
    from scientia.training.ontology_pairs import pairs_from_ontology

    documents, _ = load_documents(collection, "beir")
    results: dict[str, Any] = {}
    for label, kinds in SETTINGS.items():
        model = None
        pairs = 0
        seconds = 0.0
        if kinds:
            try:
                data = pairs_from_ontology([ontology], reasoner="hermit", documents=documents, kinds=kinds)
            except OntologyError:  # the ontology has none of this kind (pizza.owl: no English synonyms)
                results[label] = {"pairs": 0, "training_seconds": 0.0, "dense": None, "hybrid": None}
                print(label, "no pairs of this kind", flush=True)
                continue
            model = work / "models" / label.replace(" ", "-")
            shutil.rmtree(model, ignore_errors=True)
            started = time.perf_counter()
            train_bi_encoder(data, BiEncoderConfig(output=model, epochs=epochs, batch_size=16, learning_rate=5e-5,
                                                   eval_fraction=0.0, show_progress=False))
            seconds = time.perf_counter() - started
            pairs = len(data.pairs)
        report = run_benchmark(BenchmarkConfig(dataset=collection, modes=["dense", "hybrid"], model=model,
                                               out=work / "runs" / label.replace(" ", "-"),
                                               index_dir=work / "indexes" / label.replace(" ", "-")))
        results[label] = {"pairs": pairs, "training_seconds": round(seconds, 1),
                          **{mode: report["modes"][mode]["metrics"]["nDCG@10"] for mode in ("dense", "hybrid")}}
        print(label, json.dumps(results[label]), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("ontology", type=Path)
    parser.add_argument("collection", type=Path, help="the pizza-knowledge BEIR folder (benchmarks/pizza_knowledge.py)")
    parser.add_argument("--work", type=Path, default=Path("bench-out/ontology-pairs"))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/ontology-pairs"))
    args = parser.parse_args()
    results = run_ablation(args.ontology, args.collection, args.work, args.epochs)
    report = {"benchmark": "ontology-pairs", "machine": describe_machine(), "ontology": str(args.ontology),
              "collection": str(args.collection), "epochs": args.epochs, "results": results}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    machine = report["machine"]
    lines = [f"## Ontology pairs by kind: {args.collection.name}, dense and hybrid nDCG@10", "",
             f"Machine: {machine['cpu']}, {machine['cores']} cores. MiniLM trained {args.epochs} epochs per setting, "
             "batch 16, lr 5e-5, one mined hard negative per pair.", "",
             "| pairs used | pairs | training s | dense | hybrid |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {label} | {r['pairs']} | {r['training_seconds']} | " + " | ".join(
        "—" if r[mode] is None else f"{r[mode]:.4f}" for mode in ("dense", "hybrid")) + " |" for label, r in results.items()]
    (args.out / "report.md").write_text("\n".join(lines) + "\n")
    print((args.out / "report.md").read_text())


if __name__ == "__main__":
    main()
