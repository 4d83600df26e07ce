"""Per-run scalar outcomes of a simulation: the one definition every experiment uses.

Sweeps, sensitivity analysis, calibration targets and scenario discovery all name
outcomes from :data:`OUTCOMES`. Each is read from the run's ``summary`` table (the
``all`` row: every estate of the city) or, where noted, from its daily ``city``
table; the underlying counts are defined in :mod:`redwuye_graph.sim.records`.

Examples
--------
>>> from redwuye_graph.generate import generate
>>> from redwuye_graph.sim import CityModel
>>> model = CityModel(generate("tiny", seed=1), seed=3)
>>> model.run(60)
>>> values = run_outcomes(model.recorder.tables(estates=False))
>>> sorted(values) == sorted(OUTCOMES)
True
>>> 0.0 <= values["collection_12m"] <= 1.0
True
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["OUTCOMES", "run_outcomes"]

#: Outcome name -> meaning (all over the whole city, one run).
OUTCOMES: dict[str, str] = {
    "collection_12m": "fee collection over the last 12 months: household-months paid ÷ due "
                      "(vacuum months are due and cannot be paid)",
    "collection_first_12m": "fee collection over the first 12 months (before a policy that "
                            "starts on day 365; equals collection_12m in a one-year run)",
    "collection_last": "fee collection in the last month",
    "resolution_rate": "complaints settled within the window W of filing ÷ complaints filed "
                       "(uncensored filing days)",
    "quick_rate": "complaints settled within quick_days of filing ÷ complaints filed",
    "ever_settled": "complaints settled by the end ÷ complaints filed",
    "escalation_share": "complaints that left the company's queue ÷ complaints filed",
    "median_days": "median time to resolution of settled complaints (days)",
    "p90_days": "90th percentile of time to resolution of settled complaints (days)",
    "open_at_end": "complaints still open on the last day",
    "satisfaction_end": "mean household satisfaction on the last day, in [0, 1]",
    "dissatisfied_end": "share of households below the dissatisfaction threshold on the "
                        "last day",
    "exits": "companies that left an estate",
    "tenders": "estates taken over by a new company",
    "vacuum_days": "estate-days without a serving company",
}

#: Outcomes copied from the ``all`` row of the summary table.
_FROM_SUMMARY = ("collection_12m", "collection_last", "resolution_rate", "quick_rate",
                 "ever_settled", "escalation_share", "median_days", "p90_days", "open_at_end",
                 "satisfaction_end", "exits", "tenders", "vacuum_days")


def run_outcomes(tables: dict[str, pd.DataFrame]) -> dict[str, float]:
    """Scalar outcomes of one run from its ``summary`` and ``city`` tables.

    Parameters
    ----------
    tables : the run's tables, as returned by ``Recorder.tables``.

    Returns
    -------
    dict
        One float per name of :data:`OUTCOMES` (``nan`` where undefined, e.g. no
        complaint filed).
    """
    summary = tables["summary"]
    row = summary[summary["group"] == "all"].iloc[0]
    values = {name: float(row[name]) for name in _FROM_SUMMARY}
    city = tables["city"]
    first = city[city["day"] <= 365]
    due = float(first["due"].sum())
    values["collection_first_12m"] = float(first["paid"].sum()) / due if due else math.nan
    values["dissatisfied_end"] = float(city["dissatisfied_share"].iloc[-1])
    return {name: values[name] for name in OUTCOMES}
