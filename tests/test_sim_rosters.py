"""Cities that pass validation neither crash nor spoil a simulation; short horizons work."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from redwuye_graph.cli import app
from redwuye_graph.generate import generate
from redwuye_graph.outcomes import run_outcomes
from redwuye_graph.rosters import read_csv
from redwuye_graph.schema import Label
from redwuye_graph.sim import CityModel
from redwuye_graph.sim.policies import make_policy

ALL_POSTS = {post: 1.0 for post in (
    "owners_committee", "community_member_on_owners_committee", "secretary_instructor",
    "quality_supervisor", "head_on_regional_committee", "owners_on_regional_committee")}


def _run_quietly(model: CityModel, days: int) -> dict[str, float]:
    """Run ``model`` with every warning an error; its outcomes."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.run(days)
        return run_outcomes(model.tables())


def test_cross_appointment_in_a_community_without_residents_committee() -> None:
    city = generate("tiny", seed=3)
    committees = [n for n, *_ in city.nodes(Label.RESIDENTS_COMMITTEE)]
    for rc in committees[:2]:
        city.graph.remove_node(rc)
    assert city.validate() == []
    policy = make_policy(kind="cross_appointment", start_day=5, **ALL_POSTS)
    outcomes = _run_quietly(CityModel(city, policies=[policy], seed=1), 60)
    assert all(np.isfinite(v) for v in outcomes.values()), outcomes


def test_an_estate_without_households_spoils_nothing() -> None:
    city = generate("tiny", seed=3)
    empty = next(iter(city.nodes(Label.ESTATE)))[0]
    city.props(empty)["households"] = 0
    assert city.validate() == []
    model = CityModel(city, seed=1)
    outcomes = _run_quietly(model, 400)
    assert all(np.isfinite(v) for v in outcomes.values()), outcomes
    estate = model.tables()["estate"]
    rows = estate[estate["estate"] == empty]
    assert (rows["filed"] == 0).all() and (rows["due"] == 0).all()
    assert rows["satisfaction"].isna().all()  # per-household rates: undefined, not 0
    assert np.isfinite(model.peer_paid).all()


def test_a_city_without_households_is_refused() -> None:
    city = generate("tiny", seed=3)
    for _, _, props in city.nodes(Label.ESTATE):
        props["households"] = 0
    with pytest.raises(ValueError, match="no households to simulate"):
        CityModel(city, seed=1)


def test_simulate_within_the_resolution_window_writes_plot_and_report(tmp_path: Path) -> None:
    scenario = tmp_path / "short.toml"
    scenario.write_text('[scenario]\nname = "short"\npreset = "tiny"\ndays = 20\nseeds = 2\n',
                        encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["simulate", str(scenario), "--out", str(out),
                                      "--report"])
    assert result.exit_code == 0, result.output
    assert "resolution_rate n/a" in result.output
    for name in ("city.parquet", "estate.parquet", "plot.png", "report.html", "manifest.json"):
        assert (out / name).is_file(), name


def test_a_city_too_big_for_memory_is_refused_before_allocating(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from redwuye_graph.sim import model as model_module

    city = generate("tiny", seed=3)
    for _, _, props in city.nodes(Label.ESTATE):
        props["households"] = 100_000  # the schema's largest estate
    monkeypatch.setattr(model_module, "available_memory", lambda: 64 * 2**20)
    allocated: list[int] = []
    monkeypatch.setattr(model_module, "VectorHouseholds",
                        lambda *args: allocated.append(1))  # must not be reached
    with pytest.raises(MemoryError, match=r"1,400,000 households need about 171 MiB .* "
                                          r"64 MiB is available"):
        CityModel(city, seed=1)
    assert not allocated


def test_the_cli_names_the_memory_a_city_needs(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from redwuye_graph.sim import model as model_module

    monkeypatch.setattr(model_module, "available_memory", lambda: 1024)
    scenario = tmp_path / "tiny.toml"
    scenario.write_text('[scenario]\nname = "tiny"\npreset = "tiny"\ndays = 5\nseeds = 1\n',
                        encoding="utf-8")
    result = CliRunner().invoke(app, ["simulate", str(scenario), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "households need about" in lines[0], result.output
    assert lines[0].startswith(f"error: {scenario}: preset tiny: "), result.output
    assert "Traceback" not in result.output


def test_simulate_names_a_store_without_households(tmp_path: Path) -> None:
    from redwuye_graph.store import open_store

    city = generate("tiny", seed=3)
    for _, _, props in city.nodes(Label.ESTATE):
        props["households"] = 0
    store = f"embedded:{tmp_path / 'empty.rdb'}"
    with open_store(store) as db:
        db.load(city)
    scenario = tmp_path / "empty.toml"
    scenario.write_text(f'[scenario]\nname = "empty"\nstore = "{store}"\ndays = 5\n',
                        encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["simulate", str(scenario), "--out", str(out)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"error: {scenario}: store {store}: the city has no households to simulate "
        "(every estate has households = 0)"], result.output
    assert not out.exists() or not any(out.iterdir())
    sweep = tmp_path / "sweep.toml"
    sweep.write_text('[sweep]\nname = "s"\nscenario = "empty.toml"\nsamples = 2\n'
                     'days = 5\n[params]\nhours_committee = [20.0, 200.0]\n',
                     encoding="utf-8")
    result = CliRunner().invoke(app, ["sweep", str(sweep), "--out", str(tmp_path / "sw")])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith(
        f"error: {scenario}: store {store}: the city has no households"), result.output
    assert not (tmp_path / "sw" / "runs.parquet").exists()


def test_a_partial_roster_simulates_once_filled_or_names_what_is_missing(
        tmp_path: Path) -> None:
    """The article's roster loads with estates' and companies' values unknown: simulate
    refuses it in one line naming file, id and fields (nothing written); with those
    values filled it simulates."""
    roster = Path(__file__).resolve().parents[1] / "examples" / "zhengzhou-2019"
    store = f"embedded:{tmp_path / 'zz.rdb'}"
    runner = CliRunner()
    assert runner.invoke(app, ["load", str(roster), "--store", store]).exit_code == 0
    scenario = tmp_path / "zz.toml"
    scenario.write_text(f'[scenario]\nname = "zz"\nstore = "{store}"\ndays = 30\nseeds = 1\n',
                        encoding="utf-8")
    result = runner.invoke(app, ["simulate", str(scenario), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert "nodes/Estate.csv id E01: households, old, fee_level" in lines[0]
    assert "nodes/PropertyCompany.csv id F01: credit_grade, blacklisted, star_rating" \
        in lines[0]
    assert not (tmp_path / "out").exists()

    city = read_csv(roster)
    for _estate, _, props in city.nodes(Label.ESTATE):
        props.update(households=300, old=True, fee_level=0.8)
    for _company, _, props in city.nodes(Label.PROPERTY_COMPANY):
        props.update(credit_grade="A", blacklisted=False, star_rating=3)
    outcomes = _run_quietly(CityModel(city, seed=1), 30)
    assert np.isfinite(outcomes["collection_12m"]), outcomes
