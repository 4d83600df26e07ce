"""Attribution: the gain of a comparison split by channel, on paired runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from redwuye_graph.cli import app
from redwuye_graph.experiments import make_executor
from redwuye_graph.experiments.attribution import CHANNELS, attribute, channel
from redwuye_graph.experiments.compare import DifferentCitiesError
from redwuye_graph.outcomes import HEADLINE, run_outcomes
from redwuye_graph.sim.scenario import Scenario, load_scenario, run_scenario, simulate

LINKED = ("[levels]\nowners_committee = 1.0\ncommunity_member_on_owners_committee = 1.0\n"
          "quality_supervisor = 1.0\nsecretary_instructor = 1.0\n")
THREE = ["community_escalation", "quality_supervision", "arrears_visits"]


def _scenario(tmp_path: Path, name: str, extra: str = "", days: int = 90,
              head: str = "") -> Scenario:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'[scenario]\nname = "{name}"\npreset = "tiny"\ndays = {days}\nseeds = 2\n'
                    f"graph_seeds = 1\n{head}{extra}", encoding="utf-8")
    return load_scenario(path)


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, Scenario]:
    tmp = tmp_path_factory.mktemp("attribution")
    return _scenario(tmp, "base"), _scenario(tmp, "linked", LINKED)


def test_attribution_sums_to_the_comparisons_own_gain(
        linked: tuple[Scenario, Scenario]) -> None:
    a, b = linked
    split = attribute(a, b, channels=THREE)
    assert split.exact and split.channels == THREE and split.idle == []
    # the total is the gain of the two scenarios run as they are, bit for bit
    runs = {sc.name: run_scenario(sc) for sc in (a, b)}
    plain = {name: [run_outcomes({k: t[t["seed"] == s] for k, t in tables.items()})
                    for s in (0, 1)] for name, tables in runs.items()}
    table = split.table.set_index(["method", "outcome", "part"])["value"].sort_index()
    for outcome in HEADLINE:
        gain = np.mean([plain["linked"][s][outcome] - plain["base"][s][outcome]
                        for s in (0, 1)])
        for method in ("one_at_a_time", "shapley"):
            rows = table.loc[method, outcome]
            assert rows["total"] == pytest.approx(gain, abs=1e-12)
            parts = rows.drop("total").sum()
            assert parts == pytest.approx(rows["total"], abs=1e-9)  # with the interaction
    # arrears visits carry part of the collection gain on tiny, next to nothing of resolution
    assert table.loc["one_at_a_time", "collection_12m", "arrears_visits"] > 0.005
    assert abs(table.loc["one_at_a_time", "resolution_rate", "arrears_visits"]) < 0.01
    shapley = table.loc["shapley", "collection_12m"]
    # Shapley shares the interaction out: no interaction row, channels and residual sum up
    assert "interaction" not in shapley.index
    assert shapley[THREE].sum() + shapley["residual"] == pytest.approx(shapley["total"])


def test_exact_shapley_of_two_channels_is_the_mean_of_both_orders(
        linked: tuple[Scenario, Scenario]) -> None:
    a, b = linked
    two = ["community_escalation", "direct_pay_community"]
    split = attribute(a, b, channels=two, outcomes=["collection_12m"])
    one = {name: attribute(a, b, channels=[name], outcomes=["collection_12m"])
           for name in two}

    def value(s: object, part: str) -> float:
        t = s.table  # type: ignore[attr-defined]
        return float(t[(t["method"] == "shapley") & (t["part"] == part)]["value"].iloc[0])

    total, none = value(split, "total"), value(split, "residual")
    # v({i}) = the residual of the attribution that switches off only the other channel
    alone = {name: value(one[other], "residual") for name, other in zip(two, two[::-1],
                                                                          strict=True)}
    for name, other in zip(two, two[::-1], strict=True):
        expected = 0.5 * ((alone[name] - none) + (total - alone[other]))
        assert value(split, name) == pytest.approx(expected, abs=1e-12)


def test_policy_channel_carries_the_whole_gain_and_idle_channels_cost_nothing(
        tmp_path: Path) -> None:
    a = _scenario(tmp_path, "base", days=200,
                  head="[params]\nreserve_months = 0.5\n")
    b = _scenario(tmp_path, "credit", "[[policy]]\nkind = \"credit_rating\"\n", days=200,
                  head="[params]\nreserve_months = 0.5\n")
    split = attribute(a, b, channels=["credit_rating", "meetings", "star_rating"])
    assert split.channels == ["credit_rating", "meetings"] and split.idle == ["star_rating"]
    # a: meetings on / off; b: each of the four sets (2 run pairs each)
    assert split.runs == (2 + 4) * 2
    t = split.table
    assert (t.loc[t["part"] == "residual", "value"] == 0).all()  # no credit: b is a
    assert (t.loc[t["kind"] == "idle", "value"] == 0).all()


def test_attribution_refuses_different_base_cities_and_unknown_channels(
        linked: tuple[Scenario, Scenario], tmp_path: Path) -> None:
    other = _scenario(tmp_path, "other", "[levels]\nvacuum = 0.5\n")
    with pytest.raises(DifferentCitiesError, match="graph seed 0"):
        attribute(linked[0], other, channels=["meetings"], pairs=[(0, 0)])
    with pytest.raises(ValueError, match="unknown channel 'nope'"):
        attribute(*linked, channels=["nope"])
    with pytest.raises(ValueError, match="unknown parameter"):
        channel("broken", "a parameter that does not exist", {"no_such_parameter": 0.0})
    assert "broken" not in CHANNELS


@pytest.mark.slow
def test_sampled_shapley_and_executors_give_the_same_table(
        linked: tuple[Scenario, Scenario]) -> None:
    a, b = linked
    kwargs = {"channels": THREE, "outcomes": ["collection_12m"], "exact_up_to": 2,
              "permutations": 4, "method": "shapley"}
    serial = attribute(a, b, **kwargs)  # type: ignore[arg-type]
    assert not serial.exact and serial.permutations == 4
    shapley = serial.table.set_index("part")["value"]
    assert shapley[THREE].sum() + shapley["residual"] == pytest.approx(shapley["total"])
    with make_executor("local", 2) as ex:
        pooled = attribute(a, b, executor=ex, **kwargs)  # type: ignore[arg-type]
    assert pooled.table.equals(serial.table)


def test_compare_attribute_cli_prints_and_reports(tmp_path: Path) -> None:
    base, linked = tmp_path / "base", tmp_path / "linked"
    simulate(_scenario(tmp_path, "base", days=60), base)
    simulate(_scenario(tmp_path, "linked", LINKED, days=60), linked)
    page = tmp_path / "compare.html"
    result = CliRunner().invoke(app, ["compare", str(base), str(linked), "--attribute",
                                      "--channels", "meetings,arrears_visits",
                                      "--report", str(page)])
    assert result.exit_code == 0, result.output
    assert "attribution: linked − base split over 2 channel(s)" in result.output
    assert "arrears_visits" in result.output and "interaction" in result.output
    html = page.read_text(encoding="utf-8")
    assert "What each mechanism carries" in html and "arrears_visits" in html
    bad = CliRunner().invoke(app, ["compare", str(base), str(linked), "--attribute",
                                   "--channels", "meetings,nope"])
    assert bad.exit_code == 1 and "unknown channel 'nope'" in bad.output
    listed = CliRunner().invoke(app, ["channels"])
    assert listed.exit_code == 0 and "hours_committee=0.0" in listed.output


def test_every_channel_has_its_row_in_the_docs() -> None:
    text = (Path(__file__).parents[1] / "docs" / "experiments.md").read_text(encoding="utf-8")
    for ch in CHANNELS.values():
        assert f"| **{ch.name}** |" in text, f"docs/experiments.md lacks channel {ch.name}"
