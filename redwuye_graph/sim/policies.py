"""Policies: registered interventions with a start day, their own parameters and hooks.

A policy is a subclass of :class:`Policy` that sets ``kind``, a one-line ``summary`` and
its parameters ``PARAMS`` (:class:`~redwuye_graph.sim.params.Param` entries, validated
like model parameters); defining the class registers it in :data:`POLICIES`, and
:func:`make_policy` builds one by kind. A policy object holds only its values, so one
can be given to several models; what it does in a run lives in that run's
:class:`RunPolicies`.

The model calls a policy's hooks and shows it the model only through
:class:`ModelView`:

- :meth:`Policy.start` once, on the start day: change the model's copy of the
  organisation graph (posts, committees, co-building; the links are then read again) or
  reschedule an event;
- :meth:`Policy.end` when the policy leaves force (another policy of its kind starts,
  or :meth:`~redwuye_graph.sim.model.CityModel.end_policy`);
- while it is in force, the effect hooks of :data:`EFFECT_HOOKS` that its class
  overrides (the others are never called): company effort, who may win a tender and
  with what weight, company reviews, the interim-management delay. The hooks of the
  policies in force compose in registration order, whatever their start days.

One policy of each kind is in force at a time: a later one takes the earlier one's
place. Each policy draws from its own random stream (:meth:`ModelView.policy_rng`),
keyed by its kind and its occurrence among the run's policies of that kind.

Examples
--------
>>> policy = make_policy("tripartite_meetings", start_day=30, per_month=2)
>>> policy.start_day, policy.values["per_month"]
(30, 2)
>>> make_policy("tripartite_meetings", per_month=9)
Traceback (most recent call last):
...
redwuye_graph.sim.params.ParamError: tripartite_meetings.per_month: 9 is outside [1, 8] (1/month)
>>> sorted(POLICIES["credit_rating"].HOOKS)
['effort', 'review', 'tender_pool', 'tender_weights']
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from redwuye_graph.schema import Label, RelType
from redwuye_graph.sim.params import Param, ParamError, Params

if TYPE_CHECKING:
    from redwuye_graph.citygraph import CityGraph
    from redwuye_graph.sim.agents import Company

__all__ = ["EFFECT_HOOKS", "POLICIES", "START_DAY", "ModelView", "Policy", "RunPolicies",
           "make_policy"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: The start-day parameter every policy has.
START_DAY = Param("start_day", 0, 0, 3650, "day", "Day the policy takes effect.",
                  "scenario choice", integer=True)
#: Hooks the model calls on the policies in force (those a policy class overrides).
EFFECT_HOOKS = ("effort", "tender_pool", "tender_weights", "review", "interim_days")
#: Registered policies by kind, in registration (class definition) order.
POLICIES: dict[str, type[Policy]] = {}


class ModelView(Protocol):
    """What a policy sees of the model (:class:`~redwuye_graph.sim.model.CityModel`).

    Per-estate arrays are in the order of :attr:`estate_ids`.
    """

    @property
    def p(self) -> Params:
        """The model parameters."""
        ...

    @property
    def city(self) -> CityGraph:
        """The model's own copy of the organisation; policies may add to it."""
        ...

    @property
    def estate_ids(self) -> list[str]:
        """Estate ids."""
        ...

    @property
    def community(self) -> npt.NDArray[Any]:
        """Each estate's community id."""
        ...

    @property
    def served(self) -> BoolArray:
        """Estates served by a company now."""
        ...

    @property
    def owners(self) -> BoolArray:
        """Estates with an owners' committee now."""
        ...

    @property
    def response(self) -> IntArray:
        """Each estate's response delay in days; policies may change it in place."""
        ...

    @property
    def links(self) -> pd.DataFrame:
        """Each estate's links (:func:`~redwuye_graph.linkage.estate_linkage`) as last read."""
        ...

    def refresh_links(self) -> None:
        """Read every estate's links again from the (changed) graph."""
        ...

    def refresh_cobuilding(self) -> None:
        """Read the co-building resource hours again from the graph."""
        ...

    def new_serial(self) -> int:
        """A new serial number for a node the model adds to its graph."""
        ...

    def set_meetings(self, per_month: int) -> None:
        """(Re)schedule tripartite meetings ``per_month`` times a month from now."""
        ...

    def policy_rng(self, policy: Policy) -> np.random.Generator:
        """The random stream of ``policy`` in this run."""
        ...


