"""Sweeps (``simulations/sweep_*.toml``): a base scenario, varied parameters, a design.

A sweep file names a base scenario, the parameters it varies with their ranges and the
design that picks the points::

    [sweep]
    name = "collection_drivers"
    scenario = "baseline.toml"   # relative to this file
    design = "lhs"               # grid | lhs | sobol | morris
    samples = 32                 # see DESIGNS
    replicates = 2               # seeds per point: first_seed .. first_seed + replicates - 1
    graph_seeds = 1              # base cities per point (from the scenario's graph_seed)
    first_seed = 0
    design_seed = 1              # seed of the sampler
    days = 365                   # optional; default: the scenario's horizon

    [params]                     # sim.params.PARAMS names: [low, high] inside the registry
    hours_committee = [20.0, 200.0]

    [levels]                     # generate.PolicyLevels names: [low, high] inside [0, 1]
    owners_committee = [0.0, 1.0]

    [policy.cross_appointment]   # a parameter of the base scenario's policy of that kind
    owners_committee = [0.0, 1.0]
    start_day = [0, 365]

Ranges are checked against the one parameter registry (:data:`~redwuye_graph.sim.PARAMS`),
the city's policy levels and each policy's registered parameters: an unknown name, a range
outside the registry or an empty range raises :class:`SweepError` naming the file and the
key before anything runs.
Every point runs on the same base cities with the same seeds (common random numbers),
so differences between points are not seed noise; a ``levels.NAME`` factor changes only
the posts that level governs on each base city (the generator draws structure apart from
policy). With ``graph_seeds`` above 1 each point also runs on several base cities, so
results average over city structure as well. Designs come from ``scipy.stats.qmc``
(Latin hypercube) and SALib (Saltelli/Sobol and Morris samplers).

Examples
--------
>>> from pathlib import Path
>>> sweep = load_sweep(Path("simulations/sweep_collection.toml"))
>>> sweep.design, [f.name for f in sweep.factors][:2]
('lhs', ['hours_committee', 'pay_satisfaction'])
>>> len(sweep.tasks()) == sweep.samples * sweep.graph_seeds * sweep.replicates
True
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from redwuye_graph.errors import one_line
from redwuye_graph.experiments.executors import Executor
from redwuye_graph.experiments.results import RunTable, read_table
from redwuye_graph.files import FileLock, lock_folder, read_json, write_atomic, write_text_atomic
from redwuye_graph.generate import level_name
from redwuye_graph.outcomes import Counts, run_outcomes, window_column, window_outcome
from redwuye_graph.sim.params import PARAMS, SETTINGS, Param, ParamError, check_text
from redwuye_graph.sim.policies import POLICIES, TIMING
from redwuye_graph.sim.scenario import Scenario, ScenarioError, load_scenario
from redwuye_graph.sim.scenario import read_toml as scenario_toml
from redwuye_graph.store import public_uri

__all__ = ["DESIGNS", "MAX_RUNS", "Factor", "Sweep", "SweepError", "SweepReport", "Task",
           "file_error", "load_factors", "load_sweep", "read_factors", "read_head", "read_runs",
           "read_toml", "run_sweep", "run_task"]

#: Designs and what ``samples`` means for each (d = number of varied parameters).
DESIGNS = {
    "grid": "points per parameter, evenly spaced including both ends (samples^d points)",
    "lhs": "points of a Latin hypercube (scipy.stats.qmc)",
    "sobol": "base samples N, a power of two; Saltelli's scheme gives N(d + 2) points "
             "(SALib), for first-order and total Sobol indices",
    "morris": "trajectories r; r(d + 1) points (SALib), for Morris screening",
}
#: Largest number of runs (points × replicates) a sweep file may ask for.
MAX_RUNS = 1_000_000
#: Whole-number keys of ``[sweep]`` (ranges: :data:`~redwuye_graph.sim.params.SETTINGS`).
_SWEEP_INT = ("samples", "replicates", "graph_seeds", "first_seed", "design_seed", "days",
              "morris_levels")


class SweepError(ValueError):
    """A sweep or targets file is invalid; the message names the file and the key."""


@dataclass(frozen=True)
class Factor:
    """One varied parameter: a model parameter, a city policy level (``levels.NAME``) or a
    parameter of one of the base scenario's policies (``policy.KIND.NAME``)."""

    name: str
    low: float
    high: float
    integer: bool = False

    @property
    def level(self) -> str | None:
        """The policy-level name of a ``levels.NAME`` factor, else ``None``."""
        return self.name.removeprefix("levels.") if self.name.startswith("levels.") else None

    def typed(self, value: float) -> float | int:
        """``value`` clipped to the range, rounded for a whole-number parameter."""
        value = min(max(float(value), self.low), self.high)
        return round(value) if self.integer else value


