"""Benchmark: every coverage metric at every level on the `city` preset, embedded store.

Target: all coverage metrics at every level in <= 5 s. Prints each query's time (best
of --repeat runs, after one warm-up run that also checks the rows), and two totals:
one query per level, and the per-estate table plus one roll-up pass over all levels.

Run: .venv/bin/python benchmarks/bench_coverage.py [--preset city] [--seed 1] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from redwuye_graph.generate import generate
from redwuye_graph.queries import run_query
from redwuye_graph.store import GraphStore, open_store

TARGET_SECONDS = 5.0

#: (label, query, parameters): one run per label.
RUNS: list[tuple[str, str, dict[str, Any]]] = [
    ("estate", "coverage/estate", {}),
    *[(level, "coverage/summary", {"level": level})
      for level in ("community", "street", "district", "city")],
    ("all levels (one pass)", "coverage/summary", {"level": "all"}),
    ("companies", "coverage/companies", {}),
    ("vacuum", "coverage/vacuum", {}),
]


def best_time(store: GraphStore, name: str, params: dict[str, Any], repeat: int
              ) -> tuple[float, int]:
    rows = len(run_query(store, name, params))  # warm-up: plan cache, pages
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run_query(store, name, params)
        times.append(time.perf_counter() - started)
    return min(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="city")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    city = generate(args.preset, seed=args.seed)
    print(f"{args.preset} (seed {args.seed}): {len(city):,} nodes, "
          f"{city.graph.number_of_edges():,} relationships")
    with tempfile.TemporaryDirectory() as tmp, \
            open_store(f"embedded:{Path(tmp) / 'bench.rdb'}") as store:
        store.load(city)
        seconds = {}
        for label, name, params in RUNS:
            seconds[label], rows = best_time(store, name, params, args.repeat)
            print(f"  {label:<22} {name:<20} {rows:>6,} rows  {seconds[label]:6.3f} s")
    per_level = sum(seconds[k] for k in ("estate", "community", "street", "district", "city",
                                         "companies", "vacuum"))
    one_pass = sum(seconds[k] for k in ("estate", "all levels (one pass)", "companies",
                                        "vacuum"))
    for what, total in (("one query per level", per_level), ("estate + one pass", one_pass)):
        verdict = "met" if total <= TARGET_SECONDS else "MISSED"
        print(f"all coverage metrics, {what}: {total:.2f} s (target <= {TARGET_SECONDS:.0f} s: "
              f"{verdict})")


if __name__ == "__main__":
    main()
