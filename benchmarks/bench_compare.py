"""A paired comparison end to end: baseline vs all-linkage on the same district cities.

The workload of the fair-comparisons issue: `simulations/baseline.toml` and
`simulations/all_linkage.toml` (the `district` preset, 730 days), each over 3 graph
seeds × 3 run seeds, on a local process pool, then `compare` of the two folders. The
target is ≤ 3 minutes on this 2-core machine.

    .venv/bin/python benchmarks/bench_compare.py                      # 3 x 3, local pool
    .venv/bin/python benchmarks/bench_compare.py --executor serial --graph-seeds 1 --seeds 2

Printed: seconds per scenario and for the comparison, the total, and the machine's
1-minute load average afterwards (other work on the machine slows the runs).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from redwuye_graph.experiments import make_executor
from redwuye_graph.experiments.compare import paired_comparison
from redwuye_graph.sim.scenario import load_scenario, simulate

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = ("baseline", "all_linkage")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executor", default="local")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--graph-seeds", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="bench_compare_"))
    figures: dict[str, object] = {"executor": args.executor, "graph_seeds": args.graph_seeds,
                                  "seeds": args.seeds}
    try:
        started = time.perf_counter()
        with make_executor(args.executor, None if args.executor == "serial" else args.workers
                           ) as ex:
            for name in SCENARIOS:
                t = time.perf_counter()
                simulate(load_scenario(REPO / "simulations" / f"{name}.toml"), out / name,
                         seeds=args.seeds, graph_seeds=args.graph_seeds, executor=ex)
                figures[f"{name}_s"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        result = paired_comparison(out / SCENARIOS[0], out / SCENARIOS[1])
        figures["compare_s"] = round(time.perf_counter() - t, 1)
        figures["total_s"] = round(time.perf_counter() - started, 1)
        city = result.table.query("scope == 'city'").set_index("outcome")
        figures["collection_12m_difference"] = [
            round(float(city.loc["collection_12m", k]), 4) for k in ("difference", "low", "high")]
        figures["load_1min"] = round(os.getloadavg()[0], 2)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
