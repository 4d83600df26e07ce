"""Plots of experiment results (matplotlib, imported only here and only when drawing)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from redwuye_graph.plotting import percent_axis, styled, subplots

__all__ = ["plot_calibration", "plot_check", "plot_convergence", "plot_discovery", "plot_profile",
           "plot_sensitivity"]


@styled
def plot_sensitivity(table: pd.DataFrame, design: str, target: Path) -> Path:
    """Bar plot of sensitivity indices, one panel per outcome, with confidence intervals.

    Parameters
    ----------
    table : :func:`~.sensitivity.sensitivity` output.
    design : ``sobol`` (bars S1 and ST) or ``morris`` (bars mu_star).
    target : PNG file to write.
    """
    outcomes = list(dict.fromkeys(table["outcome"]))
    fig, axes = subplots(len(outcomes), 1, figsize=(8, 2.6 * len(outcomes) + 0.6),
                             squeeze=False)
    bars = (("S1", "first order"), ("ST", "total")) if design == "sobol" \
        else (("mu_star", "mu*"),)
    for ax, outcome in zip(axes[:, 0], outcomes, strict=True):
        part = table[table["outcome"] == outcome]
        x = np.arange(len(part))
        width = 0.8 / len(bars)
        for k, (column, label) in enumerate(bars):
            ax.bar(x + (k - (len(bars) - 1) / 2) * width, part[column], width,
                   yerr=part[f"{column}_conf"], capsize=3, label=label)
        ax.set_xticks(x, part["parameter"], rotation=20, ha="right", fontsize=8)
        ax.set_title(outcome)
        ax.set_ylabel("index" if design == "sobol" else f"mu* ({outcome}'s unit)")
        ax.axhline(0, color="#424242", linewidth=0.8)
    axes[0, 0].legend(loc="best", title="bars: estimate; whiskers: 95% confidence")
    fig.tight_layout()
    fig.savefig(target, dpi=100)
    return target


def _target_names(fit: pd.DataFrame) -> list[str]:
    """Each target's key, with the estate or district it is read over."""
    return [key if unit == "city" else f"{key}\n({unit})"
            for key, unit in zip(fit["target"], fit["unit"], strict=True)]


