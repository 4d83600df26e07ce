"""Sweeps: strict files, designs, executors (same rows everywhere), resuming, faults."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scenario_texts import tiny_scenario

from redwuye_graph.experiments import OUTCOMES, load_sweep, make_executor, read_runs, run_sweep
from redwuye_graph.experiments.results import FANOUT, RunTable, read_table
from redwuye_graph.experiments.sweep import SweepError, Task, run_task

REPO = Path(__file__).resolve().parents[1]

TINY = tiny_scenario(days=45)

SWEEP = """[sweep]
name = "tiny_sweep"
scenario = "tiny.toml"
design = "lhs"
samples = 3
replicates = 2
design_seed = 4
days = 45

[params]
pay_intercept = [-1.0, 1.0]
response_days = [0, 6]

[levels]
owners_committee = [0.0, 1.0]
"""


def write_sweep(folder: Path, text: str = SWEEP) -> Path:
    (folder / "tiny.toml").write_text(TINY, encoding="utf-8")
    path = folder / "sweep_tiny.toml"
    path.write_text(text, encoding="utf-8")
    return path


def assert_refused(path: Path, key: str, words: str) -> None:
    """Loading the sweep at ``path`` fails with a message naming the file, ``key`` and
    ``words``."""
    with pytest.raises(SweepError) as err:
        load_sweep(path)
    message = str(err.value)
    assert str(path) in message and f"{key}:" in message and words in message, message


def rows(out: Path) -> pd.DataFrame:
    return read_runs(out).drop(columns="seconds")


# -- the file ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("old", "new", "key", "words"), [
    ("pay_intercept = [-1.0, 1.0]", "pay_intercep = [-1.0, 1.0]", "params.pay_intercep",
     "unknown parameter"),
    ("pay_intercept = [-1.0, 1.0]", "pay_intercept = [1.0, 1.0]", "params.pay_intercept",
     "empty range"),
    ("pay_intercept = [-1.0, 1.0]", "pay_intercept = [1.0, -1.0]", "params.pay_intercept",
     "empty range"),
    ("pay_intercept = [-1.0, 1.0]", "pay_intercept = [-20.0, 1.0]", "params.pay_intercept",
     "outside the allowed [-10, 10]"),
    ("pay_intercept = [-1.0, 1.0]", "pay_intercept = 0.5", "params.pay_intercept",
     "range [low, high]"),
    ("response_days = [0, 6]", "response_days = [0, 6.5]", "params.response_days",
     "whole-number"),
    ("owners_committee = [0.0, 1.0]", "owner_committee = [0.0, 1.0]",
     "levels.owner_committee", "unknown policy level"),
    ("owners_committee = [0.0, 1.0]", "owners_committee = [0.0, 1.5]",
     "levels.owners_committee", "outside the allowed [0, 1]"),
    ('design = "lhs"', 'design = "random"', "sweep.design", "grid, lhs, sobol, morris"),
    ('design = "lhs"', 'design = "sobol"', "sweep.samples", "power of two"),
    ("replicates = 2", "replicates = 0", "sweep.replicates", "outside [1, 1000]"),
    ("replicates = 2", "replicate = 2", "sweep.replicate", "unknown key"),
    ('scenario = "tiny.toml"', 'scenario = "nowhere.toml"', "sweep.scenario",
     "no such scenario file"),
    ("[levels]", "[level]", "level", "unknown table"),
])
def test_bad_sweep_refused_naming_file_and_key(tmp_path: Path, old: str, new: str, key: str,
                                               words: str) -> None:
    assert old in SWEEP
    assert_refused(write_sweep(tmp_path, SWEEP.replace(old, new)), key, words)


def test_sweep_without_parameters_refused(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, SWEEP.split("[params]")[0])
    with pytest.raises(SweepError, match="no parameter varied"):
        load_sweep(path)


POLICY_SWEEP = """[sweep]
name = "tiny_policy_sweep"
scenario = "tiny.toml"
design = "grid"
samples = 2
days = 45

