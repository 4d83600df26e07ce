"""Scenario files (``simulations/*.toml``): strict reading, running over seeds, outputs.

A scenario is a base city (a generator preset and graph seed, or a store) + its
changes to that city + model parameters + policies + horizon + seeds::

    [scenario]
    name = "baseline"
    preset = "district"        # or: store = "embedded:build/district.rdb"
    graph_seed = 1             # seed of the generated base city
    graph_seeds = 1            # base cities graph_seed .. graph_seed + graph_seeds - 1
    days = 730
    warmup_days = 0            # optional: days run first; policies and outcomes after them
    seeds = 5                  # runs use seeds first_seed .. first_seed + seeds - 1

    [levels]                   # generate.PolicyLevels: changes to the base city on day 0
    owners_committee = 0.3

    [params]                   # sim.params.PARAMS overrides
    wage = 3500.0

    [[policy]]                 # any number, composable
    kind = "cross_appointment"
    start_day = 180
    secretary_instructor = 1.0

The base city of a preset is the preset as generated (its default levels; ``vacuum``
is part of the structure, so a ``vacuum`` level makes another base city). ``[levels]``
are changes to that base, applied on day 0 (:meth:`CityModel.reorganise`): the generator
draws structure apart from policy, so the changed city has the same estates, companies
and vacancies with more (or fewer) posts, and two scenarios on one base city compare like
with like. Each run is one (graph seed, run seed) pair; runs of two scenarios with the
same pair share the base city and the run's random streams (common random numbers).

A scenario of a store reads it once, in the process that starts the runs
(:meth:`Scenario.snapshot`): the runs get the city as read (a :class:`StoreSnapshot`
travels with the scenario to worker processes), so no worker opens the store, which the
embedded store allows to one process at a time, and every executor runs it.

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

import contextlib
import gc
import os
import tomllib
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.errors import RunError, StoreError, one_line
from redwuye_graph.files import lock_folder, write_error
from redwuye_graph.generate import PRESETS, check_level, check_preset, generate, preset
from redwuye_graph.linkage import estate_linkage
from redwuye_graph.plotting import BAND, mark_days, percent_axis, styled, subplots
from redwuye_graph.schema import Label
from redwuye_graph.sim.model import CityModel, check_households, simulation_gaps
from redwuye_graph.sim.params import SETTINGS, Param, ParamError, Params, check_text
from redwuye_graph.sim.policies import POLICIES, Policy, make_policy
from redwuye_graph.store import check_uri, public_uri

if TYPE_CHECKING:
    from redwuye_graph.experiments.executors import Executor

__all__ = [
    "ESTATE_BLOCK",
    "KEPT",
    "SCENARIO_KEYS",
    "STRUCTURAL_LEVELS",
    "EncodedRun",
    "Run",
    "Scenario",
    "ScenarioError",
    "StoreSnapshot",
    "cities",
    "iter_runs",
    "load_scenario",
    "plot_runs",
    "read_text",
    "read_toml",
    "run_encoded",
    "run_one",
    "run_scenario",
    "simulate",
]


class ScenarioError(ValueError):
    """A scenario file is invalid; the message names the file, the key and what is allowed."""


#: Keys of the ``[scenario]`` table that take numbers, from the registry of run settings.
SCENARIO_KEYS: dict[str, Param] = {k: SETTINGS[k] for k in (
    "graph_seed", "graph_seeds", "days", "warmup_days", "seeds", "first_seed")}
_TEXT_KEYS = ("name", "description", "preset", "store")
_TABLES = ("scenario", "levels", "params", "policy")
#: Policy levels that belong to a city's structure: they make another base city.
STRUCTURAL_LEVELS = ("vacuum",)


@dataclass(frozen=True)
class StoreSnapshot:
    """A store's city as read once: the graph and its fingerprint (what identifies it)."""

    store: str
    graph: CityGraph
    fingerprint: str

    @classmethod
    def read(cls, store: str) -> StoreSnapshot:
        """Open ``store``, read its city, close it."""
        from redwuye_graph.store import open_store

        with open_store(store, must_exist=True) as db:
            graph = db.read()
        return cls(store, graph, graph.fingerprint())


