"""Fair comparisons: one base city per comparison, paired ensembles, provenance."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from redwuye_graph.cli import app
from redwuye_graph.experiments import make_executor
from redwuye_graph.experiments.compare import DifferentCitiesError, paired_comparison
from redwuye_graph.provenance import read_manifest, rerun
from redwuye_graph.sim.scenario import Scenario, load_scenario, run_scenario, simulate


def _scenario(tmp_path: Path, name: str, extra: str = "", head: str = "", days: int = 70
              ) -> Scenario:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'[scenario]\nname = "{name}"\npreset = "tiny"\ndays = {days}\nseeds = 2\n'
                    f"graph_seeds = 2\n{head}{extra}", encoding="utf-8")
    return load_scenario(path)


LINKED = ("[levels]\nowners_committee = 1.0\ncommunity_member_on_owners_committee = 1.0\n"
          "quality_supervisor = 1.0\n")


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("compare")
    a, b = tmp / "base", tmp / "linked"
    simulate(_scenario(tmp, "base"), a)
    simulate(_scenario(tmp, "linked", LINKED), b)
    return a, b


def test_levels_change_posts_on_the_same_base_city(folders: tuple[Path, Path]) -> None:
    a, b = (read_manifest(f) for f in folders)
    assert a["base_cities"] == b["base_cities"]
    assert len({c["graph_hash"] for c in a["base_cities"].values()}) == 2
    result = paired_comparison(*folders)
    assert result.same_cities and result.graph_seeds == [0, 1] and result.seeds == [0, 1]
    city = result.table[result.table["scope"] == "city"].set_index("outcome")
    assert city.loc["collection_12m", "difference"] > 0
    assert city.loc["vacuum_days", "difference"] == 0  # same vacancies: no artefact


def test_linkage_groups_are_the_base_citys_cohorts(tmp_path: Path) -> None:
    base, linked = _scenario(tmp_path, "base"), _scenario(tmp_path, "linked", LINKED)
    plain, changed = base.model(1, 0), linked.model(1, 0)
    assert np.array_equal(plain.recorder.group, changed.recorder.group)
    assert changed.owners.sum() > plain.owners.sum()
    assert np.array_equal(plain.served, changed.served)
    assert list(plain.companies) == list(changed.companies)


def test_a_scenario_paired_with_itself_differs_by_exactly_zero(
        folders: tuple[Path, Path]) -> None:
    table = paired_comparison(folders[0], folders[0]).table
    assert (table["difference"] == 0).all()
    assert ((table["low"] == 0) & (table["high"] == 0)).all()
    assert set(table["scope"]) == {"city", "group", "district"}


def test_compare_refuses_different_base_cities(tmp_path: Path,
                                               folders: tuple[Path, Path]) -> None:
    other = tmp_path / "other"
    simulate(_scenario(tmp_path, "other", head="graph_seed = 5\n"), other, graph_seeds=2)
    with pytest.raises(DifferentCitiesError, match="share no graph seed"):
        paired_comparison(folders[0], other)
    vacant = tmp_path / "vacant"
    simulate(_scenario(tmp_path, "vacant", "[levels]\nvacuum = 0.5\n"), vacant)
    with pytest.raises(DifferentCitiesError, match=r"graph seed\(s\) 0, 1 have different"):
        paired_comparison(folders[0], vacant)
    result = CliRunner().invoke(app, ["compare", str(folders[0]), str(vacant)])
    assert result.exit_code == 1 and "--different-cities" in result.output
    anyway = paired_comparison(folders[0], vacant, different_cities=True)
    assert not anyway.same_cities and "DIFFERENT base cities" in anyway.describe()


def _width(tmp_path: Path, seeds: int) -> float:
    tables = {}
    for name, extra in (("base", ""), ("linked", LINKED)):
        sc = _scenario(tmp_path, name, extra)
        out = tmp_path / f"{name}{seeds}"
        simulate(sc, out, seeds=seeds, graph_seeds=1)
        tables[name] = out
    row = paired_comparison(tables["base"], tables["linked"]).table.query(
        "scope == 'city' and outcome == 'resolution_rate'").iloc[0]
    return float(row["high"] - row["low"])


def test_interval_shrinks_as_the_ensemble_grows(tmp_path: Path) -> None:
    small, large = _width(tmp_path, 3), _width(tmp_path, 12)
    assert 0 < large < 0.75 * small


def test_rerun_from_the_manifest_is_bit_identical(folders: tuple[Path, Path]) -> None:
    manifest = read_manifest(folders[1])
    assert manifest["code"]["package"] == "0.1.0"
    assert manifest["params"]["window_days"] == 30
    assert "[levels]" in manifest["scenario"]["source"]
    sc, seeds, graphs = rerun(manifest)
    again = run_scenario(sc, seeds=seeds, graph_seeds=graphs)
    for name, table in again.items():
        pd.testing.assert_frame_equal(table, pd.read_parquet(folders[1] / f"{name}.parquet"),
                                      check_exact=True)


def test_serial_and_parallel_ensembles_are_bit_identical(tmp_path: Path) -> None:
    sc = _scenario(tmp_path, "linked", LINKED)
    serial = run_scenario(sc)
    with make_executor("local", 2) as ex:
        parallel = run_scenario(sc, executor=ex)
    for name, table in serial.items():
        pd.testing.assert_frame_equal(table, parallel[name], check_exact=True)


def test_cli_show_prints_the_manifest(folders: tuple[Path, Path]) -> None:
    result = CliRunner().invoke(app, ["show", str(folders[1])])
    assert result.exit_code == 0, result.output
    assert "graph seeds [0, 1], run seeds [0, 1]" in result.output
    assert "changes on day 0: {'owners_committee': 1.0" in result.output
    missing = CliRunner().invoke(app, ["show", str(folders[1] / "nowhere")])
    assert missing.exit_code == 1 and "no manifest.json" in missing.output


def test_a_warm_up_runs_first_and_is_not_counted(tmp_path: Path) -> None:
    plain = _scenario(tmp_path, "plain", days=90)
    warm = _scenario(tmp_path, "warm", '[[policy]]\nkind = "interim_management"\n'
                     "start_day = 10\ndays = 3\n", head="warmup_days = 40\n", days=50)
    assert warm.days == 50 and warm.warmup_days == 40
    model = warm.model(0, 1)
    assert round(model.time) == 40 and model.policies.added[0].start_day == 50
    model.run(50)
    assert model.interim_days() == 3
    city = model.recorder.tables(estates=False)["city"]
    assert city["day"].tolist() == list(range(1, 51))
    # the same days as the last 50 of a 90-day run without the policy, until it starts
    whole = plain.model(0, 1)
    whole.run(90)
    tail = whole.recorder.tables(estates=False)["city"].iloc[40:].reset_index(drop=True)
    for column in ("filed", "settled", "paid", "due"):
        assert city[column].iloc[:9].tolist() == tail[column].iloc[:9].tolist(), column
    assert city["filed"].sum() == tail["filed"].sum()  # arrivals do not depend on policies


def test_cli_compare_prints_intervals_and_writes_a_report(tmp_path: Path,
                                                          folders: tuple[Path, Path]) -> None:
    page = tmp_path / "compare.html"
    result = CliRunner().invoke(app, ["compare", *map(str, folders), "--report", str(page)])
    assert result.exit_code == 0, result.output
    assert "paired over 2 graph seed(s) × 2 run seed(s) on the same base cities" in result.output
    assert "b - a [95%]" in result.output and "by linkage group on day 0:" in result.output
    # each value in its outcome's unit: shares in %, share differences in pp with interval
    line = next(x for x in result.output.splitlines() if x.strip().startswith("collection_12m"))
    assert re.search(r"\d+\.\d% +\d+\.\d% +[+-]?\d+\.\d pp \[[+-]?\d", line), line
    text = page.read_text(encoding="utf-8")
    assert "data:image/png;base64," in text and "By district" in text
    assert "95% intervals over the 2 base cities" in text
