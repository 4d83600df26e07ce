"""The optional extras of ``pyproject.toml`` and the one-line error when one is missing.

The core install (``pip install redwuye-graph``) generates, loads, queries, simulates,
sweeps, compares and calibrates. The dashboard, the Dask executor, JupyterLab and scenario
discovery each need an extra (``make install`` installs them all); a command whose extra is
missing says which in one line, before it does any work.

Examples
--------
>>> require("redwuye sweep", "core")
Traceback (most recent call last):
...
KeyError: "extra 'core': not one of dashboard, dask, notebooks, discovery"
"""

from __future__ import annotations

from importlib.util import find_spec

__all__ = ["EXTRAS", "MissingExtra", "require"]

#: Each extra of ``pyproject.toml`` and the modules it brings (import names).
EXTRAS: dict[str, tuple[str, ...]] = {
    "dashboard": ("solara", "solara_assets", "ipyvue", "ipyvuetify"),
    "dask": ("dask", "distributed"),
    "notebooks": ("jupyterlab", "papermill", "ipykernel", "neo4j_viz"),
    "discovery": ("ema_workbench",),
}


class MissingExtra(ImportError):
    """A command needs an optional extra that is not installed."""


def require(what: str, extra: str, *modules: str) -> None:
    """Raise :class:`MissingExtra` unless ``modules`` (default: all of the extra's) import.

    Parameters
    ----------
    what : what needs them, as the user named it (``redwuye dashboard``).
    extra : the extra that brings them (a key of :data:`EXTRAS`).
    modules : the modules ``what`` imports, when it needs only some of the extra's.
    """
    if extra not in EXTRAS:
        raise KeyError(f"extra {extra!r}: not one of {', '.join(EXTRAS)}")
    if any(find_spec(module) is None for module in modules or EXTRAS[extra]):
        raise MissingExtra(f"{what} needs the {extra!r} extra: "
                           f"pip install 'redwuye-graph[{extra}]'")
