"""Hours of the channels beyond the company, read from who holds which posts in the graph.

A person's *posts* are the bodies they work for: their community's two committees (the
residents' committee and the community party organisation count as one post), each
owners' committee (with its party group), and each ``INSTRUCTOR_OF`` or
``QUALITY_SUPERVISOR_OF`` target. A person gives ``hours_committee`` (a two-committee
member) or ``hours_owner`` (anyone else) hours a month and splits them equally among
their posts, so a person holding several posts gives each less.

Per estate and month this yields:

- *owners' hours*: the posts on the estate's owners' committee held by people outside the
  community's two committees (the owners themselves);
- *cross hours*: the posts of two-committee members that tie the estate to the community
  (on its owners' committee, instructor or quality supervisor of its project);
- and per community, *community hours*: the two-committee members' community posts.

Examples
--------
>>> from redwuye_graph.generate import generate
>>> from redwuye_graph.sim.params import Params
>>> city = generate("tiny", seed=1)
>>> estates = sorted(e for e, _, _ in city.nodes(Label.ESTATE))
>>> hours = channel_hours(city, estates, Params())
>>> len(hours.owners) == len(estates), bool((hours.cross >= 0).all())
(True, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from redwuye_graph.citygraph import CityGraph
from redwuye_graph.schema import Label, RelType
from redwuye_graph.sim.params import Params

__all__ = ["ChannelHours", "channel_hours", "community_hours"]


@dataclass
class ChannelHours:
    """Monthly hours of the channels of some estates (arrays in the estates' order)."""

    owners: np.ndarray
    cross: np.ndarray
    community: dict[str, float]


def _post(city: CityGraph, body: str) -> tuple[str, str] | None:
    """The post a ``MEMBER_OF`` ``body`` stands for (kind, host), or None (no linkage work)."""
    label = city.label(body)
    if label is Label.RESIDENTS_COMMITTEE:
        return ("community", city.out(body, RelType.COMMITTEE_OF)[0])
    if label is Label.OWNERS_COMMITTEE:
        return ("owners", body)
    if label is Label.PARTY_ORG:
        hosts = city.out(body, RelType.PARTY_ORG_OF)
        if hosts and city.label(hosts[0]) is Label.COMMUNITY:
            return ("community", hosts[0])
        if hosts and city.label(hosts[0]) is Label.OWNERS_COMMITTEE:
            return ("owners", hosts[0])
    return None


def _posts(city: CityGraph, person: str) -> set[tuple[str, str]]:
    posts = {p for body in city.out(person, RelType.MEMBER_OF)
             if (p := _post(city, body)) is not None}
    posts.update(("instructor", t) for t in city.out(person, RelType.INSTRUCTOR_OF))
    posts.update(("supervisor", t) for t in city.out(person, RelType.QUALITY_SUPERVISOR_OF))
    return posts


def _two_committees(city: CityGraph, community: str) -> set[str]:
    rc = city.committee(community, Label.RESIDENTS_COMMITTEE)
    people = city.members(rc) if rc else set()
    for org in city.into(community, RelType.PARTY_ORG_OF):
        people |= city.members(org)
    return people


def community_hours(city: CityGraph, community: str, p: Params) -> float:
    """Hours a month the community's two committees give to escalated complaints."""
    return sum(p.hours_committee / len(_posts(city, person))
               for person in _two_committees(city, community))


def channel_hours(city: CityGraph, estates: Sequence[str], p: Params,
                  communities: Iterable[str] | None = None) -> ChannelHours:
    """Owners' and cross hours of ``estates`` and the community hours of their
    communities (or of ``communities``, when given)."""
    owners = np.zeros(len(estates))
    cross = np.zeros(len(estates))
    members: dict[str, set[str]] = {}
    share: dict[str, float] = {}

    def hours(person: str, rate: float) -> float:
        if person not in share:
            share[person] = 1.0 / max(len(_posts(city, person)), 1)
        return rate * share[person]

    seen: list[str] = []
    for e, estate in enumerate(estates):
        comm = city.out(estate, RelType.IN_COMMUNITY)[0]
        if comm not in members:
            members[comm] = _two_committees(city, comm)
            seen.append(comm)
        two = members[comm]
        oc = city.committee(estate, Label.OWNERS_COMMITTEE)
        for person in city.members(oc) if oc else ():
            if person in two:
                cross[e] += hours(person, p.hours_committee)
            else:
                owners[e] += hours(person, p.hours_owner)
        for project in city.into(estate, RelType.SERVES):
            for rel in (RelType.INSTRUCTOR_OF, RelType.QUALITY_SUPERVISOR_OF):
                for person in city.into(project, rel):
                    if person in two:
                        cross[e] += hours(person, p.hours_committee)
    wanted = seen if communities is None else list(communities)
    return ChannelHours(owners, cross, {c: community_hours(city, c, p) for c in wanted})