@dataclass(frozen=True)
class Task:
    """One run: a point of the design, a replicate, its seed and base city."""

    run: int
    point: int
    replicate: int
    seed: int
    values: dict[str, float | int]
    scenario: Scenario
    days: int
    #: Graph seed of the base city (default: the scenario's).
    graph_seed: int | None = None
    #: Outcomes over windows of days to add to the row: (name, first day, last day,
    #: estate, district) of :data:`~redwuye_graph.outcomes.WINDOW_OUTCOMES`, over the city
    #: or over the one estate or district named (``""``: none), as the columns of
    #: :func:`~redwuye_graph.outcomes.window_column`.
    windows: tuple[tuple[str, int, int, str, str], ...] = ()

    def where(self) -> str:
        """Which run this is, for messages: ``run 3 (graph_seed=0 seed=2)``."""
        graph_seed = self.scenario.graph_seed if self.graph_seed is None else self.graph_seed
        return f"run {self.run} (graph_seed={graph_seed} seed={self.seed})"


@dataclass(frozen=True)
class Sweep:
    """A validated sweep."""

    name: str
    path: Path
    scenario: Scenario
    factors: tuple[Factor, ...]
    design: str = "lhs"
    samples: int = 16
    replicates: int = 1
    graph_seeds: int = 1
    first_seed: int = 0
    design_seed: int = 0
    days: int = 365
    morris_levels: int = 4
    description: str = ""

    def problem(self) -> dict[str, Any]:
        """The SALib problem: names and bounds of the factors."""
        return {"num_vars": len(self.factors), "names": [f.name for f in self.factors],
                "bounds": [[f.low, f.high] for f in self.factors]}

    def matrix(self) -> np.ndarray:
        """The design's points as drawn by the sampler (floats, one row per point)."""
        lows = np.array([f.low for f in self.factors])
        highs = np.array([f.high for f in self.factors])
        if self.design == "grid":
            axes = [np.unique([f.typed(v) for v in np.linspace(f.low, f.high, self.samples)])
                    for f in self.factors]
            return np.array(list(itertools.product(*axes)), dtype=float)
        if self.design == "lhs":
            from scipy.stats import qmc

            unit = qmc.LatinHypercube(d=len(self.factors), rng=self.design_seed)
            return np.asarray(qmc.scale(unit.random(self.samples), lows, highs))
        if self.design == "sobol":
            from SALib.sample import sobol

            return np.asarray(sobol.sample(self.problem(), self.samples,
                                           calc_second_order=False, seed=self.design_seed))
        from SALib.sample import morris

        return np.asarray(morris.sample(self.problem(), self.samples,
                                        num_levels=self.morris_levels, seed=self.design_seed))

    def points(self) -> pd.DataFrame:
        """The values each point runs with (whole numbers rounded), one row per point."""
        raw = self.matrix()
        return pd.DataFrame({f.name: [f.typed(v) for v in raw[:, j]]
                             for j, f in enumerate(self.factors)})

    @property
    def runs_per_point(self) -> int:
        """Runs of each point: base cities × replicates."""
        return self.graph_seeds * self.replicates

    def tasks(self) -> list[Task]:
        """Every run: point-major, then base city, then seed; ``replicate`` counts the
        runs of a point (``run = point * runs_per_point + replicate``)."""
        points = [{str(k): v for k, v in row.items()}
                  for row in self.points().to_dict("records")]
        per = self.runs_per_point
        return [Task(run=p * per + g * self.replicates + r, point=p,
                     replicate=g * self.replicates + r, seed=self.first_seed + r,
                     values=values, scenario=self.scenario, days=self.days,
                     graph_seed=self.scenario.graph_seed + g)
                for p, values in enumerate(points) for g in range(self.graph_seeds)
                for r in range(self.replicates)]

    def fingerprint(self) -> str:
        """A digest of everything that decides the runs (not names or descriptions)."""
        sc = self.scenario
        content = {
            "factors": [asdict(f) for f in self.factors], "design": self.design,
            "samples": self.samples, "replicates": self.replicates,
            "graph_seeds": self.graph_seeds,
            "first_seed": self.first_seed, "design_seed": self.design_seed,
            "days": self.days, "morris_levels": self.morris_levels,
            "scenario": {"preset": sc.preset, "graph_seed": sc.graph_seed,
                         "store": public_uri(sc.store) if sc.store else None,
                         "levels": sc.levels, "params": asdict(sc.params),
                         "policies": sc.policies},
        }
        text = json.dumps(content, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def file_error(path: Path, key: str, message: str) -> SweepError:
    """The error for ``key`` of the file at ``path``: ``PATH: KEY: MESSAGE``."""
    return SweepError(f"{path}: {key}: {message}")


def read_toml(path: Path, tables: tuple[str, ...], arrays: tuple[str, ...] = ()
              ) -> dict[str, Any]:
    """Parse an experiment file whose top level holds only the named tables (and the
    named arrays of tables, ``[[NAME]]``)."""
    data = scenario_toml(path, (*tables, *arrays), "experiment", SweepError)
    for key, value in data.items():
        if key in arrays:
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise file_error(path, key, f"use [[{key}]] tables")
        elif not isinstance(value, dict):
            raise file_error(path, key, f"must be a [{key}] table")
    return data


def _range(path: Path, key: str, value: Any, low: float, high: float, unit: str,
           integer: bool) -> tuple[float, float]:
    if (not isinstance(value, list) or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, int | float) for v in value)):
        raise file_error(path, key, f"{_brief(value)} must be a range [low, high] of two "
                         "numbers")
    if any(isinstance(v, float) and not math.isfinite(v) for v in value):
        raise file_error(path, key, f"{_brief(value)}: the ends must be finite numbers")
    if integer and any(isinstance(v, float) and not v.is_integer() for v in value):
        raise file_error(path, key, f"{_brief(value)}: a whole-number parameter needs "
                         "whole-number ends")
    if value[0] < low or value[1] > high:
        raise file_error(path, key, f"range {_brief(value)} is outside the allowed "
                         f"[{low:g}, {high:g}] ({unit})")
    a, b = float(value[0]), float(value[1])
    if not a < b:
        raise file_error(path, key, f"empty range {value!r}: low must be below high")
    return a, b


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def load_factors(path: Path, data: dict[str, Any], levels: bool = True,
                 policies: list[dict[str, Any]] | None = None) -> tuple[Factor, ...]:
    """The varied parameters of a parsed file's ``[params]`` (and ``[levels]`` and
    ``[policy.KIND]``) tables.

    Parameters
    ----------
    path : the file, named in errors.
    data : the parsed TOML.
    levels : whether a ``[levels]`` table is read.
    policies : the base scenario's policies, whose parameters ``[policy.KIND]`` tables
        may vary (``None``: those tables are not read).
    """
    factors = []
    for name, value in data.get("params", {}).items():
        if name not in PARAMS:
            raise file_error(path, f"params.{name}", "unknown parameter; known: "
                             f"{', '.join(sorted(PARAMS))}")
        p = PARAMS[name]
        low, high = _range(path, f"params.{name}", value, p.low, p.high, p.unit, p.integer)
        factors.append(Factor(name, low, high, p.integer))
    for raw, value in data.get("levels", {}).items() if levels else ():
        try:
            name = level_name(raw, f"{path}: levels")
        except ValueError as exc:
            raise SweepError(str(exc)) from None
        low, high = _range(path, f"levels.{name}", value, 0.0, 1.0, "share", False)
        factors.append(Factor(f"levels.{name}", low, high))
    for kind, table in data.get("policy", {}).items() if policies is not None else ():
        factors.extend(_policy_factors(path, kind, table, policies or []))
    if not factors:
        raise file_error(path, "params", "no parameter varied; give at least one "
                         "NAME = [low, high]")
    return tuple(factors)


