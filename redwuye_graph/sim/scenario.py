"""Scenario files (``simulations/*.toml``): strict reading, running over seeds, outputs.

A scenario is a city (a generator preset with policy levels, or a store) + model
parameters + policies + horizon + seeds::

    [scenario]
    name = "baseline"
    preset = "district"        # or: store = "embedded:build/district.rdb"
    graph_seed = 1             # seed of the generated city
    days = 730
    seeds = 5                  # runs use seeds first_seed .. first_seed + seeds - 1

    [levels]                   # generate.PolicyLevels overrides, shares in [0, 1]
    owners_committee = 0.3

    [params]                   # sim.params.PARAMS overrides
    wage = 3500.0

    [[policy]]                 # any number, composable
    kind = "cross_appointment"
    start_day = 180
    secretary_instructor = 1.0

Anything unknown or out of range raises :class:`ScenarioError` naming the file, the key
and the allowed values; nothing runs.

Examples
--------
>>> from pathlib import Path
>>> sc = load_scenario(Path("simulations/baseline.toml"))
>>> sc.preset, sc.days
('district', 730)
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.generate import PRESETS, PolicyLevels, generate, preset
from redwuye_graph.sim.model import CityModel
from redwuye_graph.sim.params import Param, ParamError, Params
from redwuye_graph.sim.policies import POLICIES, Policy, make_policy

__all__ = ["SCENARIO_KEYS", "Scenario", "ScenarioError", "compare", "load_scenario",
           "plot_runs", "read_toml", "run_scenario", "write_results"]


class ScenarioError(ValueError):
    """A scenario file is invalid; the message names the file, the key and what is allowed."""


_INT = 2**31 - 1
#: Keys of the ``[scenario]`` table that take numbers, as registered parameters.
SCENARIO_KEYS: dict[str, Param] = {p.name: p for p in (
    Param("graph_seed", 0, 0, _INT, "seed", "Seed of the generated city.", "", integer=True),
    Param("days", 730, 1, 3650, "days", "Horizon of each run.", "", integer=True),
    Param("seeds", 5, 1, 1000, "runs", "Number of runs (seeds).", "", integer=True),
    Param("first_seed", 0, 0, _INT, "seed", "Seed of the first run.", "", integer=True),
)}
_TEXT_KEYS = ("name", "description", "preset", "store")
_TABLES = ("scenario", "levels", "params", "policy")


@dataclass(frozen=True)
class Scenario:
    """A validated scenario."""

    name: str
    path: Path
    preset: str | None = None
    store: str | None = None
    graph_seed: int = 0
    days: int = 730
    seeds: int = 5
    first_seed: int = 0
    description: str = ""
    estate_table: bool = True
    levels: dict[str, float] = field(default_factory=dict)
    params: Params = field(default_factory=Params)
    policies: list[dict[str, Any]] = field(default_factory=list)

    def make_policies(self) -> list[Policy]:
        """Fresh policy objects for one run."""
        return [make_policy(**spec) for spec in self.policies]

    def city(self) -> CityGraph:
        """The scenario's city: generated from the preset, or read from the store."""
        if self.store is not None:
            from redwuye_graph.store import open_store

            with open_store(self.store) as db:
                return db.read()
        assert self.preset is not None
        return generate(preset(self.preset, **self.levels), seed=self.graph_seed)


def _fail(path: Path, key: str, message: str) -> ScenarioError:
    return ScenarioError(f"{path}: {key}: {message}")


