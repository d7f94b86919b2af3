"""The extracted graph's precision, judged by hand: a fixed random sample of facts, each read
against the sentence it was extracted from.

    python -m scientia.benchmarks.graph_quality sample INDEX benchmarks/results/graph-quality
        # sample.jsonl: 50 is-a facts and 50 verb relations (seed 23, or --seed N) from INDEX's
        # extracted graph
    python -m scientia.benchmarks.graph_quality score benchmarks/results/graph-quality
        # reads judgements.jsonl ({"id", "correct", "why"} per sampled fact, written by a person)
        # and writes report.md and report.json: precision per kind, with a Wilson 95% interval
    python -m scientia.benchmarks.graph_quality replay benchmarks/results/graph-quality
        # every judged relation of every sample in the folder (and its development/), extracted
        # again from its sentence by the current rules: how many the rules still state, and how
        # many of those were judged correct. A development figure: most samples were read while
        # the rules were revised, so only a fresh sample measures precision
    python -m scientia.benchmarks.graph_quality pizza INDEX samples/pizza.ttl benchmarks/results/graph-quality
        # pizza-is-a.md: the is-a edges extracted from the sample corpus's pizza documents beside
        # the subclass axioms of samples/pizza.ttl

A fact is judged correct when its sentence states it as the fact reads (for an is-a: the child is
a kind or an instance of the parent; for a relation: the subject does the verb to the object).
Co-occurrence is not sampled: it claims no more than that the sentence names both.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sqlite3
from pathlib import Path

__all__ = ["sample", "score", "replay", "SEED", "PER_KIND"]

SEED = 23
PER_KIND = 50


def _live_folder(index: Path) -> Path:
    from scientia.indexers.generation import Generation

    return Generation.open(index).folder


def _facts(index: Path) -> list[dict]:
    with sqlite3.connect(_live_folder(index) / "knowledge.sqlite") as db:
        db.execute("CREATE TEMP TABLE names AS SELECT entity, MIN(rowid), label FROM labels GROUP BY entity")
        rows = db.execute(
            "SELECT s.iri, sn.label, relation, o.iri, obn.label, rule, confidence, document, sentence FROM facts "
            "JOIN entities s ON s.id = facts.subject JOIN entities o ON o.id = facts.object "
            "JOIN names sn ON sn.entity = s.id JOIN names obn ON obn.entity = o.id "
            "WHERE relation != 'co-occurs' ORDER BY s.iri, relation, o.iri").fetchall()
    keys = ("subject_iri", "subject", "relation", "object_iri", "object", "rule", "confidence", "document", "sentence")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def sample(index: Path, out: Path, seed: int = SEED) -> list[dict]:
    facts = _facts(index)
    chooser = random.Random(seed)
    is_a = [f for f in facts if f["relation"] == "is-a"]
    relations = [f for f in facts if f["relation"] != "is-a"]
    chosen = [{"kind": "is-a", **f} for f in chooser.sample(is_a, PER_KIND)] + \
             [{"kind": "relation", **f} for f in chooser.sample(relations, PER_KIND)]
    out.mkdir(parents=True, exist_ok=True)
    with (out / "sample.jsonl").open("w", encoding="utf-8") as stream:
        for number, fact in enumerate(chosen, start=1):
            stream.write(json.dumps({"id": number, "seed": seed, **fact}, ensure_ascii=False) + "\n")
    return chosen


def _wilson(correct: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval (Wilson, JASA 1927) of a proportion."""
    if not total:
        return 0.0, 0.0
    p = correct / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return round(centre - half, 3), round(centre + half, 3)