def _policy_factors(path: Path, kind: str, table: Any, policies: list[dict[str, Any]]
                    ) -> list[Factor]:
    """Factors of one ``[policy.KIND]`` table: parameters of the base scenario's policy."""
    where = f"policy.{kind}"
    if kind not in POLICIES:
        raise file_error(path, where, f"unknown policy; known: {', '.join(POLICIES)}")
    if not isinstance(table, dict) or not table:
        raise file_error(path, where, "must be a table of NAME = [low, high]")
    count = sum(spec["kind"] == kind for spec in policies)
    if count != 1:
        raise file_error(path, where, f"the base scenario has {count} {kind} policies; a sweep "
                         "varies the parameters of exactly one")
    specs = {**TIMING, **POLICIES[kind].PARAMS}
    factors = []
    for name, value in table.items():
        if name not in specs:
            raise file_error(path, f"{where}.{name}", f"unknown parameter; known: "
                             f"{', '.join(specs)}")
        p = specs[name]
        low, high = _range(path, f"{where}.{name}", value, p.low, p.high, p.unit, p.integer)
        factors.append(Factor(f"{where}.{name}", low, high, p.integer))
    return factors


def _scenario(path: Path, head: dict[str, Any]) -> Scenario:
    if not isinstance(head.get("scenario"), str) or not head["scenario"]:
        raise file_error(path, "sweep.scenario", "missing; the base scenario file, relative to "
                         "this file (e.g. \"baseline.toml\")")
    try:
        return load_scenario(path.parent / head["scenario"])
    except (ScenarioError, FileNotFoundError) as exc:
        raise file_error(path, "sweep.scenario", str(exc)) from None


