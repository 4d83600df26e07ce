"""Writing sweep results: seconds per run as a sweep's table grows to 10,000 runs.

A sweep writes each finished run's row to ``OUT/runs.parquet`` through
:class:`~redwuye_graph.experiments.results.RunTable` (at most every 2 s; runs of seconds
each mean a write per run, the case measured here). The rows are synthetic but shaped as
:func:`~redwuye_graph.experiments.sweep.run_task`'s: ids, seeds, four swept values and
every outcome. Each run is one ``add`` and one ``flush``; the time per run is averaged
over the last tenth of the runs up to each mark, so the cost of a run at 100, 1,000 and
10,000 finished runs shows whether writing grows with the table (the target: it stays
constant). Then a resume: opening the folder again and reading which runs are done.

    .venv/bin/python benchmarks/bench_sweep_writes.py                  # to 10,000 runs
    .venv/bin/python benchmarks/bench_sweep_writes.py --runs 1000 --dir /dev/shm

Printed: per mark the milliseconds per run and their ratio to the first mark's; the
seconds of the whole sweep's writing; the resume's seconds; the 1-minute load average.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from redwuye_graph.experiments.results import RunTable
from redwuye_graph.outcomes import OUTCOMES

FACTORS = ("hours_committee", "pay_satisfaction", "pay_intercept", "response_days")


def row(run: int, rng: np.random.Generator) -> dict[str, Any]:
    """A synthetic row shaped like a sweep run's."""
    return {"run": run, "point": run // 2, "replicate": run % 2, "graph_seed": 1,
            "seed": run % 2, **{f: float(rng.random()) for f in FACTORS},
            **{o: float(rng.random()) for o in OUTCOMES}, "seconds": float(rng.random())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, default=None, help="folder for the sweep's "
                        "table (default: the system's temporary folder); /dev/shm leaves "
                        "out the disk's sync time")
    args = parser.parse_args()
    marks = [m for m in (100, 1_000, 10_000) if m <= args.runs] or [args.runs]
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory(prefix="bench-sweep-writes-", dir=args.dir) as tmp:
        path = Path(tmp) / "runs.parquet"
        table = RunTable(path)
        seconds = np.empty(args.runs)
        started = time.perf_counter()
        for run in range(args.runs):
            t0 = time.perf_counter()
            table.add(row(run, rng))
            table.flush()
            seconds[run] = time.perf_counter() - t0
        total = time.perf_counter() - started
        first = None
        for mark in marks:
            per_run = float(seconds[mark - max(1, mark // 10):mark].mean())
            first = first or per_run
            print(f"runs {mark - max(1, mark // 10) + 1:>5}-{mark:<6} {per_run * 1e3:8.2f} ms "
                  f"per run  (x{per_run / first:.2f} of the first mark)")
        print(f"writing {args.runs} runs: {total:.1f} s ({len(OUTCOMES) + len(FACTORS) + 6} "
              "columns a row)")
        t0 = time.perf_counter()
        done = RunTable(path).done()
        print(f"resume: {len(done)} runs found done in {time.perf_counter() - t0:.3f} s")
    print(f"load average (1 min): {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
