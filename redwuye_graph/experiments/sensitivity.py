"""Global sensitivity of the outcomes to the swept parameters (SALib).

A sweep with ``design = "sobol"`` gives Sobol first-order (``S1``: the share of the
outcome's variance due to the parameter alone) and total (``ST``: including all its
interactions) indices with bootstrap confidence intervals; ``design = "morris"`` is
the cheap screening: ``mu_star`` (mean absolute elementary effect, with its interval)
and ``sigma`` (spread: non-linearity or interactions). Replicates of a point are
averaged first, so the indices describe the seed-averaged outcome.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from redwuye_graph.experiments.sweep import Sweep, SweepError
from redwuye_graph.outcomes import SENSITIVITY_OUTCOMES, check_outcomes

__all__ = ["METHODS", "point_means", "sensitivity"]

#: Sweep design -> the indices :func:`sensitivity` reports for it.
METHODS = {"sobol": ("S1", "S1_conf", "ST", "ST_conf"),
           "morris": ("mu_star", "mu_star_conf", "mu", "sigma")}


def point_means(sweep: Sweep, runs: pd.DataFrame, outcome: str) -> np.ndarray:
    """Mean of ``outcome`` over the replicates of each design point, in point order.

    Raises ``ValueError`` if a point has no finished run or the outcome is undefined.
    """
    check_outcomes([outcome])
    n = len(sweep.points())
    means = runs.groupby("point")[outcome].mean().reindex(range(n))
    missing = int(means.isna().sum())
    if missing:
        raise ValueError(f"{outcome}: {missing} of {n} design points have no finished run or "
                         "an undefined value; finish the sweep (run it again) or choose "
                         "another outcome")
    return means.to_numpy(float)


def sensitivity(sweep: Sweep, runs: pd.DataFrame,
                outcomes: Sequence[str] = SENSITIVITY_OUTCOMES,
                resamples: int = 200, conf_level: float = 0.95,
                seed: int = 0) -> pd.DataFrame:
    """Sensitivity indices of each outcome to each swept parameter.

    Parameters
    ----------
    sweep : a sweep with a ``sobol`` or ``morris`` design.
    runs : its finished runs (:func:`~.sweep.read_runs`); every point must be there.
    outcomes : names from :data:`~redwuye_graph.outcomes.OUTCOMES` (default
        :data:`~redwuye_graph.outcomes.SENSITIVITY_OUTCOMES`).
    resamples, conf_level, seed : bootstrap of the confidence intervals.

    Returns
    -------
    DataFrame
        One row per outcome and parameter: ``outcome``, ``parameter`` and the columns
        of :data:`METHODS` for the design.
    """
    if sweep.design not in METHODS:
        raise SweepError(f"{sweep.path}: sweep.design: {sweep.design!r} has no sensitivity "
                         f"indices; use one of {', '.join(METHODS)}")
    problem = sweep.problem()
    frames = []
    for outcome in outcomes:
        y = point_means(sweep, runs, outcome)
        if sweep.design == "sobol":
            from SALib.analyze import sobol

            result = sobol.analyze(problem, y, calc_second_order=False,
                                   num_resamples=resamples, conf_level=conf_level, seed=seed)
        else:
            from SALib.analyze import morris

            result = morris.analyze(problem, sweep.matrix(), y, num_resamples=resamples,
                                    conf_level=conf_level, num_levels=sweep.morris_levels,
                                    seed=seed)
        frame = pd.DataFrame({k: np.asarray(result[k], float) for k in METHODS[sweep.design]})
        frame.insert(0, "parameter", problem["names"])
        frame.insert(0, "outcome", outcome)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
