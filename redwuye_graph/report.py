"""A self-contained HTML report of a simulated scenario, for mailing to a planner.

One file, no external resource: the plots are PNG images embedded as base64 ``data:``
URIs, the style sheet is inline. The page holds the scenario (city, horizon, seeds,
policy levels), its policies with their parameters, the model parameters that differ
from the registry's defaults (the whole registry in a folded section), the outcome
tables (mean and 10-90% of runs, overall and by linkage group; outcomes at one and two
years), the paired differences from a baseline with their 95% intervals (when one is
given) and the plots. Values are shown in their outcome's unit
(:func:`~redwuye_graph.plotting.format_value`: shares in %, counts as whole numbers).

The pages are Jinja2 templates (``redwuye_graph/templates/``) with autoescaping on: names
and descriptions come from the user's files.

Examples
--------
>>> from dataclasses import replace
>>> from pathlib import Path
>>> from redwuye_graph.sim.scenario import load_scenario, run_scenario
>>> sc = replace(load_scenario(Path("simulations/instructors.toml")), preset="tiny",
...              days=40, seeds=2)
>>> tables = run_scenario(sc)
>>> page = render_report(sc, tables, {})
>>> page.startswith("<!DOCTYPE html>") and "instructors" in page
True
>>> outcomes_at(tables["city"], [30])["day"].tolist()
[30, 30]
"""

from __future__ import annotations

import base64
import io
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined

from redwuye_graph.experiments.compare import Comparison
from redwuye_graph.observed import MEASURES
from redwuye_graph.outcomes import (
    AT_OUTCOMES,
    HEADLINE,
    LINKAGE_GROUPS,
    OUTCOMES,
    REPORT_OUTCOMES,
    Counts,
    outcomes_of,
    unit_of,
)
from redwuye_graph.plotting import (
    BAND,
    CSS_FONTS,
    difference_parts,
    format_difference,
    format_value,
    mark_days,
    outcome_axis,
    percent_axis,
    styled,
    subplots,
)
from redwuye_graph.sim.params import PARAMS, Params
from redwuye_graph.sim.policies import POLICIES, START_DAY

if TYPE_CHECKING:
    from redwuye_graph.experiments.attribution import Attribution
    from redwuye_graph.sim.scenario import Scenario

__all__ = ["AT_OUTCOMES", "ESTATE_COLUMNS", "REPORT_OUTCOMES", "Cell", "Figure", "Table",
           "comparison_tables", "outcome_table", "outcomes_at", "render_comparison",
           "render_report", "report_figures", "write_comparison_report", "write_report"]


# -- tables (no drawing) -----------------------------------------------------------------------
def _spread(frame: pd.DataFrame, by: list[str], columns: Iterable[str]) -> pd.DataFrame:
    """Mean, 10% and 90% across runs of ``columns`` per ``by`` group, long format."""
    long = frame.melt(id_vars=by, value_vars=list(columns), var_name="outcome")
    grouped = long.groupby([*by, "outcome"], sort=False)["value"]
    table = pd.DataFrame({"mean": grouped.mean(), "p10": grouped.quantile(0.1),
                          "p90": grouped.quantile(0.9), "seeds": grouped.count()})
    return table.reset_index()


