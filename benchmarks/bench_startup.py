"""Start-up time of the command line: `redwuye --help` and `redwuye queries`.

Every command pays for the imports of `redwuye_graph.cli` before it does anything; the
heavy libraries (pandas, networkx, numpy, Mesa) are imported where they are used, so
listing the help or the Cypher library stays quick. The target is ≤ 0.3 s wall-clock
each on this 2-core machine.

The commands run as an installed program does: with Python's bytecode cache (a
`PYTHONDONTWRITEBYTECODE` of the calling shell is dropped for them, and the warm-up run
writes the cache), since compiling the package's sources at every start (~0.1 s of CPU)
is not what a user pays. The CPU seconds (user + system) are printed beside the wall
clock: on a loaded machine the wall clock waits for a core, the CPU time does not.

    .venv/bin/python benchmarks/bench_startup.py              # 7 runs of each, median
    .venv/bin/python benchmarks/bench_startup.py --runs 15

Printed: per command the median and best wall-clock seconds of fresh processes and their
median CPU seconds, whether the median wall clock meets the target, the heavy modules
`import redwuye_graph.cli` pulls in (none expected) and the 1-minute load average.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

COMMANDS = (("--help",), ("queries",))
TARGET_SECONDS = 0.3
HEAVY = ("pandas", "networkx", "numpy", "mesa", "scipy", "pyarrow")


#: The environment of the measured commands: bytecode cached, as installed.
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
       "COLUMNS": "100"}


def wall(args: tuple[str, ...]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one fresh `redwuye ARGS` process,
    output discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from redwuye_graph.cli import app; app()", *args],
                   check=True, stdout=subprocess.DEVNULL, env=ENV)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def heavy_imports() -> list[str]:
    """The heavy modules that importing the command line loads."""
    code = ("import sys, redwuye_graph.cli; "
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    return out.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    for command in COMMANDS:
        wall(command)  # warm the file and bytecode caches
        runs = [wall(command) for _ in range(args.runs)]
        times = [seconds for seconds, _ in runs]
        median = statistics.median(times)
        cpu = statistics.median(c for _, c in runs)
        verdict = "ok" if median <= TARGET_SECONDS else "SLOW"
        print(f"redwuye {' '.join(command):<8} median {median:.3f} s  best {min(times):.3f} s  "
              f"cpu {cpu:.3f} s  ({args.runs} runs; target {TARGET_SECONDS} s: {verdict})")
    print(f"heavy modules imported by redwuye_graph.cli: {', '.join(heavy_imports()) or 'none'}")
    print(f"load average (1 min): {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
