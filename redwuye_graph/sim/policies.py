"""Policies: composable interventions with a start day and their own parameters.

Each policy is registered by ``kind`` in :data:`POLICIES` with its parameters as
:class:`~redwuye_graph.sim.params.Param` entries (validated like model parameters).
On its start day a policy either changes the model's copy of the organisation graph
(posts, committees, co-building; the links are then read again through
:func:`redwuye_graph.linkage.estate_linkage`) or switches a model mechanism on.

Examples
--------
>>> policy = make_policy("tripartite_meetings", start_day=30, per_month=2)
>>> policy.start_day, policy.values["per_month"]
(30, 2)
>>> make_policy("tripartite_meetings", per_month=9)
Traceback (most recent call last):
...
redwuye_graph.sim.params.ParamError: tripartite_meetings.per_month: 9 is outside [1, 8] (1/month)
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from redwuye_graph.schema import Label, RelType
from redwuye_graph.sim.params import Param, ParamError

if TYPE_CHECKING:
    from redwuye_graph.citygraph import CityGraph
    from redwuye_graph.sim.model import CityModel

__all__ = ["POLICIES", "START_DAY", "Policy", "make_policy"]

#: The start-day parameter every policy has.
START_DAY = Param("start_day", 0, 0, 3650, "day", "Day the policy takes effect.",
                  "scenario choice", integer=True)


def _share(name: str, meaning: str, default: float = 1.0) -> Param:
    return Param(name, default, 0.0, 1.0, "share", meaning, "policy target; scenario choice")


class Policy:
    """An intervention; subclasses set ``kind``, ``PARAMS`` and :meth:`apply`."""

    kind: ClassVar[str]
    summary: ClassVar[str]
    PARAMS: ClassVar[dict[str, Param]]

    def __init__(self, start_day: int = 0, **values: Any):
        where = self.kind
        self.start_day = int(START_DAY.check(start_day, where))
        unknown = sorted(set(values) - set(self.PARAMS))
        if unknown:
            raise ParamError(f"{where}.{unknown[0]}: unknown parameter; known: "
                             f"{', '.join(['start_day', *self.PARAMS])}")
        self.values = {k: spec.check(values.get(k, spec.default), where)
                       for k, spec in self.PARAMS.items()}
        self.model: CityModel | None = None

    def attach(self, model: CityModel) -> None:
        """Schedule this policy in ``model`` on its start day."""
        self.model = model
        model.schedule_event(self.start, at=float(self.start_day))

    def start(self) -> None:
        """Apply the policy to the model it is attached to."""
        assert self.model is not None
        self.apply(self.model)

    def apply(self, model: CityModel) -> None:
        """Change ``model``; called once, on the start day."""
        raise NotImplementedError

    def rng(self, model: CityModel) -> np.random.Generator:
        """The policies' random stream of ``model``."""
        return model.rngs["policies"]


def _pick(rng: np.random.Generator, eligible: np.ndarray, has: np.ndarray,
          target: float) -> list[int]:
    """Estates (indices) to add a link to so that ``target`` of ``eligible`` have it."""
    need = math.ceil(target * int(eligible.sum()) - 1e-9) - int((eligible & has).sum())
    lacking = np.flatnonzero(eligible & ~has)
    if need <= 0 or not len(lacking):
        return []
    return sorted(int(i) for i in rng.choice(lacking, min(need, len(lacking)), replace=False))


def _members(city: CityGraph, body: str, role: str | None = None) -> list[str]:
    return sorted(p for p, _, key, data in city.graph.in_edges(body, keys=True, data=True)
                  if key is RelType.MEMBER_OF and (role is None or data["props"]["role"] == role))


def _committee(city: CityGraph, comm: str, label: Label) -> str:
    return next(c for c in sorted(city.into(comm, RelType.COMMITTEE_OF)) if city.label(c) is label)