def outcome_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Summary outcomes across runs: one row per linkage group and outcome.

    Parameters
    ----------
    summary : the ``summary`` table of :func:`~redwuye_graph.sim.scenario.run_scenario`
        (one row per seed and group).

    Returns
    -------
    pandas.DataFrame
        ``group, outcome, mean, p10, p90, seeds`` for the outcomes of
        :data:`REPORT_OUTCOMES`; ``p10``/``p90`` are the 10% and 90% quantiles across runs.
    """
    return _spread(summary, ["group"], REPORT_OUTCOMES)


def outcomes_at(city: pd.DataFrame, days: Iterable[int]) -> pd.DataFrame:
    """City outcomes of each run on given days (see :data:`AT_OUTCOMES`).

    Parameters
    ----------
    city : a daily ``city`` table with a ``seed`` column (and optionally ``scenario`` and
        ``graph_seed``).
    days : the days to read; days past a run's horizon are left out.

    Returns
    -------
    pandas.DataFrame
        One row per run ((scenario,) (graph seed,) seed) and day with the columns of
        :data:`AT_OUTCOMES`.
    """
    keys = [k for k in ("scenario", "graph_seed", "seed") if k in city.columns]
    rows = []
    for key, run in city.groupby(keys, sort=True):
        counts = Counts.from_table(run.sort_values("day"))
        for day in days:
            if day > counts.last:
                continue
            values = outcomes_of(counts.upto(day), AT_OUTCOMES, on_day=True)
            rows.append({**dict(zip(keys, key if isinstance(key, tuple) else (key,),
                                    strict=True)),
                         "day": int(day), **{k: float(v) for k, v in values.items()}})
    return pd.DataFrame(rows, columns=[*keys, "day", *AT_OUTCOMES])


# -- figures ------------------------------------------------------------------------------------
def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


#: Columns of the estate table the report reads (what to load from ``estate.parquet``).
ESTATE_COLUMNS = ("linkage", "graph_seed", "seed", "day", "paid", "due", "sat_sum",
                  "households")


@styled
def _by_linkage_png(estate: pd.DataFrame, title: str, starts: list[tuple[str, int]]) -> bytes:
    """Collection and satisfaction per linkage group (median of runs, 10-90% band)."""
    runs = [k for k in ("graph_seed", "seed") if k in estate.columns]
    sums = estate.groupby(["linkage", *runs, "day"], sort=True)[
        ["paid", "due", "sat_sum", "households"]].sum()
    monthly = (sums["paid"] / sums["due"].where(sums["due"] > 0)).groupby(
        level=["linkage", *runs]).ffill()
    series = {"Fee collection rate": monthly,
              "Mean satisfaction": sums["sat_sum"] / sums["households"]}
    low, high = BAND.low, BAND.high
    fig, axes = subplots(1, 2, figsize=(10, 3.8), sharex=True)
    for ax, (label, values) in zip(axes, series.items(), strict=True):
        for group, part in values.groupby(level="linkage", sort=True):
            wide = part.droplevel("linkage").unstack(runs)
            q = wide.quantile([low, 0.5, high], axis=1).T
            ax.fill_between(q.index, q[low], q[high], alpha=BAND.alpha)
            ax.plot(q.index, q[0.5], label=str(group))
        ax.set_title(label)
        ax.set_xlabel("day")
        mark_days(ax, starts)
    percent_axis(axes[0], full=True)
    axes[0].set_ylabel("% of fees due")
    axes[1].set_ylim(0, 1)
    axes[1].set_ylabel("score (0–1)")
    axes[1].legend(title=f"linkage on day 0 (median; band: {BAND.label})", loc="lower right")
    fig.suptitle(title)
    fig.tight_layout()
    data = _png(fig)
    return data


def report_figures(sc: Scenario, tables: Mapping[str, pd.DataFrame]) -> dict[str, bytes]:
    """The report's plots as PNG bytes, by caption.

    Parameters
    ----------
    sc : the scenario that was run.
    tables : its tables from :func:`~redwuye_graph.sim.scenario.run_scenario`.

    Returns
    -------
    dict
        Caption -> PNG: the city outcomes with seed bands, and (when the run kept the
        estate table) collection and satisfaction by linkage group.
    """
    from redwuye_graph.sim.scenario import plot_runs

    runs = len(tables["city"].groupby(["graph_seed", "seed"]))
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = plot_runs(tables["city"], Path(tmp) / "city.png",
                         f"{sc.name}: {runs} run(s), {sc.days} days", sc.policy_starts())
        figures["City outcomes: median of runs with the 10-90% band"] = path.read_bytes()
    if "estate" in tables:
        figures["By linkage group (tripartite, partial, none)"] = _by_linkage_png(
            tables["estate"], f"{sc.name}: estates by linkage group", sc.policy_starts())
    observed = tables.get("observed")
    if observed is not None and (observed["measure"] != "complaints").any():
        figures["Observed (as recorded, with its bound) and simulated (mean of runs, "
                "10-90% band) per estate"] = _observed_png(observed, sc.name)
    return figures


@styled
def _observed_png(table: pd.DataFrame, title: str) -> bytes:
    """Each observed share (a triangle pointing the way of its bound) beside the estate's
    simulated outcome (dot: mean of runs; bar: 10-90% of runs)."""
    rows = table[table["measure"] != "complaints"].reset_index(drop=True)
    fig, ax = subplots(1, 1, figsize=(8, 1.8 + 0.5 * len(rows)))
    y = np.arange(len(rows))
    sim = rows["simulated"].astype(float)
    ax.errorbar(sim, y + 0.12, xerr=[sim - rows["low"].astype(float),
                                     rows["high"].astype(float) - sim],
                fmt="o", color="#1565c0", capsize=3, label="simulated (mean, 10-90% of runs)")
    for bound, marker in (("below", "<"), ("above", ">"), (None, "D")):
        pick = rows["bound"].isna() if bound is None else rows["bound"] == bound
        if pick.any():
            ax.scatter(rows.loc[pick, "observed"].astype(float), y[pick.to_numpy()] - 0.12,
                       marker=marker, color="#b71c1c", s=60, zorder=3,
                       label=f"observed ({bound or 'value'})")
    ax.set_yticks(y, [f"{r['name']} {r['measure']} {r['period']}"
                      for r in rows.to_dict("records")])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    percent_axis(ax, "x", full=True)
    ax.set_xlabel("%")
    ax.set_title(f"{title}: observed and simulated")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.45), ncol=4, fontsize=8)
    fig.tight_layout()
    return _png(fig)


# -- a paired comparison -----------------------------------------------------------------------
@styled
def _comparison_png(result: Comparison) -> bytes:
    """Headline paired differences with their 95% intervals: the city and each group."""
    from matplotlib.ticker import MaxNLocator

    table = result.table[result.table["scope"] != "district"]
    fig, axes = subplots(1, len(HEADLINE), figsize=(3.2 * len(HEADLINE), 3.4))
    for ax, outcome in zip(axes, HEADLINE, strict=True):
        part = table[table["outcome"] == outcome]
        labels = ["city" if u == "all" else str(u) for u in part["unit"]]
        errors = [part["difference"] - part["low"], part["high"] - part["difference"]]
        ax.barh(labels, part["difference"], xerr=errors, color="#b71c1c", alpha=0.8,
                capsize=3)
        ax.axvline(0, color="#424242", linewidth=0.8)
        ax.set_title(outcome, fontsize=10)
        outcome_axis(ax, outcome, "x", difference=True)
        if unit_of(outcome) == "share":  # a share moves by at most 100 pp either way
            low, high = ax.get_xlim()
            ax.set_xlim(max(low, -1.0), min(high, 1.0))
        ax.xaxis.set_major_locator(MaxNLocator(4))  # labels like "+100 pp" need room
        ax.invert_yaxis()
    axes[0].set_ylabel("city and day-0 linkage group")
    fig.suptitle(f"{result.b} − {result.a}: mean paired difference, 95% interval")
    fig.tight_layout()
    return _png(fig)


@styled
def _attribution_png(split: Attribution) -> bytes:
    """Each outcome's gain split by channel (Shapley if computed, else one at a time)."""
    method = "shapley" if "shapley" in set(split.table["method"]) else "one_at_a_time"
    table = split.table[(split.table["method"] == method) & (split.table["kind"] != "idle")]
    names = list(table["outcome"].unique())
    fig, axes = subplots(1, len(names), figsize=(3.2 * len(names), 0.8 + 0.32 * len(
        table["part"].unique())), squeeze=False)
    for ax, outcome in zip(axes[0], names, strict=True):
        part = table[table["outcome"] == outcome]
        errors = [part["value"] - part["low"], part["high"] - part["value"]]
        colours = ["#424242" if k == "total" else "#b71c1c" for k in part["kind"]]
        ax.barh(part["part"], part["value"], xerr=errors, color=colours, alpha=0.8,
                capsize=2)
        ax.axvline(0, color="#424242", linewidth=0.8)
        ax.set_title(outcome, fontsize=10)
        outcome_axis(ax, outcome, "x", difference=True)
        ax.grid(axis="x", alpha=0.3)
        ax.invert_yaxis()
        if ax is not axes[0][0]:
            ax.set_yticklabels([])
    fig.suptitle(f"{split.b} − {split.a} by channel ({method.replace('_', ' ')}), 95% "
                 "interval")
    fig.tight_layout()
    return _png(fig)


