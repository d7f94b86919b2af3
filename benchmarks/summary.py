"""One markdown page over every benchmark report: ``benchmarks/results/SUMMARY.md``.

Each section is the report a benchmark wrote (``report.md``, or ``comparison.md`` for encoder
comparisons), in a fixed order, after the command that reruns it (``make bench`` runs them all).

    python -m scientia.benchmarks.summary benchmarks/results
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["write_summary", "COMMANDS"]

# folder → the command that writes it (as the Makefile's bench target runs it)
COMMANDS = {
    "scifact": "scientia bench ../shared/datasets/scifact",
    "cranfield": "scientia bench ../shared/datasets/cranfield",
    "msmarco-subset": "scientia bench ../shared/datasets/msmarco-subset",
    "fusion": "python -m scientia.benchmarks.fusion_table ../shared/datasets --ontology ../shared/ontologies/pizza/pizza.owl",
    "self-supervised": "python -m scientia.benchmarks.self_supervised ../shared/datasets",
    "self-supervised-cranfield": (
        "scientia train --self-supervised --corpus ../shared/datasets/cranfield/corpus.jsonl --epochs 3 --learning-rate 5e-5 "
        "--hard-negatives -o MODEL; scientia bench ../shared/datasets/cranfield --compare-models default,MODEL --fusion wsum "
        "(the first try, before the defaults changed)"
    ),
    "scifact-finetune": "make bench-finetune (scientia train, then scientia bench --compare-models default,TUNED --rerank RERANKER)",
    "ontology-pairs": "python -m scientia.benchmarks.ontology_pairs ../shared/ontologies/pizza/pizza.owl bench-out/pizza-knowledge",
    "pizza-knowledge": "python -m scientia.benchmarks.pizza_knowledge …; scientia bench bench-out/pizza-knowledge --ontology …",
    "lubm": "scientia bench lubm --universities 1,5",
    "encode": "python -m scientia.benchmarks.encode ../shared/datasets/scifact",
    "onnx-profile": "python -m scientia.benchmarks.onnx_profile ../shared/datasets/scifact",
    "latency": "python -m scientia.benchmarks.latency ../shared/datasets --documents 100000",
    "ann-scale": "python -m scientia.benchmarks.ann_scale bench-out/latency/index-100000-onnx-int8 ../shared/datasets",
    "load": "python -m scientia.benchmarks.load_test bench-out/load-index --queries 1000 --clients 8",
    "backends": "python -m scientia.benchmarks.backends ../shared/datasets",
    "backends-abstracts": "python -m scientia.benchmarks.backends ../shared/datasets --collections scifact,cranfield",
    "cold-query": "python -m scientia.benchmarks.cold_query INDEX (make bench-speed: the demo corpus and ontology)",
    "load-cranfield": "python -m scientia.benchmarks.load_test CRANFIELD-ONNX-INDEX --queries 1000 --clients 8",
    "load-cranfield-int8": "python -m scientia.benchmarks.load_test CRANFIELD-INT8-INDEX --queries 1000 --clients 8",
    "load-sparql": "python -m scientia.benchmarks.load_test DEMO-INDEX --sparql \"SELECT ?c WHERE { ?c rdfs:subClassOf+ pizza:SpicyPizza }\"",
    "faiss-threads": "python -m scientia.benchmarks.faiss_threads --vectors 100000",
    "shards-cranfield": "python -m scientia.benchmarks.shard_equality ../shared/datasets/cranfield --shards 3",
    "scale-out": "python -m scientia.benchmarks.scale_out ../shared/datasets --documents 100000 --shards 4",
    "reasoning-scale-out": ("python -m scientia.benchmarks.scale_out --reasoning 10,20,100 --compare 5 "
                            "--out benchmarks/results/reasoning-scale-out (make bench-reasoning-scale)"),
    "gpu": "benchmarks/gpu_check.sh (on a machine with a GPU)",
}


def write_summary(results: Path) -> Path:
    sections = ["# scientia benchmark results", "",
                "Every figure below comes from the command above its table; each table names its machine.", ""]
    known = [name for name in COMMANDS if (results / name).is_dir()]
    others = sorted(p.name for p in results.iterdir() if p.is_dir() and p.name not in COMMANDS)
    for name in known + others:
        folder = results / name
        report = next((folder / f for f in ("comparison.md", "report.md") if (folder / f).is_file()), None)
        if report is None:
            continue
        sections += [f"## {name}", "", f"`{COMMANDS.get(name, '(see the folder)')}`", ""]
        body = report.read_text(encoding="utf-8").strip().splitlines()
        sections += ["#" + line if line.startswith("#") else line for line in body]  # nest headings
        sections.append("")
    target = results / "SUMMARY.md"
    target.write_text("\n".join(sections) + "\n", encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("results", type=Path, nargs="?", default=Path("benchmarks/results"))
    print(write_summary(parser.parse_args().results))


if __name__ == "__main__":
    main()
