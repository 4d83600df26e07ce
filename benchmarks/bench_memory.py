"""Peak memory of ``redwuye simulate``: the `city` preset, 5 seeds × 730 days (goal < 2 GiB).

    .venv/bin/python benchmarks/bench_memory.py                  # city × 5 seeds × 730 days
    .venv/bin/python benchmarks/bench_memory.py 2 365            # other seeds and days
    .venv/bin/python benchmarks/bench_memory.py 5 730 local 2    # a process pool of 2

The command runs as the CLI in its own process (as a planner runs it). Two figures:

- the process tree's peak: the resident memory (RSS) of the command and every process
  it started, summed, sampled every ``SAMPLE_SECONDS``;
- the largest single process's peak resident memory (the kernel's max RSS, exact).

Results are written run by run as each ends (`redwuye_graph.sim.scenario.simulate`): the
peak should not grow with seeds or days beyond one run's model and one block of its
estate table (per worker).
"""

from __future__ import annotations

import contextlib
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

GOAL_GIB = 2.0
SAMPLE_SECONDS = 0.05
SCENARIO = """[scenario]
name = "memory"
preset = "city"
days = {days}
seeds = {seeds}
"""


def _tree_rss(root: psutil.Process) -> int:
    """Resident bytes of ``root`` and its descendants now (processes gone meanwhile: 0)."""
    total = 0
    try:
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += proc.memory_info().rss
    return total


def measure(seeds: int, days: int, executor: str = "serial",
            workers: int | None = None) -> tuple[float, float, float]:
    """The tree's peak RSS, the largest process's peak RSS (GiB) and wall seconds of
    ``simulate`` of `city` × seeds × days."""
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        scenario = Path(tmp) / "memory.toml"
        scenario.write_text(SCENARIO.format(days=days, seeds=seeds), encoding="utf-8")
        command = [sys.executable, "-c", "from redwuye_graph.cli import app; app()",
                   "simulate", str(scenario), "--out", str(Path(tmp) / "out"),
                   "--executor", executor]
        if workers is not None:
            command += ["--workers", str(workers)]
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        root, tree = psutil.Process(child.pid), 0
        while child.poll() is None:
            tree = max(tree, _tree_rss(root))
            time.sleep(SAMPLE_SECONDS)
        seconds = time.perf_counter() - started
        if child.returncode:
            raise SystemExit(f"simulate failed (exit {child.returncode})")
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return tree / 2**30, largest / 2**30, seconds


def main(args: list[str]) -> None:
    seeds, days = (int(args[0]), int(args[1])) if len(args) >= 2 else (5, 730)
    executor = args[2] if len(args) >= 3 else "serial"
    workers = int(args[3]) if len(args) >= 4 else None
    tree, largest, seconds = measure(seeds, days, executor, workers)
    verdict = "meets" if max(tree, largest) < GOAL_GIB else "misses"
    print(f"simulate city x {seeds} seeds x {days} days ({executor}): peak RSS of the "
          f"process tree {tree:.2f} GiB, of the largest process {largest:.2f} GiB, in "
          f"{seconds:.0f} s ({verdict} the < {GOAL_GIB:g} GiB goal)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
