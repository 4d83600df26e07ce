"""Sensitivity (SALib), calibration (optuna) and scenario discovery (PRIM) on the tiny city."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scenario_texts import tiny_scenario
from typer.testing import CliRunner

from redwuye_graph.cli import app
from redwuye_graph.experiments import load_sweep, make_executor, read_runs, run_sweep
from redwuye_graph.experiments.calibrate import calibrate, load_targets
from redwuye_graph.experiments.discovery import discover
from redwuye_graph.experiments.sensitivity import sensitivity
from redwuye_graph.experiments.sweep import SweepError, Task, run_task
from redwuye_graph.generate import generate
from redwuye_graph.sim import CityModel, Params
from redwuye_graph.sim.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]

TINY = tiny_scenario(days=90)


def sweep_file(folder: Path, design: str, samples: int, params: str, levels: str = "") -> Path:
    (folder / "tiny.toml").write_text(TINY, encoding="utf-8")
    path = folder / f"sweep_{design}.toml"
    text = (f'[sweep]\nname = "{design}"\nscenario = "tiny.toml"\ndesign = "{design}"\n'
            f"samples = {samples}\ndesign_seed = 2\ndays = 60\n\n[params]\n{params}\n")
    if levels:
        text += f"\n[levels]\n{levels}\n"
    path.write_text(text, encoding="utf-8")
    return path


# `dissatisfied` only sets where households count as dissatisfied: it changes no dynamics,
# so its indices for collection must be exactly zero, while the intercept of paying
# drives collection.
INERT_AND_DRIVER = "pay_intercept = [-1.0, 1.0]\ndissatisfied = [0.1, 0.9]"


def test_sobol_indices_find_the_driver_and_the_inert_parameter(tmp_path: Path) -> None:
    sweep = load_sweep(sweep_file(tmp_path, "sobol", 8, INERT_AND_DRIVER))
    with make_executor("serial") as ex:
        run_sweep(sweep, tmp_path / "out", ex, progress=False)
    table = sensitivity(sweep, read_runs(tmp_path / "out"),
                        ["collection_12m", "dissatisfied_end"]).set_index(
                            ["outcome", "parameter"])
    assert list(table.columns) == ["S1", "S1_conf", "ST", "ST_conf"]
    collection = table.loc["collection_12m"]
    assert abs(collection.loc["dissatisfied", "ST"]) < 1e-9
    assert abs(collection.loc["dissatisfied", "S1"]) < 1e-9
    assert collection.loc["pay_intercept", "S1"] > 0.8
    assert collection.loc["pay_intercept", "ST"] > 0.8
    assert np.isfinite(table["ST_conf"]).all() and (table["ST_conf"] >= 0).all()
    assert table.loc[("dissatisfied_end", "dissatisfied"), "ST"] > 0.3


def test_sensitivity_cli_morris_table_and_plot(tmp_path: Path) -> None:
    path = sweep_file(tmp_path, "morris", 4, INERT_AND_DRIVER)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["sensitivity", str(path), "--out", str(out),
                                      "--outcome", "collection_12m"])
    assert result.exit_code == 0, result.output
    assert "mu_star" in result.output and "pay_intercept" in result.output
    assert (out / "sensitivity.png").stat().st_size > 5_000
    table = read_runs(out)
    assert len(table) == 4 * 3
    import pandas as pd

    indices = pd.read_csv(out / "sensitivity.csv").set_index("parameter")
    assert indices.loc["dissatisfied", "mu_star"] == 0.0
    assert indices.loc["pay_intercept", "mu_star"] > 0.05


def test_sensitivity_refuses_a_design_without_indices(tmp_path: Path) -> None:
    path = sweep_file(tmp_path, "lhs", 4, INERT_AND_DRIVER)
    result = CliRunner().invoke(app, ["sensitivity", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "sweep.design: 'lhs'" in result.output
    assert not (tmp_path / "o").exists()


def test_sensitivity_needs_every_point(tmp_path: Path) -> None:
    sweep = load_sweep(sweep_file(tmp_path, "sobol", 2, INERT_AND_DRIVER))
    with make_executor("serial") as ex:
        run_sweep(sweep, tmp_path / "out", ex, progress=False)
    runs = read_runs(tmp_path / "out")
    with pytest.raises(ValueError, match="1 of 8 design points have no finished run"):
        sensitivity(sweep, runs[runs["point"] != 3], ["collection_12m"])


# -- calibration ------------------------------------------------------------------------------
TRUE_INTERCEPT = 0.6
#: Recovery tolerance of the known parameter: 7.5% of its searched range [-2, 2].
RECOVERY = 0.3


def _observed(days: int, seeds: range, **params: float) -> dict[str, float]:
    city = generate("tiny", seed=3)
    values: dict[str, list[float]] = {}
    from redwuye_graph.outcomes import run_outcomes

    for seed in seeds:
        model = CityModel(city, params=Params.from_mapping(params), seed=seed)
        model.run(days)
        for k, v in run_outcomes(model.recorder.tables(estates=False)).items():
            values.setdefault(k, []).append(v)
    return {k: float(np.mean(v)) for k, v in values.items()}


def test_calibration_result_writes_its_tables_and_best_toml(tmp_path: Path) -> None:
    import pandas as pd

    from redwuye_graph.experiments.calibrate import CalibrationResult

    frame = pd.DataFrame({"x": [1.0]})
    result = CalibrationResult(trials=frame, best={"pay_intercept": -0.25, "staff": 4},
                               fit=frame, intervals=frame, profiles=frame)
    paths = result.write(tmp_path / "out", "targets.toml")
    assert [p.name for p in paths] == ["trials.parquet", "fit.csv", "intervals.csv",
                                       "profile.csv", "best.toml"]
    unfitted = CalibrationResult(trials=frame, best={"pay_intercept": -0.25}, fit=frame,
                                 fitted=False)
    written = unfitted.write(tmp_path / "out", "targets.toml")
    assert written[-1].name == "closest.toml" and not (tmp_path / "out" / "best.toml").exists()
    assert written[-1].read_text(encoding="utf-8").startswith(
        "[params]  # NOT FITTED to targets.toml: closest trial, not a calibration")
    paths = result.write(tmp_path / "out", "targets.toml")
    assert paths[-1].read_text(encoding="utf-8") == (
        "[params]  # best fit of targets.toml\npay_intercept = -0.25\nstaff = 4\n")
    assert tomllib.loads(paths[-1].read_text(encoding="utf-8"))["params"] == result.best


def test_calibration_recovers_a_known_parameter(tmp_path: Path) -> None:
    observed = _observed(90, range(100, 103), pay_intercept=TRUE_INTERCEPT)
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    targets = tmp_path / "targets_tiny.toml"
    targets.write_text(
        "[calibrate]\ntrials = 20\nseeds = 2\nsampler_seed = 3\n\n"
        "[params]\npay_intercept = [-2.0, 2.0]\n\n"
        f"[targets.collection_12m]\nvalue = {observed['collection_12m']}\n"
        "tolerance = 0.02\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["calibrate", "--scenario", str(tmp_path / "tiny.toml"),
                                      "--targets", str(targets), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = (out / "best.toml").read_text(encoding="utf-8")
    assert text.startswith("[params]  # best fit of targets_tiny.toml\npay_intercept = ")
    best = tomllib.loads(text)["params"]
    assert abs(best["pay_intercept"] - TRUE_INTERCEPT) <= RECOVERY, best
    import pandas as pd

    fit = pd.read_csv(out / "fit.csv")
    assert fit["within"].all(), fit
    assert len(pd.read_parquet(out / "trials.parquet")) == 20
    interval = pd.read_csv(out / "intervals.csv").set_index("parameter").loc["pay_intercept"]
    assert interval["low90"] <= TRUE_INTERCEPT <= interval["high90"], interval
    check = pd.read_csv(out / "check.csv")
    assert set(check["point"]) == {"start", "chosen"} and (check["runs"] == 4).all()
    for name in ("calibration", "convergence", "check", "profile"):
        assert (out / f"{name}.png").stat().st_size > 5_000, name


def test_one_sided_targets() -> None:
    from redwuye_graph.experiments.calibrate import Target

    at_least = Target("collection_12m", 0.9, 0.02, "min")
    assert at_least.fits(0.95) and at_least.z(0.95) == 0.0
    assert not at_least.fits(0.89) and at_least.z(0.88) == pytest.approx(-1.0)
    at_most = Target("collection_12m", 0.5, 0.05, "max")
    assert at_most.fits(0.2) and not at_most.fits(0.51) and at_most.z(0.6) == pytest.approx(2)
    both = Target("collection_12m", 0.5, 0.05)
    assert both.fits(0.54) and not both.fits(0.56)


def test_an_impossible_target_is_not_fitted_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "tiny.toml").write_text(TINY + "\n[params]\npay_intercept = 0.25\n",
                                        encoding="utf-8")
    targets = tmp_path / "targets.toml"
    targets.write_text(
        "[calibrate]\ntrials = 4\nseeds = 1\nsampler_seed = 2\ndays = 60\n\n"
        "[params]\npay_intercept = [-1.0, 1.0]\n\n"
        "[targets.collection_12m]\nmin = 0.999\ntolerance = 0.01\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["calibrate", "--scenario", str(tmp_path / "tiny.toml"),
                                      "--targets", str(targets), "--out", str(out)])
    assert result.exit_code == 3, result.output
    assert "NOT FITTED: no trial of 4 meets every target" in result.output
    assert "do not paste these values as calibrated" in result.output
    assert (out / "closest.toml").exists() and not (out / "best.toml").exists()
    import pandas as pd

    trials = pd.read_parquet(out / "trials.parquet")
    assert trials.loc[trials["trial"] == 0, "pay_intercept"].item() == 0.25  # the start
    assert trials["loss"].min() <= trials.loc[trials["trial"] == 0, "loss"].item()


@pytest.mark.slow
def test_calibration_recovers_two_parameters_from_two_targets(tmp_path: Path) -> None:
    truth = {"pay_intercept": -0.4, "hours_committee": 60.0}
    observed = _observed(180, range(100, 103), **truth)
    (tmp_path / "tiny.toml").write_text(tiny_scenario(days=180),
                                        encoding="utf-8")
    targets = tmp_path / "targets.toml"
    targets.write_text(
        "[calibrate]\ntrials = 40\nseeds = 2\nsampler_seed = 1\n\n"
        "[params]\npay_intercept = [-2.0, 2.0]\nhours_committee = [0.0, 150.0]\n\n"
        f"[targets.collection_12m]\nvalue = {observed['collection_12m']}\ntolerance = 0.01\n"
        f"[targets.resolution_rate]\nvalue = {observed['resolution_rate']}\n"
        "tolerance = 0.01\n", encoding="utf-8")
    with make_executor("local", workers=2) as ex:
        result = calibrate(load_scenario(tmp_path / "tiny.toml"), load_targets(targets), ex,
                           progress=False)
    assert abs(result.best["pay_intercept"] - truth["pay_intercept"]) <= 0.3, result.best
    assert abs(result.best["hours_committee"] - truth["hours_committee"]) <= 25.0, result.best


@pytest.mark.parametrize(("text", "key", "words"), [
    ("[targets.collection]\nvalue = 0.5\ntolerance = 0.1\n", "targets.collection",
     "collection needs window = [first day, last day]"),
    ("[targets.collect]\nvalue = 0.5\ntolerance = 0.1\n", "targets.collect",
     "unknown outcome 'collect'"),
    ("[targets.a]\noutcome = \"collection\"\nwindow = [5, 2]\nvalue = 0.5\ntolerance = 0.1\n",
     "targets.a.window", "1 <= first <= last"),
    ("[targets.a]\noutcome = \"exits\"\nwindow = [1, 2]\nvalue = 0.5\ntolerance = 0.1\n",
     "targets.a.window", "'exits' has no window"),
    ("[targets.collection_12m]\nsuccesses = 5\ntrials = 4\n", "targets.collection_12m.successes",
     "above trials = 4"),
    ("[targets.collection_12m]\nsuccesses = 5\ntrials = 10\ntolerance = 0.1\n",
     "targets.collection_12m.tolerance", "give no tolerance"),
    ("[targets.exits]\nsuccesses = 5\ntrials = 10\n", "targets.exits", "not a share"),
    ("[targets.collection_12m]\ninterval = [0.6, 0.5]\ntolerance = 0.1\n",
     "targets.collection_12m.interval", "empty interval"),
    ("[targets.collection_12m]\nvalue = 0.5\ntolerance = 0.1\nwhen = 3\n",
     "targets.collection_12m.when", "unknown key"),
    ("[targets.collection_12m]\nvalue = 0.5\ntolerance = 0\n",
     "targets.collection_12m.tolerance", "above 0"),
    ("[targets.collection_12m]\nvalue = 0.5\n", "targets.collection_12m.tolerance",
     "missing"),
    ("[targets.collection_12m]\nvalue = 0.5\nmax = 0.6\ntolerance = 0.1\n",
     "targets.collection_12m", "exactly one of value, max or min"),
    ("[targets.collection_12m]\nmin = nan\ntolerance = 0.1\n", "targets.collection_12m.min",
     "must be a number"),
    ("[levels]\nowners_committee = [0.0, 1.0]\n", "levels", "unknown table"),
    ("", "targets", "no target"),
])
def test_bad_targets_refused(tmp_path: Path, text: str, key: str, words: str) -> None:
    path = tmp_path / "targets.toml"
    path.write_text("[calibrate]\ntrials = 4\n\n[params]\npay_intercept = [-1.0, 1.0]\n\n"
                    + text, encoding="utf-8")
    with pytest.raises(SweepError) as err:
        load_targets(path)
    assert f"{path}: {key}:" in str(err.value) and words in str(err.value)


def test_shipped_targets_load() -> None:
    spec = load_targets(REPO / "simulations" / "targets_district.toml")
    assert [t.name for t in spec.targets] == ["collection_12m", "resolution_rate"]
    regimes = load_targets(REPO / "simulations" / "targets_regimes.toml")
    assert list(regimes.regimes) == ["before", "after"]
    assert [(t.key, t.kind) for t in regimes.targets] == [
        ("before.collection_12m", "max"), ("after.collection_12m", "min")]


def test_two_regimes_are_fitted_with_the_same_parameters(tmp_path: Path) -> None:
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    (tmp_path / "linked.toml").write_text(
        tiny_scenario(days=90, name="linked")
        + "\n[levels]\nowners_committee = 1.0\ncommunity_member_on_owners_committee = 1.0\n",
        encoding="utf-8")
    before = _observed(90, range(100, 102), pay_intercept=0.3)["collection_12m"]
    targets = tmp_path / "regimes.toml"
    targets.write_text(
        "[calibrate]\ntrials = 6\nseeds = 1\ngraph_seeds = 2\nsampler_seed = 1\n"
        "check_seeds = 0\n\n"
        "[params]\npay_intercept = [-1.0, 1.0]\n\n"
        '[[regime]]\nname = "before"\nscenario = "tiny.toml"\n'
        f"[regime.targets.collection_12m]\nvalue = {before}\ntolerance = 0.05\n"
        '[[regime]]\nname = "after"\nscenario = "linked.toml"\n'
        "[regime.targets.resolution_rate]\nmin = 0.5\ntolerance = 0.05\n", encoding="utf-8")
    spec = load_targets(targets)
    seen: list[tuple[int, str, int | None]] = []

    def run(task: Any) -> dict[str, Any]:
        seen.append((task.point, task.scenario.name, task.graph_seed))
        return run_task(task)

    with make_executor("serial") as ex:
        result = calibrate(None, spec, ex, progress=False, run=run)
    # every trial runs both regimes on both base cities (graph seeds 3 and 4)
    assert sorted(seen) == [(t, n, g) for t in range(6) for n in ("linked", "tiny")
                            for g in (3, 4)]
    assert {"before.collection_12m", "after.resolution_rate"} <= set(result.trials.columns)
    assert list(result.fit["target"]) == ["before.collection_12m", "after.resolution_rate"]
    with pytest.raises(ValueError, match="names the scenario of each regime"):
        calibrate(load_scenario(tmp_path / "tiny.toml"), spec, make_executor("serial"))


def test_targets_and_regimes_together_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text("[calibrate]\ntrials = 2\n[params]\npay_intercept = [-1.0, 1.0]\n"
                    "[targets.collection_12m]\nvalue = 0.5\ntolerance = 0.1\n"
                    '[[regime]]\nscenario = "x.toml"\n', encoding="utf-8")
    with pytest.raises(SweepError, match=r"either \[targets\] .* or \[\[regime\]\]"):
        load_targets(path)


# -- scenario discovery -----------------------------------------------------------------------
def test_discover_cli_finds_the_paying_region(tmp_path: Path) -> None:
    path = sweep_file(tmp_path, "lhs", 40, "pay_intercept = [-2.0, 2.0]\nshirk = [0.0, 0.5]",
                      levels="owners_committee = [0.0, 1.0]")
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(app, ["sweep", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    runs = read_runs(out)
    threshold = float(runs["collection_12m"].quantile(0.7))
    result = runner.invoke(app, ["discover", str(out), "--outcome", "collection_12m",
                                 "--threshold", f"{threshold}"])
    assert result.exit_code == 0, result.output
    assert "pay_intercept" in result.output and "coverage" in result.output
    import pandas as pd

    box = pd.read_csv(out / "discovery.csv").set_index("parameter")
    assert box.loc["pay_intercept", "restricted"]
    assert box.loc["pay_intercept", "low"] > 0.0
    assert box.loc["pay_intercept", "high"] == box.loc["pay_intercept", "swept_high"]
    found = discover(runs, list(box.index), "collection_12m", threshold)
    assert found.density >= 0.8 and found.coverage >= 0.5
    assert (out / "discovery.png").stat().st_size > 5_000


def test_discover_refuses_a_threshold_no_point_passes(tmp_path: Path) -> None:
    import pandas as pd

    runs = pd.DataFrame({"point": range(10), "a": np.linspace(0, 1, 10),
                         "collection_12m": np.linspace(0.2, 0.6, 10)})
    with pytest.raises(ValueError, match=r"no design point has collection_12m >= 0\.9"):
        discover(runs, ["a"], "collection_12m", 0.9)


def test_discover_says_when_no_box_is_dense_enough() -> None:
    import pandas as pd

    rng = np.random.default_rng(2)
    runs = pd.DataFrame({"point": range(60), "a": rng.random(60), "b": rng.random(60)})
    runs["collection_12m"] = np.where(np.arange(60) < 2, 0.95, 0.5)  # two passing points
    found = discover(runs, ["a", "b"], "collection_12m", 0.9, mass_min=0.2)
    assert found.density < 0.8
    assert "no box reaches density 80%: this is the densest" in found.describe()
    dense = discover(runs, ["a", "b"], "collection_12m", 0.9, min_density=0.05)
    assert "no box reaches" not in dense.describe()


def test_discover_names_the_declared_range_where_prim_did_not_cut() -> None:
    import pandas as pd

    rng = np.random.default_rng(1)
    runs = pd.DataFrame({"point": range(400), "a": 0.1 + 0.8 * rng.random(400),
                         "b": 0.1 + 0.8 * rng.random(400)})  # sampled inside [0.1, 0.9]
    runs["collection_12m"] = np.where(runs["a"] > 0.7, 0.95, 0.5)
    box = discover(runs, ["a", "b"], "collection_12m", 0.9,
                   ranges={"a": (0.0, 1.0), "b": (0.0, 1.0)}).box.set_index("parameter")
    assert 0.65 < box.loc["a", "low"] < 0.75 and box.loc["a", "high"] == 1.0  # cut below only
    assert (box.loc["b", "low"], box.loc["b", "high"]) == (0.0, 1.0)
    assert not box.loc["b", "restricted"]
    assert (box["swept_low"] == 0.0).all() and (box["swept_high"] == 1.0).all()


def test_a_calibration_resumes_and_extends_its_study(tmp_path: Path) -> None:
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    text = ("[calibrate]\ntrials = {n}\nseeds = 1\nsampler_seed = 2\ndays = 40\n"
            "check_seeds = 0\n\n"
            "[params]\npay_intercept = [-1.0, 1.0]\n\n"
            "[targets.collection_12m]\nvalue = 0.6\ntolerance = 0.05\n")
    targets = tmp_path / "targets.toml"
    ran: list[int] = []

    def run(task: Any) -> dict[str, Any]:
        ran.append(task.point)
        return run_task(task)

    study = tmp_path / "study.db"
    sc = load_scenario(tmp_path / "tiny.toml")
    with make_executor("serial") as ex:
        targets.write_text(text.format(n=3), encoding="utf-8")
        first = calibrate(sc, load_targets(targets), ex, progress=False, run=run, storage=study)
        targets.write_text(text.format(n=5), encoding="utf-8")
        more = calibrate(sc, load_targets(targets), ex, progress=False, run=run, storage=study)
        assert ran == [0, 1, 2, 3, 4]  # the second call ran only the two new trials
        assert more.trials["trial"].tolist() == [0, 1, 2, 3, 4]
        import pandas as pd

        pd.testing.assert_frame_equal(more.trials.iloc[:3], first.trials)
        targets.write_text(text.format(n=5).replace("0.6", "0.7"), encoding="utf-8")
        with pytest.raises(ValueError, match="holds a calibration of other targets"):
            calibrate(sc, load_targets(targets), ex, progress=False, storage=study)


def test_the_profile_says_what_the_targets_pin_down() -> None:
    import pandas as pd

    from redwuye_graph.experiments.calibrate import CalibrationResult, Target, profile
    from redwuye_graph.experiments.sweep import Factor

    # the model mean is a alone (target 0.3 ± 0.05) and not b: a is pinned, b flat
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0, 1, 200), rng.uniform(0, 1, 200)
    target = (Target("t", 0.3, 0.05),)
    trials = pd.DataFrame({"trial": range(200), "a": a, "b": b, "t": a,
                           "loss": ((a - 0.3) / 0.05) ** 2, "fits": abs(a - 0.3) <= 0.05})
    factors = (Factor("a", 0.0, 1.0), Factor("b", 0.0, 1.0))
    intervals, steps, pairs = profile(trials, factors, target)
    rows = intervals.set_index("parameter")
    # Δχ² ≤ 2.71 of ((a - 0.3) / 0.05)²: |a - 0.3| ≤ 0.082, read in steps of 0.02
    assert rows.loc["a", "low90"] == pytest.approx(0.22)
    assert rows.loc["a", "high90"] == pytest.approx(0.38)
    assert rows.loc["a", "bounded"] == "both" and rows.loc["a", "method"] == "surrogate"
    assert rows.loc["b", "bounded"] == "none" and rows.loc["b", "share"] == 1.0
    assert not pairs
    assert steps.groupby(["parameter", "source"]).size().to_dict() == {
        ("a", "surrogate"): 51, ("a", "trials"): 10, ("b", "surrogate"): 51,
        ("b", "trials"): 10}
    lines = CalibrationResult(trials=trials, best={}, fit=pd.DataFrame(),
                              intervals=intervals).identifiability
    assert lines[0].startswith("a: pinned down, 90% interval [0.22, 0.38]")
    assert lines[1].startswith("b: NOT pinned down: the profile is flat")
    # a ridge: only a + b matters, so the acceptable trials trade a against b
    ridge = trials.assign(t=a + b, loss=((a + b - 1.0) / 0.05) ** 2)
    ridge_target = (Target("t", 1.0, 0.05),)
    assert "a and b trade off (Spearman ρ = -" in profile(ridge, factors, ridge_target)[2][0]


def test_the_profile_does_not_exclude_values_the_search_tried_only_with_poor_partners(
        ) -> None:
    """A search that tried high b only with a far from its best must not rule out high b:
    b has no effect on the outcome, so its profile is flat (the trials' own least χ² per
    tenth, the earlier method, called high b excluded)."""
    import pandas as pd

    from redwuye_graph.experiments.calibrate import Target, profile
    from redwuye_graph.experiments.sweep import Factor

    rng = np.random.default_rng(2)
    b = rng.uniform(0, 1, 60)
    a = np.where(b < 0.5, rng.normal(0.3, 0.03, 60), rng.uniform(0.6, 1.0, 60)).clip(0, 1)
    trials = pd.DataFrame({"trial": range(60), "a": a, "b": b, "t": a,
                           "loss": ((a - 0.3) / 0.05) ** 2})
    factors = (Factor("a", 0.0, 1.0), Factor("b", 0.0, 1.0))
    target = (Target("t", 0.3, 0.05),)
    rows = profile(trials, factors, target)[0].set_index("parameter")
    assert rows.loc["b", "bounded"] == "none", rows.loc["b"].to_dict()
    assert rows.loc["a", "low90"] <= 0.3 <= rows.loc["a", "high90"]
    # the trials' own least χ² per tenth (the fallback without model means) excludes it
    own = profile(trials.drop(columns="t"), factors, target)[0].set_index("parameter")
    assert (own["method"] == "trials").all() and own.loc["b", "bounded"] == "above"
    assert (profile(trials.iloc[:5], factors, target)[0]["method"] == "trials").all()


def test_targets_as_people_state_them() -> None:
    from redwuye_graph.experiments.calibrate import Target

    inside = Target("collection_12m", 0.5, 0.05, "interval", high=0.7)
    assert inside.fits(0.6) and inside.z(0.6) == 0.0 and inside.z(0.8) == pytest.approx(2)
    assert inside.z(0.4) == pytest.approx(-2)
    counts = Target("collection_12m", 0.46, math.nan, "binomial", successes=46, trials=100)
    assert counts.z(0.46) == 0.0 and counts.fits(0.40) and not counts.fits(0.30)
    assert counts.z(0.30) < -2 < 0 < counts.z(0.55)
    # more evidence, tighter: the same share from 10x the counts no longer fits 0.40
    assert not Target("c", 0.46, math.nan, "binomial", successes=460, trials=1000).fits(0.40)


def _linked(folder: Path, days: int = 90) -> None:
    """tiny.toml and linked.toml (owners' committees with a community member) in ``folder``."""
    (folder / "tiny.toml").write_text(tiny_scenario(days=days),
                                      encoding="utf-8")
    (folder / "linked.toml").write_text(
        tiny_scenario(days=days, name="linked")
        + "\n[levels]\nowners_committee = 1.0\ncommunity_member_on_owners_committee = 1.0\n",
        encoding="utf-8")


@pytest.mark.slow
def test_a_synthetic_truth_of_two_regimes_lies_inside_the_90_percent_intervals(
        tmp_path: Path) -> None:
    truth = {"pay_intercept": 0.3, "hours_committee": 60.0}
    _linked(tmp_path, days=120)
    observed = {}
    for name in ("tiny", "linked"):
        sc = load_scenario(tmp_path / f"{name}.toml")
        rows = [run_task(Task(run=s, point=0, replicate=s, seed=s, values=truth, scenario=sc,
                              days=120)) for s in range(100, 103)]  # seeds the fit never uses
        observed[name] = {k: float(np.mean([r[k] for r in rows]))
                          for k in ("collection_12m", "resolution_rate")}
    targets = tmp_path / "targets.toml"
    # tolerance 0.01: about the seed noise of a 3-run observation plus a 2-run model mean
    targets.write_text(
        "[calibrate]\ntrials = 24\nseeds = 2\nsampler_seed = 1\n\n"
        "[params]\npay_intercept = [-1.0, 1.0]\nhours_committee = [0.0, 200.0]\n\n"
        '[[regime]]\nname = "before"\nscenario = "tiny.toml"\n'
        f"[regime.targets.collection_12m]\nvalue = {observed['tiny']['collection_12m']}\n"
        "tolerance = 0.01\n"
        '[[regime]]\nname = "after"\nscenario = "linked.toml"\n'
        f"[regime.targets.collection_12m]\nvalue = {observed['linked']['collection_12m']}\n"
        "tolerance = 0.01\n"
        f"[regime.targets.resolution_rate]\nvalue = {observed['linked']['resolution_rate']}\n"
        "tolerance = 0.01\n", encoding="utf-8")
    with make_executor("local", workers=2) as ex:
        result = calibrate(None, load_targets(targets), ex, progress=False)
    assert result.status == "fitted", result.verdict
    intervals = result.intervals.set_index("parameter")
    for name, value in truth.items():
        row = intervals.loc[name]
        assert row["low90"] <= value <= row["high90"], (name, row.to_dict())
    # the fit pins pay_intercept down: its interval is well inside the searched range
    assert intervals.loc["pay_intercept", "share"] <= 0.5, result.identifiability


def test_a_fit_never_ends_worse_than_its_start(tmp_path: Path) -> None:
    """A search's best that only looks good on the fit's seeds is caught by the check."""
    (tmp_path / "tiny.toml").write_text(TINY + "\n[params]\npay_intercept = 0.0\n",
                                        encoding="utf-8")
    targets = tmp_path / "targets.toml"
    targets.write_text(
        "[calibrate]\ntrials = 6\nseeds = 1\nfirst_seed = 10\nsampler_seed = 1\n"
        "check_seeds = 2\n\n[params]\npay_intercept = [-1.0, 1.0]\n\n"
        "[targets.collection_12m]\nvalue = 0.6\ntolerance = 0.05\n", encoding="utf-8")

    def run(task: Any) -> dict[str, Any]:
        # on the fit's seed collection rises with pay_intercept; on any other it falls
        slope = 0.1 if task.seed == 10 else -0.1
        return {"graph_seed": task.graph_seed, "seed": task.seed,
                "collection_12m": 0.5 + slope * task.values["pay_intercept"]}

    with make_executor("serial") as ex:
        result = calibrate(load_scenario(tmp_path / "tiny.toml"), load_targets(targets), ex,
                           progress=False, run=run)
    assert result.rejected is not None and result.rejected != 0
    assert result.best == {"pay_intercept": 0.0} and result.status == "worse than the start"
    assert result.verdict.startswith("WORSE THAN THE START: the search's best (trial")
    assert result.params_file == "closest.toml"
    assert result.check_loss("start") < result.check_loss("chosen")
    # the intervals come from the rejected search: said before them
    assert result.identifiability[0].startswith("CAUTION: the intervals are of the search's")


def test_resume_continues_the_same_study_and_progress_shows_in_a_log(tmp_path: Path) -> None:
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    text = ("[calibrate]\ntrials = {n}\nseeds = 1\nsampler_seed = 2\ndays = 40\n"
            "check_seeds = 0\n\n[params]\npay_intercept = [-1.0, 1.0]\n\n"
            "[targets.collection_12m]\ninterval = [0.3, 0.9]\ntolerance = 0.05\n")
    targets, out = tmp_path / "targets.toml", tmp_path / "out"
    args = ["calibrate", "--scenario", str(tmp_path / "tiny.toml"), "--targets", str(targets),
            "--out", str(out)]
    targets.write_text(text.format(n=2), encoding="utf-8")
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "calibrating: 2/2 runs" in first.output  # CliRunner's stderr is no terminal
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 1 and "holds a calibration already; add --resume" in again.output
    targets.write_text(text.format(n=4), encoding="utf-8")
    more = CliRunner().invoke(app, [*args, "--resume"])
    assert more.exit_code == 0, more.output
    assert "calibrating: 4/4 runs" in more.output
    import optuna
    import pandas as pd

    study = optuna.load_study(study_name="calibration", storage=f"sqlite:///{out / 'study.db'}")
    assert [t.number for t in study.trials] == [0, 1, 2, 3]
    assert pd.read_parquet(out / "trials.parquet")["trial"].tolist() == [0, 1, 2, 3]


def test_regimes_change_their_scenario_and_read_windows(tmp_path: Path) -> None:
    _linked(tmp_path)
    targets = tmp_path / "targets.toml"
    targets.write_text(
        "[calibrate]\ntrials = 2\nseeds = 1\nsampler_seed = 1\ncheck_seeds = 0\n\n"
        "[params]\npay_intercept = [-1.0, 1.0]\n\n"
        '[[regime]]\nname = "switch"\nscenario = "tiny.toml"\ndays = 80\n'
        "[regime.params]\nhours_committee = 50.0\n"
        '[[regime.policy]]\nkind = "credit_rating"\nstart_day = 40\n'
        '[regime.targets.early]\noutcome = "collection"\nwindow = [1, 40]\n'
        "successes = 55\ntrials = 100\n"
        '[regime.targets.late]\noutcome = "resolution_rate"\nwindow = [41, 80]\n'
        "min = 0.5\ntolerance = 0.05\n", encoding="utf-8")
    spec = load_targets(targets)
    sc = spec.regimes["switch"]
    assert sc.days == 80 and sc.params.hours_committee == 50.0
    assert [p["kind"] for p in sc.policies] == ["credit_rating"]
    assert [(t.key, t.column, t.kind) for t in spec.targets] == [
        ("switch.early", "collection[1-40]", "binomial"),
        ("switch.late", "resolution_rate[41-80]", "min")]
    with make_executor("serial") as ex:
        result = calibrate(None, spec, ex, progress=False)
    from redwuye_graph.outcomes import Counts, window_outcome

    model = sc.model(sc.graph_seed, spec.first_seed)  # trial 0: the scenario's own values
    model.run(80)
    counts = Counts.from_table(model.recorder.tables(estates=False)["city"])
    start = result.trials[result.trials["trial"] == 0].iloc[0]
    assert start["switch.early"] == pytest.approx(window_outcome(counts, "collection", 1, 40))
    assert start["switch.late"] == pytest.approx(
        window_outcome(counts, "resolution_rate", 41, 80))
    targets.write_text(targets.read_text(encoding="utf-8").replace("[41, 80]", "[41, 81]"),
                       encoding="utf-8")
    with pytest.raises(SweepError, match=r"target switch.late.window: ends on day 81, after "
                                         r"the run's 80 days"):
        load_targets(targets)
