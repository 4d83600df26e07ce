"""Experiments over the simulation: sweeps, sensitivity, calibration, scenario discovery.

Sweeps (:mod:`.sweep`) run a design of parameter points × seeds on an executor
(:mod:`.executors`: serial, a local process pool or Dask) into a resumable Parquet
table (:mod:`.results`); :mod:`.sensitivity` (SALib), :mod:`.calibrate` (optuna) and
:mod:`.discovery` (PRIM, EMA Workbench) read them. Outcomes are those of
:mod:`redwuye_graph.outcomes`, defined once; :mod:`.plots` draws (matplotlib, imported
only when drawing).
"""

from redwuye_graph.experiments.executors import EXECUTORS, make_executor
from redwuye_graph.experiments.sweep import (
    Sweep,
    SweepError,
    load_sweep,
    read_runs,
    run_sweep,
)
from redwuye_graph.outcomes import OUTCOMES, run_outcomes

__all__ = ["EXECUTORS", "OUTCOMES", "Sweep", "SweepError", "load_sweep", "make_executor",
           "read_runs", "run_outcomes", "run_sweep"]