def read_head(path: Path, data: dict[str, Any], table: str, ints: Iterable[str],
              texts: tuple[str, ...]) -> dict[str, Any]:
    """The keys of ``[table]``: whole numbers (``ints``, names of the registry of run
    settings, :data:`~redwuye_graph.sim.params.SETTINGS`, whose ranges they must keep)
    or texts (:data:`~redwuye_graph.sim.params.TEXTS`)."""
    ints = tuple(ints)
    head = data.get(table)
    if head is None:
        raise file_error(path, table, f"missing [{table}] table")
    values: dict[str, Any] = {}
    for key, value in head.items():
        try:
            if key in ints:
                values[key] = _whole(SETTINGS[key], value, f"{path}: {table}")
            elif key in texts:
                values[key] = check_text(value, f"{path}: {table}.{key}", key)
            else:
                raise file_error(path, f"{table}.{key}", "unknown key; allowed: "
                                 f"{', '.join([*texts, *ints])}")
        except ParamError as exc:
            raise SweepError(str(exc)) from None
    return values


def _whole(spec: Param, value: Any, where: str) -> int:
    """``value`` as the whole number ``spec`` allows (a TOML ``1.0`` is not one)."""
    if isinstance(value, float):
        raise ParamError(f"{where}.{spec.name}: {_brief(value)} must be a whole number in "
                         f"[{spec.low:g}, {spec.high:g}] ({spec.unit})")
    return int(spec.check(value, where))


