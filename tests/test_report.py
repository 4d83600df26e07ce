"""`redwuye simulate --report`: one self-contained HTML page with plots, parameters, tables."""

from __future__ import annotations

import base64
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from redwuye_graph.cli import app
from redwuye_graph.report import AT_OUTCOMES, outcome_table, outcomes_at

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


class _Page(HTMLParser):
    """Collects every resource reference, the images and the visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.images: list[str] = []
        self.text: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data") and value is not None:
                self.refs.append(value)
                if tag == "img":
                    self.images.append(value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("report")
    scenario = root / "mail_me.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    out = root / "out"
    result = CliRunner().invoke(app, ["simulate", str(scenario), "--out", str(out), "--report"])
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
    assert len(parser.images) == 2
    for src in parser.images:
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.removeprefix("data:image/png;base64,"), validate=True)
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def test_report_shows_scenario_parameters_and_policies(report: tuple[Path, str]) -> None:
    _, page = report
    parser = _Page()
    parser.feed(page)
    text = " ".join(parser.text)
    assert "Tiny city, two policies & a <changed> parameter." in text  # escaped, then shown
    assert "<changed>" not in page
    for fact in ("mail_me.toml", "generated preset 'tiny', graph seed(s) 3..3",
                 "owners_committee = 0.5", "75 days", "2 seed(s): 0..1"):
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
    assert f"{row['mean']:,.3f}" in page
    for outcome in AT_OUTCOMES:
        assert outcome in page


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
