"""Calibration throughput: trials per minute of a two-regime district calibration, serial
vs process pool vs Dask, and the fixed start-up of one ``redwuye calibrate`` call.

The workload is ``simulations/targets_regimes.toml`` (the seed article's two regimes, no
linkage and full linkage, on the ``district`` preset), each trial one run per regime,
over ``--days`` simulated days (default 180, to keep it short on a shared machine). Each
executor runs ``--trials`` trials into a fresh study without the check on fresh seeds.

    .venv/bin/python benchmarks/bench_calibrate.py                  # 4 trials each
    .venv/bin/python benchmarks/bench_calibrate.py --trials 16 --days 365 serial local

Figures per executor: executor start-up seconds, wall seconds of the trials, trials per
minute, CPU seconds per trial (this process and its workers, start-up included: what
the trials cost whatever else runs), and the 1-minute load average after it (other work
slows the runs). Start-up:
the wall and CPU seconds of ``redwuye calibrate`` for one trial of one simulated day
(imports, study, the base cities, the plots), called twice: the first call on a machine
also fills caches (matplotlib's font list, compiled kernels), the second is the fixed
start-up of every later call.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from redwuye_graph.cli import NOT_FITTED
from redwuye_graph.experiments import make_executor
from redwuye_graph.experiments.calibrate import calibrate, load_targets

REPO = Path(__file__).resolve().parents[1]
TARGETS = REPO / "simulations" / "targets_regimes.toml"


def noop(x: int) -> int:
    return x


def _cpu() -> float:
    """CPU seconds of this process and its finished children."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))


def measure(spec: str, trials: int, days: int, workers: int) -> dict[str, float]:
    """Trials per minute of one executor."""
    calibration = replace(load_targets(TARGETS), trials=trials, seeds=1, days=days,
                          check_seeds=0)
    cpu = _cpu()
    started = time.perf_counter()
    with make_executor(spec, workers) as ex:
        list(ex.imap(noop, range(ex.workers)))  # the pool's processes are up
        up = time.perf_counter()
        result = calibrate(None, calibration, ex, progress=False)
        wall = time.perf_counter() - up
        n_workers = ex.workers
    cpu = _cpu() - cpu  # the workers' share counts once they have exited
    assert len(result.trials) == trials
    return {"trials": trials, "days": days, "workers": n_workers,
            "startup_s": round(up - started, 2), "wall_s": round(wall, 1),
            "trials_per_min": round(trials / wall * 60, 2),
            "cpu_s_per_trial": round(cpu / trials, 2),
            "load_avg_1min_after": round(os.getloadavg()[0], 2)}


def startup() -> dict[str, float]:
    """Wall and CPU seconds of one ``redwuye calibrate`` call of one trial and one day."""
    folder = Path(tempfile.mkdtemp(prefix="bench_calibrate_"))
    try:
        targets = folder / "targets.toml"
        regimes = "".join(
            f'[[regime]]\nname = "{name}"\nscenario = "{TARGETS.parent / scenario}"\n'
            f"[regime.targets.collection_12m]\n{bound}\ntolerance = 0.02\n"
            for name, scenario, bound in (("before", "no_linkage.toml", "max = 0.5"),
                                          ("after", "all_linkage.toml", "min = 0.9")))
        targets.write_text("[calibrate]\ntrials = 1\nseeds = 1\ndays = 1\ncheck_seeds = 0\n"
                           "[params]\npay_intercept = [-1.0, 1.0]\n" + regimes,
                           encoding="utf-8")
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", "from redwuye_graph.cli import app; app()",
                               "calibrate", "--targets", str(targets), "--out",
                               str(folder / "out")], capture_output=True, text=True,
                              check=False)
        seconds = time.perf_counter() - started
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode not in (0, NOT_FITTED):  # one day is too short to fit: exit 3
            raise SystemExit(f"redwuye calibrate failed (exit {done.returncode}):\n"
                             f"{done.stderr}")
        return {"wall_s": round(seconds, 1),
                "cpu_s": round(used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime, 1),
                "load_avg_1min_after": round(os.getloadavg()[0], 2)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("executors", nargs="*", default=["serial", "local", "dask"])
    args = parser.parse_args()
    for call in ("first", "second"):
        print(f"startup ({call} call)", json.dumps(startup()), flush=True)
    for spec in args.executors:
        print(spec, json.dumps(measure(spec, args.trials, args.days, args.workers)),
              flush=True)


if __name__ == "__main__":
    main()