def load_sweep(path: Path) -> Sweep:
    """Read and validate a sweep file; raise :class:`SweepError` on any problem."""
    path = Path(path)
    data = read_toml(path, ("sweep", "params", "levels", "policy"))
    head = read_head(path, data, "sweep", _SWEEP_INT,
                     ("name", "description", "scenario", "design"))
    scenario = _scenario(path, head)
    del head["scenario"]
    if "name" not in head:
        raise file_error(path, "sweep.name", "missing; give the sweep a name")
    design = head.setdefault("design", "lhs")
    if design not in DESIGNS:
        raise file_error(path, "sweep.design", f"unknown design {design!r}; allowed: "
                         f"{', '.join(DESIGNS)}")
    factors = load_factors(path, data, policies=scenario.policies)
    if scenario.store is not None and any(f.level for f in factors):
        raise file_error(path, "levels", "levels apply to a generated preset; the base scenario "
                         "reads a store")
    samples = head.get("samples", 16)
    if design == "sobol" and samples & (samples - 1):
        raise file_error(path, "sweep.samples", f"{samples} must be a power of two for the "
                         "Sobol design (e.g. 8, 16, 32)")
    if design == "grid" and samples < 2:
        raise file_error(path, "sweep.samples", "a grid needs at least 2 points per parameter")
    sweep = Sweep(path=path, scenario=scenario, factors=factors,
                  **{"days": scenario.days, **head})
    d = len(factors)
    points = {"grid": samples ** d, "lhs": samples, "sobol": samples * (d + 2),
              "morris": samples * (d + 1)}[design]
    if points * sweep.runs_per_point > MAX_RUNS:
        raise file_error(path, "sweep.samples", f"{points * sweep.runs_per_point:,} runs is "
                         f"more than {MAX_RUNS:,}; fewer samples, replicates or graph seeds")
    return sweep


# -- running ------------------------------------------------------------------------------
def run_task(task: Task) -> dict[str, Any]:
    """Run one task; its row: run, point, replicate, seed, values, outcomes, seconds."""
    started = time.perf_counter()
    sc = task.scenario
    params: dict[str, Any] = {}
    levels: dict[str, float] = {}
    policy: dict[str, dict[str, Any]] = {}
    for name, value in task.values.items():
        table, _, rest = name.partition(".")
        if table == "levels":
            levels[rest] = float(value)
        elif table == "policy":
            kind, _, key = rest.partition(".")
            policy.setdefault(kind, {})[key] = value
        else:
            params[name] = value
    if levels:
        sc = replace(sc, levels={**sc.levels, **levels})
    if policy:
        sc = replace(sc, policies=[{**spec, **policy.get(spec["kind"], {})}
                                   for spec in sc.policies])
    if params:
        sc = replace(sc, params=replace(sc.params, **params))
    graph_seed = sc.graph_seed if task.graph_seed is None else task.graph_seed
    model = sc.model(graph_seed, task.seed)
    model.run(task.days)
    tables = model.recorder.tables(estates=False)
    outcomes = run_outcomes(tables)
    if task.windows:
        city = Counts.from_table(tables["city"])
        for name, first, last, estate, district in task.windows:
            counts = (model.recorder.unit_counts(estate, district) if estate or district
                      else city)
            outcomes[window_column(name, first, last, estate or district)] = float(
                window_outcome(counts, name, first, last))
    return {"run": task.run, "point": task.point, "replicate": task.replicate,
            "graph_seed": graph_seed, "seed": task.seed, **task.values, **outcomes,
            "seconds": time.perf_counter() - started}


@dataclass
class SweepReport:
    """What one call of :func:`run_sweep` did."""

    total: int
    skipped: int
    finished: int = 0
    failed: dict[int, str] = field(default_factory=dict)
    seconds: float = 0.0


def _manifest(sweep: Sweep, out: Path) -> dict[str, Any] | None:
    """What ``OUT/sweep.json`` is to hold, or None when the one there is this sweep's
    already (:class:`SweepError` when it is another sweep's)."""
    target = out / "sweep.json"
    mine = {"name": sweep.name, "fingerprint": sweep.fingerprint(), "design": sweep.design,
            "factors": [asdict(f) for f in sweep.factors], "replicates": sweep.replicates,
            "runs": sweep.replicates * len(sweep.points())}
    if target.exists():
        theirs = read_json(target)
        if not isinstance(theirs, dict) or theirs.get("fingerprint") != mine["fingerprint"]:
            name = theirs.get("name") if isinstance(theirs, dict) else None
            raise SweepError(f"{out}: holds runs of another sweep ({name!r}, "
                             "different parameters, design or scenario); use another --out")
        return None
    return mine


