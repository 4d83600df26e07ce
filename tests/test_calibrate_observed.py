"""Calibration targets per estate and district, and from a store's Observation nodes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scenario_texts import tiny_scenario
from typer.testing import CliRunner

from redwuye_graph.cli import app
from redwuye_graph.experiments import make_executor
from redwuye_graph.experiments.calibrate import calibrate, load_targets, observed_targets
from redwuye_graph.experiments.sweep import SweepError, Task, run_task
from redwuye_graph.generate import generate
from redwuye_graph.schema import Label, RelType
from redwuye_graph.sim.scenario import Scenario, load_scenario
from redwuye_graph.store import open_store

#: The tiny city's largest estate (554 households) and another one; its one district.
ESTATE, OTHER, DISTRICT = "E000007", "E000002", "D01"
SOURCE = "test: street office ledger"


def _store(folder: Path, observations: list[tuple[str, str, dict[str, Any]]],
           params: str = "") -> Path:
    """The tiny city (graph seed 3) with ``(id, estate, properties)`` observations, in an
    embedded store; a one-seed scenario of it, 90 days (and ``params``), in
    ``folder/zz.toml``."""
    city = generate("tiny", seed=3)
    for obs, estate, props in observations:
        city.add_node(Label.OBSERVATION, obs, source=SOURCE, **props)
        city.add_rel(RelType.OBSERVED_AT, obs, estate)
    store = f"embedded:{folder / 'zz.rdb'}"
    with open_store(store) as db:
        db.load(city)
    scenario = folder / "zz.toml"
    scenario.write_text(f'[scenario]\nname = "zz"\nstore = "{store}"\ndays = 90\nseeds = 1\n'
                        + (f"[params]\n{params}\n" if params else ""), encoding="utf-8")
    return scenario


def _targets(folder: Path, text: str, head: str = "trials = 2\nseeds = 1\ncheck_seeds = 0"
             ) -> Path:
    path = folder / "targets.toml"
    path.write_text(f"[calibrate]\n{head}\nsampler_seed = 1\n\n"
                    f"[params]\npay_intercept = [-1.0, 1.0]\n\n{text}", encoding="utf-8")
    return path


def _estate_rates(sc: Scenario, seed: int, values: dict[str, Any] | None = None
                  ) -> pd.DataFrame:
    """Each estate's daily counts of one run, straight from the recorder's estate table."""
    if values:
        sc = replace(sc, params=replace(sc.params, **values))
    model = sc.model(sc.graph_seed, seed)
    model.run(90)
    return model.recorder.tables()["estate"]


def _collection(table: pd.DataFrame, first: int, last: int) -> float:
    days = table[(table["day"] >= first) & (table["day"] <= last)]
    return float(days["paid"].sum() / days["due"].sum())


OBSERVED = [("OB1", ESTATE, {"period": "before", "fee_collection": 0.5,
                             "fee_collection_bound": "below"}),
            ("OB2", ESTATE, {"period": "after", "fee_collection": 0.9,
                             "fee_collection_bound": "above"}),
            ("OB3", OTHER, {"period": "before", "complaints": 40, "resolved": 30}),
            ("OB4", OTHER, {"period": "after", "complaints": 12}),
            ("OB5", OTHER, {"period": "2018", "fee_collection": 0.4}),
            ("OB6", OTHER, {"period": "2017", "complaints": 5})]


def test_observations_on_the_store_become_targets_of_their_estates(tmp_path: Path) -> None:
    scenario = _store(tmp_path, OBSERVED)
    spec = load_targets(_targets(tmp_path, (
        "[targets.district_late]\noutcome = \"resolution_rate\"\nwindow = [1, 60]\n"
        f'district = "{DISTRICT}"\nmin = 0.2\ntolerance = 0.05\n\n'
        "[observed]\ntolerance = 0.05\n[observed.periods]\nbefore = [1, 45]\n"
        "after = [46, 90]\n")))
    sc = load_scenario(scenario).snapshot()
    full = observed_targets(spec, {"": sc})
    # OB4 has complaints but no resolved count: nothing to fit; OB5's and OB6's periods
    # are not named
    assert [(t.key, t.unit, t.kind, t.column) for t in full.targets] == [
        ("district_late", "district D01", "min", "resolution_rate[1-60]@D01"),
        ("OB1_fee_collection", f"estate {ESTATE}", "max", f"collection[1-45]@{ESTATE}"),
        ("OB2_fee_collection", f"estate {ESTATE}", "min", f"collection[46-90]@{ESTATE}"),
        ("OB3_resolution", f"estate {OTHER}", "binomial", f"resolution_rate[1-45]@{OTHER}")]
    ob3 = full.targets[-1]
    assert (ob3.successes, ob3.trials, ob3.value) == (30, 40, 0.75)
    with make_executor("serial") as ex:
        result = calibrate(sc, spec, ex, progress=False)
    assert list(result.fit["unit"]) == ["district D01", f"estate {ESTATE}", f"estate {ESTATE}",
                                        f"estate {OTHER}"]
    # trial 0 (the scenario's own values, run seed 1000) read independently: the estate's
    # household-months paid / due over each window, and the district's resolution rate
    start = result.trials[result.trials["trial"] == 0].iloc[0]
    table = _estate_rates(sc, 1000)
    mine = table[table["estate"] == ESTATE]
    assert start["OB1_fee_collection"] == pytest.approx(_collection(mine, 1, 45))
    assert start["OB2_fee_collection"] == pytest.approx(_collection(mine, 46, 90))
    assert _collection(mine, 1, 45) != pytest.approx(_collection(table, 1, 45))
    other = table[(table["estate"] == OTHER) & (table["day"] <= 45)]
    assert start["OB3_resolution"] == pytest.approx(
        other["within_window"].sum() / other["filed"].sum())
    whole = table[table["day"] <= 60]  # D01 is every estate of the tiny city
    assert start["district_late"] == pytest.approx(
        whole["within_window"].sum() / whole["filed"].sum())


@pytest.mark.parametrize(("text", "where", "words"), [
    ("[observed]\ntolerance = 0.05\n[observed.periods]\nbefore = [1, 45]\nlater = [46, 90]\n",
     "observed.periods.later", "no Observation of this period on embedded:"),
    ("[observed]\n[observed.periods]\nbefore = [1, 45]\n", "observed.tolerance",
     "observation OB1 records fee_collection"),
    ("[observed]\ntolerance = 0.05\n[observed.periods]\nbefore = [1, 120]\n",
     "target OB1_fee_collection.window", "ends on day 120, after the run's 90 days"),
    ("[observed]\nperiods = { 2017 = [1, 45] }\n", "observed",
     "record no share to fit"),
    ("[targets.x]\noutcome = \"collection\"\nwindow = [1, 30]\nestate = \"E999999\"\n"
     "value = 0.5\ntolerance = 0.1\n", "target x", "has no estate E999999"),
    ("[targets.x]\noutcome = \"collection\"\nwindow = [1, 30]\nestate = \"D01\"\n"
     "value = 0.5\ntolerance = 0.1\n", "target x", "has no estate D01"),
])
def test_bad_observed_and_unit_targets_are_refused_before_any_run(
        tmp_path: Path, text: str, where: str, words: str) -> None:
    sc = load_scenario(_store(tmp_path, OBSERVED))
    targets = _targets(tmp_path, text)
    ran: list[Task] = []

    def run(task: Task) -> dict[str, Any]:
        ran.append(task)
        return run_task(task)

    with make_executor("serial") as ex, pytest.raises(SweepError) as err:
        calibrate(sc, load_targets(targets), ex, progress=False, run=run)
    assert f"{targets}: {where}: " in str(err.value) and words in str(err.value), err.value
    assert not ran


@pytest.mark.parametrize(("text", "where", "words"), [
    ("[targets.collection_12m]\nvalue = 0.5\ntolerance = 0.1\nestate = \"E000007\"\n",
     "targets.collection_12m.estate", "read over a window"),
    ("[targets.x]\noutcome = \"collection\"\nwindow = [1, 30]\nestate = \"E1\"\n"
     "district = \"D01\"\nvalue = 0.5\ntolerance = 0.1\n", "targets.x", "not both"),
    ("[observed]\ntolerance = 0.05\n", "observed.periods", "missing"),
    ("[observed]\nperiods = { before = [3, 1] }\n", "observed.periods.before",
     "1 <= first <= last"),
    ("[observed]\nperiods = { before = [1, 3] }\nbound = 2\n", "observed.bound",
     "unknown key"),
])
def test_bad_unit_and_observed_tables_are_refused_on_load(tmp_path: Path, text: str,
                                                          where: str, words: str) -> None:
    targets = _targets(tmp_path, text)
    with pytest.raises(SweepError) as err:
        load_targets(targets)
    assert f"{targets}: {where}: " in str(err.value) and words in str(err.value), err.value


def test_observed_targets_need_a_store(tmp_path: Path) -> None:
    (tmp_path / "tiny.toml").write_text(tiny_scenario(days=90), encoding="utf-8")
    targets = _targets(tmp_path, "[observed]\ntolerance = 0.05\nperiods = { a = [1, 9] }\n")
    result = CliRunner().invoke(app, ["calibrate", "--scenario", str(tmp_path / "tiny.toml"),
                                      "--targets", str(targets), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"error: {targets}: observed: reads the Observation nodes of a store; the scenario "
        "tiny is generated (preset tiny)"], result.output


TRUTH = 0.3  # pay_intercept
START = -0.8


@pytest.mark.slow
def test_a_synthetic_truth_at_one_estate_lies_inside_its_90_percent_interval(
        tmp_path: Path) -> None:
    # the truth: the estate's fee collection over days 1..90 with pay_intercept = 0.3, on
    # run seeds the fit never uses, recorded on the store as an observation of that estate
    sc = load_scenario(_store(tmp_path, [])).snapshot()
    observed = float(np.mean([_collection(t[t["estate"] == ESTATE], 1, 90) for t in (
        _estate_rates(sc, s, {"pay_intercept": TRUTH}) for s in range(100, 105))]))
    folder = tmp_path / "obs"
    folder.mkdir()
    scenario = _store(folder, [("OB1", ESTATE, {"period": "2019",
                                                "fee_collection": round(observed, 4)})],
                      params=f"pay_intercept = {START}")
    # tolerance 0.03: about the seed noise of one estate's three month ends
    targets = _targets(folder, "[observed]\ntolerance = 0.03\nperiods = { 2019 = [1, 90] }\n",
                       head="trials = 16\nseeds = 2\ncheck_seeds = 2\ncheck_graph_seeds = 0")
    out = folder / "out"
    result = CliRunner().invoke(app, ["calibrate", "--scenario", str(scenario), "--targets",
                                      str(targets), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("FITTED: trial "), result.output
    fit = pd.read_csv(out / "fit.csv")
    assert fit[["target", "unit", "kind"]].values.tolist() == [
        ["OB1_fee_collection", f"estate {ESTATE}", "value"]]
    assert fit["within"].all(), fit
    interval = pd.read_csv(out / "intervals.csv").set_index("parameter").loc["pay_intercept"]
    assert interval["low90"] <= TRUTH <= interval["high90"], interval.to_dict()
    assert not interval["low90"] <= START <= interval["high90"], interval.to_dict()


def test_a_mean_of_one_run_prints_its_sd_as_not_applicable(tmp_path: Path) -> None:
    (tmp_path / "tiny.toml").write_text(tiny_scenario(days=40), encoding="utf-8")
    targets = _targets(tmp_path, "[targets.collection_12m]\ninterval = [0.0, 1.0]\n"
                       "tolerance = 0.05\n",
                       head="trials = 2\nseeds = 1\ncheck_seeds = 1\ncheck_graph_seeds = 0")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["calibrate", "--scenario", str(tmp_path / "tiny.toml"),
                                      "--targets", str(targets), "--out", str(out)])
    assert result.exit_code == 0, result.output
    # one seed, one base city: the fit and the check each average one run
    for name in ("fit", "check"):
        table = pd.read_csv(out / f"{name}.csv")
        assert (table["runs"] == 1).all() and table["sd"].isna().all(), name
    printed = result.output.split("fit per target:")[1].split("90% profile")[0]
    assert printed.count("n/a (one run)") == 3 and "NaN" not in printed, printed


def test_scenarios_that_differ_in_posts_share_their_base_city(tmp_path: Path) -> None:
    from redwuye_graph.sim.scenario import cities

    posts = "\n[levels]\nowners_committee = 1.0\n"
    for name, levels in (("a", ""), ("b", posts), ("c", posts + "vacuum = 0.5\n")):
        (tmp_path / f"{name}.toml").write_text(tiny_scenario(name=name) + levels,
                                               encoding="utf-8")
    a, b, c = (load_scenario(tmp_path / f"{n}.toml") for n in "abc")
    (base_a, none), (base_b, changed_b) = cities(a, 3), cities(b, 3)
    assert none is None and base_b is base_a and changed_b is not None
    assert changed_b != base_a and cities(b, 3)[1] is changed_b
    base_c = cities(c, 3)[0]  # vacuum is structure: another base city
    assert base_c is not base_a and base_c != base_a


def test_each_regime_takes_the_observations_of_its_periods(tmp_path: Path) -> None:
    _store(tmp_path, OBSERVED)
    targets = _targets(tmp_path, "".join(
        f'[[regime]]\nname = "{name}"\nscenario = "zz.toml"\n'
        f"[regime.observed]\ntolerance = 0.04\nperiods = {{ {period} = [1, 90] }}\n"
        for name, period in (("before", "before"), ("after", "after"))))
    spec = load_targets(targets)
    regimes = {n: sc.snapshot() for n, sc in spec.regimes.items()}
    full = observed_targets(spec, regimes)
    assert [(t.key, t.kind, t.estate, t.tolerance) for t in full.targets if t.kind != "binomial"
            ] == [("before.OB1_fee_collection", "max", ESTATE, 0.04),
                  ("after.OB2_fee_collection", "min", ESTATE, 0.04)]
    assert [t.key for t in full.targets] == ["before.OB1_fee_collection", "before.OB3_resolution",
                                             "after.OB2_fee_collection"]
