"""Peak memory of ``redwuye simulate``: the `city` preset, 5 seeds × 730 days (goal < 2 GiB).

    .venv/bin/python benchmarks/bench_memory.py              # city × 5 seeds × 730 days (~6 min)
    .venv/bin/python benchmarks/bench_memory.py 2 365        # other seeds and days

The command runs in its own process (the CLI, serially, as a planner runs it), so its
peak resident memory (max RSS) is its own. Results are written run by run as each ends
(`redwuye_graph.sim.scenario.simulate`): the peak should not grow with seeds or days
beyond one run's model and one block of its estate table.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_GIB = 2.0
SCENARIO = """[scenario]
name = "memory"
preset = "city"
days = {days}
seeds = {seeds}
"""


def measure(seeds: int, days: int) -> tuple[float, float]:
    """Peak RSS (GiB) and wall seconds of ``simulate`` of `city` × seeds × days."""
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        scenario = Path(tmp) / "memory.toml"
        scenario.write_text(SCENARIO.format(days=days, seeds=seeds), encoding="utf-8")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from redwuye_graph.cli import app; app()",
                        "simulate", str(scenario), "--out", str(Path(tmp) / "out")],
                       check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / 2**30
    return peak, seconds


def main(args: list[str]) -> None:
    seeds, days = (int(args[0]), int(args[1])) if len(args) == 2 else (5, 730)
    peak, seconds = measure(seeds, days)
    verdict = "meets" if peak < GOAL_GIB else "misses"
    print(f"simulate city x {seeds} seeds x {days} days: peak RSS {peak:.2f} GiB in "
          f"{seconds:.0f} s ({verdict} the < {GOAL_GIB:g} GiB goal)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