def _share(name: str, meaning: str, default: float = 1.0) -> Param:
    return Param(name, default, 0.0, 1.0, "share", meaning, "policy target; scenario choice")


class Policy:
    """An intervention; subclasses set ``kind``, ``summary``, ``PARAMS`` and their hooks.

    Parameters
    ----------
    start_day : day the policy takes effect.
    **values : the policy's parameters (``PARAMS``); missing ones take their defaults.
    """

    kind: ClassVar[str]
    summary: ClassVar[str]
    PARAMS: ClassVar[dict[str, Param]] = {}
    #: The effect hooks this class overrides (set when the class is defined).
    HOOKS: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.HOOKS = frozenset(h for h in EFFECT_HOOKS
                              if getattr(cls, h) is not getattr(Policy, h))
        if "kind" not in cls.__dict__:
            return
        if cls.kind in POLICIES:
            raise TypeError(f"policy kind {cls.kind!r} is already registered by "
                            f"{POLICIES[cls.kind].__qualname__}")
        if not getattr(cls, "summary", ""):
            raise TypeError(f"policy {cls.kind!r} needs a summary")
        POLICIES[cls.kind] = cls

    def __init__(self, start_day: int = 0, **values: Any):
        where = self.kind
        self.start_day = int(START_DAY.check(start_day, where))
        unknown = sorted(set(values) - set(self.PARAMS))
        if unknown:
            raise ParamError(f"{where}.{unknown[0]}: unknown parameter; known: "
                             f"{', '.join(['start_day', *self.PARAMS])}")
        self.values = {k: spec.check(values.get(k, spec.default), where)
                       for k, spec in self.PARAMS.items()}

    def __repr__(self) -> str:
        values = "".join(f", {k}={v!r}" for k, v in self.values.items())
        return f"make_policy({self.kind!r}, start_day={self.start_day}{values})"

    # -- lifecycle ------------------------------------------------------------------------
    def start(self, model: ModelView) -> None:
        """Take effect on the start day (by default nothing beyond the effect hooks)."""

    def end(self, model: ModelView) -> None:
        """Leave force (by default nothing: the effect hooks are no longer called)."""

    # -- effect hooks, called while in force when the class overrides them -----------------
    def effort(self, model: ModelView, effort: FloatArray) -> FloatArray:
        """Per-estate company effort multiplier, given the one before this policy."""
        return effort

    def tender_pool(self, model: ModelView, firms: list[Company]) -> list[Company]:
        """The companies that may win a tender, from those given."""
        return firms

    def tender_weights(self, model: ModelView, firms: list[Company],
                       weight: FloatArray) -> FloatArray:
        """Log-weights of ``firms`` in a tender, given the ones before this policy."""
        return weight

    def review(self, model: ModelView, firm: Company, score: float, rank: float) -> None:
        """Act on one company's review: ``score`` in [0, 1], ``rank`` its quantile."""

    def interim_days(self, model: ModelView, days: int) -> int:
        """Days from a company's exit to interim management, given the days before."""
        return days


