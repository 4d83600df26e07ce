"""The dashboard page (Solara): policy controls, start/step/reset, live plots, worst estates.

Served by :func:`redwuye_graph.dashboard.serve`; each browser session gets its own
:class:`~redwuye_graph.dashboard.run.DashboardRun` over the server's city. While
running, a worker thread steps the model for :data:`TICK_SECONDS` of wall time, then
the page redraws.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pandas as pd
import solara

from redwuye_graph.dashboard.run import (
    CONTROLS,
    EXPORTS,
    LAST_DAY,
    Control,
    Controls,
    DashboardRun,
    readout,
)
from redwuye_graph.dashboard.serve import city, source
from redwuye_graph.plotting import CSS_FONTS, format_value

__all__ = ["LAST_DAY", "MAX_POINTS", "STEP_DAYS", "TICK_SECONDS", "Page",
           "collection_chart", "resolution_chart", "worst_table"]

#: Days the Step button simulates.
STEP_DAYS = 30
#: Wall time the model steps between two redraws while running.
TICK_SECONDS = 0.5
_RED, _GREY, _BLUE = "#b71c1c", "#757575", "#1565c0"
_PLOT_STYLE = "height: 320px; width: 560px;"


#: Most points a chart line sends to the page: a longer series is thinned to every k-th
#: day, the latest kept, so a redraw costs the same on day 100 and day 3,000.
MAX_POINTS = 1000


def _points(days: pd.Series, values: pd.Series, scale: float = 1.0
            ) -> list[list[float | None]]:
    """``[day, value × scale]`` pairs, at most :data:`MAX_POINTS`, the latest day kept."""
    step = -(-len(days) // MAX_POINTS) or 1
    first = (len(days) - 1) % step
    picked = values.iloc[first::step].to_numpy(float).tolist()
    return [[int(d), None if v != v else round(v * scale, 4)]  # v != v: NaN, a gap
            for d, v in zip(days.iloc[first::step].tolist(), picked, strict=True)]


def _round_up(last: int) -> int:
    """The x axis's end: ``last`` rounded up to a step that gives at most ten ticks (a
    last day off the tick grid would print its label over the one before it).

    >>> _round_up(0), _round_up(530), _round_up(3600)
    (30, 600, 4000)
    """
    last = max(30, last)
    step = next(s for s in (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000)
                if -(-last // s) <= 10)
    return -(-last // step) * step


#: The y axes: shares in % (0–100) on the left, scores (0–1) on the right.
_PERCENT_AXIS = {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}}
_SCORE_AXIS = {"type": "value", "min": 0, "max": 1, "splitLine": {"show": False}}


def _chart(title: str, xlabel: str, last: int, lines: list[tuple[str, str, Any, int]],
           axes: list[dict[str, Any]], log: list[tuple[int, str]]) -> dict[str, Any]:
    """An ECharts line chart; each line ``(name, colour, points, y axis)``; control
    changes as dotted vertical lines."""
    series: list[dict[str, Any]] = [
        {"type": "line", "name": name, "data": data, "showSymbol": False, "yAxisIndex": axis,
         "color": colour, "connectNulls": False} for name, colour, data, axis in lines]
    changes = sorted({d for d, _ in log if d > 0})
    if changes and series:
        series[0]["markLine"] = {"symbol": "none", "silent": True, "label": {"show": False},
                                 "lineStyle": {"type": "dotted", "color": _GREY},
                                 "data": [{"xAxis": d} for d in changes]}
    return {"animation": False, "textStyle": {"fontFamily": CSS_FONTS},
            "title": {"text": title, "textStyle": {"fontSize": 14}},
            "tooltip": {"trigger": "axis"}, "legend": {"bottom": 0},
            "grid": {"left": 50, "right": 45, "top": 48, "bottom": 55},
            "xAxis": {"type": "value", "name": xlabel, "nameLocation": "middle",
                      "nameGap": 22, "min": 0, "max": _round_up(last)},
            "yAxis": axes, "series": series}


def collection_chart(series: pd.DataFrame, log: list[tuple[int, str]]) -> dict[str, Any]:
    """Fee collection (latest month, % of fees due, left axis) and mean satisfaction
    (score 0–1, right axis) per day (an ECharts option)."""
    last = int(series["day"].max()) if len(series) else 0
    return _chart("Fee collection and satisfaction", "day", last, [
        ("fee collection (%)", _RED, _points(series["day"], series["collection_rate"], 100), 0),
        ("satisfaction (score)", _BLUE, _points(series["day"], series["satisfaction"]), 1)],
        [{**_PERCENT_AXIS, "name": "fee collection"},
         {**_SCORE_AXIS, "name": "satisfaction", "position": "right"}], log)


def resolution_chart(series: pd.DataFrame, quick_days: int, window_days: int,
                     log: list[tuple[int, str]]) -> dict[str, Any]:
    """Complaints settled within the window and within quick_days, by filing day (weekly
    mean, % of complaints filed). Filing days whose window has not yet passed are left
    out (an ECharts option)."""
    last = int(series["day"].max()) if len(series) else 0
    lines = []
    for column, days, colour in (("resolution_rate", window_days, _RED),
                                 ("quick_rate", quick_days, _BLUE)):
        done = series[series["day"] <= last - days]
        weekly = done[column].astype(float).rolling(7, min_periods=1).mean()
        lines.append((f"settled within {days} days", colour,
                      _points(done["day"], weekly, 100), 0))
    return _chart("Complaint resolution (by filing day, 7-day mean)", "filing day", last,
                  lines, [{**_PERCENT_AXIS, "name": "settled"}], log)


#: The worst-estates table's look: numbers right-aligned (households, then from collection on).
_WORST_CSS = """
table.rw-worst { border-collapse: collapse; font-size: 90%; }
table.rw-worst th, table.rw-worst td { border: 1px solid #ddd; padding: 3px 8px; }
table.rw-worst td { white-space: nowrap; }
table.rw-worst th { background: #f3f3f3; text-align: left; }
table.rw-worst td:nth-child(3), table.rw-worst td:nth-child(n+6) {
    text-align: right; font-variant-numeric: tabular-nums; }
"""


def worst_table(worst: pd.DataFrame, window_days: int) -> pd.DataFrame:
    """The worst estates (:meth:`DashboardRun.worst_estates`) as the page shows them:
    names, not ids; yes/no; shares in %, counts whole, satisfaction with 3 decimals."""
    return pd.DataFrame({
        "estate": worst["name"], "community": worst["community_name"],
        "households": [format_value(v, "households") for v in worst["households"]],
        "linkage": worst["linkage"],
        "served by a company": ["yes" if v else "no" for v in worst["served"]],
        "collection (latest month)": [format_value(v, "share") for v in worst["collection"]],
        f"settled within {window_days} days (90 filing days)": [
            format_value(v, "share") for v in worst["resolution"]],
        "open complaints": [format_value(v, "complaints") for v in worst["open"]],
        "satisfaction (0–1)": [format_value(v, "score") for v in worst["satisfaction"]]})


@solara.component  # type: ignore[untyped-decorator]
def _Control(spec: Control, controls: Controls, change: Any) -> None:
    value = getattr(controls, spec.name)
    with solara.Column(gap="0px", classes=[f"rw-control-{spec.name}"]):
        if isinstance(value, bool):
            solara.Switch(label=spec.label, value=value,
                          on_value=lambda v: change(**{spec.name: bool(v)}))
        elif isinstance(value, int):
            solara.Text(f"{spec.label}: {value}")
            solara.SliderInt("", value=value, min=int(spec.low), max=int(spec.high),
                             step=int(spec.step), on_value=lambda v: change(**{spec.name: v}))
        else:
            solara.Text(f"{spec.label}: {value:.0%}")
            solara.SliderFloat("", value=value, min=spec.low, max=spec.high, step=spec.step,
                               on_value=lambda v: change(**{spec.name: round(float(v), 4)}))


@solara.component  # type: ignore[untyped-decorator]
def Page() -> None:
    """The dashboard page."""
    run = solara.use_memo(lambda: DashboardRun(city()), [])
    version, set_version = solara.use_state(0)
    playing, set_playing = solara.use_state(False)
    controls, set_controls = solara.use_state(run.controls)

    # redraws asked for and drawn: the running loop waits for each redraw before stepping on
    ticks = solara.use_memo(lambda: {"asked": 0, "drawn": 0}, [])

    def redraw() -> None:
        ticks["asked"] += 1
        set_version(ticks["asked"])

    def drawn() -> None:
        ticks["drawn"] = version

    solara.use_effect(drawn, [version])  # effects run once the redraw reached the page

    def loop(cancel: threading.Event) -> None:
        while playing and not cancel.is_set():
            if run.advance_for(TICK_SECONDS, limit=LAST_DAY) >= LAST_DAY:
                set_playing(False)
            redraw()
            while ticks["drawn"] < ticks["asked"] and not cancel.wait(0.02):
                pass

    solara.use_thread(loop, dependencies=[playing], intrusive_cancel=False)

    def change(**values: Any) -> None:
        new = replace(controls, **values)
        set_controls(new)
        run.set_controls(new)
        redraw()

    def step() -> None:
        run.advance(STEP_DAYS)
        redraw()

    def reset() -> None:
        set_playing(False)
        run.reset(controls)
        redraw()

    series = run.series()
    worst = run.worst_estates(10)
    p = run.model.p
    now = readout(series)

    solara.Title("Red Property dashboard")
    with solara.Sidebar():
        solara.HTML(tag="h3", unsafe_innerHTML="Policies")
        for spec in CONTROLS:
            _Control(spec, controls, change)
        with solara.Row():
            solara.Button("Pause" if playing else "Start", color="primary",
                          on_click=lambda: set_playing(not playing), classes=["rw-start"])
            solara.Button(f"Step {STEP_DAYS} days", on_click=step, disabled=playing,
                          classes=["rw-step"])
            solara.Button("Reset", on_click=reset, classes=["rw-reset"])
        solara.Text("Moving a control applies it to the running model today; Reset starts "
                    "day 0 again with the controls in force from the start.")
        with solara.Column(gap="6px", classes=["rw-files"]):
            solara.FileDownload(lambda: run.scenario(controls, source()),
                                filename="dashboard.toml", mime_type="application/toml",
                                children=[solara.Button("Save as scenario",
                                                        icon_name="mdi-content-save",
                                                        classes=["rw-save-scenario"])])
            for fmt in EXPORTS:
                solara.FileDownload(lambda fmt=fmt: run.export(fmt),
                                    filename=f"dashboard_day{run.day}.{fmt}",
                                    children=[solara.Button(f"Export the run ({fmt})",
                                                            icon_name="mdi-download",
                                                            classes=[f"rw-export-{fmt}"])])
            solara.Text("Save as scenario: the controls as a scenario file for 'redwuye "
                        "simulate', in force from day 0 as Reset runs them. Export: the "
                        "city's daily series so far.")
    with solara.Column():
        solara.HTML(tag="h2", unsafe_innerHTML=f"Red Property dashboard · "
                    f"{len(run.model.estate_ids):,} estates, "
                    f"{int(run.model.households.sum()):,} households")
        with solara.Row(classes=["rw-readout"]):
            solara.Text(f"day {run.day}", classes=["rw-day"])
            solara.Text("collection (latest month) " + format_value(now["collection"], "share"))
            solara.Text(f"settled within {p.window_days} days "
                        + format_value(now["resolution"], "share"))
            solara.Text("satisfaction " + format_value(now["satisfaction"], "score"))
        with solara.Row():
            solara.FigureEcharts(collection_chart(series, run.log), attributes={
                "class": "rw-plot-collection", "style": _PLOT_STYLE})
            solara.FigureEcharts(resolution_chart(series, p.quick_days, p.window_days, run.log),
                                 attributes={"class": "rw-plot-resolution",
                                             "style": _PLOT_STYLE})
        solara.HTML(tag="h3",
                    unsafe_innerHTML="Worst estates (lowest collection in the latest month)")
        solara.Style(_WORST_CSS)
        solara.HTML(tag="div", unsafe_innerHTML=worst_table(worst, p.window_days).to_html(
            index=False, escape=True, border=0, classes="rw-worst"))  # names: escaped
        if run.log:
            solara.HTML(tag="h3", unsafe_innerHTML="Changes")
            for day, text in run.log:
                solara.Text(f"day {day}: {text}", classes=["rw-change"])