@dataclass(frozen=True)
class Scenario:
    """A validated scenario."""

    name: str
    path: Path
    preset: str | None = None
    store: str | None = None
    graph_seed: int = 0
    graph_seeds: int = 1
    days: int = 730
    warmup_days: int = 0
    seeds: int = 5
    first_seed: int = 0
    description: str = ""
    estate_table: bool = True
    levels: dict[str, float] = field(default_factory=dict)
    params: Params = field(default_factory=Params)
    policies: list[dict[str, Any]] = field(default_factory=list)
    #: The scenario file's text, as read.
    source: str = ""
    #: The store's city as read by :meth:`snapshot` (``None``: not read yet).
    store_city: StoreSnapshot | None = field(default=None, compare=False, repr=False)

    def snapshot(self) -> Scenario:
        """This scenario with its store's city read (once) and kept with it, so runs in
        other processes need not open the store; a preset's scenario is returned as is.
        A city that cannot be simulated is refused here, before any run (:meth:`check_city`)."""
        if self.store is None or self.store_city is not None:
            read = self
        else:
            snapshot = StoreSnapshot.read(self.store)
            gaps = simulation_gaps(estate_linkage(snapshot.graph))
            if gaps:
                raise ValueError(f"{self.path}: store {public_uri(self.store)}: {gaps}")
            read = replace(self, store_city=snapshot)
        read.check_city()
        return read

    def check_city(self) -> None:
        """Refuse, naming this file, a city that cannot be simulated: one without
        households, or one bigger than memory holds (the store's city as read by
        :meth:`snapshot`, a preset's by its nominal size), before any run starts."""
        if self.store_city is not None:
            households = sum(int(props.get("households") or 0)
                             for _, _, props in self.store_city.graph.nodes(Label.ESTATE))
            where = f"store {public_uri(self.store_city.store)}"
        else:
            assert self.preset is not None
            size = PRESETS[self.preset]
            households = int(size.estates * size.mean_households)
            where = f"preset {self.preset}"
        try:
            check_households(households)
        except ValueError as exc:
            raise ScenarioError(f"{self.path}: {where}: {exc}") from None

    def make_policies(self) -> list[Policy]:
        """Fresh policy objects for one run."""
        return [make_policy(**spec) for spec in self.policies]

    def policy_starts(self) -> list[tuple[str, int]]:
        """Each policy's kind and start day, as charts mark them."""
        return [(str(p["kind"]), int(p.get("start_day", 0))) for p in self.policies]

    def graph_seed_list(self, graph_seeds: int | None = None) -> list[int]:
        """The graph seeds of the scenario's base cities."""
        return list(range(self.graph_seed, self.graph_seed + (graph_seeds or self.graph_seeds)))

    def seed_list(self, seeds: int | None = None) -> list[int]:
        """The run seeds of each base city."""
        return list(range(self.first_seed, self.first_seed + (seeds or self.seeds)))

    def base_city(self, graph_seed: int | None = None) -> CityGraph:
        """The base city: the store's graph, or the preset as generated (with
        :data:`STRUCTURAL_LEVELS` from ``[levels]``)."""
        if self.store is not None:
            return (self.store_city or StoreSnapshot.read(self.store)).graph
        assert self.preset is not None
        structural = {k: v for k, v in self.levels.items() if k in STRUCTURAL_LEVELS}
        seed = self.graph_seed if graph_seed is None else graph_seed
        return generate(preset(self.preset, **structural), seed=seed)

    def city(self, graph_seed: int | None = None) -> CityGraph:
        """The city on day 0: the base city with the scenario's ``[levels]``."""
        if self.store is not None or not self.changes():
            return self.base_city(graph_seed)
        assert self.preset is not None
        seed = self.graph_seed if graph_seed is None else graph_seed
        return generate(preset(self.preset, **self.levels), seed=seed)

    def changes(self) -> dict[str, float]:
        """The ``[levels]`` that change posts of the base city (not its structure)."""
        return {k: v for k, v in self.levels.items() if k not in STRUCTURAL_LEVELS}

    def base_identity(self, graph_seed: int) -> dict[str, Any]:
        """What identifies the base city of ``graph_seed``: its source and graph hash."""
        base, _ = cities(self, graph_seed)
        where = ({"store": public_uri(self.store)} if self.store is not None else
                 {"preset": self.preset, "graph_seed": graph_seed,
                  "structural_levels": {k: v for k, v in self.levels.items()
                                        if k in STRUCTURAL_LEVELS}})
        return {**where, "graph_hash": base.fingerprint()}

    def model(self, graph_seed: int, seed: int) -> CityModel:
        """A model of one run, ready for its horizon: the base city of ``graph_seed``
        reorganised with the scenario's levels on day 0, its parameters and policies, run
        seed ``seed``; with ``warmup_days``, already run through the warm-up (policies
        start that many days later, and the tables count only the days after it)."""
        base, changed = cities(self, graph_seed)
        policies = self.make_policies()
        for policy in policies:
            policy.start_day += self.warmup_days
            if policy.end_day is not None:
                policy.end_day += self.warmup_days
        model = CityModel(base, params=self.params, policies=policies, seed=seed)
        if changed is not None:
            model.reorganise(changed)
        if self.warmup_days:
            model.run(self.warmup_days)
            model.recorder.restart()
        return model