class RunPolicies:
    """The policies of one model run: their random streams, which are in force, hooks.

    Each policy draws from its own stream, keyed by its kind and its occurrence among the
    run's policies of that kind (the first ``cross_appointment``, the second, ...): adding,
    removing or moving a policy leaves the draws of the policies of other kinds as they
    were, and those of earlier policies of its own kind.

    Parameters
    ----------
    seed : the run's policy seed, parent of the policies' streams.
    """

    def __init__(self, seed: np.random.SeedSequence):
        self._seed = seed
        self._rngs: dict[int, np.random.Generator] = {}
        #: Every policy added, in the order added.
        self.added: list[Policy] = []
        #: The policy in force of each kind.
        self.in_force: dict[str, Policy] = {}
        self._hooks: dict[str, list[Policy]] = {h: [] for h in EFFECT_HOOKS}
        self._starters: list[Callable[[], None]] = []

    def add(self, policy: Policy, model: ModelView) -> Callable[[], None]:
        """Take ``policy`` into the run; the call that starts it in ``model``.

        The call is kept here: Mesa's events hold their function weakly.
        """
        if any(p is policy for p in self.added):
            raise ValueError(f"{policy!r} is already in this run")
        occurrence = sum(p.kind == policy.kind for p in self.added)
        key = (*self._seed.spawn_key, zlib.crc32(policy.kind.encode()), occurrence)
        self._rngs[id(policy)] = np.random.default_rng(
            np.random.SeedSequence(self._seed.entropy, spawn_key=key))
        self.added.append(policy)
        starter = partial(self.start, policy, model)
        self._starters.append(starter)
        return starter

    def rng(self, policy: Policy) -> np.random.Generator:
        """The random stream of ``policy``."""
        return self._rngs[id(policy)]

    def start(self, policy: Policy, model: ModelView) -> None:
        """Start ``policy``: it takes the place of the one of its kind in force."""
        self.end(policy.kind, model)
        self.in_force[policy.kind] = policy
        self._sort_hooks()
        policy.start(model)

    def end(self, kind: str, model: ModelView) -> bool:
        """End the policy of ``kind`` in force, if any; whether there was one."""
        policy = self.in_force.pop(kind, None)
        if policy is None:
            return False
        self._sort_hooks()
        policy.end(model)
        return True

    def _sort_hooks(self) -> None:
        order = [self.in_force[k] for k in POLICIES if k in self.in_force]
        self._hooks = {h: [p for p in order if h in p.HOOKS] for h in EFFECT_HOOKS}

    def hooked(self, hook: str) -> list[Policy]:
        """The policies in force that override ``hook``, in registration order."""
        return self._hooks[hook]


def _pick(rng: np.random.Generator, eligible: np.ndarray, has: np.ndarray,
          target: float) -> list[int]:
    """Estates (indices) to add a link to so that ``target`` of ``eligible`` have it."""
    need = math.ceil(target * int(eligible.sum()) - 1e-9) - int((eligible & has).sum())
    lacking = np.flatnonzero(eligible & ~has)
    if need <= 0 or not len(lacking):
        return []
    return sorted(int(i) for i in rng.choice(lacking, min(need, len(lacking)), replace=False))


def _people(city: CityGraph, body: str | None, role: str | None = None) -> list[str]:
    """Members of ``body`` (with ``role``) in id order; none when there is no body (a
    roster may lack a committee: the post is then not filled)."""
    return sorted(city.members(body, role)) if body is not None else []


def _new_person(model: ModelView, party_member: bool) -> str:
    serial = model.new_serial()
    person = f"PSIM{serial:07d}"
    model.city.add_node(Label.PERSON, person, name=f"appointee {serial}",
                        party_member=party_member)
    return person


class CrossAppointment(Policy):
    """Two-way entry, cross-appointment: raise each role's coverage to a target share."""

    kind = "cross_appointment"
    summary = "双向进入、交叉任职: owners' committees and each cross-appointed post"
    PARAMS: ClassVar[dict[str, Param]] = {p.name: p for p in (
        _share("owners_committee", "Managed estates with an owners' committee."),
        _share("community_member_on_owners_committee",
               "Owners' committees with a community two-committee member."),
        _share("secretary_instructor",
               "Projects whose instructor is the community party secretary."),
        _share("quality_supervisor", "Projects with a community quality supervisor."),
        _share("head_on_regional_committee",
               "Served estates whose company head sits on the regional party committee."),
        _share("owners_on_regional_committee",
               "Owners' committees with a member on the regional party committee."),
    )}

    def start(self, model: ModelView) -> None:
        """Add committees and posts in the graph until each target share is met."""
        rng, city, v = model.policy_rng(self), model.city, self.values
        for e in _pick(rng, model.served, model.owners, v["owners_committee"]):
            estate = model.estate_ids[e]
            oc = f"OSIM{model.new_serial():06d}"
            city.add_node(Label.OWNERS_COMMITTEE, oc, name=f"{estate} owners' committee")
            city.add_rel(RelType.COMMITTEE_OF, oc, estate)
            for role in ("chair", "vice_chair", "member", "member", "member"):
                city.add_rel(RelType.MEMBER_OF, _new_person(model, False), oc, role=role)
        model.refresh_links()
        links = model.links
        col = {c: links[c].to_numpy(bool) for c in links.columns if links[c].dtype == bool}
        for e in _pick(rng, col["has_owners_committee"],
                       col["community_member_on_owners_committee"],
                       v["community_member_on_owners_committee"]):
            who = _people(city, city.committee(model.community[e], Label.RESIDENTS_COMMITTEE))
            if who:
                city.add_rel(RelType.MEMBER_OF, who[int(rng.integers(len(who)))],
                             links["owners_committee"].iloc[e], role="member")
        for e in _pick(rng, col["has_company"], col["secretary_instructor"],
                       v["secretary_instructor"]):
            orgs = sorted(city.into(model.community[e], RelType.PARTY_ORG_OF))
            secretaries = _people(city, orgs[0] if orgs else None, "secretary")
            if secretaries:
                city.add_rel(RelType.INSTRUCTOR_OF, secretaries[0], links["project"].iloc[e])
        for e in _pick(rng, col["has_company"], col["quality_supervisor"],
                       v["quality_supervisor"]):
            who = _people(city, city.committee(model.community[e], Label.RESIDENTS_COMMITTEE))
            if who:
                city.add_rel(RelType.QUALITY_SUPERVISOR_OF, who[int(rng.integers(len(who)))],
                             links["project"].iloc[e])
        for e in _pick(rng, col["has_company"], col["head_on_regional_committee"],
                       v["head_on_regional_committee"]):
            rpc = city.committee(model.community[e], Label.REGIONAL_PARTY_COMMITTEE)
            for head in _people(city, links["company"].iloc[e], "head"):
                if rpc is not None:
                    city.add_rel(RelType.MEMBER_OF, head, rpc, role="member")
        for e in _pick(rng, col["has_owners_committee"], col["owners_on_regional_committee"],
                       v["owners_on_regional_committee"]):
            rpc = city.committee(model.community[e], Label.REGIONAL_PARTY_COMMITTEE)
            who = _people(city, links["owners_committee"].iloc[e])
            if rpc and who:
                city.add_rel(RelType.MEMBER_OF, who[int(rng.integers(len(who)))], rpc,
                             role="member")
        model.refresh_links()


