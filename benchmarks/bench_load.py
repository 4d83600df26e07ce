"""Benchmark: generate the `city` preset and load it into the embedded store (target ≤ 10 s),
then the same load into a real local Neo4j over Bolt. Reports nodes/s and relationships/s.

Run: make bench   (or .venv/bin/python benchmarks/bench_load.py [--preset city] [--no-neo4j])
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from redwuye_graph.generate import generate
from redwuye_graph.store import LoadReport, open_store


def _line(name: str, report: LoadReport) -> str:
    return (f"{name:<10} load {report.seconds:6.1f} s | nodes {report.nodes:>7,} at "
            f"{report.nodes / report.node_seconds:>9,.0f}/s | relationships "
            f"{report.relationships:>7,} at "
            f"{report.relationships / report.relationship_seconds:>9,.0f}/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="city")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-neo4j", action="store_true", help="skip the Neo4j run")
    args = parser.parse_args()

    started = time.perf_counter()
    city = generate(args.preset, seed=args.seed)
    generated = time.perf_counter() - started
    print(f"generate {args.preset}: {generated:.1f} s, {len(city):,} nodes, "
          f"{city.graph.number_of_edges():,} relationships")
    with tempfile.TemporaryDirectory() as tmp:
        with open_store(f"embedded:{Path(tmp) / 'bench.rdb'}") as store:
            report = store.load(city)
        print(_line("embedded", report))
        total = generated + report.seconds
        print(f"generate + embedded load: {total:.1f} s (target <= 10 s: "
              f"{'met' if total <= 10 else 'MISSED'})")

    if not args.no_neo4j:
        from redwuye_graph import neo4j_local

        with tempfile.TemporaryDirectory() as tmp:
            cache = neo4j_local.scratch_cache(Path(tmp))
            with neo4j_local.running(cache) as server, open_store(server.uri) as store:
                print(_line("neo4j", store.load(city)))


if __name__ == "__main__":
    main()