def _new_person(model: CityModel, party_member: bool) -> str:
    model._projects += 1
    person = f"PSIM{model._projects:07d}"
    model.city.add_node(Label.PERSON, person, name=f"appointee {model._projects}",
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

    def apply(self, model: CityModel) -> None:
        """Add committees and posts in the graph until each target share is met."""
        rng, city, v, links = self.rng(model), model.city, self.values, model.links
        for e in _pick(rng, model.served, model.owners, v["owners_committee"]):
            estate = model.estate_ids[e]
            model._projects += 1
            oc = f"OSIM{model._projects:06d}"
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
            rc = _committee(city, model.community[e], Label.RESIDENTS_COMMITTEE)
            who = _members(city, rc)
            city.add_rel(RelType.MEMBER_OF, who[int(rng.integers(len(who)))],
                         links["owners_committee"].iloc[e], role="member")
        for e in _pick(rng, col["has_company"], col["secretary_instructor"],
                       v["secretary_instructor"]):
            org = sorted(city.into(model.community[e], RelType.PARTY_ORG_OF))[0]
            city.add_rel(RelType.INSTRUCTOR_OF, _members(city, org, "secretary")[0],
                         links["project"].iloc[e])
        for e in _pick(rng, col["has_company"], col["quality_supervisor"],
                       v["quality_supervisor"]):
            who = _members(city, _committee(city, model.community[e],
                                            Label.RESIDENTS_COMMITTEE))
            city.add_rel(RelType.QUALITY_SUPERVISOR_OF, who[int(rng.integers(len(who)))],
                         links["project"].iloc[e])
        for e in _pick(rng, col["has_company"], col["head_on_regional_committee"],
                       v["head_on_regional_committee"]):
            rpc = _committee(city, model.community[e], Label.REGIONAL_PARTY_COMMITTEE)
            for head in _members(city, links["company"].iloc[e], "head"):
                city.add_rel(RelType.MEMBER_OF, head, rpc, role="member")
        for e in _pick(rng, col["has_owners_committee"], col["owners_on_regional_committee"],
                       v["owners_on_regional_committee"]):
            rpc = _committee(city, model.community[e], Label.REGIONAL_PARTY_COMMITTEE)
            who = _members(city, links["owners_committee"].iloc[e])
            city.add_rel(RelType.MEMBER_OF, who[int(rng.integers(len(who)))], rpc, role="member")
        model.refresh_links()


class TripartiteMeetings(Policy):
    """More frequent tripartite meetings at tripartite estates."""

    kind = "tripartite_meetings"
    summary = "三方联动: joint meetings of residents', owners' committee and company"
    PARAMS: ClassVar[dict[str, Param]] = {"per_month": Param(
        "per_month", 2, 1, 8, "1/month", "Meetings per month.", "scenario choice",
        integer=True)}

    def apply(self, model: CityModel) -> None:
        """Reschedule the meetings."""
        model.set_meetings(int(self.values["per_month"]))


class Instructors(Policy):
    """Party-building instructors for companies with no party organisation."""

    kind = "instructors"
    summary = "党建指导员 for companies without a party organisation"
    PARAMS: ClassVar[dict[str, Param]] = {"share": _share(
        "share", "Companies without party organisation or instructor that get an instructor.")}

    def apply(self, model: CityModel) -> None:
        """Appoint instructors in the graph."""
        firms = model.links.dropna(subset=["company"]).drop_duplicates("company")
        lacking = sorted(firms.loc[~firms["company_party_org"] & ~firms["company_instructor"],
                                   "company"])
        rng = self.rng(model)
        count = math.ceil(self.values["share"] * len(lacking) - 1e-9)
        for i in sorted(rng.choice(len(lacking), count, replace=False)) if count else []:
            model.city.add_rel(RelType.INSTRUCTOR_OF, _new_person(model, True), lacking[int(i)])
        model.refresh_links()


class CreditRating(Policy):
    """Credit rating with blacklist: reviews re-grade companies; grades steer tenders."""

    kind = "credit_rating"
    summary = "信用评价、黑名单: reviews, grades in tenders, blacklisted firms excluded"
    PARAMS: ClassVar[dict[str, Param]] = {}

    def apply(self, model: CityModel) -> None:
        """Switch credit rating on."""
        model.credit_rating = True


class StarRating(Policy):
    """Star rating of companies: reviews award stars; stars steer tenders."""

    kind = "star_rating"
    summary = "星级物业服务企业: stars at reviews, stars in tenders"
    PARAMS: ClassVar[dict[str, Param]] = {}

    def apply(self, model: CityModel) -> None:
        """Switch star rating on."""
        model.star_rating = True


class ServicePoints(Policy):
    """On-site service points (the "5-minute home life circle"): faster response."""

    kind = "service_points"
    summary = "5分钟家居生活圈: on-site service points shorten response"
    PARAMS: ClassVar[dict[str, Param]] = {p.name: p for p in (
        _share("share", "Estates that get a service point."),
        Param("response_days", 0, 0, 30, "days", "Response delay with a service point.",
              "scenario choice", integer=True),
    )}

    def apply(self, model: CityModel) -> None:
        """Shorten the response delay at the chosen estates."""
        n = len(model.estate_ids)
        chosen = _pick(self.rng(model), np.ones(n, bool), np.zeros(n, bool),
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

    def apply(self, model: CityModel) -> None:
        """Add co-building relationships in the graph."""
        city = model.city
        units = sorted(u for u, _, _ in city.nodes(Label.RESIDENT_UNIT)
                       if not city.out(u, RelType.CO_BUILDS_WITH))
        count = math.ceil(self.values["share"] * len(units) - 1e-9)
        rng = self.rng(model)
        for i in sorted(rng.choice(len(units), count, replace=False)) if count else []:
            unit = units[int(i)]
            city.add_rel(RelType.CO_BUILDS_WITH, unit, city.out(unit, RelType.IN_COMMUNITY)[0],
                         resource_hours=int(self.values["hours"]))
        model._cobuild_hours()


class InterimManagement(Policy):
    """Faster interim management of vacuum estates by the street or community."""

    kind = "interim_management"
    summary = "物业管理真空: street/community step in sooner"
    PARAMS: ClassVar[dict[str, Param]] = {"days": Param(
        "days", 7, 0, 720, "days", "Days from exit to interim management.", "scenario choice",
        integer=True)}

    def apply(self, model: CityModel) -> None:
        """Shorten the interim-management delay."""
        model.p = replace(model.p, interim_days=int(self.values["days"]))


#: Registered policies by kind.
POLICIES: dict[str, type[Policy]] = {cls.kind: cls for cls in (
    CrossAppointment, TripartiteMeetings, Instructors, CreditRating, StarRating,
    ServicePoints, CoBuilding, InterimManagement)}


def make_policy(kind: str, **values: Any) -> Policy:
    """A registered policy by kind, with validated parameters (and ``start_day``)."""
    if kind not in POLICIES:
        raise ParamError(f"policy.kind: unknown policy {kind!r}; known: "
                         f"{', '.join(POLICIES)}")
    return POLICIES[kind](**values)
