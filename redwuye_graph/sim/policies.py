"""Policies: registered interventions over time, with their own parameters and hooks.

A policy is a subclass of :class:`Policy` that sets ``kind``, a one-line ``summary`` and
its parameters ``PARAMS`` (:class:`~redwuye_graph.sim.params.Param` entries, validated
like model parameters); defining the class registers it in :data:`POLICIES`, and
:func:`make_policy` builds one by kind. A policy object holds only its values, so one
can be given to several models; what it does in a run lives in that run's
:class:`RunPolicies`.

The model calls a policy's hooks and shows it the model only through
:class:`ModelView`:

- :meth:`Policy.start` on the start day with the share of its target reached
  (``reach``), and again at each step of its roll-out: change the model's copy of the
  organisation graph (posts, committees, co-building; the links are then read again) or
  reschedule an event; it returns how many things it acted on (a policy that finds
  nothing to act on says so in the run log, :attr:`RunPolicies.log`);
- :meth:`Policy.end` when the policy leaves force: its end day (withdrawal), another
  policy of its kind starting, or :meth:`~redwuye_graph.sim.model.CityModel.end_policy`;
  a withdrawn policy takes back the posts, committees and links it added;
- while it is in force, the effect hooks of :data:`EFFECT_HOOKS` that its class
  overrides (the others are never called): company effort, who may win a tender and
  with what weight, company reviews, the interim-management delay, the posts of a
  project a tender creates. The hooks of the
  policies in force compose in registration order, whatever their start days.

Every policy has the same three timing parameters (:data:`TIMING`): ``start_day``,
``end_day`` (optional: withdrawn that day) and ``rollout_days`` (the target share is
reached in monthly steps over that many days: step ``i`` of ``n = ceil(rollout_days /
30)`` on day ``start_day + 30 i`` reaches ``(i + 1) / n`` of it). What a share reached
means is each policy's own: the share of its target posts, service points or co-building
units, of the companies rated, or the way from the old to the new meeting frequency or
interim delay.

One policy of each kind is in force at a time: a later one takes the earlier one's
place. Each policy draws from its own random stream (:meth:`ModelView.policy_rng`),
keyed by its kind and its occurrence among the run's policies of that kind.

Examples
--------
>>> policy = make_policy("tripartite_meetings", start_day=30, per_month=2)
>>> policy.start_day, policy.values["per_month"]
(30, 2)
>>> make_policy("credit_rating", start_day=30, end_day=20)
Traceback (most recent call last):
...
redwuye_graph.sim.params.ParamError: credit_rating.end_day: 20 must come after start_day 30
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

__all__ = ["EFFECT_HOOKS", "POLICIES", "PROJECT_POSTS", "START_DAY", "TIMING", "ModelView",
           "Policy", "RunPolicies", "furnish_project", "make_policy", "rollout_steps"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: The start-day parameter every policy has.
START_DAY = Param("start_day", 0, 0, 3650, "day", "Day the policy takes effect.",
                  "scenario choice", integer=True)
#: The timing parameters every policy has (``end_day`` is optional: no end when omitted).
TIMING: dict[str, Param] = {p.name: p for p in (
    START_DAY,
    Param("end_day", 3650, 1, 3650, "day", "Day the policy is withdrawn (optional; after "
          "start_day).", "scenario choice", integer=True),
    Param("rollout_days", 0, 0, 3650, "days", "Days over which the target share is reached, "
          "in monthly steps (0: all on the start day).", "scenario choice", integer=True),
)}
#: Days between the steps of a roll-out.
ROLLOUT_STEP_DAYS = 30
#: Posts a newly tendered project (or newly managed estate) can get from the policies in
#: force: the linkage columns of :data:`~redwuye_graph.linkage.LINKAGE_COLUMNS` they set.
PROJECT_POSTS = ("owners_committee", "community_member_on_owners_committee",
                 "secretary_instructor", "quality_supervisor", "head_on_regional_committee",
                 "owners_on_regional_committee")
#: The linkage column that shows each of :data:`PROJECT_POSTS`.
_POST_COLUMN = {"owners_committee": "has_owners_committee"}
#: Hooks the model calls on the policies in force (those a policy class overrides).
EFFECT_HOOKS = ("effort", "tender_pool", "tender_weights", "review", "interim_days",
                "new_project")
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
    def time(self) -> float:
        """The model's day."""
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

    def policy_state(self, policy: Policy) -> dict[str, Any]:
        """What ``policy`` keeps in this run while in force (fresh at each start)."""
        ...

    @property
    def post_shares(self) -> dict[str, float]:
        """Share of new projects that get each post of :data:`PROJECT_POSTS` from the
        city's own practice (its day-0 coverage); policies add theirs (``new_project``)."""
        ...

    @property
    def companies(self) -> dict[str, Company]:
        """The companies by id."""
        ...

    def per_estate(self, by_company: dict[str, float]) -> FloatArray:
        """Each estate's value of its serving company in ``by_company`` (0 if none)."""
        ...

    @property
    def links_tripartite(self) -> BoolArray:
        """Estates with tripartite linkage now."""
        ...

    @property
    def firm_version(self) -> int:
        """A number that changes whenever the estates' companies or the companies'
        standing (reviews) change."""
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
    #: What the policy acts on, for the run log when there is nothing.
    acts_on: ClassVar[str] = "estates"
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

    def __init__(self, start_day: int = 0, end_day: int | None = None,
                 rollout_days: int = 0, **values: Any):
        where = self.kind
        self.start_day = int(START_DAY.check(start_day, where))
        self.end_day = None if end_day is None else int(TIMING["end_day"].check(end_day, where))
        if self.end_day is not None and self.end_day <= self.start_day:
            raise ParamError(f"{where}.end_day: {self.end_day} must come after start_day "
                             f"{self.start_day}")
        self.rollout_days = int(TIMING["rollout_days"].check(rollout_days, where))
        unknown = sorted(set(values) - set(self.PARAMS))
        if unknown:
            raise ParamError(f"{where}.{unknown[0]}: unknown parameter; known: "
                             f"{', '.join([*TIMING, *self.PARAMS])}")
        self.values = {k: spec.check(values.get(k, spec.default), where)
                       for k, spec in self.PARAMS.items()}

    def __repr__(self) -> str:
        timing = "".join(f", {k}={v!r}" for k, v in self.timing().items() if k != "start_day")
        values = "".join(f", {k}={v!r}" for k, v in self.values.items())
        return f"make_policy({self.kind!r}, start_day={self.start_day}{timing}{values})"

    def timing(self) -> dict[str, int]:
        """``start_day`` and, where set, ``end_day`` and ``rollout_days``."""
        out = {"start_day": self.start_day}
        if self.end_day is not None:
            out["end_day"] = self.end_day
        if self.rollout_days:
            out["rollout_days"] = self.rollout_days
        return out

    # -- lifecycle ------------------------------------------------------------------------
    def start(self, model: ModelView, reach: float = 1.0) -> int:
        """Take effect with ``reach`` (0-1] of the target reached (called on the start day
        and at each roll-out step, with growing reach); how many things it acted on. By
        default nothing beyond the effect hooks (acts on every estate)."""
        return len(model.estate_ids)

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

    def new_project(self, model: ModelView, estate: int) -> list[str]:
        """Give the project a tender just created at ``estate`` the posts this policy
        gives; the posts filled."""
        return []