# -- tables as the pages show them -------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """A table cell: its text and whether it holds a number (right-aligned)."""

    text: str
    num: bool = False


@dataclass(frozen=True)
class Table:
    """A table as the templates draw it: column names, rows of cells and a note."""

    columns: list[str]
    rows: list[list[Cell]]
    note: str = ""


@dataclass(frozen=True)
class Figure:
    """A plot embedded in a page: its caption and its PNG as base64 text."""

    caption: str
    data: str

    @classmethod
    def of(cls, caption: str, png: bytes) -> Figure:
        """The figure of ``png`` bytes."""
        return cls(caption, base64.b64encode(png).decode("ascii"))


_PAGES = Environment(loader=PackageLoader("redwuye_graph", "templates"), autoescape=True,
                     undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _page(template: str, **values: Any) -> str:
    """A page rendered from ``templates/`` (values are escaped by the template)."""
    return _PAGES.get_template(template).render(fonts=CSS_FONTS,
                                                made=f"{datetime.now():%Y-%m-%d %H:%M}",
                                                **values)


def _fmt(value: Any) -> str:
    """A value of a parameter or policy table, as written in a scenario file."""
    if isinstance(value, float | np.floating):
        number = float(value)
        if np.isnan(number):
            return "–"
        return f"{number:,.3f}" if abs(number) < 100 else f"{number:,.0f}"
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool)


