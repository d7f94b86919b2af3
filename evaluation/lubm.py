"""LUBM: the Lehigh University Benchmark (Guo, Pan & Heflin, J. Web Semantics 2005).

For each size N, LUBM(N) is made from LUBM(1,0) by copying its data with the university number
rewritten in every IRI (``University0.`` → ``University{k}.``), so copy k is isomorphic to copy 0.
Each size runs in a fresh process, for a true peak memory: load the ontology and data into a
KnowledgeBase, infer (OWL 2 RL by default), run the 14 published queries and compare each answer
set with the published one. For N = 1 that is set equality for all 14. For N > 1 only the
queries confined to University0 keep their published answers exactly; the copies' data also
name other universities (a degree from University1), which exist once copied, so an unconfined
query such as Q2 rightly finds more: there the check is that the answers contain the published
ones rewritten for every copy. Beside it, in another fresh process, owlready2 + HermiT run
directly on the same files, as the reference cost.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from scientia.common.errors import QueryCancelledError

from .machine import MachineMemory, describe_machine, peak_memory_mib

__all__ = ["make_lubm", "run_lubm", "expected_answers", "store_path", "reasoned_path"]

_UNIVERSITY_ZERO = re.compile(r"\bUniversity0\.")
QUERIES = range(1, 15)


def make_lubm(source: Path, universities: int, target: Path) -> Path:
    """Write LUBM(universities) under ``target``: ``univ-bench.owl`` and ``data/``; return ``target``."""
    data = target / "data"
    if data.is_dir() and len(list(data.glob("*.rdf"))) == universities * len(list((source / "data").glob("*.rdf"))):
        return target
    data.mkdir(parents=True, exist_ok=True)
    (target / "univ-bench.owl").write_bytes((source / "univ-bench.owl").read_bytes())
    for k in range(universities):
        for file in sorted((source / "data").glob("*.rdf")):
            text = file.read_text(encoding="utf-8")
            (data / file.name.replace("u0000", f"u{k:04d}")).write_text(
                _UNIVERSITY_ZERO.sub(f"University{k}.", text), encoding="utf-8"
            )
    return target


def expected_answers(source: Path, number: int, universities: int) -> set[tuple[str, ...]]:
    with (source / "answers" / f"answers_query{number}.csv").open() as stream:
        published = {tuple(row) for row in list(csv.reader(stream))[1:] if row}
    query = (source / "queries" / f"q{number}.rq").read_text()
    if "University0" in query or universities == 1:  # confined to copy 0
        return published
    return {tuple(_UNIVERSITY_ZERO.sub(f"University{k}.", value) for value in row) for k in range(universities) for row in published}


def store_path(work: Path, universities: int, reasoner: str, on_ray: bool) -> Path:
    """Where a measurement keeps its quadstore (and, beside it, :func:`reasoned_path`)."""
    return work / f"lubm{universities}-{reasoner}{'-ray' if on_ray else ''}.sqlite3"


def reasoned_path(store: Path) -> Path:
    """Where a measurement keeps what reasoning cost, written before the queries run."""
    return store.with_name(f"{store.stem}-reasoned.json")


def _measure_scientia(lubm: Path, source: Path, universities: int, reasoner: str, work: Path,
                      on_ray: bool = False, query_seconds: float | None = None) -> dict[str, Any]:
    """Load, infer and query LUBM(universities) in this process; ``on_ray``: the OWL 2 RL closure
    in parts on a local Ray cluster of this machine's cores (the workers' and the machine's peaks
    are reported beside this process's). ``query_seconds``: each query runs in a SPARQL worker
    process stopped at that time (a timed-out query is reported as such), else here, unbounded."""
    from scientia.reasoners import KnowledgeBase

    store = store_path(work, universities, reasoner, on_ray)
    store.unlink(missing_ok=True)
    distribution = None
    if on_ray:
        from scientia.common.ray_cluster import connect
        from scientia.reasoners.partitioned_rl import RayDistribution

        connect("local")
        distribution = RayDistribution()
    phases: dict[str, float] = {}
    started = time.perf_counter()
    base = KnowledgeBase.create(store)
    base.load([lubm / "data"], [lubm])
    phases["load"] = time.perf_counter() - started
    triples = base.triple_count()
    started = time.perf_counter()
    with MachineMemory() as machine:
        report = base.reason(reasoner, distribution=distribution)
    phases["infer"] = time.perf_counter() - started
    figures = {"universities": universities, "reasoner": reasoner, "asserted_triples": triples,
               "inferred_triples": report.inferred_triples, "seconds": {k: round(v, 3) for k, v in phases.items()},
               "peak_memory_mib": peak_memory_mib(), "infer_machine_peak_mib": machine.peak_mib,
               **({"ray": distribution.runs[-1]} if distribution is not None else {})}
    # what reasoning cost, kept even if a query later runs past the process's time limit
    reasoned_path(store).write_text(json.dumps(figures) + "\n")
    queries: dict[str, dict[str, Any]] = {}
    budget = None
    if query_seconds is not None:
        from scientia.reasoners.sparql_pool import QueryBudget, SparqlPool

        base.close()  # its lock is exclusive: the worker reads the saved file
        pool = SparqlPool(processes=1)
        budget = QueryBudget(query_seconds, 100_000_000)
    for number in QUERIES:
        text = (source / "queries" / f"q{number}.rq").read_text()
        started = time.perf_counter()
        try:
            answer = pool.run(store, text, budget) if budget is not None else base.sparql(text)
        except QueryCancelledError:
            queries[f"Q{number}"] = {"timed_out": True, "equal": False, "seconds": round(time.perf_counter() - started, 4)}
            continue
        seconds = time.perf_counter() - started
        answers = {tuple(str(row[v]) for v in answer.variables) for row in answer.rows}
        expected = expected_answers(source, number, universities)
        exact = universities == 1 or "University0" in text
        queries[f"Q{number}"] = {
            "answers": len(answers), "expected": len(expected), "check": "equal" if exact else "contains",
            "equal": answers == expected if exact else expected <= answers, "seconds": round(seconds, 4),
        }
    if budget is not None:
        pool.close("the queries are done")
    else:
        base.close()
    phases["queries"] = sum(q["seconds"] for q in queries.values())
    return {**figures, "seconds": {k: round(v, 3) for k, v in phases.items()}, "queries": queries,
            "matched": sum(q["equal"] for q in queries.values()), "peak_memory_mib": peak_memory_mib()}


def compare_closures(lubm: Path, universities: int, work: Path, parts: int | None = None) -> dict[str, Any]:
    """The OWL 2 RL closure of LUBM(universities) in one process and in parts on a local Ray
    cluster, compared triple for triple (as IRIs and stored literals)."""
    from scientia.common.ray_cluster import connect
    from scientia.reasoners import KnowledgeBase
    from scientia.reasoners.partitioned_rl import RayDistribution

    connect("local")
    closures = {}
    for name, distribution in (("one_process", None), ("ray", RayDistribution(parts=parts))):
        store = work / f"lubm{universities}-compare-{name}.sqlite3"
        store.unlink(missing_ok=True)
        base = KnowledgeBase.create(store)
        base.load([lubm / "data"], [lubm])
        base.reason("rl", distribution=distribution)
        rows = base.inferred_facts()
        base.close()
        store.unlink()
        closures[name] = (rows, distribution.runs[-1] if distribution else None)
    (one, _), (parted, run) = closures["one_process"], closures["ray"]
    return {"universities": universities, "one_process_inferred": len(one), "ray_inferred": len(parted),
            "only_one_process": len(one - parted), "only_ray": len(parted - one), "equal": one == parted, "ray": run}


def _measure_hermit(lubm: Path) -> dict[str, Any]:
    """owlready2 + HermiT directly, as a user of owlready2 would run them."""
    import owlready2

    from scientia.reasoners.java import find_java

    owlready2.JAVA_EXE = find_java()
    owlready2.reasoning.JAVA_MEMORY = 12000
    owlready2.onto_path.append(str(lubm))  # where the data files' owl:imports is found
    world = owlready2.World()
    started = time.perf_counter()
    for file in sorted((lubm / "data").glob("*.rdf")):
        world.get_ontology(file.resolve().as_uri()).load(only_local=True)
    load = time.perf_counter() - started
    started = time.perf_counter()
    owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)
    infer = time.perf_counter() - started
    return {"seconds": {"load": round(load, 3), "infer": round(infer, 3)}, "peak_memory_mib": peak_memory_mib(),
            "note": "peak memory of the Python process; Java's heap is in a child process"}


def _in_fresh_process(arguments: list[str], timeout: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "scientia.evaluation.lubm", *arguments]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_lubm(source: Path, sizes: list[int], out: Path, reasoner: str = "rl", hermit_up_to: int = 5,
             timeout: int = 1800, work: Path | None = None) -> dict[str, Any]:
    """Measure each LUBM size; generated data and stores go to ``work`` (default: ``out/work``)."""
    work = work or out / "work"
    work.mkdir(parents=True, exist_ok=True)
    runs = []
    for universities in sizes:
        lubm = make_lubm(source, universities, work / f"lubm{universities}")
        ours = _in_fresh_process(["measure", str(lubm), str(source), str(universities), reasoner, str(work)], timeout)
        hermit = (_in_fresh_process(["hermit", str(lubm)], timeout) if universities <= hermit_up_to
                  else {"skipped": f"above --hermit-up-to {hermit_up_to}"})
        runs.append({"universities": universities, "scientia": ours, "owlready2_hermit": hermit})
    report = {"benchmark": "lubm", "source": str(source.resolve()), "machine": describe_machine(), "runs": runs}
    _write(report, out)
    return report


def _write(report: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    machine = report["machine"]
    lines = [
        "## LUBM: load, infer, 14 published queries",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB.",
        "",
        "| N | triples | reasoner | load s | infer s | 14 queries s | matched | peak MiB | owlready2+HermiT load s | infer s |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in report["runs"]:
        ours, hermit = run["scientia"], run["owlready2_hermit"]
        if "error" in ours:
            lines.append(f"| {run['universities']} | error: {ours['error']} |")
            continue
        h = hermit.get("seconds", {})
        lines.append(
            f"| {run['universities']} | {ours['asserted_triples']:,} | {ours['reasoner']} | {ours['seconds']['load']:.1f} | "
            f"{ours['seconds']['infer']:.1f} | {ours['seconds']['queries']:.2f} | {ours['matched']}/14 | "
            f"{ours['peak_memory_mib']:.0f} | {h.get('load', float('nan')):.1f} | "
            f"{h['infer'] if 'infer' in h else hermit.get('error') or hermit.get('skipped')} |"
        )
    (out / "report.md").write_text("\n".join(lines) + "\n")
    _plot(report, out / "report.png")


def _plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = [r for r in report["runs"] if "error" not in r["scientia"]]
    sizes = [r["universities"] for r in runs]
    figure, axis = plt.subplots(figsize=(6.5, 4))
    for phase in ("load", "infer", "queries"):
        axis.plot(sizes, [r["scientia"]["seconds"][phase] for r in runs], marker="o", label=f"scientia {phase}")
    hermit = [(r["universities"], r["owlready2_hermit"]["seconds"]["infer"]) for r in runs if "seconds" in r["owlready2_hermit"]]
    if hermit:
        axis.plot(*zip(*hermit, strict=False), marker="s", linestyle="--", label="owlready2 + HermiT infer")
    axis.set_xlabel("universities (LUBM N)")
    axis.set_ylabel("seconds")
    axis.set_title(f"LUBM · {report['machine']['cpu']} · {report['machine']['cores']} cores", fontsize=9)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main() -> None:
    kind, *arguments = sys.argv[1:]
    if kind in ("measure", "measure-ray"):
        lubm, source, universities, reasoner, work, *bound = arguments
        result = _measure_scientia(Path(lubm), Path(source), int(universities), reasoner, Path(work),
                                   on_ray=kind == "measure-ray", query_seconds=float(bound[0]) if bound else None)
    elif kind == "compare":
        result = compare_closures(Path(arguments[0]), int(arguments[1]), Path(arguments[2]))
    elif kind == "hermit":
        result = _measure_hermit(Path(arguments[0]))
    else:
        raise SystemExit(f"unknown measurement {kind!r} (allowed: measure, measure-ray, compare, hermit)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
