"""Observed outcomes (Observation nodes) beside simulated ones: the article's 绿云小区."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from redwuye_graph.cli import app
from redwuye_graph.observed import observations
from redwuye_graph.rosters import read_csv, write_csv
from redwuye_graph.schema import Label

ROSTER = Path(__file__).resolve().parents[1] / "examples" / "zhengzhou-2019"


def test_the_articles_observations() -> None:
    rows = observations(read_csv(ROSTER))
    assert rows[["estate", "period", "measure", "observed", "bound"]].to_dict("records") == [
        {"estate": "E03", "period": "2019", "measure": "fee_collection", "observed": 0.9,
         "bound": "above"},
        {"estate": "E03", "period": "before", "measure": "fee_collection", "observed": 0.5,
         "bound": "below"}]
    assert rows["source"].str.startswith("seed article").all()


@pytest.fixture
def filled_store(tmp_path: Path) -> str:
    """The article's roster with the values the simulation needs (placeholders), loaded."""
    city = read_csv(ROSTER)
    for _estate, _, props in city.nodes(Label.ESTATE):
        props.update(households=400, old=True, fee_level=0.8)
    for _company, _, props in city.nodes(Label.PROPERTY_COMPANY):
        props.update(credit_grade="A", blacklisted=False, star_rating=3)
    store = f"embedded:{tmp_path / 'zz.rdb'}"
    loaded = CliRunner().invoke(app, ["load", str(write_csv(city, tmp_path / "roster")),
                                      "--store", store])
    assert loaded.exit_code == 0, loaded.output
    return store


def test_simulate_shows_observed_beside_simulated(filled_store: str, tmp_path: Path) -> None:
    scenario = tmp_path / "zz.toml"
    scenario.write_text(f'[scenario]\nname = "zz"\nstore = "{filled_store}"\ndays = 400\n'
                        "seeds = 2\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["simulate", str(scenario), "--out", str(out),
                                      "--report"])
    assert result.exit_code == 0, result.output
    assert "observed vs simulated" in result.output
    assert "E03 绿云小区 fee_collection before: observed under 50.0%" in result.output
    table = pd.read_csv(out / "observed.csv")
    assert list(table["measure"]) == ["fee_collection", "fee_collection"]
    # independently: household-months paid / due over the last 365 days, per run
    estate = pd.read_parquet(out / "estate.parquet")
    mine = estate[(estate["estate"] == "E03") & (estate["day"] > 400 - 365)]
    sums = mine.groupby("seed")[["paid", "due"]].sum()
    per_run = sums["paid"] / sums["due"]
    assert table["simulated"].tolist() == pytest.approx([per_run.mean()] * 2)
    assert table["low"].iloc[0] <= table["simulated"].iloc[0] <= table["high"].iloc[0]
    assert (table["runs"] == 2).all()
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Observed and simulated, per estate" in page and "绿云小区" in page
    assert f"<td class=\"num\">{table['simulated'].iloc[0] * 100:.1f}%</td>" in page  # in %
