"""Outcomes of a simulation, each defined once as a pure function over summable daily counts.

The recorder (:mod:`redwuye_graph.sim.records`) keeps per-day, per-estate counts
(:data:`COUNTS`): complaints ``filed`` and settled ``within_window``, households ``paid``
and ``due`` on month ends, the satisfaction total ``sat_sum``, ``vacuum`` estates,
``exits`` and so on. A unit's counts (an estate, a district, a linkage group, the city)
are sums over its estates, so every outcome is a function of a :class:`Counts` of summed
daily series: the ``summary`` table (per linkage group), the per-run outcomes of sweeps
and calibration (:func:`run_outcomes`), the per-district outcomes of a paired
comparison, the report's outcomes on given days and the dashboard's read-outs all call
the functions registered here.

A new outcome is one function decorated with ``@_outcome(meaning, unit)`` (it joins
:data:`OUTCOMES`, so sweeps, sensitivity, calibration and discovery know it) plus its row
in ``docs/experiments.md``; listing its name in :data:`SUMMARY`, :data:`COMPARED` or
:data:`REPORT_OUTCOMES` also shows it per linkage group, in comparisons or in the report.

Examples
--------
>>> import numpy as np
>>> c = Counts({"paid": np.array([0, 80, 0, 90]), "due": np.array([0, 100, 0, 100]),
...             "filed": np.array([4, 2, 2, 1]), "within_window": np.array([3, 2, 1, 0])},
...            households=100, uncensored=3)
>>> collection_12m(c), collection_last(c), resolution_rate(c)
(0.85, 0.9, 0.75)
>>> collection_last(c.upto(2))
0.8
>>> from redwuye_graph.generate import generate
>>> from redwuye_graph.sim import CityModel
>>> model = CityModel(generate("tiny", seed=1), seed=3)
>>> model.run(60)
>>> values = run_outcomes(model.recorder.tables(estates=False))
>>> list(values) == list(OUTCOMES)
True
>>> 0.0 <= values["collection_12m"] <= 1.0
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["AT_OUTCOMES", "AT_UNITS", "COMPARED", "COUNTS", "HEADLINE", "LINKAGE_GROUPS",
           "OUTCOMES", "REGISTRY", "REPORT_OUTCOMES", "SENSITIVITY_OUTCOMES", "SUMMARY",
           "WINDOW_OUTCOMES", "Counts", "Outcome",
           "check_outcomes", "collection_12m", "collection_first_12m", "collection_last",
           "describe", "dissatisfied_end", "escalation_share", "ever_settled", "exits",
           "linkage_groups", "median_days", "open_at_end", "outcomes_of", "p90_days",
           "problem_rate", "quick_rate", "report_share", "resolution_90d",
           "resolution_first_12m", "resolution_last_12m", "resolution_rate", "run_outcomes",
           "satisfaction_end", "tenders", "unit_of", "vacuum_days", "visit_rate", "window_column",
           "window_outcome"]

#: Per-day, per-estate counts kept by the recorder (summable across estates).
COUNTS = ("problems", "filed", "escalated", "escalated_filed", "open", "settled",
          "settled_company", "settled_escalation", "settled_meeting", "age_sum", "abandoned",
          "within_window", "within_quick", "sat_sum", "dissatisfied", "vacuum", "exits",
          "tenders", "paid", "due", "visits")

#: Linkage groups, in order: residents' committee, owners' committee and company tied by
#: cross-appointed people; some escalation path; none.
LINKAGE_GROUPS = ("tripartite", "partial", "none")

_YEAR = 365
_RECENT = 90


def linkage_groups(tripartite: np.ndarray, path: np.ndarray) -> np.ndarray:
    """Each estate's linkage group, as an index into :data:`LINKAGE_GROUPS`.

    Parameters
    ----------
    tripartite : per estate, whether its three bodies are tied by cross-appointed people.
    path : per estate, whether an escalation path exists.

    Returns
    -------
    numpy.ndarray
        ``int8`` indices: 0 tripartite, 1 partial (a path, not tripartite), 2 none.
    """
    import numpy as np

    return np.where(tripartite, 0, np.where(path, 1, 2)).astype(np.int8)


@dataclass(frozen=True)
class Counts:
    """Summable daily counts of one unit, days 1..``last`` on axis 0.

    Parameters
    ----------
    days : count name (of :data:`COUNTS`) -> per-day values: one series, or one column
        per estate of the unit (summed when read).
    households : households of the unit (per estate with ``per_estate``).
    uncensored : filing days 1..``uncensored`` have their whole window inside the run.
    ages : settled complaints by age in days (a histogram), for the time quantiles.
    per_estate : the columns are separate units: outcomes come out one per estate.
    """

    days: Mapping[str, np.ndarray]
    households: Any
    uncensored: int
    ages: np.ndarray | None = None
    per_estate: bool = False

    def __getitem__(self, name: str) -> np.ndarray:
        return self.days[name]

    @property
    def last(self) -> int:
        """The number of days counted."""
        return len(next(iter(self.days.values())))

    def total(self, name: str, days: slice = slice(None)) -> Any:
        """Sum of a count over ``days`` (indices: day - 1) and the unit's estates."""
        x = self.days[name][days]
        return x.sum(axis=0) if self.per_estate else x.sum()

    def on(self, name: str, index: int) -> Any:
        """A count on one day (index: day - 1; -1 the last), summed over the estates."""
        x = self.days[name][index]
        return x if self.per_estate else x.sum()

    def upto(self, day: int) -> Counts:
        """The counts of days 1..``day`` (censoring stays that of the whole run)."""
        return replace(self, days={k: v[:day] for k, v in self.days.items()},
                       uncensored=min(self.uncensored, day))

    @classmethod
    def from_table(cls, frame: pd.DataFrame) -> Counts:
        """The counts of one unit's daily table (one run; a ``city`` or one district's
        rows of a ``district`` table), rows in day order from day 1."""
        days = {k: frame[k].to_numpy() for k in COUNTS if k in frame.columns}
        return cls(days, int(frame["households"].iloc[-1]), int((~frame["censored"]).sum()))


