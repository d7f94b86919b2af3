"""Cold start from the terminal: whole-process wall time of ``python -c pass``, ``scientia
--help`` and ``scientia query`` in each mode, median of 10, commands taken in turns so that a
noisy neighbour slows all of them alike. The figure that matters is query against --help.

    python -m scientia.benchmarks.cold_query demo-index --out benchmarks/results/cold-query
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from scientia.evaluation.machine import describe_machine

__all__ = ["time_commands"]

QUERY = "spicy pizza"


def time_commands(commands: dict[str, list[str]], rounds: int) -> dict[str, list[float]]:
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            seconds[name].append(time.perf_counter() - started)
    return seconds


def imports_torch(index: Path, mode: str) -> bool:
    code = ("import sys; from scientia.cli.app import app\n"
            f"try: app(['query', {str(index)!r}, {QUERY!r}, '--mode', {mode!r}], standalone_mode=False)\n"
            "finally: print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()[-1] == "True"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("index", type=Path, help="an index (make demo builds demo-index)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/cold-query"))
    args = parser.parse_args()

    from scientia.engine import Engine

    with Engine.open(args.index) as engine:
        modes = engine.modes
        backend = engine.manifest.section("dense").encoder.backend
    scientia = [sys.executable, "-m", "scientia.cli"]
    commands = {"python -c pass": [sys.executable, "-c", "pass"], "scientia --help": [*scientia, "--help"]}
    commands |= {f"query --mode {mode}": [*scientia, "query", str(args.index), QUERY, "--mode", mode] for mode in modes}
    seconds = time_commands(commands, args.rounds)
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    help_seconds = medians["scientia --help"]
    report = {
        "machine": describe_machine(), "index": str(args.index), "backend": backend, "rounds": args.rounds,
        "median_seconds": {name: round(value, 3) for name, value in medians.items()},
        "ratio_to_help": {name: round(value / help_seconds, 2) for name, value in medians.items()},
        "imports_torch": {mode: imports_torch(args.index, mode) for mode in modes},
    }
    lines = [
        f"## Cold start: whole-process wall time, median of {args.rounds}, commands in turns",
        "",
        f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores. Index: {args.index} "
        f"(documents encoded by {backend}); query {QUERY!r}.",
        "",
        "| command | median s | × --help | imports torch |",
        "|---|---:|---:|---|",
    ]
    for name, value in medians.items():
        mode = name.removeprefix("query --mode ")
        torch = ("yes" if report["imports_torch"][mode] else "no") if name.startswith("query") else ""
        lines.append(f"| `{name}` | {value:.3f} | {value / help_seconds:.2f} | {torch} |")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "report.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