[policy.cross_appointment]
owners_committee = [0.0, 1.0]
start_day = [0, 20]
"""

CROSS_APPOINTMENT = """
[[policy]]
kind = "cross_appointment"
start_day = 10
"""


def write_policy_sweep(folder: Path, text: str = POLICY_SWEEP) -> Path:
    path = write_sweep(folder, text)
    (folder / "tiny.toml").write_text(TINY + CROSS_APPOINTMENT, encoding="utf-8")
    return path


def test_sweep_varies_a_policy_parameter_of_the_base_scenario(tmp_path: Path) -> None:
    from redwuye_graph.outcomes import run_outcomes
    from redwuye_graph.sim import CityModel, make_policy

    sweep = load_sweep(write_policy_sweep(tmp_path))
    assert [f.name for f in sweep.factors] == ["policy.cross_appointment.owners_committee",
                                               "policy.cross_appointment.start_day"]
    tasks = sweep.tasks()
    assert [t.values["policy.cross_appointment.start_day"] for t in tasks] == [0, 20, 0, 20]
    task = tasks[1]  # owners_committee 0.0 from day 20
    model = CityModel(sweep.scenario.city(), seed=task.seed, policies=[make_policy(
        "cross_appointment", start_day=20, owners_committee=0.0)])
    model.run(45)
    expected = run_outcomes(model.recorder.tables(estates=False))
    row = run_task(task)
    assert {k: row[k] for k in OUTCOMES} == pytest.approx(expected, nan_ok=True, rel=0, abs=0)
    assert run_task(tasks[2])["escalation_share"] != row["escalation_share"]


@pytest.mark.parametrize(("old", "new", "key", "words"), [
    ("[policy.cross_appointment]", "[policy.cross_appointmen]", "policy.cross_appointmen",
     "unknown policy"),
    ("[policy.cross_appointment]", "[policy.star_rating]", "policy.star_rating",
     "the base scenario has 0 star_rating policies"),
    ("owners_committee = [0.0, 1.0]", "owner_committee = [0.0, 1.0]",
     "policy.cross_appointment.owner_committee", "unknown parameter"),
    ("owners_committee = [0.0, 1.0]", "owners_committee = [0.0, 2.0]",
     "policy.cross_appointment.owners_committee", "outside the allowed [0, 1]"),
    ("start_day = [0, 20]", "start_day = [0, 20.5]", "policy.cross_appointment.start_day",
     "whole-number"),
])
def test_bad_policy_range_refused_naming_file_and_key(tmp_path: Path, old: str, new: str,
                                                      key: str, words: str) -> None:
    assert old in POLICY_SWEEP
    assert_refused(write_policy_sweep(tmp_path, POLICY_SWEEP.replace(old, new)), key, words)


def test_bad_sweep_runs_nothing(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from redwuye_graph.cli import app

    path = write_sweep(tmp_path, SWEEP.replace("pay_intercept", "pay_intercep"))
    result = CliRunner().invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "params.pay_intercep: unknown parameter" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("name", "days"), [("sweep_collection", 730), ("sweep_sobol", 365),
                                            ("sweep_morris", 365),
                                            ("sweep_cross_appointment", 730)])
def test_shipped_sweeps_load(name: str, days: int) -> None:
    sweep = load_sweep(REPO / "simulations" / f"{name}.toml")
    assert sweep.scenario.preset == "district" and sweep.days == days
    assert len(sweep.tasks()) >= 90


# -- designs ----------------------------------------------------------------------------------
def test_designs_sizes_ranges_and_determinism(tmp_path: Path) -> None:
    path = write_sweep(tmp_path)
    sweep = load_sweep(path)
    points = sweep.points()
    assert list(points.columns) == ["pay_intercept", "response_days", "levels.owners_committee"]
    assert len(points) == 3 and len(sweep.tasks()) == 6
    assert points["response_days"].map(type).eq(int).all()
    for f in sweep.factors:
        assert points[f.name].between(f.low, f.high).all()
    # Latin hypercube: each third of each range holds exactly one point
    third = np.floor((points["pay_intercept"] + 1.0) / 2.0 * 3).clip(0, 2)
    assert sorted(third) == [0, 1, 2]
    pd.testing.assert_frame_equal(points, load_sweep(path).points())

    grid = load_sweep(write_sweep(tmp_path, SWEEP.replace('"lhs"', '"grid"')))
    assert len(grid.points()) == 3 ** 3
    assert sorted(grid.points()["response_days"].unique()) == [0, 3, 6]

    sobol = load_sweep(write_sweep(tmp_path, SWEEP.replace('"lhs"', '"sobol"')
                                   .replace("samples = 3", "samples = 4")))
    assert len(sobol.points()) == 4 * (3 + 2)
    morris = load_sweep(write_sweep(tmp_path, SWEEP.replace('"lhs"', '"morris"')))
    assert len(morris.points()) == 3 * (3 + 1)


def test_seeds_are_common_random_numbers(tmp_path: Path) -> None:
    tasks = load_sweep(write_sweep(tmp_path)).tasks()
    assert [(t.run, t.point, t.seed) for t in tasks] == [
        (0, 0, 0), (1, 0, 1), (2, 1, 0), (3, 1, 1), (4, 2, 0), (5, 2, 1)]


# -- running ----------------------------------------------------------------------------------
def test_run_task_outcomes(tmp_path: Path) -> None:
    task = load_sweep(write_sweep(tmp_path)).tasks()[0]
    row = run_task(task)
    assert set(OUTCOMES) <= set(row)
    assert row["run"] == 0 and row["seed"] == 0
    assert 0.0 <= row["collection_12m"] <= 1.0
    assert row == {**run_task(task), "seconds": row["seconds"]}


@pytest.mark.slow
def test_serial_local_and_dask_give_identical_rows(tmp_path: Path) -> None:
    from distributed import LocalCluster

    sweep = load_sweep(write_sweep(tmp_path))
    results = {}
    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0") as cluster:
        for spec in ("serial", "local", "dask", f"dask={cluster.scheduler_address}"):
            out = tmp_path / spec.replace(":", "_").replace("/", "_")
            with make_executor(spec, workers=None if "=" in spec else 2) as ex:
                report = run_sweep(sweep, out, ex, progress=False)
            assert report.finished == 6 and not report.failed, (spec, report)
            results[spec] = rows(out)
    first = results.pop("serial")
    assert len(first) == 6 and first["run"].tolist() == list(range(6))
    assert first["collection_12m"].nunique() > 1
    for spec, frame in results.items():
        pd.testing.assert_frame_equal(first, frame, obj=spec)


def _fail_odd(task: Task) -> dict[str, Any]:
    if task.run % 2:
        raise RuntimeError(f"run {task.run} broke")
    return run_task(task)


def test_rerun_skips_finished_runs(tmp_path: Path) -> None:
    sweep = load_sweep(write_sweep(tmp_path))
    out = tmp_path / "out"
    with make_executor("serial") as ex:
        first = run_sweep(sweep, out, ex, progress=False, run=_fail_odd)
        assert first.finished == 3 and sorted(first.failed) == [1, 3, 5]
        assert "RuntimeError: run 1 broke" in first.failed[1]
        assert read_runs(out)["run"].tolist() == [0, 2, 4]
        second = run_sweep(sweep, out, ex, progress=False)
        assert (second.skipped, second.finished, second.failed) == (3, 3, {})
        third = run_sweep(sweep, out, ex, progress=False)
        assert (third.skipped, third.finished) == (6, 0)
        clean = tmp_path / "clean"
        run_sweep(sweep, clean, ex, progress=False)
    pd.testing.assert_frame_equal(rows(out), rows(clean))


def test_rerun_into_another_sweeps_folder_refused(tmp_path: Path) -> None:
    sweep = load_sweep(write_sweep(tmp_path))
    with make_executor("serial") as ex:
        run_sweep(sweep, tmp_path / "out", ex, progress=False, run=_fail_odd)
        other = load_sweep(write_sweep(tmp_path, SWEEP.replace("design_seed = 4",
                                                               "design_seed = 5")))
        with pytest.raises(SweepError, match="another sweep"):
            run_sweep(other, tmp_path / "out", ex, progress=False)


def _die_on_run_two(task: Task) -> dict[str, Any]:
    if task.run == 2:
        os._exit(13)
    return run_task(task)


def test_sweep_survives_a_dead_worker_and_rerun_finishes(tmp_path: Path) -> None:
    sweep = load_sweep(write_sweep(tmp_path))
    out = tmp_path / "out"
    with make_executor("local", workers=2) as ex:
        report = run_sweep(sweep, out, ex, progress=False, run=_die_on_run_two,
                           flush_seconds=0.0)
    assert list(report.failed) == [2] and report.finished == 5
    assert read_runs(out)["run"].tolist() == [0, 1, 3, 4, 5]
    with make_executor("serial") as ex:
        again = run_sweep(sweep, out, ex, progress=False)
    assert (again.skipped, again.finished) == (5, 1)
    assert read_runs(out)["run"].tolist() == list(range(6))


def test_local_pool_that_broke_before_a_submit_loses_no_item(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A worker can die between a wait and the next submit (just after another item finished):
    # submit then raises, and the item must wait for a working pool rather than fail the run.
    submit, calls = ProcessPoolExecutor.submit, []

    def breaking(pool: ProcessPoolExecutor, fn: Any, /, *args: Any) -> Any:
        calls.append(args)
        if len(calls) in (1, 3):  # 1: nothing in flight; 3: item 0 in flight
            raise BrokenProcessPool("a child process terminated abruptly")
        return submit(pool, fn, *args)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", breaking)
    with make_executor("local", workers=2) as ex:
        assert sorted(ex.imap(abs, [-1, -2, -3])) == [(0, 1, None), (1, 2, None), (2, 3, None)]
    assert len(calls) == 5


def test_run_table_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "runs.parquet"
    table = RunTable(path)
    table.add({"run": 1, "x": 1.0})
    table.add({"run": 0, "x": 0.5})
    table.flush()
    assert pd.read_parquet(path)["run"].tolist() == [0, 1]

    def broken(self: pd.DataFrame, handle: Any, **kw: Any) -> None:
        handle.write(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    table.add({"run": 2, "x": 2.0})
    with pytest.raises(OSError, match="disk full"):
        table.flush()
    monkeypatch.undo()
    assert pd.read_parquet(path)["run"].tolist() == [0, 1]
    assert [p.name for p in tmp_path.iterdir()] == ["runs.parquet"]
    assert RunTable(path).done() == {0, 1}


def _sizes(path: Path) -> list[int]:
    return [len(pd.read_parquet(p)) for p in sorted(path.glob("part-*.parquet"))]


def test_run_table_appends_parts_and_merges_them(tmp_path: Path) -> None:
    path = tmp_path / "runs.parquet"
    table = RunTable(path)
    for run in reversed(range(100)):  # one flush per run, as when runs take seconds
        table.add({"run": run, "x": run / 2})
        table.flush()
    assert FANOUT == 8 and _sizes(path) == [64, 8, 8, 8, 8, 1, 1, 1, 1]  # 100 in base 8
    assert read_table(path)["run"].tolist() == list(range(100))
    assert RunTable(path).done() == set(range(100))
    table.close()
    assert _sizes(path) == [100]
    assert pd.read_parquet(path)["x"].tolist() == [run / 2 for run in range(100)]
    assert [p.name for p in tmp_path.iterdir()] == ["runs.parquet"]


def test_run_table_merge_cut_short_reads_each_run_once(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "runs.parquet"
    table = RunTable(path)
    for run in range(FANOUT - 1):
        table.add({"run": run, "x": 1.0})
        table.flush()
    def stopped(self: Path, missing_ok: bool = False) -> None:
        raise KeyboardInterrupt  # the merged part is in, its sources not yet removed

    monkeypatch.setattr(Path, "unlink", stopped)
    table.add({"run": FANOUT - 1, "x": 1.0})
    with pytest.raises(KeyboardInterrupt):
        table.flush()
    monkeypatch.undo()
    assert _sizes(path) == [1] * FANOUT + [FANOUT]  # the merged part and all its sources
    assert read_table(path)["run"].tolist() == list(range(FANOUT))
    reopened = RunTable(path)
    assert reopened.done() == set(range(FANOUT))
    reopened.close()
    assert _sizes(path) == [FANOUT]


def test_a_one_file_run_table_becomes_a_folder(tmp_path: Path) -> None:
    path = tmp_path / "runs.parquet"  # as versions before the folder wrote it
    pd.DataFrame({"run": [0, 1], "x": [0.0, 1.0]}).to_parquet(path, index=False)
    table = RunTable(path)
    assert table.done() == {0, 1}
    table.add({"run": 2, "x": 2.0})
    table.flush()
    assert path.is_dir() and _sizes(path) == [3]
    assert read_table(path)["x"].tolist() == [0.0, 1.0, 2.0]
    assert [p.name for p in tmp_path.iterdir()] == ["runs.parquet"]
    # stopped between the two renames: the old file waits aside and is read from there
    (tmp_path / "old.parquet").write_bytes((path / "part-00000000.parquet").read_bytes())
    for part in path.iterdir():
        part.unlink()
    path.rmdir()
    (tmp_path / "old.parquet").rename(tmp_path / ".runs.parquet.file")
    assert read_table(path)["run"].tolist() == [0, 1, 2]
    assert RunTable(path).done() == {0, 1, 2}
    assert path.is_file() and [p.name for p in tmp_path.iterdir()] == ["runs.parquet"]


@pytest.mark.parametrize("spec", ["threads", "dask=", "serial=x", "local=tcp://a:1"])
def test_bad_executor_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="use serial, local, dask or dask=ADDRESS"):
        make_executor(spec)


@pytest.mark.slow
def test_dask_worker_death_costs_only_its_run(tmp_path: Path) -> None:
    import dask

    sweep = load_sweep(write_sweep(tmp_path))
    out = tmp_path / "out"
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
            make_executor("dask", workers=2) as ex:
        report = run_sweep(sweep, out, ex, progress=False, run=_die_on_run_two,
                           flush_seconds=0.0)
    assert list(report.failed) == [2] and "KilledWorker" in report.failed[2], report.failed
    assert report.finished == 5
    assert read_runs(out)["run"].tolist() == [0, 1, 3, 4, 5]


def test_docs_name_every_outcome_and_design() -> None:
    from redwuye_graph.experiments.sweep import DESIGNS

    text = (REPO / "docs" / "experiments.md").read_text(encoding="utf-8")
    for name in [*OUTCOMES, *DESIGNS]:
        assert f"| `{name}` |" in text, name


def test_a_sweep_point_runs_on_several_base_cities(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, SWEEP.replace("replicates = 2", "replicates = 2\ngraph_seeds = 2"))
    sweep = load_sweep(path)
    tasks = sweep.tasks()
    assert len(tasks) == 3 * 2 * 2 and [t.run for t in tasks] == list(range(12))
    assert [(t.graph_seed, t.seed) for t in tasks[:4]] == [(3, 0), (3, 1), (4, 0), (4, 1)]
    out = tmp_path / "out"
    report = run_sweep(sweep, out, make_executor("serial"), progress=False)
    assert report.finished == 12 and not report.failed
    runs = rows(out)
    assert sorted(runs["graph_seed"].unique()) == [3, 4]
    # a level factor changes posts on one base city: same city, same seed -> same vacancies
    by_city = runs.groupby(["graph_seed", "seed"])["vacuum_days"].nunique()
    assert (by_city == 1).all()
    assert runs.groupby("graph_seed")["collection_12m"].mean().nunique() == 2


def test_read_factors_names_the_swept_parameters(tmp_path: Path) -> None:
    from redwuye_graph.experiments.sweep import read_factors

    with pytest.raises(FileNotFoundError, match="not a sweep folder"):
        read_factors(tmp_path)
    (tmp_path / "sweep.json").write_text(
        '{"name": "s", "factors": [{"name": "shirk", "low": 0.0}, {"name": "levels.x"}]}')
    assert read_factors(tmp_path) == ["shirk", "levels.x"]