def _frame_table(frame: pd.DataFrame) -> Table:
    """A table of a frame's values as they are (parameters, policies)."""
    rows = [[Cell(_fmt(v), _is_number(v)) for v in row] for row in frame.itertuples(index=False)]
    return Table([str(c) for c in frame.columns], rows)


def _spread_table(table: pd.DataFrame, meanings: Mapping[str, str],
                  keys: tuple[str, ...] = ()) -> Table:
    """Rows of :func:`_spread` (mean, 10%, 90%, runs), each value in its outcome's unit."""
    rows = []
    for r in table.to_dict("records"):
        unit = unit_of(r["outcome"])
        rows.append([*(Cell(str(r[k]), True) for k in keys), Cell(r["outcome"]),
                     Cell(meanings[r["outcome"]]),
                     *(Cell(format_value(r[c], unit), True) for c in ("mean", "p10", "p90")),
                     Cell(f"{int(r['seeds'])}", True)])
    return Table([*keys, "outcome", "meaning", "mean", "10% of runs", "90% of runs", "runs"],
                 rows)


def _by_group_table(overall: pd.DataFrame) -> Table:
    """Mean over runs per linkage group: one row per outcome, one column per group."""
    means = overall[overall["group"] != "all"].set_index(["outcome", "group"])["mean"]
    groups = [g for g in LINKAGE_GROUPS if g in set(overall["group"])]
    rows = [[Cell(o), *(Cell(format_value(means.get((o, g), np.nan), unit_of(o)), True)
                        for g in groups)] for o in REPORT_OUTCOMES]
    return Table(["outcome", *groups], rows)


