"""Bounded memory and time: simulate writes each run as it ends, one block of its estate
table in memory; the records grow by doubling; the city series is summed incrementally;
the dashboard sends at most MAX_POINTS a line. Results unchanged by any of it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from redwuye_graph.dashboard.page import MAX_POINTS, collection_chart
from redwuye_graph.generate import generate
from redwuye_graph.sim import CityModel
from redwuye_graph.sim import scenario as scenario_module
from redwuye_graph.sim.params import Params
from redwuye_graph.sim.records import Recorder
from redwuye_graph.sim.scenario import load_scenario, run_scenario, simulate


def test_simulate_holds_one_block_of_an_estate_table(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    sc = replace(load_scenario(Path("simulations/cross_appointment.toml")), preset="tiny",
                 days=50, seeds=2, graph_seeds=2)
    expected = run_scenario(sc)
    monkeypatch.setattr(scenario_module, "ESTATE_BLOCK", 3)
    blocks: list[int] = []
    whole, tables = Recorder.estate_table, Recorder.tables

    def block(self: Recorder, first: int = 0, stop: int | None = None) -> pd.DataFrame:
        frame = whole(self, first, stop)
        blocks.append(frame["estate"].nunique())
        return frame

    def small_tables(self: Recorder, estates: bool = True) -> Any:
        assert not estates, "simulate built a whole estate table"
        return tables(self, estates)

    monkeypatch.setattr(Recorder, "estate_table", block)
    monkeypatch.setattr(Recorder, "tables", small_tables)
    kept = simulate(sc, tmp_path)
    assert blocks and max(blocks) <= 3 and sum(blocks) == 4 * 14  # 4 runs × 14 estates
    for name, table in expected.items():
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"{name}.parquet"), table,
                                      check_dtype=False, check_exact=True, obj=name)
        if name in kept:
            pd.testing.assert_frame_equal(kept[name], table, obj=name)


def test_stepping_copies_the_records_a_logarithmic_number_of_times() -> None:
    model = CityModel(generate("tiny", seed=2), seed=1)
    sizes = set()
    for _ in range(80):
        model.run(5)
        sizes.add(model.recorder.days)
    assert len(sizes) <= 1 + int(np.log2(400)), sorted(sizes)  # not one copy per step
    assert model.recorder.days >= 401


def test_incremental_city_series_equals_a_full_sum() -> None:
    params = Params(max_age_days=10)  # rows become final soon: the cache is exercised
    model = CityModel(generate("tiny", seed=2), params=params, seed=4)
    for _ in range(40):
        model.run(7)
        rec = model.recorder
        now = round(model.time)
        full = {k: v[1: now + 1].sum(axis=1) for k, v in rec.a.items()}
        sums = rec.city_sums()
        for k in full:
            np.testing.assert_array_equal(sums[k], full[k], err_msg=k)
    again = CityModel(generate("tiny", seed=2), params=params, seed=4)
    again.run(280)
    pd.testing.assert_frame_equal(model.recorder.city_table(), again.tables()["city"])


def test_a_long_series_sends_at_most_max_points() -> None:
    days = 3600
    series = pd.DataFrame({"day": np.arange(1, days + 1),
                           "collection_rate": np.linspace(0, 1, days),
                           "satisfaction": np.linspace(1, 0, days)})
    chart = collection_chart(series, [])
    for line in chart["series"]:
        assert 0 < len(line["data"]) <= MAX_POINTS
        assert line["data"][-1][0] == days  # the latest day is always drawn
    short = collection_chart(series.head(50), [])
    assert [len(line["data"]) for line in short["series"]] == [50, 50]
