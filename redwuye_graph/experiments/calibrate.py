"""Calibration: search model parameters so the outcomes match observed targets (optuna).

A targets file (``simulations/targets_*.toml``) names the searched parameters with
their ranges and the observed outcomes as people state them::

    [calibrate]
    trials = 40          # optuna trials (TPE sampler, seeded); trial 0 is the start
    seeds = 3            # runs per trial and base city, averaged: seed noise is not fitted
    graph_seeds = 1      # base cities per trial (from each scenario's graph_seed), averaged
    first_seed = 1000
    sampler_seed = 1
    days = 365           # optional; default: each scenario's horizon
    check_seeds = 2      # fresh run seeds of the check of the chosen values (0: no check)
    check_graph_seeds = 1  # base cities the fit never saw, added to the check

    [params]             # sim.params.PARAMS names: [low, high] inside the registry
    pay_intercept = [-1.0, 1.0]

    [targets.collection_12m]   # outcomes.OUTCOMES names: point ± tolerance
    value = 0.63
    tolerance = 0.03
    [targets.resolution_rate]  # one-sided ("over 90%"): min = (at least) or max = (at most)
    min = 0.9
    tolerance = 0.02           # how far past the bound counts as one unit of misfit
    [targets.satisfaction_end] # an interval: anywhere inside fits
    interval = [0.5, 0.7]
    tolerance = 0.05
    [targets.early]            # any label: outcome over a window of days, observed counts
    outcome = "collection"     # outcomes.WINDOW_OUTCOMES need window = [first, last]
    window = [1, 180]
    successes = 460            # household-months paid of 1000 due: binomial likelihood
    trials = 1000

Several regimes at once (the same city before and after a policy, another city) are
``[[regime]]`` tables instead of ``[targets]``: each names a ``scenario`` (relative to the
file) and may change it (``days``, ``[regime.levels]``, ``[regime.params]``,
``[[regime.policy]]`` appended to the scenario's policies) before its
``[regime.targets.LABEL]``; every trial runs every regime with the same parameters.

A target's misfit ``z`` is ``(model - value) / tolerance`` (one-sided and intervals: the
distance past the bound over the tolerance, 0 inside; binomial: the signed root of the
deviance of the observed counts at the model's share), ``model`` being the outcome
averaged over the trial's runs. The tolerance is read as one standard error of the
observed figure, so ``χ² = Σ z²`` is −2 log-likelihood up to a constant; a trial's
``loss`` is the mean ``z²``. A trial **fits** when every ``|z| ≤ 1`` (binomial: ``|z| ≤
2``, inside about the 95% likelihood interval of the counts).

Trial 0 is the scenarios' own values of the searched parameters (clipped to the
ranges), so the best trial is never worse than the start. The chosen values and the
start are then run on fresh run seeds and on base cities the fit never saw
(:attr:`CalibrationResult.check`); when the chosen values do worse there than the start,
the start is kept and the verdict says so. Uncertainty is a profile likelihood from the
trials (:func:`profile`): 90% intervals per parameter (``Δχ² ≤ 2.71``), flat profiles
and traded-off pairs named in :attr:`CalibrationResult.identifiability`.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from redwuye_graph.errors import RunError, one_line
from redwuye_graph.experiments.executors import Executor
from redwuye_graph.experiments.sweep import (
    Factor,
    SweepError,
    Task,
    file_error,
    load_factors,
    read_head,
    read_toml,
    run_task,
)
from redwuye_graph.generate import check_level
from redwuye_graph.outcomes import OUTCOMES, REGISTRY, WINDOW_OUTCOMES, window_column
from redwuye_graph.sim.params import SETTINGS, ParamError, Params
from redwuye_graph.sim.policies import POLICIES, make_policy
from redwuye_graph.sim.scenario import Scenario, ScenarioError, load_scenario
from redwuye_graph.tomlwrite import dumps

__all__ = ["BINOMIAL_FIT_Z", "CORRELATED", "MAX_COUNT", "PROFILE_BINS", "PROFILE_DELTA",
           "TARGET_KINDS",
           "Calibration", "CalibrationResult", "Target", "calibrate", "load_targets",
           "profile"]

#: Whole-number keys of ``[calibrate]`` (ranges: :data:`~redwuye_graph.sim.params.SETTINGS`).
_INTS = ("trials", "seeds", "graph_seeds", "first_seed", "sampler_seed", "days", "check_seeds",
         "check_graph_seeds")
#: Largest observed count of a binomial target.
MAX_COUNT = 10**12

#: Kinds of target: a point ± tolerance, at most / at least a bound, inside an interval,
#: or observed counts (binomial).
TARGET_KINDS = ("value", "max", "min", "interval", "binomial")
#: Largest ``|z|`` of a binomial target that still fits (about its 95% likelihood interval).
BINOMIAL_FIT_Z = 2.0
#: ``Δχ²`` of a 90% profile-likelihood interval of one parameter (χ²₁ quantile 0.9).
PROFILE_DELTA = 2.7055
#: Bins of each parameter's searched range in the profile.
PROFILE_BINS = 10
#: Least ``|Spearman ρ|`` between two parameters over the acceptable trials that the
#: identifiability statement calls a trade-off.
CORRELATED = 0.7
#: Seconds between progress lines when stderr is not a terminal.
PROGRESS_SECONDS = 15.0
_KEYS = ("outcome", "window", "value", "max", "min", "interval", "successes", "trials",
         "tolerance")


@dataclass(frozen=True)
class Target:
    """An observed outcome and how far the model may be from it."""

    #: The label: the outcome's name, or any name with ``outcome`` given.
    name: str
    #: The value, the bound, the interval's low end, or the observed share (binomial).
    value: float
    #: One standard error of the figure (``nan`` for a binomial target).
    tolerance: float
    #: One of :data:`TARGET_KINDS`.
    kind: str = "value"
    #: The regime (``[[regime]]`` name) it belongs to; ``""`` in a one-scenario file.
    regime: str = ""
    #: The interval's high end.
    high: float = math.nan
    #: Binomial: observed successes of ``trials``.
    successes: int = 0
    trials: int = 0
    #: The outcome read (default: ``name``).
    outcome: str = ""
    #: Days ``(first, last)`` of a windowed outcome.
    window: tuple[int, int] | None = None

    @property
    def key(self) -> str:
        """Its column in the trials table: ``REGIME.LABEL``, or the label alone."""
        return f"{self.regime}.{self.name}" if self.regime else self.name

    @property
    def column(self) -> str:
        """The column of a run's row that holds the outcome."""
        outcome = self.outcome or self.name
        return window_column(outcome, *self.window) if self.window else outcome

    @property
    def scale(self) -> float:
        """The tolerance; a binomial target's standard error ``sqrt(p(1 - p) / n)``."""
        if self.kind == "binomial":
            return math.sqrt(self.value * (1 - self.value) / self.trials)
        return self.tolerance

    def describe(self) -> str:
        """The observation in words: ``≤ 0.5``, ``0.63 ± 0.02``, ``460/1000`` …"""
        if self.kind == "binomial":
            return f"{self.successes}/{self.trials}"
        if self.kind == "interval":
            return f"[{self.value:g}, {self.high:g}] ± {self.tolerance:g}"
        sign = {"max": "≤ ", "min": "≥ "}.get(self.kind, "")
        return f"{sign}{self.value:g} ± {self.tolerance:g}"

    def z(self, model: float) -> float:
        """The misfit of ``model`` (0 inside a bound or an interval)."""
        if not math.isfinite(model):
            return math.nan
        if self.kind == "binomial":
            k, n = self.successes, self.trials
            p = min(max(model, 1e-12), 1 - 1e-12)
            dev = 2 * ((k * math.log(k / (n * p)) if k else 0.0)
                       + ((n - k) * math.log((n - k) / (n * (1 - p))) if n - k else 0.0))
            return math.copysign(math.sqrt(max(dev, 0.0)), model - k / n)
        if self.kind == "interval":
            if model > self.high:
                return (model - self.high) / self.tolerance
            return min(model - self.value, 0.0) / self.tolerance
        z = (model - self.value) / self.tolerance
        if self.kind == "max":
            return max(z, 0.0)
        if self.kind == "min":
            return min(z, 0.0)
        return z

    def fits(self, model: float) -> bool:
        """Whether ``model`` meets the target (within tolerance, inside the bound or
        interval, or inside the counts' likelihood interval)."""
        z = self.z(model)
        if self.kind in ("max", "min", "interval"):
            return z == 0.0
        return abs(z) <= (BINOMIAL_FIT_Z if self.kind == "binomial" else 1.0)


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
    check_seeds: int = 2
    check_graph_seeds: int = 1


