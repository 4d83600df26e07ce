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
    [targets.E0007_late]       # a windowed outcome over one estate's (or district's) households
    outcome = "resolution_rate"
    window = [181, 365]
    estate = "E0007"           # or district = "D01"
    min = 0.8
    tolerance = 0.05

    [observed]                 # a store's Observation nodes as targets of their estates
    periods = { before = [1, 365] }  # the simulated days of each period they name
    tolerance = 0.05           # one standard error of an observed fee-collection share

Several regimes at once (the same city before and after a policy, another city) are
``[[regime]]`` tables instead of ``[targets]``: each names a ``scenario`` (relative to the
file) and may change it (``days``, ``[regime.levels]``, ``[regime.params]``,
``[[regime.policy]]`` appended to the scenario's policies) before its
``[regime.targets.LABEL]`` and ``[regime.observed]``; every trial runs every regime with
the same parameters.

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
the start is kept and the verdict says so. Uncertainty is a profile likelihood of a smooth fit of
each target's model mean over the trials (:func:`profile`): 90% intervals per parameter
(``Δχ² ≤ 2.71``), flat profiles and traded-off pairs named in
:attr:`CalibrationResult.identifiability`.
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

__all__ = ["BINOMIAL_FIT_Z", "CALIBRATE_KEYS", "CORRELATED", "MAX_COUNT", "OBSERVED_KEYS",
           "PROFILE_BINS", "PROFILE_DELTA", "PROFILE_STEPS", "REGIME_KEYS", "TARGET_KEYS",
           "TARGET_KINDS",
           "Calibration", "CalibrationResult", "ObservedTargets", "Target", "calibrate",
           "load_targets", "observed_targets", "printed", "profile"]

#: Whole-number keys of ``[calibrate]`` (ranges: :data:`~redwuye_graph.sim.params.SETTINGS`).
CALIBRATE_KEYS = ("trials", "seeds", "graph_seeds", "first_seed", "sampler_seed", "days",
                  "check_seeds", "check_graph_seeds")
#: Largest observed count of a binomial target.
MAX_COUNT = 10**12

#: Kinds of target: a point ± tolerance, at most / at least a bound, inside an interval,
#: or observed counts (binomial).
TARGET_KINDS = ("value", "max", "min", "interval", "binomial")
#: Largest ``|z|`` of a binomial target that still fits (about its 95% likelihood interval).
BINOMIAL_FIT_Z = 2.0
#: ``Δχ²`` of a 90% profile-likelihood interval of one parameter (χ²₁ quantile 0.9).
PROFILE_DELTA = 2.7055
#: Tenths of each parameter's searched range: the trials' own profile, and where a range
#: counts as explored.
PROFILE_BINS = 10
#: Steps of each parameter's range at which the surrogate profile is read.
PROFILE_STEPS = 50
#: Points at which the surrogate ``χ²`` is evaluated for three or more parameters.
SURROGATE_POINTS = 2**14
#: Smoothing of the thin-plate spline fitted to each target's model means (outcome units
#: squared; a little, so repeated or noisy trials do not make the fit oscillate).
SURROGATE_SMOOTHING = 1e-3
#: Trials per searched parameter and one below which the profile is the trials' own.
SURROGATE_MIN_TRIALS = 3
#: Least ``|Spearman ρ|`` between two parameters over the acceptable trials that the
#: identifiability statement calls a trade-off.
CORRELATED = 0.7
#: Seconds between progress lines when stderr is not a terminal.
PROGRESS_SECONDS = 15.0
#: Keys of a ``[targets.LABEL]`` table.
TARGET_KEYS = ("outcome", "window", "estate", "district", "value", "max", "min", "interval",
               "successes", "trials", "tolerance")
#: Keys of an ``[observed]`` table.
OBSERVED_KEYS = ("periods", "tolerance")
#: Keys of a ``[[regime]]`` table.
REGIME_KEYS = ("name", "scenario", "days", "levels", "params", "policy", "targets", "observed")


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
    #: The estate or the district (its id) the outcome is read over; ``""``: the city.
    estate: str = ""
    district: str = ""

    @property
    def key(self) -> str:
        """Its column in the trials table: ``REGIME.LABEL``, or the label alone."""
        return f"{self.regime}.{self.name}" if self.regime else self.name

    @property
    def column(self) -> str:
        """The column of a run's row that holds the outcome."""
        outcome = self.outcome or self.name
        return (window_column(outcome, *self.window, self.estate or self.district)
                if self.window else outcome)

    @property
    def unit(self) -> str:
        """What the outcome is read over: ``city``, ``estate ID`` or ``district ID``."""
        return (f"estate {self.estate}" if self.estate else
                f"district {self.district}" if self.district else "city")

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
class ObservedTargets:
    """An ``[observed]`` table: the ``Observation`` nodes of the scenario's store, of the
    periods named, as targets of their estates (:func:`observed_targets`)."""

    #: Where it is in the file (``observed`` or ``regime[I].observed``), for messages.
    at: str
    #: Period, as the observations name it -> the simulated days ``(first, last)`` it is.
    periods: dict[str, tuple[int, int]]
    #: One standard error of an observed fee-collection share (``nan``: not given).
    tolerance: float = math.nan
    #: The regime whose scenario's store holds the observations (``""``: one scenario).
    regime: str = ""


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
    #: ``[observed]`` tables, turned into targets once the stores are read.
    observed: tuple[ObservedTargets, ...] = ()


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
    unknown = sorted(set(spec) - set(TARGET_KEYS))
    if unknown:
        raise file_error(path, f"{at}.{unknown[0]}",
                         f"unknown key; allowed: {', '.join(TARGET_KEYS)}")
    outcome = spec.get("outcome", label)
    window = spec.get("window")
    if window is not None:
        window = _window(path, f"{at}.window", window)
        if outcome not in WINDOW_OUTCOMES:
            raise file_error(path, f"{at}.window", f"{outcome!r} has no window; windowed "
                             f"outcomes: {', '.join(WINDOW_OUTCOMES)}")
    elif outcome in WINDOW_OUTCOMES and outcome not in OUTCOMES:
        raise file_error(path, at, f"{outcome} needs window = [first day, last day]")
    elif outcome not in OUTCOMES:
        known = ", ".join([*OUTCOMES, *(f"{w} (with window)" for w in WINDOW_OUTCOMES)])
        raise file_error(path, at, f"unknown outcome {outcome!r}; known: {known}")
    units = {k: spec[k] for k in ("estate", "district") if k in spec}
    if len(units) > 1:
        raise file_error(path, at, "give estate = ID or district = ID, not both")
    for key, unit in units.items():
        if not isinstance(unit, str) or not unit:
            raise file_error(path, f"{at}.{key}", f"{unit!r} must be the {key}'s id")
        if window is None:
            raise file_error(path, f"{at}.{key}", f"an outcome over one {key} is read over a "
                             f"window: give outcome = one of {', '.join(WINDOW_OUTCOMES)} "
                             "and window = [first day, last day]")
    kinds = [k for k in ("value", "max", "min", "interval") if k in spec]
    if "successes" in spec or "trials" in spec:
        kinds.append("binomial")
    if len(kinds) != 1:
        raise file_error(path, at, "give exactly one of value, max or min = NUMBER or "
                         "interval = [LOW, HIGH] (with tolerance = NUMBER), or successes "
                         "and trials = COUNTS")
    kind = kinds[0]
    where: dict[str, Any] = {"regime": regime, "outcome": outcome if outcome != label else "",
                             "window": window, **units}
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


def _window(path: Path, at: str, window: Any) -> tuple[int, int]:
    """``[first, last]`` days of a window (at ``at`` in the file)."""
    if (not isinstance(window, list) or len(window) != 2
            or any(isinstance(d, bool) or not isinstance(d, int) for d in window)
            or not 1 <= window[0] <= window[1] <= SETTINGS["days"].high):
        raise file_error(path, at, f"{window!r} must be [first day, last day], whole numbers "
                         f"with 1 <= first <= last <= {SETTINGS['days'].high:g}")
    return window[0], window[1]


def _observed(path: Path, table: Any, at: str, regime: str = "") -> ObservedTargets:
    """An ``[observed]`` table (at ``at`` in the file)."""
    if not isinstance(table, dict):
        raise file_error(path, at, "must be a table with periods = {PERIOD = [first day, "
                         "last day], ...} and tolerance = NUMBER")
    unknown = sorted(set(table) - set(OBSERVED_KEYS))
    if unknown:
        raise file_error(path, f"{at}.{unknown[0]}", "unknown key; allowed: "
                         f"{', '.join(OBSERVED_KEYS)}")
    periods = table.get("periods")
    if not isinstance(periods, dict) or not periods:
        raise file_error(path, f"{at}.periods", "missing; give the simulated days of each "
                         "period the observations name, e.g. periods = {before = [1, 365]}")
    tolerance = math.nan
    if "tolerance" in table:
        tolerance = _number(path, f"{at}.tolerance", table["tolerance"])
        if tolerance <= 0:
            raise file_error(path, f"{at}.tolerance", f"{tolerance!r} must be above 0")
    return ObservedTargets(at, {str(p): _window(path, f"{at}.periods.{p}", w)
                                for p, w in periods.items()}, tolerance, regime)


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


def _regimes(path: Path, data: list[Any]
             ) -> tuple[dict[str, Scenario], list[Target], list[ObservedTargets]]:
    """The ``[[regime]]`` tables: a scenario each (relative to the file, with its
    changes), its targets and its ``[regime.observed]``."""
    scenarios: dict[str, Scenario] = {}
    targets: list[Target] = []
    observed: list[ObservedTargets] = []
    for i, regime in enumerate(data):
        where = f"regime[{i}]"
        if not isinstance(regime.get("scenario"), str):
            raise file_error(path, f"{where}.scenario", "missing; the regime's scenario file, "
                             "relative to this file")
        unknown = sorted(set(regime) - set(REGIME_KEYS))
        if unknown:
            raise file_error(path, f"{where}.{unknown[0]}", "unknown key; allowed: "
                             f"{', '.join(REGIME_KEYS)}")
        try:
            sc = load_scenario(path.parent / regime["scenario"])
        except (ScenarioError, FileNotFoundError) as exc:
            raise file_error(path, f"{where}.scenario", str(exc)) from None
        name = regime.get("name", sc.name)
        if not isinstance(name, str) or not name or "." in name or name in scenarios:
            raise file_error(path, f"{where}.name", f"{name!r} must be a new name without dots")
        scenarios[name] = _changed(path, where, sc, regime)
        targets += _targets(path, regime.get("targets", {}), f"{where}.targets", name)
        if "observed" in regime:
            observed.append(_observed(path, regime["observed"], f"{where}.observed", name))
    return scenarios, targets, observed


def load_targets(path: Path) -> Calibration:
    """Read and validate a targets file; raise :class:`~.sweep.SweepError` on any problem.

    The file gives ``[targets]`` for one scenario (named when calibrating), or
    ``[[regime]]`` tables, each with its scenario, changes and targets, fitted at once
    with the same parameters (e.g. collection before and after a policy). ``[observed]``
    (``[regime.observed]``) names targets still to be read from the store
    (:func:`observed_targets`).
    """
    path = Path(path)
    data = read_toml(path, ("calibrate", "params", "targets", "observed"), arrays=("regime",))
    head = read_head(path, data, "calibrate", CALIBRATE_KEYS, ())
    factors = load_factors(path, data, levels=False)
    if ("targets" in data or "observed" in data) and "regime" in data:
        raise file_error(path, "regime", "give either [targets] or [observed] (one scenario) "
                         "or [[regime]] tables, not both")
    regimes: dict[str, Scenario] = {}
    observed: list[ObservedTargets] = []
    if "regime" in data:
        regimes, targets, observed = _regimes(path, data["regime"])
    else:
        targets = _targets(path, data.get("targets", {}), "targets")
        if "observed" in data:
            observed = [_observed(path, data["observed"], "observed")]
    if not targets and not observed:
        raise file_error(path, "targets", "no target; give at least one [targets.OUTCOME] with "
                         "value, max, min or interval and tolerance, or successes and "
                         "trials, or [observed] (the store's observations)")
    spec = Calibration(path=path, factors=factors, targets=tuple(targets), regimes=regimes,
                       observed=tuple(observed), **head)
    if regimes:
        _check_windows(spec, regimes)
    return spec


def observed_targets(spec: Calibration, regimes: dict[str, Scenario]) -> Calibration:
    """``spec`` with the targets of its ``[observed]`` tables added, read from the stores
    of ``regimes`` (as read by :meth:`~redwuye_graph.sim.scenario.Scenario.snapshot`).

    Each ``Observation`` of a period named in ``periods`` becomes targets of its estate
    over that period's days, labelled ``OBSERVATION_MEASURE``: ``fee_collection`` reads
    ``collection`` (a point ± ``tolerance``; ``at most`` when the figure is a bound
    ``below``, ``at least`` when ``above``), ``complaints`` with ``resolved`` reads
    ``resolution_rate`` (the counts: binomial). A complaint count without ``resolved`` is
    not a share and is not fitted. A period named that no observation has is refused.
    """
    from redwuye_graph.schema import Label, RelType

    added: list[Target] = []
    for o in spec.observed:
        sc = regimes[o.regime]
        if sc.store_city is None:
            raise file_error(spec.path, o.at, f"reads the Observation nodes of a store; the "
                             f"scenario {sc.name} is generated (preset {sc.preset})")
        graph = sc.store_city.graph
        seen: set[str] = set()
        for obs, _, props in sorted(graph.nodes(Label.OBSERVATION)):
            if props["period"] not in o.periods:
                continue
            seen.add(props["period"])
            where: dict[str, Any] = {"regime": o.regime,
                                     "estate": graph.out(obs, RelType.OBSERVED_AT)[0],
                                     "window": o.periods[props["period"]]}
            share = props.get("fee_collection")
            if share is not None:
                if math.isnan(o.tolerance):
                    raise file_error(spec.path, f"{o.at}.tolerance", f"missing; observation "
                                     f"{obs} records fee_collection, a share: give one "
                                     "standard error of it")
                kind = {"below": "max", "above": "min"}.get(
                    props.get("fee_collection_bound") or "", "value")
                added.append(Target(f"{obs}_fee_collection", float(share), o.tolerance, kind,
                                    outcome="collection", **where))
            n, k = props.get("complaints"), props.get("resolved")
            if n and k is not None:
                added.append(Target(f"{obs}_resolution", k / n, math.nan, "binomial",
                                    successes=int(k), trials=int(n),
                                    outcome="resolution_rate", **where))
        missing = sorted(set(o.periods) - seen)
        if missing:
            there = sorted({p["period"] for _, _, p in graph.nodes(Label.OBSERVATION)})
            raise file_error(spec.path, f"{o.at}.periods.{missing[0]}", f"no Observation of "
                             f"this period on {sc.store}; periods there: "
                             f"{', '.join(there) or 'none'}")
    targets = (*spec.targets, *added)
    if not targets:
        raise file_error(spec.path, spec.observed[0].at, "the observations of these periods "
                         "record no share to fit (fee_collection, or complaints with "
                         "resolved)")
    keys = [t.key for t in targets]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise file_error(spec.path, "targets", f"target {twice[0]} is given twice (an "
                         "observation's target has the same label)")
    return replace(spec, targets=targets, observed=())


def _check_units(spec: Calibration, regimes: dict[str, Scenario]) -> None:
    """Every estate and district a target names is in its regime's base cities (those of
    the fit and of the check)."""
    from redwuye_graph.schema import Label
    from redwuye_graph.sim.scenario import cities

    for name, sc in regimes.items():
        named = [t for t in spec.targets if t.regime == name and (t.estate or t.district)]
        for g in sc.graph_seed_list(spec.graph_seeds + spec.check_graph_seeds) if named else []:
            city = cities(sc, g)[0]
            for t in named:
                label = Label.ESTATE if t.estate else Label.DISTRICT
                if (t.estate or t.district) not in city or city.label(
                        t.estate or t.district) != label:
                    where = (f"store {sc.store}" if sc.store is not None else
                             f"preset {sc.preset}, graph seed {g}")
                    raise file_error(spec.path, f"target {t.key}", f"the city ({where}) has "
                                     f"no {t.unit}")


def _check_windows(spec: Calibration, regimes: dict[str, Scenario]) -> None:
    """Every window ends inside its regime's run."""
    for t in spec.targets:
        days = spec.days or regimes[t.regime].days
        if t.window and t.window[1] > days:
            raise file_error(spec.path, f"target {t.key}.window", f"ends on day {t.window[1]}, "
                             f"after the run's {days} days")


def _chi2(loss: Any, targets: int) -> Any:
    return loss * targets


def _surrogate_chi2(trials: pd.DataFrame, factors: tuple[Factor, ...],
                    targets: tuple[Target, ...], points: np.ndarray) -> np.ndarray | None:
    """``χ²`` at ``points`` (the unit cube of the ranges) of a smooth fit of each target's
    model mean over the trials (thin-plate spline); ``None`` when it cannot be fitted."""
    from scipy.interpolate import RBFInterpolator

    if not targets or any(t.key not in trials for t in targets):
        return None
    ok = trials[np.isfinite(trials[[t.key for t in targets]]).all(axis=1)]
    if len(ok) < SURROGATE_MIN_TRIALS * (len(factors) + 1):
        return None
    x = np.column_stack([(ok[f.name].to_numpy(float) - f.low) / (f.high - f.low)
                         for f in factors])
    chi2 = np.zeros(len(points))
    for t in targets:
        try:
            fit = RBFInterpolator(x, ok[t.key].to_numpy(float), kernel="thin_plate_spline",
                                  smoothing=SURROGATE_SMOOTHING)
        except (np.linalg.LinAlgError, ValueError):  # too few distinct points
            return None
        chi2 += np.array([t.z(float(m)) for m in fit(points)]) ** 2
    return chi2


def _evaluation_points(dims: int) -> np.ndarray:
    """Where the surrogate is evaluated: a grid of :data:`PROFILE_STEPS` + 1 values per
    parameter for up to two parameters, else a Halton sample (the same every time)."""
    from scipy.stats import qmc

    if dims <= 2:
        axis = np.linspace(0.0, 1.0, PROFILE_STEPS + 1)
        return np.array(np.meshgrid(*[axis] * dims, indexing="ij")).reshape(dims, -1).T
    return np.asarray(qmc.Halton(dims, scramble=False).random(SURROGATE_POINTS), dtype=float)


def profile(trials: pd.DataFrame, factors: tuple[Factor, ...], targets: tuple[Target, ...]
            ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Profile likelihood of each parameter, and the trade-offs.

    Each target's model mean is fitted over the trials by a smooth surface (a thin-plate
    spline of the parameters, :data:`SURROGATE_SMOOTHING`), and ``χ²`` of that surface
    is profiled: for each of :data:`PROFILE_STEPS` steps of a parameter's range, the
    least ``χ²`` over the other parameters. Its 90% interval spans the steps within
    :data:`PROFILE_DELTA` of the least ``χ²``, widened over unexplored tenths of the
    range next to it (:data:`PROFILE_BINS`; no trial there) up to the first explored one.
    The surface stands in for the search's failure to try every value of one parameter
    with the best values of the others (a least ``χ²`` per bin of the trials themselves
    then excludes values the targets allow). With too few trials
    (:data:`SURROGATE_MIN_TRIALS` per parameter and one) it falls back to the trials'
    own least ``χ²`` per tenth (``method`` ``trials``). Two parameters trade off when
    their Spearman correlation over the acceptable trials (within ``PROFILE_DELTA``)
    reaches :data:`CORRELATED`.

    Parameters
    ----------
    trials : one row per trial with the parameters, the model mean per target (its
        ``key``) and ``loss``.
    factors : the searched parameters.
    targets : the targets (``χ²`` is ``Σ z²`` over them).

    Returns
    -------
    tuple
        The intervals (``parameter``, ``best``, ``low90``, ``high90``, ``share`` of the
        range, ``bounded``: both, below, above or none, ``unexplored`` tenths,
        ``method``: surrogate or trials), the profile (``parameter``, ``source``:
        surrogate per step or trials per tenth, ``low``, ``high``, ``trials``,
        ``delta_chi2``) and the trade-off sentences.
    """
    ok = trials[np.isfinite(trials["loss"])]
    chi2 = _chi2(ok["loss"].to_numpy(), len(targets))
    least = float(chi2.min()) if len(chi2) else math.nan
    best = ok.iloc[int(chi2.argmin())] if len(chi2) else None
    points = _evaluation_points(len(factors))
    smooth = _surrogate_chi2(ok, factors, targets, points)
    rows: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    for d, f in enumerate(factors):
        edges = np.linspace(f.low, f.high, PROFILE_BINS + 1)
        where = np.clip(np.searchsorted(edges, ok[f.name].to_numpy(), side="right") - 1,
                        0, PROFILE_BINS - 1)
        explored = [bool((where == b).any()) for b in range(PROFILE_BINS)]
        for b in range(PROFILE_BINS):
            inside = chi2[where == b]
            steps.append({"parameter": f.name, "source": "trials", "low": edges[b],
                          "high": edges[b + 1], "trials": len(inside),
                          "delta_chi2": float(inside.min()) - least if len(inside)
                          else math.nan})
        if smooth is not None:
            step = np.clip(np.round(points[:, d] * PROFILE_STEPS).astype(int), 0,
                           PROFILE_STEPS)
            curve = np.array([smooth[step == s].min() if (step == s).any() else math.inf
                              for s in range(PROFILE_STEPS + 1)])
            curve -= curve[np.isfinite(curve)].min()
            half = (f.high - f.low) / PROFILE_STEPS / 2
            centres = np.linspace(f.low, f.high, PROFILE_STEPS + 1)
            steps += [{"parameter": f.name, "source": "surrogate", "low": c - half,
                       "high": c + half, "trials": math.nan, "delta_chi2": float(v)}
                      for c, v in zip(centres, curve, strict=True)]
            inside_steps = np.flatnonzero(curve <= PROFILE_DELTA)
            low = float(centres[inside_steps[0]]) if len(inside_steps) else f.low
            high = float(centres[inside_steps[-1]]) if len(inside_steps) else f.high
        else:
            part = steps[-PROFILE_BINS:]
            idx = [b for b, s in enumerate(part) if s["delta_chi2"] <= PROFILE_DELTA]
            low = float(edges[idx[0]]) if idx else f.low
            high = float(edges[idx[-1] + 1]) if idx else f.high
        first = min(int(np.searchsorted(edges, low, side="right")) - 1, PROFILE_BINS - 1)
        last = max(int(np.searchsorted(edges, high, side="left")) - 1, 0)
        while first > 0 and not explored[first - 1]:
            first -= 1
            low = float(edges[first])
        while last < PROFILE_BINS - 1 and not explored[last + 1]:
            last += 1
            high = float(edges[last + 1])
        bounded: str = {(True, True): "both", (True, False): "below", (False, True): "above",
                        (False, False): "none"}[(low > f.low, high < f.high)]
        rows.append({"parameter": f.name,
                     "best": float(best[f.name]) if best is not None else math.nan,
                     "low90": low, "high90": high, "share": (high - low) / (f.high - f.low),
                     "bounded": bounded, "unexplored": explored.count(False),
                     "method": "surrogate" if smooth is not None else "trials"})
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
    return pd.DataFrame(rows), pd.DataFrame(steps), pairs


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
    #: The profile per parameter: the smooth fit per step and the trials per tenth (``source``).
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
            head = (f"FITTED: trial {self.chosen} meets every target (loss {loss:.4g})"
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
        if self.rejected is not None:
            outside = [r["parameter"] for r in self.intervals.to_dict("records")
                       if not r["low90"] <= self.best.get(r["parameter"], r["low90"])
                       <= r["high90"]]
            lines.insert(0, "CAUTION: the intervals are of the search's trials on the fit's "
                         "seeds, whose best did worse on fresh seeds than the start; the kept "
                         "starting values" + (f" lie outside them for {', '.join(outside)}"
                                              if outside else " lie inside them")
                         + ": add seeds per trial (seeds) before reading them")
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


def printed(table: pd.DataFrame) -> pd.DataFrame:
    """A fit or check table as printed: the ``sd`` of a mean of one run (no spread to
    measure) reads ``n/a (one run)``; the files keep it empty."""
    if "sd" not in table.columns or "runs" not in table.columns:
        return table
    one = (table["runs"] == 1) & table["sd"].isna()
    sd = table["sd"].map(lambda v: f"{v:.4g}").where(~one, "n/a (one run)")
    return table.assign(sd=sd.where(table["sd"].notna() | one, "n/a"))


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
        windows = {n: tuple(sorted({(t.outcome or t.name, *t.window, t.estate, t.district)
                                    for t in self.spec.targets if t.regime == n and t.window}))
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
        return {"": scenario}
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
    spec = observed_targets(spec, regimes)
    _check_windows(spec, regimes)
    _check_units(spec, regimes)
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
    fit = pd.DataFrame([{"target": t.key, "unit": t.unit, "kind": t.kind,
                         "observed": t.describe(),
                         "value": t.value, "high": t.high, "tolerance": t.scale,
                         "model": float(chosen[t.key]), "sd": float(chosen[f"{t.key} sd"]),
                         "runs": spec.seeds * spec.graph_seeds,
                         "z": t.z(float(chosen[t.key])),
                         "within": t.fits(float(chosen[t.key]))} for t in spec.targets])
    intervals, profiles, pairs = profile(trials, spec.factors, spec.targets)
    return CalibrationResult(trials=trials, best=best, fit=fit, intervals=intervals,
                             profiles=profiles, pairs=tuple(pairs),
                             fitted=bool(chosen["fits"]),
                             start_loss=float(start_row["loss"]) if len(first) else math.nan,
                             check=check, check_runs=check_runs, rejected=rejected)
