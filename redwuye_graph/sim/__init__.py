"""Mesa simulation of Red Property linkage policies, from a CityGraph, at city scale.

:class:`CityModel` is the model (vectorised households, or one agent per household with
``reference=True``); :data:`PARAMS` is the parameter registry; :data:`POLICIES` the
registered interventions (subclasses of :class:`Policy`, which see the model through
:class:`ModelView`); :func:`load_scenario` and :func:`run_scenario` read and run
``simulations/*.toml``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from redwuye_graph.sim.params import PARAMS, Param, ParamError, Params

if TYPE_CHECKING:
    from redwuye_graph.sim.model import CityModel
    from redwuye_graph.sim.policies import POLICIES, ModelView, Policy, make_policy

_POLICY_NAMES = ("POLICIES", "ModelView", "Policy", "make_policy")

__all__ = ["PARAMS", "POLICIES", "CityModel", "ModelView", "Param", "ParamError", "Params",
           "Policy", "make_policy"]


def __getattr__(name: str) -> Any:
    """The model and the policies, imported on first use (they need numpy and Mesa; the
    parameter registry alone does not)."""
    if name == "CityModel":
        from redwuye_graph.sim.model import CityModel

        return CityModel
    if name in _POLICY_NAMES:
        from redwuye_graph.sim import policies

        return getattr(policies, name)
    raise AttributeError(f"module 'redwuye_graph.sim' has no attribute {name!r}")
