"""One way to make a matplotlib figure: without pyplot, so no backend or global state changes.

Figures drawn here never switch a notebook's inline backend and need no ``close``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["subplots"]


def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float] | None = None,
             **kwargs: Any) -> tuple[Any, Any]:
    """A new ``Figure`` and its axes, like ``pyplot.subplots`` but outside pyplot."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols, **kwargs)
