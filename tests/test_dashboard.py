"""The dashboard: its model run (fast) and the served page driven in headless Chromium."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from typer.testing import CliRunner

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.cli import app
from redwuye_graph.dashboard import Controls, DashboardRun
from redwuye_graph.dashboard.page import worst_table
from redwuye_graph.dashboard.run import readout
from redwuye_graph.dashboard.serve import ENV, served
from redwuye_graph.sim.scenario import load_scenario

if TYPE_CHECKING:
    from playwright.sync_api import Locator

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
#: The browser test waits for conditions (the app rendered, a step shown, plots redrawn),
#: never for a fixed time; this is only when it gives up, generous for a loaded machine.
DEADLINE_S = 120
DEADLINE_MS = DEADLINE_S * 1000


# -- the model run ---------------------------------------------------------------------------
def test_raised_control_applies_today(tiny_city: CityGraph) -> None:
    run = DashboardRun(tiny_city, seed=2)
    run.advance(20)
    before = run.model.links["quality_supervisor"].mean()
    assert run.set_controls(Controls(cross_appointment=1.0)) == [
        "day 20: cross-appointment targets raised to 100%"]
    assert run.model.links["quality_supervisor"][run.model.served].all()
    assert run.model.links["quality_supervisor"].mean() > before
    assert run.log == [(20, "cross-appointment targets raised to 100%")]


def test_lowered_target_waits_for_reset(tiny_city: CityGraph) -> None:
    run = DashboardRun(tiny_city)
    run.set_controls(Controls(cross_appointment=0.8, credit_rating=True))
    assert "credit_rating" in run.model.policies.in_force
    changes = run.set_controls(Controls(cross_appointment=0.2))
    assert changes == ["day 0: credit rating off",
                       "day 0: cross appointment lowered: takes effect on reset (posts are "
                       "not taken away)"]
    assert "credit_rating" not in run.model.policies.in_force
    assert run.controls.cross_appointment == 0.8  # the high-water mark stays in force
    run.advance(10)
    run.reset(Controls(cross_appointment=0.2))
    assert run.day == 0 and run.log == [(0, "cross-appointment targets raised to 20%")]


def test_meetings_and_interim_follow_both_ways(tiny_city: CityGraph) -> None:
    run = DashboardRun(tiny_city)
    run.set_controls(Controls(meetings_per_month=4, interim_days=10))
    assert run.model.interim_days() == 10
    assert run.model._meetings.schedule.interval == pytest.approx(7.5)
    run.set_controls(Controls(meetings_per_month=1, interim_days=90))
    assert run.model.interim_days() == 90
    assert run.model._meetings.schedule.interval == pytest.approx(30)


def test_reset_gives_the_same_run_as_controls_from_day_zero(tiny_city: CityGraph) -> None:
    controls = Controls(cross_appointment=0.9, service_points=0.5, star_rating=True)
    a = DashboardRun(tiny_city, seed=5)
    a.advance(17)
    a.reset(controls)
    a.advance(45)
    b = DashboardRun(tiny_city, seed=5)
    b.reset(controls)
    b.advance(45)
    assert a.series().equals(b.series())


def test_series_and_worst_estates(tiny_city: CityGraph) -> None:
    run = DashboardRun(tiny_city)
    assert run.series().empty and len(run.worst_estates(3)) == 3
    assert run.advance_for(0.0, chunk=7, limit=30) == 7
    assert run.advance_for(60.0, chunk=7, limit=30) == 30
    assert list(run.series()["day"]) == list(range(1, 31))
    worst = run.worst_estates(5)
    assert list(worst.columns) == ["estate", "name", "community", "community_name",
                                   "households", "linkage", "served", "collection",
                                   "resolution", "open", "satisfaction"]
    assert worst["name"].tolist() == [tiny_city.props(e)["name"] for e in worst["estate"]]
    everyone = run.worst_estates(100)
    assert len(everyone) == len(run.model.estate_ids)
    collection = everyone["collection"].to_numpy()
    assert np.all(np.diff(collection[~np.isnan(collection)]) >= 0)
    assert worst.equals(everyone.head(5))


def test_readout_is_the_city_outcomes_now(tiny_city: CityGraph) -> None:
    run = DashboardRun(tiny_city)
    assert all(np.isnan(v) for v in readout(run.series()).values())
    run.advance(200)
    series = run.series()
    now = readout(series)
    window = run.model.p.window_days
    recent = series[(series["day"] > 200 - window - 90) & (series["day"] <= 200 - window)]
    assert now["resolution"] == recent["within_window"].sum() / recent["filed"].sum()
    assert now["collection"] == series["collection_rate"].iloc[-1]
    assert now["satisfaction"] == series["satisfaction"].iloc[-1]


def test_worst_table_shows_names_yes_no_and_units(tiny_city: CityGraph) -> None:
    run = DashboardRun(tiny_city)
    run.advance(40)
    worst = run.worst_estates(10)
    shown = worst_table(worst, 30)
    assert list(shown.columns) == ["estate", "community", "households", "linkage",
                                   "served by a company", "collection (latest month)",
                                   "settled within 30 days (90 filing days)", "open complaints",
                                   "satisfaction (0–1)"]
    assert shown["estate"].tolist() == [tiny_city.props(e)["name"] for e in worst["estate"]]
    assert shown["community"].tolist() == [tiny_city.props(c)["name"]
                                           for c in worst["community"]]
    assert set(shown["served by a company"]) <= {"yes", "no"}
    first = worst.iloc[0]
    assert shown.iloc[0]["collection (latest month)"] == f"{first['collection'] * 100:.1f}%"
    assert shown.iloc[0]["open complaints"] == f"{int(first['open']):,}"
    assert shown.iloc[0]["households"] == f"{int(first['households']):,}"
    html = shown.to_html(index=False, escape=True)
    assert "True" not in html and "False" not in html


def test_saved_scenario_runs_as_the_dashboard_did(tiny_city: CityGraph, tmp_path: Path) -> None:
    controls = Controls(cross_appointment=0.6, meetings_per_month=4, interim_days=30,
                        credit_rating=True)
    run = DashboardRun(tiny_city, seed=3)
    run.reset(controls)
    run.advance(45)
    path = tmp_path / "saved.toml"
    path.write_text(run.scenario(controls, {"preset": "tiny", "graph_seed": 7}), "utf-8")
    sc = load_scenario(path)  # the loader `redwuye simulate` uses
    assert (sc.preset, sc.graph_seed_list(), sc.days, sc.seed_list()) == ("tiny", [7], 45, [3])
    assert [p["kind"] for p in sc.policies] == ["cross_appointment", "tripartite_meetings",
                                                "interim_management", "credit_rating"]
    assert all(p["start_day"] == 0 for p in sc.policies)
    assert sc.policies[0]["quality_supervisor"] == 0.6 and sc.policies[1]["per_month"] == 4
    model = sc.model(7, 3)
    model.run(sc.days)
    assert model.recorder.city_table().equals(run.series())  # the same run, day for day
    result = CliRunner().invoke(app, ["simulate", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "dashboard: 1 run(s) of 45 days" in result.output


def test_a_saved_scenario_keeps_no_store_password(tiny_city: CityGraph) -> None:
    text = DashboardRun(tiny_city).scenario(Controls(), {"store": "bolt://neo4j:s3cret@db:7687"})
    assert 'store = "bolt://db:7687"' in text and "s3cret" not in text


def test_export_is_the_series(tiny_city: CityGraph) -> None:
    import io

    import pandas as pd

    run = DashboardRun(tiny_city)
    run.advance(20)
    series = run.series()
    back = pd.read_parquet(io.BytesIO(run.export("parquet")))
    assert back.equals(series)
    text = pd.read_csv(io.BytesIO(run.export("csv")))
    assert text["day"].tolist() == list(range(1, 21))
    assert np.allclose(text["collection_rate"], series["collection_rate"], equal_nan=True)
    with pytest.raises(ValueError, match="allowed: csv, parquet"):
        run.export("xlsx")


@pytest.mark.parametrize(("args", "message"), [
    (["--preset", "tiny", "--store", "embedded:x.rdb"], "give --preset or --store, not both"),
    (["--preset", "town"], "--preset: unknown preset 'town'; allowed: tiny, district, city"),
    (["--store", "embedded:{tmp}/none.rdb"], "no store at {tmp}/none.rdb"),
])
def test_dashboard_command_refuses_bad_sources(args: list[str], message: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV.values():  # serve() sets them: restore them after the test
        monkeypatch.setenv(name, "")
    result = CliRunner().invoke(app, ["dashboard", *[a.format(tmp=tmp_path) for a in args]])
    assert result.exit_code == 1
    assert f"error: {message.format(tmp=tmp_path)}" in result.output


# -- the served page in a real browser ---------------------------------------------------------
@pytest.fixture
def dashboard_url() -> Iterator[str]:
    printed: list[str] = []
    with served("tiny", timeout=DEADLINE_S, output=printed) as url:
        assert url.startswith("http://localhost:")
        yield url
    # opened on localhost, Solara's session cookie needs no fallback and no warning
    assert "samesite" not in printed[0].lower(), printed[0]


def _redrawn(plots: list[Locator], unlike: list[bytes]) -> list[bytes]:
    """Screenshots of ``plots`` once every one differs from ``unlike`` and has stopped changing."""
    deadline = time.monotonic() + DEADLINE_S
    previous: list[bytes] = []
    while time.monotonic() < deadline:
        shots = [plot.screenshot() for plot in plots]
        if shots == previous and all(a != b for a, b in zip(unlike, shots, strict=True)):
            return shots
        previous = shots
        time.sleep(0.25)
    raise AssertionError(f"the plots did not follow the steps within {DEADLINE_S} s")


@pytest.mark.slow
def test_dashboard_in_chromium(dashboard_url: str, tmp_path: Path) -> None:
    import pandas as pd
    from playwright.sync_api import expect, sync_playwright

    from redwuye_graph.generate import generate
    from redwuye_graph.schema import Label

    names = {props["name"] for _, _, props in generate("tiny", seed=1).nodes(Label.ESTATE)}

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run 'make browser'"
    shots = REPO / "build"
    shots.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(DEADLINE_MS)
            page.goto(dashboard_url)
            day = page.locator(".rw-day")
            # ready: the app has replaced Solara's "Loading app" (slow on a loaded machine)
            expect(day).to_have_text("day 0", timeout=DEADLINE_MS)
            plots = [page.locator(f".rw-plot-{name}") for name in ("collection", "resolution")]
            empty = [p.screenshot() for p in plots]

            page.locator(".rw-step").click()
            expect(day).to_have_text("day 30", timeout=DEADLINE_MS)
            first = _redrawn(plots, unlike=empty)
            readout = page.locator(".rw-readout").inner_text()

            slider = page.locator(".rw-control-cross_appointment .v-slider")
            box = slider.bounding_box()
            assert box is not None
            page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
            expect(page.locator(".rw-control-cross_appointment")).to_contain_text(
                "100%", timeout=DEADLINE_MS)
            expect(page.get_by_text("day 30: cross-appointment targets raised to 100%")
                   ).to_be_visible(timeout=DEADLINE_MS)

            page.locator(".rw-step").click()
            expect(day).to_have_text("day 60", timeout=DEADLINE_MS)
            page.locator(".rw-step").click()
            expect(day).to_have_text("day 90", timeout=DEADLINE_MS)
            later = _redrawn(plots, unlike=first)
            collection = [float(v) for v in re.findall(
                r"collection \(latest month\) ([\d.]+)%", readout + page.locator(
                    ".rw-readout").inner_text())]
            assert len(collection) == 2 and collection[1] > collection[0] + 5, collection
            assert page.locator("table.rw-worst tbody tr").count() == 10
            estates = page.locator("table.rw-worst tbody tr td:first-child").all_inner_texts()
            assert set(estates) <= names, estates  # names, not ids
            table = page.locator("table.rw-worst").inner_text()
            assert "True" not in table and "False" not in table and "%" in table

            with page.expect_download() as saved:
                page.locator(".rw-save-scenario").click()
            saved.value.save_as(tmp_path / "saved.toml")
            sc = load_scenario(tmp_path / "saved.toml")
            assert (sc.preset, sc.graph_seed, sc.days) == ("tiny", 1, 90)
            assert [(p["kind"], p["quality_supervisor"]) for p in sc.policies] == [
                ("cross_appointment", 1.0)]
            with page.expect_download() as exported:
                page.locator(".rw-export-csv").click()
            exported.value.save_as(tmp_path / "run.csv")
            assert pd.read_csv(tmp_path / "run.csv")["day"].tolist() == list(range(1, 91))

            page.locator(".rw-start").click()
            expect(page.locator(".rw-start")).to_have_text(re.compile("pause", re.I),
                                                           timeout=DEADLINE_MS)
            page.wait_for_function(
                "() => +document.querySelector('.rw-day').innerText.split(' ')[1] >= 150")
            page.locator(".rw-start").click()
            expect(page.locator(".rw-step")).to_be_enabled(timeout=DEADLINE_MS)
            _redrawn(plots, unlike=later)
            page.screenshot(path=shots / "dashboard.png", full_page=True)
        finally:
            browser.close()
    assert (shots / "dashboard.png").stat().st_size > 20_000
