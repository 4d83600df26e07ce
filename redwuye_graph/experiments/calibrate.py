"""Calibration: search model parameters so the outcomes match observed targets (optuna).

A targets file (``simulations/targets_*.toml``) names the searched parameters with
their ranges and the observed outcomes with tolerances::

    [calibrate]
    trials = 40          # optuna trials (TPE sampler, seeded)
    seeds = 3            # runs per trial and base city, averaged: seed noise is not fitted
    graph_seeds = 1      # base cities per trial (from each scenario's graph_seed), averaged
    first_seed = 1000
    sampler_seed = 1
    days = 365           # optional; default: the scenario's horizon

    [params]             # sim.params.PARAMS names: [low, high] inside the registry
    pay_intercept = [-1.0, 1.0]

    [targets.collection_12m]   # outcomes.OUTCOMES names
    value = 0.63
    tolerance = 0.03

    [targets.resolution_rate]  # one-sided, as the seed article states its figures
    min = 0.9                  # (or max = ...): at least 0.9
    tolerance = 0.02           # how far past the bound counts as one unit of misfit

A target's misfit ``z`` is ``(model - value) / tolerance`` (one-sided: the distance past
the bound over the tolerance, 0 inside), ``model`` being the outcome averaged over the
trial's seeds; a trial's loss is the mean of ``z²`` and it **fits** when every ``|z| ≤ 1``
(one-sided: the bound holds). The first trial is always the scenario's own values of the
searched parameters (clipped to their ranges), so the best trial is never worse than the
start. Trials run in batches of the executor's workers. The result says whether it
fitted (:attr:`CalibrationResult.verdict`); :meth:`CalibrationResult.write` writes the
tables and, when it fitted, ``best.toml``, a ``[params]`` table to paste into a
scenario, else ``closest.toml``, marked not fitted.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
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
from redwuye_graph.sim.scenario import Scenario, ScenarioError, load_scenario
from redwuye_graph.tomlwrite import dumps

__all__ = ["LOOSE_SPAN", "TARGET_KINDS", "Calibration", "CalibrationResult", "Target", "calibrate",
           "load_targets"]

#: Whole-number keys of ``[calibrate]`` (ranges: :data:`~redwuye_graph.sim.params.SETTINGS`).
_INTS = ("trials", "seeds", "graph_seeds", "first_seed", "sampler_seed", "days")


#: Share of a parameter's searched range that the fitting trials may span before the
#: verdict calls it not pinned down by the targets.
LOOSE_SPAN = 0.25
#: Kinds of target: the model equals ``value`` within the tolerance, or stays at most or
#: at least at it.
TARGET_KINDS = ("value", "max", "min")


@dataclass(frozen=True)
class Target:
    """An observed outcome and how far the model may be from it."""

    name: str
    value: float
    tolerance: float
    #: ``value`` (two-sided), ``max`` or ``min`` (one-sided bound).
    kind: str = "value"
    #: The regime (``[[regime]]`` name) it belongs to; ``""`` in a one-scenario file.
    regime: str = ""

    @property
    def key(self) -> str:
        """Its column in the trials table: ``REGIME.OUTCOME``, or the outcome alone."""
        return f"{self.regime}.{self.name}" if self.regime else self.name

    def z(self, model: float) -> float:
        """The misfit of ``model`` in tolerances (0 inside a one-sided bound)."""
        z = (model - self.value) / self.tolerance
        if self.kind == "max":
            return max(z, 0.0)
        if self.kind == "min":
            return min(z, 0.0)
        return z

    def fits(self, model: float) -> bool:
        """Whether ``model`` meets the target (within tolerance, or inside the bound)."""
        z = self.z(model)
        return abs(z) <= 1.0 if self.kind == "value" else z == 0.0


@dataclass(frozen=True)
class Calibration:
    """A validated targets file."""

    path: Path
    factors: tuple[Factor, ...]
    targets: tuple[Target, ...]
    #: Scenario of each regime, by name (empty: the targets are for ``--scenario``).
    regimes: dict[str, Scenario] = field(default_factory=dict)
    trials: int = 40
    seeds: int = 3
    graph_seeds: int = 1
    first_seed: int = 1000
    sampler_seed: int = 0
    days: int | None = None


def _targets(path: Path, table: Any, where: str, regime: str = "") -> list[Target]:
    """The ``[targets.OUTCOME]`` tables of ``table`` (at ``where`` in the file)."""
    if not isinstance(table, dict):
        raise file_error(path, where, "must be a table of [targets.OUTCOME] tables")
    targets = []
    for name, spec in table.items():
        at = f"{where}.{name}"
        if name not in OUTCOMES:
            raise file_error(path, at, f"unknown outcome; known: {', '.join(OUTCOMES)}")
        kinds = [k for k in TARGET_KINDS if isinstance(spec, dict) and k in spec]
        if not isinstance(spec, dict) or len(kinds) != 1 or set(spec) != {kinds[0], "tolerance"}:
            raise file_error(path, at, "give exactly one of value, max or min = NUMBER, "
                             "and tolerance = NUMBER")
        value, tolerance = spec[kinds[0]], spec["tolerance"]
        for key, v in ((kinds[0], value), ("tolerance", tolerance)):
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise file_error(path, f"{at}.{key}", f"{v!r} must be a number")
        if tolerance <= 0:
            raise file_error(path, f"{at}.tolerance", f"{tolerance!r} must be above 0")
        targets.append(Target(name, float(value), float(tolerance), kinds[0], regime))
    return targets


def _regimes(path: Path, data: list[Any]) -> tuple[dict[str, Scenario], list[Target]]:
    """The ``[[regime]]`` tables: a scenario each (relative to the file) and its targets."""
    scenarios: dict[str, Scenario] = {}
    targets: list[Target] = []
    for i, regime in enumerate(data):
        where = f"regime[{i}]"
        if not isinstance(regime, dict) or not isinstance(regime.get("scenario"), str):
            raise file_error(path, f"{where}.scenario", "missing; the regime's scenario file, "
                             "relative to this file")
        unknown = sorted(set(regime) - {"name", "scenario", "targets"})
        if unknown:
            raise file_error(path, f"{where}.{unknown[0]}", "unknown key; allowed: name, "
                             "scenario, targets")
        try:
            sc = load_scenario(path.parent / regime["scenario"])
        except (ScenarioError, FileNotFoundError) as exc:
            raise file_error(path, f"{where}.scenario", str(exc)) from None
        name = regime.get("name", sc.name)
        if not isinstance(name, str) or not name or "." in name or name in scenarios:
            raise file_error(path, f"{where}.name", f"{name!r} must be a new name without dots")
        scenarios[name] = sc
        targets += _targets(path, regime.get("targets", {}), f"{where}.targets", name)
    return scenarios, targets


def load_targets(path: Path) -> Calibration:
    """Read and validate a targets file; raise :class:`~.sweep.SweepError` on any problem.

    The file gives ``[targets]`` for one scenario (named when calibrating), or
    ``[[regime]]`` tables, each with its ``scenario`` and ``targets``, fitted at once
    with the same parameters (e.g. collection before and after a policy).
    """
    path = Path(path)
    data = read_toml(path, ("calibrate", "params", "targets"), arrays=("regime",))
    head = read_head(path, data, "calibrate", _INTS, ())
    factors = load_factors(path, data, levels=False)
    if "targets" in data and "regime" in data:
        raise file_error(path, "regime", "give either [targets] (one scenario) or [[regime]] "
                         "tables, not both")
    regimes: dict[str, Scenario] = {}
    if "regime" in data:
        regimes, targets = _regimes(path, data["regime"])
    else:
        targets = _targets(path, data.get("targets", {}), "targets")
    if not targets:
        raise file_error(path, "targets", "no target; give at least one [targets.OUTCOME] with "
                         "value (or max, or min) and tolerance")
    return Calibration(path=path, factors=factors, targets=tuple(targets), regimes=regimes,
                       **head)


@dataclass(frozen=True)
class CalibrationResult:
    """What a calibration found."""

    trials: pd.DataFrame
    best: dict[str, float | int]
    fit: pd.DataFrame
    spread: pd.DataFrame
    good: str
    #: Whether the best trial meets every target.
    fitted: bool = True
    #: Loss of the first trial: the scenario's own values (``nan`` if unknown).
    start_loss: float = math.nan

    @property
    def verdict(self) -> str:
        """One line: fitted or not, the best trial's loss against the start's."""
        best = (self.trials.iloc[int(self.trials["loss"].to_numpy().argmin())]
                if len(self.trials) else None)
        trial = int(best["trial"]) if best is not None else -1
        loss = float(best["loss"]) if best is not None else math.nan
        against = (f"; the starting values (trial 0) had loss {self.start_loss:.4g}"
                   if math.isfinite(self.start_loss) else "")
        if trial == 0:
            against = "; the starting values (trial 0) are the best found"
        if self.fitted:
            fitting = int(self.trials["fits"].sum())
            loose = [f"{n} ({span:.0%} of its range)" for n, span in
                     zip(self.spread.get("parameter", []), self.spread.get("span", []),
                         strict=True) if span > LOOSE_SPAN]
            many = (f"; {fitting} trials meet every target" if fitting > 1 else "") + (
                f"; not pinned down by these targets: {', '.join(loose)} (the fitting "
                "trials span that much)" if loose and fitting > 1 else "")
            return f"fitted: trial {trial} meets every target (loss {loss:.4g}){against}{many}"
        worst = self.fit.iloc[int(self.fit["z"].abs().to_numpy().argmax())]
        return (f"NOT FITTED: no trial of {len(self.trials)} meets every target; the closest "
                f"(trial {trial}, loss {loss:.4g}) misses {worst['target']} by "
                f"z = {worst['z']:+.2f}{against}. Widen the ranges, free other parameters "
                "or revisit the targets; do not paste these values as calibrated")

    @property
    def params_file(self) -> str:
        """``best.toml`` when it fitted, else ``closest.toml``."""
        return "best.toml" if self.fitted else "closest.toml"

    def best_toml(self, source: str) -> str:
        """The best parameters as a TOML ``[params]`` table, noting ``source`` (the targets
        file's name) and, when it did not fit, that it did not."""
        note = f"best fit of {source}" if self.fitted else (
            f"NOT FITTED to {source}: closest trial, not a calibration")
        return dumps({"params": self.best}, comments={"params": note})

    def write(self, out: Path, source: str) -> list[Path]:
        """Write ``trials.parquet``, ``fit.csv``, ``spread.csv`` and :attr:`params_file`
        into ``out`` (created); the paths written.

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
        paths = [out / n for n in ("trials.parquet", "fit.csv", "spread.csv",
                                   self.params_file)]
        for stale in {"best.toml", "closest.toml"} - {self.params_file}:
            (out / stale).unlink(missing_ok=True)
        self.trials.to_parquet(paths[0], index=False)
        self.fit.to_csv(paths[1], index=False)
        self.spread.to_csv(paths[2], index=False)
        paths[3].write_text(self.best_toml(source), encoding="utf-8")
        return paths


def _loss(means: dict[str, float], targets: tuple[Target, ...]) -> float:
    z = [t.z(means[t.key]) ** 2 for t in targets]
    return float(sum(z) / len(z)) if all(map(math.isfinite, z)) else math.inf


def _fingerprint(spec: Calibration, regimes: dict[str, Scenario]) -> str:
    """A digest of what decides a calibration's trials (not the number of trials)."""
    content = {"factors": [asdict(f) for f in spec.factors],
               "targets": [asdict(t) for t in spec.targets],
               "runs": [spec.seeds, spec.graph_seeds, spec.first_seed, spec.sampler_seed,
                        spec.days],
               "regimes": {n: [sc.source, asdict(sc.params), sc.graph_seed]
                           for n, sc in regimes.items()}}
    text = json.dumps(content, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _start(scenario: Scenario, factors: tuple[Factor, ...]) -> dict[str, float | int]:
    """The scenario's own values of the searched parameters, inside their ranges."""
    return {f.name: f.typed(getattr(scenario.params, f.name)) for f in factors}


def calibrate(scenario: Scenario | None, spec: Calibration, executor: Executor,
              progress: bool = True,
              run: Callable[[Task], dict[str, Any]] = run_task,
              storage: Path | None = None) -> CalibrationResult:
    """Search the parameters of ``spec`` for the best fit of ``scenario`` to its targets.

    Parameters
    ----------
    scenario : the base scenario (city, fixed parameters, policies) of a one-scenario
        targets file; ``None`` when the file names its regimes' scenarios.
    spec : searched parameters, targets, trials and seeds.
    executor : where the runs execute; trials go in batches of its workers.
    progress : show a progress bar with ETA on stderr.
    run : the function that runs one task (the simulation by default).
    storage : an SQLite file for the optuna study. A study already there (of the same
        targets, parameters and scenarios) is resumed: its finished trials count, and
        only the missing ones up to ``spec.trials`` run (raise ``trials`` to extend it).
        A resumed search need not repeat an uninterrupted one's later trials.

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
    if spec.regimes and scenario is not None:
        raise ValueError(f"{spec.path}: names the scenario of each regime; give no scenario")
    if scenario is not None:
        regimes = {"": scenario}
    elif spec.regimes:
        regimes = spec.regimes
    else:
        raise ValueError(f"{spec.path}: has [targets] for one scenario; give the scenario")
    regimes = {name: sc.snapshot() for name, sc in regimes.items()}  # stores read once here
    study = optuna.create_study(
        direction="minimize", study_name="calibration", load_if_exists=True,
        storage=f"sqlite:///{storage}" if storage is not None else None,
        sampler=optuna.samplers.TPESampler(
            seed=spec.sampler_seed, n_startup_trials=min(10, max(2, spec.trials // 4))))
    mark = _fingerprint(spec, regimes)
    if study.user_attrs.get("fingerprint", mark) != mark:
        raise ValueError(f"{storage}: holds a calibration of other targets, parameters or "
                         "scenarios; use another --out")
    study.set_user_attr("fingerprint", mark)
    rows: list[dict[str, Any]] = [
        t.user_attrs["row"] for t in study.trials
        if t.state == optuna.trial.TrialState.COMPLETE and "row" in t.user_attrs]
    if not study.trials:
        study.enqueue_trial(_start(next(iter(regimes.values())), spec.factors))
    per_trial = [(name, sc, g, s) for name, sc in regimes.items()
                 for g in sc.graph_seed_list(spec.graph_seeds) for s in range(spec.seeds)]
    bar = tqdm(total=spec.trials * len(per_trial), initial=len(rows) * len(per_trial),
               desc="calibrating", unit="run", disable=None if progress else True)
    with bar:
        while len(rows) < spec.trials:
            batch = [study.ask() for _ in range(min(executor.workers, spec.trials - len(rows)))]
            values = [{f.name: (t.suggest_int(f.name, int(f.low), int(f.high)) if f.integer
                                else t.suggest_float(f.name, f.low, f.high))
                       for f in spec.factors} for t in batch]
            tasks = [Task(run=t.number * len(per_trial) + j, point=t.number, replicate=s,
                          seed=spec.first_seed + s, values=v, scenario=sc,
                          days=spec.days or sc.days, graph_seed=g)
                     for t, v in zip(batch, values, strict=True)
                     for j, (_, sc, g, s) in enumerate(per_trial)]
            regime_of = [name for _ in batch for name, _, _, _ in per_trial]
            outcomes: dict[tuple[int, str], list[dict[str, Any]]] = {
                (t.number, name): [] for t in batch for name in regimes}
            errors: dict[int, str] = {}
            for i, row, error in executor.imap(run, tasks):
                if error is None:
                    outcomes[tasks[i].point, regime_of[i]].append(row)
                else:
                    errors[tasks[i].point] = error
                bar.update(1)
            for trial, v in zip(batch, values, strict=True):
                if trial.number in errors:
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                    raise RuntimeError(f"trial {trial.number}: {errors[trial.number]}")
                means = {t.key: float(pd.DataFrame(outcomes[trial.number, t.regime])[t.name]
                                      .mean()) for t in spec.targets}
                loss = _loss(means, spec.targets)
                fits = all(t.fits(means[t.key]) for t in spec.targets)
                row = {"trial": trial.number, **v, **means, "loss": loss, "fits": fits}
                trial.set_user_attr("row", row)
                study.tell(trial, loss)
                rows.append(row)
    trials = pd.DataFrame(rows)
    best_row = trials.iloc[int(trials["loss"].to_numpy().argmin())]
    names = [f.name for f in spec.factors]
    best = {f.name: (int(best_row[f.name]) if f.integer else float(best_row[f.name]))
            for f in spec.factors}
    fit = pd.DataFrame([{"target": t.key, "kind": t.kind, "observed": t.value,
                         "tolerance": t.tolerance, "model": float(best_row[t.key]),
                         "z": t.z(float(best_row[t.key])),
                         "within": t.fits(float(best_row[t.key]))} for t in spec.targets])
    if trials["fits"].any():
        good, rule = trials[trials["fits"]], "fit every target within tolerance"
    else:
        good = trials.nsmallest(max(1, len(trials) // 10), "loss")
        rule = "best tenth by loss (no trial fit every target)"
    spread = good[names].describe(percentiles=[0.5]).T[["count", "min", "50%", "max"]]
    spread = spread.rename(columns={"50%": "median", "count": "trials"})
    spread.insert(0, "best", [best[n] for n in names])
    spread = spread.rename_axis("parameter").reset_index()
    widths = {f.name: f.high - f.low for f in spec.factors}
    spread["span"] = [(hi - lo) / widths[n] if widths[n] else 0.0 for n, lo, hi in
                      zip(spread["parameter"], spread["min"], spread["max"], strict=True)]
    start = trials[trials["trial"] == 0]
    return CalibrationResult(trials=trials, best=best, fit=fit, spread=spread,
                             good=f"{len(good)} trial(s): {rule}",
                             fitted=bool(best_row["fits"]),
                             start_loss=float(start["loss"].iloc[0]) if len(start) else math.nan)
