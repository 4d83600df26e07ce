"""Scenario discovery: the parameter box where an outcome passes a threshold (PRIM).

Uses the Patient Rule Induction Method of EMA Workbench
(``ema_workbench.analysis.prim``) on plain arrays: the swept parameter values of each
design point (replicates averaged) and whether the outcome passes the threshold. PRIM
peels the full box into a trajectory of ever smaller, denser boxes; of the boxes whose
**density** (share of the points inside that pass) reaches ``min_density`` the one
with the highest **coverage** (share of all passing points that lie inside) is chosen.
**Mass** is the share of all points inside the box.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from redwuye_graph.outcomes import check_outcomes

__all__ = ["Discovery", "discover"]


@dataclass(frozen=True)
class Discovery:
    """A box found by PRIM and how good it is."""

    outcome: str
    threshold: float
    above: bool
    box: pd.DataFrame
    coverage: float
    density: float
    mass: float
    cases: int
    points: int
    trajectory: pd.DataFrame
    chosen: int
    min_density: float

    def describe(self) -> str:
        """The box in words: one line per restricted parameter, then the statistics."""
        sign = ">=" if self.above else "<="
        lines = [f"{self.outcome} {sign} {self.threshold:g}: {self.cases} of {self.points} "
                 "design points"]
        restricted = self.box[self.box["restricted"]]
        if restricted.empty:
            lines.append("  no restriction: the whole swept space")
        width = max((len(p) for p in restricted["parameter"]), default=0)
        for row in restricted.itertuples():
            lines.append(f"  {row.parameter:<{width}} in [{row.low:.4g}, {row.high:.4g}]"
                         f"  (swept [{row.swept_low:.4g}, {row.swept_high:.4g}])")
        lines.append(f"  coverage {self.coverage:.1%}, density {self.density:.1%}, "
                     f"mass {self.mass:.1%}")
        if self.density < self.min_density:
            lines.append(f"  no box reaches density {self.min_density:.0%}: this is the densest; "
                         "too few passing points to bound (sample more points near it)")
        return "\n".join(lines)


def discover(runs: pd.DataFrame, factors: list[str], outcome: str, threshold: float,
             above: bool = True, min_density: float = 0.8, peel_alpha: float = 0.05,
             mass_min: float = 0.05,
             ranges: dict[str, tuple[float, float]] | None = None) -> Discovery:
    """Find the box of swept parameters where ``outcome`` passes ``threshold``.

    Parameters
    ----------
    runs : finished runs of a sweep (a ``point`` column, the factors, the outcome).
    factors : the swept parameters (columns of ``runs``).
    outcome : a name from :data:`~redwuye_graph.outcomes.OUTCOMES`.
    threshold : the outcome passes at ``>= threshold`` (``<=`` when ``above`` is false).
    above : direction of the threshold.
    min_density : the chosen box has at least this density, if any box has.
    peel_alpha, mass_min : PRIM's share peeled per step and smallest box mass.
    ranges : the declared range of each factor (the sweep file's); the box and the
        ``swept`` columns then say it where PRIM did not cut (default: the range sampled).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> runs = pd.DataFrame({"point": range(400), "a": rng.random(400),
    ...                      "b": rng.random(400)})
    >>> runs["collection_12m"] = np.where(runs["a"] > 0.7, 0.95, 0.5)
    >>> found = discover(runs, ["a", "b"], "collection_12m", 0.9)
    >>> box = found.box.set_index("parameter")
    >>> bool(box.loc["a", "restricted"]), round(float(box.loc["a", "low"]), 1)
    (True, 0.7)
    >>> found.density >= 0.8, round(found.coverage, 2)
    (True, 1.0)
    """
    check_outcomes([outcome])
    missing = [f for f in [*factors, outcome] if f not in runs.columns]
    if missing:
        raise ValueError(f"runs have no column {missing[0]!r}")
    grouped = runs.groupby("point")
    x = grouped[factors].first().reset_index(drop=True)
    y = grouped[outcome].mean().to_numpy(float)
    if np.isnan(y).any():
        raise ValueError(f"{outcome} is undefined in {int(np.isnan(y).sum())} design point(s)")
    passing = y >= threshold if above else y <= threshold
    cases = int(passing.sum())
    sign = ">=" if above else "<="
    if cases == 0 or cases == len(y):
        raise ValueError(f"{'no' if cases == 0 else 'every'} design point has {outcome} "
                         f"{sign} {threshold:g} (range {y.min():.4g} .. {y.max():.4g}); "
                         "nothing to discover")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        finder: Any = prim.Prim(x, passing, peel_alpha=peel_alpha, mass_min=mass_min)
        box: Any = finder.find_box()
    trajectory = box.peeling_trajectory.reset_index(drop=True)
    dense = trajectory[trajectory["density"] >= min_density]
    if len(dense):
        chosen = int(dense.sort_values(["coverage", "density"], ascending=False).index[0])
    else:
        chosen = int(trajectory["density"].idxmax())
    box.select(chosen)
    limits = box.box_lim
    swept = finder.box_init
    rows = []
    for f in factors:
        low, high = float(limits[f].iloc[0]), float(limits[f].iloc[1])
        first, last = float(swept[f].iloc[0]), float(swept[f].iloc[1])
        cut_low, cut_high = low > first, high < last
        if ranges and f in ranges:  # where PRIM did not cut, the edge is the declared one
            first, last = ranges[f]
            low, high = (low if cut_low else first), (high if cut_high else last)
        rows.append({"parameter": f, "low": low, "high": high, "swept_low": first,
                     "swept_high": last, "restricted": cut_low or cut_high})
    table = pd.DataFrame(rows)
    row = trajectory.loc[chosen]
    return Discovery(outcome=outcome, threshold=threshold, above=above, box=table,
                     coverage=float(row["coverage"]), density=float(row["density"]),
                     mass=float(row["mass"]), cases=cases, points=len(y),
                     trajectory=trajectory, chosen=chosen, min_density=min_density)
