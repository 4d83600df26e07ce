"""Profile intervals of ``calibrate`` against an ABC-SMC posterior (pyabc), on synthetic truths.

Issue 12 asks to choose the uncertainty method by measurement. For each synthetic truth
(known ``pay_intercept`` and ``hours_committee``), the targets are the model's own
outcomes at the truth on run seeds neither method uses, for two regimes of the ``tiny``
preset: no linkage ("before": collection) and owners' committees with a community member
("after": collection and 30-day resolution), over ``--days`` days, each ± ``--tolerance``.
Then, both serial on one core, each simulation run counted:

- **profile N**: ``calibrate`` (optuna TPE, N trials of 2 seeds per regime, then its
  check on fresh seeds) and its 90% profile-likelihood intervals (``intervals.csv``), for
  each N of ``--trials``;
- **abc**: ``pyabc.ABCSMC`` with uniform priors on the same ranges, one run per regime
  per particle (the seed noise is part of the likelihood), distance ``sqrt(mean z²)`` in
  units of the tolerance, ``--population`` particles over ``--generations`` generations;
  the 90% interval is the weighted 5%–95% quantiles of the last population.

Printed per truth and method: simulation runs, wall seconds, each parameter's interval,
its share of the searched range, and whether the truth lies inside.

pyabc is not a project dependency (the profiles need nothing beyond optuna):
``.venv/bin/python -m pip install pyabc`` first.

    .venv/bin/python benchmarks/abc_vs_profile.py                       # the defaults
    .venv/bin/python benchmarks/abc_vs_profile.py --truths 1 --population 20 --generations 2
    .venv/bin/python benchmarks/abc_vs_profile.py --methods profile --trials 24 40 80
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from redwuye_graph.experiments import make_executor
from redwuye_graph.experiments.calibrate import calibrate, load_targets
from redwuye_graph.experiments.sweep import Task, run_task
from redwuye_graph.sim.scenario import Scenario, load_scenario

#: The searched ranges (the slow test's): name -> (low, high).
RANGES = {"pay_intercept": (-1.0, 1.0), "hours_committee": (0.0, 200.0)}
#: Synthetic truths, in order; ``--truths N`` takes the first N.
TRUTHS = ({"pay_intercept": 0.3, "hours_committee": 60.0},
          {"pay_intercept": -0.4, "hours_committee": 140.0},
          {"pay_intercept": 0.7, "hours_committee": 20.0})
#: (regime, outcome) pairs that are targets.
TARGETS = (("before", "collection_12m"), ("after", "collection_12m"),
           ("after", "resolution_rate"))
#: Run seeds of the synthetic observations (the fit uses seeds from 0; ABC from 10,000).
OBSERVATION_SEEDS = range(100, 103)


def scenario_texts(days: int) -> dict[str, str]:
    """The two regimes' scenario files: the tiny preset, graph seed 3."""
    head = f'preset = "tiny"\ngraph_seed = 3\ndays = {days}\nseeds = 1\n'
    return {"before": f'[scenario]\nname = "before"\n{head}',
            "after": f'[scenario]\nname = "after"\n{head}\n[levels]\nowners_committee = 1.0\n'
                     "community_member_on_owners_committee = 1.0\n"}


class Counted:
    """``run_task`` that counts its calls (serial executor: one process)."""

    def __init__(self) -> None:
        self.runs = 0

    def __call__(self, task: Task) -> dict[str, Any]:
        self.runs += 1
        return run_task(task)


def outcome(run: Callable[[Task], dict[str, Any]], sc: Scenario, values: dict[str, float],
            seed: int, days: int) -> dict[str, Any]:
    """The outcomes of one run of ``sc`` at ``values`` with run seed ``seed``."""
    return run(Task(run=seed, point=0, replicate=seed, seed=seed, values=values, scenario=sc,
                    days=days))


def observe(regimes: dict[str, Scenario], truth: dict[str, float], days: int
            ) -> dict[tuple[str, str], float]:
    """The synthetic targets: means over :data:`OBSERVATION_SEEDS` at the truth."""
    rows = {name: [outcome(run_task, sc, truth, s, days) for s in OBSERVATION_SEEDS]
            for name, sc in regimes.items()}
    return {(r, k): float(np.mean([row[k] for row in rows[r]])) for r, k in TARGETS}


def targets_file(folder: Path, observed: dict[tuple[str, str], float], trials: int,
                 tolerance: float) -> Path:
    """A two-regime targets file for ``calibrate`` (scenario files beside it)."""
    text = (f"[calibrate]\ntrials = {trials}\nseeds = 2\nsampler_seed = 1\n\n[params]\n"
            + "".join(f"{k} = [{lo}, {hi}]\n" for k, (lo, hi) in RANGES.items()))
    for regime in ("before", "after"):
        text += f'\n[[regime]]\nname = "{regime}"\nscenario = "{regime}.toml"\n'
        for r, k in TARGETS:
            if r == regime:
                text += (f"[regime.targets.{k}]\nvalue = {observed[(r, k)]}\n"
                         f"tolerance = {tolerance}\n")
    path = folder / "targets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def by_profile(folder: Path, observed: dict[tuple[str, str], float], trials: int,
               tolerance: float, days: int) -> dict[str, Any]:
    """``calibrate``'s 90% profile intervals, its runs and wall seconds."""
    spec = replace(load_targets(targets_file(folder, observed, trials, tolerance)), days=days)
    counted = Counted()
    started = time.perf_counter()
    with make_executor("serial") as ex:
        result = calibrate(None, spec, ex, progress=False, run=counted)
    wall = time.perf_counter() - started
    iv = {r["parameter"]: (r["low90"], r["high90"])
          for r in result.intervals.to_dict("records")}
    return {"status": result.status, "runs": counted.runs, "wall_s": wall,
            "intervals": {k: iv[k] for k in RANGES}}