class TripartiteMeetings(Policy):
    """More frequent tripartite meetings at tripartite estates."""

    kind = "tripartite_meetings"
    summary = "三方联动: joint meetings of residents', owners' committee and company"
    PARAMS: ClassVar[dict[str, Param]] = {"per_month": Param(
        "per_month", 2, 1, 8, "1/month", "Meetings per month.", "scenario choice",
        integer=True)}

    def start(self, model: ModelView) -> None:
        """Reschedule the meetings."""
        model.set_meetings(int(self.values["per_month"]))

    def end(self, model: ModelView) -> None:
        """Meetings as often as the model parameter says again."""
        model.set_meetings(model.p.meetings_per_month)


class Instructors(Policy):
    """Party-building instructors for companies with no party organisation."""

    kind = "instructors"
    summary = "党建指导员 for companies without a party organisation"
    PARAMS: ClassVar[dict[str, Param]] = {"share": _share(
        "share", "Companies without party organisation or instructor that get an instructor.")}

    def start(self, model: ModelView) -> None:
        """Appoint instructors in the graph."""
        firms = model.links.dropna(subset=["company"]).drop_duplicates("company")
        lacking = sorted(firms.loc[~firms["company_party_org"] & ~firms["company_instructor"],
                                   "company"])
        rng = model.policy_rng(self)
        count = math.ceil(self.values["share"] * len(lacking) - 1e-9)
        for i in sorted(rng.choice(len(lacking), count, replace=False)) if count else []:
            model.city.add_rel(RelType.INSTRUCTOR_OF, _new_person(model, True), lacking[int(i)])
        model.refresh_links()


class CreditRating(Policy):
    """Credit rating with blacklist: reviews re-grade companies; grades steer tenders."""

    kind = "credit_rating"
    summary = "信用评价、黑名单: reviews, grades in tenders, blacklisted firms excluded"

    def effort(self, model: ModelView, effort: FloatArray) -> FloatArray:
        """Companies work harder with their grade at stake (``credit_effort``)."""
        return effort * (1.0 + model.p.credit_effort)

    def tender_pool(self, model: ModelView, firms: list[Company]) -> list[Company]:
        """Blacklisted companies cannot win tenders."""
        return [c for c in firms if not c.blacklisted]

    def tender_weights(self, model: ModelView, firms: list[Company],
                       weight: FloatArray) -> FloatArray:
        """Each grade step adds ``tender_credit`` to a company's log-weight."""
        return weight + model.p.tender_credit * np.array([c.grade for c in firms])

    def review(self, model: ModelView, firm: Company, score: float, rank: float) -> None:
        """Grade up at a score of 0.8, down below 0.5; blacklist grade C below
        ``blacklist_score``."""
        if score >= 0.8:
            firm.grade = min(firm.grade + 1, 4)
        elif score < 0.5:
            firm.grade = max(firm.grade - 1, 0)
        if firm.grade == 0 and score < model.p.blacklist_score:
            firm.blacklisted = True


