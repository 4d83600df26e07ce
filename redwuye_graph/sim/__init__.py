"""Mesa simulation of Red Property linkage policies, from a CityGraph, at city scale.

:class:`CityModel` is the model (vectorised households, or one agent per household with
``reference=True``); :data:`PARAMS` is the parameter registry; :data:`POLICIES` the
registered interventions (subclasses of :class:`Policy`, which see the model through
:class:`ModelView`); :func:`load_scenario` and :func:`run_scenario` read and run
``simulations/*.toml``.
"""

from redwuye_graph.sim.model import CityModel
from redwuye_graph.sim.params import PARAMS, Param, ParamError, Params
from redwuye_graph.sim.policies import POLICIES, ModelView, Policy, make_policy

__all__ = ["PARAMS", "POLICIES", "CityModel", "ModelView", "Param", "ParamError", "Params",
           "Policy", "make_policy"]
