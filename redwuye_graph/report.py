"""A self-contained HTML report of a simulated scenario, for mailing to a planner.

One file, no external resource: the plots are PNG images embedded as base64 ``data:``
URIs, the style sheet is inline. The page holds the scenario (city, horizon, seeds,
policy levels), its policies with their parameters, the model parameters that differ
from the registry's defaults (the whole registry in a folded section), the outcome
tables (mean and 10-90% of runs, overall and by linkage group; outcomes at one and two
years) and the plots.

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
import html
import io
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from redwuye_graph.experiments.compare import Comparison
from redwuye_graph.outcomes import (
    AT_OUTCOMES,
    HEADLINE,
    OUTCOMES,
    REPORT_OUTCOMES,
    Counts,
    outcomes_of,
)
from redwuye_graph.plotting import (
    BAND,
    CSS_FONTS,
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

__all__ = ["AT_OUTCOMES", "ESTATE_COLUMNS", "REPORT_OUTCOMES", "outcome_table", "outcomes_at",
           "render_comparison", "render_report", "report_figures", "write_comparison_report",
           "write_report"]

_CSS = """
body { font-family: """ + CSS_FONTS + """; margin: 2em auto;
       max-width: 1100px; color: #222; line-height: 1.4; }
h1 { border-bottom: 3px solid #b71c1c; padding-bottom: .2em; }
h2 { color: #b71c1c; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .6em 0; font-size: 90%; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; border: 1px solid #ddd; margin: .5em 0; }
.muted { color: #666; font-size: 90%; }
"""


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


# -- HTML ---------------------------------------------------------------------------------------
def _e(value: Any) -> str:
    return html.escape(str(value))


def _fmt(value: Any) -> str:
    if isinstance(value, float | np.floating):
        number = float(value)
        if np.isnan(number):
            return "–"
        return f"{number:,.3f}" if abs(number) < 100 else f"{number:,.0f}"
    return str(value)


def _html_table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            numeric = isinstance(value, int | float | np.number) and not isinstance(value, bool)
            cells.append(f"<td class=\"num\">{_e(_fmt(value))}</td>" if numeric
                         else f"<td>{_e(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _pairs(rows: Iterable[tuple[str, Any]]) -> str:
    return "<table>" + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>"
                               for k, v in rows) + "</table>"


def _policies(sc: Scenario) -> str:
    if not sc.policies:
        return "<p>No policy: the city runs as generated.</p>"
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
    return _html_table(pd.DataFrame(rows))


def _parameters(params: Params) -> tuple[str, str]:
    """Changed parameters and the whole registry, as HTML tables."""
    rows = []
    for f in fields(params):
        spec = PARAMS[f.name]
        rows.append({"parameter": f.name, "value": getattr(params, f.name),
                     "default": spec.default, "unit": spec.unit, "meaning": spec.meaning})
    table = pd.DataFrame(rows)
    changed = table[[v != d for v, d in zip(table["value"], table["default"], strict=True)]]
    changed_html = (_html_table(changed) if len(changed)
                    else "<p>All model parameters are at their registry defaults.</p>")
    return changed_html, _html_table(table)


def _city(sc: Scenario) -> list[tuple[str, Any]]:
    if sc.store is not None:
        from redwuye_graph.store import public_uri

        return [("city", f"read from store {public_uri(sc.store)}")]
    levels = ", ".join(f"{k} = {v:g}" for k, v in sc.levels.items()) or "none"
    graphs = sc.graph_seed_list()
    return [("base city", f"generated preset {sc.preset!r}, graph seed(s) "
                          f"{graphs[0]}..{graphs[-1]}"),
            ("changes to it on day 0 (policy levels)", levels)]


def _observed_html(table: pd.DataFrame | None) -> str:
    """The section of observed outcomes beside simulated ones (empty without them)."""
    if table is None or table.empty:
        return ""
    return ("<h3>Observed and simulated, per estate</h3><p class=\"muted\">What the "
            "store records for an estate (Observation: period, source, date; a bound "
            "says the figure is under or over) beside that estate's simulated outcome: "
            "mean over runs, 10% and 90% quantiles (<code>observed.csv</code>).</p>"
            + _html_table(table))


def render_report(sc: Scenario, tables: Mapping[str, pd.DataFrame],
                  figures: Mapping[str, bytes], seconds: float | None = None) -> str:
    """The report as one self-contained HTML page.

    Parameters
    ----------
    sc : the scenario that was run.
    tables : its tables from :func:`~redwuye_graph.sim.scenario.run_scenario`.
    figures : caption -> PNG bytes (:func:`report_figures`), embedded as base64.
    seconds : wall time of the runs, shown when given.

    Returns
    -------
    str
        The HTML page (UTF-8 text; no external resources).
    """
    summary = tables["summary"]
    seeds = sorted(int(s) for s in summary["seed"].unique())
    graphs = sorted(int(s) for s in summary["graph_seed"].unique())
    facts = [("scenario file", sc.path.name), *_city(sc),
             ("horizon", f"{sc.days} days"),
             ("runs", f"{len(graphs)} base cit{'y' if len(graphs) == 1 else 'ies'} × "
                      f"{len(seeds)} seed(s): {seeds[0]}..{seeds[-1]}"),
             ("estates, households", f"{int(summary['estates'].iloc[0]):,}, "
                                     f"{int(summary['households'].iloc[0]):,}")]
    if seconds is not None:
        facts.append(("wall time", f"{seconds:.1f} s"))
    overall = outcome_table(summary)
    headline = overall[overall["group"] == "all"].drop(columns="group")
    headline.insert(1, "meaning", [OUTCOMES[o] for o in headline["outcome"]])
    by_group = overall[overall["group"] != "all"].pivot(index="outcome", columns="group",
                                                        values="mean")
    by_group = by_group.reindex(index=list(REPORT_OUTCOMES)).reset_index()
    checkpoints = [d for d in (365, 730) if d <= sc.days] or [sc.days]
    at = _spread(outcomes_at(tables["city"], checkpoints), ["day"], AT_OUTCOMES)
    at.insert(2, "meaning", [AT_OUTCOMES[o] for o in at["outcome"]])
    changed, registry = _parameters(sc.params)
    images = "".join(
        f"<figure><img alt=\"{_e(caption)}\" src=\"data:image/png;base64,"
        f"{base64.b64encode(png).decode('ascii')}\"><figcaption>{_e(caption)}</figcaption>"
        "</figure>" for caption, png in figures.items())
    parts = [
        "<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>{_e(sc.name)}: simulation report</title><style>{_CSS}</style></head><body>",
        f"<h1>Scenario <code>{_e(sc.name)}</code></h1>",
        f"<p>{_e(sc.description)}</p>" if sc.description else "",
        _pairs(facts),
        "<h2>Outcomes</h2><p class=\"muted\">Mean over runs, with the 10% and 90% "
        "quantiles across runs.</p>", _html_table(headline),
        "<h3>By linkage group on day 0 (mean over runs)</h3>",
        "<p class=\"muted\">tripartite: residents' committee, owners' committee and company "
        "tied by cross-appointed people; partial: some escalation path; none: no path.</p>",
        _html_table(by_group),
        "<h3>At one and two years</h3>", _html_table(at),
        _observed_html(tables.get("observed")),
        "<h2>Plots</h2>", images or "<p>(no plots)</p>",
        "<h2>Policies</h2>", _policies(sc),
        "<h2>Model parameters changed from the defaults</h2>", changed,
        "<details><summary>All model parameters</summary>", registry, "</details>",
        f"<p class=\"muted\">redwuye-graph report, {datetime.now():%Y-%m-%d %H:%M}.</p>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)


def write_report(sc: Scenario, tables: Mapping[str, pd.DataFrame], target: Path,
                 seconds: float | None = None) -> Path:
    """Draw the figures and write the report to ``target``; the path written.

    Parameters
    ----------
    sc : the scenario that was run.
    tables : its tables from :func:`~redwuye_graph.sim.scenario.run_scenario`.
    target : the HTML file to write (its folder is created).
    seconds : wall time of the runs, shown when given.

    Returns
    -------
    pathlib.Path
        ``target``.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    page = render_report(sc, tables, report_figures(sc, tables), seconds)
    target.write_text(page, encoding="utf-8")
    return target


# -- a paired comparison -----------------------------------------------------------------------
@styled
def _comparison_png(result: Comparison) -> bytes:
    """Headline paired differences with their 95% intervals: the city and each group."""
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
        ax.invert_yaxis()
    axes[0].set_ylabel("city and day-0 linkage group")
    fig.suptitle(f"{result.b} − {result.a}: mean paired difference, 95% interval")
    fig.tight_layout()
    return _png(fig)


def _attribution_png(split: Attribution) -> bytes:
    """Each outcome's gain split by channel (Shapley if computed, else one at a time)."""
    from redwuye_graph.plotting import subplots

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
        ax.grid(axis="x", alpha=0.3)
        ax.invert_yaxis()
        if ax is not axes[0][0]:
            ax.set_yticklabels([])
    fig.suptitle(f"{split.b} − {split.a} by channel ({method.replace('_', ' ')}), 95% "
                 "interval")
    fig.tight_layout()
    return _png(fig)


def _attribution_html(split: Attribution) -> list[str]:
    """The attribution section: what was switched, a chart, a table per outcome."""
    png = base64.b64encode(_attribution_png(split)).decode("ascii")
    parts = ["<h2>What each mechanism carries</h2>", f"<p>{_e(split.describe())}.</p>",
             f"<figure><img alt=\"attribution\" src=\"data:image/png;base64,{png}\">"
             "<figcaption>Each channel's part of the gain; the residual is the gain left "
             "with every channel switched off; the parts sum to the total.</figcaption>"
             "</figure>"]
    meaning = split.table.drop_duplicates("part").set_index("part")["meaning"]
    for outcome in split.table["outcome"].unique():
        wide = split.wide(str(outcome))
        view = pd.DataFrame({"part": wide["part"]})
        for how in split.table["method"].unique():
            label = str(how).replace("_", " ")
            view[label] = wide[f"{how}_value"]
            view[f"{label}: 95% interval"] = [
                "–" if lo != lo else f"[{_fmt(lo)}, {_fmt(hi)}]"
                for lo, hi in zip(wide[f"{how}_low"], wide[f"{how}_high"], strict=True)]
            view[f"{label}: share"] = [f"{v:.0%}" if v == v else "–"
                                       for v in wide[f"{how}_share"]]
        view["meaning"] = view["part"].map(meaning)
        parts += [f"<h3>{_e(outcome)}</h3>", _html_table(view)]
    return parts


def render_comparison(result: Comparison, a: Path, b: Path,
                      attribution: Attribution | None = None) -> str:
    """A paired comparison (:func:`~redwuye_graph.experiments.compare.paired_comparison`)
    as one self-contained HTML page: what was paired, a chart and the tables; with an
    :class:`~redwuye_graph.experiments.attribution.Attribution`, its split by channel."""
    png = base64.b64encode(_comparison_png(result)).decode("ascii")
    table = result.table.assign(meaning=[OUTCOMES.get(o, "") for o in result.table["outcome"]])
    parts = [
        "<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>{_e(result.b)} vs {_e(result.a)}: paired comparison</title>"
        f"<style>{_CSS}</style></head><body>",
        f"<h1><code>{_e(result.b)}</code> − <code>{_e(result.a)}</code></h1>",
        _pairs([("a", f"{result.a} ({a})"), ("b", f"{result.b} ({b})"),
                ("paired", result.describe())]),
        f"<figure><img alt=\"paired differences\" src=\"data:image/png;base64,{png}\">"
        "<figcaption>Mean paired difference b − a with its 95% interval, for the city and "
        "each day-0 linkage group of the base city.</figcaption></figure>",
    ]
    for scope, title in (("city", "City"), ("group", "By linkage group on day 0"),
                         ("district", "By district")):
        part = table[table["scope"] == scope].drop(columns="scope")
        if scope == "city":
            part = part.drop(columns="unit")
        parts += [f"<h2>{title}</h2>", _html_table(part)]
        if scope == "city" and attribution is not None:
            parts += _attribution_html(attribution)
    parts += [f"<p class=\"muted\">redwuye-graph report, {datetime.now():%Y-%m-%d %H:%M}.</p>",
              "</body></html>"]
    return "\n".join(parts)


def write_comparison_report(result: Comparison, a: Path, b: Path, target: Path,
                            attribution: Attribution | None = None) -> Path:
    """Write :func:`render_comparison` to ``target`` (its folder is created)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_comparison(result, a, b, attribution), encoding="utf-8")
    return target
