"""Default calibration: the two regimes of the seed article on the `district` preset.

Targets (docs/model.md): with no linkage, fee collection settles around 40-60%, and a
minority of complaints are settled quickly; with full tripartite linkage and
cross-appointment, collection exceeds 85% within two simulated years (90% is reached
around month 24 at the defaults).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from redwuye_graph.sim import CityModel
from redwuye_graph.sim.scenario import load_scenario

SIMS = Path(__file__).resolve().parents[1] / "simulations"


def _summary(name: str) -> dict[str, float]:
    sc = load_scenario(SIMS / f"{name}.toml")
    model = CityModel(sc.city(), params=sc.params, policies=sc.make_policies(), seed=1)
    model.run(sc.days)
    table = model.recorder.tables(estates=False)["summary"]
    return dict(table[table["group"] == "all"].iloc[0])


@pytest.mark.slow
def test_no_linkage_regime() -> None:
    s = _summary("no_linkage")
    assert 0.40 <= s["collection_12m"] <= 0.60
    assert s["quick_rate"] < 0.5


@pytest.mark.slow
def test_full_linkage_regime() -> None:
    s = _summary("all_linkage")
    assert s["collection_last"] > 0.85
    assert s["resolution_rate"] > 0.85
