"""Scenarios of a store run with any executor: the store is read once, by the parent.

The embedded store allows one process at a time, so workers that opened it failed
(``StoreError: ... is open in another process``); the runs in parallel must equal the
serial ones bit for bit.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from redwuye_graph.experiments import load_sweep, make_executor, read_runs, run_sweep
from redwuye_graph.experiments.calibrate import calibrate, load_targets
from redwuye_graph.generate import generate
from redwuye_graph.sim.scenario import load_scenario, simulate
from redwuye_graph.store import open_store

SCENARIO = """[scenario]
name = "stored"
store = "embedded:{store}"
days = 40
seeds = 2
"""

SWEEP = """[sweep]
name = "stored_sweep"
scenario = "stored.toml"
design = "lhs"
samples = 2
replicates = 2
design_seed = 4
days = 40

[params]
pay_intercept = [-1.0, 1.0]
"""

TARGETS = """[calibrate]
trials = 2
seeds = 2
sampler_seed = 1
days = 40

[params]
pay_intercept = [-1.0, 1.0]

[targets.collection_12m]
value = 0.6
tolerance = 0.05
"""


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a loaded embedded store, a scenario of it, a sweep and targets."""
    folder = tmp_path_factory.mktemp("stored")
    store = folder / "city.rdb"
    with open_store(f"embedded:{store}") as db:
        db.load(generate("tiny", seed=5))
    (folder / "stored.toml").write_text(SCENARIO.format(store=store), encoding="utf-8")
    (folder / "sweep.toml").write_text(SWEEP, encoding="utf-8")
    (folder / "targets.toml").write_text(TARGETS, encoding="utf-8")
    return folder


def test_sweep_of_a_store_in_two_workers_equals_serial(stored: Path, tmp_path: Path) -> None:
    sweep = load_sweep(stored / "sweep.toml")
    frames = {}
    for spec, workers in (("serial", None), ("local", 2)):
        with make_executor(spec, workers) as ex:
            report = run_sweep(sweep, tmp_path / spec, ex, progress=False)
        assert report.finished == 4 and not report.failed, report.failed
        frames[spec] = read_runs(tmp_path / spec).drop(columns="seconds")
    pd.testing.assert_frame_equal(frames["serial"], frames["local"])


def test_simulate_of_a_store_in_two_workers_equals_serial(stored: Path, tmp_path: Path) -> None:
    sc = load_scenario(stored / "stored.toml")
    for spec, workers in (("serial", None), ("local", 2)):
        with make_executor(spec, workers) as ex:
            simulate(sc, tmp_path / spec, executor=ex)
    for name in ("city", "estate", "summary", "company"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "serial" / f"{name}.parquet"),
                                      pd.read_parquet(tmp_path / "local" / f"{name}.parquet"),
                                      obj=name)


def test_calibration_of_a_store_in_two_workers_equals_serial(stored: Path) -> None:
    sc = load_scenario(stored / "stored.toml")
    spec = load_targets(stored / "targets.toml")
    trials = {}
    for kind, workers in (("serial", None), ("local", 2)):
        with make_executor(kind, workers) as ex:
            trials[kind] = calibrate(sc, spec, ex, progress=False).trials
    pd.testing.assert_frame_equal(trials["serial"], trials["local"])