def score(folder: Path) -> dict:
    facts = {f["id"]: f for f in map(json.loads, (folder / "sample.jsonl").read_text().splitlines())}
    judged = {j["id"]: j for j in map(json.loads, (folder / "judgements.jsonl").read_text().splitlines())}
    missing = sorted(set(facts) - set(judged))
    if missing:
        raise SystemExit(f"{folder / 'judgements.jsonl'}: no judgement for sampled facts {missing[:10]}")
    seed = next(iter(facts.values())).get("seed", SEED)
    report: dict = {"seed": seed, "per_kind": PER_KIND, "kinds": {}}
    for kind in ("is-a", "relation"):
        ids = [i for i, f in facts.items() if f["kind"] == kind]
        correct = sum(bool(judged[i]["correct"]) for i in ids)
        by_rule: dict[str, list[int]] = {}
        for i in ids:
            by_rule.setdefault(facts[i]["rule"], [0, 0])
            by_rule[facts[i]["rule"]][0] += bool(judged[i]["correct"])
            by_rule[facts[i]["rule"]][1] += 1
        report["kinds"][kind] = {"judged": len(ids), "correct": correct, "precision": round(correct / len(ids), 3),
                                 "wilson_95": _wilson(correct, len(ids)), "by_rule": by_rule}
    lines = ["## Extracted facts judged against their sentences", "",
             f"{PER_KIND} is-a facts and {PER_KIND} verb relations sampled with seed {seed} (sample.jsonl); "
             "each judged by reading its sentence (judgements.jsonl).", "",
             "| kind | judged | correct | precision | Wilson 95% | by rule (correct/judged) |", "|---|---:|---:|---:|---|---|"]
    for kind, found in report["kinds"].items():
        rules = ", ".join(f"{rule} {c}/{n}" for rule, (c, n) in sorted(found["by_rule"].items()))
        lines.append(f"| {kind} | {found['judged']} | {found['correct']} | {found['precision']:.2f} | "
                     f"{found['wilson_95'][0]:.2f}–{found['wilson_95'][1]:.2f} | {rules} |")
    (folder / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (folder / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report


def replay(folder: Path) -> dict:
    """The judged verb relations of every sample under ``folder``, each sentence extracted again
    by the current rules; a relation counts as still stated when the rules give the same verb
    with the same subject or object (an alias merge can rename one end)."""
    from scientia.indexers.documents import Document
    from scientia.indexers.extraction import CO_OCCURS, IS_A
    from scientia.indexers.extraction.owl_writer import entity_iri
    from scientia.indexers.extraction.pipeline import extract_batch

    judged: dict[tuple[str, str, str, str], bool] = {}
    for sampled in sorted(folder.glob("**/sample.jsonl")):
        verdicts = {j["id"]: j["correct"] for j in map(json.loads, (sampled.parent / "judgements.jsonl").read_text().splitlines())}
        for fact in map(json.loads, sampled.read_text().splitlines()):
            if fact["kind"] == "relation":
                judged[(fact["sentence"].strip(), fact["subject_iri"], fact["relation"], fact["object_iri"])] = bool(verdicts[fact["id"]])
    sentences = sorted({key[0] for key in judged})
    found = extract_batch([Document(id=str(i), title="", text=text) for i, text in enumerate(sentences)], "parsed")
    stated = {text: {(entity_iri(f.subject), f.relation, entity_iri(f.object)) for f in extraction.facts
                     if f.relation not in (IS_A, CO_OCCURS)} for text, extraction in zip(sentences, found, strict=True)}
    kept = [correct for (text, subject, relation, target), correct in judged.items()
            if any(r == relation and (s == subject or o == target) for s, r, o in stated[text])]
    report = {"judged": len(judged), "judged_correct": sum(judged.values()), "still_stated": len(kept),
              "still_stated_correct": sum(kept), "precision_of_still_stated": round(sum(kept) / max(1, len(kept)), 3)}
    return report


def pizza(index: Path, ontology: Path, out: Path) -> str:
    """The sample corpus's pizza documents' extracted is-a edges beside pizza.ttl's subclass axioms."""
    import rdflib

    graph = rdflib.Graph().parse(ontology)
    label = {str(s): str(o) for s, o in graph.subject_objects(rdflib.RDFS.label)}

    def name(node: object) -> str:
        return label.get(str(node), str(node).rsplit("#", 1)[-1])

    given = sorted(f"{name(s)} ⊑ {name(o)}" for s, o in graph.subject_objects(rdflib.RDFS.subClassOf) if isinstance(o, rdflib.URIRef))
    extracted = sorted({f"{f['subject']} ⊑ {f['object']}  ({f['rule']}: {f['document']})"
                        for f in _facts(index) if f["relation"] == "is-a" and f["document"].startswith("pizza/")})
    lines = ["## Is-a on the sample corpus: extracted from the pizza documents, and given by samples/pizza.ttl", "",
             f"### Extracted ({len(extracted)})", "", *[f"- {e}" for e in extracted], "",
             f"### samples/pizza.ttl ({len(given)})", "", *[f"- {g}" for g in given], ""]
    out.mkdir(parents=True, exist_ok=True)
    (out / "pizza-is-a.md").write_text("\n".join(lines), encoding="utf-8")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    sampled = commands.add_parser("sample")
    sampled.add_argument("index", type=Path)
    sampled.add_argument("out", type=Path)
    sampled.add_argument("--seed", type=int, default=SEED)
    scored = commands.add_parser("score")
    scored.add_argument("folder", type=Path)
    replayed = commands.add_parser("replay")
    replayed.add_argument("folder", type=Path)
    side = commands.add_parser("pizza")
    side.add_argument("index", type=Path)
    side.add_argument("ontology", type=Path)
    side.add_argument("out", type=Path)
    arguments = parser.parse_args()
    if arguments.command == "sample":
        sample(arguments.index, arguments.out, arguments.seed)
    elif arguments.command == "score":
        print(json.dumps(score(arguments.folder), indent=2))
    elif arguments.command == "replay":
        print(json.dumps(replay(arguments.folder), indent=2))
    else:
        print(pizza(arguments.index, arguments.ontology, arguments.out))


if __name__ == "__main__":
    main()
