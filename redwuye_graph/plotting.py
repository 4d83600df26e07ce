"""One plotting style for every chart of the project: matplotlib figures and the HTML pages.

The CJK-capable font is chosen here and only here (:data:`FONTS` for matplotlib,
:data:`CSS_FONTS` for the report's and the dashboard's pages), so names such as
路湖学社区 draw as text, not boxes. ``make fonts`` installs the font (Debian's
fonts-noto-cjk). Figures are made without pyplot (:func:`subplots`), so drawing never
switches a notebook's backend; a drawing function wrapped in :func:`styled` draws in the
style without changing global state, and notebooks call :func:`use` once.

>>> rc()["font.family"][0]
'DejaVu Sans'
>>> percent(0.912)
'91%'
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BAND",
    "CSS_FONTS",
    "FONTS",
    "Band",
    "cjk_font",
    "difference_parts",
    "format_difference",
    "format_value",
    "mark_days",
    "outcome_axis",
    "percent",
    "percent_axis",
    "rc",
    "styled",
    "subplots",
    "use",
]

#: Font families in order of preference: DejaVu Sans for Latin text and digits, then a CJK
#: font for Chinese (matplotlib falls back glyph by glyph along this list).
FONTS = ["DejaVu Sans", "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC",
         "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC"]
#: The same choice for HTML pages (the report) and ECharts (the dashboard).
CSS_FONTS = ('"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", '
             '"Microsoft YaHei", "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif')


@dataclass(frozen=True)
class Band:
    """An uncertainty band: the quantiles of runs at its edges, its name and opacity."""

    low: float = 0.1
    high: float = 0.9
    label: str = "10–90% of runs"
    alpha: float = 0.25


#: How every chart draws and names the spread across runs.
BAND = Band()

@functools.cache
def cjk_font() -> str | None:
    """The installed CJK family matplotlib will use, or None when there is none.

    Fonts installed after matplotlib built its font cache are added here, so a font from
    ``make fonts`` works without clearing the cache by hand.
    """
    from matplotlib import font_manager

    def known() -> str | None:
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((family for family in FONTS[1:] if family in names), None)

    if known() is None:
        for path in font_manager.findSystemFonts():
            if any(key in path for key in ("CJK", "SourceHan", "wqy", "msyh", "PingFang")):
                font_manager.fontManager.addfont(path)
    return known()


def font_families() -> list[str]:
    """The installed families to draw with, Latin first: pass as ``family=`` where a
    library asks for one (networkx's ``font_family``).

    Concrete names, not the generic ``sans-serif``: matplotlib falls back glyph by glyph
    only along a list of families, and only installed ones avoid a findfont warning.
    """
    cjk = cjk_font()
    return ["DejaVu Sans", *([cjk] if cjk else [])]


def rc() -> dict[Any, Any]:
    """The project's matplotlib settings (font with CJK fallback, grid, legend, size)."""
    return {"font.family": font_families(), "font.sans-serif": FONTS,
            "axes.unicode_minus": True, "axes.grid": True, "grid.alpha": 0.3,
            "axes.spines.top": False, "axes.spines.right": False, "axes.titlesize": 11,
            "axes.labelsize": 9, "xtick.labelsize": 8, "ytick.labelsize": 8,
            "legend.fontsize": 8, "legend.frameon": False, "figure.dpi": 100,
            "savefig.bbox": "tight"}


def use() -> None:
    """Apply the style to matplotlib globally (for notebooks that draw with pyplot)."""
    import matplotlib

    matplotlib.rcParams.update(rc())


def styled[**P, T](draw: Callable[P, T]) -> Callable[P, T]:
    """Run a drawing function in the project's style, leaving matplotlib's settings as
    they were."""

    @functools.wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        import matplotlib

        with matplotlib.rc_context(rc()):
            return draw(*args, **kwargs)

    return wrapper


def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float] | None = None,
             **kwargs: Any) -> tuple[Any, Any]:
    """A new ``Figure`` and its axes, like ``pyplot.subplots`` but outside pyplot."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols, **kwargs)


def percent(share: float, digits: int = 0) -> str:
    """A share in [0, 1] as a percentage: ``0.912 -> '91%'``."""
    return f"{share * 100:.{digits}f}%"


#: Units whose values are counts of things: whole numbers, or one decimal for a mean of
#: runs below :data:`WHOLE_FROM` (2.4 exits is not 2).
_COUNTED = ("complaints", "companies", "estates", "estate-days", "households", "problems")
#: From this size on a count is shown whole (rounding moves it by under 0.5%).
WHOLE_FROM = 100
#: Decimals shown for the other units (shares are percentages with one decimal).
_DECIMALS = {"score": 3, "days": 1, "problems/household/year": 2}


def _digits(unit: str, *values: float) -> int:
    """Decimals that show ``values`` in ``unit`` (the most any of them needs)."""
    if unit == "share":
        return 1
    if unit not in _COUNTED:
        return _DECIMALS.get(unit, 3)
    return max((1 for v in values if v == v and abs(v) < WHOLE_FROM
                and round(float(v), 1) != round(float(v))), default=0)


def format_value(value: float, unit: str, *, difference: bool = False,
                 digits: int | None = None) -> str:
    """A number as tables show it, by its unit (an outcome's unit of
    :mod:`redwuye_graph.outcomes`): shares as percentages (differences of shares in
    percentage points), counts whole with thousands separators (one decimal for a mean
    under :data:`WHOLE_FROM` that is not whole), scores with 3 decimals; a difference
    carries its sign; ``nan`` is a dash. ``digits`` overrides the decimals.

    >>> format_value(0.8476, "share"), format_value(0.068, "share", difference=True)
    ('84.8%', '+6.8 pp')
    >>> format_value(2.4, "companies"), format_value(2.0, "companies")
    ('2.4', '2')
    >>> format_value(-141.33, "complaints", difference=True), format_value(7.5, "companies")
    ('-141', '7.5')
    >>> format_value(float("nan"), "score"), format_value(-0.0001, "share", difference=True)
    ('–', '0.0 pp')
    """
    if value != value:  # nan
        return "–"
    share = unit == "share"
    digits = _digits(unit, value) if digits is None else digits
    rounded = round(float(value) * (100 if share else 1), digits)
    sign = "+" if difference and rounded != 0 else ""  # no "-0" or "+0"
    text = f"{rounded + 0.0:{sign},.{digits}f}"
    if share:
        return f"{text} pp" if difference else f"{text}%"
    return text


def difference_parts(value: float, low: float, high: float, unit: str) -> tuple[str, str]:
    """A paired difference and its interval (``""`` without one: ``nan``, one pair), by
    unit, all three with the same decimals: ``("+6.8 pp", "[+6.3, +7.3]")``.

    >>> difference_parts(0.068, 0.063, 0.073, "share")
    ('+6.8 pp', '[+6.3, +7.3]')
    >>> difference_parts(0.3, float("nan"), float("nan"), "companies")
    ('+0.3', '')
    """
    digits = _digits(unit, value, low, high)
    text = format_value(value, unit, difference=True, digits=digits)
    if low != low:
        return text, ""
    ends = (format_value(v, unit, difference=True, digits=digits).removesuffix(" pp")
            for v in (low, high))
    return text, f"[{', '.join(ends)}]"


def format_difference(value: float, low: float, high: float, unit: str) -> str:
    """A paired difference with its interval in one text (:func:`difference_parts`):
    ``+6.8 pp [+6.3, +7.3]``; without an interval the difference alone.

    >>> format_difference(0.068, 0.063, 0.073, "share")
    '+6.8 pp [+6.3, +7.3]'
    >>> format_difference(-141.2, -162.0, -120.4, "complaints")
    '-141 [-162, -120]'
    >>> format_difference(0.3, 0.1, 0.5, "companies")
    '+0.3 [+0.1, +0.5]'
    """
    return " ".join(part for part in difference_parts(value, low, high, unit) if part)


def percent_axis(ax: Any, axis: str = "y", *, full: bool = False, points: bool = False) -> None:
    """Show shares on an axis as percentages.

    Parameters
    ----------
    ax : the axes.
    axis : ``"y"`` or ``"x"``.
    full : show the whole 0–100% range (no exaggerated small differences).
    points : the values are differences of shares: label them in percentage points.
    """
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    target = ax.yaxis if axis == "y" else ax.xaxis
    if points:
        target.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:+.0f} pp"
                                                 if v else "0"))
    else:
        target.set_major_formatter(PercentFormatter(1.0, decimals=0))
    if full:
        (ax.set_ylim if axis == "y" else ax.set_xlim)(0, 1)


def outcome_axis(ax: Any, outcome: str, axis: str = "y", *, difference: bool = False,
                 full: bool = True) -> None:
    """Label an axis with an outcome's unit (from :mod:`redwuye_graph.outcomes`); shares
    as percentages (differences of shares in percentage points)."""
    from redwuye_graph.outcomes import REGISTRY

    unit = REGISTRY[outcome].unit if outcome in REGISTRY else ""
    if unit == "share":
        percent_axis(ax, axis, full=full and not difference, points=difference)
        text = "percentage points" if difference else "%"
    else:
        text = unit
    label = f"{'difference' if difference else outcome.replace('_', ' ')} ({text})"
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(label)


def mark_days(ax: Any, days: Mapping[str, int] | Iterable[tuple[str, int]]) -> None:
    """A dotted vertical line with its name at each policy's start day (day 0 left out:
    the whole run has the policy); policies starting on one day share one line."""
    items = days.items() if isinstance(days, Mapping) else days
    by_day: dict[int, list[str]] = {}
    for name, day in items:
        if day > 0:
            by_day.setdefault(int(day), []).append(name)
    for day, names in sorted(by_day.items()):
        text = ", ".join(names) if len(names) <= 2 else f"{len(names)} policies"
        ax.axvline(day, color="#424242", linestyle=":", linewidth=1)
        ax.annotate(f"{text} (day {day})", (day, 1), xycoords=("data", "axes fraction"),
                    xytext=(3, -3), textcoords="offset points", rotation=90, va="top",
                    fontsize=7, color="#424242")
