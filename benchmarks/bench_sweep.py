"""Sweep throughput: runs per minute of serial, local and Dask, and each executor's overhead.

The workload is the issue's: the `district` preset (800 estates, ~500 k households) over
one simulated year, parameters from ``simulations/sweep_sobol.toml`` on a Latin
hypercube. A full 1,000-run sweep takes 7-10 minutes per parallel executor here, so by
default each executor runs a few runs and the 1,000-run time is extrapolated (startup +
1,000 ÷ rate); ``--runs 1000`` measures it outright.

    .venv/bin/python benchmarks/bench_sweep.py                 # 4 serial, 8 local, 8 Dask runs
    .venv/bin/python benchmarks/bench_sweep.py --runs 1000     # the real thing

Figures per executor: startup seconds (pool or cluster up, its processes started),
runs per minute, seconds per run inside the simulation, the overhead per run
(worker-seconds outside the simulation: dispatch, pickling, building the city once per
worker, idle tail; ÷ runs) and, separately, the dispatch overhead of an empty task
(200 no-op items). The machine's 1-minute load average after each
measurement is printed too: other work on the machine slows the runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from redwuye_graph.experiments import load_sweep, make_executor, read_runs, run_sweep

REPO = Path(__file__).resolve().parents[1]
SWEEP = REPO / "simulations" / "sweep_sobol.toml"


def noop(x: int) -> int:
    return x


def measure(spec: str, runs: int, workers: int) -> dict[str, float]:
    sweep = replace(load_sweep(SWEEP), design="lhs", samples=runs, replicates=1)
    out = Path(tempfile.mkdtemp(prefix=f"bench_sweep_{spec}_"))
    try:
        started = time.perf_counter()
        with make_executor(spec, workers) as ex:
            list(ex.imap(noop, range(ex.workers)))  # the pool's processes are up
            up = time.perf_counter()
            report = run_sweep(sweep, out, ex, progress=False)
            ran = time.perf_counter()
            list(ex.imap(noop, range(200)))
            noop_s = time.perf_counter() - ran
            n_workers = ex.workers
        assert report.finished == runs and not report.failed, report
        inside = float(read_runs(out)["seconds"].sum())
    finally:
        shutil.rmtree(out, ignore_errors=True)
    wall = ran - up
    rate = runs / wall * 60.0
    return {"runs": runs, "workers": n_workers, "startup_s": round(up - started, 2),
            "wall_s": round(wall, 1), "runs_per_min": round(rate, 2),
            "sim_s_per_run": round(inside / runs, 2),
            "overhead_s_per_run": round((n_workers * wall - inside) / runs, 3),
            "noop_overhead_ms_per_item": round(noop_s / 200 * 1000, 2),
            "extrapolated_1000_runs_min": round((up - started) / 60 + 1000 / rate, 1),
            "load_avg_1min_after": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=0, help="runs per executor (default: "
                        "4 serial, 4 per worker otherwise)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("executors", nargs="*", default=["serial", "local", "dask"])
    args = parser.parse_args()
    results = {}
    for spec in args.executors:
        runs = args.runs or (4 if spec == "serial" else 4 * args.workers)
        results[spec] = measure(spec, runs, args.workers)
        print(spec, json.dumps(results[spec]), flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
