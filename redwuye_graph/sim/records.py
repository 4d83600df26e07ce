"""Daily records of a run and the tidy tables built from them.

Counts (:data:`~redwuye_graph.outcomes.COUNTS`) are kept per day and estate in
preallocated arrays; city and district series are sums of estate counts, and rates are
computed after summing. Daily columns besides the counts:

- ``resolution_rate``: complaints filed that day settled within ``window_days`` ÷
  complaints filed that day (by filing day; ``censored`` marks days whose window runs
  past the horizon); ``quick_rate`` likewise within ``quick_days``;
- ``mean_days``: mean age of the complaints settled that day; ``escalation_share``:
  complaints filed that day that were escalated (so far) ÷ complaints filed that day;
- ``collection_rate``: households paid ÷ households due in the latest month (vacuum
  months are due and cannot be paid);
- ``satisfaction`` (mean) and ``dissatisfied_share``; ``vacuum_days`` (cumulative
  estate-days).

The ``summary`` table holds the outcomes of :data:`~redwuye_graph.outcomes.SUMMARY` per
linkage group, computed by :mod:`redwuye_graph.outcomes` from the group's summed counts.

Linkage groups (``tripartite``, ``partial`` — some escalation path — and ``none``): the
``summary`` and the estate table's ``linkage`` column group estates by their links on day
0, a fixed cohort, so a policy's effect shows inside the group it started in; the estate
table's ``linkage_today`` column follows the links as policies and company turnover change
them.

Besides them: ``company``, one row per company and day (cash, grade, stars, blacklist,
estates, review score; :data:`COMPANY_COLUMNS`); ``tender``, one row per tender, who won
and why, or why nobody bid (:data:`TENDER_COLUMNS`); ``log``, the run log (a policy with
nothing to act on, a withdrawal).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numba import njit

from redwuye_graph.outcomes import (
    COUNTS,
    LINKAGE_GROUPS,
    SUMMARY,
    Counts,
    linkage_groups,
    outcomes_of,
)
from redwuye_graph.sim.layer import COMPANY, ESCALATION, MEETING, DayReport, Settled

if TYPE_CHECKING:
    from redwuye_graph.sim.model import CityModel

__all__ = ["COMPANY_COLUMNS", "TENDER_COLUMNS", "Recorder"]

#: Columns of the ``company`` table after ``company, day``: cash (yuan), credit grade
#: (0 = C .. 4 = AAA), stars, blacklisted, estates served and the last review's score.
COMPANY_COLUMNS = ("cash", "grade", "stars", "blacklisted", "estates", "score")
COMPANY_TYPES = {"grade": np.int64, "stars": np.int64, "blacklisted": bool,
                 "estates": np.int64}
#: Columns of the ``tender`` table after ``day``: the estate, what bidders expected of it,
#: how many bid, the winner (empty: no bid), its chance in the draw and reputation, why.
TENDER_COLUMNS = ("estate", "expected_collection", "expected_margin", "bidders", "company",
                  "chance", "reputation", "reason")


class Recorder:
    """Keeps a run's counts; :meth:`tables` turns them into tidy tables."""

    def __init__(self, model: CityModel):
        self.m = model
        self.n = len(model.estate_ids)
        self.days = 0
        self.a: dict[str, np.ndarray] = {}
        self.group = self._groups_now()
        self.groups_daily = np.zeros((0, self.n), np.int8)
        self.ages = np.zeros((len(LINKAGE_GROUPS), model.p.max_age_days + 2), np.int64)
        #: Last day of the warm-up: tables count the days after it (0: no warm-up).
        self.origin = 0
        self._since_review = np.zeros((2, self.n))
        #: Company states (:data:`COMPANY_COLUMNS`) on the days they changed.
        self._firm_days: list[int] = []
        self._firm_states: list[np.ndarray] = []
        self._tenders: list[dict[str, Any]] = []
        #: City totals of each count per day (:meth:`city_sums`); rows before ``_final``
        #: can no longer change (a complaint is settled or abandoned by ``max_age_days``).
        self._sums: dict[str, np.ndarray] = {}
        self._final = 0
        self.reserve(0)

    def reserve(self, days: int) -> None:
        """Make room for days ``0..days`` (at least doubling the room, so that stepping a
        few days at a time copies the records a logarithmic number of times)."""
        if days + 1 <= self.days:
            return
        size = max(days + 1, 2 * self.days)
        new = {k: np.zeros((size, self.n), np.float64 if k == "sat_sum" else np.int32)
               for k in COUNTS}
        sums = {k: np.zeros(size, np.float64 if k == "sat_sum" else np.int64) for k in COUNTS}
        for k, old in self.a.items():
            new[k][: len(old)] = old
            sums[k][: len(old)] = self._sums[k]
        daily = np.zeros((size, self.n), np.int8)
        daily[: len(self.groups_daily)] = self.groups_daily
        self.a, self.groups_daily, self.days, self._sums = new, daily, size, sums

    def _groups_now(self) -> np.ndarray:
        """Each estate's linkage group (index into the groups) from its current links."""
        return linkage_groups(self.m.links_tripartite, self.m.path)

    # -- writing ------------------------------------------------------------------------
    def day(self, day: int, r: DayReport) -> None:
        """Record one day of the household layer."""
        a = self.a
        a["problems"][day] = r.problems
        a["filed"][day] = r.filed
        a["escalated"][day] = r.escalated
        _count(a["escalated_filed"], r.rose_filed, r.rose_estate)
        a["open"][day] = r.open
        self.settled(day, r.settled)
        lost = np.bincount(r.abandoned.estate, minlength=self.n)
        a["abandoned"][day] += lost.astype(np.int32)
        self._since_review[1] += lost
        sat = self.m.layer.satisfaction()
        a["sat_sum"][day] = sat.total
        a["dissatisfied"][day] = sat.dissatisfied
        a["vacuum"][day] = ~self.m.served
        self.groups_daily[day] = self._groups_now()

    def settled(self, day: int, s: Settled) -> None:
        """Record settled complaints (by channel, age and filing day)."""
        if not len(s.estate):
            return
        a, p = self.a, self.m.p
        _tally(day, s.estate, s.filed, s.age, s.channel, a["settled"], a["settled_company"],
               a["settled_escalation"], a["settled_meeting"], a["age_sum"],
               a["within_window"], a["within_quick"], self.ages, self.group,
               self._since_review, p.window_days, p.quick_days)

    def month(self, day: int, paid: np.ndarray, visited: np.ndarray) -> None:
        """Record a month's fee payments and arrears visits."""
        self.a["paid"][day] = paid
        self.a["due"][day] = self.m.households
        self.a["visits"][day] = visited

    def recent(self, names: tuple[str, ...], days: int) -> list[np.ndarray]:
        """Per-estate totals of counts ``names`` over the last ``days`` days up to now."""
        now = round(self.m.time)
        return [self.a[k][max(now - days + 1, 0): now + 1].sum(axis=0, dtype=np.float64)
                for k in names]

    def exit(self, day: int, estate: int) -> None:
        """Record a company leaving an estate."""
        self.a["exits"][day, estate] += 1

    def tender(self, day: int, estate: int, row: dict[str, Any]) -> None:
        """Record a tender: who won and why (``company`` None: no bid, the estate stays
        vacant)."""
        if row["company"] is not None:
            self.a["tenders"][day, estate] += 1
        self._tenders.append({"day": day, **row})

    def companies(self, day: int) -> None:
        """Record every company's state today (:data:`COMPANY_COLUMNS`)."""
        firms = self.m.companies.values()
        state = np.array([(c.cash, c.grade, c.stars, c.blacklisted, len(c.estates), c.score)
                          for c in firms], float).reshape(len(firms), len(COMPANY_COLUMNS))
        if self._firm_days and self._firm_days[-1] == day:
            self._firm_states[-1] = state
        else:
            self._firm_days.append(day)
            self._firm_states.append(state)

    def restart(self) -> None:
        """End a warm-up today: tables count only the days after it, numbered from 1
        (time to resolution counts settlements after it; linkage cohorts stay day 0's)."""
        self.origin = round(self.m.time)
        self.ages[:] = 0

    # -- reading during the run ------------------------------------------------------------
    def review_scores(self) -> np.ndarray:
        """Per-estate review score since the last review: settled share and collection."""
        settled, lost = self._since_review
        share = np.where(settled + lost > 0, settled / np.maximum(settled + lost, 1), np.nan)
        collection = self.m.peer_paid
        self._since_review[:] = 0.0
        return np.where(np.isnan(share), collection, 0.5 * share + 0.5 * collection)

    def counts(self) -> Counts:
        """The counts of the days after the warm-up, one column per estate."""
        start, now = self.origin, round(self.m.time)
        return Counts({k: v[start + 1: now + 1] for k, v in self.a.items()}, self.m.households,
                      max(now - start - self.m.p.window_days, 0), per_estate=True)

    def unit_counts(self, estate: str = "", district: str = "") -> Counts:
        """The counts of one estate or one district (summed over its estates), days after
        the warm-up; ``ValueError`` when the city has no such estate or district."""
        m = self.m
        pick = (np.asarray(m.estate_ids) == estate) if estate else (m.district == district)
        if not pick.any():
            raise ValueError(f"the city has no {'estate' if estate else 'district'} "
                             f"{estate or district!r}")
        c = self.counts()
        return Counts({k: v[:, pick] for k, v in c.days.items()},
                      int(m.households[pick].sum()), c.uncensored)

    def city_sums(self) -> dict[str, np.ndarray]:
        """City totals of each count for the days after the warm-up up to now; only the
        days that can still change are summed again (a step's cost does not grow with
        the day)."""
        start, now = self.origin, round(self.m.time)
        for k, v in self.a.items():
            self._sums[k][self._final: now + 1] = v[self._final: now + 1].sum(axis=1)
        self._final = max(self._final, now - self.m.p.max_age_days - 2)
        return {k: v[start + 1: now + 1].copy() for k, v in self._sums.items()}

    # -- tables ---------------------------------------------------------------------------
    def city_table(self) -> pd.DataFrame:
        """The per-day ``city`` table of :meth:`tables`, alone."""
        last = round(self.m.time) - self.origin
        return _finish(pd.DataFrame({"day": np.arange(1, last + 1), **self.city_sums()}),
                       self.m.households.sum(), last, self.m.p.window_days, ["day"])

    def tables(self, estates: bool = True) -> dict[str, pd.DataFrame]:
        """Per-day ``city``, ``district`` and (if ``estates``) ``estate`` tables; ``summary``."""
        start, now = self.origin, round(self.m.time)
        last = now - start
        days = np.arange(1, last + 1)
        a = {k: v[start + 1: now + 1] for k, v in self.a.items()}
        m = self.m
        out: dict[str, pd.DataFrame] = {"city": self.city_table()}
        districts = np.unique(m.district)
        frames = []
        for d in districts:
            pick = m.district == d
            frames.append(pd.DataFrame({"day": days, "district": d,
                                        **{k: v[:, pick].sum(axis=1) for k, v in a.items()}}))
            frames[-1]["households"] = int(m.households[pick].sum())
        dist = pd.concat(frames, ignore_index=True)
        # one block of days per district, districts in sorted order: already sorted
        out["district"] = _finish(dist, dist.pop("households"), last, m.p.window_days,
                                  ["district", "day"], blocks=len(districts))
        if estates:
            out["estate"] = self.estate_table()
        out["summary"] = self._summary(a, last)
        out["company"] = self._company_table(start, now)
        text = pd.StringDtype()  # typed even when empty or all missing (Parquet per run)
        out["tender"] = pd.DataFrame(
            [{**r, "day": r["day"] - start} for r in self._tenders if r["day"] > start],
            columns=["day", *TENDER_COLUMNS]).astype(
                {"day": np.int64, "bidders": np.int64, "estate": text, "company": text,
                 "reason": text, "expected_collection": float, "expected_margin": float,
                 "chance": float, "reputation": float})
        out["log"] = pd.DataFrame(
            [(d - start, k, message) for d, k, message in self.m.policies.log if d > start],
            columns=["day", "policy", "message"]).astype(
                {"day": np.int64, "policy": text, "message": text})
        return out

    def estate_table(self, first: int = 0, stop: int | None = None) -> pd.DataFrame:
        """The per-day ``estate`` table of :meth:`tables`, or the rows of estates
        ``first .. stop - 1`` (in the table's estate-major order, a contiguous part of it)."""
        m, start, now = self.m, self.origin, round(self.m.time)
        last = now - start
        days = np.arange(1, last + 1)
        ids = np.asarray(m.estate_ids)
        if len(ids) > 1 and not bool(np.all(ids[:-1] < ids[1:])):
            raise AssertionError("estate ids are not sorted")  # pragma: no cover
        pick = slice(first, len(ids) if stop is None else min(stop, len(ids)))
        n = len(ids[pick])
        # estate-major order (the table's sort order): row e * days + t
        at = np.repeat(np.arange(n), len(days))
        frame = pd.DataFrame({
            "day": np.tile(days, n),
            "estate": _strings(ids[pick], at),
            "district": _strings(m.district[pick], at),
            "community": _strings(m.community[pick], at),
            "linkage": _strings(np.asarray(LINKAGE_GROUPS),
                                np.repeat(self.group[pick], len(days))),
            "linkage_today": _strings(np.asarray(LINKAGE_GROUPS),
                                      self.groups_daily[start + 1: now + 1, pick].T.ravel()),
            **{k: v[start + 1: now + 1, pick].T.ravel() for k, v in self.a.items()}})
        return _finish(frame, np.repeat(m.households[pick], len(days)), last,
                       m.p.window_days, ["estate", "day"], blocks=n)

    def _company_table(self, start: int, now: int) -> pd.DataFrame:
        """One row per company and day: its state as last recorded on or before the day."""
        ids = np.asarray(list(self.m.companies))
        days = np.arange(start + 1, now + 1)
        if not len(ids) or not len(days):
            return pd.DataFrame(columns=["company", "day", *COMPANY_COLUMNS])
        at = np.searchsorted(np.asarray(self._firm_days), days, side="right") - 1
        states = np.stack(self._firm_states)[np.maximum(at, 0)]  # days x firms x columns
        order = np.argsort(ids, kind="stable")
        states = states[:, order].transpose(1, 0, 2)  # firms x days x columns
        frame = pd.DataFrame({"company": np.repeat(ids[order], len(days)),
                              "day": np.tile(days - start, len(ids))})
        for k, name in enumerate(COMPANY_COLUMNS):
            column = states[:, :, k].ravel()
            frame[name] = column.astype(COMPANY_TYPES[name]) if name in COMPANY_TYPES else column
        return frame

    def _summary(self, a: dict[str, np.ndarray], last: int) -> pd.DataFrame:
        m = self.m
        rows = []
        for g, name in enumerate(("all", *LINKAGE_GROUPS)):
            pick = np.ones(self.n, bool) if g == 0 else self.group == g - 1
            if not pick.any():
                continue
            counts = Counts(a if g == 0 else {k: v[:, pick] for k, v in a.items()},
                            households=int(m.households[pick].sum()),
                            uncensored=max(last - m.p.window_days, 0),
                            ages=self.ages.sum(axis=0) if g == 0 else self.ages[g - 1])
            rows.append({"group": name, "estates": int(pick.sum()),
                         "households": counts.households, "filed": int(counts["filed"].sum()),
                         **outcomes_of(counts, SUMMARY)})
        return pd.DataFrame(rows)


