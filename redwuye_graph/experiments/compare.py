"""Paired comparison of two scenario result folders: like with like, with intervals.

Two folders of ``redwuye simulate`` are compared run by run: the run of scenario B on
graph seed g with run seed s is paired with A's run on the same (g, s), which had the
same base city and the same random streams. For each outcome the paired difference
B − A is averaged; its 95% interval is a t interval over the graph seeds (the mean
difference per base city, so city-to-city variation counts), or over the run seeds when
there is one base city (then it speaks for that city only).

The folders' base cities must be the same (graph hash per graph seed, from their
manifests); :func:`paired_comparison` refuses otherwise unless ``different_cities``,
in which case differences mix the policy with the difference between cities.

Examples
--------
>>> import numpy as np
>>> low, high = interval(np.array([1.0, 2.0, 3.0]))
>>> round(low, 3), round(high, 3)
(-0.484, 4.484)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from redwuye_graph.outcomes import COMPARED, HEADLINE, LINKAGE_GROUPS, Counts, outcomes_of
from redwuye_graph.provenance import read_manifest

if TYPE_CHECKING:
    from redwuye_graph.sim.scenario import Scenario

__all__ = ["COMPARED", "HEADLINE", "Comparison", "DifferentCitiesError", "check_baseline",
           "district_outcomes", "interval", "paired_comparison", "paired_interval"]

_RUN = ["graph_seed", "seed"]


class DifferentCitiesError(ValueError):
    """Two result folders ran on different base cities."""


@dataclass(frozen=True)
class Comparison:
    """A paired comparison of scenarios ``a`` and ``b`` (their names): ``table`` has one
    row per scope (city, group, district), unit and outcome, with the means ``a`` and
    ``b``, the mean paired ``difference`` and its 95% interval ``low`` .. ``high``."""

    a: str
    b: str
    table: pd.DataFrame
    graph_seeds: list[int]
    seeds: list[int]
    same_cities: bool

    def describe(self) -> str:
        """One sentence on what was paired and what the intervals are over."""
        runs = f"{len(self.graph_seeds)} graph seed(s) × {len(self.seeds)} run seed(s)"
        over = (f"over the {len(self.graph_seeds)} base cities" if len(self.graph_seeds) > 1
                else "over run seeds on one base city (city-to-city variation not included)")
        cities = ("the same base cities (graph hashes match)" if self.same_cities else
                  "DIFFERENT base cities: differences mix the policy with the cities")
        return (f"{self.b} − {self.a}, paired over {runs} on {cities}; 95% intervals "
                f"{over}")


def interval(differences: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """t interval for the mean of ``differences`` (``nan`` with fewer than two)."""
    d = np.asarray(differences, float)
    mean = float(d.mean()) if len(d) else np.nan
    if len(d) < 2:
        return np.nan, np.nan
    spread = float(d.std(ddof=1))
    if spread == 0.0:
        return mean, mean
    half = float(stats.t.ppf(0.5 + level / 2, len(d) - 1)) * spread / np.sqrt(len(d))
    return float(mean - half), float(mean + half)


def paired_interval(differences: pd.Series, graph_seeds: pd.Series,
                    level: float = 0.95) -> tuple[float, float]:
    """Interval for the mean paired difference of runs on several base cities: over the
    per-city means when there are two or more graph seeds, else over the runs."""
    per_city = differences.groupby(graph_seeds.to_numpy()).mean()
    values = per_city if len(per_city) > 1 else differences
    return interval(values.to_numpy(), level)


def district_outcomes(district: pd.DataFrame) -> pd.DataFrame:
    """The :data:`~redwuye_graph.outcomes.HEADLINE` outcomes per run and district, from
    the daily ``district`` table of :func:`~redwuye_graph.sim.scenario.run_scenario`."""
    rows = []
    keys = [*_RUN, "district"]
    for key, part in district.groupby(keys, sort=True):
        values = outcomes_of(Counts.from_table(part.sort_values("day")), HEADLINE)
        rows.append({**dict(zip(keys, key, strict=True)),
                     **{k: float(v) for k, v in values.items()}})
    return pd.DataFrame(rows)


def _runs(folder: Path) -> dict[str, pd.DataFrame]:
    """Per-run outcomes of a folder by scope: ``group`` (summary) and ``district``."""
    for table in ("summary.parquet", "district.parquet"):
        if not (folder / table).is_file():
            raise FileNotFoundError(f"{folder}: no {table}: not a finished result of "
                                    "'redwuye simulate' (run it again)")
    summary = pd.read_parquet(folder / "summary.parquet")
    district = pd.read_parquet(folder / "district.parquet")
    return {"group": summary[[*_RUN, "group", *COMPARED]].rename(columns={"group": "unit"}),
            "district": district_outcomes(district).rename(columns={"district": "unit"})}


def _mismatch(ca: Mapping[str, Any], cb: Mapping[str, Any]) -> str | None:
    """How two manifests' ``base_cities`` differ (``None``: they share a graph seed and
    every shared one has the same graph hash)."""
    shared = sorted(set(ca) & set(cb), key=int)
    differ = [g for g in shared if ca[g]["graph_hash"] != cb[g]["graph_hash"]]
    if shared and not differ:
        return None
    return (f"graph seed(s) {', '.join(differ)} have different graph hashes"
            if differ else "they share no graph seed")


def check_baseline(folder: Path, sc: Scenario, graph_seeds: int | None = None) -> None:
    """Refuse, before any run of ``sc``, a baseline result folder whose base cities are
    not the ones ``sc`` runs on (``graph_seeds`` as for ``redwuye simulate``); raises
    :class:`DifferentCitiesError` or, for a folder that is no result, ``FileNotFoundError``."""
    theirs = read_manifest(folder)["base_cities"]
    ours = {str(g): sc.base_identity(g) for g in sc.graph_seed_list(graph_seeds)}
    what = _mismatch(theirs, ours)
    if what is not None:
        raise DifferentCitiesError(
            f"--baseline {folder}: it ran on other base cities than {sc.path} ({what}): the "
            "differences would mix the policy with the cities. Run the baseline scenario on "
            "the same preset, graph seeds and structure (or the same store)")


def _check_cities(a: dict[str, Any], b: dict[str, Any], names: tuple[str, str],
                  different_cities: bool) -> bool:
    """Whether the base cities match; raise unless allowed when they do not."""
    what = _mismatch(a["base_cities"], b["base_cities"])
    if what is None:
        return True
    if different_cities:
        return False
    raise DifferentCitiesError(
        f"{names[0]} and {names[1]} ran on different base cities ({what}): a difference "
        "would mix the policy with the cities. Run both scenarios on the same preset, "
        "graph seeds and structure (or the same store), or pass --different-cities to "
        "difference them anyway")


def paired_comparison(a: Path, b: Path, different_cities: bool = False) -> Comparison:
    """Paired differences B − A per outcome, for the city, each linkage group and each
    district, with 95% intervals (see the module docstring)."""
    a, b = Path(a), Path(b)
    ma, mb = read_manifest(a), read_manifest(b)
    names = (ma["scenario"]["name"], mb["scenario"]["name"])
    same = _check_cities(ma, mb, (str(a), str(b)), different_cities)
    ra, rb = _runs(a), _runs(b)
    rows = []
    pairs = pd.DataFrame()
    for scope, outcomes in (("group", COMPARED), ("district", HEADLINE)):
        pairs = ra[scope].merge(rb[scope], on=[*_RUN, "unit"], suffixes=("_a", "_b"))
        if pairs.empty:
            raise DifferentCitiesError(f"{a} and {b} have no run (graph seed, seed) in common")
        for unit, part in pairs.groupby("unit", sort=False):
            for name in outcomes:
                diff = part[f"{name}_b"] - part[f"{name}_a"]
                low, high = paired_interval(diff, part["graph_seed"])
                rows.append({"scope": "city" if unit == "all" else scope, "unit": unit,
                             "outcome": name, "a": part[f"{name}_a"].mean(),
                             "b": part[f"{name}_b"].mean(),
                             "difference": diff.mean(), "low": low, "high": high,
                             "pairs": len(part)})
    table = pd.DataFrame(rows)
    order = {"city": 0, "group": 1, "district": 2,
             **{g: i for i, g in enumerate(LINKAGE_GROUPS)}}
    table = table.sort_values(["scope", "unit"], key=lambda s: s.map(order).fillna(3),
                              kind="stable")
    return Comparison(names[0], names[1], table.reset_index(drop=True),
                      sorted(pairs["graph_seed"].unique().tolist()),
                      sorted(pairs["seed"].unique().tolist()), same)
