"""The dashboard's model run: policy controls, stepping, live series and the worst estates.

No drawing and no web code here: :class:`DashboardRun` is what the Solara page
(:mod:`redwuye_graph.dashboard.page`) drives, and what the tests and the speed benchmark
drive directly.

A control moved while the model runs takes effect on the current day through the
registered policy (:mod:`redwuye_graph.sim.policies`), added to the running model with
:meth:`~redwuye_graph.sim.model.CityModel.add_policy` (the call that puts a scenario's
policies in) and so started at once: coverage targets
add posts, committees and co-building units up to the new share; meetings, the
interim-management delay and the ratings follow the control both ways. Posts cannot be
taken away, so lowering a coverage target takes effect on :meth:`DashboardRun.reset`,
which starts day 0 again with every control in force from the start.

Examples
--------
>>> from redwuye_graph.generate import generate
>>> run = DashboardRun(generate("tiny", seed=1))
>>> run.advance(30)
30
>>> run.set_controls(Controls(cross_appointment=1.0))
['day 30: cross-appointment targets raised to 100%']
>>> run.advance(30)
60
>>> series = run.series()
>>> int(series["day"].max()), bool(series["collection_rate"].notna().any())
(60, True)
>>> len(run.worst_estates(5))
5
>>> print(run.scenario(Controls(credit_rating=True), {"preset": "tiny", "graph_seed": 1}))
[scenario]  # saved by redwuye dashboard: every control in force from day 0, as Reset runs them
name = "dashboard"
description = "Dashboard controls from day 0: credit rating on"
preset = "tiny"
graph_seed = 1
days = 60
seeds = 1
first_seed = 0
<BLANKLINE>
[[policy]]
kind = "credit_rating"
start_day = 0
<BLANKLINE>
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.outcomes import (
    LINKAGE_GROUPS,
    Counts,
    collection_last,
    linkage_groups,
    resolution_90d,
    satisfaction_end,
)
from redwuye_graph.sim.model import CityModel
from redwuye_graph.sim.params import PARAMS, Params
from redwuye_graph.sim.policies import POLICIES, Policy, make_policy
from redwuye_graph.store import public_uri
from redwuye_graph.tomlwrite import Scalar, dumps

__all__ = ["CONTROLS", "EXPORTS", "LAST_DAY", "Control", "Controls", "DashboardRun", "readout"]

#: The last day a dashboard run reaches (ten years): its records are reserved up to it
#: at the start (zero pages, resident only once written), so stepping never copies them.
LAST_DAY = 3650


@dataclass(frozen=True)
class Controls:
    """Policy controls of the dashboard (the defaults: the city as generated, no policy)."""

    cross_appointment: float = 0.0
    meetings_per_month: int = int(PARAMS["meetings_per_month"].default)
    instructors: float = 0.0
    service_points: float = 0.0
    co_building: float = 0.0
    interim_days: int = int(PARAMS["interim_days"].default)
    credit_rating: bool = False
    star_rating: bool = False


@dataclass(frozen=True)
class Control:
    """How one control is shown: label, range and step (booleans: a switch)."""

    name: str
    label: str
    low: float = 0.0
    high: float = 1.0
    step: float = 0.05


_MEETINGS = POLICIES["tripartite_meetings"].PARAMS["per_month"]
#: The controls in page order.
CONTROLS = (
    Control("cross_appointment", "Cross-appointment target, every post"),
    Control("meetings_per_month", "Tripartite meetings per month", _MEETINGS.low,
            _MEETINGS.high, 1),
    Control("instructors", "Instructors for companies without a party org"),
    Control("service_points", "Estates with an on-site service point"),
    Control("co_building", "Resident units joining co-building"),
    Control("interim_days", "Days from a company's exit to interim management", 0, 180, 5),
    Control("credit_rating", "Credit rating and blacklist"),
    Control("star_rating", "Star rating"),
)

#: Formats of :meth:`DashboardRun.export`.
EXPORTS = ("csv", "parquet")

_RAISED = ("cross_appointment", "instructors", "service_points", "co_building")
_CROSS_POSTS = tuple(POLICIES["cross_appointment"].PARAMS)


def _policies(c: Controls, since: Controls, day: int) -> list[tuple[str, Policy]]:
    """Policies that move the model from ``since`` to ``c`` on ``day``, with a description."""
    out: list[tuple[str, Policy]] = []
    if c.cross_appointment > since.cross_appointment:
        out.append((f"cross-appointment targets raised to {c.cross_appointment:.0%}",
                    make_policy("cross_appointment", start_day=day,
                                **dict.fromkeys(_CROSS_POSTS, c.cross_appointment))))
    if c.meetings_per_month != since.meetings_per_month:
        out.append((f"tripartite meetings {c.meetings_per_month} a month",
                    make_policy("tripartite_meetings", start_day=day,
                                per_month=c.meetings_per_month)))
    for name, kind, text in (("instructors", "instructors", "instructors for"),
                             ("service_points", "service_points", "service points at"),
                             ("co_building", "co_building", "co-building units:")):
        value, before = getattr(c, name), getattr(since, name)
        if value > before:
            out.append((f"{text} {value:.0%}", make_policy(kind, start_day=day, share=value)))
    if c.interim_days != since.interim_days:
        out.append((f"interim management after {c.interim_days} days",
                    make_policy("interim_management", start_day=day, days=c.interim_days)))
    for name in ("credit_rating", "star_rating"):
        if getattr(c, name) and not getattr(since, name):
            out.append((f"{name.replace('_', ' ')} on", make_policy(name, start_day=day)))
    return out


class DashboardRun:
    """One dashboard session's model, thread-safe (the page steps it from a worker thread).

    Parameters
    ----------
    city : the organisation to simulate (the model works on its own copy).
    seed : run seed.
    params : model parameters (registry defaults when omitted).
    """

    def __init__(self, city: CityGraph, seed: int = 0, params: Params | None = None):
        self.city = city
        self.seed = seed
        self.params = params or Params()
        self.lock = threading.RLock()
        self.controls = Controls()
        #: Control changes so far: (day, what changed).
        self.log: list[tuple[int, str]] = []
        self.model = self._build(self.controls)

    def _build(self, controls: Controls) -> CityModel:
        policies = [p for _, p in _policies(controls, Controls(), 0)]
        model = CityModel(self.city, params=self.params, policies=policies, seed=self.seed)
        model.recorder.reserve(LAST_DAY)
        return model

    @property
    def day(self) -> int:
        """The last simulated day (0 before the first step)."""
        day: int = round(self.model.time)
        return day

    def reset(self, controls: Controls | None = None) -> None:
        """Start again on day 0 with ``controls`` (default: the current ones) from the start.

        Parameters
        ----------
        controls : the controls in force from day 0.
        """
        with self.lock:
            self.controls = controls or self.controls
            self.model = self._build(self.controls)
            self.log = [(0, text) for text, _ in _policies(self.controls, Controls(), 0)]

    def set_controls(self, controls: Controls) -> list[str]:
        """Apply changed controls to the running model today.

        Parameters
        ----------
        controls : the new controls.

        Returns
        -------
        list of str
            What changed, one line each (also appended to :attr:`log`); lowered coverage
            targets are noted as waiting for a reset.
        """
        with self.lock:
            day, model = self.day, self.model
            changes = []
            for text, policy in _policies(controls, self.controls, day):
                model.add_policy(policy)
                changes.append(text)
            for name in ("credit_rating", "star_rating"):
                if not getattr(controls, name) and getattr(self.controls, name):
                    model.end_policy(name)
                    changes.append(f"{name.replace('_', ' ')} off")
            for name in _RAISED:
                if getattr(controls, name) < getattr(self.controls, name):
                    changes.append(f"{name.replace('_', ' ')} lowered: takes effect on "
                                   "reset (posts are not taken away)")
            # lowered targets stay at their high-water mark until a reset
            self.controls = replace(controls, **{n: max(getattr(controls, n),
                                                        getattr(self.controls, n))
                                                 for n in _RAISED})
            self.log.extend((day, text) for text in changes)
            return [f"day {day}: {text}" for text in changes]

    def advance(self, days: int) -> int:
        """Simulate ``days`` more days; the day reached.

        Parameters
        ----------
        days : days to step.

        Returns
        -------
        int
            The last simulated day.
        """
        with self.lock:
            self.model.run(days)
            return self.day

    def advance_for(self, seconds: float, chunk: int = 5, limit: int = LAST_DAY) -> int:
        """Step ``chunk`` days at a time until ``seconds`` of wall time have passed.

        Parameters
        ----------
        seconds : wall-time budget (at least one chunk is run, unless at ``limit``).
        chunk : days per step call.
        limit : never step past this day.

        Returns
        -------
        int
            The last simulated day.
        """
        deadline = time.perf_counter() + seconds
        day = self.day
        while day < limit:
            day = self.advance(min(chunk, limit - day))
            if time.perf_counter() >= deadline:
                break
        return day

    def series(self) -> pd.DataFrame:
        """The city's daily outcomes so far (the ``city`` table of the records).

        Returns
        -------
        pandas.DataFrame
            One row per simulated day (empty on day 0), with ``collection_rate``,
            ``resolution_rate`` (by filing day; ``censored`` marks the last window),
            ``quick_rate``, ``satisfaction``, ``open`` and the daily counts.
        """
        with self.lock:
            if self.day == 0:
                return pd.DataFrame(columns=["day", "collection_rate", "resolution_rate",
                                             "quick_rate", "censored", "satisfaction", "open"])
            return self.model.recorder.city_table()

    def worst_estates(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` estates with the lowest fee collection in the latest month.

        Parameters
        ----------
        n : rows to return.

        Returns
        -------
        pandas.DataFrame
            ``estate, name, community, community_name, households, linkage, served,
            collection, resolution, open, satisfaction`` (``name``: the estate's, from
            the city): collection in the latest month (before the first month
            ends: nan, and estates are ranked by open complaints), the share of
            complaints filed in the 90 days up to the last filing day whose window has
            closed settled within the window, complaints open today and mean satisfaction
            now. Ties: most open complaints first.
        """
        with self.lock:
            m, day = self.model, self.day
            counts = m.recorder.counts()
            linkage = np.asarray(LINKAGE_GROUPS)[linkage_groups(m.links_tripartite, m.path)]
            frame = pd.DataFrame({
                "estate": m.estate_ids, "name": [self._name(e) for e in m.estate_ids],
                "community": m.community,
                "community_name": [self._name(c) for c in m.community],
                "households": m.households, "linkage": linkage, "served": m.served,
                "collection": collection_last(counts),
                "resolution": resolution_90d(counts.upto(counts.uncensored)),
                "open": m.recorder.a["open"][day],
                "satisfaction": m.layer.satisfaction().total / m.households})
        return frame.sort_values(["collection", "open", "estate"],
                                 ascending=[True, False, True],
                                 na_position="last", kind="stable").head(n).reset_index(drop=True)

    def _name(self, node: str) -> str:
        name = self.city.props(node).get("name") if node in self.city else None
        return str(name) if name else node

    def scenario(self, controls: Controls, source: Mapping[str, Scalar],
                 name: str = "dashboard") -> str:
        """A scenario file (``simulations/*.toml``, for ``redwuye simulate``) of ``controls``.

        Parameters
        ----------
        controls : the controls to save (the page's sliders).
        source : the city: ``{"preset": ..., "graph_seed": ...}`` or ``{"store": ...}`` (a
            password in a store URI is left out: the file takes it from NEO4J_PASSWORD).
        name : the scenario's name.

        Returns
        -------
        str
            TOML text: the city, the horizon reached so far (the loader's default on day
            0), this run's seed as the one run seed, the model parameters that differ from
            the registry and one ``[[policy]]`` per control away from the city as
            generated, in force from day 0 as :meth:`reset` runs them, so the scenario's
            run is this run after a reset.
        """
        policies = _policies(controls, Controls(), 0)
        described = "; ".join(text for text, _ in policies) or "no policy"
        head: dict[str, Scalar] = {"name": name,
                                   "description": f"Dashboard controls from day 0: {described}",
                                   **source}
        if isinstance(head.get("store"), str):
            head["store"] = public_uri(str(head["store"]))
        if self.day:
            head["days"] = self.day
        head.update(seeds=1, first_seed=self.seed)
        changed: dict[str, Scalar] = {
            f.name: getattr(self.params, f.name) for f in fields(self.params)
            if getattr(self.params, f.name) != PARAMS[f.name].default}
        tables: dict[str, Mapping[str, Scalar]] = {"scenario": head}
        if changed:
            tables["params"] = changed
        return dumps(tables, comments={"scenario": "saved by redwuye dashboard: every control "
                                                   "in force from day 0, as Reset runs them"},
                     arrays={"policy": [{"kind": p.kind, **p.timing(), **p.values}
                                        for _, p in policies]})

    def export(self, fmt: str) -> bytes:
        """The run so far (:meth:`series`, one row per day) as a file of ``fmt`` (one of
        :data:`EXPORTS`): CSV text in UTF-8, or Parquet."""
        series = self.series()
        if fmt == "csv":
            return series.to_csv(index=False).encode("utf-8")
        if fmt == "parquet":
            buffer = io.BytesIO()
            series.to_parquet(buffer, index=False)
            return buffer.getvalue()
        raise ValueError(f"export format {fmt!r}; allowed: {', '.join(EXPORTS)}")


def readout(series: pd.DataFrame) -> dict[str, float]:
    """The page's read-outs from the city's daily series (:meth:`DashboardRun.series`).

    Parameters
    ----------
    series : the daily ``city`` table so far.

    Returns
    -------
    dict
        ``collection`` in the latest month, ``resolution``: complaints filed in the 90 days
        up to the last filing day whose window has closed settled within the window, and
        ``satisfaction`` now (``nan`` where undefined, e.g. on day 0).
    """
    if series.empty:
        return dict.fromkeys(("collection", "resolution", "satisfaction"), float("nan"))
    counts = Counts.from_table(series)
    return {"collection": float(collection_last(counts)),
            "resolution": float(resolution_90d(counts.upto(counts.uncensored))),
            "satisfaction": float(satisfaction_end(counts))}