@njit(cache=True)
def _tally(day: int, estate: np.ndarray, filed: np.ndarray, age: np.ndarray,
           channel: np.ndarray, settled: np.ndarray, company: np.ndarray,
           escalation: np.ndarray, meeting: np.ndarray, age_sum: np.ndarray,
           within_window: np.ndarray, within_quick: np.ndarray, ages: np.ndarray,
           group: np.ndarray, since_review: np.ndarray, window: int, quick: int) -> None:
    """Count settled complaints (estate, filing day, age, channel of each) into the day's
    rows by estate and channel, their ages, the filing days' rows of those settled within
    ``window`` and ``quick`` days, the linkage groups' age histogram and the settled
    since the last review."""
    last = ages.shape[1] - 1
    for i in range(len(estate)):
        e, f, x = estate[i], filed[i], age[i]
        settled[day, e] += 1
        if channel[i] == COMPANY:
            company[day, e] += 1
        elif channel[i] == ESCALATION:
            escalation[day, e] += 1
        elif channel[i] == MEETING:
            meeting[day, e] += 1
        age_sum[day, e] += x
        if x <= window:
            within_window[f, e] += 1
        if x <= quick:
            within_quick[f, e] += 1
        ages[group[e], min(x, last)] += 1
        since_review[0, e] += 1.0