def _difference(row: Mapping[Any, Any]) -> str:
    """A paired difference with its interval: ``+6.8 pp [+6.3, +7.3]``."""
    return format_difference(row["difference"], row["low"], row["high"], unit_of(row["outcome"]))


def _wide_differences(part: pd.DataFrame, rows_by: str, outcomes: list[str],
                      units: list[str]) -> list[list[Cell]]:
    cells = {(r["unit"], r["outcome"]): _difference(r) for r in part.to_dict("records")}
    if rows_by == "outcome":
        return [[Cell(o), *(Cell(cells.get((u, o), "–"), True) for u in units)]
                for o in outcomes]
    return [[Cell(str(u)), *(Cell(cells.get((u, o), "–"), True) for o in outcomes)]
            for u in units]


def comparison_tables(result: Comparison) -> dict[str, Table]:
    """A paired comparison's tables as the pages show them, by title.

    Parameters
    ----------
    result : a :func:`~redwuye_graph.experiments.compare.paired_comparison`.

    Returns
    -------
    dict
        ``City`` (a, b, the difference b − a and its 95% interval per outcome),
        ``By linkage group on day 0`` (outcomes × groups) and ``By district`` (districts
        × headline outcomes), every value in its outcome's unit: shares in %, their
        differences in percentage points, counts whole (one decimal for a mean under 100).
    """
    table = result.table
    city = table[table["scope"] == "city"]
    rows = []
    for r in city.to_dict("records"):
        unit = unit_of(r["outcome"])
        difference, interval = difference_parts(r["difference"], r["low"], r["high"], unit)
        rows.append([Cell(r["outcome"]), Cell(format_value(r["a"], unit), True),
                     Cell(format_value(r["b"], unit), True), Cell(difference, True),
                     Cell(interval or "–", True),
                     Cell(f"{int(r['pairs'])}", True), Cell(OUTCOMES[r["outcome"]])])
    tables = {"City": Table(["outcome", result.a, result.b, "b − a", "95% interval", "pairs",
                             "meaning"], rows)}
    groups = table[table["scope"] == "group"]
    units = [g for g in LINKAGE_GROUPS if g in set(groups["unit"])]
    tables["By linkage group on day 0"] = Table(
        ["outcome", *units],
        _wide_differences(groups, "outcome", list(dict.fromkeys(groups["outcome"])), units),
        "b − a and its 95% interval in each day-0 linkage group of the base city "
        "(tripartite: the three bodies tied by cross-appointed people; partial: some "
        "escalation path; none: no path).")
    districts = table[table["scope"] == "district"]
    if not districts.empty:
        names = list(dict.fromkeys(districts["outcome"]))
        tables["By district"] = Table(
            ["district", *names],
            _wide_differences(districts, "unit", names, list(dict.fromkeys(districts["unit"]))),
            "b − a and its 95% interval in each district.")
    return tables


def _comparison(result: Comparison, a: Path, b: Path) -> dict[str, Any]:
    """What a page shows of a paired comparison: facts, the chart and the tables."""
    return {"a": result.a, "b": result.b,
            "facts": [("a", f"{result.a} ({a})"), ("b", f"{result.b} ({b})"),
                      ("paired", result.describe())],
            "figure": Figure.of("Mean paired difference b − a with its 95% interval, for "
                                "the city and each day-0 linkage group of the base city.",
                                _comparison_png(result)),
            "tables": comparison_tables(result)}


# -- the report of a scenario -------------------------------------------------------------------
def _policies(sc: Scenario) -> Table | None:
    if not sc.policies:
        return None
    rows = []
    for spec in sc.policies:
        cls = POLICIES[spec["kind"]]
        policy = cls(**{k: v for k, v in spec.items() if k != "kind"})
        values = "; ".join(f"{name} = {_fmt(value)} {cls.PARAMS[name].unit}"
                           for name, value in policy.values.items()) or "(none)"
        rows.append({"policy": cls.kind, "what": cls.summary,
                     f"from day ({START_DAY.unit})": policy.start_day,
                     "until day": "" if policy.end_day is None else policy.end_day,
                     "roll-out (days)": policy.rollout_days, "parameters": values})
    return _frame_table(pd.DataFrame(rows))