@dataclass(frozen=True)
class Outcome:
    """An outcome: its name, a sentence of meaning, its unit and its function."""

    name: str
    meaning: str
    unit: str
    compute: Callable[[Counts], Any]


#: Every outcome by name, in definition order (see :func:`_outcome`).
REGISTRY: dict[str, Outcome] = {}


def _outcome(meaning: str, unit: str) -> Callable[[Callable[[Counts], Any]],
                                                 Callable[[Counts], Any]]:
    """Register the decorated function as the outcome of its name."""
    def register(compute: Callable[[Counts], Any]) -> Callable[[Counts], Any]:
        REGISTRY[compute.__name__] = Outcome(compute.__name__, meaning, unit, compute)
        return compute
    return register


def _ratio(num: Any, den: Any) -> Any:
    """``num / den``, ``nan`` where ``den`` is 0 (elementwise for arrays)."""
    import numpy as np

    num, den = np.asarray(num), np.asarray(den)
    if den.ndim == 0:
        return float(num / den) if den else float("nan")
    out = np.full(den.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _quantile_days(c: Counts, q: float) -> float:
    import numpy as np

    if c.ages is None:
        raise ValueError("time quantiles need the settled complaints' ages (Counts.ages)")
    cum = np.cumsum(c.ages)
    total = cum[-1]
    return float(np.searchsorted(cum, q * total)) if total else float("nan")


@_outcome("fee collection over the last 12 months: household-months paid ÷ due "
          "(vacuum months are due and cannot be paid)", "share")
def collection_12m(c: Counts) -> Any:
    """Households paid ÷ due over the last 365 days."""
    year = slice(max(c.last - _YEAR, 0), c.last)
    return _ratio(c.total("paid", year), c.total("due", year))


@_outcome("fee collection over the first 12 months (before a policy that starts on day "
          "365; equals collection_12m in a one-year run)", "share")
def collection_first_12m(c: Counts) -> Any:
    """Households paid ÷ due over days 1..365."""
    year = slice(0, _YEAR)
    return _ratio(c.total("paid", year), c.total("due", year))


@_outcome("fee collection in the last month", "share")
def collection_last(c: Counts) -> Any:
    """Households paid ÷ due on the latest month end (``nan`` before the first)."""
    import numpy as np

    ended = c["due"] > 0
    months = np.flatnonzero(ended.any(axis=1) if ended.ndim > 1 else ended)
    if not len(months):
        return float("nan")
    return _ratio(c.on("paid", months[-1]), c.on("due", months[-1]))


@_outcome("complaints settled within the window W of filing ÷ complaints filed "
          "(uncensored filing days)", "share")
def resolution_rate(c: Counts) -> Any:
    """Settled within the window ÷ filed, over the uncensored filing days."""
    done = slice(0, c.uncensored)
    return _ratio(c.total("within_window", done), c.total("filed", done))


@_outcome("resolution_rate over the complaints filed in the first 12 months (before a "
          "policy that starts on day 365)", "share")
def resolution_first_12m(c: Counts) -> Any:
    """Settled within the window ÷ filed, over filing days 1..365 (uncensored)."""
    done = slice(0, min(_YEAR, c.uncensored))
    return _ratio(c.total("within_window", done), c.total("filed", done))


@_outcome("resolution_rate over the complaints filed in the last 12 months (uncensored "
          "filing days)", "share")
def resolution_last_12m(c: Counts) -> Any:
    """Settled within the window ÷ filed, over the uncensored filing days of the last 365."""
    done = slice(max(c.last - _YEAR, 0), c.uncensored)
    return _ratio(c.total("within_window", done), c.total("filed", done))


@_outcome("complaints settled within quick_days of filing ÷ complaints filed", "share")
def quick_rate(c: Counts) -> Any:
    """Settled within ``quick_days`` ÷ filed, over the uncensored filing days."""
    done = slice(0, c.uncensored)
    return _ratio(c.total("within_quick", done), c.total("filed", done))


@_outcome("complaints settled by the end ÷ complaints filed", "share")
def ever_settled(c: Counts) -> Any:
    """Settled ÷ filed over the whole run."""
    return _ratio(c.total("settled"), c.total("filed"))


@_outcome("complaints that left the company's queue ÷ complaints filed, both by filing "
          "day (uncensored filing days)", "share")
def escalation_share(c: Counts) -> Any:
    """Escalated ÷ filed, counting each escalated complaint on its filing day, over the
    uncensored filing days: a share in [0, 1]."""
    done = slice(0, c.uncensored)
    return _ratio(c.total("escalated_filed", done), c.total("filed", done))


@_outcome("problems households met per household and year (complained about or not)",
          "problems/household/year")
def problem_rate(c: Counts) -> Any:
    """Problems ÷ households, per 365 days."""
    import numpy as np

    return _ratio(c.total("problems") * _YEAR, np.asarray(c.households) * c.last)


@_outcome("complaints filed ÷ problems met: the share of problems residents complain about",
          "share")
def report_share(c: Counts) -> Any:
    """Filed ÷ problems over the whole run."""
    return _ratio(c.total("filed"), c.total("problems"))


@_outcome("households in arrears visited by owners' committee members or cross-appointed "
          "people ÷ household-months due", "share")
def visit_rate(c: Counts) -> Any:
    """Visits ÷ household-months due over the whole run."""
    return _ratio(c.total("visits"), c.total("due"))


@_outcome("median time to resolution of settled complaints (days)", "days")
def median_days(c: Counts) -> float:
    """Median age of the settled complaints."""
    return _quantile_days(c, 0.5)


@_outcome("90th percentile of time to resolution of settled complaints (days)", "days")
def p90_days(c: Counts) -> float:
    """90th percentile of the age of the settled complaints."""
    return _quantile_days(c, 0.9)


@_outcome("complaints still open on the last day", "complaints")
def open_at_end(c: Counts) -> Any:
    """Complaints open on the last day."""
    return c.on("open", -1)


@_outcome("mean household satisfaction on the last day, in [0, 1]", "score")
def satisfaction_end(c: Counts) -> Any:
    """Satisfaction total ÷ households on the last day."""
    return _ratio(c.on("sat_sum", -1), c.households)


@_outcome("share of households below the dissatisfaction threshold on the last day",
          "share")
def dissatisfied_end(c: Counts) -> Any:
    """Dissatisfied households ÷ households on the last day."""
    return _ratio(c.on("dissatisfied", -1), c.households)


@_outcome("companies that left an estate", "companies")
def exits(c: Counts) -> Any:
    """Company exits over the run."""
    return c.total("exits")


@_outcome("estates taken over by a new company", "estates")
def tenders(c: Counts) -> Any:
    """Tenders won over the run."""
    return c.total("tenders")


@_outcome("estate-days without a serving company", "estate-days")
def vacuum_days(c: Counts) -> Any:
    """Estate-days in vacuum over the run."""
    return c.total("vacuum")


def resolution_90d(c: Counts) -> Any:
    """Settled within the window ÷ filed, over the filing days of the last 90 days that
    are uncensored (read on an earlier day with :meth:`Counts.upto`)."""
    recent = slice(max(c.last - _RECENT, 0), c.uncensored)
    return _ratio(c.total("within_window", recent), c.total("filed", recent))


#: Per-run outcomes: name -> meaning (all over the whole city, one run).
OUTCOMES: dict[str, str] = {name: o.meaning for name, o in REGISTRY.items()}

#: Outcomes of the ``summary`` table (one column each, per linkage group), in column order.
SUMMARY = ("resolution_rate", "quick_rate", "ever_settled", "escalation_share", "median_days",
           "p90_days", "open_at_end", "collection_12m", "collection_last", "satisfaction_end",
           "exits", "tenders", "vacuum_days", "problem_rate", "report_share")
#: Outcomes of a paired comparison (city and linkage groups).
COMPARED = ("collection_12m", "resolution_rate", "satisfaction_end", "vacuum_days", "exits",
            "collection_last", "quick_rate", "ever_settled", "escalation_share",
            "median_days", "p90_days", "open_at_end", "tenders", "problem_rate",
            "report_share")
#: The headline outcomes: also compared per district, printed by ``redwuye simulate``.
HEADLINE = COMPARED[:5]
#: Outcomes a sensitivity analysis reads when none is named.
SENSITIVITY_OUTCOMES = HEADLINE[:3]
#: Summary outcomes shown in the report, in order.
REPORT_OUTCOMES = ("collection_12m", "collection_last", "resolution_rate", "quick_rate",
            "median_days", "p90_days", "escalation_share", "satisfaction_end",
            "open_at_end", "exits", "tenders", "vacuum_days")

_AT: dict[str, tuple[Callable[[Counts], Any], str]] = {
    "collection_month": (collection_last, "fee collection in the latest month on that day"),
    "collection_12m": (collection_12m, "fee collection over the 12 months up to that day"),
    "resolution_90d": (resolution_90d, "complaints filed in the 90 days before that day "
                                       "(uncensored ones) settled within the window W"),
    "satisfaction": (satisfaction_end, "mean household satisfaction on that day"),
    "open": (open_at_end, "complaints open on that day"),
}
#: Outcomes read on a given day (the counts up to it): name -> meaning.
AT_OUTCOMES: dict[str, str] = {name: meaning for name, (_, meaning) in _AT.items()}
#: The unit of each outcome read on a given day (``share``, ``score``, ``complaints``).
AT_UNITS: dict[str, str] = {name: REGISTRY[f.__name__].unit if f.__name__ in REGISTRY
                            else "share" for name, (f, _) in _AT.items()}


def unit_of(outcome: str) -> str:
    """The unit of a registered outcome or of an outcome at a day (``AT_OUTCOMES``).

    >>> unit_of("collection_12m"), unit_of("exits")
    ('share', 'companies')
    """
    return REGISTRY[outcome].unit if outcome in REGISTRY else AT_UNITS[outcome]


def _window_collection(c: Counts, days: slice) -> Any:
    return _ratio(c.total("paid", days), c.total("due", days))


def _window_resolution(c: Counts, days: slice) -> Any:
    done = slice(days.start, min(days.stop, c.uncensored))
    return _ratio(c.total("within_window", done), c.total("filed", done))


_WINDOW: dict[str, tuple[Callable[[Counts, slice], Any], str]] = {
    "collection": (_window_collection, "fee collection over days a..b: household-months "
                                       "paid ÷ due on the month ends of those days"),
    "resolution_rate": (_window_resolution, "complaints filed on days a..b (uncensored ones) "
                                            "settled within the window W ÷ filed"),
}
#: Outcomes read over a window of days a..b (calibration targets): name -> meaning.
WINDOW_OUTCOMES: dict[str, str] = {name: meaning for name, (_, meaning) in _WINDOW.items()}


def window_outcome(c: Counts, name: str, first: int, last: int) -> Any:
    """Outcome ``name`` of :data:`WINDOW_OUTCOMES` over days ``first``..``last`` (from 1).

    Examples
    --------
    >>> import numpy as np
    >>> c = Counts({"paid": np.array([0, 40, 0, 90]), "due": np.array([0, 100, 0, 100]),
    ...             "filed": np.array([4, 2, 2, 1]), "within_window": np.array([1, 2, 2, 0])},
    ...            households=100, uncensored=3)
    >>> window_outcome(c, "collection", 1, 2), window_outcome(c, "collection", 3, 4)
    (0.4, 0.9)
    >>> window_outcome(c, "resolution_rate", 2, 4)
    1.0
    """
    return _WINDOW[name][0](c, slice(first - 1, last))


def window_column(name: str, first: int, last: int, unit: str = "") -> str:
    """The column of a windowed outcome in a run's row: ``NAME[FIRST-LAST]`` over the
    city, ``NAME[FIRST-LAST]@UNIT`` over one estate or district (its id)."""
    return f"{name}[{first}-{last}]" + (f"@{unit}" if unit else "")


def check_outcomes(names: Iterable[str]) -> list[str]:
    """The names as a list; ``ValueError`` naming the first unknown one and the known ones."""
    names = list(names)
    for name in names:
        if name not in OUTCOMES:
            raise ValueError(f"unknown outcome {name!r}; known: {', '.join(OUTCOMES)}")
    return names


def outcomes_of(c: Counts, names: Iterable[str], on_day: bool = False) -> dict[str, Any]:
    """The named outcomes of ``c``.

    Parameters
    ----------
    c : a unit's counts.
    names : names of :data:`OUTCOMES` (or of :data:`AT_OUTCOMES` with ``on_day``).
    on_day : read the outcomes of :data:`AT_OUTCOMES` on the last day of ``c``.

    Returns
    -------
    dict
        Name -> value (a number; an array with a trailing axis of units).
    """
    if on_day:
        return {n: _AT[n][0](c) for n in names}
    return {n: REGISTRY[n].compute(c) for n in names}


def run_outcomes(tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
    """Scalar outcomes of one run from its ``summary`` and ``city`` tables.

    Parameters
    ----------
    tables : the run's tables, as returned by ``Recorder.tables``.

    Returns
    -------
    dict
        One float per name of :data:`OUTCOMES` (``nan`` where undefined, e.g. no
        complaint filed): those of :data:`SUMMARY` from its ``all`` row (every estate),
        the others from the daily ``city`` table.
    """
    summary = tables["summary"]
    row = summary[summary["group"] == "all"].iloc[0]
    city = outcomes_of(Counts.from_table(tables["city"]),
                       [n for n in OUTCOMES if n not in SUMMARY])
    return {n: float(row[n]) if n in SUMMARY else float(city[n]) for n in OUTCOMES}


def describe(values: Mapping[str, float] | pd.Series, names: Iterable[str] = HEADLINE) -> str:
    """The named outcomes as one line: shares in percent, others with thousands
    separators and at most two decimals; ``n/a`` for an outcome the run does not define
    (a horizon shorter than a month or than the resolution window).

    Examples
    --------
    >>> describe({"collection_12m": 0.631, "exits": 2.0, "vacuum_days": 5400.0},
    ...          ["collection_12m", "exits", "vacuum_days"])
    'collection_12m 63.1%, exits 2, vacuum_days 5,400'
    >>> describe({"resolution_rate": float("nan")}, ["resolution_rate"])
    'resolution_rate n/a'
    """
    def text(name: str) -> str:
        value = float(values[name])
        if math.isnan(value):
            return "n/a"
        if REGISTRY[name].unit == "share":
            return f"{value:.1%}"
        return f"{value:,.0f}" if value == round(value) or abs(value) >= 100 else f"{value:,.2f}"

    return ", ".join(f"{n} {text(n)}" for n in names)