def _count(target: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> None:
    """``target[rows, cols] += 1`` for each pair (repeats counted), ``target`` C-ordered."""
    if not len(rows):
        return
    flat = target.reshape(-1)
    at = rows * target.shape[1] + cols
    low = int(at.min())
    counts = np.bincount(at - low)
    flat[low: low + len(counts)] += counts.astype(target.dtype)


def _strings(values: np.ndarray, at: np.ndarray) -> Any:
    """``values[at]`` as a pandas string array, converting only the distinct values."""
    return pd.Series(np.asarray(values)).array.take(at)


def _finish(frame: pd.DataFrame, households: Any, last: int, window: int,
            order: list[str], blocks: int = 0) -> pd.DataFrame:
    """Rates and running columns; sorted by ``order``. With ``blocks``, the frame is
    already in that order, ``blocks`` groups of equal length one after another."""
    f = frame
    filed = f["filed"].where(f["filed"] > 0)
    f["resolution_rate"] = f["within_window"] / filed
    f["quick_rate"] = f["within_quick"] / filed
    f["censored"] = f["day"] > last - window
    f["mean_days"] = f["age_sum"] / f["settled"].where(f["settled"] > 0)
    f["escalation_share"] = f["escalated_filed"] / filed
    f["households"] = households
    f["satisfaction"] = f["sat_sum"] / f["households"]
    f["dissatisfied_share"] = f["dissatisfied"] / f["households"]
    keys = [k for k in order if k != "day"]
    rate = (f["paid"] / f["due"].where(f["due"] > 0))
    if blocks:
        r = rate.to_numpy(np.float64).reshape(blocks, -1)
        pos = np.where(np.isnan(r), 0, np.arange(r.shape[1]))
        np.maximum.accumulate(pos, axis=1, out=pos)
        f["collection_rate"] = np.take_along_axis(r, pos, axis=1).ravel()
        vac = f["vacuum"].to_numpy()
        f["vacuum_days"] = np.cumsum(vac.reshape(blocks, -1), axis=1, dtype=vac.dtype).ravel()
        return f
    f["collection_rate"] = rate.groupby([f[k] for k in keys]).ffill() if keys else rate.ffill()
    f["vacuum_days"] = (f.groupby(keys)["vacuum"].cumsum() if keys
                        else f["vacuum"].cumsum())
    return f.sort_values(order, kind="stable").reset_index(drop=True)