def run_sweep(sweep: Sweep, out: Path, executor: Executor, progress: bool = True,
              flush_seconds: float = 2.0,
              run: Callable[[Task], dict[str, Any]] = run_task,
              held: FileLock | None = None) -> SweepReport:
    """Run the sweep's unfinished runs; rows go to ``OUT/runs.parquet`` as runs finish.

    Parameters
    ----------
    sweep : the sweep.
    out : output folder: ``sweep.json`` (what it holds), ``design.parquet``,
        ``runs.parquet`` (one row per finished run). Runs already there are skipped.
        One process at a time: a second one is refused
        (:class:`~redwuye_graph.errors.LockedError`).
    executor : where the runs execute (:func:`~.executors.make_executor`).
    progress : show a progress bar with ETA on stderr.
    flush_seconds : at most this long between writes of finished runs.
    run : the function that runs one task (the simulation by default).
    held : the caller's lock of ``out`` (:func:`~redwuye_graph.files.lock_folder`), for a
        caller that writes more there after the sweep; default: the sweep takes its own.
    """
    out = Path(out)
    if held is not None:
        return _run_sweep(sweep, out, executor, progress, flush_seconds, run)
    with lock_folder(out, "sweep folder"):
        return _run_sweep(sweep, out, executor, progress, flush_seconds, run)


def _run_sweep(sweep: Sweep, out: Path, executor: Executor, progress: bool,
               flush_seconds: float, run: Callable[[Task], dict[str, Any]]) -> SweepReport:
    """:func:`run_sweep` in the folder ``out``, which this process holds."""
    manifest = _manifest(sweep, out)
    # the store, read once here; one that is refused (missing, locked) leaves no sweep.json
    sweep = replace(sweep, scenario=sweep.scenario.snapshot())
    if manifest is not None:
        write_text_atomic(out / "sweep.json", json.dumps(manifest, indent=2) + "\n")
    points = sweep.points()
    points.insert(0, "point", np.arange(len(points)))
    write_atomic(out / "design.parquet", lambda handle: points.to_parquet(handle, index=False))
    table = RunTable(out / "runs.parquet")
    done = table.done()
    todo = [t for t in sweep.tasks() if t.run not in done]
    report = SweepReport(total=len(points) * sweep.runs_per_point, skipped=len(done))
    started = last = time.perf_counter()
    bar = tqdm(total=report.total, initial=len(done), desc=sweep.name, unit="run",
               disable=None if progress else True, smoothing=0.1)
    try:
        for i, row, error in executor.imap(run, todo):
            if error is not None:
                report.failed[todo[i].run] = f"{todo[i].where()}: {one_line(error)}"
            else:
                table.add(row)
                report.finished += 1
            bar.update(1)
            if time.perf_counter() - last >= flush_seconds:
                table.flush()
                last = time.perf_counter()
    finally:
        table.close()
        bar.close()
    report.seconds = time.perf_counter() - started
    return report


def read_factors(out: Path) -> list[str]:
    """The names of the parameters a sweep folder varies (from its ``sweep.json``)."""
    manifest = Path(out) / "sweep.json"
    if not manifest.exists():
        raise FileNotFoundError(f"{manifest}: not a sweep folder; run 'redwuye sweep' first")
    return [f["name"] for f in read_json(manifest)["factors"]]


def read_ranges(out: Path) -> dict[str, tuple[float, float]]:
    """The declared range of each parameter a sweep folder varies (its ``sweep.json``)."""
    read_factors(out)  # a folder that is no sweep's: the same error
    return {f["name"]: (float(f["low"]), float(f["high"]))
            for f in read_json(Path(out) / "sweep.json")["factors"]}


def read_runs(out: Path) -> pd.DataFrame:
    """The finished runs of a sweep folder (``OUT/runs.parquet``)."""
    path = Path(out) / "runs.parquet"
    runs = read_table(path)
    if runs.empty:
        raise FileNotFoundError(f"{path}: no runs yet; run 'redwuye sweep FILE --out {out}'")
    return runs
