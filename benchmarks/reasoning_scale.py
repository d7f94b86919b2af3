"""Reasoning scaled out: OWL 2 RL over LUBM(N) in one process against in parts on Ray, and a
projection for a graph beside 100M documents. ``scale_out --reasoning`` runs it:

    python -m scientia.benchmarks.scale_out --reasoning 10,20,100 --compare 5 --out benchmarks/results/reasoning-scale-out

Each size runs in a fresh process (true peaks): load the ontology and data, infer, run LUBM's 14
queries against the published answers (exact where a query is confined to one university, else
"contains every copy's answers", :mod:`scientia.evaluation.lubm`). One process runs up to
``--one-process-up-to`` universities; Ray runs every size, on a local cluster of this machine's
cores. The equality of the two closures is checked, triple for triple, at ``--compare`` universities.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from scientia.evaluation.lubm import _in_fresh_process, make_lubm, reasoned_path, store_path
from scientia.evaluation.machine import describe_machine

__all__ = ["run_reasoning", "reasoning_markdown", "project_reasoning"]


def run_reasoning(source: Path, sizes: list[int], one_process_up_to: int, compare: int, work: Path,
                  out: Path, query_seconds: float = 600, timeout: int = 7200) -> dict[str, Any]:
    """Measure every cell (a size, one process or Ray) not measured before: each cell's figures are
    kept in ``work/cells`` as it ends, so a run that stopped goes on where it stopped."""
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for universities in sizes:
        lubm = make_lubm(source, universities, work / f"lubm{universities}")
        arguments = [str(lubm), str(source), str(universities), "rl", str(work), str(query_seconds)]
        one = (_cell(work, "measure", universities, arguments, timeout) if universities <= one_process_up_to
               else {"skipped": f"above --one-process-up-to {one_process_up_to}"})
        ray = _cell(work, "measure-ray", universities, arguments, timeout)
        rows.append({"universities": universities, "one_process": one, "ray": ray})
    lubm = make_lubm(source, compare, work / f"lubm{compare}")
    equality = _in_fresh_process(["compare", str(lubm), str(compare), str(work)], timeout)
    report = {"benchmark": "reasoning-scale-out", "machine": describe_machine(), "rows": rows, "equality": equality}
    report["projection"] = project_reasoning(report)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (out / "report.md").write_text(reasoning_markdown(report), encoding="utf-8")
    return report


def _cell(work: Path, kind: str, universities: int, arguments: list[str], timeout: int) -> dict[str, Any]:
    """One measurement in a fresh process, or its kept figures. A process that failed after
    reasoning (a query past the time limit) still gives what reasoning cost."""
    kept = work / "cells" / f"{kind}-{universities}.json"
    if kept.is_file():
        return json.loads(kept.read_text())
    result = _in_fresh_process([kind, *arguments], timeout)
    store = store_path(work, universities, "rl", on_ray=kind == "measure-ray")
    reasoned = reasoned_path(store)
    if "error" in result and reasoned.is_file():
        result = {**json.loads(reasoned.read_text()), "queries_error": result["error"]}
    store.unlink(missing_ok=True)  # large; the figures are kept
    print(json.dumps({"universities": universities, kind: result}), flush=True)
    if "seconds" in result:
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(json.dumps(result) + "\n")
    return result


def project_reasoning(report: dict[str, Any], documents: int = 100_000_000, triples_per_document: float = 87.0,
                      node_memory_gib: float = 64, node_cores: int = 16) -> dict[str, Any]:
    """What materializing a graph beside ``documents`` documents would take, scaled linearly from
    the largest Ray run: a PROJECTION, with its assumptions."""
    runs = [row for row in report["rows"] if "seconds" in row["ray"]]
    if not runs:
        return {"label": "no Ray run to project from"}
    largest = max(runs, key=lambda row: row["universities"])["ray"]
    triples = documents * triples_per_document
    per_million = 1e6 / largest["asserted_triples"]
    core_seconds = largest["seconds"]["infer"] * report["machine"]["cores"] * per_million * triples / 1e6
    driver_gib = largest["peak_memory_mib"] * per_million * triples / 1e6 / 1024
    worker_gib = largest["ray"]["worker_peak_mib"] / 1024
    nodes_for_time = math.ceil(core_seconds / 3600 / node_cores)  # for one hour
    return {
        "label": "PROJECTION from the largest Ray run above, not a measurement",
        "assumptions": {
            "documents": documents, "asserted_triples_per_document": triples_per_document,
            "source_of_that": "SciFact's extracted graph: 449,806 asserted triples for 5,183 abstracts",
            "shape": "instance data like LUBM's; an extracted graph is mostly classes (SciFact: 90,274 of 107,210 "
                     "entities), which every part replicates, so this plan does not cut it until classes are split too",
            "scaling": "time and the driver's memory linear in asserted triples; a part's worker bounded by its share",
            "nodes": f"{node_cores} cores, {node_memory_gib:.0f} GiB",
        },
        "asserted_triples": int(triples),
        "core_hours": round(core_seconds / 3600, 1),
        "nodes_for_one_hour": nodes_for_time,
        "worker_peak_gib": round(worker_gib, 2),
        "driver_gib": round(driver_gib, 1),
        "driver_fits_a_node": driver_gib <= node_memory_gib,
    }


def _matched(run: dict[str, Any]) -> str:
    if "queries_error" in run:
        return f"not run: {run['queries_error']}"
    timed_out = [name for name, query in run["queries"].items() if query.get("timed_out")]
    return f"{run['matched']}/14" + (f" ({', '.join(timed_out)} past the time limit)" if timed_out else "")


def reasoning_markdown(report: dict[str, Any]) -> str:
    machine = report["machine"]
    lines = [f"## Reasoning scaled out: OWL 2 RL over LUBM(N) on {machine['cpu']}, {machine['cores']} cores, "
             f"{machine['memory_gib']} GiB, no GPU", "",
             "One command: `python -m scientia.benchmarks.scale_out --reasoning 10,20,100 --lubm-dir "
             "../shared/ontologies/lubm`. Each cell is one fresh process. *Machine peak*: memory in use on the whole "
             "machine while reasoning, above what was in use before (Ray's workers, raylet and object store "
             "counted). *Queries*: LUBM's 14, against the published answers (exact where confined to one "
             "university, else containing every copy's).", "",
             "| N | asserted triples | where | load s | infer s | inferred | driver peak MiB | worker peak MiB | "
             "machine peak MiB (infer) | parts · rounds · exchanged | queries matched |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---:|"]
    for row in report["rows"]:
        for where, label in (("one_process", "one process"), ("ray", "Ray")):
            run = row[where]
            if "seconds" not in run:
                lines.append(f"| {row['universities']} | | {label} | {run.get('error') or run.get('skipped')} "
                             "| | | | | | | |")
                continue
            ray = run.get("ray")
            worker = f"{ray['worker_peak_mib']:,.0f}" if ray else "–"
            exchange = f"{ray['parts']} · {ray['rounds']} · {ray['exchanged']:,}" if ray else "–"
            lines.append(
                f"| {row['universities']} | {run['asserted_triples']:,} | {label} | {run['seconds']['load']:.1f} | "
                f"{run['seconds']['infer']:.1f} | {run['inferred_triples']:,} | {run['peak_memory_mib']:,.0f} | "
                f"{worker} | {run['infer_machine_peak_mib']:,.0f} | {exchange} | {_matched(run)} |")
    equality = report["equality"]
    if "equal" in equality:
        lines += ["", f"**Equality** at LUBM({equality['universities']}): one process inferred "
                  f"{equality['one_process_inferred']:,} facts, Ray in {equality['ray']['parts']} parts "
                  f"{equality['ray_inferred']:,}; {equality['only_one_process']} only in one, {equality['only_ray']} "
                  f"only in the other: {'equal, triple for triple' if equality['equal'] else 'NOT EQUAL'}."]
    else:
        lines += ["", f"Equality check failed to run: {equality.get('error')}"]
    projection = report["projection"]
    if "assumptions" in projection:
        a = projection["assumptions"]
        lines += ["", f"### Reasoning for {a['documents']:,} documents: a {projection['label'].lower()}", "",
                  f"Assumed: {a['asserted_triples_per_document']} asserted triples per document ({a['source_of_that']}); "
                  f"{a['shape']}; {a['scaling']}; nodes of {a['nodes']}.", "",
                  "| asserted triples | core-hours | nodes to finish in one hour | worker peak GiB | driver GiB | "
                  "driver fits a node |", "|---:|---:|---:|---:|---:|---|",
                  f"| {projection['asserted_triples']:,} | {projection['core_hours']} | {projection['nodes_for_one_hour']} | "
                  f"{projection['worker_peak_gib']} | {projection['driver_gib']} | "
                  f"{'yes' if projection['driver_fits_a_node'] else 'no: the driver holds the whole graph'} |"]
    return "\n".join(lines) + "\n"
