"""Regimes, tipping, hysteresis and initial conditions at district scale (issue 16,
point 6), measured on the counted mechanisms, whatever they show (docs/model.md,
*Regimes: what the mechanisms produce*).

All runs use the `district` preset, graph seed 1, the no-linkage day-0 levels of
`simulations/no_linkage.toml`, and the `cross_appointment` policy at share x of every
post (owners' committee, community member on it, secretary-instructor, quality
supervisor, the two regional-committee seats):

1. dose-response: x in 0, 0.2, ..., 1 from day 0; collection in year 2 (days 366-730).
   A tipping point shows as one step carrying much more of the rise than the others.
2. hysteresis: x = 1 for days 0-365, then withdrawn, against never linked (same seeds,
   paired); the gap in collection per year for five years. A gap that stays means
   history matters (the linked year left a state the mechanisms keep: hysteresis); one
   that decays to 0 means the district returns to the one no-linkage regime.
3. initial conditions: never linked, initial satisfaction 0.15 vs 0.85 (`sat_init`),
   the gap in collection per year for ten years. Two stable regimes would keep the gap.

Run: .venv/bin/python benchmarks/regimes.py [--seeds 3] [--only dose,hysteresis,initial]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from redwuye_graph.sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
POSTS = ("owners_committee", "community_member_on_owners_committee", "secretary_instructor",
         "quality_supervisor", "head_on_regional_committee", "owners_on_regional_committee")


def scenario(days: int, share: float | None = None, end_day: int | None = None,
             sat_init: float | None = None) -> Scenario:
    """The no-linkage district with, optionally, cross-appointment at ``share``."""
    text = (ROOT / "simulations" / "no_linkage.toml").read_text(encoding="utf-8")
    text = text.replace("days = 730", f"days = {days}")
    if sat_init is not None:
        text += f"\n[params]\nsat_init = {sat_init}\n"
    if share is not None:
        text += '\n[[policy]]\nkind = "cross_appointment"\nstart_day = 0\n'
        text += "".join(f"{post} = {share}\n" for post in POSTS)
        if end_day is not None:
            text += f"end_day = {end_day}\n"
    return load_scenario(ROOT / "simulations" / "regimes.toml", text)


def yearly_collection(sc: Scenario, seed: int) -> np.ndarray:
    """Fee collection (paid / due) in each year of one run."""
    model = sc.model(sc.graph_seed, seed)
    model.run(sc.days)
    city = model.tables()["city"]
    year = (city["day"].to_numpy() - 1) // 365
    paid = np.bincount(year, weights=city["paid"].to_numpy())
    due = np.bincount(year, weights=city["due"].to_numpy())
    return paid / due


def _interval(diffs: np.ndarray) -> str:
    """Mean and a normal 90% interval of paired differences, in points."""
    mean = 100 * diffs.mean()
    if len(diffs) < 2:
        return f"{mean:+.1f} pts"
    half = 100 * 1.645 * diffs.std(ddof=1) / np.sqrt(len(diffs))
    return f"{mean:+.1f} pts [{mean - half:+.1f}, {mean + half:+.1f}]"


def dose(seeds: list[int]) -> None:
    """Year-2 collection against the share of cross-appointed posts."""
    print("dose-response: share x of every cross-appointment post from day 0 (year 2)")
    shares = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    level = [np.mean([yearly_collection(scenario(730, x), s)[1] for s in seeds])
             for x in shares]
    rise = level[-1] - level[0]
    for i, (x, c) in enumerate(zip(shares, level, strict=True)):
        step = "" if i == 0 else f"   step {100 * (c - level[i - 1]):+5.1f} pts " \
                                 f"({(c - level[i - 1]) / rise:4.0%} of the rise)"
        print(f"  x = {x:.1f}: {c:6.1%}{step}")


def hysteresis(seeds: list[int]) -> None:
    """Linked for a year then withdrawn, against never linked."""
    print("hysteresis: linked days 0-365 then withdrawn, minus never linked (paired seeds)")
    never = [yearly_collection(scenario(5 * 365), s) for s in seeds]
    once = [yearly_collection(scenario(5 * 365, 1.0, end_day=365), s) for s in seeds]
    for y in range(5):
        diffs = np.array([o[y] - n[y] for o, n in zip(once, never, strict=True)])
        print(f"  year {y + 1}: never {np.mean([n[y] for n in never]):6.1%}, "
              f"linked in year 1 {np.mean([o[y] for o in once]):6.1%}, gap {_interval(diffs)}")


def initial(seeds: list[int]) -> None:
    """High against low initial satisfaction, never linked."""
    print("initial conditions: sat_init 0.85 minus 0.15, never linked (paired seeds)")
    low = [yearly_collection(scenario(10 * 365, sat_init=0.15), s) for s in seeds]
    high = [yearly_collection(scenario(10 * 365, sat_init=0.85), s) for s in seeds]
    for y in range(10):
        diffs = np.array([h[y] - lo[y] for h, lo in zip(high, low, strict=True)])
        print(f"  year {y + 1}: low {np.mean([lo[y] for lo in low]):6.1%}, "
              f"high {np.mean([h[y] for h in high]):6.1%}, gap {_interval(diffs)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--only", default="dose,hysteresis,initial")
    args = parser.parse_args()
    seeds = list(range(1, args.seeds + 1))
    for name in args.only.split(","):
        start = time.perf_counter()
        {"dose": dose, "hysteresis": hysteresis, "initial": initial}[name](seeds)
        print(f"  ({time.perf_counter() - start:.0f} s)\n", flush=True)


if __name__ == "__main__":
    main()