def _parameters(params: Params) -> tuple[Table, Table]:
    """Changed parameters and the whole registry."""
    rows = []
    for f in fields(params):
        spec = PARAMS[f.name]
        rows.append({"parameter": f.name, "value": getattr(params, f.name),
                     "default": spec.default, "unit": spec.unit, "meaning": spec.meaning})
    table = pd.DataFrame(rows)
    changed = table[[v != d for v, d in zip(table["value"], table["default"], strict=True)]]
    return _frame_table(changed), _frame_table(table)


def _seeds(seeds: list[int]) -> str:
    """``3``, ``1..3`` (consecutive) or ``1, 4, 7``.

    >>> _seeds([3]), _seeds([1, 2, 3]), _seeds([1, 4, 7])
    ('3', '1..3', '1, 4, 7')
    """
    if len(seeds) == 1:
        return str(seeds[0])
    if seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}..{seeds[-1]}"
    return ", ".join(map(str, seeds))


def _city(sc: Scenario, graphs: list[int]) -> list[tuple[str, Any]]:
    """The base cities the runs used (``graphs``: their graph seeds, as run)."""
    if sc.store is not None:
        from redwuye_graph.store import public_uri

        return [("city", f"read from store {public_uri(sc.store)}")]
    levels = ", ".join(f"{k} = {v:g}" for k, v in sc.levels.items()) or "none"
    return [("base city", f"generated preset {sc.preset!r}, graph seed"
                          f"{'' if len(graphs) == 1 else 's'} {_seeds(graphs)}"),
            ("changes to it on day 0 (policy levels)", levels)]


def _observed_table(table: pd.DataFrame | None) -> Table | None:
    """Observed outcomes beside simulated ones (``None`` without them): shares in %,
    complaints as whole numbers."""
    if table is None or table.empty:
        return None
    values = ("observed", "simulated", "low", "high")
    rows = []
    for r in table.to_dict("records"):
        unit = MEASURES[r["measure"]][1]
        rows.append([Cell(format_value(r[c], unit), True) if c in values
                     else Cell(_fmt(r[c]), _is_number(r[c])) for c in table.columns])
    return Table([str(c) for c in table.columns], rows)


def render_report(sc: Scenario, tables: Mapping[str, pd.DataFrame],
                  figures: Mapping[str, bytes], seconds: float | None = None,
                  baseline: tuple[Comparison, Path, Path] | None = None) -> str:
    """The report as one self-contained HTML page.

    Parameters
    ----------
    sc : the scenario that was run.
    tables : its tables from :func:`~redwuye_graph.sim.scenario.run_scenario`.
    figures : caption -> PNG bytes (:func:`report_figures`), embedded as base64.
    seconds : wall time of the runs, shown when given.
    baseline : the paired comparison of these runs with a baseline's (baseline as
        ``a``), with the baseline's and these runs' folders; shown when given.

    Returns
    -------
    str
        The HTML page (UTF-8 text; no external resources).
    """
    summary = tables["summary"]
    seeds = sorted(int(s) for s in summary["seed"].unique())
    graphs = sorted(int(s) for s in summary["graph_seed"].unique())
    facts = [("scenario file", sc.path.name), *_city(sc, graphs),
             ("horizon", f"{sc.days} days"),
             ("runs", f"{len(graphs)} base cit{'y' if len(graphs) == 1 else 'ies'} × "
                      f"{len(seeds)} run seed(s): {_seeds(seeds)}"),
             ("estates, households", f"{int(summary['estates'].iloc[0]):,}, "
                                     f"{int(summary['households'].iloc[0]):,}")]
    if seconds is not None:
        facts.append(("wall time", f"{seconds:.1f} s"))
    overall = outcome_table(summary)
    checkpoints = [d for d in (365, 730) if d <= sc.days] or [sc.days]
    at = _spread(outcomes_at(tables["city"], checkpoints), ["day"], AT_OUTCOMES)
    changed, registry = _parameters(sc.params)
    return _page(
        "report.html.j2", name=sc.name, description=sc.description, facts=facts,
        headline=_spread_table(overall[overall["group"] == "all"], OUTCOMES),
        by_group=_by_group_table(overall), at=_spread_table(at, AT_OUTCOMES, ("day",)),
        comparison=None if baseline is None else _comparison(*baseline),
        observed=_observed_table(tables.get("observed")),
        figures=[Figure.of(caption, png) for caption, png in figures.items()],
        policies=_policies(sc), changed=changed, registry=registry)


