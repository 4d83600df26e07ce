"""Observed outcomes of estates (``Observation`` nodes) beside the simulated ones.

A roster may record what was observed at an estate for a period (``docs/schema.md``,
``Observation``): fee collection (a share, perhaps a bound: "under 50%"), complaints
and how many were resolved, each with its source and date. A simulation of that store
gives each estate's own outcomes per run; this module puts the two side by side, one
row per observation and measure:

- ``fee_collection`` beside the estate's ``collection_12m`` (household-months paid ÷
  due over the last 12 simulated months);
- ``resolution`` (``resolved`` ÷ ``complaints``) beside its ``resolution_rate``
  (complaints settled within the window ÷ filed);
- ``complaints`` beside the complaints filed in the last 12 simulated months (the
  observation's ``period`` says what span its count covers).

``simulated`` is the mean over runs, ``low`` and ``high`` the 10% and 90% quantiles
(:data:`~redwuye_graph.plotting.BAND`). Written by ``redwuye simulate`` of a store as
``observed.csv``, printed, and shown in its report.

Examples
--------
>>> from redwuye_graph.citygraph import CityGraph
>>> observations(CityGraph()).empty
True
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.outcomes import Counts, outcomes_of
from redwuye_graph.plotting import BAND
from redwuye_graph.schema import Label, RelType

__all__ = ["MEASURES", "OBSERVED_COLUMNS", "beside_simulated", "lines", "observations",
           "read_estates", "simulated_per_estate"]

#: Observed measure -> (the simulated outcome it is set beside, its unit).
MEASURES = {"fee_collection": ("collection_12m", "share"),
            "resolution": ("resolution_rate", "share"),
            "complaints": ("complaints_12m", "complaints")}

#: Columns of :func:`observations`.
_OBSERVATION_COLUMNS = ["estate", "name", "observation", "period", "measure", "observed",
                        "bound", "source", "date"]
#: Columns of :func:`beside_simulated`.
OBSERVED_COLUMNS = [*_OBSERVATION_COLUMNS, "simulated_as", "simulated", "low", "high", "runs"]

_YEAR = 365


def observations(city: CityGraph) -> pd.DataFrame:
    """Every observation of an estate, one row per measure it records (``observed``;
    ``bound`` is ``below``/``above`` when the figure is a bound), by estate, period, id."""
    rows = []
    for obs, _, props in city.nodes(Label.OBSERVATION):
        estate = city.out(obs, RelType.OBSERVED_AT)[0]
        base = {"estate": estate, "name": city.props(estate)["name"], "observation": obs,
                "period": props["period"], "source": props["source"],
                "date": props.get("date")}
        complaints, resolved = props.get("complaints"), props.get("resolved")
        values: list[tuple[str, Any, Any]] = [
            ("fee_collection", props.get("fee_collection"), props.get("fee_collection_bound")),
            ("resolution", resolved / complaints if complaints and resolved is not None
             else None, None),
            ("complaints", complaints, None)]
        rows += [{**base, "measure": m, "observed": v, "bound": b}
                 for m, v, b in values if v is not None]
    rows.sort(key=lambda r: (r["estate"], r["period"], r["observation"], r["measure"]))
    return pd.DataFrame(rows, columns=_OBSERVATION_COLUMNS)


def simulated_per_estate(estate_table: pd.DataFrame) -> pd.DataFrame:
    """Each estate's simulated outcomes of :data:`MEASURES` per run, from a simulation's
    ``estate`` table (rows of one estate and run in day order)."""
    runs = [k for k in ("graph_seed", "seed") if k in estate_table.columns]
    rows = []
    for key, frame in estate_table.groupby(["estate", *runs], sort=True):
        counts = Counts.from_table(frame.sort_values("day"))
        out = outcomes_of(counts, ["collection_12m", "resolution_rate"])
        year = slice(max(counts.last - _YEAR, 0), counts.last)
        keys = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(["estate", *runs], keys, strict=True)),
                     "collection_12m": float(out["collection_12m"]),
                     "resolution_rate": float(out["resolution_rate"]),
                     "complaints_12m": float(counts.total("filed", year))})
    return pd.DataFrame(rows, columns=["estate", *runs, *(s for s, _ in MEASURES.values())])


def beside_simulated(city: CityGraph, estate_table: pd.DataFrame) -> pd.DataFrame:
    """Observations (:func:`observations`) with the simulated outcome each is set beside:
    mean over runs, 10% and 90% quantiles, number of runs (:data:`OBSERVED_COLUMNS`)."""
    observed = observations(city)
    simulated = simulated_per_estate(estate_table[estate_table["estate"].isin(
        set(observed["estate"]))]) if not observed.empty else pd.DataFrame()
    rows = []
    for row in observed.to_dict("records"):
        name = MEASURES[row["measure"]][0]
        values = (simulated.loc[simulated["estate"] == row["estate"], name].dropna()
                  if not simulated.empty else pd.Series(dtype=float))
        rows.append({**row, "simulated_as": name,
                     "simulated": float(values.mean()) if len(values) else None,
                     "low": float(values.quantile(BAND.low)) if len(values) else None,
                     "high": float(values.quantile(BAND.high)) if len(values) else None,
                     "runs": len(values)})
    return pd.DataFrame(rows, columns=OBSERVED_COLUMNS)


def read_estates(folder: Path, estates: Iterable[str]) -> pd.DataFrame:
    """The rows of ``estates`` of a simulate folder's ``estate.parquet``."""
    import pyarrow.parquet as pq

    wanted = sorted(set(estates))
    frame: pd.DataFrame = pq.read_table(
        folder / "estate.parquet", filters=[("estate", "in", wanted)] if wanted else None
    ).to_pandas()
    return frame


def lines(table: pd.DataFrame) -> list[str]:
    """One line per row: ``estate name measure period: observed X (source, date);
    simulated Y [low, high] over N runs``."""
    def fmt(value: Any, measure: str) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return "n/a"
        return f"{value:.1%}" if MEASURES[measure][1] == "share" else f"{value:,.0f}"

    out = []
    for r in table.to_dict("records"):
        bound = {"below": "under ", "above": "over "}.get(r["bound"] or "", "")
        when = f", {r['date']}" if r["date"] else ""
        sim = (f"simulated {fmt(r['simulated'], r['measure'])} "
               f"[{fmt(r['low'], r['measure'])}, {fmt(r['high'], r['measure'])}] "
               f"({r['simulated_as']}, {r['runs']} run(s))" if r["runs"]
               else "simulated n/a")
        out.append(f"{r['estate']} {r['name']} {r['measure']} {r['period']}: observed "
                   f"{bound}{fmt(r['observed'], r['measure'])} ({r['source']}{when}); {sim}")
    return out