def rollout_steps(policy: Policy) -> list[tuple[int, float]]:
    """The days of ``policy``'s roll-out steps and the share of its target each reaches
    (one step, the start day, without a roll-out); steps on or after the end day drop."""
    n = max(1, math.ceil(policy.rollout_days / ROLLOUT_STEP_DAYS))
    steps = [(policy.start_day + ROLLOUT_STEP_DAYS * i, (i + 1) / n) for i in range(n)]
    return [s for s in steps if policy.end_day is None or s[0] < policy.end_day]


class RunPolicies:
    """The policies of one model run: their random streams, which are in force, hooks,
    their state and the run log.

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
        self._state: dict[int, dict[str, Any]] = {}
        #: Every policy added, in the order added.
        self.added: list[Policy] = []
        #: The policy in force of each kind.
        self.in_force: dict[str, Policy] = {}
        #: The run log: (day, policy kind, message), e.g. a policy with nothing to act on.
        self.log: list[tuple[int, str, str]] = []
        self._hooks: dict[str, list[Policy]] = {h: [] for h in EFFECT_HOOKS}
        self._events: list[Callable[[], None]] = []

    def add(self, policy: Policy, model: ModelView) -> list[tuple[int, Callable[[], None]]]:
        """Take ``policy`` into the run; the calls that start, roll out and end it in
        ``model``, each with its day, in order.

        The calls are kept here: Mesa's events hold their function weakly.
        """
        if any(p is policy for p in self.added):
            raise ValueError(f"{policy!r} is already in this run")
        occurrence = sum(p.kind == policy.kind for p in self.added)
        key = (*self._seed.spawn_key, zlib.crc32(policy.kind.encode()), occurrence)
        self._rngs[id(policy)] = np.random.default_rng(
            np.random.SeedSequence(self._seed.entropy, spawn_key=key))
        self.added.append(policy)
        events: list[tuple[int, Callable[[], None]]] = [
            (day, partial(self.start, policy, model, reach))
            for day, reach in rollout_steps(policy)]
        if policy.end_day is not None:
            events.append((policy.end_day, partial(self.withdraw, policy, model)))
        self._events.extend(call for _, call in events)
        return events

    def rng(self, policy: Policy) -> np.random.Generator:
        """The random stream of ``policy``."""
        return self._rngs[id(policy)]

    def state(self, policy: Policy) -> dict[str, Any]:
        """What ``policy`` keeps in this run while in force."""
        return self._state.setdefault(id(policy), {})

    def start(self, policy: Policy, model: ModelView, reach: float = 1.0) -> None:
        """Start ``policy`` (it takes the place of the one of its kind in force), or take
        its roll-out to ``reach``; a step of a policy no longer in force does nothing."""
        if self.in_force.get(policy.kind) is not policy:
            if reach != rollout_steps(policy)[0][1]:
                return  # ended or replaced before this step of its roll-out
            self.end(policy.kind, model)
            self.in_force[policy.kind] = policy
            self._state[id(policy)] = {"acted": 0}
            self._sort_hooks()
        state = self._state[id(policy)]
        state["acted"] += int(policy.start(model, reach))
        if reach >= 1.0 and not state["acted"]:
            self.log.append((round(model.time), policy.kind,
                             f"nothing to act on: {policy.acts_on} (already met or none)"))

    def withdraw(self, policy: Policy, model: ModelView) -> None:
        """End ``policy`` on its end day if it is still in force."""
        if self.in_force.get(policy.kind) is policy:
            self.end(policy.kind, model)
            self.log.append((round(model.time), policy.kind, "withdrawn"))

    def end(self, kind: str, model: ModelView) -> bool:
        """End the policy of ``kind`` in force, if any; whether there was one."""
        policy = self.in_force.pop(kind, None)
        if policy is None:
            return False
        self._sort_hooks()
        policy.end(model)
        self._state.pop(id(policy), None)
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


def _new_person(model: ModelView, party_member: bool, added: list[Any] | None = None) -> str:
    serial = model.new_serial()
    person = f"PSIM{serial:07d}"
    model.city.add_node(Label.PERSON, person, name=f"appointee {serial}",
                        party_member=party_member)
    if added is not None:
        added.append(person)
    return person


def _link(city: CityGraph, added: list[Any] | None, rel: RelType, start: str, end: str,
          **props: Any) -> None:
    """Add a relationship (noted in ``added`` when it is new, so a withdrawal can take it
    back)."""
    if added is not None and not city.graph.has_edge(start, end, key=rel):
        added.append((start, end, rel))
    city.add_rel(rel, start, end, **props)


def _take_back(city: CityGraph, added: list[Any]) -> int:
    """Remove the nodes and relationships in ``added`` still in ``city``; how many."""
    gone = 0
    for item in reversed(added):
        if isinstance(item, tuple):
            if city.graph.has_edge(item[0], item[1], key=item[2]):
                city.graph.remove_edge(item[0], item[1], key=item[2])
                gone += 1
        elif item in city:
            city.graph.remove_node(item)
            gone += 1
    added.clear()
    return gone


def _owners_committee(model: ModelView, e: int, added: list[Any] | None) -> str:
    estate = model.estate_ids[e]
    oc = f"OSIM{model.new_serial():06d}"
    model.city.add_node(Label.OWNERS_COMMITTEE, oc, name=f"{estate} owners' committee")
    if added is not None:
        added.append(oc)
    model.city.add_rel(RelType.COMMITTEE_OF, oc, estate)
    for role in ("chair", "vice_chair", "member", "member", "member"):
        model.city.add_rel(RelType.MEMBER_OF, _new_person(model, False, added), oc, role=role)
    return oc


def _appoint(model: ModelView, post: str, e: int, row: dict[str, Any],
             rng: np.random.Generator, added: list[Any] | None) -> None:
    """Fill ``post`` (a :data:`PROJECT_POSTS` entry other than the owners' committee) at
    estate ``e`` whose links are ``row``; a post whose body is missing stays unfilled."""
    city, comm = model.city, model.community[e]
    if post == "community_member_on_owners_committee":
        who = _people(city, city.committee(comm, Label.RESIDENTS_COMMITTEE))
        if who and row["owners_committee"] is not None:
            _link(city, added, RelType.MEMBER_OF, who[int(rng.integers(len(who)))],
                  row["owners_committee"], role="member")
    elif post == "secretary_instructor":
        orgs = sorted(city.into(comm, RelType.PARTY_ORG_OF))
        secretaries = _people(city, orgs[0] if orgs else None, "secretary")
        if secretaries and row["project"] is not None:
            _link(city, added, RelType.INSTRUCTOR_OF, secretaries[0], row["project"])
    elif post == "quality_supervisor":
        who = _people(city, city.committee(comm, Label.RESIDENTS_COMMITTEE))
        if who and row["project"] is not None:
            _link(city, added, RelType.QUALITY_SUPERVISOR_OF,
                  who[int(rng.integers(len(who)))], row["project"])
    elif post == "head_on_regional_committee":
        rpc = city.committee(comm, Label.REGIONAL_PARTY_COMMITTEE)
        for head in _people(city, row["company"], "head"):
            if rpc is not None:
                _link(city, added, RelType.MEMBER_OF, head, rpc, role="member")
    elif post == "owners_on_regional_committee":
        rpc = city.committee(comm, Label.REGIONAL_PARTY_COMMITTEE)
        who = _people(city, row["owners_committee"])
        if rpc and who:
            _link(city, added, RelType.MEMBER_OF, who[int(rng.integers(len(who)))], rpc,
                  role="member")


def furnish_project(model: ModelView, e: int, shares: dict[str, float],
                    rng: np.random.Generator, added: list[Any] | None = None) -> list[str]:
    """Give estate ``e``'s new project (after a tender) each post of
    :data:`PROJECT_POSTS` it lacks with chance ``shares[post]`` (an owners' committee only
    where the estate has none); the posts filled (noted in ``added``)."""
    from redwuye_graph.linkage import estate_rows

    filled = []
    row = estate_rows(model.city, [model.estate_ids[e]])[0]
    for post in PROJECT_POSTS:
        has = row[_POST_COLUMN.get(post, post)]
        if has or rng.random() >= shares.get(post, 0.0):
            continue
        if post == "owners_committee":
            row["owners_committee"] = _owners_committee(model, e, added)
        else:
            _appoint(model, post, e, row, rng, added)
        filled.append(post)
    return filled


class CrossAppointment(Policy):
    """Two-way entry, cross-appointment: raise each role's coverage to a target share."""

    kind = "cross_appointment"
    summary = "双向进入、交叉任职: owners' committees and each cross-appointed post"
    acts_on = "estates lacking a targeted post"
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

    def start(self, model: ModelView, reach: float = 1.0) -> int:
        """Add committees and posts in the graph until ``reach`` of each target share is
        met."""
        rng, v = model.policy_rng(self), self.values
        state = model.policy_state(self)
        added: list[Any] = state.setdefault("added", [])
        state["reach"] = reach
        done = 0
        for e in _pick(rng, model.served, model.owners, v["owners_committee"] * reach):
            _owners_committee(model, e, added)
            done += 1
        model.refresh_links()
        links = model.links
        col = {c: links[c].to_numpy(bool) for c in links.columns if links[c].dtype == bool}
        eligible = {"community_member_on_owners_committee": "has_owners_committee",
                    "secretary_instructor": "has_company", "quality_supervisor": "has_company",
                    "head_on_regional_committee": "has_company",
                    "owners_on_regional_committee": "has_owners_committee"}
        rows = links[["owners_committee", "project", "company"]]
        for post, among in eligible.items():
            for e in _pick(rng, col[among], col[post], v[post] * reach):
                row = {str(k): (x if isinstance(x, str) else None)
                       for k, x in rows.iloc[e].items()}
                _appoint(model, post, e, row, rng, added)
                done += 1
        model.refresh_links()
        return done

    def new_project(self, model: ModelView, estate: int) -> list[str]:
        """Top a new project's posts up to the targets reached: a post the city's own
        practice (:attr:`ModelView.post_shares`, share ``c``) did not give comes with
        chance (target − c) / (1 − c), so each post's chance is the larger of the two."""
        state = model.policy_state(self)
        reach = float(state.get("reach", 1.0))
        shares = {}
        for post in PROJECT_POSTS:
            c = model.post_shares.get(post, 0.0)
            target = self.values[post] * reach
            shares[post] = (target - c) / (1.0 - c) if target > c else 0.0
        return furnish_project(model, estate, shares, model.policy_rng(self),
                               state.setdefault("added", []))

    def end(self, model: ModelView) -> None:
        """Take back the committees and posts it added (new projects' included)."""
        _take_back(model.city, model.policy_state(self).get("added", []))
        model.refresh_links()


class TripartiteMeetings(Policy):
    """More frequent tripartite meetings at tripartite estates."""

    kind = "tripartite_meetings"
    summary = "三方联动: joint meetings of residents', owners' committee and company"
    acts_on = "estates with tripartite linkage"
    PARAMS: ClassVar[dict[str, Param]] = {"per_month": Param(
        "per_month", 2, 1, 8, "1/month", "Meetings per month.", "scenario choice",
        integer=True)}

    def start(self, model: ModelView, reach: float = 1.0) -> int:
        """Reschedule the meetings (a roll-out moves from the model's frequency to the
        policy's in steps); the tripartite estates they reach."""
        base = model.p.meetings_per_month
        model.set_meetings(round(base + (int(self.values["per_month"]) - base) * reach))
        return int(model.links_tripartite.sum())

    def end(self, model: ModelView) -> None:
        """Meetings as often as the model parameter says again."""
        model.set_meetings(model.p.meetings_per_month)


class Instructors(Policy):
    """Party-building instructors for companies with no party organisation."""

    kind = "instructors"
    summary = "党建指导员 for companies without a party organisation"
    acts_on = "companies without party organisation or instructor"
    PARAMS: ClassVar[dict[str, Param]] = {"share": _share(
        "share", "Companies without party organisation or instructor that get an instructor.")}

    def start(self, model: ModelView, reach: float = 1.0) -> int:
        """Appoint instructors in the graph (``reach`` of the share on this step)."""
        state = model.policy_state(self)
        if "lacking" not in state:
            firms = model.links.dropna(subset=["company"]).drop_duplicates("company")
            lacking = sorted(firms.loc[~firms["company_party_org"]
                                       & ~firms["company_instructor"], "company"])
            order = model.policy_rng(self).permutation(len(lacking))
            state.update(lacking=[lacking[int(i)] for i in order], done=0, added=[])
        count = math.ceil(self.values["share"] * reach * len(state["lacking"]) - 1e-9)
        for firm in state["lacking"][state["done"]:count]:
            if firm in model.city:
                model.city.add_rel(RelType.INSTRUCTOR_OF,
                                   _new_person(model, True, state["added"]), firm)
        done = max(count - int(state["done"]), 0)
        state["done"] = max(count, state["done"])
        model.refresh_links()
        return done

    def end(self, model: ModelView) -> None:
        """The instructors it appointed leave."""
        _take_back(model.city, model.policy_state(self).get("added", []))
        model.refresh_links()


def _covered(model: ModelView, policy: Policy, reach: float) -> int:
    """Cover ``reach`` of the companies (in a random order of the policy's stream, kept
    across roll-out steps); how many newly covered."""
    state = model.policy_state(policy)
    if "order" not in state:
        firms = sorted(c for c, firm in model.companies.items() if firm.estates)
        state["order"] = [firms[int(i)] for i in model.policy_rng(policy).permutation(len(firms))]
        state["covered"] = set()
    count = math.ceil(reach * len(state["order"]) - 1e-9)
    new = set(state["order"][:count]) - state["covered"]
    state["covered"] |= new
    state.pop("stake", None)
    return len(new)


def _near(x: float, at: float, width: float) -> float:
    """How near ``x`` is to a threshold ``at`` (1 on it, falling off over ``width``)."""
    return math.exp(-0.5 * ((x - at) / width) ** 2)


def _stake_effort(model: ModelView, policy: Policy, stake: Callable[[Company], float],
                  scale: float, effort: FloatArray) -> FloatArray:
    """``effort`` × (1 + ``scale`` × the serving company's stake), for covered companies;
    the per-estate stakes are kept until the links or the companies' standing change."""
    state = model.policy_state(policy)
    key = model.firm_version
    if state.get("stake_key") != key or "stake" not in state:
        covered = state["covered"]
        state["stake"] = model.per_estate({c: min(stake(firm), 1.0)
                                           for c, firm in model.companies.items()
                                           if c in covered})
        state["stake_key"] = key
    stakes: FloatArray = state["stake"]
    return effort * (1.0 + scale * stakes)


class CreditRating(Policy):
    """Credit rating with blacklist: reviews re-grade companies; grades steer tenders."""

    kind = "credit_rating"
    summary = "信用评价、黑名单: reviews, grades in tenders, blacklisted firms excluded"
    acts_on = "companies serving estates"

    def start(self, model: ModelView, reach: float = 1.0) -> int:
        """Rate ``reach`` of the companies; how many newly rated."""
        return _covered(model, self, reach)

    def stake(self, model: ModelView, firm: Company) -> float:
        """What a company stands to win or lose at its next review: a grade step up (near
        the 0.8 score) or down (near 0.5), each worth ``tender_credit`` of tender weight,
        and at grade C the blacklist (near ``blacklist_score``, worth ``stake_blacklist``);
        nothing for a blacklisted company. Nearness falls off over ``stake_width``."""
        p = model.p
        if firm.blacklisted:
            return 0.0
        s, w = firm.score, p.stake_width
        up = p.tender_credit * _near(s, 0.8, w) if firm.grade < 4 else 0.0
        down = (p.tender_credit * _near(s, 0.5, w) if firm.grade > 0
                else p.stake_blacklist * _near(s, p.blacklist_score, w))
        return up + down

    def effort(self, model: ModelView, effort: FloatArray) -> FloatArray:
        """Rated companies work harder by ``credit_effort`` per unit at stake (at most 1)."""
        return _stake_effort(model, self, partial(self.stake, model), model.p.credit_effort,
                             effort)

    def tender_pool(self, model: ModelView, firms: list[Company]) -> list[Company]:
        """Blacklisted companies cannot win tenders."""
        return [c for c in firms if not c.blacklisted]

    def tender_weights(self, model: ModelView, firms: list[Company],
                       weight: FloatArray) -> FloatArray:
        """Each grade step of a rated company adds ``tender_credit`` to its log-weight."""
        covered = model.policy_state(self)["covered"]
        return weight + model.p.tender_credit * np.array(
            [c.grade if c.company_id in covered else 0 for c in firms])

    def review(self, model: ModelView, firm: Company, score: float, rank: float) -> None:
        """Grade a rated company up at a score of 0.8, down below 0.5; blacklist grade C
        below ``blacklist_score``."""
        if firm.company_id not in model.policy_state(self)["covered"]:
            return
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
    acts_on = "companies serving estates"

    def start(self, model: ModelView, reach: float = 1.0) -> int:
        """Rate ``reach`` of the companies; how many newly rated."""
        return _covered(model, self, reach)

    def stake(self, model: ModelView, firm: Company) -> float:
        """What a company stands to win or lose at its next review: a star (near the top
        fifth of ranks) or the loss of one (near the bottom fifth), each worth
        ``tender_star`` of tender weight; nearness falls off over ``stake_width``."""
        p, r = model.p, firm.rank
        up = p.tender_star * _near(r, 0.8, p.stake_width) if firm.stars < 5 else 0.0
        down = p.tender_star * _near(r, 0.2, p.stake_width) if firm.stars > 0 else 0.0
        return up + down

    def effort(self, model: ModelView, effort: FloatArray) -> FloatArray:
        """Rated companies work harder by ``star_effort`` per unit at stake (at most 1)."""
        return _stake_effort(model, self, partial(self.stake, model), model.p.star_effort,
                             effort)

    def tender_weights(self, model: ModelView, firms: list[Company],
                       weight: FloatArray) -> FloatArray:
        """Each star of a rated company adds ``tender_star`` to its log-weight."""
        covered = model.policy_state(self)["covered"]
        return weight + model.p.tender_star * np.array(
            [c.stars if c.company_id in covered else 0 for c in firms])

    def review(self, model: ModelView, firm: Company, score: float, rank: float) -> None:
        """A star for the top fifth of rated companies, one less for the bottom fifth."""
        if firm.company_id not in model.policy_state(self)["covered"]:
            return
        if rank >= 0.8:
            firm.stars = min(firm.stars + 1, 5)
        elif rank < 0.2:
            firm.stars = max(firm.stars - 1, 0)


class ServicePoints(Policy):
    """On-site service points (the "5-minute home life circle"): faster response."""

    kind = "service_points"
    summary = "5分钟家居生活圈: on-site service points shorten response"
    acts_on = "estates"
    PARAMS: ClassVar[dict[str, Param]] = {p.name: p for p in (
        _share("share", "Estates that get a service point."),
        Param("response_days", 0, 0, 30, "days", "Response delay with a service point.",
              "scenario choice", integer=True),
    )}

    def start(self, model: ModelView, reach: float = 1.0) -> int:
        """Shorten the response delay at ``reach`` of the chosen share of estates."""
        n = len(model.estate_ids)
        state = model.policy_state(self)
        has = state.setdefault("has", np.zeros(n, bool))
        chosen = _pick(model.policy_rng(self), np.ones(n, bool), has,
                       self.values["share"] * reach)
        has[chosen] = True
        state.setdefault("before", model.response.copy())
        model.response[chosen] = int(self.values["response_days"])
        return len(chosen)

    def end(self, model: ModelView) -> None:
        """The service points close: the response delays before them again."""
        state = model.policy_state(self)
        if "has" in state:
            has = state["has"]
            model.response[has] = state["before"][has]


class CoBuilding(Policy):
    """Co-building with resident units: their resource hours add capacity."""

    kind = "co_building"
    summary = "共驻共建: resident units join with resource lists"
    acts_on = "resident units not yet co-building"
    PARAMS: ClassVar[dict[str, Param]] = {p.name: p for p in (
        _share("share", "Resident units not yet co-building that join."),
        Param("hours", 100, 0, 1000, "hours/month", "Resource hours a joining unit offers.",
              "generator range 10-200; scenario choice", integer=True),
    )}

    def start(self, model: ModelView, reach: float = 1.0) -> int:
        """Add co-building relationships in the graph (``reach`` of the share)."""
        city = model.city
        state = model.policy_state(self)
        if "units" not in state:
            units = sorted(u for u, _, _ in city.nodes(Label.RESIDENT_UNIT)
                           if not city.out(u, RelType.CO_BUILDS_WITH))
            order = model.policy_rng(self).permutation(len(units))
            state.update(units=[units[int(i)] for i in order], done=0, added=[])
        count = math.ceil(self.values["share"] * reach * len(state["units"]) - 1e-9)
        for unit in state["units"][state["done"]:count]:
            _link(city, state["added"], RelType.CO_BUILDS_WITH, unit,
                  city.out(unit, RelType.IN_COMMUNITY)[0],
                  resource_hours=int(self.values["hours"]))
        done = max(count - int(state["done"]), 0)
        state["done"] = max(count, state["done"])
        model.refresh_cobuilding()
        return done

    def end(self, model: ModelView) -> None:
        """The units it brought in stop co-building."""
        _take_back(model.city, model.policy_state(self).get("added", []))
        model.refresh_cobuilding()


class InterimManagement(Policy):
    """Faster interim management of vacuum estates by the street or community."""

    kind = "interim_management"
    summary = "物业管理真空: street/community step in sooner"
    acts_on = "estates"
    PARAMS: ClassVar[dict[str, Param]] = {"days": Param(
        "days", 7, 0, 720, "days", "Days from exit to interim management.", "scenario choice",
        integer=True)}

    def start(self, model: ModelView, reach: float = 1.0) -> int:
        """Move the delay ``reach`` of the way from ``interim_days`` to the policy's."""
        model.policy_state(self)["reach"] = reach
        return len(model.estate_ids)

    def interim_days(self, model: ModelView, days: int) -> int:
        """The policy's delay instead of ``interim_days`` (part of the way during a
        roll-out)."""
        reach = float(model.policy_state(self).get("reach", 1.0))
        return round(days + (int(self.values["days"]) - days) * reach)


def make_policy(kind: str, **values: Any) -> Policy:
    """A registered policy by kind, with validated timing and parameters.

    Parameters
    ----------
    kind : a key of :data:`POLICIES`.
    **values : the timing (:data:`TIMING`: ``start_day``, optional ``end_day``,
        ``rollout_days``) and the policy's parameters.

    Returns
    -------
    Policy
        A new policy, not yet in any model.
    """
    if kind not in POLICIES:
        raise ParamError(f"policy.kind: unknown policy {kind!r}; known: "
                         f"{', '.join(POLICIES)}")
    return POLICIES[kind](**values)
