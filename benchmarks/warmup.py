"""The warm-up table of docs/model.md (*Warm-up and transients*): how much of the start
(`sat_init`) is left in the counted days after `warmup_days` of warm-up.

`district`, graph seed 1, run seed 1, 730 counted days; for each warm-up (0, 365, 730
days) and `sat_init` (0.3, 0.5, 0.7): the baseline's 12-month collection and the
all-linkage − baseline differences in 12-month collection and 30-day resolution
(`simulations/baseline.toml`, `simulations/all_linkage.toml`).

Run: .venv/bin/python benchmarks/warmup.py [--warmups 0,365,730]
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from redwuye_graph.outcomes import run_outcomes
from redwuye_graph.sim.scenario import iter_runs, load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "simulations"
STARTS = (0.3, 0.5, 0.7)


def outcomes(name: str, warmup: int, sat_init: float) -> tuple[float, float]:
    """12-month collection and 30-day resolution of one run of scenario ``name``."""
    sc = load_scenario(SCENARIOS / f"{name}.toml")
    sc = replace(sc, graph_seed=1, graph_seeds=1, first_seed=1, seeds=1, days=730,
                 warmup_days=warmup, estate_table=False,
                 params=replace(sc.params, sat_init=sat_init))
    (tables,) = list(iter_runs(sc))
    o = run_outcomes(tables)
    return o["collection_12m"], o["resolution_rate"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warmups", default="0,365,730", help="comma-separated warm-up days")
    args = ap.parse_args()
    print("| `warmup_days` | baseline collection, `sat_init` 0.3 / 0.5 / 0.7 | all-linkage − "
          "baseline, collection | all-linkage − baseline, resolution |")
    print("|---|---|---|---|")
    for warmup in (int(w) for w in args.warmups.split(",")):
        base = [outcomes("baseline", warmup, s) for s in STARTS]
        full = [outcomes("all_linkage", warmup, s) for s in STARTS]
        cells = [" / ".join(f"{b[0]:.3f}" for b in base),
                 " / ".join(f"{f[0] - b[0]:+.3f}" for b, f in zip(base, full, strict=True)),
                 " / ".join(f"{f[1] - b[1]:+.3f}" for b, f in zip(base, full, strict=True))]
        print(f"| {warmup} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