def write_report(sc: Scenario, tables: Mapping[str, pd.DataFrame], target: Path,
                 seconds: float | None = None,
                 baseline: tuple[Comparison, Path, Path] | None = None) -> Path:
    """Draw the figures and write the report to ``target``; the path written.

    Parameters
    ----------
    sc : the scenario that was run.
    tables : its tables from :func:`~redwuye_graph.sim.scenario.run_scenario`.
    target : the HTML file to write (its folder is created).
    seconds : wall time of the runs, shown when given.
    baseline : as for :func:`render_report`.

    Returns
    -------
    pathlib.Path
        ``target``.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    page = render_report(sc, tables, report_figures(sc, tables), seconds, baseline)
    target.write_text(page, encoding="utf-8")
    return target


def _attribution(split: Attribution) -> dict[str, Any]:
    """What the comparison page shows of an attribution: what was switched, a chart and a
    table per outcome (values in the outcome's unit)."""
    meaning = split.table.drop_duplicates("part").set_index("part")["meaning"]
    methods = list(split.table["method"].unique())
    tables = {}
    for outcome in split.table["outcome"].unique():
        wide = split.wide(str(outcome))
        columns = ["part"]
        for how in methods:
            label = str(how).replace("_", " ")
            columns += [label, f"{label}: 95% interval", f"{label}: share"]
        columns.append("meaning")
        rows = []
        for r in wide.to_dict("records"):
            row = [Cell(str(r["part"]))]
            for how in methods:
                difference, interval = difference_parts(
                    r[f"{how}_value"], r[f"{how}_low"], r[f"{how}_high"],
                    unit_of(str(outcome)))
                share = r[f"{how}_share"]
                row += [Cell(difference, True), Cell(interval or "–", True),
                        Cell(f"{share:.0%}" if share == share else "–", True)]
            row.append(Cell(str(meaning.get(r["part"], ""))))
            rows.append(row)
        tables[str(outcome)] = Table(columns, rows)
    return {"describe": split.describe(),
            "figure": Figure.of("Each channel's part of the gain; the residual is the gain "
                                "left with every channel switched off; the parts sum to the "
                                "total.", _attribution_png(split)),
            "tables": tables}


def render_comparison(result: Comparison, a: Path, b: Path,
                      attribution: Attribution | None = None) -> str:
    """A paired comparison (:func:`~redwuye_graph.experiments.compare.paired_comparison`)
    as one self-contained HTML page: what was paired, a chart and the tables; with an
    :class:`~redwuye_graph.experiments.attribution.Attribution`, its split by channel."""
    return _page("comparison.html.j2", c=_comparison(result, a, b),
                 attribution=None if attribution is None else _attribution(attribution))


def write_comparison_report(result: Comparison, a: Path, b: Path, target: Path,
                            attribution: Attribution | None = None) -> Path:
    """Write :func:`render_comparison` to ``target`` (its folder is created)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_comparison(result, a, b, attribution), encoding="utf-8")
    return target