def read_toml(path: Path, tables: tuple[str, ...], kind: str = "scenario",
              error: type[ValueError] = ScenarioError) -> dict[str, Any]:
    """Parse a TOML file whose top level holds only the named tables.

    Errors are ``error`` (or ``FileNotFoundError``) naming the file and the key.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such {kind} file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
    for key in data:
        if key not in tables:
            raise error(f"{path}: {key}: unknown table; allowed: {', '.join(tables)}")
    return data


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file; raise :class:`ScenarioError` on any problem."""
    path = Path(path)
    data = read_toml(path, _TABLES)
    head = data.get("scenario")
    if not isinstance(head, dict):
        raise _fail(path, "scenario", "missing [scenario] table")
    values: dict[str, Any] = {}
    for key, value in head.items():
        if key in SCENARIO_KEYS:
            values[key] = _check(path, f"scenario.{key}", SCENARIO_KEYS[key], value)
        elif key in _TEXT_KEYS:
            if not isinstance(value, str) or not value:
                raise _fail(path, f"scenario.{key}", f"{value!r} must be a non-empty string")
            values[key] = value
        elif key == "estate_table":
            if not isinstance(value, bool):
                raise _fail(path, "scenario.estate_table", f"{value!r} must be true or false")
            values[key] = value
        else:
            allowed = [*_TEXT_KEYS, *SCENARIO_KEYS, "estate_table"]
            raise _fail(path, f"scenario.{key}", f"unknown key; allowed: {', '.join(allowed)}")
    if "name" not in values:
        raise _fail(path, "scenario.name", "missing; give the scenario a name")
    if ("preset" in values) == ("store" in values):
        raise _fail(path, "scenario.preset", "give exactly one of preset (one of "
                    f"{', '.join(PRESETS)}) or store")
    if "preset" in values and values["preset"] not in PRESETS:
        raise _fail(path, "scenario.preset", f"unknown preset {values['preset']!r}; "
                    f"allowed: {', '.join(PRESETS)}")

    levels = _table(path, data, "levels")
    names = [f.name for f in fields(PolicyLevels)]
    for key, value in levels.items():
        if key not in names:
            raise _fail(path, f"levels.{key}", f"unknown policy level; allowed: "
                        f"{', '.join(names)}")
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not 0.0 <= value <= 1.0:
            raise _fail(path, f"levels.{key}", f"{value!r} is outside [0.0, 1.0] (share)")
    if levels and "store" in values:
        raise _fail(path, "levels", "levels apply to a generated preset, not to a store")
    try:
        params = Params.from_mapping(_table(path, data, "params"), where=f"{path}: params")
    except ParamError as exc:
        raise ScenarioError(str(exc)) from None

    policies = data.get("policy", [])
    if not isinstance(policies, list):
        raise _fail(path, "policy", "use [[policy]] tables")
    specs = []
    for i, spec in enumerate(policies):
        where = f"policy[{i}]"
        if not isinstance(spec, dict) or "kind" not in spec:
            raise _fail(path, f"{where}.kind", f"missing; allowed: {', '.join(POLICIES)}")
        if spec["kind"] not in POLICIES:
            raise _fail(path, f"{where}.kind", f"unknown policy {spec['kind']!r}; allowed: "
                        f"{', '.join(POLICIES)}")
        try:
            make_policy(**spec)
        except ParamError as exc:
            raise ScenarioError(f"{path}: {where}: {exc}") from None
        specs.append(dict(spec))
    return Scenario(path=path, levels=dict(levels), params=params, policies=specs, **values)


def _check(path: Path, key: str, spec: Param, value: Any) -> int:
    try:
        return int(spec.check(value, "x"))
    except ParamError:
        raise _fail(path, key, f"{value!r} is outside [{spec.low:g}, {spec.high:g}] "
                    f"({spec.unit}, whole number)") from None


def _table(path: Path, data: dict[str, Any], name: str) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise _fail(path, name, f"must be a [{name}] table")
    return table


def run_scenario(sc: Scenario, seeds: int | None = None,
                 progress: Callable[[int], None] | None = None) -> dict[str, pd.DataFrame]:
    """Run every seed of ``sc``; tables of all runs with a ``seed`` column."""
    city = sc.city()
    parts: dict[str, list[pd.DataFrame]] = {}
    for seed in range(sc.first_seed, sc.first_seed + (seeds or sc.seeds)):
        model = CityModel(city, params=sc.params, policies=sc.make_policies(), seed=seed)
        model.run(sc.days)
        for name, table in model.recorder.tables(estates=sc.estate_table).items():
            table.insert(0, "seed", seed)
            table.insert(0, "scenario", sc.name)
            parts.setdefault(name, []).append(table)
        if progress is not None:
            progress(1)
    return {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}


def write_results(tables: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    """Write each table as ``OUT/NAME.parquet``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        target = out / f"{name}.parquet"
        table.to_parquet(target, index=False)
        written.append(target)
    return written


#: Outcomes drawn by :func:`plot_runs`: column, title.
_PLOTTED = (("collection_rate", "fee collection rate"),
            ("resolution_rate", "resolved within window (by filing day)"),
            ("satisfaction", "mean satisfaction"),
            ("open", "open complaints"))


def plot_runs(city: pd.DataFrame, target: Path, title: str) -> Path:
    """Plot the main city outcomes: median across seeds with a 10-90% band."""
    from redwuye_graph.plotting import subplots

    fig, axes = subplots(2, 2, figsize=(10, 7), sharex=True)
    for ax, (column, label) in zip(axes.ravel(), _PLOTTED, strict=True):
        data = city[~city["censored"]] if column == "resolution_rate" else city
        wide = data.pivot(index="day", columns="seed", values=column)
        if column == "resolution_rate":
            wide = wide.rolling(7, min_periods=1).mean()
        q = wide.quantile([0.1, 0.5, 0.9], axis=1).T
        ax.fill_between(q.index, q[0.1], q[0.9], alpha=0.3, label="10-90% of seeds")
        ax.plot(q.index, q[0.5], label=f"median of {wide.shape[1]} seeds")
        ax.set_title(label)
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="best")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(target, dpi=100)
    return target


def compare(a: Path, b: Path) -> pd.DataFrame:
    """Mean summary outcomes (city, all estates) of two result folders and the difference."""
    rows = {}
    for label, folder in (("a", a), ("b", b)):
        summary = pd.read_parquet(folder / "summary.parquet")
        mean = summary[summary["group"] == "all"].mean(numeric_only=True)
        rows[label] = mean.drop(["seed", "estates", "households"], errors="ignore")
    table = pd.DataFrame(rows)
    table.columns = [a.name, b.name]
    table["difference"] = table.iloc[:, 1] - table.iloc[:, 0]
    return table.replace([np.inf, -np.inf], np.nan)