def by_abc(regimes: dict[str, Scenario], observed: dict[tuple[str, str], float],
           population: int, generations: int, tolerance: float, days: int, seed: int,
           folder: Path) -> dict[str, Any]:
    """pyabc ABC-SMC: weighted 5%–95% quantiles of the last population."""
    import pyabc  # type: ignore[import-untyped]

    counted = Counted()
    draws = np.random.default_rng(seed)

    def model(p: dict[str, float]) -> dict[str, float]:
        values = {k: float(p[k]) for k in RANGES}
        s = int(draws.integers(10_000, 2**31 - 1))
        rows = {name: outcome(counted, sc, values, s, days) for name, sc in regimes.items()}
        return {f"{r}:{k}": float(rows[r][k]) for r, k in TARGETS}

    def distance(x: dict[str, float], x0: dict[str, float]) -> float:
        return float(np.sqrt(np.mean([((x[k] - x0[k]) / tolerance) ** 2 for k in x0])))

    prior = pyabc.Distribution(**{k: pyabc.RV("uniform", lo, hi - lo)
                                  for k, (lo, hi) in RANGES.items()})
    np.random.seed(seed)  # pyabc draws from numpy's global generator
    abc = pyabc.ABCSMC(model, prior, distance, population_size=population,
                       sampler=pyabc.sampler.SingleCoreSampler())
    abc.new(f"sqlite:///{folder / 'abc.db'}",
            {f"{r}:{k}": v for (r, k), v in observed.items()})
    started = time.perf_counter()
    history = abc.run(max_nr_populations=generations)
    wall = time.perf_counter() - started
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    eps = float(history.get_all_populations()["epsilon"].iloc[-1])
    return {"status": f"eps {eps:.2f}", "runs": counted.runs, "wall_s": wall,
            "intervals": {k: tuple(weighted_quantiles(frame[k].to_numpy(), weights,
                                                      (0.05, 0.95)))
                          for k in RANGES}}


def weighted_quantiles(values: np.ndarray, weights: np.ndarray,
                       qs: tuple[float, ...]) -> list[float]:
    """Quantiles of ``values`` under normalised ``weights`` (linear in the cumulative)."""
    order = np.argsort(values)
    v, w = values[order], weights[order] / weights.sum()
    cum = np.cumsum(w) - w / 2
    return [float(np.interp(q, cum, v)) for q in qs]


def main() -> None:
    """Run both methods on each truth and print one table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truths", type=int, default=2, choices=range(1, len(TRUTHS) + 1))
    ap.add_argument("--days", type=int, default=120)
    ap.add_argument("--trials", type=int, nargs="+", default=[40],
                    help="calibrate's trials (several: one calibration each)")
    ap.add_argument("--population", type=int, default=100, help="ABC particles")
    ap.add_argument("--generations", type=int, default=6, help="ABC populations")
    ap.add_argument("--tolerance", type=float, default=0.01)
    ap.add_argument("--methods", nargs="+", choices=("profile", "abc"),
                    default=["profile", "abc"])
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="abc_vs_profile_") as tmp:
        for i, truth in enumerate(TRUTHS[:args.truths]):
            folder = Path(tmp) / f"truth{i}"
            folder.mkdir()
            for name, text in scenario_texts(args.days).items():
                (folder / f"{name}.toml").write_text(text, encoding="utf-8")
            regimes = {n: load_scenario(folder / f"{n}.toml") for n in ("before", "after")}
            observed = observe(regimes, truth, args.days)
            found = {}
            if "profile" in args.methods:
                for n in args.trials:
                    found[f"profile {n}"] = by_profile(folder, observed, n, args.tolerance,
                                                       args.days)
            if "abc" in args.methods:
                found["abc"] = by_abc(regimes, observed, args.population, args.generations,
                                      args.tolerance, args.days, seed=i + 1, folder=folder)
            for method, res in found.items():
                for k, (lo, hi) in res["intervals"].items():
                    low, high = RANGES[k]
                    rows.append({"truth": i, "method": method, "status": res["status"],
                                 "runs": res["runs"], "wall_s": round(res["wall_s"], 1),
                                 "parameter": k, "true": truth[k],
                                 "low90": round(lo, 3), "high90": round(hi, 3),
                                 "share": round((hi - lo) / (high - low), 2),
                                 "inside": lo <= truth[k] <= hi})
            print(pd.DataFrame(rows[-len(found) * len(RANGES):]).to_string(index=False),
                  flush=True)
    print(f"\nall (days {args.days}, population {args.population}, "
          f"generations {args.generations}, load {os.getloadavg()[0]:.1f}):")
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