class StarRating(Policy):
    """Star rating of companies: reviews award stars; stars steer tenders."""

    kind = "star_rating"
    summary = "星级物业服务企业: stars at reviews, stars in tenders"

    def effort(self, model: ModelView, effort: FloatArray) -> FloatArray:
        """Companies work harder for their stars (``star_effort``)."""
        return effort * (1.0 + model.p.star_effort)

    def tender_weights(self, model: ModelView, firms: list[Company],
                       weight: FloatArray) -> FloatArray:
        """Each star adds ``tender_star`` to a company's log-weight."""
        return weight + model.p.tender_star * np.array([c.stars for c in firms])

    def review(self, model: ModelView, firm: Company, score: float, rank: float) -> None:
        """A star for the top fifth of companies, one less for the bottom fifth."""
        if rank >= 0.8:
            firm.stars = min(firm.stars + 1, 5)
        elif rank < 0.2:
            firm.stars = max(firm.stars - 1, 0)


class ServicePoints(Policy):
    """On-site service points (the "5-minute home life circle"): faster response."""

    kind = "service_points"
    summary = "5分钟家居生活圈: on-site service points shorten response"
    PARAMS: ClassVar[dict[str, Param]] = {p.name: p for p in (
        _share("share", "Estates that get a service point."),
        Param("response_days", 0, 0, 30, "days", "Response delay with a service point.",
              "scenario choice", integer=True),
    )}

    def start(self, model: ModelView) -> None:
        """Shorten the response delay at the chosen estates."""
        n = len(model.estate_ids)
        chosen = _pick(model.policy_rng(self), np.ones(n, bool), np.zeros(n, bool),
                       self.values["share"])
        model.response[chosen] = int(self.values["response_days"])


class CoBuilding(Policy):
    """Co-building with resident units: their resource hours add capacity."""

    kind = "co_building"
    summary = "共驻共建: resident units join with resource lists"
    PARAMS: ClassVar[dict[str, Param]] = {p.name: p for p in (
        _share("share", "Resident units not yet co-building that join."),
        Param("hours", 100, 0, 1000, "hours/month", "Resource hours a joining unit offers.",
              "generator range 10-200; scenario choice", integer=True),
    )}

    def start(self, model: ModelView) -> None:
        """Add co-building relationships in the graph."""
        city = model.city
        units = sorted(u for u, _, _ in city.nodes(Label.RESIDENT_UNIT)
                       if not city.out(u, RelType.CO_BUILDS_WITH))
        count = math.ceil(self.values["share"] * len(units) - 1e-9)
        rng = model.policy_rng(self)
        for i in sorted(rng.choice(len(units), count, replace=False)) if count else []:
            unit = units[int(i)]
            city.add_rel(RelType.CO_BUILDS_WITH, unit, city.out(unit, RelType.IN_COMMUNITY)[0],
                         resource_hours=int(self.values["hours"]))
        model.refresh_cobuilding()


class InterimManagement(Policy):
    """Faster interim management of vacuum estates by the street or community."""

    kind = "interim_management"
    summary = "物业管理真空: street/community step in sooner"
    PARAMS: ClassVar[dict[str, Param]] = {"days": Param(
        "days", 7, 0, 720, "days", "Days from exit to interim management.", "scenario choice",
        integer=True)}

    def interim_days(self, model: ModelView, days: int) -> int:
        """The policy's delay instead of ``interim_days``."""
        return int(self.values["days"])


def make_policy(kind: str, **values: Any) -> Policy:
    """A registered policy by kind, with validated parameters (and ``start_day``).

    Parameters
    ----------
    kind : a key of :data:`POLICIES`.
    **values : ``start_day`` and the policy's parameters.

    Returns
    -------
    Policy
        A new policy, not yet in any model.
    """
    if kind not in POLICIES:
        raise ParamError(f"policy.kind: unknown policy {kind!r}; known: "
                         f"{', '.join(POLICIES)}")
    return POLICIES[kind](**values)