def _target_bars(fit: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each target's centre and how far below and above it fits (a bound: one side open)."""
    kind = fit["kind"].to_numpy()
    value = fit["value"].to_numpy(float)
    high = np.where(kind == "interval", fit["high"].to_numpy(float), value)
    tol = np.nan_to_num(fit["tolerance"].to_numpy(float))  # binomial: its standard error
    centre = (value + high) / 2
    below = np.where(kind == "min", 0.0, centre - value + tol)
    above = np.where(kind == "max", 0.0, high - centre + tol)
    return centre, below, above


@styled
def plot_calibration(trials: pd.DataFrame, names: list[str], fit: pd.DataFrame,
                     target: Path) -> Path:
    """Loss of every trial against each searched parameter, and the fit per target.

    Parameters
    ----------
    trials : one row per trial with the parameters and ``loss``.
    names : the searched parameters.
    fit : one row per target: ``target``, ``kind``, ``value``, ``high``, ``tolerance``,
        ``model`` (:attr:`~.calibrate.CalibrationResult.fit`).
    target : PNG file to write.
    """
    panels = len(names) + 1
    fig, axes = subplots(1, panels, figsize=(3.6 * panels, 3.4), squeeze=False)
    best = int(trials["loss"].to_numpy().argmin())
    start = trials["trial"].to_numpy() == 0 if "trial" in trials else np.zeros(len(trials), bool)
    for ax, name in zip(axes[0], names, strict=False):
        ax.scatter(trials[name], trials["loss"], s=12, alpha=0.7)
        ax.scatter(trials[name][start], trials["loss"][start], s=50, marker="s",
                   facecolors="none", edgecolors="black", label="start (trial 0)")
        ax.scatter(trials[name].iloc[best], trials["loss"].iloc[best], s=60, marker="*",
                   color="red", label="best")
        ax.set_yscale("symlog", linthresh=1e-3)  # a one-sided target's loss may be 0
        ax.set_xlabel(name)
        ax.set_ylabel("loss (mean of z²)")
    ax = axes[0, -1]
    y = np.arange(len(fit))
    centre, below, above = _target_bars(fit)
    ax.errorbar(centre, y, xerr=[below, above], fmt="o", capsize=4,
                label="target ± tolerance (a bound: one side)")
    ax.scatter(fit["model"], y, marker="x", color="red", s=50, label="model, chosen values")
    ax.set_yticks(y, _target_names(fit), fontsize=8)
    ax.set_xlabel("target outcome (its unit)")
    ax.set_title("fit per target")
    ax.legend(loc="best", fontsize=8)
    axes[0, 0].legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(target, dpi=100)
    return target


@styled
def plot_convergence(trials: pd.DataFrame, target: Path) -> Path:
    """Each trial's loss in trial order and the best so far (the start is trial 0).

    Parameters
    ----------
    trials : one row per trial with ``trial``, ``loss`` and ``fits``.
    target : PNG file to write.
    """
    fig, ax = subplots(figsize=(7, 3.8))
    order = trials.sort_values("trial")
    loss = order["loss"].to_numpy(float)
    fits = order["fits"].to_numpy(bool)
    ax.scatter(order["trial"][~fits], loss[~fits], s=14, color="#9e9e9e",
               label="trial (misses a target)")
    ax.scatter(order["trial"][fits], loss[fits], s=18, color="#2e7d32",
               label="trial (meets every target)")
    ax.step(order["trial"], np.minimum.accumulate(np.nan_to_num(loss, nan=np.inf)),
            where="post", color="red", label="best so far")
    ax.set_yscale("symlog", linthresh=1e-3)
    ax.set_xlabel("trial (0: the starting values)")
    ax.set_ylabel("loss (mean of z²)")
    ax.set_title("convergence")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(target, dpi=100)
    return target


@styled
def plot_check(runs: pd.DataFrame, fit: pd.DataFrame, target: Path) -> Path:
    """The check on fresh seeds: every run of the start and the chosen values per target,
    against the target.

    Parameters
    ----------
    runs : :attr:`~.calibrate.CalibrationResult.check_runs`.
    fit : :attr:`~.calibrate.CalibrationResult.fit` (the targets).
    target : PNG file to write.
    """
    fig, ax = subplots(figsize=(7, 1.0 + 0.9 * len(fit)))
    y = np.arange(len(fit))
    centre, below, above = _target_bars(fit)
    ax.errorbar(centre, y, xerr=[below, above], fmt="o", color="black", capsize=4,
                label="target ± tolerance")
    for shift, point, colour in ((-0.2, "start", "#757575"), (0.2, "chosen", "#c62828")):
        part = runs[runs["point"] == point]
        for i, key in enumerate(fit["target"]):
            values = part[key].dropna() if key in part else pd.Series(dtype=float)
            fresh = part.loc[values.index, "fresh_city"].to_numpy(bool)
            ax.scatter(values[~fresh], np.full((~fresh).sum(), i + shift), s=14, color=colour,
                       label=f"{point}: fresh run seeds" if i == 0 else None)
            ax.scatter(values[fresh], np.full(fresh.sum(), i + shift), s=22, marker="^",
                       color=colour, label=f"{point}: new base city" if i == 0 else None)
    ax.set_yticks(y, _target_names(fit), fontsize=8)
    ax.set_xlabel("target outcome (its unit), one point per run")
    ax.set_title("check on seeds the fit never saw")
    ax.legend(loc="best", fontsize=7)
    fig.tight_layout()
    fig.savefig(target, dpi=100)
    return target


@styled
def plot_profile(profiles: pd.DataFrame, intervals: pd.DataFrame, target: Path) -> Path:
    """Profile likelihood per parameter: Δχ² of the smooth fit along its range, the
    trials' own least Δχ² per tenth as points, the 90% line and interval.

    Parameters
    ----------
    profiles : :attr:`~.calibrate.CalibrationResult.profiles`.
    intervals : :attr:`~.calibrate.CalibrationResult.intervals`.
    target : PNG file to write.
    """
    from redwuye_graph.experiments.calibrate import PROFILE_DELTA

    names = list(intervals["parameter"])
    fig, axes = subplots(1, len(names), figsize=(3.8 * len(names), 3.4), squeeze=False)
    for ax, row in zip(axes[0], intervals.itertuples(), strict=True):
        part = profiles[profiles["parameter"] == row.parameter]
        for source, style in (("surrogate", {"color": "#1565c0", "label": "smooth fit"}),
                              ("trials", {"color": "#616161", "marker": "o",
                                          "linestyle": "none",
                                          "label": "trials (least per tenth)"})):
            one = part[part["source"] == source]
            if len(one):
                ax.plot((one["low"] + one["high"]) / 2, one["delta_chi2"], **style)
        ax.axhline(PROFILE_DELTA, color="#424242", linestyle=":", label="90% (Δχ² = 2.71)")
        ax.axvspan(row.low90, row.high90, color="#90caf9", alpha=0.3, label="90% interval")
        ax.set_yscale("symlog", linthresh=1.0)
        ax.set_ylim(bottom=0)
        ax.set_xlabel(row.parameter)
        ax.set_ylabel("Δχ²")
    axes[0, 0].legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(target, dpi=100)
    return target


@styled
def plot_discovery(trajectory: pd.DataFrame, chosen: int, title: str, target: Path) -> Path:
    """PRIM's peeling trajectory: coverage against density, the chosen box marked.

    Parameters
    ----------
    trajectory : one row per box with ``coverage``, ``density`` and ``res_dim``.
    chosen : row of the chosen box.
    title : plot title.
    target : PNG file to write.
    """
    fig, ax = subplots(figsize=(6, 4.5))
    points = ax.scatter(trajectory["coverage"], trajectory["density"],
                        c=trajectory["res_dim"], cmap="viridis", s=18)
    ax.scatter(trajectory.loc[chosen, "coverage"], trajectory.loc[chosen, "density"],
               s=140, facecolors="none", edgecolors="red", label="chosen box")
    fig.colorbar(points, ax=ax, label="restricted parameters")
    ax.set_xlabel("coverage (% of passing runs inside the box)")
    ax.set_ylabel("density (% of the box's runs that pass)")
    percent_axis(ax, "x")
    percent_axis(ax, "y")
    ax.set_title(title)
    ax.legend(loc="best")
    fig.tight_layout()
    fig.savefig(target, dpi=100)
    return target
