"""Start-up time of the command line: `redwuye --help` and `redwuye queries`.

Every command pays for the imports of `redwuye_graph.cli` before it does anything; the
heavy libraries (pandas, networkx, numpy, Mesa) are imported where they are used, so
listing the help or the Cypher library stays quick. The target is ≤ 0.3 s wall-clock
each on this 2-core machine.

    .venv/bin/python benchmarks/bench_startup.py              # 7 runs of each, median
    .venv/bin/python benchmarks/bench_startup.py --runs 15

Printed: per command the median and best wall-clock seconds of fresh processes, whether
the median meets the target, the heavy modules `import redwuye_graph.cli` pulls in (none
expected) and the 1-minute load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

COMMANDS = (("--help",), ("queries",))
TARGET_SECONDS = 0.3
HEAVY = ("pandas", "networkx", "numpy", "mesa", "scipy", "pyarrow")


def wall(args: tuple[str, ...]) -> float:
    """Seconds for one fresh `redwuye ARGS` process, output discarded."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from redwuye_graph.cli import app; app()", *args],
                   check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "COLUMNS": "100"})
    return time.perf_counter() - started


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
        wall(command)  # warm the file cache
        times = [wall(command) for _ in range(args.runs)]
        median = statistics.median(times)
        verdict = "ok" if median <= TARGET_SECONDS else "SLOW"
        print(f"redwuye {' '.join(command):<8} median {median:.3f} s  best {min(times):.3f} s  "
              f"({args.runs} runs; target {TARGET_SECONDS} s: {verdict})")
    print(f"heavy modules imported by redwuye_graph.cli: {', '.join(heavy_imports()) or 'none'}")
    print(f"load average (1 min): {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
