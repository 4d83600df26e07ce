"""`redwuye simulate --report`: one self-contained HTML page with plots, parameters, tables
and the paired differences from a baseline; values in their units."""

from __future__ import annotations

import base64
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from redwuye_graph.cli import app
from redwuye_graph.experiments.compare import Comparison, paired_comparison
from redwuye_graph.plotting import format_difference, format_value
from redwuye_graph.report import (
    AT_OUTCOMES,
    ESTATE_COLUMNS,
    comparison_tables,
    outcome_table,
    outcomes_at,
    render_comparison,
    render_report,
    report_figures,
)
from redwuye_graph.sim.scenario import load_scenario

SCENARIO = """
[scenario]
name = "mail_me"
description = "Tiny city, two policies & a <changed> parameter."
preset = "tiny"
graph_seed = 3
days = 75
seeds = 2

[levels]
owners_committee = 0.5

[params]
wage = 4200.0

[[policy]]
kind = "cross_appointment"
start_day = 20
quality_supervisor = 0.8

[[policy]]
kind = "credit_rating"
start_day = 30
"""


#: The baseline of SCENARIO: the same city and levels, no policy.
BASELINE = SCENARIO.split("[params]")[0].replace('"mail_me"', '"base <line>"')


class _Page(HTMLParser):
    """Collects every resource reference, the images, the visible text and the tables
    (each a list of rows of cell texts, after the heading above it)."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.images: list[str] = []
        self.text: list[str] = []
        self.tags: set[str] = set()
        self.tables: dict[str, list[list[str]]] = {}
        self._heading = ""
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data") and value is not None:
                self.refs.append(value)
                if tag == "img":
                    self.images.append(value)
        if tag in ("h2", "h3"):
            self._in, self._heading = tag, ""
        elif tag == "table":
            self.tables.setdefault(self._heading, [])
        elif tag == "tr":
            self.tables[self._heading].append([])
        elif tag in ("td", "th"):
            self.tables[self._heading][-1].append("")
            self._in = "cell"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h2", "h3", "td", "th"):
            self._in = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in in ("h2", "h3"):
            self._heading += data
        elif self._in == "cell":
            self.tables[self._heading][-1][-1] += data

    def rows(self, heading: str) -> dict[str, list[str]]:
        """The table under ``heading`` by its first cell (the header row under '')."""
        table = self.tables[heading]
        return {"": table[0], **{row[0]: row[1:] for row in table[1:]}}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("report")
    (root / "base.toml").write_text(BASELINE, encoding="utf-8")
    result = CliRunner().invoke(app, ["simulate", str(root / "base.toml"), "--out",
                                      str(root / "base")])
    assert result.exit_code == 0, result.output
    scenario = root / "mail_me.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    out = root / "out"
    result = CliRunner().invoke(app, ["simulate", str(scenario), "--out", str(out), "--report",
                                      "--baseline", str(root / "base")])
    assert result.exit_code == 0, result.output
    assert f"report -> {out / 'report.html'}" in result.output
    return out, (out / "report.html").read_text(encoding="utf-8")


def test_report_is_self_contained(report: tuple[Path, str]) -> None:
    _, page = report
    parser = _Page()
    parser.feed(page)
    assert {"html", "table", "img", "style"} <= parser.tags
    assert "script" not in parser.tags
    assert parser.refs == parser.images, "only the embedded images refer to anything"
    assert len(parser.images) == 3  # city, by linkage group, paired differences
    for src in parser.images:
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.removeprefix("data:image/png;base64,"), validate=True)
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def test_report_names_the_base_cities_that_ran(report: tuple[Path, str]) -> None:
    """The graph seeds of the runs (``simulate --graph-seeds 2``), not of the file."""
    out, _ = report
    sc = load_scenario(out.parent / "mail_me.toml")
    tables = {name: pd.read_parquet(out / f"{name}.parquet") for name in ("city", "summary")}
    assert sorted(tables["summary"]["graph_seed"].unique()) == [3]
    two = {k: pd.concat([t, t.assign(graph_seed=4)]) for k, t in tables.items()}
    page = render_report(sc, two, {}, None)
    assert "graph seeds 3..4" in page and "2 base cities" in page


def test_report_shows_scenario_parameters_and_policies(report: tuple[Path, str]) -> None:
    _, page = report
    parser = _Page()
    parser.feed(page)
    text = " ".join(parser.text)
    assert "Tiny city, two policies & a <changed> parameter." in text  # escaped, then shown
    assert "<changed>" not in page
    for fact in ("mail_me.toml", "generated preset 'tiny', graph seed 3",
                 "owners_committee = 0.5", "75 days", "2 run seed(s): 0..1"):
        assert fact in text
    for policy in ("cross_appointment", "credit_rating", "quality_supervisor = 0.800 share"):
        assert policy in text
    changed = page.split("Model parameters changed from the defaults")[1].split("<details>")[0]
    assert "wage" in changed and "4,200" in changed and "3,500" in changed
    assert "productivity" not in changed  # unchanged parameters only in the folded registry
    assert "productivity" in page.split("<details>")[1]


def test_report_tables_match_the_runs(report: tuple[Path, str]) -> None:
    out, page = report
    summary = pd.read_parquet(out / "summary.parquet")
    table = outcome_table(summary)
    row = table[(table["group"] == "all") & (table["outcome"] == "collection_12m")].iloc[0]
    values = summary.loc[summary["group"] == "all", "collection_12m"]
    assert row["mean"] == pytest.approx(values.mean())
    assert row["p10"] <= row["mean"] <= row["p90"] and row["seeds"] == 2
    parser = _Page()
    parser.feed(page)
    outcomes = parser.rows("Outcomes")
    assert outcomes[""][2:] == ["mean", "10% of runs", "90% of runs", "runs"]
    assert outcomes["collection_12m"][1:] == [f"{row[k] * 100:.1f}%" for k in
                                              ("mean", "p10", "p90")] + ["2"]
    for at in parser.rows("At one and two years").values():
        if at[1:2] == ["open"]:
            assert all(v.isdigit() for v in at[3:])  # counts as whole numbers
    for outcome in AT_OUTCOMES:
        assert outcome in page


def test_report_compares_with_the_baseline(report: tuple[Path, str]) -> None:
    out, page = report
    parser = _Page()
    parser.feed(page)
    result = paired_comparison(out.parent / "base", out)
    assert result.describe() in " ".join(parser.text)
    city = result.table[result.table["scope"] == "city"].set_index("outcome")
    rows = parser.rows("City")
    assert rows[""][:5] == ["outcome", "base <line>", "mail_me", "b − a", "95% interval"]
    assert "<line>" not in page  # the baseline's name, escaped
    for outcome, unit in (("collection_12m", "share"), ("satisfaction_end", "score"),
                          ("open_at_end", "complaints")):
        r = city.loc[outcome]
        difference = format_difference(r["difference"], r["low"], r["high"], unit)
        assert rows[outcome][:3] == [format_value(r["a"], unit), format_value(r["b"], unit),
                                     difference.partition(" [")[0]]
    assert rows["collection_12m"][2].endswith(" pp") and rows["collection_12m"][0].endswith("%")
    assert rows["open_at_end"][0].replace(",", "").isdigit()
    groups = parser.rows("By linkage group on day 0")
    assert groups[""][0] == "outcome" and set(groups[""][1:]) <= {"tripartite", "partial", "none"}
    assert groups["collection_12m"][0].endswith("]") and " pp [" in groups["collection_12m"][0]


def _comparison() -> Comparison:
    rows = [("city", "all", "collection_12m", 0.78, 0.848, 0.068, 0.063, 0.073),
            ("city", "all", "exits", 2.4, 1.6, -0.8, -1.2, -0.4),
            ("city", "all", "satisfaction_end", 0.7, 0.71, 0.01, float("nan"), float("nan")),
            ("group", "none", "collection_12m", 0.5, 0.8, 0.3, 0.25, 0.35),
            ("district", "D01", "exits", 1.0, 0.0, -1.0, -3.0, 1.0)]
    table = pd.DataFrame(rows, columns=["scope", "unit", "outcome", "a", "b", "difference",
                                        "low", "high"]).assign(pairs=3)
    return Comparison("base", "policy", table, [1], [0, 1, 2], True)


def test_comparison_tables_show_each_value_in_its_unit() -> None:
    tables = comparison_tables(_comparison())
    city = [[c.text for c in row] for row in tables["City"].rows]
    assert tables["City"].columns[:5] == ["outcome", "base", "policy", "b − a", "95% interval"]
    assert city[0][:6] == ["collection_12m", "78.0%", "84.8%", "+6.8 pp", "[+6.3, +7.3]", "3"]
    # a mean count under 100 keeps one decimal: [-1.2, -0.4] is not [-1, 0]
    assert city[1][:5] == ["exits", "2.4", "1.6", "-0.8", "[-1.2, -0.4]"]
    assert city[2][:5] == ["satisfaction_end", "0.700", "0.710", "+0.010", "–"]
    groups = tables["By linkage group on day 0"]
    assert groups.columns == ["outcome", "none"]
    assert [c.text for c in groups.rows[0]] == ["collection_12m", "+30.0 pp [+25.0, +35.0]"]
    assert [[c.text for c in row] for row in tables["By district"].rows] == [["D01",
                                                                            "-1 [-3, +1]"]]


def test_comparison_page_escapes_names(tmp_path: Path) -> None:
    result = _comparison()
    bad = Comparison("<b>ase", "p&licy", result.table, [1], [0, 1, 2], True)
    page = render_comparison(bad, tmp_path / "a", tmp_path / "b")
    assert "<b>ase" not in page and "&lt;b&gt;ase" in page and "p&amp;licy" in page
    parser = _Page()
    parser.feed(page)
    assert parser.rows("City")[""][1:3] == ["<b>ase", "p&licy"]


def test_baseline_is_for_the_report_and_must_be_a_result(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(BASELINE, encoding="utf-8")
    alone = CliRunner().invoke(app, ["simulate", str(scenario), "--out", str(tmp_path / "o"),
                                     "--baseline", str(tmp_path)])
    assert alone.exit_code == 1 and "--baseline is for the report: add --report" in alone.output
    missing = CliRunner().invoke(app, ["simulate", str(scenario), "--out", str(tmp_path / "o"),
                                       "--report", "--baseline", str(tmp_path / "none")])
    assert missing.exit_code == 1 and "none: no manifest.json" in missing.output
    other = tmp_path / "other.toml"
    other.write_text(BASELINE.replace("graph_seed = 3", "graph_seed = 4").replace(
        "days = 75", "days = 5").replace("seeds = 2", "seeds = 1"), encoding="utf-8")
    ran = CliRunner().invoke(app, ["simulate", str(other), "--out", str(tmp_path / "other")])
    assert ran.exit_code == 0, ran.output
    mixed = CliRunner().invoke(app, ["simulate", str(scenario), "--out", str(tmp_path / "o"),
                                     "--report", "--baseline", str(tmp_path / "other")])
    assert mixed.exit_code == 1
    assert (f"--baseline {tmp_path / 'other'}: it ran on other base cities than {scenario} "
            "(they share no graph seed)") in mixed.output
    assert not (tmp_path / "o").exists()  # refused before any run


def test_report_axes_of_shares_and_scores_start_at_zero(report: tuple[Path, str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib.figure import Figure

    drawn: list[tuple[str, tuple[float, float]]] = []
    save = Figure.savefig

    def keep(fig: Figure, *args: object, **kwargs: object) -> None:
        drawn.extend((ax.get_ylabel(), ax.get_ylim()) for ax in fig.axes)
        save(fig, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Figure, "savefig", keep)
    out, _ = report
    tables = {name: pd.read_parquet(out / f"{name}.parquet") for name in ("summary", "city")}
    tables["estate"] = pd.read_parquet(out / "estate.parquet", columns=list(ESTATE_COLUMNS))
    report_figures(load_scenario(out.parent / "mail_me.toml"), tables)
    ranges = [lim for label, lim in drawn if "%" in label or "score" in label]
    assert len(ranges) == 5, drawn  # city: collection, resolution, satisfaction; by group: 2
    assert set(ranges) == {(0.0, 1.0)}  # 0-100% and 0-1: a small change drawn small


def test_outcomes_at_reads_the_day() -> None:
    days = pd.DataFrame({"seed": 0, "day": range(1, 101), "filed": 10, "within_window": 5,
                         "censored": [d > 70 for d in range(1, 101)], "paid": 0, "due": 0,
                         "sat_sum": 60.0, "households": 100, "open": range(1, 101)})
    days.loc[days["day"] == 30, ["paid", "due"]] = (80, 100)
    days.loc[days["day"] == 60, ["paid", "due"]] = (90, 100)
    at = outcomes_at(days, [60, 100, 500]).set_index("day")
    assert list(at.index) == [60, 100]
    assert at.loc[60, "collection_12m"] == pytest.approx(0.85)
    assert at.loc[60, "collection_month"] == pytest.approx(0.9)
    assert at.loc[100, "satisfaction"] == pytest.approx(0.6)
    assert at.loc[100, "open"] == 100
    assert at.loc[100, "resolution_90d"] == pytest.approx(0.5)