_CITIES: dict[tuple[Any, ...], tuple[CityGraph, CityGraph | None]] = {}


def cities(sc: Scenario, graph_seed: int) -> tuple[CityGraph, CityGraph | None]:
    """The base city of ``graph_seed`` and the changed day-0 city (``None`` without
    changes), built once per process for each distinct city.

    A kept city is frozen out of the garbage collector's generations (``gc.freeze``): the
    collections that every run triggers then skip its objects (~9% of a district run).
    """
    read = sc.store_city.fingerprint if sc.store_city is not None else None
    key = (sc.preset, sc.store, read, graph_seed, tuple(sorted(sc.levels.items())))
    if key not in _CITIES:
        if len(_CITIES) >= 4:
            _CITIES.pop(next(iter(_CITIES)))
        base = sc.base_city(graph_seed)
        _CITIES[key] = (base, sc.city(graph_seed) if sc.changes() else None)
        gc.collect()
        gc.freeze()
    return _CITIES[key]


def _fail(path: Path, key: str, message: str) -> ScenarioError:
    return ScenarioError(f"{path}: {key}: {message}")


def read_toml(path: Path, tables: tuple[str, ...], kind: str = "scenario",
              error: type[ValueError] = ScenarioError, text: str | None = None
              ) -> dict[str, Any]:
    """Parse a TOML file (or its ``text``) whose top level holds only the named tables.

    Errors are ``error`` (or ``FileNotFoundError``) naming the file and the key.
    """
    path = Path(path)
    if any(unicodedata.category(ch) == "Cc" for ch in str(path)):
        raise error(f"{str(path)!r}: not a file name (it holds control characters)")
    if text is None and not path.is_file():
        raise FileNotFoundError(f"{path}: no such {kind} file")
    try:
        data = tomllib.loads(read_text(path, error) if text is None else text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
    for key in data:
        if key not in tables:
            raise error(f"{path}: {key}: unknown table; allowed: {', '.join(tables)}")
    return data


def read_text(path: Path, error: type[ValueError] = ScenarioError) -> str:
    """The text of a TOML file, which is UTF-8 (a leading BOM is dropped); another
    encoding is ``error`` naming the file and what it looks like."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        utf16 = raw[:2] in (b"\xff\xfe", b"\xfe\xff") or raw[1:2] == b"\x00"
        seems = "UTF-16" if utf16 else "another encoding (GBK/GB18030?)"
        raise error(f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset "
                    f"{exc.start}; it looks like {seems}); TOML files are UTF-8: save it "
                    "as UTF-8") from None


def load_scenario(path: Path, text: str | None = None) -> Scenario:
    """Read and validate a scenario file (or its ``text``, as a manifest keeps it); raise
    :class:`ScenarioError` on any problem."""
    path = Path(path)
    data = read_toml(path, _TABLES, text=text)
    head = data.get("scenario")
    if not isinstance(head, dict):
        raise _fail(path, "scenario", "missing [scenario] table")
    values: dict[str, Any] = {}
    for key, value in head.items():
        if key in SCENARIO_KEYS:
            values[key] = _check(path, f"scenario.{key}", SCENARIO_KEYS[key], value)
        elif key in _TEXT_KEYS:
            try:
                values[key] = check_text(value, f"{path}: scenario.{key}", key)
                if key == "store":
                    check_uri(values[key])
            except StoreError as exc:
                raise _fail(path, "scenario.store", str(exc)) from None
            except ParamError as exc:
                raise ScenarioError(str(exc)) from None
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
    table = _table(path, data, "levels")
    try:
        if "preset" in values:
            check_preset(values["preset"], f"{path}: scenario.preset")
        levels = dict(check_level(k, v, f"{path}: levels") for k, v in table.items())
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None
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
        if not isinstance(spec["kind"], str) or spec["kind"] not in POLICIES:
            raise _fail(path, f"{where}.kind", f"unknown policy {_brief(spec['kind'])}; "
                        f"allowed: {', '.join(POLICIES)}")
        try:
            make_policy(**spec)
        except ParamError as exc:
            raise ScenarioError(f"{path}: {where}: {exc}") from None
        specs.append(dict(spec))
    source = read_text(path) if text is None else text
    return Scenario(path=path, levels=dict(levels), params=params, policies=specs,
                    source=source, **values)


def _check(path: Path, key: str, spec: Param, value: Any) -> int:
    try:
        return int(spec.check(value, f"{path}: {key.rpartition('.')[0]}"))
    except ParamError as exc:
        raise ScenarioError(str(exc)) from None


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _table(path: Path, data: dict[str, Any], name: str) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise _fail(path, name, f"must be a [{name}] table")
    return table


@dataclass(frozen=True)
class Run:
    """One run of a scenario: a base city (graph seed) and a run seed."""

    scenario: Scenario
    graph_seed: int
    seed: int


def _ran(run: Run) -> CityModel:
    """The model of ``run``, run through its horizon."""
    model = run.scenario.model(run.graph_seed, run.seed)
    model.run(run.scenario.days)
    return model


def _labelled(run: Run, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the run's ``scenario``, ``graph_seed`` and ``seed`` columns first."""
    table.insert(0, "seed", run.seed)
    table.insert(0, "graph_seed", run.graph_seed)
    table.insert(0, "scenario", run.scenario.name)
    return table


def run_one(run: Run) -> dict[str, pd.DataFrame]:
    """Simulate one run; its tables with ``scenario``, ``graph_seed`` and ``seed`` columns."""
    model = _ran(run)
    return {name: _labelled(run, table)
            for name, table in model.recorder.tables(estates=run.scenario.estate_table).items()}


#: Estates per row group of ``estate.parquet``: :func:`simulate` holds one group's rows
#: as a table at a time (500 estates × 730 days: 365,000 rows, ~90 MB).
ESTATE_BLOCK = 500


@dataclass(frozen=True)
class EncodedRun:
    """One run's results as :func:`simulate` writes them: its tables but the estate
    table, and the estate table as Parquet bytes, one row group per :data:`ESTATE_BLOCK`
    estates (``None`` without an estate table)."""

    tables: dict[str, pd.DataFrame]
    estate: bytes | None


def run_encoded(run: Run) -> EncodedRun:
    """Simulate one run (:func:`run_one`); the estate table is encoded block by block, so
    memory holds the model and one block of it, never the whole table."""
    model = _ran(run)
    tables = {name: _labelled(run, table)
              for name, table in model.recorder.tables(estates=False).items()}
    if not run.scenario.estate_table:
        return EncodedRun(tables, None)
    sink = pa.BufferOutputStream()
    writer: pq.ParquetWriter | None = None
    for first in range(0, len(model.estate_ids), ESTATE_BLOCK):
        block = pa.Table.from_pandas(
            _labelled(run, model.recorder.estate_table(first, first + ESTATE_BLOCK)),
            preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(sink, block.schema)
        writer.write_table(block if block.schema.equals(writer.schema) else
                           block.cast(writer.schema))
        del block
    assert writer is not None  # a model has estates
    writer.close()
    return EncodedRun(tables, sink.getvalue().to_pybytes())


def iter_runs(sc: Scenario, seeds: int | None = None, graph_seeds: int | None = None,
              executor: Executor | None = None,
              progress: Callable[[int], None] | None = None
              ) -> Iterator[dict[str, pd.DataFrame]]:
    """Each run's tables (:func:`run_one`), in (graph seed, seed) order whatever the
    executor: a run that finishes early waits for its turn.

    Parameters
    ----------
    sc : the scenario.
    seeds, graph_seeds : run seeds and base cities (default: the scenario's).
    executor : where the runs execute (default: serially, in this process); left open.
    progress : called with 1 as each run finishes.
    """
    return _in_order(run_one, sc, seeds, graph_seeds, executor, progress)


def _in_order[T](fn: Callable[[Run], T], sc: Scenario, seeds: int | None,
                 graph_seeds: int | None, executor: Executor | None,
                 progress: Callable[[int], None] | None) -> Iterator[T]:
    """``fn`` of each run of ``sc`` (see :func:`iter_runs`), in (graph seed, seed) order."""
    from redwuye_graph.experiments.executors import SerialExecutor

    sc = sc.snapshot()
    runs = [Run(sc, g, s) for g in sc.graph_seed_list(graph_seeds) for s in sc.seed_list(seeds)]
    finished: dict[int, T] = {}
    turn = 0
    for i, value, error in (executor or SerialExecutor()).imap(fn, runs):
        if error is not None:
            r = runs[i]
            raise RunError(f"{sc.path}: run graph_seed={r.graph_seed} seed={r.seed} failed: "
                           f"{one_line(error)}")
        finished[i] = value
        del value  # held only in ``finished``: a yielded run is the caller's alone
        if progress is not None:
            progress(1)
        while turn in finished:
            yield finished.pop(turn)
            turn += 1


def run_scenario(sc: Scenario, seeds: int | None = None, graph_seeds: int | None = None,
                 executor: Executor | None = None,
                 progress: Callable[[int], None] | None = None) -> dict[str, pd.DataFrame]:
    """Run the ensemble of ``sc``: every graph seed × every run seed (see
    :func:`iter_runs`); the tables of all runs, in memory, with ``scenario``,
    ``graph_seed`` and ``seed`` columns. :func:`simulate` writes them to disk run by run
    instead."""
    parts: dict[str, list[pd.DataFrame]] = {}
    for tables in iter_runs(sc, seeds, graph_seeds, executor, progress):
        for name, table in tables.items():
            parts.setdefault(name, []).append(table)
    return {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}


#: Tables :func:`simulate` keeps in memory (small: per day, per district, per group, the
#: run log); the others (estate, company, tender) only go to disk.
KEPT = ("city", "district", "summary", "log")


class _ParquetTables:
    """``OUT/NAME.parquet`` written one run at a time (one row group per run), under a
    hidden name until :meth:`publish` renames them all; :meth:`discard` removes them."""

    def __init__(self, out: Path):
        self.out = out
        self._writers: dict[str, pq.ParquetWriter] = {}

    def _partial(self, name: str) -> Path:
        return self.out / f".{name}.parquet.part"

    def write(self, name: str, table: pd.DataFrame) -> None:
        self.write_arrow(name, pa.Table.from_pandas(table, preserve_index=False))

    def write_parquet(self, name: str, data: bytes) -> None:
        """Append the row groups of the Parquet file ``data``, one at a time."""
        source = pq.ParquetFile(pa.BufferReader(data))
        for group in range(source.num_row_groups):
            self.write_arrow(name, source.read_row_group(group))

    def write_arrow(self, name: str, data: pa.Table) -> None:
        if name not in self._writers:
            self._writers[name] = pq.ParquetWriter(self._partial(name), data.schema)
        writer = self._writers[name]
        writer.write_table(data if data.schema.equals(writer.schema) else
                           data.cast(writer.schema))

    def finish(self) -> None:
        """Write the end of every table (still under its hidden name)."""
        for writer in self._writers.values():
            writer.close()

    def publish(self) -> None:
        """Give every finished table its name."""
        for name in self._writers:
            os.replace(self._partial(name), self.out / f"{name}.parquet")
        self._writers = {}

    def discard(self) -> None:
        """Remove the unfinished tables (after a failure)."""
        for name, writer in self._writers.items():
            with contextlib.suppress(Exception):
                writer.close()
            self._partial(name).unlink(missing_ok=True)
        self._writers = {}


def simulate(sc: Scenario, out: Path, seeds: int | None = None,
             graph_seeds: int | None = None, executor: Executor | None = None,
             progress: Callable[[int], None] | None = None) -> dict[str, pd.DataFrame]:
    """Run the ensemble of ``sc`` (see :func:`iter_runs`) and write its folder: every
    table as Parquet, run by run as each ends (:func:`run_encoded`: memory holds one
    run's model and one block of its estate table, whatever the seeds and days),
    ``plot.png`` and ``manifest.json`` (what produced them); the :data:`KEPT` tables.

    One process writes a folder at a time (a second is refused with
    :class:`~redwuye_graph.errors.LockedError`). The tables take their names only when
    every run is done, so a failed ensemble (a full disk, say) leaves the folder's earlier
    result as it was; ``manifest.json`` is written last, so a folder with one is whole."""
    out = Path(out)
    sc = sc.snapshot()  # a store it cannot simulate is refused before the folder is made
    with lock_folder(out, "output folder"):
        try:
            return _simulate(sc, out, seeds, graph_seeds, executor, progress)
        except OSError as exc:  # a full disk, say: name the folder
            raise write_error(out, exc) from None


def _simulate(sc: Scenario, out: Path, seeds: int | None, graph_seeds: int | None,
              executor: Executor | None, progress: Callable[[int], None] | None
              ) -> dict[str, pd.DataFrame]:
    """:func:`simulate` into the folder ``out``, which this process holds."""
    from redwuye_graph import provenance

    started = provenance.now()
    sc = sc.snapshot()
    files = _ParquetTables(out)
    kept: dict[str, list[pd.DataFrame]] = {}
    try:
        for run in _in_order(run_encoded, sc, seeds, graph_seeds, executor, progress):
            for name, table in run.tables.items():
                files.write(name, table)
                if name in KEPT:
                    kept.setdefault(name, []).append(table)
            if run.estate is not None:
                files.write_parquet("estate", run.estate)
            del run  # not held while the next run computes
        files.finish()
    except BaseException:
        files.discard()
        raise
    (out / provenance.MANIFEST).unlink(missing_ok=True)  # a result again once it is written
    files.publish()
    tables = {name: pd.concat(frames, ignore_index=True) for name, frames in kept.items()}
    if sc.store_city is not None and sc.estate_table:
        observed = _observed(sc.store_city.graph, out)
        if observed is not None:
            tables["observed"] = observed
    run_seeds, graphs = sc.seed_list(seeds), sc.graph_seed_list(graph_seeds)
    plot_runs(tables["city"], out / "plot.png",
              f"{sc.name}: {len(graphs) * len(run_seeds)} run(s), {sc.days} days",
              sc.policy_starts())
    provenance.write_manifest(out, provenance.scenario_manifest(
        sc, run_seeds, graphs, started, provenance.now()))
    return tables


def _observed(city: CityGraph, out: Path) -> pd.DataFrame | None:
    """The store's observed outcomes beside the simulated ones (:mod:`redwuye_graph.observed`),
    written to ``out/observed.csv``; None when the store records no observation."""
    from redwuye_graph.observed import beside_simulated, observations, read_estates

    observed = observations(city)
    if observed.empty:
        return None
    table = beside_simulated(city, read_estates(out, observed["estate"]))
    table.to_csv(out / "observed.csv", index=False)
    return table


#: Outcomes drawn by :func:`plot_runs`: column, title, y label (None: a share, in %), and
#: what a panel says when a short horizon leaves it without a value.
_PLOTTED = (("collection_rate", "Fee collection rate (latest month)", None,
             "no fee month ends inside the horizon"),
            ("resolution_rate", "Resolved within the window (by filing day, 7-day mean)", None,
             "no filing day whose window ends\ninside the horizon"),
            ("satisfaction", "Mean household satisfaction", "score (0–1)", ""),
            ("open", "Open complaints", "complaints", ""))


@styled
def plot_runs(city: pd.DataFrame, target: Path, title: str,
              starts: list[tuple[str, int]] | None = None) -> Path:
    """Plot the main city outcomes: median across runs (graph seeds × run seeds) with the
    :data:`~redwuye_graph.plotting.BAND` band, a mark at each policy's start day."""
    from matplotlib.ticker import MaxNLocator

    fig, axes = subplots(2, 2, figsize=(10, 7), sharex=True)
    low, high = BAND.low, BAND.high
    drawn = []
    for ax, (column, label, unit, no_value) in zip(axes.ravel(), _PLOTTED, strict=True):
        data = city[~city["censored"]] if column == "resolution_rate" else city
        ax.set_title(label)
        if unit is None:
            percent_axis(ax, full=True)
            ax.set_ylabel("%")
        else:
            ax.set_ylabel(unit)
        wide = data.pivot(index="day", columns=["graph_seed", "seed"], values=column)
        if wide.isna().all(axis=None):  # a horizon too short for this outcome
            ax.text(0.5, 0.5, no_value, ha="center", va="center", transform=ax.transAxes)
            continue
        if column == "resolution_rate":
            wide = wide.rolling(7, min_periods=1).mean()
        q = wide.quantile([low, 0.5, high], axis=1).T
        ax.fill_between(q.index, q[low], q[high], alpha=BAND.alpha, label=BAND.label)
        few = len(q) < 10  # a line of one or two days would not show: draw its points
        ax.plot(q.index, q[0.5], marker="o" if few else None,
                label=f"median of {wide.shape[1]} runs")
        if unit is not None:
            ax.set_ylim(0, 1 if column == "satisfaction" else None)
        mark_days(ax, starts or [])
        drawn.append(ax)
    days = city["day"]
    few_days = not days.empty and days.max() - days.min() < 10
    if few_days:  # a tick at each day, with a margin
        axes[0, 0].set_xlim(days.min() - 0.5, days.max() + 0.5)
    for ax in axes[-1]:
        ax.set_xlabel("day")
        if few_days:
            ax.set_xticks(sorted(days.unique()))
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if drawn:
        drawn[0].legend(loc="lower right")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(target, dpi=100)
    return target
