"""Calibration: search model parameters so the outcomes match observed targets (optuna).

A targets file (``simulations/targets_*.toml``) names the searched parameters with
their ranges and the observed outcomes with tolerances::

    [calibrate]
    trials = 40          # optuna trials (TPE sampler, seeded)
    seeds = 3            # runs per trial, averaged, so seed noise is not fitted
    first_seed = 1000
    sampler_seed = 1
    days = 365           # optional; default: the scenario's horizon

    [params]             # sim.params.PARAMS names: [low, high] inside the registry
    pay_intercept = [-1.0, 1.0]

    [targets.collection_12m]   # outcomes.OUTCOMES names
    value = 0.63
    tolerance = 0.03

Each trial's loss is the mean over targets of ``((model - value) / tolerance)²``,
``model`` being the outcome averaged over the trial's seeds; a trial **fits** when
every target is within its tolerance. Trials run in batches of the executor's workers.
:meth:`CalibrationResult.write` writes the result's tables and ``best.toml``, a
``[params]`` table to paste into a scenario.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from redwuye_graph.experiments.executors import Executor
from redwuye_graph.experiments.sweep import (
    Factor,
    Task,
    file_error,
    load_factors,
    read_head,
    read_toml,
    run_task,
)
from redwuye_graph.outcomes import OUTCOMES
from redwuye_graph.sim.scenario import Scenario
from redwuye_graph.tomlwrite import dumps

__all__ = ["Calibration", "CalibrationResult", "Target", "calibrate", "load_targets"]

_INTS = {"trials": 1, "seeds": 1, "first_seed": 0, "sampler_seed": 0, "days": 1}


@dataclass(frozen=True)
class Target:
    """An observed outcome and how far the model may be from it."""

    name: str
    value: float
    tolerance: float


@dataclass(frozen=True)
class Calibration:
    """A validated targets file."""

    path: Path
    factors: tuple[Factor, ...]
    targets: tuple[Target, ...]
    trials: int = 40
    seeds: int = 3
    first_seed: int = 1000
    sampler_seed: int = 0
    days: int | None = None


def load_targets(path: Path) -> Calibration:
    """Read and validate a targets file; raise :class:`~.sweep.SweepError` on any problem."""
    path = Path(path)
    data = read_toml(path, ("calibrate", "params", "targets"))
    head = read_head(path, data, "calibrate", _INTS, ())
    factors = load_factors(path, data, levels=False)
    targets = []
    for name, spec in data.get("targets", {}).items():
        where = f"targets.{name}"
        if name not in OUTCOMES:
            raise file_error(path, where, f"unknown outcome; known: {', '.join(OUTCOMES)}")
        if not isinstance(spec, dict) or set(spec) != {"value", "tolerance"}:
            raise file_error(path, where, "give exactly value = NUMBER and tolerance = NUMBER")
        value, tolerance = spec["value"], spec["tolerance"]
        for key, v in (("value", value), ("tolerance", tolerance)):
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise file_error(path, f"{where}.{key}", f"{v!r} must be a number")
        if tolerance <= 0:
            raise file_error(path, f"{where}.tolerance", f"{tolerance!r} must be above 0")
        targets.append(Target(name, float(value), float(tolerance)))
    if not targets:
        raise file_error(path, "targets", "no target; give at least one [targets.OUTCOME] with "
                         "value and tolerance")
    return Calibration(path=path, factors=factors, targets=tuple(targets), **head)


@dataclass(frozen=True)
class CalibrationResult:
    """What a calibration found."""

    trials: pd.DataFrame
    best: dict[str, float | int]
    fit: pd.DataFrame
    spread: pd.DataFrame
    good: str

    def best_toml(self, source: str) -> str:
        """The best parameters as a TOML ``[params]`` table, noting ``source`` (the targets
        file's name)."""
        return dumps({"params": self.best}, comments={"params": f"best fit of {source}"})

    def write(self, out: Path, source: str) -> list[Path]:
        """Write ``trials.parquet``, ``fit.csv``, ``spread.csv`` and ``best.toml`` into
        ``out`` (created); the paths written.

        Parameters
        ----------
        out : the output folder.
        source : the targets file's name, noted in ``best.toml``.

        Returns
        -------
        list of pathlib.Path
            The files written.
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / n for n in ("trials.parquet", "fit.csv", "spread.csv", "best.toml")]
        self.trials.to_parquet(paths[0], index=False)
        self.fit.to_csv(paths[1], index=False)
        self.spread.to_csv(paths[2], index=False)
        paths[3].write_text(self.best_toml(source), encoding="utf-8")
        return paths


def _loss(means: dict[str, float], targets: tuple[Target, ...]) -> float:
    z = [((means[t.name] - t.value) / t.tolerance) ** 2 for t in targets]
    return float(sum(z) / len(z)) if all(map(math.isfinite, z)) else math.inf


def calibrate(scenario: Scenario, spec: Calibration, executor: Executor,
              progress: bool = True,
              run: Callable[[Task], dict[str, Any]] = run_task) -> CalibrationResult:
    """Search the parameters of ``spec`` for the best fit of ``scenario`` to its targets.

    Parameters
    ----------
    scenario : the base scenario (city, fixed parameters, policies).
    spec : searched parameters, targets, trials and seeds.
    executor : where the runs execute; trials go in batches of its workers.
    progress : show a progress bar with ETA on stderr.
    run : the function that runs one task (the simulation by default).

    Returns
    -------
    CalibrationResult
        ``trials`` (parameters, model mean per target, ``loss``, ``fits``), ``best``
        parameters, ``fit`` per target at the best trial, ``spread`` of the parameters
        over the good trials (those that fit, else the best tenth) and which rule
        chose them (``good``).
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(
        seed=spec.sampler_seed, n_startup_trials=min(10, max(2, spec.trials // 4))))
    days = spec.days or scenario.days
    rows: list[dict[str, Any]] = []
    bar = tqdm(total=spec.trials * spec.seeds, desc="calibrating", unit="run",
               disable=None if progress else True)
    with bar:
        while len(rows) < spec.trials:
            batch = [study.ask() for _ in range(min(executor.workers, spec.trials - len(rows)))]
            values = [{f.name: (t.suggest_int(f.name, int(f.low), int(f.high)) if f.integer
                                else t.suggest_float(f.name, f.low, f.high))
                       for f in spec.factors} for t in batch]
            tasks = [Task(run=t.number * spec.seeds + s, point=t.number, replicate=s,
                          seed=spec.first_seed + s, values=v, scenario=scenario, days=days)
                     for t, v in zip(batch, values, strict=True) for s in range(spec.seeds)]
            outcomes: dict[int, list[dict[str, Any]]] = {t.number: [] for t in batch}
            errors: dict[int, str] = {}
            for i, row, error in executor.imap(run, tasks):
                if error is None:
                    outcomes[tasks[i].point].append(row)
                else:
                    errors[tasks[i].point] = error
                bar.update(1)
            for trial, v in zip(batch, values, strict=True):
                if trial.number in errors:
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                    raise RuntimeError(f"trial {trial.number}: {errors[trial.number]}")
                runs = pd.DataFrame(outcomes[trial.number])
                means = {t.name: float(runs[t.name].mean()) for t in spec.targets}
                loss = _loss(means, spec.targets)
                study.tell(trial, loss)
                fits = all(abs(means[t.name] - t.value) <= t.tolerance for t in spec.targets)
                rows.append({"trial": trial.number, **v, **means, "loss": loss, "fits": fits})
    trials = pd.DataFrame(rows)
    best_row = trials.iloc[int(trials["loss"].to_numpy().argmin())]
    names = [f.name for f in spec.factors]
    best = {f.name: (int(best_row[f.name]) if f.integer else float(best_row[f.name]))
            for f in spec.factors}
    fit = pd.DataFrame([{"target": t.name, "observed": t.value, "tolerance": t.tolerance,
                         "model": float(best_row[t.name])} for t in spec.targets])
    fit["z"] = (fit["model"] - fit["observed"]) / fit["tolerance"]
    fit["within"] = fit["z"].abs() <= 1.0
    if trials["fits"].any():
        good, rule = trials[trials["fits"]], "fit every target within tolerance"
    else:
        good = trials.nsmallest(max(1, len(trials) // 10), "loss")
        rule = "best tenth by loss (no trial fit every target)"
    spread = good[names].describe(percentiles=[0.5]).T[["count", "min", "50%", "max"]]
    spread = spread.rename(columns={"50%": "median", "count": "trials"})
    spread.insert(0, "best", [best[n] for n in names])
    spread = spread.rename_axis("parameter").reset_index()
    return CalibrationResult(trials=trials, best=best, fit=fit, spread=spread,
                             good=f"{len(good)} trial(s): {rule}")