def _number(path: Path, at: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise file_error(path, at, f"{value!r} must be a number")
    return float(value)


def _count(path: Path, at: str, value: Any, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= MAX_COUNT:
        raise file_error(path, at, f"{value!r} must be a whole number in [{least}, {MAX_COUNT:g}]")
    return value


def _target(path: Path, at: str, label: str, spec: Any, regime: str) -> Target:
    """One ``[targets.LABEL]`` table (at ``at`` in the file)."""
    if not isinstance(spec, dict):
        raise file_error(path, at, "must be a table (value, max, min or interval with "
                         "tolerance, or successes and trials)")
    unknown = sorted(set(spec) - set(_KEYS))
    if unknown:
        raise file_error(path, f"{at}.{unknown[0]}", f"unknown key; allowed: {', '.join(_KEYS)}")
    outcome = spec.get("outcome", label)
    window = spec.get("window")
    if window is not None:
        if (not isinstance(window, list) or len(window) != 2
                or any(isinstance(d, bool) or not isinstance(d, int) for d in window)
                or not 1 <= window[0] <= window[1] <= SETTINGS["days"].high):
            raise file_error(path, f"{at}.window", f"{window!r} must be [first day, last day], "
                             f"whole numbers with 1 <= first <= last <= "
                             f"{SETTINGS['days'].high:g}")
        if outcome not in WINDOW_OUTCOMES:
            raise file_error(path, f"{at}.window", f"{outcome!r} has no window; windowed "
                             f"outcomes: {', '.join(WINDOW_OUTCOMES)}")
        window = (window[0], window[1])
    elif outcome in WINDOW_OUTCOMES and outcome not in OUTCOMES:
        raise file_error(path, at, f"{outcome} needs window = [first day, last day]")
    elif outcome not in OUTCOMES:
        known = ", ".join([*OUTCOMES, *(f"{w} (with window)" for w in WINDOW_OUTCOMES)])
        raise file_error(path, at, f"unknown outcome {outcome!r}; known: {known}")
    kinds = [k for k in ("value", "max", "min", "interval") if k in spec]
    if "successes" in spec or "trials" in spec:
        kinds.append("binomial")
    if len(kinds) != 1:
        raise file_error(path, at, "give exactly one of value, max or min = NUMBER or "
                         "interval = [LOW, HIGH] (with tolerance = NUMBER), or successes "
                         "and trials = COUNTS")
    kind = kinds[0]
    where: dict[str, Any] = {"regime": regime, "outcome": outcome if outcome != label else "",
                             "window": window}
    if kind == "binomial":
        if window is None and REGISTRY[outcome].unit != "share":
            raise file_error(path, at, f"{outcome} is not a share; counts fit shares only")
        if "tolerance" in spec:
            raise file_error(path, f"{at}.tolerance", "counts carry their own uncertainty; "
                             "give no tolerance")
        n = _count(path, f"{at}.trials", spec.get("trials"), 1)
        k = _count(path, f"{at}.successes", spec.get("successes"), 0)
        if k > n:
            raise file_error(path, f"{at}.successes", f"{k} is above trials = {n}")
        return Target(label, k / n, math.nan, kind, successes=k, trials=n, **where)
    if "tolerance" not in spec:
        raise file_error(path, f"{at}.tolerance", "missing; how far from the figure counts as "
                         "one unit of misfit (one standard error)")
    tolerance = _number(path, f"{at}.tolerance", spec["tolerance"])
    if tolerance <= 0:
        raise file_error(path, f"{at}.tolerance", f"{tolerance!r} must be above 0")
    if kind == "interval":
        ends = spec["interval"]
        if not isinstance(ends, list) or len(ends) != 2:
            raise file_error(path, f"{at}.interval", f"{ends!r} must be [low, high]")
        low, high = (_number(path, f"{at}.interval", v) for v in ends)
        if not low < high:
            raise file_error(path, f"{at}.interval", f"empty interval {ends!r}: low must be "
                             "below high")
        return Target(label, low, tolerance, kind, high=high, **where)
    return Target(label, _number(path, f"{at}.{kind}", spec[kind]), tolerance, kind, **where)


def _targets(path: Path, table: Any, where: str, regime: str = "") -> list[Target]:
    """The ``[targets.LABEL]`` tables of ``table`` (at ``where`` in the file)."""
    if not isinstance(table, dict):
        raise file_error(path, where, "must be a table of [targets.LABEL] tables")
    return [_target(path, f"{where}.{label}", label, spec, regime)
            for label, spec in table.items()]


def _changed(path: Path, where: str, sc: Scenario, regime: dict[str, Any]) -> Scenario:
    """The regime's scenario with its changes: days, levels, params, added policies."""
    if "days" in regime:
        value = regime["days"]
        try:
            if isinstance(value, float):
                raise ParamError(f"{path}: {where}.days: {value!r} must be a whole number")
            sc = replace(sc, days=int(SETTINGS["days"].check(value, f"{path}: {where}")))
        except ParamError as exc:
            raise SweepError(str(exc)) from None
    levels = regime.get("levels", {})
    params = regime.get("params", {})
    policies = regime.get("policy", [])
    for key, value, kind in (("levels", levels, dict), ("params", params, dict),
                             ("policy", policies, list)):
        if not isinstance(value, kind):
            raise file_error(path, f"{where}.{key}", f"use [{'[' if kind is list else ''}"
                             f"regime.{key}{']' if kind is list else ''}] tables")
    try:
        if levels:
            if sc.store is not None:
                raise ValueError("levels apply to a generated preset, not to a store")
            sc = replace(sc, levels={**sc.levels, **dict(
                check_level(k, v, f"{where}.levels") for k, v in levels.items())})
        if params:
            sc = replace(sc, params=Params.from_mapping({**asdict(sc.params), **params},
                                                        where=f"{where}.params"))
    except (ValueError, ParamError) as exc:
        raise file_error(path, where, str(exc)) from None
    added = []
    for i, spec in enumerate(policies):
        at = f"{where}.policy[{i}]"
        if not isinstance(spec, dict) or spec.get("kind") not in POLICIES:
            raise file_error(path, f"{at}.kind", f"missing or unknown; allowed: "
                             f"{', '.join(POLICIES)}")
        try:
            make_policy(**spec)
        except (ParamError, TypeError) as exc:
            raise file_error(path, at, str(exc)) from None
        added.append(dict(spec))
    return replace(sc, policies=[*sc.policies, *added]) if added else sc


def _regimes(path: Path, data: list[Any]) -> tuple[dict[str, Scenario], list[Target]]:
    """The ``[[regime]]`` tables: a scenario each (relative to the file, with its
    changes) and its targets."""
    scenarios: dict[str, Scenario] = {}
    targets: list[Target] = []
    allowed = ("name", "scenario", "days", "levels", "params", "policy", "targets")
    for i, regime in enumerate(data):
        where = f"regime[{i}]"
        if not isinstance(regime.get("scenario"), str):
            raise file_error(path, f"{where}.scenario", "missing; the regime's scenario file, "
                             "relative to this file")
        unknown = sorted(set(regime) - set(allowed))
        if unknown:
            raise file_error(path, f"{where}.{unknown[0]}", "unknown key; allowed: "
                             f"{', '.join(allowed)}")
        try:
            sc = load_scenario(path.parent / regime["scenario"])
        except (ScenarioError, FileNotFoundError) as exc:
            raise file_error(path, f"{where}.scenario", str(exc)) from None
        name = regime.get("name", sc.name)
        if not isinstance(name, str) or not name or "." in name or name in scenarios:
            raise file_error(path, f"{where}.name", f"{name!r} must be a new name without dots")
        scenarios[name] = _changed(path, where, sc, regime)
        targets += _targets(path, regime.get("targets", {}), f"{where}.targets", name)
    return scenarios, targets


def load_targets(path: Path) -> Calibration:
    """Read and validate a targets file; raise :class:`~.sweep.SweepError` on any problem.

    The file gives ``[targets]`` for one scenario (named when calibrating), or
    ``[[regime]]`` tables, each with its scenario, changes and targets, fitted at once
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
                         "value, max, min or interval and tolerance, or successes and trials")
    spec = Calibration(path=path, factors=factors, targets=tuple(targets), regimes=regimes,
                       **head)
    if regimes:
        _check_windows(spec, regimes)
    return spec


def _check_windows(spec: Calibration, regimes: dict[str, Scenario]) -> None:
    """Every window ends inside its regime's run."""
    for t in spec.targets:
        days = spec.days or regimes[t.regime].days
        if t.window and t.window[1] > days:
            raise file_error(spec.path, f"target {t.key}.window", f"ends on day {t.window[1]}, "
                             f"after the run's {days} days")


def _chi2(loss: Any, targets: int) -> Any:
    return loss * targets


def profile(trials: pd.DataFrame, factors: tuple[Factor, ...], targets: int
            ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Profile likelihood of each parameter from the trials, and the trade-offs.

    The profile of a parameter is the least ``χ² = targets × loss`` of the trials in each
    of :data:`PROFILE_BINS` bins of its range; its 90% interval spans the bins within
    :data:`PROFILE_DELTA` of the least ``χ²`` overall, widened over the unexplored bins
    next to it (no trial excludes them) up to the first explored bin past the threshold.
    Two parameters trade off when their Spearman correlation over the acceptable trials
    (within ``PROFILE_DELTA``) reaches :data:`CORRELATED`.

    Parameters
    ----------
    trials : one row per trial with the parameters and ``loss``.
    factors : the searched parameters.
    targets : the number of targets (``χ²`` is ``targets × loss``).

    Returns
    -------
    tuple
        The intervals (``parameter``, ``best``, ``low90``, ``high90``, ``share`` of the
        range, ``bounded``: both, below, above or none, ``unexplored`` bins), the
        profile per bin (``parameter``, ``low``, ``high``, ``trials``, ``delta_chi2``)
        and the trade-off sentences.
    """
    ok = trials[np.isfinite(trials["loss"])]
    chi2 = _chi2(ok["loss"].to_numpy(), targets)
    least = float(chi2.min()) if len(chi2) else math.nan
    best = ok.iloc[int(chi2.argmin())] if len(chi2) else None
    rows: list[dict[str, Any]] = []
    bins: list[dict[str, Any]] = []
    for f in factors:
        edges = np.linspace(f.low, f.high, PROFILE_BINS + 1)
        where = np.clip(np.searchsorted(edges, ok[f.name].to_numpy(), side="right") - 1,
                        0, PROFILE_BINS - 1)
        explored, accepted_bins = [], []
        for b in range(PROFILE_BINS):
            inside = chi2[where == b]
            delta = float(inside.min()) - least if len(inside) else math.nan
            bins.append({"parameter": f.name, "low": edges[b], "high": edges[b + 1],
                         "trials": len(inside), "delta_chi2": delta})
            explored.append(bool(len(inside)))
            accepted_bins.append(bool(len(inside)) and delta <= PROFILE_DELTA)
        idx = np.flatnonzero(accepted_bins)  # empty when no trial has a finite loss
        first, last = (int(idx[0]), int(idx[-1])) if len(idx) else (0, PROFILE_BINS - 1)
        while first > 0 and not explored[first - 1]:
            first -= 1
        while last < PROFILE_BINS - 1 and not explored[last + 1]:
            last += 1
        low, high = float(edges[first]), float(edges[last + 1])
        bounded: str = {(True, True): "both", (True, False): "below", (False, True): "above",
                   (False, False): "none"}[(low > f.low, high < f.high)]
        rows.append({"parameter": f.name,
                     "best": float(best[f.name]) if best is not None else math.nan,
                     "low90": low, "high90": high, "share": (high - low) / (f.high - f.low),
                     "bounded": bounded,
                     "unexplored": sum(b["trials"] == 0 for b in bins[-PROFILE_BINS:])})
    accepted = ok[chi2 - least <= PROFILE_DELTA]
    pairs = []
    names = [f.name for f in factors]
    if len(accepted) >= 5 and len(names) > 1:
        rho = accepted[names].rank().corr()
        for i, one in enumerate(names):
            for two in names[i + 1:]:
                r = float(rho.loc[one, two])
                if math.isfinite(r) and abs(r) >= CORRELATED:
                    pairs.append(f"{one} and {two} trade off (Spearman ρ = {r:+.2f} over the "
                                 f"{len(accepted)} acceptable trials): the targets pin down "
                                 "a combination of them, not each")
    return pd.DataFrame(rows), pd.DataFrame(bins), pairs


@dataclass(frozen=True)
class CalibrationResult:
    """What a calibration found."""

    #: One row per trial: parameters, model mean (``KEY``) and seed spread (``KEY sd``)
    #: per target, ``loss`` and ``fits``.
    trials: pd.DataFrame
    #: The chosen parameters.
    best: dict[str, float | int]
    #: Per target at the chosen trial: observed, model, z, within.
    fit: pd.DataFrame
    #: 90% profile-likelihood interval per parameter (see :func:`profile`).
    intervals: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: The profile per parameter and bin of its range.
    profiles: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Sentences naming the parameters that trade off.
    pairs: tuple[str, ...] = ()
    #: Whether the chosen trial meets every target.
    fitted: bool = True
    #: Loss of trial 0: the scenarios' own values (``nan`` if unknown).
    start_loss: float = math.nan
    #: The check on fresh seeds: per ``point`` (``start``, ``chosen``) and target, the
    #: model's mean and sd over the check's runs, z and within (empty: no check).
    check: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: The check's runs: ``point``, ``regime``, ``graph_seed``, ``seed``, ``fresh_city``,
    #: one column per target key.
    check_runs: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: The search's best trial when the check found it worse than the start, which was
    #: kept (``None``: not so).
    rejected: int | None = None

    @property
    def chosen(self) -> int:
        """The trial whose values :attr:`best` holds."""
        if self.rejected is not None:
            return 0
        return int(self.trials["trial"].iloc[int(self.trials["loss"].to_numpy().argmin())])

    @property
    def status(self) -> str:
        """``fitted``, ``not fitted`` or ``worse than the start`` (the start was kept)."""
        if self.rejected is not None:
            return "worse than the start"
        return "fitted" if self.fitted else "not fitted"

    def check_loss(self, point: str) -> float:
        """Mean ``z²`` of a check point (``start`` or ``chosen``) on fresh seeds."""
        part = self.check[self.check["point"] == point] if len(self.check) else self.check
        return float((part["z"] ** 2).mean()) if len(part) else math.nan

    @property
    def verdict(self) -> str:
        """One paragraph: fitted or not, against the start, on fresh seeds."""
        row = self.trials[self.trials["trial"] == self.chosen].iloc[0]
        loss = float(row["loss"])
        against = ("; the starting values (trial 0) are the best found" if self.chosen == 0
                   else f"; the starting values (trial 0) had loss {self.start_loss:.4g}"
                   if math.isfinite(self.start_loss) else "")
        if self.rejected is not None:
            head = (f"WORSE THAN THE START: the search's best (trial {self.rejected}) did "
                    f"worse on fresh seeds (loss {self.check_loss('chosen'):.4g}) than the "
                    f"starting values ({self.check_loss('start'):.4g}); the starting values "
                    f"are kept ({'they meet' if self.fitted else 'they do not meet'} every "
                    "target); do not paste the search's values as calibrated")
        elif self.fitted:
            fitting = int(self.trials["fits"].sum())
            many = f"; {fitting} trials meet every target" if fitting > 1 else ""
            head = (f"fitted: trial {self.chosen} meets every target (loss {loss:.4g})"
                    f"{against}{many}")
        else:
            worst = self.fit.iloc[int(self.fit["z"].abs().to_numpy().argmax())]
            head = (f"NOT FITTED: no trial of {len(self.trials)} meets every target; the "
                    f"closest (trial {self.chosen}, loss {loss:.4g}) misses {worst['target']} "
                    f"by z = {worst['z']:+.2f}{against}. Widen the ranges, free other "
                    "parameters or revisit the targets; do not paste these values as "
                    "calibrated")
        if len(self.check) and self.rejected is None:
            mine = self.check[self.check["point"] == "chosen"]
            missed = mine[~mine["within"].astype(bool)]
            runs = int(mine["runs"].iloc[0])
            head += (f". On fresh seeds ({runs} runs per regime, new base cities included): "
                     + ("meets every target" if not len(missed) else "misses " + ", ".join(
                         f"{r.target} (z = {r.z:+.2f})" for r in missed.itertuples()))
                     + f", loss {self.check_loss('chosen'):.4g} against the start's "
                     f"{self.check_loss('start'):.4g}")
        return head

    @property
    def identifiability(self) -> list[str]:
        """Plain sentences: which parameters the targets pin down, which not, which trade
        off."""
        lines = []
        for r in self.intervals.to_dict("records"):
            name, low, high, share = r["parameter"], r["low90"], r["high90"], r["share"]
            span = f"90% interval [{low:.4g}, {high:.4g}] ({share:.0%} of the range)"
            lines.append({
                "both": f"{name}: pinned down, {span}" if share <= 0.5 else
                        f"{name}: only loosely bounded, {span}",
                "below": f"{name}: bounded below only, {span}; the targets do not rule out "
                         "its highest values",
                "above": f"{name}: bounded above only, {span}; the targets do not rule out "
                         "its lowest values",
                "none": f"{name}: NOT pinned down: the profile is flat over the searched "
                        "range (Δχ² < 2.71 everywhere)"}[r["bounded"]]
                + (f"; {r['unexplored']} bin(s) of its range unexplored: more trials may "
                   "change this" if r["unexplored"] else ""))
        return lines + list(self.pairs)

    @property
    def params_file(self) -> str:
        """``best.toml`` when it fitted, else ``closest.toml``."""
        return "best.toml" if self.fitted and self.rejected is None else "closest.toml"

    def best_toml(self, source: str) -> str:
        """The chosen parameters as a TOML ``[params]`` table, noting ``source`` (the
        targets file's name) and, when it did not fit, that it did not."""
        note = f"best fit of {source}" if self.params_file == "best.toml" else (
            f"NOT FITTED to {source}: closest trial, not a calibration")
        return dumps({"params": self.best}, comments={"params": note})

    def write(self, out: Path, source: str) -> list[Path]:
        """Write ``trials.parquet``, ``fit.csv``, ``intervals.csv``, ``profile.csv``,
        ``check.csv`` (with a check) and :attr:`params_file` into ``out`` (created).

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
        for stale in {"best.toml", "closest.toml"} - {self.params_file}:
            (out / stale).unlink(missing_ok=True)
        tables = {"trials.parquet": self.trials, "fit.csv": self.fit,
                  "intervals.csv": self.intervals, "profile.csv": self.profiles}
        if len(self.check):
            tables["check.csv"] = self.check
        paths = []
        for name, table in tables.items():
            paths.append(out / name)
            if name.endswith(".parquet"):
                table.to_parquet(paths[-1], index=False)
            else:
                table.to_csv(paths[-1], index=False)
        paths.append(out / self.params_file)
        paths[-1].write_text(self.best_toml(source), encoding="utf-8")
        return paths


class _Progress:
    """A bar on a terminal; otherwise a line on stderr every :data:`PROGRESS_SECONDS`."""

    def __init__(self, total: int, done: int, enabled: bool, what: str):
        from tqdm import tqdm

        self.total, self.done, self.what = total, done, what
        self.lines = enabled and not sys.stderr.isatty()
        self.bar = tqdm(total=total, initial=done, desc=what, unit="run",
                        disable=True if self.lines or not enabled else None)
        self.started = self.last = time.perf_counter()
        self.first = done
        self.note = ""

    def update(self, note: str = "") -> None:
        self.done += 1
        self.note = note or self.note
        self.bar.update(1)
        now = time.perf_counter()
        if self.lines and (now - self.last >= PROGRESS_SECONDS or self.done == self.total):
            self.last = now
            rate = (self.done - self.first) / (now - self.started)
            left = (self.total - self.done) / rate if rate else math.nan
            print(f"{self.what}: {self.done}/{self.total} runs, {now - self.started:.0f} s, "
                  f"about {left:.0f} s left{self.note}", file=sys.stderr, flush=True)

    def close(self) -> None:
        self.bar.close()


def _loss(means: dict[str, float], targets: tuple[Target, ...]) -> float:
    z = [t.z(means[t.key]) ** 2 for t in targets]
    return float(sum(z) / len(z)) if all(map(math.isfinite, z)) else math.inf


def _fingerprint(spec: Calibration, regimes: dict[str, Scenario]) -> str:
    """A digest of what decides a calibration's trials (not the number of trials)."""
    content = {"factors": [asdict(f) for f in spec.factors],
               "targets": [asdict(t) for t in spec.targets],
               "runs": [spec.seeds, spec.graph_seeds, spec.first_seed, spec.sampler_seed,
                        spec.days],
               "regimes": {n: [sc.source, asdict(sc.params), sc.graph_seed, sc.levels,
                               sc.policies, sc.days]
                           for n, sc in regimes.items()}}
    text = json.dumps(content, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _start(scenario: Scenario, factors: tuple[Factor, ...]) -> dict[str, float | int]:
    """The scenario's own values of the searched parameters, inside their ranges."""
    return {f.name: f.typed(min(max(getattr(scenario.params, f.name), f.low), f.high))
            for f in factors}


@dataclass(frozen=True)
class _Runs:
    """The runs of one point of the parameters: regime, base city, run seed each."""

    regimes: dict[str, Scenario]
    spec: Calibration
    cells: list[tuple[str, int, int]]

    def tasks(self, point: int, values: dict[str, Any]) -> list[Task]:
        windows = {n: tuple(sorted({(t.outcome or t.name, *t.window) for t in self.spec.targets
                                    if t.regime == n and t.window}))
                   for n in self.regimes}
        return [Task(run=point * len(self.cells) + j, point=point, replicate=s, seed=s,
                     values=values, scenario=self.regimes[n], days=self.spec.days
                     or self.regimes[n].days, graph_seed=g, windows=windows[n])
                for j, (n, g, s) in enumerate(self.cells)]


def _means(rows: list[tuple[str, dict[str, Any]]], targets: tuple[Target, ...]
           ) -> dict[str, float]:
    """Model mean and seed sd per target over one point's rows (regime, row)."""
    out: dict[str, float] = {}
    for t in targets:
        values = np.array([float(r[t.column]) for n, r in rows if n == t.regime])
        out[t.key] = float(values.mean())
        out[f"{t.key} sd"] = float(values.std(ddof=1)) if len(values) > 1 else math.nan
    return out


def _run_points(runs: _Runs, points: list[tuple[int, dict[str, Any]]], executor: Executor,
                run: Callable[[Task], dict[str, Any]], bar: _Progress
                ) -> dict[int, list[tuple[str, dict[str, Any]]]]:
    """Run every point's runs on the executor; rows per point; raise on a failed run."""
    tasks = [t for p, v in points for t in runs.tasks(p, v)]
    regime_of = [n for _ in points for n, _, _ in runs.cells]
    rows: dict[int, list[tuple[str, dict[str, Any]]]] = {p: [] for p, _ in points}
    for i, row, error in executor.imap(run, tasks):
        if error is not None:
            raise RunError(f"{tasks[i].scenario.path}: trial {tasks[i].point}, "
                           f"{tasks[i].where()} failed: {one_line(error)}")
        rows[tasks[i].point].append((regime_of[i], row))
        bar.update()
    return rows


def _regimes_of(scenario: Scenario | None, spec: Calibration) -> dict[str, Scenario]:
    if spec.regimes and scenario is not None:
        raise ValueError(f"{spec.path}: names the scenario of each regime; give no scenario")
    if scenario is not None:
        regimes = {"": scenario}
        _check_windows(spec, regimes)
        return regimes
    if spec.regimes:
        return spec.regimes
    raise ValueError(f"{spec.path}: has [targets] for one scenario; give the scenario")


def _check(spec: Calibration, regimes: dict[str, Scenario], points: dict[str, dict[str, Any]],
           executor: Executor, run: Callable[[Task], dict[str, Any]], progress: bool
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run ``points`` (name -> values) on fresh run seeds, on the fit's base cities and
    ``check_graph_seeds`` new ones; the summary per point and target, and the runs."""
    seeds = range(spec.first_seed + spec.seeds, spec.first_seed + spec.seeds + spec.check_seeds)
    cells = [(n, g, s) for n, sc in regimes.items()
             for g in sc.graph_seed_list(spec.graph_seeds + spec.check_graph_seeds)
             for s in seeds]
    runs = _Runs(regimes, spec, cells)
    named = list(points.items())
    bar = _Progress(len(named) * len(cells), 0, progress, "checking on fresh seeds")
    try:
        rows = _run_points(runs, [(i, v) for i, (_, v) in enumerate(named)], executor, run, bar)
    finally:
        bar.close()
    fresh_from = {n: sc.graph_seed + spec.graph_seeds for n, sc in regimes.items()}
    long = pd.DataFrame([{"point": named[i][0], "regime": n, "graph_seed": r["graph_seed"],
                          "seed": r["seed"], "fresh_city": r["graph_seed"] >= fresh_from[n],
                          **{t.key: float(r[t.column]) for t in spec.targets
                             if t.regime == n}}
                         for i, part in rows.items() for n, r in part])
    summary = []
    for name, _ in named:
        means = _means([(n, r) for i, part in rows.items() if named[i][0] == name
                        for n, r in part], spec.targets)
        for t in spec.targets:
            summary.append({"point": name, "target": t.key, "observed": t.describe(),
                            "model": means[t.key], "sd": means[f"{t.key} sd"],
                            "runs": len(seeds) * (spec.graph_seeds + spec.check_graph_seeds),
                            "z": t.z(means[t.key]), "within": t.fits(means[t.key])})
    return pd.DataFrame(summary), long


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
    executor : where the runs execute; trials go in batches of its workers (every run of
        a batch at once).
    progress : show progress on stderr (a bar on a terminal, else a line every
        :data:`PROGRESS_SECONDS`).
    run : the function that runs one task (the simulation by default).
    storage : an SQLite file for the optuna study. A study already there (of the same
        targets, parameters and scenarios) is resumed: its finished trials count, and
        only the missing ones up to ``spec.trials`` run (raise ``trials`` to extend it).
        A resumed search need not repeat an uninterrupted one's later trials.

    Returns
    -------
    CalibrationResult
        Trials, chosen parameters, fit per target, profile intervals, the check on fresh
        seeds and the verdict.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    regimes = {name: sc.snapshot() for name, sc in _regimes_of(scenario, spec).items()}
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
    start = _start(next(iter(regimes.values())), spec.factors)
    if not study.trials:
        study.enqueue_trial(start)
    cells = [(n, g, spec.first_seed + s) for n, sc in regimes.items()
             for g in sc.graph_seed_list(spec.graph_seeds) for s in range(spec.seeds)]
    runs = _Runs(regimes, spec, cells)
    bar = _Progress(spec.trials * len(cells), len(rows) * len(cells), progress, "calibrating")
    try:
        while len(rows) < spec.trials:
            batch = [study.ask() for _ in range(min(executor.workers, spec.trials - len(rows)))]
            values = [{f.name: (t.suggest_int(f.name, int(f.low), int(f.high)) if f.integer
                                else t.suggest_float(f.name, f.low, f.high))
                       for f in spec.factors} for t in batch]
            try:
                done = _run_points(runs, [(t.number, v) for t, v in zip(batch, values,
                                                                         strict=True)],
                                   executor, run, bar)
            except RuntimeError:
                for trial in batch:
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                raise
            for trial, v in zip(batch, values, strict=True):
                means = _means(done[trial.number], spec.targets)
                loss = _loss(means, spec.targets)
                fits = all(t.fits(means[t.key]) for t in spec.targets)
                row = {"trial": trial.number, **v, **means, "loss": loss, "fits": fits}
                trial.set_user_attr("row", row)
                study.tell(trial, loss)
                rows.append(row)
            best_row = min(rows, key=lambda r: r["loss"])
            bar.note = (f"; {len(rows)}/{spec.trials} trials, best loss {best_row['loss']:.4g} "
                        f"(trial {best_row['trial']}), {sum(r['fits'] for r in rows)} fit")
    finally:
        bar.close()
    trials = pd.DataFrame(rows)
    found = trials.iloc[int(trials["loss"].to_numpy().argmin())]
    first = trials[trials["trial"] == 0]
    start_row = first.iloc[0] if len(first) else found
    pick = {f.name: (int(found[f.name]) if f.integer else float(found[f.name]))
            for f in spec.factors}
    check, check_runs, rejected, chosen = pd.DataFrame(), pd.DataFrame(), None, found
    if spec.check_seeds:
        points = {"start": {f.name: start_row[f.name] for f in spec.factors}, "chosen": pick}
        check, check_runs = _check(spec, regimes, points, executor, run, progress)
        losses = {p: float((check.loc[check["point"] == p, "z"] ** 2).mean()) for p in points}
        if int(found["trial"]) != int(start_row["trial"]) and losses["chosen"] > losses["start"]:
            rejected, chosen = int(found["trial"]), start_row
    best = {f.name: (int(chosen[f.name]) if f.integer else float(chosen[f.name]))
            for f in spec.factors}
    fit = pd.DataFrame([{"target": t.key, "kind": t.kind, "observed": t.describe(),
                         "value": t.value, "high": t.high, "tolerance": t.scale,
                         "model": float(chosen[t.key]), "sd": float(chosen[f"{t.key} sd"]),
                         "z": t.z(float(chosen[t.key])),
                         "within": t.fits(float(chosen[t.key]))} for t in spec.targets])
    intervals, profiles, pairs = profile(trials, spec.factors, len(spec.targets))
    return CalibrationResult(trials=trials, best=best, fit=fit, intervals=intervals,
                             profiles=profiles, pairs=tuple(pairs),
                             fitted=bool(chosen["fits"]),
                             start_loss=float(start_row["loss"]) if len(first) else math.nan,
                             check=check, check_runs=check_runs, rejected=rejected)
