"""Plots of experiment results (matplotlib, imported only here and only when drawing)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from redwuye_graph.plotting import percent_axis, styled, subplots

__all__ = ["plot_calibration", "plot_discovery", "plot_sensitivity"]


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


@styled
def plot_calibration(trials: pd.DataFrame, names: list[str], fit: pd.DataFrame,
                     target: Path) -> Path:
    """Loss of every trial against each searched parameter, and the fit per target.

    Parameters
    ----------
    trials : one row per trial with the parameters and ``loss``.
    names : the searched parameters.
    fit : one row per target: ``target``, ``observed``, ``tolerance``, ``model``.
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
    kind = fit["kind"] if "kind" in fit else pd.Series("value", index=fit.index)
    below = np.where(kind == "min", 0.0, fit["tolerance"])
    above = np.where(kind == "max", 0.0, fit["tolerance"])
    ax.errorbar(fit["observed"], y, xerr=[below, above], fmt="o", capsize=4,
                label="target ± tolerance (a bound: one side)")
    ax.scatter(fit["model"], y, marker="x", color="red", s=50, label="model at best")
    ax.set_yticks(y, fit["target"], fontsize=8)
    ax.set_xlabel("target outcome (its unit)")
    ax.set_title("fit per target")
    ax.legend(loc="best", fontsize=8)
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
