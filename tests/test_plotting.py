"""Every shipped figure renders in the one style with Chinese text drawn, not boxes.

The figures are drawn from real (tiny, short) runs and sweeps; a missing glyph is a
matplotlib warning, which fails the test. ``make fonts`` installs the CJK font.
REDWUYE_FIGURES=DIR keeps the PNGs there to look at.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from redwuye_graph import plotting
from redwuye_graph.experiments.compare import paired_comparison
from redwuye_graph.experiments.plots import plot_calibration, plot_discovery, plot_sensitivity
from redwuye_graph.report import _by_linkage_png, _comparison_png, report_figures
from redwuye_graph.sim.scenario import load_scenario, simulate

NAME = "路湖学社区试点"
SCENARIO = f"""
[scenario]
name = "{NAME}"
preset = "tiny"
graph_seed = 2
days = 60
seeds = 2
"""
POLICY = """
[[policy]]
kind = "cross_appointment"
start_day = 20
quality_supervisor = 0.8
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, object]]:
    root = tmp_path_factory.mktemp("figures")
    (root / "a.toml").write_text(SCENARIO, encoding="utf-8")
    (root / "b.toml").write_text(SCENARIO + POLICY, encoding="utf-8")
    for name in ("a", "b"):
        simulate(load_scenario(root / f"{name}.toml"), root / name)
    yield root / "a", root / "b", load_scenario(root / "b.toml")


def _no_missing_glyphs(draw: Callable[[], object]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draw()
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not missing, missing[:3]


def _keep(name: str, png: bytes) -> None:
    folder = os.environ.get("REDWUYE_FIGURES")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / name).write_bytes(png)


def test_a_cjk_font_is_installed() -> None:
    assert plotting.cjk_font() is not None, (
        f"no CJK font among {plotting.FONTS[1:]}: run 'make fonts' (Debian fonts-noto-cjk)")


def test_each_report_figure_draws_chinese(runs: tuple[Path, Path, object]) -> None:
    a, b, sc = runs
    tables = {"city": pd.read_parquet(b / "city.parquet"),
              "estate": pd.read_parquet(b / "estate.parquet")}
    figures: dict[str, bytes] = {}
    _no_missing_glyphs(lambda: figures.update(report_figures(sc, tables)))  # type: ignore[arg-type]
    assert len(figures) == 2 and all(png.startswith(b"\x89PNG") for png in figures.values())
    for i, png in enumerate(figures.values()):
        _keep(f"report_{i}.png", png)
    result = paired_comparison(a, b)
    _no_missing_glyphs(lambda: _keep("comparison.png", _comparison_png(result)))
    _no_missing_glyphs(lambda: _by_linkage_png(tables["estate"], f"{NAME}：按联动分组",
                                               [("交叉任职", 20)]))
    assert (b / "plot.png").stat().st_size > 10_000


def test_experiment_figures_draw_chinese(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    params = ["交叉任职比例", "wage"]
    table = pd.DataFrame([{"outcome": o, "parameter": p, "S1": rng.random(), "ST": rng.random(),
                           "S1_conf": 0.05, "ST_conf": 0.05}
                          for o in ("collection_12m", "resolution_rate") for p in params])
    _no_missing_glyphs(lambda: plot_sensitivity(table, "sobol", tmp_path / "s.png"))
    trials = pd.DataFrame({"trial": range(8), "交叉任职比例": rng.random(8),
                           "wage": rng.random(8), "loss": rng.random(8)})
    fit = pd.DataFrame({"target": ["收费率", "resolution_rate"],
                        "unit": ["estate 绿云小区", "city"], "value": [0.9, 0.8],
                        "high": [float("nan")] * 2, "tolerance": [0.05, 0.05],
                        "model": [0.88, 0.7], "kind": ["value", "min"]})
    _no_missing_glyphs(lambda: plot_calibration(trials, params, fit, tmp_path / "c.png"))
    trajectory = pd.DataFrame({"coverage": [1.0, 0.8, 0.6], "density": [0.3, 0.6, 0.9],
                               "res_dim": [0, 1, 2]})
    _no_missing_glyphs(lambda: plot_discovery(trajectory, 1, f"PRIM：{NAME}",
                                              tmp_path / "d.png"))
    for name in ("s", "c", "d"):
        _keep(f"experiment_{name}.png", (tmp_path / f"{name}.png").read_bytes())


def test_styled_leaves_global_settings_alone() -> None:
    import matplotlib

    before = list(matplotlib.rcParams["font.family"])
    seen = plotting.styled(lambda: list(matplotlib.rcParams["font.family"]))()
    assert seen == ["DejaVu Sans", plotting.cjk_font()]
    assert matplotlib.rcParams["font.family"] == before


def test_percent_axis_formats_shares() -> None:
    _fig, ax = plotting.subplots()
    ax.plot([0, 1], [0.25, 0.5])
    plotting.percent_axis(ax, full=True)
    assert ax.get_ylim() == (0, 1)
    assert ax.yaxis.get_major_formatter()(0.5, 0) == "50%"
    plotting.percent_axis(ax, points=True)
    assert ax.yaxis.get_major_formatter()(0.05, 0) == "+5 pp"


def test_policies_starting_on_one_day_share_one_mark() -> None:
    _fig, ax = plotting.subplots()
    ax.plot([0, 100], [0, 1])
    plotting.mark_days(ax, [("交叉任职", 30), ("b", 30), ("c", 30), ("d", 60), ("e", 0)])
    assert [t.get_text() for t in ax.texts] == ["3 policies (day 30)", "d (day 60)"]
    assert len(ax.lines) == 1 + 2
